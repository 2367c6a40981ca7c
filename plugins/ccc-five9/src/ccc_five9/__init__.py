"""ccc-governance plugin: the `five9` data source (the Five9 call log report)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_call_log

__version__ = "0.1.0"

SOURCE = Source(
    name="five9",
    description="Five9 call log report (CSV: CALL ID, TIMESTAMP, CAMPAIGN/SKILL, QUEUE WAIT TIME, TALK TIME …)",
    read=read_call_log,
    kinds=("contact",),
    patterns=("*.csv", "call-log*", "*call_log*", "*five9*"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `five9` source."""
    register(SOURCE)
