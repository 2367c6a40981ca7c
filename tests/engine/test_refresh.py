"""Incremental refresh after a batch gives exactly what a full rebuild gives."""

from datetime import date, datetime, timedelta, timezone

import pytest
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


_VALUES = ("volume, num, den, contacts, offered, answered, abandoned, short_abandons, answered_within, "
           "abandoned_within, unresolved, not_queued, forecast, unusable, extra")


def daily(db):
    """The days built, and the monthly sums kept beside them (which must be their sums)."""
    days = db.execute("SELECT * FROM kpi_daily ORDER BY contract_id, kpi_id, day, excl_id").fetchall()
    months = db.execute(f"SELECT contract_id, contract_version, kpi_id, month, excl_id, {_VALUES} FROM kpi_monthly "
                        "ORDER BY contract_id, contract_version, kpi_id, month, excl_id").fetchall()
    sums = ", ".join(f"SUM({c})" for c in _VALUES.split(", "))
    # (a sum of seconds may differ in its last bits: PostgreSQL adds a group's rows in any order)
    assert [pytest.approx(tuple(r), rel=1e-13, abs=0) for r in months] == [tuple(r) for r in db.execute(
        f"SELECT contract_id, contract_version, kpi_id, substr(day, 1, 7) AS month, excl_id, {sums} FROM kpi_daily "
        "GROUP BY contract_id, contract_version, kpi_id, substr(day, 1, 7), excl_id "
        "ORDER BY contract_id, contract_version, kpi_id, month, excl_id").fetchall()]
    return days, months


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


ASA = """
[[kpi]]
id = "asa"
metric = "asa"
target = 15.0
breach = 30.0
"""


def test_whole_months_summed_from_monthly_rows_equal_the_days(store, ccc_db, monkeypatch):
    """A period's whole months are read from `kpi_monthly`, its other days from `kpi_daily`: a month,
    a quarter, a range with days before and after its whole months, a range inside one month and a
    version that changes mid-month give the same figures as reading every day."""
    from ccc_governance.engine import evaluate as engine

    store.simple_contract(kpis=SL.format(target=0.8, breach=0.7) + ASA)
    store.simple_contract(id="c2", queue="q*", effective_from="2026-01-01")
    store.contacts(rows([{"minutes": m * 97, "outcome": ("answered", "abandoned", "answered")[m % 3],
                          "wait_s": (0.5, 19.9, 20.0, 33.3, 4.2)[m % 5], "queue": ("q1", "q2")[m % 2]}
                         for m in range(0, 40 * 24 * 60 // 97)]))
    store.simple_contract(id="c2", queue="q*", effective_from="2026-10-17", target=0.9, breach=0.8)  # v2 mid-October
    periods = ("2026-10", "2026-Q4", "2026-09-30..2026-11-02", "2026-10-05..2026-10-20", "2026-10-01..2026-11-30")

    def results():
        return sorted((r["contract_id"], r["contract_version"], r["kpi_id"], r["period"], r["volume"], r["numerator"],
                       r["denominator"], r["actual"], r["status"])
                      for p in periods for r in evaluate(ccc_db, period=p, as_of="2026-12-15", persist=False))

    read = []
    real = engine._whole_months
    monkeypatch.setattr(engine, "_whole_months", lambda a, b: read.append(real(a, b)) or read[-1])
    from_months = results()
    assert any(months and days for months, days in read) and any(months and not days for months, days in read)
    monkeypatch.setattr(engine, "_whole_months", lambda a, b: (None, [(a, b)]))
    from_days = results()
    # Counts are equal; a sum of seconds over several months is added in another order (month by
    # month), so it may differ in its last bits: far inside the oracle tests' 1e-9.
    assert [r[:4] + r[-1:] for r in from_months] == [r[:4] + r[-1:] for r in from_days]
    assert [r[4:-1] for r in from_months] == [pytest.approx(r[4:-1], rel=1e-13, abs=0) for r in from_days]
    assert [r for r in from_months if r[3] == "2026-10"] == [r for r in from_days if r[3] == "2026-10"]  # one month: exact
    daily(ccc_db)  # (the monthly rows are the sums of the days)
