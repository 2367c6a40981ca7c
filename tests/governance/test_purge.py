"""Retention purge: exactly the in-scope records past retention, nothing else, engine tables untouched."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_governance.errors import CccError, NotFoundError
from ccc_governance.governance import obligations, purge


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000)


OLD = ms("2026-06-01T10:00:00Z")
NEW = ms("2027-06-01T10:00:00Z")


@pytest.fixture
def records(gdb):
    db = gdb
    db["batches"].insert({"id": 1, "source": "x", "file_name": "f", "sha256": "0", "started_at": "2027-01-01"})

    def contact(sid, at, source="amazon-connect", queue="Acme Support", channel="voice", direction="inbound"):
        db["contacts"].insert({"source": source, "source_id": sid, "batch_id": 1, "arrived_at": at,
                               "queue": queue, "channel": channel, "direction": direction, "outcome": "answered"})

    # Retention 365 days as of 2027-11-01: records before 2026-11-01 00:00 Paris = 2026-10-31T23:00Z go.
    contact("last-ms-before", ms("2026-10-31T22:59:59.999Z"))
    contact("first-kept", ms("2026-10-31T23:00:00Z"))
    contact("asterisk-old", OLD, source="asterisk-queue-log", queue="acme-billing")
    contact("other-source", OLD, source="genesys-cloud", queue="535f9413-fff9-4936-ae77-22ab07f61915")
    contact("other-queue", OLD, queue="Other")
    contact("by-name", OLD, queue="q-77")  # readable name in scope below
    db.execute("UPDATE contacts SET queue_name = 'acme-sales' WHERE source_id = 'by-name'")
    contact("email", OLD, channel="email")
    contact("outbound", OLD, direction="outbound")
    contact("recent", NEW)
    for sid, queue, at in [("s-old", "Acme Support", OLD), ("s-noqueue", None, OLD), ("s-new", "Acme Support", NEW)]:
        db["surveys"].insert({"source": "amazon-connect", "source_id": sid, "batch_id": 1, "responded_at": at,
                              "queue": queue, "channel": "voice", "csat": 4})
    for sid, at in [("c-old", OLD), ("c-new", NEW)]:
        db["complaints"].insert({"source": "amazon-connect", "source_id": sid, "batch_id": 1, "received_at": at,
                                 "queue": "Acme Support", "channel": "voice"})
    db["quality_evaluations"].insert({"source": "asterisk-queue-log", "source_id": "q-old", "batch_id": 1,
                                      "evaluated_at": OLD, "score": 8, "max_score": 10, "queue": "acme-billing", "channel": "voice"})
    db["interval_aggregates"].insert({"source": "amazon-connect", "source_id": "i-old", "batch_id": 1,
                                      "interval_start": OLD, "queue": "Acme Support", "offered": 10})
    db["kpi_results"].insert({"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "metric": "service_level",
                              "period": "2026-06", "period_kind": "month", "period_start": "2026-06-01",
                              "period_end": "2026-07-01", "actual": 0.82, "status": "met", "evaluated_at": "2026-07-02"})
    db["breaches"].insert({"contract_id": "acme", "contract_version": 1, "kpi_id": "sl", "period": "2026-05",
                           "first_seen_at": "x", "last_seen_at": "x"})
    db["credits"].insert({"contract_id": "acme", "contract_version": 1, "period": "2026-05", "kind": "credit",
                          "amount": 100.0, "explanation": "x"})
    return db


def _ids(db, table):
    return sorted(r[0] for r in db.execute(f"SELECT source_id FROM {table}"))


def _snapshot(db):
    return {t: db.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall()
            for t in ("contacts", "surveys", "complaints", "quality_evaluations", "interval_aggregates",
                      "kpi_results", "breaches", "credits")}


def test_dry_run_counts_and_changes_nothing(records):
    before = _snapshot(records)
    report = purge.purge(records, "acme", "2027-11-01")
    assert report["cutoff"] == "2026-10-31T23:00:00Z"
    assert report["first_kept"] == "2026-11-01"
    assert report["counts"] == {"contacts": 3, "surveys": 1, "complaints": 1, "quality_evaluations": 1}
    assert report["purge_id"] is None
    assert _snapshot(records) == before
    assert purge.list_purges(records) == []


def test_purge_removes_exactly_the_records_past_retention(records):
    before = _snapshot(records)
    report = purge.purge(records, "acme", "2027-11-01", dry_run=False)
    assert _ids(records, "contacts") == ["email", "first-kept", "other-queue", "other-source", "outbound", "recent"]
    assert _ids(records, "surveys") == ["s-new", "s-noqueue"]
    assert _ids(records, "complaints") == ["c-new"]
    assert _ids(records, "quality_evaluations") == []
    after = _snapshot(records)
    for table in ("interval_aggregates", "kpi_results", "breaches", "credits"):
        assert after[table] == before[table]
    [logged] = purge.list_purges(records, "acme")
    assert logged["id"] == report["purge_id"]
    assert logged["counts"] == {"contacts": 3, "surveys": 1, "complaints": 1, "quality_evaluations": 1}
    # Running again finds nothing more.
    assert purge.purge(records, "acme", "2027-11-01")["counts"] == {"contacts": 0, "surveys": 0, "complaints": 0, "quality_evaluations": 0}


def test_one_day_earlier_keeps_the_last_day(records):
    report = purge.purge(records, "acme", "2027-10-31")
    # Cut-off moves to 2026-10-31 00:00 Paris: the 22:59:59.999Z contact (23:59 Paris) is kept.
    assert report["cutoff"] == "2026-10-30T23:00:00Z"  # UTC+1 since 25 October
    assert report["counts"]["contacts"] == 2


def test_purge_is_cited_as_retention_duty_evidence(records):
    report = purge.purge(records, "acme", "2027-11-01", dry_run=False, duty="dpia")
    row = next(r for r in obligations.schedule(records, "acme", "2027-11-01") if r["evidence"])
    assert row["obligation_id"] == "dpia" and row["evidence"] == [report["evidence_id"]]
    assert row["state"] == "met"


def test_unknown_duty_rolls_the_purge_back(records):
    before = _snapshot(records)
    with pytest.raises(NotFoundError, match="no obligation or duty 'retention'"):
        purge.purge(records, "acme", "2027-11-01", dry_run=False, duty="retention")
    assert _snapshot(records) == before
    assert purge.list_purges(records) == []


def test_contract_without_retention(gdb):
    with pytest.raises(CccError, match="contract beta sets no \\[data_handling\\] retention_days"):
        purge.purge(gdb, "beta", "2027-01-01")


@pytest.mark.parametrize("duty, words", [
    ("forecast", "forecast is an obligation of the client (its data-handling duties: access-review, dpia)"),
])
def test_a_purge_refuses_evidence_for_a_duty_it_does_not_belong_to(records, duty, words):
    before = _snapshot(records)
    for dry_run in (True, False):
        with pytest.raises(CccError, match="a purge is evidence only for a \\[\\[data_handling.duty\\]\\] of acme") as info:
            purge.purge(records, "acme", "2027-11-01", dry_run=dry_run, duty=duty)
        assert words in str(info.value) and "\n" not in str(info.value)
    assert _snapshot(records) == before and purge.list_purges(records) == []
