"""Read the Talkdesk calls report (a CSV export, or the JSON of the Explore / Reporting API) into contacts.

Talkdesk has written this report under two sets of names, and both are read, in CSV and JSON alike
(see README.md for the documentation behind every choice):

- the current one (`call_id`, `type`, `start_at`/`end_at` in UTC with `Z`, durations in seconds:
  `wait_time`, `talk_time`, `hold_time`, `abandon_time`; `ring_groups`, `contact_phone_number`,
  `user_id`, `is_transfer`, `csat_score`);
- the older Explore one, documented as valid until 2026-05-11 (`interaction_id`, `call_type`,
  `start_time`/`end_time` without a zone, durations as *fractions of a day*: `waiting_time`,
  `holding_time`, `talk_time`; `tags` for the ring groups, `customer_phone_number`, `agent_name`,
  `transfer?`). The Explore UI's CSV headers are these names written for people (`Interaction ID`,
  `Waiting Time`, `Transfer?`), which match them once normalised.

Which set a file uses is told by the names of its id, type and start columns (CSV) or keys (JSON,
per record). JSON: the API's `{"entries": [...], "total": N}` pages (one or several), a bare array,
JSON lines (`json_bulk`) or objects back to back. A call's repeated delivery is yielded each time;
the report has no last-update time, so the later copy in file order is the one kept. The calls go to
the host in `ColumnBlock`s, instants as int epoch milliseconds.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Iterator
from operator import itemgetter
from datetime import datetime, timezone, tzinfo
from pathlib import Path
from typing import Any

from ccc_governance.blocks import BlockBuilder
from ccc_governance.errors import SourceError
from ccc_governance.readers import (
    Broken,
    FormatCheck,
    attribute_flag,
    attribute_score,
    iter_objects,
    normalise,
    option_timezone,
)
from ccc_governance.sources import ReadContext

LOOKS_LIKE = "a Talkdesk calls report"

#: Each field the reader uses → the names it goes by, the current report's first. For JSON the keys
#: are looked up as written; a CSV header matches in any case, with spaces, dashes, dots or brackets
#: for underscores (`Interaction ID`, `Waiting Time`). The first name found wins.
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("call_id", "interaction_id"),
    "type": ("type", "call_type"),
    "start": ("start_at", "start_time"),
    "end": ("end_at", "end_time"),
    "wait": ("wait_time", "waiting_time"),
    "talk": ("talk_time",),
    "hold": ("hold_time", "holding_time"),
    "abandon": ("abandon_time",),
    # Not in the calls report; the messaging contacts report of the same API writes `wrap-up_duration`.
    "wrap": ("wrap-up_duration", "wrap_up_duration"),
    # Ring groups were called tags in Talkdesk's older reports (`"tags": "agents+rg1"`).
    "ring_groups": ("ring_groups", "tags"),
    "customer": ("contact_phone_number", "customer_phone_number"),
    "agent": ("user_id", "handling_user_id", "agent_name", "handling_agent"),
    "transfer": ("is_transfer", "transfer?"),
    "external_transfer": ("is_external_transfer",),
    "csat": ("csat_score",),
}
CANON = tuple(COLUMNS)
(I_ID, I_TYPE, I_START, I_END, I_WAIT, I_TALK, I_HOLD, I_ABANDON, I_WRAP, I_RING, I_CUSTOMER, I_AGENT,
 I_TRANSFER, I_EXTERNAL, I_CSAT) = range(len(CANON))
ALIASES = tuple(COLUMNS[c] for c in CANON)
#: The older report's names of the id, type and start: their durations are fractions of a day.
OLDER_NAMES = frozenset({"interaction_id", "call_type", "start_time"})
#: The names shown in a JSON record's messages: the current report's, or the older one's.
CURRENT_NAMES = tuple(a[0] for a in ALIASES)
OLDER_LABELS = ("interaction_id", "call_type", "start_time", "end_time", "waiting_time", "talk_time",
                "holding_time", "abandon_time", "wrap-up_duration", "tags", "customer_phone_number",
                "agent_name", "transfer?", "is_external_transfer", "csat_score")
#: Fields with more than one name whose value may sit under another name in a JSON record.
FALLBACKS = tuple(i for i, names in enumerate(ALIASES) if len(names) > 1 and i not in (0, 1, 2))

#: Talkdesk call type → (outcome, direction). `short_abandoned` is an abandon: the engine applies
#: the contract's own short-abandon threshold to its wait. `missed` (the flow or the queue's
#: maximum time ended the call, the caller did not hang up) and `voicemail` (the flow sent the call
#: to voicemail) are left by the queue: neither answered nor abandoned, so not offered.
TYPES = {
    "inbound": ("answered", "inbound"),
    "abandoned": ("abandoned", "inbound"),
    "short_abandoned": ("abandoned", "inbound"),
    "missed": ("timeout", "inbound"),
    "voicemail": ("timeout", "inbound"),
    "outbound": ("answered", "outbound"),
    "outbound_missed": ("not_queued", "outbound"),
}
TYPE_NAMES = ", ".join(TYPES)
DAY = 86400.0
UNITS = {"seconds": 1.0, "days": DAY}
RING_GROUP = ("as_written", "first", "last")

#: The contact fields of a block row (after source_id and line), in order; `channel` is voice, the default.
FIELDS = ("arrived_at", "outcome", "direction", "queue", "ended_at", "wait_s", "talk_s", "hold_s", "wrap_s", "agent",
          "transferred", "csat", "csat_scale", "customer")
BLOCK = 1000

_UTC = timezone.utc
_fromiso = datetime.fromisoformat
_PAGE = re.compile(rb'"entries"\s*:\s*\[')
_HMS = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d+)?)")
_DHMS = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?")


class BadRecord(ValueError):
    """A field of one call that cannot be read (the call is quarantined with this reason)."""


class Options:
    """The source's options (`[sources.talkdesk]` merged with `--option key=value`)."""

    def __init__(self, raw: dict[str, Any], path: Path):
        self.path = path
        self.zone: tzinfo = option_timezone(raw, path) or _UTC
        unit = str(raw.get("duration_unit") or "").strip().lower()
        if unit and unit not in UNITS:
            raise SourceError(f"option duration_unit={unit!r} must be seconds or days", file=str(path))
        self.unit: float | None = UNITS[unit] if unit else None
        self.ring_group = str(raw.get("ring_group") or "as_written").strip().lower()
        if self.ring_group not in RING_GROUP:
            raise SourceError(f"option ring_group={self.ring_group!r} is not one of {', '.join(RING_GROUP)}",
                              file=str(path))
        self.as_written = self.ring_group == "as_written"
        try:
            self.csat_scale = int(raw.get("csat_scale", 5))
        except (TypeError, ValueError):
            raise SourceError(f"option csat_scale={raw.get('csat_scale')!r} is not a whole number", file=str(path)) from None
        self.datetime_format = str(raw.get("datetime_format") or "").strip() or None
        self.encoding = str(raw.get("encoding") or "utf-8-sig")
        delimiter = raw.get("delimiter")
        self.delimiter = None
        if delimiter not in (None, ""):
            key = str(delimiter) if str(delimiter) in ",;\t|" else str(delimiter).strip().lower()
            self.delimiter = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|"}.get(key)
            if self.delimiter is None:
                raise SourceError(f"option delimiter={delimiter!r} is not one of , ; tab |", file=str(path))

    def unit_for(self, older: bool) -> float:
        """Seconds per unit of a number of the report: the option, else days (older report) or seconds."""
        return self.unit if self.unit is not None else (DAY if older else 1.0)

    def instant(self, value: Any, name: str) -> int | None:
        """A date-time of the report as epoch milliseconds; one without a zone is in `timezone` (UTC)."""
        if value.__class__ is not str:
            if value is None:
                return None
            raise BadRecord(f"{name} {value!r} is not a date-time")
        if not value:
            return None
        try:
            dt = datetime.strptime(value, self.datetime_format) if self.datetime_format else _fromiso(value)
        except ValueError:
            dt = self._unusual(value, name)
        if dt.tzinfo is not None:
            return round(dt.timestamp() * 1000)
        zone = self.zone
        if zone is _UTC:
            return round(dt.replace(tzinfo=_UTC).timestamp() * 1000)
        utc = dt.replace(tzinfo=zone).astimezone(_UTC)
        if utc.astimezone(zone).replace(tzinfo=None) != dt:
            raise BadRecord(f"{name} {value!r} does not exist in {zone} (the clocks went forward)")
        return round(utc.timestamp() * 1000)  # a repeated local hour is read as its first occurrence

    def _unusual(self, value: str, name: str) -> datetime:
        text = value.strip()
        if text.endswith(" UTC"):  # the Reporting API's own spelling ("2016-07-29 00:00:00 UTC")
            text = text[:-4] + "+00:00"
        try:
            if self.datetime_format:
                return datetime.strptime(text, self.datetime_format)
            return _fromiso(text)
        except ValueError:
            expected = self.datetime_format or "ISO 8601 such as 2026-04-23T10:22:26Z or 2026-04-23 10:22:26"
            raise BadRecord(f"{name} {value!r} is not a date-time (expected {expected})") from None

    def queue(self, value: Any) -> str | None:
        """The ring group(s) of a call as the queue (option `ring_group`: as written, first or last)."""
        if value.__class__ is str:
            text = value.strip()
        elif value is None or value.__class__ is bool or isinstance(value, (dict, list)):
            return None
        else:
            text = str(value)
        if not text:
            return None
        if self.as_written or "+" not in text:
            return text
        parts = [p.strip() for p in text.split("+") if p.strip()]
        if not parts:
            return None
        return parts[0] if self.ring_group == "first" else parts[-1]


def _duration(value: Any, name: str, unit: float) -> float | None:
    """A duration of the report in seconds, to the millisecond: a number (in `unit` seconds), or text
    `H:MM:SS`, `M:SS`, `0d 0h 1m 5s`; None and blank stay None."""
    cls = value.__class__
    if cls is str:
        try:
            seconds = float(value)
        except ValueError:
            if not value.strip():
                return None
            return round(_text_duration(value, name), 3)  # a text duration is in seconds whatever the unit
    elif cls is int or cls is float:
        seconds = float(value)  # durations are floats (records.Contact), a JSON integer too
    elif value is None:
        return None
    else:
        raise BadRecord(f"{name} {value!r} is not a duration")
    if unit != 1.0:
        seconds *= unit
    if seconds >= 0 and seconds != math.inf:
        return seconds if seconds.is_integer() else round(seconds, 3)
    raise BadRecord(f"{name} {value!r} is negative" if seconds < 0 else f"{name} {value!r} is not a finite duration")


def _text_duration(value: str, name: str) -> float:
    text = value.strip()
    m = _HMS.fullmatch(text)
    if m:
        return int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    m = _DHMS.fullmatch(text)
    if m and any(m.groups()):
        d, h, mi, s = m.groups()
        return int(d or 0) * 86400 + int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
    raise BadRecord(f"{name} {value!r} is not a duration (seconds, H:MM:SS or 0d 0h 1m 5s)")


def _text(value: Any) -> str | None:
    if value.__class__ is str:
        return value.strip() or None
    if value is None or value.__class__ is bool or isinstance(value, (dict, list)):
        return None
    return str(value)


#: The usual spellings of the report's yes/no values, read without a function call (the rest
#: through `attribute_flag`). JSON booleans and 0/1 are keys too (True == 1, False == 0).
_FLAGS: dict[Any, bool | None] = {"": None, None: None, True: True, False: False}
for _word in ("true", "yes", "y", "1"):
    _FLAGS.update({_word: True, _word.upper(): True, _word.capitalize(): True})
for _word in ("false", "no", "n", "0"):
    _FLAGS.update({_word: False, _word.upper(): False, _word.capitalize(): False})
_UNKNOWN = object()


def _flag(value: Any) -> bool | None:
    found = _FLAGS.get(value, _UNKNOWN) if value.__class__ is not dict and value.__class__ is not list else None
    return attribute_flag(value) if found is _UNKNOWN else found


def row_of(v, line: int, names: tuple[str, ...], unit: float, opts: Options) -> tuple:
    """The block row `(source_id, line, *FIELDS)` of one call (`v`: its values in `CANON` order,
    `names` how the file calls them). Raises `BadRecord` for a value it cannot read."""
    sid = v[I_ID]
    if sid.__class__ is not str:
        if sid is None or isinstance(sid, (bool, dict, list)):
            raise BadRecord(f"{names[I_ID]} is missing" if sid is None else f"{names[I_ID]} {sid!r} is not an id")
        sid = str(sid)
    sid = sid.strip()
    if not sid:
        raise BadRecord(f"{names[I_ID]} is missing")
    kind = v[I_TYPE]
    found = TYPES.get(kind) if kind.__class__ is str else None
    if found is None:
        key = kind.strip().lower().replace(" ", "_").replace("-", "_") if kind.__class__ is str else kind
        found = TYPES.get(key) if key.__class__ is str else None
        if found is None:
            if kind is None or kind == "":
                raise BadRecord(f"{names[I_TYPE]} is missing")
            raise BadRecord(f"{names[I_TYPE]} {kind!r} is not a Talkdesk call type ({TYPE_NAMES})")
    outcome, direction = found
    instant = opts.instant
    arrived = instant(v[I_START], names[I_START])
    if arrived is None:
        raise BadRecord(f"{names[I_START]} is missing")
    ended = instant(v[I_END], names[I_END])
    wait = _duration(v[I_WAIT], names[I_WAIT], unit)
    if outcome == "answered":
        talk = _duration(v[I_TALK], names[I_TALK], unit)
        hold = _duration(v[I_HOLD], names[I_HOLD], unit)
        wrap = _duration(v[I_WRAP], names[I_WRAP], unit)
    else:
        talk = hold = wrap = None
        if outcome == "abandoned" and not wait:
            # Talkdesk's wait is "to be answered or to go to voicemail"; for a call the caller hung
            # up on, the time before abandoning is `abandon_time`.
            abandon = _duration(v[I_ABANDON], names[I_ABANDON], unit)
            if abandon:
                wait = abandon
    if direction == "outbound":
        wait = None  # the agent placed the call: there was no queue wait
    transfer, external = _flag(v[I_TRANSFER]), _flag(v[I_EXTERNAL])
    transferred = True if (transfer or external) else (False if transfer is False or external is False else None)
    csat = v[I_CSAT]
    if csat is not None and csat != "":
        csat = attribute_score(csat)
        if csat is not None and not (0 < csat < math.inf):
            csat = None  # no rating (Talkdesk writes null or 0)
    else:
        csat = None
    customer = v[I_CUSTOMER]
    customer = (customer.strip() or None) if customer.__class__ is str else _text(customer)
    return (sid, line, arrived, outcome, direction, opts.queue(v[I_RING]), ended, wait, talk, hold, wrap,
            _text(v[I_AGENT]), transferred, csat, opts.csat_scale if csat is not None else None, customer)


def read_talkdesk(context: ReadContext) -> Iterator[Any]:
    """The `talkdesk` source's reader: a CSV export or the API's JSON, told apart by the first byte."""
    path = Path(context.path)
    opts = Options(dict(context.options or {}), path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(path)) from None
    with fh:
        head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
        fh.seek(0)
        if not head:
            raise SourceError(f"the file is empty (expected {LOOKS_LIKE})", file=str(path))
        if head[:1] in (b"{", b"["):
            yield from _read_json(context, fh, opts, path)
        else:
            yield from _read_csv(context, fh, opts, path)


def _is_call(value: Any) -> bool:
    return value.__class__ is dict and ("call_id" in value or "interaction_id" in value)


#: Free text an agent or a customer typed: left out of a quarantined call's raw text, which the host
#: stores with only phone numbers and e-mail addresses masked.
NOT_SHOWN = frozenset({"notes", "description", "rating_reason"})


def _shown(record: dict) -> str:
    return _short({k: v for k, v in record.items() if k not in NOT_SHOWN})


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)[:300]


def _pick(record: dict, names: tuple[str, ...]) -> Any:
    for name in names:
        if name in record:
            return record[name]
    return None


def _read_json(ctx: ReadContext, fh, opts: Options, path: Path) -> Iterator[Any]:
    check = FormatCheck(str(path), LOOKS_LIKE, "a call_id or interaction_id")
    batch = BlockBuilder("contact", FIELDS, size=BLOCK)
    seen = 0
    # API pages are read a call at a time through their "entries" wrapper; JSON lines and arrays
    # without it, which spares a pattern match per call.
    wrapper = "entries" if _PAGE.search(fh.read(1 << 16)) else None
    fh.seek(0)
    for item in iter_objects(fh, wrapper_key=wrapper, progress=ctx.progress):
        if item.__class__ is Broken:
            seen += 1
            check.seen(seen)
            check.unreadable(item.line, item.raw)
            if block := batch.flush():
                yield block
            yield ctx.reject(item.line, item.reason, raw=item.raw)
            continue
        value, line = item.value, item.line
        if value.__class__ is dict and value.get("entries").__class__ is list and not _is_call(value):
            # A page whose members before "entries" are not plain values: its calls are read from it.
            records = [(line, entry) for entry in value["entries"]]
        else:
            records = [(line, value)]
        for line, record in records:
            seen += 1
            if not _is_call(record):
                check.seen(seen)
                check.unreadable(line, _short(record))
                if block := batch.flush():
                    yield block
                yield ctx.reject(line, "not a Talkdesk call (no call_id or interaction_id)", raw=_short(record))
                continue
            if not check.ok:
                check.recognised()
            older = "call_id" not in record
            values = list(map(record.get, OLDER_LABELS if older else CURRENT_NAMES))
            for i in FALLBACKS:  # a value under another of its names (e.g. ring_groups in an older record)
                if values[i] is None:
                    values[i] = _pick(record, ALIASES[i])
            try:
                row = row_of(values, line, OLDER_LABELS if older else CURRENT_NAMES, opts.unit_for(older), opts)
            except BadRecord as err:
                if block := batch.flush():
                    yield block
                sid = values[I_ID]
                sid = str(sid) if sid is not None and not isinstance(sid, (dict, list)) else None
                yield ctx.reject(line, f"call {sid}: {err}" if sid else str(err), raw=_shown(record), source_id=sid)
                continue
            if block := batch.add(row):
                yield block
    if block := batch.flush():
        yield block
    check.finish()


def _sniff(sample: str) -> str:
    first = sample.splitlines()[0] if sample else ""
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t|").delimiter
    except csv.Error:
        return max(",;\t|", key=first.count) if any(c in first for c in ",;\t|") else ","


def _read_csv(ctx: ReadContext, binary, opts: Options, path: Path) -> Iterator[Any]:
    try:
        text = io.TextIOWrapper(binary, encoding=opts.encoding, newline="")
    except LookupError:
        raise SourceError(f"option encoding={opts.encoding!r} is not an encoding Python knows", file=str(path)) from None
    try:
        yield from _csv_rows(ctx, binary, text, opts, path)
    except UnicodeDecodeError as err:
        raise SourceError(f"the file is not {opts.encoding} text ({err.reason}); pass --option encoding=cp1252 "
                          "(or the file's encoding)", file=str(path)) from None
    except csv.Error as err:
        raise SourceError(f"the CSV cannot be read: {err}", file=str(path)) from None
    finally:
        text.detach()


def _csv_rows(ctx: ReadContext, binary, text, opts: Options, path: Path) -> Iterator[Any]:
    delimiter = opts.delimiter
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
        raise SourceError(f"the file is empty (expected {LOOKS_LIKE})", file=str(path))
    header_line = reader.line_num
    header[0] = header[0].lstrip("\ufeff")
    normal = [normalise(h) for h in header]
    idx: list[int | None] = []
    names: list[str] = []
    for canon, aliases in zip(CANON, ALIASES):
        position = next((normal.index(normalise(a)) for a in aliases if normalise(a) in normal), None)
        idx.append(position)
        names.append(header[position].strip() if position is not None else aliases[0])
    missing = [COLUMNS[c][0] + "/" + COLUMNS[c][1] for c, i in zip(CANON, idx) if c in ("id", "type", "start") and i is None]
    if missing:
        shown = delimiter.join(header)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise SourceError(f"does not look like {LOOKS_LIKE}: line {header_line} is {shown!r} and has no "
                          f"{', '.join(missing)} column", file=str(path), line=header_line)
    older = any(normal[idx[i]] in OLDER_NAMES for i in (I_ID, I_TYPE, I_START))
    unit = opts.unit_for(older)
    labels = tuple(names)
    width = len(header)
    hidden = [i for i, name in enumerate(normal) if name in NOT_SHOWN]

    def hide(fields: list[str]) -> list[str]:
        return [("" if i in hidden else f) for i, f in enumerate(fields)] if hidden else fields

    # The fields of a row in CANON order; a column the file does not have reads the "" appended to each row.
    get = itemgetter(*(width if i is None else i for i in idx))
    batch = BlockBuilder("contact", FIELDS, size=BLOCK)
    last = reader.line_num
    count = 0
    for fields in reader:
        line = last + 1
        last = reader.line_num
        count += 1
        if not count & 4095:
            ctx.progress(binary.tell())
        if len(fields) != width:
            if not any(f.strip() for f in fields):
                continue
            if block := batch.flush():
                yield block
            yield ctx.reject(line, f"has {len(fields)} fields, the header has {width} (a line cut short?)",
                             raw=delimiter.join(hide(fields)))
            continue
        fields.append("")
        values = get(fields)
        try:
            row = row_of(values, line, labels, unit, opts)
        except BadRecord as err:
            if block := batch.flush():
                yield block
            sid = (values[I_ID] or "").strip() or None
            yield ctx.reject(line, f"call {sid}: {err}" if sid else str(err), raw=delimiter.join(hide(fields[:-1])),
                             source_id=sid)
            continue
        if block := batch.add(row):
            yield block
    if block := batch.flush():
        yield block
    ctx.progress(binary.tell())

