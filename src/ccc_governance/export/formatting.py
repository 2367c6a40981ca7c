"""How figures read in the human formats (Markdown, HTML): rates as %, durations in s, money."""

from __future__ import annotations


def fmt_value(value, unit: str | None = None) -> str:
    """A KPI figure for reading: `82.9 %` for a rate, `12.96 s` for seconds, `4.20` otherwise; `–` if none."""
    if value is None or value == "":
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if unit == "fraction":
        return f"{value * 100:.1f} %"
    if unit == "seconds":
        return f"{value:.2f} s"
    if unit == "count" or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.2f}"


def fmt_change(value, unit: str | None = None) -> str:
    """A signed change: `+1.2 pts` for a rate, `-3.00 s` for seconds."""
    if value is None:
        return "–"
    if unit == "fraction":
        return f"{value * 100:+.1f} pts"
    if unit == "seconds":
        return f"{value:+.2f} s"
    return f"{value:+.2f}"


def fmt_money(value, currency: str | None = None) -> str:
    """An amount with two decimals and the currency code: `1,250.00 EUR`."""
    if value is None:
        return "–"
    return f"{value:,.2f} {currency or ''}".rstrip()


def fmt_interval(low, high, unit: str | None = None) -> str:
    """A Wilson interval `78.1 %–86.0 %`, or `–` when the engine gave none."""
    if low is None or high is None:
        return "–"
    return f"{fmt_value(low, unit)}–{fmt_value(high, unit)}"


def status_label(status: str | None) -> str:
    """`at_risk` → `at risk`."""
    return (status or "–").replace("_", " ")
