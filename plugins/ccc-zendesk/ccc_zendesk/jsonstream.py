"""Streaming JSON: read Zendesk exports one object at a time, never the whole file at once.

Zendesk exports come in two shapes:

- a wrapped API page, `{"tickets": [ {...}, {...} ], "next_page": ..., "count": ...}`, possibly with
  side-loaded arrays (`"groups": [...]`) before or after the main one;
- JSON lines (the full export), one object per line.

`JsonStream` decodes the wrapped shape incrementally with `json.JSONDecoder.raw_decode` over a
sliding text buffer, so memory holds one element at a time whatever the file size. It tracks the
line number of each element, so that a bad record is reported where a user can find it.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import Any, BinaryIO

_WS = " \t\r\n"
_CHUNK = 1 << 16
_NUMBER_CHARS = "0123456789.eE+-"


class JsonSyntaxError(ValueError):
    """The file stops being JSON at `line`; nothing after that point can be trusted."""

    def __init__(self, message: str, line: int):
        super().__init__(message)
        self.line = line


class JsonStream:
    """An incremental reader over a binary UTF-8 stream (a BOM is skipped)."""

    def __init__(self, fh: BinaryIO, *, chunk: int = _CHUNK, progress=None):
        self._fh = fh
        self._chunk = chunk
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
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
        self.line += self._buf.count("\n", self._pos, end)
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
        """Yield (line, element) for each element of the array starting here."""
        self.expect("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
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
