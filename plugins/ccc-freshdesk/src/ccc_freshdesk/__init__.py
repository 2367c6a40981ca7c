"""ccc-governance plugin: the `freshdesk` data source (Freshdesk tickets with their stats)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_freshdesk

__version__ = "0.1.0"

SOURCE = Source(
    name="freshdesk",
    description="Freshdesk tickets as the API returns them (list/search pages, JSON lines), with include=stats",
    read=read_freshdesk,
    kinds=("contact",),
    patterns=("tickets*.json", "*freshdesk*.json", "*.jsonl"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `freshdesk` source."""
    register(SOURCE)
