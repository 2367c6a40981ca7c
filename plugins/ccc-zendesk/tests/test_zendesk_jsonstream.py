"""The streaming JSON walker: tiny chunks must give the same answers as json.loads."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_zendesk.jsonstream import JsonStream, JsonSyntaxError

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner,
                                                                                              max_size=3),
                      max_leaves=10)


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
