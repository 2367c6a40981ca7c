"""The column-mapping file: parsing, checking, and one converter per mapped field.

A mapping error names the mapping file and the key; a row error (a value that does not parse)
names the column and the value, and becomes a `Rejected` row with its line.
"""

from __future__ import annotations

import tomllib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from ccc_governance.errors import SourceError
from ccc_governance.records import KINDS

TOP_KEYS = {
    "kind", "format", "delimiter", "encoding", "timezone", "timestamp_format", "duration_unit",
    "source_id", "partial", "skip_rows", "fields", "values", "booleans", "list_separator",
}
FIELD_KEYS = {"column", "value", "unit", "format", "timezone"}
UNITS = {"s": 1.0, "ms": 0.001, "min": 60.0, "h": 3600.0, "hms": None}
DEFAULT_TRUE = ("true", "yes", "y", "1", "t")
DEFAULT_FALSE = ("false", "no", "n", "0", "f")


class RowError(ValueError):
    """A value in one row that cannot be read (the row is rejected, the import goes on)."""


def field_type(field: attrs.Attribute) -> str:
    """`datetime`, `datetimes`, `bool`, `int`, `float` or `str`, from a record field's annotation."""
    ann = str(field.type)
    if ann.startswith("list[datetime]"):
        return "datetimes"
    for name in ("datetime", "bool", "int", "float"):
        if ann.split(" ")[0] == name:
            return name
    return "str"


@attrs.define
class FieldRule:
    """How one record field is read from a row."""

    field: str
    column: str | None  # None for a constant
    convert: Callable[[str], Any]
    constant: Any = None
    #: How the reader's fast path converts the field (`reader._fast_builder`), None when it
    #: cannot: ("const", value), ("ts", parser, is_iso), ("float", None), ("fn", fn),
    #: ("map", value_map) or ("str", None). `convert` stays the reference.
    fast: tuple | None = None


@attrs.define
class Mapping:
    """A loaded mapping file."""

    path: Path
    kind: str
    cls: type
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


def _timestamp_parser(fmt: str, zone) -> Callable[[str], datetime]:
    if fmt == "epoch":
        return lambda text: datetime.fromtimestamp(float(text), tz=timezone.utc)
    if fmt == "epoch_ms":
        return lambda text: datetime.fromtimestamp(float(text) / 1000, tz=timezone.utc)
    if fmt == "iso":
        def parse(text: str) -> datetime:
            dt = datetime.fromisoformat(text)
            if dt.tzinfo is None:
                if zone is None:
                    raise RowError(f"{text!r} has no UTC offset and the mapping sets no timezone")
                dt = dt.replace(tzinfo=zone)
            return dt
        return parse

    def parse_fmt(text: str) -> datetime:
        dt = datetime.strptime(text, fmt)
        if dt.tzinfo is None:
            if zone is None:
                raise RowError(f"{text!r} has no UTC offset and the mapping sets no timezone")
            dt = dt.replace(tzinfo=zone)
        return dt
    return parse_fmt


def _hms(text: str) -> float:
    parts = text.split(":")
    if not 1 <= len(parts) <= 3:
        raise ValueError(text)
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + float(part)
    return seconds


def _wrap(what: str, column: str, fn: Callable[[str], Any]) -> Callable[[str], Any]:
    def convert(text: str):
        try:
            return fn(text)
        except RowError as err:
            raise RowError(f"column {column!r}: {err}") from None
        except (ValueError, OverflowError, OSError):
            raise RowError(f"column {column!r}: {text!r} is not {what}") from None
    return convert


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
    cls = KINDS[kind]
    fields = {f.name: f for f in attrs.fields(cls)}
    fmt = data.get("format")
    if fmt not in (None, "csv", "jsonl"):
        raise _err(path, f"format = {fmt!r}: write csv or jsonl")
    if "source_id" not in data or not isinstance(data["source_id"], str):
        raise _err(path, "source_id = \"COLUMN\" is required: the column holding each row's id")
    default_zone = _zone(path, data["timezone"], "timezone") if data.get("timezone") else None
    default_ts = data.get("timestamp_format", "iso")
    default_unit = data.get("duration_unit", "s")
    if default_unit not in UNITS:
        raise _err(path, f"duration_unit = {default_unit!r}: write one of {', '.join(UNITS)}")
    booleans = data.get("booleans", {})
    trues = {str(v).lower() for v in booleans.get("true", DEFAULT_TRUE)}
    falses = {str(v).lower() for v in booleans.get("false", DEFAULT_FALSE)}
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise _err(path, "[values] must be a table of tables: [values.outcome] ANSWERED = \"answered\"")
    list_sep = data.get("list_separator", ";")

    rules: list[FieldRule] = []
    raw_fields = data.get("fields", {})
    if not isinstance(raw_fields, dict):
        raise _err(path, "[fields] must be a table: field = \"column\"")
    for name, spec in raw_fields.items():
        where = f"[fields] {name}"
        if name not in fields or name in ("line", "partial", "source_id"):
            allowed = [n for n in fields if n not in ("line", "partial", "source_id")]
            raise _err(path, f"{where}: {cls.__name__} has no field {name!r} (fields: {', '.join(allowed)})")
        if isinstance(spec, str):
            spec = {"column": spec}
        if not isinstance(spec, dict) or not (("column" in spec) ^ ("value" in spec)):
            raise _err(path, f"{where}: write \"COLUMN\", {{ column = \"COLUMN\", … }} or {{ value = CONSTANT }}")
        bad = set(spec) - FIELD_KEYS
        if bad:
            raise _err(path, f"{where}: unknown setting(s) {', '.join(sorted(bad))} (allowed: {', '.join(sorted(FIELD_KEYS))})")
        ftype = field_type(fields[name])
        if "value" in spec:
            rules.append(FieldRule(name, None, lambda text: text, constant=spec["value"],
                                   fast=("const", spec["value"])))
            continue
        column = str(spec["column"])
        value_map = values.get(name)
        if ftype in ("datetime", "datetimes") or name == "version":
            zone = _zone(path, spec["timezone"], where) if spec.get("timezone") else default_zone
            parser = _timestamp_parser(spec.get("format", default_ts), zone)
            fast = (("ts", parser, spec.get("format", default_ts) == "iso", zone)
                    if ftype == "datetime" or name == "version" else None)
            what = "a timestamp" + (f" in format {spec.get('format', default_ts)!r}" if spec.get("format", default_ts) != "iso" else " (ISO 8601)")
            if ftype == "datetimes":
                one = parser
                parser = lambda text, one=one: [one(p.strip()) for p in text.split(list_sep) if p.strip()]  # noqa: E731
            convert = _wrap(what, column, parser)
        elif ftype == "bool":
            def convert_bool(text, column=column, value_map=value_map):
                if value_map is not None and text in value_map:
                    return bool(value_map[text])
                low = text.lower()
                if low in trues:
                    return True
                if low in falses:
                    return False
                raise RowError(f"column {column!r}: {text!r} is neither true ({', '.join(sorted(trues))}) "
                               f"nor false ({', '.join(sorted(falses))})")
            convert = convert_bool
            fast = ("fn", convert_bool)
        elif ftype in ("float", "int"):
            unit = spec.get("unit", default_unit if name.endswith("_s") else None)
            if unit is not None and unit not in UNITS:
                raise _err(path, f"{where}: unit {unit!r}: write one of {', '.join(UNITS)}")
            if unit == "hms":
                fn = _hms
            elif unit is not None and UNITS[unit] != 1.0:
                factor = UNITS[unit]
                fn = lambda text, factor=factor: float(text) * factor  # noqa: E731
            elif ftype == "int":
                fn = lambda text: int(float(text))  # noqa: E731
            else:
                fn = float
            convert = _wrap("a number", column, fn)
            fast = ("float", None) if fn is float else ("fn", fn)
        else:
            if value_map is not None:
                if not isinstance(value_map, dict):
                    raise _err(path, f"[values.{name}] must be a table: \"AS WRITTEN\" = \"stored value\"")

                def convert_str(text, column=column, value_map=value_map, name=name):
                    try:
                        return value_map[text]
                    except KeyError:
                        raise RowError(f"column {column!r}: {text!r} is not in [values.{name}] of the mapping") from None
                convert = convert_str
                fast = ("map", value_map)
            else:
                convert = str
                fast = ("str", None)
        rules.append(FieldRule(name, column, convert, fast=fast))
    mapped = {r.field for r in rules}
    partial = bool(data.get("partial", False))
    required = [f.name for f in attrs.fields(cls)
                if f.default is attrs.NOTHING and f.name not in ("source_id",) and f.name not in mapped]
    if required and not partial:
        raise _err(path, f"[fields] must map {', '.join(required)} for kind {kind!r}")
    return Mapping(
        path=path, kind=kind, cls=cls, format=fmt, delimiter=str(data.get("delimiter", ",")),
        encoding=str(data.get("encoding", "utf-8-sig")), source_id=data["source_id"], partial=partial,
        skip_rows=int(data.get("skip_rows", 0)), rules=rules,
    )
