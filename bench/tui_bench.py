"""How fast `ccc tui` shows a filled portfolio on a big database (run by hand).

    .venv/bin/python bench/tui_bench.py [CONTACTS] [--runs N] [--baseline-src DIR] [--workspace DIR] [--in-process]

Synthesises, with plain SQL, in a workspace made by `ccc init`: 100 contracts × 4 KPIs × 24 months
of `kpi_results`, a breach per contract, credits, and a `contacts` table of CONTACTS rows (default
10,000,000). Then, as whole processes in a pseudo-terminal of 100×30, interleaved with
`python -c pass` (and with `--baseline-src DIR`, the same `ccc tui` with DIR/src first on PYTHONPATH):
`ccc tui --as-of 2026-11-12` from the fork to the moment the portfolio's footer (written after the
table is filled) reaches the terminal; the process is then killed and its CPU time (user + sys,
`os.wait4`) read. Medians over `--runs` (default 7), the load average before and after. Goal (issue
#13): < 0.6 s wall. `--in-process` instead times the app inside this process (Textual's `run_test`),
as the bench did before. The portfolio reads stored results only; it never touches `contacts`.
`--workspace DIR` keeps the workspace in DIR (built there when DIR has no `ccc.db`, reused as it
is when it has one), so that before/after runs need not build the database again.
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from datetime import date
from pathlib import Path

from ccc_governance.periods import parse_period
from ccc_governance.store.db import open_db

#: The batches' source: shown in the portfolio's footer, which is written after the table is filled.
MARK = "tuibenchsource"
CCC = "from ccc_governance.cli import main; main()"

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
                     "VALUES (1, ?, 'bench', 'x', '2026-11-01T00:00:00Z', '2026-11-01T00:10:00Z')", [MARK])
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


def run_tui(workspace: Path, env: dict, code: str) -> tuple[float, float]:
    """One whole process in a 100×30 pseudo-terminal: (wall s to the footer, CPU s)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code, "tui", "--as-of", "2026-11-12"], cwd=workspace,
                            stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True)
    os.close(slave)
    seen = b""
    wall = None
    try:
        while wall is None:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                raise SystemExit("ccc tui showed no portfolio within 30 s: " + seen[-300:].decode(errors="replace"))
            try:
                chunk = os.read(master, 65536)
            except OSError:
                chunk = b""
            if not chunk:
                raise SystemExit("ccc tui ended early: " + seen[-300:].decode(errors="replace"))
            seen = seen[-200:] + chunk
            if MARK.encode() in seen:
                wall = time.perf_counter() - start
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        _, _, usage = os.wait4(proc.pid, 0)
        os.close(master)
    return wall, usage.ru_utime + usage.ru_stime


def run_pass(env: dict) -> tuple[float, float]:
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "pass"], env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def whole_process(workspace: Path, runs: int, baseline_src: Path | None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["TERM"] = "xterm-256color"
    contenders = {"python -c pass": lambda: run_pass(env), "ccc tui": lambda: run_tui(workspace, env, CCC)}
    if baseline_src is not None:
        benv = dict(env, PYTHONPATH=os.pathsep.join([str(baseline_src / "src"), env.get("PYTHONPATH", "")]))
        contenders["baseline: ccc tui"] = lambda: run_tui(workspace, benv, CCC)
    for run in contenders.values():  # warm-up: .pyc files written, the page cache filled
        run()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; runs: {runs}")
    names = list(contenders)
    results: dict[str, list[tuple[float, float]]] = {n: [] for n in names}
    for i in range(runs):
        for name in names[i % len(names):] + names[:i % len(names)]:  # rotating order
            results[name].append(contenders[name]())
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("\n| command | wall s median (min–max) | CPU s median (min–max) |\n|---|---|---|")
    for name in names:
        walls = [w for w, _ in results[name]]
        cpus = [c for _, c in results[name]]
        print(f"| `{name}` | {statistics.median(walls):.3f} ({min(walls):.3f}–{max(walls):.3f}) | "
              f"{statistics.median(cpus):.3f} ({min(cpus):.3f}–{max(cpus):.3f}) |")
    wall = statistics.median(w for w, _ in results["ccc tui"])
    print(f"\ngoal: `ccc tui` to a filled portfolio of 100 contracts in {wall:.3f} s: "
          f"{'met' if wall < 0.6 else 'NOT met'} (< 0.6 s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("contacts", nargs="?", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline-src", type=Path)
    parser.add_argument("--workspace", type=Path, help="Keep (or reuse) the workspace in DIR.")
    parser.add_argument("--in-process", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workspace = args.workspace.resolve() if args.workspace else Path(tmp) / "ws"
        path = workspace / "ccc.db"
        if path.exists():
            print(f"reusing {path} (not built again)")
        else:
            subprocess.run([sys.executable, "-c", CCC, "init", str(workspace)], check=True,
                           stdout=subprocess.DEVNULL)
            t0 = time.perf_counter()
            build(path, args.contacts)
            print(f"built 100 contracts, 9,600 kpi_results, {args.contacts:,} contacts in "
                  f"{time.perf_counter() - t0:.1f} s")
        if args.in_process:
            elapsed = asyncio.run(time_portfolio(path))
            print(f"portfolio drawn in {elapsed:.3f} s, in this process")
        else:
            whole_process(workspace, args.runs, args.baseline_src)


if __name__ == "__main__":
    main()
