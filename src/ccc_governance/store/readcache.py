"""Read once, answer many: the screens that show every contract at once (the portfolio, the TUI's first
screen) would otherwise read the registry, reviews, sign-offs and evidence once per contract — a round
trip each on PostgreSQL, a number of queries that grows with the contracts.

Inside `with preloaded(db):`, a per-key read that goes through `grouped(db, table, key, value, load_all)`
is answered from one read of the whole table (`load_all(db)`: rows as dicts, in the order the single
read would give them), made on first use and kept until the block ends. Outside such a block, or for
another database, `grouped` returns None and the caller reads as usual. Only for reads: nothing in the
block may write the tables it caches (the portfolio and the TUI's refresh only read).
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Callable, Iterator

_ACTIVE: contextvars.ContextVar[tuple | None] = contextvars.ContextVar("ccc_readcache", default=None)


@contextlib.contextmanager
def preloaded(db) -> Iterator[None]:
    """Cache whole-table reads of `db` for the block (nested blocks share the outer one's cache)."""
    if _ACTIVE.get() is not None and _ACTIVE.get()[0] is db:
        yield
        return
    token = _ACTIVE.set((db, {}))
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def once(db, name: str, load: Callable[[object], list[dict]]) -> list[dict]:
    """`load(db)`, read once per `preloaded(db)` block (every time outside one)."""
    active = _ACTIVE.get()
    if active is None or active[0] is not db:
        return load(db)
    cache = active[1]
    if name not in cache:
        cache[name] = load(db)
    return list(cache[name])


def grouped(db, table: str, key: str, value, load_all: Callable[[object], list[dict]]) -> list[dict] | None:
    """The rows of `table` whose `key` is `value`, from the block's one read of the table; None when
    no `preloaded(db)` block is active for this database."""
    active = _ACTIVE.get()
    if active is None or active[0] is not db:
        return None
    cache = active[1]
    if (table, key) not in cache:
        groups: dict = {}
        for row in load_all(db):
            groups.setdefault(row[key], []).append(row)
        cache[(table, key)] = groups
    return list(cache[(table, key)].get(value, []))
