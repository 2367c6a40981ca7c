"""The zendesk reader on small files shaped as Zendesk writes them, good and bad."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected, SurveyResponse
from ccc_governance.sources import ReadContext
from ccc_zendesk.reader import read_zendesk

UTC = timezone.utc


def read(path, **options):
    return list(read_zendesk(ReadContext(path=path, options=options)))


def ticket(tid, **fields):
    base = {
        "url": f"https://acme.zendesk.com/api/v2/tickets/{tid}.json",
        "id": tid,
        "created_at": "2026-10-01T08:15:02Z",
        "updated_at": "2026-10-02T09:00:00Z",
        "type": "question",
        "subject": "Invoice question",
        "status": "solved",
        "requester_id": 9001,
        "group_id": 360001,
        "brand_id": 77,
        "tags": ["billing"],
        "via": {"channel": "email", "source": {"from": {}, "to": {}, "rel": None}},
    }
    base.update(fields)
    return base


def test_tickets_page_gives_partial_email_contacts(tmp_path):
    path = tmp_path / "tickets.json"
    page = {
        "tickets": [ticket(101), ticket(102, status="open", via={"channel": "web"}),
                    ticket(103, status="new"), ticket(104, status="pending", via={"channel": "chat"})],
        "next_page": None,
        "count": 4,
    }
    path.write_text(json.dumps(page, indent=2), encoding="utf-8")
    records = read(path)
    assert [r.source_id for r in records] == ["101", "102", "103", "104"]
    first = records[0]
    assert isinstance(first, Contact) and first.partial
    assert first.arrived_at == datetime(2026, 10, 1, 8, 15, 2, tzinfo=UTC)
    assert first.version == datetime(2026, 10, 2, 9, 0, tzinfo=UTC)
    assert (first.channel, first.direction, first.outcome) == ("email", "inbound", "answered")
    assert (first.queue, first.queue_name, first.customer) == ("360001", None, "9001")
    # Fields the tickets export does not know stay unknown, so a merge keeps the metrics' values.
    assert first.first_response_s is None and first.csat is None and first.resolution_s is None
    assert [r.outcome for r in records] == ["answered", "open", "open", "answered"]
    assert [r.channel for r in records] == ["email", "email", "email", "chat"]
    # Pretty-printed: each ticket's line is where its object starts.
    assert records[0].line == 3
    assert records[1].line > records[0].line


def test_sideloaded_groups_name_the_queue_even_after_the_tickets(tmp_path):
    path = tmp_path / "tickets.json"
    page = {"tickets": [ticket(1), ticket(2, group_id=360002)],
            "groups": [{"id": 360001, "name": "billing-email"}, {"id": 360002, "name": "retail-email"}]}
    path.write_text(json.dumps(page), encoding="utf-8")
    records = read(path)
    assert [(r.queue, r.queue_name) for r in records] == [("360001", "billing-email"), ("360002", "retail-email")]
    # The option wins over the side-load; queue_field=group puts the name in `queue`.
    records = read(path, groups="360001=billing", queue_field="group")
    assert [(r.queue, r.queue_name) for r in records] == [("billing", None), ("retail-email", None)]


def test_metrics_alone_with_nulls_everywhere(tmp_path):
    path = tmp_path / "ticket_metrics.json"
    metrics = [
        {"id": 1, "ticket_id": 101, "created_at": "2026-10-01T08:15:02Z", "updated_at": "2026-10-02T09:00:00Z",
         "replies": 2, "reopens": 0, "solved_at": "2026-10-02T08:15:02Z",
         "reply_time_in_minutes": {"calendar": 95, "business": 35},
         "first_resolution_time_in_minutes": {"calendar": 600, "business": 200},
         "full_resolution_time_in_minutes": {"calendar": 1440, "business": 480},
         "agent_wait_time_in_minutes": {"calendar": None, "business": None}},
        {"id": 2, "ticket_id": 102, "created_at": "2026-10-03T10:00:00Z", "updated_at": None, "replies": 0,
         "solved_at": None, "reply_time_in_minutes": {"calendar": None, "business": None},
         "first_resolution_time_in_minutes": None, "full_resolution_time_in_minutes": {"calendar": None,
                                                                                       "business": None},
         "agent_wait_time_in_minutes": None, "requester_wait_time_in_minutes": None},
    ]
    path.write_text(json.dumps({"ticket_metrics": metrics, "next_page": None, "count": 2}), encoding="utf-8")
    a, b = read(path)
    assert a.source_id == "101" and a.partial
    assert (a.first_response_s, a.first_response_business_s) == (95 * 60.0, 35 * 60.0)
    assert (a.resolution_s, a.resolution_business_s) == (1440 * 60.0, 480 * 60.0)
    assert a.ended_at == datetime(2026, 10, 2, 8, 15, 2, tzinfo=UTC)
    assert a.outcome == "answered"
    assert a.arrived_at == datetime(2026, 10, 1, 8, 15, 2, tzinfo=UTC)
    # A metric record says nothing about the channel, direction or queue: left unknown for the merge.
    assert (a.channel, a.direction, a.queue) == (None, None, None)
    assert b.source_id == "102"
    assert (b.first_response_s, b.resolution_s, b.resolution_business_s, b.ended_at, b.outcome) == (
        None, None, None, None, None)
    # resolution=first reads the first resolution time instead.
    a_first = read(path, resolution="first")[0]
    assert (a_first.resolution_s, a_first.resolution_business_s) == (600 * 60.0, 200 * 60.0)


def test_reply_time_in_seconds_is_preferred_when_present(tmp_path):
    path = tmp_path / "m.json"
    m = {"ticket_id": 5, "reply_time_in_minutes": {"calendar": 2, "business": 1},
         "reply_time_in_seconds": {"calendar": 89}}
    path.write_text(json.dumps({"ticket_metrics": [m]}), encoding="utf-8")
    (c,) = read(path)
    assert (c.first_response_s, c.first_response_business_s) == (89.0, 60.0)


def test_satisfaction_ratings_give_csat_and_a_survey_response(tmp_path):
    path = tmp_path / "satisfaction_ratings.json"
    ratings = [
        {"id": 7001, "ticket_id": 101, "score": "good", "created_at": "2026-10-02T10:00:00Z",
         "updated_at": "2026-10-02T10:00:00Z", "comment": "Quick, thanks", "assignee_id": 55, "group_id": 360001,
         "requester_id": 9001},
        {"id": 7002, "ticket_id": 102, "score": "bad", "created_at": "2026-10-04T10:00:00Z", "comment": "",
         "requester_id": 9002},
        {"id": 7003, "ticket_id": 103, "score": "offered", "created_at": "2026-10-04T11:00:00Z"},
        {"id": 7004, "ticket_id": 104, "score": "unoffered", "created_at": "2026-10-04T11:00:00Z"},
    ]
    path.write_text(json.dumps({"satisfaction_ratings": ratings}), encoding="utf-8")
    records = read(path)
    assert len(records) == 4  # offered/unoffered are not answers: nothing for them
    c1, s1, c2, s2 = records
    assert isinstance(c1, Contact) and c1.partial and (c1.source_id, c1.csat, c1.csat_scale) == ("101", 5.0, 5)
    assert (c1.channel, c1.direction, c1.arrived_at, c1.outcome) == (None, None, None, None)
    assert isinstance(s1, SurveyResponse)
    assert (s1.source_id, s1.contact_id, s1.csat, s1.csat_scale) == ("7001", "101", 5.0, 5)
    assert (s1.responded_at, s1.comment, s1.agent, s1.queue, s1.customer) == (
        datetime(2026, 10, 2, 10, tzinfo=UTC), "Quick, thanks", "55", "360001", "9001")
    assert (c2.csat, s2.csat, s2.comment) == (1.0, 1.0, None)


def test_unknown_channel_and_bad_fields_are_quarantined_alone(tmp_path):
    path = tmp_path / "tickets.json"
    tickets = [ticket(1, via={"channel": "carrier_pigeon"}), ticket(2, created_at="2026-10-5T12:56:04Z"),
               ticket(3, status="exploded"), ticket(4, created_at="2026-10-05T12:56:04"),
               {"subject": "no id", "status": "open", "via": {"channel": "email"}},
               ticket(6, via={"channel": "api"}), ticket(7, via={"channel": "twitter"})]
    path.write_text('{"tickets": [\n' + ",\n".join(json.dumps(t) for t in tickets) + "\n]}", encoding="utf-8")
    records = read(path)
    rejected = [r for r in records if isinstance(r, Rejected)]
    assert [(r.line, r.source_id) for r in rejected] == [(2, "1"), (3, "2"), (4, "3"), (5, "4"), (6, None)]
    assert "via.channel 'carrier_pigeon'" in rejected[0].reason and "channels=carrier_pigeon=" in rejected[0].reason
    assert rejected[1].reason == "ticket 2: created_at '2026-10-5T12:56:04Z' is not an ISO 8601 date-time"
    assert "status 'exploded'" in rejected[2].reason
    assert "has no time zone" in rejected[3].reason
    assert rejected[4].reason == "ticket: id is missing"
    good = [r for r in records if isinstance(r, Contact)]
    assert [(c.source_id, c.channel) for c in good] == [("6", "email"), ("7", "social")]
    # The unknown channel imports once it is mapped; api follows default_channel.
    mapped = read(path, channels="carrier_pigeon=sms", default_channel="chat")
    assert [(c.source_id, c.channel) for c in mapped if isinstance(c, Contact)] == [
        ("1", "sms"), ("6", "chat"), ("7", "social")]


def test_json_lines_full_export_with_embedded_metrics_and_a_cut_line(tmp_path):
    path = tmp_path / "export.jsonl"
    full = ticket(11, status="open", metric_set={"replies": 1, "reply_time_in_minutes": {"calendar": 30,
                                                                                           "business": 30},
                                                  "full_resolution_time_in_minutes": None},
                  satisfaction_rating={"score": "bad", "id": 5})
    lines = [json.dumps(ticket(10)), json.dumps(full), '{"id": 12, "status": "open", "crea', "",
             json.dumps({"ticket_id": 10, "reply_time_in_minutes": {"calendar": 5, "business": 5}})]
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    records = read(path)
    assert [type(r).__name__ for r in records] == ["Contact", "Contact", "Rejected", "Contact"]
    assert records[0].source_id == "10" and records[0].channel == "email"
    t11 = records[1]
    # An open ticket the agent has replied to is answered; its embedded metrics and rating are kept.
    assert (t11.outcome, t11.first_response_s, t11.resolution_s, t11.csat) == ("answered", 1800.0, None, 1.0)
    assert records[2].line == 3 and "cut short" in records[2].reason
    assert records[3].line == 5 and records[3].first_response_s == 300.0 and records[3].channel is None


def test_not_a_zendesk_file_and_damaged_json_raise_source_errors(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("  \n", encoding="utf-8")
    with pytest.raises(SourceError, match="empty.json: the file is empty"):
        read(empty)
    other = tmp_path / "users.json"
    other.write_text('{"users": [{"id": 1}], "count": 1}', encoding="utf-8")
    with pytest.raises(SourceError, match="no tickets, ticket_metrics or satisfaction_ratings array"):
        read(other)
    cut = tmp_path / "cut.json"
    cut.write_text('{"tickets": [\n' + json.dumps(ticket(1)) + ",\n" + '{"id": 2, "status": "op', encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read(cut)
    assert str(err.value).startswith(f"{cut}:3: invalid JSON")
    bad = tmp_path / "bad.json"
    bad.write_text("id,status\n1,open\n", encoding="utf-8")
    with pytest.raises(SourceError, match="this is not JSON"):
        read(bad)
    with pytest.raises(SourceError, match="option queue_field='team'"):
        read(other, queue_field="team")


def test_bare_array_is_read_by_object_shape(tmp_path):
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps([ticket(1), {"ticket_id": 1, "score": "good", "created_at": "2026-10-01T09:00:00Z"},
                                {"foo": 1}]), encoding="utf-8")
    records = read(path)
    assert [type(r).__name__ for r in records] == ["Contact", "Contact", "SurveyResponse", "Rejected"]
