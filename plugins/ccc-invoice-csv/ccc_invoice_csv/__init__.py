"""ccc-invoice-csv: import the lines of a contact centre's invoice (CSV) into ccc-governance."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_invoice

__version__ = "0.1.0"

SOURCE = Source(
    name="invoice-csv",
    description="The CCC's invoice lines, CSV (period, line id, quantity, unit price, amount, currency)",
    read=read_invoice,
    kinds=("invoice_line",),
    patterns=("invoice*.csv", "*invoice*.csv", "facture*.csv"),
)


@hookimpl
def register_sources(register):
    """Register the `invoice-csv` source."""
    register(SOURCE)
