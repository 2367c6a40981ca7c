"""Line numbers of the keys in a TOML text, since `tomllib` gives none.

`key_lines(text)` maps every dotted key path to the line (1-based) where it is written. A path is a
tuple of table names, keys and array-of-tables indices, as in the parsed data:
`("kpi", 1, "target")` is the `target` key of the second `[[kpi]]` table; `("kpi", 1)` is that
table's header line. Values spanning several lines (arrays, inline tables, multi-line strings) are
found at the line of their key; keys inside inline tables at the line they are on when it can be
told, else at their parent's. The scan is deliberately simple: it only has to be right for text
that `tomllib` has already accepted.

`display_path(path, data)` writes such a path as a reader finds it in the file: `kpi sl-voice.target`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

Path = tuple  # tuple[str | int, ...]

_BARE = re.compile(r"[A-Za-z0-9_-]+")


def _split_key(text: str) -> list[str] | None:
    """Split a (dotted, possibly quoted) key such as `a."b.c".d` into its parts."""
    parts: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        c = text[i]
        if c in "\"'":
            end = text.find(c, i + 1)
            while c == '"' and end != -1 and text[end - 1] == "\\":
                end = text.find(c, end + 1)
            if end == -1:
                return None
            raw = text[i + 1 : end]
            parts.append(raw.encode().decode("unicode_escape") if c == '"' and "\\" in raw else raw)
            i = end + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                return None
            parts.append(m.group())
            i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n:
            if text[i] != ".":
                return None
            i += 1
    return parts or None


def _key_before_equals(line: str) -> tuple[list[str], int] | None:
    """If `line` starts with `key =`, the key's parts and the index just after `=`."""
    in_quote = None
    for i, c in enumerate(line):
        if in_quote:
            if c == in_quote and not (c == '"' and line[i - 1] == "\\"):
                in_quote = None
        elif c in "\"'":
            in_quote = c
        elif c == "=":
            parts = _split_key(line[:i])
            return (parts, i + 1) if parts else None
        elif c in "#[{":
            return None
    return None


def _scan_value(text: str, state: dict) -> None:
    """Track bracket depth and multi-line strings across a value's text (updates `state`)."""
    i, n = 0, len(text)
    while i < n:
        ml = state.get("ml")
        if ml:
            end = text.find(ml, i)
            if end == -1:
                return
            i = end + 3
            state["ml"] = None
            continue
        c = text[i]
        if text.startswith('"""', i) or text.startswith("'''", i):
            state["ml"] = text[i : i + 3]
            i += 3
            continue
        if c in "\"'":
            end = i + 1
            while end < n and not (text[end] == c and (c == "'" or text[end - 1] != "\\")):
                end += 1
            i = end + 1
            continue
        if c == "#":
            return
        if c in "[{":
            state["depth"] += 1
        elif c in "]}":
            state["depth"] -= 1
        i += 1


class KeyLines(Mapping):
    """`key_lines(text)`, worked out when first looked at: a contract read without a problem (every
    stored version, read by each evaluation) never needs its lines."""

    def __init__(self, text: str) -> None:
        self._text, self._lines = text, None

    def _all(self) -> dict[Path, int]:
        if self._lines is None:
            self._lines = key_lines(self._text)
        return self._lines

    def __getitem__(self, path: Path) -> int:
        return self._all()[path]

    def __iter__(self):
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


def key_lines(text: str) -> dict[Path, int]:
    """Map each key path of TOML `text` to its 1-based line number (see the module docstring)."""
    lines: dict[Path, int] = {}
    aot_counts: dict[Path, int] = {}  # array-of-tables path (resolved) -> number of elements so far
    current: Path = ()
    state = {"depth": 0, "ml": None}
    for number, raw in enumerate(text.splitlines(), start=1):
        if state["ml"] or state["depth"] > 0:
            _scan_value(raw, state)
            continue
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            is_aot = line.startswith("[[")
            close = line.find("]]" if is_aot else "]", 2 if is_aot else 1)
            parts = _split_key(line[2 if is_aot else 1 : close]) if close != -1 else None
            if not parts:
                continue
            resolved: list = []
            for part in parts[:-1]:
                resolved.append(part)
                if tuple(resolved) in aot_counts:
                    resolved.append(aot_counts[tuple(resolved)] - 1)
            resolved.append(parts[-1])
            path = tuple(resolved)
            if is_aot:
                index = aot_counts.get(path, 0)
                aot_counts[path] = index + 1
                lines.setdefault(path, number)
                path = path + (index,)
            lines[path] = number
            current = path
            continue
        found = _key_before_equals(line)
        if not found:
            continue
        parts, after = found
        path = current + tuple(parts)
        lines[path] = number
        for k in range(len(parts) - 1):  # dotted keys define their intermediate tables
            lines.setdefault(current + tuple(parts[: k + 1]), number)
        _scan_value(line[after:], state)
        _inline_keys(line[after:], path, number, lines)
    return lines


def _inline_keys(value: str, path: Path, number: int, lines: dict[Path, int]) -> None:
    """Keys of a one-line inline table `{ a = 1, b = 2 }` get the line they are on."""
    value = value.strip()
    if not (value.startswith("{") and value.endswith("}")):
        return
    for m in re.finditer(r"(?:^|[{,])\s*([A-Za-z0-9_-]+)\s*=", value):
        lines.setdefault(path + (m.group(1),), number)


def line_of(lines: dict[Path, int], path: Path) -> int | None:
    """The line of `path`, or of its nearest written ancestor (a list item → its key's line)."""
    path = tuple(path)
    while path:
        if path in lines:
            return lines[path]
        path = path[:-1]
    return None


def deepest_line(text: str, limit: int) -> int | None:
    """The line (1-based) where arrays and inline tables first nest more than `limit` deep, or None.

    One pass without recursion, skipping strings and comments, so that it runs before `tomllib`
    (which recurses once per level and would fail with a RecursionError on deep text).
    """
    depth, line, i, n = 0, 1, 0, len(text)
    while i < n:
        c = text[i]
        if c == "\n":
            line += 1
        elif c == "#":
            end = text.find("\n", i)
            i = n if end == -1 else end
            continue
        elif c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                if c == '"' and text[j] == "\\":
                    j += 1
                elif len(quote) == 1 and text[j] == "\n":
                    break  # an unclosed one-line string: tomllib will say so
                j += 1
            line += text.count("\n", i, j)
            i = j + len(quote) if j < n and text.startswith(quote, j) else j
            continue
        elif c in "[{":
            depth += 1
            if depth > limit:
                return line
        elif c in "]}":
            depth = max(depth - 1, 0)
        i += 1
    return None


def long_key_line(text: str, limit: int) -> int | None:
    """The first line whose dotted key or table header has more than `limit` parts, or None."""
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("["):
            parts = _split_key(line.strip("[] \t").split("]", 1)[0])
        else:
            found = _key_before_equals(line)
            parts = found[0] if found else None
        if parts and len(parts) > limit:
            return number
    return None


def shown(key) -> str:
    """A key as it may appear in a one-line message (control characters escaped)."""
    key = str(key)
    return key if key.isprintable() else repr(key)


def display_path(path: tuple, data: dict) -> str:
    """A key path as a reader finds it in the file: `kpi sl-voice.target`, `scope.hours.mon`."""
    out: list[str] = []
    node: Any = data
    for part in path:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out[-1] = f"{out[-1]} {shown(ident)}" if isinstance(ident, str) and ident else f"{out[-1]} #{part + 1}"
            node = item
        else:
            out.append(shown(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)
