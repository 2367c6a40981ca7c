"""The PostgreSQL store: a psycopg 3 connection that the rest of the code uses as it uses SQLite's.

`PgConnection` answers what the store's code asks of a `sqlite3.Connection` (`execute`,
`executemany`, `executescript`, `with conn:` as one transaction, `in_transaction`, a cursor's
`lastrowid`), and `PgDatabase` what it asks of a `sqlite_utils.Database` (`execute`, `query`,
`atomic`, `table_names`, and the little of `db[table]` that `sqlite_utils.migrations` uses, so
that the same migrations apply on both stores and are recorded the same way, in
`_sqlite_migrations`). Every statement is SQLite's text said to PostgreSQL by
`dialect.to_postgres`; values are always parameters.

The connection runs in autocommit mode between transactions: a reader holds no snapshot open
(an idle TUI does not hold back an import's commit or a migration), and a transaction is what
`with conn:` / `db.atomic()` opens (nested: a savepoint). Values: booleans are stored as 0/1 as
on SQLite; `numeric` results (PostgreSQL's `sum` of integers, `avg`) come back as `int` when
whole and `float` otherwise, as SQLite's do.
"""

from __future__ import annotations

import contextlib
import re
from decimal import Decimal
from typing import Any, Iterable, Iterator

from ..errors import WorkspaceError
from .dialect import to_postgres
from .location import redact

_INSERT = re.compile(r"^\s*INSERT\s+(?:OR\s+\w+\s+)?INTO\s+\"?(\w+)\"?", re.I)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
_DDL = re.compile(r"^\s*(CREATE|ALTER|DROP)\b", re.I)


def _adapters():
    """psycopg's adapters for the store: bool → 0/1, numeric → int or float."""
    import psycopg
    from psycopg.adapt import Dumper, Loader
    from psycopg.types.numeric import IntDumper

    class BoolAsInt(IntDumper):
        def dump(self, obj):
            return b"1" if obj else b"0"

    class NumericLoader(Loader):
        def load(self, data):
            text = bytes(data).decode()
            if "." in text or "e" in text.lower() or text in ("NaN", "Infinity", "-Infinity"):
                return float(Decimal(text))
            return int(text)

    ctx = psycopg.adapt.AdaptersMap(psycopg.adapters)
    ctx.register_dumper(bool, BoolAsInt)
    ctx.register_loader("numeric", NumericLoader)
    return ctx


_ADAPTERS = None


class PgCursor:
    """The rows of one statement, as a `sqlite3.Cursor` gives them (tuples)."""

    def __init__(self, cur, lastrowid: int | None = None):
        self._cur = cur
        self.lastrowid = lastrowid
        self.rowcount = cur.rowcount
        self.description = cur.description

    def fetchone(self):
        return self._cur.fetchone() if self._cur.description is not None else None

    def fetchall(self):
        return self._cur.fetchall() if self._cur.description is not None else []

    def fetchmany(self, size: int = 1):
        return self._cur.fetchmany(size) if self._cur.description is not None else []

    def __iter__(self) -> Iterator[tuple]:
        return iter(self.fetchall())

    def close(self) -> None:
        self._cur.close()


class PgConnection:
    """A psycopg connection that speaks to the store's code as a `sqlite3.Connection` does."""

    dialect = "postgresql"

    def __init__(self, raw, location):
        self.raw = raw
        self.location = location
        self.ccc_path = None  # (no file: no writer notice beside it)
        self._depth = 0
        self._ids: set[str] | None = None

    # -- statements ---------------------------------------------------------------------------
    def _identity_tables(self) -> set[str]:
        if self._ids is None:
            rows = self.raw.execute(
                "SELECT table_name FROM information_schema.columns WHERE column_name = 'id' "
                "AND is_identity = 'YES' AND table_schema = current_schema()").fetchall()
            self._ids = {r[0] for r in rows}
        return self._ids

    def execute(self, sql: str, parameters: Any = (), /) -> PgCursor:
        text = to_postgres(sql)
        lastrowid = None
        m = _INSERT.match(sql)
        want_id = m is not None and not _RETURNING.search(sql) and m.group(1) in self._identity_tables()
        if want_id:
            text += " RETURNING id"
        cur = self.raw.cursor()
        try:
            cur.execute(text, tuple(parameters) if not isinstance(parameters, dict) else parameters)
        except Exception as err:  # (the role, for the one line `one_line` makes of a refusal)
            err.ccc_role = self.raw.info.user
            raise
        if want_id:
            row = cur.fetchone()
            lastrowid = row[0] if row else None
        if _DDL.match(sql):
            self._ids = None
        return PgCursor(cur, lastrowid)

    def query_many(self, statements: Iterable[tuple[str, Any]]) -> list[tuple[list[str], list[tuple]]]:
        """Several reads `(sql, parameters)` in one round trip (psycopg's pipeline): each one's column
        names and rows, in order."""
        cursors = []
        with self.raw.pipeline():
            for sql, parameters in statements:
                cur = self.raw.cursor()
                cur.execute(to_postgres(sql), tuple(parameters))
                cursors.append(cur)
        answers = [([d.name for d in cur.description], cur.fetchall()) for cur in cursors]
        for cur in cursors:
            cur.close()
        return answers

    def executemany(self, sql: str, seq: Iterable, /) -> PgCursor:
        cur = self.raw.cursor()
        cur.executemany(to_postgres(sql), [tuple(p) for p in seq])
        return PgCursor(cur)

    def executescript(self, script: str) -> None:
        with self.raw.cursor() as cur:
            cur.execute(to_postgres(script, params=False).encode())
        self._ids = None

    def copy(self, sql: str):
        """`COPY … FROM STDIN` (psycopg's copy object, as a context manager)."""
        return self.raw.cursor().copy(sql)

    # -- transactions -------------------------------------------------------------------------
    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.raw.info.transaction_status != TransactionStatus.IDLE

    @contextlib.contextmanager
    def transaction(self):
        """One transaction; inside another, a savepoint."""
        if not self.in_transaction:
            self.raw.execute("BEGIN")
            try:
                yield self
            except BaseException:
                self.rollback()
                raise
            else:
                self.raw.execute("COMMIT")
            return
        self._depth += 1
        name = f"ccc_sp_{self._depth}"
        self.raw.execute(f"SAVEPOINT {name}")
        try:
            yield self
        except BaseException:
            if self.in_transaction:
                self.raw.execute(f"ROLLBACK TO SAVEPOINT {name}")
                self.raw.execute(f"RELEASE SAVEPOINT {name}")
            raise
        else:
            self.raw.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self._depth -= 1

    def __enter__(self):
        self._tx = getattr(self, "_tx", [])
        cm = self.transaction()
        cm.__enter__()
        self._tx.append(cm)
        return self

    def __exit__(self, *exc):
        cm = self._tx.pop()
        return cm.__exit__(*exc)

    def commit(self) -> None:
        if self.in_transaction:
            self.raw.execute("COMMIT")

    def rollback(self) -> None:
        if self.in_transaction:
            self.raw.execute("ROLLBACK")

    def close(self) -> None:
        self.raw.close()


class PgTable:
    """The little of `sqlite_utils.db.Table` that `sqlite_utils.migrations` and the code use."""

    def __init__(self, db: "PgDatabase", name: str):
        self.db, self.name = db, name

    def exists(self) -> bool:
        return self.name in self.db.table_names()

    @property
    def pks(self) -> list[str]:
        return ["id"]

    def create(self, columns: dict, pk: str | None = None) -> None:
        types = {int: "BIGINT", str: "TEXT", float: "DOUBLE PRECISION"}
        cols = ", ".join(
            f'"{c}" ' + ("BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" if c == pk else types[t])
            for c, t in columns.items())
        self.db.conn.raw.execute(f'CREATE TABLE "{self.name}" ({cols})')

    def create_index(self, columns: list[str], unique: bool = False) -> None:
        name = f"idx_{self.name}_{'_'.join(columns)}"
        cols = ", ".join(f'"{c}"' for c in columns)
        self.db.conn.raw.execute(f'CREATE {"UNIQUE " if unique else ""}INDEX "{name}" ON "{self.name}" ({cols})')

    def rows_where(self, where: str | None = None, where_args=None, order_by: str | None = None) -> Iterator[dict]:
        sql = f'SELECT * FROM "{self.name}"'
        if where:
            sql += f" WHERE {where}"
        if order_by:
            sql += f" ORDER BY {'id' if order_by == 'rowid' else order_by}"
        return self.db.query(sql, where_args or [])

    def insert(self, record: dict) -> "PgTable":
        names = ", ".join(f'"{c}"' for c in record)
        cur = self.db.execute(f'INSERT INTO "{self.name}" ({names}) VALUES ({", ".join("?" for _ in record)})',
                              list(record.values()))
        self.last_pk = cur.lastrowid
        return self

    def insert_all(self, records) -> "PgTable":
        for record in records:
            self.insert(record)
        return self

    @property
    def count(self) -> int:
        return self.db.execute(f'SELECT count(*) FROM "{self.name}"').fetchone()[0]

    @property
    def columns(self):
        from types import SimpleNamespace

        rows = self.db.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                               "AND table_schema = current_schema() ORDER BY ordinal_position", [self.name])
        return [SimpleNamespace(name=r[0]) for r in rows.fetchall()]


class PgDatabase:
    """The store on PostgreSQL, as the code uses a `sqlite_utils.Database`."""

    dialect = "postgresql"

    def __init__(self, conn: PgConnection):
        self.conn = conn

    def execute(self, sql: str, parameters: Any = ()) -> PgCursor:
        return self.conn.execute(sql, parameters or ())

    def executescript(self, script: str) -> None:
        self.conn.executescript(script)

    def query(self, sql: str, params: Any = None) -> Iterator[dict]:
        cur = self.conn.execute(sql, params or ())
        keys = [d[0] for d in cur.description or ()]
        return (dict(zip(keys, row)) for row in cur.fetchall())

    @contextlib.contextmanager
    def atomic(self):
        with self.conn.transaction():
            yield self

    def table_names(self) -> list[str]:
        rows = self.conn.raw.execute("SELECT table_name FROM information_schema.tables "
                                     "WHERE table_schema = current_schema() ORDER BY table_name").fetchall()
        return [r[0] for r in rows]

    def __getitem__(self, name: str) -> PgTable:
        return PgTable(self, name)

    def close(self) -> None:
        self.conn.close()


def connect(location) -> PgDatabase:
    """Connect to the PostgreSQL store at `location` (not migrated: `store.db.open_db` does that).
    Raises `WorkspaceError` with one line, without the password, when it cannot."""
    global _ADAPTERS
    try:
        import psycopg
    except ImportError:
        raise WorkspaceError("a PostgreSQL store needs psycopg: pip install 'ccc-governance[postgres]'") from None
    if _ADAPTERS is None:
        _ADAPTERS = _adapters()
    try:
        raw = psycopg.connect(location.url, autocommit=True, application_name="ccc-governance",
                              context=_ADAPTERS)
    except psycopg.Error as err:
        first = (str(err).strip().splitlines() or ["cannot connect"])[0]
        raise WorkspaceError(f"{location.display()}: {redact(first)}") from None
    return PgDatabase(PgConnection(raw, location))


#: table → what a person does to it, for "role 'x' cannot change breaches"
_WHAT = {"breach_events": "breaches", "review_signoffs": "reviews", "audit_answers": "audits",
         "contract_versions": "contracts", "batches": "imports", "contacts": "imports"}
_TABLE = re.compile(r'(?:table|relation) "?(\w+)"?')


class StoreError(WorkspaceError):
    """A PostgreSQL error said in one line (permission, conflict, connection lost)."""


def one_line(err: BaseException) -> StoreError | None:
    """The one line for a psycopg error the server raised, or None when `err` is not one."""
    import psycopg

    if not isinstance(err, psycopg.Error):
        return None
    diag = getattr(err, "diag", None)
    message = (getattr(diag, "message_primary", None) or str(err).strip().splitlines()[0] if str(err).strip()
               else type(err).__name__)
    if isinstance(err, psycopg.errors.InsufficientPrivilege):
        m = _TABLE.search(message)
        table = m.group(1) if m else None
        who = _session_user(err)
        what = _WHAT.get(table, table) if table else "the store"
        return StoreError(f"permission denied: role '{who}' cannot change {what}")
    return StoreError(f"the PostgreSQL store: {redact(message)}")


def _session_user(err) -> str:
    """The role the failed statement ran as (from the connection's settings, without a query)."""
    import getpass

    return getattr(err, "ccc_role", None) or getpass.getuser()
