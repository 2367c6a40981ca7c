"""The JSON Schema (draft 2020-12) of a contract file, generated from the model and the catalogue.

Editors that read TOML through a JSON Schema (Taplo, the "Even Better TOML" VS Code extension)
check a contract while it is typed. The schema ships as `data/ccc-contract-1.schema.json`; a test
fails when that file drifts from `contract_schema()`. Regenerate it with
`ccc contract schema > src/ccc_governance/data/ccc-contract-1.schema.json`.

It checks keys, types, closed lists and the range of every number (`minimum`/`maximum` from the
bounds in `model`, the same ones the loader checks); what it cannot express (breach sides,
allocation sums, time zones, overlapping dates, the range of dates and of durations written as
text) is left to `ccc contract validate`.
"""

from __future__ import annotations

import inspect
import json
import types
import typing
from datetime import date
from typing import Any

import attrs

from ..durations import MAX_DAYS, WEEKDAYS, Duration, max_amount
from ..metrics import CATALOGUE
from . import model
from .loader import _unwrap_optional, field_types, table_keys
from .model import Bound, bound_of, param_bound

SCHEMA_FILE = "ccc-contract-1.schema.json"
DURATION_PATTERN = r"^\s*-?\d+(\.\d+)?\s*(bd|bh|s|m|h|d|w)\s*$"
WINDOW_PATTERN = r"^\s*\d{1,2}:\d{2}\s*-\s*\d{1,2}:\d{2}\s*$"

#: (class, attribute) → the closed list of values the key takes
ENUMS = {
    (model.Scope, "channels"): model.CHANNELS,
    (model.Scope, "direction"): model.DIRECTIONS,
    (model.Kpi, "channel"): model.CHANNELS,
    (model.Kpi, "period"): model.KPI_PERIODS,
    (model.Kpi, "kpi_class"): model.KPI_CLASSES,
    (model.Kpi, "metric"): tuple(CATALOGUE),
    (model.Review, "frequency"): model.FREQUENCIES,
    (model.Duty, "every"): model.OBLIGATION_EVERY,
    (model.Obligation, "every"): model.OBLIGATION_EVERY,
    (model.VolumeBand, "per"): ("interval", "day"),
    (model.PriceLine, "unit"): model.PRICING_UNITS,
    (model.PriceLine, "tiers"): model.TIER_MODES,
    (model.PriceLine, "channels"): model.CHANNELS,
}

_PARAM_TYPES = {
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "bool": {"type": "boolean"},
}


def _limits(prop: dict, bound: Bound) -> dict:
    """`prop` with the bound's `minimum`/`maximum` on its number (or on each item of its array)."""
    if prop.get("type") == "array":
        return {**prop, "items": _limits(prop["items"], bound)}
    if prop.get("type") in ("number", "integer"):
        return {**prop, "minimum": _json_number(bound.lo), "maximum": _json_number(bound.hi)}
    return prop


def _json_number(x: float) -> float | int:
    """1e9 as `1000000000`, not `1000000000.0`."""
    return int(x) if float(x).is_integer() else x


def _duration(negative: bool = False) -> dict:
    pattern = DURATION_PATTERN if negative else DURATION_PATTERN.replace("-?", "")
    seconds = max_amount("s")
    return {"anyOf": [{"type": "string", "pattern": pattern},
                      {"type": "number", "minimum": -seconds if negative else 0, "maximum": seconds}],
            "description": "A duration: 30s, 15m, 24h, 10d, 2w, 3bd (business days) or 8bh (business hours); "
                           f"at most {MAX_DAYS} days (a bare number is seconds)."}


def _doc(cls: type) -> str:
    return inspect.cleandoc(cls.__doc__ or "").splitlines()[0]


def _type(tp: Any, owner: tuple) -> dict:
    tp, _ = _unwrap_optional(tp)
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):  # Duration | date
        return {"anyOf": [_duration(negative=True), {"type": "string", "format": "date"}]}
    if tp is Duration:
        return _duration(negative=owner in {(model.Obligation, "due"), (model.Duty, "due")})
    if attrs.has(tp):
        return _object(tp)
    if origin is list:
        return {"type": "array", "items": _type(args[0], owner)}
    if origin is dict:
        return {"type": "object"}
    if tp is str:
        return {"type": "string"}
    if tp is bool:
        return {"type": "boolean"}
    if tp is int:
        return {"type": "integer"}
    if tp is float:
        return {"type": "number"}
    if tp is date:
        return {"type": "string", "format": "date"}
    return {}


def _object(cls: type) -> dict:
    hints = field_types(cls)
    properties: dict[str, Any] = {}
    required: list[str] = []
    for key, attribute in table_keys(cls).items():
        owner = (cls, attribute.name)
        prop = _limits(_type(hints[attribute.name], owner), bound_of(attribute))
        if owner in ENUMS:
            values = list(ENUMS[owner])
            if prop.get("type") == "array":
                prop["items"] = {"enum": values}
            else:
                prop = {"enum": values}
        if cls is model.Scope and key == "hours":
            prop = {
                "type": "object",
                "propertyNames": {"enum": list(WEEKDAYS)},
                "additionalProperties": {"type": "array", "items": {"type": "string", "pattern": WINDOW_PATTERN}},
                "description": "Opening windows per weekday, e.g. mon = [\"08:00-20:00\"]; absent days are closed.",
            }
        properties[key] = prop
        if attribute.default is attrs.NOTHING:
            required.append(key)
    for (owner_cls, key), why in model.REMOVED_KEYS.items():
        if owner_cls is cls:
            # Listed so that an editor says why, not just "not allowed".
            properties[key] = {"not": {}, "deprecated": True, "description": f"Removed: {why}."}
    out: dict[str, Any] = {"type": "object", "description": _doc(cls), "properties": properties}
    if required:
        out["required"] = required
    out["additionalProperties"] = False
    if cls is model.Kpi:
        _kpi_params(out)
    return out


def _kpi_params(kpi: dict) -> None:
    """Metric parameters are plain keys of `[[kpi]]`: allow each, and only the metric's own."""
    base_keys = list(kpi["properties"])
    for metric in CATALOGUE.values():
        for param in metric.params.values():
            if param.type == "choice":
                prop = {"enum": list(param.choices)}
            elif param.type == "duration":
                prop = _duration()
            else:
                prop = _limits(dict(_PARAM_TYPES[param.type]), param_bound(param.name))
            prop["description"] = param.doc
            kpi["properties"].setdefault(param.name, prop)
    kpi["allOf"] = [
        {
            "if": {"properties": {"metric": {"const": metric.name}}, "required": ["metric"]},
            "then": {"propertyNames": {"enum": base_keys + list(metric.params)}, **_threshold_range(metric)},
        }
        for metric in CATALOGUE.values()
    ]


def _threshold_range(metric) -> dict:
    """The metric's range (0–1 for rates) on a KPI's `target` and `breach`, when it has one."""
    limits = {}
    if metric.min is not None:
        limits["minimum"] = _json_number(metric.min)
    if metric.max is not None:
        limits["maximum"] = _json_number(metric.max)
    return {"properties": {"target": limits, "breach": limits}} if limits else {}


def contract_schema() -> dict:
    """The JSON Schema of a `ccc-contract/1` file, as a dict."""
    schema = _object(model.Contract)
    schema["properties"]["schema"] = {"const": model.SCHEMA, "description": "The file format and its version."}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "ccc-governance contract (ccc-contract/1)",
        **{k: v for k, v in schema.items() if k != "description"},
        "description": "One client–CCC agreement. See docs/contract-format.md; `ccc contract validate` checks the rest.",
    }


def schema_text() -> str:
    """`contract_schema()` as the JSON text shipped in `data/` (stable order, trailing newline)."""
    return json.dumps(contract_schema(), indent=2, ensure_ascii=False) + "\n"
