"""Synthetic export files for the benchmarks: one function per format, each streaming to disk.

`GENERATORS[name](path, n, seed)` writes `n` contacts; add a function per platform format here
(queue_log, CTR, Genesys …) and register it in `GENERATORS`.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

START = datetime(2026, 10, 1, tzinfo=timezone.utc)

CONTACTS_HEADER = "call_id,queued_at,answered_at,ended_at,queue,result,wait,talk,hold,wrap,agent,caller"

#: The csv plugin's mapping for `contacts_csv` files.
CONTACTS_MAPPING = """kind = "contact"
source_id = "call_id"
[fields]
arrived_at = "queued_at"
answered_at = "answered_at"
ended_at = "ended_at"
queue = "queue"
outcome = "result"
wait_s = "wait"
talk_s = "talk"
hold_s = "hold"
wrap_s = "wrap"
agent = "agent"
customer = "caller"
[values.outcome]
ANSWERED = "answered"
ABANDONED = "abandoned"
"""


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def contacts_csv(path: Path, n: int, seed: int = 1) -> Path:
    """`n` contacts as a plain CSV (header `CONTACTS_HEADER`), ~2 s apart, 90 % answered."""
    rnd = random.Random(seed)
    t = START
    queues = ("billing", "support", "sales")
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(CONTACTS_HEADER + "\n")
        lines = []
        for i in range(n):
            t += timedelta(seconds=rnd.randint(0, 4))
            wait = rnd.randint(0, 90)
            answered = rnd.random() < 0.9
            if answered:
                talk, hold, wrap = rnd.randint(30, 900), rnd.randint(0, 60), rnd.randint(0, 120)
                ans = t + timedelta(seconds=wait)
                end = ans + timedelta(seconds=talk + hold)
                lines.append(f"c{i},{_iso(t)},{_iso(ans)},{_iso(end)},{queues[i % 3]},ANSWERED,{wait},{talk},{hold},"
                             f"{wrap},agent{i % 57},+336399{i % 100000:05d}\n")
            else:
                end = t + timedelta(seconds=wait)
                lines.append(f"c{i},{_iso(t)},,{_iso(end)},{queues[i % 3]},ABANDONED,{wait},,,,,+336399{i % 100000:05d}\n")
            if len(lines) >= 10_000:
                fh.writelines(lines)
                lines.clear()
        fh.writelines(lines)
    return path


GENERATORS = {"contacts_csv": contacts_csv}
