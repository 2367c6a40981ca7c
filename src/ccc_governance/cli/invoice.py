"""`ccc invoice check`: the CCC's invoice beside what the contract's pricing and the store say is due
(thin layer over `ccc_governance.invoicing`)."""

from __future__ import annotations

import io
import json

import click

from ..export.invoice import HEADERS, footer, line_cells
from ..textsafe import visible
from .context import pass_app


def _rows(check) -> list[tuple]:
    """The table's rows as text (`export.invoice.line_cells`, as the review pack's Invoice section)."""
    return [tuple(line_cells(line.as_dict()).values()) for line in check.lines]


def render_text(check) -> str:
    """The check as a plain table, each line's arithmetic in words under it, then the totals."""
    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False,
                  title=f"Invoice check {check.contract_id} {check.period} ({check.currency})", title_justify="left")
    for i, header in enumerate(HEADERS):
        table.add_column(header, justify="left" if i in (0, 1, 7) else "right", no_wrap=True)
    for row in _rows(check):
        table.add_row(*(escape(visible(str(v))) for v in row))
    out = io.StringIO()
    Console(file=out, width=120, color_system=None, highlight=False).print(table)
    words = [f"{line.line_id}: {line.words}" for line in check.lines] + _footer(check)
    table_text = "\n".join(row.rstrip() for row in out.getvalue().rstrip("\n").splitlines())
    return table_text + "\n\n" + "\n".join(visible(x) for x in words) + "\n"


def _footer(check) -> list[str]:
    """Credits netted, the total due, notes, the verdict (`export.invoice.footer`)."""
    return footer(check.as_dict())


def render_md(check) -> str:
    """The check as Markdown (a table, the words, the totals)."""
    def cell(v) -> str:
        return visible(str(v)).replace("|", "\\|")

    out = [f"# Invoice check: {cell(check.contract_id)}, {check.period} ({check.currency})", "",
           "| " + " | ".join(HEADERS) + " |", "|" + "|".join("---" if i in (0, 1, 7) else "---:" for i in range(8)) + "|"]
    out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in _rows(check)]
    out += [""] + [f"- **{cell(line.line_id)}**: {cell(line.words)}" for line in check.lines]
    out += [""] + [f"- {cell(x)}" for x in _footer(check)]
    return "\n".join(out) + "\n"


def render_xlsx(check) -> bytes:
    """The check as a workbook: one sheet of lines (numbers as numbers), the totals under them."""
    from openpyxl import Workbook

    from ..export.cells import neutralise

    wb = Workbook()
    ws = wb.active
    ws.title = "Invoice check"
    ws.append(["line", "unit", "invoiced quantity", "invoiced amount", "expected quantity", "expected amount",
               "difference", "status", "arithmetic"])
    for line in check.lines:
        ws.append([neutralise(line.line_id), line.unit, line.invoiced_quantity, line.invoiced_amount,
                   line.expected_quantity, line.expected_amount, line.difference, line.status,
                   neutralise(line.words)])
    ws.append([])
    for label, value in (("expected (lines)", check.expected_lines_total), ("service credits", check.credits),
                         ("expected total (due)", check.expected_total), ("invoiced total", check.invoiced_total),
                         ("difference", check.total_difference)):
        ws.append([label, check.currency, None, None, None, value])
    for note in check.notes:
        ws.append(["note", neutralise(note)])
    data = io.BytesIO()
    wb.save(data)
    return data.getvalue()


@click.group("invoice")
def invoice_group() -> None:
    """The CCC's invoice checked against the contract's pricing and the volumes in the store."""


@invoice_group.command("check")
@click.option("--contract", "contract_id", required=True, help="The contract whose invoice is checked.")
@click.option("--period", required=True, help="Whole months: 2026-10, 2026-Q4, 2026-H2, 2026.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "md", "xlsx"]), default="table",
              show_default=True)
@click.option("-o", "--output", type=click.Path(), help="Write to this file (required for xlsx).")
@pass_app
@click.pass_context
def check_command(ctx, app, contract_id, period, fmt, output) -> None:
    """Each pricing line: invoiced beside expected (recomputed from the store), the difference in words,
    invoice lines with no pricing line, the period's service credits netted, the total due.

    Exit 0 when every line and the total are within the contract's tolerance, 1 otherwise.
    """
    from ..errors import CccError
    from ..invoicing import check_invoice
    from ..outputs import write_file

    if fmt == "xlsx" and not output:
        raise CccError("--format xlsx writes a workbook: give -o FILE.xlsx")
    check = check_invoice(app.db, contract_id, period)
    if fmt == "json":
        data: str | bytes = json.dumps(check.as_dict(), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "md":
        data = render_md(check)
    elif fmt == "xlsx":
        data = render_xlsx(check)
    else:
        data = render_text(check)
    if output:
        write_file(output, data)
        click.echo(f"wrote {visible(str(output))}")
    else:
        click.echo(data, nl=False)
    if not check.ok:
        ctx.exit(1)
