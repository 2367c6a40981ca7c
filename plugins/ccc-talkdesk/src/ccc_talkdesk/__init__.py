"""ccc-governance plugin: the `talkdesk` data source (the Talkdesk calls report)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_talkdesk

__version__ = "0.1.0"

SOURCE = Source(
    name="talkdesk",
    description="Talkdesk calls report: CSV export, or the JSON of the Explore / Reporting API (entries, JSON lines)",
    read=read_talkdesk,
    kinds=("contact",),
    patterns=("calls*.csv", "calls*.json", "*talkdesk*"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `talkdesk` source."""
    register(SOURCE)
