"""Incremental refresh after a batch gives exactly what a full rebuild gives."""

from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance.engine import aggregates
from ccc_governance.engine.evaluate import evaluate

from .conftest import SL

BASE = datetime(2026, 9, 28, tzinfo=timezone.utc)
contact = st.fixed_dictionaries({
    "minutes": st.integers(0, 60 * 24 * 40),
    "outcome": st.sampled_from(["answered", "abandoned", "timeout"]),
    "wait_s": st.sampled_from([0.0, 4.999, 5.0, 19.999, 20.0, 20.001, 60.0]),
    "queue": st.sampled_from(["q1", "q2"]),
})


def rows(items):
    return [{"at": (BASE + timedelta(minutes=c["minutes"])).isoformat().replace("+00:00", "Z"),
             "outcome": c["outcome"], "wait_s": c["wait_s"], "queue": c["queue"]} for c in items]


def figures(db):
    out = []
    for p in ("2026-09", "2026-10", "2026-11"):
        out += [(r["period"], r["numerator"], r["denominator"], r["status"])
                for r in evaluate(db, period=p, as_of="2026-12-15", persist=False)]
    return out


def daily(db):
    return db.execute("SELECT * FROM kpi_daily ORDER BY contract_id, kpi_id, day, excl_id").fetchall()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=st.lists(contact, max_size=30), second=st.lists(contact, min_size=1, max_size=30))
def test_refresh_after_batch_equals_full_rebuild(store, ccc_db, first, second):
    ccc_db.execute("DELETE FROM contacts")
    if not ccc_db.execute("SELECT 1 FROM contract_versions").fetchone():
        store.simple_contract(queue="q1")
        store.simple_contract(id="c2", queue="q*", target=0.9, breach=0.8)
    store.contacts(rows(first))
    figures(ccc_db)  # builds the aggregates
    bid = store.contacts(rows(second))
    stats = aggregates.refresh_after_batch(ccc_db, bid)
    assert stats["versions"] >= 1
    incremental_daily, incremental = daily(ccc_db), figures(ccc_db)
    aggregates.rebuild_all(ccc_db)
    assert daily(ccc_db) == incremental_daily
    assert figures(ccc_db) == incremental


def test_refresh_touches_only_the_batch_days(store, ccc_db):
    store.simple_contract()
    store.contacts(rows([{"minutes": m * 1440, "outcome": "answered", "wait_s": 1.0, "queue": "q1"} for m in range(30)]))
    evaluate(ccc_db, period="2026-10", as_of="2026-12-15")
    bid = store.contacts(rows([{"minutes": 10 * 1440 + 5, "outcome": "abandoned", "wait_s": 60.0, "queue": "q1"}]))
    stats = aggregates.refresh_after_batch(ccc_db, bid)
    assert stats == {"versions": 1, "days": 1, "rows": 2}  # the KPI row and the scope row of one day


def test_unseen_batch_triggers_rebuild(store, ccc_db):
    store.simple_contract()
    store.contacts(rows([{"minutes": 5 * 1440, "outcome": "answered", "wait_s": 1.0, "queue": "q1"}]))
    assert evaluate(ccc_db, period="2026-10", as_of="2026-12-15")[0]["denominator"] == 1
    # A batch imported without calling refresh_after_batch (or undone) is noticed at evaluation.
    store.contacts(rows([{"minutes": 6 * 1440, "outcome": "answered", "wait_s": 1.0, "queue": "q1"}]))
    assert evaluate(ccc_db, period="2026-10", as_of="2026-12-15")[0]["denominator"] == 2


def test_unseen_data_rebuilds_other_contracts_too(store, ccc_db):
    store.simple_contract(id="a", queue="q1")
    store.simple_contract(id="b", queue="q2")
    store.contacts(rows([{"minutes": 5 * 1440, "outcome": "answered", "wait_s": 1.0, "queue": "q2"}]))
    evaluate(ccc_db, period="2026-10", as_of="2026-12-15")
    store.contacts(rows([{"minutes": 6 * 1440, "outcome": "answered", "wait_s": 1.0, "queue": "q2"}]))
    evaluate(ccc_db, contract_id="a", period="2026-10", as_of="2026-12-15")  # notices the unseen batch
    [b] = evaluate(ccc_db, contract_id="b", period="2026-10", as_of="2026-12-15")
    assert b["denominator"] == 2
