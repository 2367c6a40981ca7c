"""Who did what (issue #14, item 3): every write a person or job makes records its actor (`--actor`,
`CCC_ACTOR`, else the login name) in its own row and in the change log, `review show`, `breach
show` and `contract show` say who, and a change that fails leaves neither."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from ccc_governance import trail
from ccc_governance.actor import login_name
from ccc_governance.cli import cli
from ccc_governance.contracts import registry
from ccc_governance.engine import breaches
from ccc_governance.errors import NotFoundError
from ccc_governance.governance import actions, purge
from ccc_governance.store.db import open_db

pytestmark = pytest.mark.sqlite_only  # declared actors are SQLite's; PostgreSQL: tests/store/test_postgres_store.py


@pytest.fixture
def ws(tmp_path, monkeypatch, contract_texts):
    """A database with `acme` and `beta` registered by "setup"; `run(*args, env=…)` invokes `ccc --db …`."""
    monkeypatch.chdir(tmp_path)
    for name in ("CCC_AS_OF", "CCC_DB", "CCC_ACTOR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / "contracts").mkdir()
    for cid, text in contract_texts.items():
        (tmp_path / "contracts" / f"{cid}.toml").write_text(text, encoding="utf-8")
    db_path = tmp_path / "ccc.db"
    monkeypatch.setenv("CCC_ACTOR", "setup")
    db = open_db(db_path)
    registry.register(db, tmp_path / "contracts")
    db.conn.close()
    monkeypatch.delenv("CCC_ACTOR")

    class Ws:
        path = db_path

        @staticmethod
        def run(*args, env=None):
            return CliRunner().invoke(cli, ["--db", str(db_path), *args], env=env, catch_exceptions=False)

        @staticmethod
        def rows(sql, args=()):
            db = open_db(db_path)
            try:
                return [tuple(r) for r in db.execute(sql, list(args)).fetchall()]
            finally:
                db.conn.close()

        @staticmethod
        def log(*args):
            return json.loads(Ws.run("log", "--json", *args).output)

    return Ws


def test_every_governance_write_records_its_actor_and_a_log_entry(ws, tmp_path):
    run, ann, bob = ws.run, {"CCC_ACTOR": "ann"}, {"CCC_ACTOR": "bob"}
    assert run("review", "record", "acme", "2026-10", "--held-on", "2026-11-14", "--attendee", "Ann", env=ann).exit_code == 0
    assert run("--actor", "bob", "review", "sign", "acme", "2026-10", "--party", "client", "--on", "2026-11-15",
               "--name", "Ann Client", env=ann).exit_code == 0  # --actor wins over CCC_ACTOR
    run("action", "add", "acme", "--title", "Fix IVR", "--owner", "CallCo", "--due", "2026-11-30",
        "--as-of", "2026-11-01", env=ann)
    run("action", "close", "1", "--note", "done", "--as-of", "2026-11-20", env=bob)
    run("evidence", "add", "acme", "forecast", "--date", "2026-10-29", "--note", "sent by mail", env=ann)
    run("audit", "start", "CallCo", "--contract", "acme", "--on", "2026-11-02", env=bob)
    run("audit", "answer", "1", "training.records", "no", "--as-of", "2026-11-02", env=bob)
    run("audit", "answer", "1", "training.records", "partly", "--as-of", "2026-11-03", env=ann)
    run("audit", "close", "1", "--on", "2026-11-05", env=ann)
    run("exclusion", "add", "acme", "--from", "2026-10-05", "--to", "2026-10-05", "--reason", "outage", env=bob)
    run("exclusion", "remove", "1", env=ann)

    assert ws.rows("SELECT registered_by FROM contract_versions") == [("setup",), ("setup",)]
    assert ws.rows("SELECT recorded_by FROM reviews") == [("ann",)]
    assert ws.rows("SELECT name, recorded_by FROM review_signoffs") == [("Ann Client", "bob")]
    assert ws.rows("SELECT raised_by, closed_by FROM actions ORDER BY id") == [("ann", "bob"), ("bob", None)]
    assert ws.rows("SELECT recorded_by FROM evidence") == [("ann",)]
    assert ws.rows("SELECT started_by, closed_by FROM audits") == [("bob", "ann")]
    assert ws.rows("SELECT answer, answered_by FROM audit_answers") == [("partly", "ann")]

    log = ws.log()
    assert [(e["kind"], e["actor"]) for e in log] == [
        ("contract.register", "setup"), ("contract.register", "setup"),
        ("review.record", "ann"), ("review.sign_off", "bob"), ("action.add", "ann"), ("action.close", "bob"),
        ("evidence.add", "ann"), ("audit.start", "bob"), ("audit.answer", "bob"), ("action.add", "bob"),
        ("audit.answer", "ann"), ("audit.close", "ann"), ("exclusion.add", "bob"), ("exclusion.remove", "ann"),
    ]
    changed = next(e for e in log if e["kind"] == "audit.answer" and e["actor"] == "ann")
    assert (changed["before"]["answer"], changed["before"]["answered_by"], changed["after"]["answer"]) == ("no", "bob", "partly")
    assert log[5]["before"] == {"status": "open"} and log[5]["after"]["status"] == "closed"
    assert log[-1]["record"] == "exclusions:1" and log[-1]["after"] is None and log[-1]["before"]["reason"] == "outage"
    assert [e["kind"] for e in ws.log("--actor", "ann", "--kind", "audit")] == ["audit.answer", "audit.close"]
    assert ws.run("log", "verify").output.startswith("14 entries, chain intact")

    shown = run("review", "show", "acme", "2026-10").output
    assert "held on 2026-11-14, recorded by ann" in shown
    assert "Signed by client on 2026-11-15 (Ann Client), entered by bob" in shown
    assert json.loads(run("review", "show", "acme", "2026-10", "--json").output)["recorded_by"] == "ann"
    assert "registered " in run("contract", "show", "acme").output and " by setup" in run("contract", "show", "acme").output


def test_without_ccc_actor_the_login_name_is_recorded(ws):
    ws.run("action", "add", "acme", "--title", "t", "--owner", "o", "--due", "2026-11-30", env={"CCC_ACTOR": None})
    assert ws.rows("SELECT raised_by FROM actions") == [(login_name(),)]
    assert ws.log("--kind", "action")[0]["actor"] == login_name()


def test_a_bad_actor_is_one_line_and_nothing_is_written(ws):
    for args, env, text in [
        (["--actor", "", "action", "add"], None, "error: --actor: the actor name is empty"),
        (["--actor", "x" * 65, "action", "add"], None, "error: --actor: the actor name is 65 characters long (at most 64)"),
        (["action", "add"], {"CCC_ACTOR": "eve\x1b]0;pwned\x07"}, "error: CCC_ACTOR 'eve\\x1b]0;pwned\\x07': an actor name"),
    ]:
        result = ws.run(*args, "acme", "--title", "t", "--owner", "o", "--due", "2026-11-30", env=env)
        assert result.exit_code == 2 and len(result.output.splitlines()) == 1, result.output
        assert result.output.startswith(text), result.output
    assert ws.rows("SELECT count(*) FROM actions") == [(0,)]
    assert [e["kind"] for e in ws.log()] == ["contract.register", "contract.register"]


def test_the_actor_option_is_put_back_after_the_command(ws):
    assert "CCC_ACTOR" not in os.environ
    ws.run("--actor", "dora", "action", "add", "acme", "--title", "t", "--owner", "o", "--due", "2026-11-30")
    assert "CCC_ACTOR" not in os.environ
    assert ws.rows("SELECT raised_by FROM actions") == [("dora",)]


def test_breaches_record_who_evaluated_and_who_changed_their_status(ws, monkeypatch):
    db = open_db(ws.path)
    result = {"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "period": "2026-10", "period_kind": "month",
              "status": "breached", "actual": 0.61, "target": 0.8, "breach": None, "volume": 120, "small_sample": False}
    monkeypatch.setenv("CCC_ACTOR", "nightly-job")
    [found] = breaches.record(db, [result], {}, as_of="2026-11-02")
    monkeypatch.setenv("CCC_ACTOR", "vera")
    breaches.set_status(db, found["id"], "ack", "seen, CallCo to explain", as_of="2026-11-03")
    monkeypatch.setenv("CCC_ACTOR", "nightly-job")
    breaches.record(db, [result | {"status": "met", "actual": 0.85}], {}, as_of="2026-11-04")
    db.conn.close()
    monkeypatch.delenv("CCC_ACTOR")

    shown = ws.run("breach", "show", str(found["id"]))
    lines = [line for line in shown.output.splitlines() if line.startswith("  2026-")]
    assert [line.rsplit("  by ", 1)[1] for line in lines] == ["nightly-job", "vera", "nightly-job"]
    assert "open → acknowledged: seen, CallCo to explain  [recorded " in lines[1]
    history = json.loads(ws.run("breach", "show", str(found["id"]), "--json").output)["history"]
    assert [e["actor"] for e in history] == ["nightly-job", "vera", "nightly-job"]
    log = ws.log("--contract", "acme", "--kind", "breach")
    assert [(e["actor"], e["before"], e["after"]["status"]) for e in log] == [("vera", {"status": "open"}, "acknowledged")]
    found_log = ws.log("--kind", "evaluate")
    assert [(e["record"], e["actor"]) for e in found_log] == [(f"breaches:{found['id']}", "nightly-job")] * 2
    assert found_log[0]["before"] is None and found_log[0]["after"]["still_breached"] == 1
    assert (found_log[1]["before"]["still_breached"], found_log[1]["after"]["still_breached"]) == (1, 0)


def test_a_failed_change_leaves_no_log_entry(gdb, monkeypatch):
    """A purge whose evidence cannot be recorded (no such duty) fails as a whole: the records stay,
    no purge is recorded and the log has no entry for it."""
    monkeypatch.setenv("CCC_ACTOR", "dpo")
    gdb["batches"].insert({"id": 1, "source": "amazon-connect", "file_name": "f", "sha256": "0", "started_at": "x"})
    gdb["contacts"].insert({"source": "amazon-connect", "source_id": "cust-4242", "batch_id": 1,
                            "arrived_at": 1_780_000_000_000, "queue": "Acme Support", "channel": "voice",
                            "direction": "inbound", "customer_key": "c0ffee42"})
    with pytest.raises(NotFoundError):
        purge.purge(gdb, "acme", "2027-06-01", dry_run=False, duty="no-such-duty")
    assert gdb.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    assert gdb.execute("SELECT count(*) FROM purges").fetchone()[0] == 0
    assert trail.entries(gdb) == []
    done = purge.purge(gdb, "acme", "2027-06-01", dry_run=False)
    [entry] = trail.entries(gdb)
    assert (entry["kind"], entry["actor"], entry["record"]) == ("purge", "dpo", f"purges:{done['purge_id']}")
    assert entry["after"]["counts"]["contacts"] == 1
    logged = json.dumps(entry)
    assert [secret for secret in ("cust-4242", "c0ffee42", "1780000000000", "Acme Support") if secret in logged] == []
    assert gdb.execute("SELECT purged_by FROM purges").fetchone()[0] == "dpo"


def test_when_the_log_entry_cannot_be_written_the_change_is_not_stored(gdb, monkeypatch):
    monkeypatch.setenv("CCC_ACTOR", "ann")
    action = actions.add_action(gdb, "acme", "Fix IVR", owner="CallCo", due="2026-11-30", raised_on="2026-11-01")
    gdb.execute("CREATE TEMP TRIGGER log_full BEFORE INSERT ON change_log BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    with pytest.raises(sqlite3.DatabaseError, match="disk full"):
        actions.close_action(gdb, action["id"], "done", closed_on="2026-11-20")
    assert actions.get_action(gdb, action["id"])["status"] == "open"
    assert [e["kind"] for e in trail.entries(gdb)] == ["action.add"]
