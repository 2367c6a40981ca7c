"""`ccc import csv` into a PostgreSQL store against `psql \\copy` of the same contacts, interleaved.

    .venv/bin/python bench/pg_import_bench.py [--n 1000000] [--pairs 3] [--baseline-src DIR]

Starts its own PostgreSQL server (`.ci/pg-server`, under bench/out/pg) and restarts it with the
durability settings of a real one (fsync, synchronous_commit and full_page_writes on: the test
server's command line turns them off, and a command-line setting wins over `ALTER SYSTEM`; the
bench checks `SHOW`), and per round:
- the reference: `psql -c "\\copy contacts (…) FROM 'stored.csv' CSV HEADER"` into a new database
  whose `contacts` table is `LIKE` the store's (same columns, unique key and indexes; no trigger),
  the CSV being the contacts a first (untimed) `ccc import` stored, every column some row fills;
- `ccc import csv FILE` (the bench's 1,000,000-contact CSV and mapping) as a whole process into a
  new store database, with the three example contracts registered and evaluated once (untimed).
`--baseline-src DIR` (a checkout, e.g. a `git worktree` of an earlier commit) adds its `ccc import csv`
as a third contender, its `src` and plugins put first on PYTHONPATH.
Wall time is the goal's measure (the server's work is in it); CPU is the client's process tree only
(the server's backends are other processes: `others_cores` shows them). Medians of the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT))

from harness import Contender, interleave, summarize  # noqa: E402
from import_bench import Code, _run, bench_contracts, ensure_input, source_options  # noqa: E402


def psql(url: str, *args: str) -> str:
    return _run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAt", *args])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--baseline-src", help="a checkout whose `ccc import csv` is measured too")
    args = ap.parse_args()
    code = Code("candidate", sys.executable)
    code.verify("csv")
    path = ensure_input("csv", args.n, False)
    contracts = bench_contracts("csv")
    pgdir = OUT / "pg"
    subprocess.run([str(ROOT.parent / ".ci" / "pg-server"), "stop", str(pgdir)], capture_output=True)
    subprocess.run(["rm", "-rf", str(pgdir)])
    admin = _run([str(ROOT.parent / ".ci" / "pg-server"), "start", str(pgdir)]).strip()
    try:
        durable(pgdir, admin)
        run_bench(args, code, path, contracts, admin)
    finally:
        subprocess.run([str(ROOT.parent / ".ci" / "pg-server"), "stop", str(pgdir)], capture_output=True)


DURABLE = ("fsync", "synchronous_commit", "full_page_writes")


def durable(pgdir: Path, admin: str) -> None:
    """Restart the server of `.ci/pg-server` without its command line's `-c fsync=off …` (the
    same port and socket folder), so that fsync, synchronous_commit and full_page_writes are on."""
    import glob
    from psycopg.conninfo import conninfo_to_dict

    pg_ctl = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))[-1]
    info = conninfo_to_dict(admin)
    cmd = [pg_ctl, "-D", str(pgdir / "data"), "-l", str(pgdir / "server.log"), "-w", "-o",
           f"-p {info['port']} -k {info['host']} -c listen_addresses='' -c max_connections=200", "restart"]
    if os.getuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--", *cmd]
    _run(cmd)
    for setting in DURABLE:
        psql(admin, "-c", f"ALTER SYSTEM RESET {setting}")
    psql(admin, "-c", "SELECT pg_reload_conf()")
    shown = {s: psql(admin, "-c", f"SHOW {s}").strip() for s in DURABLE}
    if set(shown.values()) != {"on"}:
        raise SystemExit(f"the bench's server is not durable: {shown}")


def url_of(admin: str, name: str) -> str:
    from psycopg.conninfo import make_conninfo

    return make_conninfo(admin, dbname=name)


def fresh(admin: str, name: str) -> str:
    psql(admin, "-c", f'DROP DATABASE IF EXISTS "{name}"', "-c", f'CREATE DATABASE "{name}"')
    return url_of(admin, name)


def store_workspace(code: Code, ws: Path, contracts: Path, url: str) -> dict:
    import shutil

    shutil.rmtree(ws, ignore_errors=True)
    env = dict(code.env, CCC_DB=url)
    _run([*code.ccc, "init", ws], env=code.env)
    for p in contracts.glob("*.toml"):
        shutil.copy(p, ws / "contracts" / p.name)
    _run([*code.ccc, "contract", "register"], cwd=ws, env=env)
    _run([*code.ccc, "evaluate"], cwd=ws, env=env, ok=(0, 3))
    return env


def run_bench(args, code: Code, path: Path, contracts: Path, admin: str) -> None:
    # the stored contacts, once (untimed)
    first = fresh(admin, "bench_first")
    env = store_workspace(code, OUT / "ws-pg-first", contracts, first)
    _run([*code.ccc, "import", "csv", str(path), *source_options("csv")], cwd=OUT / "ws-pg-first", env=env)
    cols = [c for c in psql(first, "-c", "SELECT column_name FROM information_schema.columns WHERE "
                                         "table_name = 'contacts' AND column_name <> 'id' ORDER BY ordinal_position"
                            ).split()
            if psql(first, "-c", f"SELECT 1 FROM contacts WHERE {c} IS NOT NULL LIMIT 1").strip()]
    stored = OUT / f"bench-{args.n}-pg-stored.csv"
    psql(first, "-c", f"\\copy (SELECT {', '.join(cols)} FROM contacts ORDER BY id) TO '{stored}' CSV HEADER")
    rows = int(psql(first, "-c", "SELECT count(*) FROM contacts").strip())

    def ref_prepare():
        url = fresh(admin, "bench_ref")
        # the store's schema, then a plain copy of its contacts table (indexes and unique key, no trigger)
        _run([*code.ccc, "--db", url, "store", "init"], env=code.env, cwd=OUT / "ws-pg-first")
        psql(url, "-c", "CREATE TABLE ref_contacts (LIKE contacts INCLUDING ALL)")
        return (["psql", url, "-v", "ON_ERROR_STOP=1", "-qc",
                 f"\\copy ref_contacts ({', '.join(cols)}) FROM '{stored}' CSV HEADER"], None, None)

    def ref_check(run):
        n = int(psql(url_of(admin, "bench_ref"), "-c", "SELECT count(*) FROM ref_contacts").strip())
        if n != rows:
            raise SystemExit(f"psql \\copy: {n} rows, {rows} expected")
        return {"contacts": n}

    ws = OUT / "ws-pg-ccc"

    def ccc_prepare():
        url = fresh(admin, "bench_ccc")
        env = store_workspace(code, ws, contracts, url)
        return [*code.ccc, "import", "csv", str(path), *source_options("csv")], env, str(ws)

    def ccc_check(run):
        n = int(psql(url_of(admin, "bench_ccc"), "-c", "SELECT count(*) FROM contacts").strip())
        if n != rows:
            raise SystemExit(f"ccc import: {n} rows, {rows} expected")
        return {"contacts": n}

    contenders = [Contender("psql-copy", "`psql \\copy` into a table like the store's", ref_prepare, ref_check),
                  Contender("ccc-import", "`ccc import csv` into the PostgreSQL store", ccc_prepare, ccc_check)]
    if args.baseline_src:
        base = Code("baseline", sys.executable, args.baseline_src)

        def base_prepare():
            url = fresh(admin, "bench_ccc")
            env = store_workspace(base, ws, contracts, url)
            return [*base.ccc, "import", "csv", str(path), *source_options("csv")], env, str(ws)

        contenders.append(Contender("ccc-baseline", f"`ccc import csv`, baseline ({args.baseline_src})",
                                    base_prepare, ccc_check))
    load = os.getloadavg()
    interleave(contenders, args.pairs)
    ref = summarize([r.wall_s for r in contenders[0].runs])
    print(f"\n{args.n:,} contacts, {args.pairs} rounds (A B / B A …), load at start {load[0]:.2f}, "
          f"server: PostgreSQL {psql(admin, '-c', 'SHOW server_version').strip()} "
          f"({', '.join(f'{s} ' + psql(admin, '-c', f'SHOW {s}').strip() for s in DURABLE)})\n")
    print("| contender | wall s, median (min–max) | client CPU s, median | others, cores | × \\copy |")
    print("|---|---|---|---|---|")
    for c in contenders:
        w = summarize([r.wall_s for r in c.runs])
        cpu = summarize([r.cpu_s for r in c.runs])
        oth = summarize([r.others_cores for r in c.runs])
        print(f"| {c.label} | {w['median']:.2f} ({w['min']:.2f}–{w['max']:.2f}) | {cpu['median']:.2f} | "
              f"{oth['median']:.2f} | {w['median'] / ref['median']:.2f} |")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (OUT / f"pg-import-{stamp}.json").write_text(json.dumps(
        {"n": args.n, "load": load, "code": code.probe,
         "runs": {c.key: [vars(r) for r in c.runs] for c in contenders}}, indent=1, default=str))


if __name__ == "__main__":
    main()
