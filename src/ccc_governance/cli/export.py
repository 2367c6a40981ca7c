"""`ccc export review|portfolio|due|site`: review packs for people who never open a terminal."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import CccError
from ..periods import parse_period
from .context import AppContext, pass_app
from .notifications import deliver_when_done


def iso_settings(app: AppContext) -> dict:
    """The workspace's `[iso18295]` settings for the packs' ISO 18295 section (every pack command)."""
    from .conformity import _settings

    return _settings(app)


def pack_options(app: AppContext, templates: str | None = None) -> dict:
    """The workspace's settings as the keyword arguments of the pack writers (export_review,
    export_all, produce_due, export_site): `[export]` templates (or `templates`) and logo, `[iso18295]`."""
    settings = _settings(app, templates)
    return {"templates_dir": settings["templates"], "logo": settings["logo"], "iso_settings": iso_settings(app)}


FORMAT = click.Choice(["md", "html", "xlsx", "csv", "json"])


def parents_option(fn):
    """`--parents`: create the output's missing parent folders (otherwise a missing one is refused)."""
    return click.option("--parents", is_flag=True,
                        help="Create missing parent folders of the output (else a missing folder is an error).")(fn)


def _settings(app: AppContext, templates: str | None) -> dict:
    from ..export.write import export_settings

    try:
        settings = export_settings(app.workspace)
    except CccError:
        settings = {"templates": None, "logo": None}
    if templates:
        settings["templates"] = templates
    return settings


@click.group("export")
def export_group() -> None:
    """Review packs (Markdown, HTML, XLSX, CSV, JSON), the portfolio view, pre-read packs."""
    deliver_when_done()  # an export evaluates what is not evaluated yet, and so may find breaches


@export_group.command("review")
@click.option("--contract", "contract_id", help="Contract id (or --all for every contract of the period).")
@click.option("--all", "all_", is_flag=True, help="Every contract in force in the period; -o is a folder.")
@click.option("--period", required=True, help="2026-10, 2026-Q3, 2026-W42, 2026, 2026-10-01..2026-10-15 …")
@click.option("--format", "fmt", type=FORMAT, default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(),
              help="Output file (a folder for csv and --all: new, empty or an earlier ccc pack).")
@click.option("--as-of", help="Today's date for the pack (YYYY-MM-DD; also CCC_AS_OF).")
@click.option("--templates", type=click.Path(), help="Folder of templates overriding the built-in ones.")
@parents_option
@pass_app
def review(app: AppContext, contract_id, all_, period, fmt, output, as_of, templates, parents) -> None:
    """Write the review pack of one contract (or of every contract with --all) for a period."""
    from ..export.write import default_path, export_all, export_review

    p = parse_period(period)
    if all_ == bool(contract_id):
        raise click.UsageError("give either --contract ID or --all")
    options = pack_options(app, templates)
    if all_:
        folder = Path(output or f"packs_{p.label.replace('..', '_to_')}")
        written = export_all(app.db, p, fmt, folder, as_of=as_of, parents=parents, **options)
        for path in written:
            click.echo(str(path))
        return
    path = Path(output or default_path(contract_id, p, fmt))
    pack = export_review(app.db, contract_id, p, fmt, path, as_of=as_of, parents=parents, **options)
    click.echo(f"{path}  ({pack['summary']['status'].replace('_', ' ')}, {pack['summary']['kpi_count']} KPIs)")


@export_group.command("portfolio")
@click.option("--period", required=True, help="The period to compare (2026-10, 2026-Q3 …).")
@click.option("--format", "fmt", type=FORMAT, default="html", show_default=True)
@click.option("-o", "--output", type=click.Path(),
              help="Output file (a folder for csv: new, empty or an earlier ccc pack).")
@click.option("--as-of", help="Today's date (YYYY-MM-DD; also CCC_AS_OF).")
@click.option("--templates", type=click.Path(), help="Folder of templates overriding the built-in ones.")
@parents_option
@pass_app
def portfolio(app: AppContext, period, fmt, output, as_of, templates, parents) -> None:
    """Compare every CCC on the KPIs their contracts share (same metric and parameters)."""
    from ..currency import workspace_rates
    from ..export.write import EXTENSIONS, export_portfolio, safe_name

    p = parse_period(period)
    settings = _settings(app, templates)
    rates = workspace_rates(app.workspace)  # a mistake in [currency] stops here, before anything is written
    path = Path(output or f"portfolio_{safe_name(p.label)}{EXTENSIONS[fmt]}")
    result = export_portfolio(app.db, p, fmt, path, as_of=as_of, templates_dir=settings["templates"],
                              logo=settings["logo"], parents=parents, rates=rates)
    click.echo(f"{path}  ({len(result['contracts'])} contracts, {len(result['groups'])} shared KPIs)")


@export_group.command("due")
@click.option("--as-of", help="Today's date (YYYY-MM-DD; also CCC_AS_OF).")
@click.option("-o", "--output", type=click.Path(file_okay=False), help="Folder for the packs (default: packs/ in the workspace).")
@click.option("--format", "formats", type=FORMAT, multiple=True, help="Format(s) to produce (default html).")
@click.option("--dry-run", is_flag=True, help="Only list the reviews that need a pre-read pack.")
@click.option("--templates", type=click.Path(), help="Folder of templates overriding the built-in ones.")
@click.option("--site", "site_dir", type=click.Path(file_okay=False),
              help="Then refresh the static site in this folder (as `ccc export site`).")
@parents_option
@pass_app
def due(app: AppContext, as_of, output, formats, dry_run, templates, site_dir, parents) -> None:
    """Produce the pre-read pack of every review whose pre-read date has come and that has none yet."""
    from ..export.due import due_reviews, produce_due

    formats = tuple(formats) or ("html",)
    if dry_run:
        for r in due_reviews(app.db, as_of, formats):
            click.echo(f"{r['contract_id']}  {r['period']}  pre-read from {r['pre_read_on']}, hold by {r['hold_by']}"
                       f"  ({r['state'].replace('_', ' ')}; missing {', '.join(r['missing'])})")
        return
    from ..export.site import check_site_folder
    from ..outputs import ForeignEntryError

    folder = Path(output) if output else app.workspace.root / "packs"
    if site_dir:
        check_site_folder(site_dir, parents=parents)  # refused before any pack is written
    options = pack_options(app, templates)
    # Each pack is shown as it is written, so a clash raised at the end does not hide the others.
    clash = None
    try:
        produced = produce_due(app.db, folder, as_of, formats=formats, parents=parents, **options,
                               on_produced=lambda r: click.echo(f"{r['contract_id']}  {r['period']}  {r['path']}"))
    except ForeignEntryError as err:
        if not site_dir:
            raise
        produced, clash = None, err  # the site still shows the packs that were written
    if produced == []:
        click.echo("no pre-read pack due")
    if site_dir:
        _write_site(app, site_dir, as_of, None, options, parents)
    if clash is not None:
        raise clash


def _write_site(app: AppContext, folder, as_of, period, options: dict, parents: bool) -> None:
    from ..export.site import export_site

    result = export_site(app.db, folder, as_of=as_of, period=period, parents=parents, **options)
    click.echo(f"{result.index}  (site: {result.contracts} contracts, {len(result.packs)} review packs)")


@export_group.command("site")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--as-of", help="Today's date (YYYY-MM-DD; also CCC_AS_OF).")
@click.option("--period", help="Evaluate this period first where nothing is stored (every contract in force).")
@click.option("--templates", type=click.Path(), help="Folder of templates overriding the built-in ones.")
@parents_option
@pass_app
def site(app: AppContext, folder, as_of, period, templates, parents) -> None:
    """Write (or refresh) a static site in FOLDER: the portfolio, a page per contract, every stored
    period's review pack. FOLDER must be new, empty or a site ccc wrote."""
    p = parse_period(period) if period else None
    _write_site(app, folder, as_of, p, pack_options(app, templates), parents)
