"""Refuse a file of the wrong format as a whole, instead of quarantining every record of it.

A reader that streams records keeps a `FormatCheck`: it says which records it recognised and which
it could not read. When none of the first `limit` records (or none at all, by the end) is one of its
own, the file is not of this format: `SourceError` names the first unreadable line, and the host
stores nothing. One damaged record among good ones stays an ordinary quarantined row.
"""

from __future__ import annotations

from typing import BinaryIO

from ..errors import SourceError

#: How many records may go by before a file with none recognised is refused.
SNIFF_RECORDS = 20


def _shown(raw: str) -> str:
    return raw if len(raw) <= 60 else raw[:57] + "..."


class FormatCheck:
    """`looks_like`: what the format is called ("Amazon Connect contact records"); `missing`: what
    none of the records had ("a ContactId"); `file`: the path for the message."""

    def __init__(self, file: str, looks_like: str, missing: str, limit: int = SNIFF_RECORDS):
        self.file, self.looks_like, self.missing, self.limit = file, looks_like, missing, limit
        self.ok = False
        self.first_bad: tuple[int, str] | None = None

    def recognised(self) -> None:
        """A record of this format was seen: the file is of this format."""
        self.ok = True

    def unreadable(self, line: int, raw: str) -> None:
        """A record that is not of this format (remembered if it is the first)."""
        if self.first_bad is None:
            self.first_bad = (line, raw)

    def seen(self, count: int) -> None:
        """Call with the number of records seen so far: refuses once `limit` went by unrecognised."""
        if not self.ok and count > self.limit:
            self.refuse()

    def finish(self) -> None:
        """At the end of the file: refuses a file in which nothing was recognised."""
        if not self.ok and self.first_bad is not None:
            self.refuse()

    def refuse(self, why: str | None = None) -> None:
        """Raise the one-line `SourceError` naming the first unreadable line."""
        line, raw = self.first_bad or (1, "")
        why = why or f"and none of the first {self.limit} objects has {self.missing}"
        raise SourceError(f"does not look like {self.looks_like}: line {line} is {_shown(raw)!r} {why}",
                          file=self.file, line=line)

    def starts_as_json(self, raw: BinaryIO, expected: str) -> None:
        """Refuse at once a file that is not JSON at all (a queue_log, a CSV); `raw` is rewound."""
        head = raw.read(4096)
        raw.seek(0)
        text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
        if text and text[:1] not in (b"{", b"["):
            first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
            self.first_bad = (1, first)
            self.refuse(f"(expected {expected})")
