"""Durations written in contracts (`30s`, `15m`, `24h`, `10d`, `2w`, `3bd`, `8bh`) and business time.

| unit | meaning |
|------|---------|
| `s`  | seconds |
| `m`  | minutes |
| `h`  | hours (calendar) |
| `d`  | calendar days |
| `w`  | weeks (7 calendar days) |
| `bd` | business days: days the contract's service is open (its `[scope] hours`), holidays skipped; Monday–Friday when no hours are given |
| `bh` | business hours: hours inside the contract's opening hours |

A negative duration (`-5d`) is allowed where a key says so (an obligation due before its period).
A duration is at most `MAX_DAYS` (366) days long, counting a business day as a day and a business
hour as an hour (`31622400s`, `527040m`, `8784h`, `366d`, `52w`, `366bd`, `8784bh`); a bare number
(seconds) must be finite.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from .errors import DurationError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
#: The longest duration a contract may write, in days: a year (deadlines, offsets and business-day
#: counts stay far from date overflow and from long loops over the calendar).
MAX_DAYS = 366
#: The least calendar time one unit takes, in seconds (a business day is at least a day).
_MIN_SECONDS = {**UNITS, "bd": 86400, "bh": 3600}
#: How far ahead a business-time deadline is searched for: a calendar open on no day ends the search.
_SEARCH_DAYS = 3660
_RE = re.compile(r"^\s*(-?)(\d+(?:\.\d+)?)\s*(bd|bh|s|m|h|d|w)\s*$")

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@attrs.frozen
class Duration:
    """A parsed duration: `amount` of `unit` (see the module table). `str()` gives the text back."""

    amount: float
    unit: str

    def __str__(self) -> str:
        amount = int(self.amount) if float(self.amount).is_integer() else self.amount
        return f"{amount}{self.unit}"

    @property
    def is_business(self) -> bool:
        return self.unit in ("bd", "bh")

    def seconds(self) -> float:
        """Length in seconds for calendar units; business units raise (they need a calendar)."""
        if self.is_business:
            raise DurationError(f"{self} is in business time: it needs the contract's calendar")
        return self.amount * UNITS[self.unit]

    def after(self, start: datetime, calendar: "BusinessCalendar | None" = None) -> datetime:
        """The deadline `self` after `start` (business units use `calendar`, default Mon–Fri)."""
        if not self.is_business:
            return start + timedelta(seconds=self.seconds())
        cal = calendar or BusinessCalendar()
        if self.unit == "bd":
            return cal.add_business_days(start, int(self.amount))
        return cal.add_business_seconds(start, self.amount * 3600)


def parse_duration(text: str | int | float, *, allow_negative: bool = False, bounded: bool = True) -> Duration:
    """Parse `24h`, `10d`, `3bd` … (a bare number means seconds). Raises `DurationError`, also for a
    duration longer than `MAX_DAYS` unless `bounded=False` (the contract loader tells that itself)."""
    if isinstance(text, bool):
        raise DurationError(f"{text!r} is not a duration (write e.g. 24h, 10d or 3bd)")
    if isinstance(text, (int, float)):
        if isinstance(text, int) and abs(text) > MAX_DAYS * 86400:  # before float(): 10**400 has none
            return _bounded(Duration(math.inf if text > 0 else -math.inf, "s"), text, allow_negative, bounded)
        if not math.isfinite(text):
            raise DurationError(f"{text!r} is not a duration (a number of seconds must be finite)")
        return _bounded(Duration(float(text), "s"), text, allow_negative, bounded)
    m = _RE.match(str(text))
    if not m:
        raise DurationError(
            f"{text!r} is not a duration (write a number and a unit: 30s, 15m, 24h, 10d, 2w, 3bd or 8bh)"
        )
    sign, amount, unit = m.groups()
    value = float(amount) * (-1 if sign else 1)
    return _bounded(Duration(value, unit), text, allow_negative, bounded)


def max_amount(unit: str) -> int:
    """The largest amount of `unit` a duration may have (`MAX_DAYS` days: 366 for `d`, 52 for `w`)."""
    return MAX_DAYS * 86400 // _MIN_SECONDS[unit]


def too_long_message(duration: Duration) -> str | None:
    """Why `duration` is too long (`longer than 366 days (at most 52w)`), or None when it is not."""
    limit = max_amount(duration.unit)
    if abs(duration.amount) > limit:
        return f"longer than {MAX_DAYS} days (at most {limit}{duration.unit})"
    return None


def _bounded(duration: Duration, text, allow_negative: bool, bounded: bool) -> Duration:
    """`duration` if its sign is allowed and (when `bounded`) it is at most `MAX_DAYS` long."""
    if duration.amount < 0 and not allow_negative:
        shown = repr(text) if len(repr(text)) <= 60 else repr(text)[:57] + "…"
        raise DurationError(f"{shown}: a negative duration is not allowed here")
    too_long = too_long_message(duration)
    if too_long and bounded:
        shown = repr(text) if len(repr(text)) <= 60 else repr(text)[:57] + "…"
        raise DurationError(f"{shown} is {too_long}")
    return duration


def parse_window(text: str) -> tuple[time, time]:
    """Parse an opening window `08:00-20:00` (end may be `24:00`). Raises `DurationError`."""
    m = re.match(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$", str(text))
    if not m:
        raise DurationError(f"{text!r} is not an opening window (write e.g. 08:00-20:00)")
    h1, m1, h2, m2 = (int(x) for x in m.groups())
    if not (0 <= h1 <= 23 and 0 <= m1 <= 59 and 0 <= h2 <= 24 and 0 <= m2 <= 59) or (h2 == 24 and m2):
        raise DurationError(f"{text!r} is not an opening window (hours 00–24, minutes 00–59)")
    start = time(h1, m1)
    end = time(23, 59, 59, 999999) if h2 == 24 else time(h2, m2)
    if end <= start:
        raise DurationError(f"{text!r}: the window ends before it starts")
    return start, end


@attrs.frozen
class BusinessCalendar:
    """Opening hours per weekday and holidays, in a time zone: the contract's business time.

    `hours` maps `mon`…`sun` to a list of `(start, end)` local times; a weekday that is absent is
    closed. With no hours at all, Monday–Friday, whole days, are business days.
    """

    hours: dict = attrs.field(factory=dict)
    holidays: frozenset = attrs.field(factory=frozenset)
    timezone: str = "UTC"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def windows_on(self, day: date) -> list[tuple[time, time]]:
        """The opening windows of local day `day` (empty on holidays and closed days)."""
        if day in self.holidays:
            return []
        name = WEEKDAYS[day.weekday()]
        if not self.hours:
            return [(time(0), time(23, 59, 59, 999999))] if day.weekday() < 5 else []
        return list(self.hours.get(name, []))

    def is_business_day(self, day: date) -> bool:
        return bool(self.windows_on(day))

    def add_business_days(self, start: datetime, n: int) -> datetime:
        """The end of the `n`-th business day after `start`'s local day (the day itself not counted).

        `3bd` from a complaint received on Friday afternoon ends on Wednesday evening: Monday,
        Tuesday and Wednesday are the three business days after it.
        """
        zone = self.zone
        day = start.astimezone(zone).date()
        counted = searched = 0
        while counted < n:
            day += timedelta(days=1)
            searched += 1
            if searched > _SEARCH_DAYS + n:  # a calendar with no business day would loop forever
                raise DurationError("no business day found within ten years: check the contract's hours and holidays")
            if self.is_business_day(day):
                counted += 1
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The instant `seconds` of opening time after `start`."""
        zone = self.zone
        cur = start.astimezone(zone)
        remaining = seconds
        for _ in range(_SEARCH_DAYS):  # at most ten years of days
            day = cur.date()
            for w_start, w_end in self.windows_on(day):
                a = max(cur, datetime.combine(day, w_start, tzinfo=zone))
                b = datetime.combine(day, w_end, tzinfo=zone)
                if b <= a:
                    continue
                span = (b - a).total_seconds()
                if span >= remaining:
                    return a + timedelta(seconds=remaining)
                remaining -= span
            cur = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
        raise DurationError("no opening hours found within ten years: check the contract's hours")

    def business_seconds_between(self, start: datetime, end: datetime) -> float:
        """Opening time between two instants, in seconds (0 when `end <= start`)."""
        if end <= start:
            return 0.0
        zone = self.zone
        a0, b0 = start.astimezone(zone), end.astimezone(zone)
        total = 0.0
        day = a0.date()
        while day <= b0.date():
            for w_start, w_end in self.windows_on(day):
                a = max(a0, datetime.combine(day, w_start, tzinfo=zone))
                b = min(b0, datetime.combine(day, w_end, tzinfo=zone))
                if b > a:
                    total += (b - a).total_seconds()
            day += timedelta(days=1)
        return total
