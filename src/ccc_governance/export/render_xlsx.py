"""XLSX export (openpyxl): a sheet per section, numbers as numbers with formats, frozen headers.

Rates are stored as fractions with a percent format (so 0.8293 shows as 82.9 % and sums correctly),
other figures with `0.00`, money with two decimals, days as real dates. Text that a spreadsheet
would run as a formula is neutralised (see `cells.py`).
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from ..outputs import write_file
from .cells import cell_format, neutralise, plain
from .tables import Table, pack_tables, portfolio_tables

NUMBER_FORMATS = {
    "fraction": "0.0%",
    "number": "0.00",
    "integer": "0",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
MAX_WIDTH = 60


def _typed(value, fmt: str):
    """The value as the type its format wants: a date for `date`, a naive UTC datetime for `datetime`."""
    if value is None or value == "":
        return None
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


def _sheet(wb: Workbook, table: Table) -> None:
    ws = wb.create_sheet(title=table.name[:31])
    ws.append([c.header for c in table.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(c.header) for c in table.columns]
    for r, row in enumerate(table.rows, start=2):
        for i, col in enumerate(table.columns):
            fmt = cell_format(col, row)
            value = _typed(row.get(col.key), fmt)
            cell = ws.cell(row=r, column=i + 1, value=value)
            if isinstance(value, (int, float, date)) and not isinstance(value, bool) and fmt in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[fmt]
            shown = 12 if isinstance(value, (date, datetime)) else len(str(value)) if value is not None else 0
            widths[i] = max(widths[i], shown)
    ws.freeze_panes = "A2"
    for i, w in enumerate(widths):
        ws.column_dimensions[get_column_letter(i + 1)].width = min(MAX_WIDTH, w + 2)


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
