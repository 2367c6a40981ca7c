"""Declared exclusion windows: outages, force majeure and ramp-up periods, with their evidence.

Contacts (and other records) arriving inside a window are left out of every KPI of the contract
and listed in each result's `excluded`. Adding or removing a window rebuilds the contract's
aggregates at the next evaluation. Who added a window is kept (`created_by`); adding and removing
are logged (`exclusion.add`, `exclusion.remove` in the change log).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from ..actor import current_actor
from ..errors import NotFoundError, PeriodError, StateError
from ..trail import record_change

KINDS = ("outage", "force_majeure", "ramp_up")


def _timezone(db, contract_id: str) -> str:
    row = db.execute(
        "SELECT timezone FROM contract_versions WHERE contract_id = ? ORDER BY version DESC LIMIT 1", [contract_id]
    ).fetchone()
    if row is None:
        raise NotFoundError(f"contract {contract_id!r} is not registered (see `ccc contract list`)")
    return row[0] or "UTC"


def parse_instant(value, zone: ZoneInfo, *, end: bool = False) -> int:
    """A DATE (local midnight; as an end, the midnight after it: the day is included) or a
    DATETIME (local unless it carries an offset) as epoch ms."""
    if isinstance(value, datetime):
        dt = value if value.tzinfo else value.replace(tzinfo=zone)
        return clock.to_ms(dt)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return clock.to_ms(datetime.combine(day, time(0), tzinfo=zone))
    text = str(value).strip()
    try:
        if len(text) == 10:
            return parse_instant(date.fromisoformat(text), zone, end=end)
        return parse_instant(datetime.fromisoformat(text.replace("Z", "+00:00")), zone, end=end)
    except ValueError:
        raise PeriodError(f"{text!r} is not a date or date-time (expected 2026-10-05 or 2026-10-05T14:00)") from None


def add_exclusion(db, contract_id: str, kind: str, start, end, reason: str, evidence: str | None) -> dict:
    """Declare a window `[start, end)` left out of a contract's KPIs; returns the stored row."""
    if kind not in KINDS:
        raise StateError(f"exclusion kind {kind!r} is not one of {', '.join(KINDS)}")
    if not reason or not reason.strip():
        raise StateError("an exclusion needs a --reason")
    zone = ZoneInfo(_timezone(db, contract_id))
    starts_at, ends_at = parse_instant(start, zone), parse_instant(end, zone, end=True)
    if ends_at <= starts_at:
        raise PeriodError(f"exclusion ends ({end}) before it starts ({start})")
    who = current_actor(db)
    with db.atomic():
        cur = db.execute(
            "INSERT INTO exclusions (contract_id, kind, starts_at, ends_at, reason, evidence, created_at, created_by) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [contract_id, kind, starts_at, ends_at, reason.strip(), evidence,
             clock.now_utc().isoformat(timespec="seconds"), who])
        row = get_exclusion(db, cur.lastrowid)
        record_change(db, "exclusion.add", contract_id=contract_id, record=f"exclusions:{row['id']}",
                      after=_logged(row), actor=who)
    return row


def _logged(row: dict) -> dict:
    return {k: row[k] for k in ("kind", "from", "to", "reason", "evidence")}


def get_exclusion(db, exclusion_id: int) -> dict:
    cur = db.execute("SELECT * FROM exclusions WHERE id = ?", [exclusion_id])
    row = cur.fetchone()
    if row is None:
        raise NotFoundError(f"exclusion {exclusion_id} does not exist (see `ccc exclusion list`)")
    out = dict(zip([d[0] for d in cur.description], row))
    out["from"], out["to"] = clock.iso_utc(out["starts_at"]), clock.iso_utc(out["ends_at"])
    return out


def list_exclusions(db, contract_id: str | None = None) -> list[dict]:
    """Declared exclusions (of one contract), in start order."""
    sql, args = "SELECT id FROM exclusions", []
    if contract_id:
        sql += " WHERE contract_id = ?"
        args.append(contract_id)
    return [get_exclusion(db, r[0]) for r in db.execute(sql + " ORDER BY starts_at, id", args).fetchall()]


def remove_exclusion(db, exclusion_id: int) -> dict:
    """Delete a declared exclusion; returns what was removed."""
    row = get_exclusion(db, exclusion_id)
    who = current_actor(db)
    with db.atomic():
        db.execute("DELETE FROM exclusions WHERE id = ?", [exclusion_id])
        record_change(db, "exclusion.remove", contract_id=row["contract_id"], record=f"exclusions:{exclusion_id}",
                      before=_logged(row), actor=who)
    return row
