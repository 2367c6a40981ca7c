"""The streaming JSON readers: tiny chunks must give the same answers as json.loads."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_governance.readers import Broken, Item, JsonStream, JsonSyntaxError, iter_objects

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                              max_size=3),
                      max_leaves=10)


def _objects(text: str, **kwargs) -> list:
    return list(iter_objects(io.BytesIO(text.encode("utf-8")), **kwargs))


# -- JsonStream: walking one document --------------------------------------------------------
@settings(max_examples=60, deadline=None)
@given(st.lists(values, max_size=5), st.integers(min_value=1, max_value=7), st.integers(0, 2))
def test_array_elements_match_json_loads_whatever_the_chunk_size(items, chunk, indent):
    text = json.dumps({"count": 123456789, "tickets": items, "next_page": None}, indent=indent or None)
    stream = JsonStream(io.BytesIO(text.encode("utf-8")), chunk=chunk)
    seen = {}
    for key in stream.members():
        if key == "tickets":
            seen[key] = [v for _, v in stream.array()]
        else:
            seen[key] = stream.value()[1]
    assert seen == {"count": 123456789, "tickets": items, "next_page": None}
    assert stream.at_end()


def _walk(stream: JsonStream, quick: bool) -> list:
    """The (line, element) pairs of the array at the start, and the error that stopped it (its
    line and message), by `array()` (quick) or element by element through `value()`/`expect()`."""
    out = []
    try:
        if quick:
            out.extend(stream.array())
        else:
            stream.expect("[")
            if stream.peek() == "]":
                stream.expect("]")
            else:
                while True:
                    out.append(stream.value())
                    if stream.expect(",]") == "]":
                        break
        out.append(("after", stream.peek(), stream.line))
    except JsonSyntaxError as err:
        out.append(("error", err.line, str(err)))
    return out


@settings(max_examples=80, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=4), values, max_size=3) | values, max_size=8),
       st.lists(st.sampled_from([",", ", ", ",\n", "\n,", " ,\r\n  ", ",\n\n"]), min_size=8, max_size=8),
       st.sampled_from([1, 5, 64, 1 << 20]), st.sampled_from(["", "cut", "typo", "trailing"]))
def test_array_runs_of_objects_read_as_element_by_element(items, separators, chunk, damage):
    # `array()` decodes runs of objects in a tight loop: the same elements, lines and errors as
    # the general path, whatever the separators, the chunk size and the damage.
    text = "[\n" + "".join(json.dumps(v) + (separators[i] if i < len(items) - 1 else "")
                           for i, v in enumerate(items)) + "\n] 7"
    if damage == "cut":
        text = text[: len(text) * 2 // 3]
    elif damage == "typo" and "}" in text:
        at = text.index("}")
        text = text[:at] + ' "x"' + text[at:]
    elif damage == "trailing":
        text = text.replace("\n]", ",\n]")
    data = text.encode("utf-8")
    quick = _walk(JsonStream(io.BytesIO(data), chunk=chunk), True)
    assert quick == _walk(JsonStream(io.BytesIO(data), chunk=chunk), False)
    if damage == "":
        assert [v for _, v in quick[:-1]] == items


def test_a_syntax_error_early_in_a_big_array_is_raised_without_reading_on():
    # A typo on line 3 of a 3 MB array: raised at once, with its line, after a chunk or two (it
    # used to read the whole rest of the file into memory first); a cut at the end still reads on.
    rows = ",\n".join(json.dumps({"id": i, "text": "x" * 100}) for i in range(25_000))
    text = "[\n" + rows.replace('{"id": 2,', '{"id": 2 "oops",', 1) + "\n]"
    read = []
    stream = JsonStream(io.BytesIO(text.encode("utf-8")), chunk=1 << 16, progress=read.append)
    with pytest.raises(JsonSyntaxError) as err:
        list(stream.array())
    assert err.value.line == 4 and read[-1] <= 2 << 16
    whole = JsonStream(io.BytesIO(("[\n" + rows + "\n]").encode("utf-8")), chunk=1 << 16)
    assert sum(1 for _ in whole.array()) == 25_000


def test_numbers_split_across_chunks_are_read_whole():
    stream = JsonStream(io.BytesIO(b'{"count": 1234567}'), chunk=3)
    members = stream.members()
    assert next(members) == "count"
    assert stream.value() == (1, 1234567)


def test_syntax_error_reports_its_line():
    stream = JsonStream(io.BytesIO(b'[\n{"a": 1},\n{"a": 2 "b": 3}\n]'), chunk=4)
    items = stream.array()
    assert next(items) == (2, {"a": 1})
    with pytest.raises(JsonSyntaxError) as err:
        next(items)
    assert err.value.line == 3


def test_bom_is_skipped_and_bad_utf8_is_an_error():
    stream = JsonStream(io.BytesIO("\ufeff[1]".encode("utf-8")))
    assert [v for _, v in stream.array()] == [1]
    with pytest.raises(JsonSyntaxError, match="not UTF-8"):
        JsonStream(io.BytesIO(b'["\xff\xfe"]')).peek()


# -- iter_objects: the records of a file, whatever its layout -----------------------------------
def test_stream_crosses_chunk_boundaries():
    rows = [{"a": i, "s": "x" * 20, "t": True, "f": False, "n": None, "x": -1.5e3} for i in range(40)]
    for text in (json.dumps(rows), "".join(json.dumps(r) for r in rows), "\n".join(json.dumps(r) for r in rows)):
        # chunk=7: every object, string and literal is split
        assert [i.value for i in _objects(text, chunk=7)] == rows


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dictionaries(st.text(), values, max_size=3), max_size=6), st.integers(1, 9), st.integers(0, 3))
def test_every_layout_yields_the_objects_with_their_lines(rows, chunk, layout):
    if layout == 0:  # JSON Lines
        text = "".join(json.dumps(r) + "\n" for r in rows)
        lines = list(range(1, len(rows) + 1))
    elif layout == 1:  # back to back, Firehose style
        text = "".join(json.dumps(r) for r in rows)
        lines = [1] * len(rows)
    elif layout == 2:  # one per line inside an array
        text = "[\n" + ",\n".join(json.dumps(r) for r in rows) + "\n]"
        lines = list(range(2, len(rows) + 2))
    else:  # wrapped
        text = '{"totalHits": 3, "conversations": [\n' + ",\n".join(json.dumps(r) for r in rows) + '\n], "x": 1}'
        lines = list(range(2, len(rows) + 2))
    items = _objects(text, chunk=chunk, wrapper_key="conversations" if layout == 3 else None)
    assert [(i.value, i.line, i.index) for i in items] == [(r, n, k) for k, (r, n) in enumerate(zip(rows, lines))]


_LINES = st.one_of(
    st.dictionaries(st.text(max_size=4), values, max_size=3).map(lambda d: json.dumps(d)),
    st.dictionaries(st.text(max_size=4), values, max_size=3).map(lambda d: "," + json.dumps(d, indent=1)),
    st.sampled_from(["", "[", "]", ",", "  ", "\r", '{"a": 1}{"b": [2]}', '{"a": 1},', '[{"a": 1}', '{"a": 2, "b":',
                     '{"a": tru}', '{"a": "cut', "1", '"text"', "}", '{"a": 1} x', "{}"]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_LINES, max_size=12), st.sampled_from([1, 3, 8, 64, 1 << 20]), st.booleans(), st.booleans())
def test_runs_of_objects_read_as_one_at_a_time(lines, chunk, crlf, wrapped):
    # `iter_objects` decodes runs of objects in a tight loop; with that loop made to take nothing
    # (every object then goes the general way) every file must give the same items.
    from unittest import mock

    from ccc_governance.readers import jsonstream

    text = ("\r\n" if crlf else "\n").join(lines)
    if wrapped:
        text = '{"total": 3, "results": [' + text + '], "next": null}'
    key = "results" if wrapped else None
    quick = _objects(text, chunk=chunk, wrapper_key=key)

    def nothing(buf, pos):
        raise StopIteration(pos)

    with mock.patch.object(jsonstream, "_scan", nothing):
        general = _objects(text, chunk=chunk, wrapper_key=key)
    assert quick == general


def _tail_end_by_copy(buf: str, pos: int):
    """`_wrapper_tail_end` as it was: the rest of the buffer copied and decoded as an object."""
    i = pos
    while i < len(buf) and buf[i] in " \t\r\n":
        i += 1
    if i >= len(buf):
        return None
    if buf[i] == "}":
        return i + 1
    if buf[i] != ",":
        return i
    try:
        _, end = json.JSONDecoder().raw_decode("{" + buf[i + 1:])
    except json.JSONDecodeError:
        return None
    return i + end


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=3), values, max_size=3), st.integers(0, 40),
       st.sampled_from(["", " ", "\n", "x", '{"a": 1}', ",", "}"]), st.sampled_from(["", " ", "\n  "]),
       st.sampled_from([None, ",}", ", 12", ',"a" 1}', ',"a":}', ", 1: 2}", ',"a":1,}', ']', ' , "k": [1, {"b": "}"}]}']))
def test_the_wrapper_tail_is_found_where_it_is(members, cut, after, space, odd):
    from ccc_governance.readers.jsonstream import _wrapper_tail_end

    tail = odd if odd is not None else space + "," + json.dumps(members)[1:] if members else space + "}"
    text = "]" + tail + after
    for end in sorted({len(text), min(len(text), 1 + cut)}):  # whole, and cut short by the buffer's end
        buf = text[:end]
        assert _wrapper_tail_end(buf, 1) == _tail_end_by_copy(buf, 1), buf


def test_wrapper_key():
    text = '{"totalHits": 2, "conversations": [\n{"a": 1},\n{"a": 2}\n], "cursor": {"next": [1, 2]}}'
    items = _objects(text, chunk=5, wrapper_key="conversations")
    assert [(i.value, i.line) for i in items] == [({"a": 1}, 2), ({"a": 2}, 3)]


def test_broken_records_are_reported_and_reading_resumes():
    text = '{"a": 1}\n{"a": 2, "b": \n{"a": 3}{"a": 4 x}{"a": 5}\n'
    items = _objects(text, chunk=4)
    assert [type(i).__name__ for i in items] == ["Item", "Broken", "Item", "Broken", "Item"]
    assert [(i.line, i.index) for i in items] == [(1, 0), (2, 1), (3, 2), (3, 3), (3, 4)]
    assert items[1].reason.startswith("invalid JSON") and items[1].raw == '{"a": 2, "b":'
    assert [i.value for i in items if isinstance(i, Item)] == [{"a": 1}, {"a": 3}, {"a": 5}]
    assert all(isinstance(i, Broken) for i in items[1::2])


def test_a_line_cut_after_a_key_does_not_swallow_the_next_line():
    # `"b":` then a newline: a decoder reading on would take line 3's object as the value of "b"
    text = '{"a": 1}\n{"a": 2, "b":\n{"a": 3}\n{"a": 4}\n'
    for chunk in (3, 7, 1 << 20):
        items = _objects(text, chunk=chunk)
        assert [(type(i).__name__, i.line) for i in items] == [("Item", 1), ("Broken", 2), ("Item", 3), ("Item", 4)]
        assert [i.value for i in items if isinstance(i, Item)] == [{"a": 1}, {"a": 3}, {"a": 4}]


def test_bom_and_bad_utf8_do_not_stop_the_records():
    items = list(iter_objects(io.BytesIO('\ufeff{"a": 1}\n'.encode() + b'{"s": "\xff"}\n')))
    assert [i.value for i in items] == [{"a": 1}, {"s": "\ufffd"}]


def test_progress_reports_bytes_read():
    seen = []
    data = b'{"a": 1}\n' * 10
    list(iter_objects(io.BytesIO(data), chunk=16, progress=seen.append))
    assert seen[-1] == len(data) and seen == sorted(seen)


def test_every_helper_is_documented():
    from pathlib import Path

    import ccc_governance.readers as readers

    doc = (Path(__file__).resolve().parents[2] / "docs" / "plugins.md").read_text(encoding="utf-8")
    section = doc.split("## Helpers for reading files", 1)[1].split("\n## ", 1)[0]
    missing = [name for name in readers.__all__ if f"`{name}" not in section and f", `{name}`" not in section]
    assert not missing, f"not documented in docs/plugins.md: {missing}"
