"""End to end: the installed plugin found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"


def test_sample_imports_with_repeat_deliveries(ccc_workspace):
    db = open_db(ccc_workspace.db_path)
    pm = get_plugin_manager(ccc_workspace)
    assert "entry point" in get_sources(pm)["amazon-connect"].origin
    summary = import_file(db, ccc_workspace, pm, "amazon-connect", SAMPLE / "ctr.jsonl")
    assert (summary["imported"], summary["quarantined"]) == (700, 2)
    # 30 repeat deliveries: each either replaced an older copy or was skipped as a duplicate / older one.
    assert summary["replaced"] + summary["duplicates"] + summary["older_skipped"] == 30
    counts = dict(db.execute("SELECT outcome, count(*) FROM contacts GROUP BY outcome").fetchall())
    assert counts == {"answered": 596, "abandoned": 92, "not_queued": 12}
    # A re-delivery whose newest copy comes first in the file still ends up answered.
    row = db.execute("SELECT outcome, wait_s FROM contacts WHERE source_id = '6b5ab50c-4f51-4c2f-98e1-f382e6295b6b'").fetchone()
    assert tuple(row) == ("answered", 5.0)
    assert import_file(db, ccc_workspace, pm, "amazon-connect", SAMPLE / "ctr.jsonl")["status"] == "already_imported"
    db.conn.close()
