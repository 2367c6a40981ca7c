"""Tests for the `example` source, using the `ccc_workspace` fixture of ccc-governance."""

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file

import ccc_example


def test_imports_a_file(ccc_workspace, tmp_path):
    sample = tmp_path / "sample.csv"
    sample.write_text(
        "id,arrived_at,outcome,wait_s\n"
        "a1,2026-10-01T08:00:00+02:00,answered,12.5\n"
        "a2,2026-10-01T08:01:00+02:00,abandoned,40\n"
        "a3,not a date,answered,1\n",
        encoding="utf-8",
    )
    pm = get_plugin_manager(ccc_workspace, entrypoints=False)
    pm.register(ccc_example)
    assert "example" in get_sources(pm)
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, pm, "example", sample)
    assert (summary["imported"], summary["quarantined"]) == (2, 1)
    assert summary["quarantine"][0]["line"] == 4
    rows = db.execute("SELECT source_id, arrived_at, wait_s FROM contacts ORDER BY source_id").fetchall()
    # 08:00 in Paris (UTC+2) is 06:00 UTC = 1790834400000 ms
    assert rows == [("a1", 1790834400000, 12.5), ("a2", 1790834460000, 40.0)]
