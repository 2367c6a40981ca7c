"""Action items: raised in a review or by an audit, with an owner and a due date, carried into every
later review until closed. An open action is `overdue` once `as_of` is past its due date.
Who raised and who closed it are kept (`raised_by`, `closed_by`) and logged (`action.add`, `action.close`)."""

from __future__ import annotations

from datetime import date

from .. import clock
from ..actor import current_actor
from ..errors import CccError, NotFoundError, StateError
from ..periods import parse_period
from ..trail import record_change
from .inforce import require_contract


def _decorate(row: dict, as_of: date) -> dict:
    day = as_of.isoformat()
    open_then = row["raised_on"] <= day and (row["closed_on"] is None or row["closed_on"] > day)
    row["overdue"] = bool(open_then and row["due"] and row["due"] < day)
    return row


def add_action(
    db,
    contract_id: str,
    title: str,
    *,
    owner: str | None = None,
    due: date | str | None = None,
    review_period: str | None = None,
    audit_id: int | None = None,
    audit_question: str | None = None,
    raised_on: date | str | None = None,
) -> dict:
    """Open an action item for `contract_id` (linked to the review of `review_period`, or to an audit).
    `raised_on` defaults to today (`CCC_AS_OF`). Returns the stored row."""
    require_contract(db, contract_id)
    if not (title or "").strip():
        raise CccError("an action needs a title (--title)")
    due_day = clock.parse_date(due, what="--due") if isinstance(due, str) else due
    raised = clock.today(raised_on)
    review_id = None
    if review_period:
        label = parse_period(review_period).label
        row = db.execute("SELECT id FROM reviews WHERE contract_id = ? AND period = ?", [contract_id, label]).fetchone()
        if row is None:
            raise NotFoundError(f"no review of {label} is recorded for contract {contract_id}")
        review_id = row[0]
    who = current_actor(db)
    with db.atomic():
        cur = db.execute(
            "INSERT INTO actions (contract_id, review_id, audit_id, audit_question, title, owner, due, status, raised_on,"
            " raised_by) VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            [contract_id, review_id, audit_id, audit_question, title.strip(), owner,
             due_day.isoformat() if due_day else None, raised.isoformat(), who],
        )
        action_id = cur.lastrowid
        record_change(db, "action.add", contract_id=contract_id, record=f"actions:{action_id}", actor=who,
                      after={"title": title.strip(), "owner": owner, "due": due_day.isoformat() if due_day else None,
                             "raised_on": raised.isoformat(), "review_id": review_id, "audit_id": audit_id,
                             "audit_question": audit_question})
    return get_action(db, action_id, as_of=raised)


def get_action(db, action_id: int, *, as_of: date | str | None = None) -> dict:
    """One action item (raises `NotFoundError`)."""
    rows = list(db.query("SELECT * FROM actions WHERE id = ?", [action_id]))
    if not rows:
        raise NotFoundError(f"no action with id {action_id}")
    return _decorate(rows[0], clock.today(as_of))


def close_action(db, action_id: int, note: str | None = None, *, closed_on: date | str | None = None) -> dict:
    """Close an open action with a note (`closed_on` defaults to today). Closing twice is refused."""
    action = get_action(db, action_id)
    if action["status"] == "closed":
        raise StateError(f"action {action_id} is already closed (on {action['closed_on']})")
    day = clock.today(closed_on)
    who = current_actor(db)
    with db.atomic():
        db.execute("UPDATE actions SET status = 'closed', closed_on = ?, note = ?, closed_by = ? WHERE id = ?",
                   [day.isoformat(), note, who, action_id])
        record_change(db, "action.close", contract_id=action["contract_id"], record=f"actions:{action_id}",
                      before={"status": "open"}, after={"status": "closed", "closed_on": day.isoformat(), "note": note},
                      actor=who)
    return get_action(db, action_id, as_of=day)


def list_actions(db, contract_id: str | None = None, status: str | None = None, *, as_of: date | str | None = None) -> list[dict]:
    """Action items (all, `open` or `closed` on `as_of`), each with `overdue` reckoned on `as_of`;
    oldest first. `open` on a day: raised on or before it and not closed by then."""
    if contract_id:
        require_contract(db, contract_id)
    if status not in (None, "open", "closed"):
        raise CccError(f"action status {status!r} is not open or closed")
    day = clock.today(as_of)
    where, params = [], []
    if contract_id:
        where.append("contract_id = ?")
        params.append(contract_id)
    if status == "open":
        where.append("raised_on <= ? AND (closed_on IS NULL OR closed_on > ?)")
        params += [day.isoformat(), day.isoformat()]
    elif status == "closed":
        where.append("closed_on <= ?")
        params.append(day.isoformat())
    sql = "SELECT * FROM actions" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
    return [_decorate(r, day) for r in db.query(sql, params)]


def carried_into(db, contract_id: str, day: date) -> list[dict]:
    """The actions on the agenda of a review held on `day`: raised on or before it and not closed
    before it (an action closed at the meeting itself is still discussed there)."""
    rows = db.query(
        "SELECT * FROM actions WHERE contract_id = ? AND raised_on <= ? AND (closed_on IS NULL OR closed_on >= ?) ORDER BY id",
        [contract_id, day.isoformat(), day.isoformat()],
    )
    return [_decorate(r, day) for r in rows]
