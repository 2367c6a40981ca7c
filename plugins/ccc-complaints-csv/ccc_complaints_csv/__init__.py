"""ccc-complaints-csv: import a contact centre's monthly complaint log (CSV) into ccc-governance."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_complaints

__version__ = "0.1.0"

SOURCE = Source(
    name="complaints-csv",
    description="Complaint log CSV (received, acknowledged, updates, escalated, resolved, category, upheld)",
    read=read_complaints,
    kinds=("complaint",),
    patterns=("complaints*.csv", "*complaint*.csv"),
)


@hookimpl
def register_sources(register):
    """Register the `complaints-csv` source."""
    register(SOURCE)
