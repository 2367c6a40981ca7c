"""The optional fast path of the plugin API: blocks of rows already in storage form.

A reader normally yields one attrs record per row (`ccc_governance.records`). A reader that
reads millions of rows may instead yield `RowBlock`s: a list of plain tuples per block, each
`(source_id, line, value, …)` with the values of `fields` in that order, already in the form the
store keeps them (see `RowBlock`). The host checks every row (the same checks as for records) in
one generated function per block layout; a row that fails any check, or is not in the expected
form, is not quarantined from the block: the host calls `fallback(i)` and the reader returns the
record (or `Rejected`) for that row built the ordinary way, which then goes the ordinary way. So
the counters, quarantine reasons and raw text are exactly those of the record path; the block
only saves building an attrs object and converting its fields for the rows that are fine.

A reader that holds its values column by column (a CSV block after `zip(*rows)`) may yield a
`ColumnBlock` instead: the same contract, one list per field instead of one tuple per row. The
host checks a column at a time (a handful of C-level passes: the types in it, the enum values,
the smallest number) instead of row by row; a block with any value out of place is taken as a
`RowBlock` (row by row, `fallback` for the rows that fail), so the result is the same.

Both ways can be mixed in one file (the host keeps the order: a block's rows are taken in order,
before whatever the reader yields next). Documented in docs/plugins.md ("Fast path").
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any, Callable

import attrs

from .. import records as R
from .convert import ENUMS, SPECS, TIME_FIELDS, _NON_NEGATIVE, _NON_NEGATIVE_SUFFIXES, _SKIP, _kind_of


@attrs.define
class RowBlock:
    """A block of records of one kind, in storage form (yield it instead of the records).

    - `kind`: the record kind (`contact`, `survey`, …: `ccc_governance.records.KINDS`);
    - `fields`: record field names (not `source_id`, `line`, `partial`), the order of the values
      after `(source_id, line)` in every row; a field not named takes the record class's default
      (`channel="voice"` …), or None in a partial block when the class has no default;
    - `rows`: tuples `(source_id, line, value, …)`; values as stored: instants as `int` epoch
      milliseconds UTC, booleans as `bool` or 0/1, durations and other `float` fields as `float`,
      `customer` in clear (the host pseudonymises it), text as `str`, None for "not known";
    - `fallback(i)`: the ordinary record (or `Rejected`) for `rows[i]`; called for a row the
      host does not take as it is (a failed check, an unexpected type);
    - `partial`: the rows are partial records (`partial=True`: merged into stored ones).
    """

    kind: str
    fields: tuple[str, ...]
    rows: list
    fallback: Callable[[int], Any]
    partial: bool = False


@attrs.define
class ColumnBlock:
    """A `RowBlock` given column by column: `columns` is `[source_ids, lines, values of fields[0],
    values of fields[1], …]`, lists (or tuples) of the same length, values in the same storage
    form as a `RowBlock`'s; `fallback(i)` builds the record of row `i`."""

    kind: str
    fields: tuple[str, ...]
    columns: list
    fallback: Callable[[int], Any]
    partial: bool = False

    def as_rows(self) -> RowBlock:
        """The same block row by row."""
        return RowBlock(kind=self.kind, fields=self.fields, rows=list(zip(*self.columns)), fallback=self.fallback,
                        partial=self.partial)


def supports(kind: str, fields, partial: bool = False) -> bool:
    """Whether a block of this layout can be taken (else yield records as usual)."""
    try:
        block_converter(kind, tuple(fields), bool(partial))
    except ValueError:
        return False
    return True


@attrs.frozen
class _Slot:
    """What a block layout does with one record field (`_plan`): the checks both converters make."""

    name: str
    given: bool  # the block carries it; else `const` is stored
    const: Any = None
    how: str = "plain"  # instant | bool | customer | plain (`convert._kind_of`)
    required: bool = False  # an instant that must be there (the kind's time, not partial)
    type: type | None = None  # float | int | str: the type a plain value must have
    enum: frozenset | None = None  # the values allowed
    non_negative: bool = False

    @property
    def var(self) -> str:
        return "v_" + self.name


@lru_cache(maxsize=64)
def _plan(kind: str, fields: tuple[str, ...], partial: bool) -> tuple[tuple[_Slot, ...], _Slot | None]:
    """The layout's slots in the store's column order (after `version`), and the `version` slot
    when the block carries it. Raises ValueError for a layout the fast path does not take
    (unknown kind or field, a list field, a field repeated, a required field missing, a default
    that is not a plain constant)."""
    cls = R.KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown record kind {kind!r}")
    all_fields = {f.name: f for f in attrs.fields(cls)}
    if len(set(fields)) != len(fields):
        raise ValueError("a field is named twice")
    for name in fields:
        if name not in all_fields or name in ("source_id", "line", "partial"):
            raise ValueError(f"{cls.__name__} has no field {name!r} for a block")
    slots, version = [], None
    for f in attrs.fields(cls):
        if f.name in _SKIP and f.name != "version":
            continue
        how = _kind_of(f)
        if f.name not in fields:
            if f.name == "version":
                continue
            if f.default is attrs.NOTHING:
                if not partial:
                    raise ValueError(f"required field {f.name!r} is missing")
                const = None
            elif isinstance(f.default, attrs.Factory):
                raise ValueError(f"field {f.name!r} has a factory default")
            else:
                const = f.default
            if const is not None:
                if how == "bool":
                    const = 1 if const else 0
                elif how != "plain" or not isinstance(const, (str, int, float)):
                    raise ValueError(f"field {f.name!r} has a default the fast path cannot store")
                if f.name in ENUMS and const not in ENUMS[f.name]:
                    raise ValueError(f"field {f.name!r} has a default that is not allowed")
                if f.converter is not None:
                    const = f.converter(const)
            if how == "instant" and TIME_FIELDS.get(kind) == f.name and const is None and not partial:
                raise ValueError(f"required instant {f.name!r} is missing")
            slots.append(_Slot(f.name, given=False, const=const))
            continue
        if how == "instants":
            raise ValueError(f"list field {f.name!r} is not taken by the fast path")
        ann = str(f.type)
        slot = _Slot(
            f.name, given=True, how=how,
            required=how == "instant" and TIME_FIELDS.get(kind) == f.name and not partial,
            type=None if how != "plain" else (
                float if f.converter is not None or ann.startswith("float")
                else int if ann.startswith("int") else str if ann.startswith("str") else None),
            enum=frozenset(ENUMS[f.name]) if how == "plain" and f.name in ENUMS else None,
            non_negative=how == "plain" and (f.name in _NON_NEGATIVE or f.name.endswith(_NON_NEGATIVE_SUFFIXES)),
        )
        if f.name == "version":
            version = slot
        else:
            slots.append(slot)
    return tuple(slots), version


def _spec_of(kind: str):
    cls = R.KINDS[kind]
    return next(s for s in SPECS.values() if s.cls is cls)


@lru_cache(maxsize=64)
def block_converter(kind: str, fields: tuple[str, ...], partial: bool):
    """`convert(rows, source, batch_id, hasher) -> (tuples, bad)` for one block layout.

    `tuples` are the store's row tuples (`convert.SPECS[…].columns` order), with None where a
    row must go the ordinary way; `bad` lists those rows' indexes. Raises ValueError for a
    layout the fast path does not take (`_plan`).
    """
    slots, version = _plan(kind, fields, partial)
    names = ["v_" + f for f in fields]
    lines = [
        "def convert(rows, source, batch_id, hasher):",
        "    out = []",
        "    bad = []",
        "    append = out.append",
        "    i = -1",
        "    for r in rows:",
        "        i += 1",
        "        try:",
        f"            sid, line, {''.join(n + ', ' for n in names)}= r",
        "            if type(sid) is not str or not sid or (line is not None and type(line) is not int):",
        "                raise _Back",
    ]
    namespace: dict[str, Any] = {"_Back": _Back, "_isfinite": math.isfinite}
    values = []
    for slot in slots + ((version,) if version else ()):
        v = slot.var
        if not slot.given:
            namespace[f"c_{slot.name}"] = slot.const
            values.append(f"c_{slot.name}")
            continue
        if slot.how == "instant":
            lines.append(f"            if {v} is None:")
            lines.append("                raise _Back" if slot.required else "                pass")
            lines.append(f"            elif type({v}) is not int:")
            lines.append("                raise _Back")
        elif slot.how == "bool":
            lines.append(f"            if {v} is not None:")
            lines.append(f"                if type({v}) is not bool and {v} not in (0, 1):")
            lines.append("                    raise _Back")
            lines.append(f"                {v} = 1 if {v} else 0")
        elif slot.how == "customer":
            lines.append(f"            if {v} is not None:")
            lines.append(f"                if type({v}) is not str:")
            lines.append("                    raise _Back")
            lines.append(f"                {v} = hasher({v})")
        else:
            if slot.type is not None:
                lines.append(f"            if {v} is not None and type({v}) is not {slot.type.__name__}:")
                lines.append("                raise _Back")
            if slot.type is float:
                lines.append(f"            if {v} is not None and not _isfinite({v}):")
                lines.append("                raise _Back")
            if slot.enum is not None:
                namespace[f"e_{slot.name}"] = slot.enum
                lines.append(f"            if {v} is not None and {v} not in e_{slot.name}:")
                lines.append("                raise _Back")
            if slot.non_negative:
                lines.append(f"            if {v} is not None and (type({v}) is not int and type({v}) is not float or {v} < 0):")
                lines.append("                raise _Back")
        if slot is not version:
            values.append(v)
    lines.append(f"            append((source, sid, batch_id, line, {version.var if version else 'None'}, "
                 f"{', '.join(values)}))")
    lines.append("        except Exception:")
    lines.append("            append(None)")
    lines.append("            bad.append(i)")
    lines.append("    return out, bad")
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from attrs field names only
    convert = namespace["convert"]
    convert.columns = _spec_of(kind).columns
    return convert


_NONE = type(None)
_TYPES_OR_NONE = {float: "_FLOAT_OR_NONE", int: "_INT_OR_NONE", str: "_STR_OR_NONE"}


def _hash_column(hasher, values) -> list:
    column = getattr(hasher, "column", None)
    return column(values) if column is not None else list(map(hasher, values))


@lru_cache(maxsize=64)
def column_converter(kind: str, fields: tuple[str, ...], partial: bool):
    """`convert(columns, source, batch_id, hasher) -> columns | None` for one block layout.

    `columns` as in `ColumnBlock`; returns the store's columns (`convert.SPECS[…].columns`
    order; a column that is None in every row as None), or None when any value is not as the
    row checks of `block_converter` want it (the block is then taken row by row). The same
    checks (`_plan`), made column-wise. Raises ValueError for a layout the fast path does not take.
    """
    slots, version = _plan(kind, fields, partial)
    names = ["v_" + f for f in fields]
    namespace: dict[str, Any] = {
        "_STR": frozenset({str}), "_INT_OR_NONE": frozenset({int, _NONE}), "_INT": frozenset({int}),
        "_FLOAT_OR_NONE": frozenset({float, _NONE}), "_STR_OR_NONE": frozenset({str, _NONE}),
        "_BOOL_VALUES": frozenset({None, 0, 1}), "_BOOL_TYPES": frozenset({bool, int, float, _NONE}),
        "_hash_column": _hash_column, "_isfinite": math.isfinite, "_fsum": math.fsum,
    }
    lines = [
        "def convert(columns, source, batch_id, hasher):",
        f"    if len(columns) != {len(fields) + 2}:",
        "        return None",
        f"    sid, line, {''.join(n + ', ' for n in names)}= columns",
        "    n = len(sid)",
        "    for col in columns:",
        "        if len(col) != n:",
        "            return None",
        "    if not n or not set(map(type, sid)) <= _STR or '' in sid:",
        "        return None",
        "    if not set(map(type, line)) <= _INT_OR_NONE:",
        "        return None",
    ]
    values = []
    for slot in slots + ((version,) if version else ()):
        v = slot.var
        if not slot.given:
            namespace[f"c_{slot.name}"] = slot.const
            values.append(f"[c_{slot.name}] * n" if slot.const is not None else "None")
            continue
        if slot.how == "instant":
            lines.append(f"    if not set(map(type, {v})) <= {'_INT' if slot.required else '_INT_OR_NONE'}:")
            lines.append("        return None")
        elif slot.how == "bool":
            lines.append(f"    if not set(map(type, {v})) <= _BOOL_TYPES or not set({v}) <= _BOOL_VALUES:")
            lines.append("        return None")
            lines.append(f"    if not set(map(type, {v})) <= _INT_OR_NONE:")
            lines.append(f"        {v} = [None if x is None else (1 if x else 0) for x in {v}]")
        elif slot.how == "customer":
            lines.append(f"    if not set(map(type, {v})) <= _STR_OR_NONE:")
            lines.append("        return None")
            lines.append(f"    {v} = _hash_column(hasher, {v})")
        else:
            if slot.type is not None:
                lines.append(f"    if not set(map(type, {v})) <= {_TYPES_OR_NONE[slot.type]}:")
                lines.append("        return None")
            if slot.type is float:  # NaN or an infinity makes the sum not finite (a block of big finite
                # values whose sum overflows is merely checked row by row)
                lines.append(f"    if not _isfinite(_fsum(filter(None, {v}))):")
                lines.append("        return None")
            if slot.enum is not None:
                namespace[f"e_{slot.name}"] = slot.enum | {None}
                lines.append(f"    if not set({v}) <= e_{slot.name}:")
                lines.append("        return None")
            if slot.non_negative:
                # None and zeros are dropped by filter(None, …): neither can be negative
                lines.append(f"    if not min(filter(None, {v}), default=0) >= 0:")
                lines.append("        return None")
        if slot is not version:
            values.append(f"{v} if {v}.count(None) != n else None")
    stored_version = f"{version.var} if {version.var}.count(None) != n else None" if version else "None"
    lines.append(
        f"    return [[source] * n, sid, [batch_id] * n, line if line.count(None) != n else None, "
        f"{stored_version}, {', '.join(values)}]"
    )
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from attrs field names only
    convert = namespace["convert"]
    convert.columns = _spec_of(kind).columns
    return convert


def separate_process(read):
    """Mark a reader as one the host may run in a separate *reader process* for big files
    (`store.parallel`), overlapping reading with writing; returns `read`.

    Only for a reader that is a module-level function of an installed module and that touches
    nothing but its `ReadContext` and the file (its `state` changes are sent back; anything else
    it changes in its own process is lost). Used as a decorator: `@separate_process`.
    """
    read.ccc_separate_process = True
    return read


class _Back(Exception):
    """A row the block does not take as it is: it goes the ordinary way (`fallback`)."""
