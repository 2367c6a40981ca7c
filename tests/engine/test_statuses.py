"""The KPI statuses in one order (worst first), and the last closed period with its worst status."""

from __future__ import annotations

from datetime import date

from ccc_governance.engine.evaluate import status_for
from ccc_governance.engine.results import last_closed_periods
from ccc_governance.engine.statuses import STATUS_RANK, STATUSES
from ccc_governance.store.db import open_db


def test_every_status_the_engine_gives_is_ranked_worst_first():
    given = {
        status_for(None, 0.8, 0.7, True),
        status_for(0.5, 0.8, 0.7, True, volume=3, min_volume=10),
        status_for(0.9, 0.8, 0.7, True),
        status_for(0.75, 0.8, 0.7, True),
        status_for(0.6, 0.8, 0.7, True),
    }
    assert given == set(STATUSES)
    assert STATUSES == ("breached", "at_risk", "insufficient_volume", "no_data", "met")
    assert [STATUS_RANK[s] for s in STATUSES] == list(range(len(STATUSES)))


def _result(db, contract_id, kpi_id, period, kind, start, end, status):
    db["kpi_results"].insert({"contract_id": contract_id, "contract_version": 1, "kpi_id": kpi_id,
                              "metric": "service_level", "period": period, "period_kind": kind,
                              "period_start": start, "period_end": end, "status": status, "evaluated_at": "x"})


def test_last_closed_period_takes_its_worst_kpi_and_skips_open_days_and_ranges(tmp_path):
    db = open_db(tmp_path / "ccc.db")
    for kpi, status in (("sl", "met"), ("asa", "at_risk"), ("fcr", "no_data")):
        _result(db, "a", kpi, "2026-09", "month", "2026-09-01", "2026-10-01", status)
    _result(db, "a", "sl", "2026-W39", "week", "2026-09-24", "2026-10-01", "breached")  # same end: the month wins
    _result(db, "a", "sl", "2026-10", "month", "2026-10-01", "2026-11-01", "breached")  # not closed on 20 October
    _result(db, "a", "sl", "2026-10-15", "day", "2026-10-15", "2026-10-16", "breached")  # days do not count
    _result(db, "b", "sl", "2026-Q3", "quarter", "2026-07-01", "2026-10-01", "insufficient_volume")
    _result(db, "b", "asa", "2026-Q3", "quarter", "2026-07-01", "2026-10-01", "breached")
    assert last_closed_periods(db, date(2026, 10, 20)) == {"a": ("2026-09", "at_risk"), "b": ("2026-Q3", "breached")}
    assert last_closed_periods(db, date(2026, 11, 1))["a"] == ("2026-10", "breached")
    assert last_closed_periods(db, date(2026, 9, 30)) == {}
