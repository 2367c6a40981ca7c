"""Which contract governs: the registered contract versions, as governance reads them.

Governance works on the version of a contract in force on the day asked about (`as_of`); when the
contract has ended by then, on its newest version that had started; before it starts, on its
earliest version. Everything comes from the contracts area's `registry`.
"""

from __future__ import annotations

from datetime import date

from ..contracts import registry
from ..contracts.model import Contract
from ..errors import NotFoundError


def contract_ids(db) -> list[str]:
    """Every registered contract id, sorted."""
    return [r["contract_id"] for r in registry.latest(db)]


def require_contract(db, contract_id: str) -> None:
    """Raise a one-line `NotFoundError` when no version of `contract_id` is registered."""
    if not registry.versions(db, contract_id):
        known = ", ".join(contract_ids(db)) or "none registered yet"
        raise NotFoundError(f"unknown contract {contract_id!r} (known: {known})")


def contract_for(db, contract_id: str, as_of: date) -> Contract:
    """The version of `contract_id` in force on `as_of`; else the newest version that started on or
    before it (an ended contract); else the earliest version (a contract not yet in force)."""
    require_contract(db, contract_id)
    found = registry.contract_at(db, contract_id, as_of)
    if found is not None:
        return found[1]
    rows = sorted(registry.versions(db, contract_id), key=lambda r: (r["effective_from"], r["version"]))
    started = [r for r in rows if r["effective_from"] <= as_of.isoformat()]
    row = started[-1] if started else rows[0]
    return registry.load_version(db, contract_id, row["version"])
