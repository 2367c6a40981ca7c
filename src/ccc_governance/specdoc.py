"""docs/plugins.md's field tables and check rules, rendered from the one specification (`records`).

The doc holds each generated part between markers: `<!-- fields:KIND -->` … `<!-- /fields:KIND -->`
for each record kind (its description and field table) and `<!-- rules -->` … `<!-- /rules -->`
for the field types and what the host checks. `python -m ccc_governance.specdoc docs/plugins.md`
rewrites them, writing the file only if it changed; tests/core/test_plugin_docs.py fails when the
doc differs from what this renders.
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import attrs

from . import records as R
from .store.checks import Bad, Layout

#: What each field type of the specification holds in a record and in a `ColumnBlock`.
TYPE_FORMS = {
    "text": ("`str`", "`str`"),
    "number": ("`float` or `int` (another real number, such as a `Decimal`, is taken)", "`int` or `float`"),
    "integer": ("`int` (a `float` without a fraction is taken)", "`int`"),
    "instant": ("an aware `datetime`", "`int` epoch milliseconds UTC (`epoch_ms`)"),
    "instants": ("a list of aware `datetime`s", "not taken in a block"),
    "flag": ("`bool`", "`bool`, or 0/1"),
    "customer": ("`str` in clear (the host keeps only a keyed hash)", "`str` in clear"),
}

#: The fields of every kind that are not in the specification (`records.IDENTITY_FIELDS`).
IDENTITY = {
    "source_id": ("text", "required, not empty",
                  "the platform's id for the record (callid, ContactId, ticket id …); with the source name, "
                  "the record's key"),
    "partial": ("flag", "default `False`",
                "merge the record's non-null fields into the stored one instead of replacing it"),
    "line": ("integer", "", "1-based line (or record number) in the file, for quarantine and provenance"),
}

_MARKED = re.compile(r"<!-- (fields:\w+|rules) -->\n(.*?)<!-- /\1 -->", re.S)


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|")


def _code(value) -> str:
    return f"`{value}`"


def _rules_of(spec: R.FieldSpec) -> str:
    parts = []
    if spec.required:
        parts.append("required")
    if spec.allowed is not None:
        parts.append("one of " + ", ".join(map(_code, spec.allowed)))
    if spec.minimum is not None:
        parts.append(f"≥ {spec.minimum:g}")
    if spec.default is not None:
        parts.append(f"default {_code(spec.default)}")
    return "; ".join(parts)


def kind_section(kind: str) -> str:
    """A kind's description (its class's docstring) and field table."""
    cls = R.KINDS[kind]
    names = attrs.fields_dict(cls)
    type_, rules, doc = IDENTITY["source_id"]
    rows = [("source_id", type_, "", rules, doc)]
    for spec in R.fields_of(kind):
        rows.append((spec.name, spec.type, spec.unit or "", _rules_of(spec), spec.doc))
    for name in ("partial", "line"):
        if name in names:
            type_, rules, doc = IDENTITY[name]
            rows.append((name, type_, "", rules, doc))
    lines = [inspect.cleandoc(cls.__doc__), "", "| field | type | unit | rules | meaning |", "|---|---|---|---|---|"]
    for name, type_, unit, rules, doc in rows:
        lines.append(f"| `{name}` | `{type_}` | {_cell(unit)} | {_cell(rules)} | {_cell(doc)} |")
    return "\n".join(lines) + "\n"


def _reason(kind: str, field: str | None, value) -> str:
    """The reason the host quarantines a row of `kind` whose `field` (None: `source_id`) holds `value`."""
    values = (value, 1) if field is None else ("id", 1, value)
    try:
        Layout(kind, () if field is None else (field,), False, block=False).row(values, "source", 0, str)
    except Bad as bad:
        return str(bad)
    raise AssertionError(f"{kind}.{field} = {value!r} passes the checks")


def _by_kind(test) -> str:
    """`kind` `field`, … for the fields whose spec passes `test`, kind by kind."""
    out = []
    for kind in R.KINDS:
        names = [f"`{f.name}`" for f in R.fields_of(kind) if test(f)]
        if names:
            out.append(f"`{kind}` {', '.join(names)}")
    return "; ".join(out)


def rules() -> str:
    """The field types (a record's value, a block's value) and what the host checks, with its reasons."""
    lines = ["| type | in a record | in a `ColumnBlock` |", "|---|---|---|"]
    lines += [f"| `{t}` | {record} | {block} |" for t, (record, block) in TYPE_FORMS.items()]
    allowed: dict[str, list[str]] = {}
    for kind in R.KINDS:
        for f in R.fields_of(kind):
            if f.allowed is not None:
                allowed.setdefault(f.name, []).append(kind)
    lowest = sorted({f.minimum for k in R.KINDS for f in R.fields_of(k) if f.minimum is not None})
    lines += [
        "",
        "The host checks every record and every block row against this specification; a row that "
        "fails is quarantined with the reason shown, and the rest of the file imports:",
        "",
        f"- a `source_id` that is not empty (`{_reason('contact', None, '')}`);",
        "- each value of its field's type (`{}`, `{}`, `{}`);".format(
            _reason("contact", "wait_s", "abc"), _reason("contact", "transferred", "yes"),
            _reason("contact", "answered_at", datetime(2026, 10, 1, 8))),
        "- required fields, except in a partial record: " + _by_kind(lambda f: f.required)
        + f" (`{_reason('contact', 'arrived_at', None)}`);",
        "- allowed values: " + "; ".join(f"`{name}` ({', '.join(kinds)})" for name, kinds in allowed.items())
        + f" (`{_reason('contact', 'direction', 'sideways')}`);",
    ]
    for m in lowest:
        lines.append(f"- not below {m:g}: " + _by_kind(lambda f, m=m: f.minimum == m)
                     + f" (`{_reason('contact', 'wait_s', -3.0)}`);")
    lines.append("- every `number` and `integer` finite, never NaN or an infinity "
                 f"(`{_reason('contact', 'csat', float('nan'))}`).")
    return "\n".join(_wrap(line) for line in lines) + "\n"


def _wrap(line: str) -> str:
    """A paragraph or list item cut to the doc's width (table rows as they are)."""
    if not line or line.startswith("|"):
        return line
    return textwrap.fill(line, 100, subsequent_indent="  " if line.startswith("- ") else "",
                         break_long_words=False, break_on_hyphens=False)


def sections() -> dict[str, str]:
    """Marker name → what belongs between its markers."""
    out = {"rules": rules()}
    out.update({f"fields:{kind}": kind_section(kind) for kind in R.KINDS})
    return out


def found(text: str) -> dict[str, str]:
    """Marker name → what the doc holds between its markers."""
    return {m.group(1): m.group(2) for m in _MARKED.finditer(text)}


def update(text: str) -> str:
    """The doc with every generated part rendered again; ValueError naming a missing or unknown marker."""
    wanted = sections()
    have = found(text)
    missing = [name for name in wanted if name not in have]
    unknown = [name for name in have if name not in wanted]
    if missing or unknown:
        raise ValueError("; ".join(
            [f"no <!-- {n} --> … <!-- /{n} --> markers" for n in missing] + [f"unknown marker <!-- {n} -->" for n in unknown]))
    return _MARKED.sub(lambda m: f"<!-- {m.group(1)} -->\n{wanted[m.group(1)]}<!-- /{m.group(1)} -->", text)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ccc_governance.specdoc docs/plugins.md", file=sys.stderr)
        return 2
    path = Path(args[0])
    try:
        text = path.read_text(encoding="utf-8")
        new = update(text)
    except (OSError, ValueError) as err:
        print(f"error: {path}: {getattr(err, 'strerror', None) or err}", file=sys.stderr)
        return 1
    if new == text:
        print(f"{path}: up to date")
    else:
        path.write_text(new, encoding="utf-8")
        print(f"{path}: field tables updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
