"""End to end: the installed plugin found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

import json
from pathlib import Path

import ccc_genesys_cloud
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file, list_quarantine, open_db

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
REAL = Path(__file__).parent / "data" / "real"


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


def test_a_bad_value_in_a_block_row_quarantines_that_row_alone(ccc_workspace, ccc_pm, tmp_path):
    # An agent id that is not text reaches the block as it is: the host judges the row from its
    # values and quarantines it with the reason the spec gives a record, storing the others.
    ccc_pm.register(ccc_genesys_cloud)
    page = json.loads((REAL / "details-query.json").read_text(encoding="utf-8"))
    conv = page["conversations"][0]
    assert conv["conversationId"] == "g0000001-voice"
    for participant in conv["participants"]:
        if participant["purpose"] == "agent":
            participant["userId"] = 42
    path = tmp_path / "conversations.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in page["conversations"]) + "\n", encoding="utf-8")
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, ccc_pm, "genesys-cloud", path)
    assert (summary["imported"], summary["quarantined"]) == (8, 1)
    (row,) = list_quarantine(db, summary["batch_id"])
    assert (row["line"], row["source_id"], row["reason"]) == (1, "g0000001-voice", "agent 42 is not text")
    db.conn.close()
