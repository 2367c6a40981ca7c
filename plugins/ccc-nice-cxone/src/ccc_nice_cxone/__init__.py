"""ccc-governance plugin: the `nice-cxone` data source (NICE CXone completed contacts)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_completed_contacts

__version__ = "0.1.0"

SOURCE = Source(
    name="nice-cxone",
    description="NICE CXone completed contacts: Reporting API pages (JSON) or one contact per line (JSON lines)",
    read=read_completed_contacts,
    kinds=("contact",),
    patterns=("*.json", "*.jsonl", "completed-contacts*", "*cxone*"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `nice-cxone` source."""
    register(SOURCE)
