"""The demo history (examples/history/, written by examples/make_history.py) imports cleanly.

One month of each voice platform, through the real plugin, into a fresh workspace: nothing is
quarantined, nothing is left open, and every contact arrives inside that month in Europe/Paris.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from ccc_governance.store.db import open_db
from ccc_governance.store.imports import import_file

HISTORY = Path(__file__).resolve().parents[2] / "examples" / "history"
PARIS = ZoneInfo("Europe/Paris")
MONTH = "2026-08"
FIRST_MS = int(datetime(2026, 8, 1, tzinfo=PARIS).timestamp() * 1000)
NEXT_MS = int(datetime(2026, 9, 1, tzinfo=PARIS).timestamp() * 1000)


@pytest.mark.parametrize("source, module, name", [
    ("asterisk-queue-log", "ccc_asterisk", "queue_log"),
    ("amazon-connect", "ccc_amazon_connect", "ctr.jsonl"),
    ("genesys-cloud", "ccc_genesys_cloud", "genesys.json"),
])
def test_history_month_imports_inside_its_month(ccc_workspace, ccc_pm, source, module, name):
    ccc_pm.register(pytest.importorskip(module))
    path = HISTORY / MONTH / name
    assert path.exists(), "run: python examples/make_history.py"
    db = open_db(ccc_workspace.db_path)
    try:
        summary = import_file(db, ccc_workspace, ccc_pm, source, path)
        assert summary["status"] == "imported"
        assert summary["quarantined"] == 0
        assert summary["imported"] > 250
        rows = db.execute("SELECT min(arrived_at), max(arrived_at), count(*), "
                          "sum(outcome = 'open'), sum(outcome = 'answered'), sum(outcome = 'abandoned') "
                          "FROM contacts WHERE source = ?", [source]).fetchone()
        first, last, count, still_open, answered, abandoned = rows
        assert count == summary["imported"]
        assert FIRST_MS <= first and last < NEXT_MS
        assert still_open == 0 and answered > 0 and abandoned > 0
    finally:
        db.conn.close()


def test_september_keeps_its_one_malformed_line(ccc_workspace, ccc_pm):
    ccc_pm.register(pytest.importorskip("ccc_asterisk"))
    db = open_db(ccc_workspace.db_path)
    try:
        summary = import_file(db, ccc_workspace, ccc_pm, "asterisk-queue-log", HISTORY / "2026-09" / "queue_log")
        assert summary["quarantined"] == 1
    finally:
        db.conn.close()
