"""The source's fast path (`ColumnBlock`s) holds exactly what the record path yields, on every test
file; the chunked line reading numbers and cuts lines exactly as `io` does."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import pytest

from ccc_asterisk import reader
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import ColumnBlock

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


def _items(path: Path, state=None, **options):
    """(records of `read_queue_log`, items of the source's reader with blocks opened as
    `(storage row, fallback record)`), each read with its own copy of `state`."""
    records = list(reader.read_queue_log(ReadContext(path=path, options=options, state=dict(state or {}))))
    items = []
    for item in reader.read_queue_log_blocks(ReadContext(path=path, options=options, state=dict(state or {}))):
        if isinstance(item, ColumnBlock):
            assert item.kind == "contact" and item.fields == reader.FIELDS
            items.extend((row, item.fallback(i)) for i, row in enumerate(zip(*item.columns)))
        else:
            items.append(item)
    return records, items


def _stored(contact: Contact) -> tuple:
    """A record's fields as the host's `RowBatch` keeps them (instants as epoch milliseconds)."""
    values = [getattr(contact, name) for name in ("source_id", "line", *reader.FIELDS)]
    return tuple(round(v.timestamp() * 1000) if isinstance(v, datetime) else v for v in values)


def _assert_same(records, items):
    assert len(records) == len(items)
    for record, item in zip(records, items):
        if isinstance(record, Rejected):
            assert item == record
            continue
        row, fallback = item
        assert fallback == record
        expected = _stored(record)
        assert row == expected
        assert [type(v) for v in row] == [type(v) for v in expected]


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_blocks_hold_what_the_record_path_yields(path):
    for options in ({}, {"timezone": "Europe/Paris"}):
        records, items = _items(path, **options)
        assert any(isinstance(r, Contact) for r in records)
        _assert_same(records, items)


def test_blocks_hold_what_the_record_path_yields_mixed_lines_and_state(tmp_path):
    first, second = tmp_path / "queue_log.1", tmp_path / "queue_log"
    first.write_text("\n".join(MIXED[:16]) + "\n", encoding="utf-8")
    second.write_text("\n".join(MIXED[16:]) + "\n", encoding="utf-8")
    context = ReadContext(path=first, state={})
    records = list(reader.read_queue_log(context))
    assert any(isinstance(r, Rejected) for r in records) and any("#" in r.source_id for r in records
                                                                 if isinstance(r, Contact))
    assert context.state["open_calls"]
    _assert_same(*_items(first))
    _assert_same(*_items(second, state=context.state))


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
    expected = list(reader.read_queue_log(ReadContext(path=path)))
    monkeypatch.setattr(reader, "_CHUNK_CHARS", chunk)
    assert list(reader.read_queue_log(ReadContext(path=path))) == expected
