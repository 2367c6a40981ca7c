"""The SQLite store: opening the database, migrations, import batches."""

from .db import open_db

__all__ = ["open_db"]
