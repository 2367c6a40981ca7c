"""ccc-governance data source `example`: reads `id,arrived_at,outcome,wait_s` CSV files.

Replace `read` with your platform's format: yield one record of `ccc_governance.records` per
row, and `context.reject(line, reason, raw)` for a row you cannot read.
"""

from __future__ import annotations

import csv
from datetime import datetime

from ccc_governance import hookimpl
from ccc_governance.records import Contact
from ccc_governance.sources import ReadContext, Source

__version__ = "0.1.0"


def read(context: ReadContext):
    """Yield a `Contact` per row of the file (stream it: never read the file whole)."""
    # A record per row is the simple way. For files of millions of rows, yield the same rows as
    # `ccc_governance.blocks.ColumnBlock`s built with `BlockBuilder` (instants as `epoch_ms`) and
    # register the source with `separate_process=True`: "Fast path" in docs/plugins.md.
    with open(context.path, newline="", encoding="utf-8") as fh:
        rows = csv.DictReader(fh)
        for row in rows:
            line = rows.line_num
            try:
                arrived = datetime.fromisoformat(row["arrived_at"])
                wait = float(row["wait_s"]) if row["wait_s"] else None
            except (KeyError, TypeError, ValueError) as err:
                yield context.reject(line, f"unreadable row: {err}", raw=",".join(row.values()))
                continue
            # the host checks the values against the field specification (a negative wait_s
            # is quarantined with its reason), so the reader need not
            yield Contact(
                source_id=row["id"],
                arrived_at=arrived,
                outcome=row.get("outcome") or None,
                wait_s=wait,
                line=line,
            )


@hookimpl
def register_sources(register):
    """Declare the `example` source."""
    register(Source(name="example", description="example export (id,arrived_at,outcome,wait_s CSV)",
                    read=read, kinds=("contact",), patterns=("*.csv",)))
