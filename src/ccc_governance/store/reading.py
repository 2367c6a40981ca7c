"""The reading side of an import: a source's file → checked rows, handed on a unit at a time.

`read_source` runs the plugin's reader, checks every record or block (`store.checks`, derived
from the specification in `records.py`), quarantines what cannot be stored, and hands the rest to
a `Sink` as `Unit`s (rows of one kind, column by column, in file order). It never touches the
database, so it runs in the importing process or in a reader process (`store.parallel`); the
applying side (`store.applying`) turns the units into one atomic batch.

Repeats of a source id are left to the applier, which folds them in file order. To spare it
looking every id up, a unit says which ids may be stored already (`Unit.probe`): on a first
import of the source (`ReadJob.fresh`) a fixed-size bitmap of the ids seen in this batch (2 MiB)
says which ids came before; a block whose columns all pass is sent `UNCHECKED` (the UNIQUE key
finds a stored or repeated id, and the applier then looks every id of the unit up).
"""

from __future__ import annotations

from typing import Any, Callable, NamedTuple, Protocol

import attrs

from ..blocks import ColumnBlock
from ..errors import CccError, PluginError, SourceError
from ..privacy import customer_hasher, mask
from ..records import Rejected
from ..sources import ReadContext
from .checks import TIME_INDEX, Bad, block_layout, record_layout

#: Rows per unit (memory stays flat whatever the file size).
CHUNK = 10_000
#: Characters of a quarantined row's raw text that are kept.
RAW_LIMIT = 500
#: `Unit.probe` of a block whose ids were not checked at all (see the module's note).
UNCHECKED = "unchecked"
_BITS = 1 << 24  # bitmap of seen source ids: 2 MiB, ~6 % false positives at a million ids
#: --strict stops reading after this many bad rows
STRICT_STOP = 10


@attrs.define
class ReadJob:
    """What the reading side needs besides the reader and its context (picklable)."""

    source_name: str
    plugin: str | None
    batch_id: int
    file_name: str
    path: str
    key: bytes
    strict: bool
    fresh: dict  # kind -> True when the source has no row of that kind stored before the batch
    #: False: leave customer identifiers as read, for the applying side to hash (`Unit.raw_customers`):
    #: a reader process hands that work to the importing process, which has time to spare.
    hash_customers: bool = True


@attrs.define
class Unit:
    """Rows of one kind for the applier: `columns` in the store's order (`checks.STORE_COLUMNS`,
    a column None in every row as None), `partials` one flag per row (None: none partial),
    `probe` the ids that may be stored already (None: any; `UNCHECKED`: not known),
    `raw_customers` whether the `customer_key` column still holds the identifiers as read (checked,
    not hashed yet: `ReadJob.hash_customers`)."""

    kind: str
    columns: list
    partials: list | None
    probe: Any
    raw_customers: bool = False

    def __len__(self) -> int:
        return len(self.columns[1])


class Quarantined(NamedTuple):
    """One quarantined row, as the `quarantine` table keeps it."""

    batch_id: int
    file_name: str
    line: int | None
    reason: str
    raw: str | None
    source_id: str | None


@attrs.define
class ReadResult:
    """What the reading side found: `quarantined` rows, the first few `{line, reason}`, the
    `records` read, the `kinds` stored and the span of their instants (epoch ms)."""

    quarantined: int = 0
    first_quarantined: list = attrs.Factory(list)
    records: int = 0
    kinds: list = attrs.Factory(list)
    first_at: int | None = None
    last_at: int | None = None


class Sink(Protocol):
    """Where the reading side hands its rows: the applier, or the pipe to it."""

    def unit(self, unit: Unit) -> None: ...

    def quarantine(self, rows: list[Quarantined]) -> None: ...


class _Collector:
    """One kind's checked rows, sent on a chunk at a time (with the ids to probe, see above)."""

    def __init__(self, kind: str, fresh: bool, sink: Sink, raw_customers: bool):
        self.kind = kind
        self.raw_customers = raw_customers
        self.time_index = TIME_INDEX[kind]
        self.sink = sink
        self.rows: list[tuple] = []
        self.partials: list[bool] = []
        self.bits = bytearray(_BITS // 8) if fresh else None
        self.first_at: int | None = None
        self.last_at: int | None = None
        self.used = False

    def span(self, times) -> None:
        """Widen `first_at`/`last_at` to the instants of a column (None where unknown)."""
        self.used = True
        if None in times:
            times = [t for t in times if t is not None]
        if times:
            lo, hi = min(times), max(times)
            if self.first_at is None or lo < self.first_at:
                self.first_at = lo
            if self.last_at is None or hi > self.last_at:
                self.last_at = hi

    def add(self, row: tuple, partial: bool) -> None:
        self.used = True
        t = row[self.time_index]
        if t is not None:
            if self.first_at is None or t < self.first_at:
                self.first_at = t
            if self.last_at is None or t > self.last_at:
                self.last_at = t
        self.rows.append(row)
        self.partials.append(partial)
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, partials = self.rows, self.partials
        self.rows, self.partials = [], []
        probe = None
        if self.bits is not None:
            bits, mask_ = self.bits, _BITS - 1
            probe = []
            for row in rows:
                h = hash(row[1]) & mask_
                byte, bit = h >> 3, 1 << (h & 7)
                if bits[byte] & bit:
                    probe.append(row[1])
                else:
                    bits[byte] |= bit
        n = len(rows)
        columns = [col if col.count(None) != n else None for col in zip(*rows)]
        self.sink.unit(Unit(self.kind, columns, partials if any(partials) else None, probe, self.raw_customers))


class _Reading:
    """One run of a reader: what is read is checked, counted and handed to the sink."""

    def __init__(self, job: ReadJob, sink: Sink):
        self.job = job
        self.sink = sink
        self.hasher = customer_hasher(job.key) if job.hash_customers else _as_read
        self.result = ReadResult()
        self.collectors: dict[str, _Collector] = {}
        self.pending: list[Quarantined] = []

    def collector(self, kind: str) -> _Collector:
        c = self.collectors.get(kind)
        if c is None:
            c = self.collectors[kind] = _Collector(kind, self.job.fresh.get(kind, True), self.sink,
                                                   not self.job.hash_customers)
        return c

    def quarantine(self, line, reason: str, raw, source_id) -> bool:
        """Quarantine one row; True when --strict must stop now."""
        result = self.result
        result.quarantined += 1
        if len(result.first_quarantined) < 10:
            result.first_quarantined.append({"line": line, "reason": reason})
        self.pending.append(Quarantined(self.job.batch_id, self.job.file_name, line, reason,
                                        mask(raw, RAW_LIMIT), mask(source_id, RAW_LIMIT)))
        if len(self.pending) >= CHUNK:
            self.sink.quarantine(self.pending)
            self.pending = []
        return self.job.strict and result.quarantined >= STRICT_STOP

    def take(self, record) -> bool:
        """One record, or a `Rejected` row; True when --strict must stop now."""
        layout = record_layout(type(record))
        if layout is None:
            if isinstance(record, Rejected):
                return self.quarantine(record.line, str(record.reason), record.raw, record.source_id)
            raise self.plugin_error(f"yielded {type(record).__name__}, which is not a record kind of "
                                    "ccc_governance.records")
        try:
            row = layout.row(layout.values(record), self.job.source_name, self.job.batch_id, self.hasher,
                             getattr(record, "partial", False))
        except Bad as bad:
            return self.quarantine(record.line, str(bad), _safe_repr(record), getattr(record, "source_id", None))
        self.collector(layout.kind).add(row, getattr(record, "partial", False))
        return False

    def take_block(self, block: ColumnBlock) -> tuple[int, bool]:
        """A block: (rows read, whether --strict must stop now). Taken as one unit when every
        column passes; else row by row, each row judged as a record would be."""
        try:
            layout = block_layout(block.kind, tuple(block.fields), bool(block.partial))
        except (ValueError, TypeError) as err:
            raise self.plugin_error(f"yielded a ColumnBlock the host cannot take: {err}") from None
        job = self.job
        columns = block.columns
        try:
            stored = layout.columns(columns, job.source_name, job.batch_id, self.hasher)
        except Exception:  # noqa: BLE001 - an odd value (unhashable …): judged row by row below
            stored = None
        collector = self.collector(layout.kind)
        if stored is not None:
            collector.flush()  # rows taken before the block go first
            collector.span(stored[collector.time_index] or ())
            self.sink.unit(Unit(layout.kind, stored, [True] * len(stored[1]) if layout.partial else None, UNCHECKED,
                                not job.hash_customers))
            return len(stored[1]), False
        if len(columns) != len(layout.fields) + 2 or len({len(c) for c in columns}) > 1:
            raise self.plugin_error("yielded a ColumnBlock whose columns do not match its fields")
        n = 0
        for values in zip(*columns):
            n += 1
            try:
                row = layout.row(values, job.source_name, job.batch_id, self.hasher)
            except Bad as bad:
                if self.quarantine(values[1], str(bad), layout.shown(values), values[0]):
                    return n, True
                continue
            collector.add(row, layout.partial)
        return n, False

    def plugin_error(self, what: str) -> PluginError:
        return PluginError(f"source {self.job.source_name!r} (plugin {self.job.plugin}) {what}", file=self.job.path)

    def run(self, records_of: Callable, context: ReadContext) -> ReadResult:
        result = self.result
        try:
            for item in records_of(context):
                if type(item) is ColumnBlock:
                    n, stop = self.take_block(item)
                    result.records += n
                else:
                    result.records += 1
                    stop = self.take(item)
                if stop:
                    break
        except CccError:
            raise
        except OSError as err:
            raise SourceError(f"cannot be read: {err.strerror or err}", file=self.job.path) from None
        except KeyboardInterrupt:
            raise
        except BaseException as err:  # noqa: BLE001 - a bug in the plugin, or a reader that calls
            # sys.exit() (SystemExit): one clear line, the batch fails and nothing is stored
            how = f"it called sys.exit({err.code!r})" if isinstance(err, SystemExit) else f"{type(err).__name__}: {err}"
            raise self.plugin_error(f"failed: {how}") from err
        if self.job.strict and result.quarantined:
            reasons = "; ".join(
                f"{self.job.file_name}:{q['line']}: {q['reason']}" if q["line"] else f"{self.job.file_name}: {q['reason']}"
                for q in result.first_quarantined[:3]
            )
            more = "+" if result.quarantined >= STRICT_STOP else ""
            raise SourceError(
                f"--strict: {result.quarantined}{more} row(s) would be quarantined, nothing imported: {reasons}")
        for c in self.collectors.values():
            c.flush()
        if self.pending:
            self.sink.quarantine(self.pending)
            self.pending = []
        used = [c for c in self.collectors.values() if c.used]
        result.kinds = [c.kind for c in used]
        firsts = [c.first_at for c in used if c.first_at is not None]
        lasts = [c.last_at for c in used if c.last_at is not None]
        result.first_at = min(firsts) if firsts else None
        result.last_at = max(lasts) if lasts else None
        return result


def read_source(records_of: Callable, context: ReadContext, job: ReadJob, sink: Sink) -> ReadResult:
    """Run the reader `records_of(context)` and hand what it reads to `sink`; return what was found.

    Raises `SourceError` (file unreadable, `--strict` and a bad row) or `PluginError` (a reader
    that fails, or yields what is not a record, a `Rejected` row or a `ColumnBlock`).
    """
    return _Reading(job, sink).run(records_of, context)


def _as_read(identifier):
    """The hasher of a job that leaves the hashing to the applying side (`hash_customers`)."""
    return identifier


_as_read.column = list


def _safe_repr(record) -> str:
    """The record as text for the quarantine, without its customer identifier or free comment."""
    fields = attrs.asdict(record, recurse=False)
    for private in ("customer", "comment"):
        if fields.get(private) is not None:
            fields[private] = "<hidden>"
    return f"{type(record).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"

