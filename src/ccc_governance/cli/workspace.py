"""`ccc init` and `ccc demo`."""

from __future__ import annotations

from pathlib import Path

import click

from ..workspace import init_workspace


@click.command("init")
@click.argument("directory", required=False, default=".", type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite an existing ccc.toml.")
def init_command(directory: str, force: bool) -> None:
    """Create a workspace (ccc.toml, contracts/ and plugins/ folders) in DIRECTORY."""
    path = init_workspace(directory, force=force)
    click.echo(f"Workspace created: {path}")
    click.echo(f"Next: put contract files in {Path(path).parent / 'contracts'} and run `ccc contract register`.")


def register(cli: click.Group) -> None:
    cli.add_command(init_command)
