"""Incremental refresh after a batch gives exactly what a full rebuild gives."""

from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance.engine import aggregates
from ccc_governance.engine.evaluate import evaluate

from invoice_cases import ws  # noqa: F401 - `ws` is a fixture

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


def test_undo_refreshes_only_the_days_it_touched_and_equals_a_full_rebuild(ws):
    """`ccc batch undo` (undo, then `refresh_after_undo`): the batch's days and the days of the rows it
    had replaced are recomputed, nothing else; the figures equal a full rebuild and the next
    evaluation rebuilds nothing."""
    from invoice_cases import CREDITS, Calls, contract

    from ccc_governance.engine.scope import all_versions
    from ccc_governance.store.batches import undo_batch

    db = ws.db
    ws.contract(contract(extra=CREDITS))
    ws.calls(Calls().october())  # batch: c1…c44 in October
    evaluate(db, period="2026-10", as_of="2026-12-15")  # builds the aggregates
    second = Calls()
    second.add("2026-10-03 10:00:00", outcome="abandoned", wait=90)  # c1 again: replaces October's c1
    for day in (10, 11, 12):
        second.add(f"2026-11-{day:02d} 10:00:00", queue="support")  # c2…c4 again, moved to November
    bid = ws.calls(second)["batch_id"]
    aggregates.refresh_after_batch(db, bid)
    before = aggregates.batches_signature(db)
    undo_batch(db, bid)
    stats = aggregates.refresh_after_undo(db, bid, before)
    # the batch's own span (3 Oct … 12 Nov) and the replaced rows' days (1 … 3 Oct): 43 days, not 2 years
    assert stats["versions"] == 1 and stats["days"] == (date(2026, 11, 12) - date(2026, 10, 1)).days + 1
    incremental = daily(db)
    assert aggregates.ensure_fresh(db, all_versions(db)) == []  # nothing left for the evaluation to rebuild
    aggregates.rebuild_all(db)
    assert daily(db) == incremental


def test_undo_after_an_unseen_change_leaves_the_rebuild_to_the_engine(ws):
    from invoice_cases import CREDITS, Calls, contract

    from ccc_governance.store.batches import undo_batch

    db = ws.db
    ws.contract(contract(extra=CREDITS))
    bid = ws.calls(Calls().october())["batch_id"]
    before = aggregates.batches_signature(db)  # the aggregates were never built: not current
    undo_batch(db, bid)
    assert aggregates.refresh_after_undo(db, bid, before) == {"versions": 0, "days": 0, "rows": 0}
