"""`ccc init` and `ccc demo`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from ..textsafe import visible
from ..workspace import init_workspace


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing ccc.toml.")
def init_command(directory: str, force: bool) -> None:
    """Create a workspace (ccc.toml, contracts/ and plugins/ folders) in DIRECTORY."""
    path = init_workspace(directory, force=force)
    # The folder is the user's argument: shown with any control character in it written out.
    click.echo(visible(f"Workspace created: {path}"))
    click.echo(visible(f"Next: put contract files in {Path(path).parent / 'contracts'} and run `ccc contract register`."))


@click.command("demo")
@click.argument("directory", required=False, default="demo", type=click.Path(file_okay=False))
@click.option("--no-tui", is_flag=True, help="Print a summary instead of opening the terminal UI.")
def demo_command(directory: str, no_tui: bool) -> None:
    """Build a complete demo workspace in DIRECTORY from contracts/ and examples/, then show it.

    In a terminal it ends in the TUI; without one (or with --no-tui) it prints a summary and exits 0.
    """
    from ..demo import DEMO_AS_OF, run_demo

    cli = click.get_current_context().find_root().command  # the `ccc` group this command runs in
    ws = run_demo(directory, cli, echo=click.echo)
    db = str(ws / "ccc.db")
    interactive = sys.stdin.isatty() and sys.stdout.isatty() and not os.environ.get("CI")
    if interactive and not no_tui:
        cli.main(args=["--db", db, "tui", "--as-of", DEMO_AS_OF], prog_name="ccc", standalone_mode=False)
    else:
        click.echo("")
        click.echo(visible(f"Demo workspace ready in {ws} (as of {DEMO_AS_OF})."))
        cli.main(args=["--db", db, "portfolio", "--as-of", DEMO_AS_OF], prog_name="ccc", standalone_mode=False)
    click.echo("")
    click.echo(visible(f"Review packs: {ws / 'packs'}"))
    click.echo(visible(f"Explore it:   cd {ws} && ccc tui --as-of {DEMO_AS_OF}   (or ccc status acme-utility-helpdesk --as-of {DEMO_AS_OF})"))
