"""The KPI statuses a result can have (`kpi_results.status`), in one order: worst first.

The portfolio sorts contracts by it, a contract's period takes its worst KPI's status by it, and a
review pack counts its KPIs by status in it.
"""

from __future__ import annotations

#: KPI statuses worst first.
STATUSES = ("breached", "at_risk", "insufficient_volume", "no_data", "met")
#: status → its place in `STATUSES` (0 is the worst); an unknown status ranks after them all.
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}
