"""Drill-down: a KPI's figure per local day, and complaint handling against its time-frames."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from ..periods import parse_period
from . import aggregates, formulas
from .evaluate import _day_rows, band_days
from .scope import all_versions, governing


def breakdown(db, contract_id: str, kpi_id: str, period_label: str, as_of=None) -> list[dict]:
    """Per local day of the period: volume, numerator, denominator, actual, and whether the day (or part
    of it, `excl_id`) was excluded. Rows of every version in force, in day order."""
    period = parse_period(period_label)
    versions = all_versions(db, contract_id)
    aggregates.ensure_fresh(db, versions)
    as_of = clock.today(as_of)
    out = []
    for v, a, b in governing(versions, period.start, period.last_day):
        kpi = v.contract.kpi_by_id(kpi_id)
        if kpi is None:
            continue
        if kpi.metric in formulas.COMPLAINT_METRICS:
            zone = ZoneInfo(v.contract.contract.timezone)
            as_of_ms = int(datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=zone).timestamp() * 1000)
            rows = [{"day": d, "excl_id": e, **f} for (d, e), f in
                    aggregates.complaint_daily(db, v.contract, kpi, a, b, as_of_ms).items()]
        else:
            rows = _day_rows(db, v, kpi_id, a, b)
        banded = band_days(db, v, a, b)
        for r in sorted(rows, key=lambda r: (r["day"], r["excl_id"])):
            excluded = "declared" if r["excl_id"] else ("volume_band" if r["day"] in banded else None)
            out.append({
                "contract_version": v.version, "day": r["day"], "excluded": excluded,
                "volume": r.get("volume", 0), "numerator": r.get("num", 0), "denominator": r.get("den", 0),
                "actual": formulas.period_actual(kpi.metric, r.get("volume", 0), r.get("num", 0), r.get("den", 0),
                                                 r.get("extra", 0)),
            })
    return out


def complaint_compliance(db, contract_id: str, period_label: str, as_of=None) -> dict:
    """For each complaint KPI of the contract: complaints counted, on time, and the share on time
    (a complaint still within its time-frame on `as_of` is not counted yet)."""
    period = parse_period(period_label)
    versions = all_versions(db, contract_id)
    aggregates.ensure_fresh(db, versions)  # keeps the known queues current
    out: dict = {}
    as_of = clock.today(as_of)
    for v, a, b in governing(versions, period.start, period.last_day):
        zone = ZoneInfo(v.contract.contract.timezone)
        as_of_ms = int(datetime.combine(as_of + timedelta(days=1), time(0), tzinfo=zone).timestamp() * 1000)
        for kpi in v.contract.kpi:
            if kpi.metric not in formulas.COMPLAINT_METRICS:
                continue
            entry = out.setdefault(kpi.id, {"metric": kpi.metric, "counted": 0, "on_time": 0, "excluded": 0})
            limit = aggregates.complaint_limit(v.contract, kpi)
            entry["limit"] = str(limit) if limit else None
            for (day, excl), f in aggregates.complaint_daily(db, v.contract, kpi, a, b, as_of_ms).items():
                if excl:
                    entry["excluded"] += int(f["den"])
                else:
                    entry["counted"] += int(f["den"])
                    entry["on_time"] += int(f["num"])
    for entry in out.values():
        entry["share"] = entry["on_time"] / entry["counted"] if entry["counted"] else None
    return out
