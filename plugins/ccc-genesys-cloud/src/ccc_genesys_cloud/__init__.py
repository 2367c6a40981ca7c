"""ccc-governance plugin: the `genesys-cloud` data source (analytics conversation details)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_conversations

__version__ = "0.1.0"

SOURCE = Source(
    name="genesys-cloud",
    description="Genesys Cloud analytics conversation details JSON (API response, array or JSON Lines)",
    read=read_conversations,
    kinds=("contact",),
    patterns=("*.json", "*.jsonl", "conversations*", "genesys*"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `genesys-cloud` source."""
    register(SOURCE)
