"""`ccc tui`: open the vendor manager's terminal on the workspace database."""

from __future__ import annotations

import click

from ..clock import today
from ..errors import WorkspaceError
from .context import AppContext, pass_app


def register(cli: click.Group) -> None:
    """Add `ccc tui` to the `ccc` group."""

    @cli.command("tui")
    @click.option("--as-of", "as_of", metavar="DATE", help="Today's date for states (default: CCC_AS_OF or today).")
    @click.option("--light", is_flag=True, help="Start with the light theme (Ctrl+T toggles).")
    @pass_app
    def tui(app: AppContext, as_of: str | None, light: bool) -> None:
        """Portfolio, contracts, KPI drill-down, breaches and reviews in the terminal."""
        day = today(as_of)
        path = app.workspace.db_path
        if not path.exists():
            raise WorkspaceError(
                f"{path}: no database here yet (run `ccc demo`, `ccc contract register` or `ccc import`)"
            )
        # Imported here: the rest of the CLI must not pay for loading Textual.
        from ..tui.app import DARK, LIGHT, CccApp

        CccApp(path, day, theme=LIGHT if light else DARK).run()
