"""Interval aggregates, surveys, complaints, QA, workforce and first response, hand-computed."""

from ccc_governance.engine.evaluate import evaluate

from .conftest import ms


def kpi(id, metric, target, breach, extra=""):
    return f'\n[[kpi]]\nid = "{id}"\nmetric = "{metric}"\ntarget = {target}\nbreach = {breach}\n{extra}\n'


def by_kpi(results):
    return {r["kpi_id"]: r for r in results}


def interval(at, **kw):
    return {"interval_start": ms(at), "interval_minutes": 30, "queue": "q1", "channel": "voice", **kw}


def test_interval_aggregates_feed_the_same_kpis(store, ccc_db):
    store.simple_contract(kpis=kpi("sl", "service_level", 0.8, 0.7, "answer_within_s = 20\nshort_abandon_s = 5")
                          + kpi("sl30", "service_level", 0.8, 0.7, "answer_within_s = 30")
                          + kpi("asa", "asa", 20, 30) + kpi("fa", "forecast_accuracy", 0.9, 0.8))
    store.insert("interval_aggregates", [
        interval("2026-10-05T08:00:00Z", answered=40, answered_within=30, answer_threshold_s=20.0, abandoned=10,
                 short_abandoned=4, short_abandon_s=5.0, wait_sum_s=600.0, forecast_offered=40.0),
        interval("2026-10-05T08:30:00Z", answered=20, answered_within=18, answer_threshold_s=20.0, abandoned=0,
                 short_abandoned=0, short_abandon_s=5.0, wait_sum_s=100.0, forecast_offered=20.0),
    ])
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-15"))
    # SL default = 48 ÷ (60 + 10 − 4)
    assert (r["sl"]["numerator"], r["sl"]["denominator"]) == (48, 66)
    # The platform counted against T=20: a T=30 KPI cannot be computed from these aggregates.
    assert r["sl30"]["status"] == "no_data" and r["sl30"]["details"]["not_computable_intervals"] == 2
    assert "T=30s" in r["sl30"]["details"]["reason"]
    assert abs(r["asa"]["actual"] - 700 / 60) < 1e-9
    # forecast accuracy = 1 − |70 − 60| ÷ 60
    assert abs(r["fa"]["actual"] - (1 - 10 / 60)) < 1e-9


def test_surveys_and_contact_marks(store, ccc_db):
    store.simple_contract(kpis=kpi("csat", "csat", 0.8, 0.7, "satisfied_min = 4\nscale = 5")
                          + kpi("csat-mean", "csat_mean", 4, 3.5) + kpi("nps", "nps", 30, 0)
                          + kpi("fcr", "fcr", 0.8, 0.7))
    store.contacts([
        {"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1, "csat": 5, "csat_scale": 5, "fcr": 1},
        {"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1, "csat": 3, "csat_scale": 5, "fcr": 0},
        {"at": "2026-10-05T10:00:00Z", "outcome": "answered", "wait_s": 1},
    ])
    store.insert("surveys", [
        {"responded_at": ms("2026-10-06T10:00:00Z"), "queue": "q1", "csat": 8, "csat_scale": 10, "nps": 10, "resolved": 1},
        {"responded_at": ms("2026-10-06T10:00:00Z"), "queue": "q1", "nps": 7},
        {"responded_at": ms("2026-10-06T10:00:00Z"), "queue": "q1", "nps": 3, "resolved": 1},
        {"responded_at": ms("2026-10-06T10:00:00Z"), "queue": "elsewhere", "nps": 0, "csat": 1},
    ])
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-15"))
    # CSAT: 5/5 yes, 3/5 no, 8/10 → 4/5 yes: 2 of 3
    assert (r["csat"]["numerator"], r["csat"]["denominator"]) == (2, 3)
    assert abs(r["csat-mean"]["actual"] - 4.0) < 1e-9  # (5 + 3 + 4) / 3
    # NPS: promoters 1, passives 1, detractors 1 of 3 → 0
    assert r["nps"]["actual"] == 0 and r["nps"]["status"] == "at_risk"
    # FCR: contacts 1 of 2 + surveys 2 of 2
    assert (r["fcr"]["numerator"], r["fcr"]["denominator"]) == (3, 4)


def test_complaints_on_time_in_business_days(store, ccc_db):
    kpis = kpi("ack", "complaint_acknowledged_on_time", 0.9, 0.5) + kpi("res", "complaint_resolved_on_time", 0.9, 0.5)
    kpis += '\n[complaints]\nacknowledge_within = "2bd"\nresolve_within = "10bd"\n'
    store.simple_contract(kpis=kpis)
    fri = "2026-10-02T14:00:00Z"  # Friday afternoon in Paris
    store.insert("complaints", [
        # 2bd after Friday = end of Tuesday 6 October (Paris)
        {"received_at": ms(fri), "acknowledged_at": ms("2026-10-06T21:59:00Z"), "queue": "q1"},  # on time
        {"received_at": ms(fri), "acknowledged_at": ms("2026-10-06T22:01:00Z"), "queue": "q1"},  # Wednesday: late
        {"received_at": ms(fri), "queue": "q1"},  # never acknowledged, time run out: late
        {"received_at": ms("2026-10-30T10:00:00Z"), "queue": "q1"},  # as of 2026-11-02 still has time: pending
    ])
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-02"))
    assert (r["ack"]["numerator"], r["ack"]["denominator"]) == (1, 3)
    # 10bd after Friday 2 Oct ends on Friday 16 Oct: three late (none resolved), 30 Oct pending
    assert (r["res"]["numerator"], r["res"]["denominator"]) == (0, 3)


def test_qa_workforce(store, ccc_db):
    store.simple_contract(kpis=kpi("qa", "qa_score", 0.8, 0.7) + kpi("adh", "schedule_adherence", 0.9, 0.85)
                          + kpi("attr", "agent_attrition", 0.05, 0.1) + kpi("eng", "employee_engagement", 4, 3))
    store.insert("quality_evaluations", [
        {"evaluated_at": ms("2026-10-05T10:00:00Z"), "score": 90, "max_score": 100, "queue": "q1"},
        {"evaluated_at": ms("2026-10-05T10:00:00Z"), "score": 35, "max_score": 50, "queue": "q1"},
    ])
    day = ms("2026-09-30T22:00:00Z")
    store.insert("workforce", [
        {"day": day, "days": 10, "queue": "q1", "scheduled_minutes": 1000, "adherent_minutes": 900,
         "headcount": 20, "leavers": 1, "engagement_score": 8, "engagement_scale": 10},
        {"day": day + 10 * 86400000, "days": 21, "queue": "q1", "scheduled_minutes": 1000, "adherent_minutes": 800,
         "headcount": 30, "leavers": 2},
    ])
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-15"))
    assert abs(r["qa"]["actual"] - 0.8) < 1e-9       # mean of 0.9 and 0.7
    assert abs(r["adh"]["actual"] - 0.85) < 1e-9     # 1700 / 2000
    # attrition = 3 leavers ÷ average headcount (20×10 + 30×21) / 31
    assert abs(r["attr"]["actual"] - 3 / (830 / 31)) < 1e-9
    assert abs(r["eng"]["actual"] - 4.0) < 1e-9      # 8/10 on a 1–5 scale


def test_first_response_calendar_and_business(store, ccc_db):
    hours = '[scope.hours]\nmon = ["09:00-17:00"]\ntue = ["09:00-17:00"]\n'
    kpis = (kpi("fr", "first_response_within", 0.9, 0.5, 'response_within = "1h"\nchannel = "email"')
            + kpi("frb", "first_response_within", 0.9, 0.5, 'response_within = "2bh"\nbusiness_hours = true\nchannel = "email"'))
    store.simple_contract(kpis=kpis, extra_scope=hours)
    store.contacts([
        # Monday 16:30 Paris; reply Tuesday 09:45: 17h15 calendar, 1h15 business
        {"at": "2026-10-05T14:30:00Z", "outcome": "answered", "channel": "email", "first_response_s": 62100.0},
        # Monday 10:00; reply after 30 min; platform gives business time
        {"at": "2026-10-05T08:00:00Z", "outcome": "answered", "channel": "email", "first_response_s": 1800.0,
         "first_response_business_s": 1800.0},
        # Monday 10:00; reply after 3 h
        {"at": "2026-10-05T08:00:00Z", "outcome": "answered", "channel": "email", "first_response_s": 10800.0},
    ])
    r = by_kpi(evaluate(ccc_db, period="2026-10", as_of="2026-11-15"))
    assert (r["fr"]["numerator"], r["fr"]["denominator"]) == (1, 3)
    assert (r["frb"]["numerator"], r["frb"]["denominator"]) == (2, 3)
