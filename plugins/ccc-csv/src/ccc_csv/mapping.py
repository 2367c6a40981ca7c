"""The column-mapping file: parsing, checking, and one parser per mapped field.

A mapping says how to READ a file: which column feeds which field, how its timestamps, numbers
and booleans are written, and what its words mean. Each field's parser turns one cell's text into
the value the host stores (instants as int epoch ms UTC, numbers, True/False, text); whether that
value is allowed (an outcome the host knows, a duration that is not negative …) is for the host to
judge, from `ccc_governance.records`.

A mapping error names the mapping file and the key; a cell that cannot be parsed names the column
and the value (`FieldRule.reason`), and its row becomes a `Rejected` row with its line.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ccc_governance.errors import SourceError
from ccc_governance.records import KINDS, fields_of

TOP_KEYS = {
    "kind", "format", "delimiter", "encoding", "timezone", "timestamp_format", "duration_unit",
    "source_id", "partial", "skip_rows", "fields", "values", "booleans",
}
FIELD_KEYS = {"column", "value", "unit", "format", "timezone"}
UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": None}
DEFAULT_TRUE = ("true", "yes", "y", "1", "t")
DEFAULT_FALSE = ("false", "no", "n", "0", "f")
#: What a parser raises for a cell it cannot read.
PARSE_ERRORS = (ValueError, KeyError, OverflowError, OSError)
#: Epoch milliseconds of 0001-01-01 and 9999-12-31T23:59:59.999Z, the instants a datetime can hold.
_MS_RANGE = (-62135596800000, 253402300799999)


class RowError(ValueError):
    """A cell that cannot be read, with its own reason (the row is rejected, the import goes on)."""


@attrs.define
class FieldRule:
    """How one field is read: `parse(text)` of a stripped, non-empty cell of `column` gives the
    stored value (None: the text as it is), or `constant` for every row when `column` is None."""

    field: str
    column: str | None
    parse: Callable[[str], Any] | None = None
    problem: str = ""  # what a cell that `parse` refuses is not: "is not a number"
    constant: Any = None

    def reason(self, text: str) -> str:
        """Why `parse` refuses `text`, naming the column (for the rejected row)."""
        try:
            self.parse(text)
        except RowError as err:
            return f"column {self.column!r}: {err}"
        except PARSE_ERRORS:
            pass
        return f"column {self.column!r}: {text!r} {self.problem}"


@attrs.define
class Mapping:
    """A loaded mapping file."""

    path: Path
    kind: str
    format: str | None
    delimiter: str
    encoding: str
    source_id: str
    partial: bool
    skip_rows: int
    rules: list[FieldRule]


def _err(path: Path, message: str) -> SourceError:
    return SourceError(message, file=str(path))


def _zone(path: Path, name: str, where: str):
    if name.upper() in ("UTC", "Z"):
        return timezone.utc
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise _err(path, f"{where}: unknown time zone {name!r} (write e.g. Europe/Paris or UTC)") from None


def _instant_parser(fmt: str, zone) -> Callable[[str], int]:
    """Text → int epoch ms UTC: `epoch`/`epoch_ms` numbers, ISO 8601 or a strptime format (a time
    without a UTC offset is in `zone`; without a zone it cannot be read)."""
    if fmt in ("epoch", "epoch_ms"):
        scale = 1000.0 if fmt == "epoch" else 1.0
        low, high = _MS_RANGE

        def parse_epoch(text: str) -> int:
            ms = round(float(text) * scale)
            if not low <= ms <= high:
                raise ValueError(text)
            return ms
        return parse_epoch

    read = datetime.fromisoformat if fmt == "iso" else (lambda text: datetime.strptime(text, fmt))

    def parse(text: str) -> int:
        dt = read(text)
        if dt.tzinfo is None:
            if zone is None:
                raise RowError(f"{text!r} has no UTC offset and the mapping sets no timezone")
            dt = dt.replace(tzinfo=zone)
        return round(dt.timestamp() * 1000)  # as blocks.epoch_ms, inline: this runs for every cell
    return parse


def _hms(text: str) -> float:
    parts = text.split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _whole(text: str) -> int | float:
    """A count as written: an int, or the number it is (the host refuses one with a fraction)."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def _constant(path: Path, where: str, value: Any, spec, parse) -> Any:
    """A `{ value = … }` as stored: as written, but an instant as epoch ms (a TOML date-time, or
    text read like the field's cells)."""
    if spec.type != "instant":
        return value
    if isinstance(value, str):
        try:
            return parse(value)
        except PARSE_ERRORS:
            raise _err(path, f"{where}: value {value!r} is not a timestamp the mapping can read") from None
    if isinstance(value, datetime) and value.tzinfo is not None:
        return round(value.timestamp() * 1000)
    if isinstance(value, (datetime, date)):
        raise _err(path, f"{where}: value {value!r}: write a date-time with its offset (2026-10-01T00:00:00Z)")
    return value


def load_mapping(path: Path, overrides: dict[str, Any] | None = None) -> Mapping:
    """Read and check a mapping file; `overrides` (source options) replace top-level keys."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise _err(path, "mapping file not found (give it with --option mapping=PATH)") from None
    except OSError as err:
        raise _err(path, f"mapping file cannot be read: {err.strerror}") from None
    except tomllib.TOMLDecodeError as err:
        raise _err(path, f"mapping file is not valid TOML: {err}") from None
    for key, value in (overrides or {}).items():
        if key not in TOP_KEYS or key in ("fields", "values", "booleans"):
            raise _err(path, f"option {key!r} is not a mapping setting (allowed: mapping, "
                             f"{', '.join(sorted(TOP_KEYS - {'fields', 'values', 'booleans'}))})")
        data[key] = value
    unknown = set(data) - TOP_KEYS
    if unknown:
        raise _err(path, f"unknown key(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(TOP_KEYS))})")
    kind = data.get("kind", "contact")
    if kind not in KINDS:
        raise _err(path, f"kind = {kind!r} is not a record kind ({', '.join(KINDS)})")
    specs = {f.name: f for f in fields_of(kind)}
    fmt = data.get("format")
    if fmt not in (None, "csv", "jsonl"):
        raise _err(path, f"format = {fmt!r}: write csv or jsonl")
    if "source_id" not in data or not isinstance(data["source_id"], str):
        raise _err(path, "source_id = \"COLUMN\" is required: the column holding each row's id")
    partial = bool(data.get("partial", False))
    if partial and kind != "contact":
        raise _err(path, f"partial = true: only contacts merge into stored ones (kind is {kind!r})")
    default_zone = _zone(path, data["timezone"], "timezone") if data.get("timezone") else None
    default_ts = data.get("timestamp_format", "iso")
    default_unit = data.get("duration_unit", "s")
    if default_unit not in UNITS:
        raise _err(path, f"duration_unit = {default_unit!r}: write one of {', '.join(UNITS)}")
    booleans = data.get("booleans", {})
    trues = {str(v).lower() for v in booleans.get("true", DEFAULT_TRUE)}
    falses = {str(v).lower() for v in booleans.get("false", DEFAULT_FALSE)}
    words = {**{w: False for w in falses}, **{w: True for w in trues}}
    flag_problem = f"is neither true ({', '.join(sorted(trues))}) nor false ({', '.join(sorted(falses))})"
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise _err(path, "[values] must be a table of tables: [values.outcome] ANSWERED = \"answered\"")

    rules: list[FieldRule] = []
    raw_fields = data.get("fields", {})
    if not isinstance(raw_fields, dict):
        raise _err(path, "[fields] must be a table: field = \"column\"")
    for name, spec in raw_fields.items():
        where = f"[fields] {name}"
        if name not in specs:
            raise _err(path, f"{where}: {KINDS[kind].__name__} has no field {name!r} (fields: {', '.join(specs)})")
        field = specs[name]
        if field.type == "instants":
            raise _err(path, f"{where}: a list of instants cannot be read by the csv source "
                             "(the complaints-csv source reads complaint logs with their updates)")
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or not (("column" in spec) ^ ("value" in spec)):
            raise _err(path, f"{where}: write \"COLUMN\", {{ column = \"COLUMN\", … }} or {{ value = CONSTANT }}")
        bad = set(spec) - FIELD_KEYS
        if bad:
            raise _err(path, f"{where}: unknown setting(s) {', '.join(sorted(bad))} (allowed: {', '.join(sorted(FIELD_KEYS))})")
        value_map = values.get(name)
        if value_map is not None and not isinstance(value_map, dict):
            raise _err(path, f"[values.{name}] must be a table: \"AS WRITTEN\" = \"stored value\"")
        parse, problem = None, ""
        if field.type == "instant":
            ts = spec.get("format", default_ts)
            zone = _zone(path, spec["timezone"], where) if spec.get("timezone") else default_zone
            parse = _instant_parser(ts, zone)
            problem = "is not a timestamp" + (" (ISO 8601)" if ts == "iso" else f" in format {ts!r}")
        elif field.type == "flag":
            def parse(text, value_map=value_map or {}):
                if text in value_map:
                    return bool(value_map[text])
                return words[text.lower()]
            problem = flag_problem
        elif field.type in ("number", "integer"):
            unit = spec.get("unit", default_unit if field.unit == "s" else None)
            if unit is not None and unit not in UNITS:
                raise _err(path, f"{where}: unit {unit!r}: write one of {', '.join(UNITS)}")
            if unit == "hms":
                parse = _hms
            elif unit is not None and UNITS[unit] != 1.0:
                parse = lambda text, factor=UNITS[unit]: float(text) * factor  # noqa: E731
            else:
                parse = _whole if field.type == "integer" else float
            problem = "is not a number"
        elif value_map is not None:  # text, customer
            parse = value_map.__getitem__
            problem = f"is not in [values.{name}] of the mapping"
        if "value" in spec:
            rules.append(FieldRule(name, None, constant=_constant(path, where, spec["value"], field, parse)))
        else:
            rules.append(FieldRule(name, str(spec["column"]), parse, problem))
    mapped = {r.field for r in rules}
    required = [f.name for f in specs.values() if f.required and f.name not in mapped]
    if required and not partial:
        raise _err(path, f"[fields] must map {', '.join(required)} for kind {kind!r}")
    return Mapping(
        path=path, kind=kind, format=fmt, delimiter=str(data.get("delimiter", ",")),
        encoding=str(data.get("encoding", "utf-8-sig")), source_id=data["source_id"], partial=partial,
        skip_rows=int(data.get("skip_rows", 0)), rules=rules,
    )
