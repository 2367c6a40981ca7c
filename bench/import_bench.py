"""Whole-process import benchmark: `ccc import` against the sqlite3 shell's `.import`, interleaved.

One command (run by hand: ~12 minutes on a quiet 2-core machine, 20 under load; the inputs are
generated once into bench/out/ and kept):

    .venv/bin/python bench/import_bench.py --baseline-python /work/bench-base/.venv/bin/python

For each source (default `csv,genesys-cloud:300000`: 1,000,000 csv contacts, 300,000 Genesys
conversations; `--sources SOURCE[:N],…`, `--n` for the others),
`--pairs` rounds (default 3) in a rotating order, each contender once a round:
- the reference: the `sqlite3` shell, one process, creating a table of the same contacts (unique
  key on the id, one queue/time index) and `.import --csv`ing them, into a rollback-journal
  database (the ratios are against this one, the stricter) and into a WAL database like the store's.
  For csv the contacts are the input CSV itself; for a platform, the contacts a first (untimed)
  import stored, dumped as CSV (every column some row fills);
- `ccc import SOURCE FILE` as a whole process, as by default and in one process
  (`CCC_IMPORT_PROCESS=0`), for the candidate (the interpreter running this script) and, if given,
  a baseline: `--baseline-python` (another venv's python: its `ccc` is used) and/or
  `--baseline-src DIR` (that checkout's src and plugins put first on PYTHONPATH; the same
  options exist for the candidate). The files each really runs are printed and recorded. Each run
  gets a fresh workspace (`ccc init`) with the three example contracts of contracts/ registered,
  their scope pointed at the bench data's source and queue, and evaluated once on the empty store,
  so that the import's refresh after the batch (`refresh_after_batch`) does real work on all three;
  that setup is not timed.
Each run reports wall seconds, CPU seconds (user + sys of the process and of its reader process,
`os.wait4`), peak RSS (largest process / process tree, sampled every 20 ms) and the CPU other
processes used meanwhile. Prints a Markdown table per source (medians, min–max, ratios of medians
to `.import`) and writes every run to bench/out/import-<UTC time>.json. `bench/platform_bench.py`
is the same with the three platform sources as default.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out"
sys.path.insert(0, str(ROOT))

from generators import CONTACTS_MAPPING, GENERATORS, PLATFORM_QUEUES  # noqa: E402
from harness import Contender, Run, interleave, summarize  # noqa: E402

#: source -> (input file name, generator, queues in the data)
SOURCES = {
    "csv": ("contacts.csv", GENERATORS["contacts_csv"], ["billing", "support", "sales"]),
    "asterisk-queue-log": ("queue_log", GENERATORS["asterisk-queue-log"], [PLATFORM_QUEUES["asterisk-queue-log"]]),
    "amazon-connect": ("ctr.jsonl", GENERATORS["amazon-connect"], [PLATFORM_QUEUES["amazon-connect"]]),
    "genesys-cloud": ("genesys.json", GENERATORS["genesys-cloud"], [PLATFORM_QUEUES["genesys-cloud"]]),
}
PLATFORMS = ["asterisk-queue-log", "amazon-connect", "genesys-cloud"]
MODES = {"default": None, "one-process": "0"}  # value of CCC_IMPORT_PROCESS
CSV_TABLE = (
    "CREATE TABLE contacts (call_id TEXT NOT NULL UNIQUE, queued_at TEXT, answered_at TEXT, ended_at TEXT,"
    " queue TEXT, result TEXT, wait REAL, talk REAL, hold REAL, wrap REAL, agent TEXT, caller TEXT);"
    " CREATE INDEX contacts_queue_time ON contacts(queue, queued_at);"
)
_PROBE = """import importlib, importlib.metadata as md, json, sqlite3, sys
import ccc_governance
eps = {e.name: e.value for e in md.entry_points(group="ccc_governance")}
mod = importlib.import_module(eps[sys.argv[1]].split(":")[0])
print(json.dumps({"python": sys.executable, "ccc_governance": ccc_governance.__file__, "plugin": mod.__file__,
                  "sqlite": sqlite3.sqlite_version}))
"""


def _run(argv: list, cwd: Path | None = None, env: dict | None = None, ok=(0,), what: str = "") -> str:
    """An untimed step; stops the benchmark with the end of its stderr if it fails."""
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode not in ok:
        err = done.stderr.strip().splitlines()
        raise SystemExit(f"{what or ' '.join(map(str, argv))}: exit {done.returncode}: {' / '.join(err[-3:])}")
    return done.stdout


class Code:
    """One version of ccc-governance: an interpreter, and maybe source folders put first on PYTHONPATH."""

    def __init__(self, label: str, python: str, src: str | None = None) -> None:
        self.label, self.python = label, python
        ccc = Path(python).with_name("ccc")  # the venv's console script (not resolved: a venv's python is a link)
        self.ccc = [str(ccc)] if ccc.exists() else [python, "-m", "ccc_governance"]
        # (without PYTHONDONTWRITEBYTECODE, as users run it: the first run writes the .pyc files of the
        # code measured; with it, every module edited since its .pyc was written is compiled every run)
        self.env = {k: v for k, v in os.environ.items()
                    if not k.startswith("CCC_") and k not in ("PYTHONPATH", "PYTHONDONTWRITEBYTECODE")}
        if src:
            root = Path(src).resolve()
            plugins = sorted(p for p in (root / "plugins").glob("*") if (p / "pyproject.toml").exists())
            paths = [root / "src", *(p / "src" if (p / "src").is_dir() else p for p in plugins)]
            self.env["PYTHONPATH"] = os.pathsep.join(map(str, paths))
        self.probe: dict = {}

    def verify(self, source: str) -> dict:
        """Which files this code really runs (ccc_governance and the source's plugin), and its git commit."""
        self.probe = json.loads(_run([self.python, "-c", _PROBE, source], env=self.env,
                                     what=f"{self.label}: importing ccc_governance and the {source} plugin"))
        repo = Path(self.probe["ccc_governance"]).resolve().parents[2]
        head = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--", "src", "plugins"],
                               capture_output=True, text=True)
        self.probe["repo"] = str(repo)
        self.probe["commit"] = (head.stdout.strip() + (" + uncommitted changes" if dirty.stdout.strip() else "")
                                if head.returncode == 0 else "not a git checkout")
        self.probe["ccc"] = self.ccc
        self.probe["code_hash"] = self.code_hash()
        self.probe["PYTHONPATH"] = self.env.get("PYTHONPATH", "")
        return self.probe


    def code_hash(self) -> str:
        """A hash of the checkout's src and plugins *.py files: to see whether the code changed during the rounds."""
        repo = Path(self.probe["repo"])
        digest = hashlib.sha1()
        for path in sorted([*repo.glob("src/**/*.py"), *repo.glob("plugins/**/*.py")]):
            digest.update(str(path).encode() + b"\0" + path.read_bytes())
        return digest.hexdigest()[:12]


def ensure_input(source: str, n: int, regen: bool) -> Path:
    name, generate, _ = SOURCES[source]
    path = OUT / f"bench-{n}-{name}"
    if regen or not path.exists():
        t = time.perf_counter()
        print(f"generating {path.name} …", file=sys.stderr, flush=True)
        generate(path.with_suffix(".tmp"), n)
        path.with_suffix(".tmp").rename(path)
        print(f"  {path.stat().st_size / 1e6:,.0f} MB in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    with open(path, "rb") as fh:  # into the page cache, for every contender alike
        while fh.read(1 << 24):
            pass
    return path


def bench_contracts(source: str) -> Path:
    """contracts/*.toml with their scope's sources and queues set to the bench data's."""
    import tomli_w
    import tomllib

    folder = OUT / f"contracts-{source}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in sorted((ROOT.parent / "contracts").glob("*.toml")):
        contract = tomllib.loads(path.read_text(encoding="utf-8"))
        contract["scope"]["sources"] = [source]
        contract["scope"]["queues"] = SOURCES[source][2]
        (folder / path.name).write_text(tomli_w.dumps(contract), encoding="utf-8")
    return folder


def source_options(source: str) -> list[str]:
    if source != "csv":
        return []
    mapping = OUT / "bench-contacts-mapping.toml"
    mapping.write_text(CONTACTS_MAPPING, encoding="utf-8")
    return ["--option", f"mapping={mapping}"]


def workspace(code: Code, ws: Path, contracts: Path) -> None:
    """A fresh workspace with the bench contracts registered and built (untimed)."""
    shutil.rmtree(ws, ignore_errors=True)
    _run([*code.ccc, "init", ws], env=code.env)
    for path in contracts.glob("*.toml"):
        shutil.copy(path, ws / "contracts" / path.name)
    _run([*code.ccc, "contract", "register"], cwd=ws, env=code.env)
    _run([*code.ccc, "evaluate"], cwd=ws, env=code.env, ok=(0, 3))  # builds the (empty) aggregates


def stored_facts(db_path: Path) -> dict:
    con = sqlite3.connect(db_path)
    try:
        kpi = con.execute("SELECT COUNT(*), COUNT(DISTINCT contract_id), SUM(contacts) FROM kpi_daily").fetchone()
        return {"contacts": con.execute("SELECT COUNT(*) FROM contacts").fetchone()[0],
                "quarantined": con.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0],
                "kpi_daily_rows": kpi[0], "kpi_daily_contracts": kpi[1]}
    finally:
        con.close()


def reference_csv(source: str, n: int, path: Path, code: Code, contracts: Path) -> tuple[Path, str, int]:
    """(CSV, table DDL, rows) for the `.import` reference of these contacts."""
    if source == "csv":
        return path, CSV_TABLE, n
    ref = OUT / f"bench-{n}-{source}-stored.csv"
    ddl_file = ref.with_suffix(".sql")
    if not ref.exists() or ref.stat().st_mtime < path.stat().st_mtime or not ddl_file.exists():
        print(f"importing {path.name} once (untimed) for the stored contacts …", file=sys.stderr, flush=True)
        ws = OUT / "ws-reference"
        workspace(code, ws, contracts)
        _run([*code.ccc, "import", source, path], cwd=ws, env=code.env)
        con = sqlite3.connect(ws / "ccc.db")
        names = [r[1] for r in con.execute("PRAGMA table_info(contacts)") if r[1] != "id"]
        cols = [c for c in names if con.execute(f"SELECT 1 FROM contacts WHERE {c} IS NOT NULL LIMIT 1").fetchone()]
        with open(ref, "w", newline="", encoding="utf-8") as fh:
            out = csv.writer(fh)
            out.writerow(cols)
            out.writerows(con.execute(f"SELECT {', '.join(cols)} FROM contacts ORDER BY id"))
        con.close()
        shutil.rmtree(ws)
        ddl_file.write_text(f"CREATE TABLE contacts ({', '.join(cols)}, UNIQUE (source, source_id));"
                            " CREATE INDEX contacts_queue_time ON contacts(queue, arrived_at);", encoding="utf-8")
    with open(ref, "rb") as fh:
        rows = sum(1 for _ in fh) - 1  # (no field holds a line break)
    return ref, ddl_file.read_text(encoding="utf-8"), rows


def reference_contender(key: str, label: str, csv_path: Path, ddl: str, rows: int, wal: bool) -> Contender:
    db = OUT / f"{key}.db"

    def prepare():
        for extra in ("", "-wal", "-shm", "-journal"):
            Path(f"{db}{extra}").unlink(missing_ok=True)
        pragma = ["PRAGMA journal_mode=WAL;"] if wal else []
        return ["sqlite3", str(db), *pragma, ddl, f".import --csv --skip 1 {csv_path} contacts"], None, None

    def check(run: Run) -> dict:
        con = sqlite3.connect(db)
        stored = con.execute("SELECT COUNT(*) FROM contacts").fetchone()[0]
        con.close()
        if stored != rows:
            raise SystemExit(f"{label}: {stored:,} rows stored, {rows:,} expected")
        return {"contacts": stored}

    return Contender(key, label, prepare, check)


def ccc_contender(code: Code, mode: str, source: str, path: Path, contracts: Path, rows: int) -> Contender:
    key = f"{code.label}-{mode}"
    ws = OUT / f"ws-{key}"
    env = dict(code.env)
    if MODES[mode] is not None:
        env["CCC_IMPORT_PROCESS"] = MODES[mode]

    def prepare():
        workspace(code, ws, contracts)
        return [*code.ccc, "import", source, str(path), *source_options(source)], env, str(ws)

    def check(run: Run) -> dict:
        facts = stored_facts(ws / "ccc.db")
        if facts["contacts"] != rows:
            raise SystemExit(f"{key}: {facts['contacts']:,} contacts stored, {rows:,} expected")
        return facts  # kpi_daily_contracts < 3 is flagged in the report (a small file may fall outside opening hours)

    return Contender(key, f"`ccc import {source}`, {code.label}, {mode}", prepare, check)


def _fmt(s: dict, digits: int = 2) -> str:
    return f"{s['median']:.{digits}f} ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def report(source: str, n: int, path: Path, contenders: list[Contender], codes: list[Code], loads: dict,
           pairs: int) -> tuple[str, dict]:
    ref = contenders[0]
    rw, rc = summarize([r.wall_s for r in ref.runs]), summarize([r.cpu_s for r in ref.runs])
    stats = {}
    lines = [
        f"**{source}: {n:,} contacts ({path.stat().st_size / 1e6:,.0f} MB), {pairs} rounds, interleaved.** "
        f"Load average (1/5/15 min) before the rounds {loads['before']}, after {loads['after']}.",
        "",
        "| run | wall s: median (min–max) | ÷ `.import` | CPU s: median (min–max) | ÷ `.import` "
        "| peak MB: largest process / tree | other processes, cores |",
        "|---|---|---|---|---|---|---|",
    ]
    for c in contenders:
        w, cpu = summarize([r.wall_s for r in c.runs]), summarize([r.cpu_s for r in c.runs])
        largest = max(r.peak_largest_mb for r in c.runs)
        tree = max(r.peak_tree_mb for r in c.runs)
        others = summarize([r.others_cores for r in c.runs])
        stats[c.key] = {"label": c.label, "wall_s": w, "cpu_s": cpu, "peak_largest_mb": largest, "peak_tree_mb": tree,
                        "others_cores": others, "runs": [asdict(r) for r in c.runs]}
        lines.append(f"| {c.label} | {_fmt(w)} | {w['median'] / rw['median']:.2f} | {_fmt(cpu)} | "
                     f"{cpu['median'] / rc['median']:.2f} | {largest:.0f} / {tree:.0f} | {others['median']:.2f} |")
    lines.append("")
    if len(codes) == 2:
        for mode in MODES:
            a, b = stats.get(f"{codes[0].label}-{mode}"), stats.get(f"{codes[1].label}-{mode}")
            if a and b:
                lines.append(f"- {codes[0].label} ÷ {codes[1].label}, {mode}: wall "
                             f"{a['wall_s']['median'] / b['wall_s']['median']:.2f}, CPU "
                             f"{a['cpu_s']['median'] / b['cpu_s']['median']:.2f} (medians)")
    facts = {c.key: c.runs[-1].extra for c in contenders if "kpi_daily_rows" in c.runs[-1].extra}
    if facts:
        f = next(iter(facts.values()))
        lines.append(f"- every import stored {f['contacts']:,} contacts ({f['quarantined']} quarantined); the refresh "
                     f"after the batch wrote {f['kpi_daily_rows']:,} `kpi_daily` rows for "
                     f"{f['kpi_daily_contracts']} contracts")
        if any(x["kpi_daily_contracts"] < 3 for x in facts.values()):
            lines.append("- **the refresh did not reach all 3 contracts**: the figures leave part of its work out")
    if loads["before"][0] > 1.5 or any(s["others_cores"]["median"] > 0.5 for s in stats.values()):
        lines.append(f"- **noisy**: other work was running (load {loads['before'][0]:.2f} before the rounds; "
                     "see the other-processes column)")
    for code in codes:
        if code.code_hash() != code.probe["code_hash"]:
            lines.append(f"- **{code.label}'s code changed during the rounds** (files under {code.probe['repo']}/src "
                         "or plugins were edited): its runs mix two versions")
        lines.append(f"- {code.label}: {code.probe['commit']} — ccc_governance from `{code.probe['ccc_governance']}`, "
                     f"plugin from `{code.probe['plugin']}`")
    return "\n".join(lines), stats


def main(argv: list[str] | None = None, default_sources: str = "csv,genesys-cloud:300000") -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sources", default=default_sources,
                    help=f"comma-separated, of {', '.join(SOURCES)}; SOURCE:N for N contacts instead of --n")
    ap.add_argument("--n", type=int, default=1_000_000, help="contacts per input file")
    ap.add_argument("--pairs", type=int, default=3, help="rounds (each contender once a round); at least 3")
    ap.add_argument("--modes", default="default,one-process", help="of: default, one-process")
    ap.add_argument("--baseline-python", help="another venv's python (its `ccc` beside it is run)")
    ap.add_argument("--baseline-src", help="another checkout: its src and plugins first on PYTHONPATH")
    ap.add_argument("--baseline-label", default="baseline")
    ap.add_argument("--candidate-python", default=sys.executable, help="default: the python running this script")
    ap.add_argument("--candidate-src", help="as --baseline-src, for the candidate")
    ap.add_argument("--candidate-label", default="candidate")
    ap.add_argument("--no-wal-reference", action="store_true", help="time only the rollback-journal `.import`")
    ap.add_argument("--regen", action="store_true", help="write the input files again")
    ap.add_argument("--json", type=Path, help="default: bench/out/import-<UTC time>.json")
    args = ap.parse_args(argv)
    sources = [(s.partition(":")[0], int(s.partition(":")[2] or args.n)) for s in args.sources.split(",") if s]
    modes = [m for m in args.modes.split(",") if m]
    if unknown := [s for s, _ in sources if s not in SOURCES] + [m for m in modes if m not in MODES]:
        raise SystemExit(f"unknown source or mode: {', '.join(unknown)}")
    if shutil.which("sqlite3") is None:
        raise SystemExit("the sqlite3 shell is not installed (it is the reference)")

    started = datetime.now(timezone.utc)
    OUT.mkdir(exist_ok=True)
    codes = [Code(args.candidate_label, args.candidate_python, args.candidate_src)]
    if args.baseline_python or args.baseline_src:
        codes.append(Code(args.baseline_label, args.baseline_python or sys.executable, args.baseline_src))
    record = {"started": started.isoformat(timespec="seconds"), "argv": sys.argv, "machine": {
        "cores": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "sqlite3_shell": _run(["sqlite3", "--version"]).split()[0], "load_at_start": os.getloadavg()},
        "sources": {}}
    out = args.json or OUT / f"import-{started:%Y%m%dT%H%M%SZ}.json"
    for source, n in sources:
        path = ensure_input(source, n, args.regen)
        for code in codes:
            print(f"{code.label}: {json.dumps(code.verify(source))}", file=sys.stderr)
        if len(codes) == 2 and codes[0].probe["ccc_governance"] == codes[1].probe["ccc_governance"]:
            raise SystemExit(f"candidate and baseline both run {codes[0].probe['ccc_governance']}")
        contracts = bench_contracts(source)
        ref_csv, ddl, rows = reference_csv(source, n, path, codes[-1], contracts)  # the baseline if any
        contenders = [reference_contender("ref-journal", "sqlite3 shell `.import` (rollback journal)", ref_csv, ddl,
                                          rows, wal=False)]
        if not args.no_wal_reference:
            contenders.append(reference_contender("ref-wal", "sqlite3 shell `.import`, WAL database", ref_csv, ddl,
                                                  rows, wal=True))
        for code in reversed(codes):  # the baseline first in each round's order
            contenders += [ccc_contender(code, mode, source, path, contracts, rows) for mode in modes]
        loads = {"before": tuple(round(x, 2) for x in os.getloadavg())}
        print(f"{source}: {len(contenders)} contenders × {args.pairs} rounds, load {loads['before']}",
              file=sys.stderr, flush=True)
        interleave(contenders, args.pairs)
        loads["after"] = tuple(round(x, 2) for x in os.getloadavg())
        table, stats = report(source, n, path, contenders, codes, loads, args.pairs)
        record["sources"][source] = {
            "input": str(path), "input_mb": path.stat().st_size / 1e6, "n": n, "pairs": args.pairs,
            "reference_csv": str(ref_csv), "reference_ddl": ddl, "loadavg": loads,
            "code": {c.label: dict(c.probe) for c in codes}, "contenders": stats,
            "commands": {c.key: c.command for c in contenders},
        }
        for c in contenders:
            shutil.rmtree(OUT / f"ws-{c.key}", ignore_errors=True)
        for p in OUT.glob("ref-*.db*"):
            p.unlink()
        record["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        out.write_text(json.dumps(record, indent=1, default=str), encoding="utf-8")  # after each source
        print(table + "\n", flush=True)
    print(f"(every run: {out}; {(datetime.now(timezone.utc) - started).total_seconds() / 60:.1f} minutes)")


if __name__ == "__main__":
    main()
