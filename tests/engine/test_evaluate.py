"""Periods in the contract's time zone, statuses, versions in force, month to date, breaches."""

import pytest

from ccc_governance.engine import breaches
from ccc_governance.engine.evaluate import evaluate, status_for
from ccc_governance.errors import StateError

from .conftest import SL


def answered(at, wait=10.0, **kw):
    return {"at": at, "outcome": "answered", "wait_s": wait, "talk_s": 60.0, **kw}


def test_timezone_edge_lands_in_next_month(store, ccc_db):
    store.simple_contract()
    store.contacts([
        answered("2026-09-30T22:00:00Z"),           # first instant of October in Paris
        answered("2026-10-31T22:59:59.999Z"),       # last millisecond of October in Paris
        answered("2026-10-31T23:30:00Z", wait=30),  # 23:30 UTC on 31 Oct = 00:30 on 1 Nov in Paris
        answered("2026-09-30T21:59:59Z"),           # September in Paris
    ])
    oct_ = evaluate(ccc_db, period="2026-10", as_of="2026-12-15")[0]
    nov = evaluate(ccc_db, period="2026-11", as_of="2026-12-15")[0]
    assert (oct_["numerator"], oct_["denominator"]) == (2, 2)
    assert (nov["numerator"], nov["denominator"]) == (0, 1)


@pytest.mark.parametrize("actual,target,breach,higher,expected", [
    (0.85, 0.8, 0.7, True, "met"),
    (0.8, 0.8, 0.7, True, "met"),          # at target is met
    (0.75, 0.8, 0.7, True, "at_risk"),
    (0.7, 0.8, 0.7, True, "at_risk"),      # at the breach threshold: not yet past it
    (0.69, 0.8, 0.7, True, "breached"),
    (0.79, 0.8, None, True, "breached"),   # no breach threshold: worse than target
    (10, 12, 15, False, "met"),
    (14, 12, 15, False, "at_risk"),
    (16, 12, 15, False, "breached"),
    (None, 0.8, 0.7, True, "no_data"),
])
def test_status_rules(actual, target, breach, higher, expected):
    assert status_for(actual, target, breach, higher) == expected


def test_insufficient_volume_is_never_a_breach(store, ccc_db):
    kpis = SL.format(target=0.8, breach=0.7) + "min_volume = 5\n"
    store.simple_contract(kpis=kpis)
    store.contacts([answered("2026-10-05T10:00:00Z", wait=60)] * 3)
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert r["actual"] == 0.0 and r["volume"] == 3
    assert r["status"] == "insufficient_volume"
    assert breaches.list_breaches(ccc_db) == []


def test_no_data(store, ccc_db):
    store.simple_contract()
    store.contacts([answered("2026-09-05T10:00:00Z")])
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert r["status"] == "no_data" and r["actual"] is None


def test_amended_contract_each_month_uses_version_in_force(store, ccc_db, tmp_path):
    store.simple_contract(target=0.8, breach=0.7)
    # Amendment from 15 October: stricter target.
    store.simple_contract(effective_from="2026-10-15", target=0.95, breach=0.9)
    store.contacts([answered("2026-09-10T10:00:00Z")] * 9 + [answered("2026-09-10T11:00:00Z", wait=60)]
                   + [answered("2026-10-05T10:00:00Z")] * 9 + [answered("2026-10-05T11:00:00Z", wait=60)]
                   + [answered("2026-10-20T10:00:00Z")] * 17 + [answered("2026-10-20T11:00:00Z", wait=60)] * 3
                   + [answered("2026-11-20T10:00:00Z")] * 19 + [answered("2026-11-20T11:00:00Z", wait=60)])
    sep = evaluate(ccc_db, period="2026-09", as_of="2026-12-15")
    assert [(r["contract_version"], r["actual"], r["target"], r["status"]) for r in sep] == [(1, 0.9, 0.8, "met")]
    oct_ = evaluate(ccc_db, period="2026-10", as_of="2026-12-15")
    assert [(r["contract_version"], r["numerator"], r["denominator"], r["target"], r["status"]) for r in oct_] == [
        (1, 9, 10, 0.8, "met"),          # 1–14 October under version 1
        (2, 17, 20, 0.95, "breached"),   # 15–31 October under version 2: 0.85 < 0.9
    ]
    assert oct_[0]["details"]["span"] == {"from": "2026-10-01", "to": "2026-10-14"}
    nov = evaluate(ccc_db, period="2026-11", as_of="2026-12-15")
    assert [(r["contract_version"], r["actual"], r["status"]) for r in nov] == [(2, 0.95, "met")]


def test_improvement_schedule_uses_last_day_of_period(store, ccc_db):
    kpis = SL.format(target=0.8, breach=0.7) + "\n[[kpi.schedule]]\nfrom = 2026-10-20\ntarget = 0.9\nbreach = 0.85\n"
    store.simple_contract(kpis=kpis)
    store.contacts([answered("2026-10-05T10:00:00Z")] * 88 + [answered("2026-10-05T10:00:00Z", wait=99)] * 12)
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert (r["target"], r["breach"], r["status"]) == (0.9, 0.85, "at_risk")
    r = evaluate(ccc_db, period="2026-10-05", as_of="2026-11-15")[0]
    assert (r["target"], r["breach"], r["status"]) == (0.8, 0.7, "met")


def test_month_to_date_and_projection(store, ccc_db):
    store.simple_contract(target=0.8, breach=0.7)
    store.contacts([answered("2026-10-02T10:00:00Z")] * 40 + [answered("2026-10-02T10:00:00Z", wait=99)] * 60)
    r = evaluate(ccc_db, period="2026-10", as_of="2026-10-10")[0]
    assert r["status"] == "mtd_breached"
    assert r["details"]["projection"] == "likely_breach"  # Wilson 95 % of 40/100 is about 0.31–0.50 < 0.7
    assert 0.30 < r["ci_low"] < 0.31 and 0.49 < r["ci_high"] < 0.50
    assert breaches.list_breaches(ccc_db) == []  # an open period never records a breach
    # default period: the last closed month
    r = evaluate(ccc_db, as_of="2026-11-03")[0]
    assert r["period"] == "2026-10" and r["status"] == "breached"


def test_a_monthly_kpi_is_breached_per_month_not_again_per_quarter(store, ccc_db):
    store.simple_contract(target=0.8, breach=0.7)
    store.contacts([answered("2026-10-02T10:00:00Z")] * 6 + [answered("2026-10-02T10:00:00Z", wait=99)] * 4)
    [q] = evaluate(ccc_db, period="2026-Q4", as_of="2027-01-15")
    assert q["status"] == "breached"  # the quarter's figure is shown …
    assert breaches.list_breaches(ccc_db) == []  # … but the KPI is measured per month
    evaluate(ccc_db, period="2026-10", as_of="2027-01-15")
    assert [b["period"] for b in breaches.list_breaches(ccc_db)] == ["2026-10"]


def test_breach_status_and_notes_survive_reevaluation(store, ccc_db):
    store.simple_contract(target=0.8, breach=0.7)
    store.contacts([answered("2026-10-02T10:00:00Z")] * 6 + [answered("2026-10-02T10:00:00Z", wait=99)] * 4)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15")
    [b] = breaches.list_breaches(ccc_db)
    assert (b["status"], b["still_breached"], b["kpi_id"], b["period"]) == ("open", 1, "sl", "2026-10")
    assert b["small_sample"] == 1  # n = 10 < 30
    breaches.set_status(ccc_db, b["id"], "ack", "vendor agrees; action plan asked", as_of="2026-11-15")
    breaches.set_status(ccc_db, b["id"], "dispute", "staffing data says otherwise", as_of="2026-11-15")
    evaluate(ccc_db, period="2026-10", as_of="2026-11-16")
    [b2] = breaches.list_breaches(ccc_db)
    assert b2["id"] == b["id"] and b2["status"] == "disputed" and b2["first_seen_at"] == b["first_seen_at"]
    notes = [e["note"] for e in breaches.history(ccc_db, b["id"])]
    assert notes[1:] == ["vendor agrees; action plan asked", "staffing data says otherwise"]
    # New data lifts the month above the breach threshold: marked, not deleted.
    store.contacts([answered("2026-10-03T10:00:00Z")] * 10)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-17")
    [b3] = breaches.list_breaches(ccc_db)
    assert (b3["status"], b3["still_breached"]) == ("disputed", 0)
    with pytest.raises(StateError):
        breaches.set_status(ccc_db, b["id"], "disputed", "again")
    breaches.set_status(ccc_db, b["id"], "close", "settled", as_of="2026-11-17")
    with pytest.raises(StateError, match="closed"):
        breaches.set_status(ccc_db, b["id"], "ack", "late")


def test_new_breach_fires_hook_once(store, ccc_db):
    import pluggy

    from ccc_governance import hookspecs

    calls = []

    class Recorder:
        @hookspecs.hookimpl
        def breach_detected(self, breach, result, contract, workspace):
            calls.append((breach["kpi_id"], result["actual"], contract.id))

    pm = pluggy.PluginManager("ccc_governance")
    pm.add_hookspecs(hookspecs)
    pm.register(Recorder())
    store.simple_contract()
    store.contacts([answered("2026-10-02T10:00:00Z", wait=99)] * 3)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=pm)
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", pm=pm)
    assert calls == [("sl", 0.0, "c1")]


def test_scope_filters_hours_holidays_channels(store, ccc_db):
    extra = 'holidays = [2026-10-06]\n[scope.hours]\nmon = ["08:00-20:00"]\ntue = ["08:00-20:00"]\n'
    kpis = SL.format(target=0.8, breach=0.7) + 'channel = "voice"\n'
    store.simple_contract(extra_scope=extra, kpis=kpis)
    store.contacts([
        answered("2026-10-05T06:00:00Z"),                 # 08:00 Paris Monday: in
        answered("2026-10-05T05:59:59Z"),                 # 07:59:59: out of hours
        answered("2026-10-05T18:00:00Z"),                 # 20:00: window end is exclusive
        answered("2026-10-06T10:00:00Z"),                 # Tuesday holiday
        answered("2026-10-07T10:00:00Z"),                 # Wednesday: closed
        answered("2026-10-05T10:00:00Z", channel="chat"),  # other channel
        answered("2026-10-05T10:00:00Z", queue="other"),   # other queue
        answered("2026-10-05T10:00:00Z", direction="outbound"),
    ])
    r = evaluate(ccc_db, period="2026-10", as_of="2026-11-15")[0]
    assert r["denominator"] == 1
