"""`kpi_daily` built from the interval figures equals a plain computation from contacts, in zones with
:30 and :45 offsets, with opening hours and exclusions that cut 15-minute intervals, after imports
with replacements and undo; and registering a contract reads no contact when nothing is cut."""

from __future__ import annotations

import json
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

import hypothesis
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance.engine import aggregates, exclusions
from ccc_governance.engine.aggregates import split_windows
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.engine.scope import all_versions
from ccc_governance.store import intervals
from ccc_governance.store.batches import undo_batch
from ccc_governance.store.imports import import_file

from store.test_contact_intervals import BASE_MS, WAITS, jl_pm, write_batch  # noqa: F401 - a fixture

M = 60_000
I15 = 15 * M

CONTRACT = """
schema = "ccc-contract/1"
[contract]
id = "{id}"
title = "t"
client = "c"
ccc = "v"
effective_from = 2026-01-01
timezone = "{zone}"
[scope]
queues = ["q1"]
channels = ["voice", "chat", "email"]
direction = "inbound"
holidays = [2026-10-07]
{hours}
[[kpi]]
id = "sl"
metric = "service_level"
answer_within_s = {T}
short_abandon_s = {S}
target = 0.8
breach = 0.7
[[kpi]]
id = "abandon"
metric = "abandon_rate"
short_abandon_s = {S}
target = 0.05
breach = 0.1
[[kpi]]
id = "asa"
metric = "asa"
target = 20
breach = 30
[[kpi]]
id = "aht"
metric = "aht"
target = 300
breach = 400
[[kpi]]
id = "fcr"
metric = "fcr"
target = 0.8
breach = 0.7
[[kpi]]
id = "csat"
metric = "csat"
scale = {scale}
satisfied_min = 4
target = 0.8
breach = 0.7
[[kpi]]
id = "fr"
metric = "first_response_within"
response_within = "{fr}"
target = 0.8
breach = 0.7
"""
HOURS = {
    "24/7": ("", None),
    "cut": ("[scope.hours]\n" + "\n".join(f'{d} = ["08:10-12:00", "13:00-19:45"]'
                                          for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
            [(time(8, 10), time(12)), (time(13), time(19, 45))]),
    "inside": ("[scope.hours]\n" + "\n".join(f'{d} = ["10:05-10:10", "10:20-11:00"]'
                                             for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
               [(time(10, 5), time(10, 10)), (time(10, 20), time(11))]),
}


def oracle(db, cid, zone_name, hours, T, S, scale, fr_limit) -> dict:
    """Every contact KPI's daily (volume, numerator, denominator), written out from the stored contacts."""
    zone = ZoneInfo(zone_name)
    excl = db.execute("SELECT id, starts_at, ends_at FROM exclusions WHERE contract_id = ?", [cid]).fetchall()
    out: dict = {}
    for (queue, channel, direction, at, outcome, wait, talk, hold, wrap, fcr, csat, csat_scale, fr) in db.execute(
            "SELECT queue, channel, direction, arrived_at, outcome, wait_s, talk_s, hold_s, wrap_s, fcr, csat, "
            "csat_scale, first_response_s FROM contacts").fetchall():
        if queue != "q1" or channel not in ("voice", "chat", "email") or (direction or "inbound") != "inbound":
            continue
        local = datetime.fromtimestamp(at / 1000, tz=zone)
        if local.date().isoformat() == "2026-10-07":
            continue
        if hours and not any(a <= local.time() < b for a, b in hours):
            continue
        ids = [i for i, s, e in excl if s <= at < e]
        key = (local.date().isoformat(), min(ids) if ids else 0)
        answered, abandoned = outcome == "answered", outcome == "abandoned"
        short = abandoned and wait is not None and wait < S
        figures = {
            "sl": (answered + abandoned, answered and wait is not None and wait <= T, answered + abandoned - short),
            "abandon": (answered + abandoned, abandoned - short, answered + abandoned - short),
            "asa": (answered and wait is not None, wait if answered and wait is not None else 0,
                    answered and wait is not None),
            "aht": (answered, (talk or 0) + (hold or 0) + (wrap or 0) if answered else 0, answered),
            "fcr": (fcr is not None, fcr == 1, fcr is not None),
            "csat": (csat is not None,
                     csat is not None and csat * scale / (csat_scale if csat_scale is not None else scale) >= 4,
                     csat is not None),
            "fr": (fr is not None, fr is not None and fr <= fr_limit, fr is not None),
        }
        for kpi, values in figures.items():
            acc = out.setdefault((kpi,) + key, [0, 0, 0])
            for i, v in enumerate(values):
                acc[i] += v
    return {k: v for k, v in out.items() if any(v)}


def built(db, cid) -> dict:
    rows = db.execute("SELECT kpi_id, day, excl_id, volume, num, den FROM kpi_daily WHERE contract_id = ? "
                      "AND kpi_id != '*'", [cid]).fetchall()
    return {r[:3]: list(r[3:]) for r in rows if any(r[3:])}


def assert_equal(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, (volume, num, den) in want.items():
        assert got[key][0] == volume and got[key][2] == pytest.approx(den, rel=1e-12), key
        assert got[key][1] == pytest.approx(num, rel=1e-9, abs=1e-9), key


# Mostly in the contracts' scope (queue q1, inbound), near 15-minute, opening and day edges.
LOCAL_EDGES = [0, 8 * 60 + 10, 10 * 60 + 5, 10 * 60 + 10, 10 * 60 + 20, 11 * 60, 12 * 60, 13 * 60, 19 * 60 + 45]
#: minutes after BASE_MS (18:00 UTC) of those local times in Asia/Kolkata (+5:30) and Asia/Kathmandu (+5:45)
EDGES = sorted({(edge - offset - 18 * 60) % 1440 for edge in LOCAL_EDGES for offset in (330, 345)})
minute = st.one_of(st.integers(0, 1439), st.builds(lambda e, d: e + d, st.sampled_from(EDGES), st.integers(-2, 2)))
contact = st.fixed_dictionaries({
    "id": st.sampled_from([f"c{i}" for i in range(60)]),
    "at": st.builds(lambda day, m, j: BASE_MS + (day * 1440 + m) * M + j, st.integers(0, 2), minute,
                    st.sampled_from([0, -1, 1, 999, 30_000])),
    "outcome": st.sampled_from(["answered", "answered", "abandoned", "abandoned", "timeout", "not_queued", None]),
    "wait_s": st.one_of(st.sampled_from(WAITS), st.floats(0, 100, allow_nan=False)),
    "talk_s": st.sampled_from([None, 0.0, 61.25, 300.0]),
    "queue": st.sampled_from(["q1", "q1", "q1", "q2", None]),
    "channel": st.sampled_from(["voice", "chat", "email"]),
    "direction": st.sampled_from(["inbound", "inbound", "outbound", None]),
    "fcr": st.sampled_from([None, True, False]),
    "csat": st.sampled_from([None, 1.0, 4.0, 4.5, 5.0, 9.0]),
    "csat_scale": st.sampled_from([None, 5, 10]),
    "first_response_s": st.sampled_from([None, 0.0, 59.5, 60.0, 3600.0, 3600.001]),
})
edge = st.builds(lambda m, j: BASE_MS + m * M + j, st.integers(0, 3 * 1440 // 5).map(lambda k: k * 5),
                 st.sampled_from([0, 0, 7 * M, 2 * M + 1]))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    zone=st.sampled_from(["Asia/Kolkata", "Asia/Kathmandu"]),
    hours=st.sampled_from(sorted(HOURS)),
    T=st.sampled_from([0, 5, 20, 21]),
    S=st.sampled_from([0, 5, 20]),
    scale=st.sampled_from([5, 10]),
    fr=st.sampled_from(["1h", "60s"]),
    steps=st.lists(st.tuples(st.lists(contact, min_size=5, max_size=40, unique_by=lambda c: c["id"]),
                             st.sampled_from([False, False, True])),
                   min_size=1, max_size=3),
    cuts=st.lists(st.tuples(edge, st.integers(1, 200).map(lambda k: k * M // 3)), max_size=2),
    slots_full=st.booleans(),
)
def test_kpi_daily_from_intervals_equals_a_plain_count(
        ccc_db, ccc_workspace, jl_pm, store, tmp_path, zone, hours, T, S, scale, fr, steps, cuts,
        slots_full):  # noqa: F811
    n = ccc_db.execute("SELECT COUNT(*) FROM batches").fetchone()[0]
    cid = f"k{n}"
    with ccc_db.conn:  # hypothesis reuses the database: start without contacts and contracts
        for table in ("contract_versions", "agg_state", "kpi_daily", "exclusions", "replaced_rows"):
            ccc_db.execute(f"DELETE FROM {table}")
        ccc_db.execute("DELETE FROM contacts")
        ccc_db.execute("UPDATE batches SET status = 'undone'")
        # the wait rules' slots: free (the contract's T and S get one) or all taken (read from the histogram)
        ccc_db.execute("DELETE FROM contact_wait_rules")
        if slots_full:
            intervals.track_wait_rules(ccc_db.conn, [(intervals.WITHIN, 1000 + k) for k in range(intervals.WAIT_SLOTS)])
    store.contract(CONTRACT.format(id=cid, zone=zone, hours=HOURS[hours][0], T=T, S=S, scale=scale, fr=fr))
    evaluate(ccc_db, contract_id=cid, period="2026-10", as_of="2026-11-15", persist=False)  # built, empty
    done = []
    for i, (items, undo_it) in enumerate(steps):
        path = tmp_path / f"{cid}-{i}.jl"
        write_batch(path, items + [{"id": f"pad-{cid}-{i}", "at": BASE_MS}])  # (no queue: never counted)
        summary = import_file(ccc_db, ccc_workspace, jl_pm, "jl", path)
        aggregates.refresh_after_batch(ccc_db, summary["batch_id"])  # as `ccc import` does
        done.append(summary["batch_id"])
        if undo_it:
            undo_batch(ccc_db, done.pop())
    for start, length in cuts:
        exclusions.add_exclusion(ccc_db, cid, "outage", datetime.fromtimestamp(start / 1000, tz=timezone.utc),
                                 datetime.fromtimestamp((start + length) / 1000, tz=timezone.utc), "test", None)
    aggregates.ensure_fresh(ccc_db, all_versions(ccc_db, cid))
    fr_limit = 3600 if fr == "1h" else 60
    want = oracle(ccc_db, cid, zone, HOURS[hours][1], T, S, scale, fr_limit)
    assert_equal(built(ccc_db, cid), want)
    assert (T in [s for (r, s) in intervals.wait_slots(ccc_db.conn) if r == intervals.WITHIN]) is not slots_full
    hypothesis.event(f"daily figures: {len(want)}")


# -- which intervals are cut ----------------------------------------------------------------------


def test_split_windows_reads_contacts_only_for_cut_intervals():
    day = "d"
    t0 = 1_000 * I15
    # 08:10-09:00 in a zone on whole quarters: head cut 08:10-08:15, whole 08:15-09:00
    whole, cut = split_windows([(day, t0 + 10 * M, t0 + 60 * M)], [])
    assert cut == [(day, t0 + 10 * M, t0 + 15 * M)]
    assert whole == [(day, t0 + 15 * M, t0 + 60 * M, 0)]
    # inside one interval
    assert split_windows([(day, t0 + 5 * M, t0 + 10 * M)], []) == ([], [(day, t0 + 5 * M, t0 + 10 * M)])
    # across one boundary without a whole interval: two cut pieces
    assert split_windows([(day, t0 + 10 * M, t0 + 20 * M)], []) == (
        [], [(day, t0 + 10 * M, t0 + 15 * M), (day, t0 + 15 * M, t0 + 20 * M)])
    # an exclusion on quarter hours splits the run (one id per run); one at 10:07 cuts its interval
    whole, cut = split_windows([(day, t0, t0 + 120 * M)], [(3, t0 + 30 * M, t0 + 67 * M)])
    assert whole == [(day, t0, t0 + 30 * M, 0), (day, t0 + 30 * M, t0 + 60 * M, 3),
                     (day, t0 + 75 * M, t0 + 120 * M, 0)]
    assert cut == [(day, t0 + 60 * M, t0 + 75 * M)]
    # exclusion edges outside the window change nothing
    assert split_windows([(day, t0, t0 + 30 * M)], [(1, t0 - 7 * M, t0 + 97 * M)]) == (
        [(day, t0, t0 + 30 * M, 1)], [])


def _contact_reads(db, reads: list):
    """A context manager that appends to `reads` each read of the `contacts` table: SQLite's
    authorizer (per column read); on PostgreSQL, which has no such hook, each statement that
    names the table."""
    import contextlib
    import re

    from ccc_governance.store.dialect import is_postgres

    @contextlib.contextmanager
    def watching():
        conn = db.conn
        if is_postgres(conn):
            plain = conn.execute

            def execute(sql, parameters=(), /):
                if re.search(r"\b(FROM|JOIN)\s+contacts\b", sql, re.I):
                    reads.append(sql)
                return plain(sql, parameters)

            conn.execute = execute
            try:
                yield
            finally:
                del conn.execute
            return
        import sqlite3

        def watch(action, table, column, db_name, trigger):
            if action == sqlite3.SQLITE_READ and table == "contacts":
                reads.append(column)
            return sqlite3.SQLITE_OK

        conn.set_authorizer(watch)
        try:
            yield
        finally:
            conn.set_authorizer(None)

    return watching


def test_registering_a_contract_reads_no_contact(store, ccc_db, ccc_workspace, jl_pm, tmp_path):
    path = tmp_path / "a.jl"
    write_batch(path, [{"id": f"c{i}", "at": BASE_MS + i * 7 * M, "outcome": "answered", "wait_s": i / 3,
                        "queue": "q1", "channel": "voice"} for i in range(50)])
    import_file(ccc_db, ccc_workspace, jl_pm, "jl", path)
    aggregates.ensure_fresh(ccc_db, all_versions(ccc_db))  # the data seen once
    store.contract(CONTRACT.format(id="new", zone="Asia/Kathmandu", hours="", T=20, S=5, scale=5, fr="1h"))
    exclusions.add_exclusion(ccc_db, "new", "outage", "2026-10-06T10:00", "2026-10-06T11:15", "aligned", None)
    reads = []
    watching = _contact_reads(ccc_db, reads)

    with watching():
        rebuilt = aggregates.ensure_fresh(ccc_db, all_versions(ccc_db, "new"))
    assert rebuilt == ["new v1"] and reads == []
    assert ccc_db.execute("SELECT SUM(answered) FROM kpi_daily WHERE contract_id = 'new' AND kpi_id = 'sl'"
                          ).fetchone()[0] == 50
    # An exclusion edge off the quarter hour: only that interval's contacts are read.
    exclusions.add_exclusion(ccc_db, "new", "outage", "2026-10-06T12:07", "2026-10-06T12:30", "cut", None)
    with watching():
        aggregates.ensure_fresh(ccc_db, all_versions(ccc_db, "new"))
    assert reads  # the cut interval


def test_refresh_after_a_record_moved_to_another_queue(store, ccc_db, ccc_workspace, jl_pm, tmp_path):
    """The queue a replaced record left is refreshed too (it was not before the interval figures)."""
    store.contract(CONTRACT.format(id="q1-only", zone="Asia/Kolkata", hours="", T=20, S=5, scale=5, fr="1h"))
    evaluate(ccc_db, period="2026-10", as_of="2026-11-15", persist=False)
    one = {"id": "x", "at": BASE_MS + 60 * M, "outcome": "answered", "wait_s": 3.0, "channel": "voice"}
    for i, queue in enumerate(["q1", "q2"]):
        path = tmp_path / f"{i}.jl"
        write_batch(path, [{**one, "queue": queue}])
        aggregates.refresh_after_batch(ccc_db, import_file(ccc_db, ccc_workspace, jl_pm, "jl", path)["batch_id"])
        answered = ccc_db.execute("SELECT TOTAL(answered) FROM kpi_daily WHERE kpi_id = 'sl'").fetchone()[0]
        assert answered == (1 if queue == "q1" else 0)
