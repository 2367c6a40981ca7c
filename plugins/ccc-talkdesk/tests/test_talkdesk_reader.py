"""The talkdesk reader on files written from Talkdesk's documented calls report (tests/data/README.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten
from ccc_talkdesk import SOURCE
from ccc_talkdesk.reader import BLOCK, FIELDS, read_talkdesk

DATA = Path(__file__).parent / "data"
UTC = timezone.utc


def read(path, **options):
    """Every record the reader yields, blocks expanded into the records they stand for."""
    return flatten(read_talkdesk(ReadContext(path=Path(path), options=options)))


def contacts(path, **options):
    return {c.source_id: c for c in read(path, **options) if isinstance(c, Contact)}


def rejects(path, **options):
    return [(r.line, r.reason) for r in read(path, **options) if isinstance(r, Rejected)]


def at(*args):
    return datetime(*args, tzinfo=UTC)


def test_registration():
    assert SOURCE.name == "talkdesk" and SOURCE.kinds == ("contact",)
    assert "Talkdesk" in SOURCE.description


def test_current_report_json_every_field_of_three_calls():
    calls = contacts(DATA / "calls-explore.json")
    answered = calls["c0a1e9d3b1475f68c7d9a1b2c3d40001"]
    assert (answered.arrived_at, answered.ended_at) == (at(2026, 10, 5, 8, 0), at(2026, 10, 5, 8, 6, 10))
    assert (answered.outcome, answered.channel, answered.direction, answered.queue) == (
        "answered", "voice", "inbound", "billing")
    assert (answered.wait_s, answered.talk_s, answered.hold_s, answered.wrap_s) == (18.0, 320.0, 25.0, None)
    assert (answered.agent, answered.transferred, answered.customer) == (
        "67b3696b5b004334e155e001", False, "+33639980001")
    # The call is delivered twice; the second copy (rated 5) is the one yielded last.
    assert (answered.csat, answered.csat_scale, answered.version, answered.partial) == (5.0, 5, None, False)
    abandoned = calls["c0a1e9d3b1475f68c7d9a1b2c3d40002"]
    # wait_time 0 for a call the caller hung up on: the wait is its abandon_time.
    assert (abandoned.outcome, abandoned.wait_s, abandoned.talk_s, abandoned.hold_s) == ("abandoned", 41.0, None, None)
    assert (abandoned.agent, abandoned.csat, abandoned.csat_scale, abandoned.customer) == (None, None, None, "+33639980002")
    outbound = calls["c0a1e9d3b1475f68c7d9a1b2c3d40006"]
    assert (outbound.direction, outbound.outcome, outbound.wait_s, outbound.talk_s) == ("outbound", "answered", None, 20.0)
    assert outbound.arrived_at == at(2026, 10, 5, 9, 22, 26)


def test_call_types_map_to_outcomes():
    calls = contacts(DATA / "calls-explore.json")
    outcome = {sid[-2:]: (c.outcome, c.direction) for sid, c in calls.items()}
    assert outcome == {
        "01": ("answered", "inbound"), "02": ("abandoned", "inbound"), "03": ("abandoned", "inbound"),
        "04": ("timeout", "inbound"), "05": ("timeout", "inbound"), "06": ("answered", "outbound"),
        "07": ("not_queued", "outbound"), "08": ("answered", "inbound"), "09": ("answered", "inbound")}
    # short_abandoned keeps its own wait: the contract's threshold decides what is short.
    assert calls["c0a1e9d3b1475f68c7d9a1b2c3d40003"].wait_s == 3.0


def test_nulls_fractions_and_other_zones():
    calls = contacts(DATA / "calls-explore.json")
    nulls = calls["c0a1e9d3b1475f68c7d9a1b2c3d40008"]
    assert (nulls.queue, nulls.customer, nulls.hold_s, nulls.transferred) == (None, None, None, True)
    assert nulls.arrived_at == at(2026, 10, 5, 10, 0, 0, 250000)
    # +02:00 in the file: the same instant as 08:30 UTC.
    assert calls["c0a1e9d3b1475f68c7d9a1b2c3d40009"].arrived_at == at(2026, 10, 5, 8, 30)


def test_bad_calls_are_rejected_alone_with_their_line():
    assert rejects(DATA / "calls-explore.json") == [
        (205, "call c0a1e9d3b1475f68c7d9a1b2c3d40010: type 'transferred_elsewhere' is not a Talkdesk call type "
              "(inbound, abandoned, short_abandoned, missed, voicemail, outbound, outbound_missed)"),
        (213, "call c0a1e9d3b1475f68c7d9a1b2c3d40011: start_at '2026-10-5T11:00:00Z' is not a date-time "
              "(expected ISO 8601 such as 2026-04-23T10:22:26Z or 2026-04-23 10:22:26)"),
        (221, "call c0a1e9d3b1475f68c7d9a1b2c3d40012: wait_time -3 is negative"),
    ]
    lines = (DATA / "calls-explore.json").read_text().splitlines()
    assert '"c0a1e9d3b1475f68c7d9a1b2c3d40010"' in lines[205]  # the line after the object's `{` (205)


def test_older_report_durations_are_fractions_of_a_day_and_times_utc():
    calls = contacts(DATA / "calls-explore-older.json")
    first = calls["74458c259bc04bf1988697e3c5620001"]
    # 0.000069444446 d = 6 s, 0.00005787037 d = 5 s (Talkdesk's own example: 16:42:24 → 16:42:38).
    assert (first.talk_s, first.wait_s, first.hold_s) == (6.0, 5.0, 0.0)
    assert (first.arrived_at, first.ended_at) == (at(2026, 10, 5, 16, 42, 24), at(2026, 10, 5, 16, 42, 38))
    assert (first.queue, first.agent, first.customer, first.transferred, first.csat) == (
        "agents+rg1", "Alice Eve", "+17753827775", False, 1.0)
    assert calls["74458c259bc04bf1988697e3c5620002"].wait_s == 30.0
    third = calls["74458c259bc04bf1988697e3c5620003"]
    assert (third.talk_s, third.wait_s, third.hold_s, third.transferred) == (540.0, 20.0, 60.0, True)
    # The times have no zone: the job's time zone, UTC unless the option says otherwise.
    shifted = contacts(DATA / "calls-explore-older.json", timezone="America/New_York")
    assert shifted["74458c259bc04bf1988697e3c5620001"].arrived_at == at(2026, 10, 5, 20, 42, 24)


def test_csv_with_the_api_names_and_a_truncated_last_line():
    calls = contacts(DATA / "calls-report.csv")
    assert sorted(calls) == [f"d10000000000000000000000000000{i:02d}" for i in range(1, 5)]
    first = calls["d1000000000000000000000000000001"]
    assert (first.arrived_at, first.outcome, first.wait_s, first.talk_s, first.hold_s, first.csat) == (
        at(2026, 10, 6, 7, 59, 58), "answered", 20.0, 250.0, 12.0, 3.0)
    assert (first.agent, first.customer, first.queue) == ("u001", "+33639981001", "billing")
    assert (calls["d1000000000000000000000000000002"].outcome, calls["d1000000000000000000000000000002"].wait_s) == (
        "abandoned", 30.0)
    assert calls["d1000000000000000000000000000003"].outcome == "timeout"
    fourth = calls["d1000000000000000000000000000004"]  # after a blank line; empty wait and hold cells
    assert (fourth.wait_s, fourth.hold_s, fourth.talk_s, fourth.transferred) == (None, None, 300.0, True)
    assert rejects(DATA / "calls-report.csv") == [(7, "has 13 fields, the header has 39 (a line cut short?)")]


def test_explore_ui_csv_local_times_and_text_durations():
    calls = contacts(DATA / "calls-explore-ui.csv", timezone="Europe/Paris")
    first = calls["e2000000000000000000000000000001"]
    assert first.arrived_at == at(2026, 10, 7, 7, 15)  # 09:15 in Paris, summer time
    assert (first.talk_s, first.wait_s, first.hold_s, first.csat, first.agent) == (340.0, 25.0, 15.0, 5.0, "Alice Eve")
    assert calls["e2000000000000000000000000000002"].outcome == "abandoned"  # "Short Abandoned"
    repeated = calls["e2000000000000000000000000000004"]  # 02:30 happens twice that night: the first one
    assert (repeated.arrived_at, repeated.talk_s, repeated.wait_s) == (at(2026, 10, 25, 0, 30), 540.0, 30.0)
    assert rejects(DATA / "calls-explore-ui.csv", timezone="Europe/Paris") == [
        (4, "call e2000000000000000000000000000003: Start Time '2026-03-29 02:30:00' does not exist in "
            "Europe/Paris (the clocks went forward)")]


def test_json_lines_with_a_truncated_last_line():
    items = read(DATA / "calls.jsonl")
    assert [c.source_id for c in items if isinstance(c, Contact)] == [
        "f3000000000000000000000000000001", "f3000000000000000000000000000002"]
    (bad,) = [r for r in items if isinstance(r, Rejected)]
    assert bad.line == 3 and bad.reason.startswith("invalid JSON")


def test_a_page_with_an_object_before_entries(tmp_path):
    path = tmp_path / "page.json"
    path.write_text(json.dumps({"_links": {"self": {"href": "x"}}, "entries": [
        {"call_id": "a1", "type": "inbound", "start_at": "2026-10-05T08:00:00Z", "wait_time": 3, "talk_time": 9}],
        "total": 1}))
    (call,) = read(path)
    assert (call.source_id, call.wait_s, call.talk_s) == ("a1", 3.0, 9.0)


def test_options(tmp_path):
    path = tmp_path / "calls.csv"
    path.write_text("call_id,type,start_at,wait_time,talk_time,ring_groups\n"
                    "x1,inbound,2026-10-05T08:00:00Z,0.0005,0.01,agents+billing\n")
    (call,) = read(path, duration_unit="days", ring_group="last")
    assert (call.wait_s, call.talk_s, call.queue) == (43.2, 864.0, "billing")
    assert read(path, ring_group="first")[0].queue == "agents"
    for bad in ({"duration_unit": "hours"}, {"ring_group": "middle"}, {"timezone": "Mars/Olympus"}):
        with pytest.raises(SourceError):
            read(path, **bad)


@pytest.mark.parametrize("name, text, start, end", [
    ("five9.csv", 'CALL ID,TIMESTAMP,CAMPAIGN,CALL TYPE,SKILL,QUEUE WAIT TIME,TALK TIME,ABANDONED\n'
                  '300000000001,"Mon, 5 Oct 2026 08:00:00",Inbound,Inbound,Billing,0:00:12,0:03:00,0\n',
     "five9.csv:1: does not look like a Talkdesk calls report: line 1 is 'CALL ID,TIMESTAMP,CAMPAIGN,",
     "and has no start_at/start_time column"),
    ("ctr.jsonl", '{"ContactId": "c-1", "Channel": "VOICE", "InitiationTimestamp": "2026-10-05T08:00:00Z"}\n' * 3,
     "ctr.jsonl:1: does not look like a Talkdesk calls report: line 1 is '{\"ContactId\": \"c-1\"",
     "and none of the first 20 objects has a call_id or interaction_id"),
    ("tickets.json", '[{"id": 1, "status": 2, "source": 1, "created_at": "2026-10-05T08:00:00Z"}]',
     "tickets.json:1: does not look like a Talkdesk calls report: line 1 is '{\"id\": 1, \"status\": 2",
     "and none of the first 20 objects has a call_id or interaction_id"),
    ("empty.csv", "\n\n", "empty.csv: the file is empty (expected a Talkdesk calls report)", ""),
], ids=["five9-csv", "connect-ctr", "freshdesk-tickets", "empty"])
def test_another_platforms_file_is_refused_whole(tmp_path, name, text, start, end):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(SourceError) as err:
        read(path)
    message = str(err.value)
    assert start in message and message.endswith(end)
    assert "\n" not in message


def test_other_values_are_rejected_naming_the_field(tmp_path):
    path = tmp_path / "calls.json"
    rows = [
        {"call_id": "n1", "type": "inbound", "start_at": "2026-10-05T08:00:00Z", "wait_time": "NaN"},
        {"call_id": "n2", "type": "inbound", "start_at": "2026-10-05T08:00:00Z", "talk_time": True},
        {"call_id": "n3", "type": None, "start_at": "2026-10-05T08:00:00Z"},
        {"call_id": "n4", "type": "inbound", "start_at": None},
        {"call_id": None, "type": "inbound", "start_at": "2026-10-05T08:00:00Z"},
        {"call_id": "n6", "type": "inbound", "start_at": 1790000000},
        {"call_id": "n7", "type": "inbound", "start_at": "2026-10-05T08:00:00Z", "hold_time": "1e400"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows))
    assert rejects(path) == [
        (1, "call n1: wait_time 'NaN' is not a finite duration"),
        (2, "call n2: talk_time True is not a duration"),
        (3, "call n3: type is missing"),
        (4, "call n4: start_at is missing"),
        (5, "call_id is missing"),
        (6, "call n6: start_at 1790000000 is not a date-time"),
        (7, "call n7: hold_time '1e400' is not a finite duration"),
    ]


def _peak_reading(path, **options):
    import tracemalloc

    tracemalloc.start()
    try:
        for _ in read_talkdesk(ReadContext(path=path, options=options)):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_memory_stays_flat_in_file_size(tmp_path, monkeypatch, fmt):
    # JSON is read a chunk at a time (1 MiB): smaller chunks here, so both files span many of them.
    monkeypatch.setattr("ccc_governance.readers.jsonstream.CHUNK", 1 << 15)
    # The reader holds one block of calls at a time: eight times the calls, about the same peak.
    def write(n):
        path = tmp_path / f"calls-{n}.{fmt}"
        start = datetime(2026, 10, 1, tzinfo=UTC)
        rows = [{"call_id": f"id{i}", "type": "inbound", "start_at": (start + timedelta(seconds=i)).isoformat(),
                 "wait_time": i % 60, "talk_time": 100, "contact_phone_number": f"+3363998{i:04d}"} for i in range(n)]
        if fmt == "csv":
            path.write_text("call_id,type,start_at,wait_time,talk_time,contact_phone_number\n" + "".join(
                ",".join(str(v) for v in r.values()) + "\n" for r in rows))
        else:
            path.write_text('{"type": "calls", "entries": [\n' + ",\n".join(json.dumps(r) for r in rows) + "\n]}")
        return path

    small, big = _peak_reading(write(BLOCK * 3 // 2)), _peak_reading(write(BLOCK * 12))
    assert big < small * 1.5 + 200_000, (small, big)


@pytest.mark.parametrize("name, first", [("calls-explore.json", 1791187200000),  # 2026-10-05T08:00:00Z
                                         ("calls-report.csv", 1791273598000)])  # 2026-10-06T07:59:58Z
def test_blocks_in_storage_form_and_in_file_order(name, first):
    items = list(read_talkdesk(ReadContext(path=DATA / name)))
    # A rejected call comes after the block of the calls before it: the file's order is kept.
    lines = [r.line for r in flatten(items)]
    assert lines == sorted(lines) and any(isinstance(i, Rejected) for i in items)
    blocks = [i for i in items if isinstance(i, ColumnBlock)]
    assert blocks and all((b.kind, b.fields, b.partial) == ("contact", FIELDS, False) for b in blocks)
    column = {name: [v for b in blocks for v in b.columns[i]] for i, name in enumerate(("source_id", "line", *FIELDS))}
    # Instants are int epoch milliseconds; durations floats, whole seconds in JSON integers too.
    assert {type(v) for v in column["arrived_at"]} == {int}
    assert {type(v) for v in column["ended_at"]} <= {int, type(None)}
    assert {type(v) for n in ("wait_s", "talk_s", "hold_s", "csat") for v in column[n]} == {float, type(None)}
    assert column["arrived_at"][0] == first


def test_a_quarantined_calls_raw_text_leaves_out_free_text(tmp_path):
    csv_path, json_path = tmp_path / "calls.csv", tmp_path / "calls.json"
    csv_path.write_text('call_id,type,start_at,notes,wait_time\nq1,inbound,2026-10-05T08:00:00Z,"Jane Roe, 12 Rue X",-1\n'
                        'q2,inbound,2026-10-05T08:00:00Z,Jane Roe\n')
    json_path.write_text(json.dumps({"entries": [{"call_id": "q3", "type": "?", "start_at": "2026-10-05T08:00:00Z",
                                                  "notes": "Jane Roe", "rating_reason": "Jane"}]}))
    raws = [r.raw for path in (csv_path, json_path) for r in read(path) if isinstance(r, Rejected)]
    assert raws == ["q1,inbound,2026-10-05T08:00:00Z,,-1", "q2,inbound,2026-10-05T08:00:00Z,",
                    '{"call_id": "q3", "type": "?", "start_at": "2026-10-05T08:00:00Z"}']
