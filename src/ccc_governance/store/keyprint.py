"""One pseudonymisation key per store.

Customer identifiers are stored as keyed hashes (`privacy.customer_key`). Two keys on one store
split every caller in two and silently break repeat-contact figures, so the store remembers a
*fingerprint* of the key it was built with (never the key: the fingerprint is a keyed hash of a
fixed text, which tells nothing about the key) and refuses an import made with another key, or
with none, naming where the key was read from or is expected.
"""

from __future__ import annotations

import hashlib

from .. import clock
from ..errors import WorkspaceError

FINGERPRINT = "key_fingerprint"
_LABEL = b"ccc-governance pseudonymisation key fingerprint v1"


def fingerprint(key: bytes) -> str:
    """A short, stable fingerprint of `key` (16 hex digits); the key cannot be recovered from it."""
    if len(key) > 64:  # as `privacy.customer_key` does: BLAKE2b keys are at most 64 bytes
        key = hashlib.blake2b(key, digest_size=64).digest()
    return hashlib.blake2b(_LABEL, key=key, digest_size=8).hexdigest()


def stored_fingerprint(conn) -> str | None:
    """The fingerprint the store was built with, or None before its first import."""
    row = conn.execute("SELECT value FROM store_meta WHERE name = ?", (FINGERPRINT,)).fetchone()
    return row[0] if row else None


def check_key(conn, key: bytes | None, origin: str, *, record: bool = True) -> None:
    """Refuse (one line, `WorkspaceError`) an import with no key or with a key other than the
    store's; record the key's fingerprint on the store's first import.

    Call it inside the import's transaction so that two first imports with different keys cannot
    both record theirs. `record=False` only compares (a check before any work starts).
    """
    if key is None:
        raise WorkspaceError(f"no pseudonymisation key: imports need one, expected in {origin}")
    mine = fingerprint(key)
    if record:
        conn.execute("INSERT OR IGNORE INTO store_meta (name, value, set_at) VALUES (?, ?, ?)",
                     (FINGERPRINT, mine, clock.now_utc().isoformat(timespec="seconds")))
    theirs = stored_fingerprint(conn)
    if theirs is not None and theirs != mine:
        raise WorkspaceError(
            f"the pseudonymisation key read from {origin} (fingerprint {mine}) is not this store's "
            f"(fingerprint {theirs}): importing with it would split every customer in two; "
            "use the key the store was built with")
