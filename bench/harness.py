"""Whole-process measurements for the benchmarks: wall and CPU seconds, peak memory, interleaving.

`measure(argv)` runs one command as a child process and returns its wall seconds, the CPU
seconds (user + sys) of the child and of every descendant it waited for (from `os.wait4`, which
on Linux adds the reaped children's usage: `ccc import`'s reader process is waited for), and the
peak RSS sampled from /proc every 20 ms by a thread (the largest process, and the sum over the
process tree). `interleave` runs a list of contenders `pairs` times in a rotating order (A B C,
B C A, C A B …) so that a slow spell of the machine hits each of them alike; `summarize` gives
medians, min and max. Only the standard library: any interpreter can run it.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Callable

_PAGE = os.sysconf("SC_PAGE_SIZE")
_TICK = os.sysconf("SC_CLK_TCK")


def _busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores: /proc/stat, idle and iowait left out)."""
    with open("/proc/stat") as fh:
        ticks = [int(x) for x in fh.readline().split()[1:]]
    return (sum(ticks[:8]) - ticks[3] - ticks[4]) / _TICK  # user nice system idle iowait irq softirq steal


def _tree(pid: int) -> list[int]:
    """The pid and its descendants (through /proc/PID/task/TID/children)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _stat(pid: int) -> tuple[int, float] | None:
    """(RSS bytes, CPU seconds so far) of one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # after the command name: state=0 … utime=11 stime=12 … rss=21
    return int(fields[21]) * _PAGE, (int(fields[11]) + int(fields[12])) / _TICK


class _Sampler(threading.Thread):
    def __init__(self, pid: int, interval: float) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.stop = threading.Event()
        self.largest = self.total = 0
        self.cpu_seen: dict[int, float] = {}
        self.processes: set[int] = set()

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0
            for p in _tree(self.pid):
                st = _stat(p)
                if st is None:
                    continue
                rss, cpu = st
                total += rss
                self.largest = max(self.largest, rss)
                self.cpu_seen[p] = cpu
                self.processes.add(p)
            self.total = max(self.total, total)
            self.stop.wait(self.interval)


@dataclass
class Run:
    """One measured command."""

    wall_s: float
    user_s: float
    sys_s: float
    cpu_s: float  # user + sys of the process and the descendants it waited for (os.wait4)
    maxrss_mb: float  # ru_maxrss of wait4 (largest process; counts this script's size at the fork: JSON only)
    peak_largest_mb: float  # sampled every 20 ms
    peak_tree_mb: float  # sampled every 20 ms: the largest sum over the tree
    processes: int  # processes seen in the tree
    cpu_seen_s: float  # the last CPU seconds /proc showed for each process (a lower bound)
    children_cpu_s: float  # RUSAGE_CHILDREN delta of this script: a cross-check of cpu_s
    load1: float  # 1-minute load average when it started (this benchmark's own runs count in it)
    others_cores: float  # CPU seconds used meanwhile by every other process on the machine ÷ wall
    returncode: int
    stderr_tail: str = ""
    extra: dict = field(default_factory=dict)


def measure(argv: list[str], *, env: dict | None = None, cwd: str | None = None, interval: float = 0.02) -> Run:
    """Run `argv` (stdout discarded, stderr kept) and measure it as a whole process tree."""
    load1 = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    own = resource.getrusage(resource.RUSAGE_SELF)
    busy = _busy_s()
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=err)
        sampler = _Sampler(proc.pid, interval)
        sampler.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        err.seek(0)
        tail = err.read()[-2000:].decode("utf-8", "replace")
    busy = _busy_s() - busy
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    children = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    own_cpu = (own_after.ru_utime - own.ru_utime) + (own_after.ru_stime - own.ru_stime)
    return Run(
        wall_s=wall, user_s=ru.ru_utime, sys_s=ru.ru_stime, cpu_s=ru.ru_utime + ru.ru_stime,
        maxrss_mb=ru.ru_maxrss / 1024, peak_largest_mb=sampler.largest / 2**20, peak_tree_mb=sampler.total / 2**20,
        processes=len(sampler.processes), cpu_seen_s=sum(sampler.cpu_seen.values()), children_cpu_s=children,
        load1=load1, others_cores=max(0.0, busy - children - own_cpu) / wall,
        returncode=proc.returncode, stderr_tail=tail,
    )


@dataclass
class Contender:
    """Something to time: `prepare()` (untimed) returns (argv, env, cwd); `check(run)` (untimed)
    returns facts about the result (rows stored …) for the report, or raises if it is wrong."""

    key: str
    label: str
    prepare: Callable[[], tuple[list[str], dict | None, str | None]]
    check: Callable[[Run], dict] = lambda run: {}
    runs: list[Run] = field(default_factory=list)
    command: dict = field(default_factory=dict)  # the last run's argv, cwd and CCC_/PYTHONPATH variables


def rotations(n: int, pairs: int) -> list[list[int]]:
    """The order of `n` contenders in each of `pairs` rounds: rotated by one each round."""
    return [[(i + r) % n for i in range(n)] for r in range(pairs)]


def interleave(contenders: list[Contender], pairs: int, log=sys.stderr) -> None:
    """Run every contender once per round, `pairs` rounds, in rotating order; fill `.runs`.

    A command that fails stops the benchmark with its label and the end of its stderr."""
    for r, order in enumerate(rotations(len(contenders), pairs), 1):
        for i in order:
            c = contenders[i]
            argv, env, cwd = c.prepare()
            c.command = {"argv": argv, "cwd": cwd,
                         "env": {k: v for k, v in (env or {}).items() if k.startswith("CCC_") or k == "PYTHONPATH"}}
            os.sync()  # the previous run's database writes are not left to this one
            run = measure(argv, env=env, cwd=cwd)
            if run.returncode != 0:
                raise SystemExit(f"{c.label}: exit {run.returncode} in round {r}: {run.stderr_tail.strip()[-600:]}")
            run.extra = c.check(run)
            c.runs.append(run)
            print(f"  round {r}: {c.label}: wall {run.wall_s:.2f} s, CPU {run.cpu_s:.2f} s, "
                  f"peak {run.peak_largest_mb:.0f}/{run.peak_tree_mb:.0f} MB, others {run.others_cores:.2f} cores, "
                  f"load {run.load1:.2f} {run.extra}",
                  file=log, flush=True)


def summarize(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "all": values}
