"""Engine benchmark, whole processes: contacts through `ccc import`, baseline and candidate interleaved.

    .venv/bin/python bench/engine_bench.py --baseline-python /work/bench-base/.venv/bin/python \\
        [--contacts 1000000] [--undo-contacts 1000000] [--pairs 3]
    .venv/bin/python bench/engine_bench.py --no-baseline --contacts 10000000 ...   # the candidate alone

`--no-baseline` times the candidate alone (for goals in absolute seconds, when the baseline's rebuild
would take too long at that size): the same steps, `--pairs` rounds, no ratio.

Prepared once per code version (untimed, but the import's wall and CPU are reported): a workspace
(`ccc init`) with 10 contracts registered (one queue each, Europe/Paris, service level T = 20 s,
abandon rate S = 5 s, ASA, AHT) and built on the empty store; then `--contacts` contacts spread
over 2025-01-01…2026-12-31 in the 10 queues imported with `ccc import csv` (batch 1), then
`--undo-contacts` more in January 2027 (batch 2), then `ccc evaluate` once. That database is the
golden copy; inputs are generated once into bench/out/ (waits: exponential, mean 15 s, one decimal).

Timed, each on a fresh copy of the golden workspace, each step a whole process, candidate and
baseline (if any) in rotating order (A B, B A, …) for `--pairs` rounds:
- `register`: `ccc contract register new.toml` (a new contract over all 10 queues, opening hours
  08:00-20:00 Mon–Sat, the same thresholds as the 10: T = 20 s, S = 5 s) then `ccc evaluate
  --contract bench-new --from 2025-01-01 --to 2026-12-31` (its build included);
- `register-new-threshold` (not by default): the same with T = 30 s and S = 10 s, thresholds no
  registered contract has (its build first counts them from the wait histogram);
- `reevaluate`: `ccc evaluate --from 2025-01-01 --to 2026-12-31` of the 10 contracts, nothing changed;
- `undo`: `ccc batch undo 2` (the January batch), then the same `ccc evaluate` (whatever rebuild the
  undo calls for is paid there);
- `import-none` / `import-contracts` (not by default): `ccc import csv` of the first file into a new
  workspace without contracts / with the 10 contracts registered and built (the refresh after the
  batch included).
Reports medians (min–max) of wall and CPU seconds, the load average and other processes' CPU, and
the database bytes per stored contact (dbstat: contacts with their indexes, the interval figures,
the rest). Every run goes to bench/out/engine-<UTC time>.json. Figures to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT))

from generators import CONTACTS_HEADER, CONTACTS_MAPPING, engine_row  # noqa: E402
from harness import measure, rotations  # noqa: E402

QUEUES = [f"q{i:02d}" for i in range(10)]
FROM, TO, AS_OF = "2025-01-01", "2026-12-31", "2027-02-15"

CONTRACT = """schema = "ccc-contract/1"
[contract]
id = "{id}"
title = "Bench {id}"
client = "Client"
ccc = "CCC"
effective_from = 2025-01-01
timezone = "Europe/Paris"
monthly_fee = 50000.0
[scope]
queues = {queues}
channels = ["voice"]
{hours}
[[kpi]]
id = "sl"
metric = "service_level"
answer_within_s = {t}
short_abandon_s = {s}
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
"""
HOURS = "[scope.hours]\n" + "\n".join(f'{d} = ["08:00-20:00"]' for d in ("mon", "tue", "wed", "thu", "fri", "sat"))


def generate(path: Path, n: int, start: datetime, end: datetime, seed: int, prefix: str) -> Path:
    """`n` contacts evenly spread over [start, end), round-robin over QUEUES, 90 % answered."""
    if path.exists():
        return path
    rnd = random.Random(seed)
    step = (end - start).total_seconds() / n
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as fh:
        fh.write(CONTACTS_HEADER + "\n")
        lines = []
        for i in range(n):
            t = start + timedelta(seconds=int(i * step))
            lines.append(engine_row(f"{prefix}{i}", t, QUEUES[i % 10], i, rnd))
            if len(lines) >= 10_000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)
    tmp.rename(path)
    return path


def run(argv, cwd=None, env=None, ok=(0,)) -> str:
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode not in ok:
        raise SystemExit(f"{' '.join(map(str, argv))}: exit {done.returncode}: {done.stderr.strip()[-800:]}")
    return done.stdout


class Code:
    def __init__(self, label: str, python: str):
        self.label = label
        self.ccc = str(Path(python).with_name("ccc"))
        self.env = {k: v for k, v in os.environ.items()  # (as import_bench.Code: .pyc files written)
                    if not k.startswith("CCC_") and k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
        repo = Path(json.loads(run([python, "-c", "import ccc_governance, json; print(json.dumps(ccc_governance.__file__))"],
                                   env=self.env))).resolve().parents[2]
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        self.commit = f"{repo} {head.stdout.strip()}"


def db_facts(db_path: Path) -> dict:
    con = sqlite3.connect(db_path)
    try:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        contacts = con.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
        sizes = dict(con.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name").fetchall())
        owners = dict(con.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").fetchall())
        groups: dict[str, int] = {}
        for name, size in sizes.items():
            table = owners.get(name, name)
            group = ("contacts" if table == "contacts" else
                     "interval figures" if table.startswith("contact_") else
                     "replaced_rows" if table == "replaced_rows" else "other")
            groups[group] = groups.get(group, 0) + size
        total = db_path.stat().st_size
        return {"contacts": contacts, "file_bytes": total, "bytes_per_contact": total / max(contacts, 1),
                "by_group_per_contact": {g: round(b / max(contacts, 1), 1) for g, b in sorted(groups.items())},
                "tables": {k: v for k, v in sorted(sizes.items()) if k.startswith("contact_")}}
    finally:
        con.close()


MAPPING = OUT / "bench-engine-mapping.toml"


def empty_workspace(code: Code, ws: Path, contracts: bool) -> None:
    """`ccc init`, and with `contracts` the 10 bench contracts registered and built on the empty store."""
    shutil.rmtree(ws, ignore_errors=True)
    run([code.ccc, "init", ws], env=code.env)
    if contracts:
        for q in QUEUES:
            (ws / "contracts" / f"bench-{q}.toml").write_text(
                CONTRACT.format(id=f"bench-{q}", queues=json.dumps([q]), hours="", t=20, s=5), encoding="utf-8")
        run([code.ccc, "contract", "register"], cwd=ws, env=code.env)
        run([code.ccc, "evaluate", "--from", FROM, "--to", TO, "--as-of", AS_OF], cwd=ws, env=code.env, ok=(0, 3))


def prepare(code: Code, files: list[Path], contacts_n: int) -> tuple[Path, dict]:
    ws = OUT / f"engine-{code.label}-{contacts_n}"
    if (ws / "done.json").exists():
        return ws, json.loads((ws / "done.json").read_text())
    empty_workspace(code, ws, True)
    mapping = MAPPING
    imports = []
    for f in files:
        os.sync()
        r = measure([code.ccc, "import", "csv", str(f), "--option", f"mapping={mapping}"], env=code.env, cwd=str(ws))
        if r.returncode != 0:
            raise SystemExit(f"{code.label}: import {f.name}: {r.stderr_tail[-600:]}")
        imports.append({"file": f.name, "wall_s": r.wall_s, "cpu_s": r.cpu_s, "load1": r.load1,
                        "others_cores": r.others_cores})
        print(f"  {code.label}: imported {f.name}: wall {r.wall_s:.1f} s, CPU {r.cpu_s:.1f} s", file=sys.stderr, flush=True)
    run([code.ccc, "evaluate", "--from", FROM, "--to", TO, "--as-of", AS_OF], cwd=ws, env=code.env, ok=(0, 3))
    facts = {"imports": imports, "db": db_facts(ws / "ccc.db")}
    (ws / "done.json").write_text(json.dumps(facts), encoding="utf-8")
    return ws, facts


def scenario(name: str, code: Code, ws: Path, files: list[Path]) -> list[tuple[str, list[str]]]:
    ev = [code.ccc, "evaluate", "--from", FROM, "--to", TO, "--as-of", AS_OF]
    if name in ("register", "register-new-threshold"):
        return [("register", [code.ccc, "contract", "register", str(ws / "new.toml")]),
                ("evaluate", ev[:2] + ["--contract", "bench-new"] + ev[2:])]
    if name == "reevaluate":
        return [("evaluate", ev)]
    if name.startswith("import"):
        return [("import", [code.ccc, "import", "csv", str(files[0]), "--option", f"mapping={MAPPING}"])]
    return [("undo", [code.ccc, "batch", "undo", "2"]), ("evaluate", ev)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    base = ap.add_mutually_exclusive_group(required=True)
    base.add_argument("--baseline-python", help="the baseline code's interpreter (its venv's python)")
    base.add_argument("--no-baseline", action="store_true", help="time the candidate alone")
    ap.add_argument("--contacts", type=int, default=1_000_000)
    ap.add_argument("--undo-contacts", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--scenarios", default="register,reevaluate,undo")
    args = ap.parse_args()
    OUT.mkdir(exist_ok=True)
    MAPPING.write_text(CONTACTS_MAPPING, encoding="utf-8")
    files = [
        generate(OUT / f"engine-{args.contacts}-contacts.csv", args.contacts, datetime(2025, 1, 1, tzinfo=timezone.utc),
                 datetime(2027, 1, 1, tzinfo=timezone.utc) - timedelta(hours=1), 11, "c"),
        generate(OUT / f"engine-{args.undo_contacts}-january.csv", args.undo_contacts,
                 datetime(2027, 1, 1, tzinfo=timezone.utc), datetime(2027, 2, 1, tzinfo=timezone.utc), 12, "j"),
    ]
    codes = [Code("candidate", sys.executable)]
    if not args.no_baseline:
        codes.append(Code("baseline", args.baseline_python))
    prepared = {}
    for code in codes:
        prepared[code.label] = prepare(code, files, args.contacts)
        # A golden copy may have been prepared by an earlier code version: one untimed evaluation
        # brings its schema and aggregates up to this code's (else the first timed step pays it).
        run([code.ccc, "evaluate", "--from", FROM, "--to", TO, "--as-of", AS_OF], cwd=prepared[code.label][0],
            env=code.env, ok=(0, 3))
        print(f"{code.label} ({code.commit}): {json.dumps(prepared[code.label][1]['db'])}", file=sys.stderr, flush=True)
    results: dict = {}
    for name in args.scenarios.split(","):
        for r, order in enumerate(rotations(len(codes), args.pairs), 1):
            for i in order:
                code = codes[i]
                golden = prepared[code.label][0]
                ws = OUT / f"engine-run-{code.label}"
                if name.startswith("import"):  # a fresh workspace, with or without the 10 contracts
                    empty_workspace(code, ws, name == "import-contracts")
                else:
                    shutil.rmtree(ws, ignore_errors=True)
                    shutil.copytree(golden, ws)
                # (`register-new-threshold`: thresholds no registered contract has, 30 s and 10 s)
                t, s = (30, 10) if name == "register-new-threshold" else (20, 5)
                (ws / "new.toml").write_text(CONTRACT.format(id="bench-new", queues='["q*"]', hours=HOURS, t=t, s=s),
                                             encoding="utf-8")
                os.sync()
                steps = []
                for label, argv in scenario(name, code, ws, files):
                    m = measure(argv, env=code.env, cwd=str(ws))
                    if m.returncode not in (0, 3):
                        raise SystemExit(f"{code.label} {name} {label}: exit {m.returncode}: {m.stderr_tail[-600:]}")
                    steps.append({"step": label, **asdict(m)})
                total_wall = sum(s["wall_s"] for s in steps)
                total_cpu = sum(s["cpu_s"] for s in steps)
                results.setdefault(name, {}).setdefault(code.label, []).append(
                    {"round": r, "wall_s": total_wall, "cpu_s": total_cpu, "steps": steps})
                print(f"  {name} round {r} {code.label}: wall {total_wall:.2f} s, CPU {total_cpu:.2f} s ("
                      + ", ".join(f"{s['step']} {s['wall_s']:.2f}/{s['cpu_s']:.2f}" for s in steps)
                      + f"), load {steps[0]['load1']:.2f}, others {steps[0]['others_cores']:.2f} cores",
                      file=sys.stderr, flush=True)
                shutil.rmtree(ws, ignore_errors=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    report = {"args": vars(args), "codes": {c.label: c.commit for c in codes},
              "prepared": {k: v[1] for k, v in prepared.items()}, "results": results}
    (OUT / f"engine-{stamp}.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    labels = [c.label for c in codes]
    if len(labels) == 1:
        print(f"\n| {args.contacts:,} + {args.undo_contacts:,} contacts | candidate wall s, median (min–max) | CPU s |"
              " step times (median wall / CPU) | load at start (min–max) |")
        print("|---|---|---|---|---|")
        for name, by_code in results.items():
            rs = by_code["candidate"]
            w, c = [x["wall_s"] for x in rs], [x["cpu_s"] for x in rs]
            loads = [x["steps"][0]["load1"] for x in rs]
            steps = "; ".join(
                f"{s}: {statistics.median(x['steps'][k]['wall_s'] for x in rs):.2f} / "
                f"{statistics.median(x['steps'][k]['cpu_s'] for x in rs):.2f}"
                for k, s in enumerate(st["step"] for st in rs[0]["steps"]))
            print(f"| {name} | {statistics.median(w):.2f} ({min(w):.2f}–{max(w):.2f}) | {statistics.median(c):.2f} | "
                  f"{steps} | {min(loads):.2f}–{max(loads):.2f} |")
    else:
        print(f"\n| {args.contacts:,} + {args.undo_contacts:,} contacts | candidate wall s | CPU s | baseline wall s | CPU s |"
              " baseline ÷ candidate (wall) | step times (median wall, candidate / baseline) |")
        print("|---|---|---|---|---|---|---|")
    for name, by_code in results.items() if len(labels) > 1 else ():
        cells = []
        for label in ("candidate", "baseline"):
            rs = by_code[label]
            w = [x["wall_s"] for x in rs]
            c = [x["cpu_s"] for x in rs]
            cells += [f"{statistics.median(w):.2f} ({min(w):.2f}–{max(w):.2f})", f"{statistics.median(c):.2f}"]
        ratio = (statistics.median(x["wall_s"] for x in by_code["baseline"])
                 / statistics.median(x["wall_s"] for x in by_code["candidate"]))
        steps = "; ".join(
            f"{s}: {statistics.median(x['steps'][k]['wall_s'] for x in by_code['candidate']):.2f} / "
            f"{statistics.median(x['steps'][k]['wall_s'] for x in by_code['baseline']):.2f}"
            for k, s in enumerate(st["step"] for st in by_code["candidate"][0]["steps"]))
        print(f"| {name} | {cells[0]} | {cells[1]} | {cells[2]} | {cells[3]} | {ratio:.1f}× | {steps} |")
    for label, (_, facts) in prepared.items():
        db = facts["db"]
        print(f"\n{label}: {db['contacts']:,} contacts, {db['file_bytes'] / 1e9:.2f} GB file, "
              f"{db['bytes_per_contact']:.0f} bytes per contact "
              f"({db['by_group_per_contact']}); imports: "
              + ", ".join(f"{i['file']} wall {i['wall_s']:.1f} s CPU {i['cpu_s']:.1f} s" for i in facts["imports"]))
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
