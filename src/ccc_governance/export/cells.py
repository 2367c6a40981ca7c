"""Cell values for spreadsheets and CSV: formula injection neutralised, numbers kept as numbers.

A spreadsheet treats text that starts with `=`, `+`, `-` or `@` (and, in some programs, a tab or
carriage return) as a formula, so a record field such as `=HYPERLINK("http://x")` would run when the
file is opened. Such text gets a leading `'`. Only *text* is touched: a real negative number is a
number and stays one.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """`value` unchanged unless it is text a spreadsheet would read as a formula; then `'` + text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def cell_format(column, row: dict) -> str:
    """The format of one cell: the column's, or the row's own for `cell` / `value` columns."""
    if column.fmt == "cell":
        return row.get("_fmt", "text")
    if column.fmt == "value":
        return row.get("_unit", "number")
    return column.fmt


def plain(value):
    """A value as a CSV/JSON-friendly scalar: booleans as true/false, lists joined, None as empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={v}" for k, v in value.items())
    return value
