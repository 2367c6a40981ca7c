"""End to end: the installed zendesk plugin through `ccc import`'s pipeline into a fresh workspace."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccc_governance.plugins import get_plugin_manager, get_sources
from ccc_governance.testing import import_file

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "zendesk"


@pytest.fixture
def pm(ccc_workspace):
    return get_plugin_manager(ccc_workspace)


def write(tmp_path, name, payload):
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


def test_the_entry_point_registers_the_source(pm):
    source = get_sources(pm)["zendesk"]
    assert source.kinds == ("contact", "survey")
    assert source.plugin_version == "0.1.0"


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 1, 0), (1, 2, 0)])
def test_three_exports_join_into_one_contact_per_ticket(tmp_path, ccc_workspace, ccc_db, pm, order):
    tickets = write(tmp_path, "tickets.json", {"tickets": [
        {"id": 501, "created_at": "2026-10-06T07:30:00Z", "updated_at": "2026-10-07T09:00:00Z", "status": "solved",
         "via": {"channel": "email"}, "group_id": 77, "requester_id": 9001},
        {"id": 502, "created_at": "2026-10-06T08:00:00Z", "updated_at": "2026-10-06T08:00:00Z", "status": "new",
         "via": {"channel": "web"}, "group_id": 77, "requester_id": 9002}],
        "groups": [{"id": 77, "name": "billing-email"}]})
    metrics = write(tmp_path, "ticket_metrics.json", {"ticket_metrics": [
        {"ticket_id": 501, "created_at": "2026-10-06T07:30:00Z", "replies": 1, "solved_at": "2026-10-07T08:30:00Z",
         "reply_time_in_minutes": {"calendar": 90, "business": 60},
         "full_resolution_time_in_minutes": {"calendar": 1500, "business": 700}},
        {"ticket_id": 502, "created_at": "2026-10-06T08:00:00Z", "replies": 0,
         "reply_time_in_minutes": {"calendar": None, "business": None}, "full_resolution_time_in_minutes": None}]})
    ratings = write(tmp_path, "satisfaction_ratings.json", {"satisfaction_ratings": [
        {"id": 8001, "ticket_id": 501, "score": "bad", "created_at": "2026-10-07T12:00:00Z", "comment": "slow"}]})
    files = [tickets, metrics, ratings]
    for index in order:
        summary = import_file(ccc_db, ccc_workspace, pm, "zendesk", files[index])
        assert summary["quarantined"] == 0
    rows = list(ccc_db.query("SELECT * FROM contacts ORDER BY source_id"))
    assert [r["source_id"] for r in rows] == ["501", "502"]
    t501, t502 = rows
    assert (t501["channel"], t501["direction"], t501["queue"], t501["queue_name"], t501["outcome"]) == (
        "email", "inbound", "77", "billing-email", "answered")
    assert t501["arrived_at"] == 1791271800000  # 2026-10-06T07:30:00Z in epoch ms
    assert (t501["first_response_s"], t501["first_response_business_s"]) == (5400.0, 3600.0)
    assert (t501["resolution_s"], t501["resolution_business_s"]) == (90000.0, 42000.0)
    assert (t501["csat"], t501["csat_scale"]) == (1.0, 5)  # "bad"
    assert t501["customer_key"] and t501["customer_key"] != "9001"
    assert (t502["outcome"], t502["first_response_s"], t502["csat"], t502["channel"]) == ("open", None, None, "email")
    (survey,) = ccc_db.query("SELECT source_id, contact_id, csat, comment FROM surveys")
    assert survey == {"source_id": "8001", "contact_id": "501", "csat": 1.0, "comment": "slow"}


def test_example_month_imports_cleanly_and_twice_changes_nothing(ccc_workspace, ccc_db, pm):
    files = sorted(EXAMPLES.glob("*.json"))
    assert len(files) == 3
    for path in files:
        assert import_file(ccc_db, ccc_workspace, pm, "zendesk", path)["quarantined"] == 0
    n_tickets = sum(1 for line in (EXAMPLES / "tickets-2026-10.json").open(encoding="utf-8")
                    if line.startswith('{"url"'))
    assert ccc_db.execute("SELECT count(*) FROM contacts").fetchone()[0] == n_tickets
    # Every ticket row has both the ticket's and the metrics' fields after the join.
    assert ccc_db.execute("SELECT count(*) FROM contacts WHERE channel IS NULL OR arrived_at IS NULL").fetchone()[0] == 0
    assert ccc_db.execute("SELECT count(*) FROM contacts WHERE queue_name = 'billing-email'").fetchone()[0] == n_tickets
    for path in files:
        assert import_file(ccc_db, ccc_workspace, pm, "zendesk", path)["status"] == "already_imported"
