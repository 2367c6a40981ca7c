from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from ccc_governance.durations import BusinessCalendar, parse_duration, parse_window
from ccc_governance.errors import DurationError

PARIS = ZoneInfo("Europe/Paris")


@pytest.mark.parametrize("text,amount,unit,seconds", [
    ("30s", 30, "s", 30), ("15m", 15, "m", 900), ("24h", 24, "h", 86400), ("10d", 10, "d", 864000),
    ("2w", 2, "w", 1209600), (" 1.5h ", 1.5, "h", 5400), (45, 45, "s", 45),
])
def test_calendar_durations(text, amount, unit, seconds):
    d = parse_duration(text)
    assert (d.amount, d.unit, d.seconds()) == (amount, unit, seconds)


@pytest.mark.parametrize("bad", ["", "10", "ten days", "3 business days", "10y", "-5d", True])
def test_bad_durations(bad):
    with pytest.raises(DurationError):
        parse_duration(bad)


def test_negative_allowed_where_asked():
    assert parse_duration("-5d", allow_negative=True).amount == -5
    assert str(parse_duration("3bd")) == "3bd"


def test_business_days_skip_weekend_and_holidays():
    cal = BusinessCalendar(holidays=frozenset({date(2026, 11, 11)}), timezone="Europe/Paris")
    friday = datetime(2026, 11, 6, 15, 0, tzinfo=PARIS)
    # Mon 9, Tue 10, (Wed 11 holiday), Thu 12 -> ends at the end of Thursday 12th
    assert parse_duration("3bd").after(friday, cal) == datetime(2026, 11, 13, 0, 0, tzinfo=PARIS)


def test_business_hours_use_opening_windows():
    cal = BusinessCalendar(hours={"mon": [parse_window("09:00-17:00")], "tue": [parse_window("09:00-17:00")]},
                           timezone="Europe/Paris")
    monday_4pm = datetime(2026, 11, 9, 16, 0, tzinfo=PARIS)
    assert parse_duration("2bh").after(monday_4pm, cal) == datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)
    assert cal.business_seconds_between(monday_4pm, datetime(2026, 11, 10, 10, 0, tzinfo=PARIS)) == 7200


@pytest.mark.parametrize("bad", ["8-20", "20:00-08:00", "25:00-26:00", "08:00-24:30"])
def test_bad_windows(bad):
    with pytest.raises(DurationError):
        parse_window(bad)


def test_window_until_midnight():
    start, end = parse_window("00:00-24:00")
    assert start == time(0) and end > time(23, 59)
