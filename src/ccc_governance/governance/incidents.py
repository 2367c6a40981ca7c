"""Data-protection incidents: the contract's `breach_notification_within` as a duty with a deadline.

An incident is recorded with the instant it was detected (read in the contract's time zone when it
carries no offset) and a description; its deadline (`notify_by`) is the detection plus the contract's
`breach_notification_within` (business units on the contract's calendar), fixed when it is recorded.
Notifying it (`notify`) records evidence (a note, a file or both, table `evidence` with the
incident's id) for the generated duty `breach-notification`, with the instant of the notification.

State of an incident on `as_of` (the end of that day in the contract's time zone; the current
instant when neither `--as-of` nor `CCC_AS_OF` is given): `notified` when notified by then
(`late_hours` when after the deadline), else `overdue` when the deadline has passed, else `due`.
Incidents detected after `as_of` are left out. Who recorded and who notified are kept and logged
(`incident.add`, `incident.notify`).
"""

from __future__ import annotations

import math
import os
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from ..actor import current_actor
from ..errors import CccError, NotFoundError, StateError
from ..store import readcache
from ..trail import record_change
from .blobs import put_blob, read_file
from .inforce import contract_for, require_contract

#: The id of the duty `breach_notification_within` generates (see `obligations.duties_of`).
DUTY_ID = "breach-notification"


def parse_instant(text: str, zone: ZoneInfo, *, what: str) -> datetime:
    """`YYYY-MM-DD[THH:MM[:SS]][offset]` as an aware datetime (no offset: in `zone`; a date alone:
    its midnight). One-line `CccError` otherwise."""
    try:
        value = datetime.fromisoformat(str(text).strip())
    except ValueError:
        raise CccError(f"{what} {text!r} is not a date and time (expected YYYY-MM-DDTHH:MM)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def _within(contract):
    dh = contract.data_handling
    return dh.breach_notification_within if dh is not None else None


def _reckon(as_of: date | str | None, zone: ZoneInfo) -> tuple[date, datetime]:
    """The day asked about and the instant states are reckoned at (see the module docstring)."""
    if as_of is None and not os.environ.get("CCC_AS_OF"):
        now = clock.now_utc().astimezone(zone)
        return now.date(), now
    day = clock.today(as_of)
    return day, datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)


def add_incident(db, contract_id: str, *, detected_at: str | datetime, description: str,
                 recorded_on: date | str | None = None) -> dict:
    """Record a data-protection incident of `contract_id` detected at `detected_at`. The contract in
    force that day must set `breach_notification_within`. Returns the stored row with its state."""
    require_contract(db, contract_id)
    if not (description or "").strip():
        raise CccError("an incident needs a description (--description)")
    probe = contract_for(db, contract_id, clock.today(recorded_on))
    zone = ZoneInfo(probe.contract.timezone)
    detected = detected_at if isinstance(detected_at, datetime) else parse_instant(detected_at, zone, what="--detected-at")
    local = detected.astimezone(zone)
    contract = contract_for(db, contract_id, local.date())
    within = _within(contract)
    if within is None:
        raise CccError(f"contract {contract_id} sets no data_handling.breach_notification_within on {local.date()}: "
                       "there is no notification deadline to track")
    deadline = within.after(local, contract.calendar()).astimezone(zone)
    who = current_actor(db)
    with db.atomic():
        cur = db.execute(
            "INSERT INTO incidents (contract_id, detected_at, detected_ms, notify_by, notify_by_ms, within, description,"
            " recorded_at, recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [contract_id, local.isoformat(timespec="minutes"), clock.to_ms(local),
             deadline.isoformat(timespec="minutes"), clock.to_ms(deadline), str(within), description.strip(),
             clock.now_text(), who],
        )
        incident_id = cur.lastrowid
        record_change(db, "incident.add", contract_id=contract_id, record=f"incidents:{incident_id}", actor=who,
                      after={"detected_at": local.isoformat(timespec="minutes"),
                             "notify_by": deadline.isoformat(timespec="minutes"), "within": str(within),
                             "description": description.strip()})
    return get_incident(db, incident_id, as_of=max(clock.today(recorded_on), local.date()))


def notify(db, incident_id: int, *, on: str | datetime, note: str | None = None, file_path=None) -> dict:
    """Record that incident `incident_id` was notified at `on` (a date and time; a date alone: its
    midnight), with a note, a file or both as evidence. Notifying twice, or before the detection,
    is refused. Returns the incident with its state on the day notified."""
    incident = get_incident(db, incident_id)
    if incident["notified_at"]:
        raise StateError(f"incident {incident_id} was already notified on {incident['notified_at']}")
    if file_path is None and not (note or "").strip():
        raise CccError("a notification needs evidence: a file (--file PATH) or a note (--note TEXT)")
    contract = contract_for(db, incident["contract_id"], date.fromisoformat(incident["detected_at"][:10]))
    zone = ZoneInfo(contract.contract.timezone)
    when = (on if isinstance(on, datetime) else parse_instant(on, zone, what="--on")).astimezone(zone)
    if clock.to_ms(when) < incident["detected_ms"]:
        raise CccError(f"incident {incident_id} was detected at {incident['detected_at']}: it cannot be notified before")
    content = read_file(file_path, what="evidence file") if file_path is not None else None
    who = current_actor(db)
    notified = when.isoformat(timespec="minutes")
    with db.atomic():
        sha = put_blob(db, content[1]) if content else None
        cur = db.execute(
            "INSERT INTO evidence (contract_id, obligation_id, occurrence, date, note, file_name, sha256, recorded_at,"
            " recorded_by, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [incident["contract_id"], DUTY_ID, incident["notify_by"][:10], when.date().isoformat(), note,
             content[0] if content else None, sha, clock.today().isoformat(), who, incident_id],
        )
        evidence_id = cur.lastrowid
        db.execute("UPDATE incidents SET notified_at = ?, notified_ms = ?, notified_by = ? WHERE id = ?",
                   [notified, clock.to_ms(when), who, incident_id])
        record_change(db, "incident.notify", contract_id=incident["contract_id"], record=f"incidents:{incident_id}",
                      actor=who, before={"notified_at": None},
                      after={"notified_at": notified, "evidence_id": evidence_id, "note": note,
                             "file_name": content[0] if content else None, "sha256": sha})
    return get_incident(db, incident_id, as_of=when.date())


def _decorate(row: dict, day: date, instant: datetime) -> dict:
    notified_ms = row["notified_ms"] if row["notified_at"] and row["notified_at"][:10] <= day.isoformat() else None
    if notified_ms is not None:
        row["state"] = "notified"
        row["late_hours"] = max(0, math.ceil((notified_ms - row["notify_by_ms"]) / 3_600_000))
    else:
        row["state"] = "overdue" if clock.to_ms(instant) > row["notify_by_ms"] else "due"
        row["late_hours"] = 0
    return row


def _zone_of(db, contract_id: str, day: date) -> ZoneInfo:
    return ZoneInfo(contract_for(db, contract_id, day).contract.timezone)


def get_incident(db, incident_id: int, *, as_of: date | str | None = None) -> dict:
    """One incident with `state`, `late_hours` and `evidence` (ids) reckoned on `as_of` (raises
    `NotFoundError`)."""
    rows = list(db.query("SELECT * FROM incidents WHERE id = ?", [incident_id]))
    if not rows:
        raise NotFoundError(f"no incident with id {incident_id}")
    row = rows[0]
    day, instant = _reckon(as_of, _zone_of(db, row["contract_id"], clock.today(as_of)))
    row["evidence"] = [r["id"] for r in db.query("SELECT id FROM evidence WHERE incident_id = ? ORDER BY id", [incident_id])]
    return _decorate(row, day, instant)


def _rows(db, contract_id: str) -> list[dict]:
    rows = readcache.grouped(db, "incidents", "contract_id", contract_id,
                             lambda d: list(d.query("SELECT * FROM incidents ORDER BY detected_ms, id")))
    if rows is None:
        rows = list(db.query("SELECT * FROM incidents WHERE contract_id = ? ORDER BY detected_ms, id", [contract_id]))
    return [dict(r) for r in rows]


def incidents_of(db, contract_id: str, as_of: date | str | None = None) -> list[dict]:
    """The incidents of one contract detected on or before `as_of`, oldest first, each with `state`
    and `late_hours` (see the module docstring)."""
    day, instant = _reckon(as_of, _zone_of(db, contract_id, clock.today(as_of)))
    out = []
    for row in _rows(db, contract_id):
        if row["detected_at"][:10] > day.isoformat():
            continue
        out.append(_decorate(row, day, instant))
    return out


def list_incidents(db, contract_id: str | None = None, as_of: date | str | None = None, *,
                   open_only: bool = False) -> list[dict]:
    """Incidents of one contract or all, with their state on `as_of`; `open_only`: not yet notified."""
    if contract_id:
        require_contract(db, contract_id)
        ids = [contract_id]
    else:
        ids = [r["contract_id"] for r in db.query("SELECT DISTINCT contract_id FROM incidents ORDER BY contract_id")]
    rows = [r for cid in ids for r in incidents_of(db, cid, as_of)]
    if open_only:
        rows = [r for r in rows if r["state"] != "notified"]
    return rows
