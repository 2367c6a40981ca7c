"""Hand-made queue_log files covering every event and edge case the reader handles."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from ccc_asterisk import SOURCE
from ccc_asterisk.reader import read_queue_log
from ccc_governance.blocks import ColumnBlock, flatten
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext

T0 = 1790841600  # 2026-10-01T08:00:00Z


def _utc(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def _read(tmp_path, text: str, name: str = "queue_log", state=None, **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    context = ReadContext(path=path, options=options, state=state if state is not None else {})
    records = flatten(read_queue_log(context))
    contacts = {r.source_id: r for r in records if isinstance(r, Contact)}
    rejected = [r for r in records if isinstance(r, Rejected)]
    return contacts, rejected, context


def _lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def test_source_registration():
    registered = []
    import ccc_asterisk

    ccc_asterisk.register_sources(registered.append)
    assert registered == [SOURCE]
    assert SOURCE.name == "asterisk-queue-log" and SOURCE.kinds == ("contact",)


def test_answered_call_complete_agent_and_caller(tmp_path):
    text = _lines(
        f"{T0 - 100}|NONE|NONE|NONE|QUEUESTART|",
        f"{T0 - 90}|MANAGER|q1|PJSIP/1001|ADDMEMBER|",
        f"{T0}|100.1|q1|NONE|ENTERQUEUE||0639981111|1",
        f"{T0 + 3}|100.1|q1|PJSIP/1001|RINGNOANSWER|15000",
        f"{T0 + 20}|100.1|q1|PJSIP/1002|CONNECT|20|100.5|2",
        f"{T0 + 200}|100.1|q1|PJSIP/1002|COMPLETEAGENT|20|180|1",
        f"{T0 + 10}|100.2|q1|NONE|ENTERQUEUE||0639982222|1",
        f"{T0 + 15}|100.2|q1|PJSIP/1001|CONNECT|5|100.6|5",
        f"{T0 + 75}|100.2|q1|PJSIP/1001|COMPLETECALLER|5|60|1",
        f"{T0 + 80}|NONE|q1|PJSIP/1001|PAUSE|lunch",
    )
    contacts, rejected, context = _read(tmp_path, text)
    assert rejected == []
    a = contacts["100.1"]
    assert a.outcome == "answered"
    assert a.arrived_at == _utc(T0)
    assert a.answered_at == _utc(T0 + 20)
    assert a.ended_at == _utc(T0 + 200)
    assert (a.wait_s, a.talk_s, a.hold_s, a.wrap_s) == (20.0, 180.0, 0.0, 0.0)
    assert a.agent == "PJSIP/1002" and a.transferred is False
    assert a.customer == "0639981111" and a.queue == "q1" and a.channel == "voice"
    assert a.version == _utc(T0 + 200) and a.line == 3
    b = contacts["100.2"]
    assert (b.outcome, b.wait_s, b.talk_s) == ("answered", 5.0, 60.0)
    assert context.state["open_calls"] == {}


def test_ring_time_is_milliseconds_not_wait(tmp_path):
    # RINGNOANSWER 15000 is 15 s of ringing; the wait still comes from CONNECT's holdtime.
    text = _lines(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 15}|1.1|q1|PJSIP/1001|RINGNOANSWER|15000",
        f"{T0 + 18}|1.1|q1|PJSIP/1002|RINGCANCELED|2500",
        f"{T0 + 30}|1.1|q1|PJSIP/1003|CONNECT|30|1.9|4",
        f"{T0 + 90}|1.1|q1|PJSIP/1003|COMPLETECALLER|30|60|1",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == [] and contacts["1.1"].wait_s == 30.0


def test_transfer_variants_are_answered_and_transferred(tmp_path):
    text = _lines(
        f"{T0}|2.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 4}|2.1|q1|PJSIP/1001|CONNECT|4|2.9|4",
        f"{T0 + 60}|2.1|q1|PJSIP/1001|TRANSFER|2347|from-internal|4|56|1",
        f"{T0}|2.2|q1|NONE|ENTERQUEUE||556|2",
        f"{T0 + 7}|2.2|q1|PJSIP/1002|CONNECT|7|2.8|4",
        f"{T0 + 90}|2.2|q1|PJSIP/1002|BLINDTRANSFER|2142|from-internal|7|83|1",
        f"{T0}|2.3|q1|NONE|ENTERQUEUE||557|3",
        f"{T0 + 9}|2.3|q1|PJSIP/1003|CONNECT|9|2.7|4",
        f"{T0 + 100}|2.3|q1|PJSIP/1003|ATTENDEDTRANSFER|BRIDGE|a35fd6c0-99a8|9|91|1",
        # Asterisk's LINK form names two channels: wait and talk are still the 3rd and 2nd from the end.
        f"{T0}|2.4|q1|NONE|ENTERQUEUE||558|4",
        f"{T0 + 11}|2.4|q1|PJSIP/1004|CONNECT|11|2.6|4",
        f"{T0 + 111}|2.4|q1|PJSIP/1004|ATTENDEDTRANSFER|LINK|PJSIP/1004-01|PJSIP/2000-02|11|100|1",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == []
    got = {k: (c.outcome, c.transferred, c.wait_s, c.talk_s) for k, c in contacts.items()}
    assert got == {
        "2.1": ("answered", True, 4.0, 56.0),
        "2.2": ("answered", True, 7.0, 83.0),
        "2.3": ("answered", True, 9.0, 91.0),
        "2.4": ("answered", True, 11.0, 100.0),
    }


def test_unanswered_outcomes(tmp_path):
    text = _lines(
        f"{T0}|3.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 64}|3.1|q1|NONE|ABANDON|1|1|64",
        f"{T0}|3.2|q1|NONE|ENTERQUEUE||556|2",
        f"{T0 + 300}|3.2|q1|NONE|EXITWITHTIMEOUT|1|2|300",
        f"{T0}|3.3|q1|NONE|ENTERQUEUE||557|3",
        f"{T0 + 45}|3.3|q1|NONE|EXITWITHKEY|1|2|3|45",
        f"{T0}|3.4|q1|NONE|ENTERQUEUE||558|4",
        f"{T0 + 12}|3.4|q1|NONE|EXITEMPTY|1|4|12",
        # Older Asterisk writes EXITWITHTIMEOUT with the position only: the wait comes from the times.
        f"{T0}|3.5|q1|NONE|ENTERQUEUE||559|5",
        f"{T0 + 33}|3.5|q1|NONE|EXITWITHTIMEOUT|1",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == []
    got = {k: (c.outcome, c.wait_s, c.talk_s, c.hold_s, c.agent) for k, c in contacts.items()}
    assert got == {
        "3.1": ("abandoned", 64.0, None, None, None),
        "3.2": ("timeout", 300.0, None, None, None),
        "3.3": ("exit_key", 45.0, None, None, None),
        "3.4": ("timeout", 12.0, None, None, None),
        "3.5": ("timeout", 33.0, None, None, None),
    }
    assert contacts["3.1"].ended_at == _utc(T0 + 64) and contacts["3.1"].answered_at is None


def test_unknown_events_are_ignored(tmp_path):
    text = _lines(
        f"{T0 - 1}|4.1|q1|NONE|DID|+33100000000",
        f"{T0}|4.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 1}|4.1|q1|NONE|SOMETHINGNEW|a|b",
        f"{T0 + 5}|4.1|q1|PJSIP/1001|CONNECT|5|4.9|3",
        f"{T0 + 6}|4.1|q1|PJSIP/1001|INFO|x",
        f"{T0 + 50}|4.1|q1|PJSIP/1001|COMPLETEAGENT|5|45|1",
        f"{T0 + 60}|NONE|NONE|NONE|CONFIGRELOAD|",
        f"{T0 + 61}|NONE|q1|PJSIP/1001|UNPAUSE|",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == [] and list(contacts) == ["4.1"]
    assert (contacts["4.1"].outcome, contacts["4.1"].talk_s) == ("answered", 45.0)


def test_interleaved_calls_and_small_disorder(tmp_path):
    # Call 5.2's CONNECT is written one second before its ENTERQUEUE; both calls interleave.
    text = _lines(
        f"{T0}|5.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 9}|5.2|q1|PJSIP/1002|CONNECT|3|5.8|2",
        f"{T0 + 10}|5.2|q1|NONE|ENTERQUEUE||556|2",
        f"{T0 + 12}|5.1|q1|PJSIP/1001|CONNECT|12|5.9|2",
        f"{T0 + 40}|5.2|q1|PJSIP/1002|COMPLETECALLER|3|31|1",
        f"{T0 + 70}|5.1|q1|PJSIP/1001|COMPLETEAGENT|12|58|1",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == []
    assert contacts["5.1"].arrived_at == _utc(T0) and contacts["5.1"].talk_s == 58.0
    assert contacts["5.2"].arrived_at == _utc(T0 + 10) and contacts["5.2"].wait_s == 3.0


def test_memory_holds_only_open_calls(tmp_path):
    # 2,000 finished calls, spaced out in time: the reader must emit them as it goes, not at the end.
    rows = []
    for i in range(2000):
        t = T0 + i * 300
        rows += [f"{t}|9.{i}|q1|NONE|ENTERQUEUE||555|1", f"{t + 5}|9.{i}|q1|NONE|ABANDON|1|1|5"]
    path = tmp_path / "queue_log"
    path.write_text(_lines(*rows), encoding="utf-8")
    reader = read_queue_log(ReadContext(path=path))
    first = next(reader)
    # a block of the first calls, yielded long before the end of the file
    assert isinstance(first, ColumnBlock) and first.columns[0][:2] == ["9.0", "9.1"] and len(first) < 2000
    assert len(first) + sum(len(block) for block in reader) == 2000


def test_open_call_completed_by_next_file(tmp_path):
    first = _lines(
        f"{T0}|6.1|q1|NONE|ENTERQUEUE||0639983333|1",
        f"{T0 + 15}|6.1|q1|PJSIP/1001|RINGNOANSWER|15000",
        f"{T0 + 2}|6.2|q1|NONE|ENTERQUEUE||555|2",
        f"{T0 + 10}|6.2|q1|NONE|ABANDON|1|2|8",
    )
    contacts, rejected, context = _read(tmp_path, first, "queue_log.1")
    assert rejected == []
    opened = contacts["6.1"]
    assert opened.outcome == "open" and opened.wait_s is None and opened.version == _utc(T0 + 15)
    assert opened.arrived_at == _utc(T0) and opened.ended_at is None
    state = json.loads(json.dumps(context.state))  # the host stores it as JSON between imports
    assert list(state["open_calls"]) == ["6.1"]

    second = _lines(
        f"{T0 + 20}|6.1|q1|PJSIP/1002|CONNECT|20|6.5|5",
        f"{T0 + 140}|6.1|q1|PJSIP/1002|COMPLETECALLER|20|120|1",
    )
    contacts, rejected, context = _read(tmp_path, second, "queue_log", state=state)
    assert rejected == [] and list(contacts) == ["6.1"]
    done = contacts["6.1"]
    assert done.outcome == "answered" and done.arrived_at == _utc(T0)
    assert (done.wait_s, done.talk_s) == (20.0, 120.0)
    assert opened.customer == "0639983333"
    assert "0639983333" not in json.dumps(state)  # the state is kept in clear: no caller id in it
    assert done.customer is None
    assert done.version > opened.version  # so the host replaces the open record
    assert done.line == 1
    assert context.state["open_calls"] == {}


def test_stale_open_call_is_dropped_from_state(tmp_path):
    state = {"open_calls": {"7.1": [[T0, "q1", "NONE", "ENTERQUEUE", ["", "555", "1"]]]}}
    later = T0 + 3 * 86400
    text = _lines(f"{later}|7.2|q1|NONE|ENTERQUEUE||556|1", f"{later + 4}|7.2|q1|NONE|ABANDON|1|1|4")
    contacts, _, context = _read(tmp_path, text, state=state)
    assert list(contacts) == ["7.2"] and context.state["open_calls"] == {}


def test_malformed_lines_quarantine_their_call(tmp_path):
    text = _lines(
        f"{T0}|8.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 5}|8.1|q1|PJSIP/1001|CONNECT|abc|8.9|2",  # bad number
        f"{T0 + 60}|8.1|q1|PJSIP/1001|COMPLETEAGENT|5|55|1",
        "2026-10-01 10:00:00|8.2|q1|NONE|ENTERQUEUE||556|1",  # date-time instead of epoch
        "2026-10-01 10:00:30|8.2|q1|NONE|ABANDON|1|1|30",
        f"{T0 + 70}|8.3|q1",  # truncated
        f"{T0 + 80}|8.4|q1|NONE|ENTERQUEUE||557|1",
        f"{T0 + 90}|8.4|q1|NONE|ABANDON|1|1|10",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert list(contacts) == ["8.4"]
    assert [(r.line, r.source_id) for r in rejected[:1]] == [(2, "8.1")]
    by_line = {r.line: r for r in rejected}
    assert "not a number" in by_line[2].reason
    assert "not epoch seconds" in by_line[4].reason and "not epoch seconds" in by_line[5].reason
    assert "3 field(s)" in by_line[6].reason
    # Call 8.1 had good lines too: the call itself is quarantined once, citing its bad line.
    call_reject = [r for r in rejected if r.line == 1]
    assert len(call_reject) == 1 and call_reject[0].source_id == "8.1" and "2" in call_reject[0].reason
    assert len(rejected) == 5


def test_requeued_call_gives_one_contact_per_queue_visit(tmp_path):
    text = _lines(
        f"{T0}|10.1|q1|NONE|ENTERQUEUE||555|1",
        f"{T0 + 300}|10.1|q1|NONE|EXITWITHTIMEOUT|1|1|300",
        f"{T0 + 301}|10.1|overflow|NONE|ENTERQUEUE||555|1",
        f"{T0 + 311}|10.1|overflow|PJSIP/2001|CONNECT|10|10.9|3",
        f"{T0 + 400}|10.1|overflow|PJSIP/2001|COMPLETEAGENT|10|89|1",
    )
    contacts, rejected, _ = _read(tmp_path, text)
    assert rejected == []
    first, second = contacts["10.1"], contacts[f"10.1#{(T0 + 301) * 1000}"]
    assert (first.queue, first.outcome, first.wait_s) == ("q1", "timeout", 300.0)
    assert (second.queue, second.outcome, second.wait_s, second.talk_s) == ("overflow", "answered", 10.0, 89.0)


def test_database_table_csv_with_epoch_and_datetime(tmp_path):
    text = (
        "time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"
        f"{T0},11.1,q1,NONE,ENTERQUEUE,,0639984444,1,,\n"
        f"{T0 + 6},11.1,q1,PJSIP/1001,CONNECT,6,11.9,2,,\n"
        f"{T0 + 66},11.1,q1,PJSIP/1001,ATTENDEDTRANSFER,LINK,PJSIP/1001-01,PJSIP/2000-02,6,60|1\n"
    )
    contacts, rejected, _ = _read(tmp_path, text, "queue_log.csv")
    assert rejected == []
    c = contacts["11.1"]
    assert (c.outcome, c.wait_s, c.talk_s, c.transferred, c.customer) == ("answered", 6.0, 60.0, True, "0639984444")

    # MySQL DATETIME columns hold the server's local time; `timezone` says which one.
    text = (
        "id,time,callid,queuename,agent,event,data1,data2,data3,data4,data5\n"
        "1,2026-10-01 10:00:00,12.1,q1,NONE,ENTERQUEUE,,555,1,,\n"
        "2,2026-10-01 10:00:07,12.1,q1,NONE,ABANDON,1,1,7,,\n"
        "3,not-a-time,12.2,q1,NONE,ENTERQUEUE,,556,1,,\n"
        "4,2026-10-01 10:01:00,12.3\n"
    )
    contacts, rejected, _ = _read(tmp_path, text, "ql.csv", timezone="Europe/Paris")
    assert contacts["12.1"].arrived_at == _utc(T0) and contacts["12.1"].wait_s == 7.0
    assert [(r.line, r.source_id) for r in rejected] == [(4, "12.2"), (5, "12.3")]
    assert "not epoch seconds or a date-time" in rejected[0].reason


def test_empty_file_reads_nothing(tmp_path):
    contacts, rejected, context = _read(tmp_path, "")
    assert contacts == {} and rejected == []
