"""`ccc store copy SRC DST`: a whole store, SQLite → PostgreSQL and back, checked table by table.

The destination must be a store with the same schema and no data yet (`ccc store init` makes one).
Every table is copied with its ids in one transaction on the destination, parents before the tables
that refer to them; the interval figures are copied as they are (their row triggers stand aside
meanwhile). Then each table's rows are counted and checksummed on both sides: the checksum is the
sum (mod 2^256) of each row's SHA-256 over its canonical JSON, so it does not depend on the order a
server returns rows in.
"""

from __future__ import annotations

import hashlib
import json

from ..errors import WorkspaceError
from . import intervals
from .dialect import column_names, is_postgres

#: never copied: the migrations' own record (the destination has its own), bulk-mode markers
SKIP = {"_sqlite_migrations", "contact_intervals_bulk"}
CHUNK = 5000


def _tables(db) -> list[str]:
    if is_postgres(db):
        return db.table_names()
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")]


def _parents(db, table: str) -> set[str]:
    if is_postgres(db):
        rows = db.execute(
            "SELECT DISTINCT ccu.table_name FROM information_schema.table_constraints tc "
            "JOIN information_schema.constraint_column_usage ccu ON ccu.constraint_name = tc.constraint_name "
            "AND ccu.table_schema = tc.table_schema WHERE tc.constraint_type = 'FOREIGN KEY' AND tc.table_name = ? "
            "AND tc.table_schema = current_schema()", [table])
        return {r[0] for r in rows} - {table}
    return {r[2] for r in db.execute(f'PRAGMA foreign_key_list("{table}")')} - {table}


def _order(db, tables: list[str]) -> list[str]:
    done, out = set(), []

    def visit(t, path=()):
        if t in done or t in path:
            return
        for p in sorted(_parents(db, t)):
            if p in tables:
                visit(p, path + (t,))
        done.add(t)
        out.append(t)

    for t in tables:
        visit(t)
    return out


def _applied(db) -> set[tuple[str, str]]:
    return {(r[0], r[1]) for r in db.execute("SELECT migration_set, name FROM _sqlite_migrations")}


def _row_digest(row) -> int:
    text = json.dumps([v.hex() if isinstance(v, (bytes, memoryview)) else v for v in row],
                      separators=(",", ":"), ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest(), "big")


def checksum(db, table: str, columns: list[str]) -> tuple[int, str]:
    """(rows, checksum) of `table` over `columns`."""
    total, n = 0, 0
    cur = db.execute(f"SELECT {', '.join(columns)} FROM {table}")
    for row in cur.fetchall():
        total = (total + _row_digest(row)) % (1 << 256)
        n += 1
    return n, f"{total:064x}"[:16]


def copy_store(src, dst) -> list[dict]:
    """Copy every row of `src` into the empty store `dst`; return per table `{table, rows, checksum, same}`."""
    if _applied(src) != _applied(dst):
        raise WorkspaceError("store copy: the two stores are not at the same schema version: open both with this "
                             "version of ccc first (`ccc store init`)")
    for table in ("contract_versions", "batches", "change_log", "breaches", "reviews"):
        if dst.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() is not None:
            raise WorkspaceError(f"store copy: the destination is not empty (its {table} has rows): copy into a "
                                 "new store only, nothing there is replaced")
    tables = _order(src, [t for t in _tables(src) if t not in SKIP])
    present = set(_tables(dst))
    missing = [t for t in tables if t not in present]
    if missing:
        raise WorkspaceError(f"store copy: the destination has no table {missing[0]}")
    plan = []
    with dst.atomic():
        intervals.begin_bulk(dst.conn, 0)
        for table in tables:
            wanted = set(column_names(dst, table))
            columns = [c for c in column_names(src, table) if c in wanted]
            plan.append((table, columns))
            cur = src.execute(f"SELECT {', '.join(columns)} FROM {table}")
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
            while rows := cur.fetchmany(CHUNK):
                dst.conn.executemany(sql, rows)
        intervals.end_bulk(dst.conn, 0)
        if is_postgres(dst):  # identities continue after the copied ids
            for table, columns in plan:
                if "id" in columns and dst.execute("SELECT pg_get_serial_sequence(?, 'id')", [table]).fetchone()[0]:
                    dst.execute(f"SELECT setval(pg_get_serial_sequence(?, 'id'), "
                                f"GREATEST((SELECT max(id) FROM {table}), 1))", [table])
    out = []
    for table, columns in plan:
        n_src, sum_src = checksum(src, table, columns)
        n_dst, sum_dst = checksum(dst, table, columns)
        out.append({"table": table, "rows": n_src, "checksum": sum_src,
                    "same": n_src == n_dst and sum_src == sum_dst})
    return out
