"""Read an Asterisk `queue_log` (pipe-separated file or database-table CSV) into normalised contacts.

A call is the group of lines that share a callid. Lines of different calls interleave, so only
calls still *open* are held in memory; a call is emitted shortly after its last event (see
`CLOSE_SLACK_S`, which makes the reader tolerant of lines slightly out of time order). Calls still
open at the end of the file are emitted with outcome `open` and kept in `context.state`, so that
the import of the next file (which holds the rest of their lines) completes them.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from heapq import heappop, heappush
from itertools import chain, count, groupby, repeat
from operator import itemgetter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

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
    """The lines of one callid seen so far (events as `(time, line_no, queue, agent, event, data)`).

    `ordered`: the events were appended in strictly increasing `(time, line_no)` order, so that
    `events` is already sorted and its last event is the latest (the usual case: no sort needed).
    `requeued`: an ENTERQUEUE was appended after a terminal event, or the call was restored: its
    queue visits must be looked for (else an ordered call is one visit).
    """

    __slots__ = ("callid", "events", "bad_lines", "first_line", "closed_at", "ordered", "requeued")

    def __init__(self, callid: str, first_line: int | None = None):
        self.callid = callid
        self.events: list[tuple] = []
        self.bad_lines: list[int] | None = None  # (a list once a line of the call is rejected)
        self.first_line = first_line
        self.closed_at: float | None = None
        self.ordered = True
        self.requeued = False


def read_queue_log(context: ReadContext) -> Iterator[ColumnBlock | Rejected]:
    """The source's reader: one contact per queue visit of each call in the file, in `ColumnBlock`s
    (`FIELDS`, storage form), and `Rejected` malformed lines and calls between them, in file order.

    Options (`context.options`): `timezone` — the zone of date-time strings in a database-table
    export that carry no offset (default `UTC`; MySQL `DATETIME` columns hold the server's local
    time).
    """
    for batch in _read(context):
        for kind, items in groupby(batch, type):
            if kind is tuple:
                yield _block(list(items))
            else:
                yield from items


#: The contact fields of a block, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "customer", "version")
#: Where the instants sit in a contact tuple of `_contact` (`source_id`, `line` then `FIELDS`):
#: epoch seconds there, epoch milliseconds in a block.
_INSTANTS = tuple(("source_id", "line", *FIELDS).index(name)
                  for name in ("answered_at", "arrived_at", "ended_at", "version"))
#: About how many items (contacts, `Rejected` rows) are handed on at a time: the size of a
#: `ColumnBlock` when no line is rejected.
BATCH = 1000


def _block(contacts: list[tuple]) -> ColumnBlock:
    """Contact tuples of `_contact` as a `ColumnBlock`, instants in epoch milliseconds (`_ms_column`)."""
    columns = list(map(list, zip(*contacts)))
    for i in _INSTANTS:
        columns[i] = _ms_column(columns[i])
    return ColumnBlock(kind="contact", fields=FIELDS, columns=columns)


def _ms_column(values: list) -> list:
    """Epoch seconds (or None) as int epoch milliseconds, rounded to the millisecond as a decimal
    (whole seconds, the usual case, by a multiplication)."""
    return [v if v is None else int(v) * 1000 if v.is_integer() else round(round(v, 3) * 1000) for v in values]


def _read(context: ReadContext) -> Iterator[list]:
    """`read_queue_log`'s work, in lists of about `BATCH` items: each contact as a tuple
    (`_contact`), `Rejected` rows as such."""
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
            rows = chain.from_iterable(_chunked(_csv_rows(first, text, str(path)), context, raw))
            rows = _sniffed(rows, tz, True, str(path))
            yield from _calls(rows, context, tz, raw, allow_datetime=True)
        else:
            rows = _sniffed(chain.from_iterable(_pipe_rows(first, text, context, raw)), tz, False, str(path))
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
    """The rows (an iterator), once one of the first `SNIFF_LINES` has proved the file is a queue_log.

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
    return chain(head, rows)


def _zone(name: str) -> tzinfo:
    if name.upper() == "UTC":
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(f"option timezone={name!r} is not a known time zone") from None


def _is_csv_header(line: str) -> bool:
    """A database-table export starts with a header naming its columns (its callid and event
    columns by any of the names `_csv_rows` takes); a queue_log with a number."""
    head = line.lstrip("\ufeff").strip().lower()
    return (any(name in head for name in _CSV_ALIASES["callid"])
            and any(name in head for name in _CSV_ALIASES["event"]) and not head[:1].isdigit())


#: Characters of the file decoded at a time.
_CHUNK_CHARS = 1 << 20
#: Whether a `(line_no, line, fields)` row has a line (blank lines are skipped).
_nonblank = itemgetter(1)


def _pipe_rows(first: str, text, context: ReadContext, raw_file) -> Iterator[Iterator[tuple[int, str, list[str]]]]:
    """`(line_no, raw_line, fields)` for each non-blank line of a pipe-separated queue_log, a chunk at a time.

    Lines end as `io` ends them with `newline=""` (at `\\n`, `\\r\\n` or `\\r`). The file is
    decoded a chunk at a time (progress is reported per chunk); a chunk's rows are made as they
    are used.
    """
    first = first.lstrip("\ufeff").rstrip("\r\n")
    rows = [(1, first, first.split("|"))] if first else []
    line_no = 2
    carry = ""
    while True:
        chunk = text.read(_CHUNK_CHARS)
        if chunk:
            chunk = carry + chunk
            cut = chunk.rfind("\n") + 1
            after_cr = chunk.rfind("\r", 0, len(chunk) - 1) + 1  # a `\r` not followed by `\n` ends a line
            if after_cr > cut:
                cut = after_cr
            if not cut:
                carry = chunk
                continue
            carry = chunk[cut:]
            lines = _lines_of(chunk[:cut])
        else:
            lines = _lines_of(carry) if carry else []
        if rows:
            yield rows
            rows = []
        # Made lazily, row by row, at C speed: no chunk-sized pile of rows outlives the GC's young generations.
        yield filter(_nonblank, zip(count(line_no), lines, map(str.split, lines, repeat("|"))))
        line_no += len(lines)
        context.progress(raw_file.tell())
        if not chunk:
            return


def _lines_of(text: str) -> list[str]:
    """The lines of `text` without their ends (a last line without an end counts)."""
    if "\r" in text:
        return [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return lines


def _chunked(rows, context: ReadContext, raw_file, size: int = 16384) -> Iterator[list]:
    """`rows` in lists of `size` (reports progress after each)."""
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
            context.progress(raw_file.tell())
    yield batch
    context.progress(raw_file.tell())


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


#: The epoch seconds a time may take: those of a date (`datetime`: the years 1 to 9999, UTC).
TIME_MIN = -62135596800.0  # 0001-01-01T00:00:00Z
TIME_MAX = 253402300799.0  # 9999-12-31T23:59:59Z
_NOT_A_DATE = "out of the dates: years 1 to 9999"


def _parse_time(value: str, tz: tzinfo, allow_datetime: bool) -> float:
    """Epoch seconds from an epoch string (or, in a table export, a date-time string).

    Raises ValueError for anything else, a time that is not finite or one that is not a date
    (`TIME_MIN`…`TIME_MAX`: `1e20` is no time at all)."""
    try:
        seconds = float(value)
    except ValueError:
        if not allow_datetime:
            raise
    else:
        if not TIME_MIN <= seconds <= TIME_MAX:  # (nor NaN, nor ±inf)
            raise ValueError(value)
        return seconds
    dt = datetime.fromisoformat(value.strip())
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    seconds = dt.timestamp()
    if not TIME_MIN <= seconds <= TIME_MAX:  # (0001-01-01T00:00+01:00)
        raise ValueError(value)
    return seconds


def _time_problem(value: str, allow_datetime: bool) -> str:
    """Why a line's time is refused (`_parse_time` raised ValueError)."""
    expected = "epoch seconds or a date-time" if allow_datetime else "epoch seconds"
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if math.isfinite(seconds):  # (read as a number, but not the time of a date)
        return f"time {value!r} is not {expected} ({_NOT_A_DATE})"
    return f"time {value!r} is not {expected}"


def _calls(rows, context: ReadContext, tz: tzinfo, raw_file, *, allow_datetime: bool) -> Iterator[list]:
    """Group rows into calls, emit each call when it ends, keep open ones in `context.state`.

    Yields lists of items in order (contact tuples of `_contact` and `Rejected` rows), about
    `BATCH` at a time.
    """
    calls: dict[str, _Call] = {}
    closing: list[tuple[float, str]] = []  # heap of (terminal time, callid)
    _restore(context.state.get(STATE_KEY) or {}, calls, closing)
    latest = 0.0
    checks, skip, non_call, terminal = _CHECKS, _SKIP, NON_CALL_IDS, TERMINAL
    time_min, time_max = TIME_MIN, TIME_MAX
    get_call = calls.get
    out: list = []
    try:
        for line_no, raw, fields in rows:
            try:
                event = fields[4]
            except IndexError:  # fewer than 5 fields
                callid = fields[1] if len(fields) > 1 else ""
                if len(fields) > 1 and callid in non_call:
                    continue
                out.append(_bad(context, line_no, f"{len(fields)} field(s), expected at least 5 (time|callid|queue|agent|event)", raw, callid, calls))
                if len(out) >= BATCH:
                    yield out
                    out = []
                continue
            callid = fields[1]
            check = checks.get(event, skip)
            if check is skip or callid in non_call:
                continue  # queue/member lines and unknown events are not part of any contact
            try:
                when = float(fields[0])  # the usual case of `_parse_time`, which judges the rest
                if not time_min <= when <= time_max:  # inf, nan, or not a date
                    raise ValueError
            except ValueError:
                try:
                    when = _parse_time(fields[0], tz, allow_datetime)
                except ValueError:
                    out.append(_bad(context, line_no, _time_problem(fields[0], allow_datetime), raw, callid, calls))
                    if len(out) >= BATCH:
                        yield out
                        out = []
                    continue
            data = fields[5:]
            if check is not None:
                problem = check(data)
                if problem:
                    out.append(_bad(context, line_no, f"{event}: {problem}", raw, callid, calls))
                    if len(out) >= BATCH:
                        yield out
                        out = []
                    continue
            call = get_call(callid)
            if call is None:
                call = calls[callid] = _Call(callid, line_no)
                events = call.events
            else:
                if call.first_line is None:
                    call.first_line = line_no
                events = call.events
                if events and when < events[-1][0]:
                    call.ordered = False  # (same time: a later line, or a restored event with line 0)
                if event == "ENTERQUEUE" and call.closed_at is not None:
                    call.requeued = True
            events.append((when, line_no, fields[2], fields[3], event, data))
            if event in terminal:
                closed = call.closed_at
                call.closed_at = when if closed is None else max(closed, when)
                heappush(closing, (when, callid))
            if when > latest:
                latest = when
                while closing and closing[0][0] + CLOSE_SLACK_S < latest:
                    _, cid = heappop(closing)
                    done = get_call(cid)
                    # A call may sit in the heap twice (two terminal events) or have re-opened since.
                    if done is not None and done.closed_at is not None and done.closed_at + CLOSE_SLACK_S < latest:
                        if _last_is_terminal(done):
                            del calls[cid]
                            out += _emit(done, context)
                            if len(out) >= BATCH:
                                yield out
                                out = []
        # End of file: finish closed calls, emit open ones as `open` and keep them for the next file.
        state: dict[str, list] = {}
        for cid, call in calls.items():
            if call.events and _last_is_terminal(call):
                out += _emit(call, context)
                continue
            if not call.events:
                continue  # only malformed lines: already rejected line by line
            if call.bad_lines:
                out += _emit(call, context)
                continue
            last = max(e[0] for e in call.events)
            if latest - last > STATE_MAX_AGE_S:
                continue
            out += _emit(call, context)
            state[cid] = [[e[0], e[2], e[3], e[4], _without_caller(e[4], e[5])] for e in _sorted_events(call)]
    except Exception:
        if out:  # what was read before the failure goes first, as if yielded one by one
            yield out
        raise
    if out:
        yield out
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
        times = [e[0] for e in call.events]
        call.ordered = all(a < b for a, b in zip(times, times[1:]))
        call.requeued = True
        calls[cid] = call


def _sorted_events(call: _Call) -> list[tuple]:
    """The call's events in `(time, line_no)` order."""
    return call.events if call.ordered else sorted(call.events, key=lambda e: (e[0], e[1]))


def _last_is_terminal(call: _Call) -> bool:
    last = call.events[-1] if call.ordered else max(call.events, key=lambda e: (e[0], e[1]))
    return last[4] in TERMINAL


def _bad(context, line_no, reason, raw, callid, calls) -> Rejected:
    """Reject a line; its call (if any) is then quarantined whole instead of imported."""
    if callid and callid not in NON_CALL_IDS:
        call = calls.get(callid)
        if call is None:
            call = calls[callid] = _Call(callid)
        if call.bad_lines is None:
            call.bad_lines = []
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
#: What each of those numbers is (for the reason of a rejected line).
_NUMBER_NAMES = {
    "CONNECT": ("wait",),
    "COMPLETEAGENT": ("wait", "talk"),
    "COMPLETECALLER": ("wait", "talk"),
    "RINGNOANSWER": ("ring time",),
    "RINGCANCELED": ("ring time",),
}


def _not_finite(value: str, pos: int, name: str) -> str:
    """The reason for a number that is not finite (`nan`, `inf`: no time nor duration) at data `pos`."""
    return f"{value!r} is not a number (data{pos + 1}, the {name}, must be finite)"


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
            hold, call = float(values[start]), float(values[start + 1])
        except ValueError:
            continue
        if hold - hold or call - call:  # nan or ±inf: not a number either
            continue
        return hold, call
    if len(values) < first + 2:
        raise ValueError(f"too few data fields ({len(data)})")
    k, bad = next((k, v) for k, v in enumerate(values[first:first + 2]) if not _is_number(v))
    if _is_number(bad, finite=False):
        raise ValueError(_not_finite(bad, first + k, ("wait", "talk")[k]))
    raise ValueError(f"{bad!r} is not a number")


def _is_number(text: str, finite: bool = True) -> bool:
    """Whether `text` reads as a number (a finite one, unless `finite` is false)."""
    try:
        number = float(text)
    except ValueError:
        return False
    return not finite or not number - number


#: Where the wait ("holdtime") sits in the data of exit events; older Asterisk versions omit it.
_WAIT_AT = {"ABANDON": 2, "EXITWITHTIMEOUT": 2, "EXITEMPTY": 2, "EXITWITHKEY": 3}


def _wait_index(event: str, data: list[str]) -> int | None:
    """Where the wait ("holdtime") sits for exit events (None: not written)."""
    i = _WAIT_AT.get(event)
    return i if i is not None and len(data) > i and data[i] != "" else None


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
    for pos in _NUMERIC.get(event, ()):
        try:
            value = data[pos]
        except IndexError:
            return f"too few data fields ({len(data)})"
        try:
            number = float(value)
        except ValueError:
            return f"{value!r} is not a number"
        if number - number:
            return _not_finite(value, pos, _NUMBER_NAMES[event][pos])
    wi = _wait_index(event, data)
    if wi is not None:
        try:
            number = float(data[wi])
        except ValueError:
            return f"wait {data[wi]!r} is not a number"
        if number - number:
            return "wait " + _not_finite(data[wi], wi, "wait")
    return None


def _checker(event: str):
    """`_check_data` for one call event as `check(data)`; None when the event has nothing to check.

    The usual case (every number there, finite and fine) is tried first; anything else is judged
    by `_check_data` itself (`0.0 * x` is NaN, which is true, for a NaN or an infinite `x`)."""
    if event in TRANSFERS:
        return lambda data: _check_data(event, data)
    positions = _NUMERIC.get(event, ())
    wait_at = _WAIT_AT.get(event)
    if not positions and wait_at is None:
        return None
    if wait_at is None:
        if positions == (0,):
            def check(data):
                try:
                    if 0.0 * float(data[0]):
                        return _check_data(event, data)
                except (IndexError, ValueError):
                    return _check_data(event, data)
                return None
        elif positions == (0, 1):
            def check(data):
                try:
                    if 0.0 * float(data[0]) or 0.0 * float(data[1]):
                        return _check_data(event, data)
                except (IndexError, ValueError):
                    return _check_data(event, data)
                return None
        else:
            def check(data):
                return _check_data(event, data)
        return check
    if positions:
        return lambda data: _check_data(event, data)

    def check(data):
        if len(data) > wait_at and data[wait_at] != "":
            try:
                if 0.0 * float(data[wait_at]):
                    return _check_data(event, data)
            except ValueError:
                return _check_data(event, data)
        return None
    return check


#: The check of each call event's data (None: nothing to check); `_SKIP` for any other event.
_CHECKS = {event: _checker(event) for event in CALL_EVENTS}
_SKIP = object()


def _emit(call: _Call, context: ReadContext) -> list[tuple | Rejected]:
    """Contacts (tuples of `_contact`) for a finished (or still open) call: one per queue visit
    (each ENTERQUEUE after a terminal event starts another)."""
    if call.bad_lines:
        lines = ", ".join(str(n) for n in call.bad_lines[:5])
        return [context.reject(
            call.first_line or call.bad_lines[0],
            f"call {call.callid} not imported: its line(s) {lines} are malformed",
            None,
            call.callid,
        )]
    if call.ordered and not call.requeued:  # the usual case: one queue visit
        contact = _contact(call.callid, call.events, call.first_line)
        if type(contact) is str:
            return [context.reject(call.events[0][1] or call.first_line, contact, None, call.callid)]
        return [] if contact is None else [contact]
    events = _sorted_events(call)
    visits: list[list[tuple]] = []
    visit = None
    ended = False  # the current visit has a terminal event
    for ev in events:
        kind = ev[4]
        if visit is None or (ended and kind == "ENTERQUEUE"):
            # (again: the caller entered a queue again — overflow, transfer to a queue)
            visit = [ev]
            visits.append(visit)
            ended = kind in TERMINAL
        else:
            visit.append(ev)
            if not ended and kind in TERMINAL:
                ended = True
    out = []
    for n, visit in enumerate(visits):
        source_id = call.callid if n == 0 else f"{call.callid}#{_ms(visit[0][0])}"
        contact = _contact(source_id, visit, call.first_line)
        if type(contact) is str:
            out.append(context.reject(visit[0][1] or call.first_line, contact, None, call.callid))
        elif contact is not None:
            out.append(contact)
    return out


def _ms(epoch: float) -> int:
    return int(round(epoch * 1000))


def _undated(source_id: str, instant: str, wait: float | None, talk: float | None) -> str:
    """Why a queue visit is not imported: its `instant`, reckoned from its wait (and talk), is not a date."""
    durations = f"wait {wait:g} s" + ("" if talk is None else f" and talk {talk:g} s")
    return f"call {source_id} not imported: its {durations} put its {instant} {_NOT_A_DATE}"


def _contact(source_id: str, events: list[tuple], first_line: int | None) -> tuple | str | None:
    """The `Contact` fields of one queue visit (events in time order) as a tuple (`source_id`,
    `line` then `FIELDS`), instants as epoch seconds (None while its arrival is unknown; why it
    is not imported, a str, when an instant reckoned from its times is not a date)."""
    enter = connect = end = None
    queue = None
    for ev in events:
        kind = ev[4]
        if kind == "ENTERQUEUE":
            if enter is None:
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
        if not TIME_MIN <= arrived <= TIME_MAX:
            return _undated(source_id, "arrival", wait, None)
    elif end is not None and wait is not None:
        arrived = end[0] - wait - (talk or 0.0)
        if not TIME_MIN <= arrived <= TIME_MAX:
            return _undated(source_id, "arrival", wait, talk)
    else:
        return None  # nothing tells when the call arrived: wait for its remaining lines
    customer = None
    if enter is not None and len(enter[5]) > 1 and enter[5][1] not in ("", "unknown", "anonymous"):
        customer = enter[5][1]
    if outcome == "answered":
        if connect is not None:
            answered_at = connect[0]
        else:
            answered_at = arrived + (wait or 0.0)
            if not TIME_MIN <= answered_at <= TIME_MAX:
                return _undated(source_id, "answer", wait, None)
        return (source_id, events[0][1] or first_line, arrived, outcome, "voice", "inbound", queue, queue,
                # queue_log records neither customer hold nor after-call work: handle time is talk only.
                answered_at, end[0], wait, talk, 0.0, 0.0, agent, transferred, customer,
                events[-1][0])  # the events are in time order: the last is the latest
    return (source_id, events[0][1] or first_line, arrived, outcome, "voice", "inbound", queue, queue,
            None, end[0] if end is not None else None, wait, None, None, None, None, None, customer,
            events[-1][0])
