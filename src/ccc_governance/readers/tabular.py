"""Tolerant reading of the CSV files a contact centre sends by e-mail every month.

Used by the complaints-csv, survey-csv and vendor-report plugins; a plugin declares its columns
(canonical name → aliases), iterates `Table(path, options, columns, required).rows()` and reads each
cell with `Row.text`, `Row.get(column, parse_…)` or `Row.instant`.

What it tolerates, because real files do all of it:
- header names in any case, with spaces, dashes or dots instead of underscores, and aliases
  (`Date received` for `received_at`); columns it does not know are ignored;
- `,` `;` tab or `|` as delimiter: `--option delimiter=;`, else detected with `csv.Sniffer`;
- UTF-8 with or without a byte-order mark (`--option encoding=cp1252` for other encodings);
- ISO 8601 date-times with `T` or a space, with or without seconds and fractions, with an offset or
  `Z`; naive ones are local times of `--option timezone=Europe/Paris` and are refused without it;
  `--option datetime_format=%d/%m/%Y %H:%M` reads other layouts;
- yes/no, true/false, oui/non, y/n, 1/0 (any case) for booleans; a decimal comma in numbers.

A problem in one row quarantines that row with its line and the column at fault; a problem with the
file as a whole (no header, a missing required column) raises `SourceError` and imports nothing.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ccc_governance.errors import SourceError

DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "|": "|", "comma": ",", "semicolon": ";", "pipe": "|"}
TRUE = {"yes", "y", "true", "t", "1", "oui", "o", "vrai", "ja", "si", "sí", "x"}
FALSE = {"no", "n", "false", "f", "0", "non", "faux", "nein"}


class FieldError(ValueError):
    """A value that cannot be read; the row is quarantined with this reason."""


def normalise(name: str) -> str:
    """A header or alias in comparable form: `Date Received` → `date_received`."""
    return re.sub(r"[\s_\-./()]+", "_", name.strip().lower()).strip("_")


def option_timezone(options: dict[str, Any], path: Path) -> ZoneInfo | None:
    """The `timezone` option as a `ZoneInfo` (None when not given); an unknown name is a `SourceError`."""
    name = str(options.get("timezone") or "").strip()
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SourceError(f"option timezone={name!r} is not a time zone name (e.g. Europe/Paris)",
                          file=str(path)) from None


def option_pairs(value: Any, name: str, path: Path, example: str) -> dict[str, str]:
    """An option that maps names to names (`groups`, `channels`): a TOML table from the workspace, or
    `a=b,c=d` text from `--option`, as a dict of strings. Text that is not KEY=VALUE is a `SourceError`
    quoting `example` (e.g. `360001=billing-email`)."""
    if value is None or value == "":
        return {}
    if isinstance(value, dict):
        return {str(k).strip(): str(v).strip() for k, v in value.items()}
    pairs = {}
    for item in str(value).split(","):
        key, sep, val = item.partition("=")
        if not sep or not key.strip():
            raise SourceError(f"option {name}: {item.strip()!r} is not KEY=VALUE (write e.g. {example})",
                              file=str(path))
        pairs[key.strip()] = val.strip()
    return pairs


class Row:
    """One data row: `line` (1-based, where the record starts), `values` by canonical column name."""

    def __init__(self, line: int, values: dict[str, str | None], raw: str, table: "Table",
                 error: str | None = None):
        self.line = line
        self.values = values
        self.raw = raw
        self.error = error  # set when the row as a whole is malformed (wrong number of fields)
        self._table = table

    def text(self, column: str, *, required: bool = False) -> str | None:
        """The cell as stripped text; empty is None (a `FieldError` when `required`)."""
        value = self.values.get(column)
        if value is None and required:
            raise FieldError(f"{self._table.header_of(column)} is empty")
        return value

    def get(self, column: str, parse: Callable[[str], Any], *, required: bool = False) -> Any:
        """The cell read by `parse`; its errors name the column as the file writes it."""
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse(value)
        except FieldError as err:
            raise FieldError(f"{self._table.header_of(column)} {value!r}: {err}") from None

    def instant(self, column: str, *, required: bool = False, tz: ZoneInfo | None = None) -> datetime | None:
        """The cell as an aware datetime (see `Table.parse_instant`)."""
        return self.get(column, lambda v: self._table.parse_instant(v, tz), required=required)


class Table:
    """A streaming CSV reader with canonical column names.

    `columns` maps each canonical name to its aliases; `required` lists those that must be present.
    """

    def __init__(self, path: Path, options: dict[str, Any], columns: dict[str, tuple[str, ...]],
                 required: tuple[str, ...] = (), *, progress: Callable[[int], None] | None = None):
        self.path = Path(path)
        self.options = options
        self.columns = columns
        self.required = required
        self.progress = progress or (lambda n: None)
        self.tz = option_timezone(options, self.path)
        self.datetime_format = str(options.get("datetime_format") or "").strip() or None
        self.encoding = str(options.get("encoding") or "utf-8-sig")
        self.delimiter = self._delimiter_option()
        self.headers: dict[str, str] = {}  # canonical name → header as written in the file
        self.header_line = 1

    def _delimiter_option(self) -> str | None:
        value = self.options.get("delimiter")
        if value is None or value == "":
            return None
        key = str(value) if str(value) in DELIMITERS else str(value).strip().lower()
        if key not in DELIMITERS:
            raise SourceError(f"option delimiter={value!r} is not one of , ; tab |", file=str(self.path))
        return DELIMITERS[key]

    def header_of(self, column: str) -> str:
        return self.headers.get(column, column)

    def has(self, column: str) -> bool:
        return column in self.headers

    # -- values -----------------------------------------------------------------------------
    def parse_instant(self, text: str, tz: ZoneInfo | None = None) -> datetime:
        """An ISO 8601 date-time (or `datetime_format`); a naive one is local time in `tz`/the option.

        A date alone is local midnight. Ambiguous local times (the repeated hour in autumn) are read
        as the first occurrence; local times that do not exist (the skipped spring hour) are refused.
        """
        text = text.strip()
        try:
            if self.datetime_format:
                dt = datetime.strptime(text, self.datetime_format)
            elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
                dt = datetime.combine(date.fromisoformat(text), datetime.min.time())
            else:
                dt = datetime.fromisoformat(re.sub(r"\s+([+-]\d{2}:?\d{2}|Z)$", r"\1", text))
        except ValueError:
            expected = self.datetime_format or "an ISO 8601 date-time such as 2026-10-05T09:30:00+02:00"
            raise FieldError(f"is not a date-time (expected {expected})") from None
        if dt.tzinfo is not None:
            return dt
        zone = tz or self.tz
        if zone is None:
            raise FieldError("has no UTC offset: write one (2026-10-05T09:30:00+02:00) "
                             "or pass --option timezone=Europe/Paris")
        utc = dt.replace(tzinfo=zone).astimezone(timezone.utc)
        if utc.astimezone(zone).replace(tzinfo=None) != dt:
            raise FieldError(f"does not exist in {zone.key} (the clocks went forward)")
        # In UTC: an ambiguous local time in its zone compares unequal to everything (PEP 495).
        return utc

    # -- rows -------------------------------------------------------------------------------
    def _open(self):
        try:
            return open(self.path, encoding=self.encoding, newline="")
        except LookupError:
            raise SourceError(f"option encoding={self.encoding!r} is not an encoding Python knows",
                              file=str(self.path)) from None

    def _sniff(self, sample: str) -> str:
        try:
            return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
        except csv.Error:
            # Sniffer gives up on short or irregular files: the header line decides.
            first = sample.splitlines()[0] if sample else ""
            return max(",;\t|", key=first.count) if any(c in first for c in ",;\t|") else ","

    def rows(self) -> Iterator[Row]:
        """Yield each non-empty data row; raise `SourceError` for a file that cannot be read at all."""
        try:
            with self._open() as fh:
                yield from self._rows(fh)
        except UnicodeDecodeError as err:
            raise SourceError(f"the file is not {self.encoding} text ({err.reason}); "
                              "pass --option encoding=cp1252 (or the file's encoding)", file=str(self.path)) from None
        except csv.Error as err:
            raise SourceError(f"the CSV cannot be read: {err}", file=str(self.path)) from None

    def _rows(self, fh) -> Iterator[Row]:
        delimiter = self.delimiter
        if delimiter is None:
            sample = fh.read(65536)
            fh.seek(0)
            delimiter = self._sniff(sample.lstrip("\ufeff"))
        reader = csv.reader(fh, delimiter=delimiter)
        header = None
        for header in reader:
            if any(cell.strip() for cell in header):
                break
        else:
            header = None
        if header is None:
            raise SourceError("the file is empty (expected a header line naming the columns)", file=str(self.path))
        self.header_line = reader.line_num
        if header:
            header[0] = header[0].lstrip("\ufeff")
        positions = self._map_header(header)
        width = len(header)
        last = reader.line_num
        count = 0
        for fields in reader:
            line = last + 1
            last = reader.line_num
            count += 1
            if count % 1000 == 0:
                # The byte stream's position: the text file's own tell() raises while csv iterates it.
                self.progress(fh.buffer.tell() if fh.seekable() else 0)
            if not any(f.strip() for f in fields):
                continue
            raw = delimiter.join(fields)
            if len(fields) != width:
                yield Row(line, {}, raw, self, error=f"has {len(fields)} fields, the header has {width}")
                continue
            values = {}
            for column, index in positions.items():
                cell = fields[index].strip()
                values[column] = cell or None
            yield Row(line, values, raw, self)

    def _map_header(self, header: list[str]) -> dict[str, int]:
        lookup = {}
        for canonical, aliases in self.columns.items():
            for name in (canonical, *aliases):
                lookup[normalise(name)] = canonical
        positions: dict[str, int] = {}
        for index, name in enumerate(header):
            canonical = lookup.get(normalise(name))
            if canonical is None:
                continue
            if canonical in positions:
                raise SourceError(f"columns {self.headers[canonical]!r} and {name.strip()!r} both mean {canonical}",
                                  file=str(self.path), line=self.header_line)
            positions[canonical] = index
            self.headers[canonical] = name.strip()
        missing = [c for c in self.required if c not in positions]
        if missing:
            names = ", ".join(missing)
            aliases = "; ".join(f"{c}: {', '.join(self.columns[c])}" for c in missing if self.columns[c])
            hint = f" (also accepted: {aliases})" if aliases else ""
            raise SourceError(f"missing required column{'s' if len(missing) > 1 else ''} {names}{hint}",
                              file=str(self.path), line=self.header_line)
        return positions


# -- value parsers (raise FieldError with a short reason) ---------------------------------------
def parse_bool(text: str) -> bool:
    """yes/no, true/false, oui/non, y/n, 1/0 … in any case."""
    value = text.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise FieldError("is not yes/no (or true/false, oui/non, 1/0)")


def parse_float(text: str) -> float:
    """A number; a decimal comma (`4,5`) and a trailing `%` (read as a fraction) are accepted."""
    value = text.strip().replace("\u00a0", "").replace(" ", "")
    percent = value.endswith("%")
    if percent:
        value = value[:-1]
    if "," in value and "." not in value and value.count(",") == 1:
        value = value.replace(",", ".")
    try:
        number = float(value)
    except ValueError:
        raise FieldError("is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("is not a number")
    return number / 100 if percent else number


def parse_int(text: str) -> int:
    """A whole number (`12` or `12.0`)."""
    number = parse_float(text)
    if not float(number).is_integer():
        raise FieldError("is not a whole number")
    return int(number)


def parse_count(text: str) -> int:
    """A whole number ≥ 0."""
    number = parse_int(text)
    if number < 0:
        raise FieldError("is negative")
    return number


#: Channel words found in CCC files → ccc channel names; other words are kept as written (lower case).
CHANNEL_WORDS = {
    "voice": "voice", "phone": "voice", "telephone": "voice", "téléphone": "voice", "call": "voice", "tel": "voice",
    "email": "email", "e-mail": "email", "mail": "email", "courriel": "email", "web": "email", "webform": "email",
    "web form": "email", "web_form": "email",
    "chat": "chat", "webchat": "chat", "live chat": "chat", "messaging": "chat", "whatsapp": "chat",
    "social": "social", "twitter": "social", "facebook": "social", "instagram": "social",
    "sms": "sms", "text": "sms", "video": "video",
}


def parse_channel(text: str) -> str:
    """A channel word (`Phone`, `E-mail`, `Webchat` …) as a ccc channel name; unknown words are kept."""
    value = text.strip().lower()
    return CHANNEL_WORDS.get(value, value)
