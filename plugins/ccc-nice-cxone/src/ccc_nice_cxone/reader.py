"""Read NICE CXone completed contacts (the Reporting API's JSON) into normalised contacts.

What a file may hold (see README.md for the documentation behind each choice):

- one contact object per line (JSON lines), a JSON array of them, or objects back to back;
- a page of the Reporting API as it returns it: `{"totalRecords": …, "completedContacts": [...]}`
  (`GET /contacts/completed`), `{"totalRecords": …, "contacts": [...]}` (`GET /contacts`), or the
  older `{"resultSet": {"completedContacts": [...]}}`; several pages back to back or one per line.

Both spellings of the fields are read: the older API's (`contactStart`, `ACWSeconds`,
`confSeconds`, `fromAddr`, `mediaType`, numbers and booleans as strings) and the newer one's
(`contactStartDate`, `acwSeconds`, `fromAddress`, `mediaTypeId`). Every record is yielded; the host
keeps, per `contactId`, the copy with the newest `lastUpdateTime`.

The contacts go to the host in `ColumnBlock`s, in storage form: instants as int epoch milliseconds,
worked out from the epoch seconds of `contactStart` and the record's seconds (no datetime arithmetic).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from operator import itemgetter

from ccc_governance.blocks import BlockBuilder, ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, Item, JsonStream, JsonSyntaxError, iter_objects, option_timezone
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

LOOKS_LIKE = "NICE CXone completed contacts"
#: Keys of a Reporting API page that hold the contacts.
PAGE_ARRAYS = ("completedContacts", "contacts")
#: How much of the file is looked at to tell a page from contacts one per line.
HEAD = 1 << 16
_PAGE = re.compile(rb'"(?:completedContacts|contacts)"\s*:\s*\[|"resultSet"\s*:\s*\{')

#: What a contact of this media type is: a ccc channel, `SKIP` (not a customer contact the CCC
#: answers live: skipped, not quarantined) or `DIGITAL` (the channel is in `mediaSubTypeName`).
#: Keys are `mediaTypeName` lower-cased without spaces; `MEDIA_IDS` maps `mediaType`/`mediaTypeId`.
SKIP = "skip"
DIGITAL = "digital"
MEDIA = {
    "call": "voice", "phonecall": "voice", "phone": "voice", "voice": "voice",
    "chat": "chat", "email": "email", "sms": "sms", "social": "social", "digital": DIGITAL,
    "voicemail": SKIP, "workitem": SKIP, "fax": SKIP,
}
MEDIA_IDS = {1: "email", 2: "fax", 3: "chat", 4: "call", 5: "voicemail", 6: "workitem", 7: "sms", 8: "social",
             9: "digital"}
#: `mediaTypeName` as CXone writes it → the channel (or SKIP), read without normalising (others:
#: `_channel`). Digital is not here: its channel depends on `mediaSubTypeName`.
_MEDIA_NAMES = {name: MEDIA[name.replace(" ", "").lower()]
                for name in ("Call", "Chat", "Email", "SMS", "Social", "Voice Mail", "Work Item", "Fax")}
#: Words of a digital contact's `mediaSubTypeName`, first match wins; anything else is chat.
DIGITAL_WORDS = (
    ("mail", "email"), ("sms", "sms"), ("text", "sms"),
    ("messenger", "chat"), ("whatsapp", "chat"), ("chat", "chat"), ("messag", "chat"),
    ("facebook", "social"), ("twitter", "social"), ("instagram", "social"), ("linkedin", "social"),
    ("youtube", "social"),
)
TRUE = frozenset({"true", "1", "yes", "y"})
FALSE = frozenset({"false", "0", "no", "n"})
_UTC = timezone.utc
_fromiso = datetime.fromisoformat
#: The contact fields of a block row, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "customer", "version")
#: Contacts per block.
BLOCK = 1000
#: The longest duration read (300 years); more is refused rather than placed past the calendar's end.
MAX_SECONDS = 300 * 366 * 86400.0


class BadRecord(ValueError):
    """A field of one record that cannot be read (the record is quarantined)."""


def read_completed_contacts(context: ReadContext) -> Iterator[ColumnBlock | Rejected]:
    """The source's reader: the completed contacts of the file in `ColumnBlock`s, and a `Rejected`
    row for every record that cannot be read (the block before it is yielded first: the file's order
    is kept); raise `SourceError` for a file that is not CXone contacts at all.

    Option `timezone`: the zone of timestamps written without an offset (CXone writes UTC with
    `Z`; default UTC).
    """
    zone = option_timezone(context.options, context.path) or _UTC
    try:
        raw = open(context.path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(context.path)) from None
    with raw:
        check = FormatCheck(str(context.path), LOOKS_LIKE, "a contactId")
        check.starts_as_json(raw, "the JSON of CXone's completed contacts: objects with a contactId")
        head = raw.read(HEAD)
        raw.seek(0)
        page = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"{" and _PAGE.search(head) is not None
        if not page and b'"contactId"' not in head:
            # Refused before decoding anything: another platform's export (a Genesys or Connect
            # file, one big object) would otherwise be decoded whole just to be refused.
            first = head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace").strip()
            check.first_bad = (1, first)
            check.refuse("and no object in its first 64 KB has a contactId")
        if page:  # a page of the API may hold no contact at all: an interval without contacts
            items = _page_items(raw, context)
        else:
            items = iter_objects(raw, progress=context.progress)
        rows: list[tuple] = []  # block rows not yielded yet
        count = 0
        for item in items:
            if item.__class__ is Item:  # the usual item, a contact with its contactId: read here, inline
                record = item.value
                cid = record.get("contactId") if record.__class__ is dict else None
                if cid is not None and cid != "":
                    count += 1
                    if not check.ok:
                        check.recognised()
                    try:
                        row = contact_row(record, item.line, zone)
                    except BadRecord as exc:
                        yield from _after(rows, context.reject(item.line, f"contact {cid}: {exc}", _short(record),
                                                               str(cid)))
                        continue
                    if row is not None:
                        rows.append(row)
                        if len(rows) >= BLOCK:
                            yield _block(rows)
                            rows = []
                    continue
            # Anything else (text that is not JSON, a page inside JSON lines, an object without
            # contactId): as `_records` gives it.
            for record, line, raw_text in _records((item,)):
                count += 1
                if record is None:  # text that is not JSON
                    check.seen(count)
                    check.unreadable(line, raw_text[0])
                    yield from _after(rows, context.reject(line, raw_text[1], raw_text[0]))
                    continue
                cid = record.get("contactId") if record.__class__ is dict else None
                if cid is None or cid == "":
                    check.seen(count)
                    check.unreadable(line, _short(record))
                    yield from _after(rows, context.reject(line, "not a completed contact (no contactId)",
                                                           _short(record)))
                    continue
                if not check.ok:
                    check.recognised()
                try:
                    row = contact_row(record, line, zone)
                except BadRecord as exc:
                    yield from _after(rows, context.reject(line, f"contact {cid}: {exc}", _short(record), str(cid)))
                    continue
                if row is not None:
                    rows.append(row)
                    if len(rows) >= BLOCK:
                        yield _block(rows)
                        rows = []
        if rows:
            yield _block(rows)
        check.finish()


#: The layout of the blocks, checked once (ValueError if the host cannot take it).
BlockBuilder("contact", FIELDS)


def _after(rows: list[tuple], rejected: Rejected) -> Iterator[ColumnBlock | Rejected]:
    """The block of the rows read so far (emptied), then a rejected record: the file's order is kept."""
    if rows:
        yield _block(rows)
        rows.clear()
    yield rejected


def _block(rows: list[tuple]) -> ColumnBlock:
    """Block rows `(source_id, line, *FIELDS)` as a block."""
    return ColumnBlock(kind="contact", fields=FIELDS, columns=[list(c) for c in zip(*rows)])


def _records(items) -> Iterator[tuple]:
    """(record, line, None) for each contact object, pages opened; (None, line, (raw, reason)) for
    text that is not JSON."""
    for item in items:
        if item.__class__ is Broken:
            yield None, item.line, (item.raw, item.reason)
            continue
        value = item.value
        if value.__class__ is dict and "contactId" not in value:
            inner = _page_array(value)
            if inner is not None:
                # A page inside JSON lines or an array of pages: one page is decoded whole (the
                # API returns at most 10,000 contacts a page); its contacts all carry its line.
                for element in inner:
                    yield element, item.line, None
                continue
        yield value, item.line, None


def _page_array(page: dict) -> list | None:
    for key in PAGE_ARRAYS:
        if isinstance(page.get(key), list):
            return page[key]
    inner = page.get("resultSet")
    return _page_array(inner) if isinstance(inner, dict) else None


def _page_items(raw, context: ReadContext) -> Iterator[Item | Broken]:
    """The contacts of Reporting API pages, one element at a time (the page is never held whole).

    The first syntax error stops the walk (nothing after it can be placed): it is yielded as a
    `Broken` item naming its line, so that a page cut short keeps the contacts read before it.
    """
    stream = JsonStream(raw, progress=context.progress, errors="replace")
    found = [False]
    index = 0
    item = Item._make
    try:
        while not stream.at_end():
            for line, value in _walk_page(stream, found):
                yield item((value, line, index))
                index += 1
    except JsonSyntaxError as err:
        # `stream.line` is where the value being decoded starts: the record that is cut short.
        where = "" if err.line == stream.line else f" at line {err.line}"
        yield Broken(stream.line, index, f"{err}{where}: a record cut short or damaged; nothing after it can be read",
                     "")
        return
    if not found[0]:
        raise SourceError(f"does not look like {LOOKS_LIKE}: the JSON object has no completedContacts or contacts "
                          "array", file=str(context.path))


def _walk_page(stream: JsonStream, found: list) -> Iterator[tuple[int, object]]:
    for key in stream.members():
        if key in PAGE_ARRAYS and stream.peek() == "[":
            found[0] = True
            yield from stream.array()
        elif key == "resultSet" and stream.peek() == "{":
            yield from _walk_page(stream, found)
        else:
            stream.skip()


#: The fields of a completed contact in the usual shape, taken from it at once by `contact_row`.
_USUAL = itemgetter("contactId", "mediaTypeName", "contactStart", "preQueueSeconds", "inQueueSeconds",
                    "agentSeconds", "holdSeconds", "ACWSeconds", "totalDurationSeconds", "abandoned", "isOutbound",
                    "agentId", "skillName", "fromAddr", "toAddr", "lastUpdateTime", "transferIndicatorId")


def contact_row(r: dict, line: int | None, zone: tzinfo = _UTC) -> tuple | None:
    """The block row `(source_id, line, *FIELDS)` of one completed-contact object, or None for a
    media type that is not a live customer contact (voicemail, work item, fax: skipped). Raises
    `BadRecord` with the reason.

    The usual shape (every field of `GET /contacts/completed`: JSON numbers and booleans, whole
    seconds, times in UTC with `Z`, a known `mediaTypeName`) is read here, its fields taken at
    once; anything else by `read_contact`, which gives the same row (a test compares the two)."""
    try:
        (cid, name, start, pre, in_queue, agent_s, hold, acw, total, abandoned, outbound, agent, skill, caller,
         called, updated, transfer) = _USUAL(r)
    except KeyError:
        return read_contact(r, line, zone)
    channel = _MEDIA_NAMES.get(name) if name.__class__ is str else None
    customer = called if outbound is True else caller
    if (channel is None or cid.__class__ is not int or start.__class__ is not str or start[-1:] != "Z"
            or updated.__class__ is not str or updated[-1:] != "Z" or pre.__class__ is not int
            or in_queue.__class__ is not int or agent_s.__class__ is not int or hold.__class__ is not int
            or acw.__class__ is not int or total.__class__ is not int or agent.__class__ is not int
            or transfer.__class__ is not int or skill.__class__ is not str or customer.__class__ is not str
            or (abandoned is not True and abandoned is not False) or (outbound is not True and outbound is not False)
            or "isActive" in r):
        return read_contact(r, line, zone)
    if channel is SKIP:
        return None
    if not (0 <= pre <= MAX_SECONDS and 0 <= in_queue <= MAX_SECONDS and 0 <= agent_s <= MAX_SECONDS
            and 0 <= hold <= MAX_SECONDS and 0 <= acw <= MAX_SECONDS and 0 <= total <= MAX_SECONDS):
        return read_contact(r, line, zone)
    try:
        start = _fromiso(start).timestamp()
        version = round(_fromiso(updated).timestamp() * 1000)
    except ValueError:
        return read_contact(r, line, zone)
    pre, in_queue = float(pre), float(in_queue)
    arrived = start + pre if pre else start
    skill = skill.strip() or None
    queue = skill if skill is not None else _skill_id(r)
    customer = customer.strip() or None
    direction = "outbound" if outbound else "inbound"
    ended = round((start + total) * 1000)
    if agent_s > 0:
        hold = float(hold)
        return (str(cid), line, round(arrived * 1000), "answered", channel, direction, queue, skill,
                round((arrived + in_queue) * 1000), ended, in_queue, max(0.0, float(agent_s) - hold), hold,
                float(acw), str(agent) if agent else None, transfer != 0, customer, version)
    if abandoned:
        outcome = "not_queued" if in_queue == 0 and pre else "abandoned"
    else:
        outcome = "timeout" if in_queue else "not_queued"
    return (str(cid), line, round(arrived * 1000), outcome, channel, direction, queue, skill, None, ended,
            None if outcome == "not_queued" else in_queue, None, None, None, None, None, customer, version)


def read_contact(r: dict, line: int | None, zone: tzinfo = _UTC) -> tuple | None:
    """`contact_row` for a contact of any shape: both spellings of the fields, numbers and booleans
    as text, null or missing fields, times with an offset or none."""
    get = r.get
    cid = get("contactId")
    source_id = str(cid) if cid.__class__ is int else _identifier(cid)
    name = get("mediaTypeName")
    channel = _MEDIA_NAMES.get(name) if name.__class__ is str else None
    if channel is None:
        channel = _channel(r)
    if channel is SKIP:
        return None
    text = get("contactStart")
    if text is None:
        text = get("contactStartDate")
    try:  # the usual `2026-10-05T08:00:00.250Z`, read inline
        start = _fromiso(text).timestamp() if text.__class__ is str and text[-1:] == "Z" else None
    except ValueError:
        start = None
    if start is None:
        start = _epoch(text, "contactStart", zone)
        if start is None:
            raise BadRecord("no contactStart: when the contact began is unknown")
    # Durations: a whole number of seconds in range is taken as it is, anything else is checked.
    pre = get("preQueueSeconds")
    pre = float(pre) if pre.__class__ is int and 0 <= pre <= MAX_SECONDS else _seconds(pre, "preQueueSeconds")
    in_queue = get("inQueueSeconds")
    in_queue = (float(in_queue) if in_queue.__class__ is int and 0 <= in_queue <= MAX_SECONDS
                else _seconds(in_queue, "inQueueSeconds"))
    agent_s = get("agentSeconds")
    agent_s = (float(agent_s) if agent_s.__class__ is int and 0 <= agent_s <= MAX_SECONDS
               else _seconds(agent_s, "agentSeconds"))
    hold = get("holdSeconds")
    hold = float(hold) if hold.__class__ is int and 0 <= hold <= MAX_SECONDS else _seconds(hold, "holdSeconds")
    acw = get("ACWSeconds")
    if acw is None:
        acw = get("acwSeconds")
    acw = float(acw) if acw.__class__ is int and 0 <= acw <= MAX_SECONDS else _seconds(acw, "ACWSeconds")
    total = get("totalDurationSeconds")
    total = (float(total) if total.__class__ is int and 0 <= total <= MAX_SECONDS
             else _seconds(total, "totalDurationSeconds"))
    abandoned = get("abandoned")
    if abandoned is not True and abandoned is not False and abandoned is not None:
        abandoned = _flag(abandoned, "abandoned")
    outbound = get("isOutbound")
    if outbound is not True and outbound is not False and outbound is not None:
        outbound = _flag(outbound, "isOutbound")
    active = get("isActive")
    if active is not True and active is not False and active is not None:
        active = _flag(active, "isActive")
    agent = get("agentId")
    agent = (str(agent) if agent else None) if agent.__class__ is int else _agent(agent)
    # The contact reaches the skill's queue after the IVR (pre-queue): its wait starts there.
    arrived = start + pre if pre else start

    if active:
        outcome = "open"
    elif (agent_s is not None and agent_s > 0) or (agent_s is None and agent is not None and not abandoned):
        outcome = "answered"
    elif abandoned:
        # Hung up in the IVR, before the skill's queue: never offered.
        outcome = "not_queued" if in_queue == 0 and pre else "abandoned"
    elif in_queue:
        # Left the queue without an agent and without hanging up: the script moved it on
        # (voicemail, a callback, a transfer out); CXone's record does not say which.
        outcome = "timeout"
    else:
        outcome = "not_queued"

    skill = get("skillName")
    skill = (skill.strip() or None) if skill.__class__ is str else _text(skill)
    queue = skill if skill is not None else _skill_id(r)
    if outbound:
        customer = get("toAddr")
        if customer is None:
            customer = get("toAddress")
    else:
        customer = get("fromAddr")
        if customer is None:
            customer = get("fromAddress")
    customer = (customer.strip() or None) if customer.__class__ is str else _text(customer)
    text = get("lastUpdateTime")
    try:
        version = _fromiso(text).timestamp() if text.__class__ is str and text[-1:] == "Z" else None
    except ValueError:
        version = None
    if version is None:
        version = _epoch(text, "lastUpdateTime", zone)
    version = None if version is None else round(version * 1000)
    ended = round((start + total) * 1000) if total is not None else None
    direction = "outbound" if outbound else "inbound"
    if outcome != "answered":
        return (source_id, line, round(arrived * 1000), outcome, channel, direction, queue, skill, None, ended,
                None if outcome == "not_queued" else in_queue, None, None, None, None, None, customer, version)
    transferred = get("transferIndicatorId")
    transferred = transferred != 0 if transferred.__class__ is int else _transferred(r)
    return (
        source_id, line, round(arrived * 1000), outcome, channel, direction, queue, skill,
        round((arrived + in_queue) * 1000) if in_queue is not None else None,  # answered_at
        ended, in_queue,  # wait_s
        # talk_s: agentSeconds is the whole time the agent was connected, holds included (the
        # fields add up: pre-queue + in-queue + agent + post-queue = total duration).
        max(0.0, agent_s - (hold or 0.0)) if agent_s is not None else None,
        hold, acw, agent, transferred, customer, version,
    )


def _skill_id(r: dict) -> str | None:
    """The queue of a contact without a skill name: its skill's id (0 or nothing: none)."""
    skill_id = r.get("skillId")
    return str(skill_id) if skill_id not in (None, "", 0, "0") else None


def _pick(r: dict, *names: str):
    for name in names:
        value = r.get(name)
        if value is not None:
            return value
    return None


def _text(value) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _identifier(value) -> str:
    if value.__class__ is int:
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise BadRecord(f"contactId {value!r} is not an id")


def _channel(r: dict) -> str:
    name = r.get("mediaTypeName")
    key = name.replace(" ", "").lower() if isinstance(name, str) and name.strip() else None
    if key is None:
        media_id = _pick(r, "mediaTypeId", "mediaType")
        if media_id in (None, ""):
            return "voice"  # the older API's contacts without a media type are calls
        try:
            key = MEDIA_IDS.get(int(media_id))
        except (TypeError, ValueError):
            key = None
        if key is None:
            raise BadRecord(f"mediaType {media_id!r} is not a CXone media type (1-9)")
    channel = MEDIA.get(key)
    if channel is None:
        raise BadRecord(f"mediaTypeName {name!r} is not a media type this reader knows (Call, Chat, Email, SMS, "
                        "Social, Digital; Voice Mail, Work Item and Fax are skipped)")
    if channel is DIGITAL:
        sub = str(r.get("mediaSubTypeName") or "").lower()
        return next((ch for word, ch in DIGITAL_WORDS if word in sub), "chat")
    return channel


def _epoch(value, field: str, zone: tzinfo) -> float | None:
    """An ISO 8601 timestamp as epoch seconds; without an offset it is in `zone` (CXone writes UTC
    with `Z`)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} {value!r} is not a timestamp")
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadRecord(f"{field} {value!r} is not an ISO 8601 timestamp") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone)
    return dt.timestamp()


def _seconds(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    if value.__class__ is int:  # compared as it is: an int may be too large for a float
        seconds = value if value < 0 or value > MAX_SECONDS else float(value)
    elif value.__class__ is float:
        seconds = value
    elif isinstance(value, str):
        try:
            seconds = float(value.strip())
        except ValueError:
            raise BadRecord(f"{field} {value!r} is not a number of seconds") from None
    else:
        raise BadRecord(f"{field} {value!r} is not a number of seconds")
    if seconds != seconds or seconds in (float("inf"), float("-inf")):
        raise BadRecord(f"{field} {value!r} is not a number of seconds")
    if seconds < 0:
        raise BadRecord(f"{field} {value!r} is negative")
    if seconds > MAX_SECONDS:  # would place the contact's times outside any calendar
        raise BadRecord(f"{field} {value!r} is more than 300 years")
    return seconds


def _flag(value, field: str) -> bool | None:
    if value is None or value == "":
        return None
    if value is True or value is False:
        return value
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise BadRecord(f"{field} {value!r} is not true or false")


def _agent(value) -> str | None:
    """The agent's id; CXone writes 0 (or nothing) when no agent took the contact."""
    if value is None or value == "" or value == 0 or value == "0":
        return None
    return str(value).strip() or None


def _transferred(r: dict) -> bool | None:
    indicator = r.get("transferIndicatorId")
    name = r.get("transferIndicatorName")
    if indicator in (None, "") and name in (None, ""):
        return None
    if indicator not in (None, ""):
        try:
            return int(indicator) != 0
        except (TypeError, ValueError):
            pass
    return str(name).strip().lower() not in ("", "none")


def _short(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]
