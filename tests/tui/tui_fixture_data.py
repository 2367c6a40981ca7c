"""A small, fixed database for the TUI tests: three contracts, ten months of results, breaches,
credits, a held review and one import batch. Rows are inserted directly so the tests do not
depend on the engine or governance being finished."""

from __future__ import annotations

from datetime import date

from ccc_governance.periods import parse_period
from ccc_governance.store.db import open_db

AS_OF = date(2026, 11, 12)

CONTRACT = """schema = "ccc-contract/1"
[contract]
id = "{id}"
title = "{title}"
client = "{client}"
ccc = "{ccc}"
effective_from = 2026-01-01
timezone = "Europe/Paris"
currency = "EUR"
monthly_fee = 50000

[review]
frequency = "monthly"
hold_within_days = {hold}
pre_read_days = 3

[[kpi]]
id = "service-level"
metric = "service_level"
target = 0.8
breach = 0.7
class = "critical"

[[kpi]]
id = "abandon"
metric = "abandon_rate"
target = 0.05
breach = 0.08
"""

CONTRACTS = [
    # id, title, client, ccc, hold_within_days, October service level, October abandon
    ("acme-support", "Acme support desk", "Acme", "TelePerf", 10, 0.62, 0.06),
    ("acme-sales", "Acme sales line", "Acme", "CallCo", 10, 0.86, 0.03),
    ("globex-help", "Globex helpdesk", "Globex", "TelePerf", 20, 0.75, 0.04),
]


def _status(kpi: str, actual: float) -> str:
    if kpi == "service-level":
        return "met" if actual >= 0.8 else "at_risk" if actual >= 0.7 else "breached"
    return "met" if actual <= 0.05 else "at_risk" if actual <= 0.08 else "breached"


def build(path) -> str:
    """Create the fixture database at `path`; returns its path as text."""
    db = open_db(path)
    for cid, title, client, ccc, hold, sl_oct, ab_oct in CONTRACTS:
        db["contract_versions"].insert(
            {"contract_id": cid, "version": 1, "sha256": cid, "path": f"contracts/{cid}.toml",
             "toml": CONTRACT.format(id=cid, title=title, client=client, ccc=ccc, hold=hold),
             "title": title, "client": client, "ccc": ccc, "timezone": "Europe/Paris",
             "effective_from": "2026-01-01", "registered_at": "2026-01-01T00:00:00Z"}
        )
        for month in range(1, 11):
            period = parse_period(f"2026-{month:02d}")
            for kpi, target, breach, actual in (
                ("service-level", 0.8, 0.7, sl_oct if month == 10 else 0.80 + month / 100),
                ("abandon", 0.05, 0.08, ab_oct if month == 10 else 0.03 + month / 1000),
            ):
                db["kpi_results"].insert(
                    {"contract_id": cid, "contract_version": 1, "kpi_id": kpi,
                     "metric": "service_level" if kpi == "service-level" else "abandon_rate",
                     "period": period.label, "period_kind": "month",
                     "period_start": period.start.isoformat(), "period_end": period.end.isoformat(),
                     "volume": 1000, "numerator": round(actual * 1000), "denominator": 1000, "actual": actual,
                     "target": target, "breach": breach, "status": _status(kpi, actual),
                     "reported": actual + 0.05 if kpi == "service-level" else None,
                     "reported_diff": -0.05 if kpi == "service-level" else None,
                     "details": '{"offered": 1000, "answered_within": %d}' % round(actual * 1000),
                     "evaluated_at": "2026-11-02T07:00:00Z"}
                )
    db["breaches"].insert_all([
        {"id": 1, "contract_id": "acme-support", "contract_version": 1, "kpi_id": "service-level",
         "period": "2026-10", "status": "open", "first_seen_at": "2026-11-02T07:00:00Z",
         "last_seen_at": "2026-11-02T07:00:00Z", "actual": 0.62, "target": 0.8, "breach": 0.7, "volume": 1000},
        {"id": 2, "contract_id": "globex-help", "contract_version": 1, "kpi_id": "abandon",
         "period": "2026-03", "status": "acknowledged", "first_seen_at": "2026-04-02T07:00:00Z",
         "last_seen_at": "2026-04-02T07:00:00Z", "actual": 0.09, "target": 0.05, "breach": 0.08, "volume": 900},
    ])
    db["credits"].insert(
        {"contract_id": "acme-support", "contract_version": 1, "period": "2026-10", "kpi_id": "service-level",
         "kind": "credit", "amount": 1500.0, "currency": "EUR",
         "explanation": "50,000 × 10% at risk × 30% allocation = 1,500"}
    )
    # Every contract held its January–September reviews; only acme-sales has held October's.
    for cid, *_ in CONTRACTS:
        for month in range(1, 11 if cid == "acme-sales" else 10):
            db["reviews"].insert(
                {"contract_id": cid, "period": f"2026-{month:02d}", "held_on": f"2026-{month + 1:02d}-05",
                 "attendees": '["Ann", "Bob"]', "decisions": "[]", "recorded_at": f"2026-{month + 1:02d}-05"}
            )
    db["batches"].insert(
        {"source": "asterisk", "file_name": "queue_log", "sha256": "x", "started_at": "2026-11-02T05:59:00Z",
         "finished_at": "2026-11-02T06:00:00Z", "status": "complete"}
    )
    db.conn.close()
    return str(path)
