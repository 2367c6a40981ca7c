"""The governance commands through click's CliRunner: output, --as-of, and one-line errors (exit 2)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance.cli import cli
from ccc_governance.contracts import registry
from ccc_governance.store.db import open_db


@pytest.fixture
def run(tmp_path, monkeypatch, contract_texts):
    """Invoke `ccc --db …` in a temporary folder with both test contracts registered."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CCC_AS_OF", raising=False)
    monkeypatch.delenv("CCC_DB", raising=False)
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "acme.toml").write_text(contract_texts["acme"], encoding="utf-8")
    (tmp_path / "contracts" / "beta.toml").write_text(contract_texts["beta"], encoding="utf-8")
    db_path = tmp_path / "ccc.db"
    db = open_db(db_path)
    registry.register(db, tmp_path / "contracts")
    db.conn.close()

    def invoke(*args, env=None):
        return CliRunner().invoke(cli, ["--db", str(db_path), *args], env=env, catch_exceptions=False)

    return invoke


def _one_line_error(result, text):
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and text in lines[0], result.output


def test_reviews_overdue_on_the_right_date(run):
    before = run("reviews", "--contract", "acme", "--overdue", "--as-of", "2026-11-10", "--json")
    assert before.exit_code == 0
    assert "2026-10" not in [r["period"] for r in json.loads(before.output)]
    after = run("reviews", "--contract", "acme", "--overdue", "--json", env={"CCC_AS_OF": "2026-11-11"})
    assert "2026-10" in [r["period"] for r in json.loads(after.output)]
    due = run("reviews", "--due", "--as-of", "2026-11-08")
    assert "acme         2026-10  pre_read_due  2026-11-07   2026-11-10" in due.output


def test_record_sign_and_show_a_review(run, tmp_path):
    minutes = tmp_path / "m.txt"
    minutes.write_text("minutes")
    r = run("review", "record", "acme", "2026-10", "--held-on", "2026-11-14", "--attendee", "Ann", "--attendee", "Bob",
            "--minutes", str(minutes), "--decision", "Hire two agents")
    assert r.exit_code == 0 and "recorded (held on 2026-11-14" in r.output
    assert run("review", "sign", "acme", "2026-10", "--party", "client", "--on", "2026-11-15").exit_code == 0
    _one_line_error(run("review", "sign", "acme", "2026-10", "--party", "vendor", "--on", "2026-11-15"),
                    "party 'vendor' does not sign off reviews of contract acme")
    shown = run("review", "show", "acme", "2026-10")
    assert "Attendees: Ann, Bob" in shown.output and "Signed by client on 2026-11-15" in shown.output
    cal = json.loads(run("reviews", "--contract", "acme", "--as-of", "2026-11-20", "--json").output)
    oct_ = next(x for x in cal if x["period"] == "2026-10")
    assert (oct_["state"], oct_["late_days"]) == ("held", 4)


def test_actions_add_list_close(run):
    r = run("action", "add", "acme", "--title", "Fix IVR", "--owner", "CallCo", "--due", "2026-11-30", "--as-of", "2026-11-01")
    assert r.exit_code == 0 and "action #1 opened" in r.output
    assert "OVERDUE" not in run("actions", "--as-of", "2026-11-30").output
    assert "OVERDUE" in run("actions", "--contract", "acme", "--as-of", "2026-12-01").output
    assert run("action", "close", "1", "--note", "done", "--as-of", "2026-12-02").exit_code == 0
    assert "(none)" in run("actions", "--as-of", "2026-12-03").output
    assert "closed" in run("actions", "--all", "--as-of", "2026-12-03").output
    _one_line_error(run("action", "close", "1", "--note", "again"), "already closed")
    _one_line_error(run("action", "add", "acme", "--title", "x", "--owner", "y", "--due", "30/11/2026"),
                    "--due '30/11/2026' is not a date")


def test_obligations_and_evidence_roundtrip(run, tmp_path):
    out = json.loads(run("obligations", "--contract", "acme", "--overdue", "--as-of", "2026-10-28", "--json").output)
    assert ("forecast", "2026-10-27") in [(o["obligation_id"], o["due"]) for o in out]
    out = json.loads(run("obligations", "--overdue", "--as-of", "2026-10-27", "--json").output)
    assert ("forecast", "2026-10-27") not in [(o["obligation_id"], o["due"]) for o in out]
    proof = tmp_path / "forecast-nov.csv"
    proof.write_bytes(b"day,calls\n2026-11-02,420\n")
    r = run("evidence", "add", "acme", "forecast", "--date", "2026-10-29", "--file", str(proof), "--occurrence", "2026-10-27")
    assert r.exit_code == 0 and "evidence #1: file forecast-nov.csv (25 bytes) for forecast due 2026-10-27" in r.output
    proof.unlink()
    got = run("evidence", "get", "1", "-o", str(tmp_path / "back.csv"))
    assert got.exit_code == 0 and (tmp_path / "back.csv").read_bytes() == b"day,calls\n2026-11-02,420\n"
    assert "forecast-nov.csv" in run("evidence", "list", "--contract", "acme").output
    assert json.loads(run("evidence", "show", "1").output)["occurrence"] == "2026-10-27"
    _one_line_error(run("evidence", "add", "acme", "nope", "--date", "2026-10-29", "--note", "x"),
                    "contract acme has no obligation or duty 'nope'")
    _one_line_error(run("evidence", "add", "acme", "forecast", "--date", "2026-13-01", "--note", "x"), "is not a date")
    _one_line_error(run("evidence", "get", "9", "-o", str(tmp_path)), "no evidence with id 9")


def test_unknown_contract_is_a_one_line_error(run):
    for args in (["reviews", "--contract", "zz"], ["status", "zz"], ["obligations", "--contract", "zz"],
                 ["purge", "--contract", "zz"], ["review", "record", "zz", "2026-10", "--held-on", "2026-11-01"]):
        _one_line_error(run(*args, "--as-of", "2026-11-01") if args[0] != "review" else run(*args), "unknown contract 'zz'")
    _one_line_error(run("reviews", "--as-of", "yesterday"), "--as-of 'yesterday' is not a date")


def test_purge_dry_run_then_yes(run, tmp_path):
    db = open_db(tmp_path / "ccc.db")
    db["batches"].insert({"id": 1, "source": "amazon-connect", "file_name": "f", "sha256": "0", "started_at": "x"})
    db["contacts"].insert({"source": "amazon-connect", "source_id": "a", "batch_id": 1, "arrived_at": 1_780_000_000_000,
                           "queue": "Acme Support", "channel": "voice", "direction": "inbound"})  # 2026-05-28
    db.conn.close()
    dry = run("purge", "--contract", "acme", "--as-of", "2027-06-01")
    assert "contacts: would delete 1" in dry.output and "dry run" in dry.output
    done = run("purge", "--contract", "acme", "--as-of", "2027-06-01", "--yes", "--json")
    assert json.loads(done.output)["counts"]["contacts"] == 1
    assert "contacts: would delete 0" in run("purge", "--contract", "acme", "--as-of", "2027-06-01").output


def test_audit_commands_and_status(run):
    assert "Formation du personnel du CCC" in run("audit", "questions", "--lang", "fr").output
    assert "audit #1 of CallCo started on 2026-11-02" in run("audit", "start", "CallCo", "--contract", "acme", "--on", "2026-11-02").output
    r = run("audit", "answer", "1", "training.records", "no", "--comment", "no records kept", "--as-of", "2026-11-02")
    assert "action #1 opened for acme, due 2026-12-02" in r.output
    run("audit", "answer", "1", "training.induction", "yes", "--as-of", "2026-11-02")
    rep = json.loads(run("audit", "report", "1", "--format", "json").output)
    assert rep["overall_pct"] == 66.7  # induction (2) yes, records (1) no: 2 / 3
    assert "training.records" in run("audit", "report", "1", "--format", "md").output
    assert "66.7" in run("audit", "list").output
    _one_line_error(run("audit", "start", "Nobody"), "unknown CCC 'Nobody'")
    _one_line_error(run("audit", "answer", "1", "training.records", "maybe"), "answer 'maybe' is not one of")
    _one_line_error(run("audit", "close", "1", "--on", "2026-11-01"), "cannot close before")
    assert "audit #1 of CallCo closed on 2026-11-05" in run("audit", "close", "1", "--on", "2026-11-05").output
    _one_line_error(run("audit", "answer", "1", "training.records", "yes", "--as-of", "2026-11-06"),
                    "audit #1 was closed on 2026-11-05")
    _one_line_error(run("audit", "close", "1"), "already closed")
    # the score stays as it was, and the action the audit opened stays open
    assert json.loads(run("audit", "report", "1", "--format", "json").output)["overall_pct"] == 66.7
    assert json.loads(run("actions", "--contract", "acme", "--json").output)[0]["status"] == "open"
    st = run("status", "acme", "--as-of", "2026-12-03")
    assert st.exit_code == 0
    assert "Last audit: #1 on 2026-11-02, score 66.7 %" in st.output
    assert "OVERDUE" in st.output and "Open breaches: 0" in st.output
    assert json.loads(run("status", "acme", "--as-of", "2026-12-03", "--json").output)["next_review"]["period"] == "2026-01"


def test_purge_duty_must_be_a_data_handling_duty_of_the_contract(run):
    _one_line_error(run("purge", "--contract", "acme", "--as-of", "2027-06-01", "--duty", "forecast", "--yes"),
                    "a purge is evidence only for a [[data_handling.duty]] of acme: forecast is an obligation of the client")
    _one_line_error(run("purge", "--contract", "acme", "--as-of", "2027-06-01", "--duty", "nope"),
                    "has no obligation or duty 'nope'")
    assert run("purge", "--contract", "acme", "--as-of", "2027-06-01", "--duty", "dpia").exit_code == 0
