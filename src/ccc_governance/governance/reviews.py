"""The review calendar: one performance review per period of the contract's `[review] frequency`.

Date rules (see docs/governance.md), for a reviewed period `[start, end)`:

- `hold_by = end + hold_within_days − 1 day`: the last day the review may be held
  (monthly, 10 days: the October review must be held by 10 November);
- `pre_read_on = hold_by − pre_read_days`: from this day the pre-read pack is due;
- state on `as_of`, when no review is recorded as held on or before `as_of`:
  `overdue` when `as_of > hold_by`; else `pre_read_due` when `as_of >= pre_read_on`;
  else `due` when `as_of >= end`; else `upcoming`;
- once held: `held`, or `signed_off` when every party in `sign_off` has signed (on or before `as_of`).
  A review held after `hold_by` keeps `late_days > 0`.

Who recorded a review and each sign-off is kept (`recorded_by`) and logged (`review.record`,
`review.sign_off`).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

from .. import clock
from ..actor import current_actor
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..errors import CccError, NotFoundError, PeriodError, StateError
from ..periods import FREQUENCY_KIND, Period, parse_period, period_containing, periods_between
from ..store import readcache
from ..trail import record_change
from .blobs import put_blob, read_file
from .inforce import contract_for, contract_ids, require_contract

STATES = ("upcoming", "pre_read_due", "due", "overdue", "held", "signed_off")


def review_dates(period: Period, hold_within_days: int, pre_read_days: int) -> tuple[date, date]:
    """`(hold_by, pre_read_on)` for a reviewed period (rules in the module docstring)."""
    hold_by = period.end + timedelta(days=hold_within_days - 1)
    return hold_by, hold_by - timedelta(days=pre_read_days)


def _state(period: Period, hold_by: date, pre_read_on: date, as_of: date) -> str:
    if as_of > hold_by:
        return "overdue"
    if as_of >= pre_read_on:
        return "pre_read_due"
    if as_of >= period.end:
        return "due"
    return "upcoming"


def review_kind(contract) -> str:
    """The period kind a contract's reviews cover (monthly → month …)."""
    return FREQUENCY_KIND[contract.review.frequency]


def reviewed_periods(contract, as_of: date) -> list[Period]:
    """Every period from the contract's start up to the one containing `as_of`, and the next one,
    clipped to the contract's end."""
    info = contract.contract
    kind = review_kind(contract)
    last = as_of if info.effective_to is None else min(as_of, info.effective_to)
    if last < info.effective_from:
        return [period_containing(info.effective_from, kind)]
    periods = periods_between(info.effective_from, last, kind)
    following = periods[-1].next()
    if info.effective_to is None or following.start <= info.effective_to:
        periods.append(following)
    return periods


def _reviews_by_period(db, contract_id: str) -> dict[str, dict]:
    rows = readcache.grouped(db, "reviews", "contract_id", contract_id,
                             lambda d: list(d.query("SELECT * FROM reviews ORDER BY id")))
    if rows is None:
        rows = db.query("SELECT * FROM reviews WHERE contract_id = ?", [contract_id])
    return {r["period"]: r for r in rows}


def _signoffs(db, review_id: int) -> list[dict]:
    cached = readcache.grouped(db, "review_signoffs", "review_id", review_id, lambda d: list(d.query(
        "SELECT review_id, party, signed_on, name, recorded_by FROM review_signoffs ORDER BY signed_on, party")))
    if cached is not None:
        return [{k: v for k, v in r.items() if k != "review_id"} for r in cached]
    return list(db.query("SELECT party, signed_on, name, recorded_by FROM review_signoffs WHERE review_id = ? "
                         "ORDER BY signed_on, party", [review_id]))


def calendar(db, contract_id: str | None = None, as_of: date | str | None = None, *,
             problems: dict[str, str] | None = None) -> list[dict]:
    """The review calendar as of `as_of` for one contract (or every contract): one dict per period with
    `contract_id, period, period_start, period_last_day, state, hold_by, pre_read_on, held_on,
    late_days, review_id, signed (list of parties), missing_signoffs`. Sorted by contract, period.

    For every contract, one whose calendar cannot be worked out (a stored text that no longer
    validates, dates out of range) is left out so that the others are shown; `problems`, when given,
    receives contract id → the one-line reason. For one contract, its failure is raised."""
    as_of = clock.today(as_of)
    if contract_id:
        require_contract(db, contract_id)
        return _calendar_of(db, contract_id, as_of)
    out: list[dict] = []
    with readcache.preloaded(db):  # (every contract: one read of each table, not one per contract)
        for cid in contract_ids(db):
            try:
                out += _calendar_of(db, cid, as_of)
            except CONTRACT_FAILURES as err:
                if problems is not None:
                    problems[cid] = failure_reason(err)
    return out


def _calendar_of(db, cid: str, as_of: date) -> list[dict]:
    """One contract's review calendar (see `calendar`)."""
    out: list[dict] = []
    contract = contract_for(db, cid, as_of)
    recorded = _reviews_by_period(db, cid)
    for period in reviewed_periods(contract, as_of):
        hold_by, pre_read_on = review_dates(period, contract.review.hold_within_days, contract.review.pre_read_days)
        row = {
            "contract_id": cid,
            "period": period.label,
            "period_start": period.start.isoformat(),
            "period_last_day": period.last_day.isoformat(),
            "hold_by": hold_by.isoformat(),
            "pre_read_on": pre_read_on.isoformat(),
            "held_on": None,
            "late_days": 0,
            "review_id": None,
            "signed": [],
            "missing_signoffs": list(contract.review.sign_off),
        }
        review = recorded.get(period.label)
        if review is not None and review["held_on"] <= as_of.isoformat():
            held_on = date.fromisoformat(review["held_on"])
            signed = [s["party"] for s in _signoffs(db, review["id"]) if s["signed_on"] <= as_of.isoformat()]
            missing = [p for p in contract.review.sign_off if p not in signed]
            row.update(
                held_on=review["held_on"],
                late_days=max(0, (held_on - hold_by).days),
                review_id=review["id"],
                signed=signed,
                missing_signoffs=missing,
                state="held" if missing else "signed_off",
            )
        else:
            row["state"] = _state(period, hold_by, pre_read_on, as_of)
        out.append(row)
    return out


def _parse_review_period(contract, period_label: str) -> Period:
    period = parse_period(period_label)
    kind = review_kind(contract)
    if period.kind != kind:
        raise PeriodError(
            f"contract {contract.id} reviews {contract.review.frequency}: "
            f"period {period_label!r} is not a {kind} (e.g. {period_containing(period.start, kind).label})"
        )
    return period


def record_review(
    db,
    contract_id: str,
    period_label: str,
    *,
    held_on: date | str,
    attendees: list[str] | None = None,
    decisions: list[str] | None = None,
    minutes_path: str | None = None,
    recorded_on: date | str | None = None,
) -> dict:
    """Record that the review of `period_label` was held on `held_on`; the minutes file (if any) is
    stored by hash in `blobs`. Returns the stored review row. Raises `StateError` if already recorded."""
    require_contract(db, contract_id)
    held = clock.parse_date(held_on, what="--held-on") if isinstance(held_on, str) else held_on
    contract = contract_for(db, contract_id, held)
    period = _parse_review_period(contract, period_label)
    if held < period.start:
        raise CccError(f"--held-on {held}: the review of {period.label} cannot be held before the period starts ({period.start})")
    if db.execute("SELECT 1 FROM reviews WHERE contract_id = ? AND period = ?", [contract_id, period.label]).fetchone():
        raise StateError(f"the review of {period.label} for contract {contract_id} is already recorded")
    minutes = read_file(minutes_path, what="minutes file") if minutes_path else None
    who = current_actor(db)
    with db.atomic():
        sha = put_blob(db, minutes[1]) if minutes else None
        cur = db.execute(
            "INSERT INTO reviews (contract_id, period, held_on, attendees, decisions, minutes_sha256, minutes_name,"
            " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                contract_id,
                period.label,
                held.isoformat(),
                json.dumps(list(attendees or [])),
                json.dumps(list(decisions or [])),
                sha,
                minutes[0] if minutes else None,
                clock.today(recorded_on).isoformat(),
                who,
            ],
        )
        review_id = cur.lastrowid
        record_change(db, "review.record", contract_id=contract_id, record=f"reviews:{review_id}", actor=who,
                      after={"period": period.label, "held_on": held.isoformat(), "attendees": list(attendees or []),
                             "decisions": list(decisions or []), "minutes_name": minutes[0] if minutes else None,
                             "minutes_sha256": sha})
    return get_review(db, contract_id, period.label) | {"id": review_id}


def get_review(db, contract_id: str, period_label: str) -> dict:
    """The recorded review of a period with its sign-offs and the actions carried into it."""
    require_contract(db, contract_id)
    label = parse_period(period_label).label
    row = db.execute("SELECT id FROM reviews WHERE contract_id = ? AND period = ?", [contract_id, label]).fetchone()
    if row is None:
        raise NotFoundError(f"no review of {label} is recorded for contract {contract_id} (record it with `ccc review record`)")
    review = next(db.query("SELECT * FROM reviews WHERE id = ?", [row[0]]))
    review["attendees"] = json.loads(review["attendees"] or "[]")
    review["decisions"] = json.loads(review["decisions"] or "[]")
    review["signoffs"] = _signoffs(db, review["id"])
    from .actions import carried_into

    review["actions"] = carried_into(db, contract_id, date.fromisoformat(review["held_on"]))
    return review


def sign_off(db, contract_id: str, period_label: str, party: str, *, on: date | str, name: str | None = None) -> dict:
    """Record `party`'s sign-off of a held review. `party` must be one of the contract's
    `[review] sign_off` parties; signing twice or before the meeting is refused."""
    require_contract(db, contract_id)
    on_day = clock.parse_date(on, what="--on") if isinstance(on, str) else on
    review = get_review(db, contract_id, period_label)
    contract = contract_for(db, contract_id, date.fromisoformat(review["held_on"]))
    if party not in contract.review.sign_off:
        raise NotFoundError(
            f"party {party!r} does not sign off reviews of contract {contract_id} "
            f"(its [review] sign_off: {', '.join(contract.review.sign_off) or 'none'})"
        )
    if on_day.isoformat() < review["held_on"]:
        raise CccError(f"--on {on_day}: a review cannot be signed before it was held ({review['held_on']})")
    if any(s["party"] == party for s in review["signoffs"]):
        raise StateError(f"{party} has already signed the review of {review['period']} for contract {contract_id}")
    who = current_actor(db)
    with db.atomic():
        cur = db.execute(
            "INSERT INTO review_signoffs (review_id, party, signed_on, name, recorded_by) VALUES (?, ?, ?, ?, ?)",
            [review["id"], party, on_day.isoformat(), name, who],
        )
        record_change(db, "review.sign_off", contract_id=contract_id, record=f"review_signoffs:{cur.lastrowid}",
                      actor=who, after={"review_id": review["id"], "period": review["period"], "party": party,
                                        "signed_on": on_day.isoformat(), "name": name})
    return get_review(db, contract_id, period_label)
