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
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone, tzinfo

from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, Item, JsonStream, JsonSyntaxError, iter_objects, option_timezone
from ccc_governance.records import Contact, Rejected
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


class BadRecord(ValueError):
    """A field of one record that cannot be read (the record is quarantined)."""


def read_completed_contacts(context: ReadContext) -> Iterator[Contact | Rejected]:
    """Yield a `Contact` for every completed contact in the file, and a `Rejected` row for every
    record that cannot be read; raise `SourceError` for a file that is not CXone contacts at all.

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
        count = 0
        for record, line, raw_text in _records(items):
            count += 1
            if record is None:  # text that is not JSON
                check.seen(count)
                check.unreadable(line, raw_text[0])
                yield context.reject(line, raw_text[1], raw_text[0])
                continue
            cid = record.get("contactId") if record.__class__ is dict else None
            if cid is None or cid == "":
                check.seen(count)
                check.unreadable(line, _short(record))
                yield context.reject(line, "not a completed contact (no contactId)", _short(record))
                continue
            if not check.ok:
                check.recognised()
            try:
                contact = contact_of(record, line, zone)
            except BadRecord as exc:
                yield context.reject(line, f"contact {cid}: {exc}", _short(record), str(cid))
                continue
            if contact is not None:
                yield contact
        check.finish()


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
    try:
        while not stream.at_end():
            for line, value in _walk_page(stream, found):
                yield Item(value, line, index)
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


def contact_of(r: dict, line: int | None, zone: tzinfo = _UTC) -> Contact | None:
    """The `Contact` of one completed-contact object, or None for a media type that is not a live
    customer contact (voicemail, work item, fax: skipped). Raises `BadRecord` with the reason."""
    source_id = _identifier(r["contactId"])
    channel = _channel(r)
    if channel is SKIP:
        return None
    start = _instant(_pick(r, "contactStart", "contactStartDate"), "contactStart", zone)
    if start is None:
        raise BadRecord("no contactStart: when the contact began is unknown")
    pre = _seconds(r.get("preQueueSeconds"), "preQueueSeconds")
    in_queue = _seconds(r.get("inQueueSeconds"), "inQueueSeconds")
    agent_s = _seconds(r.get("agentSeconds"), "agentSeconds")
    hold = _seconds(r.get("holdSeconds"), "holdSeconds")
    acw = _seconds(_pick(r, "ACWSeconds", "acwSeconds"), "ACWSeconds")
    total = _seconds(r.get("totalDurationSeconds"), "totalDurationSeconds")
    abandoned = _flag(r.get("abandoned"), "abandoned")
    outbound = _flag(r.get("isOutbound"), "isOutbound")
    active = _flag(r.get("isActive"), "isActive")
    agent = _agent(r.get("agentId"))
    # The contact reaches the skill's queue after the IVR (pre-queue): its wait starts there.
    arrived = start + timedelta(seconds=pre) if pre else start

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

    answered = outcome == "answered"
    skill = _text(r.get("skillName"))
    skill_id = r.get("skillId")
    queue = skill if skill is not None else (str(skill_id) if skill_id not in (None, "", 0, "0") else None)
    customer = _pick(r, "toAddr", "toAddress") if outbound else _pick(r, "fromAddr", "fromAddress")
    return Contact(
        source_id=source_id,
        arrived_at=arrived,
        outcome=outcome,
        channel=channel,
        direction="outbound" if outbound else "inbound",
        queue=queue,
        queue_name=skill,
        answered_at=arrived + timedelta(seconds=in_queue) if answered and in_queue is not None else None,
        ended_at=start + timedelta(seconds=total) if total is not None else None,
        wait_s=None if outcome == "not_queued" else in_queue,
        # agentSeconds is the whole time the agent was connected, holds included (the fields add
        # up: pre-queue + in-queue + agent + post-queue = total duration).
        talk_s=max(0.0, agent_s - (hold or 0.0)) if answered and agent_s is not None else None,
        hold_s=hold if answered else None,
        wrap_s=acw if answered else None,
        agent=agent if answered else None,
        transferred=_transferred(r) if answered else None,
        customer=_text(customer),
        version=_instant(r.get("lastUpdateTime"), "lastUpdateTime", zone),
        line=line,
    )


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


def _instant(value, field: str, zone: tzinfo) -> datetime | None:
    """An ISO 8601 timestamp; without an offset it is in `zone` (CXone writes UTC with `Z`)."""
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
    return dt


def _seconds(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    if value.__class__ is int or value.__class__ is float:
        seconds = float(value)
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
