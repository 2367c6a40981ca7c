"""Files kept inside the database by their sha256 (review minutes, evidence).

A file is stored by content, not by path, so that proof survives the original being moved or
deleted; the same content stored twice is kept once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import CccError, NotFoundError


def read_file(path: str | Path, *, what: str = "file") -> tuple[str, bytes]:
    """The name and bytes of `path`, raising a one-line `CccError` when it cannot be read."""
    p = Path(path)
    try:
        return p.name, p.read_bytes()
    except FileNotFoundError:
        raise CccError(f"{what} {str(p)!r} does not exist") from None
    except IsADirectoryError:
        raise CccError(f"{what} {str(p)!r} is a folder, not a file") from None
    except OSError as err:
        raise CccError(f"{what} {str(p)!r} cannot be read: {err.strerror}") from None


def put_blob(db, content: bytes) -> str:
    """Store `content` (once) and return its sha256 hex digest. Call inside the caller's transaction."""
    digest = hashlib.sha256(content).hexdigest()
    db.execute(
        "INSERT OR IGNORE INTO blobs (sha256, content, size) VALUES (?, ?, ?)",
        [digest, content, len(content)],
    )
    return digest


def get_blob(db, sha256: str) -> bytes:
    """The stored bytes for `sha256` (raises `NotFoundError`)."""
    row = db.execute("SELECT content FROM blobs WHERE sha256 = ?", [sha256]).fetchone()
    if row is None:
        raise NotFoundError(f"no stored file with sha256 {sha256}")
    return bytes(row[0])
