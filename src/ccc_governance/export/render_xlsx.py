"""XLSX export (openpyxl): a sheet per section, one table per sheet, numbers as numbers with formats.

Rates are stored as fractions with a percent format (so 0.8293 shows as 82.9% and sums correctly)
on every sheet, counts as whole numbers (`#,##0`), other figures with two decimals, money with two
decimals, days as real dates. Statuses, kinds and metrics read as words (`at risk`, `earn-back`,
`Service level`, from `formatting`), and a status cell is coloured by what it means (red: breached,
open, overdue; amber: at risk, acknowledged, disputed, due; green: met, closed, held; grey: no
data, insufficient volume, waived; on the invoice sheet red: over-billed, under-billed, not priced,
outside tolerance, green: ok, within tolerance) through conditional formats, so a filter keeps the colour.
Each sheet has a bold frozen header row and an autofilter over its table. Text that a spreadsheet
would run as a formula is neutralised (see `cells.py`).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..outputs import write_file
from .cells import cell_format, neutralise, plain
from .formatting import engine_note, fmt_duration, label, metric_name
from .tables import Table, pack_tables, portfolio_tables

NUMBER_FORMATS = {
    "fraction": "0.0%",
    "number": "#,##0.00",
    "integer": "0",
    "count": "#,##0",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
    "change_fraction": "+0.0%;-0.0%;0.0%",
    "change_number": "+#,##0.00;-#,##0.00;0.00",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
MAX_WIDTH = 60
#: What a status means, by the words a cell shows → (fill, font colour).
RED, AMBER, GREEN, GREY = ("FFC7CE", "9C0006"), ("FFEB9C", "7F4F00"), ("C6EFCE", "006100"), ("E7E6E6", "3A3A3A")
STATUS_COLOURS = {
    "breached": RED, "open": RED, "overdue": RED,
    "at risk": AMBER, "acknowledged": AMBER, "disputed": AMBER, "due": AMBER, "pre-read due": AMBER,
    "met": GREEN, "closed": GREEN, "held": GREEN, "signed off": GREEN,
    "insufficient volume": GREY, "no data": GREY, "waived": GREY,
    # the invoice check (`invoice` sheet): a line's status, the total's verdict
    "over-billed": RED, "under-billed": RED, "not priced": RED, "outside tolerance": RED,
    "ok": GREEN, "within tolerance": GREEN, "credit on the invoice": GREY,
}


def _format(column, row: dict) -> str:
    """The format of one cell: its column's, with `change` split by the row's unit."""
    fmt = cell_format(column, row)
    if fmt == "change":
        return "change_" + row.get("_unit", "number")
    if fmt == "note":
        return f"note:{row.get('_kpi_unit') or ''}"
    return fmt


def _typed(value, fmt: str):
    """The value as the type its format wants: a date for `date`, a naive UTC datetime for `datetime`,
    words for `status`, `label` and `metric`."""
    if value is None or value == "":
        return None
    if fmt in ("status", "label") and isinstance(value, str):
        return neutralise(label(value))
    if fmt == "metric" and isinstance(value, str):
        return neutralise(metric_name(value))
    if fmt == "duration" and isinstance(value, str):
        return neutralise(fmt_duration(value))
    if fmt.startswith("note:") and isinstance(value, str):
        return neutralise(engine_note(value, fmt[5:]))
    if fmt == "date" and isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return neutralise(value)
    if fmt == "datetime" and isinstance(value, str):
        try:
            # Excel has no time zones: instants are written in UTC, which the header says.
            return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        except ValueError:
            return neutralise(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return value
    return neutralise(plain(value))


def _status_colours(ws, letter: str, last_row: int) -> None:
    cells = f"{letter}2:{letter}{max(last_row, 2)}"
    for text, (fill, font) in STATUS_COLOURS.items():
        ws.conditional_formatting.add(cells, CellIsRule(
            operator="equal", formula=[f'"{text}"'], fill=PatternFill("solid", fgColor=fill, bgColor=fill),
            font=Font(color=font, bold=True)))


def _sheet(wb: Workbook, table: Table) -> None:
    ws = wb.create_sheet(title=table.name[:31])
    ws.append([c.header for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(c.header) for c in table.columns]
    coloured = {i for i, c in enumerate(table.columns) if c.fmt == "status"}
    for r, row in enumerate(table.rows, start=2):
        for i, col in enumerate(table.columns):
            fmt = _format(col, row)
            coloured |= {i} if fmt == "status" else set()
            value = _typed(row.get(col.key), fmt)
            cell = ws.cell(row=r, column=i + 1, value=value)
            if isinstance(value, (int, float, date)) and not isinstance(value, bool) and fmt in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[fmt]
            shown = 12 if isinstance(value, (date, datetime)) else len(str(value)) if value is not None else 0
            widths[i] = max(widths[i], shown)
    last = get_column_letter(len(table.columns))
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 2)}"
    for i in sorted(coloured):
        _status_colours(ws, get_column_letter(i + 1), len(table.rows) + 1)
    for i, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, w + 4)


def tables_xlsx(tables: list[Table]) -> bytes:
    """`tables` as the bytes of one workbook, a sheet each."""
    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        _sheet(wb, t)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_tables_xlsx(tables: list[Table], path: str | Path, *, parents: bool = False) -> Path:
    """Write `tables` as one workbook, a sheet each, to `path` (see `outputs.write_file`)."""
    return write_file(path, tables_xlsx(tables), parents=parents)


def write_pack_xlsx(pack: dict, path: str | Path, *, parents: bool = False) -> Path:
    """A review pack as an XLSX workbook at `path`."""
    return write_tables_xlsx(pack_tables(pack), path, parents=parents)


def write_portfolio_xlsx(portfolio: dict, path: str | Path, *, parents: bool = False) -> Path:
    """A portfolio comparison as an XLSX workbook at `path`."""
    return write_tables_xlsx(portfolio_tables(portfolio), path, parents=parents)
