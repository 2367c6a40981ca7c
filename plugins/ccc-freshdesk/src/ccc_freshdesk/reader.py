"""Read Freshdesk tickets as the API returns them (with `include=stats`) into contacts.

What a file may hold (see README.md for the documentation behind each choice): the pages of
`GET /api/v2/tickets` (a bare JSON array; several pages back to back or one per line), the pages of
`GET /api/v2/search/tickets` (`{"results": [...], "total": N}`), a single ticket
(`GET /api/v2/tickets/{id}`), or one ticket per line. Tickets are streamed, one at a time.

A ticket with its `stats` (`include=stats`) is a complete contact: its first response and
resolution come from `stats.first_responded_at` and `stats.resolved_at`. A ticket without `stats`
is read as a partial contact (`partial=True`): what it says replaces the stored row's fields, the
response and resolution times already stored from an export with stats are kept. Each delivery
carries its `updated_at` as the version: a later one replaces an earlier one wherever it sits.

The tickets go to the host in `ColumnBlock`s (partial ones in blocks of their own), instants as int
epoch milliseconds.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone, tzinfo
from operator import itemgetter
from pathlib import Path
from typing import Any

from ccc_governance.blocks import BlockBuilder
from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, iter_objects, option_pairs, option_timezone
from ccc_governance.sources import ReadContext

LOOKS_LIKE = "Freshdesk tickets"
CCC_CHANNELS = ("voice", "email", "chat", "social", "sms", "video")

#: Ticket `source` → channel. 1, 2, 3, 7, 9 and 10 are in the API documentation's list; 4–6, 8 and
#: 11–13 are the other choices of the `source` ticket field as accounts return them
#: (`GET /api/v2/ticket_fields`). Accounts may add their own: map them with the `channels` option.
SOURCES: dict[int, str] = {
    1: "email",    # Email
    2: "email",    # Portal: a web form
    3: "voice",    # Phone: a ticket logged for a call
    4: "social",   # Forum (community)
    5: "social",   # Twitter
    6: "social",   # Facebook
    7: "chat",     # Chat
    8: "email",    # MobiHelp: the in-app ticket form of the mobile SDK
    9: "email",    # Feedback Widget: a web form
    10: "email",   # Outbound Email: the agent wrote first
    11: "email",   # Ecommerce
    12: "chat",    # Bot
    13: "chat",    # WhatsApp
}
#: The same by label (exports and integrations that write the label instead of the number).
SOURCE_NAMES = {"email": 1, "portal": 2, "phone": 3, "forum": 4, "twitter": 5, "facebook": 6, "chat": 7,
                "mobihelp": 8, "feedback widget": 9, "feedback_widget": 9, "outbound email": 10,
                "outbound_email": 10, "ecommerce": 11, "e-commerce": 11, "bot": 12, "whatsapp": 13}
OUTBOUND_SOURCE = 10

#: Ticket `status`: 2 Open, 3 Pending, 4 Resolved, 5 Closed; 6 and up are an account's own statuses
#: ("Waiting on Customer", "Waiting on Third Party" …).
OPEN, PENDING, RESOLVED, CLOSED = 2, 3, 4, 5
STATUS_NAMES = {"open": OPEN, "pending": PENDING, "resolved": RESOLVED, "closed": CLOSED}
PRIORITIES = {1: "low", 2: "medium", 3: "high", 4: "urgent"}
PRIORITY_NAMES = {name: number for number, name in PRIORITIES.items()}
QUEUE_BY = ("group", "group_priority", "priority")

#: The contact fields of a ticket, in the order its block row carries them (a ticket without stats
#: has None for `ended_at`, `first_response_s` and `resolution_s`: its block is partial).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "ended_at", "agent",
          "first_response_s", "resolution_s", "customer", "version")
BLOCK = 1000

_UTC = timezone.utc
_fromiso = datetime.fromisoformat
_SEARCH_PAGE = re.compile(rb'"results"\s*:\s*\[')


class BadTicket(ValueError):
    """A field of one ticket that cannot be read (the ticket is quarantined with this reason)."""



class Options:
    """The source's options (`[sources.freshdesk]` merged with `--option key=value`)."""

    def __init__(self, raw: dict[str, Any], path: Path):
        self.zone: tzinfo = option_timezone(raw, path) or _UTC
        self.groups = option_pairs(raw.get("groups"), "groups", path, "84000219438=Billing")
        self.queue_by = str(raw.get("queue") or "group").strip().lower()
        if self.queue_by not in QUEUE_BY:
            raise SourceError(f"option queue={self.queue_by!r} is not one of {', '.join(QUEUE_BY)}", file=str(path))
        self.sources = dict(SOURCES)
        for key, channel in option_pairs(raw.get("channels"), "channels", path, "84000219438=Billing").items():
            number = SOURCE_NAMES.get(key.lower()) if not key.isdigit() else int(key)
            if number is None:
                raise SourceError(f"option channels: {key!r} is not a source number or label", file=str(path))
            if channel not in CCC_CHANNELS:
                raise SourceError(f"option channels: {channel!r} (for source {key}) is not one of "
                                  f"{', '.join(CCC_CHANNELS)}", file=str(path))
            self.sources[number] = channel


def _instant(value: Any, name: str, zone: tzinfo) -> int | None:
    """An API time (ISO 8601, UTC with `Z`) as epoch milliseconds; one without a zone is in `zone`."""
    if value.__class__ is not str:
        if value is None:
            return None
        raise BadTicket(f"{name} {value!r} is not a date-time")
    if not value:
        return None
    try:
        dt = _fromiso(value)
    except ValueError:
        raise BadTicket(f"{name} {value!r} is not an ISO 8601 date-time (Freshdesk writes 2026-10-05T08:00:00Z)") from None
    if dt.tzinfo is not None:
        return round(dt.timestamp() * 1000)
    if zone is _UTC:
        return round(dt.replace(tzinfo=_UTC).timestamp() * 1000)
    utc = dt.replace(tzinfo=zone).astimezone(_UTC)
    if utc.astimezone(zone).replace(tzinfo=None) != dt:
        raise BadTicket(f"{name} {value!r} does not exist in {zone} (the clocks went forward)")
    return round(utc.timestamp() * 1000)


def _when(value: Any, name: str, zone: tzinfo) -> int | None:
    """`_instant`, with the API's usual `2026-10-05T08:00:00Z` read inline."""
    if value.__class__ is str:
        try:
            dt = _fromiso(value)
        except ValueError:
            return _instant(value, name, zone)  # raises with the reason (or None for "")
        return round(dt.timestamp() * 1000) if dt.tzinfo is not None else _instant(value, name, zone)
    return None if value is None else _instant(value, name, zone)


def _id(value: Any) -> str | None:
    cls = value.__class__
    if cls is int:
        return str(value)
    if cls is str:
        return value.strip() or None
    if cls is float and value.is_integer():
        return str(int(value))
    return None


def _code(value: Any, names: dict[str, int], field: str, known: str) -> int:
    """A number of the API (`status`, `source`, `priority`), or its label."""
    if value.__class__ is int:
        return value
    if value.__class__ is str:
        text = value.strip()
        if text.isdigit():
            return int(text)
        number = names.get(text.lower())
        if number is not None:
            return number
    if value is None:
        raise BadTicket(f"{field} is missing")
    raise BadTicket(f"{field} {value!r} is not {known}")


def _since(later: int | None, earlier: int, name: str) -> float | None:
    """Seconds from `earlier` to `later` (epoch ms)."""
    if later is None:
        return None
    if later < earlier:
        raise BadTicket(f"{name} is before created_at")
    return (later - earlier) / 1000


#: The properties of a ticket in the usual shape (`GET /api/v2/tickets?include=stats`, or a search
#: result without `stats`), taken at once.
_USUAL = itemgetter("spam", "id", "created_at", "status", "source", "group_id", "responder_id", "requester_id",
                    "updated_at")
_USUAL_STATS = itemgetter("first_responded_at", "agent_responded_at", "resolved_at", "closed_at")
_NUMBER_OR_NONE = (int, type(None))


def ticket_row(t: dict, line: int, opts: Options) -> tuple[bool, tuple] | None:
    """`(partial, block row)` of one ticket: `partial` when it has no stats, the row `(source_id,
    line, *FIELDS)`; None for a ticket that is not a customer contact (spam, deleted). Raises `BadTicket`.

    The usual shape (a listed ticket with its stats, or a search result without: numbers as JSON
    numbers, times in UTC with `Z`, queues by group) is read here, its properties taken at once;
    anything else by `read_ticket`, which gives the same row (a test compares the two)."""
    try:
        spam, tid, created, status, source, group, agent, customer, updated = _USUAL(t)
        stats = t.get("stats")
        first, responded, resolved, closed = (None,) * 4 if stats is None else _USUAL_STATS(stats)
    except (KeyError, TypeError):  # (TypeError: stats is not an object)
        return read_ticket(t, line, opts)
    channel = opts.sources.get(source) if source.__class__ is int else None
    if (spam is not False or channel is None or tid.__class__ is not int or status.__class__ is not int
            or status < OPEN or (stats is not None and stats.__class__ is not dict) or "deleted" in t
            or opts.queue_by != "group" or created.__class__ is not str or created[-1:] != "Z"
            or updated.__class__ is not str or updated[-1:] != "Z" or group.__class__ not in _NUMBER_OR_NONE
            or agent.__class__ not in _NUMBER_OR_NONE or customer.__class__ not in _NUMBER_OR_NONE
            or (first is not None and (first.__class__ is not str or first[-1:] != "Z"))):
        return read_ticket(t, line, opts)
    try:
        created_ms = round(_fromiso(created).timestamp() * 1000)
        first_ms = None if first is None else round(_fromiso(first).timestamp() * 1000)
        version = first_ms if updated == first else round(_fromiso(updated).timestamp() * 1000)
    except ValueError:
        return read_ticket(t, line, opts)
    if first_ms is not None and first_ms < created_ms:
        return read_ticket(t, line, opts)  # (the reason is given there)
    ended = resolution = None
    if stats is not None and (status == RESOLVED or status == CLOSED):
        end = resolved if resolved is not None else closed
        if end is not None:
            if end.__class__ is not str or end[-1:] != "Z":
                return read_ticket(t, line, opts)
            try:
                ended = version if end == updated else round(_fromiso(end).timestamp() * 1000)
            except ValueError:
                return read_ticket(t, line, opts)
            if ended < created_ms:
                return read_ticket(t, line, opts)
            resolution = (ended - created_ms) / 1000
    if status == OPEN or status > CLOSED:
        outcome = "answered" if first_ms is not None or responded is not None else "open"
    else:
        outcome = "answered"
    queue = None if group is None else str(group)
    return stats is None, (
        str(tid), line, created_ms, outcome, channel, "outbound" if source == OUTBOUND_SOURCE else "inbound", queue,
        opts.groups.get(queue) if queue and opts.groups else None, ended, None if agent is None else str(agent),
        None if first_ms is None else (first_ms - created_ms) / 1000, resolution,
        None if customer is None else str(customer), version,
    )


def read_ticket(t: dict, line: int, opts: Options) -> tuple[bool, tuple] | None:
    """`ticket_row` for a ticket of any shape (without stats, labels for numbers, times with an
    offset or none, another queue option)."""
    get = t.get
    if get("spam") is True or get("deleted") is True:
        return None
    sid = get("id")
    sid = str(sid) if sid.__class__ is int else _id(sid)
    if sid is None:
        raise BadTicket("id is missing" if get("id") is None else f"id {get('id')!r} is not a ticket id")
    zone = opts.zone
    created = _when(get("created_at"), "created_at", zone)
    if created is None:
        raise BadTicket("created_at is missing")
    status = get("status")
    if status.__class__ is not int:
        status = _code(status, STATUS_NAMES, "status", "a Freshdesk status (2 Open, 3 Pending, 4 Resolved, 5 Closed, "
                                                       "6 and up the account's own)")
    if status < OPEN:
        raise BadTicket(f"status {status!r} is not a Freshdesk status (2 Open, 3 Pending, 4 Resolved, 5 Closed, "
                        "6 and up the account's own)")
    source = get("source")
    if source.__class__ is not int:
        source = _code(source, SOURCE_NAMES, "source", "a Freshdesk source")
    channel = opts.sources.get(source)
    if channel is None:
        raise BadTicket(f"source {source!r} is not a source this reader knows; map it with "
                        f"--option channels={source}=email (or chat, voice, social, sms)")
    stats = get("stats")
    has_stats = stats.__class__ is dict
    first_response = resolution = ended = None
    responded = False
    if has_stats:
        first = _when(stats.get("first_responded_at"), "stats.first_responded_at", zone)
        responded = first is not None or stats.get("agent_responded_at") is not None
        first_response = _since(first, created, "stats.first_responded_at")
        if status == RESOLVED or status == CLOSED:
            # Resolution (the last one: Freshdesk moves resolved_at when a reopened ticket is
            # resolved again); a ticket closed without passing through Resolved has only closed_at.
            ended = _when(stats.get("resolved_at"), "stats.resolved_at", zone)
            if ended is None:
                ended = _when(stats.get("closed_at"), "stats.closed_at", zone)
            resolution = _since(ended, created, "stats.resolved_at")
    elif stats is not None:
        raise BadTicket(f"stats is {stats!r}, not an object")
    if status == OPEN or status > CLOSED:
        outcome = "answered" if responded else "open"
    else:
        outcome = "answered"  # pending, resolved or closed: an agent has handled it
    if opts.queue_by == "group":
        queue = get("group_id")
        queue = str(queue) if queue.__class__ is int else _id(queue)
        queue_name = opts.groups.get(queue) if queue and opts.groups else None
    else:
        queue, queue_name = _queue(t, opts)
    agent, customer = get("responder_id"), get("requester_id")
    return not has_stats, (
        sid, line, created, outcome, channel, "outbound" if source == OUTBOUND_SOURCE else "inbound", queue,
        queue_name, ended, str(agent) if agent.__class__ is int else _id(agent), first_response, resolution,
        str(customer) if customer.__class__ is int else _id(customer), _when(get("updated_at"), "updated_at", zone),
    )


def _queue(t: dict, opts: Options) -> tuple[str | None, str | None]:
    """The group (option `queue=group`), the priority (`priority`) or both (`group_priority`)."""
    group = _id(t.get("group_id"))
    name = opts.groups.get(group) if group else None
    if opts.queue_by == "group":
        return group, name
    priority = t.get("priority")
    if priority.__class__ is not int:
        priority = _code(priority, PRIORITY_NAMES, "priority", "a Freshdesk priority (1 Low … 4 Urgent)")
    level = PRIORITIES.get(priority)
    if level is None:
        raise BadTicket(f"priority {priority!r} is not a Freshdesk priority (1 Low, 2 Medium, 3 High, 4 Urgent)")
    if opts.queue_by == "priority":
        return level, None
    return f"{group or 'no-group'}/{level}", f"{name}/{level}" if name else None


def _is_ticket(value: Any) -> bool:
    # A Zendesk ticket has id, status and created_at too, but says how it came in with `via`.
    return (value.__class__ is dict and "id" in value and "created_at" in value and "via" not in value
            and ("source" in value or "status" in value))


#: The properties shown first in a quarantined ticket's raw text (the host keeps 500 characters).
SHOWN_FIRST = ("id", "status", "source", "priority", "group_id", "created_at", "updated_at", "stats")


def _short(value: Any) -> str:
    """A record as the file has it (for "does not look like" and records that are not tickets)."""
    return json.dumps(value, ensure_ascii=False, default=str)[:500]


#: Free text and the embedded requester (`include=requester`: name, e-mail, phone): left out of a
#: quarantined ticket's raw text, which the host stores with only phone numbers and e-mails masked.
NOT_SHOWN = frozenset({"subject", "description", "description_text", "requester", "attachments"})


def _shown(ticket: dict) -> str:
    """A quarantined ticket's raw text: its telling properties first, no free text or requester."""
    first = {k: ticket[k] for k in SHOWN_FIRST if k in ticket}
    return _short({**first, **{k: v for k, v in ticket.items() if k not in NOT_SHOWN}})


def read_freshdesk(context: ReadContext) -> Iterator[Any]:
    """The `freshdesk` source's reader: the tickets in `ColumnBlock`s (tickets without stats in
    partial blocks), and a `Rejected` row for each one that cannot be read; whatever is yielded
    keeps the file's order (a block is yielded before the row after it that is not in it)."""
    path = Path(context.path)
    opts = Options(dict(context.options or {}), path)
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(path)) from None
    with fh:
        check = FormatCheck(str(path), LOOKS_LIKE, "an id, created_at and source or status")
        if not fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n"):
            raise SourceError(f"the file is empty (expected {LOOKS_LIKE})", file=str(path))
        fh.seek(0)
        check.starts_as_json(fh, "the JSON of Freshdesk's tickets API")
        # Search pages are read a result at a time through the wrapper; list pages (arrays) without
        # it, which spares a pattern match per ticket.
        wrapper = "results" if _SEARCH_PAGE.search(fh.read(1 << 16)) else None
        fh.seek(0)
        builders = {False: BlockBuilder("contact", FIELDS, size=BLOCK),
                    True: BlockBuilder("contact", FIELDS, size=BLOCK, partial=True)}
        batch = builders[False]  # the builder holding rows, if any
        seen = 0
        for item in iter_objects(fh, wrapper_key=wrapper, progress=context.progress):
            if item.__class__ is Broken:
                seen += 1
                check.seen(seen)
                check.unreadable(item.line, item.raw)
                if block := batch.flush():
                    yield block
                yield context.reject(item.line, item.reason, raw=item.raw)
                continue
            value, line = item.value, item.line
            if value.__class__ is dict and value.get("results").__class__ is list and not _is_ticket(value):
                records = [(line, ticket) for ticket in value["results"]]  # a search page not caught as a wrapper
            else:
                records = [(line, value)]
            for line, ticket in records:
                seen += 1
                if not _is_ticket(ticket):
                    check.seen(seen)
                    check.unreadable(line, _short(ticket))
                    if block := batch.flush():
                        yield block
                    yield context.reject(line, "not a Freshdesk ticket (no id, created_at and source or status)",
                                         raw=_short(ticket))
                    continue
                if not check.ok:
                    check.recognised()
                try:
                    found = ticket_row(ticket, line, opts)
                except BadTicket as err:
                    if block := batch.flush():
                        yield block
                    sid = _id(ticket.get("id"))
                    yield context.reject(line, f"ticket {sid}: {err}" if sid else str(err), raw=_shown(ticket),
                                         source_id=sid)
                    continue
                if found is None:
                    continue  # spam or deleted: not a contact the CCC handled
                partial, row = found
                if batch.partial is not partial:
                    if block := batch.flush():
                        yield block
                    batch = builders[partial]
                if block := batch.add(row):
                    yield block
        if block := batch.flush():
            yield block
        check.finish()

