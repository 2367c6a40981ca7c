"""`ccc log` and `ccc log verify`: the change log (`ccc_governance.trail`), read and checked."""

from __future__ import annotations

import json

import click

from ..textsafe import visible, visible_json
from ..trail import change_text
from .context import AppContext, pass_app

@click.group("log", invoke_without_command=True)
@click.option("--contract", "contract_id", help="Only entries about this contract.")
@click.option("--actor", help="Only entries made by this actor.")
@click.option("--kind", help="Only this kind of change (`audit` also matches audit.start, audit.answer …).")
@click.option("--since", metavar="DATE", help="Only entries made on or after this day (UTC) or instant.")
@click.option("--json", "as_json", is_flag=True, help="JSON output (each entry whole, before and after included).")
@click.pass_context
def log_group(ctx: click.Context, contract_id, actor, kind, since, as_json) -> None:
    """The change log: who changed what and when (filters, --json); `ccc log verify` checks its chain.

    Every change a person or job makes is one entry: the real instant (UTC), the actor, the kind
    of change, the contract, the record (table:id), and what it was before and after. The log is
    append-only and each entry's hash is chained to the one before it.
    """
    if ctx.invoked_subcommand is not None:
        return
    from .. import trail

    app: AppContext = ctx.find_object(AppContext)
    rows = trail.entries(app.db, contract_id=contract_id, actor=actor, kind=kind,
                         since=trail.since_ms(since) if since else None)
    if as_json:
        click.echo(visible_json(json.dumps(rows, indent=2, ensure_ascii=False, default=str)))
        return
    if not rows:
        click.echo("(no entries)")
        return
    columns = ["id", "at", "actor", "kind", "contract", "record", "change"]
    cells = [[visible(v) for v in (r["id"], (r["at"] or "")[:19] + "Z", r["actor"], r["kind"], r["contract_id"],
                                   r["record"], change_text(r["before"], r["after"]))] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip())
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths)).rstrip())


@log_group.command("verify")
@pass_app
def verify_command(app: AppContext) -> None:
    """Check the chain: exit 0 when every entry fits, 1 naming the first one that does not.

    An entry edited after it was written no longer matches its hash; a deleted one leaves a gap
    (or, at the end, fewer entries than were written). The last entry's hash is printed: kept
    elsewhere (the review minutes), it also catches a log rewritten from some entry to its end.
    """
    from .. import trail

    result = trail.verify(app.db)
    n = result["entries"]
    if result["problem"] is not None:
        click.echo(visible(result["problem"]["text"]))
        raise SystemExit(1)
    head = f" (last hash {result['head']})" if result["head"] else ""
    click.echo(f"{n} {'entry' if n == 1 else 'entries'}, chain intact{head}")
