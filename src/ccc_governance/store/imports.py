"""The import pipeline: one file through one source's reader into the store, as one atomic batch.

`import_file` hashes the file, refuses a file already imported by the same source (it says which
batch), then in ONE transaction: writes the batch row, streams records from the reader, converts
them (`store.convert`), upserts them by `(source, source_id)`, quarantines what cannot be stored,
and saves the source's state. Either all of that is committed or none of it (a crash, a SIGKILL or
`--strict` with a bad row leaves the store exactly as before). The transaction takes the store's
write lock as it begins (`store.writelock`): another writer waits for the commit with a note
naming the batch, readers never wait; what another import may have committed meanwhile (the
same file, the source's state) is read inside it.

Upsert rules, per record (every record read ends in exactly one counter, so
`imported + replaced + duplicates + older_skipped + quarantined == records read`). The copies of
one source id are taken one after the other in file order, each against the row as the copies
before it left it (`_compare`); so what is stored and counted does not depend on how the file is
cut into blocks or chunks:

- `imported`: its source id was not stored before;
- `replaced`: it is the first change this batch makes to a record stored by an earlier batch
  (same or newer `version`, different content); the old row is kept in `replaced_rows` so that
  `undo_batch` can put it back;
- `duplicates`: identical to the row it is compared with, or it supersedes an earlier copy from
  the same file (Amazon Connect delivers a contact more than once in one file);
- `older_skipped`: its `version` is older than the row it is compared with;
- `quarantined`: a `Rejected` row or a record that fails the checks, kept with file, line, reason.

Speed: rows go through plain `executemany` on the sqlite3 connection, in units of at most
`CHUNK` rows inside the one transaction, so memory stays flat whatever the file size. Readers
may yield `fastrows.RowBlock`s or `ColumnBlock`s (rows already in storage form) instead of
records: a block is checked a column at a time and inserted without looking its ids up (the
UNIQUE key finds a stored or repeated id; that unit is then applied again, looking every id
up); a block with a value out of place is checked row by row and the rows that fail go the
record path. Records go through `_Collector`: a fixed-size bitmap of the ids seen in this batch
(2 MiB) says which ids to look up on a first import of the source; otherwise every id is. An
INSERT names only the columns some row of its unit fills (binding NULLs costs as much as values).
Big files are read in a second process (`store.parallel`) while this one writes.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any, Callable

import attrs

from ..clock import now_utc
from ..errors import CccError, NotFoundError, PluginError, SourceError, StateError
from ..privacy import customer_hasher, mask
from ..records import KINDS, Rejected
from ..sources import ReadContext
from .convert import CONTENT_START, SPECS, KindSpec
from .keyprint import check_key
from .fastrows import ColumnBlock, RowBlock, block_converter, column_converter
from .writelock import WriterNotice

CHUNK = 10_000
#: From this file size on, a table that holds fewer rows than the file has (estimated at 200
#: bytes a row) gets its secondary indexes dropped for the batch and rebuilt once before the
#: commit (all in the batch's transaction: a crash leaves them as they were).
DEFER_INDEX_BYTES = 4_000_000
RAW_LIMIT = 500
#: `probe` of a unit whose ids were not checked at all (a fast-path block): the rows are inserted
#: as they are; if the UNIQUE key finds an id stored already (or repeated in the unit), that
#: INSERT is taken back and the unit is applied looking every id up (`_Applier.apply`).
UNCHECKED = "unchecked"
_BITS = 1 << 24  # bitmap of seen source ids: 2 MiB, ~6 % false positives at a million ids
_BATCH_COLUMNS = (
    "id, source, plugin, plugin_version, file_name, path, sha256, size_bytes, contract_id, started_at, "
    "finished_at, status, imported, replaced, duplicates, older_skipped, quarantined, kinds, first_at, "
    "last_at, records, elapsed_s, options, undone_at"
)


def file_sha256(path: Path, stop: threading.Event | None = None) -> str:
    """The sha256 of a file, read in 1 MiB blocks (`stop` set: give up, return "")."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            if stop is not None and stop.is_set():
                return ""
            digest.update(block)
    return digest.hexdigest()


class _HashInThread:
    """A file's sha256 computed in a thread while the file is imported (reading a file and
    hashing a block release the GIL, and the importing process mostly waits for rows)."""

    def __init__(self, path: Path):
        self.path = path
        self.stop = threading.Event()
        self.value: str | None = None
        self.error: OSError | None = None
        self.thread = threading.Thread(target=self._run, name="ccc-sha256", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            self.value = file_sha256(self.path, self.stop)
        except OSError as err:
            self.error = err

    def result(self) -> str:
        self.thread.join()
        if self.error is not None:
            raise SourceError(f"cannot be read: {self.error.strerror or self.error}", file=str(self.path))
        return self.value or ""

    def cancel(self) -> None:
        self.stop.set()


_BLANK = b" \t\r\n\x0b\x0c"


def _is_empty(path: Path, size: int) -> bool:
    """Whether the file holds nothing but blank lines (0 bytes; spaces and line ends, after a
    UTF-8 byte-order mark). Reads only up to the first other byte."""
    if size == 0:
        return True
    with open(path, "rb") as fh:
        block = fh.read(1 << 16)
        if block.startswith(b"\xef\xbb\xbf"):
            block = block[3:]
        while block:
            if block.strip(_BLANK):
                return False
            block = fh.read(1 << 16)
    return True


def _now_text() -> str:
    return now_utc().isoformat(timespec="seconds").replace("+00:00", "Z")


class _Collector:
    """Buffers one record kind's rows and sends them on a chunk at a time.

    It never touches the database (it may run in the reader process, `store.parallel`): when
    `CHUNK` rows are pending it emits them as one unit, `emit(kind, columns, partials, probe)`:
    the rows column by column (a column empty in every row as None), `partials` a parallel list
    of flags (None when no row is partial), `probe` the source ids that may be stored already
    (None: every one). On a first import of the source (`fresh`) a fixed-size bitmap of the ids
    seen in this batch says which ids to probe: only those whose bit is already set. Repeats of
    an id are sent as they are, in file order: the applier folds them (`_Applier.apply`).
    """

    def __init__(self, spec: KindSpec, fresh: bool, emit: Callable):
        self.spec = spec
        self.kind = spec.kind
        self.fresh = fresh
        self.emit = emit
        self.rows: list[tuple] = []
        self.partials: list[bool] = []
        self.bits = bytearray(_BITS // 8) if fresh else None
        self.first_at: int | None = None
        self.last_at: int | None = None
        self.used = False  # some row of this kind was taken (the batch's `kinds`)

    def add(self, row: tuple, partial: bool) -> None:
        self.add_many([row], partial)

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

    def add_many(self, rows: list, partial: bool) -> None:
        """Take rows (store row tuples), in order."""
        if not rows:
            return
        ti = self.spec.time_index
        self.span([row[ti] for row in rows])
        self.rows.extend(rows)
        self.partials.extend([partial] * len(rows))
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        rows, partials = self.rows, self.partials
        self.rows, self.partials = [], []
        probe = None
        if self.fresh:
            bits = self.bits
            mask = _BITS - 1
            probe = []
            for row in rows:
                sid = row[1]
                h = hash(sid) & mask
                byte, bit = h >> 3, 1 << (h & 7)
                if bits[byte] & bit:
                    probe.append(sid)
                else:
                    bits[byte] |= bit
        n = len(rows)
        columns = [col if col.count(None) != n else None for col in zip(*rows)]
        self.emit(self.kind, columns, partials if any(partials) else None, probe)


class _Conflict(Exception):
    """An id believed new is stored already (the unit is then applied again, looking every id up)."""


class _Applier:
    """Applies one kind's units (`_Collector.flush`, or a fast-path block's columns) to the store,
    inside the batch's transaction.

    The rule, whatever the units: the copies of one id are folded one after the other in file
    order (`_compare`), starting from the row stored before them (by an earlier batch, or by
    an earlier unit of this one). So what is stored and counted does not depend on how the file
    was cut into blocks and units."""

    def __init__(self, conn, spec: KindSpec, source: str, batch_id: int, counts: dict):
        self.conn = conn
        self.spec = spec
        self.source = source
        self.batch_id = batch_id
        self.counts = counts
        cols = spec.columns
        self.insert_sql: dict[tuple, str] = {}
        self.update_sql = (
            f"UPDATE {spec.table} SET {', '.join(f'{c} = ?' for c in cols[2:])} WHERE id = ?"
        )
        self.select_sql = (
            f"SELECT id, {', '.join(cols)} FROM {spec.table} "
            "WHERE source = ? AND source_id IN (SELECT value FROM json_each(?))"
        )
        self.all_columns = ("id",) + cols

    def _insert(self, columns: list) -> None:
        """INSERT rows given column by column, naming only the columns that hold a value in some
        row (binding a NULL costs as much as a value, and most kinds leave most columns empty)
        and writing a text or integer column that holds one same value in every row (`source`,
        `batch_id`, a reader's constant such as `channel`) as a literal instead of binding it."""
        names, values, binds = [], [], []
        for i, col in enumerate(columns):
            if col is None:
                continue
            names.append(self.spec.columns[i])
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
            sql = self.insert_sql[key] = (
                f"INSERT INTO {self.spec.table} ({', '.join(names)}) VALUES ({', '.join(values)})"
            )
        self.conn.executemany(sql, zip(*binds) if binds else [()] * len(columns[1]))

    def _insert_new(self, columns: list) -> None:
        """INSERT rows believed new; `_Conflict` (with nothing of them left inserted) when the
        UNIQUE key finds one stored already, or repeated among them."""
        table = self.spec.table
        before = self.conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
        try:
            self._insert(columns)
        except sqlite3.IntegrityError as err:
            if "UNIQUE" not in str(err):
                raise
            self.conn.execute(f"DELETE FROM {table} WHERE rowid > ?", (before,))
            raise _Conflict from None

    def apply(self, columns: list, partials: list | None, probe) -> None:
        """Apply one unit (rows column by column, in file order; an id may repeat). `probe`:
        the ids that may be stored already (None: any of them; `UNCHECKED`: not known, the
        rows are inserted as they are unless the UNIQUE key finds a stored or repeated id)."""
        if probe == UNCHECKED:
            try:
                self._insert_new(columns)
            except _Conflict:
                self.apply(columns, partials, None)
            else:
                self.counts["imported"] += len(columns[1])
            return
        try:
            self._fold(columns, partials, probe)
        except _Conflict:  # an id of the bitmap's "new" ones was stored by an unchecked unit
            self._fold(columns, partials, None)

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
        counts = dict.fromkeys(self.counts, 0)
        nones = (None,) * n
        rows = zip(*[nones if col is None else col for col in columns])
        state: dict[str, list] = {}  # id -> [row, stored row (id, …) or None, changed, old row kept]
        replaced: list[tuple] = []  # stored rows of earlier batches, in the order this batch changes them
        for i, row in enumerate(rows):
            held = state.get(row[1])
            if held is None:
                old = stored.get(row[1])
                if old is None:
                    state[row[1]] = [row, None, True, None]
                    counts["imported"] += 1
                    continue
                held = state[row[1]] = [old[1:], old, False, None]
            verdict, merged = _compare(row, partials[i] if partials else False, held[0])
            if merged is None:
                counts[verdict] += 1
                continue
            if held[1] is not None and held[1][3] != self.batch_id and held[3] is None:
                counts["replaced"] += 1  # first change this batch makes to a row of an earlier one
                held[3] = held[1]
                replaced.append(held[1])
            else:
                counts["duplicates"] += 1  # an earlier copy from this file, now superseded
            held[0] = merged
            held[2] = True
        inserts = [h[0] for h in state.values() if h[1] is None]
        if inserts:
            m = len(inserts)
            self._insert_new([col if col.count(None) != m else None for col in zip(*inserts)])
        updates = [h[0][2:] + (h[1][0],) for h in state.values() if h[1] is not None and h[2]]
        if updates:
            self.conn.executemany(self.update_sql, updates)
        saved = [
            (self.batch_id, self.spec.table, json.dumps(dict(zip(self.all_columns, old)), separators=(",", ":")), old[3])
            for old in replaced
        ]
        if saved:
            self.conn.executemany(
                "INSERT INTO replaced_rows (batch_id, tbl, row, from_batch) VALUES (?, ?, ?, ?)", saved
            )
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
    """Drop `table`'s secondary indexes (not the unique ones: they check rows as they come) when
    it holds fewer rows than `estimated_rows`, inside the current transaction; return their
    `(name, CREATE sql)` to run again before the commit. Building an index once over the rows
    is cheaper than updating it row by row; on a big table it is not, and nothing is dropped."""
    last = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
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


def _source_state(conn, source: str) -> str | None:
    row = conn.execute("SELECT state FROM source_state WHERE source = ?", (source,)).fetchone()
    return row[0] if row else None


def import_file(
    db,
    workspace,
    pm,
    source_name: str,
    path,
    *,
    contract_id: str | None = None,
    strict: bool = False,
    options: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Import one file through source `source_name` as one atomic batch; return its summary.

    The summary has `batch_id, status (imported | already_imported), source, file, imported,
    replaced, duplicates, older_skipped, quarantined, records, rows_per_s, elapsed_s` and
    `quarantine` (the first 10 quarantined rows as `{line, reason}`). `options` are merged over
    the workspace's `[sources.NAME]` table. `progress(done_bytes, total_bytes)` is called as the
    reader reports progress. Raises `SourceError` (file unreadable, or `strict` and a bad row),
    `PluginError` (unknown source, or a reader that fails); nothing is stored then.
    """
    from ..plugins import find_source
    from . import parallel

    source = find_source(pm, source_name)
    if workspace is not None:  # refused before any work starts; checked again inside the batch
        check_key(db.conn, workspace.key, workspace.key_origin, record=False)
    path = Path(path)
    if not path.is_file():
        raise SourceError("no such file" if not path.exists() else "not a file", file=str(path))
    try:
        size = path.stat().st_size
        empty = _is_empty(path, size)
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    if empty:  # one rule for every source (a reader would read nothing, and a 0-row batch says nothing)
        raise SourceError("the file is empty: nothing imported", file=str(path))
    # A big file is read in a second process (`store.parallel`), started now so that it loads
    # the reader while this one hashes the file and opens the batch.
    reader = parallel.ReaderProcess(source) if parallel.wanted(source, size) else None
    try:
        return _import(db, workspace, source, path, size, reader, contract_id=contract_id, strict=strict,
                       options=options, progress=progress)
    finally:
        if reader is not None:
            reader.close()


def _import(db, workspace, source, path: Path, size: int, reader, *, contract_id, strict, options, progress) -> dict:
    # With a reader process the writer waits for rows much of the time: the indexes are kept up
    # to date meanwhile instead of being rebuilt, alone, after the last row.
    in_child = reader is not None
    conn = db.conn
    hashing = None
    done = None
    if conn.execute(
        "SELECT 1 FROM batches WHERE source = ? AND size_bytes = ? AND status = 'complete' LIMIT 1", (source.name, size)
    ).fetchone() is None:
        # No file of this size came through this source: it cannot be one imported already, so
        # its sha256 is computed in a thread while it is read (on a 1.5 GB file: 0.7 s saved).
        hashing = _HashInThread(path)
        sha = ""
    else:
        try:
            sha = file_sha256(path)
        except OSError as err:
            raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
        done = conn.execute(
            "SELECT id FROM batches WHERE source = ? AND sha256 = ? AND status = 'complete' ORDER BY id LIMIT 1",
            (source.name, sha),
        ).fetchone()
    try:
        return _import_batch(db, workspace, source, path, size, reader, in_child, sha, hashing, done,
                             contract_id=contract_id, strict=strict, options=options, progress=progress)
    finally:
        if hashing is not None:
            hashing.cancel()


def _import_batch(db, workspace, source, path: Path, size: int, reader, in_child: bool, sha: str, hashing, done, *,
                  contract_id, strict, options, progress) -> dict:
    conn = db.conn
    summary = {
        "batch_id": None, "status": "imported", "source": source.name, "file": str(path),
        "imported": 0, "replaced": 0, "duplicates": 0, "older_skipped": 0, "quarantined": 0,
        "records": 0, "rows_per_s": 0.0, "elapsed_s": 0.0, "quarantine": [],
    }
    if done:
        summary.update(batch_id=done[0], status="already_imported")
        return summary

    merged_options = dict(workspace.source_options(source.name)) if workspace is not None else {}
    merged_options.update(options or {})
    key = workspace.key if workspace is not None else b""
    counts = {"imported": 0, "replaced": 0, "duplicates": 0, "older_skipped": 0, "quarantined": 0}
    # The transaction takes the write lock as it begins (`store.writelock`: a second writer waits
    # for it with a note naming this batch); the notice is removed after the commit.
    with WriterNotice(db) as notice, db.atomic():
        started = time.perf_counter()  # (not counting the wait for the lock)
        if workspace is not None:
            check_key(conn, workspace.key, workspace.key_origin)
        # Another import may have committed while this one waited for the lock: the same file
        # (imported already now), or a newer state of the source: both are read again here.
        if hashing is not None and conn.execute(
            "SELECT 1 FROM batches WHERE source = ? AND size_bytes = ? AND status = 'complete' LIMIT 1",
            (source.name, size),
        ).fetchone() is not None:
            sha, hashing = hashing.result(), None
        if sha:
            done = conn.execute(
                "SELECT id FROM batches WHERE source = ? AND sha256 = ? AND status = 'complete' ORDER BY id LIMIT 1",
                (source.name, sha),
            ).fetchone()
            if done:
                summary.update(batch_id=done[0], status="already_imported")
                return summary
        state_before = _source_state(conn, source.name)
        context = ReadContext(
            path=path,
            options=merged_options,
            attributes=dict(workspace.attributes) if workspace is not None else {"fcr": "fcr", "csat": "csat"},
            state=json.loads(state_before) if state_before else {},
            progress=(lambda n: progress(n, size)) if progress else (lambda n: None),
            workspace_root=getattr(workspace, "root", None),
        )
        cur = conn.execute(
            "INSERT INTO batches (source, plugin, plugin_version, file_name, path, sha256, size_bytes, "
            "contract_id, started_at, status, options, state_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?)",
            (source.name, source.plugin, source.plugin_version, path.name, str(path.resolve()), sha, size,
             contract_id, _now_text(), json.dumps(merged_options, default=str), state_before),
        )
        batch_id = cur.lastrowid
        notice.announce(f"the import of batch {batch_id} ({path.name})")
        appliers: dict[str, _Applier] = {}

        deferred: list[tuple[str, str]] = []  # secondary indexes dropped for this batch: rebuilt before commit

        def apply(kind, columns, partials, probe):
            applier = appliers.get(kind)
            if applier is None:
                spec = SPECS[KINDS[kind]]
                applier = appliers[kind] = _Applier(conn, spec, source.name, batch_id, counts)
                if size >= DEFER_INDEX_BYTES and not in_child:
                    deferred.extend(_defer_indexes(conn, spec.table, size // 200))
            applier.apply(columns, partials, probe)

        # Whether the source has rows stored before this batch, per kind (the collectors use it).
        fresh = {
            spec.kind: conn.execute(f"SELECT 1 FROM {spec.table} WHERE source = ? LIMIT 1", (source.name,))
            .fetchone() is None
            for spec in SPECS.values()
        }
        job = ReadJob(
            source_name=source.name, plugin=source.plugin, batch_id=batch_id, file_name=path.name, path=str(path),
            key=key, strict=strict, fresh=fresh,
        )
        if in_child:
            result = reader.read(context, job, apply, lambda rows: _flush_quarantine(conn, rows),
                                 (lambda n: progress(n, size)) if progress else None)
        else:
            result = read_source(source.iter_records, context, job, apply, lambda rows: _flush_quarantine(conn, rows))
        for name, n in result["counts"].items():
            counts[name] += n
        for _name, sql in deferred:
            conn.execute(sql)
        first_quarantined = result["first_quarantined"]
        records = result["records"]
        new_state = json.dumps(context.state, sort_keys=True, default=str)
        if context.state or state_before is not None:
            conn.execute(
                "INSERT INTO source_state (source, state, batch_id) VALUES (?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET state = excluded.state, batch_id = excluded.batch_id",
                (source.name, new_state, batch_id),
            )
        if hashing is not None:
            sha = hashing.result()
        elapsed = time.perf_counter() - started
        conn.execute(
            "UPDATE batches SET finished_at = ?, imported = ?, replaced = ?, duplicates = ?, older_skipped = ?, "
            "quarantined = ?, kinds = ?, first_at = ?, last_at = ?, records = ?, elapsed_s = ?, sha256 = ? "
            "WHERE id = ?",
            (_now_text(), counts["imported"], counts["replaced"], counts["duplicates"], counts["older_skipped"],
             counts["quarantined"], ",".join(sorted(result["kinds"])) or None,
             result["first_at"], result["last_at"], records, round(elapsed, 3), sha, batch_id),
        )
    if progress:
        progress(size, size)
    summary.update(counts)
    summary.update(
        batch_id=batch_id, records=records, elapsed_s=round(elapsed, 3),
        rows_per_s=round(records / elapsed, 1) if elapsed > 0 else float(records),
        quarantine=first_quarantined,
    )
    _notify_engine(db, batch_id)
    return summary


@attrs.define
class ReadJob:
    """What the reading side of an import needs besides the reader and its context (picklable:
    `store.parallel` sends it to the reader process)."""

    source_name: str
    plugin: str | None
    batch_id: int
    file_name: str
    path: str
    key: bytes
    strict: bool
    fresh: dict  # kind -> True when the source has no row of that kind stored before the batch


def read_source(records_of: Callable, context: ReadContext, job: ReadJob, emit_unit: Callable,
                emit_quarantine: Callable) -> dict:
    """The reading side of one import, without the database: run the reader, check and convert
    every record (or block), quarantine what cannot be stored, and hand the rest on a unit at a
    time: `emit_unit(kind, columns, partials, probe)` (`_Collector`, or a block's columns with
    `UNCHECKED`) and `emit_quarantine(rows)` (quarantine row tuples; the callee may clear the
    list). Repeats of an id are left to the applier. Runs in the importing process, or in a
    reader process (`store.parallel`).

    Returns `{counts, first_quarantined, records, kinds, first_at, last_at}` (`counts`: the
    verdicts decided here: the quarantined rows). Raises `SourceError` (file unreadable,
    `--strict` and a bad row) or `PluginError` (a reader that fails).
    """
    counts = {"imported": 0, "replaced": 0, "duplicates": 0, "older_skipped": 0, "quarantined": 0}
    first_quarantined: list[dict] = []
    collectors: dict[type, _Collector] = {}
    quarantine_rows: list[tuple] = []
    records = 0
    batch_id, file_name, strict, source_name = job.batch_id, job.file_name, job.strict, job.source_name
    path = job.path
    hasher = customer_hasher(job.key)

    def quarantine(line, reason, raw, source_id):
        counts["quarantined"] += 1
        if len(first_quarantined) < 10:
            first_quarantined.append({"line": line, "reason": reason})
        quarantine_rows.append((batch_id, file_name, line, reason, mask(raw, RAW_LIMIT),
                                mask(source_id, RAW_LIMIT)))
        if len(quarantine_rows) >= CHUNK:
            emit_quarantine(quarantine_rows)
            quarantine_rows.clear()

    def collector(spec: KindSpec) -> _Collector:
        c = collectors.get(spec.cls)
        if c is None:
            c = collectors[spec.cls] = _Collector(spec, job.fresh.get(spec.kind, True), emit_unit)
        return c

    def take(record) -> bool:
        """One record (or Rejected) the ordinary way; True when --strict must stop now."""
        spec = SPECS.get(type(record))
        if spec is None:
            if isinstance(record, Rejected):
                quarantine(record.line, str(record.reason), record.raw, record.source_id)
                return strict and counts["quarantined"] >= 10
            raise PluginError(
                f"source {source_name!r} (plugin {job.plugin}) yielded {type(record).__name__}, "
                "which is not a record kind of ccc_governance.records",
                file=path,
            )
        row = spec.convert(record, source_name, batch_id, hasher)
        if type(row) is str:
            quarantine(record.line, row, _safe_repr(record), getattr(record, "source_id", None))
            return strict and counts["quarantined"] >= 10
        collector(spec).add(row, getattr(record, "partial", False))
        return False

    def take_block(block: RowBlock, columns_tried: bool = False) -> tuple[int, bool]:
        """A fast-path block: (rows read, whether --strict must stop now). Checked a column at a
        time when it can be (`as_unit`), else row by row (`fallback` for the rows that fail)."""
        cls = KINDS.get(block.kind)
        rows = block.rows
        if not columns_tried and cls is not None and rows and set(map(len, rows)) == {len(block.fields) + 2} \
                and as_unit(block.kind, block.fields, block.partial, list(zip(*rows)), "RowBlock"):
            return len(rows), False
        try:
            convert = block_converter(block.kind, tuple(block.fields), bool(block.partial))
        except (ValueError, TypeError) as err:
            raise PluginError(
                f"source {source_name!r} (plugin {job.plugin}) yielded a RowBlock the host cannot take: {err}",
                file=path,
            ) from None
        writer = collector(SPECS[cls])
        rows, bad = convert(block.rows, source_name, batch_id, hasher)
        partial = bool(block.partial)
        if not bad:
            writer.add_many(rows, partial)
            return len(rows), False
        start = 0
        for i in bad:
            if i > start:
                writer.add_many(rows[start:i], partial)
            start = i + 1
            if take(block.fallback(i)):
                return i + 1, True
        if start < len(rows):
            writer.add_many(rows[start:], partial)
        return len(rows), False

    def as_unit(kind: str, fields: tuple, partial: bool, columns: list, what: str) -> bool:
        """Send a fast-path block's columns on as one unit, unchecked for repeats (`UNCHECKED`),
        when every value passes the column checks; False (nothing sent) when some value does not."""
        try:
            convert = column_converter(kind, tuple(fields), bool(partial))
        except (ValueError, TypeError) as err:
            raise PluginError(
                f"source {source_name!r} (plugin {job.plugin}) yielded a {what} the host cannot take: {err}",
                file=path,
            ) from None
        try:
            stored = convert(columns, source_name, batch_id, hasher)
        except Exception:  # noqa: BLE001 - an odd value (unhashable …): row by row, where it is judged
            stored = None
        if stored is None:
            return False
        spec = SPECS[KINDS[kind]]
        writer = collector(spec)
        writer.flush()  # rows taken before the block go first
        writer.span(stored[spec.time_index] or ())
        emit_unit(spec.kind, stored, [True] * len(stored[1]) if partial else None, UNCHECKED)
        return True

    def take_columns(block: ColumnBlock) -> tuple[int, bool]:
        """A fast-path block given column by column: (rows read, whether --strict must stop now)."""
        if as_unit(block.kind, block.fields, block.partial, block.columns, "ColumnBlock"):
            return len(block.columns[0]), False
        return take_block(block.as_rows(), columns_tried=True)

    try:
        for record in records_of(context):
            if type(record) is ColumnBlock:
                n, stop = take_columns(record)
                records += n
                if stop:
                    break
                continue
            if type(record) is RowBlock:
                n, stop = take_block(record)
                records += n
                if stop:
                    break
                continue
            records += 1
            if take(record):
                break
    except CccError:
        raise
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror or err}", file=path) from None
    except KeyboardInterrupt:
        raise
    except BaseException as err:  # noqa: BLE001 - a bug in the plugin, or a reader that calls
        # sys.exit() (SystemExit): one clear line, the batch fails and nothing is stored
        how = f"it called sys.exit({err.code!r})" if isinstance(err, SystemExit) else f"{type(err).__name__}: {err}"
        raise PluginError(f"source {source_name!r} (plugin {job.plugin}) failed: {how}", file=path) from err
    if strict and counts["quarantined"]:
        reasons = "; ".join(
            f"{file_name}:{q['line']}: {q['reason']}" if q["line"] else f"{file_name}: {q['reason']}"
            for q in first_quarantined[:3]
        )
        more = "+" if counts["quarantined"] >= 10 else ""
        raise SourceError(
            f"--strict: {counts['quarantined']}{more} row(s) would be quarantined, nothing imported: {reasons}"
        )
    for c in collectors.values():
        c.flush()
    if quarantine_rows:
        emit_quarantine(quarantine_rows)
    firsts = [c.first_at for c in collectors.values() if c.first_at is not None]
    lasts = [c.last_at for c in collectors.values() if c.last_at is not None]
    return {
        "counts": counts, "first_quarantined": first_quarantined, "records": records,
        "kinds": [c.spec.kind for c in collectors.values() if c.used],
        "first_at": min(firsts) if firsts else None, "last_at": max(lasts) if lasts else None,
    }


def _safe_repr(record) -> str:
    """The record as text for the quarantine, without its customer identifier or free comment."""
    fields = attrs.asdict(record, recurse=False)
    for private in ("customer", "comment"):
        if fields.get(private) is not None:
            fields[private] = "<hidden>"
    return f"{type(record).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


def _flush_quarantine(conn, rows: list[tuple]) -> None:
    if rows:
        conn.executemany(
            "INSERT INTO quarantine (batch_id, file_name, line, reason, raw, source_id) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        rows.clear()


def _notify_engine(db, batch_id: int) -> None:
    """Let the engine refresh what it derives from records, if it provides `refresh_after_batch`.

    Called once, after a batch is committed (never inside its transaction).
    """
    try:
        from ..engine import aggregates
    except ModuleNotFoundError as err:
        if err.name and err.name.startswith("ccc_governance.engine"):
            return
        raise
    refresh = getattr(aggregates, "refresh_after_batch", None)
    if refresh is not None:
        refresh(db, batch_id)


def _batch_row(conn, batch_id: int) -> dict:
    cur = conn.execute(f"SELECT {_BATCH_COLUMNS} FROM batches WHERE id = ?", (batch_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"no batch {batch_id} (see `ccc batches`)")
    return dict(zip([d[0] for d in cur.description], row))


def list_batches(db) -> list[dict]:
    """Every batch, oldest first, as dicts of the `batches` columns."""
    cur = db.conn.execute(f"SELECT {_BATCH_COLUMNS} FROM batches ORDER BY id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur]


def get_batch(db, batch_id: int) -> dict:
    """One batch's row, plus `replaced_rows` (count) and `records_by_table`; `NotFoundError` if none."""
    batch = _batch_row(db.conn, int(batch_id))
    batch["replaced_rows"] = db.conn.execute(
        "SELECT count(*) FROM replaced_rows WHERE batch_id = ?", (batch["id"],)
    ).fetchone()[0]
    batch["records_by_table"] = {}
    for spec in SPECS.values():
        n = db.conn.execute(f"SELECT count(*) FROM {spec.table} WHERE batch_id = ?", (batch["id"],)).fetchone()[0]
        if n:
            batch["records_by_table"][spec.table] = n
    return batch


def list_quarantine(db, batch_id: int | None = None, *, limit: int | None = None) -> list[dict]:
    """Quarantined rows (`batch_id, file_name, line, reason, raw, source_id`), of one batch or all."""
    sql = "SELECT id, batch_id, file_name, line, reason, raw, source_id FROM quarantine"
    args: tuple = ()
    if batch_id is not None:
        _batch_row(db.conn, int(batch_id))
        sql += " WHERE batch_id = ?"
        args = (int(batch_id),)
    sql += " ORDER BY batch_id, id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    cur = db.conn.execute(sql, args)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur]


def undo_batch(db, batch_id: int) -> dict:
    """Remove a batch's records, restore the rows it replaced and its source's previous state,
    and mark it `undone` (so the same file can be imported again) — in one transaction.

    Returns `{batch_id, removed, restored}`. Raises `NotFoundError` for an unknown batch and
    `StateError` when it is already undone or a later batch replaced some of its records (undo
    that one first).
    """
    conn = db.conn
    removed = restored = 0
    # Checked inside the transaction: it may have waited for another writer (an undo of the same
    # batch, an import replacing its records) that changed what is allowed.
    with db.atomic():
        batch = _batch_row(conn, int(batch_id))
        batch_id = batch["id"]
        if batch["status"] == "undone":
            raise StateError(f"batch {batch_id} is already undone")
        later = conn.execute(
            "SELECT DISTINCT r.batch_id FROM replaced_rows r JOIN batches b ON b.id = r.batch_id "
            "WHERE r.from_batch = ? AND b.status = 'complete' ORDER BY r.batch_id",
            (batch_id,),
        ).fetchall()
        if later:
            ids = ", ".join(str(r[0]) for r in later)
            raise StateError(
                f"batch {batch_id} cannot be undone: batch {ids} replaced some of its records (undo it first)")
        for spec in SPECS.values():
            removed += conn.execute(f"DELETE FROM {spec.table} WHERE batch_id = ?", (batch_id,)).rowcount
        for tbl, text in conn.execute(
            "SELECT tbl, row FROM replaced_rows WHERE batch_id = ? ORDER BY id", (batch_id,)
        ).fetchall():
            row = json.loads(text)
            cols = list(row)
            conn.execute(
                f"INSERT INTO {tbl} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                [row[c] for c in cols],
            )
            restored += 1
        state = conn.execute("SELECT batch_id FROM source_state WHERE source = ?", (batch["source"],)).fetchone()
        if state and state[0] == batch_id:
            before = conn.execute("SELECT state_before FROM batches WHERE id = ?", (batch_id,)).fetchone()[0]
            if before is None:
                conn.execute("DELETE FROM source_state WHERE source = ?", (batch["source"],))
            else:
                prev = conn.execute(
                    "SELECT max(id) FROM batches WHERE source = ? AND id < ? AND status = 'complete'",
                    (batch["source"], batch_id),
                ).fetchone()[0]
                conn.execute("UPDATE source_state SET state = ?, batch_id = ? WHERE source = ?",
                             (before, prev, batch["source"]))
        conn.execute("UPDATE batches SET status = 'undone', undone_at = ? WHERE id = ?", (_now_text(), batch_id))
    # No engine refresh here: the engine sees an undone batch in `batches` and rebuilds itself.
    return {"batch_id": batch_id, "removed": removed, "restored": restored}
