"""Normalised record kinds: what every data-source plugin yields, whatever the platform.

A plugin's reader yields instances of these classes (and `Rejected` for a row it cannot read).
The host pseudonymises `customer`, converts instants to epoch milliseconds (UTC), and stores each
kind in its own table, keyed by `(source, source_id)`: a record whose `source_id` is already stored
replaces the stored one when its `version` is the same or newer, and is skipped when older.
`partial=True` records merge instead: only their non-null fields overwrite the stored row (so that
separate exports of the same ticket join on its id).

Conventions for every field below:
- instants are timezone-aware `datetime`s (a naive one is a bug in the plugin and is rejected);
- durations are seconds as `float`, kept to the millisecond (20.001 s is *not* within 20 s);
- `None` means "not known", never zero;
- `line` is the 1-based line (or record number) in the file, for quarantine and provenance.
"""

from __future__ import annotations

from datetime import datetime

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


@attrs.define
class Contact:
    """One customer contact (call, e-mail, chat …) as it reached the CCC."""

    source_id: str  # the platform's id for the contact (callid, ContactId, conversationId, ticket id)
    arrived_at: datetime | None  # when it entered the queue (its wait starts here); None only if partial
    outcome: str | None = None  # one of OUTCOMES
    channel: str | None = "voice"  # one of CHANNELS
    direction: str | None = "inbound"
    queue: str | None = None  # the queue as the platform writes it (name or id)
    queue_name: str | None = None  # a readable name when `queue` is an id
    answered_at: datetime | None = None  # connected to an agent
    ended_at: datetime | None = None  # customer left / contact closed
    wait_s: float | None = attrs.field(default=None, converter=_opt_float)  # queue wait, arrival → answer or abandon
    talk_s: float | None = attrs.field(default=None, converter=_opt_float)  # talk (or chat interaction) time
    hold_s: float | None = attrs.field(default=None, converter=_opt_float)  # customer put on hold by the agent
    wrap_s: float | None = attrs.field(default=None, converter=_opt_float)  # after-contact work
    agent: str | None = None  # agent id or login (not customer data)
    transferred: bool | None = None  # handed to another queue or party after being answered
    fcr: bool | None = None  # resolved at first contact, when the contact carries that mark
    csat: float | None = None  # satisfaction score carried by the contact (survey attribute)
    csat_scale: int | None = None  # top of the csat scale (5 for 1–5)
    first_response_s: float | None = attrs.field(default=None, converter=_opt_float)  # e-mail/chat: to first agent reply, calendar time
    first_response_business_s: float | None = attrs.field(default=None, converter=_opt_float)  # the same in business time, when the platform gives it
    resolution_s: float | None = attrs.field(default=None, converter=_opt_float)  # e-mail/chat: to resolution, calendar time
    resolution_business_s: float | None = attrs.field(default=None, converter=_opt_float)  # the same in business time, when the platform gives it
    customer: str | None = None  # phone / e-mail / account id IN CLEAR: the host hashes it and never stores it
    version: datetime | None = None  # which delivery is newest (e.g. Connect LastUpdateTimestamp)
    partial: bool = False  # merge non-null fields into a stored record instead of replacing it
    line: int | None = None


@attrs.define
class SurveyResponse:
    """One answer to a customer survey (post-contact or periodic)."""

    source_id: str
    responded_at: datetime
    csat: float | None = None  # satisfaction score
    csat_scale: int | None = 5  # top of the csat scale
    nps: int | None = None  # likelihood to recommend, 0–10
    resolved: bool | None = None  # self-reported: was the issue resolved at first contact
    contact_id: str | None = None  # source_id of the contact it is about, when known
    channel: str | None = None
    queue: str | None = None
    agent: str | None = None
    comment: str | None = None  # free text as given; may hold personal data, shown only in drill-down
    customer: str | None = None  # hashed by the host
    version: datetime | None = None
    line: int | None = None


@attrs.define
class Complaint:
    """One complaint and the dates of its handling (ISO 18295-1 §4.4)."""

    source_id: str
    received_at: datetime
    acknowledged_at: datetime | None = None
    escalated_at: datetime | None = None
    resolved_at: datetime | None = None
    updates: list[datetime] = attrs.Factory(list)  # each progress update sent to the customer
    category: str | None = None
    channel: str | None = None
    queue: str | None = None
    upheld: bool | None = None  # found justified
    escalation_required: bool | None = None  # had to be escalated (so the escalation time-frame applies)
    customer: str | None = None  # hashed by the host
    version: datetime | None = None
    line: int | None = None


@attrs.define
class QualityEvaluation:
    """One quality-assurance evaluation of a contact or an agent."""

    source_id: str
    evaluated_at: datetime
    score: float  # points obtained
    max_score: float = 100.0  # points possible: the QA rate is score / max_score
    form: str | None = None
    evaluator: str | None = None
    agent: str | None = None
    contact_id: str | None = None
    channel: str | None = None
    queue: str | None = None
    version: datetime | None = None
    line: int | None = None


@attrs.define
class IntervalAggregate:
    """Counts for one queue, channel and interval, from platforms that only export aggregates.

    `source_id` should be stable for the same queue/channel/interval (e.g. `"queue|voice|2026-10-01T08:00Z"`),
    so that a corrected re-export replaces it.
    """

    source_id: str
    interval_start: datetime
    interval_minutes: int  # 15, 30 or 60
    queue: str | None = None
    channel: str | None = "voice"
    direction: str | None = "inbound"
    offered: int | None = None  # answered + abandoned (the platform's offered, if it counts the same way)
    answered: int | None = None  # contacts answered by an agent in the interval
    answered_within: int | None = None  # answered with wait ≤ answer_threshold_s
    answer_threshold_s: float | None = None  # the T that `answered_within` counts against
    abandoned: int | None = None  # contacts that left the queue before an answer (all abandons)
    short_abandoned: int | None = None  # abandoned with wait < short_abandon_s
    short_abandon_s: float | None = None  # the S that `short_abandoned` counts against
    abandoned_within: int | None = None  # abandoned with wait ≤ answer_threshold_s (abandons_in_sl variant)
    wait_sum_s: float | None = None  # total wait of answered contacts (ASA = wait_sum_s / answered)
    handle_sum_s: float | None = None  # total talk + hold + wrap of answered contacts
    forecast_offered: float | None = None  # the forecast volume for the interval, when known
    version: datetime | None = None
    line: int | None = None


@attrs.define
class WorkforceFigure:
    """People figures for one day (or longer span) of a queue or the whole CCC team."""

    source_id: str
    day: datetime  # the (local midnight) start of the span the figures cover
    days: int = 1  # length of the span in days
    queue: str | None = None
    scheduled_minutes: float | None = None  # for schedule adherence
    adherent_minutes: float | None = None  # minutes in the scheduled state
    headcount: float | None = None  # average headcount over the span (attrition's denominator)
    leavers: int | None = None  # people who left during the span (attrition's numerator)
    engagement_score: float | None = None  # employee engagement survey mean
    engagement_scale: float | None = None  # top of that scale
    version: datetime | None = None
    line: int | None = None


@attrs.define
class ReportedFigure:
    """A KPI figure as the CCC reports it itself, to show beside the recomputed one."""

    source_id: str
    metric: str  # catalogue metric name (service_level, asa, …) or a contract KPI id
    period_start: datetime  # local midnight of the first day
    period_end: datetime  # local midnight after the last day
    value: float  # the figure as reported (a rate as a fraction 0–1, times in seconds)
    queue: str | None = None
    channel: str | None = None
    numerator: float | None = None  # the reported numerator, when given
    denominator: float | None = None  # the reported denominator, when given
    version: datetime | None = None
    line: int | None = None


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
}
