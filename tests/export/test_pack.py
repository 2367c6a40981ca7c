"""build_pack(): every section gathered from the stored tables, in review order."""

from __future__ import annotations

import pytest

from ccc_governance.errors import NotFoundError
from ccc_governance.export.pack import SECTIONS, build_pack
from ccc_governance.periods import parse_period

from .conftest import ASA_ACTUAL, SL_ACTUAL


def test_sections_in_review_order(pack_db):
    pack = build_pack(pack_db, "acme", parse_period("2026-10"), as_of="2026-11-03")
    assert [s["key"] for s in pack["sections"]] == [k for k, _ in SECTIONS]
    keys = list(pack)
    assert keys.index("summary") < keys.index("kpis") < keys.index("trends") < keys.index("breaches") \
        < keys.index("credits") < keys.index("provenance")


def test_kpis_equal_stored_results(pack_db):
    pack = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")
    by = {k["kpi_id"]: k for k in pack["kpis"]}
    assert by["sl"]["actual"] == SL_ACTUAL
    assert (by["sl"]["numerator"], by["sl"]["denominator"]) == (2346, 2829)
    assert by["sl"]["unit"] == "fraction" and by["sl"]["class"] == "critical"
    assert by["asa"]["actual"] == ASA_ACTUAL and by["asa"]["unit"] == "seconds"
    # asa rests on 20 contacts (< 30): flagged
    assert by["asa"]["few_contacts"] is True and "rests on few contacts (20)" in by["asa"]["notes"]
    assert by["sl"]["few_contacts"] is False


def test_summary_and_changes(pack_db):
    s = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")["summary"]
    assert s["status"] == "met" and s["kpi_count"] == 2 and s["statuses"]["met"] == 2
    assert s["credits_total"] == 1000.0  # 1250 credit - 250 earn-back
    ch = {c["kpi_id"]: c for c in s["changes"]}
    assert ch["sl"]["previous"] == 0.70 and ch["sl"]["change"] == pytest.approx(SL_ACTUAL - 0.70)
    assert ch["sl"]["direction"] == "better" and ch["sl"]["previous_status"] == "breached"
    # ASA fell from 20 s to 12.96 s: lower is better (breach 45 > target 30)
    assert ch["asa"]["direction"] == "better"


def test_trend_is_oldest_first_and_stops_at_period(pack_db):
    pack = build_pack(pack_db, "acme", "2026-09", as_of="2026-10-03")
    sl = next(t for t in pack["trends"] if t["kpi_id"] == "sl")
    assert [p["period"] for p in sl["points"]] == ["2026-08", "2026-09"]
    pack = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")
    sl = next(t for t in pack["trends"] if t["kpi_id"] == "sl")
    assert [p["actual"] for p in sl["points"]] == [0.85, 0.70, SL_ACTUAL]


def test_breaches_exclusions_credits_governance(pack_db):
    pack = build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")
    # September's breach is still disputed, so October's review follows it up.
    [b] = pack["breaches"]
    assert b["period"] == "2026-09" and b["status"] == "disputed"
    assert [h["to"] for h in b["history"]] == ["open", "disputed"]
    [e] = pack["exclusions"]
    assert e["starts_at"] == "2026-10-10T10:00:00Z" and e["evidence"] == "incident INC-42"
    assert e["applied"] == [{"kpi_id": "sl", "volume": 12}]
    assert [l["amount"] for l in pack["credits"]["lines"]] == [1250.0, -250.0]
    assert [a["title"] for a in pack["actions"]["open"]] == ["Recruit 3 agents"]
    assert [a["title"] for a in pack["actions"]["closed"]] == ["Fix IVR"]
    [audit] = pack["audits"]
    assert audit["answers"]["no"] == 1 and [f["question_id"] for f in audit["findings"]] == ["4.2.1"]
    assert [b["file_name"] for b in pack["provenance"]] == ["queue_log"]
    assert pack["complaints"]["terms"] == {"acknowledge_within": "24h", "resolve_within": "10d", "on_time_target": 0.95}
    # October's forecast (due on its last day) has its evidence; earlier months are still overdue.
    [ob] = [o for o in pack["obligations"] if o["due"] == "2026-10-31"]
    assert ob["state"] == "met" and ob["evidence"][0]["note"] == "sent by mail"
    assert {o["state"] for o in pack["obligations"] if o["due"] < "2026-10-01"} == {"overdue"}


def test_previous_period_breach_closed_is_not_listed(pack_db):
    pack_db.execute("UPDATE breaches SET status = 'closed'")
    assert build_pack(pack_db, "acme", "2026-10", as_of="2026-11-03")["breaches"] == []
    assert len(build_pack(pack_db, "acme", "2026-09", as_of="2026-10-03")["breaches"]) == 1


def test_unknown_contract(pack_db):
    with pytest.raises(NotFoundError, match="contract 'nope' is not registered"):
        build_pack(pack_db, "nope", "2026-10")


def _sl_result(db, **changes) -> None:
    base = next(db.query("SELECT * FROM kpi_results WHERE kpi_id = 'sl' AND period = '2026-09'"))
    base.pop("id", None)
    db["kpi_results"].insert(dict(base, **changes))


def _sl_trend(db, period: str, as_of: str) -> list[str]:
    pack = build_pack(db, "acme", period, as_of=as_of)
    return [p["period"] for p in next(t for t in pack["trends"] if t["kpi_id"] == "sl")["points"]]


def test_trend_keeps_to_the_pack_period_kind(pack_db):
    # Quarters stored after the months: Q4 to date is then the newest kind for `engine.results.trend`.
    _sl_result(pack_db, period="2026-Q3", period_kind="quarter", period_start="2026-07-01",
               period_end="2026-10-01", actual=0.5)
    _sl_result(pack_db, period="2026-Q4", period_kind="quarter", period_start="2026-10-01",
               period_end="2027-01-01", actual=0.6, status="mtd_breached")
    assert _sl_trend(pack_db, "2026-10", "2026-11-03") == ["2026-08", "2026-09", "2026-10"]
    # A quarter's pack trends quarters only.
    assert _sl_trend(pack_db, "2026-Q3", "2026-11-03") == ["2026-Q3"]


def test_trend_has_no_month_to_date_point(pack_db):
    _sl_result(pack_db, period="2026-11", period_kind="month", period_start="2026-11-01",
               period_end="2026-12-01", actual=0.9, status="mtd_met")
    assert _sl_trend(pack_db, "2026-10", "2026-11-03") == ["2026-08", "2026-09", "2026-10"]
    # A pack of the month to date has no point for that unfinished month, nor for a month not over on as_of.
    assert _sl_trend(pack_db, "2026-11", "2026-11-03") == ["2026-08", "2026-09", "2026-10"]
    assert _sl_trend(pack_db, "2026-10", "2026-10-20") == ["2026-08", "2026-09"]
