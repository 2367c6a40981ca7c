"""Survey marks carried in a contact's attributes (Connect `Attributes`, a Genesys participant's
`attributes`): values typed by whoever built the contact flow, so read leniently."""

from __future__ import annotations

from .tabular import FALSE, TRUE


def attribute_flag(value) -> bool | None:
    """A yes/no mark (`true`/`false`, `yes`/`no`, `oui`/`non`, `1`/`0`, a JSON boolean); None otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return bool(value) if value in (0, 1) else None
    if isinstance(value, str):
        text = value.strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
    return None


def attribute_score(value) -> float | None:
    """A score (`"4"`, `4`, `"4.5"`, `"4,5"`); None when absent or not a number."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
