"""One place per contract: next review, open actions, overdue obligations, last audit, open breaches,
and the last evaluated period's KPI statuses (read from the engine's tables, never written)."""

from __future__ import annotations

from .. import clock
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..engine.results import last_closed_periods
from .actions import list_actions
from .audit import last_audit
from .inforce import contract_for, require_contract
from .obligations import overdue
from .purge import expired
from .reviews import calendar

#: Breach statuses that still need attention.
OPEN_BREACH_STATUSES = ("open", "acknowledged", "disputed")


def _open_breaches(db, contract_id: str) -> list[dict]:
    marks = ", ".join("?" * len(OPEN_BREACH_STATUSES))
    return list(db.query(
        f"SELECT id, kpi_id, period, status, actual, target, breach FROM breaches WHERE contract_id = ? AND status IN ({marks})"
        " ORDER BY period, kpi_id",
        [contract_id, *OPEN_BREACH_STATUSES],
    ))


def _last_evaluated(db, contract_id: str, as_of) -> dict | None:
    """The last *closed* evaluated period (ended on or before `as_of`): a month to date says little."""
    last = last_closed_periods(db, as_of).get(contract_id)
    if last is None:
        return None
    period = last[0]
    results = list(db.query(
        "SELECT kpi_id, status, actual, target FROM kpi_results WHERE contract_id = ? AND period = ? ORDER BY kpi_id",
        [contract_id, period],
    ))
    counts: dict[str, int] = {}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return {"period": period, "counts": counts, "kpis": results}


def _past_retention(db, contract_id: str, as_of) -> dict | None:
    """Records held past the contract's retention: `{records, counts, oldest, due_since}`, or None
    when the contract sets no retention or nothing is past it."""
    contract = contract_for(db, contract_id, as_of)
    if contract.data_handling is None or contract.data_handling.retention_days is None:
        return None
    report = expired(db, contract_id, as_of)
    total = sum(report["counts"].values())
    if not total:
        return None
    return {"records": total, "counts": report["counts"], "oldest": report["oldest"], "due_since": report["due_since"]}


def contract_status(db, contract_id: str, as_of=None) -> dict:
    """Everything that needs attention for one contract on `as_of`: `contract_id, as_of,
    next_review` (the earliest review not yet held, or None), `reviews_overdue`, `unsigned_reviews`,
    `open_actions` (each with `overdue`), `overdue_obligations`, `last_audit`, `open_breaches`,
    `last_evaluated` (the last closed evaluated period: `period, counts` by status, `kpis`),
    `past_retention` (records held past the contract's retention: `records, counts, oldest,
    due_since`; None when none), and
    `problem`: None, or why the reviews, obligations and last audit (worked out from the contract's
    text) cannot be shown, in one line; the rest, read from what is stored, is shown all the same."""
    as_of = clock.today(as_of)
    require_contract(db, contract_id)
    problems: list[str] = []

    def from_contract(work, empty):
        """`work()`, which reads the contract's text; `empty` and the reason noted if it cannot."""
        try:
            return work()
        except CONTRACT_FAILURES as err:
            problems.append(failure_reason(err))
            return empty

    cal = from_contract(lambda: calendar(db, contract_id, as_of), [])
    late = from_contract(lambda: overdue(db, contract_id, as_of), [])
    audit = from_contract(lambda: last_audit(db, contract_id, as_of), None)
    held = from_contract(lambda: _past_retention(db, contract_id, as_of), None)
    pending = [r for r in cal if r["state"] not in ("held", "signed_off")]
    return {
        "contract_id": contract_id,
        "as_of": as_of.isoformat(),
        "next_review": pending[0] if pending else None,
        "reviews_overdue": [r["period"] for r in cal if r["state"] == "overdue"],
        "unsigned_reviews": [r["period"] for r in cal if r["state"] == "held"],
        "open_actions": list_actions(db, contract_id, "open", as_of=as_of),
        "overdue_obligations": late,
        "last_audit": audit,
        "open_breaches": _open_breaches(db, contract_id),
        "last_evaluated": _last_evaluated(db, contract_id, as_of),
        "past_retention": held,
        "problem": problems[0] if problems else None,
    }
