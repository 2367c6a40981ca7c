"""Customer privacy (ISO 18295-1 §4.5): customer identifiers are pseudonymised, never stored in clear.

- `customer_key(key, identifier)`: a keyed BLAKE2b hash of the normalised identifier. The key is
  the workspace's `pseudonymisation_key`, so the same phone number gives the same key inside one
  workspace (repeat contacts can be counted) and an unrelated key anywhere else.
- `mask(text)`: phone numbers and e-mail addresses in free text (quarantined raw rows) replaced by
  `<phone>` / `<email>`, so that nothing in clear reaches the database even for a broken row.
"""

from __future__ import annotations

import hashlib
import re

_EMAIL = re.compile(r"(?:mailto:)?[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# A run of 8 to 15 digits (optionally +/00 prefixed, with the usual separators), not glued to a
# word or a decimal point (so UUID pieces and `1790963706.7432` call ids are left alone).
_PHONE = re.compile(r"(?:(?:tel|sip):)?(?<![\w.\-])(?:\+|00)?\d(?:[ ().\-]?\d){7,14}(?!-?\w)(?!\.\d)")
_SEPARATORS = re.compile(r"[\s().\-/]")
_PHONE_LIKE = re.compile(r"^\+?\d{4,}$")
_PREFIXES = ("tel:", "sip:", "mailto:")


def normalise_identifier(identifier: str) -> str:
    """The canonical form hashed by `customer_key`.

    E-mail addresses are lower-cased (`mailto:` dropped); phone numbers keep their digits and a
    leading `+` (`tel:`/`sip:` prefixes, spaces, dots, dashes and brackets dropped, `00` read as
    `+`); anything else (an account id) is kept as written, without surrounding blanks.
    """
    text = str(identifier).strip()
    lower = text.lower()
    for prefix in _PREFIXES:
        if lower.startswith(prefix):
            text = text[len(prefix):].strip()
            lower = text.lower()
    if "@" in text:
        return lower
    compact = _SEPARATORS.sub("", text)
    if _PHONE_LIKE.match(compact):
        if compact.startswith("00"):
            compact = "+" + compact[2:]
        return compact
    return text


def customer_key(key: bytes, identifier: str | None) -> str | None:
    """Keyed BLAKE2b-128 (hex) of the normalised `identifier`; None or blank gives None."""
    if identifier is None:
        return None
    normal = normalise_identifier(identifier)
    if not normal:
        return None
    if len(key) > 64:  # BLAKE2b keys are at most 64 bytes
        key = hashlib.blake2b(key, digest_size=64).digest()
    return hashlib.blake2b(normal.encode("utf-8"), key=key, digest_size=16).hexdigest()


def customer_hasher(key: bytes):
    """`customer_key` with `key` bound, for a million rows: `hasher(identifier) -> str | None`.

    `hasher.column(identifiers)` hashes a whole column (the fast path's blocks).

    Same result as `customer_key(key, identifier)`, about twice as fast: the keyed BLAKE2b state
    is made once and `.copy()`-ed, and a phone number already in canonical form (`+` and digits,
    or digits not starting with `00`, possibly after `tel:`) skips the general normalisation, as
    does an e-mail address in `column` (lower-cased). (A cache of recent identifiers was measured:
    it only helps while the distinct callers fit in it, and a bounded one misses on every row when
    they do not.)
    """
    if len(key) > 64:
        key = hashlib.blake2b(key, digest_size=64).digest()
    copy = hashlib.blake2b(key=key, digest_size=16).copy

    def hasher(identifier):
        if identifier is None:
            return None
        text = identifier if type(identifier) is str else str(identifier)
        number = text[4:] if text[:4] == "tel:" else text
        body = number[1:] if number[:1] == "+" else number
        if len(body) >= 4 and body.isdigit() and body.isascii() and (body is not number or number[:2] != "00"):
            normal = number
        else:
            normal = normalise_identifier(text)
            if not normal:
                return None
        h = copy()
        h.update(normal.encode("utf-8"))
        return h.hexdigest()

    def column(identifiers) -> list:
        """`[hasher(i) for i in identifiers]`, for a column of text (or None): the loop inlined."""
        out = []
        append = out.append
        for text in identifiers:
            if type(text) is str:
                number = text[4:] if text[:4] == "tel:" else text
                body = number[1:] if number[:1] == "+" else number
                if len(body) >= 4 and body.isdigit() and body.isascii() and (body is not number or number[:2] != "00"):
                    h = copy()
                    h.update(number.encode("utf-8"))
                    append(h.hexdigest())
                    continue
                if "@" in text and text.strip() == text:  # an e-mail address: lower-cased
                    lower = text.lower()
                    if not lower.startswith(_PREFIXES):
                        h = copy()
                        h.update(lower.encode("utf-8"))
                        append(h.hexdigest())
                        continue
            append(hasher(text))
        return out

    hasher.column = column
    return hasher


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}(?::\d{2}){0,2})?")


def _mask_phone(match: re.Match) -> str:
    text = match.group(0)
    date = _DATE.match(text)
    if date:  # a date (and time) is not a phone number; mask what may follow it
        return date.group(0) + _PHONE.sub(_mask_phone, text[date.end():])
    if re.fullmatch(r"\d+\.\d+", text):  # a decimal number such as an Asterisk call id
        return text
    digits = re.sub(r"\D", "", text)
    plain = text.isdigit()
    # Epoch seconds (10 digits) and milliseconds (13) starting with 1 are timestamps, not numbers:
    # no national number plan gives a 10-digit number starting with 1 (US area codes never do).
    if plain and digits[0] == "1" and len(digits) in (10, 13):
        return text
    return "<phone>"


def mask(text: str | None, limit: int | None = None) -> str | None:
    """`text` with e-mail addresses and phone numbers masked, then cut to `limit` characters."""
    if text is None:
        return None
    out = _EMAIL.sub("<email>", str(text))
    out = _PHONE.sub(_mask_phone, out)
    if limit is not None and len(out) > limit:
        out = out[: limit - 1] + "…"
    return out
