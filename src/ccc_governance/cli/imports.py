"""`ccc import`, `ccc batches`, `ccc batch show|undo`, `ccc quarantine`, `ccc plugins [new]`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ..clock import iso_utc
from ..errors import CccError, SourceError
from ..textsafe import visible
from .context import pass_app


def _echo(text: str, **kwargs) -> None:
    """One line of output holding text from files or users: control characters made visible."""
    click.echo(visible(text), **kwargs)

_PROGRESS_MIN_BYTES = 5 * 1024 * 1024  # smaller files import too fast for a bar to help


def _parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    options = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise SourceError(f"--option {pair!r} must be written key=value")
        options[key.strip()] = value
    return options


def _summary_line(name: str, s: dict) -> str:
    if s["status"] == "already_imported":
        return f"{name}: already imported in batch {s['batch_id']}, nothing added (undo that batch to import it again)"
    return (
        f"{name}: imported {s['imported']:,}, replaced {s['replaced']:,}, duplicates skipped {s['duplicates']:,}, "
        f"older skipped {s['older_skipped']:,}, quarantined {s['quarantined']:,} "
        f"(batch {s['batch_id']}, {s['rows_per_s']:,.0f} rows/s)"
    )


def _where(file_name: str, line) -> str:
    return f"{file_name}:{line}" if line else file_name


@click.command("import")
@click.argument("source")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--contract", "contract_id", help="Contract id the data is for (recorded on the batch).")
@click.option("--strict", is_flag=True, help="Refuse the whole file if any row would be quarantined.")
@click.option("--option", "-o", "option_pairs", multiple=True, metavar="KEY=VALUE",
              help="Source option (repeatable), over the workspace's [sources.NAME] table.")
@click.option("--json", "as_json", is_flag=True, help="Print the batch summaries as JSON.")
@pass_app
def import_command(app, source, paths, contract_id, strict, option_pairs, as_json):
    """Import PATH... through SOURCE (see `ccc plugins`), one atomic batch per file.

    Importing the same file twice adds nothing. Bad rows are quarantined and listed; the rest
    is imported (exit 0) unless --strict.

    A file of 4 MB or more is read in a second process while this one writes (set
    CCC_IMPORT_PROCESS=0 to keep to one process).

    Other commands read the store as usual meanwhile; one that writes (another import, ccc
    evaluate) waits for this one, with a note, for up to CCC_LOCK_TIMEOUT seconds (default 300).
    """
    from ..engine.aggregates import refresh_after_batch
    from ..plugins import find_source
    from ..store.imports import import_file

    options = _parse_options(option_pairs)
    pm = app.pm
    find_source(pm, source)  # an unknown source is reported before anything is opened
    summaries = []
    for path in paths:
        name = Path(path).name
        size = Path(path).stat().st_size if Path(path).is_file() else 0
        bar = sys.stderr.isatty() and size >= _PROGRESS_MIN_BYTES and not as_json
        try:
            if bar:
                from rich.progress import BarColumn, DownloadColumn, Progress, TimeRemainingColumn

                with Progress("[progress.description]{task.description}", BarColumn(), DownloadColumn(),
                              TimeRemainingColumn(), transient=True, console=_stderr_console()) as prog:
                    task = prog.add_task(name, total=size)
                    summary = import_file(app.db, app.workspace, pm, source, path, contract_id=contract_id,
                                          strict=strict, options=options,
                                          progress=lambda done, total: prog.update(task, completed=done))
            else:
                summary = import_file(app.db, app.workspace, pm, source, path, contract_id=contract_id,
                                      strict=strict, options=options)
        except CccError as err:
            if not err.file and name not in err.message:  # name the file when the error did not
                err.file = path
            raise
        if summary["status"] == "imported":  # the engine brings its daily aggregates up to date now
            refresh_after_batch(app.db, summary["batch_id"])
        summaries.append(summary)
        if as_json:
            continue
        _echo(_summary_line(name, summary))
        for q in summary["quarantine"]:
            _echo(f"  {_where(name, q['line'])}: {q['reason']}")
        if summary["quarantined"] > len(summary["quarantine"]):
            _echo(f"  … {summary['quarantined'] - len(summary['quarantine']):,} more: "
                       f"ccc quarantine {summary['batch_id']}")
    if as_json:
        click.echo(json.dumps(summaries, indent=2))


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


def _batch_json(b: dict) -> dict:
    out = dict(b)
    out["first_at"] = iso_utc(b.get("first_at"))
    out["last_at"] = iso_utc(b.get("last_at"))
    if isinstance(out.get("options"), str):
        out["options"] = json.loads(out["options"])
    return out


@click.command("batches")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def batches_command(app, as_json):
    """List every import batch (undone ones too)."""
    from ..store.batches import list_batches

    batches = list_batches(app.db)
    if as_json:
        click.echo(json.dumps([_batch_json(b) for b in batches], indent=2))
        return
    if not batches:
        click.echo("No imports yet: ccc import SOURCE FILE")
        return
    _echo(f"{'id':>4}  {'source':<20} {'file':<28} {'imported':>9} {'replaced':>8} {'quar.':>6}  {'status':<8} started")
    for b in batches:
        click.echo(
            f"{b['id']:>4}  {b['source'][:20]:<20} {b['file_name'][:28]:<28} {b['imported']:>9,} {b['replaced']:>8,} "
            f"{b['quarantined']:>6,}  {b['status']:<8} {b['started_at']}"
        )


@click.group("batch")
def batch_group():
    """Look at or undo one import batch."""


@batch_group.command("show")
@click.argument("batch_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def batch_show(app, batch_id, as_json):
    """Show batch BATCH_ID: file, plugin, counts, span of its records."""
    from ..store.batches import get_batch

    b = get_batch(app.db, batch_id)
    if as_json:
        click.echo(json.dumps(_batch_json(b), indent=2))
        return
    _echo(f"batch {b['id']} ({b['status']})")
    for label, key in (("source", "source"), ("file", "path"), ("sha256", "sha256"), ("contract", "contract_id"),
                       ("started", "started_at"), ("finished", "finished_at"), ("undone", "undone_at")):
        if b.get(key):
            _echo(f"  {label:<10} {b[key]}")
    _echo(f"  {'plugin':<10} {b['plugin']} {b['plugin_version'] or ''}".rstrip())
    _echo(f"  {'records':<10} {b['records']:,} read: imported {b['imported']:,}, replaced {b['replaced']:,}, "
               f"duplicates {b['duplicates']:,}, older skipped {b['older_skipped']:,}, quarantined {b['quarantined']:,}")
    if b["first_at"] is not None:
        _echo(f"  {'span':<10} {iso_utc(b['first_at'])} .. {iso_utc(b['last_at'])}")
    for table, n in b["records_by_table"].items():
        _echo(f"  {'stored':<10} {n:,} in {table}")


@batch_group.command("undo")
@click.argument("batch_id", type=int)
@pass_app
def batch_undo(app, batch_id):
    """Remove batch BATCH_ID's records and restore the records it replaced (one transaction)."""
    from ..engine.aggregates import batches_signature, refresh_after_undo
    from ..store.batches import undo_batch

    before = batches_signature(app.db)
    r = undo_batch(app.db, batch_id)
    refresh_after_undo(app.db, r["batch_id"], before)  # the engine's figures of the days it touched
    _echo(f"batch {r['batch_id']} undone: {r['removed']:,} records removed, {r['restored']:,} restored")


@click.command("quarantine")
@click.argument("batch_id", type=int, required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=int, default=None, help="Show at most this many rows.")
@pass_app
def quarantine_command(app, batch_id, as_json, limit):
    """List quarantined rows (of batch BATCH_ID, or of every batch): file:line: reason."""
    from ..store.batches import list_quarantine

    rows = list_quarantine(app.db, batch_id, limit=limit)
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("Nothing quarantined.")
        return
    for r in rows:
        _echo(f"[batch {r['batch_id']}] {_where(r['file_name'], r['line'])}: {r['reason']}")
        if r["raw"]:
            _echo(f"    {r['raw'][:200]}")


@click.group("plugins", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def plugins_group(ctx, as_json):
    """List plugins: version, where each came from, and the sources it provides."""
    if ctx.invoked_subcommand is not None:
        return
    from ..plugins import get_sources, list_plugins

    pm = ctx.obj.pm
    plugins = list_plugins(pm)
    sources = get_sources(pm)
    if as_json:
        out = []
        for p in plugins:
            p = dict(p)
            p["sources"] = [
                {"name": s.name, "description": s.description, "kinds": list(s.kinds), "patterns": list(s.patterns)}
                for s in (sources[n] for n in p["sources"])
            ]
            out.append(p)
        click.echo(json.dumps(out, indent=2))
        return
    if not plugins:
        click.echo("No plugins installed (see docs/plugins.md, or `ccc plugins new NAME`).")
        return
    for p in plugins:
        version = f" {p['version']}" if p["version"] else ""
        _echo(f"{p['name']}{version} [{p['origin']}]")
        for name in p["sources"]:
            s = sources[name]
            patterns = f" ({', '.join(s.patterns)})" if s.patterns else ""
            _echo(f"  {s.name}: {s.description} — {', '.join(s.kinds)}{patterns}")


@plugins_group.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".",
              help="Folder to create the package in (default: the current folder).")
def plugins_new(name, directory):
    """Create an installable plugin package ccc-NAME/ providing source NAME."""
    from ..scaffold import scaffold_plugin

    root = scaffold_plugin(name, directory)
    _echo(f"Plugin package created: {root}")
    _echo(f"Next: pip install -e {root}  then  ccc plugins  (its source {name!r} is listed)")
