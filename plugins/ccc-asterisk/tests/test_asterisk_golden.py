"""The reader reads what the golden files under `golden/` say: records with every field, rejections
with line and reason, the state saved for the next file, refusals, on the test files, the example
months (one after the other, each from the state the month before left) and on seeded random
queue_logs (in pairs: the second file completes the calls the first left open) and table exports;
each block row of the source's reader is shown as the record it stands for. A deliberate change in
what the reader reads: rerun with `CCC_GOLDEN_UPDATE=1` and commit the golden files with it (see
`reader_golden.py`)."""

from __future__ import annotations

import json
import random
from functools import partial
from pathlib import Path

from asterisk_inputs import T0, random_queue_log, random_table, write_lines
from reader_golden import check, read_case
from test_asterisk_blocks import MIXED

from ccc_asterisk import SOURCE

HERE = Path(__file__).parent
REPO = HERE.parents[2]
GOLDEN = HERE / "golden"
#: Random files: pairs of queue_logs, table exports (each read twice: in UTC and in a zone).
PAIRS, TABLES = 150, 60

run = partial(read_case, read_source=SOURCE.read)


def files_lines(tmp_path: Path, run=run) -> list[str]:
    """The golden lines of the test files, the example months and the files of other formats."""
    out: list[str] = []
    real = sorted(p for p in (HERE / "data" / "real").iterdir() if p.name.startswith("queue_log"))
    for path in real:
        out += run(f"real/{path.name}", path).lines
        if path.suffix in (".csv", ".tsv"):  # (the zone of date-times without an offset)
            out += run(f"real/{path.name} in Paris", path, options={"timezone": "Europe/Paris"}).lines
    first, second = tmp_path / "mixed.1", tmp_path / "mixed.2"
    first.write_text("\n".join(MIXED[:16]) + "\n", encoding="utf-8")
    second.write_text("\n".join(MIXED[16:]) + "\n", encoding="utf-8")
    read = run("mixed.1", first)
    out += read.lines
    out += run("mixed.2", second, state=read.state, state_from="mixed.1").lines
    # the example months in a row, each from the state the month before left
    months = sorted(REPO.glob("examples/history/*/queue_log"))
    months.insert(3, REPO / "examples" / "october-2026" / "queue_log")
    state, before = {}, None
    for path in months:
        name = path.relative_to(REPO).as_posix()
        read = run(name, path, state=state, state_from=before, digest=True)
        out += read.lines
        state, before = read.state, name
    # files refused whole: other formats, an unknown zone, a table without a column
    sample = REPO / "examples" / "october-2026"
    for path in (sample / "ctr.jsonl", sample / "truth.csv", sample / "genesys.json"):
        out += run(path.relative_to(REPO).as_posix(), path).lines
    out += run(f"real/{real[0].name} on Mars", real[0], options={"timezone": "Mars/Olympus"}).lines
    table = tmp_path / "table.csv"
    table.write_text("time,callid,queuename,event,data\n1790841600,1.1,q1,ENTERQUEUE,|0639981111|1\n", encoding="utf-8")
    out += run("table without agent", table).lines
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    out += run("empty", empty).lines
    return out


def random_lines(tmp_path: Path, run=run, pairs: int = PAIRS) -> list[str]:
    """The golden lines of `pairs` random pairs of queue_logs (seed 0)."""
    rnd = random.Random(0)
    out: list[str] = []
    path1, path2 = tmp_path / "queue_log.1", tmp_path / "queue_log"
    for k in range(pairs):
        events = random_queue_log(rnd, rnd.choice([1, 2, 3, 5, 8, 20]), T0 + rnd.choice([0, 0.5, 86400]), f"{k}.")
        if rnd.random() < 0.03:
            events = [(0, rnd.choice(["{}", "ContactId,Channel", "a,b,c"]))] * 21 + events  # another format
        cut = rnd.randint(0, len(events))
        write_lines(path1, [e[1] for e in events[:cut]], rnd)
        write_lines(path2, [e[1] for e in events[cut:]], rnd)
        options = {"timezone": "Europe/Paris"} if rnd.random() < 0.1 else {}
        first = run(f"random {k}.1", path1, options=options)
        out += first.lines
        state, state_from = first.state or {}, f"random {k}.1"
        if rnd.random() < 0.05:  # a state a day old: forgotten, not completed
            state = {"open_calls": {cid: [[e[0] - 2 * 86400, *e[1:]] for e in evs]
                                    for cid, evs in (state.get("open_calls") or {}).items()}}
            state_from += " two days older"
        out += run(f"random {k}.2", path2, options=options, state=state, state_from=state_from).lines
    return out


def table_lines(tmp_path: Path, run=run, tables: int = TABLES) -> list[str]:
    """The golden lines of `tables` random table exports (seed 100), each read in UTC and in a zone."""
    rnd = random.Random(100)
    out: list[str] = []
    path = tmp_path / "queue_log.csv"
    for k in range(tables):
        events = random_queue_log(rnd, rnd.choice([1, 3, 5, 15]), T0 + rnd.choice([0, 7 * 86400]), f"{k}.")
        text = random_table(rnd, [e[1] for e in events])
        path.write_bytes(("\ufeff" if rnd.random() < 0.1 else "").encode() + text.encode("utf-8"))
        out += run(f"table {k}", path).lines
        zone = rnd.choice(["Europe/Paris", "America/New_York", "utc"])
        out += run(f"table {k} in {zone}", path, options={"timezone": zone}).lines
    return out


def _tally(lines: list[str]) -> dict[str, int]:
    """What the random files made the reader do: each kind of case must be there (checked after the
    golden file: this guards a rewritten one against random files that lost a kind of case)."""
    tally = dict.fromkeys(("contacts", "rejected", "requeued", "open", "states", "completed", "refused"), 0)
    state: dict = {}
    open_before: set = set()  # the calls the case's state holds open
    for item in map(json.loads, lines):
        if "case" in item:
            open_before = set(state.get("open_calls") or ()) if "state_from" in item else set()
        elif "contact" in item:
            contact = item["contact"]
            tally["contacts"] += 1
            tally["requeued"] += "#" in contact["source_id"]
            tally["open"] += contact["outcome"] == "open"
            tally["completed"] += contact["source_id"] in open_before and contact["outcome"] != "open"
        elif "state" in item:
            state = item["state"]
            tally["states"] += bool(state.get("open_calls"))
        else:
            tally["rejected"] += "rejected" in item
            tally["refused"] += "refused" in item
    return tally


def test_test_files_read_as_the_golden_file(tmp_path):
    lines = files_lines(tmp_path)
    check(GOLDEN / "files.jsonl", lines)
    assert sum('"refused"' in line for line in lines) == 5


def test_random_queue_logs_read_as_the_golden_file(tmp_path):
    lines = random_lines(tmp_path)
    check(GOLDEN / "random.jsonl", lines)
    tally = _tally(lines)
    assert tally["contacts"] > 700 and tally["rejected"] > 500 and tally["requeued"] > 80, tally
    assert tally["open"] > 200 and tally["states"] > 100 and tally["completed"] > 80 and tally["refused"] >= 3, tally


def test_random_table_exports_read_as_the_golden_file(tmp_path):
    lines = table_lines(tmp_path)
    check(GOLDEN / "tables.jsonl", lines)
    tally = _tally(lines)
    assert tally["contacts"] > 300 and tally["rejected"] > 300 and tally["requeued"] > 40 and tally["states"] > 20, tally
