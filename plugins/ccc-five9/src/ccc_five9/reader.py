"""Read the Five9 call log report (CSV) into normalised contacts.

One row of the call log is one call. Its columns are those of Five9's standard "Call Log" report
(folder "Call Log Reports"): `CALL ID, TIMESTAMP, CAMPAIGN, CALL TYPE, AGENT, AGENT NAME,
DISPOSITION, ANI, CUSTOMER NAME, DNIS, CALL TIME, BILL TIME (ROUNDED), COST, IVR TIME, QUEUE WAIT
TIME, RING TIME, TALK TIME, HOLD TIME, PARK TIME, AFTER CALL WORK TIME, TRANSFERS, CONFERENCES,
HOLDS, ABANDONED, RECORDINGS`, plus `SKILL` when the report is customised to show it. Durations are
`HH:MM:SS`; timestamps (`Thu, 27 Oct 2016 14:51:34`) are in the report's time zone and carry no
offset, so `--option timezone=` is required for them. See README.md for the mapping and its sources.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path

from ccc_governance.errors import SourceError
from ccc_governance.readers import FieldError, Row, Table, option_timezone, parse_bool, parse_count
from ccc_governance.records import Contact, Rejected
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


def read_call_log(context: ReadContext) -> Iterator[Contact | Rejected]:
    """Yield a `Contact` for each customer call of a Five9 call log CSV and a `Rejected` row for
    each row that cannot be read; raise `SourceError` for a file that is not a call log at all.

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
    table = Table(path, context.options, COLUMNS, progress=context.progress)
    rows = table.rows()
    first = next(rows, None)  # reads the header (SourceError for an empty or undecodable file)
    _check_header(table, path)
    if first is None:
        return
    reader = _RowReader(table, zone, queue_by, path)
    for row in _chain(first, rows):
        if row.error:
            yield context.reject(row.line, row.error, row.raw)
            continue
        try:
            contact = reader.contact(row)
        except FieldError as err:
            yield context.reject(row.line, str(err), row.raw, row.values.get("call_id") or row.values.get("session_id"))
            continue
        if contact is not None:
            yield contact


def _chain(first: Row, rows: Iterator[Row]) -> Iterator[Row]:
    yield first
    yield from rows


def _check_header(table: Table, path: Path) -> None:
    """Refuse a file whose header is not a call log's: no call id, no time, no campaign or skill."""
    has = table.has
    if ((has("call_id") or has("session_id")) and (has("timestamp") or (has("date") and has("time")))
            and (has("campaign") or has("skill"))):
        return
    header = _header_text(path, table)
    shown = header if len(header) <= 60 else header[:57] + "..."
    raise SourceError(f"does not look like a Five9 call log: line {table.header_line} is {shown!r} (expected the "
                      "columns CALL ID, TIMESTAMP and CAMPAIGN or SKILL of Five9's Call Log report)",
                      file=str(path), line=table.header_line)


def _header_text(path: Path, table: Table) -> str:
    with open(path, encoding=table.encoding, errors="replace", newline="") as fh:
        for number, line in enumerate(fh, 1):
            if number >= table.header_line:
                return line.strip().lstrip("\ufeff")
    return ""


class _RowReader:
    """The mapping of one row, with the file's settings."""

    def __init__(self, table: Table, zone: tzinfo | None, queue_by: str, path: Path):
        self.table = table
        self.zone = zone
        self.queue_by = queue_by
        self.path = path
        self.split_time = not table.has("timestamp")
        self.id_column = "call_id" if table.has("call_id") else "session_id"
        self.durations: dict[str, float] = {}  # duration text → seconds, at most DURATION_CACHE

    def contact(self, row: Row) -> Contact | None:
        """The row's `Contact`, or None for a call that is not a customer's (skipped)."""
        values = row.values
        call_type = values.get("call_type")
        if call_type is None:
            direction = "inbound"  # a report without CALL TYPE: an inbound campaign's log
        else:
            key = call_type.lower()
            if key not in CALL_TYPES:
                raise FieldError(f"{self.table.header_of('call_type')} {call_type!r} is not a Five9 call type this "
                                 f"reader knows ({KNOWN_TYPES})")
            direction = CALL_TYPES[key]
            if direction is None:
                return None
        source_id = row.text(self.id_column, required=True)
        start = self.start(row)
        duration = self.duration
        ivr = duration(values, "ivr_time")
        queue_wait = duration(values, "queue_wait_time")
        ring = duration(values, "ring_time")
        talk = duration(values, "talk_time")
        call_time = duration(values, "call_time")
        abandoned = row.get("abandoned", parse_bool)
        disposition = (values.get("disposition") or "").lower()
        if abandoned is None and disposition == "abandon":
            abandoned = True  # Five9's system disposition for an abandoned call
        agent = values.get("agent")
        if agent is not None and agent.lower() in NO_AGENT:
            agent = None

        # The call reaches the queue after the IVR: its wait starts there.
        arrived = start + timedelta(seconds=ivr) if ivr else start
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
        skill = _name(values.get("skill"))
        campaign = _name(values.get("campaign"))
        queue = (skill or campaign) if self.queue_by == "skill" else (campaign or skill)
        transfers = row.get("transfers", parse_count) if answered else None
        return Contact(
            source_id=source_id,
            arrived_at=arrived,
            outcome=outcome,
            channel="voice",
            direction=direction,
            queue=queue,
            queue_name=queue,
            answered_at=arrived + timedelta(seconds=wait) if answered and wait is not None else None,
            ended_at=start + timedelta(seconds=call_time) if call_time is not None else None,
            wait_s=None if outcome == "not_queued" else wait,
            talk_s=talk if answered else None,
            hold_s=duration(values, "hold_time") if answered else None,
            wrap_s=duration(values, "after_call_work_time") if answered else None,
            agent=agent if answered else None,
            transferred=transfers > 0 if transfers is not None else None,
            customer=values.get("dnis") if direction == "outbound" else values.get("ani"),
            line=row.line,
        )

    def duration(self, values: dict, column: str) -> float | None:
        """The cell as seconds (None when empty); `FieldError` naming the column as the file writes it."""
        text = values.get(column)
        if text is None:
            return None
        seconds = self.durations.get(text)
        if seconds is None:
            try:
                seconds = parse_duration(text)
            except FieldError as err:
                raise FieldError(f"{self.table.header_of(column)} {text!r}: {err}") from None
            if len(self.durations) < DURATION_CACHE:
                self.durations[text] = seconds
        return seconds

    def start(self, row: Row) -> datetime:
        """When the call began: `TIMESTAMP`, or `DATE` and `TIME`, in the report's time zone."""
        if self.split_time:
            column = "date"
            text = f"{row.text('date', required=True)} {row.text('time', required=True)}"
        else:
            column = "timestamp"
            text = row.text("timestamp", required=True)
        try:
            if self.table.datetime_format:  # the user's layout, read by the host's parser
                return self.table.parse_instant(text)
            naive = parse_timestamp(text)
        except FieldError as err:
            if "has no UTC offset" in str(err):
                self.refuse_without_zone(text, row.line)
            raise FieldError(f"{self.table.header_of(column)} {text!r}: {err}") from None
        if naive.tzinfo is not None:
            return naive
        if self.zone is None:
            self.refuse_without_zone(text, row.line)
        return localise(naive, self.zone, f"{self.table.header_of(column)} {text!r}")

    def refuse_without_zone(self, text: str, line: int) -> None:
        """The whole file is refused: every time in it would be placed in a guessed zone."""
        raise SourceError(f"TIMESTAMP {text!r} has no time zone: Five9 writes the report's local time; pass "
                          "--option timezone=<the report's time zone, e.g. America/Los_Angeles>", file=str(self.path),
                          line=line)


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


def _name(value: str | None) -> str | None:
    return None if value is None or value.lower() in NO_NAME else value
