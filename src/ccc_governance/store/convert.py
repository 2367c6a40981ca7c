"""Turning plugin records (`ccc_governance.records`) into rows of the store's record tables.

One `KindSpec` per record kind says which table and columns it goes to. Its `convert` function
checks a record (aware datetimes, known enums, required instants, numbers in number fields,
non-negative durations) and returns either the row tuple or the reason to quarantine it (a
float that is NaN or infinite is never stored: SQLite would keep NaN as NULL without a word) (`hasher` is
`privacy.customer_hasher(key)`, made once per batch). The function is generated once per
kind from the attrs fields: a million rows go through it, and straight-line code is about three
times faster than a loop over field descriptors.
"""

from __future__ import annotations

import decimal
import json
import math
import numbers
from datetime import datetime

import attrs

from .. import records as R

#: record kind → table name (the tables are created in `schema.py`)
KIND_TABLES = {
    "contact": "contacts",
    "survey": "surveys",
    "complaint": "complaints",
    "quality": "quality_evaluations",
    "interval": "interval_aggregates",
    "workforce": "workforce",
    "reported": "reported_figures",
}

#: Leading columns of every record row, before the kind's own fields.
COMMON_COLUMNS = ("source", "source_id", "batch_id", "line", "version")
#: Index of the first kind-specific value in a row tuple (everything from `version` on is content).
CONTENT_START = 4

#: The instant that places a record in time, and that must be present (except on partial records).
TIME_FIELDS = {
    "contact": "arrived_at",
    "survey": "responded_at",
    "complaint": "received_at",
    "quality": "evaluated_at",
    "interval": "interval_start",
    "workforce": "day",
    "reported": "period_start",
}

#: Fields whose values must come from a fixed list.
ENUMS = {"outcome": R.OUTCOMES, "channel": R.CHANNELS, "direction": R.DIRECTIONS}

#: Fields that must not be negative (durations, counts, scores).
_NON_NEGATIVE_SUFFIXES = ("_s", "_minutes")
_NON_NEGATIVE = {
    "offered", "answered", "answered_within", "abandoned", "short_abandoned", "abandoned_within",
    "leavers", "headcount", "interval_minutes", "days",
}

_SKIP = {"source_id", "line", "version", "partial"}


def _number(value):
    """A real number other than an int or float (a Decimal, a NumPy number) as a float or int;
    None for anything else (text, a bool, a list …)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal)):
        return None
    try:
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None


def _kind_of(field: attrs.Attribute) -> str:
    """How a field is stored, from its annotation (`records.py` uses postponed annotations)."""
    ann = str(field.type)
    if field.name == "customer":
        return "customer"
    if ann.startswith("list[datetime]"):
        return "instants"
    if "datetime" in ann:
        return "instant"
    if ann.startswith("bool"):
        return "bool"
    return "plain"


@attrs.define
class KindSpec:
    """How one record kind is stored."""

    kind: str
    cls: type
    table: str
    columns: tuple[str, ...]  # every column written, in row-tuple order
    convert: object  # (record, source, batch_id, hasher) -> tuple | str (the reason to quarantine)
    time_index: int  # index of the kind's time column in the row tuple


def _build(kind: str, cls: type) -> KindSpec:
    fields = [f for f in attrs.fields(cls) if f.name not in _SKIP]
    columns = list(COMMON_COLUMNS)
    lines = ["def convert(r, source, batch_id, hasher):"]
    lines.append("    sid = r.source_id")
    lines.append("    if sid is None or sid == '':")
    lines.append("        return 'the record has no source id'")
    lines.append("    if not isinstance(sid, str):")
    lines.append("        sid = str(sid)")
    lines.append("    version = r.version")
    lines.append("    if version is not None:")
    lines.append("        if not isinstance(version, datetime):")
    lines.append("            return f'version {version!r} is not a datetime'")
    lines.append("        if version.tzinfo is None or version.utcoffset() is None:")
    lines.append("            return f'version {version.isoformat()} has no time zone (naive datetime)'")
    lines.append("        version = round(version.timestamp() * 1000)")
    partial = "r.partial" if any(f.name == "partial" for f in attrs.fields(cls)) else "False"
    values = []
    for f in fields:
        v = f"v_{f.name}"
        how = _kind_of(f)
        lines.append(f"    {v} = r.{f.name}")
        if how == "instant":
            lines.append(f"    if {v} is not None:")
            lines.append(f"        if not isinstance({v}, datetime):")
            lines.append(f"            return f'{f.name} {{{v}!r}} is not a datetime'")
            lines.append(f"        if {v}.tzinfo is None or {v}.utcoffset() is None:")
            lines.append(f"            return f'{f.name} {{{v}.isoformat()}} has no time zone (naive datetime)'")
            lines.append(f"        {v} = round({v}.timestamp() * 1000)")
            if TIME_FIELDS.get(kind) == f.name:
                lines.append(f"    elif not {partial}:")
                lines.append(f"        return '{f.name} is missing'")
        elif how == "instants":
            lines.append(f"    if {v}:")
            lines.append(f"        for _d in {v}:")
            lines.append("            if not isinstance(_d, datetime) or _d.tzinfo is None or _d.utcoffset() is None:")
            lines.append(f"                return f'{f.name}: {{_d!r}} is not a datetime with a time zone'")
            lines.append(f"        {v} = json.dumps([round(_d.timestamp() * 1000) for _d in {v}])")
            lines.append("    else:")
            lines.append(f"        {v} = None")
        elif how == "bool":
            lines.append(f"    if {v} is not None:")
            lines.append(f"        {v} = 1 if {v} else 0")
        elif how == "customer":
            lines.append(f"    if {v} is not None:")
            lines.append(f"        {v} = hasher({v})")
        if f.name in ENUMS:
            allowed = ENUMS[f.name]
            lines.append(f"    if {v} is not None and {v} not in {allowed!r}:")
            lines.append(f"        return f'{f.name} {{{v}!r}} is not one of {', '.join(allowed)}'")
        non_negative = f.name in _NON_NEGATIVE or (f.name.endswith(_NON_NEGATIVE_SUFFIXES) and how == "plain")
        if non_negative or (how == "plain" and str(f.type).startswith(("float", "int"))):
            # a number field holds a number (an int or float; another real number, such as a
            # Decimal, as a float); anything else rejects the record naming the field
            lines.append(f"    if {v} is not None:")
            lines.append(f"        if {v}.__class__ is not float and {v}.__class__ is not int:")
            lines.append(f"            {v} = _number({v})")
            lines.append(f"            if {v} is None:")
            lines.append(f"                return f'{f.name} {{r.{f.name}!r}} is not a number'")
            if non_negative:
                lines.append(f"        if {v} < 0:")
                lines.append(f"            return f'{f.name} is negative ({{{v}}})'")
        if how == "plain":
            lines.append(f"    if {v}.__class__ is float and not _isfinite({v}):")
            lines.append(f"        return f'{f.name} is not a finite number ({{{v}}})'")
        columns.append("customer_key" if f.name == "customer" else f.name)
        values.append(v)
    lines.append(f"    return (source, sid, batch_id, r.line, version, {', '.join(values)})")
    namespace = {"datetime": datetime, "json": json, "_isfinite": math.isfinite, "_number": _number}
    exec("\n".join(lines), namespace)  # noqa: S102 - code built above from attrs field names only
    time_field = TIME_FIELDS[kind]
    return KindSpec(
        kind=kind,
        cls=cls,
        table=KIND_TABLES[kind],
        columns=tuple(columns),
        convert=namespace["convert"],
        time_index=columns.index(time_field),
    )


#: record class → KindSpec
SPECS: dict[type, KindSpec] = {cls: _build(kind, cls) for kind, cls in R.KINDS.items()}
