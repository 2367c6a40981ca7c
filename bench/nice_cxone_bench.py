"""Speed of `ccc import nice-cxone` against the sqlite3 shell's `.import` of the same contacts, run by hand.

    .venv/bin/python bench/nice_cxone_bench.py [N] [--pairs K] [--page] [--keep] [--baseline-src DIR]

Writes N synthetic CXone completed contacts (bench/out/; one contact per line, or with `--page`
one Reporting API page `{"completedContacts": [...]}`), shaped like the API's (every field of a
completed contact, ~1 KB each). Then, interleaved A B A B … for K pairs (default 3):

- A: `ccc import nice-cxone FILE` as a whole process, into a fresh workspace (made before the clock starts);
- B: the sqlite3 shell `.import`s the very contacts A stored (dumped once, after the first A, as a
  plain CSV of every column some row fills) into an equivalent table: same columns, the unique
  key on (source, source_id), the queue/time index, a WAL database, one transaction.

With `--baseline-src DIR` (a checkout of other code, e.g. `git worktree add --detach DIR REV`), each
pair also runs C: the same `ccc import` with `PYTHONPATH=DIR/src` (that code's host, this venv's
plugins), so that a change is measured against the code before it in the same rounds (A C B).

Each run's wall time and CPU time (user + system of the process and the processes it waited for:
`ccc import` may read in a second process) are printed, then the medians, their ratio and the
load average before and after. The goal (issue #18): the import within 3x the `.import`.

The harness (`run`, `compare`, `report`) is shared with bench/five9_bench.py.
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
SKILLS = [(4100, "Billing FR"), (4200, "Chat FR"), (4300, "Email FR"), (4500, "Support EN")]
MEDIA = {4100: (4, "Call"), 4200: (3, "Chat"), 4300: (1, "Email"), 4500: (4, "Call")}


def _iso(dt: datetime) -> str:
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def contacts(n: int, seed: int = 18):
    """The completed contacts, ~3 s apart: 88 % answered, 9 % abandoned in queue, 3 % in the IVR."""
    rnd = random.Random(seed)
    t = START
    for i in range(n):
        t += timedelta(seconds=rnd.randint(1, 5))
        skill_id, skill = SKILLS[i % len(SKILLS)]
        media_id, media = MEDIA[skill_id]
        pre, queue = rnd.randint(0, 20), rnd.randint(0, 90)
        roll = rnd.random()
        answered, ivr = roll < 0.88, roll >= 0.97
        if ivr:
            queue = 0
        agent_s = rnd.randint(30, 600) if answered else 0
        hold = rnd.choice((0, 0, 0, 15, 40)) if answered else 0
        acw = rnd.randint(5, 90) if answered else 0
        total = pre + queue + agent_s
        end = t + timedelta(seconds=total)
        yield {
            "abandoned": not answered, "abandonSeconds": 0 if answered else pre + queue, "ACWSeconds": acw,
            "agentId": 1104000 + i % 250 if answered else 0, "agentSeconds": agent_s, "callbackTime": 0,
            "campaignId": 900 + skill_id % 7, "campaignName": skill + " campaign", "confSeconds": 0,
            "contactId": 70000000000 + i, "contactStart": _iso(t),
            "dateACWWarehoused": _iso(end + timedelta(seconds=acw + 30)),
            "dateContactWarehoused": _iso(end + timedelta(seconds=30)),
            "dispositionNotes": None, "firstName": "Agent", "fromAddr": f"+336399{i % 100000:05d}" if media_id != 1
            else f"client{i % 100000}@example.fr", "holdCount": 1 if hold else 0, "holdSeconds": hold,
            "inQueueSeconds": queue, "isLogged": True, "isOutbound": False, "isRefused": False,
            "isShortAbandon": not answered and queue < 5, "isTakeover": False, "lastName": f"N{i % 250}",
            "lastUpdateTime": _iso(end + timedelta(seconds=acw + 60)), "masterContactId": 70000000000 + i,
            "mediaType": media_id, "mediaTypeName": media, "pointOfContactId": 3300, "pointOfContactName": "Main line",
            "postQueueSeconds": 0, "preQueueSeconds": pre, "primaryDispositionId": 93 if answered else 0,
            "refuseReason": None, "refuseTime": None, "releaseSeconds": 0, "routingTime": 1200,
            "secondaryDispositionId": 0, "serviceLevelFlag": 1 if queue <= 20 else 0, "skillId": skill_id,
            "skillName": skill, "teamId": 77, "teamName": "Team Lyon", "toAddr": "+33170000001",
            "totalDurationSeconds": total, "transferIndicatorId": 0, "transferIndicatorName": "None",
            "isAnalyticsProcessed": False, "analyticsProcessedDate": None,
        }


def generate(path: Path, n: int, page: bool) -> None:
    """N contacts as JSON lines, or as one API page (one contact per line inside the array)."""
    with open(path, "w", encoding="utf-8") as fh:
        if page:
            fh.write('{"totalRecords": %d, "businessUnitId": 4600123, "lastPollTime": "2026-11-01T00:00:00.000Z", '
                     '"completedContacts": [\n' % n)
        for i, record in enumerate(contacts(n)):
            fh.write(("," if page and i else "") + json.dumps(record, separators=(",", ":")) + "\n")
        if page:
            fh.write('], "_links": {"next": null}}\n')


# -- the harness (also used by bench/five9_bench.py) --------------------------------------------
def run(argv: list[str], *, cwd: Path | None = None, stdin: str | None = None,
        env: dict | None = None) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of `argv` run as a child process to its end."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, cwd=cwd, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _fresh_workspace(ws: Path) -> None:
    from ccc_governance.workspace import init_workspace

    shutil.rmtree(ws, ignore_errors=True)
    init_workspace(ws, key="00" * 32)


def _dump_stored(ws: Path, csv_path: Path) -> tuple[list[str], int]:
    """The contacts the import stored, every column some row fills, as a plain CSV."""
    con = sqlite3.connect(ws / "ccc.db")
    names = [r[1] for r in con.execute("PRAGMA table_info(contacts)") if r[1] != "id"]
    cols = [c for c in names if con.execute(f"SELECT 1 FROM contacts WHERE {c} IS NOT NULL LIMIT 1").fetchone()]
    count = 0
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(cols)
        for row in con.execute(f"SELECT {', '.join(cols)} FROM contacts ORDER BY id"):
            out.writerow(row)
            count += 1
    con.close()
    return cols, count


def _yardstick_script(cols: list[str], csv_path: Path) -> str:
    return ("PRAGMA journal_mode=WAL;\n"
            f"CREATE TABLE contacts ({', '.join(cols)}, UNIQUE (source, source_id));\n"
            "CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);\n"
            f".import --csv --skip 1 {csv_path} contacts\n")


def compare(source: str, path: Path, options: list[str], pairs: int, tag: str,
            baseline_src: Path | None = None) -> dict:
    """Interleave `ccc import SOURCE PATH` (A) and the `.import` of the same contacts (B), `pairs` times;
    with `baseline_src`, also the import by that code (C) in each pair, between the two."""
    ccc = str(Path(sys.executable).with_name("ccc"))
    ws = OUT / f"{tag}-ws"
    db = OUT / f"{tag}-yardstick.db"
    csv_path = OUT / f"{tag}-same-contacts.csv"
    script = None
    stored = 0
    imports, yardsticks, baselines = [], [], []
    load_before = os.getloadavg()
    for _ in range(pairs):
        _fresh_workspace(ws)
        imports.append(run([ccc, "import", source, str(path), *options], cwd=ws))
        if baseline_src is not None:
            stored_by_us = sqlite3.connect(ws / "ccc.db").execute("SELECT count(*) FROM contacts").fetchone()[0]
            _fresh_workspace(ws)
            env = dict(os.environ, PYTHONPATH=str(baseline_src / "src"))
            baselines.append(run([ccc, "import", source, str(path), *options], cwd=ws, env=env))
            theirs = sqlite3.connect(ws / "ccc.db").execute("SELECT count(*) FROM contacts").fetchone()[0]
            if theirs != stored_by_us:
                raise SystemExit(f"the baseline stored {theirs:,} contacts, this code {stored_by_us:,}")
        if script is None:
            cols, stored = _dump_stored(ws, csv_path)
            script = _yardstick_script(cols, csv_path)
        for extra in ("", "-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)
        yardsticks.append(run(["sqlite3", str(db)], stdin=script))
    load_after = os.getloadavg()
    return {"source": source, "path": path, "stored": stored, "imports": imports, "yardsticks": yardsticks,
            "baselines": baselines, "load": (load_before, load_after), "cleanup": (ws, db, csv_path)}


def report(result: dict, n: int) -> None:
    """Print each run, then a Markdown row of medians for bench/RESULTS.md."""
    imports, yardsticks = result["imports"], result["yardsticks"]
    for i, ((iw, ic), (yw, yc)) in enumerate(zip(imports, yardsticks), 1):
        print(f"pair {i}: import {iw:.2f} s wall / {ic:.2f} s CPU; .import {yw:.2f} s wall / {yc:.2f} s CPU")
    iw, ic = (statistics.median(v) for v in zip(*imports))
    yw, yc = (statistics.median(v) for v in zip(*yardsticks))
    (b1, b5, _), (a1, a5, _) = result["load"]
    size = result["path"].stat().st_size / 1e6
    print()
    print("| source | contacts (stored) | file | pairs | import s wall / CPU (median) "
          "| `.import` of the same contacts s wall / CPU (median) | import ÷ .import wall / CPU "
          "| load 1 / 5 min before → after |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {result['source']} | {n:,} ({result['stored']:,}) | {size:,.0f} MB | {len(imports)} "
          f"| {iw:.2f} / {ic:.2f} | {yw:.2f} / {yc:.2f} | **{iw / yw:.2f}x** / {ic / yc:.2f}x "
          f"| {b1:.2f} / {b5:.2f} → {a1:.2f} / {a5:.2f} |")
    if result.get("baselines"):
        for i, (bw, bc) in enumerate(result["baselines"], 1):
            print(f"pair {i}: baseline import {bw:.2f} s wall / {bc:.2f} s CPU")
        bw, bc = (statistics.median(v) for v in zip(*result["baselines"]))
        print(f"baseline: {bw:.2f} s wall / {bc:.2f} s CPU (median), **{bw / yw:.2f}x** / {bc / yc:.2f}x the .import; "
              f"this code ÷ baseline {iw / bw:.3f} wall, {ic / bc:.3f} CPU")


def cleanup(result: dict, keep: bool) -> None:
    if keep:
        return
    ws, db, csv_path = result["cleanup"]
    shutil.rmtree(ws, ignore_errors=True)
    for extra in ("", "-wal", "-shm"):
        Path(str(db) + extra).unlink(missing_ok=True)
    csv_path.unlink(missing_ok=True)
    result["path"].unlink(missing_ok=True)


def arguments(argv: list[str]) -> tuple[int, int, bool]:
    """N (default 1,000,000), --pairs K (default 3, at least 3), --keep."""
    argv = list(argv)
    pairs = 3
    if "--pairs" in argv:
        at = argv.index("--pairs")
        pairs = int(argv[at + 1])
        del argv[at:at + 2]
    n = next((int(a) for a in argv if a.isdigit()), 1_000_000)
    if pairs < 3:
        raise SystemExit("--pairs: at least 3 pairs, for a median that one slow run cannot move")
    return n, pairs, "--keep" in argv


def main(argv: list[str]) -> None:
    argv = list(argv)
    baseline_src = None
    if "--baseline-src" in argv:
        at = argv.index("--baseline-src")
        baseline_src = Path(argv[at + 1]).resolve()
        del argv[at:at + 2]
    n, pairs, keep = arguments([a for a in argv if a != "--page"])
    page = "--page" in argv
    OUT.mkdir(exist_ok=True)
    path = OUT / f"nice-cxone-{n}.{'json' if page else 'jsonl'}"
    generate(path, n, page)
    print(f"N = {n:,} CXone completed contacts ({'one API page' if page else 'JSON lines'}), "
          f"{os.cpu_count()} cores")
    result = compare("nice-cxone", path, [], pairs, "nice-cxone", baseline_src)
    report(result, n)
    cleanup(result, keep)


if __name__ == "__main__":
    main(sys.argv[1:])
