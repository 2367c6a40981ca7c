"""The five9 reader on call logs written from the standard report's column list (tests/data/).

Expected values were worked out by hand from the files: arrival = TIMESTAMP + IVR TIME, wait =
QUEUE WAIT TIME + RING TIME, answer = arrival + wait, end = TIMESTAMP + CALL TIME; the report's
times are local to `--option timezone` (America/New_York is UTC-4 in October 2026). The reader
yields `ColumnBlock`s; `flatten` turns them into the contacts they stand for.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo
from pathlib import Path

import pytest

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import FieldError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.testing import flatten
from ccc_five9.reader import FIELDS, parse_duration, parse_timestamp, read_call_log

DATA = Path(__file__).parent / "data"
NEW_YORK = {"timezone": "America/New_York"}


def read(path: Path, **options) -> list:
    return flatten(read_call_log(ReadContext(path=path, options=options)))


def contacts(records) -> list[Contact]:
    return [r for r in records if isinstance(r, Contact)]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_answered_inbound_call_every_field():
    first = contacts(read(DATA / "call-log.csv", **NEW_YORK))[0]
    assert first == Contact(
        source_id="300001",
        arrived_at=at("2026-10-05T13:00:15+00:00"),  # 09:00:00 EDT + IVR 15 s
        outcome="answered", channel="voice", direction="inbound", queue="Billing EN", queue_name="Billing EN",
        answered_at=at("2026-10-05T13:00:45+00:00"),  # + queue 25 s + ring 5 s
        ended_at=at("2026-10-05T13:05:40+00:00"),  # TIMESTAMP + CALL TIME 00:05:40
        wait_s=30.0, talk_s=270.0, hold_s=20.0, wrap_s=60.0, agent="ana@acme-ccc.com", transferred=False,
        customer="6175550101", line=2,
    )


def test_outcomes_directions_and_skipped_calls():
    by_line = {c.line: c for c in contacts(read(DATA / "call-log.csv", **NEW_YORK))}
    summary = {line: (c.source_id, c.outcome, c.direction, c.wait_s, c.queue) for line, c in by_line.items()}
    assert summary == {
        2: ("300001", "answered", "inbound", 30.0, "Billing EN"),
        3: ("300002", "abandoned", "inbound", 60.0, "Billing EN"),
        4: ("300003", "abandoned", "inbound", 4.0, "Billing EN"),  # a short abandon: the contract's S decides
        5: ("300004", "not_queued", "inbound", None, "Billing EN"),  # abandoned in the IVR (queue 0 s, IVR 25 s)
        6: ("300005", "timeout", "inbound", 180.0, "Billing EN"),  # left the queue for voicemail
        7: ("300006", "callback", "inbound", 120.0, "Billing EN"),
        8: ("300007", "answered", "outbound", 0.0, "Renewals Outbound"),  # Manual; no SKILL: the campaign
        9: ("300008", "not_queued", "outbound", None, "Renewals Outbound"),  # Autodial, No Answer
        # line 10: CALL TYPE Agent (agent to agent) is skipped
        11: ("300010", "answered", "inbound", 40.0, "Billing Inbound"),
        12: ("300011", "answered", "inbound", 8.0, "Billing EN"),
        13: ("300001", "answered", "inbound", 30.0, "Billing EN"),  # re-delivered: the host keeps the later row
        17: ("300015", "answered", "inbound", 5.0, "Billing EN"),
    }
    abandoned = by_line[3]
    assert abandoned.arrived_at == at("2026-10-05T13:01:10+00:00")
    assert abandoned.ended_at == at("2026-10-05T13:02:10+00:00")
    assert (abandoned.answered_at, abandoned.talk_s, abandoned.agent, abandoned.transferred) == (None, None, None, None)
    outbound = by_line[8]
    assert (outbound.customer, outbound.agent, outbound.talk_s, outbound.wrap_s) == (
        "6175550107", "bob@acme-ccc.com", 120.0, 45.0)  # outbound: the customer is the DNIS
    assert by_line[12].transferred is True and by_line[12].talk_s == 102.0
    assert by_line[13].wrap_s == 90.0
    # An explicit offset wins over the option.
    assert by_line[17].arrived_at == at("2026-10-05T13:00:00+00:00")


def test_nulls_stay_unknown():
    nulls = next(c for c in contacts(read(DATA / "call-log.csv", **NEW_YORK)) if c.source_id == "300010")
    # RING TIME, HOLD TIME and TRANSFERS empty: unknown, never zero.
    assert (nulls.hold_s, nulls.transferred, nulls.wait_s) == (None, None, 40.0)


def test_rejected_rows_name_line_and_column():
    rejected = [(r.line, r.reason, r.source_id) for r in read(DATA / "call-log.csv", **NEW_YORK)
                if isinstance(r, Rejected)]
    assert rejected == [
        (14, "TALK TIME '00:0x:12': is not a duration (expected HH:MM:SS)", "300012"),
        (15, "CALL TYPE 'Fax' is not a Five9 call type this reader knows (Inbound, Outbound, Manual, Preview, "
             "Autodial, Queue Callback; skipped: Agent, Internal, 3rd party)", "300013"),
        (16, "TIMESTAMP 'Sun, 08 Mar 2026 02:30:00': does not exist in America/New_York (the clocks went forward)",
         "300014"),
        (18, "has 2 fields, the header has 26", None),  # the last line, cut short
    ]


def test_without_the_report_time_zone_the_file_is_refused():
    with pytest.raises(SourceError) as err:
        read(DATA / "call-log.csv")
    assert str(err.value).endswith("call-log.csv:2: TIMESTAMP 'Mon, 05 Oct 2026 09:00:00' has no time zone: Five9 "
                                   "writes the report's local time; pass --option timezone=<the report's time zone, "
                                   "e.g. America/Los_Angeles>")


def test_custom_report_semicolons_date_and_time_columns_and_a_repeated_hour():
    first, abandoned, long_call = read(DATA / "call-log-custom.csv", timezone="Europe/Paris")
    # 2026-10-25 02:30 happens twice in Paris: the first (CEST, UTC+2) is taken.
    assert first.arrived_at == at("2026-10-25T00:30:05+00:00")
    assert (first.wait_s, first.talk_s, first.hold_s, first.wrap_s) == (15.0, 150.0, 15.0, 40.0)
    assert first.queue == "Support FR"
    assert abandoned.arrived_at == at("2026-10-25T02:10:05+00:00")  # 03:10 CET after the change
    assert (abandoned.outcome, abandoned.wait_s, abandoned.direction) == ("abandoned", 45.0, "inbound")
    assert (long_call.line, long_call.talk_s, long_call.ended_at) == (5, 3600.0, at("2026-10-26T09:02:03+00:00"))


def test_system_disposition_abandon_and_a_deleted_agent(tmp_path):
    path = tmp_path / "call-log.csv"
    path.write_text(
        "CALL ID,TIMESTAMP,CAMPAIGN,CALL TYPE,AGENT,DISPOSITION,ANI,QUEUE WAIT TIME,TALK TIME,ABANDONED\n"
        '1,"Mon, 05 Oct 2026 09:00:00",[Deleted],Inbound,[None],Abandon,6175550101,00:00:30,00:00:00,\n'
        '2,"Mon, 05 Oct 2026 09:01:00",[Deleted],Inbound,[Deleted],Resolved,6175550102,00:00:10,00:02:00,0\n',
        encoding="utf-8")
    abandoned, answered = read(path, **NEW_YORK)
    # ABANDONED empty: Five9's system disposition "Abandon" says it.
    assert (abandoned.outcome, abandoned.wait_s, abandoned.queue) == ("abandoned", 30.0, "[Deleted]")
    # An agent deleted since still took the call.
    assert (answered.outcome, answered.agent, answered.talk_s) == ("answered", "[Deleted]", 120.0)


def test_queue_option_chooses_the_campaign():
    first = contacts(read(DATA / "call-log.csv", queue="campaign", **NEW_YORK))[0]
    assert first.queue == "Billing Inbound"
    with pytest.raises(SourceError, match="option queue='team' must be skill or campaign"):
        read(DATA / "call-log.csv", queue="team", **NEW_YORK)


@pytest.mark.parametrize("name, text, shown", [
    ("cxone.jsonl", '{"contactId": 1, "contactStart": "2026-10-05T08:00:00Z", "skillName": "Billing"}\n',
     "line 1 is '{\"contactId\": 1, \"contactStart\": \"2026-10-05T08:00:00Z\", ...'"),
    ("talkdesk.csv",
     "Interaction ID,Call ID,Start Time,Ring Groups,Wait Time\nabc,def,2026-10-05 08:00:00,Billing,12\n",
     "line 1 is 'Interaction ID,Call ID,Start Time,Ring Groups,Wait Time'"),
    ("queue_log", "1790794783|NONE|NONE|NONE|QUEUESTART|\n", "line 1 is '1790794783|NONE|NONE|NONE|QUEUESTART|'"),
])
def test_another_platform_is_refused_whole(tmp_path, name, text, shown):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SourceError) as err:
        read(path, **NEW_YORK)
    message = str(err.value)
    assert f"does not look like a Five9 call log: {shown} (expected the columns CALL ID, TIMESTAMP and CAMPAIGN" \
           " or SKILL of Five9's Call Log report)" in message
    assert "\n" not in message


def test_a_header_alone_reads_nothing(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text((DATA / "call-log.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    assert read(path, **NEW_YORK) == []


@pytest.mark.parametrize("text, seconds", [("00:04:30", 270.0), ("0:00:12", 12.0), ("25:00:01", 90001.0),
                                           ("01:30", 90.0), ("42", 42.0), ("00:00:01.5", 1.5)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["00:0x:12", "1:2:3:4", "-00:00:05", "00:61:00", "00:00:60", "nan", "inf"])
def test_bad_durations(text):
    with pytest.raises(FieldError):
        parse_duration(text)


@pytest.mark.parametrize("text, expected", [
    ("Thu, 27 Oct 2016 14:51:34", datetime(2016, 10, 27, 14, 51, 34)),
    ("27 Oct 2016 14:51", datetime(2016, 10, 27, 14, 51)),
    ("2016-10-27 14:51:34", datetime(2016, 10, 27, 14, 51, 34)),
    ("2016/10/27 14:51:34", datetime(2016, 10, 27, 14, 51, 34)),
    ("Thu, 27 Oct 2016 14:51:34 +0200", datetime(2016, 10, 27, 12, 51, 34, tzinfo=timezone.utc)),
])
def test_timestamps(text, expected):
    assert parse_timestamp(text) == expected


@pytest.mark.parametrize("text", ["Thu, 31 Feb 2016 14:51:34", "Thu, 27 Okt 2016 14:51:34", "27/10/2016 14:51"])
def test_bad_timestamps(text):
    with pytest.raises(FieldError):
        parse_timestamp(text)


def test_a_large_call_log_is_read_in_bounded_memory(tmp_path):
    import tracemalloc

    header, first = (DATA / "call-log.csv").read_text(encoding="utf-8").splitlines()[:2]

    def peak(n: int) -> int:
        path = tmp_path / f"big-{n}.csv"
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(header + "\n")
            for i in range(n):
                fh.write(first.replace("300001", str(500000 + i), 1) + "\n")
        tracemalloc.start()
        try:
            count = sum(len(b) for b in read_call_log(ReadContext(path=path, options=NEW_YORK))
                        if isinstance(b, ColumnBlock))
            used = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert count == n
        return used

    # Holding the rows would take memory in proportion to them; the reader holds one block of calls.
    small, big = peak(2500), peak(15000)
    assert big < small * 1.3, (small, big)


def test_blocks_in_storage_form_and_in_file_order():
    items = list(read_call_log(ReadContext(path=DATA / "call-log.csv", options=NEW_YORK)))
    # Each rejected row comes after the block of the calls before it: the file's order is kept.
    assert ["block" if isinstance(i, ColumnBlock) else i.line for i in items] == ["block", 14, 15, 16, "block", 18]
    lines = [r.line for r in flatten(items)]
    assert lines == sorted(lines)
    block = items[0]
    assert (block.kind, block.fields, block.partial, len(block)) == ("contact", FIELDS, False, 11)
    # Instants are int epoch milliseconds, durations floats (None when unknown).
    column = dict(zip(("source_id", "line", *FIELDS), block.columns))
    assert column["arrived_at"][0] == 1791205215000  # 2026-10-05T13:00:15Z: 09:00:00 EDT + IVR 15 s
    assert {type(v) for name in ("arrived_at", "answered_at", "ended_at") for v in column[name]} == {int, type(None)}
    assert {type(v) for name in ("wait_s", "talk_s", "hold_s", "wrap_s") for v in column[name]} == {float, type(None)}


def test_times_of_each_hour_are_read_as_in_full(tmp_path):
    # The reader works out each local hour once; every second of a day with a clock change must
    # give the instant the full parser gives (a time the clocks skipped is refused, a repeated one
    # is its first occurrence).
    from ccc_five9.reader import localise

    zone = ZoneInfo("America/New_York")
    path = tmp_path / "day.csv"
    start = datetime(2026, 11, 1, 0, 0, 0)
    times = [start + timedelta(seconds=s) for s in range(0, 4 * 3600, 37)]
    spring = [datetime(2026, 3, 8, 1, 59, 59), datetime(2026, 3, 8, 2, 0, 0), datetime(2026, 3, 8, 3, 0, 0)]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("CALL ID,TIMESTAMP,CAMPAIGN,CALL TYPE,AGENT\n")
        for i, t in enumerate(times + spring):
            fh.write(f'{i},"{t.strftime("%a, %d %b %Y %H:%M:%S")}",Billing,Inbound,ana\n')
    items = read(path, **NEW_YORK)
    got = {int(c.source_id): c.arrived_at for c in items if isinstance(c, Contact)}
    for i, t in enumerate(times + spring):
        if t == spring[1]:
            (bad,) = [r for r in items if isinstance(r, Rejected)]
            assert (bad.source_id, bad.reason) == (str(i), f"TIMESTAMP '{t:%a, %d %b %Y %H:%M:%S}': does not exist "
                                                           "in America/New_York (the clocks went forward)")
            continue
        assert got[i] == localise(t, zone, "t"), t
