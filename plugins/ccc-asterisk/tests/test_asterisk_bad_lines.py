"""Lines the reader must reject one by one (naming the line and what is wrong in it) instead of
failing the whole file."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from ccc_asterisk.reader import read_queue_log
from ccc_governance.blocks import flatten
from ccc_governance.errors import SourceError
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext

T0 = 1790841600  # 2026-10-01T08:00:00Z


def _read(tmp_path, text: str, name: str = "queue_log") -> list:
    """What the reader yields for the file, each block row as the record it stands for."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return flatten(read_queue_log(ReadContext(path=path, options={}, state={})))


def _lines(*rows: str) -> str:
    return "\n".join(rows) + "\n"


def _contacts(records) -> dict[str, Contact]:
    return {r.source_id: r for r in records if isinstance(r, Contact)}


def _rejected(records) -> list[tuple[int, str]]:
    return [(r.line, r.reason) for r in records if isinstance(r, Rejected)]


# -- 1. a time that cannot be a date --------------------------------------------------------------
@pytest.mark.parametrize("when", ["1e20", "-1e12", "253402300800", "-62135596801", "1e308"])
def test_a_time_that_is_not_a_date_is_a_rejected_line(tmp_path, when):
    records = _read(tmp_path, _lines(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
        f"{when}|1.1|q1|NONE|ABANDON|1|1|20",
        f"{T0 + 5}|2.2|q1|NONE|ENTERQUEUE||0639982222|1",
        f"{T0 + 30}|2.2|q1|PJSIP/1001|CONNECT|25|1.2|2",
        f"{T0 + 90}|2.2|q1|PJSIP/1001|COMPLETECALLER|25|60|1",
    ))
    assert _rejected(records) == [
        (2, f"time {when!r} is not epoch seconds (out of the dates: years 1 to 9999)"),
        (1, "call 1.1 not imported: its line(s) 2 are malformed"),
    ]
    # the rest of the file is imported
    assert list(_contacts(records)) == ["2.2"]
    assert _contacts(records)["2.2"].talk_s == 60.0


def test_the_first_and_last_dates_are_times(tmp_path):
    records = _read(tmp_path, _lines(
        "-62135596800|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
        "-62135596790|1.1|q1|NONE|ABANDON|1|1|10",
        "253402300700|2.2|q1|NONE|ENTERQUEUE||0639982222|1",
        "253402300799|2.2|q1|NONE|ABANDON|1|1|99",
    ))
    contacts = _contacts(records)
    assert not _rejected(records)
    assert contacts["1.1"].arrived_at == datetime(1, 1, 1, tzinfo=timezone.utc)
    assert contacts["2.2"].ended_at == datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone.utc)


def test_a_table_date_time_out_of_the_dates_is_a_rejected_line(tmp_path):
    records = _read(tmp_path, _lines(
        "time,callid,queuename,agent,event,data",
        f"{T0},1.1,q1,NONE,ENTERQUEUE,|0639981111|1",
        "1e20,1.1,q1,NONE,ABANDON,1|1|20",
        "0001-01-01T00:00:00+01:00,3.3,q1,NONE,ENTERQUEUE,|0639983333|1",
        f"{T0 + 5},2.2,q1,NONE,ENTERQUEUE,|0639982222|1",
        f"{T0 + 30},2.2,q1,NONE,ABANDON,1|1|25",
    ), name="queue_log.csv")
    assert _rejected(records) == [
        (3, "time '1e20' is not epoch seconds or a date-time (out of the dates: years 1 to 9999)"),
        (4, "time '0001-01-01T00:00:00+01:00' is not epoch seconds or a date-time"),
        (2, "call 1.1 not imported: its line(s) 3 are malformed"),
    ]  # (call 3.3 has no other line: its rejected line is all there is of it)
    assert list(_contacts(records)) == ["2.2"]


# -- 2. a number that is not finite as a time or duration of the data ----------------------------
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "NaN", "Infinity", "1e400"])
@pytest.mark.parametrize(("line", "reason"), [
    ("CONNECT|{v}|1.2|2", "CONNECT: {r} is not a number (data1, the wait, must be finite)"),
    ("COMPLETECALLER|{v}|80|1", "COMPLETECALLER: {r} is not a number (data1, the wait, must be finite)"),
    ("COMPLETEAGENT|20|{v}|1", "COMPLETEAGENT: {r} is not a number (data2, the talk, must be finite)"),
    ("RINGNOANSWER|{v}", "RINGNOANSWER: {r} is not a number (data1, the ring time, must be finite)"),
    ("ABANDON|1|1|{v}", "ABANDON: wait {r} is not a number (data3, the wait, must be finite)"),
    ("EXITWITHKEY|1|2|1|{v}", "EXITWITHKEY: wait {r} is not a number (data4, the wait, must be finite)"),
    ("TRANSFER|300|ctx|{v}|80|1", "TRANSFER: {r} is not a number (data3, the wait, must be finite)"),
    ("BLINDTRANSFER|300|ctx|20|{v}", "BLINDTRANSFER: {r} is not a number (data4, the talk, must be finite)"),
    ("ATTENDEDTRANSFER|LINK|c1|c2|{v}|80|1", "ATTENDEDTRANSFER: {r} is not a number (data4, the wait, must be finite)"),
])
def test_a_number_that_is_not_finite_is_a_rejected_line(tmp_path, value, line, reason):
    records = _read(tmp_path, _lines(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
        f"{T0 + 20}|1.1|q1|PJSIP/1001|" + line.format(v=value),
        f"{T0 + 100}|1.1|q1|PJSIP/1001|COMPLETECALLER|20|80|1",
        f"{T0 + 5}|2.2|q1|NONE|ENTERQUEUE||0639982222|1",
        f"{T0 + 30}|2.2|q1|NONE|ABANDON|1|1|25",
    ))
    assert _rejected(records) == [(2, reason.format(r=repr(value))),
                                  (1, "call 1.1 not imported: its line(s) 2 are malformed")]
    assert list(_contacts(records)) == ["2.2"]


def test_a_lone_connect_with_a_nan_wait_is_rejected(tmp_path):
    """(It crashed the whole file: its arrival, the CONNECT's time less its wait, was NaN.)"""
    records = _read(tmp_path, _lines(f"{T0 + 20}|1.1|q1|PJSIP/1001|CONNECT|nan|1.2|2"))
    assert _rejected(records) == [(1, "CONNECT: 'nan' is not a number (data1, the wait, must be finite)")]


def test_a_transfer_reads_its_finite_times_where_an_older_asterisk_wrote_them(tmp_path):
    """A transfer's times are looked for from the start, then from the end: a non-finite pair at
    the first place is passed over like any pair that is not numbers."""
    records = _read(tmp_path, _lines(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
        f"{T0 + 100}|1.1|q1|PJSIP/1001|ATTENDEDTRANSFER|BRIDGE|20|80|nan",
    ))
    assert not _rejected(records)
    assert (_contacts(records)["1.1"].wait_s, _contacts(records)["1.1"].talk_s) == (20.0, 80.0)


# -- 3. a table export whose callid column goes by another name -----------------------------------
@pytest.mark.parametrize("callid", ["callid", "call_id", "uniqueid", "UniqueId"])
@pytest.mark.parametrize("event", ["event", "verb"])
def test_a_table_export_is_read_whatever_its_callid_column_is_called(tmp_path, callid, event):
    records = _read(tmp_path, _lines(
        f"time,{callid},queuename,agent,{event},data",
        f"{T0},1.1,q1,NONE,ENTERQUEUE,|0639981111|1",
        f"{T0 + 20},1.1,q1,PJSIP/1001,CONNECT,20|1.2|2",
        f"{T0 + 100},1.1,q1,PJSIP/1001,COMPLETECALLER,20|80|1",
    ), name="queue_log.csv")
    assert not _rejected(records)
    contact = _contacts(records)["1.1"]
    assert (contact.outcome, contact.wait_s, contact.talk_s, contact.customer) == ("answered", 20.0, 80.0, "0639981111")


def test_a_table_export_without_a_callid_column_is_still_refused(tmp_path):
    path = tmp_path / "queue_log.csv"
    path.write_text(_lines("time,id,queuename,agent,event,data", f"{T0},1.1,q1,NONE,ENTERQUEUE,|0639981111|1"),
                    encoding="utf-8")
    with pytest.raises(SourceError, match="does not look like an Asterisk queue_log"):
        list(read_queue_log(ReadContext(path=path, options={}, state={})))


# -- 1b. an instant reckoned from a wait or talk that is not a date -------------------------------
@pytest.mark.parametrize(("lines", "reason"), [
    # no ENTERQUEUE (log rotated mid-call): the arrival is the CONNECT's time less the wait
    ([f"{T0 + 20}|1.1|q1|PJSIP/1001|CONNECT|1e11|1.2|2"],
     "call 1.1 not imported: its wait 1e+11 s put its arrival out of the dates: years 1 to 9999"),
    # no ENTERQUEUE nor CONNECT: the end's time less the wait and the talk
    ([f"{T0 + 20}|1.1|q1|PJSIP/1001|COMPLETEAGENT|1e308|1e308|1"],
     "call 1.1 not imported: its wait 1e+308 s and talk 1e+308 s put its arrival out of the dates: years 1 to 9999"),
    # no CONNECT: answered at the arrival plus the wait
    ([f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1", f"{T0 + 100}|1.1|q1|PJSIP/1001|COMPLETECALLER|1e300|80|1"],
     "call 1.1 not imported: its wait 1e+300 s put its answer out of the dates: years 1 to 9999"),
])
def test_an_instant_reckoned_out_of_the_dates_rejects_the_call(tmp_path, lines, reason):
    """(A finite but huge wait made a `datetime` fail: the whole file failed.)"""
    records = _read(tmp_path, _lines(
        *lines,
        f"{T0 + 5}|2.2|q1|NONE|ENTERQUEUE||0639982222|1",
        f"{T0 + 30}|2.2|q1|NONE|ABANDON|1|1|25",
    ))
    assert _rejected(records) == [(1, reason)]
    assert list(_contacts(records)) == ["2.2"]


def test_a_requeued_visit_reckoned_out_of_the_dates_is_rejected_alone(tmp_path):
    records = _read(tmp_path, _lines(
        f"{T0}|1.1|q1|NONE|ENTERQUEUE||0639981111|1",
        f"{T0 + 30}|1.1|q1|NONE|EXITWITHTIMEOUT|1|1|30",
        f"{T0 + 31}|1.1|q2|NONE|ENTERQUEUE||0639981111|1",
        f"{T0 + 100}|1.1|q2|PJSIP/1001|COMPLETECALLER|1e300|80|1",
    ))
    assert _rejected(records) == [
        (3, f"call 1.1#{(T0 + 31) * 1000} not imported: its wait 1e+300 s put its answer out of the dates: years 1 to 9999")]
    assert _contacts(records)["1.1"].outcome == "timeout"
