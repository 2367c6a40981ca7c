"""Start-up benchmark of the `ccc` command line: whole processes against `python -c pass`, interleaved.

One command (run by hand, under a minute on 2 cores):

    .venv/bin/python bench/cli_bench.py [--workspace DIR] [--runs 15] [--baseline-src DIR]

Contenders, each a whole process run `--runs` times in a rotating order (A B C, B C A, C A B …) so
that a slow spell of the machine hits each alike:
- `python -c pass` with the same interpreter (the floor: interpreter start-up and the venv's `.pth`
  files, editable installs' finders included);
- `ccc --version`;
- `ccc --help` (every command listed, plugins' commands too: the plugin host and plugins load);
- `ccc portfolio --as-of 2026-11-16` in a demo workspace (`--workspace`, default: one built with
  `ccc demo --no-tui` in a temporary folder, not timed).
`ccc` is run as `python -c "from ccc_governance.cli import main; main()"`, what the console script
does. `--baseline-src DIR` adds the three `ccc` contenders again with DIR/src first on PYTHONPATH
(another checkout of ccc_governance, e.g. `git archive BASE src | tar -x -C DIR`: same venv and
plugins), interleaved with the others, so that before and after meet the same machine. Each run
reports wall seconds and CPU seconds (user + sys, from `os.wait4`); the table gives medians, min–max
and the median minus the floor's median. The load average is printed before and after: figures
taken on a busy machine are not comparable. The goal of issue #13 (item 3) is checked last:
`ccc --help` and `ccc portfolio` at most 0.15 s (wall, medians) above `python -c pass`.
`PYTHONDONTWRITEBYTECODE` is removed from the environment (with it, every module edited since its
`.pyc` was written is compiled again at each run); one warm-up run of each contender writes them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AS_OF = "2026-11-16"
CCC = "from ccc_governance.cli import main; main()"
GOAL_S = 0.15


def run_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU seconds of one whole process (output thrown away; a failure stops the bench)."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}: {err.decode(errors='replace').strip()}")
    return wall, usage.ru_utime + usage.ru_stime


def build_demo(python: str, env: dict[str, str]) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="ccc-cli-bench-")) / "demo"
    print(f"building a demo workspace in {folder} (not timed) …", file=sys.stderr)
    proc = subprocess.run([python, "-c", CCC, "demo", "--no-tui", str(folder)], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if not (folder / "ccc.db").exists():
        raise SystemExit(f"ccc demo failed (exit {proc.returncode}): {proc.stderr.strip()}")
    if proc.returncode != 0:  # a partial demo still has contracts and results to show
        print(f"warning: ccc demo ended with exit {proc.returncode}; using what it built", file=sys.stderr)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="Interpreter of the venv to measure.")
    parser.add_argument("--workspace", type=Path, help="A demo workspace (default: build one).")
    parser.add_argument("--runs", type=int, default=15, help="Runs of each contender (default 15).")
    parser.add_argument("--baseline-src", type=Path, help="Also run `ccc` with DIR/src first on PYTHONPATH.")
    args = parser.parse_args()

    env = dict(os.environ)
    env.pop("CCC_DB", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: the warm-up runs write the .pyc files
    env["CCC_AS_OF"] = AS_OF
    workspace = (args.workspace or build_demo(args.python, env)).resolve()
    py = args.python
    commands = {"--version": ["--version"], "--help": ["--help"], "portfolio": ["portfolio", "--as-of", AS_OF]}
    contenders = {"python -c pass": ([py, "-c", "pass"], env)}
    variants = {"": env}
    if args.baseline_src:
        base_env = dict(env)
        base_env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(args.baseline_src.resolve() / "src"), env.get("PYTHONPATH")]))
        variants["baseline: "] = base_env
    for label, variant_env in variants.items():
        which = subprocess.run([py, "-c", "import ccc_governance.cli as c; print(c.__file__)"], env=variant_env,
                               capture_output=True, text=True, check=True).stdout.strip()
        print(f"{label or 'candidate: '}{which}")
        for name, argv in commands.items():
            contenders[f"{label}ccc {name}"] = ([py, "-c", CCC, *argv], variant_env)
    print(f"python: {py}\nworkspace: {workspace}\nruns: {args.runs}")
    load_before = os.getloadavg()
    names = list(contenders)
    for name in names:  # one warm-up run each (bytecode caches, page cache)
        run_once(contenders[name][0], workspace, contenders[name][1])
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for i in range(args.runs):
        for name in names[i % len(names):] + names[: i % len(names)]:
            times[name].append(run_once(contenders[name][0], workspace, contenders[name][1]))
    load_after = os.getloadavg()

    floor = statistics.median(w for w, _ in times["python -c pass"])
    floor_cpu = statistics.median(c for _, c in times["python -c pass"])
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}; "
          f"after: {' '.join(f'{x:.2f}' for x in load_after)}; cores: {os.cpu_count()}\n")
    print("| command | wall s median (min–max) | above `python -c pass` | CPU s median | CPU above |")
    print("|---|---|---|---|---|")
    for name in names:
        wall = [w for w, _ in times[name]]
        cpu = [c for _, c in times[name]]
        w, c = statistics.median(wall), statistics.median(cpu)
        print(f"| `{name}` | {w:.3f} ({min(wall):.3f}–{max(wall):.3f}) | {w - floor:+.3f} | {c:.3f} | {c - floor_cpu:+.3f} |")
    print()
    for name in ("ccc --help", "ccc portfolio"):
        above = statistics.median(w for w, _ in times[name]) - floor
        print(f"goal: `{name}` {above:+.3f} s above the floor: {'met' if above <= GOAL_S else 'NOT met'} (≤ {GOAL_S} s)")


if __name__ == "__main__":
    main()
