"""`ccc import`, `ccc batches`, `ccc batch show|undo`, `ccc quarantine`, `ccc plugins` through click."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli

MAPPING = """
kind = "contact"
source_id = "id"
timezone = "Europe/Paris"
[fields]
arrived_at = "start"
wait_s = "wait"
outcome = "result"
customer = "caller"
[values.outcome]
OK = "answered"
AB = "abandoned"
"""


@pytest.fixture
def run(ccc_workspace, monkeypatch):
    monkeypatch.chdir(ccc_workspace.root)
    (ccc_workspace.root / "map.toml").write_text(MAPPING, encoding="utf-8")

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def _csv(path, *rows):
    path.write_text("id,start,wait,result,caller\n" + "".join(r + "\n" for r in rows), encoding="utf-8")
    return str(path)


def test_import_summary_quarantine_listing_and_second_import(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,0639981111", "b,2026-10-01 10:01:00,3,AB,",
             "c,2026-10-01 10:02:00,x,OK,", "d,2026-10-01 10:03:00,4,LOST,")
    r = run("import", "csv", f, "--option", "mapping=map.toml")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith("calls.csv: imported 2, replaced 0, duplicates skipped 0, older skipped 0, quarantined 2 (batch 1, ")
    assert lines[0].endswith(" rows/s)")
    assert lines[1] == "  calls.csv:4: column 'wait': 'x' is not a number"
    assert lines[2] == "  calls.csv:5: column 'result': 'LOST' is not in [values.outcome] of the mapping"
    r = run("import", "csv", f, "-o", "mapping=map.toml")
    assert r.output == "calls.csv: already imported in batch 1, nothing added (undo that batch to import it again)\n"
    assert r.exit_code == 0


def test_strict_exits_2_with_first_reason_and_stores_nothing(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,", "c,2026-10-01 10:02:00,x,OK,")
    r = CliRunner().invoke(cli, ["import", "csv", f, "-o", "mapping=map.toml", "--strict"])
    assert r.exit_code == 2
    assert "error: --strict: 1 row(s) would be quarantined, nothing imported: calls.csv:3: column 'wait'" in r.output
    assert json.loads(run("batches", "--json").output) == []


def test_unknown_source_exit_2_lists_known(run, tmp_path):
    r = CliRunner().invoke(cli, ["import", "cvs", str(tmp_path / "x.csv")])
    assert r.exit_code == 2
    assert "error: unknown source 'cvs'. Did you mean 'csv'? Known sources:" in r.output


def test_bad_option_syntax_is_one_line(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,")
    r = CliRunner().invoke(cli, ["import", "csv", f, "-o", "mapping"])
    assert r.exit_code == 2 and r.output.startswith("error: ") and "must be written key=value" in r.output


def test_batches_show_undo_and_quarantine(run, tmp_path):
    f = _csv(tmp_path / "calls.csv", "a,2026-10-01 10:00:00,12,OK,", "c,2026-10-01 10:02:00,x,OK,")
    run("import", "csv", f, "-o", "mapping=map.toml", "--contract", "acme")
    batches = json.loads(run("batches", "--json").output)
    assert [(b["id"], b["source"], b["file_name"], b["imported"], b["quarantined"], b["contract_id"], b["status"])
            for b in batches] == [(1, "csv", "calls.csv", 1, 1, "acme", "complete")]
    assert batches[0]["first_at"] == "2026-10-01T08:00:00Z"  # 10:00 Paris summer time
    shown = run("batch", "show", "1").output
    assert "batch 1 (complete)" in shown and "1 in contacts" in shown
    q = run("quarantine", "1").output
    assert q.startswith("[batch 1] calls.csv:3: column 'wait': 'x' is not a number")
    r = run("batch", "undo", "1")
    assert r.output == "batch 1 undone: 1 records removed, 0 restored\n"
    assert json.loads(run("batches", "--json").output)[0]["status"] == "undone"
    r = CliRunner().invoke(cli, ["batch", "undo", "1"])
    assert r.exit_code == 2 and "error: batch 1 is already undone" in r.output
    r = CliRunner().invoke(cli, ["batch", "show", "7"])
    assert r.exit_code == 2 and "no batch 7" in r.output


def test_plugins_lists_csv_with_origin(run):
    out = json.loads(run("plugins", "--json").output)
    csv = next(p for p in out if p["name"] == "csv")
    assert csv["origin"] == "entry point (ccc-csv)" and csv["sources"][0]["name"] == "csv"
    assert "csv 0.1.0 [entry point (ccc-csv)]" in run("plugins").output


def test_plugins_new_creates_package(run, tmp_path):
    r = run("plugins", "new", "acme-pbx", "--dir", str(tmp_path))
    assert r.exit_code == 0
    assert (tmp_path / "ccc-acme-pbx" / "ccc_acme_pbx.py").is_file()
