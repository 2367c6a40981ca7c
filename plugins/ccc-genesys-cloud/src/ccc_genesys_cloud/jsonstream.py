"""Stream the JSON objects of a file, whatever way the platform wrote them, in bounded memory.

(A copy of the module of the same name in ccc-amazon-connect: each plugin is a package of its own.)

Accepted layouts: one object per line (JSON Lines), objects written back to back (`}{`, as Kinesis
Firehose writes them), a JSON array of objects (compact or pretty-printed), and an object that
wraps the array under a known key (`{"conversations": [...], "totalHits": 346}`).

The file is decoded in chunks with `json.JSONDecoder.raw_decode`, so a 1 GB array is never held
whole. An object that cannot be decoded (a line cut short, invalid JSON) is reported as a
`Broken` item with its line, and reading resumes at the next line.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple

CHUNK = 1 << 20
#: An object still undecodable once this much text has been buffered for it is reported broken.
MAX_OBJECT = 64 << 20
_WS = " \t\r\n"
_SEPARATORS = " \t\r\n,[]"
_decoder = json.JSONDecoder()


class Item(NamedTuple):
    """A decoded top-level object, the line it starts on and its index among the objects."""

    value: object
    line: int
    index: int


class Broken(NamedTuple):
    """Text that is not valid JSON: where it starts, why, and the text itself (truncated)."""

    line: int
    index: int
    reason: str
    raw: str


def _wrapper(key: str) -> re.Pattern:
    # `{"key": [` possibly preceded by scalar members (`"totalHits": 12,`).
    scalar = r'(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\]|\\.)*"|true|false|null)'
    return re.compile(r'\{(?:\s*"(?:[^"\\]|\\.)*"\s*:\s*' + scalar + r"\s*,)*\s*\"" + re.escape(key) + r'"\s*:\s*\[')


def iter_objects(raw: BinaryIO, *, wrapper_key: str | None = None, progress=None) -> Iterator[Item | Broken]:
    """Yield every top-level object of the file (`Item`), and `Broken` for text that is not JSON.

    `wrapper_key`: when the file is one object holding the records in an array under this key,
    the records of that array are yielded instead of the wrapper. `progress(n_bytes)` is called
    after each chunk read.
    """
    wrapper = _wrapper(wrapper_key) if wrapper_key else None
    decode = codecs.getincrementaldecoder("utf-8")(errors="replace")
    buf = ""
    pos = 0
    eof = False
    line = 1  # line number at `pos`
    index = 0
    in_wrapper = False
    n_bytes = 0
    first = True

    def fill() -> bool:
        nonlocal buf, pos, eof, n_bytes, first
        if eof:
            return False
        data = raw.read(CHUNK)
        n_bytes += len(data)
        if progress is not None:
            progress(n_bytes)
        text = decode.decode(data, final=not data)
        if first:
            text = text.lstrip("\ufeff")
            first = False
        buf = buf[pos:] + text
        pos = 0
        if not data:
            eof = True
        return True

    def advance(to: int) -> None:
        nonlocal pos, line
        line += buf.count("\n", pos, to)
        pos = to

    while True:
        # Skip blanks and the punctuation between top-level objects.
        while True:
            n = len(buf)
            while pos < n and buf[pos] in _SEPARATORS:
                if buf[pos] == "\n":
                    line += 1
                elif buf[pos] == "]" and in_wrapper:
                    break
                pos += 1
            if pos < n:
                break
            if not fill():
                return
        ch = buf[pos]
        if ch == "]":  # the end of the wrapped array: skip the wrapper's remaining members
            pos += 1
            in_wrapper = False
            while True:
                end = _wrapper_tail_end(buf, pos)
                if end is not None or eof:
                    advance(end if end is not None else len(buf))
                    break
                fill()
            continue
        if wrapper is not None and ch == "{" and not in_wrapper:
            while len(buf) - pos < 4096 and not eof:
                fill()
            m = wrapper.match(buf, pos)
            if m:
                advance(m.end())
                in_wrapper = True
                continue
        try:
            value, end = _decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            incomplete = exc.pos >= len(buf) - 8 or exc.msg.startswith("Unterminated string")
            if incomplete and not eof and len(buf) - pos < MAX_OBJECT:
                fill()
                continue
            resume = _resume_at(buf, pos, exc.pos)
            text = buf[pos:resume].strip()
            yield Broken(line, index, f"invalid JSON ({exc.msg}): a record cut short or mistyped", text[:300])
            index += 1
            advance(resume)
            continue
        yield Item(value, line, index)
        index += 1
        advance(end)
        if len(buf) - pos < 4096 and not eof and pos > CHUNK:
            fill()


def _wrapper_tail_end(buf: str, pos: int) -> int | None:
    """Where the wrapper object closes after its array (`, "totalHits": 346}`), or None if not buffered yet."""
    i = pos
    while i < len(buf) and buf[i] in _WS:
        i += 1
    if i >= len(buf):
        return None
    if buf[i] == "}":
        return i + 1
    if buf[i] != ",":
        return i  # not a wrapper tail after all: resume reading objects here
    try:
        _, end = _decoder.raw_decode("{" + buf[i + 1 :])
    except json.JSONDecodeError:
        return None
    return i + end


def _resume_at(buf: str, start: int, error: int) -> int:
    """Where to resume after undecodable text.

    One object per line: the start of the line holding the error (a line cut short ends where the
    next object begins). Objects back to back on one line: the next `}{` boundary or line end.
    """
    error = min(max(error, start), len(buf))
    if error < len(buf) and buf[error] == "\n":
        return error + 1
    nl = buf.rfind("\n", start, error)
    if nl != -1:
        return nl + 1
    ends = [i for i in (buf.find("\n", error), buf.find("}{", error)) if i != -1]
    return min(ends) + 1 if ends else len(buf)
