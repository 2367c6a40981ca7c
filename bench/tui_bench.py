"""How fast the portfolio is drawn on a big database (run by hand: `.venv/bin/python bench/tui_bench.py`).

Synthesises, with plain SQL, 100 contracts × 4 KPIs × 24 months of `kpi_results`, a breach per
contract, credits, and a `contacts` table of 10,000,000 rows (pass a smaller number as the first
argument for a quick run), then measures the time from starting the app to the portfolio table
being filled. Goal: under 1 s. The portfolio reads stored results only; it never touches `contacts`.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from ccc_governance.periods import parse_period
from ccc_governance.store.db import open_db

CONTRACT = """schema = "ccc-contract/1"
[contract]
id = "c{n:03d}"
title = "Contract {n}"
client = "Client {c}"
ccc = "CCC {v}"
effective_from = 2025-01-01
timezone = "Europe/Paris"
[review]
frequency = "monthly"
[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
breach = 0.7
"""


def build(path: Path, contacts: int) -> None:
    db = open_db(path)
    conn = db.conn
    with conn:
        conn.execute("INSERT INTO batches (id, source, file_name, sha256, started_at, finished_at) "
                     "VALUES (1, 'bench', 'bench', 'x', '2026-11-01T00:00:00Z', '2026-11-01T00:10:00Z')")
        for n in range(100):
            conn.execute(
                "INSERT INTO contract_versions (contract_id, version, sha256, toml, title, client, ccc, timezone,"
                " effective_from, registered_at) VALUES (?, 1, ?, ?, ?, ?, ?, 'Europe/Paris', '2025-01-01', 'x')",
                [f"c{n:03d}", f"s{n}", CONTRACT.format(n=n, c=n % 17, v=n % 5), f"Contract {n}",
                 f"Client {n % 17}", f"CCC {n % 5}"],
            )
            for m in range(24):
                p = parse_period(f"{2025 + m // 12}-{m % 12 + 1:02d}")
                for k in ("sl", "abandon", "aht", "csat"):
                    actual = 0.6 + ((n * 7 + m * 3) % 40) / 100
                    status = "met" if actual >= 0.8 else "at_risk" if actual >= 0.7 else "breached"
                    conn.execute(
                        "INSERT INTO kpi_results (contract_id, contract_version, kpi_id, metric, period, period_kind,"
                        " period_start, period_end, volume, actual, target, breach, status, evaluated_at)"
                        " VALUES (?, 1, ?, 'service_level', ?, 'month', ?, ?, 1000, ?, 0.8, 0.7, ?, 'x')",
                        [f"c{n:03d}", k, p.label, p.start.isoformat(), p.end.isoformat(), actual, status],
                    )
            conn.execute(
                "INSERT INTO breaches (contract_id, contract_version, kpi_id, period, first_seen_at, last_seen_at)"
                " VALUES (?, 1, 'sl', '2026-10', 'x', 'x')", [f"c{n:03d}"])
            conn.execute(
                "INSERT INTO credits (contract_id, contract_version, period, kpi_id, kind, amount, explanation)"
                " VALUES (?, 1, '2026-10', 'sl', 'credit', 100, 'bench')", [f"c{n:03d}"])
        # Ten million contacts in one recursive INSERT … SELECT: seconds, not minutes.
        conn.execute(
            f"""WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < {contacts})
                INSERT INTO contacts (source, source_id, batch_id, queue, arrived_at, wait_s, talk_s)
                SELECT 'bench', i, 1, 'q' || (i % 100), 1760000000000 + i * 1000, i % 60, 120 FROM seq"""
        )
    conn.close()


async def time_portfolio(path: Path) -> float:
    from textual.widgets import DataTable

    from ccc_governance.tui.app import CccApp

    start = time.perf_counter()
    app = CccApp(path, date(2026, 11, 12))
    async with app.run_test(size=(100, 30)) as pilot:
        while True:
            await pilot.pause(0.01)
            screen = app.screen
            tables = list(screen.query(DataTable)) if screen is not None else []
            if tables and tables[0].row_count == 100:
                return time.perf_counter() - start


def main() -> None:
    contacts = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t0 = time.perf_counter()
        build(path, contacts)
        print(f"built 100 contracts, 9,600 kpi_results, {contacts:,} contacts in {time.perf_counter() - t0:.1f} s")
        elapsed = asyncio.run(time_portfolio(path))
        print(f"portfolio drawn in {elapsed:.3f} s (goal < 1 s): {'OK' if elapsed < 1 else 'TOO SLOW'}")


if __name__ == "__main__":
    main()
