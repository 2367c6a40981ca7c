"""The nice-cxone reader on files written from CXone's documented field list (tests/data/).

Each expected value below was worked out by hand from the file: arrival = contactStart +
preQueueSeconds, answer = arrival + inQueueSeconds, end = contactStart + totalDurationSeconds,
talk = agentSeconds - holdSeconds. The reader yields `ColumnBlock`s; `flatten` turns them into the
contacts they stand for (instants to the millisecond, as the host stores them).
"""

from __future__ import annotations

import json
import tracemalloc
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
from ccc_nice_cxone.reader import FIELDS, read_completed_contacts

DATA = Path(__file__).parent / "data"
UTC = timezone.utc


def read(path: Path, **options) -> list:
    return flatten(read_completed_contacts(ReadContext(path=path, options=options)))


def by_id(records) -> dict[str, Contact]:
    return {r.source_id: r for r in records if isinstance(r, Contact)}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_api_page_answered_call_every_field():
    records = read(DATA / "completed-contacts-page.json")
    assert not [r for r in records if isinstance(r, Rejected)]
    c = by_id(records)["70001234501"]
    assert c == Contact(
        source_id="70001234501",
        arrived_at=at("2026-10-05T08:00:12.250+00:00"),  # contactStart 08:00:00.250 + preQueueSeconds 12
        outcome="answered", channel="voice", direction="inbound", queue="Billing FR", queue_name="Billing FR",
        answered_at=at("2026-10-05T08:00:37.250+00:00"),  # + inQueueSeconds 25
        ended_at=at("2026-10-05T08:05:17.250+00:00"),  # contactStart + totalDurationSeconds 317
        wait_s=25.0, talk_s=250.0, hold_s=30.0, wrap_s=45.0,  # agentSeconds 280 - holdSeconds 30; ACWSeconds 45
        agent="1104422", transferred=False, customer="+33639980001",
        version=at("2026-10-05T08:06:10.117+00:00"), line=6,
    )


def test_api_page_outcomes_channels_and_skipped_media():
    contacts = by_id(read(DATA / "completed-contacts-page.json"))
    # The Work Item (70001234506) is back-office work, not a customer contact: skipped, not quarantined.
    assert sorted(contacts) == [f"700012345{n:02d}" for n in (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)]
    outcome = {cid[-2:]: (c.outcome, c.channel, c.direction, c.wait_s) for cid, c in contacts.items()}
    assert outcome == {
        "01": ("answered", "voice", "inbound", 25.0),
        "02": ("abandoned", "voice", "inbound", 42.0),
        "03": ("abandoned", "voice", "inbound", 3.0),  # isShortAbandon: still abandoned; the contract's S decides
        "04": ("answered", "chat", "inbound", 15.0),
        "05": ("answered", "email", "inbound", 3600.0),
        "07": ("answered", "voice", "outbound", 0.0),
        "08": ("not_queued", "voice", "inbound", None),  # abandoned in the IVR: 20 s pre-queue, 0 in queue
        "09": ("answered", "chat", "inbound", 9.0),
        "10": ("timeout", "voice", "inbound", 300.0),  # left the queue without agent or hang-up
        "11": ("answered", "chat", "inbound", 40.0),  # Digital / WhatsApp
        "12": ("answered", "voice", "inbound", 7.0),
    }
    abandoned = contacts["70001234502"]
    assert abandoned.arrived_at == at("2026-10-05T08:01:08+00:00")
    assert abandoned.ended_at == at("2026-10-05T08:01:50+00:00")
    assert (abandoned.answered_at, abandoned.talk_s, abandoned.agent, abandoned.transferred) == (None, None, None, None)
    outbound = contacts["70001234507"]
    assert outbound.customer == "+33639980007"  # toAddr: the customer of an outbound call
    assert contacts["70001234505"].customer == "Client.Dupont@example.fr"
    assert contacts["70001234512"].transferred is True and contacts["70001234512"].talk_s == 110.0


def test_nulls_stay_unknown():
    c = by_id(read(DATA / "completed-contacts-page.json"))["70001234509"]
    # skillName null: the skill's id is the queue; null durations are unknown, never zero.
    assert (c.queue, c.queue_name) == ("4200", None)
    assert (c.hold_s, c.wrap_s, c.ended_at, c.transferred, c.customer) == (None, None, None, None, None)
    assert c.arrived_at == at("2026-10-05T12:00:00+00:00")  # preQueueSeconds null: arrival is contactStart


def test_names_and_ids_are_text_whatever_their_json_type(tmp_path):
    path = tmp_path / "numbers.jsonl"
    path.write_text('{"contactId": 1, "contactStart": "2026-10-05T08:00:00Z", "abandoned": true, "inQueueSeconds": 4, '
                    '"skillName": 4100, "fromAddr": 33639980001}\n', encoding="utf-8")
    (contact,) = read(path)
    assert (contact.source_id, contact.queue, contact.queue_name, contact.customer) == ("1", "4100", "4100", "33639980001")


def test_older_api_result_set_with_strings():
    answered, abandoned = read(DATA / "completed-contacts-legacy.json")
    assert (answered.source_id, answered.outcome, answered.wait_s) == ("2789879875", "answered", 13.0)
    assert (answered.talk_s, answered.wrap_s, answered.agent) == (277.0, 187.0, "999901")
    assert answered.arrived_at == at("2026-10-06T16:29:36.443+00:00")
    assert answered.ended_at == at("2026-10-06T16:34:26.443+00:00")
    assert (answered.customer, answered.queue, answered.transferred, answered.line) == ("5555558888", "Main", False, 6)
    assert (abandoned.source_id, abandoned.outcome, abandoned.wait_s, abandoned.agent, abandoned.line) == (
        "2789879876", "abandoned", 29.0, None, 61)


def test_newer_api_contacts_page_spellings():
    answered, active, digital_email = read(DATA / "contacts-v27-page.json")
    # contactStartDate with 7 decimals (kept to the millisecond), acwSeconds, fromAddress, mediaTypeId
    assert answered.arrived_at == at("2026-10-07T08:00:00.123+00:00")
    assert (answered.wrap_s, answered.customer, answered.channel, answered.line) == (12.0, "+4915100000001", "voice", 2)
    assert (active.outcome, active.wait_s, active.agent) == ("open", 65.0, None)  # isActive: still in progress
    assert (digital_email.channel, digital_email.customer) == ("email", "kunde@example.de")


def test_json_lines_awkward_cases():
    records = read(DATA / "completed-contacts.jsonl")
    contacts = [r for r in records if isinstance(r, Contact)]
    rejected = [(r.line, r.reason) for r in records if isinstance(r, Rejected)]
    # Re-deliveries are all yielded with their version; the host keeps the newest (test_nice_cxone_import).
    copies = [(c.line, c.outcome, c.version) for c in contacts if c.source_id == "90001"]
    assert copies == [(1, "answered", at("2026-10-05T09:10:00+00:00")),
                      (3, "abandoned", at("2026-10-05T09:00:30+00:00"))]
    other_zone = next(c for c in contacts if c.source_id == "90002")
    assert other_zone.arrived_at == at("2026-10-05T09:00:05+00:00")  # 11:00:00+02:00 + 5 s pre-queue
    naive = next(c for c in contacts if c.source_id == "90003")
    assert naive.arrived_at == at("2026-10-05T12:00:06+00:00")  # no offset: UTC, as CXone writes
    bare = next(c for c in contacts if c.source_id == "90009")  # only the keys the reader needs
    assert (bare.outcome, bare.wait_s, bare.queue, bare.version, bare.ended_at) == ("abandoned", 12.0, None, None, None)
    assert rejected == [
        (7, "not a completed contact (no contactId)"),
        (8, "contact 90005: inQueueSeconds -3 is negative"),
        (9, "contact 90006: contactStart '2026-10-5T14:10:00Z' is not an ISO 8601 timestamp"),
        (10, "contact 90007: mediaTypeName 'Carrier Pigeon' is not a media type this reader knows (Call, Chat, "
             "Email, SMS, Social, Digital; Voice Mail, Work Item and Fax are skipped)"),
        (12, "invalid JSON (Invalid control character at): a record cut short or mistyped"),
    ]


def test_timezone_option_places_times_without_offset():
    naive = by_id(read(DATA / "completed-contacts.jsonl", timezone="Europe/Paris"))["90003"]
    assert naive.arrived_at.astimezone(UTC) == at("2026-10-05T10:00:06+00:00")  # 12:00 in Paris is 10:00 UTC
    # A time with an offset is not moved by the option.
    assert by_id(read(DATA / "completed-contacts.jsonl", timezone="Europe/Paris"))["90002"].arrived_at == at(
        "2026-10-05T09:00:05+00:00")
    with pytest.raises(SourceError, match="option timezone='Mars/Olympus' is not a time zone name"):
        read(DATA / "completed-contacts.jsonl", timezone="Mars/Olympus")


def test_page_cut_short_keeps_the_contacts_before_the_cut(tmp_path):
    text = (DATA / "completed-contacts-page.json").read_text(encoding="utf-8")
    cut = text.index('"contactId": 70001234504')  # in the middle of the fourth contact
    path = tmp_path / "cut.json"
    path.write_text(text[:cut], encoding="utf-8")
    records = read(path)
    assert [r.source_id for r in records if isinstance(r, Contact)] == ["70001234501", "70001234502", "70001234503"]
    (bad,) = [r for r in records if isinstance(r, Rejected)]
    assert bad.line == 36  # where the cut record starts; the reason names the line of the cut
    assert bad.reason == ("invalid JSON (Expecting property name enclosed in double quotes) at line 37: "
                          "a record cut short or damaged; nothing after it can be read")


def test_pages_back_to_back_and_an_array_of_pages(tmp_path):
    page = json.loads((DATA / "contacts-v27-page.json").read_text(encoding="utf-8"))
    lines = tmp_path / "pages.jsonl"
    lines.write_text(json.dumps(page) + "\n" + json.dumps(page) + "\n", encoding="utf-8")
    assert len([r for r in read(lines) if isinstance(r, Contact)]) == 6
    array = tmp_path / "pages-array.json"
    array.write_text(json.dumps([page, page]), encoding="utf-8")
    assert len([r for r in read(array) if isinstance(r, Contact)]) == 6


@pytest.mark.parametrize("name, text, message", [
    ("connect.jsonl",
     '{"AWSAccountId":"1","ContactId":"c-1","Channel":"VOICE","InitiationTimestamp":"2026-10-05T08:00:00Z"}\n',
     "does not look like NICE CXone completed contacts: line 1 is '{\"AWSAccountId\":\"1\",\"ContactId\":\"c-1\","),
    ("genesys.json", '{"conversations": [{"conversationId": "x", "participants": []}], "totalHits": 1}',
     "does not look like NICE CXone completed contacts: line 1 is '{\"conversations\": [{\"conversationId\""),
    ("five9.csv", "CALL ID,TIMESTAMP,CAMPAIGN\n1,\"Mon, 05 Oct 2026 08:00:00\",Billing\n",
     "does not look like NICE CXone completed contacts: line 1 is 'CALL ID,TIMESTAMP,CAMPAIGN' (expected"),
    ("no-array.json", '{"resultSet": {"totalRecords": 0, "businessUnitId": 1}}',
     "does not look like NICE CXone completed contacts: the JSON object has no completedContacts or contacts array"),
])
def test_other_shapes_are_refused_whole(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_a_page_without_contacts_reads_nothing(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text('{"totalRecords": 0, "businessUnitId": 4600123, "lastPollTime": "2026-10-05T18:00:00Z", '
                    '"completedContacts": []}', encoding="utf-8")
    assert read(path) == []


def test_objects_without_contact_id_are_refused_after_twenty(tmp_path):
    path = tmp_path / "other.jsonl"
    path.write_text("".join(json.dumps({"id": n, "ref": "contactId"}) + "\n" for n in range(30)), encoding="utf-8")
    with pytest.raises(SourceError, match="none of the first 20 objects has a contactId"):
        read(path)


def test_a_large_page_is_read_in_bounded_memory(tmp_path, monkeypatch):
    # Chunks of 64 KB instead of 1 MB, so that a small file shows the difference.
    monkeypatch.setattr("ccc_governance.readers.jsonstream.CHUNK", 1 << 16)
    record = json.loads((DATA / "completed-contacts-page.json").read_text(encoding="utf-8"))["completedContacts"][0]

    def peak(n: int) -> int:
        path = tmp_path / f"big-{n}.json"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write('{"totalRecords": %d, "completedContacts": [\n' % n)
            for i in range(n):
                fh.write(("," if i else "") + json.dumps(dict(record, contactId=i + 1)) + "\n")
            fh.write("]}\n")
        tracemalloc.start()
        try:
            count = sum(len(b) for b in read_completed_contacts(ReadContext(path=path)) if isinstance(b, ColumnBlock))
            used = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count == n
        return used

    # Decoding the page whole would hold all its contacts (several times the file's size): six
    # times the contacts would take six times the memory. Streaming holds a chunk or two and one
    # block of contacts, whatever the file's size.
    small, big = peak(2500), peak(15000)
    assert big < small * 1.3, (small, big)


def test_blocks_in_storage_form_and_in_file_order():
    items = list(read_completed_contacts(ReadContext(path=DATA / "completed-contacts.jsonl")))
    # A rejected record comes after the block of the contacts before it: the file's order is kept.
    kinds = ["block" if isinstance(i, ColumnBlock) else "rejected" for i in items]
    assert kinds == ["block", "rejected", "rejected", "rejected", "rejected", "block", "rejected"]
    lines = [r.line for r in flatten(items)]
    assert lines == sorted(lines)
    block = items[0]
    assert (block.kind, block.fields, block.partial) == ("contact", FIELDS, False)
    # Instants are int epoch milliseconds; durations are floats (None when unknown).
    for name in ("arrived_at", "answered_at", "ended_at", "version"):
        column = block.columns[FIELDS.index(name) + 2]
        assert {type(v) for v in column} <= {int, type(None)} and int in {type(v) for v in column}, name
    assert block.columns[FIELDS.index("arrived_at") + 2][0] == 1791190810000  # 2026-10-05T09:00:10Z: start + 10 s


def test_absurd_durations_are_rejected_not_a_crash(tmp_path):
    path = tmp_path / "huge.jsonl"
    path.write_text('{"contactId": 1, "contactStart": "2026-10-05T08:00:00Z", "preQueueSeconds": 1e308}\n'
                    '{"contactId": 2, "contactStart": "2026-10-05T08:00:00Z", "inQueueSeconds": 4}\n', encoding="utf-8")
    bad, good = read(path)
    assert (bad.line, bad.reason) == (1, "contact 1: preQueueSeconds 1e+308 is more than 300 years")
    assert (good.source_id, good.wait_s) == ("2", 4.0)


USUAL = {  # one completed contact as GET /contacts/completed writes it (bench/nice_cxone_bench.py's shape)
    "abandoned": False, "abandonSeconds": 0, "ACWSeconds": 67, "agentId": 1104000, "agentSeconds": 275,
    "contactId": 70000000000, "contactStart": "2026-10-01T00:00:02.000Z", "fromAddr": "+33639900000",
    "holdSeconds": 15, "inQueueSeconds": 84, "isOutbound": False, "lastUpdateTime": "2026-10-01T00:08:11.000Z",
    "mediaType": 4, "mediaTypeName": "Call", "preQueueSeconds": 3, "skillId": 4100, "skillName": "Billing FR",
    "toAddr": "+33170000001", "totalDurationSeconds": 362, "transferIndicatorId": 0,
}
ODD_VALUES = {
    "abandoned": [True, None, "true", "False", 1, "maybe"],
    "isOutbound": [True, None, "True", 0],
    "isActive": [True, False, None],
    "ACWSeconds": [0, None, -1, 12.5, "30", 1e308],
    "acwSeconds": [5],
    "agentId": [0, None, "1104", "0", True],
    "agentSeconds": [0, None, 30, -5, "200", 2.5, 1 << 70],
    "contactId": ["70000000001", " 7 ", "", None, 1.5, True, 0],
    "contactStart": ["2026-10-01T00:00:02Z", "2026-10-01T02:00:02+02:00", "2026-10-01 00:00:02", "2026-10-1T00:00Z",
                     " 2026-10-01T00:00:02Z", None, 5, "Z"],
    "contactStartDate": ["2026-10-01T00:00:05.1234567Z"],
    "fromAddr": [None, "", "  ", 33639900000, " client@example.fr "],
    "fromAddress": ["+33639900009"],
    "holdSeconds": [0, None, 40, -1, "15"],
    "inQueueSeconds": [0, None, 20, -3, "12", 0.5],
    "lastUpdateTime": [None, "", "2026-10-01T00:08:11+00:00", "2026-10-01 00:08:11", "nope", "Z", 7],
    "mediaTypeName": ["Chat", "Email", "Voice Mail", "Work Item", "Digital", "Carrier Pigeon", None, 4, " Call"],
    "mediaSubTypeName": ["WhatsApp", "Email"],
    "mediaTypeId": [3, 5, "9"],
    "preQueueSeconds": [0, None, 20, -1, "4"],
    "skillName": [None, "", "  Support  ", 4100],
    "skillId": [None, 0, "0", "", 4200],
    "toAddr": [None, "+33170000009", 5],
    "totalDurationSeconds": [0, None, 10, -1, "100", float("nan")],
    "transferIndicatorId": [1, None, "1", "x"],
    "transferIndicatorName": ["None", "Transfer"],
}


#: The usual shapes besides USUAL's answered call: what each changes in it.
KINDS = {
    "answered": {}, "abandoned": {"abandoned": True, "agentSeconds": 0, "agentId": 0, "ACWSeconds": 0},
    "ivr": {"abandoned": True, "agentSeconds": 0, "agentId": 0, "inQueueSeconds": 0},
    "timeout": {"agentSeconds": 0, "agentId": 0}, "not queued": {"agentSeconds": 0, "inQueueSeconds": 0},
    "outbound": {"isOutbound": True, "preQueueSeconds": 0}, "transferred chat": {"mediaTypeName": "Chat",
                                                                                 "transferIndicatorId": 1},
    "work item": {"mediaTypeName": "Work Item"},
}


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(ODD_VALUES)), st.data(), max_size=4),
       st.sets(st.sampled_from(sorted(USUAL)), max_size=2), st.sampled_from(sorted(KINDS)))
def test_the_usual_shape_is_read_as_any_shape_is(changes, missing, kind):
    # `contact_row` reads the usual shape itself and leaves the rest to `read_contact`: the same
    # row (or the same reason to quarantine) either way.
    from ccc_nice_cxone.reader import BadRecord, contact_row, read_contact

    record = {k: v for k, v in {**USUAL, **KINDS[kind]}.items() if k not in missing}
    for key, data in changes.items():
        record[key] = data.draw(st.sampled_from(ODD_VALUES[key]))

    def outcome(read):
        try:
            return read(dict(record), 7)
        except BadRecord as err:
            return f"BadRecord: {err}"

    assert outcome(contact_row) == outcome(read_contact)


def test_the_usual_shape_is_read_inline():
    from ccc_nice_cxone import reader

    calls = []
    original = reader.read_contact
    try:
        reader.read_contact = lambda *a: calls.append(a) or original(*a)
        row = reader.contact_row(dict(USUAL), 3)
    finally:
        reader.read_contact = original
    assert calls == [] and row == original(dict(USUAL), 3)
    assert row[3:6] == ("answered", "voice", "inbound") and row[10:14] == (84.0, 260.0, 15.0, 67.0)
