"""The object every command receives: the workspace, the database and the plugin manager, built lazily."""

from __future__ import annotations

from functools import cached_property

import attrs
import click

from ..store.db import open_db
from ..workspace import Workspace, load_workspace


@attrs.define
class AppContext:
    db_override: str | None = None
    _workspace: Workspace | None = None
    _db: object | None = None
    _pm: object | None = None

    @property
    def workspace(self) -> Workspace:
        """The workspace found from the current folder (raises `WorkspaceError` if none)."""
        if self._workspace is None:
            self._workspace = load_workspace(db=self.db_override)
        return self._workspace

    @property
    def db(self):
        """The opened, migrated database (a `sqlite_utils.Database`)."""
        if self._db is None:
            self._db = open_db(self.workspace.db_path)
        return self._db

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
