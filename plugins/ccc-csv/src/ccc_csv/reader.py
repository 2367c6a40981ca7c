"""Reading a CSV or JSON-lines file through a mapping: one record (or `Rejected`) per row."""

from __future__ import annotations

import codecs
import csv
import json
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, Iterator

import attrs

from ccc_governance.errors import SourceError
from ccc_governance.store.fastrows import separate_process
from ccc_governance.sources import ReadContext

from .mapping import Mapping, RowError, load_mapping

PROGRESS_EVERY = 10_000
BLOCK = 1_000  # rows per block on the fast path (small blocks stay in the CPU's cache)


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


@separate_process
def read_csv(context: ReadContext) -> Iterator[Any]:
    """The `csv` source's reader: yields one record per row, `Rejected` for a row that cannot be read."""
    mapping = _mapping_for(context)
    fmt = mapping.format
    if fmt is None:
        fmt = "jsonl" if context.path.suffix.lower() in (".jsonl", ".ndjson", ".json") else "csv"
    if fmt == "jsonl":
        yield from _read_jsonl(context, mapping)
    else:
        yield from _read_delimited(context, mapping)


def _builder(mapping: Mapping):
    """A function (getter, line, raw) -> record or Rejected, with the mapping compiled in."""
    cls = mapping.cls
    rules = [(r.field, r.column, r.convert, r.constant) for r in mapping.rules]
    filler = {}
    if mapping.partial:
        filler = {f.name: None for f in attrs.fields(cls) if f.default is attrs.NOTHING and f.name != "source_id"}
    partial_field = mapping.partial and "partial" in attrs.fields_dict(cls)
    sid_column = mapping.source_id

    def build(get, line: int, raw):
        try:
            sid = get(sid_column)
            if sid in (None, ""):
                raise RowError(f"column {sid_column!r} (source id) is empty")
            kwargs = dict(filler)
            for field, column, convert, constant in rules:
                if column is None:
                    kwargs[field] = constant
                    continue
                value = get(column)
                if value is None or value == "":
                    kwargs[field] = None
                elif isinstance(value, str):
                    kwargs[field] = convert(value.strip())
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    kwargs[field] = convert(repr(value))
                else:
                    kwargs[field] = convert(str(value))
            if partial_field:
                kwargs["partial"] = True
            return cls(source_id=str(sid), line=line, **kwargs)
        except RowError as err:
            return _rejected(line, str(err), raw(), None)
        except (TypeError, ValueError) as err:
            return _rejected(line, f"cannot build a {mapping.kind} record: {err}", raw(), None)

    return build


def _csv_builder(mapping: Mapping, index: dict[str, int]):
    """`_builder` specialised for delimited rows (lists of strings): the hot loop of big imports."""
    cls = mapping.cls
    rules = [(r.field, None if r.column is None else index[r.column], r.convert, r.constant) for r in mapping.rules]
    base = {}
    if mapping.partial:
        base = {f.name: None for f in attrs.fields(cls) if f.default is attrs.NOTHING and f.name != "source_id"}
        if "partial" in attrs.fields_dict(cls):
            base["partial"] = True
    sid_index = index[mapping.source_id]
    sid_column = mapping.source_id

    def build(row: list[str], line: int, raw):
        sid = row[sid_index].strip()
        if not sid:
            return _rejected(line, f"column {sid_column!r} (source id) is empty", raw(), None)
        kwargs = dict(base)
        try:
            for field, idx, convert, constant in rules:
                if idx is None:
                    kwargs[field] = constant
                else:
                    value = row[idx].strip()
                    kwargs[field] = convert(value) if value else None
            return cls(source_id=sid, line=line, **kwargs)
        except RowError as err:
            return _rejected(line, str(err), raw(), None)
        except (TypeError, ValueError) as err:
            return _rejected(line, f"cannot build a {mapping.kind} record: {err}", raw(), None)

    return build


def _instant_ms(dt) -> int:
    """An aware datetime as the host stores it (epoch ms); raises for a naive one."""
    if dt.utcoffset() is None:
        raise ValueError("naive datetime")
    return round(dt.timestamp() * 1000)


def _stored_constant(value, field) -> tuple[bool, Any]:
    """A mapping's constant as the fast path stores it: `(plain, value)`, `plain` False when it is
    not a plain value (the fast path is then not taken)."""
    if value is not None and not isinstance(value, (str, int, float, bool)):
        return False, None
    if field.converter is not None and value is not None:
        value = field.converter(value)
    return True, value


def _fast_builder(mapping: Mapping, index: dict[str, int]):
    """One generated function per file: csv row (list of str) → the store's row tuple for a
    `RowBlock`, or None when the row must be built the ordinary way (`_csv_builder`). Used for
    the rows of a block that cannot go column by column (`_column_builder`).

    Returns `(fields, function)`, or None when the mapping has a field the fast path does not
    convert (lists of instants, constants that are not plain values). Text, value maps and
    numbers are written inline; timestamps go through the mapping's parser.
    """
    if mapping.partial and "partial" not in attrs.fields_dict(mapping.cls):
        return None
    fields = []
    namespace: dict[str, Any] = {}
    body = [
        "def fast(row, line):",
        "    try:",
        f"        sid = row[{index[mapping.source_id]}].strip()",
        "        if not sid:",
        "            return None",
    ]
    record_fields = attrs.fields_dict(mapping.cls)
    for k, rule in enumerate(mapping.rules):
        if rule.fast is None:
            return None
        tag, payload = rule.fast[0], rule.fast[1] if len(rule.fast) > 1 else None
        v = f"v{k}"
        fields.append(rule.field)
        if tag == "const":
            plain, namespace[f"c{k}"] = _stored_constant(payload, record_fields[rule.field])
            if not plain:
                return None
            body.append(f"        {v} = c{k}")
            continue
        body.append(f"        t = row[{index[rule.column]}].strip()")
        body.append("        if not t:")
        body.append(f"            {v} = None")
        if tag == "str":
            body.append("        else:")
            body.append(f"            {v} = t")
        elif tag == "map":
            namespace[f"m{k}"] = payload
            body.append("        else:")
            body.append(f"            {v} = m{k}[t]")
        elif tag == "float":
            body.append("        else:")
            body.append(f"            {v} = float(t)")
        elif tag == "fn":
            namespace[f"f{k}"] = payload
            body.append("        else:")
            body.append(f"            {v} = f{k}(t)")
        elif tag == "ts":
            namespace[f"p{k}"] = rule.fast[1]
            namespace["_ms"] = _instant_ms
            body.append("        else:")
            body.append(f"            {v} = _ms(p{k}(t))")
        else:
            return None
    body.append(f"        return (sid, line, {''.join(f'v{k}, ' for k in range(len(fields)))})")
    body.append("    except Exception:")
    body.append("        return None")
    from ccc_governance.store import fastrows

    if not fastrows.supports(mapping.kind, tuple(fields), mapping.partial):
        return None
    exec("\n".join(body), namespace)  # noqa: S102 - generated from the mapping's field names only
    return tuple(fields), namespace["fast"]


def _iso_column(zone):
    """`convert(texts) -> epoch ms list` for ISO timestamps (stripped, not empty): what the
    mapping's ISO parser and `_instant_ms` give, a column at a time (naive times take `zone`;
    raises for a naive time when there is none, or for a text that is not ISO 8601)."""
    iso, offset = datetime.fromisoformat, datetime.utcoffset

    def convert(texts):
        times = list(map(iso, texts))
        if zone is None:
            if None in set(map(offset, times)):
                raise ValueError("naive datetime")
        else:
            times = [t if t.tzinfo is not None else t.replace(tzinfo=zone) for t in times]
        return [round(t.timestamp() * 1000) for t in times]

    return convert


def _column_builder(mapping: Mapping, index: dict[str, int]):
    """`_fast_builder` column by column: one generated function per file, `(columns of a block
    of csv rows) -> [source ids, values of each field …]` in the fields' order, that raises
    (anything) when some value is not for the fast path: the block is then read row by row."""
    if mapping.partial and "partial" not in attrs.fields_dict(mapping.cls):
        return None
    record_fields = attrs.fields_dict(mapping.cls)
    namespace: dict[str, Any] = {"_strip": str.strip}
    body = [
        "def columns(cols):",
        f"    out = [list(map(_strip, cols[{index[mapping.source_id]}]))]",
        "    n = len(out[0])",
    ]
    for k, rule in enumerate(mapping.rules):
        if rule.fast is None:
            return None
        tag, payload = rule.fast[0], rule.fast[1] if len(rule.fast) > 1 else None
        if tag == "const":
            plain, namespace[f"c{k}"] = _stored_constant(payload, record_fields[rule.field])
            if not plain:
                return None
            body.append(f"    out.append([c{k}] * n)")
            continue
        col = f"map(_strip, cols[{index[rule.column]}])"
        if tag == "str":
            body.append(f"    out.append([t or None for t in {col}])")
        elif tag == "map":
            namespace[f"m{k}"] = payload
            body.append(f"    out.append([m{k}[t] if t else None for t in {col}])")
        elif tag == "float":
            body.append(f"    out.append([float(t) if t else None for t in {col}])")
        elif tag == "fn":
            namespace[f"f{k}"] = payload
            body.append(f"    out.append([f{k}(t) if t else None for t in {col}])")
        elif tag == "ts":
            parser, is_iso = rule.fast[1], rule.fast[2]
            if is_iso and len(rule.fast) > 3:
                namespace[f"g{k}"] = _iso_column(rule.fast[3])
                body.append(f"    t = list({col})")
                body.append("    if '' in t:  # empty cells: None, the others converted")
                body.append(f"        it = iter(g{k}(list(filter(None, t))))")
                body.append("        out.append([next(it) if x else None for x in t])")
                body.append("    else:")
                body.append(f"        out.append(g{k}(t))")
            else:
                namespace[f"p{k}"] = parser
                namespace["_ms"] = _instant_ms
                body.append(f"    out.append([_ms(p{k}(t)) if t else None for t in {col}])")
        else:
            return None
    body.append("    return out")
    exec("\n".join(body), namespace)  # noqa: S102 - generated from the mapping's field names only
    return namespace["columns"]


def _rejected(line, reason, raw, source_id):
    from ccc_governance.records import Rejected

    return Rejected(line=line, reason=reason, raw=raw, source_id=source_id)


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
        build = _csv_builder(mapping, index)
        width = len(header)
        fast = _fast_builder(mapping, index)
        if fast is not None:
            yield from _read_delimited_fast(context, mapping, reader, fh, build, width, delimiter, *fast,
                                            _column_builder(mapping, index))
            return
        row: list[str] = []

        def raw():
            return delimiter.join(row)

        count = 0
        buffer = fh.buffer
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                yield _rejected(reader.line_num, f"not valid CSV: {err}", None, None)
                continue
            except UnicodeDecodeError:
                raise _not_text(path, mapping.encoding) from None
            line = reader.line_num
            if not row:
                continue
            if len(row) != width:
                yield _rejected(line, f"row has {len(row)} fields, the header has {width}", raw(), None)
                continue
            yield build(row, line, raw)
            count += 1
            if count % PROGRESS_EVERY == 0:
                context.progress(buffer.tell())


def _read_delimited_fast(context, mapping, reader, fh, build, width, delimiter, fields, fast, columns_of):
    """`_read_delimited`'s loop on the fast path. Rows are read `BLOCK` at a time; a block of
    clean rows is converted column by column (`columns_of`, `_column_builder`) and goes out as
    one `ColumnBlock`; a block with something odd in it (a row of another width, a value the fast
    path does not convert, a line that is not CSV) is read row by row: clean rows in `RowBlock`s,
    in order with the `Rejected` rows and ordinary records of the others."""
    from ccc_governance.store.fastrows import ColumnBlock, RowBlock

    path = context.path
    buffer = fh.buffer
    partial = mapping.partial
    kind = mapping.kind

    def fallback_of(rows, lines):
        def fallback(i):
            row = rows[i]
            return build(row, lines[i], lambda: delimiter.join(row))

        return fallback

    def row_by_row(rows, lines):
        out, kept, kept_lines = [], [], []
        for row, line in zip(rows, lines):
            if len(row) == width:
                values = fast(row, line)
                if values is not None:
                    out.append(values)
                    kept.append(row)
                    kept_lines.append(line)
                    continue
            if out:
                yield RowBlock(kind=kind, fields=fields, rows=out, fallback=fallback_of(kept, kept_lines),
                               partial=partial)
                out, kept, kept_lines = [], [], []
            if len(row) == width:
                yield build(row, line, lambda row=row: delimiter.join(row))
            elif row:
                yield _rejected(line, f"row has {len(row)} fields, the header has {width}", delimiter.join(row), None)
        if out:
            yield RowBlock(kind=kind, fields=fields, rows=out, fallback=fallback_of(kept, kept_lines), partial=partial)

    while True:
        rows: list[list[str]] = []
        lines: list[int] = []
        add_row, add_line = rows.append, lines.append
        try:
            for row in islice(reader, BLOCK):
                add_row(row)
                add_line(reader.line_num)
        except csv.Error as err:
            yield from row_by_row(rows, lines)
            yield _rejected(reader.line_num, f"not valid CSV: {err}", None, None)
            continue
        except UnicodeDecodeError:
            raise _not_text(path, mapping.encoding) from None
        if not rows:
            break
        columns = None
        if columns_of is not None and set(map(len, rows)) == {width}:
            try:
                columns = columns_of(list(zip(*rows)))
            except Exception:  # noqa: BLE001 - some value is not for the fast path: row by row
                columns = None
        if columns is None:
            yield from row_by_row(rows, lines)
        else:
            columns.insert(1, lines)
            yield ColumnBlock(kind=kind, fields=fields, columns=columns, fallback=fallback_of(rows, lines),
                              partial=partial)
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


def _read_jsonl(context: ReadContext, mapping: Mapping) -> Iterator[Any]:
    """One record per JSON object line. A file in which none of the first lines (or none at all)
    is a JSON object with the mapping's source id is refused whole (`FormatCheck`): it is not
    what the mapping describes (a JSON array, a platform's wrapped export, a CSV named .json …),
    and quarantining every line of it helps nobody."""
    from ccc_governance.readers import FormatCheck

    path = context.path
    build = _builder(mapping)
    check = FormatCheck(str(path), "JSON lines (one JSON object per line)", "")
    try:
        fh = open(path, "rb")
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    lines = 0
    with fh:
        for line_no, data in enumerate(fh, start=1):
            text = data.decode(mapping.encoding, errors="replace").strip()
            if not text:
                continue
            lines += 1
            if not check.ok and lines > check.limit:
                check.refuse(f"and none of the first {check.limit} lines is a JSON object with {mapping.source_id!r}")
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as err:
                check.unreadable(line_no, text)
                yield _rejected(line_no, f"not valid JSON: {err.msg} (column {err.colno})", text, None)
                continue
            if not isinstance(obj, dict):
                check.unreadable(line_no, text)
                yield _rejected(line_no, "a JSON-lines row must be an object", text, None)
                continue
            if _lookup(obj, mapping.source_id) not in (None, ""):
                check.recognised()
            else:
                check.unreadable(line_no, text)
            yield build(lambda column, obj=obj: _lookup(obj, column), line_no, lambda text=text: text)
            if line_no % PROGRESS_EVERY == 0:
                context.progress(fh.tell())
    if not check.ok and check.first_bad is not None:
        check.refuse(f"and no line of it is a JSON object with {mapping.source_id!r}")


def example_mapping_path() -> Path:
    """The mapping used in this package's README and tests (contacts from a generic CSV)."""
    return Path(__file__).with_name("example_mapping.toml")
