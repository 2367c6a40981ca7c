"""Who makes a change: the one place the actor of every write is worked out (`current_actor`).

On SQLite the actor is *declared*: `ccc --actor NAME` (which sets `CCC_ACTOR` while the command
runs), else `CCC_ACTOR` from the environment, else the operating system's login name
(`getpass.getuser()`, or `uid:N` when the login has no name). Nothing proves it: anyone who can
write the database file can claim any name. Every record a person or job makes stores it in a
`*_by` column, and its entry in the change log (`trail`) carries it too.

PostgreSQL: the actor is the database role of the session (`SELECT session_user`: the role that
logged in, which the server authenticated), so that a client cannot claim another name; a
declared `--actor` / `CCC_ACTOR` that differs from it is refused rather than silently replaced.
Callers pass the store's `db` (or connection) for this reason, even though SQLite does not need it.
"""

from __future__ import annotations

import getpass
import os

from .errors import CccError

ENV = "CCC_ACTOR"
MAX_LENGTH = 64


class ActorError(CccError):
    """An actor name that cannot be recorded (empty, control characters, too long)."""


def check_actor(name: str, origin: str) -> str:
    """`name` if it can be recorded as an actor, else `ActorError` naming `origin` (`--actor`,
    `CCC_ACTOR`, "the login name"): non-empty, printable (no control characters, no leading or
    trailing space), at most `MAX_LENGTH` characters."""
    from .textsafe import visible

    if not name or not name.strip():
        raise ActorError(f"{origin}: the actor name is empty (give a name, e.g. --actor alice)")
    if not name.isprintable() or name != name.strip():
        raise ActorError(f"{origin} '{visible(name)}': an actor name cannot hold control characters "
                         "or begin or end with a space")
    if len(name) > MAX_LENGTH:
        raise ActorError(f"{origin}: the actor name is {len(name)} characters long (at most {MAX_LENGTH})")
    return name


def login_name() -> str:
    """The operating system's login name, or `uid:N` when the user id has no name."""
    try:
        return getpass.getuser()
    except Exception:  # no LOGNAME/USER and no password entry (a container's bare uid)
        uid = getattr(os, "getuid", None)
        return f"uid:{uid()}" if uid is not None else "unknown"


def current_actor(db=None) -> str:
    """Who is making the change now, checked (see the module docstring; `db` is the store or its
    connection, for the PostgreSQL store's role). An empty `CCC_ACTOR` counts as unset."""
    declared = os.environ.get(ENV, "")
    from .store.dialect import is_postgres

    if is_postgres(db):
        conn = getattr(db, "conn", db)
        role = getattr(conn, "ccc_role", None)
        if role is None:
            role = conn.ccc_role = conn.execute("SELECT session_user").fetchone()[0]
        if declared and declared != role:
            raise ActorError(f"{ENV} / --actor '{declared}': on a PostgreSQL store the actor is the database role "
                             f"of the session ('{role}'); connect as that role instead of declaring a name")
        return role
    if declared:
        return check_actor(declared, ENV)
    return check_actor(login_name(), "the login name")
