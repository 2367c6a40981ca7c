"""ccc-governance plugin: the `asterisk-queue-log` data source (Asterisk app_queue's queue_log)."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_queue_log

__version__ = "0.1.0"

SOURCE = Source(
    name="asterisk-queue-log",
    description="Asterisk queue_log: the pipe-separated file or its database-table CSV export (voice calls)",
    read=read_queue_log,
    kinds=("contact",),
    patterns=("queue_log*", "*.queue_log", "queue_log*.csv"),
    separate_process=True,
)


@hookimpl
def register_sources(register):
    """Register the `asterisk-queue-log` source."""
    register(SOURCE)
