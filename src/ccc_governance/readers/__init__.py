"""Helpers for plugin authors: read platform exports in bounded memory (see docs/plugins.md).

- `jsonstream`: the JSON objects of a file (JSON Lines, arrays, objects back to back, an array
  under a wrapper key) with their line numbers, or a structural walk of one large document;
- `tabular`: tolerant CSV (header aliases, delimiter sniffing, BOM, booleans in English and
  French, decimal commas, local times with a time zone);
- `sniff`: `FormatCheck`, to refuse a file of the wrong format as a whole;
- `attributes`: survey marks carried in contact attributes, read leniently.
"""

from .attributes import attribute_flag, attribute_score
from .jsonstream import Broken, Item, JsonStream, JsonSyntaxError, iter_objects
from .sniff import FormatCheck
from .tabular import (
    FieldError,
    Row,
    Table,
    normalise,
    option_pairs,
    option_timezone,
    parse_bool,
    parse_channel,
    parse_count,
    parse_float,
    parse_int,
)

__all__ = [
    "Broken", "FieldError", "FormatCheck", "attribute_flag", "attribute_score", "Item", "JsonStream", "JsonSyntaxError", "Row", "Table",
    "iter_objects", "normalise", "option_pairs", "option_timezone", "parse_bool", "parse_channel", "parse_count", "parse_float", "parse_int",
]
