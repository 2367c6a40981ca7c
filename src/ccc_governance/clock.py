"""Today's date, overridable so that every answer can be reproduced.

Every command whose answer depends on today takes `--as-of DATE`; `CCC_AS_OF` does the same from
the environment. Tests fix the clock this way, never by patching `datetime`.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone

from .errors import PeriodError


def parse_date(text: str, *, what: str = "date") -> date:
    """Parse an ISO date `YYYY-MM-DD`, raising a one-line `PeriodError` otherwise."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise PeriodError(f"{what} {text!r} is not a date (expected YYYY-MM-DD)") from None


def today(as_of: str | date | None = None) -> date:
    """`as_of` if given, else `CCC_AS_OF` if set, else the local calendar date."""
    if isinstance(as_of, date):
        return as_of
    if as_of:
        return parse_date(as_of, what="--as-of")
    env = os.environ.get("CCC_AS_OF")
    if env:
        return parse_date(env, what="CCC_AS_OF")
    return date.today()


def now_utc() -> datetime:
    """The current instant in UTC (for timestamps such as `imported_at`); not overridable."""
    return datetime.now(timezone.utc)


def now_text() -> str:
    """The current instant as ISO 8601 UTC to the second (`2026-12-05T18:40:00Z`), as records stamp it."""
    return now_utc().isoformat(timespec="seconds").replace("+00:00", "Z")


def to_ms(dt: datetime) -> int:
    """An aware datetime as integer milliseconds since the Unix epoch (how the store keeps instants)."""
    return int(round(dt.timestamp() * 1000))


def from_ms(ms: int | None) -> datetime | None:
    """Milliseconds since the epoch as an aware UTC datetime (None stays None)."""
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def iso_utc(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC text with a `Z`, for display and JSON."""
    dt = from_ms(ms)
    if dt is None:
        return None
    text = dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return text.replace(".000Z", "Z")
