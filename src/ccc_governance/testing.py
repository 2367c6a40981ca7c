"""Pytest fixtures for ccc-governance and its plugin authors (loaded through the `pytest11` entry point).

- `ccc_workspace`: a fresh workspace (ccc.toml + empty database) in a temporary folder; returns the
  loaded `Workspace`.
- `ccc_db`: the opened database of that workspace.
- `ccc_pm`: a plugin manager for that workspace without entry-point plugins (register yours with
  `ccc_pm.register(module)`), so a test sees only the plugins it registers.

And the host's functions a plugin's tests call, so that they import nothing of the store:
`import_file(db, workspace, pm, source_name, path, …)` (one file as one batch: its summary),
`undo_batch(db, batch_id)`, `list_quarantine(db, batch_id)`, `open_db(path)`; `flatten(items)`
(what a reader yields, each `ColumnBlock` as the records it stands for); and `store_folder(db)` (the
folder of the workspace database, on either store).

Both stores: `pytest --store=postgres` (with `CCC_TEST_PG` set to a PostgreSQL server's admin
URL, e.g. from `.ci/pg-server start`) runs the same tests on PostgreSQL: every workspace database
a test opens is a PostgreSQL database of its own (`store.db`), made from a migrated template and
dropped after the test. Tests that are about the SQLite file itself carry `@pytest.mark.sqlite_only`
and are skipped there; `@pytest.mark.postgres_only` tests are skipped on SQLite.
"""

from __future__ import annotations

import os

import pytest

from .blocks import flatten
from .store.batches import list_quarantine, undo_batch
from .store.db import open_db
from .store.imports import import_file
from .workspace import init_workspace, load_workspace

__all__ = ["ccc_workspace", "ccc_db", "ccc_pm", "flatten", "import_file", "list_quarantine", "open_db",
           "store_folder", "undo_batch"]


def store_folder(db):
    """The folder of the database file `db` was opened from (with `--store=postgres`: of the file
    its PostgreSQL database stands for), for a test's files beside it."""
    from pathlib import Path

    return Path(getattr(db.conn, "test_path", None) or db.conn.ccc_path).parent


@pytest.fixture
def ccc_workspace(tmp_path, monkeypatch):
    """A new workspace in a temporary folder, with a fixed pseudonymisation key."""
    monkeypatch.delenv("CCC_DB", raising=False)
    init_workspace(tmp_path / "ws", key="00" * 32)
    return load_workspace(tmp_path / "ws")


@pytest.fixture
def ccc_db(ccc_workspace):
    """The workspace's database, opened and migrated; closed after the test."""
    db = open_db(ccc_workspace.db_path)
    yield db
    db.conn.close()


@pytest.fixture
def ccc_pm(ccc_workspace):
    """A plugin manager for `ccc_workspace` without entry-point plugins."""
    from .plugins import get_plugin_manager

    return get_plugin_manager(ccc_workspace, entrypoints=False)


# --------------------------------------------------------------------------- both stores

_TEMPLATE = "ccct_0_template"  # (this run's: set by pytest_configure)


def pytest_addoption(parser):
    parser.addoption("--store", choices=("sqlite", "postgres"), default="sqlite",
                     help="the store the tests run on (postgres: CCC_TEST_PG names the server)")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: a test of the SQLite file itself (skipped on --store=postgres)")
    config.addinivalue_line("markers", "postgres_only: a test of the PostgreSQL store (skipped on --store=sqlite)")
    if config.getoption("--store", "sqlite") != "postgres":
        os.environ.pop("CCC_TEST_PG", None)
        return
    from .store.db import TEST_PG_ENV

    admin = os.environ.get(TEST_PG_ENV)
    if not admin:
        raise pytest.UsageError("--store=postgres: set CCC_TEST_PG to a PostgreSQL server's admin URL "
                                "(`.ci/pg-server start DIR` prints one)")
    import psycopg

    from .store.db import open_db

    global _TEMPLATE
    session = f"{os.getpid()}"
    _TEMPLATE = f"ccct_{session}_template"
    os.environ[TEST_PG_ENV + "_SESSION"] = session
    with psycopg.connect(admin, autocommit=True) as conn:
        _drop_test_databases(conn, everything=True)
    del os.environ[TEST_PG_ENV]  # the template is made like any store, then marked as one
    from .store.location import StoreLocation
    from psycopg.conninfo import make_conninfo

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{_TEMPLATE}"')
    open_db(StoreLocation("postgresql", url=make_conninfo(admin, dbname=_TEMPLATE))).close()
    os.environ[TEST_PG_ENV] = admin
    os.environ[TEST_PG_ENV + "_TEMPLATE"] = _TEMPLATE


def pytest_report_header(config):
    if config.getoption("--store", "sqlite") == "postgres":
        from .store.location import redact

        return f"store: PostgreSQL ({redact(os.environ.get('CCC_TEST_PG', ''))})"
    return "store: SQLite"


def pytest_collection_modifyitems(config, items):
    store = config.getoption("--store", "sqlite")
    skip = "sqlite_only" if store == "postgres" else "postgres_only"
    marker = pytest.mark.skip(reason=f"{skip.replace('_only', '')} only (this run: --store={store})")
    for item in items:
        if skip in item.keywords:
            item.add_marker(marker)


def pytest_unconfigure(config):
    admin = os.environ.get("CCC_TEST_PG")
    if admin and config.getoption("--store", "sqlite") == "postgres":
        import psycopg

        with psycopg.connect(admin, autocommit=True) as conn:
            _drop_test_databases(conn, everything=True)


def _test_databases(conn) -> set[str]:
    """This run's databases (`ccct_<session>_…`), the template's included."""
    session = os.environ.get("CCC_TEST_PG_SESSION", "0")
    rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"ccct\\_{session}\\_%",))
    return {name for (name,) in rows.fetchall()}


def _drop_test_databases(conn, *, everything: bool = False, keep: set[str] = frozenset()) -> None:
    """This run's databases: every one, or all but the template and `keep`."""
    for name in _test_databases(conn):
        if everything or (name != _TEMPLATE and name not in keep):
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def _ccc_test_databases():
    """--store=postgres: drop the databases a test made (those of module- or session-scoped
    fixtures, made before it, stay until the end of the run)."""
    admin = os.environ.get("CCC_TEST_PG")
    if not admin:
        yield
        return
    import gc

    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        before = _test_databases(conn)
    yield
    gc.collect()  # (connections a failed test left in tracebacks: closed, not counted against the server)
    with psycopg.connect(admin, autocommit=True) as conn:
        _drop_test_databases(conn, keep=before)
