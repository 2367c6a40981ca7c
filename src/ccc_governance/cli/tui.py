"""`ccc tui`: open the vendor manager's terminal on the workspace database."""

from __future__ import annotations

import gc
import sys

import click

from ..clock import today
from ..errors import CccError, WorkspaceError
from .context import AppContext, pass_app


class NoTerminalError(CccError):
    """`ccc tui` was started without a terminal on stdin and stdout (in a script, a pipe, CI)."""


def require_terminal(stdin=None, stdout=None) -> None:
    """Refuse to start the TUI unless stdin and stdout are terminals.

    Without one, Textual would write escape codes into a file or pipe and wait for keys that never
    come (a hang in CI). The check is here, in the command, so that tests driving the app with
    Textual's `run_test()` are unaffected.
    """
    stdin = sys.stdin if stdin is None else stdin
    stdout = sys.stdout if stdout is None else stdout
    if not (_isatty(stdin) and _isatty(stdout)):
        raise NoTerminalError(
            "ccc tui needs a terminal (stdin and stdout); use ccc portfolio or ccc export for scripts"
        )


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False


@click.command("tui")
@click.option("--as-of", "as_of", metavar="DATE", help="Today's date for states (default: CCC_AS_OF or today).")
@click.option("--light", is_flag=True, help="Start with the light theme (Ctrl+T toggles).")
@pass_app
def tui_command(app: AppContext, as_of: str | None, light: bool) -> None:
    """Portfolio, contracts, KPI drill-down, breaches and reviews in the terminal.

    Needs a terminal: in a script use `ccc portfolio` or `ccc export` (exit 2 otherwise).
    """
    require_terminal()
    day = today(as_of)
    path, store = app.workspace.db_path, app.workspace.store
    if not store.is_postgres and not path.exists():
        raise WorkspaceError(
            f"{path}: no database here yet (run `ccc demo`, `ccc contract register` or `ccc import`)"
        )
    # Until the portfolio is shown, no cyclic garbage collection: Textual's and the store's imports
    # and the app's start make objects that live as long as it does (~50 ms of collections that
    # find nothing). The app resumes it once its first screen has its data (`gc_paused`).
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        # Imported here: the rest of the CLI must not pay for loading Textual.
        from ..tui.app import DARK, LIGHT, CccApp

        if store.is_postgres:
            app.db  # opened once here: a store that cannot be reached is one line before the screen starts
        CccApp(path, day, theme=LIGHT if light else DARK, store=store, gc_paused=paused,
               pack_settings=lambda: _pack_settings(app)).run()
    finally:
        if paused:
            gc.enable()


def _pack_settings(app: AppContext) -> dict:
    """ccc.toml's pack settings as `ccc export` uses them (`pack_options`), read anew for each pack
    (an edit of ccc.toml counts without leaving the TUI)."""
    from .export import pack_options

    return pack_options(AppContext(app.db_override))
