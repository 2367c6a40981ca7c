"""FROZEN COPY of ccc_genesys_cloud/reader.py before it was made faster (commit 751e60b), the oracle of
test_genesys_oracle.py: the rewritten reader must give the same records, rows and reasons. Not used
by the plugin; do not edit (when a mapping rule changes on purpose, drop this file and its test).

Read Genesys Cloud analytics conversation details into normalised contacts.

One contact per conversation. Every metric Genesys writes is in milliseconds; waits are kept to
the millisecond (never rounded), so 20.001 s stays outside a 20 s threshold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, RowBatch, attribute_flag, attribute_score, iter_objects
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import RowBlock, separate_process

#: Genesys `mediaType` → normalised channel (a `message` is refined by its `messageType`).
MEDIA = {"voice": "voice", "callback": "voice", "chat": "chat", "email": "email", "video": "video"}
MESSAGE_TYPES = {
    "sms": "sms",
    "facebook": "social",
    "twitter": "social",
    "instagram": "social",
    "line": "social",
    "whatsapp": "social",
}
#: Members of a result page that are not conversations: a page holding only these (a query without
#: results: `{"totalHits": 0}`) is empty, not malformed.
WRAPPER_KEYS = frozenset({"conversations", "totalHits", "cursor", "dataAvailabilityDate", "aggregations"})


class BadConversation(ValueError):
    """A field of one conversation that cannot be read (the conversation is quarantined)."""


def read_conversations(context: ReadContext, *, fast: bool = False) -> Iterator[Contact | Rejected | RowBlock]:
    """Yield one `Contact` per conversation of a conversation-details file.

    Accepted: the API's `{"conversations": [...], "totalHits": N}`, a bare array, or one
    conversation per line. A conversation that cannot be read is rejected on its own.
    `fast`: yield the contacts in `RowBlock`s (the host's fast path: the same values in storage
    form, without building a `Contact` each) and rejected conversations as usual.
    """
    names = (context.attributes.get("fcr", "fcr"), context.attributes.get("csat", "csat"))
    scale = int(context.options.get("csat_scale", 5))
    try:
        raw = open(context.path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(context.path)) from None
    with raw:
        check = FormatCheck(str(context.path), "Genesys Cloud conversation details", "a conversationId")
        check.starts_as_json(raw, "JSON conversation details")
        batch = RowBatch("contact", FIELDS)  # the fast path's rows waiting to be yielded
        for item in iter_objects(raw, wrapper_key="conversations", progress=context.progress):
            number = item.index + 1
            check.seen(number)
            if isinstance(item, Broken):
                check.unreadable(item.line, item.raw)
                yield context.reject(item.line, f"conversation #{number}: {item.reason}", item.raw)
                continue
            conv = item.value
            if isinstance(conv, dict) and conv and set(conv) <= WRAPPER_KEYS and not conv.get("conversations"):
                check.recognised()  # a result page without conversations
                continue
            if not isinstance(conv, dict) or not isinstance(conv.get("conversationId"), str):
                check.unreadable(item.line, _short(conv))
                yield context.reject(item.line, f"record #{number} is not a conversation (no conversationId)", _short(conv))
                continue
            check.recognised()
            if not fast:
                yield _record(context, conv, item.line, number, names, scale)
                continue
            try:
                values = _contact(conv, item.line, names, scale)
            except BadConversation:
                if block := batch.flush():
                    yield block
                yield _record(context, conv, item.line, number, names, scale)  # rejected, with the reason
                continue
            if block := batch.add(values):
                yield block
        if block := batch.flush():
            yield block
        check.finish()


@separate_process
def read_conversation_blocks(context: ReadContext) -> Iterator[Contact | Rejected | RowBlock]:
    """The source's reader: `read_conversations` on the fast path (what the host imports)."""
    return read_conversations(context, fast=True)


def _short(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]


def _record(context: ReadContext, conv: dict, line: int, number: int, names, scale) -> Contact | Rejected:
    """The ordinary way (the reference): a `Contact`, or the conversation rejected with the reason."""
    try:
        return Contact(**_contact(conv, line, names, scale))
    except BadConversation as exc:
        cid = conv["conversationId"]
        return context.reject(line, f"conversation #{number} ({cid}): {exc}", _short(conv), cid)


def parse_instant(value, field: str, where: tuple[int, int] | None = None) -> datetime | None:
    """An ISO 8601 UTC timestamp as Genesys writes it (`2026-10-01T08:00:00.000Z`); None stays None.

    `where`: (participant, session) indexes of the field, for the error message."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadConversation(f"{_where(where)}{field} {value!r} is not a timestamp")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise BadConversation(f"{_where(where)}{field} {value!r} is not an ISO 8601 timestamp") from None
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def _where(where: tuple[int, int] | None) -> str:
    return f"participants[{where[0]}].sessions[{where[1]}] " if where else ""


#: The contact fields of a fast-path row, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "fcr", "csat", "csat_scale", "customer",
          "version")


def _ms(metric: dict) -> int:
    value = metric.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise BadConversation(f"metric {metric.get('name')} value {value!r} is not a number of milliseconds")
    return value


#: Purposes whose segment starts and `tAnswered` instant the contact's figures use (arrival,
#: queue, answer). Other timestamps (the customer's segments, segment ends, other metrics'
#: `emitDate`) are parsed only when needed (`_latest_instant`), so a conversation is quarantined
#: for a malformed timestamp only when its figures depend on it.
_TIMED = frozenset({"acd", "agent", "user"})


class _Session:
    """What one participant session contributes (timestamps it needs parsed, metrics in ms)."""

    __slots__ = ("purpose", "user", "media", "message_type", "ani", "segments", "metrics", "answered_at", "name",
                 "raw_segments", "where", "start")

    def __init__(self, purpose, user, session, where, name=None):
        self.purpose = purpose
        self.name = name  # participantName: an acd participant's is the queue's name
        self.user = user
        self.where = where
        self.media = session.get("mediaType")
        self.message_type = session.get("messageType")
        self.ani = session.get("ani")
        self.raw_segments = session.get("segments") or ()
        # (start, queueId, segmentType, disconnectType) of an acd or agent session; the figures
        # read no other session's segments.
        self.segments = [
            (parse_instant(seg.get("segmentStart"), "segmentStart", where), seg.get("queueId"), seg.get("segmentType"),
             seg.get("disconnectType"))
            for seg in self.raw_segments
        ] if purpose in _TIMED else ()
        starts = [seg[0] for seg in self.segments if seg[0] is not None]
        self.start = min(starts) if starts else None  # the first segment start
        self.metrics: dict[str, int] = {}
        self.answered_at = None
        for metric in session.get("metrics") or ():
            name = metric.get("name")
            if name and name.startswith(("t", "n")):
                # A metric emitted twice in one session (e.g. two holds) adds up.
                self.metrics[name] = self.metrics.get(name, 0) + _ms(metric)
                if name == "tAnswered" and self.answered_at is None:
                    self.answered_at = parse_instant(metric.get("emitDate"), "metric tAnswered emitDate", where)

    def queue(self) -> str | None:
        for seg in sorted(self.segments, key=_start_last_if_none):
            if seg[1]:
                return seg[1]
        return None


def _start_of(session: _Session):
    return session.start


def _start_last_if_none(segment):
    return (segment[0] is None, segment[0] or 0)


def _latest_instant(sessions: list[_Session]) -> datetime | None:
    """The latest segment start or end of any session (the version of a conversation not ended)."""
    instants = []
    for s in sessions:
        for seg in s.raw_segments:
            for field in ("segmentStart", "segmentEnd"):
                t = parse_instant(seg.get(field), field, s.where)
                if t is not None:
                    instants.append(t)
    return max(instants, default=None)


def _contact(conv: dict, line: int, names: tuple[str, str], scale: int) -> dict:
    """The `Contact` fields of one conversation, as a dict (`Contact(**fields)`, or a `RowBatch`
    on the fast path). Raises `BadConversation` for a field it cannot read."""
    cid = conv["conversationId"]
    started = parse_instant(conv.get("conversationStart"), "conversationStart")
    ended = parse_instant(conv.get("conversationEnd"), "conversationEnd")
    sessions: list[_Session] = []
    attributes: dict = {}
    customer = None
    for p_index, participant in enumerate(conv.get("participants") or ()):
        purpose = participant.get("purpose")
        attrs = participant.get("attributes")
        if isinstance(attrs, dict):
            # Survey marks usually sit on the customer participant; the customer's win a clash.
            attributes = {**attrs, **attributes} if purpose != "customer" else {**attributes, **attrs}
        for s_index, session in enumerate(participant.get("sessions") or ()):
            s = _Session(purpose, participant.get("userId"), session, (p_index, s_index),
                         participant.get("participantName"))
            sessions.append(s)
            if purpose in ("customer", "external") and customer is None and s.ani:
                customer = s.ani
    acd = sorted((s for s in sessions if s.purpose == "acd" and s.start is not None), key=_start_of)
    agents = [s for s in sessions if s.purpose in ("agent", "user")]
    answering = sorted((s for s in agents if "tAnswered" in s.metrics), key=lambda s: s.answered_at or s.start)
    channel = _channel(sessions)

    first_queue = acd[0] if acd else None
    queue = first_queue.queue() if first_queue else None
    arrived = first_queue.start if first_queue else started
    wait = talk = hold = wrap = answered_at = agent = transferred = None
    if first_queue is None and not answering:
        outcome = "not_queued"
    elif answering:
        outcome = "answered"
        first = answering[0]
        answered_at = first.answered_at or _interact_start(first)
        same_queue = first_queue is None or first.queue() in (None, queue)
        if same_queue or answered_at is None or arrived is None:
            wait = first.metrics["tAnswered"] / 1000
        else:
            # Answered in a later queue (flow-out, transfer): the wait runs from the first queue.
            wait = (answered_at - arrived).total_seconds()
        talk = sum(s.metrics.get("tTalkComplete", s.metrics.get("tTalk", 0)) for s in answering) / 1000
        hold = sum(s.metrics.get("tHeldComplete", s.metrics.get("tHeld", 0)) for s in answering) / 1000
        wrap = sum(s.metrics.get("tAcw", 0) for s in answering) / 1000
        agent = first.user
        transferred = len(answering) > 1 or len(acd) > 1 or any(
            seg[3] == "transfer" and seg[2] == "interact" for s in answering for seg in s.segments
        )
    else:
        abandon = next((s.metrics["tAbandon"] for s in acd if "tAbandon" in s.metrics), None)
        if abandon is None:  # a short abandon may carry only tShortAbandon
            abandon = next((s.metrics["tShortAbandon"] for s in acd if "tShortAbandon" in s.metrics), None)
        flow_out = next((s.metrics["tFlowOut"] for s in acd if "tFlowOut" in s.metrics), None)
        if abandon is not None:
            outcome, wait = "abandoned", abandon / 1000
        elif flow_out is not None:
            outcome, wait = "timeout", flow_out / 1000  # the queue's flow sent the customer elsewhere
        elif ended is None:
            outcome = "open"
        else:
            # Ended while queued without an abandon metric: the customer still left unanswered.
            outcome = "abandoned"
            tacd = first_queue.metrics.get("tAcd")
            wait = tacd / 1000 if tacd is not None else (ended - arrived).total_seconds()
    if arrived is None:
        raise BadConversation("no queue segment start nor conversationStart: arrival unknown")
    if channel is None:
        media = next((s.media for s in sessions if s.media), None)
        raise BadConversation(f"mediaType {media!r} is not a customer contact channel")
    fcr_name, csat_name = names
    csat = attribute_score(attributes.get(csat_name))
    version = ended or _latest_instant(sessions) or started
    return dict(
        source_id=cid,
        arrived_at=arrived,
        outcome=outcome,
        channel=channel,
        direction="outbound" if conv.get("originatingDirection") == "outbound" else "inbound",
        queue=queue,
        queue_name=(first_queue.name if first_queue is not None and isinstance(first_queue.name, str) else None),
        answered_at=answered_at,
        ended_at=ended,
        wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        wrap_s=wrap,
        agent=agent,
        transferred=transferred,
        fcr=attribute_flag(attributes.get(fcr_name)),
        csat=csat,
        csat_scale=scale if csat is not None else None,
        customer=customer,
        version=version,
        line=line,
    )


def _interact_start(session: _Session) -> datetime | None:
    starts = [seg[0] for seg in session.segments if seg[2] == "interact" and seg[0] is not None]
    return min(starts) if starts else None


def _channel(sessions: list[_Session]) -> str | None:
    """The channel of the customer's session (else of the first session that names a media type)."""
    s = next((s for s in sessions if s.media and s.purpose in ("customer", "external")), None)
    if s is None:
        s = next((s for s in sessions if s.media), None)
    if s is None:
        return "voice"
    media = str(s.media).lower()
    if media == "message":
        return MESSAGE_TYPES.get(str(s.message_type or "").lower(), "chat")
    return MEDIA.get(media)
