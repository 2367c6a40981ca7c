"""ccc-vendor-report: import a contact centre's own figures, aggregates, workforce and QA data (CSV)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_vendor_report

__version__ = "0.1.0"

SOURCE = Source(
    name="vendor-report",
    description="The CCC's monthly report CSV: reported KPI figures, interval counts and forecasts, workforce, QA",
    read=read_vendor_report,
    kinds=("reported", "interval", "workforce", "quality"),
    patterns=("reported*.csv", "interval*.csv", "forecast*.csv", "workforce*.csv", "quality*.csv", "vendor*.csv"),
)


@hookimpl
def register_sources(register):
    """Register the `vendor-report` source."""
    register(SOURCE)
