"""Stream the JSON of a platform export in bounded memory, with the line of every record.

Two ways in, over one chunked buffer (`json.JSONDecoder.raw_decode` on a sliding window of text,
so a 1 GB array is never held whole):

- `iter_objects(fh)`: the records of a file, whatever way the platform wrote them: one object per
  line (JSON Lines), objects written back to back (`}{`, as Kinesis Firehose writes them), a JSON
  array of objects (compact or pretty-printed), or an object that wraps the array under a known key
  (`{"conversations": [...], "totalHits": 346}`). Tolerant: text that is not JSON (a line cut
  short, a typo) is yielded as `Broken` with its line, and reading resumes at the next line.
- `JsonStream(fh)`: walk a document's structure yourself (`members()` of an object, `array()`
  element by element, `value()`, `skip()`), for exports with several arrays
  (`{"tickets": [...], "groups": [...], "next_page": ...}`). Strict: the first syntax error raises
  `JsonSyntaxError` with its line, since nothing after it can be trusted.

Both read a binary file object, decode UTF-8 and skip a byte-order mark.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, BinaryIO, NamedTuple

#: Bytes read at a time.
CHUNK = 1 << 20
#: An object still undecodable once this much text has been buffered for it is reported broken.
MAX_OBJECT = 64 << 20
_WS = " \t\r\n"
_SEPARATORS = " \t\r\n,[]"
_NUMBER_CHARS = "0123456789.eE+-"
_decoder = json.JSONDecoder()
_scan = _decoder.scan_once
#: What may come between two objects of a run (see `iter_objects`): blanks, commas, an array's `[`.
_between = re.compile(r"[ \t\r\n,\[]*").match
_ws = re.compile(r"[ \t\r\n]*").match
#: A comma and an object after it, between two elements of an array (see `JsonStream.array`).
_next_object = re.compile(r"[ \t\r\n]*,[ \t\r\n]*(?=\{)").match
#: An object of a run that starts this far from the buffer's end, or further, is decoded even if no
#: line ends after it (objects written back to back on one line).
_RUN_MARGIN = 1 << 16


def _cut_short(err: json.JSONDecodeError, buf: str) -> bool:
    """The decoding error is the buffer's end cutting a value (more text may complete it), not a
    mistake in the text."""
    return err.pos >= len(buf) - 8 or err.msg.startswith("Unterminated string")


def _run_end(buf: str, eof: bool) -> int:
    """Where a run of objects stops taking new ones: objects that start before the buffer's last
    line end (or `_RUN_MARGIN` before its end) are complete, so no decode fails on an object the
    buffer's end cuts (a failed decode counts the buffer's lines for its message)."""
    return len(buf) if eof else max(buf.rfind("\n"), len(buf) - _RUN_MARGIN)


def _newlines(buf: str, start: int, end: int) -> int:
    """`buf.count("\\n", start, end)`, quicker where the first line end is late (a record on one
    line: `find` skips to it at memchr speed; `count` walks every character)."""
    first = buf.find("\n", start, end)
    return 0 if first < 0 else buf.count("\n", first, end)


class JsonSyntaxError(ValueError):
    """The file stops being JSON at `line`; nothing after that point can be trusted."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class Item(NamedTuple):
    """A decoded top-level object, the line it starts on and its index among the objects."""

    value: object
    line: int
    index: int


#: `Item((value, line, index))` without the Python-level `__new__` of a named tuple.
_item = partial(tuple.__new__, Item)


class Broken(NamedTuple):
    """Text that is not valid JSON: where it starts, why, and the text itself (truncated)."""

    line: int
    index: int
    reason: str
    raw: str


class JsonStream:
    """An incremental reader over a binary UTF-8 stream (a BOM is skipped).

    `chunk`: bytes read at a time (default `CHUNK`); `progress(n_bytes)` is called after each read;
    `errors="replace"` reads bytes that are not UTF-8 as U+FFFD instead of raising `JsonSyntaxError`.
    """

    def __init__(self, fh: BinaryIO, *, chunk: int | None = None, progress: Callable[[int], None] | None = None,
                 errors: str = "strict"):
        self._fh = fh
        self._chunk = chunk or CHUNK
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")(errors=errors)
        self._json = json.JSONDecoder()
        self._buf = ""
        self._pos = 0
        self._eof = False
        self._bytes = 0
        self._progress = progress or (lambda n: None)
        self.line = 1  # line of the character at the current position

    # -- buffer -----------------------------------------------------------------------------
    def _fill(self) -> bool:
        """Append the next chunk to the buffer; False at end of file."""
        if self._eof:
            return False
        data = self._fh.read(self._chunk)
        self._bytes += len(data)
        self._progress(self._bytes)
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError:
            raise JsonSyntaxError("the file is not UTF-8 text", self.line) from None
        if not data:
            self._eof = True
        self._buf = self._buf[self._pos :] + text
        self._pos = 0
        return bool(data) or bool(text)

    def _advance(self, end: int) -> None:
        self.line += _newlines(self._buf, self._pos, end)
        self._pos = end

    def peek(self) -> str:
        """The next non-whitespace character ('' at end of file), without consuming it."""
        while True:
            buf, pos = self._buf, self._pos
            while pos < len(buf) and buf[pos] in _WS:
                if buf[pos] == "\n":
                    self.line += 1
                pos += 1
            self._pos = pos
            if pos < len(buf):
                return buf[pos]
            if not self._fill():
                return ""

    def expect(self, chars: str) -> str:
        """Consume one of `chars` (after whitespace) or raise `JsonSyntaxError`."""
        ch = self.peek()
        if not ch or ch not in chars:
            found = repr(ch) if ch else "end of file"
            raise JsonSyntaxError(f"expected {' or '.join(repr(c) for c in chars)}, found {found}", self.line)
        self._pos += 1
        return ch

    def value(self) -> tuple[int, Any]:
        """Decode the next JSON value; returns (its first line, the value)."""
        self.peek()
        while True:
            try:
                value, end = self._json.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as err:
                # Cut by the buffer's end: read on. Anything else is an error here and now (reading
                # on would take the rest of the file into memory before saying so).
                if _cut_short(err, self._buf) and not self._eof:
                    if len(self._buf) - self._pos >= MAX_OBJECT:
                        raise JsonSyntaxError(f"a value longer than {MAX_OBJECT >> 20} MB: not read whole",
                                              self.line) from None
                    if self._fill():
                        continue
                line = self.line + self._buf.count("\n", self._pos, err.pos)
                raise JsonSyntaxError(f"invalid JSON ({err.msg})", line) from None
            # A number cut by the buffer's end ("12" of "1234", "0" of "0.5") continues in the next chunk.
            if not self._eof and (end >= len(self._buf) or (
                    isinstance(value, (int, float)) and self._buf[end] in _NUMBER_CHARS)):
                if self._fill():
                    continue
            start = self.line
            self._advance(end)
            return start, value

    # -- structure --------------------------------------------------------------------------
    def array(self) -> Iterator[tuple[int, Any]]:
        """Yield (line, element) for each element of the array starting here.

        Objects one after another (`{…},{…}`, one per line or not) are decoded where they lie in
        the buffer, in a tight loop: no walk over each separator. The loop stops at anything else
        (the array's end, an object the buffer's end cuts, text that is not JSON), which the
        general path below takes, with the same values, lines and errors as if it had read every
        element itself."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            self.peek()
            buf, pos = self._buf, self._pos
            if buf.startswith("{", pos):
                safe = _run_end(buf, self._eof)  # (as in `iter_objects`)
                if pos > safe:
                    self._fill()
                    continue
                line, last, after = self.line, pos, False
                while pos <= safe:
                    try:
                        value, end = _scan(buf, pos)
                    except (ValueError, StopIteration):
                        break  # not JSON, or cut after all: the general path decides
                    line += _newlines(buf, last, pos)
                    last = pos
                    yield line, value
                    if buf.startswith("\n,{", end) or buf.startswith(",\n{", end):  # one per line
                        pos = end + 2
                        continue
                    following = _next_object(buf, end)
                    if following is None:
                        pos, after = end, True
                        break
                    pos = following.end()
                self.line, self._pos = line + _newlines(buf, last, pos), pos
                if after:  # after an element: `,` (not before an object here) or `]`
                    if self.expect(",]") == "]":
                        return
                    continue
                if pos > safe:  # at an object that may be cut: fill the buffer first
                    continue
            yield self.value()
            if self.expect(",]") == "]":
                return

    def members(self) -> Iterator[str]:
        """Walk an object's members: yield each key with the stream positioned at its value.

        The caller must consume the value (`value()`, or iterate `array()`) before resuming.
        """
        self.expect("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            _, key = self.value()
            if not isinstance(key, str):
                raise JsonSyntaxError("an object key is not a string", self.line)
            self.expect(":")
            yield key
            if self.expect(",}") == "}":
                return

    def skip(self) -> None:
        """Consume the value here; arrays are walked element by element so memory stays flat."""
        if self.peek() == "[":
            for _ in self.array():
                pass
        else:
            self.value()

    def at_end(self) -> bool:
        """True when only whitespace is left."""
        return self.peek() == ""


def _wrapper(key: str) -> re.Pattern:
    # `{"key": [` possibly preceded by scalar members (`"totalHits": 12,`).
    scalar = r'(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|"(?:[^"\\]|\\.)*"|true|false|null)'
    return re.compile(r'\{(?:\s*"(?:[^"\\]|\\.)*"\s*:\s*' + scalar + r"\s*,)*\s*\"" + re.escape(key) + r'"\s*:\s*\[')


def iter_objects(raw: BinaryIO, *, wrapper_key: str | None = None, progress: Callable[[int], None] | None = None,
                 chunk: int | None = None) -> Iterator[Item | Broken]:
    """Yield every top-level object of the file (`Item`), and `Broken` for text that is not JSON.

    `wrapper_key`: when the file is one object holding the records in an array under this key,
    the records of that array are yielded instead of the wrapper. `progress(n_bytes)` is called
    after each chunk read; `chunk` is the bytes read at a time (default `CHUNK`).
    """
    wrapper = _wrapper(wrapper_key) if wrapper_key else None
    s = JsonStream(raw, chunk=chunk, progress=progress, errors="replace")
    index = 0
    in_wrapper = False
    slow = False  # the next object is decoded by the general path (the quick run failed on it)
    while True:
        # Skip blanks and the punctuation between top-level objects.
        while True:
            buf, pos, line = s._buf, s._pos, s.line
            n = len(buf)
            while pos < n and buf[pos] in _SEPARATORS:
                if buf[pos] == "\n":
                    line += 1
                elif buf[pos] == "]" and in_wrapper:
                    break
                pos += 1
            s._pos, s.line = pos, line
            if pos < n:
                break
            if not s._fill():
                return
        ch = buf[pos]
        if ch == "]":  # the end of the wrapped array: skip the wrapper's remaining members
            s._pos += 1
            in_wrapper = False
            while True:
                end = _wrapper_tail_end(s._buf, s._pos)
                if end is not None or s._eof:
                    s._advance(end if end is not None else len(s._buf))
                    break
                s._fill()
            continue
        if wrapper is not None and ch == "{" and not in_wrapper:
            while len(s._buf) - s._pos < 4096 and not s._eof:
                s._fill()
            m = wrapper.match(s._buf, s._pos)
            if m:
                s._advance(m.end())
                in_wrapper = True
                continue
            buf, pos = s._buf, s._pos
        if ch == "{" and (wrapper is None or in_wrapper) and not slow:
            # Objects one after another (one per line, or `,` between them in an array), decoded in
            # a tight loop: no walk over the characters between them. It stops at anything else (a
            # `]`, text that is not JSON), which the general path below takes with the same result
            # as if it had read every object itself. Only objects before `_run_end` are taken; at
            # an object past it the buffer is filled up first.
            safe = _run_end(buf, s._eof)
            if pos > safe:
                s._fill()
                continue
            p, last, line, taken = pos, pos, s.line, 0
            while p <= safe:
                try:
                    value, end = _scan(buf, p)
                except (ValueError, StopIteration):
                    break
                line += _newlines(buf, last, p)
                last = p
                yield _item((value, line, index))
                index += 1
                taken += 1
                if buf.startswith("\n{", end):  # one object per line
                    p = end + 1
                    continue
                if buf.startswith("\n,{", end):  # one element per line, the comma leading
                    p = end + 2
                    continue
                p = end
                q = _between(buf, end).end()
                if buf.startswith("{", q):
                    p = q
                else:
                    break
            if taken:
                s._pos, s.line = p, line + _newlines(buf, last, p)
                continue
            slow = True  # this object goes through the general path (which reports it if broken)
        try:
            value, end = _decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if _cut_short(exc, buf) and not s._eof and len(buf) - pos < MAX_OBJECT:
                s._fill()
                continue
            resume = _resume_at(buf, pos, exc.pos)
            text = buf[pos:resume].strip()
            yield Broken(s.line, index, f"invalid JSON ({exc.msg}): a record cut short or mistyped", text[:300])
            index += 1
            s._advance(resume)
            slow = False
            continue
        yield Item(value, s.line, index)
        index += 1
        slow = False
        s._advance(end)
        if len(buf) - end < 4096 and not s._eof and end > s._chunk:
            s._fill()


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
    # The wrapper's other members, `"key": value` after `,` up to its `}`, decoded where they are
    # (a copy of the buffer's rest for each wrapper would cost a page of 30 records its size).
    j = _ws(buf, i + 1).end()
    if buf.startswith("}", j):
        return j + 1
    while buf.startswith('"', j):
        try:
            _, j = _scan(buf, j)
            j = _ws(buf, j).end()
            if not buf.startswith(":", j):
                return None
            _, j = _scan(buf, _ws(buf, j + 1).end())
        except (ValueError, StopIteration):
            return None
        j = _ws(buf, j).end()
        if buf.startswith("}", j):
            return j + 1
        if not buf.startswith(",", j):
            return None
        j = _ws(buf, j + 1).end()
    return None


def _resume_at(buf: str, start: int, error: int) -> int:
    """Where to resume after undecodable text.

    One object per line: the first later line that opens an object at its first column (a line cut
    short, even right after `"key":`, would otherwise swallow the next line's object as its value),
    else the start of the line holding the error. Objects back to back on one line: the next `}{`
    boundary or line end.
    """
    error = min(max(error, start), len(buf))
    swallowed = buf.find("\n{", start, error)
    if swallowed != -1:
        return swallowed + 1
    if error < len(buf) and buf[error] == "\n":
        return error + 1
    nl = buf.rfind("\n", start, error)
    if nl != -1:
        return nl + 1
    ends = [i for i in (buf.find("\n", error), buf.find("}{", error)) if i != -1]
    return min(ends) + 1 if ends else len(buf)
