"""Read a contact centre's own monthly figures and aggregate exports (CSV) into ccc records.

One file holds one kind of row, or several kinds told apart by a `kind` column:

- `reported`  → `ReportedFigure`   (the CCC's own KPI figures, shown beside the recomputed ones)
- `interval`  → `IntervalAggregate` (counts per queue and interval; forecast volumes)
- `workforce` → `WorkforceFigure`  (schedule adherence, headcount, leavers, engagement)
- `quality`   → `QualityEvaluation` (QA evaluations)

The format is documented field by field in the package README; `COLUMNS` is its machine form.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccc_governance.errors import PeriodError, SourceError
from ccc_governance.periods import make_range, parse_period
from ccc_governance.readers import FieldError, Row, Table, parse_channel, parse_count, parse_float, parse_int
from ccc_governance.records import IntervalAggregate, QualityEvaluation, ReportedFigure, WorkforceFigure
from ccc_governance.sources import ReadContext

COLUMNS: dict[str, tuple[str, ...]] = {
    "kind": ("type", "record_type", "row_type"),
    "timezone": ("tz", "time_zone"),
    "queue": ("team", "service", "queue_name", "line"),
    "channel": ("media", "media_type"),
    "version": ("updated_at", "last_updated", "generated_at", "produced_at"),
    # reported
    "metric": ("kpi", "indicator", "measure"),
    "period": ("month", "reporting_period"),
    "period_from": ("from", "period_start", "start_date"),
    "period_to": ("to", "period_end", "end_date"),
    "value": ("reported", "actual", "result", "reported_value"),
    "numerator": ("num",),
    "denominator": ("den", "denom"),
    # interval
    "interval_start": ("interval", "start", "interval_begin", "datetime"),
    "minutes": ("interval_minutes", "length_minutes", "duration_minutes"),
    "direction": (),
    "offered": ("calls_offered", "contacts_offered"),
    "answered": ("handled", "calls_answered", "contacts_answered"),
    "answered_within": ("answered_in_sl", "answered_within_threshold", "within_sl"),
    "answer_threshold_s": ("threshold_s", "sl_threshold_s", "service_level_threshold_s"),
    "abandoned": ("calls_abandoned", "contacts_abandoned"),
    "short_abandoned": ("short_abandons",),
    "short_abandon_s": ("short_abandon_threshold_s",),
    "abandoned_within": ("abandoned_in_sl",),
    "wait_sum_s": ("total_wait_s", "wait_time_s"),
    "handle_sum_s": ("total_handle_s", "handle_time_s"),
    "forecast_offered": ("forecast", "forecast_volume", "forecast_contacts"),
    # workforce
    "day": ("date", "work_date"),
    "days": ("span_days",),
    "scheduled_minutes": ("scheduled", "scheduled_min"),
    "adherent_minutes": ("adherent", "adherent_min", "in_adherence_minutes"),
    "headcount": ("fte", "average_headcount"),
    "leavers": ("attrition", "leavers_count"),
    "engagement_score": ("engagement",),
    "engagement_scale": ("engagement_max",),
    # quality
    "evaluation_id": ("evaluation", "qa_id", "review_id"),
    "evaluated_at": ("evaluation_date", "reviewed_at"),
    "score": ("qa_score", "points"),
    "max_score": ("out_of", "max_points", "possible"),
    "form": ("scorecard", "form_name"),
    "evaluator": ("reviewer", "assessor"),
    "agent": ("agent_id", "agent_name", "advisor"),
    "contact_id": ("call_id", "callid", "interaction_id", "conversation_id", "ticket_id"),
}
KIND_WORDS = {"reported": "reported", "figure": "reported", "kpi": "reported",
              "interval": "interval", "forecast": "interval", "aggregate": "interval",
              "workforce": "workforce", "wfm": "workforce",
              "quality": "quality", "qa": "quality"}
#: The columns that identify a file of a single kind when it has no `kind` column.
SIGNATURES = (("reported", ("metric", "value")), ("interval", ("interval_start",)),
              ("quality", ("evaluation_id", "evaluated_at")), ("workforce", ("day",)))
DIRECTIONS = ("inbound", "outbound")


def read_vendor_report(ctx: ReadContext) -> Iterator[Any]:
    """The `vendor-report` source's reader: each row by its kind, bad rows quarantined."""
    path = Path(ctx.path)
    options = dict(ctx.options or {})
    file_kind = _kind_option(options, path)
    table = Table(path, options, COLUMNS, progress=ctx.progress)
    for row in table.rows():
        if file_kind is None:
            file_kind = _file_kind(table, path)
        if row.error:
            yield ctx.reject(row.line, row.error, raw=row.raw)
            continue
        kind = file_kind
        try:
            if kind == "mixed":
                word = row.text("kind", required=True).lower()
                kind = KIND_WORDS.get(word)
                if kind is None:
                    raise FieldError(f"{table.header_of('kind')} {word!r} is not reported, interval, workforce "
                                     "or quality")
            yield BUILDERS[kind](row, table)
        except FieldError as err:
            label = f"{kind} row" if kind in BUILDERS else "row"
            yield ctx.reject(row.line, f"{label}: {err}", raw=row.raw)


def _kind_option(options: dict[str, Any], path: Path) -> str | None:
    word = str(options.get("kind") or "").strip().lower()
    if not word:
        return None
    if word not in KIND_WORDS:
        raise SourceError(f"option kind={word!r} is not reported, interval, workforce or quality", file=str(path))
    return KIND_WORDS[word]


def _file_kind(table: Table, path: Path) -> str:
    if table.has("kind"):
        return "mixed"
    for kind, columns in SIGNATURES:
        if all(table.has(c) for c in columns):
            return kind
    raise SourceError("cannot tell which kind of rows this is: add a kind column (reported, interval, workforce, "
                      "quality), name the columns as documented, or pass --option kind=…", file=str(path),
                      line=table.header_line)


# -- shared helpers ---------------------------------------------------------------------------
def _zone(row: Row, table: Table) -> ZoneInfo | None:
    name = row.text("timezone")
    if name is None:
        return table.tz
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldError(f"{table.header_of('timezone')} {name!r} is not a time zone name (e.g. Europe/Paris)") from None


def _need_zone(row: Row, table: Table, what: str) -> ZoneInfo:
    zone = _zone(row, table)
    if zone is None:
        raise FieldError(f"{what} is a local date: add a timezone column or pass --option timezone=Europe/Paris")
    return zone


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise FieldError("is not a date (expected YYYY-MM-DD)") from None


def _positive(parse):
    def read(text: str):
        value = parse(text)
        if value < 0:
            raise FieldError("is negative")
        return value
    return read


def _stamp(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


# -- the four kinds ---------------------------------------------------------------------------
def reported_from(row: Row, table: Table) -> ReportedFigure:
    """A `reported` row: the CCC's figure for one metric, period, queue and channel."""
    metric = row.text("metric", required=True).strip()
    label = row.text("period")
    first = row.get("period_from", _date)
    last = row.get("period_to", _date)
    try:
        if label:
            period = parse_period(re.sub(r"^(\d{4}-\d{2}-\d{2})\s*/\s*(\d{4}-\d{2}-\d{2})$", r"\1..\2", label))
        elif first and last:
            period = make_range(first, last)
        else:
            raise FieldError("no period: fill period (2026-10) or period_from and period_to")
    except PeriodError as err:
        raise FieldError(f"{table.header_of('period')}: {err}") from None
    zone = _need_zone(row, table, "the period")
    value = row.get("value", parse_float, required=True)
    queue, channel = row.text("queue"), row.get("channel", parse_channel)
    return ReportedFigure(
        source_id=f"reported|{metric}|{queue or '*'}|{channel or '*'}|{period.label}",
        metric=metric,
        period_start=_midnight(period.start, zone),
        period_end=_midnight(period.end, zone),
        value=value,
        queue=queue,
        channel=channel,
        numerator=row.get("numerator", parse_float),
        denominator=row.get("denominator", parse_float),
        version=row.instant("version"),
        line=row.line,
    )


def interval_from(row: Row, table: Table) -> IntervalAggregate:
    """An `interval` row: counts (or only a forecast) for one queue, channel and interval."""
    text = row.text("interval_start", required=True)
    minutes = row.get("minutes", _positive(parse_int))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        # A whole local day (daily forecasts): its true length, 23 or 25 hours on clock-change days.
        zone = _need_zone(row, table, "interval_start")
        day = date.fromisoformat(text.strip())
        start = _midnight(day, zone)
        if minutes is None:
            minutes = int((_midnight(day + timedelta(days=1), zone) - start).total_seconds() // 60)
    else:
        start = row.instant("interval_start", required=True, tz=_zone(row, table))
    if not minutes:
        raise FieldError(f"{table.header_of('minutes')} is empty (the interval length: 15, 30, 60 …)")
    direction = (row.text("direction") or "inbound").lower()
    if direction not in DIRECTIONS:
        raise FieldError(f"{table.header_of('direction')} {direction!r} is not inbound or outbound")
    count = parse_count
    record = IntervalAggregate(
        source_id="",
        interval_start=start,
        interval_minutes=minutes,
        queue=row.text("queue"),
        # Blank: the option's channel, else None ("every channel of the queue", e.g. a forecast).
        channel=row.get("channel", parse_channel) or table.options.get("channel") or None,
        direction=direction,
        offered=row.get("offered", count),
        answered=row.get("answered", count),
        answered_within=row.get("answered_within", count),
        answer_threshold_s=row.get("answer_threshold_s", _positive(parse_float)),
        abandoned=row.get("abandoned", count),
        short_abandoned=row.get("short_abandoned", count),
        short_abandon_s=row.get("short_abandon_s", _positive(parse_float)),
        abandoned_within=row.get("abandoned_within", count),
        wait_sum_s=row.get("wait_sum_s", _positive(parse_float)),
        handle_sum_s=row.get("handle_sum_s", _positive(parse_float)),
        forecast_offered=row.get("forecast_offered", _positive(parse_float)),
        version=row.instant("version"),
        line=row.line,
    )
    if record.answered_within is not None and record.answered is not None and record.answered_within > record.answered:
        raise FieldError(f"answered_within {record.answered_within} is more than answered {record.answered}")
    if record.answered_within is not None and record.answer_threshold_s is None:
        raise FieldError("answered_within needs answer_threshold_s (the T it counts against)")
    record.source_id = f"interval|{record.queue or '*'}|{record.channel or '*'}|{record.direction}|{_stamp(start)}|{minutes}"
    return record


def workforce_from(row: Row, table: Table) -> WorkforceFigure:
    """A `workforce` row: people figures for a day (or `days` days) of a queue or the whole team."""
    day = row.get("day", _date, required=True)
    days = row.get("days", _positive(parse_int)) or 1
    zone = _need_zone(row, table, "day")
    record = WorkforceFigure(
        source_id=f"workforce|{row.text('queue') or '*'}|{day.isoformat()}|{days}",
        day=_midnight(day, zone),
        days=days,
        queue=row.text("queue"),
        scheduled_minutes=row.get("scheduled_minutes", _positive(parse_float)),
        adherent_minutes=row.get("adherent_minutes", _positive(parse_float)),
        headcount=row.get("headcount", _positive(parse_float)),
        leavers=row.get("leavers", parse_count),
        engagement_score=row.get("engagement_score", parse_float),
        engagement_scale=row.get("engagement_scale", _positive(parse_float)),
        version=row.instant("version"),
        line=row.line,
    )
    if (record.adherent_minutes is not None and record.scheduled_minutes is not None
            and record.adherent_minutes > record.scheduled_minutes):
        raise FieldError(f"adherent_minutes {record.adherent_minutes:g} is more than scheduled_minutes "
                         f"{record.scheduled_minutes:g}")
    return record


def quality_from(row: Row, table: Table) -> QualityEvaluation:
    """A `quality` row: one QA evaluation."""
    score = row.get("score", parse_float, required=True)
    max_score = row.get("max_score", _positive(parse_float))
    max_score = 100.0 if max_score is None else max_score
    if not 0 <= score <= max_score or max_score == 0:
        raise FieldError(f"score {score:g} is outside 0–{max_score:g}")
    return QualityEvaluation(
        source_id=row.text("evaluation_id", required=True),
        evaluated_at=row.instant("evaluated_at", required=True, tz=_zone(row, table)),
        score=score,
        max_score=max_score,
        form=row.text("form"),
        evaluator=row.text("evaluator"),
        agent=row.text("agent"),
        contact_id=row.text("contact_id"),
        channel=row.get("channel", parse_channel),
        queue=row.text("queue"),
        version=row.instant("version"),
        line=row.line,
    )


BUILDERS = {"reported": reported_from, "interval": interval_from, "workforce": workforce_from,
            "quality": quality_from}
