"""Blocks: how a reader of big files hands the host many records at once (the plugin API's fast way).

A reader yields records (`ccc_governance.records`) one by one, or, for the same rows, `ColumnBlock`s:
the values of many records of one kind, one list per field. Both are judged by the same checks
(derived from `records.fields_of`), so a row stored or quarantined from a block is exactly the row
the same record would give; a block only saves building an object per row, and lets the host check a
column at a time. A reader yields one or the other for a kind, whichever it reads best, and may mix
blocks with `Rejected` rows (the host keeps the order).

Build blocks with `BlockBuilder`: `add((source_id, line, value, …))` per row, yielding what it returns,
and `flush()` at the end (and before yielding anything else, to keep the file's order).

Values in a block are those of the record's fields, and should be in *storage form*, the form the
host keeps: instants as `int` epoch milliseconds UTC (`epoch_ms`), flags as `bool` or 0/1, numbers
as `int`/`float`, text as `str`, the customer identifier in clear (the host pseudonymises it), None for
"not known". An aware `datetime` is taken too, row by row (slower). A value the checks refuse
quarantines its row with the same reason as the record would get (`wait_s is negative (-3.0)`).
"""

from __future__ import annotations

from datetime import datetime, timezone

import attrs

from .records import KINDS, fields_of
from .store.checks import block_layout


@attrs.define
class ColumnBlock:
    """Rows of one record kind, column by column.

    - `kind`: the record kind (`contact`, `survey`, …: `ccc_governance.records.KINDS`);
    - `fields`: the record field names given, in order (not `source_id`, `line`, `partial`; a list
      field such as `Complaint.updates` cannot be given in a block); a field not named holds the
      class's default (`channel="voice"` …);
    - `columns`: `[source_ids, lines, values of fields[0], values of fields[1], …]`, lists of the
      same length (see the module's note on storage form);
    - `partial`: the rows are partial records (merged into stored ones: `Contact.partial`).
    """

    kind: str
    fields: tuple[str, ...]
    columns: list
    partial: bool = False

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0


class BlockBuilder:
    """Rows of one layout, gathered into `ColumnBlock`s of `size` rows.

    `BlockBuilder("contact", ("arrived_at", "outcome", "wait_s"))` checks the layout at once
    (ValueError: unknown kind or field, a required field missing); then `add(row)` takes one row
    `(source_id, line, *values of fields)` and returns a full block to yield, or None; `flush()`
    returns the rows kept so far as a block (None when there are none).
    """

    def __init__(self, kind: str, fields: tuple[str, ...], *, size: int = 5000, partial: bool = False):
        block_layout(kind, tuple(fields), bool(partial))
        self.kind, self.fields, self.size, self.partial = kind, tuple(fields), size, bool(partial)
        self._rows: list[tuple] = []

    def add(self, row: tuple) -> ColumnBlock | None:
        rows = self._rows
        rows.append(row)
        return self.flush() if len(rows) >= self.size else None

    def flush(self) -> ColumnBlock | None:
        if not self._rows:
            return None
        rows, self._rows = self._rows, []
        return ColumnBlock(kind=self.kind, fields=self.fields, columns=[list(c) for c in zip(*rows)],
                           partial=self.partial)


def epoch_ms(instant: datetime | None) -> int | None:
    """An aware datetime as int epoch milliseconds UTC (None stays None). A naive datetime is
    given back as it is: the host then refuses the row naming the field."""
    if instant is None or instant.tzinfo is None:
        return instant
    return round(instant.timestamp() * 1000)


def block_records(block: ColumnBlock) -> list:
    """The records a block's rows stand for (instants given as epoch ms as UTC datetimes, fields
    not given at their defaults): for tests, to compare a reader's blocks with expected records."""
    cls = KINDS[block.kind]
    instants = {f.name for f in fields_of(block.kind) if f.type == "instant"}
    mandatory = {a.name for a in attrs.fields(cls) if a.default is attrs.NOTHING}
    names = ("source_id", "line", *block.fields)
    out = []
    for row in zip(*block.columns):
        values = dict.fromkeys(mandatory)
        for name, value in zip(names, row):
            if name in instants and type(value) is int:
                value = datetime.fromtimestamp(value / 1000, tz=timezone.utc)
            values[name] = value
        if block.partial:
            values["partial"] = True
        out.append(cls(**values))
    return out


def flatten(items) -> list:
    """What a reader yields, with each block replaced by the records it stands for (for tests)."""
    out = []
    for item in items:
        if isinstance(item, ColumnBlock):
            out.extend(block_records(item))
        else:
            out.append(item)
    return out
