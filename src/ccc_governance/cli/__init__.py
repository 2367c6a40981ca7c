"""The `ccc` command line. Each command group lives in its own module and is a thin layer over
functions the TUI and the tests call too.

Exit codes: 0 success; 1 problems found (`ccc contract validate`); 2 a user error (bad input, no
workspace, unknown name); 3 `ccc evaluate` found a breach.
"""

from __future__ import annotations

import sys

import click

from .. import __version__
from ..errors import CccError
from .context import AppContext, pass_app

__all__ = ["cli", "main", "pass_app", "AppContext"]


class CccGroup(click.Group):
    """A click group that turns every `CccError` into one line on stderr and its exit code."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except CccError as err:
            click.echo(f"error: {err.format()}", err=True)
            ctx.exit(err.exit_code)


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
    from . import contracts, evaluate, export, governance, imports, portfolio, tui, workspace

    for module in (workspace, contracts, imports, evaluate, governance, portfolio, export, tui):
        module.register(cli)


_register_commands()


def add_plugin_commands(group: click.Group = cli) -> None:
    """Let installed plugins add commands (`register_commands` hook), before the command line is parsed.

    Only entry-point plugins can add commands: the workspace is not known yet. A plugin whose hook
    fails gives one warning line and the tool goes on.
    """
    from ..plugins import get_plugin_manager, warn

    try:
        pm = get_plugin_manager(None)
    except CccError as err:
        warn(err.format())
        return
    for impl in pm.hook.register_commands.get_hookimpls():
        try:
            impl.function(cli=group)
        except Exception as err:  # a broken plugin must not make the whole CLI unusable
            warn(f"plugin {impl.plugin_name!r} could not add its commands: {err}")


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    add_plugin_commands(cli)
    try:
        cli.main(args=argv, prog_name="ccc", standalone_mode=True)
    except CccError as err:  # raised outside command invocation (e.g. while building context)
        click.echo(f"error: {err.format()}", err=True)
        sys.exit(err.exit_code)
