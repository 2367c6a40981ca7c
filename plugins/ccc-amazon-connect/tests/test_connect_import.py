"""End to end: the installed plugin found through its entry point, importing into a fresh workspace."""

from __future__ import annotations

import json
from pathlib import Path

import ccc_amazon_connect
from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file, list_quarantine, open_db

SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026"
REAL = Path(__file__).parent / "data" / "real"


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


def test_a_bad_value_in_a_block_row_quarantines_that_row_alone(ccc_workspace, ccc_pm, tmp_path):
    # A queue name that is not text reaches the block as it is: the host judges the row from its
    # values and quarantines it with the reason the spec gives a record, storing the others.
    ccc_pm.register(ccc_amazon_connect)
    lines = (REAL / "ctr-firehose.jsonl").read_text(encoding="utf-8").splitlines()
    bad = json.loads(lines[2])  # the chat contact (line 3)
    bad["Queue"]["Name"] = 5
    lines[2] = json.dumps(bad)
    path = tmp_path / "ctr.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    db = open_db(ccc_workspace.db_path)
    summary = import_file(db, ccc_workspace, ccc_pm, "amazon-connect", path)
    assert (summary["imported"], summary["quarantined"]) == (10, 1)
    (row,) = list_quarantine(db, summary["batch_id"])
    assert (row["line"], row["source_id"], row["reason"]) == (3, "c0000002-chat", "queue 5 is not text")
    assert db.execute("SELECT count(*) FROM contacts WHERE source_id = ?", [bad["ContactId"]]).fetchone()[0] == 0
    db.conn.close()
