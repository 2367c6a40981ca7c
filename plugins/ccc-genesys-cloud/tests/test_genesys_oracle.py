"""The faster reader reads exactly as the reader before it (a frozen copy: reader_before_speedup.py):
same records, same fast-path rows in storage form, same rejections with the same reasons, on every
test file, on a file shaped like the benchmark's, and on thousands of random conversation shapes
(odd purposes, missing or malformed timestamps, offsets, several queues and agents, metrics twice,
negative or non-numeric values, attributes, media types …)."""

from __future__ import annotations

import importlib.util
import json
import random
import sys
from pathlib import Path

import pytest

from ccc_genesys_cloud import reader
from ccc_governance.readers import RowBatch
from ccc_governance.records import Contact
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import ColumnBlock, RowBlock

HERE = Path(__file__).parent
SAMPLE = Path(__file__).resolve().parents[3] / "examples" / "october-2026" / "genesys.json"
NAMES = ("fcr", "csat")


def _load_before():
    spec = importlib.util.spec_from_file_location("genesys_reader_before_speedup", HERE / "reader_before_speedup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


before = _load_before()


def _outcome(fn, *args):
    """What a reader's `_contact` does with a conversation: ("ok", fields) or (exception type name, message)."""
    try:
        return "ok", fn(*args)
    except Exception as exc:  # noqa: BLE001 - compared as they are
        return type(exc).__name__, str(exc)


def _storage_row(fields: dict) -> tuple:
    batch = RowBatch("contact", reader.FIELDS)
    batch.add(fields)
    return batch.flush().rows[0]


def _same(conv: dict) -> None:
    old = _outcome(before._contact, conv, 7, NAMES, 5)
    new = _outcome(reader._contact, conv, 7, NAMES, 5)
    assert new == old, json.dumps(conv)
    if old[0] == "ok":
        block = reader._block([reader._figures(conv, 7, NAMES, 5)])
        assert next(zip(*block.columns)) == _storage_row(old[1]), json.dumps(conv)
        assert block.fallback(0) == Contact(**old[1])


def _flatten(items) -> tuple[list, list, list]:
    """(rows in storage form, their fallback records, the rest) of a reader's output. Compared
    apart: the reader before yielded a rejection that is not a conversation (text that is not JSON)
    ahead of the block of rows before it; the faster one yields everything in file order."""
    rows, records, rest = [], [], []
    for item in items:
        if isinstance(item, ColumnBlock):
            item = item.as_rows()
        if isinstance(item, RowBlock):
            rows.extend(tuple(r) for r in item.rows)
            records.extend(item.fallback(i) for i in range(len(item.rows)))
        else:
            rest.append(item)
    return rows, records, rest


def _files(tmp_path) -> list[Path]:
    from test_genesys_fastpath import EDGES  # noqa: PLC0415 - the edge cases of the fast-path test

    edges = tmp_path / "edges.json"
    edges.write_text('{"totalHits": 1, "conversations": [\n' + ",\n".join(json.dumps(c) for c in EDGES) + "\n]}",
                     encoding="utf-8")
    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    try:
        import platform_bench  # noqa: PLC0415

        bench = tmp_path / "bench.json"
        platform_bench.GENERATORS["genesys-cloud"](bench, 300)
    finally:
        sys.path.pop(0)
    randoms = tmp_path / "random.jsonl"
    rnd = random.Random(11)
    convs = [_random_conversation(rnd, i) for i in range(600)]
    # without the shapes that make both readers fail (an unhashable purpose: a bug report, not a record)
    convs = [c for c in convs if _outcome(before._contact, c, 1, NAMES, 5)[0] in ("ok", "BadConversation")]
    randoms.write_text("".join(json.dumps(c) + "\n" for c in convs) + "{not json\n", encoding="utf-8")
    return [edges, bench, randoms, SAMPLE, *sorted((HERE / "data" / "real").glob("*.json"))]


def test_every_file_reads_as_before(tmp_path):
    sys.path.insert(0, str(HERE))
    try:
        files = _files(tmp_path)
    finally:
        sys.path.pop(0)
    for path in files:
        context = ReadContext(path=path)
        assert list(reader.read_conversations(context)) == list(before.read_conversations(context)), path.name
        fast = _flatten(reader.read_conversation_blocks(context))
        assert fast == _flatten(before.read_conversation_blocks(context)), path.name
        assert fast[0] or path.name.endswith("empty.json")


T = ["2026-10-01T08:00:00.000Z", "2026-10-01T08:00:20.001Z", "2026-10-01T08:01:00Z", "2026-10-01T10:00:30.000+02:00",
     "2026-10-01T08:02:00.000123Z", "2026-10-01T08:03:00", "2026-10-01T08:05:00.000Z", "2026-10-01T08:00:20.001Z"]
BAD_T = ["2026-10-1T08:00:00.000Z", "yesterday", 1790841600, "", True]
PURPOSES = ["customer"] * 3 + ["acd"] * 5 + ["agent"] * 5 + ["external", "user", "ivr", "workflow", None, "outbound", 3]
MEDIA = ["voice"] * 4 + ["callback", "chat", "email", "message", "message", "video", "cobrowse", "VOICE", None, "", 7]
METRICS = ["tAnswered", "tTalk", "tTalkComplete", "tHeld", "tHeldComplete", "tAcw", "tAbandon", "tShortAbandon",
           "tFlowOut", "tAcd", "nOffered", "nTransferred", "oInteracting", "tAlert", "", None]


def _pick(rnd: random.Random, options, bad=(), p_bad=0.03, p_none=0.05):
    r = rnd.random()
    if bad and r < p_bad:
        return rnd.choice(bad)
    if r < p_bad + p_none:
        return None
    return rnd.choice(options)


def _random_conversation(rnd: random.Random, i: int) -> dict:
    conv = {"conversationId": f"c{i}"}
    for key in ("conversationStart", "conversationEnd"):
        if rnd.random() < 0.9:
            conv[key] = _pick(rnd, T, BAD_T, p_bad=0.02)
    if rnd.random() < 0.8:
        conv["originatingDirection"] = rnd.choice(["inbound", "outbound", None])
    parts = []
    for _ in range(rnd.choice([0, 1, 2, 3, 3, 4, 4, 5, 6])):
        part = {"purpose": _pick(rnd, PURPOSES, bad=[["acd"]], p_bad=0.002, p_none=0.02)}
        if rnd.random() < 0.3:
            part["userId"] = rnd.choice(["u1", "u2", None, 5])
        if rnd.random() < 0.3:
            part["participantName"] = rnd.choice(["Support", None, 12])
        if rnd.random() < 0.2:
            part["attributes"] = rnd.choice([{"fcr": "yes", "csat": "4,5"}, {"csat": 3}, {"fcr": False}, {}, "x",
                                             {"fcr": "non", "csat": "bad"}])
        sessions = []
        for _ in range(rnd.choice([0, 1, 1, 1, 2, 3])):
            session = {}
            if rnd.random() < 0.9:
                session["mediaType"] = _pick(rnd, MEDIA, p_none=0.02)
            if rnd.random() < 0.2:
                session["messageType"] = rnd.choice(["sms", "whatsapp", "webmessaging", None, "SMS"])
            if rnd.random() < 0.5:
                session["ani"] = rnd.choice(["tel:+33639981111", "", None, "sip:x@y"])
            segs = []
            for _ in range(rnd.randint(0, 4)):
                seg = {}
                for key in ("segmentStart", "segmentEnd"):
                    if rnd.random() < 0.9:
                        seg[key] = _pick(rnd, T, BAD_T, p_bad=0.02)
                if rnd.random() < 0.7:
                    seg["queueId"] = rnd.choice(["q1", "q2", "", None])
                if rnd.random() < 0.9:
                    seg["segmentType"] = rnd.choice(["interact", "alert", "wrapup", "hold", "ivr", None])
                if rnd.random() < 0.3:
                    seg["disconnectType"] = rnd.choice(["transfer", "endpoint", "client", None])
                segs.append(seg)
            if segs or rnd.random() < 0.5:
                session["segments"] = segs
            metrics = []
            for _ in range(rnd.randint(0, 5)):
                metric = {"name": _pick(rnd, METRICS, p_none=0.02)}
                r = rnd.random()
                metric["value"] = (rnd.choice([-1, "12", True, None, 1.5e300]) if r < 0.03 else
                                   rnd.choice([0, 1, 999, 20001, 12.5, 3000.25]))
                if rnd.random() < 0.9:
                    metric["emitDate"] = _pick(rnd, T, BAD_T, p_bad=0.02)
                metrics.append(metric)
            if metrics or rnd.random() < 0.5:
                session["metrics"] = metrics
            sessions.append(session)
        if sessions or rnd.random() < 0.5:
            part["sessions"] = sessions
        parts.append(part)
    if parts or rnd.random() < 0.5:
        conv["participants"] = parts
    return conv


@pytest.mark.parametrize("seed", range(4))
def test_random_conversations_read_as_before(seed):
    rnd = random.Random(seed)
    for i in range(3000):
        _same(_random_conversation(rnd, i))


def test_test_files_conversations_read_as_before():
    for path in (SAMPLE, *sorted((HERE / "data" / "real").glob("*.json"))):
        data = json.loads(path.read_text(encoding="utf-8"))
        for conv in data.get("conversations", []) if isinstance(data, dict) else data:
            _same(conv)
