"""Golden files for a source's reader: what it reads from a fixed set of input files, committed as
JSON lines, so that any change in what a reader reads shows (and a deliberate one is seen in the
same commit, in the golden file's diff).

Used by the golden tests of the Asterisk, Amazon Connect and Genesys Cloud plugins (the two others
load this module from here). A test builds its input files (test files, seeded random ones), reads
each with `read_case` and hands the lines to `check`, which compares them with the golden file or,
with `CCC_GOLDEN_UPDATE=1` in the environment, rewrites it.

What is recorded is what the host can observe, not how the reader cuts its output:

- a case header: `{"case": name, "input": sha256 of the file (16 hex), "options": …, …}`;
- one line per record in file order, every field: `{"contact": {"source_id": …, "arrived_at": …}}`
  (instants as ISO text in UTC; a naive one without an offset), or `{"rejected": {"line": …,
  "reason": …, "raw": …, "source_id": …}}`;
- `{"state": …}`: the `context.state` the host saves after the file (as JSON, keys sorted);
- for a file refused whole, only `{"refused": "<message>"}` (the host stores nothing of it), or
  `{"error": "<exception type>"}` for any other exception out of the reader (a bug, kept visible).

The source's reader is read as the host reads it: records one by one, and each row of a `ColumnBlock`
as the record it stands for (instants given as epoch milliseconds shown as ISO text in UTC, fields not
given at their defaults), so a golden file does not change when a reader moves from records to blocks.
A big file (`digest=True`) is recorded with its rejections and state in full and its contacts as a count
and a sha256 of their lines.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest

from ccc_governance.errors import SourceError
from ccc_governance.sources import ReadContext
from ccc_governance.blocks import ColumnBlock, block_records

#: Set to 1 to rewrite the golden files from what the readers read now.
UPDATE_ENV = "CCC_GOLDEN_UPDATE"


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.isoformat()  # (a naive instant: shown as such, without an offset)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (list, tuple)):
        return [_value(v) for v in value]
    return value


def _dumps(obj: Any) -> str:
    # ensure_ascii: raw text may hold lone surrogates or control characters; repr for anything else
    return json.dumps(obj, ensure_ascii=True, default=repr)


def record_line(record: Any) -> str:
    """A record (or `Rejected`) as one line: its class name, then every field in the class's order."""
    if not attrs.has(type(record)):
        return _dumps({"other": repr(record)})
    fields = {a.name: _value(getattr(record, a.name)) for a in attrs.fields(type(record))}
    return _dumps({type(record).__name__.lower(): fields})


def _read(read: Callable, context: ReadContext, where: str) -> tuple[list[str] | None, str | None]:
    """(the lines of what `read` yields, None) or (None, the refusal or error line)."""
    lines: list[str] = []
    try:
        for item in read(context):
            if isinstance(item, ColumnBlock):
                lines.extend(record_line(record) for record in block_records(item))
            else:
                lines.append(record_line(item))
    except SourceError as exc:
        return None, _dumps({"refused": str(exc)})
    except Exception as exc:  # noqa: BLE001 - a reader's failure is recorded as what it reads
        # (its type only: Python words the messages of its own exceptions differently from version to version)
        return None, _dumps({"error": type(exc).__name__})
    return lines, None


def _digest(lines: list[str]) -> list[str]:
    """Contacts as a count and a sha256 of their lines; the rest as it is."""
    contacts = [line for line in lines if line.startswith('{"contact"')]
    rest = [line for line in lines if not line.startswith('{"contact"')]
    sha = hashlib.sha256("\n".join(contacts).encode("utf-8")).hexdigest()
    return [*rest, _dumps({"contacts": len(contacts), "sha256": sha})]


@attrs.define
class Read:
    """What `read_case` read: the case's lines, and the state it left (None if refused)."""

    lines: list[str]
    state: dict | None


def read_case(name: str, path: Path, read_source: Callable, *, options: dict | None = None,
              attributes: dict | None = None, state: dict | None = None, state_from: str | None = None,
              digest: bool = False) -> Read:
    """Read `path` with the source's reader from a copy of `state` and return its golden lines.
    `state_from` names the case whose saved state this one starts from (for the header)."""
    header: dict[str, Any] = {"case": name, "input": hashlib.sha256(path.read_bytes()).hexdigest()[:16]}
    if options:
        header["options"] = options
    if attributes:
        header["attributes"] = attributes
    if state_from:
        header["state_from"] = state_from
    kwargs = {"attributes": dict(attributes)} if attributes else {}
    context = ReadContext(path=path, options=dict(options or {}), state=copy.deepcopy(state or {}), **kwargs)
    lines, failure = _read(read_source, context, name)
    saved = None
    if failure is None:
        lines.append(_dumps({"state": json.loads(json.dumps(context.state, sort_keys=True, default=str))}))
        saved = context.state
    else:
        lines = [failure]
    text = str(path)
    lines = [line.replace(text, path.name) if text in line else line for line in lines]  # (no tmp path)
    if digest and saved is not None:
        lines = [*_digest(lines[:-1]), lines[-1]]
    return Read([_dumps(header), *lines], saved)


def _cases(lines: list[str]) -> dict[str, list[str]]:
    cases: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        if line.startswith('{"case"'):
            current = cases.setdefault(json.loads(line)["case"], [])
        current.append(line)
    return cases


def _fields_differing(old: str, new: str) -> str:
    """`field: old → new` for the fields of one record that differ (empty if not two records)."""
    try:
        (k1, a), (k2, b) = next(iter(json.loads(old).items())), next(iter(json.loads(new).items()))
    except (ValueError, StopIteration, AttributeError):
        return ""
    if k1 != k2 or not isinstance(a, dict) or not isinstance(b, dict):
        return ""
    return "; ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in {**a, **b} if a.get(k) != b.get(k))


def check(golden: Path, lines: Iterable[str]) -> None:
    """Compare `lines` with the golden file (`CCC_GOLDEN_UPDATE=1`: rewrite it instead); on a
    difference, fail naming the first differing line, its case and the fields that differ."""
    lines = list(lines)
    if os.environ.get(UPDATE_ENV) == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
        return
    if not golden.exists():
        pytest.fail(f"no golden file {golden.name}: write it with {UPDATE_ENV}=1", pytrace=False)
    expected = golden.read_text(encoding="utf-8").splitlines()
    if lines == expected:
        return
    first = next((i for i, (a, b) in enumerate(zip(expected, lines)) if a != b), min(len(expected), len(lines)))
    case = next((json.loads(line)["case"] for line in reversed(lines[:first + 1]) if line.startswith('{"case"')), "?")
    old, new = _cases(expected), _cases(lines)
    changed = [name for name in {**old, **new} if old.get(name) != new.get(name)]
    golden_line = expected[first] if first < len(expected) else "(end of file)"
    now_line = lines[first] if first < len(lines) else "(end of file)"
    fields = _fields_differing(golden_line, now_line)
    input_changed = golden_line.startswith('{"case"') and now_line.startswith('{"case"')
    pytest.fail(
        f"{golden.name}: what the reader reads differs from the golden file, first at its line {first + 1} "
        f"(case {case}):\n  golden: {golden_line}\n  now:    {now_line}\n"
        + (f"  fields: {fields}\n" if fields else "")
        + ("  (the case's input or options changed, not necessarily the reader)\n" if input_changed else "")
        + f"{len(changed)} case(s) differ: {', '.join(changed[:8])}{' …' if len(changed) > 8 else ''}\n"
        f"A deliberate change: rerun with {UPDATE_ENV}=1 and commit the golden file with it.",
        pytrace=False,
    )
