"""FROZEN COPY of ccc_asterisk/reader.py before it was made faster (commit 751e60b), the oracle of
test_asterisk_oracle.py: the rewritten reader must give the same records, rows, reasons, saved state
and refusals. Not used by the plugin; do not edit (when a mapping rule changes on purpose, drop this
file and its test).

Read an Asterisk `queue_log` (pipe-separated file or database-table CSV) into normalised contacts.

A call is the group of lines that share a callid. Lines of different calls interleave, so only
calls still *open* are held in memory; a call is emitted shortly after its last event (see
`CLOSE_SLACK_S`, which makes the reader tolerant of lines slightly out of time order). Calls still
open at the end of the file are emitted with outcome `open` and kept in `context.state`, so that
the import of the next file (which holds the rest of their lines) completes them.
"""

from __future__ import annotations

import csv
import heapq
import io
import math
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccc_governance.errors import SourceError
from ccc_governance.readers import blocks_of
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import RowBlock, separate_process

#: A call is emitted once the file has moved this many seconds past its terminal event, so a
#: line written a little out of order still joins its call.
CLOSE_SLACK_S = 120.0
#: A call left open longer than this (by the file's own clock) is forgotten by `context.state`:
#: its `open` record stays stored, but a later file no longer completes it.
STATE_MAX_AGE_S = 24 * 3600.0
#: Lines that are about the queue or its members, not about a call.
NON_CALL_IDS = frozenset({"NONE", "MANAGER", "REALTIME", ""})
#: Events that end a queue visit, and the outcome each one gives.
TERMINAL = {
    "COMPLETEAGENT": "answered",
    "COMPLETECALLER": "answered",
    "TRANSFER": "answered",
    "BLINDTRANSFER": "answered",
    "ATTENDEDTRANSFER": "answered",
    "ABANDON": "abandoned",
    "EXITWITHTIMEOUT": "timeout",
    "EXITWITHKEY": "exit_key",
    # The queue had no (available) member left: like a time-out, the queue itself ended the wait.
    "EXITEMPTY": "timeout",
    # The member hung up during the announcement (AGENTDUMP), or the two channels could not be
    # bridged (SYSCOMPAT): app_queue drops the caller and counts the call as abandoned
    # (`record_abandoned`); Asterisk ≥ 1.4 usually writes an ABANDON line right after, which wins.
    "AGENTDUMP": "abandoned",
    "SYSCOMPAT": "abandoned",
}
TRANSFERS = frozenset({"TRANSFER", "BLINDTRANSFER", "ATTENDEDTRANSFER"})
#: Every call event the reader interprets; any other event of a call is ignored (never fatal).
CALL_EVENTS = frozenset(TERMINAL) | {"ENTERQUEUE", "CONNECT", "RINGNOANSWER", "RINGCANCELED"}
#: The columns of a database-table export, in queue_log order, and the other names they go by
#: (QueueMetrics' table: `time_id`, `call_id`, `queue`, `verb`).
_CSV_COLUMNS = ("time", "callid", "queuename", "agent", "event")
_CSV_ALIASES = {
    "time": ("time", "time_id", "timestamp", "datetime"),
    "callid": ("callid", "call_id", "uniqueid"),
    "queuename": ("queuename", "queue", "queue_name"),
    "agent": ("agent", "membername", "member"),
    "event": ("event", "verb"),
}
#: How SQL clients write NULL in a text export (mysql -B / SELECT … INTO OUTFILE / Workbench).
_NULLS = frozenset({"\\N", "NULL"})
#: How many non-blank lines are looked at before a file is refused as not a queue_log.
SNIFF_LINES = 20
STATE_KEY = "open_calls"
_RAW_MAX = 300


class _Call:
    """The lines of one callid seen so far (events as `(time, line_no, queue, agent, event, data)`)."""

    __slots__ = ("callid", "events", "bad_lines", "first_line", "closed_at")

    def __init__(self, callid: str):
        self.callid = callid
        self.events: list[tuple] = []
        self.bad_lines: list[int] = []
        self.first_line: int | None = None
        self.closed_at: float | None = None


def read_queue_log(context: ReadContext) -> Iterator[Contact | Rejected]:
    """Yield one `Contact` per queue visit of each call in the file, and `Rejected` malformed lines.

    Options (`context.options`): `timezone` — the zone of date-time strings in a database-table
    export that carry no offset (default `UTC`; MySQL `DATETIME` columns hold the server's local
    time).
    """
    for item in _read(context):
        yield Contact(**item) if type(item) is dict else item


#: The contact fields of a fast-path row, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "customer", "version")


@separate_process
def read_queue_log_blocks(context: ReadContext) -> Iterator[Contact | Rejected | RowBlock]:
    """The source's reader: `read_queue_log` on the host's fast path (contacts in `RowBlock`s)."""
    return blocks_of(_read(context), "contact", FIELDS)


def _read(context: ReadContext) -> Iterator[dict | Rejected]:
    """`read_queue_log`'s work: each contact as a dict of `Contact` fields, `Rejected` rows as such."""
    tz = _zone(context.options.get("timezone", "UTC"))
    path = context.path
    try:
        raw = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(path)) from None
    with raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        first = text.readline()
        if not first:
            return
        if _is_csv_header(first):
            # A database-table export may hold date-times in `time`; the queue_log file never does.
            rows = _sniffed(_csv_rows(first, text, str(path)), tz, True, str(path))
            yield from _calls(rows, context, tz, raw, allow_datetime=True)
        else:
            rows = _sniffed(_pipe_rows(first, text), tz, False, str(path))
            yield from _calls(rows, context, tz, raw, allow_datetime=False)


def _looks_like_line(fields: list[str], tz: tzinfo, allow_datetime: bool) -> bool:
    """Whether a line has the queue_log shape: a time, a callid, queue, agent and an EVENT name."""
    if len(fields) < 5 or not fields[4] or not (fields[4][0].isalpha() and fields[4].replace("_", "").isalnum()):
        return False
    try:
        _parse_time(fields[0], tz, allow_datetime)
    except ValueError:
        return False
    return True


def _sniffed(rows, tz: tzinfo, allow_datetime: bool, file: str):
    """The rows, once one of the first `SNIFF_LINES` has proved the file is a queue_log.

    A file of another format (a Connect CTR file, a Genesys JSON, a CSV of calls) has no such line:
    it is refused as a whole, naming its first line, instead of importing nothing in silence.
    """
    head = []
    for row in rows:
        head.append(row)
        if _looks_like_line(row[2], tz, allow_datetime):
            break
        if len(head) >= SNIFF_LINES:
            row = None
            break
    else:
        row = None
    if row is None and head:
        line_no, text, _ = head[0]
        expected = ("a header time,callid,queuename,agent,event,data1…data5 then rows" if allow_datetime
                    else "epoch|callid|queue|agent|EVENT|data…")
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise SourceError(f"does not look like an Asterisk queue_log: line {line_no} is {shown!r} "
                          f"(expected {expected})", file=file, line=line_no)
    yield from head
    yield from rows


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(f"option timezone={name!r} is not a known time zone") from None


def _is_csv_header(line: str) -> bool:
    """A database-table export starts with a header naming its columns; a queue_log with a number."""
    head = line.lstrip("\ufeff").strip().lower()
    return ("callid" in head or "call_id" in head) and ("event" in head or "verb" in head) and not head[:1].isdigit()


def _pipe_rows(first: str, text) -> Iterator[tuple[int, str, list[str] | None]]:
    """`(line_no, raw_line, fields)` for each line of a pipe-separated queue_log."""
    first = first.lstrip("\ufeff")
    line_no = 1
    for line in _chain(first, text):
        line = line.rstrip("\r\n")
        if line:
            yield line_no, line, line.split("|")
        line_no += 1


def _chain(first: str, rest) -> Iterator[str]:
    yield first
    yield from rest


def _csv_rows(header_line: str, text, file: str) -> Iterator[tuple[int, str, list[str] | None]]:
    """The same `(line_no, raw, fields)` from a database-table CSV export, fields in queue_log order.

    The separator is a comma, a tab (`mysql -B`, `SELECT … INTO OUTFILE`) or a semicolon, whichever
    the header uses. The event data sit in `data1…data5` (Asterisk ≥ 1.8 realtime) or in a single
    `data` column (Asterisk 1.6 realtime); `\\N` and `NULL` read as empty. The data columns are
    joined back with `|` (trailing empty ones dropped) and split again, so that an event whose data
    overflowed into `data5` (`ATTENDEDTRANSFER|LINK|…`) reads as in the file.
    """
    header_line = header_line.lstrip("\ufeff")
    delimiter = max((",", "\t", ";"), key=header_line.count)
    header = [h.strip().strip('"').lower() for h in next(csv.reader([header_line], delimiter=delimiter))]
    idx = []
    for name in _CSV_COLUMNS:
        found = next((header.index(alias) for alias in _CSV_ALIASES[name] if alias in header), None)
        if found is None:
            raise SourceError(f"database-table export lacks column {name} (its header: {', '.join(header)[:200]})",
                              file=file, line=1)
        idx.append(found)
    data_idx = sorted(
        (int(h[4:]), i) for i, h in enumerate(header) if h.startswith("data") and h[4:].isdigit()
    )
    data_idx = [i for _, i in data_idx]
    if not data_idx and "data" in header:
        data_idx = [header.index("data")]
    # csv.reader over the stream keeps quoted newlines right; track physical line numbers ourselves.
    reader = csv.reader(text, delimiter=delimiter)
    end = 1  # the header was line 1; `reader.line_num` counts the physical lines read since
    for row in reader:
        start, end = end + 1, 1 + reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        raw = delimiter.join(row)
        row = ["" if v in _NULLS else v for v in row]
        if len(row) <= max(idx):
            # Too few fields: the caller reports the row as malformed from the short list.
            yield start, raw, [row[i] for i in idx if i < len(row)]
            continue
        data = [row[i] if i < len(row) else "" for i in data_idx]
        while data and data[-1] == "":
            data.pop()
        fields = [row[i] for i in idx] + ("|".join(data).split("|") if data else [])
        yield start, raw, fields


def _parse_time(value: str, tz: tzinfo, allow_datetime: bool) -> float:
    """Epoch seconds from an epoch string (or, in a table export, a date-time string)."""
    try:
        seconds = float(value)
    except ValueError:
        if not allow_datetime:
            raise
    else:
        if not math.isfinite(seconds):
            raise ValueError(value)
        return seconds
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.timestamp()


def _calls(rows, context: ReadContext, tz: tzinfo, raw_file, *, allow_datetime: bool) -> Iterator[dict | Rejected]:
    """Group rows into calls, emit each call when it ends, keep open ones in `context.state`."""
    calls: dict[str, _Call] = {}
    closing: list[tuple[float, str]] = []  # heap of (terminal time, callid)
    _restore(context.state.get(STATE_KEY) or {}, calls, closing)
    latest = 0.0
    n = 0
    for line_no, raw, fields in rows:
        n += 1
        if n & 0x3FFF == 0:
            context.progress(raw_file.tell())
        if len(fields) < 5:
            callid = fields[1] if len(fields) > 1 else ""
            if len(fields) > 1 and callid in NON_CALL_IDS:
                continue
            yield _bad(context, line_no, f"{len(fields)} field(s), expected at least 5 (time|callid|queue|agent|event)", raw, callid, calls)
            continue
        callid = fields[1]
        event = fields[4]
        if callid in NON_CALL_IDS or event not in CALL_EVENTS:
            continue  # queue/member lines and unknown events are not part of any contact
        try:
            when = _parse_time(fields[0], tz, allow_datetime)
        except ValueError:
            expected = "epoch seconds or a date-time" if allow_datetime else "epoch seconds"
            yield _bad(context, line_no, f"time {fields[0]!r} is not {expected}", raw, callid, calls)
            continue
        data = fields[5:]
        problem = _check_data(event, data)
        if problem:
            yield _bad(context, line_no, f"{event}: {problem}", raw, callid, calls)
            continue
        call = calls.get(callid)
        if call is None:
            call = calls[callid] = _Call(callid)
        if call.first_line is None:
            call.first_line = line_no
        call.events.append((when, line_no, fields[2], fields[3], event, data))
        if event in TERMINAL:
            call.closed_at = when if call.closed_at is None else max(call.closed_at, when)
            heapq.heappush(closing, (when, callid))
        if when > latest:
            latest = when
            while closing and closing[0][0] + CLOSE_SLACK_S < latest:
                _, cid = heapq.heappop(closing)
                done = calls.get(cid)
                # A call may sit in the heap twice (two terminal events) or have re-opened since.
                if done is not None and done.closed_at is not None and done.closed_at + CLOSE_SLACK_S < latest:
                    if _last_is_terminal(done):
                        del calls[cid]
                        yield from _emit(done, context)
    # End of file: finish closed calls, emit open ones as `open` and keep them for the next file.
    state: dict[str, list] = {}
    for cid, call in calls.items():
        if call.events and _last_is_terminal(call):
            yield from _emit(call, context)
            continue
        if not call.events:
            continue  # only malformed lines: already rejected line by line
        if call.bad_lines:
            yield from _emit(call, context)
            continue
        last = max(e[0] for e in call.events)
        if latest - last > STATE_MAX_AGE_S:
            continue
        yield from _emit(call, context)
        state[cid] = [[e[0], e[2], e[3], e[4], _without_caller(e[4], e[5])] for e in sorted(call.events, key=lambda e: (e[0], e[1]))]
    context.state[STATE_KEY] = state
    context.progress(raw_file.tell())


def _without_caller(event: str, data: list[str]) -> list[str]:
    """The state is stored in clear, so the caller id (personal data) is left out of it: the
    completed record of a call that spans two files has no customer (the open one had it)."""
    if event == "ENTERQUEUE" and len(data) > 1:
        return [data[0], "", *data[2:]]
    return data


def _restore(saved: dict, calls: dict[str, _Call], closing: list) -> None:
    """Re-open the calls a previous import left open (their lines carry line number 0)."""
    for cid, events in saved.items():
        call = _Call(cid)
        for when, queue, agent, event, data in events:
            call.events.append((float(when), 0, queue, agent, event, list(data)))
        calls[cid] = call


def _last_is_terminal(call: _Call) -> bool:
    last = max(call.events, key=lambda e: (e[0], e[1]))
    return last[4] in TERMINAL


def _bad(context, line_no, reason, raw, callid, calls) -> Rejected:
    """Reject a line; its call (if any) is then quarantined whole instead of imported."""
    if callid and callid not in NON_CALL_IDS:
        call = calls.get(callid)
        if call is None:
            call = calls[callid] = _Call(callid)
        call.bad_lines.append(line_no)
    return context.reject(line_no, reason, raw[:_RAW_MAX], callid or None)


#: For each event: the data positions that must be numbers (negative = counted from the end).
_NUMERIC = {
    "CONNECT": (0,),
    "COMPLETEAGENT": (0, 1),
    "COMPLETECALLER": (0, 1),
    "RINGNOANSWER": (0,),
    "RINGCANCELED": (0,),
}


def _transfer_times(event: str, data: list[str]) -> tuple[float, float]:
    """(holdtime, calltime) of a transfer line, whatever the Asterisk version wrote.

    `TRANSFER|exten|context|holdtime|calltime` (1.4) gained `|origposition` in 1.6; so did
    `BLINDTRANSFER` (12+). `ATTENDEDTRANSFER` (12+) is `BRIDGE|bridge|…` or `APP|app|…` (times at
    data3, data4) or `LINK|chan1|chan2|…` (one field more). Counting from the start works for every
    one of them; counting from the end (older files of this reader) is the fallback.
    Raises ValueError (with what is wrong) when neither reads as two numbers.
    """
    values = _trimmed(data)
    first = 3 if event == "ATTENDEDTRANSFER" and values[:1] == ["LINK"] else 2
    for start in (first, len(values) - 3):
        if start < 0 or start + 1 >= len(values):
            continue
        try:
            return float(values[start]), float(values[start + 1])
        except ValueError:
            continue
    if len(values) < first + 2:
        raise ValueError(f"too few data fields ({len(data)})")
    bad = next(v for v in values[first:first + 2] if not _is_number(v))
    raise ValueError(f"{bad!r} is not a number")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _wait_index(event: str, data: list[str]) -> int | None:
    """Where the wait ("holdtime") sits for exit events; older Asterisk versions omit it."""
    if event in ("ABANDON", "EXITWITHTIMEOUT", "EXITEMPTY"):
        return 2 if len(data) > 2 and data[2] != "" else None
    if event == "EXITWITHKEY":
        return 3 if len(data) > 3 and data[3] != "" else None
    return None


def _trimmed(data: list[str]) -> list[str]:
    end = len(data)
    while end and data[end - 1] == "":
        end -= 1
    return data[:end]


def _check_data(event: str, data: list[str]) -> str | None:
    """None if the event's numeric fields read as numbers, else what is wrong."""
    if event in TRANSFERS:
        try:
            _transfer_times(event, data)
        except ValueError as exc:
            return str(exc)
        return None
    positions = _NUMERIC.get(event, ())
    values = data
    for pos in positions:
        try:
            value = values[pos]
        except IndexError:
            return f"too few data fields ({len(data)})"
        try:
            float(value)
        except ValueError:
            return f"{value!r} is not a number"
    wi = _wait_index(event, data)
    if wi is not None:
        try:
            float(data[wi])
        except ValueError:
            return f"wait {data[wi]!r} is not a number"
    return None


def _emit(call: _Call, context: ReadContext) -> Iterator[dict | Rejected]:
    """Contacts (dicts of fields) for a finished (or still open) call: one per queue visit (each ENTERQUEUE)."""
    if call.bad_lines:
        lines = ", ".join(str(n) for n in call.bad_lines[:5])
        yield context.reject(
            call.first_line or call.bad_lines[0],
            f"call {call.callid} not imported: its line(s) {lines} are malformed",
            None,
            call.callid,
        )
        return
    events = sorted(call.events, key=lambda e: (e[0], e[1]))
    visits: list[list[tuple]] = []
    for ev in events:
        if ev[4] == "ENTERQUEUE" and visits and any(e[4] in TERMINAL for e in visits[-1]):
            visits.append([ev])  # the caller entered a queue again (overflow, transfer to a queue)
        elif not visits:
            visits.append([ev])
        else:
            visits[-1].append(ev)
    for n, visit in enumerate(visits):
        source_id = call.callid if n == 0 else f"{call.callid}#{_ms(visit[0][0])}"
        contact = _contact(source_id, visit, call.first_line)
        if contact is not None:
            yield contact


def _ms(epoch: float) -> int:
    return int(round(epoch * 1000))


def _dt(epoch: float) -> datetime:
    return datetime.fromtimestamp(round(epoch, 3), tz=timezone.utc)


def _contact(source_id: str, events: list[tuple], first_line: int | None) -> dict | None:
    """The `Contact` fields of one queue visit, as a dict (None while its arrival is unknown)."""
    enter = connect = end = None
    queue = None
    for ev in events:
        kind = ev[4]
        if kind == "ENTERQUEUE" and enter is None:
            enter = ev
        elif kind == "CONNECT":
            connect = ev
        elif kind in TERMINAL:
            end = ev
        if queue is None and ev[2] not in ("", "NONE"):
            queue = ev[2]
    outcome = TERMINAL[end[4]] if end is not None else "open"
    wait = talk = None
    transferred = None
    agent = None
    if connect is not None:
        wait = float(connect[5][0])
        agent = connect[3] if connect[3] not in ("", "NONE") else None
    if end is not None:
        kind, data = end[4], end[5]
        if kind in ("COMPLETEAGENT", "COMPLETECALLER"):
            wait, talk = float(data[0]), float(data[1])
            transferred = False
        elif kind in TRANSFERS:
            wait, talk = _transfer_times(kind, data)
            transferred = True
        else:
            wi = _wait_index(kind, data)
            if wi is not None:
                wait = float(data[wi])
            elif enter is not None:
                wait = end[0] - enter[0]
        if agent is None and outcome == "answered" and end[3] not in ("", "NONE"):
            agent = end[3]
    if enter is not None:
        arrived = enter[0]
    elif connect is not None and wait is not None:
        arrived = connect[0] - wait  # the ENTERQUEUE line is missing (log rotated mid-call)
    elif end is not None and wait is not None:
        arrived = end[0] - wait - (talk or 0.0)
    else:
        return None  # nothing tells when the call arrived: wait for its remaining lines
    customer = None
    if enter is not None and len(enter[5]) > 1 and enter[5][1] not in ("", "unknown", "anonymous"):
        customer = enter[5][1]
    answered = outcome == "answered"
    answered_at = None
    if answered:
        answered_at = _dt(connect[0]) if connect is not None else _dt(arrived + (wait or 0.0))
    last = max(e[0] for e in events)
    return dict(
        source_id=source_id,
        arrived_at=_dt(arrived),
        outcome=outcome,
        channel="voice",
        direction="inbound",
        queue=queue,
        queue_name=queue,
        answered_at=answered_at,
        ended_at=_dt(end[0]) if end is not None else None,
        wait_s=wait,
        talk_s=talk if answered else None,
        # queue_log records neither customer hold nor after-call work: handle time is talk only.
        hold_s=0.0 if answered else None,
        wrap_s=0.0 if answered else None,
        agent=agent if answered else None,
        transferred=transferred if answered else None,
        customer=customer,
        version=_dt(last),
        line=events[0][1] or first_line,
    )
