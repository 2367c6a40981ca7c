"""ccc-survey-csv: import post-contact survey results (CSV) into ccc-governance."""

from __future__ import annotations

from ccc_governance import hookimpl
from ccc_governance.sources import Source

from .reader import read_surveys

__version__ = "0.1.0"

SOURCE = Source(
    name="survey-csv",
    description="Post-contact survey results CSV (CSAT with its scale, NPS, self-reported resolution)",
    read=read_surveys,
    kinds=("survey",),
    patterns=("survey*.csv", "*csat*.csv", "*nps*.csv"),
)


@hookimpl
def register_sources(register):
    """Register the `survey-csv` source."""
    register(SOURCE)
