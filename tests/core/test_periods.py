from datetime import date, datetime, timezone

import pytest

from ccc_governance.errors import PeriodError
from ccc_governance.periods import make_range, parse_period, period_containing, periods_between


@pytest.mark.parametrize(
    "label,kind,start,end",
    [
        ("2026-10", "month", date(2026, 10, 1), date(2026, 11, 1)),
        ("2026-12", "month", date(2026, 12, 1), date(2027, 1, 1)),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 10, 1)),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1)),
        ("2026-W42", "week", date(2026, 10, 12), date(2026, 10, 19)),
        ("2026-W53", "week", date(2026, 12, 28), date(2027, 1, 4)),  # 2026 has 53 ISO weeks
        ("2026-10-05", "day", date(2026, 10, 5), date(2026, 10, 6)),
        ("2026-H2", "half", date(2026, 7, 1), date(2027, 1, 1)),
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1)),
        ("2026-10-01..2026-10-15", "range", date(2026, 10, 1), date(2026, 10, 16)),
    ],
)
def test_parse_period(label, kind, start, end):
    p = parse_period(label)
    assert (p.kind, p.start, p.end, p.label) == (kind, start, end, label)


@pytest.mark.parametrize("bad", ["", "2026-13", "2026-Q5", "2026-W60", "Oct 2026", "2026-02-30", "2026-10-15..2026-10-01"])
def test_bad_period_is_a_clear_error(bad):
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_month_in_paris_is_not_a_utc_month():
    start, end = parse_period("2026-10").bounds("Europe/Paris")
    assert start.astimezone(timezone.utc) == datetime(2026, 9, 30, 22, tzinfo=timezone.utc)
    # the daylight-saving change inside October moves the end offset to +1
    assert end.astimezone(timezone.utc) == datetime(2026, 10, 31, 23, tzinfo=timezone.utc)
    a, b = parse_period("2026-10").bounds_ms("Europe/Paris")
    assert b - a == (31 * 24 + 1) * 3600 * 1000


def test_previous_next_and_between():
    oct_ = parse_period("2026-10")
    assert oct_.previous().label == "2026-09"
    assert oct_.next().label == "2026-11"
    assert parse_period("2026-Q1").previous().label == "2025-Q4"
    assert [p.label for p in periods_between(date(2026, 11, 15), date(2027, 2, 1), "month")] == [
        "2026-11", "2026-12", "2027-01", "2027-02"]
    r = make_range(date(2026, 10, 1), date(2026, 10, 10))
    assert r.previous().label == "2026-09-21..2026-09-30"
    assert period_containing(date(2026, 10, 31), "week").label == "2026-W44"
