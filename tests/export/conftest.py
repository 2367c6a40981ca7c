"""A database with one contract's stored results and governance records, hand-chosen figures."""

from __future__ import annotations

import json

from pathlib import Path

import pytest

from ccc_governance.contracts.registry import register

from ccc_governance.store.db import open_db
from ccc_governance.testing import store_folder

CONTRACT_TOML = """
schema = "ccc-contract/1"
[contract]
id = "{id}"
title = {title}
client = "Acme"
ccc = {ccc}
effective_from = 2026-01-01
timezone = "Europe/Paris"
currency = "EUR"
monthly_fee = 100000.0

[[kpi]]
id = "sl"
metric = "service_level"
target = 0.8
breach = 0.75
class = "critical"
answer_within_s = 20

[[kpi]]
id = "asa"
metric = "asa"
target = 30
breach = 45

[review]
frequency = "monthly"
hold_within_days = 10
pre_read_days = 3

[complaints]
acknowledge_within = "24h"
resolve_within = "10d"
on_time_target = 0.95

[[obligation]]
id = "forecast"
description = "Monthly volume forecast"
every = "monthly"
"""

SL_ACTUAL = 2346 / 2829
ASA_ACTUAL = 12.959309724349158


def add_contract(db, contract_id="acme", title="Acme support", ccc="Contoso CC", sl=None, asa=None):
    """Register one contract version and its October (and September, August) results."""
    path = store_folder(db) / f"{contract_id}.toml"
    path.write_text(CONTRACT_TOML.format(id=contract_id, title=json.dumps(title), ccc=json.dumps(ccc)), encoding="utf-8")
    register(db, path)
    sl = sl if sl is not None else {"2026-08": (0.85, "met", 1000, 850), "2026-09": (0.70, "breached", 1000, 700),
                "2026-10": (SL_ACTUAL, "met", 2829, 2346)}
    asa = asa if asa is not None else {"2026-09": (20.0, "met"), "2026-10": (ASA_ACTUAL, "met")}
    starts = {"2026-08": ("2026-08-01", "2026-09-01"), "2026-09": ("2026-09-01", "2026-10-01"),
              "2026-10": ("2026-10-01", "2026-11-01")}
    for period, (actual, status, den, num) in sl.items():
        db["kpi_results"].insert(dict(
            contract_id=contract_id, contract_version=1, kpi_id="sl", metric="service_level", period=period,
            period_kind="month", period_start=starts[period][0], period_end=starts[period][1], channel=None,
            volume=den, numerator=num, denominator=den, actual=actual, target=0.8, breach=0.75, status=status,
            excluded=json.dumps([{"kind": "outage", "reason": "Telco outage", "volume": 12}]) if period == "2026-10" else "[]",
            ci_low=actual - 0.01, ci_high=actual + 0.01, details="{}", evaluated_at="2026-11-02T08:00:00Z"))
    for period, (actual, status) in asa.items():
        db["kpi_results"].insert(dict(
            contract_id=contract_id, contract_version=1, kpi_id="asa", metric="asa", period=period,
            period_kind="month", period_start=starts[period][0], period_end=starts[period][1],
            volume=20, numerator=None, denominator=None, actual=actual, target=30.0, breach=45.0, status=status,
            excluded="[]", details="{}", evaluated_at="2026-11-02T08:00:00Z"))


def make_pack_db(path):
    """The sample database at `path`: contract `acme` with October results and governance records."""
    db = open_db(path)
    add_contract(db)
    bid = db["breaches"].insert(dict(
        contract_id="acme", contract_version=1, kpi_id="sl", period="2026-09", status="disputed",
        first_seen_at="2026-10-02T08:00:00Z", last_seen_at="2026-10-02T08:00:00Z", actual=0.70, target=0.8,
        breach=0.75, volume=1000, small_sample=0, still_breached=1)).last_pk
    db["breach_events"].insert_all([
        dict(breach_id=bid, at="2026-10-02T08:00:00Z", status_from=None, status_to="open", note="found"),
        dict(breach_id=bid, at="2026-10-05T09:00:00Z", status_from="open", status_to="disputed",
             note='=HYPERLINK("http://x")'),
    ])
    db["credits"].insert_all([
        dict(contract_id="acme", contract_version=1, period="2026-10", kpi_id="sl", kind="credit", amount=1250.0,
             currency="EUR", explanation="12 % at risk × 100,000 × allocation 0.5 × …"),
        dict(contract_id="acme", contract_version=1, period="2026-10", kpi_id=None, kind="earn_back", amount=-250.0,
             currency="EUR", explanation="earn-back of September"),
    ])
    # 2026-10-10 10:00 to 12:00 UTC
    db["exclusions"].insert(dict(contract_id="acme", kind="outage", starts_at=1791626400000, ends_at=1791633600000,
                                 reason="Telco outage", evidence="incident INC-42", created_at="2026-10-11"))
    db["actions"].insert_all([
        dict(contract_id="acme", title="Recruit 3 agents", owner="ccc", due="2026-11-15", status="open", raised_on="2026-10-12"),
        dict(contract_id="acme", title="Fix IVR", owner="client", due="2026-10-20", status="closed",
             raised_on="2026-09-12", closed_on="2026-10-18"),
        dict(contract_id="acme", title="Old closed", owner="client", status="closed", raised_on="2026-01-12",
             closed_on="2026-02-01"),
    ])
    aid = db["audits"].insert(dict(ccc="Contoso CC", contract_id="acme", title="Annual audit", started_on="2026-10-03",
                                   status="open")).last_pk
    db["audit_answers"].insert_all([
        dict(audit_id=aid, question_id="4.2.1", answer="no", comment="No complaint log", answered_on="2026-10-03"),
        dict(audit_id=aid, question_id="4.2.2", answer="yes", answered_on="2026-10-03"),
    ])
    db["evidence"].insert(dict(contract_id="acme", obligation_id="forecast", occurrence="2026-10-31", date="2026-09-28",
                               note="sent by mail", recorded_at="2026-09-28"))
    db["batches"].insert_all([
        dict(source="asterisk", plugin="asterisk", file_name="queue_log", sha256="ab" * 32, started_at="2026-11-01T07:00:00Z",
             finished_at="2026-11-01T07:00:05Z", status="complete", imported=1894, quarantined=3,
             first_at=1790805600000, last_at=1793487500000),
        dict(source="asterisk", plugin="asterisk", file_name="old_log", sha256="cd" * 32, started_at="2026-01-01T07:00:00Z",
             status="complete", imported=5, first_at=1767222000000, last_at=1767225600000),
    ])
    return db


@pytest.fixture
def pack_db(tmp_path):
    db = make_pack_db(tmp_path / "ccc.db")
    yield db
    db.conn.close()
