"""Opening the store: every area's migrations applied in order, on SQLite or PostgreSQL.

`open_db(target)`: `target` is a SQLite file's path or a PostgreSQL URL (`store.location`).
SQLite: WAL, foreign keys; the connection is a `writelock.Connection`: readers never wait (WAL), a
writer waits for another one's transaction with a note on stderr and gives up after
`CCC_LOCK_TIMEOUT` with one line. PostgreSQL: a `store.postgres.PgDatabase`; the migrations run
under an advisory lock, so that two first commands on an empty database do not both create it.
Open a connection in the thread that uses it (SQLite's thread check; Textual thread workers).

Tests only: with `CCC_TEST_PG` set (a PostgreSQL server's admin URL: `pytest --store=postgres`,
`ccc_governance.testing`), a SQLite path is mapped to a PostgreSQL database of its own on that
server (named from the path, created on first use), so that the same tests run on both stores.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ..errors import WorkspaceError
from . import writelock


def migration_sets():
    """Each area's named `Migrations` set, in the order they apply. Never renumber or rename."""
    from . import schema as core
    from ..engine import schema as engine
    from ..governance import schema as governance
    from ..export import schema as export
    from .. import trail

    return [core.migrations, engine.migrations, governance.migrations, export.migrations, trail.migrations]


def _apply(db: Database, migrations) -> None:
    """Apply a set's pending migrations. Each waits for the write lock; when another process
    applied it meanwhile (its statements then fail: the table exists), what is still pending
    is applied again, once: a migration that fails by itself fails again and is raised."""
    try:
        migrations.apply(db)
    except sqlite3.OperationalError as err:
        if writelock.is_busy(err):
            raise
        migrations.apply(db)


TEST_PG_ENV = "CCC_TEST_PG"
MIGRATION_LOCK = 0x0CCC0001  # the advisory lock migrations take on PostgreSQL


def open_db(target, *, create: bool = True, readonly: bool = False):
    """Open (and migrate) the store at `target` (a path, a URL or a `StoreLocation`).
    Raises `WorkspaceError` with a clear message."""
    from .location import StoreLocation

    location = target if isinstance(target, StoreLocation) else StoreLocation.parse(
        target if isinstance(target, str) else Path(target))
    if not location.is_postgres and os.environ.get(TEST_PG_ENV):
        db = open_postgres(_test_database(location.path, create=create and not readonly), migrate=not readonly)
        db.conn.test_path = location.path.resolve()  # (the file it stands for: `testing.store_folder`)
        return db
    if location.is_postgres:
        return open_postgres(location, migrate=not readonly)
    path = location.path
    if not path.exists() and (not create or readonly):
        raise WorkspaceError(f"{path}: no database here yet (run `ccc demo`, `ccc contract register` or `ccc import`)")
    try:
        # SQLite waits ATTEMPT_S for a lock; then `writelock` notes who holds it and waits on.
        # Implicit transactions (before an INSERT …) take the write lock when they begin.
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=writelock.ATTEMPT_S,
                                   factory=writelock.Connection)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=writelock.ATTEMPT_S, factory=writelock.Connection,
                                   isolation_level="IMMEDIATE")
        conn.ccc_path = path.resolve()
        db = Database(conn, execute_plugins=False)  # no sqlite-utils plugins: no entry-point scan
        if not readonly:
            if db.journal_mode != "wal":
                db.enable_wal()
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            for migrations in migration_sets():
                _apply(db, migrations)
    except sqlite3.DatabaseError as err:
        if writelock.is_busy(err):
            raise writelock.locked_error(path.resolve()) from None
        message = str(err)
        if "not a database" in message:
            message = "this file is not a ccc-governance (SQLite) database"
        raise WorkspaceError(f"{path}: {message}") from None
    return db


def open_postgres(location, *, migrate: bool = True):
    """Connect to the PostgreSQL store and apply pending migrations (one session at a time)."""
    from .postgres import connect

    db = connect(location)
    if migrate and _pending_on_postgres(db):
        import psycopg

        try:
            with db.atomic():
                db.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
                for migrations in migration_sets():
                    migrations.apply(db)
        except psycopg.errors.InsufficientPrivilege as err:
            db.close()
            raise WorkspaceError(f"{location.display()}: the store's schema is not up to date and this role "
                                 f"cannot update it ({err.diag.message_primary}): ask a ccc_admin to run "
                                 "`ccc store init`") from None
    return db


def _pending_on_postgres(db) -> bool:
    """Whether some migration is not applied yet: one read of `_sqlite_migrations` (a store opened
    by every command and TUI worker pays one query, not a check per migration set)."""
    raw = db.conn.raw
    if not raw.execute("SELECT to_regclass('_sqlite_migrations') IS NOT NULL").fetchone()[0]:
        return True
    applied = set(raw.execute("SELECT migration_set, name FROM _sqlite_migrations").fetchall())
    for migrations in migration_sets():
        known = getattr(migrations, "_migrations", None)  # (sqlite-utils keeps the list to itself)
        if known is None or any((migrations.name, m.name) not in applied for m in known):
            return True
    return False


def _test_database(path: Path, *, create: bool):
    """(tests) The PostgreSQL database standing for the SQLite file `path` (see the docstring)."""
    import psycopg

    from .location import StoreLocation

    admin = os.environ[TEST_PG_ENV]
    session = os.environ.get(TEST_PG_ENV + "_SESSION", "0")  # (one pytest run's databases: ccct_<session>_…)
    name = f"ccct_{session}_" + hashlib.sha1(str(Path(path).resolve()).encode()).hexdigest()[:16]
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            if not create:
                raise WorkspaceError(f"{path}: no database here yet (run `ccc demo`, `ccc contract register` "
                                     "or `ccc import`)")
            template = os.environ.get(TEST_PG_ENV + "_TEMPLATE")
            try:
                conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            except psycopg.errors.DuplicateDatabase:
                pass
    from psycopg.conninfo import make_conninfo

    return StoreLocation("postgresql", url=make_conninfo(admin, dbname=name))
