"""ccc-governance plugin: the `amazon-connect` data source (contact trace records)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_ctr

__version__ = "0.1.0"

SOURCE = Source(
    name="amazon-connect",
    description="Amazon Connect contact trace records (CTR): JSON Lines, JSON array or Firehose-concatenated objects",
    read=read_ctr,
    kinds=("contact",),
    patterns=("*.jsonl", "*.json", "ctr*", "*-ctr-*"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `amazon-connect` source."""
    register(SOURCE)
