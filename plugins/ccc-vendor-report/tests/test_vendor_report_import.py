"""End to end: the installed vendor-report plugin through the import pipeline."""

from __future__ import annotations

from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "vendor-report"


def test_example_report_files_import_into_their_tables(ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    assert set(get_sources(pm)["vendor-report"].kinds) == {"reported", "interval", "workforce", "quality"}
    tables = {"reported": "reported_figures", "forecast": "interval_aggregates", "workforce": "workforce",
              "quality": "quality_evaluations"}
    for prefix, table in tables.items():
        (path,) = EXAMPLES.glob(f"{prefix}-*.csv")
        rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
        summary = import_file(ccc_db, ccc_workspace, pm, "vendor-report", path)
        assert (summary["imported"], summary["quarantined"]) == (rows, 0), path.name
        assert ccc_db.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == rows
    # October in Paris runs from 30 Sep 22:00 UTC to 31 Oct 23:00 UTC.
    (sl,) = ccc_db.query("SELECT period_start, period_end, value FROM reported_figures "
                         "WHERE metric = 'service_level' AND queue = 'acme-billing'")
    assert (sl["period_start"], sl["period_end"]) == (1790805600000, 1793487600000)
    # The CCC flatters itself: its figure is above the recomputed truth (0.8377).
    assert sl["value"] > 0.8377
    # The clock-change day is 25 hours long.
    (day,) = ccc_db.query("SELECT interval_minutes FROM interval_aggregates WHERE queue = 'acme-billing' "
                          "AND interval_start = 1792879200000")
    assert day["interval_minutes"] == 1500
