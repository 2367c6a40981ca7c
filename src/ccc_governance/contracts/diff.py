"""What changed between two versions of a contract, in sentences a vendor manager reads.

    sl-voice target 0.80 → 0.85
    sl-voice target 0.85 → 0.87 from 2027-01-01
    kpi aht-voice added
    review frequency quarterly → monthly
    obligation information-pack added
    handled-voice rate 3.20 → 3.05 EUR from 2027-01-01

KPIs, duties, obligations, bonus bands and pricing lines are matched by id (bonus bands by KPI), so
reordering them is not a change. A price change says its currency, and the day the new version
takes over when that day moved (an amendment).

Target changes are compared on every date either version's schedule moves
them, so a new improvement step reads as a target change from its date.
"""

from __future__ import annotations

from datetime import date

import attrs

from ..durations import Duration
from .loader import toml_name
from .model import Contract, Kpi


def fmt(value) -> str:
    """A value as written in a sentence: 0.8 → 0.80, dates ISO, lists comma-separated."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.2f}" if round(value, 2) == value and abs(value) < 1 else f"{value:g}"
    if isinstance(value, (date, Duration)):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(fmt(v) for v in value) + "]" if value else "[]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {fmt(v)}" for k, v in value.items()) + "}"
    return str(value)


#: fields holding tables or lists of tables, compared on their own
_NESTED = {"schedule", "duty", "bonus", "kpi", "obligation", "contract", "scope", "volume_band", "review",
           "complaints", "data_handling", "service_credits", "pricing", "line", "tier"}


def _fields(obj) -> dict:
    """TOML key → value of an attrs object's plain (non-list-of-tables) fields."""
    out = {}
    for a in attrs.fields(type(obj)):
        if a.name in _NESTED:
            continue
        value = getattr(obj, a.name)
        out[toml_name(a.name)] = value
    return out


def _compare_fields(label: str, old, new, skip=()) -> list[str]:
    if old is None and new is None:
        return []
    if old is None:
        return [f"{label} added"]
    if new is None:
        return [f"{label} removed"]
    a, b = _fields(old), _fields(new)
    lines = []
    for key in a:
        if key in skip:
            continue
        if a[key] != b[key]:
            lines.append(_change(f"{label} {key}", a[key], b[key]))
    return lines


def _change(label: str, x, y) -> str:
    """`label x → y`; for two lists, what was added and removed (order is not a change)."""
    if isinstance(x, list) and isinstance(y, list):
        added = [v for v in y if v not in x]
        removed = [v for v in x if v not in y]
        parts = []
        if added:
            parts.append("added " + ", ".join(fmt(v) for v in added))
        if removed:
            parts.append("removed " + ", ".join(fmt(v) for v in removed))
        if parts:
            return f"{label}: " + "; ".join(parts)
    return f"{label} {fmt(x)} → {fmt(y)}"


def _by_id(items, key="id") -> dict:
    return {getattr(item, key): item for item in items}


def _compare_lists(label: str, old: list, new: list, key="id") -> list[str]:
    a, b = _by_id(old, key), _by_id(new, key)
    lines = [f"{label} {k} removed" for k in a if k not in b]
    for k in b:
        if k not in a:
            lines.append(f"{label} {k} added")
        else:
            lines += _compare_fields(f"{label} {k}", a[k], b[k], skip=(key,))
    return lines


def _kpi_thresholds(kid: str, old: Kpi, new: Kpi, start: date) -> list[str]:
    days = sorted({start} | {s.from_ for s in old.schedule} | {s.from_ for s in new.schedule})
    lines = []
    previous = None
    for day in days:
        if day < start:
            continue
        (t0, b0), (t1, b1) = old.thresholds_on(day), new.thresholds_on(day)
        when = "" if day == start else f" from {day}"
        pair = ((t0, b0), (t1, b1))
        if pair == previous:
            continue
        if t0 != t1 and (previous is None or (previous[0][0], previous[1][0]) != (t0, t1)):
            lines.append(f"{kid} target {fmt(t0)} → {fmt(t1)}{when}")
        if b0 != b1 and (previous is None or (previous[0][1], previous[1][1]) != (b0, b1)):
            lines.append(f"{kid} breach {fmt(b0)} → {fmt(b1)}{when}")
        previous = pair
    return lines


def _compare_kpis(old: Contract, new: Contract) -> list[str]:
    a, b = _by_id(old.kpi), _by_id(new.kpi)
    lines = [f"kpi {k} removed" for k in a if k not in b]
    start = min(old.contract.effective_from, new.contract.effective_from)
    for k, kpi in b.items():
        if k not in a:
            lines.append(f"kpi {k} added")
            continue
        before = a[k]
        lines += _kpi_thresholds(k, before, kpi, start)
        for key, x in _fields(before).items():
            y = _fields(kpi)[key]
            if key in ("id", "target", "breach", "params") or x == y:
                continue
            lines.append(_change(f"{k} {key}", x, y))
        for p in sorted(set(before.params) | set(kpi.params)):
            x, y = before.params.get(p), kpi.params.get(p)
            if x != y:
                lines.append(f"{k} {p} {fmt(x)} → {fmt(y)}")
    return lines


def money(value: float) -> str:
    """A price or an amount: two decimals (more when the price has them), thousands separated."""
    text = f"{value:,.2f}"
    return text if round(value, 2) == value else f"{value:,.10f}".rstrip("0")


def _tiers_text(line) -> str:
    if not line.tier:
        return "none"
    return ", ".join(f"from {fmt(t.from_)} at {money(t.rate)}" for t in sorted(line.tier, key=lambda t: t.from_))


def _compare_pricing(old: Contract, new: Contract) -> list[str]:
    """Pricing lines by id; rates in the pricing currency, dated when the new version starts later."""
    a, b = old.pricing, new.pricing
    if a is None and b is None:
        return []
    lines: list[str] = []
    if a is None:
        lines.append("pricing added")
    elif b is None:
        return ["pricing removed"]
    else:
        lines += [x for x in _compare_fields("pricing", a, b)]
    currency = new.pricing_currency
    when = (f" from {new.contract.effective_from}"
            if new.contract.effective_from > old.contract.effective_from else "")
    old_lines = {line.id: line for line in (a.line if a else [])}
    for line in b.line:
        before = old_lines.pop(line.id, None)
        if before is None:
            if a is not None:
                lines.append(f"pricing line {line.id} added ({line.unit} at {money(line.rate)} {currency}){when}")
            continue
        if before.rate != line.rate:
            lines.append(f"{line.id} rate {money(before.rate)} → {money(line.rate)} {currency}{when}")
        for key in ("unit", "channels", "queues", "tiers", "description"):
            x, y = getattr(before, key), getattr(line, key)
            if x != y:
                lines.append(_change(f"{line.id} {key}", x, y) + when)
        if _tiers_text(before) != _tiers_text(line):
            lines.append(f"{line.id} tiers {_tiers_text(before)} → {_tiers_text(line)} {currency}{when}")
    lines += [f"pricing line {k} removed{when}" for k in old_lines]
    return lines


def diff_contracts(old: Contract, new: Contract) -> list[str]:
    """The changes from `old` to `new`, one sentence each (empty when they mean the same)."""
    lines: list[str] = []
    lines += _compare_fields("contract", old.contract, new.contract)
    lines += _compare_fields("scope", old.scope, new.scope)
    lines += _compare_kpis(old, new)
    lines += _compare_fields("volume_band", old.volume_band, new.volume_band)
    lines += _compare_fields("review", old.review, new.review)
    lines += _compare_fields("complaints", old.complaints, new.complaints)
    lines += _compare_fields("data_handling", old.data_handling, new.data_handling)
    lines += _compare_lists(
        "duty",
        old.data_handling.duty if old.data_handling else [],
        new.data_handling.duty if new.data_handling else [],
    )
    lines += _compare_fields("service_credits", old.service_credits, new.service_credits)
    lines += _compare_lists(
        "bonus for",
        old.service_credits.bonus if old.service_credits else [],
        new.service_credits.bonus if new.service_credits else [],
        key="kpi",
    )
    lines += _compare_lists("obligation", old.obligation, new.obligation)
    lines += _compare_pricing(old, new)
    return lines
