"""Service credits (cap, earn-back, bonus, waived), declared exclusions and the volume band."""

from ccc_governance.engine import breaches, credits, exclusions
from ccc_governance.engine.evaluate import evaluate

from .conftest import SL

CREDITS = """
[service_credits]
at_risk_percent = 12.0
pool_percent = 250.0
cap_percent = {cap}
earn_back_periods = {earn_back}
"""


def answered(at, wait=10.0):
    return {"at": at, "outcome": "answered", "wait_s": wait}


def month(store, label, good, bad):
    store.contacts([answered(f"{label}-10T10:00:00Z")] * good + [answered(f"{label}-10T10:00:00Z", 99)] * bad)


def setup(store, cap=100.0, earn_back=0, bonus=""):
    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7) + CREDITS.format(cap=cap, earn_back=earn_back) + bonus)


def test_credit_arithmetic_in_words(store, ccc_db):
    setup(store)
    month(store, "2026-10", 6, 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    [line] = credits.credits_for(ccc_db, "c1", "2026-10")
    # 40,000 × 12 % × 250 % × 30 % = 3,600
    assert line["amount"] == 3600.0 and line["kind"] == "credit"
    assert line["explanation"] == ("sl breached: 40,000.00 EUR × 12 % at risk × 250 % pool × 30 % allocation "
                                   "= 3,600.00 EUR")


def test_cap(store, ccc_db):
    setup(store, cap=5.0)
    month(store, "2026-10", 6, 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert [(l["kind"], l["amount"]) for l in lines] == [("credit", 3600.0), ("cap", -1600.0)]
    assert credits.total(lines) == 2000.0  # 5 % of 40,000
    assert "capped at 5 % of 40,000.00 EUR = 2,000.00 EUR" in lines[1]["explanation"]


def test_earn_back_pending_then_earned_or_lost(store, ccc_db):
    setup(store, earn_back=2)
    month(store, "2026-10", 6, 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert [(l["kind"], l["amount"]) for l in lines] == [("credit", 3600.0), ("earn_back", 0.0)]
    assert "pending" in lines[1]["explanation"]
    month(store, "2026-11", 9, 1)
    month(store, "2026-12", 9, 1)
    evaluate(ccc_db, period="2026-11", as_of="2027-01-15")
    assert "pending" in credits.credits_for(ccc_db, "c1", "2026-10")[1]["explanation"]
    evaluate(ccc_db, period="2026-12", as_of="2027-01-15")
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert [(l["kind"], l["amount"]) for l in lines] == [("credit", 3600.0), ("earn_back", -3600.0)]
    assert credits.total(lines) == 0.0
    # December turns out worse after late data: the earn-back is lost again.
    month(store, "2026-12", 0, 5)
    evaluate(ccc_db, period="2026-12", as_of="2027-01-20")
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert lines[1]["amount"] == 0.0 and "lost" in lines[1]["explanation"]


def test_waived_breach_gives_no_credit_and_bonus(store, ccc_db):
    setup(store, bonus='[[service_credits.bonus]]\nkpi = "sl"\nat_or_above = 0.9\npercent = 1.0\n')
    month(store, "2026-10", 6, 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    [b] = breaches.list_breaches(ccc_db)
    breaches.set_status(ccc_db, b["id"], "waive", "outage on the client's side", as_of="2026-11-15")
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    assert credits.credits_for(ccc_db, "c1", "2026-10") == []
    month(store, "2026-11", 19, 1)
    evaluate(ccc_db, period="2026-11", as_of="2026-12-15")
    [bonus] = credits.credits_for(ccc_db, "c1", "2026-11")
    assert (bonus["kind"], bonus["amount"]) == ("bonus", -400.0)


def test_declared_exclusion_leaves_window_out(store, ccc_db):
    store.simple_contract()
    store.contacts([answered("2026-10-05T10:00:00Z")] * 8 + [answered("2026-10-06T09:30:00Z", 99)] * 5)
    e = exclusions.add_exclusion(ccc_db, "c1", "outage", "2026-10-06T11:00", "2026-10-06T12:00",
                                 "telephony outage", "INC-42")
    assert e["from"] == "2026-10-06T09:00:00Z"  # 11:00 Paris (UTC+2)
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert (r["numerator"], r["denominator"], r["status"]) == (8, 8, "met")
    assert r["excluded"] == [{"kind": "outage", "from": "2026-10-06T09:00:00Z", "to": "2026-10-06T10:00:00Z",
                              "reason": "telephony outage", "evidence": "INC-42", "volume": 5}]
    exclusions.remove_exclusion(ccc_db, e["id"])
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert (r["numerator"], r["denominator"]) == (8, 13) and r["excluded"] == []


def test_date_exclusion_covers_whole_local_days(store, ccc_db):
    store.simple_contract()
    e = exclusions.add_exclusion(ccc_db, "c1", "ramp_up", "2026-10-01", "2026-10-02", "ramp-up", None)
    assert (e["from"], e["to"]) == ("2026-09-30T22:00:00Z", "2026-10-02T22:00:00Z")


def test_volume_band_excludes_days_outside_forecast(store, ccc_db):
    store.simple_contract(extra_contract="", kpis=SL.format(target=0.8, breach=0.7)
                          + "\n[volume_band]\nlower = 0.8\nupper = 1.2\nper = \"day\"\n")
    store.contacts([answered("2026-10-05T10:00:00Z")] * 10            # forecast 10: in band
                   + [answered("2026-10-06T10:00:00Z", 99)] * 20)     # forecast 10: 20 > 12, out
    store.insert("interval_aggregates", [
        {"interval_start": 1791194400000, "interval_minutes": 60, "queue": "q1", "channel": "voice",
         "forecast_offered": 10.0},  # 2026-10-05T10:00Z
        {"interval_start": 1791280800000, "interval_minutes": 60, "queue": "q1", "channel": "voice",
         "forecast_offered": 10.0},  # 2026-10-06T10:00Z
    ])
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert (r["numerator"], r["denominator"]) == (10, 10)
    [ex] = r["excluded"]
    assert (ex["kind"], ex["from"], ex["volume"]) == ("volume_band", "2026-10-06", 20)
    assert "outside 8–12" in ex["reason"]


def test_a_month_with_no_data_neither_earns_back_nor_loses(store, ccc_db):
    """Issue #11 item 13: evaluating an empty (future) month used to mark the earn-back lost."""
    setup(store, earn_back=2)
    month(store, "2026-10", 6, 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    # December is evaluated before anything is stored for it: no data, which is not a miss.
    [result] = evaluate(ccc_db, period="2026-12", as_of="2026-11-15")
    assert result["status"] == "no_data"
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert [(l["kind"], l["amount"]) for l in lines] == [("credit", 3600.0), ("earn_back", 0.0)]
    assert "pending" in lines[1]["explanation"] and "2026-12 no data" in lines[1]["explanation"]
    # Nor does a month with no data count towards the months at target.
    month(store, "2026-11", 9, 1)
    evaluate(ccc_db, period="2026-11", as_of="2027-01-15")
    assert "pending" in credits.credits_for(ccc_db, "c1", "2026-10")[1]["explanation"]
    # When December's data arrives and meets target, the credit is earned back.
    month(store, "2026-12", 9, 1)
    evaluate(ccc_db, period="2026-12", as_of="2027-01-15")
    lines = credits.credits_for(ccc_db, "c1", "2026-10")
    assert [(l["kind"], l["amount"]) for l in lines] == [("credit", 3600.0), ("earn_back", -3600.0)]
