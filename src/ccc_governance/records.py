"""Normalised record kinds: what every data-source plugin yields, whatever the platform.

A plugin's reader yields instances of these classes (and `Rejected` for a row it cannot read), or
`ccc_governance.blocks.ColumnBlock`s holding the same values column by column.
The host pseudonymises `customer`, converts instants to epoch milliseconds (UTC), and stores each
kind in its own table, keyed by `(source, source_id)`: a record whose `source_id` is already stored
replaces the stored one when its `version` is the same or newer, and is skipped when older.
`partial=True` records merge instead: only their non-null fields overwrite the stored row (so that
separate exports of the same ticket join on its id).

This module is also the one specification of every field: each is declared with `text`, `number`,
`count`, `instant`, `instants`, `flag` or `customer` below, which say its type, unit, allowed values,
bounds and whether it is required. `FieldSpec`/`fields_of` give that specification to the host (its
checks are derived from it: `store/checks.py`) and to docs/plugins.md (a test checks the doc against it).

Conventions for every field below:
- instants are timezone-aware `datetime`s (a naive one is a bug in the plugin and is rejected);
- durations are seconds as `float`, kept to the millisecond (20.001 s is *not* within 20 s);
- `None` means "not known", never zero;
- a number field holds a finite number (NaN or an infinity is rejected: it cannot be judged);
- `line` is the 1-based line (or record number) in the file, for quarantine and provenance.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

#: Contact outcomes. Only `answered` and `abandoned` are *offered*; the others are reported apart.
OUTCOMES = (
    "answered",  # connected to an agent (transferred calls were answered first)
    "abandoned",  # the customer left the queue before an agent answered
    "timeout",  # left the queue by the queue's time-out (overflow)
    "exit_key",  # left the queue by pressing a key (overflow / callback choice)
    "callback",  # the customer chose a callback and left the queue
    "not_queued",  # never reached a queue (ended in the IVR)
    "open",  # still waiting or in progress when the export ends
)
OFFERED_OUTCOMES = ("answered", "abandoned")
CHANNELS = ("voice", "email", "chat", "social", "sms", "video")
DIRECTIONS = ("inbound", "outbound")

#: The field types of the specification (`FieldSpec.type`).
TYPES = ("text", "number", "integer", "instant", "instants", "flag", "customer")


@attrs.frozen
class FieldSpec:
    """What one record field holds: the single statement of its rules.

    - `type`: `text`, `number` (int or float), `integer` (a count), `instant` (an aware datetime;
      epoch milliseconds UTC in a block), `instants` (a list of them), `flag` (True/False, 1/0) or
      `customer` (an identifier in clear, pseudonymised by the host);
    - `unit`: `s`, `min`, `days`, `points` … or None;
    - `required`: must be present (except on a partial record);
    - `allowed`: the values allowed (None: any);
    - `minimum`: the smallest value allowed (None: no bound);
    - `finite`: NaN and infinities are refused (every number field);
    - `default`: what a record (or a block that does not carry the field) holds when not given.
    """

    name: str
    type: str
    doc: str = ""
    unit: str | None = None
    required: bool = False
    allowed: tuple | None = None
    minimum: float | None = None
    finite: bool = False
    default: Any = None


_KEY = "ccc_field"


def _field(type_: str, doc: str, *, default: Any = None, unit: str | None = None, required: bool = False,
           allowed: tuple | None = None, minimum: float | None = None, converter=None, factory=None):
    meta = {_KEY: dict(type=type_, doc=doc, unit=unit, required=required, allowed=allowed, minimum=minimum,
                       finite=type_ in ("number", "integer"))}
    if factory is not None:
        return attrs.field(factory=factory, metadata=meta)
    if required and default is None:
        return attrs.field(metadata=meta, converter=converter)
    return attrs.field(default=default, metadata=meta, converter=converter)


def _opt_float(value):
    """A duration as float. A value that is not a number is kept as it is: the host then rejects
    the record naming the field (`wait_s 'abc' is not a number`), as it does any bad field,
    instead of the reader failing (and with it the whole file) when it builds the record."""
    if value is None or value.__class__ is float:
        return value
    try:
        return float(value)
    except (TypeError, ValueError, OverflowError):
        return value


def text(doc: str, *, default: str | None = None, allowed: tuple | None = None, required: bool = False):
    """A text field (`allowed`: the values it may take)."""
    return _field("text", doc, default=default, allowed=allowed, required=required)


def number(doc: str, *, unit: str | None = None, default: float | None = None, minimum: float | None = None,
           duration: bool = False, required: bool = False):
    """A number field; `duration=True`: seconds, kept as float, never negative."""
    if duration:
        return _field("number", doc, default=default, unit="s", minimum=0, converter=_opt_float)
    return _field("number", doc, default=default, unit=unit, minimum=minimum, required=required)


def count(doc: str, *, unit: str | None = None, default: int | None = None, minimum: int | None = 0,
          required: bool = False):
    """A whole number (a count, never negative unless `minimum` says otherwise)."""
    return _field("integer", doc, default=default, unit=unit, minimum=minimum, required=required)


def instant(doc: str, *, required: bool = False):
    """An instant (aware datetime); `required`: the instant that places the record in time."""
    return _field("instant", doc, required=required)


def instants(doc: str):
    """A list of instants (empty by default)."""
    return _field("instants", doc, factory=list)


def flag(doc: str):
    """True, False or None (not known)."""
    return _field("flag", doc)


def customer():
    """The customer's phone, e-mail or account id IN CLEAR: the host hashes it and never stores it."""
    return _field("customer", "the customer's identifier in clear (phone, e-mail, account id): the host "
                  "pseudonymises it and never stores it")


def _version():
    return _field("instant", "which delivery of the record is newest (e.g. Connect LastUpdateTimestamp)")


def _line():
    return attrs.field(default=None)


def _source_id():
    return attrs.field()


@attrs.define
class Contact:
    """One customer contact (call, e-mail, chat …) as it reached the CCC."""

    source_id: str = _source_id()  # the platform's id for the contact (callid, ContactId, conversationId, ticket id)
    arrived_at: datetime | None = instant("when it entered the queue (its wait starts here)", required=True)
    outcome: str | None = text("what became of it", allowed=OUTCOMES)
    channel: str | None = text("the channel", default="voice", allowed=CHANNELS)
    direction: str | None = text("inbound or outbound", default="inbound", allowed=DIRECTIONS)
    queue: str | None = text("the queue as the platform writes it (name or id)")
    queue_name: str | None = text("a readable name when `queue` is an id")
    answered_at: datetime | None = instant("connected to an agent")
    ended_at: datetime | None = instant("the customer left, or the contact was closed")
    wait_s: float | None = number("queue wait, arrival to answer or abandon", duration=True)
    talk_s: float | None = number("talk (or chat interaction) time", duration=True)
    hold_s: float | None = number("time the agent put the customer on hold", duration=True)
    wrap_s: float | None = number("after-contact work", duration=True)
    agent: str | None = text("agent id or login (not customer data)")
    transferred: bool | None = flag("handed to another queue or party after being answered")
    fcr: bool | None = flag("resolved at first contact, when the contact carries that mark")
    csat: float | None = number("satisfaction score carried by the contact (survey attribute)", unit="points")
    csat_scale: int | None = count("top of the csat scale (5 for 1-5)", unit="points")
    first_response_s: float | None = number("e-mail/chat: to the first agent reply, calendar time", duration=True)
    first_response_business_s: float | None = number(
        "the same in business time, when the platform gives it", duration=True)
    resolution_s: float | None = number("e-mail/chat: to resolution, calendar time", duration=True)
    resolution_business_s: float | None = number("the same in business time, when the platform gives it",
                                                 duration=True)
    customer: str | None = customer()
    version: datetime | None = _version()
    partial: bool = False  # merge non-null fields into a stored record instead of replacing it
    line: int | None = _line()


@attrs.define
class SurveyResponse:
    """One answer to a customer survey (post-contact or periodic)."""

    source_id: str = _source_id()
    responded_at: datetime = instant("when the customer answered", required=True)
    csat: float | None = number("satisfaction score", unit="points")
    csat_scale: int | None = count("top of the csat scale", unit="points", default=5)
    nps: int | None = count("likelihood to recommend, 0-10", unit="points", minimum=None)
    resolved: bool | None = flag("self-reported: was the issue resolved at first contact")
    contact_id: str | None = text("source_id of the contact it is about, when known")
    channel: str | None = text("the channel of that contact", allowed=CHANNELS)
    queue: str | None = text("the queue of that contact")
    agent: str | None = text("the agent of that contact")
    comment: str | None = text("free text as given; may hold personal data, shown only in drill-down")
    customer: str | None = customer()
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class Complaint:
    """One complaint and the dates of its handling (ISO 18295-1 §4.4)."""

    source_id: str = _source_id()
    received_at: datetime = instant("when the complaint was received", required=True)
    acknowledged_at: datetime | None = instant("when its receipt was acknowledged to the customer")
    escalated_at: datetime | None = instant("when it was escalated")
    resolved_at: datetime | None = instant("when it was resolved")
    updates: list[datetime] = instants("each progress update sent to the customer")
    category: str | None = text("the complaint's category")
    channel: str | None = text("the channel it came by", allowed=CHANNELS)
    queue: str | None = text("the queue it is about")
    upheld: bool | None = flag("found justified")
    escalation_required: bool | None = flag("had to be escalated (so the escalation time-frame applies)")
    customer: str | None = customer()
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class QualityEvaluation:
    """One quality-assurance evaluation of a contact or an agent."""

    source_id: str = _source_id()
    evaluated_at: datetime = instant("when the evaluation was made", required=True)
    score: float = number("points obtained", unit="points", required=True)
    max_score: float = number("points possible: the QA rate is score / max_score", unit="points", default=100.0)
    form: str | None = text("the evaluation form")
    evaluator: str | None = text("who evaluated")
    agent: str | None = text("the agent evaluated")
    contact_id: str | None = text("source_id of the contact evaluated, when known")
    channel: str | None = text("the channel of that contact", allowed=CHANNELS)
    queue: str | None = text("the queue of that contact")
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class IntervalAggregate:
    """Counts for one queue, channel and interval, from platforms that only export aggregates.

    `source_id` should be stable for the same queue/channel/interval (e.g. `"queue|voice|2026-10-01T08:00Z"`),
    so that a corrected re-export replaces it.
    """

    source_id: str = _source_id()
    interval_start: datetime = instant("the interval's start", required=True)
    interval_minutes: int = count("the interval's length: 15, 30 or 60", unit="min", required=True)
    queue: str | None = text("the queue")
    channel: str | None = text("the channel", default="voice", allowed=CHANNELS)
    direction: str | None = text("inbound or outbound", default="inbound", allowed=DIRECTIONS)
    offered: int | None = count("answered + abandoned (the platform's offered, if it counts the same way)")
    answered: int | None = count("contacts answered by an agent in the interval")
    answered_within: int | None = count("answered with wait <= answer_threshold_s")
    answer_threshold_s: float | None = number("the T that `answered_within` counts against", duration=True)
    abandoned: int | None = count("contacts that left the queue before an answer (all abandons)")
    short_abandoned: int | None = count("abandoned with wait < short_abandon_s")
    short_abandon_s: float | None = number("the S that `short_abandoned` counts against", duration=True)
    abandoned_within: int | None = count("abandoned with wait <= answer_threshold_s (abandons_in_sl variant)")
    wait_sum_s: float | None = number("total wait of answered contacts (ASA = wait_sum_s / answered)", duration=True)
    handle_sum_s: float | None = number("total talk + hold + wrap of answered contacts", duration=True)
    forecast_offered: float | None = number("the forecast volume for the interval, when known", unit="contacts")
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class WorkforceFigure:
    """People figures for one day (or longer span) of a queue or the whole CCC team."""

    source_id: str = _source_id()
    day: datetime = instant("the (local midnight) start of the span the figures cover", required=True)
    days: int = count("length of the span in days", unit="days", default=1)
    queue: str | None = text("the queue (None: the whole CCC team)")
    scheduled_minutes: float | None = number("minutes scheduled, for schedule adherence", unit="min", minimum=0)
    adherent_minutes: float | None = number("minutes in the scheduled state", unit="min", minimum=0)
    headcount: float | None = number("average headcount over the span (attrition's denominator)", unit="people",
                                     minimum=0)
    leavers: int | None = count("people who left during the span (attrition's numerator)", unit="people")
    engagement_score: float | None = number("employee engagement survey mean", unit="points")
    engagement_scale: float | None = number("top of that scale", unit="points")
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class ReportedFigure:
    """A KPI figure as the CCC reports it itself, to show beside the recomputed one."""

    source_id: str = _source_id()
    metric: str = text("catalogue metric name (service_level, asa, …) or a contract KPI id", required=True)
    period_start: datetime = instant("local midnight of the first day", required=True)
    period_end: datetime = instant("local midnight after the last day", required=True)
    value: float = number("the figure as reported (a rate as a fraction 0-1, times in seconds)", required=True)
    queue: str | None = text("the queue it covers")
    channel: str | None = text("the channel it covers", allowed=CHANNELS)
    numerator: float | None = number("the reported numerator, when given")
    denominator: float | None = number("the reported denominator, when given")
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class InvoiceLine:
    """One line of the CCC's invoice to the client: what it bills for one pricing line and period.

    `source_id` should be stable for the same contract, period and line (e.g. `"acme|2026-10|handled-voice"`),
    so that a corrected invoice replaces the lines it re-issues.
    """

    source_id: str = _source_id()
    period_start: datetime = instant("midnight UTC of the first day of the invoiced period (its label: `period`)",
                                     required=True)
    period: str = text("the invoiced period as a label (`2026-10`, `2026-Q4`)", required=True)
    line_id: str = text("the contract's pricing line id the CCC bills under (as the invoice writes it)",
                        required=True)
    quantity: float = number("quantity billed, in the pricing line's unit", required=True)
    amount: float = number("amount billed for the line, before tax", required=True)
    unit_price: float | None = number("price per unit billed")
    currency: str | None = text("ISO 4217 code of the amounts")
    contract: str | None = text("the contract id the invoice is for")
    invoice: str | None = text("the invoice's number")
    description: str | None = text("the line's text on the invoice")
    version: datetime | None = _version()
    line: int | None = _line()


@attrs.define
class Rejected:
    """A row the reader could not read: it is quarantined with its line and reason, never stored."""

    line: int | None
    reason: str
    raw: str | None = None  # the offending text (the host truncates it and masks phone numbers / e-mails)
    source_id: str | None = None


#: Record kind name → class. The kind names are what `Source.kinds` declares.
KINDS = {
    "contact": Contact,
    "survey": SurveyResponse,
    "complaint": Complaint,
    "quality": QualityEvaluation,
    "interval": IntervalAggregate,
    "workforce": WorkforceFigure,
    "reported": ReportedFigure,
    "invoice_line": InvoiceLine,
}

#: Fields of every kind that are not in the specification: the record's id, where it was read,
#: and (contacts) whether it merges into the stored one.
IDENTITY_FIELDS = ("source_id", "line", "partial")


def fields_of(kind: str) -> tuple[FieldSpec, ...]:
    """The specification of a record kind's fields (`version` included), in the class's order."""
    return _SPECS[kind]


def time_field(kind: str) -> str:
    """The required instant that places a record of this kind in time (its first one)."""
    return next(f.name for f in _SPECS[kind] if f.type == "instant" and f.required)


def _spec_of(cls) -> tuple[FieldSpec, ...]:
    specs = []
    for a in attrs.fields(cls):
        meta = a.metadata.get(_KEY)
        if meta is None:
            continue
        default = None if a.default is attrs.NOTHING or isinstance(a.default, attrs.Factory) else a.default
        specs.append(FieldSpec(name=a.name, default=default, **meta))
    return tuple(specs)


_SPECS = {kind: _spec_of(cls) for kind, cls in KINDS.items()}
