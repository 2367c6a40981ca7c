"""Batches after they are applied: list them, show one, list the quarantine, undo one."""

from __future__ import annotations

import json

from ..errors import NotFoundError, StateError
from ..actor import current_actor
from ..clock import now_text
from ..trail import record_change
from . import intervals
from .schema import KIND_TABLES

_BATCH_COLUMNS = (
    "id, source, plugin, plugin_version, file_name, path, sha256, size_bytes, contract_id, started_at, "
    "finished_at, status, imported, replaced, duplicates, older_skipped, quarantined, kinds, first_at, "
    "last_at, records, elapsed_s, options, undone_at, imported_by, undone_by"
)


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
    for table in KIND_TABLES.values():
        n = db.conn.execute(f"SELECT count(*) FROM {table} WHERE batch_id = ?", (batch["id"],)).fetchone()[0]
        if n:
            batch["records_by_table"][table] = n
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
    who = current_actor(db)
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
        intervals.remove_batch(conn, batch_id)  # its contacts out of the interval figures, in bulk
        for table in KIND_TABLES.values():
            removed += conn.execute(f"DELETE FROM {table} WHERE batch_id = ?", (batch_id,)).rowcount
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
        intervals.restore_replaced(conn, batch_id)
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
        conn.execute("UPDATE batches SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
                     (now_text(), who, batch_id))
        record_change(conn, "import.undo", contract_id=batch["contract_id"], record=f"batches:{batch_id}", actor=who,
                      before={"status": "complete"}, after={"status": "undone", "removed": removed, "restored": restored})
    # No engine refresh here: the engine sees an undone batch in `batches` and rebuilds itself.
    return {"batch_id": batch_id, "removed": removed, "restored": restored}
