"""Reading a CSV or JSON-lines file through a mapping: `ColumnBlock`s of parsed rows, and a
`Rejected` row for each row that cannot be read.

The reader only parses: each mapped column's cells become stored values with the field's parser
(`mapping.FieldRule`), `BLOCK` rows at a time, straight from the columns of the rows
(`zip(*rows)`). A row with a cell its parser refuses (or of the wrong width, or not CSV / JSON)
is rejected here, with its line and text; whether a parsed value is allowed is the host's to
judge, from the specification in `ccc_governance.records`.
"""

from __future__ import annotations

import codecs
import csv
import json
from itertools import islice
from pathlib import Path
from typing import Any, Callable, Iterator

from ccc_governance.blocks import ColumnBlock
from ccc_governance.errors import SourceError
from ccc_governance.readers import FormatCheck
from ccc_governance.records import Rejected
from ccc_governance.sources import ReadContext

from .mapping import PARSE_ERRORS, Mapping, load_mapping

#: Rows per block: blocks of 1,000 rows stay in the CPU's cache (10,000 made the same work 2-3x slower).
BLOCK = 1_000
_strip = str.strip


def _mapping_for(context: ReadContext) -> Mapping:
    options = dict(context.options)
    where = options.pop("mapping", None)
    if not where:
        raise SourceError(
            "the csv source needs a mapping file: --option mapping=PATH, or `mapping = \"PATH\"` "
            "under [sources.csv] in ccc.toml (format: plugins/ccc-csv/README.md)",
            file=str(context.path),
        )
    return load_mapping(context.resolve_path(where), options)


def read_csv(context: ReadContext) -> Iterator[Any]:
    """The `csv` source's reader: `ColumnBlock`s of the rows read, `Rejected` for the others, in file order."""
    mapping = _mapping_for(context)
    fmt = mapping.format
    if fmt is None:
        fmt = "jsonl" if context.path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
    if fmt == "jsonl":
        yield from _read_jsonl(context, mapping)
    else:
        yield from _read_delimited(context, mapping)


class _Parser:
    """The mapping's parsers applied to rows of cells; `index`: column name → place in a row."""

    def __init__(self, mapping: Mapping, index: dict[str, int]):
        self.kind, self.partial = mapping.kind, mapping.partial
        self.fields = tuple(rule.field for rule in mapping.rules)
        self.sid = index[mapping.source_id]
        self.rules = [(rule, None if rule.column is None else index[rule.column]) for rule in mapping.rules]

    def blocks(self, rows: list, lines: list, raw: Callable[[int], str]) -> Iterator[Any]:
        """`rows` (lists of cells, all as wide as the index says), their `lines`, `raw(i)` the text
        of row i: a `ColumnBlock` of the rows whose cells all parse, a `Rejected` row for each of the
        others (the reason of its first cell, in the mapping's order, that does not), in order."""
        n = len(rows)
        if not n:
            return
        cells = list(zip(*rows))
        columns = [list(map(_strip, cells[self.sid])), lines]
        bad: dict[int, str] = {}
        for rule, at in self.rules:
            if at is None:
                columns.append([rule.constant] * n)
                continue
            texts = list(map(_strip, cells[at]))
            parse = rule.parse
            empty = "" in texts  # an empty cell is "not known": None
            try:
                if parse is None:
                    values = [t or None for t in texts] if empty else texts
                elif empty:
                    values = [parse(t) if t else None for t in texts]
                else:
                    values = list(map(parse, texts))
            except PARSE_ERRORS:  # some cell does not parse: find which, cell by cell
                values = []
                for i, t in enumerate(texts):
                    try:
                        values.append(parse(t) if t else None)
                    except PARSE_ERRORS:
                        values.append(None)
                        if i not in bad:
                            bad[i] = rule.reason(t)
            columns.append(values)
        start = 0
        for i in sorted(bad):
            if i > start:
                yield self._block([c[start:i] for c in columns])
            yield Rejected(line=lines[i], reason=bad[i], raw=raw(i))
            start = i + 1
        if start < n:
            yield self._block(columns if not start else [c[start:] for c in columns])

    def _block(self, columns: list) -> ColumnBlock:
        return ColumnBlock(kind=self.kind, fields=self.fields, columns=columns, partial=self.partial)


def _not_text(path: Path, encoding: str) -> SourceError:
    """The one line for a file that is not text in `encoding`: the line of its first byte that
    is not, and how to say which encoding it is in (`--option encoding=…`, as the survey source).

    Text is decoded a block at a time, so the decoder's error says neither the line nor the
    place in the file: the file is read again, line by line, up to that byte."""
    decoder = codecs.getincrementaldecoder(encoding)()
    name = "UTF-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
    line, bad = None, None
    try:
        with open(path, "rb") as fh:
            for number, raw in enumerate(fh, start=1):
                try:
                    decoder.decode(raw)
                except UnicodeDecodeError as err:
                    line, bad = number, err.object[err.start:err.start + 1]
                    break
    except OSError:
        pass
    what = f"not {name} text" + (f" (byte 0x{bad.hex()})" if bad else "")
    return SourceError(f"{what}: pass --option encoding=cp1252 (or the file's encoding)", file=str(path), line=line)


def _read_delimited(context: ReadContext, mapping: Mapping) -> Iterator[Any]:
    path = context.path
    delimiter = "\t" if mapping.delimiter in ("\\t", "tab") else mapping.delimiter
    try:
        fh = open(path, newline="", encoding=mapping.encoding)
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    except LookupError:
        raise SourceError(f"encoding {mapping.encoding!r} is not an encoding Python knows "
                          "(utf-8, cp1252, latin-1 …)", file=str(path)) from None
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for _ in range(mapping.skip_rows):
                next(reader, None)
            header = next(reader, None)
        except UnicodeDecodeError:
            raise _not_text(path, mapping.encoding) from None
        except csv.Error as err:
            raise SourceError(f"the header cannot be read: {err}", file=str(path)) from None
        if not header:
            raise SourceError("the file is empty (no header row)", file=str(path))
        header = [h.strip() for h in header]
        index = {name: i for i, name in enumerate(header)}
        wanted = [mapping.source_id] + [r.column for r in mapping.rules if r.column is not None]
        missing = [c for c in wanted if c not in index]
        if missing:
            raise SourceError(
                f"column(s) {', '.join(map(repr, missing))} named in {mapping.path.name} are not in the header "
                f"(columns: {', '.join(header)})",
                file=str(path),
            )
        parser = _Parser(mapping, index)
        width = len(header)

        def rows_of(rows, lines):
            """A chunk of rows: runs of rows as wide as the header parsed, the others rejected."""
            if set(map(len, rows)) == {width}:
                yield from parser.blocks(rows, lines, lambda i: delimiter.join(rows[i]))
                return
            start = 0
            for i, row in enumerate(rows + [None]):
                if row is not None and len(row) == width:
                    continue
                run, run_lines = rows[start:i], lines[start:i]
                yield from parser.blocks(run, run_lines, lambda k: delimiter.join(run[k]))
                if row:  # an empty line is skipped
                    yield Rejected(line=lines[i], reason=f"row has {len(row)} fields, the header has {width}",
                                   raw=delimiter.join(row))
                start = i + 1

        buffer = fh.buffer
        while True:
            rows: list[list[str]] = []
            lines: list[int] = []
            add_row, add_line = rows.append, lines.append
            try:
                for row in islice(reader, BLOCK):
                    add_row(row)
                    add_line(reader.line_num)
            except csv.Error as err:
                yield from rows_of(rows, lines)
                yield Rejected(line=reader.line_num, reason=f"not valid CSV: {err}")
                continue
            except UnicodeDecodeError:
                raise _not_text(path, mapping.encoding) from None
            if not rows:
                break
            yield from rows_of(rows, lines)
            context.progress(buffer.tell())


def _lookup(obj: dict, column: str):
    if column in obj:
        return obj[column]
    value: Any = obj
    for part in column.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _cell(value) -> str:
    """A JSON value as the text of a cell (a number as Python writes it, null as empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return str(value)


def _read_jsonl(context: ReadContext, mapping: Mapping) -> Iterator[Any]:
    """One row per JSON object line, its cells the mapping's keys. A file in which none of the
    first lines (or none at all) is a JSON object with the mapping's source id is refused whole
    (`FormatCheck`): it is not what the mapping describes (a JSON array, a platform's wrapped
    export, a CSV named .json …), and quarantining every line of it helps nobody."""
    path = context.path
    wanted = list(dict.fromkeys([mapping.source_id] + [r.column for r in mapping.rules if r.column is not None]))
    parser = _Parser(mapping, {column: i for i, column in enumerate(wanted)})
    check = FormatCheck(str(path), "JSON lines (one JSON object per line)", "")
    try:
        fh = open(path, "rb")
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    rows: list[list[str]] = []
    lines: list[int] = []
    texts: list[str] = []

    def flush():
        nonlocal rows, lines, texts
        if rows:
            yield from parser.blocks(rows, lines, texts.__getitem__)
            rows, lines, texts = [], [], []  # new lists: a block yielded keeps its `lines`
            context.progress(fh.tell())

    count = 0
    with fh:
        for line_no, data in enumerate(fh, start=1):
            text = data.decode(mapping.encoding, errors="replace").strip()
            if not text:
                continue
            count += 1
            if not check.ok and count > check.limit:
                check.refuse(f"and none of the first {check.limit} lines is a JSON object with {mapping.source_id!r}")
            try:
                obj = json.loads(text)
                reason = None if isinstance(obj, dict) else "a JSON-lines row must be an object"
            except json.JSONDecodeError as err:
                reason = f"not valid JSON: {err.msg} (column {err.colno})"
            if reason is not None:
                check.unreadable(line_no, text)
                yield from flush()
                yield Rejected(line=line_no, reason=reason, raw=text)
                continue
            row = [_cell(_lookup(obj, column)) for column in wanted]
            if row[0]:
                check.recognised()
            else:
                check.unreadable(line_no, text)
            rows.append(row)
            lines.append(line_no)
            texts.append(text)
            if len(rows) >= BLOCK:
                yield from flush()
        yield from flush()
    if not check.ok and check.first_bad is not None:
        check.refuse(f"and no line of it is a JSON object with {mapping.source_id!r}")


def example_mapping_path() -> Path:
    """The mapping used in this package's README and tests (contacts from a generic CSV)."""
    return Path(__file__).with_name("example_mapping.toml")
