"""`ccc contract …`: validate, register, list, show, diff and schema (thin layer over `contracts`)."""

from __future__ import annotations

import json
from datetime import date

import attrs
import click
import tomli_w

from ..clock import parse_date
from ..contracts import registry
from ..contracts.diff import diff_contracts
from ..contracts.jsonschema import schema_text
from ..contracts.loader import toml_name
from ..contracts.problems import ContractProblems
from ..contracts.validate import read_all
from ..durations import Duration
from ..errors import NotFoundError
from ..textsafe import visible, visible_json
from .context import AppContext, pass_app


@click.group("contract")
def contract_group() -> None:
    """Contracts: validate TOML files, register versions, list, show and compare them."""


@contract_group.command("validate")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def validate_command(paths: tuple[str, ...]) -> None:
    """Check contract files (or folders of *.toml): one `file:line: message` per problem.

    Exit 0 when every file is valid, 1 when any problem is found.
    """
    results, problems = read_all(paths)
    for problem in problems:
        click.echo(visible(str(problem)))
    bad_files = {p.file for p in problems}
    for path, contract, _ in results:
        if str(path) not in bad_files and contract is not None:
            click.echo(visible(f"{path}: OK ({contract.id}, {len(contract.kpi)} KPIs)"))
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(bad_files)} file(s)", err=True)
        raise SystemExit(1)


@contract_group.command("register")
@click.argument("paths", nargs=-1, type=click.Path())
@pass_app
def register_command(app: AppContext, paths: tuple[str, ...]) -> None:
    """Validate and store contract files as versions (default: the workspace's contracts folder).

    A file with problems is refused and nothing is stored (exit 1).
    """
    targets = list(paths) or [app.workspace.contracts_dir]
    try:
        results = registry.register(app.db, targets)
    except ContractProblems as err:
        for problem in err.problems:
            click.echo(visible(str(problem)))
        click.echo("nothing registered: fix the problems above", err=True)
        raise SystemExit(1) from None
    words = {"new": "registered as version", "new_version": "new version", "unchanged": "unchanged, version"}
    for row in results:
        click.echo(visible(f"{row['contract_id']}: {words[row['status']]} {row['version']} ({row['path']})"))


@contract_group.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_app
def list_command(app: AppContext, fmt: str) -> None:
    """Registered contracts: id, title, client, CCC, versions, latest version's dates."""
    rows = registry.latest(app.db)
    keys = ("contract_id", "title", "client", "ccc", "versions", "effective_from", "effective_to")
    if fmt == "json":
        click.echo(visible_json(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2, ensure_ascii=False)))
        return
    if not rows:
        click.echo("no contracts registered yet: run `ccc contract register`")
        return
    table = [("ID", "TITLE", "CLIENT", "CCC", "VERSIONS", "IN FORCE FROM", "TO")]
    for r in rows:
        table.append(tuple(visible(v) for v in (r["contract_id"], r["title"], r["client"], r["ccc"], r["versions"],
                                                r["effective_from"], r["effective_to"] or "open")))
    widths = [max(len(str(row[i])) for row in table) for i in range(len(table[0]))]
    for row in table:
        click.echo("  ".join(str(v).ljust(w) for v, w in zip(row, widths)).rstrip())


def _plain(obj):
    """A Contract as TOML-ready plain data with the file's key names."""
    if attrs.has(type(obj)):
        out = {}
        for a in attrs.fields(type(obj)):
            value = getattr(obj, a.name)
            if value is None or value == [] or (a.name == "params"):
                continue
            out[toml_name(a.name)] = _plain(value)
        if hasattr(obj, "params"):
            out.update({k: _plain(v) for k, v in obj.params.items()})
        return out
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, Duration):
        return str(obj)
    return obj


@contract_group.command("show")
@click.argument("contract_id")
@click.option("--at", "at", help="Show the version in force on this date (YYYY-MM-DD).")
@click.option("--version", "version", type=int, help="Show this version number.")
@click.option("--format", "fmt", type=click.Choice(["text", "toml", "json"]), default="text", show_default=True)
@pass_app
def show_command(app: AppContext, contract_id: str, at: str | None, version: int | None, fmt: str) -> None:
    """Show a registered contract (latest version, the one in force --at a date, or --version N)."""
    rows = registry.versions(app.db, contract_id)
    if version is not None:
        contract = registry.load_version(app.db, contract_id, version)
        row = next(r for r in rows if r["version"] == version)
    elif at is not None:
        day = parse_date(at, what="--at")
        found = registry.contract_at(app.db, contract_id, day)
        if found is None:
            registry.versions(app.db, contract_id) or registry.load_version(app.db, contract_id, 1)
            raise NotFoundError(f"no version of contract {contract_id!r} is in force on {day}")
        row, contract = found
    else:
        if not rows:
            registry.load_version(app.db, contract_id, 1)  # raises the "no such contract" error
        row = rows[-1]
        contract = registry.load_version(app.db, contract_id, row["version"])
    if fmt == "toml":
        click.echo(visible(row["toml"], multiline=True), nl=False)
        return
    data = _plain(contract)
    if fmt == "json":
        click.echo(visible_json(json.dumps({"version": row["version"], "sha256": row["sha256"], "contract": data},
                                           indent=2, ensure_ascii=False, default=str)))
        return
    info = contract.contract
    # Titles, names, queues and descriptions come from the user's TOML: controls made visible.
    click.echo(visible(f"{info.id} — {info.title}  (version {row['version']} of {len(rows)})"))
    click.echo(visible(f"  registered {row['registered_at']}" + (f" by {row['registered_by']}" if row.get("registered_by") else "")))
    click.echo(visible(f"  client {info.client}, CCC {info.ccc}, in force {info.effective_from} to {info.effective_to or 'open-ended'} ({info.timezone})"))
    click.echo(visible(f"  scope: queues {', '.join(contract.scope.queues)}; channels {', '.join(contract.scope.channels)}"))
    click.echo(visible(f"  review {contract.review.frequency}; sign-off by {', '.join(contract.review.sign_off)}"))
    for kpi in contract.kpi:
        breach = "" if kpi.breach is None else f", breach {kpi.breach:g}"
        channel = f" [{kpi.channel}]" if kpi.channel else ""
        steps = "".join(f"; {s.target:g} from {s.from_}" for s in kpi.schedule)
        click.echo(visible(f"  kpi {kpi.id}{channel}: {kpi.metric} target {kpi.target:g}{breach} per {kpi.period} ({kpi.kpi_class}){steps}"))
    for ob in contract.obligation:
        click.echo(visible(f"  obligation {ob.id}: {ob.every}, due {ob.due or 'end of period'} — {ob.description}"))


@contract_group.command("diff")
@click.argument("contract_id")
@click.option("--from", "from_version", type=int, help="Older version (default: the one before --to).")
@click.option("--to", "to_version", type=int, help="Newer version (default: the latest).")
@pass_app
def diff_command(app: AppContext, contract_id: str, from_version: int | None, to_version: int | None) -> None:
    """What changed between two versions of a contract (default: the last two), in words."""
    rows = registry.versions(app.db, contract_id)
    if not rows:
        registry.load_version(app.db, contract_id, 1)  # raises the "no such contract" error
    to_version = to_version or rows[-1]["version"]
    from_version = from_version or to_version - 1
    if from_version < 1:
        raise NotFoundError(f"contract {contract_id!r} has only version {to_version}: nothing to compare")
    old = registry.load_version(app.db, contract_id, from_version)
    new = registry.load_version(app.db, contract_id, to_version)
    click.echo(visible(f"{contract_id}: version {from_version} → {to_version}"))
    lines = diff_contracts(old, new)
    for line in lines:
        click.echo(visible(f"  {line}"))
    if not lines:
        click.echo("  no change in meaning (only comments or layout differ)")


@contract_group.command("schema")
def schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of a contract file, for Taplo / VS Code."""
    click.echo(schema_text(), nl=False)
