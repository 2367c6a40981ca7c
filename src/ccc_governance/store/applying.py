"""The applying side of an import: checked units → one atomic batch in the SQLite store.

The only part of an import that knows the database. `SqliteBatch` opens the batch row, hands the
reading side (`store.reading`) what it needs to know of the store (the source's state, which
kinds it has stored before), takes the reading side's `Unit`s and quarantined rows (it is the
reading side's `Sink`), and closes the batch with its counters. It runs inside the transaction
`store.imports.import_file` holds; the PostgreSQL store adds a second applier beside this one.

Upsert rules, per record (every record read ends in exactly one counter, so
`imported + replaced + duplicates + older_skipped + quarantined == records read`). The copies of
one source id are taken one after the other in file order, each against the row as the copies
before it left it (`_compare`); so what is stored and counted does not depend on how the file is
cut into blocks or units:

- `imported`: its source id was not stored before;
- `replaced`: it is the first change this batch makes to a record stored by an earlier batch
  (same or newer `version`, different content); the old row is kept in `replaced_rows` so that
  `undo_batch` can put it back;
- `duplicates`: identical to the row it is compared with, or it supersedes an earlier copy from
  the same file (Amazon Connect delivers a contact more than once in one file);
- `older_skipped`: its `version` is older than the row it is compared with;
- `quarantined`: counted by the reading side.

Speed: rows go through plain `executemany`; an INSERT names only the columns some row of its
unit fills (binding NULLs costs as much as values); a unit sent `UNCHECKED` is inserted without
looking its ids up (the UNIQUE key finds a stored or repeated id; that INSERT is taken back and
the unit applied again looking every id up). From `DEFER_INDEX_BYTES` on, a table holding fewer
rows than the file has gets its secondary indexes dropped for the batch and rebuilt once before
the commit (in the batch's transaction: a crash leaves them as they were).

PostgreSQL: rows go through COPY (binary: no number written or read as text). `UNCHECKED` units
are held until `GROUP_ROWS` rows have come, then sent as one COPY under a savepoint by a thread
(`_Group`), while this one goes on taking the next units from the reader: the server stores one
group while the next is read. Before anything else uses the connection, the group in flight is
waited for (`settle`; psycopg's connection lock also holds back anyone else, such as the
rollback of a failed import, until that COPY has ended). When the COPY meets a stored or repeated
id, the savepoint takes it back and its units are applied one by one as above (and the batch's
later units too: a file that repeats ids would make every group fail).
"""

from __future__ import annotations

import json
import sqlite3
import threading

import attrs

from ..actor import current_actor
from ..clock import now_text
from ..privacy import customer_hasher
from ..trail import record_change
from . import intervals
from .checks import CONTENT_START, CUSTOMER_INDEX, STORE_COLUMNS
from .dialect import is_postgres
from .reading import UNCHECKED, Quarantined, ReadResult, Unit
from .schema import KIND_TABLES

DEFER_INDEX_BYTES = 4_000_000
GROUP_ROWS = 20_000  # PostgreSQL: `UNCHECKED` rows held for one COPY (two groups in memory at most)
IMPORT_LOCK = 0x0CCC  # PostgreSQL: the advisory lock (with the source's hash) an import of a source holds
COUNTERS = ("imported", "replaced", "duplicates", "older_skipped", "quarantined")
COUNT_ROWS = 10_000  # SQLite: contacts counted into the interval figures at a time, as they are applied


class _Conflict(Exception):
    """An id believed new is stored already (the unit is then applied again, looking every id up)."""


@attrs.define
class _Held:
    """Where one source id stands while a unit is folded."""

    row: tuple  # the row as the copies so far leave it
    stored: tuple | None  # the row stored before this unit (`id, …` columns), None when new
    changed: bool  # `row` differs from `stored`
    kept: tuple | None = None  # the row of an earlier batch this batch replaced (kept for undo)


class _Group:
    """PostgreSQL: held units whose COPY a thread runs (under the savepoint the applier took)."""

    SAVEPOINT = "ccc_copy_group"

    def __init__(self, applier: _KindApplier, units: list[Unit]):
        self.units = units
        self.error: BaseException | None = None
        started = threading.Event()

        def run():
            try:
                applier._copy([u.columns for u in units], started)
            except BaseException as err:  # noqa: BLE001 - handed to `wait`
                self.error = err
            finally:
                started.set()

        self.thread = threading.Thread(target=run, name="ccc-copy", daemon=True)
        self.thread.start()
        started.wait()  # (from here the COPY holds the connection's lock until it ends)

    def wait(self) -> BaseException | None:
        self.thread.join()
        return self.error


class _KindApplier:
    """Applies one kind's units to its table."""

    def __init__(self, conn, kind: str, source: str, batch_id: int, counts: dict):
        self.conn = conn
        self.table = KIND_TABLES[kind]
        self.columns = STORE_COLUMNS[kind]
        self.source = source
        self.batch_id = batch_id
        self.counts = counts
        self.insert_sql: dict[tuple, str] = {}
        self.update_sql = f"UPDATE {self.table} SET {', '.join(f'{c} = ?' for c in self.columns[2:])} WHERE id = ?"
        self.select_sql = (f"SELECT id, {', '.join(self.columns)} FROM {self.table} "
                           "WHERE source = ? AND source_id IN (SELECT value FROM json_each(?))")
        self.all_columns = ("id",) + self.columns
        self.grouping = is_postgres(conn)  # (turned off for the batch when a group meets an id)
        self.held: list[Unit] = []  # UNCHECKED units not sent yet
        self.held_rows = 0
        self.sending: _Group | None = None  # the group whose COPY a thread runs
        self.pg_types: dict[str, str] | None = None  # column → PostgreSQL type, for a binary COPY
        self.before_change = None  # called before rows stored already (this batch's too) are changed

    def _insert(self, columns: list) -> None:
        """INSERT rows given column by column, naming only the columns that hold a value in some
        row and writing a text or integer column that holds one same value in every row
        (`source`, `batch_id`, a reader's constant such as `channel`) as a literal. PostgreSQL: COPY."""
        if is_postgres(self.conn):
            self._copy([columns])
            return
        names, values, binds = [], [], []
        for i, col in enumerate(columns):
            if col is None:
                continue
            names.append(self.columns[i])
            first = col[0]
            t = type(first)
            if (t is str or t is int) and col[-1] is first and col.count(first) == len(col) and (
                    t is int or "\x00" not in first):
                values.append(str(first) if t is int else "'" + first.replace("'", "''") + "'")
            else:
                values.append("?")
                binds.append(col)
        key = (tuple(names), tuple(values))
        sql = self.insert_sql.get(key)
        if sql is None:
            sql = self.insert_sql[key] = f"INSERT INTO {self.table} ({', '.join(names)}) VALUES ({', '.join(values)})"
        self.conn.executemany(sql, zip(*binds) if binds else [()] * len(columns[1]))

    def _copy(self, units: list[list], started: threading.Event | None = None) -> None:
        """PostgreSQL: one binary COPY of the rows of `units` (each given column by column), naming
        the columns some unit fills; `started` is set once the COPY holds the connection."""
        types_of = self._types()
        used = [i for i in range(len(self.columns)) if any(cols[i] is not None for cols in units)]
        names = [self.columns[i] for i in used]
        types = [types_of[name] for name in names]
        with self.conn.copy(f"COPY {self.table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)") as copy:
            if started is not None:
                started.set()
            copy.set_types(types)
            write = copy.write_row
            for cols in units:
                nones = (None,) * len(cols[1])
                for row in zip(*[nones if cols[i] is None else cols[i] for i in used]):
                    write(row)

    def _types(self) -> dict[str, str]:
        if self.pg_types is None:
            self.pg_types = dict(self.conn.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = ?", (self.table,)).fetchall())
        return self.pg_types

    def _send_held(self) -> None:
        """PostgreSQL: the held UNCHECKED units as one COPY under a savepoint, run by a thread."""
        self.settle()
        units, self.held, self.held_rows = self.held, [], 0
        if not units:
            return
        self._types()  # (read here: the thread is to use the connection for its COPY only)
        self.conn.execute(f"SAVEPOINT {_Group.SAVEPOINT}")
        self.sending = _Group(self, units)

    def settle(self) -> None:
        """Wait for the group in flight: keep it (counted as imported), or, when one of its ids
        was stored or repeated, take it back and apply its units one by one."""
        group, self.sending = self.sending, None
        if group is None:
            return
        error = group.wait()
        if error is None:
            self.conn.execute(f"RELEASE SAVEPOINT {_Group.SAVEPOINT}")
            self.counts["imported"] += sum(len(u) for u in group.units)
            return
        import psycopg

        if not isinstance(error, psycopg.errors.UniqueViolation):
            raise error
        self.conn.execute(f"ROLLBACK TO SAVEPOINT {_Group.SAVEPOINT}")
        self.conn.execute(f"RELEASE SAVEPOINT {_Group.SAVEPOINT}")
        self.grouping = False
        for unit in group.units:
            self._apply_unchecked(unit)

    def flush(self) -> None:
        """Send what is held and wait for it (before the table is read, and when the batch closes)."""
        if self.held:
            self._send_held()
        self.settle()

    def _insert_new(self, columns: list) -> None:
        """INSERT rows believed new; `_Conflict` (nothing of them left) when one is stored already."""
        if is_postgres(self.conn):  # a failed statement spoils the transaction: a savepoint takes it back
            import psycopg

            try:
                with self.conn.transaction():
                    self._insert(columns)
            except psycopg.errors.UniqueViolation:
                raise _Conflict from None
            return
        before = self.conn.execute(f"SELECT max(id) FROM {self.table}").fetchone()[0] or 0
        try:
            self._insert(columns)
        except sqlite3.IntegrityError as err:
            if "UNIQUE" not in str(err):
                raise
            self.conn.execute(f"DELETE FROM {self.table} WHERE id > ?", (before,))
            raise _Conflict from None

    def apply(self, unit: Unit) -> None:
        if unit.probe == UNCHECKED:
            if self.grouping:
                self.held.append(unit)
                self.held_rows += len(unit)
                if self.held_rows >= GROUP_ROWS:
                    self._send_held()
                return
            self.flush()
            self._apply_unchecked(unit)
            return
        self.flush()
        try:
            self._fold(unit.columns, unit.partials, unit.probe)
        except _Conflict:  # an id of the bitmap's "new" ones was stored by an unchecked unit
            self._fold(unit.columns, unit.partials, None)

    def _apply_unchecked(self, unit: Unit) -> None:
        try:
            self._insert_new(unit.columns)
        except _Conflict:
            self._fold(unit.columns, unit.partials, None)
        else:
            self.counts["imported"] += len(unit)

    def _fold(self, columns: list, partials: list | None, probe) -> None:
        n = len(columns[1])
        sids = columns[1]
        if probe is None:  # rows stored before the batch: look every one up
            probe = list(dict.fromkeys(sids))
        stored = {}
        if probe:
            for found in self.conn.execute(self.select_sql, (self.source, json.dumps(probe))):
                stored[found[2]] = found  # (id, source, source_id, batch_id, …)
        if not stored and len(set(sids)) == n:  # all new (a first import, mostly): straight to INSERT
            self._insert_new(columns)
            self.counts["imported"] += n
            return
        if self.before_change is not None:
            self.before_change()
        counts = dict.fromkeys(self.counts, 0)
        nones = (None,) * n
        held_by_id: dict[str, _Held] = {}
        replaced: list[tuple] = []  # stored rows of earlier batches, in the order this batch changes them
        for i, row in enumerate(zip(*[nones if col is None else col for col in columns])):
            held = held_by_id.get(row[1])
            if held is None:
                old = stored.get(row[1])
                if old is None:
                    held_by_id[row[1]] = _Held(row, None, True)
                    counts["imported"] += 1
                    continue
                held = held_by_id[row[1]] = _Held(old[1:], old, False)
            verdict, merged = _compare(row, partials[i] if partials else False, held.row)
            if merged is None:
                counts[verdict] += 1
                continue
            if held.stored is not None and held.stored[3] != self.batch_id and held.kept is None:
                counts["replaced"] += 1  # first change this batch makes to a row of an earlier one
                held.kept = held.stored
                replaced.append(held.stored)
            else:
                counts["duplicates"] += 1  # an earlier copy from this file, now superseded
            held.row = merged
            held.changed = True
        inserts = [h.row for h in held_by_id.values() if h.stored is None]
        if inserts:
            m = len(inserts)
            self._insert_new([col if col.count(None) != m else None for col in zip(*inserts)])
        updates = [h.row[2:] + (h.stored[0],) for h in held_by_id.values() if h.stored is not None and h.changed]
        if updates:
            self.conn.executemany(self.update_sql, updates)
        saved = [(self.batch_id, self.table, json.dumps(dict(zip(self.all_columns, old)), separators=(",", ":")),
                  old[3]) for old in replaced]
        if saved:
            self.conn.executemany("INSERT INTO replaced_rows (batch_id, tbl, row, from_batch) VALUES (?, ?, ?, ?)",
                                  saved)
        for name, value in counts.items():
            self.counts[name] += value


def _compare(new: tuple, partial: bool, old: tuple) -> tuple[str, tuple | None]:
    """Decide what `new` does to the `old` row of the same source id.

    Returns `(counter, row_to_store)`: `row_to_store` is None when nothing changes (the counter
    then says why: `older_skipped` or `duplicates`); otherwise the counter is `duplicates` (the
    caller decides between replaced and superseded) and the row is `new` or the merged row.
    """
    v_new, v_old = new[CONTENT_START], old[CONTENT_START]
    if v_new is not None and v_old is not None and v_new < v_old:
        return "older_skipped", None
    if partial:
        merged = list(old)
        for i in range(CONTENT_START + 1, len(new)):
            if new[i] is not None:
                merged[i] = new[i]
        merged[0], merged[1], merged[2], merged[3] = new[0], new[1], new[2], new[3]
        merged[CONTENT_START] = v_new if v_new is not None else v_old
        new = tuple(merged)
    if new[CONTENT_START:] == tuple(old[CONTENT_START:]):
        return "duplicates", None
    return "duplicates", new


def _defer_indexes(conn, table: str, estimated_rows: int) -> list[tuple[str, str]]:
    """Drop `table`'s secondary indexes (not the unique ones) when it holds fewer rows than
    `estimated_rows`, inside the current transaction; return their `(name, CREATE sql)`."""
    if is_postgres(conn):  # (kept: the server's COPY keeps them cheaply enough)
        return []
    last = conn.execute(f"SELECT max(id) FROM {table}").fetchone()[0] or 0
    if last >= estimated_rows:
        return []
    dropped = []
    for name, sql in conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
        (table,),
    ).fetchall():
        if sql.lstrip().upper().startswith("CREATE UNIQUE"):
            continue
        conn.execute(f'DROP INDEX "{name}"')
        dropped.append((name, sql))
    return dropped


def lock_source(conn, source: str) -> None:
    """PostgreSQL: wait until no other transaction imports into `source`, and hold that until
    this one ends (the same file imported twice at once: the second finds the first's batch).
    SQLite's write lock already is that."""
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock(?, hashtext(?))", (IMPORT_LOCK, source))


def imported_batch(conn, source: str, *, sha256: str | None = None, size: int | None = None) -> int | None:
    """The first complete batch of `source` with this file's sha256 (or, `size` given, of this size)."""
    if sha256 is not None:
        row = conn.execute("SELECT id FROM batches WHERE source = ? AND sha256 = ? AND status = 'complete' "
                           "ORDER BY id LIMIT 1", (source, sha256)).fetchone()
    else:
        row = conn.execute("SELECT id FROM batches WHERE source = ? AND size_bytes = ? AND status = 'complete' "
                           "ORDER BY id LIMIT 1", (source, size)).fetchone()
    return row[0] if row else None


@attrs.define
class BatchFile:
    """What the batch row says of the file and the import (`batches` columns)."""

    source: str
    plugin: str | None
    plugin_version: str | None
    file_name: str
    path: str
    sha256: str
    size: int
    contract_id: str | None
    options: dict


class SqliteBatch:
    """One batch being applied, inside the caller's transaction: `open` writes the batch row;
    the reading side's units and quarantine go to `unit`/`quarantine` (on SQLite, `unit` counts
    new contacts into the interval figures as it goes: `store.intervals`); `close` counts the rest
    and saves the source's state and counters.
    `defer_indexes`: drop secondary indexes of empty enough tables for the batch (a big file read
    in this process).
    `key`: the workspace's pseudonymisation key, for units whose customer identifiers are not
    hashed yet (`Unit.raw_customers`)."""

    def __init__(self, conn, file: BatchFile, *, defer_indexes: bool, key: bytes = b""):
        self.conn = conn
        self.file = file
        self.defer = defer_indexes
        self.key = key
        self.hasher = None
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.appliers: dict[str, _KindApplier] = {}
        self.deferred: list[tuple[str, str]] = []
        self.batch_id: int | None = None
        self.state_before: str | None = None
        # SQLite: the batch's contacts are counted into the interval figures as they are inserted
        # (`intervals.add_rows`, `COUNT_ROWS` at a time): while a reader process reads on, not all
        # at the end. `counted`: the contacts with an id in (counted[0], counted[1]] are counted,
        # None once the batch changes a stored row (they are then taken out, and `close` counts
        # the batch whole).
        self.counted: list[int] | None = None

    def open(self) -> int:
        f = self.file
        row = self.conn.execute("SELECT state FROM source_state WHERE source = ?", (f.source,)).fetchone()
        self.state_before = row[0] if row else None
        self.actor = current_actor(self.conn)
        cur = self.conn.execute(
            "INSERT INTO batches (source, plugin, plugin_version, file_name, path, sha256, size_bytes, "
            "contract_id, started_at, status, options, state_before, imported_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?, ?)",
            (f.source, f.plugin, f.plugin_version, f.file_name, f.path, f.sha256, f.size, f.contract_id,
             now_text(), json.dumps(f.options, default=str), self.state_before, self.actor),
        )
        self.batch_id = cur.lastrowid
        intervals.begin_bulk(self.conn, self.batch_id)  # its contacts are counted by `unit` and `close`
        if not is_postgres(self.conn):
            last = self.conn.execute("SELECT max(id) FROM contacts").fetchone()[0] or 0
            self.counted = [last, last]
        return self.batch_id

    def fresh(self) -> dict[str, bool]:
        """Per kind: the source has no row of that kind stored before this batch."""
        return {kind: self.conn.execute(f"SELECT 1 FROM {table} WHERE source = ? LIMIT 1",
                                        (self.file.source,)).fetchone() is None
                for kind, table in KIND_TABLES.items()}

    def _settle(self, but: str | None = None) -> None:
        """Wait for every kind's COPY in flight (but `but`'s): the connection is free after."""
        for kind, applier in self.appliers.items():
            if kind != but:
                applier.settle()

    def unit(self, unit: Unit) -> None:
        if unit.raw_customers:
            self._hash_customers(unit)
        self._settle(but=unit.kind)
        applier = self.appliers.get(unit.kind)
        if applier is None:
            applier = self.appliers[unit.kind] = _KindApplier(self.conn, unit.kind, self.file.source,
                                                              self.batch_id, self.counts)
            if self.defer:
                self.deferred.extend(_defer_indexes(self.conn, applier.table, self.file.size // 200))
            if unit.kind == "contact" and self.counted is not None:
                applier.before_change = self._stop_counting
        applier.apply(unit)
        if unit.kind == "contact" and self.counted is not None:
            last = self.conn.execute("SELECT max(id) FROM contacts").fetchone()[0] or 0
            if last - self.counted[1] >= COUNT_ROWS:
                intervals.add_rows(self.conn, self.counted[1], last)
                self.counted[1] = last

    def _hash_customers(self, unit: Unit) -> None:
        """Hash a unit's customer identifiers as the reading side would have (`privacy.customer_hasher`)."""
        i = CUSTOMER_INDEX.get(unit.kind)
        column = unit.columns[i] if i is not None else None
        if column is not None:
            if self.hasher is None:
                self.hasher = customer_hasher(self.key)
            hashed = self.hasher.column(column)
            unit.columns[i] = hashed if hashed.count(None) != len(hashed) else None
        unit.raw_customers = False

    def _stop_counting(self) -> None:
        """The batch is about to change rows stored already: take out what it counted (those
        rows are as they were counted) and leave the counting to `close`."""
        if self.counted is not None:
            first, last = self.counted
            if last > first:
                intervals.take_out_rows(self.conn, first, last)
            self.counted = None

    def quarantine(self, rows: list[Quarantined]) -> None:
        if rows:
            self._settle()
            self.conn.executemany("INSERT INTO quarantine (batch_id, file_name, line, reason, raw, source_id) "
                                  "VALUES (?, ?, ?, ?, ?, ?)", rows)

    def close(self, result: ReadResult, state: dict, sha256: str, elapsed_s: float) -> None:
        conn = self.conn
        for applier in self.appliers.values():
            applier.flush()
        self.counts["quarantined"] += result.quarantined
        for _name, sql in self.deferred:
            conn.execute(sql)
        intervals.add_batch(conn, self.batch_id, after_id=self.counted[1] if self.counted is not None else None,
                            span=(self.file.source, result.first_at, result.last_at))
        if state or self.state_before is not None:
            conn.execute(
                "INSERT INTO source_state (source, state, batch_id) VALUES (?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET state = excluded.state, batch_id = excluded.batch_id",
                (self.file.source, json.dumps(state, sort_keys=True, default=str), self.batch_id),
            )
        c = self.counts
        conn.execute(
            "UPDATE batches SET finished_at = ?, imported = ?, replaced = ?, duplicates = ?, older_skipped = ?, "
            "quarantined = ?, kinds = ?, first_at = ?, last_at = ?, records = ?, elapsed_s = ?, sha256 = ? "
            "WHERE id = ?",
            (now_text(), c["imported"], c["replaced"], c["duplicates"], c["older_skipped"], c["quarantined"],
             ",".join(sorted(result.kinds)) or None, result.first_at, result.last_at, result.records,
             round(elapsed_s, 3), sha256, self.batch_id),
        )
        record_change(conn, "import.batch", contract_id=self.file.contract_id, record=f"batches:{self.batch_id}",
                      actor=self.actor, after={
                          "source": self.file.source, "file_name": self.file.file_name, "sha256": sha256,
                          "size_bytes": self.file.size, "records": result.records,
                          **{k: c[k] for k in ("imported", "replaced", "duplicates", "older_skipped", "quarantined")}})
