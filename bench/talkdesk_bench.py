"""Speed of `ccc import talkdesk` against the sqlite3 shell's `.import` of the same contacts, run by hand.

    .venv/bin/python bench/talkdesk_bench.py [N] [--pairs P] [--formats csv,json] [--keep]

Writes N synthetic calls in the Talkdesk calls report's shape (bench/out/): the CSV export with the
API's column names, and the Explore API's JSON page (`{"type": "calls", "entries": [...]}`, one
call per line). For each format it imports the file once into a scratch workspace to learn what the
import stores, dumps those contacts (every column some row fills) as a plain CSV, and then times,
interleaved A B A B … for P pairs (default 3):

- A: `ccc import talkdesk FILE` as a whole process (start-up included) into a fresh workspace;
- B: the `sqlite3` shell `.import` of the dumped CSV into an equivalent table (same columns, a
  unique key on (source, source_id), the queue/time index, a WAL database, one transaction).

Wall time and CPU time (user + system of the process and its children, from `wait4`) of each run,
peak memory of A, the medians and A ÷ B, and the load average before and after. The goal
(issue #18): the import within 3× the `.import` of the same contacts. Prints a Markdown table for
bench/RESULTS.md. The machine should be quiet: with other work running the figures mean little.

The measuring helpers (`timed`, `pairs`, `dump_contacts`, `report`) are used by
`bench/freshdesk_bench.py` as well.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
BIN = Path(sys.executable).parent
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
EPOCH0 = int(START.timestamp())
TYPES = ("inbound",) * 16 + ("abandoned", "short_abandoned", "missed", "voicemail", "outbound", "outbound_missed")
CSV_COLUMNS = ("call_id", "callsid", "type", "start_at", "end_at", "talkdesk_phone_number",
               "talkdesk_phone_display_name", "contact_phone_number", "user_id", "user_name", "user_email",
               "total_time", "talk_time", "wait_time", "hold_time", "abandon_time", "total_ringing_time",
               "disposition_code", "ring_groups", "is_in_business_hours", "is_callback_from_queue", "is_transfer",
               "is_external_transfer", "csat_score", "team_name", "data_status")


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def calls(n: int, seed: int = 7):
    """One dict per call in the report's current names, ~3 s apart, as the Explore API writes them."""
    rnd = random.Random(seed)
    t = EPOCH0
    for i in range(n):
        t += rnd.randint(1, 5)
        kind = TYPES[rnd.randrange(len(TYPES))]
        wait = rnd.randint(0, 90)
        talk = rnd.randint(30, 600) if kind in ("inbound", "outbound") else 0
        hold = rnd.choice((0, 0, 0, 15, 40)) if talk else 0
        total = wait + talk + hold
        yield {
            "call_id": f"{i:08x}b1475f68c7d9a1b2c3d4e5f6", "callsid": f"CA{i:032x}", "type": kind,
            "start_at": _iso(t), "end_at": _iso(t + total), "talkdesk_phone_number": "+33180000000",
            "talkdesk_phone_display_name": "support", "contact_phone_number": f"+336399{i % 100000:05d}",
            "user_id": f"67b3696b5b004334e155{i % 50:04d}" if talk else None, "user_name": "Agent" if talk else None,
            "user_email": None, "total_time": total, "talk_time": talk, "wait_time": wait, "hold_time": hold,
            "abandon_time": wait if kind.endswith("abandoned") else 0, "total_ringing_time": 4 if talk else 0,
            "disposition_code": None, "ring_groups": ("billing", "sales", "support")[i % 3],
            "is_in_business_hours": True, "is_callback_from_queue": False, "is_transfer": i % 17 == 0,
            "is_external_transfer": False, "csat_score": (i % 5) + 1 if i % 4 == 0 and talk else None,
            "team_name": "Team A", "data_status": "Valid",
        }


def gen_csv(path: Path, n: int) -> None:
    """The CSV export, with the API's column names."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(CSV_COLUMNS)
        for call in calls(n):
            out.writerow(["" if call[c] is None else str(call[c]).lower() if isinstance(call[c], bool) else call[c]
                          for c in CSV_COLUMNS])


def gen_json(path: Path, n: int) -> None:
    """The Explore API's page, one call per line inside `entries`."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('{"type": "calls", "version": "v1", "entries": [\n')
        for i, call in enumerate(calls(n)):
            fh.write(("," if i else "") + json.dumps(call, separators=(",", ":")) + "\n")
        fh.write(f'], "total": {n}}}\n')


# -- measuring (used by freshdesk_bench.py too) --------------------------------------------------
def timed(argv: list[str], *, cwd: Path | None = None, stdin: str | None = None) -> dict:
    """Run `argv` to the end; wall seconds, CPU seconds (user + system, children included) and peak
    resident memory (MB) from `wait4`."""
    t = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if stdin is not None:
        proc.stdin.write(stdin)
        proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read()
    proc.stderr.close()
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {err.strip()[:500]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def fresh_workspace(where: Path) -> Path:
    shutil.rmtree(where, ignore_errors=True)
    timed([str(BIN / "ccc"), "init", str(where)])
    return where


def ccc_import(source: str, path: Path, where: Path) -> dict:
    """A: `ccc import SOURCE PATH` as a whole process into a fresh workspace."""
    ws = fresh_workspace(where)
    return timed([str(BIN / "ccc"), "import", source, str(path)], cwd=ws)


def dump_contacts(ws: Path, csv_path: Path) -> list[str]:
    """The contacts the import stored (every column some row fills), as a plain CSV; returns the columns."""
    con = sqlite3.connect(ws / "ccc.db")
    names = [r[1] for r in con.execute("PRAGMA table_info(contacts)") if r[1] != "id"]
    cols = [c for c in names if con.execute(f"SELECT 1 FROM contacts WHERE {c} IS NOT NULL LIMIT 1").fetchone()]
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(cols)
        out.writerows(con.execute(f"SELECT {', '.join(cols)} FROM contacts ORDER BY id"))
    con.close()
    return cols


def sqlite_import(csv_path: Path, cols: list[str], db_path: Path) -> dict:
    """B: the sqlite3 shell `.import`s the dump into an equivalent table in a new WAL database."""
    for extra in ("", "-wal", "-shm"):
        Path(str(db_path) + extra).unlink(missing_ok=True)
    script = (
        "PRAGMA journal_mode=WAL;\n"
        f"CREATE TABLE contacts ({', '.join(cols)}, UNIQUE (source, source_id));\n"
        "CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);\n"
        f".import --csv --skip 1 {csv_path} contacts\n"
    )
    return timed(["sqlite3", str(db_path)], stdin=script)


def pairs(source: str, path: Path, n_pairs: int, label: str) -> dict:
    """The interleaved A B runs of one file; medians and ratios."""
    scratch = OUT / f"{label}-ws"
    first = ccc_import(source, path, scratch)  # also warms the file cache
    stored = sqlite3.connect(scratch / "ccc.db").execute("SELECT count(*) FROM contacts").fetchone()[0]
    dump = OUT / f"{label}-same.csv"
    cols = dump_contacts(scratch, dump)
    runs_a, runs_b = [], []
    load_before = os.getloadavg()
    for _ in range(n_pairs):
        runs_a.append(ccc_import(source, path, scratch))
        runs_b.append(sqlite_import(dump, cols, OUT / f"{label}-yardstick.db"))
    load_after = os.getloadavg()
    med = lambda runs, key: statistics.median(r[key] for r in runs)  # noqa: E731
    result = {
        "label": label, "size_mb": path.stat().st_size / 1e6, "stored": stored, "warm_up_s": first["wall"],
        "a_wall": med(runs_a, "wall"), "a_cpu": med(runs_a, "cpu"), "a_peak": max(r["peak_mb"] for r in runs_a),
        "b_wall": med(runs_b, "wall"), "b_cpu": med(runs_b, "cpu"),
        "a_walls": [r["wall"] for r in runs_a], "b_walls": [r["wall"] for r in runs_b],
        "load": (load_before[0], load_after[0]),
    }
    result["ratio_wall"] = result["a_wall"] / result["b_wall"]
    result["ratio_cpu"] = result["a_cpu"] / result["b_cpu"] if result["b_cpu"] else float("nan")
    shutil.rmtree(scratch, ignore_errors=True)
    for extra in ("", "-wal", "-shm"):
        Path(str(OUT / f"{label}-yardstick.db") + extra).unlink(missing_ok=True)
    dump.unlink(missing_ok=True)
    return result


def report(n: int, n_pairs: int, results: list[dict]) -> None:
    """The Markdown table of the runs."""
    print(f"N = {n:,} contacts, {n_pairs} interleaved pairs (A = `ccc import` as a whole process, B = sqlite3 "
          "`.import` of the same contacts); medians; load average (1 min) before → after.\n")
    print("| File | Size | Stored | A wall s | A CPU s | A peak MB | B wall s | B CPU s | A ÷ B wall | A ÷ B CPU "
          "| A runs s | B runs s | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['label']} | {r['size_mb']:,.1f} MB | {r['stored']:,} | {r['a_wall']:.2f} | {r['a_cpu']:.2f} | "
              f"{r['a_peak']:.0f} | {r['b_wall']:.2f} | {r['b_cpu']:.2f} | **{r['ratio_wall']:.1f}x** | "
              f"{r['ratio_cpu']:.1f}x | {' / '.join(f'{w:.2f}' for w in r['a_walls'])} | "
              f"{' / '.join(f'{w:.2f}' for w in r['b_walls'])} | {r['load'][0]:.1f} → {r['load'][1]:.1f} |", flush=True)


def parse_args(argv: list[str], formats: tuple[str, ...]) -> tuple[int, int, list[str], bool]:
    n = int(argv[0]) if argv and argv[0].isdigit() else 1_000_000
    n_pairs = int(argv[argv.index("--pairs") + 1]) if "--pairs" in argv else 3
    chosen = argv[argv.index("--formats") + 1].split(",") if "--formats" in argv else list(formats)
    return n, max(n_pairs, 1), chosen, "--keep" in argv


def main(argv: list[str]) -> None:
    n, n_pairs, formats, keep = parse_args(argv, ("csv", "json"))
    OUT.mkdir(exist_ok=True)
    results = []
    for fmt in formats:
        path = OUT / f"talkdesk-calls.{fmt}"
        (gen_csv if fmt == "csv" else gen_json)(path, n)
        results.append(pairs("talkdesk", path, n_pairs, f"talkdesk-{fmt}"))
        if not keep:
            path.unlink()
    report(n, n_pairs, results)


if __name__ == "__main__":
    main(sys.argv[1:])
