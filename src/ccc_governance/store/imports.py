"""The import pipeline: one file through one source's reader into the store, as one atomic batch.

`import_file` hashes the file, refuses a file already imported by the same source (it says which
batch), then in ONE transaction: writes the batch row, streams records from the reader, converts
them (`store.convert`), upserts them by `(source, source_id)`, quarantines what cannot be stored,
and saves the source's state. Either all of that is committed or none of it (a crash, a SIGKILL or
`--strict` with a bad row leaves the store exactly as before).

Upsert rules, per record (every record read ends in exactly one counter, so
`imported + replaced + duplicates + older_skipped + quarantined == records read`):

- `imported`: its source id was not stored before;
- `replaced`: it replaced a record stored by an earlier batch (same or newer `version`, different
  content); the old row is kept in `replaced_rows` so that `undo_batch` can put it back;
- `duplicates`: identical to the stored record, or an earlier copy in the same file superseded by
  a later one (Amazon Connect delivers a contact more than once in one file);
- `older_skipped`: its `version` is older than the stored (or already seen) one;
- `quarantined`: a `Rejected` row or a record that fails the checks, kept with file, line, reason.

Speed: rows go through plain `executemany` on the sqlite3 connection, in chunks of `CHUNK` rows
inside the one transaction, so memory stays flat whatever the file size. To know whether a
record is new without asking the database for every row, a fixed-size bitmap of the source ids
seen in this batch is kept (2 MiB): on a first import only the rows whose bit is already set are
looked up; when the source already has stored rows every row is looked up, a chunk at a time.
An INSERT names only the columns some row of its chunk fills (binding NULLs costs as much as
values). Readers may yield `fastrows.RowBlock`s (rows already in storage form) instead of
records: checked by one generated function per layout, rows that fail go the record path.
"""

from __future__ import annotations

import hashlib
import json
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
from .fastrows import RowBlock, block_converter

CHUNK = 10_000
RAW_LIMIT = 500
_BITS = 1 << 24  # bitmap of seen source ids: 2 MiB, ~6 % false positives at a million ids
_BATCH_COLUMNS = (
    "id, source, plugin, plugin_version, file_name, path, sha256, size_bytes, contract_id, started_at, "
    "finished_at, status, imported, replaced, duplicates, older_skipped, quarantined, kinds, first_at, "
    "last_at, records, elapsed_s, options, undone_at"
)


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now_text() -> str:
    return now_utc().isoformat(timespec="seconds").replace("+00:00", "Z")


class _TableWriter:
    """Buffers one record table's rows and applies the upsert rules a chunk at a time."""

    def __init__(self, conn, spec: KindSpec, source: str, batch_id: int, counts: dict):
        self.conn = conn
        self.spec = spec
        self.source = source
        self.batch_id = batch_id
        self.counts = counts
        self.pending: dict[str, tuple[tuple, bool]] = {}
        self.bits = bytearray(_BITS // 8)
        cols = spec.columns
        self.insert_sql = (
            f"INSERT INTO {spec.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
        )
        self.narrow_sql: dict[tuple, str] = {}
        self.update_sql = (
            f"UPDATE {spec.table} SET {', '.join(f'{c} = ?' for c in cols[2:])} WHERE id = ?"
        )
        self.select_sql = (
            f"SELECT id, {', '.join(cols)} FROM {spec.table} "
            "WHERE source = ? AND source_id IN (SELECT value FROM json_each(?))"
        )
        self.all_columns = ("id",) + cols
        # Rows of this source stored before the batch: then every row must be looked up.
        self.fresh = conn.execute(
            f"SELECT 1 FROM {spec.table} WHERE source = ? LIMIT 1", (source,)
        ).fetchone() is None
        self.first_at: int | None = None
        self.last_at: int | None = None

    def add(self, row: tuple, partial: bool) -> None:
        sid = row[1]
        t = row[self.spec.time_index]
        if t is not None:
            if self.first_at is None or t < self.first_at:
                self.first_at = t
            if self.last_at is None or t > self.last_at:
                self.last_at = t
        held = self.pending.get(sid)
        if held is None:
            self.pending[sid] = (row, partial)
        else:
            verdict, merged = _compare(row, partial, held[0])
            self.counts[verdict] += 1
            if merged is not None:
                self.pending[sid] = (merged, held[1] and partial)
        if len(self.pending) >= CHUNK:
            self.flush()

    def add_many(self, rows: list, partial: bool) -> None:
        """`add` for each row of a list, in order (the fast path's inner loop)."""
        ti = self.spec.time_index
        times = [t for t in [row[ti] for row in rows] if t is not None]
        if times:
            lo, hi = min(times), max(times)
            if self.first_at is None or lo < self.first_at:
                self.first_at = lo
            if self.last_at is None or hi > self.last_at:
                self.last_at = hi
        pending = self.pending
        get = pending.get
        for row in rows:
            sid = row[1]
            held = get(sid)
            if held is None:
                pending[sid] = (row, partial)
                if len(pending) >= CHUNK:
                    self.flush()
                    pending = self.pending
                    get = pending.get
            else:
                verdict, merged = _compare(row, partial, held[0])
                self.counts[verdict] += 1
                if merged is not None:
                    pending[sid] = (merged, held[1] and partial)

    def _insert(self, rows: list) -> None:
        """INSERT rows, naming only the columns that hold a value in some row of the chunk:
        binding a NULL costs as much as a value, and most kinds leave most columns empty."""
        columns = list(zip(*rows))
        n = len(rows)
        keep = tuple(i for i, col in enumerate(columns) if i < 3 or col.count(None) != n)
        if len(keep) == len(columns):
            self.conn.executemany(self.insert_sql, rows)
            return
        sql = self.narrow_sql.get(keep)
        if sql is None:
            cols = [self.spec.columns[i] for i in keep]
            sql = self.narrow_sql[keep] = (
                f"INSERT INTO {self.spec.table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            )
        self.conn.executemany(sql, zip(*[columns[i] for i in keep]))

    def flush(self) -> None:
        if not self.pending:
            return
        if self.fresh:
            bits = self.bits
            mask = _BITS - 1
            probe = []
            for sid in self.pending:
                h = hash(sid) & mask
                byte, bit = h >> 3, 1 << (h & 7)
                if bits[byte] & bit:
                    probe.append(sid)
                else:
                    bits[byte] |= bit
        else:  # rows stored before the batch: look every one up (the bitmap is not used)
            probe = list(self.pending)
        stored = {}
        if probe:
            for found in self.conn.execute(self.select_sql, (self.source, json.dumps(probe))):
                stored[found[2]] = found  # (id, source, source_id, batch_id, …)
        counts = self.counts
        if not stored:  # all new (a first import, mostly): straight to INSERT
            inserts = [held[0] for held in self.pending.values()]
            counts["imported"] += len(inserts)
            self._insert(inserts)
            self.pending = {}
            return
        inserts, updates, saved = [], [], []
        for sid, (row, partial) in self.pending.items():
            old = stored.get(sid)
            if old is None:
                inserts.append(row)
                counts["imported"] += 1
                continue
            old_row = old[1:]
            verdict, merged = _compare(row, partial, old_row)
            same_batch = old_row[2] == self.batch_id
            if merged is None:
                counts[verdict] += 1
                continue
            if same_batch:
                counts["duplicates"] += 1  # an earlier copy from this file, now superseded
            else:
                counts["replaced"] += 1
                saved.append((
                    self.batch_id, self.spec.table,
                    json.dumps(dict(zip(self.all_columns, old)), separators=(",", ":")),
                    old_row[2],
                ))
            updates.append(merged[2:] + (old[0],))
        conn = self.conn
        if inserts:
            self._insert(inserts)
        if updates:
            conn.executemany(self.update_sql, updates)
        if saved:
            conn.executemany(
                "INSERT INTO replaced_rows (batch_id, tbl, row, from_batch) VALUES (?, ?, ?, ?)", saved
            )
        self.pending = {}


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

    source = find_source(pm, source_name)
    path = Path(path)
    if not path.is_file():
        raise SourceError("no such file" if not path.exists() else "not a file", file=str(path))
    try:
        sha = file_sha256(path)
        size = path.stat().st_size
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    conn = db.conn
    done = conn.execute(
        "SELECT id FROM batches WHERE source = ? AND sha256 = ? AND status = 'complete' ORDER BY id LIMIT 1",
        (source.name, sha),
    ).fetchone()
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
    state_before = _source_state(conn, source.name)
    context = ReadContext(
        path=path,
        options=merged_options,
        attributes=dict(workspace.attributes) if workspace is not None else {"fcr": "fcr", "csat": "csat"},
        state=json.loads(state_before) if state_before else {},
        progress=(lambda n: progress(n, size)) if progress else (lambda n: None),
        workspace_root=getattr(workspace, "root", None),
    )
    started = time.perf_counter()
    counts = {"imported": 0, "replaced": 0, "duplicates": 0, "older_skipped": 0, "quarantined": 0}
    first_quarantined: list[dict] = []
    with db.atomic():
        cur = conn.execute(
            "INSERT INTO batches (source, plugin, plugin_version, file_name, path, sha256, size_bytes, "
            "contract_id, started_at, status, options, state_before) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'complete', ?, ?)",
            (source.name, source.plugin, source.plugin_version, path.name, str(path.resolve()), sha, size,
             contract_id, _now_text(), json.dumps(merged_options, default=str), state_before),
        )
        batch_id = cur.lastrowid
        writers: dict[type, _TableWriter] = {}
        quarantine_rows: list[tuple] = []
        records = 0
        file_name = path.name

        def quarantine(line, reason, raw, source_id):
            counts["quarantined"] += 1
            if len(first_quarantined) < 10:
                first_quarantined.append({"line": line, "reason": reason})
            quarantine_rows.append((batch_id, file_name, line, reason, mask(raw, RAW_LIMIT),
                                    mask(source_id, RAW_LIMIT)))
            if len(quarantine_rows) >= CHUNK:
                _flush_quarantine(conn, quarantine_rows)

        hasher = customer_hasher(key)
        source_name = source.name

        def take(record) -> bool:
            """One record (or Rejected) the ordinary way; True when --strict must stop now."""
            spec = SPECS.get(type(record))
            if spec is None:
                if isinstance(record, Rejected):
                    quarantine(record.line, str(record.reason), record.raw, record.source_id)
                    return strict and counts["quarantined"] >= 10
                raise PluginError(
                    f"source {source.name!r} (plugin {source.plugin}) yielded {type(record).__name__}, "
                    "which is not a record kind of ccc_governance.records",
                    file=str(path),
                )
            row = spec.convert(record, source_name, batch_id, hasher)
            if type(row) is str:
                quarantine(record.line, row, _safe_repr(record), getattr(record, "source_id", None))
                return strict and counts["quarantined"] >= 10
            writer = writers.get(spec.cls)
            if writer is None:
                writer = writers[spec.cls] = _TableWriter(conn, spec, source_name, batch_id, counts)
            writer.add(row, getattr(record, "partial", False))
            return False

        def take_block(block: RowBlock) -> tuple[int, bool]:
            """A fast-path block: (rows read, whether --strict must stop now)."""
            cls = KINDS.get(block.kind)
            try:
                convert = block_converter(block.kind, tuple(block.fields), bool(block.partial))
            except (ValueError, TypeError) as err:
                raise PluginError(
                    f"source {source.name!r} (plugin {source.plugin}) yielded a RowBlock the host cannot take: {err}",
                    file=str(path),
                ) from None
            spec = SPECS[cls]
            writer = writers.get(cls)
            if writer is None:
                writer = writers[cls] = _TableWriter(conn, spec, source_name, batch_id, counts)
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

        try:
            for record in source.iter_records(context):
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
            raise SourceError(f"cannot be read: {err.strerror or err}", file=str(path)) from None
        except Exception as err:  # a bug in the plugin: one clear line, and nothing is stored
            raise PluginError(
                f"source {source.name!r} (plugin {source.plugin}) failed: {type(err).__name__}: {err}",
                file=str(path),
            ) from err
        if strict and counts["quarantined"]:
            reasons = "; ".join(
                f"{file_name}:{q['line']}: {q['reason']}" if q["line"] else f"{file_name}: {q['reason']}"
                for q in first_quarantined[:3]
            )
            more = "+" if counts["quarantined"] >= 10 else ""
            raise SourceError(
                f"--strict: {counts['quarantined']}{more} row(s) would be quarantined, nothing imported: {reasons}"
            )
        for writer in writers.values():
            writer.flush()
        _flush_quarantine(conn, quarantine_rows)
        new_state = json.dumps(context.state, sort_keys=True, default=str)
        if context.state or state_before is not None:
            conn.execute(
                "INSERT INTO source_state (source, state, batch_id) VALUES (?, ?, ?) "
                "ON CONFLICT(source) DO UPDATE SET state = excluded.state, batch_id = excluded.batch_id",
                (source.name, new_state, batch_id),
            )
        elapsed = time.perf_counter() - started
        firsts = [w.first_at for w in writers.values() if w.first_at is not None]
        lasts = [w.last_at for w in writers.values() if w.last_at is not None]
        conn.execute(
            "UPDATE batches SET finished_at = ?, imported = ?, replaced = ?, duplicates = ?, older_skipped = ?, "
            "quarantined = ?, kinds = ?, first_at = ?, last_at = ?, records = ?, elapsed_s = ? WHERE id = ?",
            (_now_text(), counts["imported"], counts["replaced"], counts["duplicates"], counts["older_skipped"],
             counts["quarantined"], ",".join(sorted(w.spec.kind for w in writers.values())) or None,
             min(firsts) if firsts else None, max(lasts) if lasts else None, records, round(elapsed, 3),
             batch_id),
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
        raise StateError(f"batch {batch_id} cannot be undone: batch {ids} replaced some of its records (undo it first)")
    removed = restored = 0
    with db.atomic():
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
