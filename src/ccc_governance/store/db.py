"""Opening the database: WAL, foreign keys, and every area's migrations applied in order.

Open a connection in the thread that uses it (SQLite's thread check; Textual thread workers).
The connection is a `writelock.Connection`: readers never wait (WAL), a writer waits for another
one's transaction with a note on stderr and gives up after `CCC_LOCK_TIMEOUT` with one line.
"""

from __future__ import annotations

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


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> Database:
    """Open (and migrate) the workspace database. Raises `WorkspaceError` with a clear message."""
    path = Path(path)
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
