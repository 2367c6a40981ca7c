"""What the source's reader yields: contacts in `ColumnBlock`s in storage form, `Rejected` rows
between them in file order; the chunked line reading numbers and cuts lines exactly as `io` does."""

from __future__ import annotations

import io
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest

from ccc_asterisk import SOURCE, reader
from ccc_governance.blocks import ColumnBlock, flatten
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

HERE = Path(__file__).parent
REPO = HERE.parents[2]
FILES = sorted(p for p in (HERE / "data" / "real").iterdir() if p.name.startswith("queue_log"))
FILES += sorted(REPO.glob("examples/**/queue_log"))
T0 = 1790841600

#: Lines of every kind the reader meets: fractional and whole epochs, a line out of time order, a
#: re-queued call, malformed lines (a call quarantined whole), member lines, a call left open.
MIXED = [
    f"{T0 - 5}|NONE|NONE|NONE|QUEUESTART|",
    f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
    f"{T0 + 2}.25|1.2|q1|NONE|ENTERQUEUE||unknown|2",
    f"{T0 + 20}|1.1|q1|PJSIP/1002|CONNECT|20|1.5|2",
    f"{T0 + 1}|1.3|q2|NONE|ENTERQUEUE||0639983333|1",
    f"{T0 + 30}.5|1.2|q1|NONE|ABANDON|1|2|28.25",
    f"{T0 + 31}|1.3|q2|PJSIP/1001|CONNECT|x|1.6|2",
    f"{T0 + 40}|1.3|q2|PJSIP/1001|COMPLETECALLER|30|9|1",
    f"{T0 + 60}|MANAGER|q1|PJSIP/1003|ADDMEMBER|",
    f"{T0 + 200}|1.1|q1|PJSIP/1002|TRANSFER|300|ctx|20|180|1",
    f"{T0 + 210}|1.1|q3|NONE|ENTERQUEUE||0639981111|1",
    f"{T0 + 230}|1.1|q3|NONE|EXITWITHTIMEOUT|1|1|20",
    "garbage",
    f"{T0 + 240}|1.4|q1",
    f"{T0 + 500}|1.5|q1|NONE|ENTERQUEUE||0639985555|1",
    f"{T0 + 501}|1.6|q1|NONE|ENTERQUEUE||0639986666|1",
    f"{T0 + 800}|1.6|q1|PJSIP/1001|CONNECT|299|1.7|2",
    f"{T0 + 1000}|1.6|q1|PJSIP/1001|COMPLETEAGENT|299|200|1",
    f"{T0 + 2000}|NONE|NONE|NONE|QUEUESTART|",
]


#: The Python types each block field may hold (storage form: instants as int epoch milliseconds).
_TYPES = {"arrived_at": {int}, "outcome": {str}, "channel": {str}, "direction": {str}, "queue": {str, type(None)},
          "queue_name": {str, type(None)}, "answered_at": {int, type(None)}, "ended_at": {int, type(None)},
          "wait_s": {float, type(None)}, "talk_s": {float, type(None)}, "hold_s": {float, type(None)},
          "wrap_s": {float, type(None)}, "agent": {str, type(None)}, "transferred": {bool, type(None)},
          "customer": {str, type(None)}, "version": {int}}


def _items(path: Path, state=None, **options) -> list:
    return list(SOURCE.read(ReadContext(path=path, options=options, state=dict(state or {}))))


def _rows(items) -> list:
    """`("rejected", line, reason)` or `("contact", source_id, line, …values of FIELDS)` per item,
    each block row as a tuple."""
    out = []
    for item in items:
        if isinstance(item, ColumnBlock):
            out.extend(("contact", *row) for row in zip(*item.columns))
        else:
            assert isinstance(item, Rejected), item
            out.append(("rejected", item.line, item.reason))
    return out


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_blocks_are_contacts_in_storage_form(path):
    for options in ({}, {"timezone": "Europe/Paris"}):
        items = _items(path, **options)
        blocks = [item for item in items if isinstance(item, ColumnBlock)]
        assert blocks and all(isinstance(item, (ColumnBlock, Rejected)) for item in items)
        for block in blocks:
            assert (block.kind, block.fields, block.partial) == ("contact", reader.FIELDS, False)
            assert 0 < len(block) <= reader.BATCH and len(block.columns) == 2 + len(reader.FIELDS)
            assert {type(v) for v in block.columns[0]} == {str}
            assert {type(v) for v in block.columns[1]} <= {int, type(None)}
            for name, column in zip(reader.FIELDS, block.columns[2:]):
                assert len(column) == len(block)
                assert {type(v) for v in column} <= _TYPES[name], name


def test_mixed_lines_in_file_order_and_completed_by_the_next_file(tmp_path):
    first, second = tmp_path / "queue_log.1", tmp_path / "queue_log"
    first.write_text("\n".join(MIXED[:16]) + "\n", encoding="utf-8")
    second.write_text("\n".join(MIXED[16:]) + "\n", encoding="utf-8")
    context = ReadContext(path=first, state={})
    ms = 1000
    assert _rows(SOURCE.read(context)) == [
        ("rejected", 7, "CONNECT: 'x' is not a number"),
        # fractional epochs to the millisecond; the wait as the ABANDON line gives it
        ("contact", "1.2", 3, (T0 + 2) * ms + 250, "abandoned", "voice", "inbound", "q1", "q1", None,
         (T0 + 30) * ms + 500, 28.25, None, None, None, None, None, None, (T0 + 30) * ms + 500),
        ("rejected", 5, "call 1.3 not imported: its line(s) 7 are malformed"),
        ("rejected", 13, "1 field(s), expected at least 5 (time|callid|queue|agent|event)"),
        ("rejected", 14, "3 field(s), expected at least 5 (time|callid|queue|agent|event)"),
        ("contact", "1.1", 2, T0 * ms, "answered", "voice", "inbound", "q1", "q1", (T0 + 20) * ms,
         (T0 + 200) * ms, 20.0, 180.0, 0.0, 0.0, "PJSIP/1002", True, "0639981111", (T0 + 200) * ms),
        # re-queued: a second visit, its own source id
        ("contact", f"1.1#{(T0 + 210) * ms}", 11, (T0 + 210) * ms, "timeout", "voice", "inbound", "q3", "q3",
         None, (T0 + 230) * ms, 20.0, None, None, None, None, None, "0639981111", (T0 + 230) * ms),
        ("contact", "1.5", 15, (T0 + 500) * ms, "open", "voice", "inbound", "q1", "q1",
         None, None, None, None, None, None, None, None, "0639985555", (T0 + 500) * ms),
        ("contact", "1.6", 16, (T0 + 501) * ms, "open", "voice", "inbound", "q1", "q1",
         None, None, None, None, None, None, None, None, "0639986666", (T0 + 501) * ms),
    ]
    assert sorted(context.state["open_calls"]) == ["1.5", "1.6"]
    context = ReadContext(path=second, state=context.state)
    assert _rows(SOURCE.read(context)) == [
        ("contact", "1.5", None, (T0 + 500) * ms, "open", "voice", "inbound", "q1", "q1",
         None, None, None, None, None, None, None, None, None, (T0 + 500) * ms),
        ("contact", "1.6", 1, (T0 + 501) * ms, "answered", "voice", "inbound", "q1", "q1", (T0 + 800) * ms,
         (T0 + 1000) * ms, 299.0, 200.0, 0.0, 0.0, "PJSIP/1001", False, None, (T0 + 1000) * ms),
    ]
    assert sorted(context.state["open_calls"]) == ["1.5"]


def test_instants_are_rounded_to_the_millisecond_as_their_datetime(tmp_path):
    """An epoch with more than three decimals is stored at the millisecond its decimal rounding
    gives, exactly as `datetime.fromtimestamp(round(t, 3))` (the reader's instants before blocks)."""
    rnd = random.Random(7)
    epochs = [f"{T0 + rnd.randrange(86400)}.{rnd.randrange(10 ** 6):06d}" for _ in range(300)]
    epochs += [f"{T0}.0005", f"{T0}.0015", f"{T0}.9995", "-1.2345", "0.0005", f"{T0}.1"]
    path = tmp_path / "queue_log"
    path.write_text("".join(f"{t}|{k}.1|q1|NONE|ENTERQUEUE||555|1\n{t}|{k}.1|q1|NONE|ABANDON|1|1|0\n"
                            for k, t in enumerate(epochs)), encoding="utf-8")
    items = _items(path)
    rows = {row[1]: row for row in _rows(items) if row[0] == "contact"}
    records = {record.source_id: record for record in flatten(items)}
    for k, text in enumerate(epochs):
        old = datetime.fromtimestamp(round(float(text), 3), tz=timezone.utc)
        assert rows[f"{k}.1"][3] == round(old.timestamp() * 1000), text
        assert records[f"{k}.1"].arrived_at == records[f"{k}.1"].ended_at == old, text


def _io_rows(path: Path) -> list[tuple]:
    """`(line_no, line, fields)` as `io` cuts the file's lines (`newline=""`), blank lines skipped."""
    with open(path, "rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        rows = []
        for n, line in enumerate(text, 1):
            line = (line.lstrip("\ufeff") if n == 1 else line).rstrip("\r\n")
            if line:
                rows.append((n, line, line.split("|")))
        return rows


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 16, 1 << 20])
def test_chunked_lines_are_the_lines_io_gives(tmp_path, monkeypatch, chunk):
    monkeypatch.setattr(reader, "_CHUNK_CHARS", chunk)
    ends = ["\n", "\r\n", "\r", "\n\n", "\r\r\n", "\r\n\r\n", "\n\r"]
    text = "\ufeff" + "".join(line + ends[i % len(ends)] for i, line in enumerate(MIXED)) + "é|tail-without-end"
    path = tmp_path / "queue_log"
    path.write_bytes(text.encode("utf-8") + b"\xff|bad byte\r")
    with open(path, "rb") as raw:
        text_io = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        first = text_io.readline()
        context = ReadContext(path=path)
        rows = [row for part in reader._pipe_rows(first, text_io, context, raw) for row in part]
    assert rows == _io_rows(path)
    monkeypatch.undo()
    expected = flatten(SOURCE.read(ReadContext(path=path)))
    assert any(isinstance(item, Rejected) for item in expected) and len(expected) > 5
    monkeypatch.setattr(reader, "_CHUNK_CHARS", chunk)
    assert flatten(SOURCE.read(ReadContext(path=path))) == expected
