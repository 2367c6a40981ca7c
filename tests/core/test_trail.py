"""The change log (issue #14, item 4): append-only by trigger, each entry chained by hash, read with
`ccc log` and checked with `ccc log verify`, which names the first entry edited or deleted behind
the triggers' back (as a tamperer would: drop the trigger, change the table, put the trigger back)."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

pytestmark = pytest.mark.sqlite_only  # declared actors are SQLite's; PostgreSQL: tests/store/test_postgres_store.py
from click.testing import CliRunner

from ccc_governance import clock, trail
from ccc_governance.actor import check_actor, current_actor, login_name
from ccc_governance.cli import cli
from ccc_governance.errors import CccError
from ccc_governance.store.db import open_db


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("CCC_ACTOR", "alice")
    db = open_db(tmp_path / "ccc.db")
    yield db
    db.conn.close()


def _fill(db, n=4):
    for i in range(1, n + 1):
        with db.atomic():
            trail.record_change(db, "breach.status", contract_id="acme", record=f"breaches:{i}",
                                before={"status": "open"}, after={"status": "acknowledged", "note": f"n{i}"})


def _verify(db_path):
    return CliRunner().invoke(cli, ["--db", str(db_path), "log", "verify"], catch_exceptions=False)


def _behind_the_triggers(db, sql, args=()):
    """What a tamperer does: drop the triggers, change the table, recreate the triggers."""
    saved = [r[0] for r in db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'change_log'")]
    assert len(saved) == 2
    with db.atomic():
        for name in trail.TRIGGERS:
            db.execute(f"DROP TRIGGER {name}")
        db.execute(sql, list(args))
        for text in saved:
            db.execute(text)


def test_the_hash_is_deterministic_and_is_the_documented_formula():
    entry = {"id": 1, "at_ms": 1796000000000, "actor": "alice", "kind": "breach.status", "contract_id": "acme",
             "record": "breaches:7", "before": '{"status":"open"}', "after": '{"status":"waived"}'}
    body = ('{"actor":"alice","after":"{\\"status\\":\\"waived\\"}","at_ms":1796000000000,"before":'
            '"{\\"status\\":\\"open\\"}","contract_id":"acme","id":1,"kind":"breach.status","record":"breaches:7"}')
    expected = hashlib.sha256(("0" * 64 + body).encode()).hexdigest()
    assert trail.entry_hash(trail.GENESIS, entry) == expected
    assert trail.entry_hash(trail.GENESIS, dict(entry)) == expected
    assert trail.entry_hash(trail.GENESIS, entry | {"actor": "bob"}) != expected
    assert trail.entry_hash("1" * 64, entry) != expected
    assert trail.canonical({"b": [1, "é"], "a": None}) == '{"a":null,"b":[1,"é"]}'


def test_entries_are_chained_and_carry_actor_instant_and_change(db):
    before = clock.to_ms(clock.now_utc())
    _fill(db, 3)
    rows = trail.entries(db)
    assert [r["id"] for r in rows] == [1, 2, 3]
    assert {r["actor"] for r in rows} == {"alice"}
    assert all(before <= r["at_ms"] <= clock.to_ms(clock.now_utc()) for r in rows)
    assert rows[0]["after"] == {"status": "acknowledged", "note": "n1"} and rows[0]["before"] == {"status": "open"}
    stored = [dict(zip(("prev_hash", "hash"), r)) for r in db.execute("SELECT prev_hash, hash FROM change_log ORDER BY id")]
    assert stored[0]["prev_hash"] == trail.GENESIS
    assert [s["prev_hash"] for s in stored[1:]] == [s["hash"] for s in stored[:-1]]
    assert trail.verify(db) == {"entries": 3, "head": stored[-1]["hash"], "problem": None}


@pytest.mark.parametrize("sql", ["UPDATE change_log SET actor = 'mallory' WHERE id = 1",
                                 "DELETE FROM change_log WHERE id = 2", "DELETE FROM change_log"])
def test_update_and_delete_are_refused_by_the_database(db, sql):
    _fill(db, 2)
    with pytest.raises(sqlite3.DatabaseError, match="change_log is append-only"):
        with db.atomic():
            db.execute(sql)
    assert [r["actor"] for r in trail.entries(db)] == ["alice", "alice"]


def test_an_entry_is_written_in_the_callers_transaction(db):
    with pytest.raises(RuntimeError):
        with db.atomic():
            trail.record_change(db, "action.add", contract_id="acme", record="actions:1", after={"title": "x"})
            raise RuntimeError("the change fails after its entry was written")
    assert trail.entries(db) == []
    trail.record_change(db, "action.add", contract_id="acme", record="actions:1", after={"title": "x"})
    assert [r["id"] for r in trail.entries(db)] == [1]  # outside a transaction: one of its own, committed


def test_verify_names_an_entry_edited_behind_the_triggers_back(db, tmp_path):
    _fill(db, 4)
    assert _verify(tmp_path / "ccc.db").output.startswith("4 entries, chain intact (last hash ")
    _behind_the_triggers(db, "UPDATE change_log SET after = ? WHERE id = 3", ['{"note":"n3","status":"waived"}'])
    result = _verify(tmp_path / "ccc.db")
    assert result.exit_code == 1
    at = clock.iso_utc(trail.entries(db)[2]["at_ms"])
    assert result.output == f"entry 3 ({at}, alice, breach.status): hash does not match — edited after it was written\n"


def test_verify_names_the_entry_after_one_rewritten_with_a_new_hash(db):
    _fill(db, 4)
    row = dict(zip(trail.FIELDS + ("prev_hash",), db.execute(
        f"SELECT {', '.join(trail.FIELDS)}, prev_hash FROM change_log WHERE id = 2").fetchone()))
    row["actor"] = "mallory"
    _behind_the_triggers(db, "UPDATE change_log SET actor = 'mallory', hash = ? WHERE id = 2",
                         [trail.entry_hash(row["prev_hash"], row)])
    problem = trail.verify(db)["problem"]
    assert problem["entry"]["id"] == 3
    assert problem["reason"] == "entry 2 before it is no longer the one it was chained to — edited after it was written"


def test_verify_names_the_entry_after_a_deleted_one(db, tmp_path):
    _fill(db, 4)
    _behind_the_triggers(db, "DELETE FROM change_log WHERE id = 2")
    result = _verify(tmp_path / "ccc.db")
    assert result.exit_code == 1
    assert result.output.startswith("entry 3 (") and result.output.endswith(
        ", alice, breach.status): entry 2 before it is missing — deleted after it was written\n")


def test_verify_notices_the_last_entries_deleted(db, tmp_path):
    _fill(db, 4)
    _behind_the_triggers(db, "DELETE FROM change_log WHERE id >= 3")
    result = _verify(tmp_path / "ccc.db")
    assert result.exit_code == 1
    assert result.output == ("entries 3 to 4, the last written, are missing (the log ends at entry 2) "
                             "— deleted after it was written\n")


def test_verify_notices_the_triggers_dropped(db):
    _fill(db, 1)
    db.execute("DROP TRIGGER change_log_no_delete")
    assert trail.verify(db)["problem"]["text"] == (
        "the log is no longer append-only: trigger change_log_no_delete was dropped")


def test_an_empty_log_is_intact(db, tmp_path):
    result = _verify(tmp_path / "ccc.db")
    assert (result.exit_code, result.output) == (0, "0 entries, chain intact\n")


def test_ccc_log_filters_and_json(db, tmp_path):
    _fill(db, 2)
    trail.record_change(db, "audit.answer", contract_id="beta", record="audit_answers:1", actor="bob",
                        after={"answer": "no"})
    base = ["--db", str(tmp_path / "ccc.db"), "log"]

    def run(*args):
        result = CliRunner().invoke(cli, [*base, *args], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    table = run()
    assert table.splitlines()[0].split() == ["id", "at", "actor", "kind", "contract", "record", "change"]
    assert "status: open → acknowledged; note: n1" in table and "answer=no" in table
    assert [e["id"] for e in json.loads(run("--json"))] == [1, 2, 3]
    assert [e["id"] for e in json.loads(run("--json", "--actor", "bob"))] == [3]
    assert [e["id"] for e in json.loads(run("--json", "--contract", "acme"))] == [1, 2]
    assert [e["id"] for e in json.loads(run("--json", "--kind", "audit"))] == [3]
    assert [e["id"] for e in json.loads(run("--json", "--kind", "audit.answer"))] == [3]
    assert json.loads(run("--json", "--kind", "aud")) == []
    assert len(json.loads(run("--json", "--since", "2000-01-01"))) == 3
    assert json.loads(run("--json", "--since", "2999-01-01")) == []
    assert run("--actor", "nobody") == "(no entries)\n"
    bad = CliRunner().invoke(cli, [*base, "--since", "yesterday"])
    assert bad.exit_code == 2 and bad.output == (
        "error: --since 'yesterday' is not a date or date-time (expected 2026-12-05 or 2026-12-05T14:00Z)\n")


# --------------------------------------------------------------------------- the actor


def test_the_actor_is_ccc_actor_else_the_login_name(monkeypatch):
    monkeypatch.setenv("CCC_ACTOR", "nightly-import")
    assert current_actor() == "nightly-import"
    monkeypatch.setenv("CCC_ACTOR", "")
    assert current_actor() == login_name()
    monkeypatch.delenv("CCC_ACTOR")
    monkeypatch.setenv("LOGNAME", "carol")
    assert current_actor() == "carol"


@pytest.mark.parametrize("name, text", [
    ("", "the actor name is empty"),
    ("a\x1b[2Jb", "an actor name cannot hold control characters"),
    (" alice", "cannot hold control characters or begin or end with a space"),
    ("x" * 65, "the actor name is 65 characters long (at most 64)"),
])
def test_a_bad_actor_name_is_refused(name, text):
    with pytest.raises(CccError, match=text.replace("(", r"\(").replace(")", r"\)")):
        check_actor(name, "--actor")
    assert check_actor("Zoë O'Neil (vendor mgmt)", "--actor") == "Zoë O'Neil (vendor mgmt)"


def test_writers_in_several_processes_keep_one_chain(tmp_path):
    """Two processes appending at the same time: each entry waits for the write lock, so the chain
    has no fork and no gap."""
    import subprocess
    import sys
    import time

    open_db(tmp_path / "ccc.db").conn.close()
    code = ("import os, sys, time\nfrom ccc_governance import trail\nfrom ccc_governance.store.db import open_db\n"
            "db = open_db(sys.argv[1])\n"
            "while not os.path.exists(sys.argv[3]):\n    time.sleep(0.005)\n"
            "for i in range(25):\n"
            "    with db.atomic():\n"
            "        trail.record_change(db, 'action.add', contract_id='acme', record=f'actions:{i}', actor=sys.argv[2],"
            " after={'i': i})\n"
            "    time.sleep(0.002)\n")
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(tmp_path / "ccc.db"), who, str(go)])
             for who in ("ann", "bob")]
    time.sleep(0.5)  # both started and waiting
    go.touch()
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    db = open_db(tmp_path / "ccc.db")
    try:
        result = trail.verify(db)
        assert (result["entries"], result["problem"]) == (50, None)
        actors = [e["actor"] for e in trail.entries(db)]
        assert sorted(actors) == ["ann"] * 25 + ["bob"] * 25
    finally:
        db.conn.close()


def test_entries_mangled_behind_the_triggers_back_are_named_not_a_traceback(db, tmp_path):
    _fill(db, 3)
    _behind_the_triggers(db, "UPDATE change_log SET at_ms = 'yesterday', after = '{not json' WHERE id = 2")
    result = _verify(tmp_path / "ccc.db")
    assert (result.exit_code, result.output) == (
        1, "entry 2 ('yesterday', alice, breach.status): hash does not match — edited after it was written\n")
    listed = CliRunner().invoke(cli, ["--db", str(tmp_path / "ccc.db"), "log", "--json"], catch_exceptions=False)
    assert json.loads(listed.output)[1]["after"] == "{not json"
    db.execute("DROP TABLE change_log")
    result = _verify(tmp_path / "ccc.db")
    assert (result.exit_code, result.output) == (1, "the change log is gone (table dropped)\n")
    listed = CliRunner().invoke(cli, ["--db", str(tmp_path / "ccc.db"), "log"], catch_exceptions=False)
    assert (listed.exit_code, listed.output) == (
        2, "error: the change log is gone (table dropped): the store was tampered with\n")
