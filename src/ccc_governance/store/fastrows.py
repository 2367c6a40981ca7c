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

Both ways can be mixed in one file (the host keeps the order: a block's rows are taken in order,
before whatever the reader yields next). Documented in docs/plugins.md ("Fast path").
"""

from __future__ import annotations

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


def supports(kind: str, fields, partial: bool = False) -> bool:
    """Whether a block of this layout can be taken (else yield records as usual)."""
    try:
        block_converter(kind, tuple(fields), bool(partial))
    except ValueError:
        return False
    return True


@lru_cache(maxsize=64)
def block_converter(kind: str, fields: tuple[str, ...], partial: bool):
    """`convert(rows, source, batch_id, hasher) -> (tuples, bad)` for one block layout.

    `tuples` are the store's row tuples (`convert.SPECS[…].columns` order), with None where a
    row must go the ordinary way; `bad` lists those rows' indexes. Raises ValueError for a
    layout the fast path does not take (unknown kind or field, a list field, a field repeated,
    a required field missing, a default that is not a plain constant).
    """
    cls = R.KINDS.get(kind)
    if cls is None:
        raise ValueError(f"unknown record kind {kind!r}")
    all_fields = {f.name: f for f in attrs.fields(cls)}
    if len(set(fields)) != len(fields):
        raise ValueError("a field is named twice")
    for name in fields:
        if name not in all_fields or name in ("source_id", "line", "partial"):
            raise ValueError(f"{cls.__name__} has no field {name!r} for a block")
    spec = next(s for s in SPECS.values() if s.cls is cls)
    given = set(fields)
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
    namespace: dict[str, Any] = {"_Back": _Back}
    values = []
    version = "None"
    candidates = [f for f in attrs.fields(cls) if f.name not in _SKIP or f.name == "version"]
    for f in candidates:
        how = _kind_of(f)
        v = "v_" + f.name
        if f.name not in given:
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
            namespace[f"c_{f.name}"] = const
            values.append(f"c_{f.name}")
            if how == "instant" and TIME_FIELDS.get(kind) == f.name and const is None and not partial:
                raise ValueError(f"required instant {f.name!r} is missing")
            continue
        if how == "instants":
            raise ValueError(f"list field {f.name!r} is not taken by the fast path")
        if how == "instant":
            lines.append(f"            if {v} is None:")
            if TIME_FIELDS.get(kind) == f.name and not partial:
                lines.append("                raise _Back")
            else:
                lines.append("                pass")
            lines.append(f"            elif type({v}) is not int:")
            lines.append("                raise _Back")
        elif how == "bool":
            lines.append(f"            if {v} is not None:")
            lines.append(f"                if type({v}) is not bool and {v} not in (0, 1):")
            lines.append("                    raise _Back")
            lines.append(f"                {v} = 1 if {v} else 0")
        elif how == "customer":
            lines.append(f"            if {v} is not None:")
            lines.append(f"                if type({v}) is not str:")
            lines.append("                    raise _Back")
            lines.append(f"                {v} = hasher({v})")
        else:
            ann = str(f.type)
            if f.converter is not None or ann.startswith("float"):
                lines.append(f"            if {v} is not None and type({v}) is not float:")
                lines.append("                raise _Back")
            elif ann.startswith("int"):
                lines.append(f"            if {v} is not None and type({v}) is not int:")
                lines.append("                raise _Back")
            elif ann.startswith("str"):
                lines.append(f"            if {v} is not None and type({v}) is not str:")
                lines.append("                raise _Back")
            if f.name in ENUMS:
                namespace[f"e_{f.name}"] = frozenset(ENUMS[f.name])
                lines.append(f"            if {v} is not None and {v} not in e_{f.name}:")
                lines.append("                raise _Back")
            if f.name in _NON_NEGATIVE or f.name.endswith(_NON_NEGATIVE_SUFFIXES):
                lines.append(f"            if {v} is not None and (type({v}) is not int and type({v}) is not float or {v} < 0):")
                lines.append("                raise _Back")
        if f.name == "version":
            version = v
        else:
            values.append(v)
    lines.append(f"            append((source, sid, batch_id, line, {version}, {', '.join(values)}))")
    lines.append("        except Exception:")
    lines.append("            append(None)")
    lines.append("            bad.append(i)")
    lines.append("    return out, bad")
    exec("\n".join(lines), namespace)  # noqa: S102 - code built from attrs field names only
    convert = namespace["convert"]
    convert.columns = spec.columns
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
