"""The PostgreSQL store beside SQLite: the same flow gives the same JSON; actors; the log; roles.

Run by `pytest --store=postgres` (CCC_TEST_PG: a server's admin URL; `make test` does it when
`.ci/pg-server` could start one). Each test makes its own PostgreSQL databases and drops them.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from psycopg.conninfo import make_conninfo

from ccc_governance.cli import cli
from ccc_governance.workspace import init_workspace

pytestmark = pytest.mark.postgres_only

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "examples" / "october-2026"
AS_OF = "2026-11-20"


@pytest.fixture(autouse=True)
def _back_to_the_folder_it_started_in(monkeypatch):
    monkeypatch.chdir(os.getcwd())  # (the tests chdir into their workspace; put back afterwards)


@pytest.fixture
def pg_database():
    """A new, empty PostgreSQL database: its URL (dropped after the test)."""
    admin = os.environ["CCC_TEST_PG"]
    name = f"ccct_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield make_conninfo(admin, dbname=name)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def _login_role(store: str, group: str):
    """A new login role granted the group role `group` (`ccc store roles` applied): its name and a
    URL that connects as it; dropped afterwards."""
    name = f"{group.removeprefix('ccc_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(store, autocommit=True) as conn:
        conn.execute(f'CREATE ROLE "{name}" LOGIN')
        conn.execute(f'GRANT {group} TO "{name}"')
    try:
        yield name, make_conninfo(store, user=name)
    finally:
        with psycopg.connect(store, autocommit=True) as conn:
            conn.execute(f'DROP OWNED BY "{name}"')
            conn.execute(f'DROP ROLE "{name}"')


def _workspace(tmp_path: Path, name: str) -> Path:
    ws = tmp_path / name
    init_workspace(ws, key="11" * 32)
    shutil.copytree(ROOT / "contracts", ws / "contracts", dirs_exist_ok=True)
    return ws


def _run(ws: Path, store: str, *args: str, ok=(0,)) -> str:
    res = CliRunner().invoke(cli, ["--db", store, *args], catch_exceptions=False, env={"CCC_ACTOR": None})
    assert res.exit_code in ok, res.output
    return res.stdout


def _flow(ws: Path, store: str) -> dict:
    """Register, import three platforms' files, evaluate, act on a breach, export a pack: the JSON."""
    os.chdir(ws)
    _run(ws, store, "contract", "register", str(ws / "contracts"))
    for source, name in (("asterisk-queue-log", "queue_log"), ("amazon-connect", "ctr.jsonl"),
                         ("genesys-cloud", "genesys.json")):
        _run(ws, store, "import", source, str(SAMPLES / name))
    evaluated = json.loads(_run(ws, store, "evaluate", "--format", "json", "--period", "2026-10",
                                "--as-of", AS_OF, ok=(0, 3)))
    breaches = json.loads(_run(ws, store, "breaches", "--json"))["breaches"]
    assert breaches, "the sample month breaches some KPI"
    first = min(b["id"] for b in breaches)
    _run(ws, store, "breach", "ack", str(first), "--note", "seen", "--as-of", AS_OF)
    shown = _run(ws, store, "breach", "show", str(first))
    after = json.loads(_run(ws, store, "breaches", "--json"))["breaches"]
    return {"evaluate": evaluated, "breaches": after, "shown": shown}


def _evaluated_asterisk_month(tmp_path: Path, store: str) -> Path:
    """A workspace (the working folder) whose store holds the sample month's Asterisk contacts, evaluated."""
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    _run(ws, store, "contract", "register", str(ws / "contracts"))
    _run(ws, store, "import", "asterisk-queue-log", str(SAMPLES / "queue_log"))
    _run(ws, store, "evaluate", "--period", "2026-10", "--as-of", AS_OF, ok=(0, 3))
    return ws


def _without_instants(value):
    """The flow's JSON without what the clock or the machine gives (instants, paths, elapsed)."""
    if isinstance(value, dict):
        return {k: _without_instants(v) for k, v in value.items()
                if not k.endswith(("_at", "_ms")) and k not in ("elapsed_s", "path")}
    if isinstance(value, list):
        return [_without_instants(v) for v in value]
    return value


def test_same_flow_gives_identical_json_on_both_stores(tmp_path, pg_database, monkeypatch):
    admin = os.environ.pop("CCC_TEST_PG")  # the SQLite half runs on a real SQLite file
    try:
        lite = _flow(_workspace(tmp_path, "lite"), str(tmp_path / "lite" / "ccc.db"))
    finally:
        os.environ["CCC_TEST_PG"] = admin
    pg = _flow(_workspace(tmp_path, "pg"), pg_database)
    assert _without_instants(pg["evaluate"]) == _without_instants(lite["evaluate"])
    assert _without_instants(pg["breaches"]) == _without_instants(lite["breaches"])
    assert any(b["status"] == "acknowledged" for b in pg["breaches"])


def test_actor_is_the_session_role_and_a_declared_other_name_is_refused(tmp_path, pg_database):
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    _run(ws, pg_database, "contract", "register", str(ws / "contracts"))
    log = json.loads(_run(ws, pg_database, "log", "--json"))
    role = psycopg.connect(pg_database).execute("SELECT session_user").fetchone()[0]
    assert log and {e["actor"] for e in log} == {role}
    res = CliRunner().invoke(cli, ["--db", pg_database, "--actor", "mallory", "contract", "register",
                                   str(ws / "contracts")])
    assert res.exit_code == 2 and "database role" in res.output and "Traceback" not in res.output


def test_log_verify_names_an_edited_entry(tmp_path, pg_database):
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    _run(ws, pg_database, "contract", "register", str(ws / "contracts"))
    assert "chain intact" in _run(ws, pg_database, "log", "verify")
    with psycopg.connect(pg_database, autocommit=True) as conn:
        with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
            conn.execute("UPDATE change_log SET actor = 'mallory' WHERE id = 1")
        # the owner can take the trigger away: the chain still tells
        conn.execute("ALTER TABLE change_log DISABLE TRIGGER USER")
        conn.execute("UPDATE change_log SET actor = 'mallory' WHERE id = 1")
    res = CliRunner().invoke(cli, ["--db", pg_database, "log", "verify"])
    assert res.exit_code != 0 and "entry 1" in res.output


def test_a_viewer_cannot_acknowledge_a_breach(tmp_path, pg_database):
    ws = _evaluated_asterisk_month(tmp_path, pg_database)
    _run(ws, pg_database, "store", "roles", "--apply")
    with _login_role(pg_database, "ccc_viewer") as (viewer, as_viewer):
        breaches = json.loads(_run(ws, as_viewer, "breaches", "--json"))["breaches"]  # reading works
        before = _run(ws, pg_database, "breach", "show", str(breaches[0]["id"]))
        res = CliRunner().invoke(cli, ["--db", as_viewer, "breach", "ack", str(breaches[0]["id"]),
                                       "--note", "x", "--as-of", AS_OF])
        assert res.exit_code == 2
        assert res.output.strip() == f"error: permission denied: role '{viewer}' cannot change breaches"
        assert _run(ws, pg_database, "breach", "show", str(breaches[0]["id"])) == before


def test_store_status_names_the_store_without_its_password(tmp_path, pg_database):
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    out = _run(ws, pg_database, "store", "status", "--json")
    info = json.loads(out)
    assert info["store"] == "postgresql" and info["pending_migrations"] == 0 and info["batches"] == 0
    (ws / "ccc.toml").write_text((ws / "ccc.toml").read_text() + '\n[store]\nurl = "postgresql://bob:s3cret@db/ccc"\n')
    res = CliRunner().invoke(cli, ["store", "status"], env={"CCC_DB": None})
    assert res.exit_code == 2 and "password" in res.output and "s3cret" not in res.output and ".pgpass" in res.output


def test_store_copy_round_trip_keeps_every_table_and_the_results(tmp_path, pg_database):
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    lite = str(ws / "ccc.db")
    admin = os.environ.pop("CCC_TEST_PG")
    try:
        _run(ws, lite, "contract", "register", str(ws / "contracts"))
        _run(ws, lite, "import", "genesys-cloud", str(SAMPLES / "genesys.json"))
        before = _run(ws, lite, "evaluate", "--format", "json", "--period", "2026-10", "--as-of", AS_OF, ok=(0, 3))
        out = json.loads(_run(ws, lite, "store", "copy", lite, pg_database, "--json"))
        assert all(t["same"] for t in out["tables"]) and {t["table"] for t in out["tables"]} >= {
            "contacts", "change_log", "contact_intervals", "contract_versions"}
        assert _run(ws, pg_database, "evaluate", "--format", "json", "--period", "2026-10", "--as-of", AS_OF,
                    ok=(0, 3)) == before
        back = str(tmp_path / "back.db")
        out = json.loads(_run(ws, lite, "store", "copy", pg_database, back, "--json"))
        assert all(t["same"] for t in out["tables"])
        assert _run(ws, back, "evaluate", "--format", "json", "--period", "2026-10", "--as-of", AS_OF,
                    ok=(0, 3)) == before
        assert "chain intact" in _run(ws, back, "log", "verify")
        res = CliRunner().invoke(cli, ["store", "copy", lite, back])  # never into a store holding data
        assert res.exit_code == 2 and "not empty" in res.output
    finally:
        os.environ["CCC_TEST_PG"] = admin


def test_two_managers_acknowledging_at_once_one_wins_the_other_gets_a_conflict_line(tmp_path, pg_database):
    import threading
    import time

    from ccc_governance.engine import breaches as breach_api
    from ccc_governance.errors import CccError
    from ccc_governance.store.db import open_db

    ws = _evaluated_asterisk_month(tmp_path, pg_database)
    breach_id = json.loads(_run(ws, pg_database, "breaches", "--json"))["breaches"][0]["id"]
    first, second = open_db(pg_database), open_db(pg_database)
    failed = []

    def other():
        try:
            breach_api.set_status(second, breach_id, "acknowledged", "mine", as_of=AS_OF)
        except CccError as err:
            failed.append(err.format())

    with first.atomic():  # the first manager's change, not committed yet: the second one waits on it
        breach_api.set_status(first, breach_id, "acknowledged", "seen first", as_of=AS_OF)
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # blocked on the first one's row
    thread.join(10)
    [line] = failed
    role = first.execute("SELECT session_user").fetchone()[0]
    assert line.startswith(f"breach {breach_id} was changed by {role}") and "nothing saved" in line
    assert "\n" not in line
    shown = breach_api.history(first, breach_id)
    assert [e["note"] for e in shown].count("mine") == 0 and [e["note"] for e in shown].count("seen first") == 1
    first.close(), second.close()


def test_an_import_with_another_key_is_refused(tmp_path, pg_database):
    ws = _workspace(tmp_path, "ws")
    os.chdir(ws)
    _run(ws, pg_database, "import", "genesys-cloud", str(SAMPLES / "genesys.json"))
    res = CliRunner().invoke(cli, ["--db", pg_database, "import", "asterisk-queue-log", str(SAMPLES / "queue_log")],
                             env={"CCC_PSEUDONYMISATION_KEY": "22" * 32})
    assert res.exit_code == 2 and "key" in res.output and "CCC_PSEUDONYMISATION_KEY" in res.output
    assert json.loads(_run(ws, pg_database, "store", "status", "--json"))["batches"] == 1


def test_the_same_file_imported_twice_at_once_gives_one_batch_and_different_files_both_land(tmp_path, pg_database):
    import threading

    from ccc_governance.plugins import get_plugin_manager
    from ccc_governance.store.db import open_db
    from ccc_governance.store.imports import import_file
    from ccc_governance.workspace import load_workspace

    ws_path = _workspace(tmp_path, "ws")
    os.chdir(ws_path)
    ws = load_workspace(ws_path, db=pg_database)
    pm = get_plugin_manager(ws)

    def twice(jobs):
        results, errors = [], []

        def one(source, name):
            db = open_db(pg_database)
            try:
                results.append(import_file(db, ws, pm, source, SAMPLES / name))
            except Exception as err:  # noqa: BLE001 - reported by the assertion below
                errors.append(repr(err))
            finally:
                db.close()

        threads = [threading.Thread(target=one, args=job) for job in jobs]
        [t.start() for t in threads]
        [t.join(60) for t in threads]
        assert not errors
        return sorted(r["status"] for r in results)

    assert twice([("genesys-cloud", "genesys.json")] * 2) == ["already_imported", "imported"]
    assert twice([("asterisk-queue-log", "queue_log"), ("amazon-connect", "ctr.jsonl")]) == ["imported", "imported"]
    status = json.loads(_run(ws_path, pg_database, "store", "status", "--json"))
    assert status["batches"] == 3


def test_a_wait_rule_taking_its_slot_waits_for_a_transaction_counting_contacts(tmp_path, pg_database):
    """A new threshold's slot is filled from the committed histogram: it must wait for a writer that
    has counted contacts without it (here a per-row change), or that writer's contact is missed."""
    import threading
    import time

    from ccc_governance.store import intervals
    from ccc_governance.store.db import open_db
    from store.test_contact_intervals import assert_matches_recount

    _evaluated_asterisk_month(tmp_path, pg_database)
    first, second = open_db(pg_database), open_db(pg_database)
    rule = (intervals.WITHIN, 4)
    assert rule not in intervals.wait_slots(first.conn)
    contact = first.execute("SELECT id FROM contacts WHERE outcome = 'answered' AND wait_s > 4 AND queue IS NOT NULL "
                            "AND channel IS NOT NULL ORDER BY id LIMIT 1").fetchone()[0]
    added = []

    def other():
        with second.conn:
            added.extend(intervals.track_wait_rules(second.conn, [rule]))

    with first.atomic():  # a writer counts a changed contact (answered within 4 s now), not committed yet
        first.execute("UPDATE contacts SET wait_s = 3.0 WHERE id = ?", [contact])
        thread = threading.Thread(target=other)
        thread.start()
        time.sleep(0.5)
        assert thread.is_alive()  # the new slot waits for it
    thread.join(10)
    assert added == [rule] and rule in intervals.wait_slots(first.conn)
    assert_matches_recount(first)  # the changed contact is counted in the new slot
    first.close(), second.close()


def test_a_manager_evaluating_a_new_wait_threshold_gives_it_a_slot(tmp_path, pg_database):
    """`ccc store roles` lets a manager's evaluation count a threshold no contract had (a slot of the
    interval figures), and the counts are those of the stored contacts."""
    from ccc_governance.store import intervals
    from ccc_governance.store.db import open_db
    from store.test_contact_intervals import assert_matches_recount

    ws = _evaluated_asterisk_month(tmp_path, pg_database)
    _run(ws, pg_database, "store", "roles", "--apply")
    text = (ws / "contracts" / "acme-utility-helpdesk.toml").read_text(encoding="utf-8")
    assert "answer_within_s = 20" in text
    (ws / "t17.toml").write_text(text.replace('id = "acme-utility-helpdesk"', 'id = "acme-t17"', 1)
                                 .replace("answer_within_s = 20", "answer_within_s = 17"), encoding="utf-8")
    _run(ws, pg_database, "contract", "register", str(ws / "t17.toml"))
    with _login_role(pg_database, "ccc_manager") as (_, as_manager):
        _run(ws, as_manager, "evaluate", "--contract", "acme-t17", "--period", "2026-10", "--as-of", AS_OF, ok=(0, 3))
    db = open_db(pg_database)
    assert (intervals.WITHIN, 17) in intervals.wait_slots(db.conn)
    assert_matches_recount(db)
    db.close()


def test_a_role_cannot_write_a_change_log_entry_in_another_name(tmp_path, pg_database):
    """`store roles`' row rule: a manager's own entries go in (the CLI), one that names someone else
    is refused by the server, even written by hand with the grants the role has."""
    ws = _evaluated_asterisk_month(tmp_path, pg_database)
    _run(ws, pg_database, "store", "roles", "--apply")
    with _login_role(pg_database, "ccc_manager") as (manager, as_manager):
        breach = json.loads(_run(ws, as_manager, "breaches", "--json"))["breaches"][0]["id"]
        _run(ws, as_manager, "breach", "ack", str(breach), "--note", "seen", "--as-of", AS_OF)
        mine = json.loads(_run(ws, as_manager, "log", "--actor", manager, "--json"))
        mine = mine["entries"] if isinstance(mine, dict) else mine
        assert [e["kind"] for e in mine] == ["breach.status"]
        with psycopg.connect(as_manager, autocommit=True) as conn:
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute("INSERT INTO change_log (id, at_ms, actor, kind, contract_id, record, before, after, "
                             "prev_hash, hash) SELECT id + 1, at_ms, 'someone_else', kind, contract_id, record, before, "
                             "after, hash, hash FROM change_log ORDER BY id DESC LIMIT 1")


def test_a_contact_needs_its_batch_and_a_batch_with_contacts_stays(tmp_path, pg_database):
    """On PostgreSQL `contacts.batch_id` is checked once per statement (m006), not by a foreign key:
    a contact of a batch that does not exist is refused (one row or a COPY), and a batch that has
    contacts can be neither deleted nor renumbered; nothing is half-written."""
    _evaluated_asterisk_month(tmp_path, pg_database)
    with psycopg.connect(pg_database) as conn:
        batch, count = conn.execute("SELECT batch_id, count(*) FROM contacts GROUP BY batch_id").fetchone()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="a batch that does not exist"):
            conn.execute("INSERT INTO contacts (source, source_id, batch_id, outcome, arrived_at) "
                         "VALUES ('x', 'new', 999999, 'answered', 0), ('x', 'new2', %s, 'answered', 0)", [batch])
        conn.rollback()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="a batch that does not exist"):
            with conn.cursor().copy("COPY contacts (source, source_id, batch_id, outcome, arrived_at) FROM STDIN") as cp:
                cp.write_row(("x", "copied", batch, "answered", 0))
                cp.write_row(("x", "copied2", 999999, "answered", 0))
        conn.rollback()
        with pytest.raises(psycopg.errors.ForeignKeyViolation, match="a batch that does not exist"):
            conn.execute("UPDATE contacts SET batch_id = 999999 WHERE id = (SELECT min(id) FROM contacts)")
        conn.rollback()
        for sql in ("DELETE FROM batches WHERE id = %s", "UPDATE batches SET id = 999999 WHERE id = %s"):
            with pytest.raises(psycopg.errors.ForeignKeyViolation, match=f"batch {batch} still has contacts"):
                conn.execute(sql, [batch])
            conn.rollback()
        assert conn.execute("SELECT count(*) FROM contacts WHERE batch_id = %s", [batch]).fetchone()[0] == count
        assert conn.execute("SELECT count(*) FROM contacts WHERE source = 'x'").fetchone()[0] == 0
        # a batch without contacts may go (its quarantine and other rows keep their own keys)
        conn.execute("INSERT INTO batches (id, source, file_name, sha256, started_at, status) "
                     "VALUES (999998, 'x', 'f', 'x', '2026-01-01', 'complete')")
        conn.execute("DELETE FROM batches WHERE id = 999998")
