"""The change log: one append-only entry per change a person or job makes, chained by hash.

Table `change_log` (migration set `ccc_governance.trail`): `id` (1, 2, 3 … with no gap), `at_ms`
(the real instant, epoch ms UTC), `actor` (`actor.current_actor`), `kind` (`breach.status`,
`review.record` …), `contract_id`, `record` (`table:id`), `before` and `after` (canonical JSON of
what changed, or NULL), `prev_hash` and `hash`:

    hash = sha256(prev_hash + canonical JSON of {id, at_ms, actor, kind, contract_id, record,
                  before, after})                (the first entry's prev_hash is 64 zeros)

`record_change` writes an entry in the caller's transaction, so a change and its entry are
committed together or not at all. SQLite triggers refuse every UPDATE and DELETE of the table.
`verify` walks the chain and names the first entry that does not fit: one edited behind the
triggers' back (its hash), one deleted (a gap in the ids, or past the last one: SQLite's
AUTOINCREMENT counter remembers how many were written), a chain rewritten from some entry on
(the next entry's `prev_hash`). Someone who rewrites the whole chain from an entry to the end and
the counter too is not caught: keep the head hash `ccc log verify` prints somewhere else (the
review minutes) to catch that as well.

Purged personal data never enters the log: a purge is logged by its id and counts. This module
also adds the `*_by` columns of the core and engine tables (`m002_actor_columns`): their schema
modules are another area's, and an applied migration is never edited.

PostgreSQL (a later store): the same table; no UPDATE/DELETE granted on it (or the same refusing
trigger); `record_change` must hold a lock on the log's head while it appends (e.g. `LOCK TABLE
change_log IN SHARE ROW EXCLUSIVE MODE`) since several writers run at once there, and the ids
are given here (head + 1), not by a sequence, which leaves gaps on rollback.
"""

from __future__ import annotations

import hashlib
import json

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from . import clock
from .actor import current_actor
from .errors import CccError
from .store.dialect import is_postgres, table_exists

migrations = Migrations("ccc_governance.trail")

GENESIS = "0" * 64
CHAIN_LOCK = 0x0CCC0002  # PostgreSQL: the advisory lock a transaction appending to the chain holds
TRIGGERS = ("change_log_no_update", "change_log_no_delete")
APPEND_ONLY = "change_log is append-only"
FIELDS = ("id", "at_ms", "actor", "kind", "contract_id", "record", "before", "after")


@migrations()
def m001_change_log(db: Database) -> None:
    db.executescript(
        f"""
        CREATE TABLE change_log (
            id INTEGER PRIMARY KEY AUTOINCREMENT,  -- given as the head's id + 1: no gap
            at_ms INTEGER NOT NULL,        -- the real instant, epoch ms UTC
            actor TEXT NOT NULL,
            kind TEXT NOT NULL,            -- breach.status, review.record, purge …
            contract_id TEXT,
            record TEXT,                   -- table:id
            before TEXT,                   -- canonical JSON, or NULL (created)
            after TEXT,                    -- canonical JSON, or NULL (removed)
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL
        );
        CREATE INDEX change_log_contract ON change_log(contract_id, id);
        """
    )
    if is_postgres(db):  # (a trigger refuses even the table's owner; `store roles` grants no UPDATE/DELETE)
        db.executescript(
            f"""
            CREATE FUNCTION change_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $body$;
            CREATE TRIGGER {TRIGGERS[0]} BEFORE UPDATE ON change_log
                FOR EACH ROW EXECUTE FUNCTION change_log_append_only();
            CREATE TRIGGER {TRIGGERS[1]} BEFORE DELETE ON change_log
                FOR EACH ROW EXECUTE FUNCTION change_log_append_only();
            CREATE TRIGGER change_log_no_truncate BEFORE TRUNCATE ON change_log
                FOR EACH STATEMENT EXECUTE FUNCTION change_log_append_only();
            """
        )
        return
    db.executescript(
        f"""
        CREATE TRIGGER {TRIGGERS[0]} BEFORE UPDATE ON change_log
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;
        CREATE TRIGGER {TRIGGERS[1]} BEFORE DELETE ON change_log
            BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;
        """
    )


@migrations()
def m002_actor_columns(db: Database) -> None:
    """Who made each row of the core and engine tables (NULL for rows made before this migration)."""
    db.executescript(
        """
        ALTER TABLE contract_versions ADD COLUMN registered_by TEXT;
        ALTER TABLE batches ADD COLUMN imported_by TEXT;
        ALTER TABLE batches ADD COLUMN undone_by TEXT;
        ALTER TABLE breach_events ADD COLUMN actor TEXT;
        ALTER TABLE exclusions ADD COLUMN created_by TEXT;
        """
    )


def canonical(value) -> str:
    """`value` as canonical JSON: sorted keys, no spaces, UTF-8 kept (dates as ISO text)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(prev_hash: str, entry: dict) -> str:
    """The hash of an entry (its `FIELDS`, `before`/`after` as the stored JSON text) chained to `prev_hash`."""
    body = canonical({name: entry[name] for name in FIELDS})
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


def _conn(db):
    return getattr(db, "conn", db)


def record_change(db, kind: str, *, contract_id: str | None = None, record: str | None = None,
                  before=None, after=None, actor: str | None = None) -> int:
    """Append one entry (in the caller's transaction, or in one of its own) and return its id.

    `db` is the store (or its connection); `before` / `after` are JSON-able (NULL: created /
    removed); `actor` defaults to `current_actor(db)`.
    """
    conn = _conn(db)
    entry = {
        "at_ms": clock.to_ms(clock.now_utc()),
        "actor": actor if actor is not None else current_actor(db),
        "kind": kind,
        "contract_id": contract_id,
        "record": record,
        "before": None if before is None else canonical(before),
        "after": None if after is None else canonical(after),
    }
    own = not conn.in_transaction
    if own:
        conn.execute("BEGIN")  # the write lock first (`writelock`), then the head
    try:
        if is_postgres(conn):  # one writer of the chain at a time (SQLite: the write lock is that)
            conn.execute("SELECT pg_advisory_xact_lock(?)", (CHAIN_LOCK,))
        head = conn.execute("SELECT id, hash FROM change_log ORDER BY id DESC LIMIT 1").fetchone()
        entry["id"] = head[0] + 1 if head else 1
        entry["prev_hash"] = head[1] if head else GENESIS
        entry["hash"] = entry_hash(entry["prev_hash"], entry)
        names = [*FIELDS, "prev_hash", "hash"]
        conn.execute(f"INSERT INTO change_log ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                     [entry[n] for n in names])
    except BaseException:
        if own:
            conn.execute("ROLLBACK")
        raise
    if own:
        conn.execute("COMMIT")
    return entry["id"]


def row_of(db, table: str, row_id: int, columns: tuple[str, ...] | None = None) -> dict | None:
    """A row of `table` as a dict (only `columns` when given), for an entry's before / after."""
    cur = _conn(db).execute(f"SELECT {', '.join(columns) if columns else '*'} FROM {table} WHERE id = ?", [row_id])
    row = cur.fetchone()
    return None if row is None else dict(zip([d[0] for d in cur.description], row))


def _when(at_ms) -> str:
    """An entry's instant as ISO UTC (what a tamperer left there, as it is, if it is no instant)."""
    return clock.iso_utc(at_ms) if isinstance(at_ms, int) else repr(at_ms)


def _decode(row: dict) -> dict:
    row = dict(row)
    row["at"] = _when(row["at_ms"])
    for name in ("before", "after"):
        try:
            row[name] = None if row[name] is None else json.loads(row[name])
        except (TypeError, ValueError):  # edited behind the triggers' back: shown as stored
            pass
    return row


def since_ms(text: str) -> int:
    """`--since`: a DATE (that day's start, UTC) or a DATETIME (UTC unless it has an offset), as epoch ms."""
    from datetime import date, datetime, timezone

    value = text.strip()
    try:
        if len(value) == 10:
            moment = datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=timezone.utc)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
    except ValueError:
        raise CccError(f"--since {text!r} is not a date or date-time (expected 2026-12-05 or "
                       "2026-12-05T14:00Z)") from None
    return clock.to_ms(moment)


def entries(db, *, contract_id: str | None = None, actor: str | None = None, kind: str | None = None,
            since: int | None = None, after_id: int | None = None) -> list[dict]:
    """Log entries, oldest first, with `at` (ISO UTC) and `before` / `after` decoded. `kind`
    matches itself and the kinds under it (`audit` matches `audit.answer`); `since` is epoch ms;
    `after_id`: only the entries made after that one."""
    where, args = [], []
    if after_id is not None:
        where.append("id > ?")
        args.append(after_id)
    if contract_id:
        where.append("contract_id = ?")
        args.append(contract_id)
    if actor:
        where.append("actor = ?")
        args.append(actor)
    if kind:
        where.append("(kind = ? OR substr(kind, 1, ?) = ?)")
        args += [kind, len(kind) + 1, kind + "."]
    if since is not None:
        where.append("at_ms >= ?")
        args.append(since)
    conn = _conn(db)
    if not table_exists(conn, "change_log"):
        raise CccError("the change log is gone (table dropped): the store was tampered with")
    cur = conn.execute("SELECT * FROM change_log" + (" WHERE " + " AND ".join(where) if where else "")
                       + " ORDER BY id", args)
    names = [d[0] for d in cur.description]
    return [_decode(dict(zip(names, r))) for r in cur.fetchall()]


def head_id(db) -> int:
    """The id of the log's last entry (0 when it is empty)."""
    return _conn(db).execute("SELECT coalesce(max(id), 0) FROM change_log").fetchone()[0]


def describe(entry: dict) -> str:
    """`entry 42 (2026-12-05T18:40:00.123Z, alice, breach.status)`."""
    return f"entry {entry['id']} ({_when(entry['at_ms'])}, {entry['actor']}, {entry['kind']})"


#: Longest "change" cell in the table (the whole change is in --json).
CHANGE_WIDTH = 80


#: Fields shown first in the "change" cell (the rest follow in name order).
FIRST = ("kpi_id", "period", "status", "still_breached", "title", "party", "question_id", "answer", "obligation_id",
         "version", "kind", "counts")


def _value(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, (list, dict)) else str(v)


def _order(keys) -> list[str]:
    return sorted(keys, key=lambda k: (FIRST.index(k) if k in FIRST else len(FIRST), k))


def change_text(before, after) -> str:
    """What an entry changed, in one short line: `status: open → acknowledged`, the fields of what
    was created, or `removed` with the fields of what was."""
    if isinstance(before, dict) and isinstance(after, dict):
        keys = _order(set(before) | set(after))
        text = "; ".join(f"{k}: {_value(before.get(k))} → {_value(after.get(k))}"
                         for k in keys if before.get(k) != after.get(k) and k in before)
        extra = "; ".join(f"{k}: {_value(after[k])}" for k in keys if k not in before and after[k] not in (None, "", []))
        text = "; ".join(t for t in (text, extra) if t)
    elif isinstance(after, dict):
        text = ", ".join(f"{k}={_value(after[k])}" for k in _order(after) if after[k] not in (None, "", []))
    elif isinstance(before, dict):
        text = "removed: " + ", ".join(f"{k}={_value(before[k])}" for k in _order(before) if before[k] not in (None, "", []))
    else:
        text = ""
    return text if len(text) <= CHANGE_WIDTH else text[: CHANGE_WIDTH - 1] + "…"


def verify(db) -> dict:
    """Walk the chain: `{entries, head, problem}` where `head` is the last entry's hash and
    `problem` is None when every entry fits, else `{entry, reason, text}` about the first one that
    does not (`entry`: the row, or None when what is wrong is not one entry)."""
    conn = _conn(db)
    if not table_exists(conn, "change_log"):
        return {"entries": 0, "head": None, "problem": {
            "entry": None, "reason": "the change log is gone (table dropped)",
            "text": "the change log is gone (table dropped)"}}
    expected, prev, count = 1, GENESIS, 0

    def broken(entry, reason):
        text = f"{describe(entry)}: {reason}" if entry is not None else reason
        return {"entries": count, "head": prev if count else None,
                "problem": {"entry": entry, "reason": reason, "text": text}}

    cur = conn.execute(f"SELECT {', '.join(FIELDS)}, prev_hash, hash FROM change_log ORDER BY id")
    names = [d[0] for d in cur.description]
    for values in cur:
        entry = dict(zip(names, values))
        if entry["id"] != expected:
            gone = (f"entry {expected} before it is missing" if entry["id"] == expected + 1
                    else f"entries {expected} to {entry['id'] - 1} before it are missing")
            return broken(entry, f"{gone} — deleted after it was written")
        if entry_hash(entry["prev_hash"], entry) != entry["hash"]:
            return broken(entry, "hash does not match — edited after it was written")
        if entry["prev_hash"] != prev:
            return broken(entry, f"entry {expected - 1} before it is no longer the one it was chained to "
                                 "— edited after it was written")
        prev, expected, count = entry["hash"], expected + 1, count + 1
    if is_postgres(conn):  # (no sqlite_sequence: a deleted tail shows only while the triggers stand)
        enabled = {r[0] for r in conn.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'change_log'::regclass AND tgenabled <> 'D'")}
        missing = [t for t in TRIGGERS if t not in enabled]
        if missing:
            return broken(None, f"the log is no longer append-only: trigger {', '.join(missing)} "
                                "was dropped or disabled")
        return {"entries": count, "head": prev if count else None, "problem": None}
    present = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'change_log'")}
    written = conn.execute("SELECT seq FROM sqlite_sequence WHERE name = 'change_log'").fetchone()
    if written and written[0] >= expected:
        gone = (f"entry {expected}" if written[0] == expected else f"entries {expected} to {written[0]}")
        return broken(None, f"{gone}, the last written, {'is' if written[0] == expected else 'are'} missing "
                            f"(the log ends at entry {expected - 1}) — deleted after it was written")
    missing = [t for t in TRIGGERS if t not in present]
    if missing:
        return broken(None, f"the log is no longer append-only: trigger {', '.join(missing)} was dropped")
    return {"entries": count, "head": prev if count else None, "problem": None}
