"""How every value reads in the packs for people (HTML, Markdown, XLSX, the charts): one place.

Rates as `82.9 %`, durations as `12.96 s`, counts as `1,462`, money as `1,250.00 EUR`, days as
`2 Oct 2026`, instants as `2 Oct 2026 08:00 UTC`, ids (`at_risk`, `earn_back`, `pre_read_due`) as
words, metric ids as names. Missing values read `–`, never `None`. The JSON and CSV exports keep
the raw values (fractions, ids, ISO dates): they are for machines.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime

from ..metrics import get_metric

DASH = "–"
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

#: Ids that do not read well with `_` turned into a space. Anything else: `a_b` → `a b`.
LABELS = {
    "earn_back": "earn-back",
    "pre_read_due": "pre-read due",
    "signed_off": "signed off",
    "mtd_met": "met so far",
    "mtd_at_risk": "at risk so far",
    "mtd_breached": "breached so far",
    "mtd_insufficient_volume": "insufficient volume so far",
    "mtd_no_data": "no data so far",
    "na": "n/a",
    "n/a": "n/a",
}


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def fmt_value(value, unit: str | None = None) -> str:
    """A KPI figure for reading: `82.9 %` for a rate, `12.96 s` for seconds, `1,462` for a count,
    `4.00` for a score (two decimals, whole or not), a bare whole number as `12`; `–` if none."""
    if value is None or value == "":
        return DASH
    if not _is_number(value):
        return str(value)
    if unit == "fraction":
        return f"{value * 100:.1f} %"
    if unit == "seconds":
        return f"{value:,.2f} s"
    if unit == "count" or (unit is None and float(value).is_integer()):
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def fmt_count(value) -> str:
    """A count with thousands separators: `1,462`; `–` if none."""
    return fmt_value(value, "count")


def fmt_change(value, unit: str | None = None) -> str:
    """A signed change: `+1.2 pts` for a rate, `-3.00 s` for seconds; `–` if none."""
    if not _is_number(value):
        return DASH
    if unit == "fraction":
        return f"{value * 100:+.1f} pts"
    if unit == "seconds":
        return f"{value:+,.2f} s"
    return f"{value:+,.2f}"


def fmt_money(value, currency: str | None = None) -> str:
    """An amount with two decimals and the currency code: `1,250.00 EUR`."""
    if not _is_number(value):
        return DASH
    return f"{value:,.2f} {currency or ''}".rstrip()


def fmt_interval(low, high, unit: str | None = None) -> str:
    """A Wilson interval `78.1 %–86.0 %`, or `–` when the engine gave none."""
    if low is None or high is None:
        return DASH
    return f"{fmt_value(low, unit)}–{fmt_value(high, unit)}"


def reported_parts(reported, diff, unit: str | None = None) -> tuple[str, str]:
    """The CCC's own figure and how far ours is from it, apart: `("84.0 %", "(ours -1.1 pts)")`."""
    if reported is None:
        return DASH, ""
    if not _is_number(diff) or abs(diff) < 1e-12:
        return fmt_value(reported, unit), "(same as ours)"
    return fmt_value(reported, unit), f"(ours {fmt_change(diff, unit)})"


def fmt_reported(reported, diff, unit: str | None = None) -> str:
    """The CCC's own figure and how far ours is from it: `84.0 % (ours -1.1 pts)`; `–` without one."""
    return " ".join(p for p in reported_parts(reported, diff, unit) if p)


def label(value) -> str:
    """An id as words: `at_risk` → `at risk`, `earn_back` → `earn-back`; `–` if none."""
    if value is None or value == "":
        return DASH
    text = str(value)
    return LABELS.get(text, text.replace("_", " "))



def metric_name(metric) -> str:
    """`service_level` → `Service level` (the catalogue's title); a metric it does not know reads as words."""
    if not metric:
        return DASH
    known = get_metric(str(metric))
    return known.title if known is not None else label(metric).capitalize()


def kpi_name(kpi: dict) -> str:
    """A KPI as people say it: its metric's name and channel, `Service level · voice`."""
    name = metric_name(kpi.get("metric"))
    return f"{name} · {kpi['channel']}" if kpi.get("channel") else name


def fmt_params(params: dict | None) -> str:
    """A comparison group's parameters: `{"answer_within_s": 20}` → `answer within 20 s`."""
    out = []
    for key, value in (params or {}).items():
        if key.endswith("_s") and _is_number(value):
            out.append(f"{label(key[:-2])} {value:g} s")
        else:
            out.append(f"{label(key)} {label(value) if isinstance(value, str) else value}")
    return ", ".join(out)


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(bd|bh|s|m|h|d|w)\s*$")
_DURATION_WORDS = {"s": "second", "m": "minute", "h": "hour", "d": "day", "w": "week",
                   "bd": "business day", "bh": "business hour"}


def fmt_duration(value) -> str:
    """A contract's duration as words: `2bd` → `2 business days`, `24h` → `24 hours`; other text as it is."""
    if value is None or value == "":
        return DASH
    m = _DURATION.match(str(value))
    if not m:
        return str(value)
    number = float(m[1])
    word = _DURATION_WORDS[m[2]]
    return f"{number:g} {word}{'' if number == 1 else 's'}"


def fmt_term(key: str, value) -> str:
    """One agreed term (`[complaints]`) for reading: `acknowledge within 2 business days`,
    `on time target 95.0 %` (a rate's key ends in `target`, `rate` or `share`)."""
    name = label(key)
    if _is_number(value) and key.endswith(("target", "rate", "share")) and 0 <= value <= 1:
        return f"{name} {fmt_value(value, 'fraction')}"
    if isinstance(value, str):
        return f"{name} {fmt_duration(value)}"
    return f"{name} {fmt_text(value)}"


def _parse_day(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def fmt_day(value) -> str:
    """A day as `2 Oct 2026`; `–` if none; text that is no date is shown as it is."""
    if value is None or value == "":
        return DASH
    day = _parse_day(value)
    if day is None:
        return str(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def fmt_instant(value) -> str:
    """An ISO instant (`2026-10-02T08:00:00Z`) as `2 Oct 2026 08:00 UTC`; a plain day as `fmt_day`."""
    if value is None or value == "":
        return DASH
    text = str(value)
    if len(text) <= 10:
        return fmt_day(text)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    suffix = " UTC" if at.tzinfo is not None and at.utcoffset().total_seconds() == 0 else ""
    return f"{fmt_day(at.date())} {at:%H:%M}{suffix}"


def fmt_text(value) -> str:
    """Any other value for reading: `–` for none, `yes`/`no` for booleans."""
    if value is None or value == "":
        return DASH
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


# The engine writes the figures of a breach's events as bare numbers ("found by evaluation: sl 0.8462
# against breach threshold 0.9"); the packs show them in the KPI's unit.
_ENGINE_NOTES = (
    re.compile(r"^(found by evaluation: \S+ )(-?[\d.]+|None)( against breach threshold )(-?[\d.]+|None)$"),
    re.compile(r"^(no longer breached after re-evaluation \()(\w+)(, )(-?[\d.]+|None)(\))$"),
)


def _number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def engine_note(note, unit: str | None = None, *, show=None) -> str:
    """A breach event's note for reading: the engine's own notes with their figures in the KPI's
    unit (`found by evaluation: sl 84.6 % against breach threshold 90.0 %`); people's notes as written.
    `show(value)` formats a figure (default: `fmt_value(value, unit)`; the TUI passes its own)."""
    if note is None or note == "":
        return DASH
    show = show or (lambda value: fmt_value(value, unit))
    text = str(note)
    m = _ENGINE_NOTES[0].match(text)
    if m:
        return f"{m[1]}{show(_number(m[2]))}{m[3]}{show(_number(m[4]))}"
    m = _ENGINE_NOTES[1].match(text)
    if m:
        return f"{m[1]}{label(m[2])}{m[3]}{show(_number(m[4]))}{m[5]}"
    return text


# --------------------------------------------------------------------------- chart axes


def nice_ticks(lo: float, hi: float, count: int = 4) -> tuple[list[float], float]:
    """Round tick values covering `lo`..`hi` (steps of 1, 2, 2.5 or 5 × 10ⁿ, about `count` of
    them), and the step."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw - 1e-12)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    v = first
    while v < hi + step * 0.5 and len(ticks) < 50:
        ticks.append(round(v, 12))
        v += step
    if ticks[-1] < hi - 1e-12:
        ticks.append(round(ticks[-1] + step, 12))
    return ticks, step


def fmt_tick(value: float, unit: str | None, step: float) -> str:
    """A tick label with no more decimals than the step needs: `85 %`, `82.5 %`, `360 s`."""
    scale = 100 if unit == "fraction" else 1
    shown_step = step * scale
    decimals = 0
    while decimals < 4 and abs(round(shown_step, decimals) - shown_step) > 1e-9:
        decimals += 1
    number = f"{value * scale:,.{decimals}f}"
    if number.startswith("-") and float(number.replace(",", "")) == 0:
        number = number[1:]
    if unit == "fraction":
        return f"{number} %"
    if unit == "seconds":
        return f"{number} s"
    return number
