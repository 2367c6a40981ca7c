"""Dated duties and their schedule of occurrences: the client's `[[obligation]]`s and the
`[[data_handling.duty]]`s of the contract.

Date rules (see docs/governance.md):

- `every` = weekly … annual: one occurrence per period of that kind (`periods.FREQUENCY_KIND`),
  from the period containing the contract's `effective_from`; `every = "once"`: one occurrence.
- `due` is an offset from the period's first day: `14d` → the 15th of a month, `-5d` → five days
  before the period starts (a forecast for the next month), `3bd` → the third business day after
  the first day (the contract's opening days; the first day itself not counted). With no `due`,
  the period's last day. For `once`, `due` is a date (or an offset from `effective_from`).
- Occurrences due before `effective_from` or in a period starting after `effective_to` are not owed.
- State of an occurrence due on `D`, on `as_of`: `met` when evidence for it is dated on or before
  `as_of`; else `overdue` when `as_of > D`; else `due` when `as_of >= D − 7 days`; else `upcoming`.
"""

from __future__ import annotations

from datetime import date, timedelta

from .. import clock
from ..durations import Duration
from ..contracts.model import Duty
from ..errors import CccError, DurationError, NotFoundError
from ..periods import FREQUENCY_KIND, period_containing
from ..store import readcache
from .incidents import DUTY_ID, incidents_of
from .inforce import contract_for, require_contract

#: The id of the duty `breach_notification_within` generates.
INCIDENT_DUTY = DUTY_ID

#: How many days before its due date an occurrence turns from `upcoming` to `due`.
DUE_WINDOW_DAYS = 7


#: The ids of the duties `data_location` and `do_not_contact` generate.
LOCATION_DUTY = "data-location"
DO_NOT_CONTACT_DUTY = "do-not-contact"


def attested_duties(dh) -> list[Duty]:
    """The attestations the CCC owes for `data_location` (yearly: the data stayed there) and
    `do_not_contact = true` (quarterly: outbound lists were screened against the client's list).
    A `[[data_handling.duty]]` of the same id replaces one (to change its frequency, due or owner)."""
    out = []
    if dh.data_location:
        out.append(Duty(id=LOCATION_DUTY, every="annual", owner="ccc",
                        description=f"Attest that customer data is held and processed in {dh.data_location} only"))
    if dh.do_not_contact:
        out.append(Duty(id=DO_NOT_CONTACT_DUTY, every="quarterly", owner="ccc",
                        description="Attest that outbound contacts were screened against the client's do-not-contact list"))
    return out


def duties_of(contract) -> list[tuple[str, object]]:
    """`(kind, item)` for every obligation (`kind="obligation"`) and data-handling duty (`"duty"`:
    the declared ones, then the attestations of `attested_duties`), and the duty `breach_notification_within` generates (`"incident"`: its occurrences are the
    recorded incidents, see `incidents.py`)."""
    items: list[tuple[str, object]] = [("obligation", o) for o in contract.obligation]
    dh = contract.data_handling
    if dh is not None:
        items += [("duty", d) for d in dh.duty]
        declared = {d.id for d in dh.duty}
        items += [("duty", d) for d in attested_duties(dh) if d.id not in declared]
        if dh.breach_notification_within is not None:
            items.append(("incident", Duty(id=INCIDENT_DUTY, every="incident", owner="ccc",
                                           description=f"Notify a data-protection incident within {dh.breach_notification_within}")))
    return items


def find_duty(contract, obligation_id: str) -> tuple[str, object]:
    """The obligation or duty with this id (raises a one-line `NotFoundError` naming the known ids)."""
    for kind, item in duties_of(contract):
        if item.id == obligation_id:
            if kind == "incident":
                raise CccError(f"{obligation_id} is met incident by incident: record the notification with "
                               "`ccc incident notify ID --on DATETIME --note TEXT`")
            return kind, item
    known = ", ".join(item.id for _, item in duties_of(contract)) or "none"
    raise NotFoundError(f"contract {contract.id} has no obligation or duty {obligation_id!r} (known: {known})")


#: How far a business-day offset is searched for (a calendar open on no day would loop forever).
_SEARCH_DAYS = 3660


def _business_offset(start: date, n: int, contract) -> date:
    calendar = contract.calendar()
    step = 1 if n >= 0 else -1
    day, counted = start, 0
    for _ in range(_SEARCH_DAYS + abs(n)):
        if counted >= abs(n):
            return day
        day += timedelta(days=step)
        if calendar.is_business_day(day):
            counted += 1
    if counted >= abs(n):
        return day
    raise DurationError(f"contract {contract.id}: no {abs(n)} business days found within ten years "
                        "(check its [scope] hours and holidays)")


def due_date(start: date, last_day: date, due, contract) -> date:
    """The due date of an occurrence whose period runs from `start` to `last_day` (rules above)."""
    if due is None:
        return last_day
    if isinstance(due, date):
        return due
    if not isinstance(due, Duration):
        raise TypeError(f"unexpected due {due!r}")
    if due.unit == "bd":
        return _business_offset(start, int(due.amount), contract)
    if due.unit == "bh":
        # Business hours make no sense for a dated duty; counted as whole business days of 8 hours.
        return _business_offset(start, int(due.amount // 8), contract)
    return start + timedelta(days=int(due.seconds() // 86400))


def occurrences(contract, item, until: date) -> list[dict]:
    """The occurrences of one obligation or duty due up to `until`, and the first one after it."""
    info = contract.contract
    if item.every == "once":
        due = due_date(info.effective_from, info.effective_from, item.due, contract)
        return [{"period": "once", "due": due}]
    kind = FREQUENCY_KIND[item.every]
    out: list[dict] = []
    period = period_containing(info.effective_from, kind)
    while True:
        if info.effective_to is not None and period.start > info.effective_to:
            break
        due = due_date(period.start, period.last_day, item.due, contract)
        if due >= info.effective_from:
            out.append({"period": period.label, "due": due})
            if due > until:
                break
        period = period.next()
    return out


def _state(due: date, met_on: date | None, as_of: date) -> str:
    if met_on is not None:
        return "met"
    if as_of > due:
        return "overdue"
    if as_of >= due - timedelta(days=DUE_WINDOW_DAYS):
        return "due"
    return "upcoming"


def _evidence_by_occurrence(db, contract_id: str) -> dict[tuple[str, str], list[dict]]:
    found: dict[tuple[str, str], list[dict]] = {}
    rows = readcache.grouped(db, "evidence", "contract_id", contract_id, lambda d: list(d.query(
        "SELECT contract_id, id, obligation_id, occurrence, date, note, file_name, sha256, incident_id FROM evidence"
        " ORDER BY date, id")))
    if rows is not None:
        rows = [{k: v for k, v in r.items() if k != "contract_id"} for r in rows]
    else:
        rows = db.query("SELECT id, obligation_id, occurrence, date, note, file_name, sha256, incident_id FROM evidence "
                        "WHERE contract_id = ? ORDER BY date, id", [contract_id])
    for r in rows:
        if r["incident_id"] is not None:
            found.setdefault(("incident", r["incident_id"]), []).append(r)
        else:
            found.setdefault((r["obligation_id"], r["occurrence"]), []).append(r)
    return found


def schedule(db, contract_id: str, as_of: date | str | None = None) -> list[dict]:
    """Every occurrence of the contract's obligations and duties due up to `as_of` (and the next of
    each), as dicts `obligation_id, kind, description, owner, every, period, due, state, met_on,
    late_days, evidence` (ids of the evidence dated on or before `as_of`). Sorted by due date, id."""
    as_of = clock.today(as_of)
    require_contract(db, contract_id)
    contract = contract_for(db, contract_id, as_of)
    evidence = _evidence_by_occurrence(db, contract_id)
    out: list[dict] = []
    for kind, item in duties_of(contract):
        if kind == "incident":
            out += _incident_rows(db, contract_id, item, as_of, evidence)
            continue
        for occ in occurrences(contract, item, as_of):
            proofs = [e for e in evidence.get((item.id, occ["due"].isoformat()), []) if e["date"] <= as_of.isoformat()]
            met_on = date.fromisoformat(proofs[0]["date"]) if proofs else None
            out.append(
                {
                    "contract_id": contract_id,
                    "obligation_id": item.id,
                    "kind": kind,
                    "description": item.description,
                    "owner": item.owner,
                    "every": item.every,
                    "period": occ["period"],
                    "due": occ["due"].isoformat(),
                    "state": _state(occ["due"], met_on, as_of),
                    "met_on": met_on.isoformat() if met_on else None,
                    "late_days": max(0, (met_on - occ["due"]).days) if met_on else 0,
                    "evidence": [e["id"] for e in proofs],
                }
            )
    out.sort(key=lambda r: (r["due"], r["obligation_id"]))
    return out


def _incident_rows(db, contract_id: str, item, as_of: date, evidence: dict) -> list[dict]:
    """The schedule's rows of the incident duty: one per incident detected by `as_of`."""
    state = {"notified": "met", "overdue": "overdue", "due": "due"}
    return [{"contract_id": contract_id, "obligation_id": item.id, "kind": "incident",
             "description": f"incident #{i['id']}: {i['description']}", "owner": item.owner, "every": item.every,
             "period": f"incident {i['id']}", "due": i["notify_by"][:10], "state": state[i["state"]],
             "met_on": i["notified_at"][:10] if i["state"] == "notified" else None,
             "late_days": -(-i["late_hours"] // 24),  # a notification an hour late is a day late
             "evidence": [e["id"] for e in evidence.get(("incident", i["id"]), []) if e["date"] <= as_of.isoformat()],
             "incident_id": i["id"], "notify_by": i["notify_by"]}
            for i in incidents_of(db, contract_id, as_of)]


def overdue(db, contract_id: str, as_of: date | str | None = None) -> list[dict]:
    """The occurrences of `schedule()` that are overdue on `as_of`."""
    return [r for r in schedule(db, contract_id, as_of) if r["state"] == "overdue"]
