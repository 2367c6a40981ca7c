"""Stored results, trend, drill-down, vendor-reported figures and the Wilson interval."""

from ccc_governance.engine import drilldown, results, stats
from ccc_governance.engine.evaluate import evaluate

from .conftest import ms


def answered(at, wait=10.0):
    return {"at": at, "outcome": "answered", "wait_s": wait}


def test_wilson_hand_values():
    lo, hi = stats.wilson(40, 100)
    assert round(lo, 4) == 0.3094 and round(hi, 4) == 0.4980
    lo, hi = stats.wilson(0, 10)
    assert lo == 0.0 and round(hi, 4) == 0.2775
    assert stats.wilson(0, 0) is None
    assert stats.small_sample(29, (0.5, 0.6), [0.9]) is True
    assert stats.small_sample(100, (0.75, 0.85), [0.8, 0.7]) is True   # straddles the target
    assert stats.small_sample(100, (0.82, 0.9), [0.8, 0.7]) is False


def test_stored_results_trend_and_breakdown(store, ccc_db):
    store.simple_contract()
    store.contacts([answered("2026-10-05T10:00:00Z")] * 3 + [answered("2026-10-06T10:00:00Z", 60)]
                   + [answered("2026-11-05T10:00:00Z")])
    evaluate(ccc_db, periods=["2026-10", "2026-11"], as_of="2026-12-15")
    rows = results.stored_results(ccc_db, contract_id="c1")
    assert [(r["period"], r["numerator"], r["denominator"], r["status"]) for r in rows] == [
        ("2026-10", 3, 4, "at_risk"), ("2026-11", 1, 1, "met")]
    assert rows[0]["small_sample"] is True and rows[0]["excluded"] == []
    assert [r["period"] for r in results.trend(ccc_db, "c1", "sl", n=1)] == ["2026-11"]
    days = drilldown.breakdown(ccc_db, "c1", "sl", "2026-10")
    assert [(d["day"], d["numerator"], d["denominator"], d["actual"]) for d in days] == [
        ("2026-10-05", 3, 3, 1.0), ("2026-10-06", 0, 1, 0.0)]


def test_reported_figure_beside_recomputed(store, ccc_db):
    store.simple_contract()
    store.contacts([answered("2026-10-05T10:00:00Z")] * 3 + [answered("2026-10-06T10:00:00Z", 60)])
    store.insert("reported_figures", [
        {"metric": "service_level", "period_start": ms("2026-09-30T22:00:00Z"),
         "period_end": ms("2026-10-31T23:00:00Z"), "value": 80.0, "queue": "q1"},
        {"metric": "service_level", "period_start": ms("2026-10-01T00:00:00Z"),  # UTC month: not this period
         "period_end": ms("2026-11-01T00:00:00Z"), "value": 10.0},
    ])
    [r] = evaluate(ccc_db, period="2026-10", as_of="2026-12-15")
    assert r["reported"] == 0.8
    assert abs(r["reported_diff"] - (-0.05)) < 1e-12


def test_complaint_compliance(store, ccc_db):
    kpis = '\n[[kpi]]\nid = "ack"\nmetric = "complaint_acknowledged_on_time"\ntarget = 0.9\nbreach = 0.5\n'
    kpis += '\n[complaints]\nacknowledge_within = "24h"\n'
    store.simple_contract(kpis=kpis)
    store.insert("complaints", [
        {"received_at": ms("2026-10-05T10:00:00Z"), "acknowledged_at": ms("2026-10-06T09:00:00Z"), "queue": "q1"},
        {"received_at": ms("2026-10-05T10:00:00Z"), "acknowledged_at": ms("2026-10-06T11:00:00Z"), "queue": "q1"},
    ])
    out = drilldown.complaint_compliance(ccc_db, "c1", "2026-10", as_of="2026-12-01")
    assert out["ack"]["counted"] == 2 and out["ack"]["on_time"] == 1 and out["ack"]["share"] == 0.5
