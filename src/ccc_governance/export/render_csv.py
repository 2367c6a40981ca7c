"""CSV export: one file per section in a folder (`summary.csv`, `kpis.csv` …), UTF-8, comma-separated.

Numbers are written unrounded (rates as fractions 0–1) so machines get the engine's figures;
text that a spreadsheet would take for a formula is neutralised (see `cells.py`). The files and
their columns are documented in `docs/exports.md`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..outputs import write_pack_folder
from .cells import neutralise, plain
from .tables import Table, pack_tables, portfolio_tables


def table_csv(table: Table) -> str:
    """One table as CSV text, with a header row of column keys."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([c.key for c in table.columns])
    for row in table.rows:
        writer.writerow([neutralise(plain(row.get(c.key))) for c in table.columns])
    return buf.getvalue()


def tables_csv(tables: list[Table]) -> dict[str, str]:
    """Each table as CSV text, keyed by its file name `<name>.csv`."""
    return {f"{t.name}.csv": table_csv(t) for t in tables}


def write_tables(tables: list[Table], folder: str | Path, *, parents: bool = False) -> list[Path]:
    """Write each table as `<name>.csv` in `folder`, a ccc pack folder (see `outputs.write_pack_folder`:
    new, empty or an earlier pack; only the pack's own files are replaced). Returns the paths written."""
    return write_pack_folder(folder, tables_csv(tables), parents=parents)


def write_pack_csv(pack: dict, folder: str | Path, *, parents: bool = False) -> list[Path]:
    """A review pack as one CSV file per section in `folder`."""
    return write_tables(pack_tables(pack), folder, parents=parents)


def write_portfolio_csv(portfolio: dict, folder: str | Path, *, parents: bool = False) -> list[Path]:
    """A portfolio comparison as CSV files in `folder`."""
    return write_tables(portfolio_tables(portfolio), folder, parents=parents)
