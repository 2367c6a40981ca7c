"""End to end: the installed survey-csv plugin through the import pipeline."""

from __future__ import annotations

from pathlib import Path

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "surveys" / "survey-2026-10.csv"


def test_import_stores_responses_with_hashed_customers(tmp_path, ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    assert get_sources(pm)["survey-csv"].kinds == ("survey",)
    path = tmp_path / "s.csv"
    path.write_bytes("\ufeffID;Date;Score;NPS;FCR;Customer\nS1;2026-10-05T10:00:00+02:00;4;8;yes;+33639980001\n"
                     "S2;2026-10-05T10:00:00+02:00;9;;;\n".encode("utf-8"))
    summary = import_file(ccc_db, ccc_workspace, pm, "survey-csv", path)
    assert (summary["imported"], summary["quarantined"]) == (1, 1)
    (row,) = ccc_db.query("SELECT source_id, responded_at, csat, csat_scale, nps, resolved, customer_key FROM surveys")
    assert (row["source_id"], row["responded_at"], row["csat"], row["csat_scale"], row["nps"], row["resolved"]) == (
        "S1", 1791187200000, 4.0, 5, 8, 1)
    assert row["customer_key"] and "639980001" not in row["customer_key"]


def test_example_survey_imports_and_joins_the_asterisk_calls(ccc_workspace, ccc_db):
    pm = get_plugin_manager(ccc_workspace)
    summary = import_file(ccc_db, ccc_workspace, pm, "survey-csv", EXAMPLE)
    assert (summary["imported"], summary["quarantined"]) == (230, 0)
    ids = {r["contact_id"] for r in ccc_db.query("SELECT contact_id FROM surveys")}
    assert len(ids) == 230 and all(i.startswith("179") for i in ids)  # Asterisk callids
