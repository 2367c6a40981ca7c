"""Opening the database: WAL, foreign keys, and every area's migrations applied in order.

Open a connection in the thread that uses it (SQLite's thread check; Textual thread workers).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from ..errors import WorkspaceError


def migration_sets():
    """Each area's named `Migrations` set, in the order they apply. Never renumber or rename."""
    from . import schema as core
    from ..engine import schema as engine
    from ..governance import schema as governance
    from ..export import schema as export

    return [core.migrations, engine.migrations, governance.migrations, export.migrations]


def open_db(path: str | Path, *, create: bool = True, readonly: bool = False) -> Database:
    """Open (and migrate) the workspace database. Raises `WorkspaceError` with a clear message."""
    path = Path(path)
    if not path.exists() and (not create or readonly):
        raise WorkspaceError(f"{path}: no database here yet (run `ccc demo`, `ccc contract register` or `ccc import`)")
    try:
        if readonly:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(path), timeout=30)
        db = Database(conn)
        if not readonly:
            if db.journal_mode != "wal":
                db.enable_wal()
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA synchronous = NORMAL")
            for migrations in migration_sets():
                migrations.apply(db)
    except sqlite3.DatabaseError as err:
        message = str(err)
        if "locked" in message:
            message = "the database is locked by another ccc process (an import running?): try again when it ends"
        elif "not a database" in message:
            message = "this file is not a ccc-governance (SQLite) database"
        raise WorkspaceError(f"{path}: {message}") from None
    return db
