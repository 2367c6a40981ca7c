"""Read the Five9 call log report (CSV) into normalised contacts.

One row of the call log is one call. Its columns are those of Five9's standard "Call Log" report
(folder "Call Log Reports"): `CALL ID, TIMESTAMP, CAMPAIGN, CALL TYPE, AGENT, AGENT NAME,
DISPOSITION, ANI, CUSTOMER NAME, DNIS, CALL TIME, BILL TIME (ROUNDED), COST, IVR TIME, QUEUE WAIT
TIME, RING TIME, TALK TIME, HOLD TIME, PARK TIME, AFTER CALL WORK TIME, TRANSFERS, CONFERENCES,
HOLDS, ABANDONED, RECORDINGS`, plus `SKILL` when the report is customised to show it. Durations are
`HH:MM:SS`; timestamps (`Thu, 27 Oct 2016 14:51:34`) are in the report's time zone and carry no
offset, so `--option timezone=` is required for them. See README.md for the mapping and its sources.

The calls go to the host in `ColumnBlock`s, in storage form: instants as int epoch milliseconds,
from the epoch second of the start of each local hour (worked out once per hour of the file) plus
the minutes, seconds and durations of the row. The CSV is read with the csv module directly (a
list of cells per row, the used ones taken by position): the options and messages are those of
`ccc_governance.readers.Table`, whose per-row dictionary would double the reading time.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from operator import itemgetter
from pathlib import Path

from ccc_governance.blocks import BlockBuilder, ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import FieldError, Table, normalise, option_timezone, parse_bool, parse_count
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

#: Canonical column → other names seen for it (headers match in any case, spaces or underscores).
COLUMNS: dict[str, tuple[str, ...]] = {
    "call_id": ("callid",),
    "session_id": ("sessionid",),
    "timestamp": (),
    "date": (),
    "time": (),
    "campaign": (),
    "skill": (),
    "call_type": (),
    "agent": (),
    "disposition": (),
    "ani": (),
    "dnis": (),
    "call_time": (),
    "ivr_time": (),
    "queue_wait_time": (),
    "ring_time": (),
    "talk_time": (),
    "hold_time": (),
    "after_call_work_time": ("acw_time",),
    "transfers": (),
    "abandoned": (),
}
#: `CALL TYPE` → direction; `None`: not a customer call (agent to agent, internal, a leg to a
#: third party), skipped without quarantine.
CALL_TYPES: dict[str, str | None] = {
    "inbound": "inbound",
    "outbound": "outbound", "manual": "outbound", "preview": "outbound", "autodial": "outbound",
    "queue callback": "outbound",
    "agent": None, "internal": None, "3rd party transfer": None, "3rd party conference": None,
}
KNOWN_TYPES = "Inbound, Outbound, Manual, Preview, Autodial, Queue Callback; skipped: Agent, Internal, 3rd party"
#: What `AGENT` holds when no agent handled the call (`[Deleted]`, a user deleted since, did).
NO_AGENT = frozenset({"", "[none]", "none"})
#: What `SKILL` / `CAMPAIGN` hold when there is none.
NO_NAME = frozenset({"", "[none]", "none"})
_RFC = re.compile(r"(?:[A-Za-z]{3},\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})\s+"
                  r"(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$")
_SLASHED = re.compile(r"\d{4}/\d{2}/\d{2}")
_MONTHS = {m: i for i, m in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                       "dec"), 1)}
_UTC = timezone.utc
#: How many distinct duration texts a reader remembers: a call log repeats the same few thousand
#: `HH:MM:SS` texts, and reading one is the reader's most frequent step (7 a row). Bounded (~2 MB),
#: so memory stays flat.
DURATION_CACHE = 20_000
#: How many local hours a reader remembers the epoch second of (a year of hours: ~1 MB).
HOUR_CACHE = 9_000
#: How many distinct CALL TYPE, AGENT, SKILL and CAMPAIGN texts a reader remembers (each).
NAME_CACHE = 50_000
#: `MM` and `SS` of a time → their value (anything else is read by the full parser).
_SIXTY = {f"{i:02d}": i for i in range(60)}
#: The usual ABANDONED and TRANSFERS cells, read without a parser (the rest through it).
_ABANDONED = {"0": False, "1": True}
_TRANSFERS = {"0": False, "1": True, "2": True}
#: The columns a row's values are taken from, in this order (a column the file lacks reads as empty).
USED = ("id", "timestamp", "date", "time", "campaign", "skill", "call_type", "agent", "disposition", "ani", "dnis",
        "call_time", "ivr_time", "queue_wait_time", "ring_time", "talk_time", "hold_time", "after_call_work_time",
        "transfers", "abandoned")
(I_ID, I_TIMESTAMP, I_DATE, I_TIME, I_CAMPAIGN, I_SKILL, I_CALL_TYPE, I_AGENT, I_DISPOSITION, I_ANI, I_DNIS,
 I_CALL_TIME, I_IVR, I_QUEUE_WAIT, I_RING, I_TALK, I_HOLD, I_ACW, I_TRANSFERS, I_ABANDONED) = range(len(USED))

#: The contact fields of a block row, in order after (source_id, line); `channel` is voice, the default.
FIELDS = ("arrived_at", "outcome", "direction", "queue", "queue_name", "answered_at", "ended_at", "wait_s",
          "talk_s", "hold_s", "wrap_s", "agent", "transferred", "customer")
#: Calls per block.
BLOCK = 1000


def read_call_log(context: ReadContext) -> Iterator[ColumnBlock | Rejected]:
    """The source's reader: the customer calls of a Five9 call log CSV in `ColumnBlock`s, and a
    `Rejected` row for each row that cannot be read (the block before it is yielded first: the
    file's order is kept); raise `SourceError` for a file that is not a call log at all.

    Options: `timezone` (the report's time zone, required: Five9 writes local times without an
    offset), `queue` (`skill`, the default, falls back to the campaign when a row has no skill;
    `campaign`), and the CSV options of `ccc_governance.readers.Table` (`delimiter`, `encoding`,
    `datetime_format`).
    """
    path = Path(context.path)
    zone = option_timezone(context.options, path)
    queue_by = str(context.options.get("queue") or "skill").strip().lower()
    if queue_by not in ("skill", "campaign"):
        raise SourceError(f"option queue={queue_by!r} must be skill or campaign", file=str(path))
    table = Table(path, context.options, COLUMNS)  # the CSV options, checked; `parse_instant`
    try:
        binary = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(path)) from None
    with binary:
        try:
            text = io.TextIOWrapper(binary, encoding=table.encoding, newline="")
        except LookupError:
            raise SourceError(f"option encoding={table.encoding!r} is not an encoding Python knows",
                              file=str(path)) from None
        try:
            yield from _read(context, binary, text, table, zone, queue_by)
        except UnicodeDecodeError as err:
            raise SourceError(f"the file is not {table.encoding} text ({err.reason}); "
                              "pass --option encoding=cp1252 (or the file's encoding)", file=str(path)) from None
        except csv.Error as err:
            raise SourceError(f"the CSV cannot be read: {err}", file=str(path)) from None
        finally:
            text.detach()


def _read(context: ReadContext, binary, text, table: Table, zone: tzinfo | None, queue_by: str) -> Iterator:
    path = table.path
    delimiter = table.delimiter
    if delimiter is None:
        delimiter = _sniff(text.read(65536).lstrip("\ufeff"))
        text.seek(0)
    reader = csv.reader(text, delimiter=delimiter)
    header = None
    for header in reader:
        if any(cell.strip() for cell in header):
            break
    else:
        header = None
    if header is None:
        raise SourceError("the file is empty (expected a header line naming the columns)", file=str(path))
    header_line = reader.line_num
    header[0] = header[0].lstrip("\ufeff")
    positions, names = _map_header(header, path, header_line)
    _check_header(positions, header, delimiter, path, header_line)
    id_column = "call_id" if "call_id" in positions else "session_id"
    positions["id"], names["id"] = positions[id_column], names[id_column]
    width = len(header)
    # A row's used cells in `USED` order; a column the file lacks reads the "" appended to each row.
    cells = itemgetter(*(positions.get(name, width) for name in USED))
    row_of = _RowReader(table, names, zone, queue_by).row_of
    builder = BlockBuilder("contact", FIELDS, size=BLOCK)
    progress = context.progress
    strip = str.strip
    last = reader.line_num
    count = 0
    for fields in reader:
        line = last + 1
        last = reader.line_num
        count += 1
        if not count & 1023:
            progress(binary.tell())
        if len(fields) != width:
            if not any(f.strip() for f in fields):
                continue
            if block := builder.flush():
                yield block
            yield context.reject(line, f"has {len(fields)} fields, the header has {width}", delimiter.join(fields))
            continue
        fields.append("")
        values = list(map(strip, cells(fields)))
        if not values[I_ID] and not any(f.strip() for f in fields):
            continue  # a row of empty cells
        try:
            row = row_of(values, line)
        except FieldError as err:
            if block := builder.flush():
                yield block
            yield context.reject(line, str(err), delimiter.join(fields[:-1]), values[I_ID] or None)
            continue
        if row is not None and (block := builder.add(row)):
            yield block
    if block := builder.flush():
        yield block
    progress(binary.tell())


def _sniff(sample: str) -> str:
    """The delimiter of a sample of the file (as `Table` finds it)."""
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        # Sniffer gives up on short or irregular files: the header line decides.
        first = sample.splitlines()[0] if sample else ""
        return max(",;\t|", key=first.count) if any(c in first for c in ",;\t|") else ","


def _map_header(header: list[str], path: Path, line: int) -> tuple[dict[str, int], dict[str, str]]:
    """Canonical column → its position in the header, and → its name as the file writes it."""
    lookup = {normalise(name): canonical for canonical, aliases in COLUMNS.items() for name in (canonical, *aliases)}
    positions: dict[str, int] = {}
    names: dict[str, str] = {}
    for index, name in enumerate(header):
        canonical = lookup.get(normalise(name))
        if canonical is None:
            continue
        if canonical in positions:
            raise SourceError(f"columns {names[canonical]!r} and {name.strip()!r} both mean {canonical}",
                              file=str(path), line=line)
        positions[canonical] = index
        names[canonical] = name.strip()
    return positions, names


def _check_header(has: dict, header: list[str], delimiter: str, path: Path, line: int) -> None:
    """Refuse a file whose header is not a call log's: no call id, no time, no campaign or skill."""
    if (("call_id" in has or "session_id" in has) and ("timestamp" in has or ("date" in has and "time" in has))
            and ("campaign" in has or "skill" in has)):
        return
    text = delimiter.join(header).strip()
    shown = text if len(text) <= 60 else text[:57] + "..."
    raise SourceError(f"does not look like a Five9 call log: line {line} is {shown!r} (expected the columns CALL "
                      "ID, TIMESTAMP and CAMPAIGN or SKILL of Five9's Call Log report)", file=str(path), line=line)


class _RowReader:
    """The mapping of one row (its used cells, stripped: "" when empty), with the file's settings
    (`names`: each canonical column as the file writes it, for messages)."""

    def __init__(self, table: Table, names: dict[str, str], zone: tzinfo | None, queue_by: str):
        self.table = table
        self.headers = names
        self.zone = zone
        self.by_skill = queue_by == "skill"
        self.split_time = "timestamp" not in names
        # Duration text → seconds ("" → None), at most DURATION_CACHE.
        self.durations: dict[str, float | None] = {"": None}
        # CALL TYPE as written → direction ("" when unknown), AGENT → agent or None, SKILL or
        # CAMPAIGN → queue or None: the few texts a file repeats, looked up instead of lower-cased.
        self.directions: dict[str, str | None] = {"": "inbound"}  # no CALL TYPE: an inbound campaign's log
        self.agents: dict[str, str | None] = {}
        self.names: dict[str, str | None] = {}
        # The text of a time up to its hour ("Mon, 05 Oct 2026 09") → the epoch second that hour
        # starts at (None: an hour the clocks change in, each time read in full); at most HOUR_CACHE.
        self.hours: dict[str, int | None] = {}
        # Without the report's zone a time without offset refuses the file, naming its text (`_instant`).
        self.fast_times = zone is not None and not table.datetime_format

    def row_of(self, v: list, line: int) -> tuple | None:
        """The block row `(source_id, line, *FIELDS)` of a row's used cells, or None for a call that
        is not a customer's (skipped). `FieldError` naming the column for a value that cannot be read."""
        call_type = v[I_CALL_TYPE]
        direction = self.directions.get(call_type, "")
        if not direction:
            if direction is None:
                return None
            direction = self.direction(call_type)
            if direction is None:
                return None
        source_id = v[I_ID]
        if not source_id:
            raise FieldError(f"{self.header_of('id')} is empty")
        start = self.start(v, line)  # epoch ms
        cache = self.durations
        seconds = self.seconds
        ivr = cache[v[I_IVR]] if v[I_IVR] in cache else seconds(v, I_IVR)
        queue_wait = cache[v[I_QUEUE_WAIT]] if v[I_QUEUE_WAIT] in cache else seconds(v, I_QUEUE_WAIT)
        ring = cache[v[I_RING]] if v[I_RING] in cache else seconds(v, I_RING)
        talk = cache[v[I_TALK]] if v[I_TALK] in cache else seconds(v, I_TALK)
        call_time = cache[v[I_CALL_TIME]] if v[I_CALL_TIME] in cache else seconds(v, I_CALL_TIME)
        abandoned = v[I_ABANDONED]
        if abandoned:
            abandoned = _ABANDONED.get(abandoned)
            if abandoned is None:
                abandoned = _parse(v[I_ABANDONED], parse_bool, self.header_of("abandoned"))
        else:
            abandoned = None
        disposition = v[I_DISPOSITION].lower()
        if abandoned is None and disposition == "abandon":
            abandoned = True  # Five9's system disposition for an abandoned call
        agent = v[I_AGENT]
        agent = self.agents[agent] if agent in self.agents else self.agent(agent)

        if direction == "inbound":
            connected = agent is not None  # the agent column names who took the call
        else:
            # An outbound call names its agent even when nobody answered: talk time tells.
            connected = (talk or 0) > 0 or (talk is None and agent is not None)
        if abandoned:
            # Hung up in the IVR, before any queue: never offered.
            outcome = "not_queued" if queue_wait == 0 and ivr else "abandoned"
        elif connected:
            outcome = "answered"
        elif "callback" in disposition:
            outcome = "callback"
        elif queue_wait:
            # Left the queue without an agent and without hanging up (voicemail, a transfer out).
            outcome = "timeout"
        else:
            outcome = "not_queued"
        answered = outcome == "answered"
        # The wait runs until an agent picks up: time in queue, then ringing at the agent.
        wait = None if queue_wait is None and ring is None else (queue_wait or 0.0) + (ring or 0.0)
        names = self.names
        skill, campaign = v[I_SKILL], v[I_CAMPAIGN]
        skill = names[skill] if skill in names else self.name(skill)
        campaign = names[campaign] if campaign in names else self.name(campaign)
        queue = (skill or campaign) if self.by_skill else (campaign or skill)
        # The call reaches the queue after the IVR: its wait starts there.
        arrived = start + round(ivr * 1000) if ivr else start
        if not answered:
            return (source_id, line, arrived, outcome, direction, queue, queue, None,
                    start + round(call_time * 1000) if call_time is not None else None,  # ended_at
                    None if outcome == "not_queued" else wait, None, None, None, None, None,
                    (v[I_DNIS] if direction == "outbound" else v[I_ANI]) or None)
        transferred = v[I_TRANSFERS]
        if transferred:
            transferred = _TRANSFERS.get(transferred)
            if transferred is None:
                transferred = _parse(v[I_TRANSFERS], parse_count, self.header_of("transfers")) > 0
        else:
            transferred = None
        hold = cache[v[I_HOLD]] if v[I_HOLD] in cache else seconds(v, I_HOLD)
        acw = cache[v[I_ACW]] if v[I_ACW] in cache else seconds(v, I_ACW)
        return (
            source_id, line, arrived, outcome, direction, queue, queue,
            arrived + round(wait * 1000) if wait is not None else None,  # answered_at
            start + round(call_time * 1000) if call_time is not None else None,  # ended_at
            wait, talk, hold, acw, agent, transferred,
            (v[I_DNIS] if direction == "outbound" else v[I_ANI]) or None,  # customer
        )

    def direction(self, call_type: str) -> str | None:
        """The direction of a CALL TYPE not seen yet (None: skipped); `FieldError` for an unknown one."""
        direction = CALL_TYPES.get(call_type.lower(), "")
        if direction == "":
            raise FieldError(f"{self.header_of('call_type')} {call_type!r} is not a Five9 call type this "
                             f"reader knows ({KNOWN_TYPES})")
        if len(self.directions) < NAME_CACHE:
            self.directions[call_type] = direction
        return direction

    def agent(self, text: str) -> str | None:
        """An AGENT not seen yet: the agent, or None for no agent."""
        agent = None if text.lower() in NO_AGENT else text
        if len(self.agents) < NAME_CACHE:
            self.agents[text] = agent
        return agent

    def name(self, text: str) -> str | None:
        """A SKILL or CAMPAIGN not seen yet: the name, or None for none."""
        name = None if text.lower() in NO_NAME else text
        if len(self.names) < NAME_CACHE:
            self.names[text] = name
        return name

    def header_of(self, column: str) -> str:
        return self.headers.get(column, column)

    def seconds(self, v: list, index: int) -> float:
        """A duration cell not seen yet, as seconds; `FieldError` naming the column as the file writes it."""
        text = v[index]
        try:
            seconds = parse_duration(text)
        except FieldError as err:
            raise FieldError(f"{self.header_of(USED[index])} {text!r}: {err}") from None
        if len(self.durations) < DURATION_CACHE:
            self.durations[text] = seconds
        return seconds

    def start(self, v: list, line: int) -> int:
        """When the call began, as epoch ms: `TIMESTAMP`, or `DATE` and `TIME`, in the report's time zone.

        A time written `… HH:MM:SS` is its hour's epoch second (looked up, or worked out once by
        `_hour`) plus its minutes and seconds; any other is read in full (`_instant`)."""
        if self.split_time:
            date, time = v[I_DATE], v[I_TIME]
            if not date or not time:
                raise FieldError(f"{self.header_of('time' if date else 'date')} is empty")
            text = f"{date} {time}"
        else:
            text = v[I_TIMESTAMP]
            if not text:
                raise FieldError(f"{self.header_of('timestamp')} is empty")
        if text[-3:-2] == ":" and text[-6:-5] == ":" and self.fast_times:
            minute, second = _SIXTY.get(text[-5:-3]), _SIXTY.get(text[-2:])
            if minute is not None and second is not None:
                key = text[:-6]
                hour = self.hours.get(key, False)
                if hour is False:
                    hour = self._hour(key, line)
                if hour is not None:
                    return (hour + minute * 60 + second) * 1000
        return round(self._instant(text, line).timestamp() * 1000)

    def _hour(self, key: str, line: int) -> int | None:
        """The epoch second the local hour `key` (a time's text up to its hour) starts at, when the
        whole hour has one UTC offset; None when the clocks change in it (or the text has an offset)."""
        try:
            first = self._instant(f"{key}:00:00", line)
            last = self._instant(f"{key}:59:59", line)
        except FieldError:
            hour = None  # a skipped hour: each time of it is refused by `_instant`, naming the row's text
        else:
            seconds = first.timestamp()
            hour = int(seconds) if seconds.is_integer() and last.timestamp() - seconds == 3599 else None
        if len(self.hours) < HOUR_CACHE:
            self.hours[key] = hour
        return hour

    def _instant(self, text: str, line: int) -> datetime:
        """A time read in full: the report's layout, ISO 8601 or `datetime_format`, as an aware datetime."""
        column = "date" if self.split_time else "timestamp"
        try:
            if self.table.datetime_format:  # the user's layout, read by the host's parser
                return self.table.parse_instant(text)
            naive = parse_timestamp(text)
        except FieldError as err:
            if "has no UTC offset" in str(err):
                self.refuse_without_zone(text, line)
            raise FieldError(f"{self.header_of(column)} {text!r}: {err}") from None
        if naive.tzinfo is not None:
            return naive
        if self.zone is None:
            self.refuse_without_zone(text, line)
        return localise(naive, self.zone, f"{self.header_of(column)} {text!r}")

    def refuse_without_zone(self, text: str, line: int) -> None:
        """The whole file is refused: every time in it would be placed in a guessed zone."""
        raise SourceError(f"TIMESTAMP {text!r} has no time zone: Five9 writes the report's local time; pass "
                          "--option timezone=<the report's time zone, e.g. America/Los_Angeles>",
                          file=str(self.table.path), line=line)


def _parse(text: str, parse, column: str):
    """`parse(text)`; its `FieldError` names the column as the file writes it."""
    try:
        return parse(text)
    except FieldError as err:
        raise FieldError(f"{column} {text!r}: {err}") from None


def parse_timestamp(text: str) -> datetime:
    """Five9's `Thu, 27 Oct 2016 14:51:34` (weekday optional, an offset allowed), else an ISO 8601
    date-time (with `T` or a space; `2026/10/05` for the date too); naive unless the text has an
    offset. `FieldError` otherwise."""
    m = _RFC.match(text)
    if m is not None:
        day, month, year, hour, minute, second, fraction, offset = m.groups()
        number = _MONTHS.get(month.lower())
        if number is None:
            raise FieldError(f"{month!r} is not a month")
        try:
            dt = datetime(int(year), number, int(day), int(hour), int(minute), int(second or 0),
                          int((fraction or "0").ljust(6, "0")))
        except ValueError as err:
            raise FieldError(f"is not a date-time ({err})") from None
        if offset:
            dt = dt.replace(tzinfo=_UTC if offset == "Z" else datetime.strptime(offset.replace(":", ""), "%z").tzinfo)
        return dt
    if _SLASHED.match(text):  # 2026/10/05 (the DATE column of Five9's reports)
        text = text[:10].replace("/", "-") + text[10:]
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise FieldError("is not a date-time (expected Five9's 'Thu, 27 Oct 2016 14:51:34', an ISO 8601 date-time, "
                         "or --option datetime_format=)") from None


def localise(naive: datetime, zone: tzinfo, what: str) -> datetime:
    """A local time of `zone` as an aware UTC datetime; a time the clocks skipped is refused, a
    repeated one is its first occurrence (as `Table.parse_instant` does)."""
    utc = naive.replace(tzinfo=zone).astimezone(_UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != naive:
        raise FieldError(f"{what}: does not exist in {getattr(zone, 'key', zone)} (the clocks went forward)")
    return utc


def parse_duration(text: str) -> float:
    """`HH:MM:SS` (hours may pass 24, fractions of a second allowed), `MM:SS`, or plain seconds."""
    text = text.strip()
    if text.startswith("-"):  # "-00:00:05": int("-00") alone would read as 0
        raise FieldError("is negative")
    parts = text.split(":")
    if len(parts) > 3:
        raise FieldError("is not a duration (expected HH:MM:SS)")
    try:
        numbers = [float(p) if i == len(parts) - 1 else int(p) for i, p in enumerate(parts)]
    except ValueError:
        raise FieldError("is not a duration (expected HH:MM:SS)") from None
    seconds = 0.0
    for number in numbers:
        if number < 0:
            raise FieldError("is negative")
        seconds = seconds * 60 + number
    if len(parts) > 1 and (numbers[-1] >= 60 or (len(parts) == 3 and numbers[1] >= 60)):
        raise FieldError("is not a duration (minutes and seconds must be below 60)")
    if seconds != seconds or seconds == float("inf"):
        raise FieldError("is not a duration")
    return seconds
