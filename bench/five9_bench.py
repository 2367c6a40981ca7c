"""Speed of `ccc import five9` against the sqlite3 shell's `.import` of the same contacts, run by hand.

    .venv/bin/python bench/five9_bench.py [N] [--pairs K] [--keep]

Writes N synthetic calls as a Five9 Call Log report (bench/out/: the standard report's 25 columns
plus SKILL, `Thu, 01 Oct 2026 09:00:00` timestamps, `HH:MM:SS` durations, ~330 bytes a row),
then interleaves A B A B … for K pairs (default 3): A is `ccc import five9 FILE --option
timezone=America/New_York` as a whole process into a fresh workspace, B the sqlite3 shell's
`.import` of the very contacts A stored, into an equivalent table. Wall and CPU time of each run,
medians, their ratio and the load average are printed; the harness is bench/nice_cxone_bench.py's
(`compare`, `report`). The goal (issue #18): the import within 3x the `.import`.
"""

from __future__ import annotations

import csv
import os
import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from nice_cxone_bench import OUT, arguments, cleanup, compare, report  # noqa: E402

HEADER = ["CALL ID", "TIMESTAMP", "CAMPAIGN", "SKILL", "CALL TYPE", "AGENT", "AGENT NAME", "DISPOSITION", "ANI",
          "CUSTOMER NAME", "DNIS", "CALL TIME", "BILL TIME (ROUNDED)", "COST", "IVR TIME", "QUEUE WAIT TIME",
          "RING TIME", "TALK TIME", "HOLD TIME", "PARK TIME", "AFTER CALL WORK TIME", "TRANSFERS", "CONFERENCES",
          "HOLDS", "ABANDONED", "RECORDINGS"]
SKILLS = ["Billing EN", "Support EN", "Sales EN", "Billing ES"]
START = datetime(2026, 10, 1, 8, 0, 0)  # local time of the report (America/New_York)


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def generate(path: Path, n: int, seed: int = 9) -> None:
    """N inbound calls ~3 s apart: 88 % answered, 9 % abandoned in queue, 3 % in the IVR."""
    rnd = random.Random(seed)
    t = START
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(HEADER)
        for i in range(n):
            t += timedelta(seconds=rnd.randint(1, 5))
            ivr, queue, ring = rnd.randint(0, 20), rnd.randint(0, 90), rnd.randint(2, 8)
            roll = rnd.random()
            answered, in_ivr = roll < 0.88, roll >= 0.97
            if in_ivr:
                queue = 0
            talk = rnd.randint(30, 600) if answered else 0
            hold = rnd.choice((0, 0, 0, 15, 40)) if answered else 0
            acw = rnd.randint(5, 90) if answered else 0
            call = ivr + queue + (ring + talk + hold if answered else 0)
            agent = f"agent{i % 250}@acme-ccc.com" if answered else "[None]"
            out.writerow([
                600000000 + i, t.strftime("%a, %d %b %Y %H:%M:%S"), "Inbound main", SKILLS[i % len(SKILLS)], "Inbound",
                agent, f"Agent {i % 250}" if answered else "", "Resolved" if answered else "Abandon",
                f"617555{i % 10000:04d}", "", "8005550100", _clock(call), _clock(call + 6), "0.0120", _clock(ivr),
                _clock(queue), _clock(ring) if answered else "", _clock(talk), _clock(hold), "00:00:00", _clock(acw),
                0, 0, 1 if hold else 0, 0 if answered else 1, 1 if answered else "",
            ])


def main(argv: list[str]) -> None:
    n, pairs, keep = arguments(argv)
    OUT.mkdir(exist_ok=True)
    path = OUT / f"five9-call-log-{n}.csv"
    generate(path, n)
    print(f"N = {n:,} calls in a Five9 call log, {os.cpu_count()} cores")
    result = compare("five9", path, ["--option", "timezone=America/New_York"], pairs, "five9")
    report(result, n)
    cleanup(result, keep)


if __name__ == "__main__":
    main(sys.argv[1:])
