"""Which contract governs: the registered contract versions, as governance reads them.

Governance works on the version of a contract in force on the day asked about (`as_of`); when the
contract has ended by then, on its last version. The contracts area's `registry` is the source of
truth; until it is importable, the rows of `contract_versions` are read here directly and only the
sections governance needs are structured (`[contract]`, `[scope]`, `[review]`,
`[data_handling]`, `[[obligation]]`), so that this area can be used and tested on its own.
"""

from __future__ import annotations

import tomllib
from datetime import date

from ..contracts.model import (
    Contract,
    ContractInfo,
    DataHandling,
    Duty,
    Obligation,
    Review,
    Scope,
)
from ..durations import parse_duration
from ..errors import ContractError, NotFoundError

try:  # the contracts area's registry, when it has landed
    from ..contracts import registry as _registry
except ImportError:  # pragma: no cover - depends on the other area's progress
    _registry = None


def contract_ids(db) -> list[str]:
    """Every registered contract id, sorted."""
    if not db["contract_versions"].exists():
        return []
    return [r[0] for r in db.execute("SELECT DISTINCT contract_id FROM contract_versions ORDER BY contract_id")]


def require_contract(db, contract_id: str) -> None:
    """Raise a one-line `NotFoundError` when no version of `contract_id` is registered."""
    if contract_id not in contract_ids(db):
        known = ", ".join(contract_ids(db)) or "none registered yet"
        raise NotFoundError(f"unknown contract {contract_id!r} (known: {known})")


def contract_for(db, contract_id: str, as_of: date) -> Contract:
    """The version of `contract_id` in force on `as_of`; else the newest version that started on or
    before it (an ended contract); else the earliest version (a contract not yet in force)."""
    require_contract(db, contract_id)
    if _registry is not None and hasattr(_registry, "contract_at"):
        found = _registry.contract_at(db, contract_id, as_of)
        if found is not None:
            return found[1]
    rows = list(
        db.query(
            "SELECT * FROM contract_versions WHERE contract_id = ? ORDER BY effective_from, version",
            [contract_id],
        )
    )
    started = [r for r in rows if r["effective_from"] <= as_of.isoformat()]
    row = started[-1] if started else rows[0]
    if _registry is not None and hasattr(_registry, "load_version"):
        return _registry.load_version(db, contract_id, row["version"])
    return structure_contract(row["toml"], f"{contract_id} v{row['version']}")


def latest_contracts(db, as_of: date) -> list[Contract]:
    """One `Contract` per registered contract id (see `contract_for`), sorted by id."""
    return [contract_for(db, cid, as_of) for cid in contract_ids(db)]


def _date(value, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ContractError(f"{where}: {value!r} is not a date (expected YYYY-MM-DD)") from None


def _due(value, where: str):
    if value is None:
        return None
    if isinstance(value, date):
        return value
    return parse_duration(value, allow_negative=True)


def structure_contract(text: str, name: str) -> Contract:
    """The governance sections of a contract's TOML text as a `Contract` (no KPI validation)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ContractError(f"not valid TOML: {err}", file=name) from None
    info = dict(data.get("contract") or {})
    try:
        contract_info = ContractInfo(
            id=info["id"],
            title=info.get("title", info["id"]),
            client=info.get("client", ""),
            ccc=info.get("ccc", ""),
            effective_from=_date(info["effective_from"], name),
            timezone=info.get("timezone", "UTC"),
            effective_to=_date(info["effective_to"], name) if info.get("effective_to") else None,
        )
    except KeyError as err:
        raise ContractError(f"[contract] has no {err.args[0]!r}", file=name) from None
    scope = data.get("scope") or {}
    review = data.get("review") or {}
    handling = data.get("data_handling")
    dh = None
    if handling is not None:
        dh = DataHandling(
            retention_days=handling.get("retention_days"),
            duty=[
                Duty(
                    id=d["id"],
                    every=d.get("every", "annual"),
                    description=d.get("description", ""),
                    due=_due(d.get("due"), name),
                    owner=d.get("owner", "ccc"),
                )
                for d in handling.get("duty", [])
            ],
        )
    return Contract(
        schema=data.get("schema", ""),
        contract=contract_info,
        scope=Scope(**{k: scope[k] for k in ("sources", "queues", "channels", "direction") if k in scope}),
        review=Review(**{k: review[k] for k in ("frequency", "hold_within_days", "pre_read_days", "attendees", "sign_off") if k in review}),
        data_handling=dh,
        obligation=[
            Obligation(
                id=o["id"],
                description=o.get("description", ""),
                every=o.get("every", "monthly"),
                due=_due(o.get("due"), name),
                owner=o.get("owner", "client"),
            )
            for o in data.get("obligation", [])
        ],
    )
