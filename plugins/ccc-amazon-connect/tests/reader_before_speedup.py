"""FROZEN COPY of ccc_amazon_connect/reader.py before it was made faster (commit d008efe), the oracle of
test_connect_oracle.py: the rewritten reader must give the same records, rows and reasons. Not used
by the plugin; do not edit (when a mapping rule changes on purpose, drop this file and its test).

Read Amazon Connect contact trace records (CTR) into normalised contacts.

Every copy of a record is yielded: Connect delivers records at least once, and the host keeps,
for each ContactId, the copy with the newest `LastUpdateTimestamp` wherever it sits in the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

from ccc_governance.errors import SourceError
from ccc_governance.readers import Broken, FormatCheck, RowBatch, iter_objects
from ccc_governance.readers import attribute_flag as parse_flag
from ccc_governance.readers import attribute_score as parse_score
from ccc_governance.records import Contact, Rejected
from ccc_governance.sources import ReadContext
from ccc_governance.store.fastrows import RowBlock, separate_process

#: Connect `Channel` → normalised channel. TASK is back-office work, not a customer contact.
CHANNELS = {"VOICE": "voice", "CHAT": "chat", "EMAIL": "email"}
#: Records that are not customer contacts and are skipped (not quarantined: nothing is wrong with
#: them): tasks, and the contact a supervisor opens to monitor or barge into an agent's contact.
SKIPPED_CHANNELS = frozenset({"TASK"})
SKIPPED_METHODS = frozenset({"MONITOR"})
#: `InitiationMethod` values of contacts the centre places towards the customer.
OUTBOUND = frozenset({"OUTBOUND", "EXTERNAL_OUTBOUND", "AGENT_REPLY"})


class BadRecord(ValueError):
    """A field of one record that cannot be read (the record is quarantined)."""


def read_ctr(context: ReadContext, *, fast: bool = False) -> Iterator[Contact | Rejected | RowBlock]:
    """Yield a `Contact` for every contact record in the file (JSON Lines, array or `}{`-concatenated).

    `fast`: yield the contacts in `RowBlock`s (the host's fast path: the same values in storage
    form, without building a `Contact` each) and rejected records as usual.
    """
    fcr_name = context.attributes.get("fcr", "fcr")
    csat_name = context.attributes.get("csat", "csat")
    scale = int(context.options.get("csat_scale", 5))
    try:
        raw = open(context.path, "rb")
    except OSError as exc:
        raise SourceError(f"cannot open: {exc.strerror}", file=str(context.path)) from None
    with raw:
        check = FormatCheck(str(context.path), "Amazon Connect contact records", "a ContactId")
        check.starts_as_json(raw, "JSON objects with a ContactId")
        seen = 0
        batch = RowBatch("contact", FIELDS)  # the fast path's rows waiting to be yielded
        for item in iter_objects(raw, progress=context.progress):
            seen += 1
            check.seen(seen)
            if isinstance(item, Broken):
                check.unreadable(item.line, item.raw)
                if block := batch.flush():
                    yield block
                yield context.reject(item.line, item.reason, item.raw)
                continue
            record = item.value
            if not isinstance(record, dict) or not isinstance(record.get("ContactId"), str):
                check.unreadable(item.line, _short(record))
                if block := batch.flush():
                    yield block
                yield context.reject(item.line, "not a contact record (no ContactId)", _short(record))
                continue
            check.recognised()
            if str(record.get("Channel") or "").upper() in SKIPPED_CHANNELS:
                continue
            if str(record.get("InitiationMethod") or "").upper() in SKIPPED_METHODS:
                continue
            try:
                values = _contact(record, item.line, fcr_name, csat_name, scale)
            except BadRecord as exc:
                if block := batch.flush():
                    yield block
                yield context.reject(item.line, f"contact {record['ContactId']}: {exc}", _short(record), record["ContactId"])
                continue
            if not fast:
                yield Contact(**values)
            elif block := batch.add(values):
                yield block
        if block := batch.flush():
            yield block
        check.finish()


@separate_process
def read_ctr_blocks(context: ReadContext) -> Iterator[Contact | Rejected | RowBlock]:
    """The source's reader: `read_ctr` on the fast path (what the host imports)."""
    return read_ctr(context, fast=True)


#: The contact fields of a fast-path row, in order after (source_id, line).
FIELDS = ("arrived_at", "outcome", "channel", "direction", "queue", "queue_name", "answered_at", "ended_at",
          "wait_s", "talk_s", "hold_s", "wrap_s", "agent", "transferred", "fcr", "csat", "csat_scale", "customer",
          "version")


def _short(value) -> str:
    return json.dumps(value, ensure_ascii=False)[:300]


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


def _contact(r: dict, line: int, fcr_name: str, csat_name: str, scale: int) -> dict:
    """The `Contact` fields of one record, as a dict (`Contact(**fields)`, or a `RowBatch` on the
    fast path). Raises `BadRecord` for a field it cannot read."""
    channel_raw = r.get("Channel")
    channel = CHANNELS.get(str(channel_raw).upper()) if channel_raw else "voice"
    if channel is None:
        raise BadRecord(f"Channel {channel_raw!r} is not a customer contact channel (voice, chat or e-mail)")
    method = str(r.get("InitiationMethod") or "INBOUND").upper()
    initiated = parse_instant(r.get("InitiationTimestamp"), "InitiationTimestamp")
    disconnected = parse_instant(r.get("DisconnectTimestamp"), "DisconnectTimestamp")
    version = parse_instant(r.get("LastUpdateTimestamp"), "LastUpdateTimestamp")
    queue = r.get("Queue") or None
    agent = r.get("Agent") or None
    attributes = r.get("Attributes") or {}
    if not isinstance(attributes, dict):
        attributes = {}
    endpoint = r.get("CustomerEndpoint") or {}
    customer = endpoint.get("Address") if isinstance(endpoint, dict) else None

    queue_name = wait = answered_at = talk = hold = wrap = agent_name = transferred = None
    if queue is None:
        outcome = "not_queued"  # ended in the contact flow (IVR) before reaching a queue
        arrived = initiated
    else:
        if not isinstance(queue, dict):
            raise BadRecord(f"Queue {queue!r} is not an object")
        queue_name = queue.get("Name") or queue.get("ARN")
        arrived = parse_instant(queue.get("EnqueueTimestamp"), "Queue.EnqueueTimestamp") or initiated
        dequeued = parse_instant(queue.get("DequeueTimestamp"), "Queue.DequeueTimestamp")
        wait = _seconds(queue.get("Duration"), "Queue.Duration")
        if isinstance(agent, dict):
            answered_at = parse_instant(agent.get("ConnectedToAgentTimestamp"), "Agent.ConnectedToAgentTimestamp")
        if answered_at is not None:
            outcome = "answered"
            talk = _seconds(agent.get("AgentInteractionDuration"), "Agent.AgentInteractionDuration")
            hold = _seconds(agent.get("CustomerHoldDuration"), "Agent.CustomerHoldDuration")
            wrap = _seconds(agent.get("AfterContactWorkDuration"), "Agent.AfterContactWorkDuration")
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
    csat = parse_score(attributes.get(csat_name))
    if arrived is None:
        raise BadRecord("no Queue.EnqueueTimestamp nor InitiationTimestamp: arrival unknown")
    return dict(
        source_id=r["ContactId"],
        arrived_at=arrived,
        outcome=outcome,
        channel=channel,
        direction="outbound" if method in OUTBOUND else "inbound",
        queue=queue_name,
        queue_name=queue_name,
        answered_at=answered_at,
        ended_at=disconnected,
        wait_s=wait,
        talk_s=talk,
        hold_s=hold,
        wrap_s=wrap,
        agent=agent_name,
        transferred=transferred,
        fcr=parse_flag(attributes.get(fcr_name)),
        csat=csat,
        csat_scale=scale if csat is not None else None,
        customer=customer,
        version=version,
        line=line,
    )
