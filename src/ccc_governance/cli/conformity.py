"""`ccc metrics` (the metric catalogue with its ISO 18295 references) and `ccc conformity` (the
client's ISO 18295-2 readiness, per contract; exit 1 unless every duty is met)."""

from __future__ import annotations

import sys

import click

from ..governance.conformity import LABELS, STATUSES
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


def render(report: dict, fmt: str = "table") -> str:
    """The report as `table` (plain text), `md` or `html` (jinja2 templates in data/conformity/,
    every value escaped) in the report's language; `json` is the dict itself (the caller dumps it)."""
    labels = LABELS[report["lang"]]
    if fmt == "table":
        return _table(report, labels)
    import jinja2

    from ..export.templating import md_escape

    loader = jinja2.PackageLoader("ccc_governance", "data/conformity")
    common = {"loader": loader, "trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}
    if fmt == "html":
        env = jinja2.Environment(autoescape=True, **common)
    else:
        env = jinja2.Environment(autoescape=False, finalize=md_escape, **common)
    counts = _counts(report)
    return env.get_template(f"conformity.{fmt}.j2").render(r=report, L=labels, counts=counts,
                                                          summary=_summary(report, labels))


def _counts(report: dict) -> dict[str, int]:
    counts = {s: 0 for s in STATUSES}
    for c in report["contracts"]:
        for d in c["duties"]:
            counts[d["status"]] += 1
    return counts


def _summary(report: dict, labels: dict) -> str:
    total = sum(len(c["duties"]) for c in report["contracts"])
    short = sum(1 for c in report["contracts"] for d in c["duties"] if d["status"] != "met")
    if not report["contracts"]:
        return labels["no_contract"]
    return labels["all_met"] if not short else labels["not_all_met"].format(n=short, total=total)


def _table(report: dict, labels: dict) -> str:
    lines = [f"{labels['title']} — {labels['as_of']} {report['as_of']}",
             labels["settings"].format(months=report["settings"]["audit_within_months"],
                                       days=report["settings"]["breach_follow_up_days"])]
    if not report["contracts"]:
        return "\n".join(lines + [labels["no_contract"]]) + "\n"
    for c in report["contracts"]:
        lines += ["", f"{labels['contract']} {c['contract_id']}" + (f" — {c['title']}" if c["title"] else "")
                  + (f" ({labels['ccc']} {c['ccc']})" if c["ccc"] else "")]
        width = max(len(d["name"]) for d in c["duties"])
        for d in c["duties"]:
            lines.append(f"  {d['name']:<{width}}  {labels[d['status']]}")
            lines += [f"      − {t}" for t in d["reasons"]]
            lines += [f"      + {t}" for t in d["evidence"]]
    lines += ["", _summary(report, labels)]
    return "\n".join(lines) + "\n"


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
        click.echo(visible(render(report, fmt), multiline=True), nl=False)
    sys.exit(0 if report["met"] else 1)
