"""The faster reader reads exactly as the reader before it (a frozen copy: reader_before_speedup.py):
same records, same fast-path rows in storage form (in the same order), same rejections with the same
reasons, same refusals, on every test file, on a file shaped like the benchmark's, and on thousands
of random record shapes (channels and methods in any case, skipped records, missing, empty, naive,
offset or malformed timestamps, durations as strings, negative, booleans, queues and agents of
every type, attributes, endpoints …)."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from ccc_amazon_connect import reader
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import ColumnBlock, RowBlock

HERE = Path(__file__).parent
REPO = Path(__file__).resolve().parents[3]
SAMPLE = REPO / "examples" / "october-2026"


def _load_before():
    spec = importlib.util.spec_from_file_location("connect_reader_before_speedup", HERE / "reader_before_speedup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


before = _load_before()


def _items(read, context) -> list:
    """A reader's output in order, the rows of a block one by one as ("row", kind, fields, partial, row in
    storage form, its fallback record) (the blocks' sizes may differ), and the error it raised if any."""
    out = []
    try:
        for item in read(context):
            if isinstance(item, ColumnBlock):
                item = item.as_rows()
            if isinstance(item, RowBlock):
                out.extend(("row", item.kind, item.fields, item.partial, tuple(r), item.fallback(i))
                           for i, r in enumerate(item.rows))
            else:
                out.append(item)
    except SourceError as exc:
        out.append(("refused", str(exc)))
    return out


def _same(path: Path, **context) -> list:
    """Both readers on one file, both ways (records; fast-path blocks): the new reader's fast-path output."""
    ctx = ReadContext(path=path, **context)
    assert _items(reader.read_ctr, ctx) == _items(before.read_ctr, ctx), path.name
    fast = _items(reader.read_ctr_blocks, ctx)
    assert fast == _items(before.read_ctr_blocks, ctx), path.name
    return fast


# -- random records -------------------------------------------------------------------------------
T = ["2026-10-01T08:00:00Z", "2026-10-01T08:00:20.250Z", "2026-10-01T08:01:00Z", "2026-10-01T10:00:30+02:00",
     "2026-10-01T08:02:00.000123Z", "2026-10-01T08:03:00", "2026-10-01T08:05:00.5Z", "2026-10-01T08:00:20.250Z",
     "2026-09-30T23:59:59.999Z", "2026-10-01T08:00:00.0005Z", "2026-10-01T08:00:00.0015Z", "2026-10-01T08:00:07.000999Z"]
BAD_T = ["2026-10-1T08:00:00Z", "yesterday", 1790841600, "", True, {"t": 1}, ["2026-10-01T08:00:00Z"]]
SECONDS = [0, 1, 21, 250, 12.5, 0.001, 3600, 1e300]
BAD_SECONDS = [-1, -0.5, "21", "2,5", "abc", True, False, "", [1], {"s": 1}, "-3"]
CHANNELS = ["VOICE"] * 6 + ["CHAT", "EMAIL", "TASK", "voice", "Chat", "task", "SMS", "", None, 3, ["VOICE"], {}]
METHODS = ["INBOUND"] * 6 + ["OUTBOUND", "API", "CALLBACK", "TRANSFER", "MONITOR", "monitor", "EXTERNAL_OUTBOUND",
                              "agent_reply", "QUEUE_TRANSFER", "", None, 7]
FLAGS = ["true", "false", "yes", "Non", "1", "0", 1, 0, True, False, 2, "maybe", None, "", 1.0, [1]]
SCORES = ["4", 4, "4,5", " 3 ", "", None, "n/a", True, 2.5, "1e3", [4], {"v": 4}]


def _pick(rnd: random.Random, options, bad=(), p_bad=0.03, p_none=0.05):
    r = rnd.random()
    if bad and r < p_bad:
        return rnd.choice(bad)
    if r < p_bad + p_none:
        return None
    return rnd.choice(options)


def _maybe(rnd: random.Random, target: dict, key: str, value_fn, p: float = 0.9) -> None:
    if rnd.random() < p:
        target[key] = value_fn()


def _random_record(rnd: random.Random, i: int) -> dict:
    r: dict = {"ContactId": f"c{i % 997}"}  # repeats, as Connect delivers them
    _maybe(rnd, r, "Channel", lambda: _pick(rnd, CHANNELS, p_none=0.03), 0.95)
    _maybe(rnd, r, "InitiationMethod", lambda: _pick(rnd, METHODS, p_none=0.03), 0.95)
    for key in ("InitiationTimestamp", "DisconnectTimestamp", "LastUpdateTimestamp"):
        _maybe(rnd, r, key, lambda: _pick(rnd, T, BAD_T, p_bad=0.02))
    for key in ("TransferCompletedTimestamp", "TransferredToEndpoint", "NextContactId"):
        _maybe(rnd, r, key, lambda: rnd.choice([None, "", "x", T[2], {"EndpointType": "TELEPHONE_NUMBER"}, {}, 0]), 0.15)
    shape = rnd.random()
    if shape < 0.05:
        r["Queue"] = rnd.choice([None, {}, [], "Support", 0, ["q"], 5])
    elif shape < 0.95:
        queue: dict = {}
        _maybe(rnd, queue, "Name", lambda: rnd.choice(["Support", "Sales", "", None, 5]), 0.8)
        _maybe(rnd, queue, "ARN", lambda: rnd.choice(["arn:aws:connect:eu-west-3:1:instance/x/queue/q", None, ""]), 0.7)
        for key in ("EnqueueTimestamp", "DequeueTimestamp"):
            _maybe(rnd, queue, key, lambda: _pick(rnd, T, BAD_T, p_bad=0.02), 0.85)
        _maybe(rnd, queue, "Duration", lambda: _pick(rnd, SECONDS, BAD_SECONDS), 0.8)
        r["Queue"] = queue
    shape = rnd.random()
    if shape < 0.05:
        r["Agent"] = rnd.choice([None, {}, [], "jdoe", 0, ["a"]])
    elif shape < 0.85:
        agent: dict = {}
        _maybe(rnd, agent, "Username", lambda: rnd.choice(["jdoe", "", None, 5]), 0.8)
        _maybe(rnd, agent, "ARN", lambda: rnd.choice(["arn:aws:connect:eu-west-3:1:instance/x/agent/a", None]), 0.5)
        _maybe(rnd, agent, "ConnectedToAgentTimestamp", lambda: _pick(rnd, T, BAD_T, p_bad=0.02, p_none=0.2), 0.9)
        for key in ("AgentInteractionDuration", "CustomerHoldDuration", "AfterContactWorkDuration"):
            _maybe(rnd, agent, key, lambda: _pick(rnd, SECONDS, BAD_SECONDS), 0.85)
        r["Agent"] = agent
    shape = rnd.random()
    if shape < 0.05:
        r["Attributes"] = rnd.choice([None, "x", [], 3])
    elif shape < 0.9:
        attributes: dict = {}
        _maybe(rnd, attributes, "fcr", lambda: rnd.choice(FLAGS), 0.4)
        _maybe(rnd, attributes, "csat", lambda: rnd.choice(SCORES), 0.4)
        _maybe(rnd, attributes, "resolved", lambda: rnd.choice(FLAGS), 0.1)
        _maybe(rnd, attributes, "score", lambda: rnd.choice(SCORES), 0.1)
        r["Attributes"] = attributes
    _maybe(rnd, r, "CustomerEndpoint", lambda: rnd.choice(
        [{"Address": "+33639981234", "Type": "TELEPHONE_NUMBER"}, {"Address": "client@example.org"}, {"Address": None},
         {"Address": 33639981234}, {}, None, "x", []]), 0.9)
    return r


def _random_file(tmp_path: Path, seed: int, n: int) -> tuple[Path, list[dict]]:
    rnd = random.Random(seed)
    records = [_random_record(rnd, i) for i in range(n)]
    lines = [json.dumps(r) for r in records]
    # now and then a line that is not a contact record, or not JSON at all
    for k in range(50, n, 97):
        lines.insert(k, rnd.choice(['{"ContactId": 5}', "[1, 2]", '"text"', '{"ContactId": "cut", "Chan', "{not json"]))
    path = tmp_path / f"random-{seed}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, records


@pytest.mark.parametrize("seed", range(4))
def test_random_records_read_as_before(tmp_path, seed):
    # 3,000 records a file (several blocks, rejections between them), in three layouts
    path, records = _random_file(tmp_path, seed, 3000)
    fast = _same(path)
    assert sum(1 for b in fast if isinstance(b, tuple) and b[0] == "row") > 1000
    firehose = tmp_path / "firehose.json"
    firehose.write_text("".join(json.dumps(r, separators=(",", ":")) for r in records[:700]), encoding="utf-8")
    _same(firehose)
    array = tmp_path / "array.json"
    array.write_text(json.dumps(records[:700], indent=2), encoding="utf-8")
    _same(array, attributes={"fcr": "resolved", "csat": "score"}, options={"csat_scale": 10})


def test_every_file_reads_as_before(tmp_path):
    sys.path.insert(0, str(REPO / "bench"))
    try:
        import platform_bench  # noqa: PLC0415

        bench = tmp_path / "bench-ctr.jsonl"
        platform_bench.GENERATORS["amazon-connect"](bench, 2500)
    finally:
        sys.path.pop(0)
    sys.path.insert(0, str(REPO / "tests" / "readers"))
    try:
        from test_batches import CTR_EDGES  # noqa: PLC0415 - the edge cases of the fast-path test
    finally:
        sys.path.pop(0)
    edges = tmp_path / "edges.jsonl"
    edges.write_text(CTR_EDGES, encoding="utf-8")
    files = [bench, edges, SAMPLE / "ctr.jsonl", *sorted((HERE / "data" / "real").glob("ctr*"))]
    for path in files:
        fast = _same(path)
        assert any(isinstance(b, tuple) and b[0] == "row" for b in fast), path.name
    sizes = [len(b.columns[0]) for b in reader.read_ctr_blocks(ReadContext(path=bench))]
    assert sizes == [reader.BLOCK] * (2500 // reader.BLOCK) + ([2500 % reader.BLOCK] if 2500 % reader.BLOCK else [])
    # files of another format: refused the same way
    for path in (SAMPLE / "queue_log", SAMPLE / "truth.csv", SAMPLE / "genesys.json"):
        assert _same(path)[-1][0] == "refused"


def test_fast_rows_are_the_records_in_storage_form():
    items = list(reader.read_ctr_blocks(ReadContext(path=HERE / "data" / "real" / "ctr-firehose.jsonl")))
    (block,) = items
    records = list(reader.read_ctr(ReadContext(path=HERE / "data" / "real" / "ctr-firehose.jsonl")))
    assert [block.fallback(i) for i in range(len(block.columns[0]))] == records
    assert all(isinstance(r, Contact) for r in records)
    row = next(zip(*block.columns))
    first = records[0]
    assert row[:3] == (first.source_id, first.line, round(first.arrived_at.timestamp() * 1000))
    assert row[-1] == round(first.version.timestamp() * 1000)
