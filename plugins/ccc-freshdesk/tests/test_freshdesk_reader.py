"""The freshdesk reader on files written from Freshdesk's documented ticket fields (tests/data/README.md)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten
from ccc_freshdesk import SOURCE
from ccc_freshdesk.reader import BLOCK, FIELDS, read_freshdesk

DATA = Path(__file__).parent / "data"
PAGE1 = DATA / "tickets-2026-10-05-page1.json"
UTC = timezone.utc


def read(path, **options):
    """Every record the reader yields, blocks expanded into the records they stand for."""
    return flatten(read_freshdesk(ReadContext(path=Path(path), options=options)))


def tickets(path, **options):
    return {c.source_id: c for c in read(path, **options) if isinstance(c, Contact)}


def rejects(path, **options):
    return [(r.line, r.reason) for r in read(path, **options) if isinstance(r, Rejected)]


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_registration():
    assert SOURCE.name == "freshdesk" and SOURCE.kinds == ("contact",)


def test_a_list_page_every_field_of_three_tickets():
    t = tickets(PAGE1)
    resolved = t["1001"]
    assert (resolved.arrived_at, resolved.version, resolved.ended_at) == (
        at(2026, 10, 5, 8, 0), at(2026, 10, 6, 8, 5), at(2026, 10, 6, 8, 0))
    assert (resolved.outcome, resolved.channel, resolved.direction) == ("answered", "email", "inbound")
    assert (resolved.queue, resolved.queue_name, resolved.agent, resolved.customer) == (
        "84000219438", None, "84007931837", "84001001001")
    # first_responded_at 09:30 and resolved_at the next day 08:00, from created_at 08:00.
    assert (resolved.first_response_s, resolved.resolution_s) == (5400.0, 86400.0)
    assert (resolved.first_response_business_s, resolved.resolution_business_s, resolved.partial) == (None, None, False)
    assert (resolved.wait_s, resolved.talk_s, resolved.csat) == (None, None, None)
    new = t["1002"]  # Open, nobody replied yet
    assert (new.outcome, new.first_response_s, new.resolution_s, new.ended_at, new.agent) == ("open", None, None, None, None)
    phone = t["1003"]  # Phone, Closed without passing through Resolved: closed_at ends it
    assert (phone.channel, phone.outcome, phone.first_response_s, phone.resolution_s, phone.ended_at) == (
        "voice", "answered", 30.0, 1800.0, at(2026, 10, 5, 8, 50))


def test_sources_statuses_and_nulls():
    t = tickets(PAGE1)
    assert {sid: (c.channel, c.direction, c.outcome) for sid, c in t.items()} == {
        "1001": ("email", "inbound", "answered"), "1002": ("email", "inbound", "open"),
        "1003": ("voice", "inbound", "answered"), "1004": ("chat", "inbound", "answered"),
        "1005": ("email", "outbound", "answered"), "1006": ("email", "inbound", "answered"),
        "1010": ("email", "inbound", "answered"), "1011": ("email", "inbound", "open")}
    assert "1007" not in t  # spam: not a contact, not quarantined either
    pending = t["1004"]  # Pending: answered, not resolved (no resolution while it is not resolved)
    assert (pending.first_response_s, pending.resolution_s, pending.ended_at) == (75.0, None, None)
    custom = t["1006"]  # status 6, an account's own ("Waiting on Customer"), after a reply
    assert (custom.outcome, custom.first_response_s, custom.queue) == ("answered", 6600.0, "84000219438")
    nulls = t["1011"]
    assert (nulls.queue, nulls.agent, nulls.first_response_s) == (None, None, None)


def test_another_time_zone_in_the_file():
    ticket = tickets(PAGE1)["1010"]
    # created 15:00 +05:30 = 09:30 UTC; first reply 09:45Z; resolved 10:30Z.
    assert ticket.arrived_at == at(2026, 10, 5, 9, 30)
    assert (ticket.first_response_s, ticket.resolution_s) == (900.0, 3600.0)


def test_bad_tickets_are_rejected_alone_with_their_line():
    assert rejects(PAGE1) == [
        (310, "ticket 1008: source 101 is not a source this reader knows; map it with "
              "--option channels=101=email (or chat, voice, social, sms)"),
        (354, "ticket 1009: stats.first_responded_at is before created_at"),
    ]
    assert '"cc_emails"' in PAGE1.read_text().splitlines()[310]  # the object's first member: it starts on 310
    mapped = tickets(PAGE1, channels="101=chat")
    assert mapped["1008"].channel == "chat"


def test_search_results_without_stats_are_partial():
    t = tickets(DATA / "search-tickets.json")
    assert set(t) == {"1004", "1012"}
    later = t["1004"]
    assert (later.partial, later.outcome, later.first_response_s, later.resolution_s) == (True, "answered", None, None)
    assert later.version == at(2026, 10, 6, 10, 0)
    assert (t["1012"].partial, t["1012"].outcome) == (True, "open")


def test_a_single_ticket_and_json_lines_with_labels_and_a_truncated_line():
    (single,) = read(DATA / "ticket-1013.json")
    assert (single.source_id, single.first_response_s, single.resolution_s) == ("1013", 900.0, 14400.0)
    items = read(DATA / "tickets.jsonl")
    t = {c.source_id: c for c in items if isinstance(c, Contact)}
    # 1015 writes labels ("Pending", "Chat", "High") and times without a zone (UTC: the API's zone).
    assert (t["1015"].outcome, t["1015"].channel, t["1015"].arrived_at, t["1015"].first_response_s) == (
        "answered", "chat", at(2026, 10, 8, 8, 10), 60.0)
    (cut,) = [r for r in items if isinstance(r, Rejected)]
    assert cut.line == 3 and cut.reason.startswith("invalid JSON")


def test_queue_options_group_names_and_priority():
    t = tickets(PAGE1, groups="84000219438=Billing,84000219440=Customer Support")
    assert (t["1001"].queue, t["1001"].queue_name) == ("84000219438", "Billing")
    t = tickets(PAGE1, queue="group_priority", groups={"84000219438": "Billing"})
    assert (t["1001"].queue, t["1001"].queue_name) == ("84000219438/medium", "Billing/medium")
    assert (t["1003"].queue, t["1003"].queue_name) == ("84000219440/high", None)
    assert (t["1011"].queue, t["1011"].queue_name) == ("no-group/low", None)
    t = tickets(PAGE1, queue="priority")
    assert {sid: c.queue for sid, c in t.items()}["1006"] == "urgent"
    for bad in ({"queue": "brand"}, {"groups": "Billing"}, {"channels": "101=fax"}, {"timezone": "Nowhere/City"}):
        with pytest.raises(SourceError):
            read(PAGE1, **bad)


def test_other_values_are_rejected_naming_the_field(tmp_path):
    base = {"id": 1, "status": 2, "source": 1, "created_at": "2026-10-05T08:00:00Z", "priority": 1}
    rows = [
        {**base, "status": 1},
        {**base, "status": "Snoozed"},
        {**base, "source": None},
        {**base, "created_at": "05/10/2026 08:00"},
        {**base, "created_at": None},
        {**base, "id": None},
        {**base, "stats": "n/a"},
        {**base, "stats": {"first_responded_at": 1790000000}},
    ]
    path = tmp_path / "t.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert rejects(path) == [
        (1, "ticket 1: status 1 is not a Freshdesk status (2 Open, 3 Pending, 4 Resolved, 5 Closed, 6 and up the "
            "account's own)"),
        (2, "ticket 1: status 'Snoozed' is not a Freshdesk status (2 Open, 3 Pending, 4 Resolved, 5 Closed, 6 and up "
            "the account's own)"),
        (3, "ticket 1: source is missing"),
        (4, "ticket 1: created_at '05/10/2026 08:00' is not an ISO 8601 date-time (Freshdesk writes 2026-10-05T08:00:00Z)"),
        (5, "ticket 1: created_at is missing"),
        (6, "id is missing"),
        (7, "ticket 1: stats is 'n/a', not an object"),
        (8, "ticket 1: stats.first_responded_at 1790000000 is not a date-time"),
    ]


@pytest.mark.parametrize("text, start, end", [
    ('{"tickets": [{"url": "https://x.zendesk.com/api/v2/tickets/1.json", "id": 1, "via": {"channel": "email"}, '
     '"created_at": "2026-10-05T08:00:00Z", "status": "open"}], "count": 1}',
     "does not look like Freshdesk tickets: line 1 is '{\"tickets\": [{\"url\"",
     "and none of the first 20 objects has an id, created_at and source or status"),
    ('{"id": 1, "via": {"channel": "email"}, "created_at": "2026-10-05T08:00:00Z", "status": "open"}\n' * 2,
     "does not look like Freshdesk tickets: line 1 is '{\"id\": 1, \"via\"",
     "and none of the first 20 objects has an id, created_at and source or status"),
    ('{"type": "calls", "entries": [{"call_id": "c1", "type": "inbound", "start_at": "2026-10-05T08:00:00Z"}]}',
     "does not look like Freshdesk tickets: line 1 is '{\"type\": \"calls\"",
     "and none of the first 20 objects has an id, created_at and source or status"),
    ("Ticket ID,Subject,Status,Priority,Source,Created time\n1,Hello,Open,Low,Email,2026-10-05 08:00:00\n",
     "does not look like Freshdesk tickets: line 1 is 'Ticket ID,Subject,Status,Priority,Source,Created time'",
     "(expected the JSON of Freshdesk's tickets API)"),
    (" \n", "the file is empty (expected Freshdesk tickets)", ""),
], ids=["zendesk-page", "zendesk-lines", "talkdesk-page", "csv", "empty"])
def test_another_platforms_file_is_refused_whole(tmp_path, text, start, end):
    path = tmp_path / "export.json"
    path.write_text(text)
    with pytest.raises(SourceError) as err:
        read(path)
    message = str(err.value)
    assert start in message and message.endswith(end) and "\n" not in message


def _peak_reading(path):
    import tracemalloc

    tracemalloc.start()
    try:
        rows = sum(len(item) for item in read_freshdesk(ReadContext(path=path)))
        return tracemalloc.get_traced_memory()[1], rows
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("layout", ["pages", "search"])
def test_memory_stays_flat_in_file_size(tmp_path, monkeypatch, layout):
    # JSON is read a chunk at a time (1 MiB): smaller chunks here, so both files span many of them.
    monkeypatch.setattr("ccc_governance.readers.jsonstream.CHUNK", 1 << 15)
    # One ticket (and one block) in memory at a time: eight times the tickets, about the same peak.
    template = json.loads(PAGE1.read_text())[0]

    def write(n):
        path = tmp_path / f"{layout}-{n}.json"
        with open(path, "w") as fh:
            if layout == "search":
                fh.write('{"total": %d, "results": [\n' % n)
            for i in range(n):
                fh.write(("[" if layout == "pages" and i % 100 == 0 else "" if i % 100 == 0 and not i else ",")
                         + json.dumps({**template, "id": 5000 + i}) + "\n")
                if layout == "pages" and (i % 100 == 99 or i == n - 1):
                    fh.write("]\n")
            if layout == "search":
                fh.write("]}\n")
        return path

    n_small, n_big = BLOCK * 3 // 2, BLOCK * 12
    (small, rows_small), (big, rows_big) = _peak_reading(write(n_small)), _peak_reading(write(n_big))
    assert (rows_small, rows_big) == (n_small, n_big)
    assert big < small * 1.5 + 200_000, (small, big)


def test_a_quarantined_tickets_raw_text_leaves_out_free_text_and_the_requester(tmp_path):
    ticket = {"id": 7, "status": 2, "source": 999, "created_at": "2026-10-05T08:00:00Z", "subject": "Refund for Jane Roe",
              "description_text": "I am Jane Roe, 12 Rue X", "requester": {"id": 5, "name": "Jane Roe", "email": "j@x.org"}}
    path = tmp_path / "t.json"
    path.write_text(json.dumps([ticket]))
    (bad,) = [r for r in read(path) if isinstance(r, Rejected)]
    assert bad.raw.startswith('{"id": 7, "status": 2, "source": 999, "created_at"')
    assert "Jane" not in bad.raw and "Rue" not in bad.raw and "j@x.org" not in bad.raw


def test_blocks_in_storage_form_partial_apart_and_in_file_order(tmp_path):
    full = json.loads(PAGE1.read_text())
    search = json.loads((DATA / "search-tickets.json").read_text())["results"]
    path = tmp_path / "mixed.jsonl"  # tickets with stats, without, a bad one, with stats again
    path.write_text("".join(json.dumps(t) + "\n" for t in (full[0], full[1], *search, full[7], full[2])))
    items = list(read_freshdesk(ReadContext(path=path)))
    shape = [(len(i), i.partial) if isinstance(i, ColumnBlock) else i.line for i in items]
    assert shape == [(2, False), (2, True), 5, (1, False)]
    assert [r.line for r in flatten(items)] == [1, 2, 3, 4, 5, 6]
    assert all(b.fields == FIELDS for b in items if isinstance(b, ColumnBlock))
    column = dict(zip(("source_id", "line", *FIELDS), items[0].columns))
    # Instants are int epoch milliseconds, durations floats worked out from them.
    assert column["arrived_at"] == [1791187200000, 1791187800000]  # 2026-10-05T08:00Z and 08:10Z
    assert column["version"][0] == 1791273900000 and column["ended_at"] == [1791273600000, None]
    assert column["first_response_s"] == [5400.0, None] and column["resolution_s"] == [86400.0, None]


USUAL = {  # a listed ticket with its stats (bench/freshdesk_bench.py's shape)
    "cc_emails": [], "spam": False, "group_id": 84000219438, "priority": 1, "requester_id": 84001000000,
    "responder_id": 84007931837, "source": 1, "status": 4, "id": 1000, "type": "Question",
    "created_at": "2026-10-01T00:01:07Z", "updated_at": "2026-10-02T04:08:52Z", "tags": [],
    "stats": {"agent_responded_at": "2026-10-01T04:08:52Z", "requester_responded_at": None,
              "first_responded_at": "2026-10-01T04:08:52Z", "status_updated_at": "2026-10-02T04:08:52Z",
              "reopened_at": None, "resolved_at": "2026-10-02T04:08:52Z", "closed_at": None, "pending_since": None},
}
TIMES = [None, "", "2026-10-01T04:08:52Z", "2026-09-30T00:00:00Z", "2026-10-02T04:08:52Z", "2026-10-01T06:08:52+02:00",
         "2026-10-01 04:08:52", "2026-10-1T04:08Z", 5, "Z"]
ODD_VALUES = {
    "spam": [True, None, "false"], "deleted": [True, False], "id": ["1000", " 7 ", "", None, 1.0, 1.5, True],
    "created_at": TIMES, "updated_at": TIMES, "status": [2, 3, 5, 6, 1, "Open", "4", None, 4.0],
    "source": [2, 3, 7, 10, 99, "Email", None, True], "group_id": [None, "84000219439", 1.0],
    "responder_id": [None, "84007931838", 0], "requester_id": [None, "x", 2.5], "stats": [None, [], "x", {}],
    "stats.first_responded_at": TIMES, "stats.agent_responded_at": [None, "2026-10-01T05:00:00Z"],
    "stats.resolved_at": TIMES, "stats.closed_at": TIMES,
}


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(ODD_VALUES)), st.data(), max_size=4),
       st.sets(st.sampled_from(["created_at", "updated_at", "stats", "status", "stats.resolved_at", "group_id"]),
               max_size=2),
       st.sampled_from([{}, {"groups": "84000219438=Billing"}, {"queue": "priority"}, {"timezone": "Europe/Paris"}]),
       st.sampled_from([2, 3, 4, 5, 6]), st.sampled_from(["resolved", "closed", "first", "none", "search", "null"]))
def test_the_usual_shape_is_read_as_any_shape_is(changes, missing, options, status, stats):
    # `ticket_row` reads the usual shape itself and leaves the rest to `read_ticket`: the same row
    # (or the same reason to quarantine) either way.
    from ccc_freshdesk.reader import BadTicket, Options, read_ticket, ticket_row

    ticket = json.loads(json.dumps(USUAL))
    ticket["status"] = status  # the usual shapes: every status, stats with or without each time
    if stats == "closed":
        ticket["stats"]["resolved_at"], ticket["stats"]["closed_at"] = None, "2026-10-03T00:00:00Z"
    elif stats == "first":
        ticket["stats"]["resolved_at"] = None
    elif stats == "none":
        ticket["stats"].update(first_responded_at=None, agent_responded_at=None, resolved_at=None)
    elif stats == "search":  # a search result: no stats (a partial contact)
        del ticket["stats"]
    elif stats == "null":
        ticket["stats"] = None
    for key, data in changes.items():
        value = data.draw(st.sampled_from(ODD_VALUES[key]))
        if key.startswith("stats."):
            if isinstance(ticket.get("stats"), dict):
                ticket["stats"][key[6:]] = value
        else:
            ticket[key] = value
    for key in missing:
        if key.startswith("stats."):
            if isinstance(ticket.get("stats"), dict):
                ticket["stats"].pop(key[6:], None)
        else:
            ticket.pop(key, None)
    opts = Options(options, Path("t.json"))

    def outcome(read):
        try:
            return read(json.loads(json.dumps(ticket)), 7, opts)
        except BadTicket as err:
            return f"BadTicket: {err}"

    assert outcome(ticket_row) == outcome(read_ticket)


def test_the_usual_shape_is_read_inline(monkeypatch):
    from ccc_freshdesk import reader

    monkeypatch.setattr(reader, "read_ticket", lambda *a: pytest.fail("read_ticket called"))
    partial, row = reader.ticket_row(json.loads(json.dumps(USUAL)), 3, reader.Options({}, Path("t.json")))
    ms = lambda *args: round(at(*args).timestamp() * 1000)  # noqa: E731
    assert partial is False and row[:4] == ("1000", 3, ms(2026, 10, 1, 0, 1, 7), "answered")
    # first response 4:07:45 after creation, resolved 1 day 4:07:45 after it; updated_at the version
    assert row[8:] == (ms(2026, 10, 2, 4, 8, 52), "84007931837", 14865.0, 101265.0, "84001000000",
                       ms(2026, 10, 2, 4, 8, 52))
    found = json.loads(json.dumps(USUAL))
    del found["stats"]  # a search result: a partial contact, read inline too
    partial, row = reader.ticket_row(found, 3, reader.Options({}, Path("t.json")))
    assert partial is True and row[3] == "answered" and row[8] is None and row[10:12] == (None, None)
