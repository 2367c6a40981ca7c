"""`ccc metrics` (the metric catalogue with its ISO 18295 references) and `ccc conformity` (the
client's ISO 18295-2 readiness, per contract; exit 1 unless every duty is met)."""

from __future__ import annotations

import sys

import click

from ..textsafe import visible
from .context import AppContext, pass_app
from .governance import AS_OF_HELP, _json


def _settings(app: AppContext) -> dict:
    """The workspace's `[iso18295]` settings; the defaults outside a workspace."""
    from ..errors import WorkspaceError
    from ..iso18295 import workspace_settings

    try:
        workspace = app.workspace
    except WorkspaceError:
        return workspace_settings(None)
    return workspace_settings(workspace)


@click.command("metrics")
@click.option("--json", "as_json", is_flag=True, help="JSON output.")
@pass_app
def metrics_command(app: AppContext, as_json) -> None:
    """The metric catalogue: title, area, unit, direction and ISO 18295 references."""
    from ..iso18295 import format_refs
    from ..metrics import catalogue_rows

    rows = catalogue_rows(_settings(app))
    if as_json:
        _json(rows)
        return
    columns = ["id", "title", "area", "unit", "direction", "references"]
    cells = [[visible(format_refs(r[c]) if c == "references" else r[c]) for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


@click.command("conformity")
@click.option("--contract", "contract_id", help="One contract (default: every contract in force).")
@click.option("--as-of", help=AS_OF_HELP)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md", "html"]), default="table",
              show_default=True)
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@pass_app
def conformity_command(app: AppContext, contract_id, as_of, fmt, lang) -> None:
    """ISO 18295-2 readiness per contract: each client duty met, partly or missing, with evidence.

    Each status comes with its reasons and the evidence found in the store. Exit code 1 unless
    every duty of every contract is met."""
    from ..governance import conformity

    report = conformity.readiness(app.db, contract_id, as_of, settings=_settings(app), lang=lang)
    if fmt == "json":
        _json(report)
    else:  # html and md escape markup in the templates; control characters are made visible here
        click.echo(visible(conformity.render(report, fmt), multiline=True), nl=False)
    sys.exit(0 if report["met"] else 1)
