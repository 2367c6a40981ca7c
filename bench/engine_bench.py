"""Engine benchmark: 50 contracts × 24 monthly periods over 10,000,000 stored contacts.

    .venv/bin/python bench/engine_bench.py [--contacts 10000000] [--db /tmp/ccc-engine-bench.db] [--keep]

Steps, each timed:
1. synthesize the contacts with one recursive-CTE INSERT (50 queues, two years, Europe/Paris);
2. build the daily aggregates of the 50 contracts (one indexed pass per contract);
3. evaluate all 50 × 24 months (goal: under 5 s), persisting results, breaches and credits;
4. import one more day (a new batch) and run `refresh_after_batch`;
5. re-evaluate the open month and then all 50 × 24 again.
Figures go to bench/RESULTS.md ("Engine" section) by hand.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

from ccc_governance.contracts import registry
from ccc_governance.engine import aggregates
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.engine.scope import all_versions
from ccc_governance.periods import periods_between
from ccc_governance.store.db import open_db

CONTRACTS = 50
FIRST = date(2025, 1, 1)
LAST = date(2026, 12, 31)

CONTRACT = """
schema = "ccc-contract/1"
[contract]
id = "bench-{i:02d}"
title = "Bench {i}"
client = "Client"
ccc = "CCC {i}"
effective_from = 2025-01-01
timezone = "Europe/Paris"
monthly_fee = 50000.0
[scope]
queues = ["q{i:02d}"]
channels = ["voice"]
[[kpi]]
id = "sl"
metric = "service_level"
answer_within_s = 20
short_abandon_s = 5
target = 0.8
breach = 0.75
class = "critical"
allocation = 0.5
[[kpi]]
id = "abandon"
metric = "abandon_rate"
target = 0.05
breach = 0.08
class = "critical"
allocation = 0.5
[[kpi]]
id = "asa"
metric = "asa"
target = 20
breach = 30
[[kpi]]
id = "aht"
metric = "aht"
target = 300
breach = 360
[service_credits]
at_risk_percent = 10.0
pool_percent = 100.0
cap_percent = 10.0
earn_back_periods = 2
"""


def ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=timezone.utc).timestamp() * 1000)


def synthesize(db, n: int, start_ms: int, end_ms: int, batch_id: int, offset: int = 0) -> None:
    """n contacts spread evenly over [start_ms, end_ms), round-robin over the 50 queues; waits,
    outcomes and handle times from cheap deterministic pseudo-random expressions."""
    step = (end_ms - start_ms) / n
    db.execute(
        f"""
        WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i < {n - 1})
        INSERT INTO contacts (source, source_id, batch_id, channel, direction, queue, arrived_at, outcome,
                              wait_s, talk_s, hold_s, wrap_s)
        SELECT 'bench', 'c' || (i + {offset}), {batch_id}, 'voice', 'inbound', printf('q%02d', i % {CONTRACTS}),
               {start_ms} + CAST(i * {step!r} AS INTEGER),
               CASE WHEN (i * 7919) % 100 < 90 THEN 'answered'
                    WHEN (i * 7919) % 100 < 98 THEN 'abandoned' ELSE 'timeout' END,
               ((i * 104729) % 60000) / 1000.0,
               120 + (i * 31) % 400, (i * 17) % 30, (i * 13) % 60
        FROM seq
        """
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=10_000_000)
    ap.add_argument("--db", default=os.path.join(tempfile.gettempdir(), "ccc-engine-bench.db"))
    ap.add_argument("--keep", action="store_true", help="reuse an existing database (skip synthesis)")
    args = ap.parse_args()
    path = Path(args.db)
    if path.exists() and not args.keep:
        for p in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
            p.unlink(missing_ok=True)
    fresh = not path.exists()
    db = open_db(path)
    timings = {}
    start_ms, end_ms = ms(FIRST) - 3600_000, ms(date(2027, 1, 1)) - 3600_000  # Paris midnight (winter)
    if fresh:
        folder = Path(tempfile.mkdtemp(prefix="ccc-bench-contracts-"))
        for i in range(CONTRACTS):
            (folder / f"bench-{i:02d}.toml").write_text(CONTRACT.format(i=i), encoding="utf-8")
        registry.register(db, folder)
        t = time.perf_counter()
        with db.conn:
            bid = db.execute(
                "INSERT INTO batches (source, file_name, sha256, started_at, first_at, last_at) "
                "VALUES ('bench', 'synthetic', 'bench-1', '2027-01-01', ?, ?)", [start_ms, end_ms - 1]).lastrowid
            synthesize(db, args.contacts, start_ms, end_ms, bid)
        timings["synthesize"] = time.perf_counter() - t
        print(f"synthesized {args.contacts:,} contacts in {timings['synthesize']:.1f} s", flush=True)
    versions = all_versions(db)
    t = time.perf_counter()
    rebuilt = aggregates.ensure_fresh(db, versions)
    timings["aggregates"] = time.perf_counter() - t
    rows = db.execute("SELECT COUNT(*) FROM kpi_daily").fetchone()[0]
    print(f"built aggregates of {len(rebuilt)} contract versions ({rows:,} kpi_daily rows) in "
          f"{timings['aggregates']:.1f} s", flush=True)

    months = periods_between(FIRST, LAST, "month")
    t = time.perf_counter()
    results = evaluate(db, periods=months, as_of="2027-01-15")
    timings["evaluate"] = time.perf_counter() - t
    statuses = {}
    for r in results:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print(f"evaluated {CONTRACTS} contracts × {len(months)} months = {len(results):,} results in "
          f"{timings['evaluate']:.2f} s (goal < 5 s): {statuses}", flush=True)

    # One more day of data: 2027-01-01 (Paris), one new batch, as the import pipeline would do it.
    per_day = max(1, args.contacts // 730)
    day_start, day_end = ms(date(2027, 1, 1)) - 3600_000, ms(date(2027, 1, 2)) - 3600_000
    with db.conn:
        bid = db.execute(
            "INSERT INTO batches (source, file_name, sha256, started_at, first_at, last_at) "
            "VALUES ('bench', 'one-day', ?, '2027-01-02', ?, ?)",
            [f"bench-day-{time.time()}", day_start, day_end - 1]).lastrowid
        synthesize(db, per_day, day_start, day_end, bid, offset=10**10 + bid * 10**7)
    t = time.perf_counter()
    stats = aggregates.refresh_after_batch(db, bid)
    timings["refresh"] = time.perf_counter() - t
    print(f"refreshed after one day ({per_day:,} contacts): {stats} in {timings['refresh']:.2f} s", flush=True)
    t = time.perf_counter()
    mtd = evaluate(db, period="2027-01", as_of="2027-01-02")
    timings["evaluate_mtd"] = time.perf_counter() - t
    print(f"re-evaluated the open month (50 contracts, {len(mtd)} results) in {timings['evaluate_mtd']:.2f} s")
    t = time.perf_counter()
    evaluate(db, periods=months, as_of="2027-01-15")
    timings["evaluate_again"] = time.perf_counter() - t
    print(f"re-evaluated all 50 × 24 months in {timings['evaluate_again']:.2f} s (no rebuild needed)")
    db.conn.close()
    return timings


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
