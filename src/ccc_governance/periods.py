"""Reporting periods: parsing, local calendar bounds, and their instants in a contract's time zone.

A period is a span of *local calendar days* `[start, end)`; its instants depend on the contract's
time zone (a month in Europe/Paris is not a UTC month). Labels are written exactly as a user types
them on the command line and as they appear in JSON results:

| kind    | label           | example            |
|---------|-----------------|--------------------|
| day     | `YYYY-MM-DD`    | `2026-10-05`       |
| week    | `YYYY-Www` (ISO)| `2026-W42`         |
| month   | `YYYY-MM`       | `2026-10`          |
| quarter | `YYYY-Qn`       | `2026-Q3`          |
| half    | `YYYY-Hn`       | `2026-H2`          |
| year    | `YYYY`          | `2026`             |
| range   | `START..END`    | `2026-10-01..2026-10-15` (END inclusive, as typed) |
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from .errors import PeriodError

#: Period kinds in increasing length; `range` is any span given with --from/--to.
KINDS = ("day", "week", "month", "quarter", "half", "year", "range")

#: Contract `[review] frequency` values and the period kind each one reviews.
FREQUENCY_KIND = {
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "semiannual": "half",
    "annual": "year",
}


@attrs.frozen(order=True)
class Period:
    """A span of local calendar days `[start, end)` with the label a user would write for it."""

    start: date
    end: date  # exclusive
    kind: str = attrs.field(order=False)
    label: str = attrs.field(order=False)

    def __str__(self) -> str:
        return self.label

    @property
    def last_day(self) -> date:
        """The last local day inside the period (end is exclusive)."""
        return self.end - timedelta(days=1)

    def days(self) -> list[date]:
        """Every local day in the period."""
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days)]

    def bounds(self, tz: str | ZoneInfo) -> tuple[datetime, datetime]:
        """The period's first instant and the first instant after it, as aware datetimes in `tz`."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end, time(0), tzinfo=zone),
        )

    def bounds_ms(self, tz: str | ZoneInfo) -> tuple[int, int]:
        """`bounds()` as epoch milliseconds, the unit the store keeps instants in."""
        a, b = self.bounds(tz)
        return int(a.timestamp() * 1000), int(b.timestamp() * 1000)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def previous(self) -> "Period":
        """The period of the same kind just before this one (a range: the same length before it)."""
        if self.kind == "range":
            length = self.end - self.start
            return make_range(self.start - length, self.start - timedelta(days=1))
        return period_containing(self.start - timedelta(days=1), self.kind)

    def next(self) -> "Period":
        """The period of the same kind just after this one."""
        if self.kind == "range":
            length = self.end - self.start
            return make_range(self.end, self.end + length - timedelta(days=1))
        return period_containing(self.end, self.kind)


def _month_start(year: int, month: int) -> date:
    return date(year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def period_containing(day: date, kind: str) -> Period:
    """The period of `kind` (day, week, month, quarter, half, year) that contains local day `day`."""
    if kind == "day":
        return Period(day, day + timedelta(days=1), "day", day.isoformat())
    if kind == "week":
        iso = day.isocalendar()
        start = day - timedelta(days=iso.weekday - 1)
        return Period(start, start + timedelta(days=7), "week", f"{iso.year}-W{iso.week:02d}")
    if kind == "month":
        start = date(day.year, day.month, 1)
        return Period(start, _month_start(day.year, day.month + 1), "month", f"{day.year}-{day.month:02d}")
    if kind == "quarter":
        q = (day.month - 1) // 3 + 1
        start = date(day.year, 3 * q - 2, 1)
        return Period(start, _month_start(day.year, 3 * q + 1), "quarter", f"{day.year}-Q{q}")
    if kind == "half":
        h = 1 if day.month <= 6 else 2
        start = date(day.year, 6 * h - 5, 1)
        return Period(start, _month_start(day.year, 6 * h + 1), "half", f"{day.year}-H{h}")
    if kind == "year":
        return Period(date(day.year, 1, 1), date(day.year + 1, 1, 1), "year", f"{day.year}")
    raise PeriodError(f"unknown period kind {kind!r} (expected one of {', '.join(KINDS[:-1])})")


def make_range(first: date, last: date) -> Period:
    """A period from local day `first` to local day `last`, both inclusive."""
    if last < first:
        raise PeriodError(f"period ends ({last}) before it starts ({first})")
    return Period(first, last + timedelta(days=1), "range", f"{first.isoformat()}..{last.isoformat()}")


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), "day"),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.I), "week"),
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})-H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
]


def parse_period(text: str) -> Period:
    """Parse a period label (`2026-10`, `2026-Q3`, `2026-W42`, `2026-10-05`, `2026-H2`, `2026`,
    `2026-10-01..2026-10-15`). Raises `PeriodError` with a one-line message otherwise."""
    raw = (text or "").strip()
    if ".." in raw:
        a, _, b = raw.partition("..")
        return make_range(_parse_day(a), _parse_day(b))
    for pattern, kind in _PATTERNS:
        m = pattern.match(raw)
        if not m:
            continue
        try:
            if kind == "day":
                return period_containing(date(int(m[1]), int(m[2]), int(m[3])), "day")
            if kind == "week":
                return period_containing(date.fromisocalendar(int(m[1]), int(m[2]), 1), "week")
            if kind == "month":
                return period_containing(date(int(m[1]), int(m[2]), 1), "month")
            if kind == "quarter":
                return period_containing(date(int(m[1]), 3 * int(m[2]) - 2, 1), "quarter")
            if kind == "half":
                return period_containing(date(int(m[1]), 6 * int(m[2]) - 5, 1), "half")
            return period_containing(date(int(m[1]), 1, 1), "year")
        except ValueError:
            break
    raise PeriodError(
        f"period {text!r} is not understood "
        "(expected 2026-10, 2026-Q3, 2026-W42, 2026-10-05, 2026-H2, 2026 or 2026-10-01..2026-10-15)"
    )


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{text!r} is not a date (expected YYYY-MM-DD)") from None


def periods_between(first: date, last: date, kind: str) -> list[Period]:
    """Every period of `kind` that overlaps the local days `first`..`last` (inclusive), in order."""
    out: list[Period] = []
    p = period_containing(first, kind)
    while p.start <= last:
        out.append(p)
        p = p.next()
    return out
