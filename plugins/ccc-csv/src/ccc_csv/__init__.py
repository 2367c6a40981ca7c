"""ccc-governance source `csv`: any platform's CSV or JSON-lines export, read through a mapping file.

The mapping (TOML) says which record kind the rows are, which column feeds which field, how
timestamps are written and in which time zone, the unit of durations and how values translate
(see README.md). Give it with `--option mapping=PATH` or in the workspace:

    [sources.csv]
    mapping = "mappings/vendor.toml"
"""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_csv

__version__ = "0.1.0"


@hookimpl
def register_sources(register):
    """Register the `csv` source."""
    register(
        Source(
            name="csv",
            description="any CSV or JSON-lines export, through a column-mapping TOML file (--option mapping=PATH)",
            read=read_csv,
            kinds=("contact", "survey", "complaint", "quality", "interval", "workforce", "reported"),
            patterns=("*.csv", "*.tsv", "*.jsonl", "*.ndjson"),
            separate_process=True,
        )
    )
