"""One writer at a time: waiting for the store's write lock with a note, never failing mid-way.

SQLite in WAL mode lets readers read while one writer writes (they see the last commit); a
second writer has to wait until the first commits. An import holds the write lock for the whole
batch (one transaction: all of it or nothing), so a command that writes meanwhile (`ccc
evaluate`, a second `ccc import`) waits. Every connection `store.db.open_db` makes is a
`Connection`, which makes that wait safe and visible:

- a transaction takes the write lock when it begins (`BEGIN`, and Python's implicit
  transactions, run as `BEGIN IMMEDIATE`): a writer waits before it has done anything, never in
  the middle of a transaction, where SQLite could only fail (a transaction that has read cannot
  write after another writer's commit). A reader that wants one snapshot over several
  statements says `BEGIN DEFERRED` (it never waits: WAL);
- a statement run outside a transaction (that `BEGIN`, a single write, a read) that finds the
  database busy waits `ATTEMPT_S`, then is tried again and again: on the first retry one note
  line on stderr says who holds the lock (`waiting for the import of batch 12 (calls.csv) by
  process 4242…`); after `CCC_LOCK_TIMEOUT` seconds (default `DEFAULT_TIMEOUT_S`) it gives up
  with one line (`DatabaseLockedError`). Inside a transaction nothing waits: it holds the lock.

Who holds the lock: a long writer says so with `WriterNotice` (the import does, naming its
batch): a small JSON file beside the database, `<db>-writer-<pid>`, that it creates once it holds
the lock, keeps an `flock` on, and removes after its commit or rollback. A process that is killed
leaves its file behind, unlocked: waiters ignore an unlocked one (and nothing else removes it:
a command removes only files it created).
"""

from __future__ import annotations

import glob
import json
import os
import re
import sqlite3
import sys
import time
from pathlib import Path
from typing import Callable

from ..errors import WorkspaceError

try:  # POSIX: a lock on the notice file says its writer is alive
    import fcntl
except ImportError:  # pragma: no cover - Windows: the pid in the name is checked instead
    fcntl = None

#: How long SQLite waits for the lock before the first note (and between two looks at who holds it).
ATTEMPT_S = 1.0
#: How long a writer waits for another one (`CCC_LOCK_TIMEOUT` seconds) before it gives up.
DEFAULT_TIMEOUT_S = 300.0
TIMEOUT_ENV = "CCC_LOCK_TIMEOUT"

#: A plain `BEGIN` (sqlite_utils' `atomic()`): taken as `BEGIN IMMEDIATE`. An explicit `BEGIN
#: DEFERRED` is left as it is: a read-only snapshot over several statements, which never waits.
_BEGIN = re.compile(r"\s*BEGIN(?:\s+TRANSACTION)?\s*;?\s*$", re.IGNORECASE)
_SQLITE_BUSY = 5


class DatabaseLockedError(WorkspaceError):
    """Another process kept the database locked (writing) longer than this one would wait."""


def lock_timeout() -> float:
    """Seconds a writer waits for another one: `CCC_LOCK_TIMEOUT`, default `DEFAULT_TIMEOUT_S`."""
    text = os.environ.get(TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_TIMEOUT_S
    try:
        value = float(text)
    except ValueError:
        raise WorkspaceError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds") from None
    if value != value:  # NaN
        raise WorkspaceError(f"{TIMEOUT_ENV}={text!r} is not a number of seconds")
    return max(value, 0.0)


def is_busy(err: BaseException) -> bool:
    """Whether `err` is SQLite's "database is locked" (SQLITE_BUSY and its extended codes)."""
    if not isinstance(err, sqlite3.OperationalError):
        return False
    code = getattr(err, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == _SQLITE_BUSY
    return "database is locked" in str(err)


# --------------------------------------------------------------------------- who holds the lock


def _notice_glob(db_path: Path) -> str:
    return os.path.join(glob.escape(str(db_path.parent)), glob.escape(db_path.name) + "-writer-*")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # someone else's process: it is there
        return True
    return True


def current_writer(db_path: Path | None) -> dict | None:
    """The writer that announced itself (`WriterNotice`) and still holds its notice:
    `{"pid", "what", "since"}`, or None when no live writer said who it is."""
    if db_path is None:
        return None
    for name in sorted(glob.glob(_notice_glob(Path(db_path)))):
        try:
            fd = os.open(name, os.O_RDONLY)
        except OSError:
            continue
        try:
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
                except BlockingIOError:
                    pass  # held: its writer is running
                else:
                    continue  # nobody holds it: left by a process that was killed
            info = json.loads(os.read(fd, 4096).decode("utf-8"))
            if not isinstance(info, dict) or not isinstance(info.get("pid"), int):
                continue
            if fcntl is None and not _pid_alive(info["pid"]):
                continue
            return info
        except (OSError, ValueError):
            continue
        finally:
            os.close(fd)
    return None


def _holder_text(holder: dict | None) -> str:
    if holder is None:
        return "another ccc process (an import running?)"
    return f"{holder.get('what') or 'a write'} by process {holder['pid']}"


class WriterNotice:
    """Say who holds the write lock while a long transaction runs (`with WriterNotice(db) as n,
    db.atomic(): …; n.announce("the import of batch 12")`): waiting writers name it. Best effort:
    a folder that cannot be written to, or no database file, means no notice."""

    def __init__(self, db):
        conn = getattr(db, "conn", db)
        self.db_path: Path | None = getattr(conn, "ccc_path", None)
        self.file: str | None = None
        self.fd: int | None = None

    def announce(self, what: str) -> None:
        """Create the notice naming `what` (once; call it once the transaction holds the lock)."""
        if self.db_path is None or self.file is not None:
            return
        name = f"{self.db_path}-writer-{os.getpid()}"
        try:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError:  # a read-only folder, or a file of a killed process with this pid: no notice
            return
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            since = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
            os.write(fd, json.dumps({"pid": os.getpid(), "what": what, "since": since}).encode("utf-8"))
        except OSError:
            os.close(fd)
            _unlink(name)
            return
        self.file, self.fd = name, fd

    def close(self) -> None:
        """Remove the notice (the file this process created) and release it."""
        if self.file is not None:
            _unlink(self.file)  # before the lock goes: a waiter never sees it unlocked and present
            os.close(self.fd)
            self.file = self.fd = None

    def __enter__(self) -> "WriterNotice":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _unlink(name: str) -> None:
    try:
        os.unlink(name)
    except OSError:
        pass


# --------------------------------------------------------------------------- waiting


def locked_error(db_path: Path | None, waited: float | None = None) -> DatabaseLockedError:
    """The one line for a database another process keeps locked (naming it when it said who it is)."""
    holder = _holder_text(current_writer(db_path))
    if waited is None:
        message = f"the database is locked by {holder}: try again when it ends"
    else:
        message = (f"the database is locked by {holder}: gave up after waiting {waited:.0f} s "
                   f"(try again when it ends, or set {TIMEOUT_ENV} to wait longer)")
    return DatabaseLockedError(message, file=str(db_path) if db_path else None)


def print_note(text: str) -> None:
    """The default `Connection.on_lock_wait`: one line on stderr (looked up now: the CLI's, or a capture)."""
    print(f"note: {text}", file=sys.stderr, flush=True)


def _wait(conn: "Connection", attempt: Callable, started: float):
    """Try `attempt` (a statement outside a transaction that found the database busy) until the
    lock is free, noting who holds it once; `DatabaseLockedError` after the timeout."""
    limit = conn.lock_timeout if conn.lock_timeout is not None else lock_timeout()
    db_path = conn.ccc_path
    noted: tuple | None = None
    while True:
        holder = current_writer(db_path)
        waited = time.monotonic() - started
        if waited >= limit:
            raise locked_error(db_path, waited)
        key = None if holder is None else (holder.get("pid"), holder.get("what"))
        # one note; another only when a new writer says who it is (not for the gap between two)
        if conn.on_lock_wait is not None and (noted is None or (key is not None and key != noted[0])):
            conn.on_lock_wait(f"waiting for {_holder_text(holder)}… "
                              f"(the database is locked; giving up after {limit:.0f} s: {TIMEOUT_ENV})")
            noted = (key,)
        tried = time.monotonic()
        try:
            return attempt()
        except sqlite3.OperationalError as err:
            if not is_busy(err) or conn.in_transaction:
                raise
        if time.monotonic() - tried < 0.05:  # busy at once (no busy wait inside SQLite): do not spin
            time.sleep(0.05)


def _outside_transaction(conn: "Connection", run: Callable, target, sql, parameters):
    """Run a statement given outside a transaction: a plain `BEGIN` as `BEGIN IMMEDIATE`, and
    again while the database is busy (nothing was done: the statement did not start)."""
    if sql.lstrip()[:5].upper() == "BEGIN" and _BEGIN.match(sql):
        sql = "BEGIN IMMEDIATE"
    started = time.monotonic()
    try:
        return run(target, sql, parameters)
    except sqlite3.OperationalError as err:
        if not is_busy(err) or conn.in_transaction:
            raise
    return _wait(conn, lambda: run(target, sql, parameters), started)


class Connection(sqlite3.Connection):
    """The store's connection (`sqlite3.connect(factory=Connection)`): statements outside a
    transaction wait for the write lock as the module says; inside one they run as they are.

    `ccc_path`: the database file (for the notices); `lock_timeout`: seconds to wait (None:
    `CCC_LOCK_TIMEOUT`); `on_lock_wait(text)`: where the note goes (None: no note)."""

    ccc_path: Path | None = None
    lock_timeout: float | None = None
    on_lock_wait: Callable[[str], None] | None = staticmethod(print_note)

    def cursor(self, factory=None):
        return super().cursor(factory or _Cursor)

    def execute(self, sql, parameters=(), /):
        if self.in_transaction:
            return sqlite3.Connection.execute(self, sql, parameters)
        return _outside_transaction(self, sqlite3.Connection.execute, self, sql, parameters)

    def executemany(self, sql, parameters, /):
        if self.in_transaction:
            return sqlite3.Connection.executemany(self, sql, parameters)
        return _outside_transaction(self, sqlite3.Connection.executemany, self, sql, parameters)


class _Cursor(sqlite3.Cursor):
    """A cursor of a `Connection` (`conn.cursor().execute(…)` waits the same way)."""

    def execute(self, sql, parameters=(), /):
        conn = self.connection
        if conn.in_transaction or not isinstance(conn, Connection):
            return sqlite3.Cursor.execute(self, sql, parameters)
        return _outside_transaction(conn, sqlite3.Cursor.execute, self, sql, parameters)

    def executemany(self, sql, parameters, /):
        conn = self.connection
        if conn.in_transaction or not isinstance(conn, Connection):
            return sqlite3.Cursor.executemany(self, sql, parameters)
        return _outside_transaction(conn, sqlite3.Cursor.executemany, self, sql, parameters)
