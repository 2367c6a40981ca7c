"""Group a reader's records into `RowBlock`s (the host's fast path, docs/plugins.md "Fast path").

A reader that computes each record's fields as a dict can hand them to a `RowBatch` instead of
building the attrs record: `add(fields)` keeps the row in storage form (instants turned into
epoch milliseconds) and the fields themselves, and returns a full `RowBlock` to yield; `flush()` returns the rows kept so far
(yield it before anything else the reader yields, so that the order is kept). Or let
`blocks_of(items, kind, fields)` do that for a reader that yields dicts of fields among its
records and `Rejected` rows. The block's
`fallback(i)` builds the record from the kept fields, so a row the host does not take is judged
exactly like the record the ordinary way would have built.
"""

from __future__ import annotations

from operator import itemgetter
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from ..records import KINDS
from ..store.fastrows import RowBlock, supports


class RowBatch:
    """Rows of one record kind waiting to be yielded as a `RowBlock` of `size` rows.

    `fields`: the block's field names (after `source_id`, `line`); every dict given to `add` has
    these keys and `source_id`, `line` (values as the record class takes them: aware datetimes …).
    """

    def __init__(self, kind: str, fields: tuple[str, ...], *, size: int = 1000):
        if not supports(kind, fields):
            raise ValueError(f"the fast path does not take {kind} blocks of {fields}")
        self.kind = kind
        self.fields = tuple(fields)
        self.size = size
        self.cls = KINDS[kind]
        types = {f.name: str(f.type) for f in attrs.fields(self.cls)}
        self._get = itemgetter("source_id", "line", *self.fields)
        self._instants = [i + 2 for i, name in enumerate(self.fields) if types[name].startswith("datetime")]
        self._rows: list[tuple] = []
        self._values: list[dict[str, Any]] = []

    def add(self, values: dict[str, Any]) -> RowBlock | None:
        """Keep one record's fields; a full block (to yield) when `size` rows are kept, else None."""
        row = self._get(values)
        if self._instants:
            row = list(row)
            for i in self._instants:
                if row[i] is not None:
                    row[i] = round(row[i].timestamp() * 1000)
        self._rows.append(tuple(row))
        self._values.append(values)
        return self.flush() if len(self._rows) >= self.size else None

    def flush(self) -> RowBlock | None:
        """The rows kept so far as a block (None when there are none)."""
        if not self._rows:
            return None
        rows, values, cls = self._rows, self._values, self.cls
        self._rows, self._values = [], []
        return RowBlock(kind=self.kind, fields=self.fields, rows=rows, fallback=lambda i: cls(**values[i]))


def blocks_of(items: Iterable[Any], kind: str, fields: tuple[str, ...], *, size: int = 1000) -> Iterator[Any]:
    """`items` in order, with the dicts among them (a record's fields) grouped into `RowBlock`s;
    records and `Rejected` rows pass through as they are."""
    batch = RowBatch(kind, fields, size=size)
    for item in items:
        if type(item) is dict:
            if block := batch.add(item):
                yield block
            continue
        if block := batch.flush():
            yield block
        yield item
    if block := batch.flush():
        yield block
