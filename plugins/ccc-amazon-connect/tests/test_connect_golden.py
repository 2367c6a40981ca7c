"""The reader reads what the golden files under `golden/` say: records with every field, rejections
with line and reason, refusals, on the test files, the example months, and on seeded random files of
contact trace records (JSON Lines, Firehose-concatenated objects or an array; lines that are not
records; files of nothing but those, refused).

The source's reader is read as the host reads it (each block row as the record it stands for).
A deliberate change in what the reader reads: rerun with `CCC_GOLDEN_UPDATE=1` and commit the golden
files with it (see `plugins/ccc-asterisk/tests/reader_golden.py`, shared by the plugins' golden tests)."""

from __future__ import annotations

import json
import random
import sys
from functools import partial
from pathlib import Path

from connect_inputs import NOT_RECORDS, random_record

from ccc_amazon_connect import SOURCE

HERE = Path(__file__).parent
REPO = HERE.parents[2]
GOLDEN = HERE / "golden"
#: Random files (a few records each: the format check at a file's start is met often).
FILES = 300

sys.path.insert(0, str(REPO / "plugins" / "ccc-asterisk" / "tests"))
try:
    from reader_golden import check, read_case
finally:
    sys.path.pop(0)

run = partial(read_case, read_source=SOURCE.read)


def files_lines(run=run) -> list[str]:
    """The golden lines of the test files (`data/ctr-edges.jsonl`: outcomes, channels, skipped and
    malformed records), the example months and files of other formats (refused)."""
    out: list[str] = []
    for path in (HERE / "data" / "ctr-edges.jsonl", *sorted((HERE / "data" / "real").glob("ctr*"))):
        out += run(path.relative_to(HERE / "data").as_posix(), path).lines
    for path in (*sorted(REPO.glob("examples/history/*/ctr.jsonl")), REPO / "examples" / "october-2026" / "ctr.jsonl"):
        out += run(path.relative_to(REPO).as_posix(), path, digest=True).lines
    sample = REPO / "examples" / "october-2026"
    for path in (sample / "queue_log", sample / "truth.csv", sample / "genesys.json"):
        out += run(path.relative_to(REPO).as_posix(), path).lines
    return out


def random_lines(tmp_path: Path, run=run, files: int = FILES) -> list[str]:
    """The golden lines of `files` random files (seed 0)."""
    rnd = random.Random(0)
    out: list[str] = []
    number = 0
    for k in range(files):
        records = [random_record(rnd, number + i) for i in range(rnd.choice([1, 2, 3, 5, 8, 13]))]
        number += len(records)
        layout = rnd.choice(["jsonl", "jsonl", "jsonl", "firehose", "array"])
        if layout == "jsonl":
            lines = [json.dumps(r) for r in records]
            for _ in range(rnd.choice([0, 0, 0, 1, 2])):  # lines that are not records
                lines.insert(rnd.randint(0, len(lines)), rnd.choice(NOT_RECORDS))
            if rnd.random() < 0.03:  # nothing but those: refused
                lines = [rnd.choice(NOT_RECORDS) for _ in range(rnd.choice([1, 3, 21]))] + lines[:1]
            text = "\n".join(lines) + rnd.choice(["\n", "", "\r\n"])
        elif layout == "firehose":
            text = "".join(json.dumps(r, separators=(",", ":")) for r in records)
        else:
            text = json.dumps(records, indent=2)
        path = tmp_path / f"ctr-{k}.{'jsonl' if layout == 'jsonl' else 'json'}"
        path.write_text(text, encoding="utf-8")
        other = rnd.random() < 0.2  # other attribute names and csat scale
        out += run(f"random {k} ({layout})", path, attributes={"fcr": "resolved", "csat": "score"} if other else None,
                   options={"csat_scale": 10} if other else None).lines
    return out


def test_test_files_read_as_the_golden_file():
    lines = files_lines()
    check(GOLDEN / "files.jsonl", lines)
    assert sum('"refused"' in line for line in lines) == 3


def test_random_files_read_as_the_golden_file(tmp_path):
    lines = random_lines(tmp_path)
    check(GOLDEN / "random.jsonl", lines)
    items = [json.loads(line) for line in lines]
    contacts = [i["contact"] for i in items if "contact" in i]
    # what the random files made the reader do: each kind of case must be there (after the golden file:
    # this guards a rewritten one against random files that lost a kind of case)
    assert len(contacts) > 700 and sum("rejected" in i for i in items) > 150, len(contacts)
    assert {c["channel"] for c in contacts} >= {"voice", "chat", "email"}
    assert {c["direction"] for c in contacts} >= {"inbound", "outbound"}
    assert sum(c["fcr"] is not None for c in contacts) > 50 and sum(c["csat"] is not None for c in contacts) > 20
    assert sum("refused" in i for i in items) >= 3
