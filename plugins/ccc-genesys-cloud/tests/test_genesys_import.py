"""End to end: the installed plugin found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"


def test_sample_imports_once(ccc_workspace):
    db = open_db(ccc_workspace.db_path)
    pm = get_plugin_manager(ccc_workspace)
    assert "entry point" in get_sources(pm)["genesys-cloud"].origin
    summary = import_file(db, ccc_workspace, pm, "genesys-cloud", SAMPLE / "genesys.json")
    assert (summary["imported"], summary["quarantined"]) == (345, 1)
    counts = dict(db.execute("SELECT outcome, count(*) FROM contacts GROUP BY outcome").fetchall())
    assert counts == {"answered": 308, "abandoned": 37}
    wait = db.execute("SELECT wait_s FROM contacts WHERE source_id = 'c87e6eb9-4fa4-4e45-af0f-da2f1585a7ae'").fetchone()[0]
    assert wait == 20.001
    assert import_file(db, ccc_workspace, pm, "genesys-cloud", SAMPLE / "genesys.json")["status"] == "already_imported"
    db.conn.close()
