"""Text from files and users, made safe to show in a terminal.

A quarantined raw line, a breach note or a contract title is data: shown as is, an `ESC ] 0;… BEL`
in it would retitle the terminal, an `ESC [ 2 J` would clear the screen, a carriage return would
let a line overwrite the one before. Every text the CLI or the TUI shows that came from a file or a
user goes through `visible()` first. (Rich markup such as `[red]` is a second, separate danger of
the TUI and of rich tables: those call sites also apply `rich.markup.escape` after `visible`.)
"""

from __future__ import annotations

import re

__all__ = ["visible", "visible_json"]

# C0 controls (U+0000–U+001F, with TAB, LF, CR, BEL and ESC), DEL (U+007F), the C1 controls
# (U+0080–U+009F: U+009B is a one-character CSI on some terminals), the line and paragraph
# separators, and the bidirectional embeddings, overrides and isolates that reorder what a line
# appears to say ("Trojan source"). Other format characters (the zero-width joiner of emoji …) stay.
_UNSAFE = "\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_ONE_LINE = re.compile(f"[{_UNSAFE}]")
# Multi-line text keeps its line breaks and tabs (CRLF counts as one line break).
_MULTI_LINE = re.compile("[" + _UNSAFE.replace("\x00-\x1f", "\x00-\x08\x0b-\x1f") + "]")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _picture(match: re.Match) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: object, *, multiline: bool = False) -> str:
    """`text` with every control character written out as a Python-style escape, for display.

    The form is the one Python's `repr` uses: `\\t`, `\\n`, `\\r` for tab, line feed and carriage
    return, `\\xNN` for the other C0 controls, DEL and the C1 controls (ESC is `\\x1b`, BEL `\\x07`,
    CSI `\\x9b`), and `\\uNNNN` for U+2028/U+2029 and the bidirectional controls (U+202A–U+202E,
    U+2066–U+2069). Everything else, including non-Latin letters and emoji, is unchanged, so a
    clean text comes back as it was (the common case costs one regex search). A backslash already
    in the text is not doubled: the result is for eyes, not for parsing back.

    `multiline=True` is for texts shown on several lines by design (an audit report, minutes): line
    feeds and tabs stay, a CRLF becomes a plain line feed, a lone CR is still written `\\r`.
    `None` gives ""; any other non-string is shown through `str()`.
    """
    if text is None:
        return ""
    if not isinstance(text, str):
        text = str(text)
    if multiline:
        text = text.replace("\r\n", "\n")
        if _MULTI_LINE.search(text) is None:
            return text
        return _MULTI_LINE.sub(_picture, text)
    if _ONE_LINE.search(text) is None:
        return text
    return _ONE_LINE.sub(_picture, text)


# Inside JSON output, only string contents can hold these characters; `json.dumps` escapes C0 but,
# with ensure_ascii=False, leaves DEL, C1 and the rest raw.
_JSON_RAW = re.compile(f"[{_UNSAFE.replace(chr(0) + '-' + chr(0x1f), '')}]")


def visible_json(text: str) -> str:
    """JSON text (from `json.dumps(..., ensure_ascii=False)`) with DEL, C1, U+2028/2029 and the
    bidirectional controls written as `\\uNNNN` escapes: the same JSON value, safe on a terminal."""
    return _JSON_RAW.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
