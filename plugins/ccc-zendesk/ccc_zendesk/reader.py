"""Read Zendesk's tickets, ticket-metrics and satisfaction-ratings exports into ccc records.

Each export imports on its own and they join on the ticket id: every `Contact` this reader yields
is `partial=True` and carries only the fields its export knows, so the host merges the three into
one contact row per ticket whatever the order of import. See the package README for the mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from ccc_governance.errors import SourceError
from ccc_governance.readers import JsonStream, JsonSyntaxError, option_pairs
from ccc_governance.records import Contact, Rejected, SurveyResponse
from ccc_governance.sources import ReadContext

#: Top-level keys of the three exports (API pages and incremental exports alike). `metric_sets` is
#: the side-load of `?include=metric_sets` (ticket metrics, keyed by `ticket_id` as well).
EXPORT_KEYS = {"tickets": "ticket", "ticket_metrics": "metric", "satisfaction_ratings": "rating",
               "metric_sets": "metric"}
#: The same under the key of a single-record response (`GET /api/v2/tickets/{id}` …).
SINGLE_KEYS = {"ticket": "ticket", "ticket_metric": "metric", "satisfaction_rating": "rating"}
#: A JSON-lines file or bare array is refused when none of its first this-many records is one of ours.
SNIFF_RECORDS = 20
#: Other top-level keys a Zendesk page carries (pagination, side-loads): recognised, then skipped.
PAGE_KEYS = {
    "next_page", "previous_page", "count", "end_time", "end_of_stream", "after_url", "before_url",
    "after_cursor", "before_cursor", "meta", "links", "groups", "brands", "users", "organizations",
}

#: `via.channel` → ccc channel. Values mapped to None take the `default_channel` option: they say
#: how the ticket was *created* (by an integration, a trigger …), not how the customer wrote.
VIA_CHANNELS: dict[str, str | None] = {
    "email": "email", "web": "email", "web_form": "email", "help_center": "email",
    "chat": "chat", "chat_transcript": "chat", "messaging": "chat", "native_messaging": "chat",
    "whatsapp": "chat", "line": "chat", "wechat": "chat", "telegram": "chat", "apple_business_chat": "chat",
    "google_rcs": "chat", "viber": "chat", "kakaotalk": "chat",
    "sms": "sms", "text": "sms",
    "twitter": "social", "twitter_dm": "social", "twitter_favorite": "social", "facebook": "social",
    "facebook_post": "social", "facebook_message": "social", "instagram_dm": "social",
    "kakao": "chat", "kakaotalk": "chat", "google_business_messages": "chat", "messenger": "chat",
    "sunshine_conversations_api": "chat", "sunshine_conversations_facebook_messenger": "social",
    "sunshine_conversations_twitter_dm": "social", "instagram": "social",
    "messagebird_sms": "sms", "twilio_sms": "sms",
    "voice": "voice", "phone": "voice", "phone_call_inbound": "voice", "phone_call_outbound": "voice",
    "voicemail": "voice", "api_phone_call_inbound": "voice", "api_phone_call_outbound": "voice",
    "api_voicemail": "voice",
    "web_widget": None, "answer_bot": None, "answer_bot_api": None, "answer_bot_for_agents": None,
    "answer_bot_for_sdk": None, "answer_bot_for_slack": None, "answer_bot_for_web_widget": None,
    "ticket_sharing": None, "recovered_from_suspended_tickets": None, "forum": None, "topic": None,
    "slack": None, "ms_teams": None, "connector": None, "get_satisfaction": None,
    "api": None, "mobile_sdk": None, "mobile": None, "rule": None, "sample_ticket": None,
    "closed_ticket": None, "web_service": None, "any_channel": None, "system": None,
    "side_conversation": None, "merge": None, "linked_problem": None, "batch": None,
}
CCC_CHANNELS = ("voice", "email", "chat", "social", "sms", "video")

#: Ticket status → outcome. A ticket is never "abandoned": an agent has replied once it is pending,
#: on hold, solved or closed; a new or open ticket is still waiting for the CCC.
STATUS_OUTCOMES = {"new": "open", "open": "open", "pending": "answered", "hold": "answered",
                   "solved": "answered", "closed": "answered"}

#: Satisfaction score → csat on a 1–5 scale: good is "satisfied" (5), bad is "not satisfied" (1).
RATING_CSAT = {"good": 5.0, "good_with_comment": 5.0, "bad": 1.0, "bad_with_comment": 1.0}
#: Scores that are not an answer: the survey was sent (or not) and the customer did not rate.
NOT_RATED = {"offered", "unoffered", None}

QUEUE_FIELDS = ("group_id", "group", "brand_id", "brand")


class RecordError(ValueError):
    """One record cannot be read; it is quarantined with this reason."""


class Options:
    """The source's options (workspace `[sources.zendesk]` merged with `--option key=value`)."""

    def __init__(self, raw: dict[str, Any], path: Path):
        self.path = path
        self.queue_field = str(raw.get("queue_field", "group_id")).strip()
        if self.queue_field not in QUEUE_FIELDS:
            raise SourceError(
                f"option queue_field={self.queue_field!r} is not one of {', '.join(QUEUE_FIELDS)}", file=str(path)
            )
        self.groups = option_pairs(raw.get("groups"), "groups", path, "360001=billing-email")
        self.brands = option_pairs(raw.get("brands"), "brands", path, "360001=billing-email")
        self.channels = dict(VIA_CHANNELS)
        for via, channel in option_pairs(raw.get("channels"), "channels", path, "360001=billing-email").items():
            if channel not in CCC_CHANNELS:
                raise SourceError(f"option channels: {channel!r} (for {via!r}) is not one of {', '.join(CCC_CHANNELS)}",
                                  file=str(path))
            self.channels[via] = channel
        self.default_channel = str(raw.get("default_channel", "email")).strip()
        if self.default_channel not in CCC_CHANNELS:
            raise SourceError(f"option default_channel={self.default_channel!r} is not one of {', '.join(CCC_CHANNELS)}",
                              file=str(path))
        self.resolution = str(raw.get("resolution", "full")).strip()
        if self.resolution not in ("full", "first"):
            raise SourceError(f"option resolution={self.resolution!r} must be full or first", file=str(path))



# -- field helpers ----------------------------------------------------------------------------
def _instant(obj: dict, key: str, *, required: bool = False) -> datetime | None:
    value = obj.get(key)
    if value is None or value == "":
        if required:
            raise RecordError(f"{key} is missing")
        return None
    if not isinstance(value, str):
        raise RecordError(f"{key} is {value!r}, not an ISO 8601 date-time")
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise RecordError(f"{key} {value!r} is not an ISO 8601 date-time") from None
    if dt.tzinfo is None:
        raise RecordError(f"{key} {value!r} has no time zone (Zendesk writes UTC with a Z)")
    return dt


def _minutes(obj: dict, key: str) -> tuple[float | None, float | None]:
    """A Zendesk `{calendar, business}` minutes pair as seconds (None stays None)."""
    pair = obj.get(key)
    if pair is None:
        return None, None
    if not isinstance(pair, dict):
        raise RecordError(f"{key} is {pair!r}, not an object with calendar and business minutes")
    return _seconds(pair, key, "calendar", 60), _seconds(pair, key, "business", 60)


def _seconds(pair: dict, key: str, part: str, factor: int) -> float | None:
    value = pair.get(part)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise RecordError(f"{key}.{part} is {value!r}, not a number of minutes" if factor == 60
                          else f"{key}.{part} is {value!r}, not a number of seconds")
    return float(value) * factor


def _id(obj: dict, key: str) -> str:
    value = obj.get(key)
    if value is None or value == "" or isinstance(value, (bool, dict, list)):
        raise RecordError(f"{key} is missing" if value in (None, "") else f"{key} is {value!r}, not an id")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _opt_id(value: Any) -> str | None:
    if value is None or value == "" or isinstance(value, (bool, dict, list)):
        return None
    return str(value)


# -- the three exports ------------------------------------------------------------------------
def ticket_records(t: dict, line: int, opts: Options) -> Iterator[Any]:
    """A ticket (Tickets API, incremental or full export) → a partial `Contact`."""
    tid = _id(t, "id")
    status = t.get("status")
    if status == "deleted":  # deleted tickets are not contacts the CCC handled
        return
    if status not in STATUS_OUTCOMES:
        raise RecordError(f"status {status!r} is not a Zendesk ticket status "
                          f"({', '.join(STATUS_OUTCOMES)} or deleted)")
    via = t.get("via") if isinstance(t.get("via"), dict) else {}
    via_channel = via.get("channel")
    if isinstance(via_channel, str):
        via_channel = via_channel.strip().lower()
    if via_channel is None or via_channel == "":
        channel = opts.default_channel
    elif via_channel in opts.channels:
        channel = opts.channels[via_channel] or opts.default_channel
    elif isinstance(via_channel, str) and via_channel.startswith("sunshine_conversations"):
        channel = "chat"  # Sunshine Conversations (messaging) integrations: one value per connector
    else:
        raise RecordError(f"via.channel {via_channel!r} is not a channel this reader knows; "
                          f"map it with --option channels={via_channel}=email (or chat, voice, social, sms)")
    queue, queue_name = _queue(t, opts)
    contact = Contact(
        source_id=tid,
        arrived_at=_instant(t, "created_at", required=True),
        outcome=STATUS_OUTCOMES[status],
        channel=channel,
        direction=_direction(via, via_channel),
        queue=queue,
        queue_name=queue_name,
        customer=_opt_id(t.get("requester_id")),
        version=_instant(t, "updated_at"),
        partial=True,
        line=line,
    )
    embedded = t.get("satisfaction_rating")
    if isinstance(embedded, dict) and embedded.get("score") in RATING_CSAT:
        contact.csat, contact.csat_scale = RATING_CSAT[embedded["score"]], 5
    metric_set = t.get("metric_set")  # the full JSON export embeds the ticket's metrics
    if isinstance(metric_set, dict):
        _apply_metrics(contact, metric_set, opts)
        if contact.outcome == "open" and _replied(metric_set):
            contact.outcome = "answered"
    yield contact


def _direction(via: dict, via_channel) -> str:
    """`outbound` for a ticket the CCC started (an outbound call: `via.source.rel` = `outbound`)."""
    source = via.get("source") if isinstance(via.get("source"), dict) else {}
    rel = source.get("rel")
    if (isinstance(rel, str) and rel.lower() == "outbound") or (
            isinstance(via_channel, str) and via_channel.endswith("_outbound")):
        return "outbound"
    return "inbound"


def _queue(t: dict, opts: Options) -> tuple[str | None, str | None]:
    group_id, brand_id = _opt_id(t.get("group_id")), _opt_id(t.get("brand_id"))
    group_name = opts.groups.get(group_id) if group_id else None
    group_name = group_name or _opt_id(t.get("group_name"))
    brand_name = (opts.brands.get(brand_id) if brand_id else None) or _opt_id(t.get("brand_name"))
    if opts.queue_field == "group_id":
        return group_id, group_name
    if opts.queue_field == "group":
        return group_name or group_id, None
    if opts.queue_field == "brand_id":
        return brand_id, brand_name
    return brand_name or brand_id, None


def _replied(m: dict) -> bool:
    replies = m.get("replies")
    reply = m.get("reply_time_in_minutes")
    return (isinstance(replies, int) and replies > 0) or (isinstance(reply, dict) and reply.get("calendar") is not None)


def _apply_metrics(contact: Contact, m: dict, opts: Options) -> None:
    first_cal, first_bus = _minutes(m, "reply_time_in_minutes")
    exact = m.get("reply_time_in_seconds")  # newer API: seconds, calendar only, more precise
    if isinstance(exact, dict):
        first_cal = _seconds(exact, "reply_time_in_seconds", "calendar", 1) if exact.get("calendar") is not None else first_cal
    key = "full_resolution_time_in_minutes" if opts.resolution == "full" else "first_resolution_time_in_minutes"
    res_cal, res_bus = _minutes(m, key)
    contact.first_response_s, contact.first_response_business_s = first_cal, first_bus
    contact.resolution_s, contact.resolution_business_s = res_cal, res_bus
    contact.ended_at = _instant(m, "solved_at")


def metric_records(m: dict, line: int, opts: Options) -> Iterator[Any]:
    """A ticket-metrics record → a partial `Contact` with response and resolution times."""
    tid = _id(m, "ticket_id")
    contact = Contact(
        source_id=tid,
        # A ticket's metric record is created with the ticket, so it dates the contact when the
        # tickets export is not imported.
        arrived_at=_instant(m, "created_at"),
        outcome="answered" if _replied(m) else None,
        channel=None,
        direction=None,
        partial=True,
        line=line,
    )
    _apply_metrics(contact, m, opts)
    yield contact


def rating_records(r: dict, line: int, opts: Options) -> Iterator[Any]:
    """A satisfaction rating → a partial `Contact` (its csat) and a `SurveyResponse`."""
    score = r.get("score")
    if score in NOT_RATED:  # the survey was offered but not answered: no response to record
        return
    if score not in RATING_CSAT:
        raise RecordError(f"score {score!r} is not good, bad, offered or unoffered")
    tid = _id(r, "ticket_id")
    csat = RATING_CSAT[score]
    responded = _instant(r, "created_at") or _instant(r, "updated_at", required=True)
    group_id = _opt_id(r.get("group_id"))
    yield Contact(source_id=tid, arrived_at=None, channel=None, direction=None, csat=csat, csat_scale=5,
                  partial=True, line=line)
    comment = r.get("comment")
    yield SurveyResponse(
        source_id=_opt_id(r.get("id")) or f"ticket-{tid}",
        responded_at=responded,
        csat=csat,
        csat_scale=5,
        contact_id=tid,
        queue=(opts.groups.get(group_id) or group_id) if group_id else None,
        agent=_opt_id(r.get("assignee_id")),
        comment=comment if isinstance(comment, str) and comment.strip() else None,
        customer=_opt_id(r.get("requester_id")),
        version=_instant(r, "updated_at"),
        line=line,
    )


CONVERTERS = {"ticket": ticket_records, "metric": metric_records, "rating": rating_records}


def shape_of(obj: Any) -> str | None:
    """Which export a lone JSON object belongs to (for JSON lines and bare arrays)."""
    if not isinstance(obj, dict):
        return None
    if "ticket_id" in obj and "score" in obj:
        return "rating"
    if "ticket_id" in obj and any(k.endswith("_in_minutes") or k in ("replies", "reopens") for k in obj):
        return "metric"
    if "id" in obj and ("via" in obj or "status" in obj):
        return "ticket"
    return None


# -- the reader -------------------------------------------------------------------------------
def read_zendesk(ctx: ReadContext) -> Iterator[Any]:
    """The `zendesk` source's reader: detect the export from its top-level key or object shape."""
    path = Path(ctx.path)
    opts = Options(dict(ctx.options or {}), path)
    try:
        with open(path, "rb") as fh:
            stream = JsonStream(fh)
            first = stream.peek()
            if first == "":
                raise SourceError("the file is empty (expected a Zendesk JSON export)", file=str(path))
            if first == "[":
                yield from _sniffed(_records(ctx, opts, stream.array(), None), path)
                return
            if first != "{":
                raise SourceError(f"this is not JSON: it starts with {first!r}", file=str(path))
            members = stream.members()
            key = next(members, None)
        if key in EXPORT_KEYS or key in PAGE_KEYS or key in SINGLE_KEYS:
            yield from _read_page(ctx, opts, path)
        else:
            yield from _read_lines(ctx, opts, path)
    except JsonSyntaxError as err:
        raise SourceError(f"{err}: the file is cut short or damaged here", file=str(path), line=err.line) from None


def _records(ctx: ReadContext, opts: Options, items, kind: str | None) -> Iterator[Any]:
    for line, obj in items:
        this = kind or shape_of(obj)
        if this is None:
            yield ctx.reject(line, "not a Zendesk ticket, ticket metric or satisfaction rating", raw=_raw(obj))
            continue
        try:
            if not isinstance(obj, dict):
                raise RecordError(f"a {this} must be a JSON object, not {type(obj).__name__}")
            yield from CONVERTERS[this](obj, line, opts)
        except RecordError as err:
            sid = obj.get("ticket_id", obj.get("id")) if isinstance(obj, dict) else None
            name = {"ticket": "ticket", "metric": "ticket metric", "rating": "satisfaction rating"}[this]
            label = f"{name} {sid}: " if sid is not None and not isinstance(sid, (dict, list)) else f"{name}: "
            yield ctx.reject(line, f"{label}{err}", raw=_raw(obj), source_id=_opt_id(sid))


def _raw(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=str)[:2000]


def _read_page(ctx: ReadContext, opts: Options, path: Path) -> Iterator[Any]:
    """`{"tickets": [...], ...}`: side-loaded groups/brands are read first, wherever they sit."""
    _sideloads(path, opts)
    found = []
    with open(path, "rb") as fh:
        stream = JsonStream(fh, progress=ctx.progress)
        for key in stream.members():
            if key in EXPORT_KEYS:
                found.append(key)
                if stream.peek() != "[":
                    raise SourceError(f'"{key}" is not a JSON array', file=str(path), line=stream.line)
                yield from _records(ctx, opts, stream.array(), EXPORT_KEYS[key])
            elif key in SINGLE_KEYS and stream.peek() == "{":
                found.append(key)
                yield from _records(ctx, opts, [stream.value()], SINGLE_KEYS[key])
            else:
                stream.skip()
        if not stream.at_end():
            raise SourceError("unexpected text after the end of the JSON object", file=str(path), line=stream.line)
    if not found:
        raise SourceError("does not look like a Zendesk export: no tickets, ticket_metrics or satisfaction_ratings array in this file "
                          "(is it a Zendesk export?)", file=str(path))


def _sideloads(path: Path, opts: Options) -> None:
    """Learn group and brand names from side-loaded arrays (`?include=groups`), anywhere in the page.

    This pre-pass walks the file once more; names given in the options win over side-loads.
    """
    with open(path, "rb") as fh:
        stream = JsonStream(fh)
        for key in stream.members():
            target = {"groups": opts.groups, "brands": opts.brands}.get(key)
            if target is None or stream.peek() != "[":
                stream.skip()
                continue
            for _, item in stream.array():
                if isinstance(item, dict) and item.get("id") is not None and item.get("name"):
                    target.setdefault(str(item["id"]), str(item["name"]))


def _sniffed(records: Iterator[Any], path: Path) -> Iterator[Any]:
    """The records, unless none of the first `SNIFF_RECORDS` is a Zendesk record: then the file is
    another platform's (a Connect CTR file, a Genesys export) and is refused whole."""
    seen = 0
    first_reject = None
    for record in records:
        if seen is not None:
            if isinstance(record, Rejected) and record.reason.startswith(("not a Zendesk", "not a JSON object")):
                seen += 1
                first_reject = first_reject or record
                if seen >= SNIFF_RECORDS:
                    _refuse(first_reject, path)
            else:
                seen = None  # one record of ours: the file is a Zendesk export
        yield record
    if seen is not None and first_reject is not None:
        _refuse(first_reject, path)


def _refuse(reject: Rejected, path: Path):
    raw = reject.raw or ""
    shown = raw if len(raw) <= 60 else raw[:57] + "..."
    raise SourceError(f"does not look like a Zendesk tickets, ticket metrics or satisfaction ratings export: "
                      f"line {reject.line} is {shown!r}", file=str(path), line=reject.line)


def _read_lines(ctx: ReadContext, opts: Options, path: Path) -> Iterator[Any]:
    """JSON lines (Zendesk's full export): one object per line, a bad line is quarantined alone."""
    yield from _sniffed(_read_lines_raw(ctx, opts, path), path)


def _read_lines_raw(ctx: ReadContext, opts: Options, path: Path) -> Iterator[Any]:
    done = 0
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, start=1):
            done += len(raw)
            if number % 1000 == 0:
                ctx.progress(done)
            text = raw.decode("utf-8-sig" if number == 1 else "utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as err:
                yield ctx.reject(number, f"not a JSON object ({err.msg}; the line may be cut short)", raw=text[:2000])
                continue
            yield from _records(ctx, opts, [(number, obj)], None)
    ctx.progress(done)
