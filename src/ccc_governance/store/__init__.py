"""The SQLite store: opening the database, migrations, import batches.

`open_db` is imported on first use, so that the reader process of an import
(`store.parallel`), which never opens the database, does not load sqlite-utils.
"""

__all__ = ["open_db"]


def __getattr__(name: str):
    if name == "open_db":
        from .db import open_db

        return open_db
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
