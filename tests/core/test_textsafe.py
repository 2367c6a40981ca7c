"""Text from files and users is shown with its control characters made visible (issue #11, item 10).

`visible()` itself, then the commands that print users' text: a title, note or raw line holding
`ESC ] 0;… BEL` (retitles the terminal) or a C1 CSI must come out as `\\x1b]0;…\\x07`, never raw.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts import registry
from ccc_governance.store.db import open_db
from ccc_governance.textsafe import visible, visible_json

#: What an attacker (or a broken export) puts in a field: an OSC retitle, a screen clear, a C1 CSI.
HOSTILE = "x\x1b]0;pwned\x07\x1b[2J\x9b31my"
SHOWN = "x\\x1b]0;pwned\\x07\\x1b[2J\\x9b31my"
RAW = ("\x1b", "\x07", "\x9b")


def test_visible_leaves_clean_text_alone():
    for text in ("", "Acme support — niveau de service 80 %", "日本語 😀 C:\\exports\\q.csv", "a\u200db"):
        assert visible(text) == text
        assert visible(text, multiline=True) == text


def test_visible_writes_every_control_character_out():
    assert visible(HOSTILE) == SHOWN
    assert visible("a\tb\nc\rd\x00e\x7ff\x85g") == "a\\tb\\nc\\rd\\x00e\\x7ff\\x85g"
    # line separators and bidirectional overrides, which make a line look like something else
    assert visible("a\u2028b\u202ec\u2066d") == "a\\u2028b\\u202ec\\u2066d"
    every = "".join(map(chr, [*range(0x20), *range(0x7F, 0xA0)]))
    out = visible(every)
    assert out.isprintable() and "\\x1b" in out and len(out) == 2 + 2 + 2 + 4 * (32 - 3 + 33)


def test_visible_multiline_keeps_line_breaks_and_tabs_only():
    assert visible("one\r\ntwo\tthree\n\x1b]0;t\x07\rfour", multiline=True) == "one\ntwo\tthree\n\\x1b]0;t\\x07\\rfour"


def test_visible_of_none_and_numbers():
    assert visible(None) == "" and visible(42) == "42"


def test_visible_json_is_the_same_json_and_safe():
    value = {"note": HOSTILE + "\u2028\x7f", "ok": "é"}
    text = visible_json(json.dumps(value, ensure_ascii=False))
    assert json.loads(text) == value
    assert not any(c in text for c in (*RAW, "\u2028", "\x7f")) and "é" in text


# --------------------------------------------------------------------------- through the CLI

CONTRACT = """\
schema = "ccc-contract/1"

[contract]
id = "acme"
title = "Acme x\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31my"
client = "Acme [red]x[/red]"
ccc = "CallCo"
effective_from = 2026-01-01
timezone = "Europe/Paris"

[scope]
queues = ["acme"]
channels = ["voice"]

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
answer_within_s = 20

[review]
frequency = "monthly"
sign_off = ["client"]

[[obligation]]
id = "forecast"
description = "Forecast x\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31my"
every = "monthly"
due = "-5d"
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    """`ccc --db …` on a database whose contract's title and obligation hold escape sequences."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    (tmp_path / "acme.toml").write_text(CONTRACT, encoding="utf-8")
    db_path = tmp_path / "ccc.db"
    db = open_db(db_path)
    registry.register(db, tmp_path / "acme.toml")
    db.conn.close()

    def invoke(*args):
        result = CliRunner().invoke(cli, ["--db", str(db_path), *args], catch_exceptions=False)
        return result

    invoke.db_path = db_path
    return invoke


def _safe(text: str) -> None:
    assert not any(c in text for c in RAW), repr(text)


def test_contract_text_from_toml_is_shown_visible(run):
    assert "\x1b" in json.loads(run("contract", "show", "acme", "--format", "json").output)["contract"]["contract"]["title"]
    for args in (["contract", "list"], ["contract", "show", "acme"], ["contract", "list", "--format", "json"],
                 ["contract", "show", "acme", "--format", "json"], ["contract", "show", "acme", "--format", "toml"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        _safe(result.output)
    assert SHOWN in run("contract", "show", "acme").output
    assert SHOWN in run("contract", "list").output


def test_users_notes_and_titles_are_shown_visible(run, tmp_path):
    assert run("action", "add", "acme", "--title", HOSTILE, "--owner", "o\x07", "--due", "2026-12-01",
               "--as-of", "2026-11-01").exit_code == 0
    assert run("review", "record", "acme", "2026-10", "--held-on", "2026-11-05", "--attendee", HOSTILE,
               "--decision", HOSTILE).exit_code == 0
    assert run("evidence", "add", "acme", "forecast", "--date", "2026-10-20", "--note", HOSTILE).exit_code == 0
    proof = tmp_path / "proof\x1b]0;t\x07.csv"
    proof.write_text("x")
    assert run("evidence", "add", "acme", "forecast", "--date", "2026-10-21", "--file", str(proof)).exit_code == 0
    run("audit", "start", "CallCo", "--contract", "acme", "--on", "2026-11-02")
    run("audit", "answer", "1", "training.records", "no", "--comment", HOSTILE, "--as-of", "2026-11-02")
    text, as_json = "\\x1b]0;", "\\u001b]0;"  # JSON has its own escape for ESC
    for expected, args in ((text, ["actions", "--as-of", "2026-11-02"]), (text, ["review", "show", "acme", "2026-10"]),
                           (text, ["status", "acme", "--as-of", "2026-11-02"]), (text, ["evidence", "list"]),
                           (as_json, ["evidence", "show", "1"]), (as_json, ["actions", "--json", "--as-of", "2026-11-02"]),
                           (None, ["obligations", "--as-of", "2026-11-02"]),
                           (text, ["audit", "report", "1"]), (text, ["audit", "report", "1", "--format", "md"])):
        result = run(*args)
        assert result.exit_code == 0, (args, result.output)
        _safe(result.output)
        assert expected is None or expected in result.output, args


def test_error_lines_quoting_user_data_are_visible(run):
    for args in (["status", HOSTILE], [HOSTILE], ["reviews", "--as-of", HOSTILE]):
        result = run(*args)
        assert result.exit_code == 2
        assert result.output.startswith("error: ") and len(result.output.splitlines()) == 1, result.output
        _safe(result.output)
        assert "\\x1b]0;pwned\\x07" in result.output


# Breach notes (cli/evaluate.py) and quarantined raw lines (cli/imports.py).


def test_breach_notes_are_shown_visible(run):
    db = open_db(run.db_path)
    db["breaches"].insert({"id": 1, "contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "period": "2026-10",
                           "status": "open", "first_seen_at": "2026-11-02T07:00:00Z",
                           "last_seen_at": "2026-11-02T07:00:00Z", "actual": 0.6, "target": 0.8, "breach": 0.7,
                           "volume": 100})
    db.conn.close()
    assert run("breach", "ack", "1", "--note", HOSTILE, "--as-of", "2026-11-03").exit_code == 0
    shown = run("breach", "show", "1")
    assert shown.exit_code == 0 and SHOWN in shown.output
    _safe(shown.output)


def test_quarantined_raw_lines_are_shown_visible(run):
    db = open_db(run.db_path)
    db["batches"].insert({"id": 1, "source": "csv", "file_name": "q\x1b]0;f\x07.csv", "sha256": "0",
                          "started_at": "2026-11-01T00:00:00Z", "status": "complete"})
    db["quarantine"].insert({"batch_id": 1, "file_name": "q\x1b]0;f\x07.csv", "line": 3, "reason": HOSTILE,
                             "raw": HOSTILE})
    db.conn.close()
    shown = run("quarantine")
    assert shown.exit_code == 0 and SHOWN in shown.output
    _safe(shown.output)


def test_init_echoes_the_folder_visible(tmp_path):
    folder = tmp_path / "ws\x1b]0;t\x07"
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0 and (folder / "ccc.toml").exists()
    _safe(result.output)
    assert "ws\\x1b]0;t\\x07" in result.output
