"""The host's checks of every record field, derived from the specification in `records.py`.

Each field type of the specification (`records.FieldSpec.type`) has one rule class below, and
each rule is written once, in two forms side by side: `column(values)` checks a whole column with
a few C-level passes (the types in it, the allowed values, the smallest number, the sum for NaN
and infinities) and returns it in storage form, or None when some value is out of place;
`value(v)` judges one value and gives the reason to quarantine it (`Bad`). A block is taken
column by column; when any column is refused, its rows are judged one by one with `value`, so a
row is stored or quarantined exactly as the same row given as a record would be.

Storage form: instants as int epoch milliseconds UTC, flags as 0/1, the customer pseudonymised,
a list of instants as JSON text, numbers and text as they are. `Layout` puts a kind's row in the
store's column order: `STORE_COLUMNS[kind]`, the `COMMON_COLUMNS` and then the kind's own fields
(`customer` as `customer_key`). Nothing here knows the database.
"""

from __future__ import annotations

import decimal
import json
import math
import numbers
from datetime import datetime
from functools import lru_cache
from operator import attrgetter

from .. import records as R

#: Leading columns of every record row, before the kind's own fields.
COMMON_COLUMNS = ("source", "source_id", "batch_id", "line", "version")
#: Index of the first kind-specific value in a row (everything from `version` on is content).
CONTENT_START = 4

_NONE = type(None)
_STR = frozenset({str})
_STR_OR_NONE = frozenset({str, _NONE})
_INT = frozenset({int})
_INT_OR_NONE = frozenset({int, _NONE})
_NUMBER_OR_NONE = frozenset({int, float, _NONE})
_FLAG_TYPES = frozenset({bool, int, _NONE})
_FLAG_VALUES = frozenset({None, 0, 1})


class Bad(Exception):
    """A value that cannot be stored; `str(err)` is the reason quarantined with the row."""


def _number(value):
    """A real number other than an int or float (a Decimal, a NumPy number) as a float or int;
    None for anything else (text, a bool, a list …)."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, decimal.Decimal)):
        return None
    try:
        return int(value) if isinstance(value, numbers.Integral) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None


class _Rule:
    """One field's rule (`spec`): `column` for a block's column, `value` for one value."""

    in_blocks = True

    def __init__(self, spec: R.FieldSpec):
        self.spec = spec
        self.name = spec.name

    def missing(self, partial: bool):
        if self.spec.required and not partial:
            raise Bad(f"{self.name} is missing")


class _Text(_Rule):
    def __init__(self, spec):
        super().__init__(spec)
        self.allowed = None if spec.allowed is None else frozenset(spec.allowed) | {None}

    def column(self, values, hasher, partial):
        if not set(map(type, values)) <= _STR_OR_NONE:
            return None
        if self.allowed is not None and not set(values) <= self.allowed:
            return None
        if self.spec.required and not partial and None in values:
            return None
        return values

    def value(self, v, hasher, partial):
        if v is None:
            self.missing(partial)
            return None
        if type(v) is not str:
            raise Bad(f"{self.name} {v!r} is not text")
        if self.allowed is not None and v not in self.allowed:
            raise Bad(f"{self.name} {v!r} is not one of {', '.join(self.spec.allowed)}")
        return v


class _Number(_Rule):
    """`number` and `integer` (a whole number: an int, or a float without a fraction stored as int)."""

    def __init__(self, spec):
        super().__init__(spec)
        self.whole = spec.type == "integer"
        self.types = _INT_OR_NONE if self.whole else _NUMBER_OR_NONE

    def column(self, values, hasher, partial):
        if not set(map(type, values)) <= self.types:
            return None
        if self.spec.required and not partial and None in values:
            return None
        if not self.whole:  # NaN or an infinity makes the sum not finite
            try:
                if not math.isfinite(math.fsum(filter(None, values))):
                    return None
            except OverflowError:  # finite values whose sum overflows: judged one by one
                return None
        lowest = self.spec.minimum
        if lowest is not None:
            if lowest == 0:  # None and zeros are dropped by filter(None, …): neither is below 0
                if not min(filter(None, values), default=0) >= 0:
                    return None
            elif not min((x for x in values if x is not None), default=lowest) >= lowest:
                return None
        return values

    def value(self, v, hasher, partial):
        if v is None:
            self.missing(partial)
            return None
        original = v
        if v.__class__ is not float and v.__class__ is not int:
            v = _number(v)
            if v is None:
                raise Bad(f"{self.name} {original!r} is not a number")
        lowest = self.spec.minimum
        if lowest is not None and v < lowest:
            raise Bad(f"{self.name} is negative ({v})" if lowest == 0 else f"{self.name} is below {lowest} ({v})")
        if v.__class__ is float and not math.isfinite(v):
            raise Bad(f"{self.name} is not a finite number ({v})")
        if self.whole and v.__class__ is float:
            if not v.is_integer():
                raise Bad(f"{self.name} {v!r} is not a whole number")
            v = int(v)
        return v


class _Instant(_Rule):
    def column(self, values, hasher, partial):
        required = self.spec.required and not partial
        if not set(map(type, values)) <= (_INT if required else _INT_OR_NONE):
            return None
        return values

    def value(self, v, hasher, partial):
        if v is None:
            self.missing(partial)
            return None
        if type(v) is int:
            return v
        if not isinstance(v, datetime):
            raise Bad(f"{self.name} {v!r} is not a datetime")
        if v.tzinfo is None or v.utcoffset() is None:
            raise Bad(f"{self.name} {v.isoformat()} has no time zone (naive datetime)")
        return round(v.timestamp() * 1000)


class _Instants(_Rule):
    in_blocks = False

    def value(self, v, hasher, partial):
        if not v:
            return None
        for d in v:
            if not isinstance(d, datetime) or d.tzinfo is None or d.utcoffset() is None:
                raise Bad(f"{self.name}: {d!r} is not a datetime with a time zone")
        return json.dumps([round(d.timestamp() * 1000) for d in v])


class _Flag(_Rule):
    def column(self, values, hasher, partial):
        types = set(map(type, values))
        if not types <= _FLAG_TYPES or not set(values) <= _FLAG_VALUES:
            return None
        if bool in types:
            return [None if x is None else (1 if x else 0) for x in values]
        return values

    def value(self, v, hasher, partial):
        if v is None:
            return None
        if type(v) in (bool, int, float) and v in (0, 1):
            return 1 if v else 0
        raise Bad(f"{self.name} {v!r} is not true or false")


class _Customer(_Rule):
    def column(self, values, hasher, partial):
        if not set(map(type, values)) <= _STR_OR_NONE:
            return None
        column = getattr(hasher, "column", None)
        return column(values) if column is not None else list(map(hasher, values))

    def value(self, v, hasher, partial):
        return None if v is None else hasher(v)


_RULES = {"text": _Text, "number": _Number, "integer": _Number, "instant": _Instant, "instants": _Instants,
          "flag": _Flag, "customer": _Customer}


def _store_columns(kind: str) -> tuple[str, ...]:
    own = [f.name for f in R.fields_of(kind) if f.name != "version"]
    return COMMON_COLUMNS + tuple("customer_key" if n == "customer" else n for n in own)


#: record kind → the store's columns of its table, in row order
STORE_COLUMNS = {kind: _store_columns(kind) for kind in R.KINDS}
#: record kind → index of its time column (`records.time_field`) in a row
TIME_INDEX = {kind: STORE_COLUMNS[kind].index(R.time_field(kind)) for kind in R.KINDS}
#: record kind → index of its `customer_key` column in a row (the kinds that have one)
CUSTOMER_INDEX = {kind: columns.index("customer_key") for kind, columns in STORE_COLUMNS.items()
                  if "customer_key" in columns}


class Layout:
    """The checks of one layout of values: a kind, the fields given (in order, after `source_id`
    and `line`), and whether the rows are partial. A field not given holds its default.
    Raises ValueError for a layout that cannot be taken (unknown kind or field, a field twice,
    a list of instants in a block, a required field not given in a block that is not partial)."""

    def __init__(self, kind: str, fields: tuple[str, ...], partial: bool, *, block: bool):
        if kind not in R.KINDS:
            raise ValueError(f"unknown record kind {kind!r}")
        specs = {f.name: f for f in R.fields_of(kind)}
        if len(set(fields)) != len(fields):
            raise ValueError("a field is named twice")
        for name in fields:
            if name not in specs:
                raise ValueError(f"{R.KINDS[kind].__name__} has no field {name!r}")
        self.kind, self.fields, self.partial = kind, tuple(fields), bool(partial)
        self.rules = tuple(_RULES[specs[name].type](specs[name]) for name in fields)
        if block:
            for rule in self.rules:
                if not rule.in_blocks:
                    raise ValueError(f"list field {rule.name!r} cannot be given in a block")
            for spec in specs.values():
                if spec.required and spec.name not in fields and not partial:
                    raise ValueError(f"required field {spec.name!r} is missing")
        # where each store column comes from: ("given", i) or ("const", value)
        given = {name: i for i, name in enumerate(fields)}
        self.plan = []
        for name in ("version",) + tuple(f.name for f in R.fields_of(kind) if f.name != "version"):
            self.plan.append(("given", given[name]) if name in given else ("const", specs[name].default))

    def columns(self, columns: list, source: str, batch_id: int, hasher) -> list | None:
        """A block's columns `[source_ids, lines, *fields]` as the store's columns (a column that
        is None in every row as None); None when any value is out of place (or the columns are
        not of one length)."""
        if len(columns) != len(self.fields) + 2:
            return None
        sid, line = columns[0], columns[1]
        n = len(sid)
        if not n or any(len(col) != n for col in columns):
            return None
        if not set(map(type, sid)) <= _STR or "" in sid or not set(map(type, line)) <= _INT_OR_NONE:
            return None
        stored = []
        for rule, values in zip(self.rules, columns[2:]):
            values = rule.column(values, hasher, self.partial)
            if values is None:
                return None
            stored.append(values)
        out = [[source] * n, sid, [batch_id] * n, line if line.count(None) != n else None]
        for how, what in self.plan:
            if how == "given":
                col = stored[what]
                out.append(col if col.count(None) != n else None)
            else:
                out.append(None if what is None else [what] * n)
        return out

    def row(self, values, source: str, batch_id: int, hasher, partial: bool | None = None) -> tuple:
        """One row `(source_id, line, *fields)` as the store's row tuple; `Bad` with the reason
        when it cannot be stored (the source id first, then the fields in their order)."""
        partial = self.partial if partial is None else partial
        sid, line = values[0], values[1]
        if sid is None or sid == "":
            raise Bad("the record has no source id")
        if type(sid) is not str:
            sid = str(sid)
        if line is not None and type(line) is not int:
            line = None
        checked = [rule.value(v, hasher, partial) for rule, v in zip(self.rules, values[2:])]
        out = [source, sid, batch_id, line]
        for how, what in self.plan:
            out.append(checked[what] if how == "given" else what)
        return tuple(out)

    def shown(self, values) -> str:
        """A row as text for the quarantine, the customer and free comments hidden."""
        parts = [f"source_id={values[0]!r}"]
        for name, v in zip(self.fields, values[2:]):
            if name in ("customer", "comment") and v is not None:
                v = "<hidden>"
            parts.append(f"{name}={v!r}")
        return f"{R.KINDS[self.kind].__name__}({', '.join(parts)})"


@lru_cache(maxsize=128)
def block_layout(kind: str, fields: tuple[str, ...], partial: bool) -> Layout:
    """The layout of a `ColumnBlock` (ValueError when it cannot be taken)."""
    return Layout(kind, fields, partial, block=True)


class RecordLayout(Layout):
    """Every field of a kind, in the class's order (`version` in its place): a record's values."""

    def __init__(self, kind: str):
        names = tuple(f.name for f in R.fields_of(kind))
        super().__init__(kind, names, False, block=False)
        self.values = attrgetter("source_id", "line", *names)


@lru_cache(maxsize=None)
def record_layout(cls: type) -> RecordLayout | None:
    """The layout of a record class (None when it is not a record kind)."""
    kind = next((k for k, c in R.KINDS.items() if c is cls), None)
    return None if kind is None else RecordLayout(kind)
