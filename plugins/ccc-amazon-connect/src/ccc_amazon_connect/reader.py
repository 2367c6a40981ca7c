"""Read Amazon Connect contact trace records (CTR) into normalised contacts.

Every copy of a record is yielded: Connect delivers records at least once, and the host keeps,
for each ContactId, the copy with the newest `LastUpdateTimestamp` wherever it sits in the file.

Speed (1M records are ~750 MB of JSON, about half of the reading time is decoding it): `_figures`
maps a record in one function with few dict look-ups, reading the common shapes inline, and the
contacts go to the host as `ColumnBlock`s in storage form (instants as epoch milliseconds,
converted a column at a time).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, iter_objects
from ccc_governance.readers import attribute_flag as parse_flag
from ccc_governance.readers import attribute_score as parse_score
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

#: Connect `Channel` → normalised channel. TASK is back-office work, not a customer contact.
CHANNELS = {"VOICE": "voice", "CHAT": "chat", "EMAIL": "email"}
#: Records that are not customer contacts and are skipped (not quarantined: nothing is wrong with
#: them): tasks, and the contact a supervisor opens to monitor or barge into an agent's contact.
SKIPPED_CHANNELS = frozenset({"TASK"})
SKIPPED_METHODS = frozenset({"MONITOR"})
#: `InitiationMethod` values of contacts the centre places towards the customer.
OUTBOUND = frozenset({"OUTBOUND", "EXTERNAL_OUTBOUND", "AGENT_REPLY"})
#: Contacts per block (small blocks stay in the CPU's cache: 250 reads ~10% faster than 1000,
#: host checks included).
BLOCK = 250


class BadRecord(ValueError):
    """A field of one record that cannot be read (the record is quarantined)."""


def read_ctr(context: ReadContext) -> Iterator[ColumnBlock | Rejected]:
    """The source's reader: the contacts of every contact record in the file (JSON Lines, array
    or `}{`-concatenated), in `ColumnBlock`s of up to `BLOCK`, and a `Rejected` row for each record
    it cannot read (the block before it is yielded first: the file's order is kept)."""
    names = (context.attributes.get("fcr", "fcr"), context.attributes.get("csat", "csat"))
    scale = int(context.options.get("csat_scale", 5))
    try:
        raw = open(context.path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(context.path)) from None
    with raw:
        check = FormatCheck(str(context.path), "Amazon Connect contact records", "a ContactId")
        check.starts_as_json(raw, "JSON objects with a ContactId")
        kept: list[tuple] = []  # contacts waiting to be yielded (`_figures` values)
        figures = _figures
        for item in iter_objects(raw, progress=context.progress):
            if item.__class__ is Broken:
                check.seen(item.index + 1)
                check.unreadable(item.line, item.raw)
                if kept:
                    yield _block(kept)
                    kept = []
                yield context.reject(item.line, item.reason, item.raw)
                continue
            record, line, index = item
            if record.__class__ is not dict or record.get("ContactId").__class__ is not str:
                if not isinstance(record, dict) or not isinstance(record.get("ContactId"), str):
                    check.seen(index + 1)
                    check.unreadable(line, _short(record))
                    if kept:
                        yield _block(kept)
                        kept = []
                    yield context.reject(line, "not a contact record (no ContactId)", _short(record))
                    continue
            if not check.ok:
                check.seen(index + 1)
                check.recognised()
            try:
                values = figures(record, line, names, scale)
            except BadRecord as exc:
                if kept:
                    yield _block(kept)
                    kept = []
                yield context.reject(line, f"contact {record['ContactId']}: {exc}", _short(record), record["ContactId"])
                continue
            if values is None:  # not a customer contact: skipped
                continue
            kept.append(values)
            if len(kept) >= BLOCK:
                yield _block(kept)
                kept = []
        if kept:
            yield _block(kept)
        check.finish()


#: The contact fields of a block, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "fcr", "csat", "csat_scale", "customer",
          "version")
#: What `_figures` returns, in order.
KEYS = ("source_id", "line", *FIELDS)
#: Where the instants are in `KEYS` (arrived_at, answered_at, ended_at, version).
_INSTANTS = (2, 8, 9, 20)


def _block(kept: list[tuple]) -> ColumnBlock:
    """The contacts (`_figures` values) as a `ColumnBlock`, instants as epoch milliseconds UTC."""
    columns = [list(column) for column in zip(*kept)]
    columns[2] = [round(dt.timestamp() * 1000) for dt in columns[2]]  # arrived_at: never None
    for i in _INSTANTS[1:]:
        columns[i] = [None if dt is None else round(dt.timestamp() * 1000) for dt in columns[i]]
    return ColumnBlock(kind="contact", fields=FIELDS, columns=columns)


def _short(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]


def _instant(value, field: str) -> datetime | None:
    """`parse_instant`, with the usual case (an ISO text) first and inline."""
    if value.__class__ is str:
        try:
            dt = _fromiso(value)
        except ValueError:
            return parse_instant(value, field)  # None for "", else raises with the reason
        return dt if dt.tzinfo is not None else dt.replace(tzinfo=_UTC)
    return parse_instant(value, field)


def parse_instant(value, field: str) -> datetime | None:
    """An ISO 8601 timestamp (Connect writes UTC with `Z`); None stays None; anything else is an error."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadRecord(f"{field} {value!r} is not a timestamp")
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise BadRecord(f"{field} {value!r} is not an ISO 8601 timestamp") from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)  # Connect's timestamps are always UTC
    return dt


def _seconds(value, field: str) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise BadRecord(f"{field} {value!r} is not a number of seconds")
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise BadRecord(f"{field} {value!r} is not a number of seconds") from None
    if seconds < 0:
        raise BadRecord(f"{field} {value!r} is negative")
    return seconds


_fromiso = datetime.fromisoformat
_UTC = timezone.utc


def _figures(r: dict, line: int, names: tuple[str, str], scale: int) -> tuple | None:
    """The `Contact` fields of one record, in `KEYS` order (instants as aware datetimes), or None
    for a record that is not a customer contact (skipped). Raises `BadRecord` for a field it
    cannot read.

    The common shapes are read inline (a JSON string timestamp through `datetime.fromisoformat`,
    a JSON int or float duration); anything else goes through `parse_instant` / `_seconds`, which
    return the same value or raise with the reason.
    """
    channel_raw = r.get("Channel")
    if channel_raw == "VOICE":
        channel = "voice"
    elif channel_raw:
        upper = str(channel_raw).upper()
        if upper in SKIPPED_CHANNELS:
            return None
        channel = CHANNELS.get(upper)
    else:
        channel = "voice"
    method = r.get("InitiationMethod")
    if method == "INBOUND":
        direction = "inbound"
    else:
        method = str(method or "INBOUND").upper()
        if method in SKIPPED_METHODS:
            return None
        direction = "outbound" if method in OUTBOUND else "inbound"
    if channel is None:
        raise BadRecord(f"Channel {channel_raw!r} is not a customer contact channel (voice, chat or e-mail)")

    initiated = _instant(r.get("InitiationTimestamp"), "InitiationTimestamp")
    disconnected = _instant(r.get("DisconnectTimestamp"), "DisconnectTimestamp")
    version = _instant(r.get("LastUpdateTimestamp"), "LastUpdateTimestamp")
    queue = r.get("Queue") or None
    agent = r.get("Agent") or None

    queue_name = wait = answered_at = talk = hold = wrap = agent_name = transferred = None
    if queue is None:
        outcome = "not_queued"  # ended in the contact flow (IVR) before reaching a queue
        arrived = initiated
    else:
        if queue.__class__ is not dict:
            raise BadRecord(f"Queue {queue!r} is not an object")
        queue_name = queue.get("Name") or queue.get("ARN")
        arrived = _instant(queue.get("EnqueueTimestamp"), "Queue.EnqueueTimestamp")
        arrived = arrived or initiated
        dequeued = _instant(queue.get("DequeueTimestamp"), "Queue.DequeueTimestamp")
        v = queue.get("Duration")
        if (v.__class__ is int or v.__class__ is float) and v >= 0:
            wait = float(v)
        else:
            wait = _seconds(v, "Queue.Duration")
        if agent.__class__ is dict:
            answered_at = _instant(agent.get("ConnectedToAgentTimestamp"), "Agent.ConnectedToAgentTimestamp")
        if answered_at is not None:
            outcome = "answered"
            v = agent.get("AgentInteractionDuration")
            if (v.__class__ is int or v.__class__ is float) and v >= 0:
                talk = float(v)
            else:
                talk = _seconds(v, "Agent.AgentInteractionDuration")
            v = agent.get("CustomerHoldDuration")
            if (v.__class__ is int or v.__class__ is float) and v >= 0:
                hold = float(v)
            else:
                hold = _seconds(v, "Agent.CustomerHoldDuration")
            v = agent.get("AfterContactWorkDuration")
            if (v.__class__ is int or v.__class__ is float) and v >= 0:
                wrap = float(v)
            else:
                wrap = _seconds(v, "Agent.AfterContactWorkDuration")
            agent_name = agent.get("Username") or agent.get("ARN")
            transferred = bool(
                r.get("TransferCompletedTimestamp") or r.get("TransferredToEndpoint") or r.get("NextContactId")
            )
        elif r.get("NextContactId"):
            # Queued, never connected, and continued as another contact: the customer chose a
            # queued callback (the new contact has InitiationMethod CALLBACK), or the queue's flow
            # moved the contact on. Either way the customer did not abandon.
            outcome = "callback"
        else:
            # Queued, never connected to an agent (an agent may have been offered it while ringing).
            outcome = "abandoned"
        if wait is None:
            end = answered_at or dequeued or disconnected
            if end is not None and arrived is not None:
                wait = max(0.0, (end - arrived).total_seconds())
    if arrived is None:
        raise BadRecord("no Queue.EnqueueTimestamp nor InitiationTimestamp: arrival unknown")
    attributes = r.get("Attributes")
    if attributes and attributes.__class__ is dict:
        fcr = parse_flag(attributes.get(names[0]))
        csat = parse_score(attributes.get(names[1]))
    else:
        fcr = csat = None
    endpoint = r.get("CustomerEndpoint")
    customer = endpoint.get("Address") if endpoint and endpoint.__class__ is dict else None
    return (
        r["ContactId"],
        line,
        arrived,
        outcome,
        channel,
        direction,
        queue_name,
        queue_name,
        answered_at,
        disconnected,
        wait,
        talk,
        hold,
        wrap,
        agent_name,
        transferred,
        fcr,
        csat,
        scale if csat is not None else None,
        customer,
        version,
    )

