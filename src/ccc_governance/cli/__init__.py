"""The `ccc` command line. Each command group lives in its own module and is a thin layer over
functions the TUI and the tests call too.

Exit codes: 0 success; 1 problems found (`ccc contract validate`); 2 a user error (bad input, no
workspace, unknown name, a mistyped option), always one `error: …` line on stderr; 3 `ccc evaluate`
found a breach.
"""

from __future__ import annotations

import sqlite3
import sys

import click

from .. import __version__
from ..errors import CccError
from ..textsafe import visible
from .context import AppContext, pass_app

__all__ = ["cli", "main", "pass_app", "AppContext"]


class _OneLine:
    """Mixin for click's errors: shown as one `error: …` line instead of click's usage, hint and
    `Error:` lines (exit code unchanged: 2 for usage errors). `--help` and a bare `ccc` still print
    the help (they are not errors)."""

    where = ""

    def show(self, file=None) -> None:
        click.echo(f"error: {visible(self.where + self.format_message())}", file=file, err=True)


class OneLineUsageError(_OneLine, click.UsageError):
    """A click `UsageError` (unknown option or command, missing or bad value) as one line."""

    def __init__(self, err: click.UsageError) -> None:
        super().__init__(err.message, err.ctx)
        self.exit_code = err.exit_code
        self.text = err.format_message()  # a BadParameter's names the parameter
        # The command it is about, as the user typed it (`ccc export review: Missing option …`).
        self.where = f"{err.ctx.command_path}: " if err.ctx is not None else ""

    def format_message(self) -> str:
        return self.text


class OneLineClickError(_OneLine, click.ClickException):
    """Any other `ClickException` (a plugin command's, say) as one line, with its own exit code."""

    def __init__(self, err: click.ClickException) -> None:
        super().__init__(err.format_message())
        self.exit_code = err.exit_code


def _one_line(err: click.ClickException) -> click.ClickException:
    if isinstance(err, _OneLine) or isinstance(err, getattr(click.exceptions, "NoArgsIsHelpError", ())):
        return err  # already one line, or a group called without a command: click prints its help
    if isinstance(err, click.UsageError):
        return OneLineUsageError(err)
    return OneLineClickError(err)


class CccGroup(click.Group):
    """A click group that turns every `CccError` into one line on stderr and its exit code, and
    click's own errors (usage, bad parameter) into one `error: …` line too."""

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        # Options of `ccc` itself are parsed here, before `invoke`.
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.ClickException as err:
            one = _one_line(err)
            if one is err:
                raise
            raise one from None

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CccError as err:
            click.echo(f"error: {visible(err.format())}", err=True)
            ctx.exit(err.exit_code)
        except sqlite3.OperationalError as err:  # "database is locked" that escaped the wait: one line
            from ..store.writelock import is_busy, locked_error

            if not is_busy(err):
                raise
            conn = getattr(getattr(ctx.obj, "_db", None), "conn", None)
            click.echo(f"error: {visible(locked_error(getattr(conn, 'ccc_path', None)).format())}", err=True)
            ctx.exit(2)
        except click.ClickException as err:  # subcommands' parsing and callbacks
            one = _one_line(err)
            if one is err:
                raise
            raise one from None


@click.group(cls=CccGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="ccc")
@click.option(
    "--db",
    "db_path",
    envvar="CCC_DB",
    type=click.Path(dir_okay=False),
    help="Database path (overrides ccc.toml; also CCC_DB).",
)
@click.pass_context
def cli(ctx: click.Context, db_path: str | None) -> None:
    """ccc-governance: govern outsourced customer contact (ISO 18295-2) from the client's side.

    Contracts are TOML files; data comes in through platform plugins; the engine turns it into
    KPI results, breaches and service credits per contract and period.
    """
    ctx.obj = AppContext(db_override=db_path)


def _register_commands() -> None:
    from . import contracts, evaluate, export, governance, imports, notifications, portfolio, tui, workspace

    for module in (workspace, contracts, imports, evaluate, notifications, governance, portfolio, export, tui):
        module.register(cli)


_register_commands()


def add_plugin_commands(group: click.Group = cli) -> None:
    """Let installed plugins add commands (`register_commands` hook), before the command line is parsed.

    Only entry-point plugins can add commands: the workspace is not known yet. A plugin whose hook
    fails gives one warning line and the tool goes on.
    """
    from ..plugins import fault_text, get_plugin_manager, warn

    try:
        pm = get_plugin_manager(None)
    except CccError as err:
        warn(err.format())
        return
    for impl in pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=group)
        except (Exception, SystemExit) as err:  # a broken plugin must not make the whole CLI unusable
            warn(visible(f"plugin {impl.plugin_name!r} could not add its commands: {fault_text(err)}"))


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    add_plugin_commands(cli)
    try:
        cli.main(args=argv, prog_name="ccc", standalone_mode=True)
    except CccError as err:  # raised outside command invocation (e.g. while building context)
        click.echo(f"error: {visible(err.format())}", err=True)
        sys.exit(err.exit_code)
