"""Reading a CSV or JSON-lines file through a mapping: one record (or `Rejected`) per row."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any, Iterator

import attrs

from ccc_governance.errors import SourceError
from ccc_governance.sources import ReadContext

from .mapping import Mapping, RowError, load_mapping

PROGRESS_EVERY = 10_000


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


def _rejected(line, reason, raw, source_id):
    from ccc_governance.records import Rejected

    return Rejected(line=line, reason=reason, raw=raw, source_id=source_id)


def _read_delimited(context: ReadContext, mapping: Mapping) -> Iterator[Any]:
    path = context.path
    delimiter = "\t" if mapping.delimiter in ("\\t", "tab") else mapping.delimiter
    try:
        fh = open(path, newline="", encoding=mapping.encoding)
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    with fh:
        reader = csv.reader(fh, delimiter=delimiter)
        try:
            for _ in range(mapping.skip_rows):
                next(reader, None)
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as err:
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
            except UnicodeDecodeError as err:
                raise SourceError(f"not {mapping.encoding} text near byte {err.start}: set encoding in the mapping",
                                  file=str(path)) from None
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
    path = context.path
    build = _builder(mapping)
    try:
        fh = open(path, "rb")
    except OSError as err:
        raise SourceError(f"cannot be read: {err.strerror}", file=str(path)) from None
    with fh:
        for line_no, data in enumerate(fh, start=1):
            text = data.decode(mapping.encoding, errors="replace").strip()
            if not text:
                continue
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as err:
                yield _rejected(line_no, f"not valid JSON: {err.msg} (column {err.colno})", text, None)
                continue
            if not isinstance(obj, dict):
                yield _rejected(line_no, "a JSON-lines row must be an object", text, None)
                continue
            yield build(lambda column, obj=obj: _lookup(obj, column), line_no, lambda text=text: text)
            if line_no % PROGRESS_EVERY == 0:
                context.progress(fh.tell())


def example_mapping_path() -> Path:
    """The mapping used in this package's README and tests (contacts from a generic CSV)."""
    return Path(__file__).with_name("example_mapping.toml")
