"""Evaluation 50 × 24 and the TUI's first screen on a PostgreSQL store (issue #14), whole processes.

    .venv/bin/python bench/pg_engine_bench.py [--contacts 10000000] [--contracts 50] [--runs 3]
        [--sqlite-too | --sqlite-only] [--pgdir DIR | --server ADMIN_URL] [--count-contracts 10,50] [--no-count]

Issue #14's goals: "Evaluation 50 × 24 over 10 M contacts on PostgreSQL: < 2 s; the TUI's first
screen on PostgreSQL: < 1 s", and "the portfolio and each TUI screen in a bounded number of queries".

The server: by default the bench starts its own with `.ci/pg-server start DIR` (`--pgdir`, default
bench/out/pg-engine-server; a server already in DIR is stopped and its data folder removed first),
restarted with the durability of a real one (`pg_import_bench.durable`: fsync, synchronous_commit,
full_page_writes on) and with `pg_stat_statements` preloaded for the query counts; stopped at the
end (`--keep-server` keeps it). `--server ADMIN_URL` uses a running server instead (a superuser:
the bench creates and drops databases `pgeng_*`), as it is; the query counts then need
`pg_stat_statements` in its `shared_preload_libraries`, else they are skipped.

Set-up (untimed; the imports' and builds' wall and CPU are reported): a workspace (`ccc init`)
whose ccc.toml names the store (`[store] url`, a new database), `--contracts` contracts registered
with `ccc contract register` (engine_bench's CONTRACT: one queue each, Europe/Paris, 4 contact
KPIs — service level, abandon rate, ASA, AHT — and service credits) and evaluated on the empty
store; `--contacts` contacts generated as CSV (evenly over 2025-01-01…2026-12-31, round-robin over
the contracts' queues, 90 % answered, exponential waits of mean 15 s; files of `--file-contacts`
each to bound memory, cached in bench/out/) stored with one `ccc import csv` per file; then, once,
`ccc evaluate --from 2025-01-01 --to 2026-12-31` (the daily aggregates are built there) and the
24 months evaluated (so the portfolio has 24 months of results to show).

Timed, whole processes, `--runs` rounds in a rotating order (harness.rotations), medians (min–max):
- `evaluate-24-months`: the 50 × 24 evaluation of the goal, nothing changed since the build: one
  `python -c` process that opens the workspace as the CLI does and calls the engine's `evaluate`
  with the 24 months of 2025–2026 (4 KPIs → 4,800 results, persisted with breaches and credits).
  `ccc evaluate` has no option for 24 months in one process: `--from/--to` is ONE custom period;
- `evaluate-range`: `ccc evaluate --from 2025-01-01 --to 2026-12-31 --as-of 2027-02-15` (one range
  period per contract over the 24 months: 50 × 4 results);
- `tui`: `ccc tui --as-of 2026-11-12` in a 100×30 pseudo-terminal until the portfolio's footer
  ("imported (real time, UTC) …", written after the table is filled) is drawn (tui_bench.run_tui;
  its CPU is the process's, read when it is killed).
`--sqlite-too`: the same set-up and the same three on a SQLite workspace (same CSV files).
`--sqlite-only`: the SQLite workspace alone (no server is started, no query counts).
Wall and CPU per run (`harness.measure` for the evaluations: the process tree's CPU; the server's
backends are other processes, in `others_cores`), the 1-minute load average at each start.

Query counts (pg_stat_statements: reset, one command, then the calls in that database summed;
BEGIN/COMMIT/SET included): the TUI to its filled portfolio and both evaluations, on small
databases with 10 and with 50 contracts (`--count-contracts`, `--count-contacts` contacts) and on
the main database. What grows with the number of contracts is listed (statement and calls).

Everything goes to bench/out/pg-engine-<UTC time>.json; a Markdown table is printed. The workspaces
are removed at the end (`--keep` keeps them); the generated CSV files are kept for the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT))

import tui_bench  # noqa: E402
from engine_bench import AS_OF, CONTRACT, FROM, TO  # noqa: E402
from generators import CONTACTS_HEADER, CONTACTS_MAPPING, engine_row  # noqa: E402
from harness import measure, rotations, summarize  # noqa: E402
from import_bench import Code, _run  # noqa: E402
from pg_import_bench import DURABLE, durable, fresh, psql  # noqa: E402
from tui_bench import CCC, run_tui  # noqa: E402

PG_SERVER = ROOT.parent / ".ci" / "pg-server"
MAPPING = OUT / "pg-engine-mapping.toml"
#: tui_bench.run_tui's `--as-of` (fixed there): the portfolio shows 2026-10, with 12 months of history.
TUI_AS_OF = "2026-11-12"
#: In the portfolio's footer (`fmt.imports_line`), drawn after the table is filled; not in the header.
TUI_MARK = "imported (real time"
#: One whole process evaluating every contract over the 24 months of 2025–2026, as `ccc evaluate` would
#: (the CLI's AppContext: workspace, store, the plugins loaded only if a breach is to be notified),
#: printing the number of results and of skipped contracts.
MONTHS_CODE = """import sys
from ccc_governance.cli.context import AppContext
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.periods import parse_period
app = AppContext()
months = [parse_period(f"{2025 + m // 12}-{m % 12 + 1:02d}") for m in range(24)]
results = evaluate(app.db, periods=months, as_of=sys.argv[1], pm=lambda: app.pm, workspace=app.workspace)
print(len(results), len(results.skipped))
"""


def queues(n: int) -> list[str]:
    return [f"q{i:02d}" for i in range(n)]


def generate(n: int, per_file: int, qs: list[str], tag: str) -> list[Path]:
    """`n` contacts evenly over 2025-01-01…2026-12-31 (engine_bench's rows, round-robin over `qs`),
    in files of `per_file` rows (each with the header), in time order; kept in bench/out/ for next time."""
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    step = (datetime(2027, 1, 1, tzinfo=timezone.utc) - timedelta(hours=1) - start).total_seconds() / n
    files = []
    for k, lo in enumerate(range(0, n, per_file)):
        hi = min(n, lo + per_file)
        path = OUT / f"pg-engine-{tag}-{n}-{len(qs)}q-{per_file}-{k:03d}.csv"
        files.append(path)
        if path.exists():
            continue
        rnd = random.Random(1000 + k)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(CONTACTS_HEADER + "\n")
            lines = []
            for i in range(lo, hi):
                t = start + timedelta(seconds=int(i * step))
                lines.append(engine_row(f"c{i}", t, qs[i % len(qs)], i, rnd))
                if len(lines) >= 10_000:
                    fh.writelines(lines)
                    lines.clear()
            fh.writelines(lines)
        tmp.rename(path)
    return files


# --------------------------------------------------------------------------- workspaces


class Workspace:
    """A workspace with its store (PostgreSQL `url`, or the SQLite file when `url` is None)."""

    def __init__(self, code: Code, path: Path, url: str | None, dbname: str | None = None) -> None:
        self.code, self.path, self.url, self.dbname = code, path, url, dbname
        self.store = "PostgreSQL" if url else "SQLite"

    def eval_range(self) -> list[str]:
        return [*self.code.ccc, "evaluate", "--from", FROM, "--to", TO, "--as-of", AS_OF]

    def eval_months(self) -> list[str]:
        return [self.code.python, "-c", MONTHS_CODE, AS_OF]

    def create(self, contracts: int) -> None:
        """`ccc init`, the store named in ccc.toml, the contracts registered and evaluated on the empty store."""
        code = self.code
        shutil.rmtree(self.path, ignore_errors=True)
        _run([*code.ccc, "init", self.path], env=code.env)
        if self.url:
            with open(self.path / "ccc.toml", "a", encoding="utf-8") as fh:
                fh.write(f"\n[store]\nurl = {json.dumps(self.url)}\n")
        for q in queues(contracts):
            (self.path / "contracts" / f"bench-{q}.toml").write_text(
                CONTRACT.format(id=f"bench-{q}", queues=json.dumps([q]), hours="", t=20, s=5), encoding="utf-8")
        _run([*code.ccc, "contract", "register"], cwd=self.path, env=code.env)
        _run([*code.ccc, "evaluate", "--as-of", AS_OF], cwd=self.path, env=code.env, ok=(0, 3))

    def step(self, what: str, argv: list[str]) -> dict:
        """An untimed step, measured for the report; stops the bench if it fails."""
        os.sync()
        r = measure(argv, env=self.code.env, cwd=str(self.path))
        if r.returncode not in (0, 3):
            raise SystemExit(f"{self.store}: {what}: exit {r.returncode}: {r.stderr_tail.strip()[-800:]}")
        print(f"  {self.store} {self.path.name}: {what}: wall {r.wall_s:.1f} s, CPU {r.cpu_s:.1f} s",
              file=sys.stderr, flush=True)
        return {"step": what, "wall_s": round(r.wall_s, 3), "cpu_s": round(r.cpu_s, 3), "load1": r.load1,
                "others_cores": round(r.others_cores, 2), "peak_tree_mb": round(r.peak_tree_mb)}

    def fill(self, files: list[Path]) -> dict:
        """Import every file (one batch each), then evaluate once as a range (the build) and as 24 months."""
        steps = [self.step(f"import {f.name}", [*self.code.ccc, "import", "csv", str(f), "--option",
                                                f"mapping={MAPPING}"]) for f in files]
        steps.append(self.step("build: ccc evaluate --from --to", self.eval_range()))
        steps.append(self.step("evaluate 24 months (first)", self.eval_months()))
        out = _run(self.eval_months(), cwd=self.path, env=self.code.env).split()
        facts = {"steps": steps, "contacts": self.contacts(), "results_24_months": int(out[0]),
                 "skipped_contracts": int(out[1]), "kpi_results": self.scalar("SELECT count(*) FROM kpi_results")}
        if facts["skipped_contracts"]:
            raise SystemExit(f"{self.store}: {out[1]} contracts not evaluated")
        return facts

    def scalar(self, sql: str):
        if self.url:
            return int(psql(self.url, "-c", sql).strip())
        con = sqlite3.connect(self.path / "ccc.db")
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()

    def contacts(self) -> int:
        return self.scalar("SELECT count(*) FROM contacts")

    def tui_env(self) -> dict:
        return dict(self.code.env, TERM="xterm-256color")

    def tui(self) -> tuple[float, float]:
        return run_tui(self.path, self.tui_env(), CCC)


# --------------------------------------------------------------------------- server and query counts


def start_server(pgdir: Path, count: bool) -> str:
    """A fresh `.ci/pg-server` in `pgdir`, durable, with pg_stat_statements preloaded if `count`."""
    subprocess.run([str(PG_SERVER), "stop", str(pgdir)], capture_output=True)
    shutil.rmtree(pgdir / "data", ignore_errors=True)
    admin = _run([str(PG_SERVER), "start", str(pgdir)]).strip()
    if count:
        psql(admin, "-c", "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'")
    durable(pgdir, admin)  # restarts the server: the preload takes effect there
    return admin


class Counter:
    """SQL statements a command runs in one database, from pg_stat_statements (reset before it)."""

    def __init__(self, admin: str) -> None:
        import psycopg

        self.conn = psycopg.connect(admin, autocommit=True)
        self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def around(self, dbname: str, action) -> dict:
        self.conn.execute("SELECT pg_stat_statements_reset()")
        action()
        rows = self.conn.execute(
            "SELECT s.calls, s.query FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid"
            " WHERE d.datname = %s ORDER BY s.calls DESC, s.query", [dbname]).fetchall()
        return {"statements": sum(int(c) for c, _ in rows), "distinct": len(rows),
                "by_statement": {re.sub(r"\s+", " ", q).strip(): int(c) for c, q in rows}}


def available_counter(admin: str) -> Counter | None:
    if "pg_stat_statements" not in psql(admin, "-c", "SHOW shared_preload_libraries"):
        print("note: pg_stat_statements is not preloaded on this server: no query counts", file=sys.stderr)
        return None
    return Counter(admin)


def count_commands(counter: Counter, ws: Workspace) -> dict:
    def run(argv):
        return lambda: _run(argv, cwd=ws.path, env=ws.code.env, ok=(0, 3))

    return {"tui": counter.around(ws.dbname, ws.tui),
            "evaluate-range": counter.around(ws.dbname, run(ws.eval_range())),
            "evaluate-24-months": counter.around(ws.dbname, run(ws.eval_months()))}


def growth(small: dict, big: dict) -> list[tuple[int, int, str]]:
    """(calls with few contracts, calls with more, statement) for the statements whose calls grew."""
    out = []
    for q in sorted(set(small["by_statement"]) | set(big["by_statement"])):
        a, b = small["by_statement"].get(q, 0), big["by_statement"].get(q, 0)
        if b > a:
            out.append((a, b, q))
    return sorted(out, key=lambda x: -(x[1] - x[0]))


# --------------------------------------------------------------------------- the bench


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--contacts", type=int, default=10_000_000)
    ap.add_argument("--file-contacts", type=int, default=1_000_000, help="contacts per CSV file (one batch each)")
    ap.add_argument("--contracts", type=int, default=50)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--sqlite-too", action="store_true", help="the same on a SQLite workspace, for comparison")
    ap.add_argument("--sqlite-only", action="store_true", help="the SQLite workspace alone: no server, no counts")
    ap.add_argument("--pgdir", type=Path, default=OUT / "pg-engine-server",
                    help="where the bench's own server runs (.ci/pg-server)")
    ap.add_argument("--server", help="an admin URL of a running server to use instead of starting one")
    ap.add_argument("--keep-server", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the workspaces (and the databases)")
    ap.add_argument("--count-contracts", default="10,50", help="contracts of the small query-count databases")
    ap.add_argument("--count-contacts", type=int, default=20_000)
    ap.add_argument("--no-count", action="store_true", help="no query counts (no pg_stat_statements)")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    MAPPING.write_text(CONTACTS_MAPPING, encoding="utf-8")
    tui_bench.MARK = TUI_MARK  # run_tui waits for this text
    code = Code("candidate", sys.executable)
    code.verify("csv")
    if args.sqlite_only:
        args.no_count = True
    admin = None if args.sqlite_only else args.server or start_server(args.pgdir.resolve(), not args.no_count)
    try:
        report = bench(args, code, admin)
    finally:
        if admin and not args.server and not args.keep_server:
            subprocess.run([str(PG_SERVER), "stop", str(args.pgdir.resolve())], capture_output=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path = OUT / f"pg-engine-{stamp}.json"
    path.write_text(json.dumps(report, indent=1, default=str), encoding="utf-8")
    print_report(report)
    print(f"\nwritten: {path.relative_to(ROOT.parent)}")


def bench(args, code: Code, admin: str) -> dict:
    server = {"version": None} if admin is None else {
        "version": psql(admin, "-c", "SHOW server_version").strip(),
        **{s: psql(admin, "-c", f"SHOW {s}").strip() for s in (*DURABLE, "shared_preload_libraries")},
        "own": not args.server}
    print(f"server: PostgreSQL {server}; code: {code.probe.get('commit')}", file=sys.stderr, flush=True)
    counter = None if args.no_count else available_counter(admin)
    qs = queues(args.contracts)
    files = generate(args.contacts, args.file_contacts, qs, "main")
    workspaces = [] if admin is None else [
        Workspace(code, OUT / "pg-engine-ws-pg", fresh(admin, "pgeng_main"), "pgeng_main")]
    if args.sqlite_too or admin is None:
        workspaces.append(Workspace(code, OUT / "pg-engine-ws-sqlite", None))
    report: dict = {"args": vars(args), "code": code.probe, "server": server, "load_at_start": os.getloadavg(),
                    "tui_as_of": TUI_AS_OF, "evaluate_as_of": AS_OF, "prepared": {}, "runs": {}, "counts": {}}
    try:
        for ws in workspaces:
            ws.create(args.contracts)
            report["prepared"][ws.store] = facts = ws.fill(files)
            if facts["contacts"] != args.contacts:
                raise SystemExit(f"{ws.store}: {facts['contacts']:,} contacts stored, {args.contacts:,} expected")
            ws.tui()  # warm-up: .pyc files, the page cache
        # the query counts: small databases with 10 and 50 contracts, then the main one
        if counter is not None:
            small = generate(args.count_contacts, args.count_contacts, queues(max(
                [args.contracts, *map(int, args.count_contracts.split(","))])), "count")
            for n in map(int, args.count_contracts.split(",")):
                name = f"pgeng_count{n}"
                ws = Workspace(code, OUT / f"pg-engine-ws-count{n}", fresh(admin, name), name)
                ws.create(n)
                ws.fill(small)
                report["counts"][f"{n} contracts, {args.count_contacts:,} contacts"] = count_commands(counter, ws)
                if not args.keep:
                    shutil.rmtree(ws.path, ignore_errors=True)
                    psql(admin, "-c", f'DROP DATABASE IF EXISTS "{name}"')
            report["counts"][f"{args.contracts} contracts, {args.contacts:,} contacts (main)"] = \
                count_commands(counter, workspaces[0])
        # the timed runs
        contenders = []
        for ws in workspaces:
            contenders += [(ws, "evaluate-24-months"), (ws, "evaluate-range"), (ws, "tui")]
        for r, order in enumerate(rotations(len(contenders), args.runs), 1):
            for i in order:
                ws, what = contenders[i]
                os.sync()
                load1 = os.getloadavg()[0]
                if what == "tui":
                    wall, cpu = ws.tui()
                    run = {"wall_s": wall, "cpu_s": cpu, "load1": load1}
                else:
                    m = measure(ws.eval_months() if what == "evaluate-24-months" else ws.eval_range(),
                                env=code.env, cwd=str(ws.path))
                    if m.returncode not in (0, 3):
                        raise SystemExit(f"{ws.store} {what}: exit {m.returncode}: {m.stderr_tail.strip()[-800:]}")
                    run = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "load1": load1, "others_cores": m.others_cores,
                           "peak_tree_mb": m.peak_tree_mb}
                report["runs"].setdefault(f"{ws.store} {what}", []).append(run)
                print(f"  round {r}: {ws.store} {what}: wall {run['wall_s']:.3f} s, CPU {run['cpu_s']:.3f} s, "
                      f"load {load1:.2f}", file=sys.stderr, flush=True)
        report["load_at_end"] = os.getloadavg()
    finally:
        if not args.keep:
            for ws in workspaces:
                shutil.rmtree(ws.path, ignore_errors=True)
    return report


GOALS = {"PostgreSQL evaluate-24-months": 2.0, "PostgreSQL tui": 1.0, "SQLite evaluate-24-months": 0.5}  # #14; #13
LABELS = {"evaluate-24-months": "evaluate 50 × 24 months (one process, engine's `evaluate`)",
          "evaluate-range": "`ccc evaluate --from 2025-01-01 --to 2026-12-31` (one range period)",
          "tui": f"`ccc tui --as-of {TUI_AS_OF}` to a filled portfolio"}


def print_report(report: dict) -> None:
    a = report["args"]
    print(f"\n{a['contacts']:,} contacts, {a['contracts']} contracts, {a['runs']} rounds (rotating order); "
          + (f"PostgreSQL {report['server']['version']} (" + ", ".join(f"{s} {report['server'][s]}" for s in DURABLE)
             + ")" if report["server"]["version"] else "SQLite only")
          + f"; load {report['load_at_start'][0]:.2f} at start, {report.get('load_at_end', [0])[0]:.2f} at end\n")
    print("| store | command | wall s, median (min–max) | CPU s, median (min–max) | load at start, median | goal |")
    print("|---|---|---|---|---|---|")
    for key, runs in report["runs"].items():
        store, what = key.split(" ", 1)
        w, c = summarize([r["wall_s"] for r in runs]), summarize([r["cpu_s"] for r in runs])
        load = summarize([r["load1"] for r in runs])["median"]
        goal = GOALS.get(key)
        verdict = "—" if goal is None else f"< {goal:g} s: {'met' if w['median'] < goal else 'NOT met'}"
        label = LABELS[what].replace("50 ×", f"{a['contracts']} ×")
        print(f"| {store} | {label} | {w['median']:.3f} ({w['min']:.3f}–{w['max']:.3f}) | "
              f"{c['median']:.3f} ({c['min']:.3f}–{c['max']:.3f}) | {load:.2f} | {verdict} |")
    print("\nSet-up (untimed, one run each):\n")
    print("| store | step | wall s | CPU s |\n|---|---|---|---|")
    for store, facts in report["prepared"].items():
        imports = [s for s in facts["steps"] if s["step"].startswith("import")]
        print(f"| {store} | {len(imports)} × `ccc import csv` ({facts['contacts']:,} contacts stored) | "
              f"{sum(s['wall_s'] for s in imports):.1f} | {sum(s['cpu_s'] for s in imports):.1f} |")
        for s in facts["steps"]:
            if not s["step"].startswith("import"):
                print(f"| {store} | {s['step']} | {s['wall_s']:.2f} | {s['cpu_s']:.2f} |")
        print(f"| {store} | results of the 24 months / rows in kpi_results | "
              f"{facts['results_24_months']:,} / {facts['kpi_results']:,} | |")
    if not report["counts"]:
        return
    print("\nSQL statements on PostgreSQL (pg_stat_statements, BEGIN/COMMIT/SET included; one command each):\n")
    print("| database | TUI to the filled portfolio | `ccc evaluate --from --to` | evaluate 24 months |")
    print("|---|---|---|---|")
    for name, c in report["counts"].items():
        print(f"| {name} | " + " | ".join(f"{c[k]['statements']:,} ({c[k]['distinct']} distinct)"
                                          for k in ("tui", "evaluate-range", "evaluate-24-months")) + " |")
    print("(an `executemany` counts once per row: psycopg pipelines those, so they are not a round trip each)")
    names = [n for n in report["counts"] if "(main)" not in n]
    if len(names) >= 2:
        lo, hi = report["counts"][names[0]], report["counts"][names[-1]]
        extra = int(names[-1].split()[0]) - int(names[0].split()[0])
        for k in ("tui", "evaluate-range", "evaluate-24-months"):
            grown = growth(lo[k], hi[k])
            slope = (hi[k]["statements"] - lo[k]["statements"]) / extra if extra else 0
            print(f"\n{k}: {len(grown)} statements run more often with more contracts "
                  f"({names[0]} → {names[-1]}: {slope:+.1f} statements per contract)" + (":" if grown else "."))
            for a_, b_, q in grown[:12]:
                print(f"  {a_:>6} → {b_:>6}  {q[:150]}")


if __name__ == "__main__":
    main()
