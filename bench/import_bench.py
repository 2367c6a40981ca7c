"""Speed and memory of `ccc import csv` against the sqlite3 shell's `.import`, run by hand.

    .venv/bin/python bench/import_bench.py [N] [MODES]   # default 1,000,000 contacts, process,in-process

Writes N synthetic contacts as CSV (bench/out/), then, each in its own child process so that its
peak memory is measured alone: the `sqlite3` shell `.import`s the file into an equivalent table
(same columns, a unique key on the id and a queue/time index, like `contacts`), and
`ccc import csv FILE --option mapping=…` imports it into a fresh workspace, once as by default
(big files are read in a second process, `store/parallel.py`: mode `process`) and once in one
process (`CCC_IMPORT_PROCESS=0`: mode `in-process`). The yardstick is measured twice: into a
database with the default rollback journal (the ratio is against this one, the stricter) and
into a WAL database like the store's. Goals: under 2× the `.import` time, peak memory under
100 MB. Prints a Markdown table for bench/RESULTS.md.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT))

from generators import CONTACTS_MAPPING, contacts_csv  # noqa: E402

SQLITE_TABLE = """
CREATE TABLE contacts (call_id TEXT NOT NULL UNIQUE, queued_at TEXT, answered_at TEXT, ended_at TEXT, queue TEXT,
  result TEXT, wait REAL, talk REAL, hold REAL, wrap REAL, agent TEXT, caller TEXT);
CREATE INDEX contacts_queue_time ON contacts(queue, queued_at);
"""


def measure(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> tuple[float, float, float]:
    """Run `argv` in a helper process; return (elapsed seconds, peak RSS in MB of the command's
    largest process, peak of the summed RSS of the command and its child processes, sampled
    every 20 ms from /proc: `ccc import` may run a reader process beside itself)."""
    helper = (
        "import os, resource, subprocess, sys, time, json\n"
        "def tree_rss(pid):\n"
        "    total, todo = 0, [pid]\n"
        "    while todo:\n"
        "        p = todo.pop()\n"
        "        try:\n"
        "            with open(f'/proc/{p}/statm') as fh: total += int(fh.read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
        "            for t in os.listdir(f'/proc/{p}/task'):\n"
        "                with open(f'/proc/{p}/task/{t}/children') as fh: todo += [int(c) for c in fh.read().split()]\n"
        "        except OSError: pass\n"
        "    return total\n"
        "t = time.perf_counter()\n"
        "proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
        "peak = 0\n"
        "while proc.poll() is None:\n"
        "    peak = max(peak, tree_rss(proc.pid)); time.sleep(0.02)\n"
        "e = time.perf_counter() - t\n"
        "assert proc.returncode == 0, proc.returncode\n"
        "print(json.dumps([e, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, peak / 2**20]))\n"
    )
    out = subprocess.run([sys.executable, "-c", helper, *argv], cwd=cwd, check=True, capture_output=True, text=True,
                         env=env)
    elapsed, rss, tree = json.loads(out.stdout)
    return elapsed, rss, tree


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    OUT.mkdir(exist_ok=True)
    csv_path = OUT / f"contacts_{n}.csv"
    if not csv_path.exists():
        contacts_csv(csv_path, n)
    size_mb = csv_path.stat().st_size / 1e6

    modes = sys.argv[2].split(",") if len(sys.argv) > 2 else ["process", "in-process"]
    sq = OUT / "sqlite_import.db"
    for p in OUT.glob("sqlite_import.db*"):
        p.unlink()
    subprocess.run(["sqlite3", str(sq), SQLITE_TABLE], check=True)
    t_sqlite, m_sqlite, _ = measure(["sqlite3", str(sq), ".mode csv", f".import --skip 1 {csv_path} contacts"])
    for p in OUT.glob("sqlite_import.db*"):
        p.unlink()
    subprocess.run(["sqlite3", str(sq), "PRAGMA journal_mode=WAL;" + SQLITE_TABLE], check=True, capture_output=True)
    t_wal, _, _ = measure(["sqlite3", str(sq), ".mode csv", f".import --skip 1 {csv_path} contacts"])

    results = []
    ccc = str(Path(sys.executable).with_name("ccc"))
    for mode in modes:
        ws = OUT / "ws"
        shutil.rmtree(ws, ignore_errors=True)
        subprocess.run([ccc, "init", str(ws)], check=True, stdout=subprocess.DEVNULL)
        (ws / "mapping.toml").write_text(CONTACTS_MAPPING, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "CCC_IMPORT_PROCESS"}
        if mode == "in-process":
            env["CCC_IMPORT_PROCESS"] = "0"
        env_cmd = [ccc, "import", "csv", str(csv_path), "--option", f"mapping={ws / 'mapping.toml'}"]
        t_ccc, m_ccc, tree = measure(env_cmd, cwd=ws, env=env)
        count = subprocess.run(["sqlite3", str(ws / "ccc.db"), "SELECT count(*) FROM contacts"],
                               check=True, capture_output=True, text=True).stdout.strip()
        results.append((mode, t_ccc, m_ccc, tree, count))

    print(f"{n:,} contacts, {size_mb:.0f} MB CSV; {os.cpu_count()} cores; rows stored: "
          + ", ".join(f"{r[0]} {r[4]}" for r in results))
    print()
    print("| what | time s | × .import | peak memory MB (largest process / all processes) |")
    print("|---|---|---|---|")
    print(f"| sqlite3 shell `.import` | {t_sqlite:.1f} | 1.00 | {m_sqlite:.0f} |")
    print(f"| sqlite3 shell `.import`, WAL database | {t_wal:.1f} | {t_wal / t_sqlite:.2f} | |")
    for mode, t_ccc, m_ccc, tree, _ in results:
        print(f"| `ccc import csv` (mapping, {mode}) | {t_ccc:.1f} | {t_ccc / t_sqlite:.2f} | {m_ccc:.0f} / {tree:.0f} |")


if __name__ == "__main__":
    main()
