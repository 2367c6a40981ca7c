"""ccc-zendesk: import Zendesk tickets, ticket metrics and satisfaction ratings into ccc-governance."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_zendesk

__version__ = "0.1.0"

SOURCE = Source(
    name="zendesk",
    description="Zendesk tickets, ticket_metrics and satisfaction_ratings JSON exports (API pages or JSON lines)",
    read=read_zendesk,
    kinds=("contact", "survey"),
    patterns=("tickets*.json", "ticket_metrics*.json", "satisfaction_ratings*.json", "*.jsonl"),
)


@hookimpl
def register_sources(register):
    """Register the `zendesk` source."""
    register(SOURCE)
