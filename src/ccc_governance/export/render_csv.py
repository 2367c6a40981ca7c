"""CSV export: one file per section in a folder (`summary.csv`, `kpis.csv` …), UTF-8, comma-separated.

Numbers are written unrounded (rates as fractions 0–1) so machines get the engine's figures;
text that a spreadsheet would take for a formula is neutralised (see `cells.py`). The files and
their columns are documented in `docs/exports.md`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

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


def write_tables(tables: list[Table], folder: str | Path) -> list[Path]:
    """Write each table as `<name>.csv` in `folder` (created); return the paths written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for t in tables:
        path = folder / f"{t.name}.csv"
        path.write_text(table_csv(t), encoding="utf-8")
        paths.append(path)
    return paths


def write_pack_csv(pack: dict, folder: str | Path) -> list[Path]:
    """A review pack as one CSV file per section in `folder`."""
    return write_tables(pack_tables(pack), folder)


def write_portfolio_csv(portfolio: dict, folder: str | Path) -> list[Path]:
    """A portfolio comparison as CSV files in `folder`."""
    return write_tables(portfolio_tables(portfolio), folder)
