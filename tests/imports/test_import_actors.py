"""Who imported and who undid a batch (issue #14, item 3): `batches.imported_by` / `undone_by` and
the `import.batch` / `import.undo` entries of the change log, written in the batch's transaction."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ccc_governance import trail
from ccc_governance.cli import cli
from ccc_governance.store.db import open_db

pytestmark = pytest.mark.sqlite_only  # declared actors are SQLite's; PostgreSQL: tests/store/test_postgres_store.py

#: Until `store/applying.py` and `store/batches.py` record the actor (lines given in the report of
#: issue #14's trail work): expected to fail; strict, so that wiring them makes this marker go.

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


def test_import_and_undo_record_who(ccc_workspace, monkeypatch, tmp_path):
    monkeypatch.chdir(ccc_workspace.root)
    monkeypatch.delenv("CCC_ACTOR", raising=False)
    (ccc_workspace.root / "map.toml").write_text(MAPPING, encoding="utf-8")
    f = tmp_path / "calls.csv"
    f.write_text("id,start,wait,result,caller\na,2026-10-01 10:00:00,12,OK,0639981111\n"
                 "b,2026-10-01 10:01:00,x,OK,0639982222\n", encoding="utf-8")

    def run(*args, env=None):
        result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("import", "csv", str(f), "-o", "mapping=map.toml", env={"CCC_ACTOR": "nightly-import"})
    run("--actor", "ines", "batch", "undo", "1")
    db = open_db(ccc_workspace.db_path)
    try:
        assert db.execute("SELECT imported_by, undone_by FROM batches").fetchall() == [("nightly-import", "ines")]
        log = trail.entries(db)
        assert trail.verify(db)["problem"] is None
    finally:
        db.conn.close()
    assert [(e["kind"], e["actor"], e["record"]) for e in log] == [
        ("import.batch", "nightly-import", "batches:1"), ("import.undo", "ines", "batches:1")]
    assert (log[0]["after"]["imported"], log[0]["after"]["quarantined"], log[0]["after"]["file_name"]) == (1, 1, "calls.csv")
    assert log[1]["after"] == {"status": "undone", "removed": 1, "restored": 0}
    assert not [s for s in ("0639981111", "0639982222", "10:00:00") if s in json.dumps(log)]  # no contents


def test_a_bad_actor_imports_nothing(ccc_workspace, monkeypatch, tmp_path):
    monkeypatch.chdir(ccc_workspace.root)
    (ccc_workspace.root / "map.toml").write_text(MAPPING, encoding="utf-8")
    f = tmp_path / "calls.csv"
    f.write_text("id,start,wait,result,caller\na,2026-10-01 10:00:00,12,OK,\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "csv", str(f), "-o", "mapping=map.toml"], env={"CCC_ACTOR": "x" * 65})
    assert result.exit_code == 2 and result.output.startswith("error: ") and result.output.endswith(
        "calls.csv: CCC_ACTOR: the actor name is 65 characters long (at most 64)\n")
    db = open_db(ccc_workspace.db_path)
    try:
        assert db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM change_log").fetchone()[0] == 0
    finally:
        db.conn.close()
