"""`ccc evaluate`, `ccc breaches`, `ccc breach ack|dispute|waive|close|reopen|show`,
`ccc exclusion add|list|remove`, `ccc credits`: thin layers over `ccc_governance.engine`."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from xml.sax.saxutils import escape, quoteattr

import click

from ..clock import iso_utc, parse_date
from ..errors import PeriodError
from ..periods import make_range, parse_period, periods_between
from ..textsafe import visible
from .context import pass_app


def _echo(text: str, **kwargs) -> None:
    """One line of output holding text from files or users: control characters made visible."""
    click.echo(visible(text), **kwargs)

JSON_KEYS = ("contract", "contract_version", "kpi", "metric", "period", "period_start", "period_end", "channel",
             "volume", "numerator", "denominator", "actual", "target", "breach", "status", "excluded", "ci",
             "small_sample", "reported", "reported_diff", "details", "credits")


def _periods(period: str | None, first: str | None, last: str | None, each: str | None) -> list:
    """The periods asked for: one, every `each` period overlapping --from..--to, or none (each
    KPI's last closed period)."""
    if period and (first or last):
        raise PeriodError("give either --period or --from/--to, not both")
    if each and not (first and last):
        raise PeriodError("--each goes with --from and --to (e.g. --from 2025-01-01 --to 2026-12-31 --each month)")
    if first or last:
        if not (first and last):
            raise PeriodError("--from and --to go together")
        span = make_range(parse_date(first, what="--from"), parse_date(last, what="--to"))
        return periods_between(span.start, span.last_day, each) if each else [span]
    return [parse_period(period)] if period else []


def _json_result(r: dict, credit_lines: list[dict]) -> dict:
    out = dict(r)
    out["ci"] = None if r["ci_low"] is None else {"low": r["ci_low"], "high": r["ci_high"], "level": 0.95}
    out["credits"] = [{k: c[k] for k in ("kind", "amount", "currency", "explanation")}
                      for c in credit_lines if c["kpi_id"] == r["kpi_id"] and c["contract_version"] == r["contract_version"]]
    return {k: out.get(k) for k in JSON_KEYS}


def fmt_value(metric: str, x) -> str:
    """A figure as people read it: rates in per cent, means and scores as numbers."""
    from ..engine import formulas

    if x is None:
        return "–"
    if formulas.is_rate(metric):
        return f"{x * 100:.1f}%"
    return f"{x:.1f}" if abs(x) >= 10 else f"{x:.2f}"


def _table(results: list[dict]) -> str:
    """One small table per contract (its id as a heading), readable at 80 columns."""
    from rich.console import Console
    from rich.markup import escape as markup_escape
    from rich.table import Table

    buf = io.StringIO()
    console = Console(file=buf, width=80, force_terminal=False, color_system=None)
    styles = {"met": "green", "at_risk": "yellow", "breached": "bold red"}
    contracts: dict[str, list[dict]] = {}
    for r in results:
        contracts.setdefault(r["contract"], []).append(r)
    for contract, rows in contracts.items():
        table = Table(title=markup_escape(visible(contract)), title_justify="left", show_edge=False, pad_edge=False, header_style="bold")
        for name, justify in (("kpi", "left"), ("period", "left"), ("actual", "right"), ("target", "right"),
                              ("breach", "right"), ("n", "right"), ("status", "left")):
            table.add_column(name, justify=justify, overflow="fold")
        for r in rows:
            status = r["status"] + ("*" if r["small_sample"] and r["actual"] is not None else "")
            if r["excluded"]:
                status += f" excl:{len(r['excluded'])}"
            span = r["details"].get("span", {})
            last_day = (date.fromisoformat(r["period_end"]) - timedelta(days=1)).isoformat()
            partial = span.get("from") != r["period_start"] or span.get("to") != last_day
            version = f" v{r['contract_version']}" if partial else ""
            table.add_row(markup_escape(visible(r["kpi"])), r["period"] + version, fmt_value(r["metric"], r["actual"]),
                          fmt_value(r["metric"], r["target"]), fmt_value(r["metric"], r["breach"]),
                          f"{r['volume']:,.0f}", status, style=styles.get(r["status"].removeprefix("mtd_")))
        console.print(table)
        console.print()
    if any(r["small_sample"] and r["actual"] is not None for r in results):
        console.print("* small sample: n < 30 or the 95 % interval straddles the target or breach threshold")
    return buf.getvalue()


def _csv(results: list[dict]) -> str:
    buf = io.StringIO()
    cols = ["contract", "contract_version", "kpi", "metric", "period", "volume", "numerator", "denominator",
            "actual", "target", "breach", "status", "ci_low", "ci_high", "small_sample", "reported", "reported_diff",
            "excluded"]
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in results:
        w.writerow([json.dumps(r[c]) if c == "excluded" else ("" if r[c] is None else r[c]) for c in cols])
    return buf.getvalue()


def _junit(results: list[dict]) -> str:
    failures = sum(r["status"] == "breached" for r in results)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             f'<testsuite name="ccc evaluate" tests="{len(results)}" failures="{failures}">']
    for r in results:
        name = quoteattr(f"{r['kpi']} {r['period']} v{r['contract_version']}")
        text = (f"{r['metric']}: actual {r['actual']} target {r['target']} breach {r['breach']} "
                f"volume {r['volume']} status {r['status']}")
        lines.append(f"  <testcase classname={quoteattr(r['contract'])} name={name}>")
        if r["status"] == "breached":
            lines.append(f"    <failure message={quoteattr(text)}>{escape(json.dumps(r['excluded']))}</failure>")
        elif r["status"] in ("no_data", "insufficient_volume"):
            lines.append(f"    <skipped message={quoteattr(text)}/>")
        lines.append(f"    <system-out>{escape(text)}</system-out>")
        lines.append("  </testcase>")
    lines.append("</testsuite>")
    return "\n".join(lines) + "\n"


@click.command("evaluate")
@click.option("--contract", "contract_id", help="Only this contract (default: every registered contract).")
@click.option("--period", help="2026-10, 2026-Q3, 2026-W42, 2026-10-05 … (default: the last closed period).")
@click.option("--from", "first", metavar="DATE", help="First day of a custom period (with --to).")
@click.option("--to", "last", metavar="DATE", help="Last day of a custom period, included.")
@click.option("--each", type=click.Choice(["week", "month", "quarter", "half", "year"]),
              help="With --from/--to: every period of this kind they overlap (e.g. 24 months after a new contract).")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv", "junit"]), default="table", show_default=True)
@click.option("--as-of", "as_of", metavar="DATE", help="Evaluate as if today were DATE (also CCC_AS_OF).")
@pass_app
@click.pass_context
def evaluate_command(ctx, app, contract_id, period, first, last, each, fmt, as_of):
    """Evaluate every KPI of the contracts in force, store the results, breaches and credits.

    Exit 0 when nothing is breached, 3 when something is (to gate a pipeline).
    """
    from ..engine import credits
    from ..engine.evaluate import evaluate

    results = evaluate(app.db, contract_id=contract_id, periods=_periods(period, first, last, each), as_of=as_of,
                       pm=lambda: app.pm, workspace=app.workspace)  # (plugins loaded only to notify a breach)
    skipped = getattr(results, "skipped", {})  # contracts left out so that the others could be evaluated
    for cid, reason in skipped.items():
        click.echo(visible(f"warning: contract {cid} not evaluated: {reason}"), err=True)
    if fmt == "json":
        lines = {}
        for r in results:
            key = (r["contract"], r["period"])
            if key not in lines:
                lines[key] = credits.credits_for(app.db, *key)
        click.echo(json.dumps({"results": [_json_result(r, lines[(r["contract"], r["period"])]) for r in results],
                               "skipped": [{"contract": c, "reason": why} for c, why in skipped.items()]},
                              indent=2, default=str))
    elif fmt == "csv":
        click.echo(_csv(results), nl=False)
    elif fmt == "junit":
        click.echo(_junit(results), nl=False)
    else:
        if not results:
            click.echo("no KPI results: no contract in force for that period (see `ccc contract list`)")
        else:
            click.echo(_table(results), nl=False)
    if any(r["status"] == "breached" for r in results):
        ctx.exit(3)


@click.command("breaches")
@click.option("--status", type=click.Choice(["open", "acknowledged", "disputed", "waived", "closed"]))
@click.option("--contract", "contract_id")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def breaches_command(app, status, contract_id, as_json):
    """List breaches with their status (a breach no longer found is marked, never deleted)."""
    from ..engine import breaches

    rows = breaches.list_breaches(app.db, status=status, contract_id=contract_id)
    if as_json:
        click.echo(json.dumps({"breaches": rows}, indent=2))
        return
    if not rows:
        click.echo("no breaches")
        return
    for b in rows:
        still = "" if b["still_breached"] else " (no longer breached)"
        small = " (small sample)" if b["small_sample"] else ""
        actual = "n/a" if b["actual"] is None else f"{b['actual']:.4g}"
        _echo(f"#{b['id']} {b['contract_id']} v{b['contract_version']} {b['kpi_id']} {b['period']}: "
                   f"{actual} vs {b['breach'] if b['breach'] is not None else b['target']} "
                   f"[{b['status']}]{still}{small} first seen {b['first_seen_at'][:10]}")


@click.group("breach")
def breach_group():
    """Change a breach's status (with a note) or show its history."""


def _status_command(verb: str, status: str):
    @click.command(verb)
    @click.argument("breach_id", type=int)
    @click.option("--note", required=True, help="Why (kept in the breach's history).")
    @click.option("--as-of", "as_of", metavar="DATE")
    @pass_app
    def command(app, breach_id, note, as_of):
        from ..engine import breaches

        b = breaches.set_status(app.db, breach_id, status, note, as_of=as_of)
        _echo(f"breach #{b['id']} ({b['contract_id']} {b['kpi_id']} {b['period']}) is now {b['status']}")

    command.help = f"Mark breach ID as {status}, with a note."
    return command


for _verb, _status in (("ack", "acknowledged"), ("dispute", "disputed"), ("waive", "waived"), ("close", "closed"),
                       ("reopen", "open")):
    breach_group.add_command(_status_command(_verb, _status))


def _g(x) -> str:
    """A stored figure to four significant digits (the unit is the KPI's: rates as fractions)."""
    return "–" if x is None else f"{x:.4g}"


@breach_group.command("show")
@click.argument("breach_id", type=int)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def breach_show(app, breach_id, as_json):
    """A breach and its history of statuses and notes.

    Each event shows the day it counts as (`--as-of`, or the day it was made), who made it and, in
    brackets, the real instant it was recorded (UTC); the history is in the order it was recorded.
    """
    from ..engine import breaches, notifications
    from .notifications import state_text

    b = breaches.get_breach(app.db, breach_id)
    events = breaches.history(app.db, breach_id)
    sent = notifications.list_notifications(app.db, breach_id=breach_id)
    if as_json:
        click.echo(json.dumps({"breach": b, "history": events, "notifications": sent}, indent=2))
        return
    _echo(f"breach #{b['id']}: {b['contract_id']} v{b['contract_version']} {b['kpi_id']} {b['period']}")
    _echo(f"  status {b['status']}; still breached: {'yes' if b['still_breached'] else 'no'}; "
               f"actual {_g(b['actual'])} target {_g(b['target'])} breach {_g(b['breach'])} "
               f"volume {_g(b['volume'])}")
    _echo(f"  first seen {b['first_seen_at'][:10]}, last seen {b['last_seen_at'][:10]}")
    for e in events:
        change = e["status_to"] if e["status_from"] in (None, e["status_to"]) else f"{e['status_from']} → {e['status_to']}"
        recorded = f"  [recorded {iso_utc(e['recorded_at'])}]" if e.get("recorded_at") is not None else ""
        by = f"  by {e['actor']}" if e.get("actor") else ""
        _echo(f"  {e['at'][:10]}  {change}: {e['note'] or ''}{recorded}{by}")
    for n in sent:
        _echo(f"  notification {state_text(n)}")


@click.group("exclusion")
def exclusion_group():
    """Declared exclusion windows (outage, force majeure, ramp-up) with their evidence."""


@exclusion_group.command("add")
@click.argument("contract_id")
@click.option("--from", "start", required=True, metavar="DATETIME|DATE", help="Start (local time of the contract).")
@click.option("--to", "end", required=True, metavar="DATETIME|DATE", help="End; a DATE includes that whole day.")
@click.option("--reason", required=True)
@click.option("--evidence", help="Where the proof is (incident number, file, link).")
@click.option("--kind", type=click.Choice(["outage", "force_majeure", "ramp_up"]), default="outage", show_default=True)
@pass_app
def exclusion_add(app, contract_id, start, end, reason, evidence, kind):
    """Leave a window out of CONTRACT_ID's KPIs (listed in every result it touches)."""
    from ..engine import exclusions

    e = exclusions.add_exclusion(app.db, contract_id, kind, start, end, reason, evidence)
    _echo(f"exclusion #{e['id']} {e['kind']} {e['from']} → {e['to']} added to {contract_id}: {e['reason']}")


@exclusion_group.command("list")
@click.argument("contract_id", required=False)
@click.option("--json", "as_json", is_flag=True)
@pass_app
def exclusion_list(app, contract_id, as_json):
    """Declared exclusions (of one contract)."""
    from ..engine import exclusions

    rows = exclusions.list_exclusions(app.db, contract_id)
    if as_json:
        click.echo(json.dumps({"exclusions": rows}, indent=2))
        return
    if not rows:
        click.echo("no exclusions")
    for e in rows:
        _echo(f"#{e['id']} {e['contract_id']} {e['kind']} {e['from']} → {e['to']}: {e['reason']}"
                   + (f" (evidence: {e['evidence']})" if e["evidence"] else ""))


@exclusion_group.command("remove")
@click.argument("exclusion_id", type=int)
@pass_app
def exclusion_remove(app, exclusion_id):
    """Delete a declared exclusion (its contract's aggregates are rebuilt at the next evaluation)."""
    from ..engine import exclusions

    e = exclusions.remove_exclusion(app.db, exclusion_id)
    _echo(f"exclusion #{e['id']} removed from {e['contract_id']}")


@click.command("credits")
@click.option("--contract", "contract_id", help="Only this contract.")
@click.option("--period", help="Month (default: every month with stored credits).")
@click.option("--json", "as_json", is_flag=True)
@pass_app
def credits_command(app, contract_id, period, as_json):
    """Service credits and bonuses per contract and month, each with its arithmetic in words."""
    from ..engine import credits

    sql, args = "SELECT DISTINCT contract_id, period FROM credits WHERE 1 = 1", []
    if contract_id:
        sql += " AND contract_id = ?"
        args.append(contract_id)
    if period:
        sql += " AND period = ?"
        args.append(str(parse_period(period)))
    keys = app.db.execute(sql + " ORDER BY period, contract_id", args).fetchall()
    data = [{"contract": c, "period": p, "lines": credits.credits_for(app.db, c, p),
             "total": credits.total(credits.credits_for(app.db, c, p))} for c, p in keys]
    if as_json:
        click.echo(json.dumps({"credits": data}, indent=2))
        return
    if not data:
        click.echo("no service credits (run `ccc evaluate` first)")
    for d in data:
        currency = d["lines"][0]["currency"] if d["lines"] else ""
        _echo(f"{d['contract']} {d['period']}: net {credits.money(d['total'], currency)}")
        for line in d["lines"]:
            _echo(f"  {line['kind']:<9} {line['amount']:>12,.2f}  {line['explanation']}")


__all__ = ["fmt_value"]
