"""Read Genesys Cloud analytics conversation details into normalised contacts.

One contact per conversation. Every metric Genesys writes is in milliseconds; waits are kept to
the millisecond (never rounded), so 20.001 s stays outside a 20 s threshold.

Speed (1M conversations are ~1.5 GB of JSON): `_figures` reads a conversation in one pass over
its participants, keeping only what the contact's figures use (no object per session), and the
contacts go to the host as `ColumnBlock`s in storage form.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone
from operator import is_, itemgetter

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, attribute_flag, attribute_score, iter_objects
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

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
#: Conversations per block: a block's values stay in the CPU's cache (measured on 100k bench
#: conversations in the reader process: 250 a block ~5% less CPU than 1000; the host's column
#: checks cost the same per row down to ~200 rows a block).
BLOCK = 250


class BadConversation(ValueError):
    """A field of one conversation that cannot be read (the conversation is quarantined)."""


def read_conversations(context: ReadContext) -> Iterator[ColumnBlock | Rejected]:
    """The source's reader: one contact per conversation of a conversation-details file, in
    `ColumnBlock`s of up to `BLOCK`, and a `Rejected` row for each conversation it cannot read
    (the block before it is yielded first: the file's order is kept).

    Accepted: the API's `{"conversations": [...], "totalHits": N}`, a bare array, or one
    conversation per line. A conversation that cannot be read is rejected on its own.
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
        rows: list[tuple] = []  # contacts waiting to be yielded (`_figures`' values)
        add = rows.append
        figures = _figures
        for item in iter_objects(raw, wrapper_key="conversations", progress=context.progress):
            if type(item) is Broken:
                number = item.index + 1
                check.seen(number)
                check.unreadable(item.line, item.raw)
                reason, raw_text, cid = f"conversation #{number}: {item.reason}", item.raw, None
            else:
                conv, line, index = item
                if type(conv) is dict and isinstance(conv.get("conversationId"), str):  # a conversation
                    if not check.ok:
                        check.seen(index + 1)
                        check.recognised()
                    try:
                        add(figures(conv, line, names, scale))
                    except BadConversation as exc:
                        cid = conv["conversationId"]
                        reason, raw_text = f"conversation #{index + 1} ({cid}): {exc}", _short(conv)
                    except (AttributeError, TypeError):  # a list or text where an object is expected …
                        fault = _shape_fault(conv)
                        if fault is None:
                            raise  # (a bug of the reader: kept visible)
                        cid = conv["conversationId"]
                        reason, raw_text = f"conversation #{index + 1} ({cid}): {fault}", _short(conv)
                    else:
                        if len(rows) >= BLOCK:
                            yield _block(rows)
                            rows = []
                            add = rows.append
                        continue
                else:
                    number = index + 1
                    check.seen(number)
                    if isinstance(conv, dict) and conv and set(conv) <= WRAPPER_KEYS and not conv.get("conversations"):
                        check.recognised()  # a result page without conversations
                        continue
                    check.unreadable(line, _short(conv))
                    reason, raw_text, cid = f"record #{number} is not a conversation (no conversationId)", _short(conv), None
            if rows:
                yield _block(rows)
                rows = []
                add = rows.append
            yield context.reject(item.line, reason, raw_text, cid)
        if rows:
            yield _block(rows)
        check.finish()


def _block(rows: list[tuple]) -> ColumnBlock:
    """Contacts (`_figures`' values) as a `ColumnBlock`, instants as epoch milliseconds UTC (the
    conversation itself is not kept: holding a block's parsed JSON makes decoding slower)."""
    columns = [list(column) for column in zip(*rows)]
    ended, version = columns[_ENDED], columns[_VERSION]
    for i in _INSTANTS:
        if i == _VERSION and all(map(is_, version, ended)):
            columns[i] = list(columns[_ENDED])  # the version of an ended conversation is its end
            continue
        try:  # round(t.timestamp() * 1000) of each, a column at a time
            columns[i] = list(map(round, map(_THOUSAND.__mul__, map(_timestamp, columns[i]))))
        except TypeError:  # a None in the column
            columns[i] = [None if t is None else round(t.timestamp() * 1000) for t in columns[i]]
    return ColumnBlock(kind="contact", fields=FIELDS, columns=columns)


def _short(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]


def _shape_fault(conv: dict) -> str | None:
    """Where a conversation's participants, sessions, segments or metrics are not the lists of
    objects conversation details hold (`participants[1] is 'acd', not an object`), or None."""

    def objects(items, where: str):
        if not items:  # (missing, null or empty: read as none)
            return None, ()
        if not isinstance(items, list):
            return f"{where} is {_shown(items)}, not a list", ()
        for i, value in enumerate(items):
            if not isinstance(value, dict):
                return f"{where}[{i}] is {_shown(value)}, not an object", ()
        return None, items

    fault, participants = objects(conv.get("participants"), "participants")
    for p, participant in enumerate(participants):
        fault, sessions = objects(participant.get("sessions"), f"participants[{p}].sessions")
        if fault:
            return fault
        for s, session in enumerate(sessions):
            for key in ("segments", "metrics"):
                fault = objects(session.get(key), f"participants[{p}].sessions[{s}].{key}")[0]
                if fault:
                    return fault
    return fault


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


#: The contact fields of a block, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "fcr", "csat", "csat_scale", "customer",
          "version")
#: What `_figures` returns, in order.
KEYS = ("source_id", "line", *FIELDS)
#: Where `KEYS` holds instants (datetimes; epoch milliseconds in a block).
_INSTANTS = tuple(i for i, name in enumerate(KEYS) if name in ("arrived_at", "answered_at", "ended_at", "version"))
_ENDED, _VERSION = KEYS.index("ended_at"), KEYS.index("version")
assert _ENDED < _VERSION  # (the version column may copy the converted ended_at column)


def _ms(metric: dict) -> int:
    value = metric.get("value")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise BadConversation(f"metric {metric.get('name')} value {value!r} is not a number of milliseconds")
    return value


#: Participant purposes: the customer's (channel, `ani`), and acd and agent ones, whose segment
#: starts and `tAnswered` instant the contact's figures use (arrival, queue, answer). Other
#: timestamps (the customer's segments, segment ends, other metrics' `emitDate`) are parsed only
#: when needed (`_latest_instant`), so a conversation is quarantined for a malformed timestamp
#: only when its figures depend on it.
_OTHER, _CUSTOMER, _ACD, _AGENT = range(4)
_KIND = {"customer": _CUSTOMER, "external": _CUSTOMER, "acd": _ACD, "agent": _AGENT, "user": _AGENT}
_TN = ("t", "n")  # the metrics read: timers `t…` and counters `n…` (not observations `o…`)
_TN_FIRST = frozenset(_TN)
#: Usual `t…`/`n…` metric names (a name in it is read without looking at its first letter).
_TN_NAMES = frozenset({
    "nOffered", "nOverSla", "nTransferred", "nBlindTransferred", "nConsultTransferred", "nConsult", "nConnected",
    "nOutbound", "nError", "nFlow", "nFlowOutcome", "nFlowOutcomeFailed", "nFlowMilestone", "tAcd", "tAcw",
    "tAlert", "tAbandon", "tShortAbandon", "tAnswered", "tContacting", "tDialing", "tFlowOut", "tHandle", "tHeld",
    "tHeldComplete", "tIvr", "tMonitoring", "tNotResponding", "tTalk", "tTalkComplete", "tUserResponseTime",
    "tAgentResponseTime", "tVoicemail", "tWait", "tConnected", "tFlow", "tFlowDisconnect", "tFlowExit",
    "tFlowOutcome", "tFlowMilestone", "tCoaching", "tCoachingComplete",
})
assert all(name.startswith(_TN) for name in _TN_NAMES)
_NO_METRICS: dict = {}  # (never written)
_NOTHING = object()  # no segment with a queue yet
_UTC = timezone.utc
_fromiso = datetime.fromisoformat
_timestamp = datetime.timestamp
_THOUSAND = 1000.0  # t.timestamp() * 1000 == _THOUSAND.__mul__(t.timestamp())
_by_start = itemgetter(0)


def _answer_order(session: tuple):
    return session[0] or session[1]  # the answer instant, else the session's first segment start


def _figures(conv: dict, line: int, names: tuple[str, str], scale: int) -> tuple:
    """The `Contact` fields of one conversation, in `KEYS` order (instants as aware datetimes).
    Raises `BadConversation` for a field it cannot read.

    One pass over the participants' sessions; what it keeps of a session:
    - every session: the media type (the channel), the customer's `ani`; its `t…`/`n…` metrics are
      checked (a negative or non-numeric one quarantines the conversation) and added up by name
      (a metric emitted twice in one session, e.g. two holds, adds up);
    - an acd or agent session: its first segment start (every start parsed) and its queue;
    - an acd session with a segment start: (start, participantName, metrics, segments, queue);
    - an agent session with a `tAnswered` metric: (answer instant, start, metrics, segments,
      queue, userId).
    """
    cid = conv["conversationId"]
    v = conv.get("conversationStart")
    if v.__class__ is str:
        try:
            started = _fromiso(v)
        except ValueError:
            started = parse_instant(v, "conversationStart")  # raises, with the reason
        if started.tzinfo is None:
            started = started.replace(tzinfo=_UTC)
    else:
        started = parse_instant(v, "conversationStart")
    v = conv.get("conversationEnd")
    if v.__class__ is str:
        try:
            ended = _fromiso(v)
        except ValueError:
            ended = parse_instant(v, "conversationEnd")
        if ended.tzinfo is None:
            ended = ended.replace(tzinfo=_UTC)
    else:
        ended = parse_instant(v, "conversationEnd")

    attributes: dict = {}
    customer = None
    customer_media = None  # the first customer session naming a media type
    any_media = None  # the first session naming one
    acd: list[tuple] = []
    answering: list[tuple] = []
    for participant in conv.get("participants") or ():
        purpose = participant.get("purpose")
        if purpose.__class__ is not str and purpose is not None and not isinstance(purpose, str):
            # (a list, a number …: what the participant is cannot be told)
            raise BadConversation(f"{_participant_of(conv, participant)}purpose {_shown(purpose)} is not text")
        kind = _KIND.get(purpose, _OTHER)
        attrs = participant.get("attributes")
        if attrs is not None and isinstance(attrs, dict):
            # Survey marks usually sit on the customer participant; the customer's win a clash.
            attributes = {**attrs, **attributes} if purpose != "customer" else {**attributes, **attrs}
        for session in participant.get("sessions") or ():
            media = session.get("mediaType")
            if kind >= _ACD:
                # The first segment start, and the session's queue: the `queueId` of its first
                # segment (by start; segments without a start last; the first listed of equal
                # starts) that has one. (Other sessions' segments are not read.)
                segments = session.get("segments") or ()
                start = queue = None
                queue_start = _NOTHING
                for seg in segments:
                    t = seg.get("segmentStart")
                    if t.__class__ is str:
                        try:
                            t = _fromiso(t)
                        except ValueError:
                            t = parse_instant(t, "segmentStart", _where_of(conv, session))  # raises
                        if t.tzinfo is None:
                            t = t.replace(tzinfo=_UTC)
                    elif t is not None:
                        t = parse_instant(t, "segmentStart", _where_of(conv, session))
                    if t is not None and (start is None or t < start):
                        start = t
                    q = seg.get("queueId")
                    if q and (queue_start is _NOTHING or (t is not None and (queue_start is None or t < queue_start))):
                        queue, queue_start = q, t
            metrics = session.get("metrics")
            answered_at = None
            if metrics:
                m = {}
                for metric in metrics:
                    name = metric.get("name")
                    if name.__class__ is str:
                        if name not in _TN_NAMES and name[:1] not in _TN_FIRST:
                            continue
                    elif not isinstance(name, str) or not name.startswith(_TN):  # (a str subclass, or not text)
                        continue
                    value = metric.get("value")
                    if value.__class__ is int and value >= 0:  # the usual (for an int, 0 + value is value)
                        m[name] = m[name] + value if name in m else value
                    else:
                        if value.__class__ is not float or value < 0:
                            value = _ms(metric)  # raises, unless a number of another type
                        m[name] = m[name] + value if name in m else 0 + value
                    if name == "tAnswered" and answered_at is None:
                        t = metric.get("emitDate")
                        if t.__class__ is str:
                            try:
                                answered_at = _fromiso(t)
                            except ValueError:
                                parse_instant(t, "metric tAnswered emitDate", _where_of(conv, session))  # raises
                            if answered_at.tzinfo is None:
                                answered_at = answered_at.replace(tzinfo=_UTC)
                        elif t is not None:
                            answered_at = parse_instant(t, "metric tAnswered emitDate", _where_of(conv, session))
            else:
                m = _NO_METRICS
            if kind == _ACD:
                if start is not None:
                    acd.append((start, participant.get("participantName"), m, segments, queue))
            elif kind == _AGENT:
                if "tAnswered" in m:
                    answering.append((answered_at, start, m, segments, queue, participant.get("userId")))
            elif kind == _CUSTOMER:
                if media and customer_media is None:
                    customer_media = session
                if customer is None:
                    customer = session.get("ani") or None
            if media and any_media is None:
                any_media = session
    if len(acd) > 1:
        acd.sort(key=_by_start)  # stable: the first listed of equal starts stays first
    if len(answering) > 1:
        answering.sort(key=_answer_order)
    chosen = customer_media if customer_media is not None else any_media
    if chosen is None:
        channel = "voice"
    else:
        media = chosen.get("mediaType")
        channel = MEDIA.get(media) if media.__class__ is str else None  # "voice" … as they are
        if channel is None:
            channel = _channel_of(media, chosen.get("messageType"))

    first_queue = acd[0] if acd else None
    queue = first_queue[4] if first_queue is not None else None
    arrived = first_queue[0] if first_queue is not None else started
    wait = talk = hold = wrap = answered_at = agent = transferred = None
    if first_queue is None and not answering:
        outcome = "not_queued"
    elif answering:
        outcome = "answered"
        first = answering[0]
        answered_at = first[0] or _interact_start(first[3])
        same_queue = first_queue is None or first[4] in (None, queue)
        if same_queue or answered_at is None or arrived is None:
            wait = first[2]["tAnswered"] / 1000
        else:
            # Answered in a later queue (flow-out, transfer): the wait runs from the first queue.
            wait = (answered_at - arrived).total_seconds()
        if len(answering) == 1:
            m = first[2]
            talk = (0 + (m["tTalkComplete"] if "tTalkComplete" in m else m.get("tTalk", 0))) / 1000
            hold = (0 + (m["tHeldComplete"] if "tHeldComplete" in m else m.get("tHeld", 0))) / 1000
            wrap = (0 + m.get("tAcw", 0)) / 1000
        else:
            talk = sum([s[2].get("tTalkComplete", s[2].get("tTalk", 0)) for s in answering]) / 1000
            hold = sum([s[2].get("tHeldComplete", s[2].get("tHeld", 0)) for s in answering]) / 1000
            wrap = sum([s[2].get("tAcw", 0) for s in answering]) / 1000
        agent = first[5]
        transferred = len(answering) > 1 or len(acd) > 1
        if not transferred:
            for seg in first[3]:
                if seg.get("disconnectType") == "transfer" and seg.get("segmentType") == "interact":
                    transferred = True
                    break
    else:
        abandon = short = flow_out = None
        for s in acd:
            m = s[2]
            if abandon is None and "tAbandon" in m:
                abandon = m["tAbandon"]
            if short is None and "tShortAbandon" in m:
                short = m["tShortAbandon"]
            if flow_out is None and "tFlowOut" in m:
                flow_out = m["tFlowOut"]
        if abandon is None:  # a short abandon may carry only tShortAbandon
            abandon = short
        if abandon is not None:
            outcome, wait = "abandoned", abandon / 1000
        elif flow_out is not None:
            outcome, wait = "timeout", flow_out / 1000  # the queue's flow sent the customer elsewhere
        elif ended is None:
            outcome = "open"
        else:
            # Ended while queued without an abandon metric: the customer still left unanswered.
            outcome = "abandoned"
            tacd = first_queue[2].get("tAcd")
            wait = tacd / 1000 if tacd is not None else (ended - arrived).total_seconds()
    if arrived is None:
        raise BadConversation("no queue segment start nor conversationStart: arrival unknown")
    if channel is None:
        raise BadConversation(f"mediaType {any_media.get('mediaType')!r} is not a customer contact channel")
    csat = attribute_score(attributes.get(names[1])) if attributes else None
    name = first_queue[1] if first_queue is not None else None
    return (
        cid,
        line,
        arrived,
        outcome,
        channel,
        "outbound" if conv.get("originatingDirection") == "outbound" else "inbound",
        queue,
        name if isinstance(name, str) else None,
        answered_at,
        ended,
        wait,
        talk,
        hold,
        wrap,
        agent,
        transferred,
        attribute_flag(attributes.get(names[0])) if attributes else None,
        csat,
        scale if csat is not None else None,
        customer,
        ended or _latest_instant(conv) or started,
    )


def _interact_start(segments: list[dict]) -> datetime | None:
    """The first start of a session's interact segments (their starts were read before: no error here)."""
    found = [t for t in (parse_instant(seg.get("segmentStart"), "segmentStart") for seg in segments
                         if seg.get("segmentType") == "interact") if t is not None]
    return min(found) if found else None


def _participant_of(conv: dict, participant: dict) -> str:
    """`participants[i] ` for a participant of the conversation (for an error message)."""
    for index, other in enumerate(conv.get("participants") or ()):
        if other is participant:
            return f"participants[{index}] "
    return ""


def _shown(value) -> str:
    """A value for a one-line reason: its repr, cut at 60 characters."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _where_of(conv: dict, session: dict) -> tuple[int, int] | None:
    """(participant, session) indexes of a session of the conversation (for an error message)."""
    for p_index, participant in enumerate(conv.get("participants") or ()):
        for s_index, other in enumerate(participant.get("sessions") or ()):
            if other is session:
                return p_index, s_index
    return None


def _latest_instant(conv: dict) -> datetime | None:
    """The latest segment start or end of any session (the version of a conversation not ended)."""
    instants = []
    for p_index, participant in enumerate(conv.get("participants") or ()):
        for s_index, session in enumerate(participant.get("sessions") or ()):
            for seg in session.get("segments") or ():
                for field in ("segmentStart", "segmentEnd"):
                    t = parse_instant(seg.get(field), field, (p_index, s_index))
                    if t is not None:
                        instants.append(t)
    return max(instants, default=None)


def _channel_of(media, message_type) -> str | None:
    """The channel of a session's media type (None: not a customer contact channel)."""
    media = str(media).lower()
    if media == "message":
        return MESSAGE_TYPES.get(str(message_type or "").lower(), "chat")
    return MEDIA.get(media)
