"""The object every command receives: the workspace, the database and the plugin manager, built lazily.

The store, the workspace reader and the plugin host are imported when first asked for, so that a
command that needs none of them (`ccc --help`, `ccc init`) does not load them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..workspace import Workspace


class AppContext:
    def __init__(self, db_override: str | None = None) -> None:
        self.db_override = db_override  # `--db` or CCC_DB
        self._workspace: Workspace | None = None
        self._db = None
        self._pm = None

    @property
    def workspace(self) -> Workspace:
        """The workspace found from the current folder (raises `WorkspaceError` if none)."""
        if self._workspace is None:
            from ..workspace import load_workspace

            self._workspace = load_workspace(db=self.db_override)
        return self._workspace

    @property
    def db(self):
        """The opened, migrated store (a `sqlite_utils.Database`, or `store.postgres.PgDatabase`)."""
        if self._db is None:
            from ..store.db import open_db

            self._db = open_db(self.workspace.store)
        return self._db

    def close(self) -> None:
        """Close the store if it was opened (a SQLite file is checkpointed then)."""
        db, self._db = self._db, None
        if db is not None:
            db.close()

    @property
    def pm(self):
        """The plugin manager, with entry-point plugins and the workspace's plugins folder loaded."""
        if self._pm is None:
            from ..plugins import get_plugin_manager

            try:
                workspace = self.workspace
            except Exception:  # listing plugins must work outside a workspace too
                workspace = None
            self._pm = get_plugin_manager(workspace=workspace)
        return self._pm


pass_app = click.make_pass_decorator(AppContext)


def declare_actor(ctx: click.Context, name: str) -> None:
    """`ccc --actor NAME`: checked, then set as `CCC_ACTOR` while the command runs (the TUI's
    threads included), so that `actor.current_actor` is the one place that says who; the
    previous value is put back when the command ends."""
    import os

    from ..actor import ENV, check_actor

    check_actor(name, "--actor")
    before = os.environ.get(ENV)
    os.environ[ENV] = name

    def restore() -> None:
        if before is None:
            os.environ.pop(ENV, None)
        else:
            os.environ[ENV] = before

    ctx.call_on_close(restore)
