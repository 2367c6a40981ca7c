"""`ccc portfolio`: every contract on one screen, worst first (the TUI's first screen, in plain text)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from ..clock import today
from ..portfolio import portfolio
from .context import pass_app

if TYPE_CHECKING:
    from rich.table import Table


def past_retention_text(held: dict) -> str:
    """One line on records held past retention: how many, of what, since when."""
    tables = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in held["counts"].items() if n)
    return (f"{held['records']} records held past the {held['retention_days']}-day retention ({tables}), "
            f"oldest from {held['oldest']}, due since {held['due_since']}: run `ccc purge --due`")


def portfolio_table(db, as_of) -> tuple[Table, list[str], list[str], list[str]]:
    """The portfolio as a rich table, why each contract that cannot be shown is not (one line each),
    the contracts holding records past their retention (one line each) and the 'last import per
    source' lines."""
    from rich import box
    from rich.table import Table

    data = portfolio(db, as_of)
    table = Table(title=f"Portfolio as of {as_of}", title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  padding=(0, 1, 0, 0), show_edge=False)
    for col, justify in (("contract", "left"), ("last period", "left"), ("brch", "right"),
                         ("credits", "right"), ("review", "left"), ("late", "right")):
        table.add_column(col, justify=justify, no_wrap=True)
    colour = {"breached": "red", "at_risk": "yellow", "met": "green", "overdue": "red bold"}
    for r in data.rows:
        if r.problem:  # listed, with its reason under the table; the other contracts are unaffected
            table.add_row(r.contract_id, "[red bold]cannot be shown[/]", str(r.open_breaches), "–", "–", "–")
            continue
        status = r.status or "–"
        state = (r.review_state or "").replace("_", " ")  # words, not ids: "pre-read due" reads better
        review = f"{(r.next_review or '–').split(' by ')[0]} {state}".strip()
        table.add_row(
            r.contract_id,
            f"{r.period or '–'} [{colour.get(status, 'default')}]{status.replace('_', ' ')}[/]",
            str(r.open_breaches),
            f"{r.credits_due:,.0f} {r.currency}" if r.credits_due else "–",
            f"[{colour.get(r.review_state or '', 'default')}]{review}[/]",
            str(r.overdue_obligations),
        )
    table.caption = "brch: open breaches · review: next review and its state · late: overdue obligations"
    table.caption_justify = "left"
    problems = [f"{r.contract_id}: {r.problem}" for r in data.rows if r.problem]
    held = [f"{r.contract_id}: {past_retention_text(r.past_retention)}" for r in data.rows if r.past_retention]
    imports = [f"{i.source}: last import {i.last_imported} ({i.batches} batches)" for i in data.imports]
    return table, problems, held, imports


@click.command("portfolio")
@click.option("--as-of", help="Today's date (YYYY-MM-DD; also CCC_AS_OF).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_app
def portfolio_command(app, as_of: str | None, as_json: bool) -> None:
    """Every contract, worst first: last closed period, open breaches, credits, next review, overdue duties."""
    from dataclasses import asdict

    day = today(as_of)
    if as_json:
        data = portfolio(app.db, day)
        click.echo(json.dumps({"as_of": day.isoformat(), "contracts": [asdict(r) for r in data.rows],
                               "imports": [asdict(i) for i in data.imports]}, indent=2))
        return
    if not app.db["contract_versions"].count:
        click.echo("no contracts registered yet: run `ccc contract register`")
        return
    from rich.console import Console  # here: `--json` does without rich

    table, problems, held, imports = portfolio_table(app.db, day)
    console = Console(emoji=False)  # contract ids and reasons are shown as written, `:x:` included
    console.print(table)
    for line in problems:  # as written (markup off): the reason may quote the contract's text
        console.print(line, style="red", markup=False, highlight=False)
    for line in held:  # as written: contract ids are the users' text
        console.print(line, style="yellow", markup=False, highlight=False)
    for line in imports:
        console.print(line, style="dim")
