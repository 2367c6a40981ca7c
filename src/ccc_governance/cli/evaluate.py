"""CLI commands of this area (see the module docstring of `ccc_governance.cli`)."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Add this module's commands to the `ccc` group."""
