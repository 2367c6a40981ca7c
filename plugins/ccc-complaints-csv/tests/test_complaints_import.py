"""End to end: the installed complaints-csv plugin through the import pipeline."""

from __future__ import annotations

import json
from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "complaints" / "complaints-2026-10.csv"


def test_import_stores_complaints_and_quarantines_bad_rows(tmp_path, ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    assert get_sources(pm)["complaints-csv"].kinds == ("complaint",)
    path = tmp_path / "log.csv"
    path.write_text(
        "Complaint No;Date received;Acknowledged;Updates;Upheld\n"
        "C1;2026-10-05 10:00;2026-10-05 15:00;2026-10-08 09:00|2026-10-12 09:00;oui\n"
        "C2;2026-10-05 10:00;2026-10-04 15:00;;non\n",
        encoding="utf-8")
    summary = import_file(ccc_db, ccc_workspace, pm, "complaints-csv", path, options={"timezone": "Europe/Paris"})
    assert (summary["imported"], summary["quarantined"]) == (1, 1)
    (row,) = ccc_db.query("SELECT source_id, received_at, acknowledged_at, updates, upheld FROM complaints")
    # 10:00 in Paris on 5 October is 08:00 UTC.
    assert row["received_at"] == 1791187200000 and row["acknowledged_at"] == 1791187200000 + 5 * 3600_000
    assert json.loads(row["updates"]) == [1791442800000, 1791788400000]
    assert (row["source_id"], row["upheld"]) == ("C1", 1)
    (q,) = ccc_db.query("SELECT line, reason FROM quarantine")
    assert q["line"] == 3 and "Acknowledged" in q["reason"] and "is before" in q["reason"]


def test_example_log_imports_without_options(ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    summary = import_file(ccc_db, ccc_workspace, pm, "complaints-csv", EXAMPLE)
    rows = sum(1 for _ in EXAMPLE.open(encoding="utf-8")) - 1
    assert (summary["imported"], summary["quarantined"]) == (rows, 0)
    assert ccc_db.execute("SELECT count(DISTINCT queue) FROM complaints").fetchone()[0] == 4
