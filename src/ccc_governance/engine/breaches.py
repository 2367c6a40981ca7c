"""Breaches: persisted with their first-seen time and a status a vendor manager changes.

A breach is one contract version × KPI × period whose result was `breached`. Re-evaluation
updates its figures and `last_seen_at`, never its status or notes; a breach no longer found is
marked `still_breached = 0`, never deleted. Every status change is a `breach_events` row.
"""

from __future__ import annotations

from .. import clock
from ..errors import NotFoundError, StateError

STATUSES = ("open", "acknowledged", "disputed", "waived", "closed")
#: CLI verb → status
VERBS = {"ack": "acknowledged", "acknowledge": "acknowledged", "dispute": "disputed", "waive": "waived",
         "close": "closed", "reopen": "open"}


def _rows(db, sql: str, args=()) -> list[dict]:
    cur = db.execute(sql, list(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _now() -> str:
    return clock.now_utc().isoformat(timespec="seconds")


def record(db, results: list[dict], contracts: dict, *, pm=None, workspace=None) -> list[dict]:
    """Store the breaches found in `results` (closed periods only); return the new ones.

    `contracts` maps `(contract_id, version)` to its `Contract` (passed to the hook). A new breach
    calls `pm.hook.breach_detected(breach=…, result=…, contract=…, workspace=…)` once, after commit.
    """
    now = _now()
    new: list[tuple[dict, dict]] = []
    seen: set[tuple] = set()
    results = [r for r in results if not r["status"].startswith("mtd_") and _contractual(r, contracts)]
    periods = {(r["contract_id"], r["period"]) for r in results}
    with db.conn:
        for r in results:
            key = (r["contract_id"], r["contract_version"], r["kpi_id"], r["period"])
            seen.add(key)
            row = db.execute(
                "SELECT id, still_breached, status FROM breaches WHERE contract_id = ? AND contract_version = ? "
                "AND kpi_id = ? AND period = ?", list(key)).fetchone()
            figures = [r["actual"], r["target"], r["breach"], r["volume"], int(bool(r["small_sample"]))]
            if r["status"] == "breached":
                if row is None:
                    cur = db.execute(
                        "INSERT INTO breaches (contract_id, contract_version, kpi_id, period, status, first_seen_at, "
                        "last_seen_at, actual, target, breach, volume, small_sample, still_breached) "
                        "VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, 1)", [*key, now, now, *figures])
                    bid = cur.lastrowid
                    db.execute(
                        "INSERT INTO breach_events (breach_id, at, status_from, status_to, note) VALUES (?, ?, NULL, 'open', ?)",
                        [bid, now, f"found by evaluation: {r['kpi_id']} {_fmt(r['actual'])} against breach "
                                   f"threshold {_fmt(r['breach'] if r['breach'] is not None else r['target'])}"])
                    new.append((bid, r))
                else:
                    db.execute(
                        "UPDATE breaches SET last_seen_at = ?, actual = ?, target = ?, breach = ?, volume = ?, "
                        "small_sample = ?, still_breached = 1 WHERE id = ?", [now, *figures, row[0]])
                    if not row[1]:
                        db.execute(
                            "INSERT INTO breach_events (breach_id, at, status_from, status_to, note) VALUES (?, ?, ?, ?, ?)",
                            [row[0], now, row[2], row[2], "breached again after re-evaluation"])
            elif row is not None and row[1]:
                _no_longer(db, row, now, f"no longer breached after re-evaluation ({r['status']}, {_fmt(r['actual'])})")
        # Breaches of the evaluated periods that no result matched (e.g. a version no longer in force).
        for cid, label in periods:
            for row in db.execute(
                "SELECT id, still_breached, status, contract_version, kpi_id FROM breaches "
                "WHERE contract_id = ? AND period = ? AND still_breached = 1", [cid, label]).fetchall():
                if (cid, row[3], row[4], label) not in seen:
                    _no_longer(db, row, now, "no longer found by re-evaluation")
    out = []
    for bid, r in new:
        breach = get_breach(db, bid)
        out.append(breach)
        if pm is not None:
            pm.hook.breach_detected(breach=breach, result=r, contract=contracts.get((r["contract_id"], r["contract_version"])),
                                    workspace=workspace)
    return out


def _contractual(result: dict, contracts: dict) -> bool:
    """A breach is of the KPI's own measurement period (`[[kpi]] period`): a monthly KPI evaluated over
    a quarter or a week is a view of it, not a second breach of the same misses. A KPI measured per
    `interval` is breached per day, the finest period evaluated."""
    contract = contracts.get((result["contract_id"], result["contract_version"]))
    kpi = contract.kpi_by_id(result["kpi_id"]) if contract is not None else None
    if kpi is None:
        return True
    return result["period_kind"] == ("day" if kpi.period == "interval" else kpi.period)


def _no_longer(db, row, now: str, note: str) -> None:
    db.execute("UPDATE breaches SET still_breached = 0, last_seen_at = ? WHERE id = ?", [now, row[0]])
    db.execute("INSERT INTO breach_events (breach_id, at, status_from, status_to, note) VALUES (?, ?, ?, ?, ?)",
               [row[0], now, row[2], row[2], note])


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.4g}"


def get_breach(db, breach_id: int) -> dict:
    """One breach row; raises `NotFoundError` when there is none."""
    rows = _rows(db, "SELECT * FROM breaches WHERE id = ?", [breach_id])
    if not rows:
        raise NotFoundError(f"breach {breach_id} does not exist (see `ccc breaches`)")
    return rows[0]


def list_breaches(db, *, status: str | None = None, contract_id: str | None = None) -> list[dict]:
    """Breaches, newest period first; filter by status and contract."""
    if status is not None and status not in STATUSES:
        raise StateError(f"unknown breach status {status!r} (expected one of {', '.join(STATUSES)})")
    sql, args = "SELECT * FROM breaches WHERE 1", []
    if status:
        sql += " AND status = ?"
        args.append(status)
    if contract_id:
        sql += " AND contract_id = ?"
        args.append(contract_id)
    return _rows(db, sql + " ORDER BY period DESC, contract_id, kpi_id, id", args)


def set_status(db, breach_id: int, status: str, note: str, as_of=None) -> dict:
    """Move a breach to `status` with a note (a `breach_events` row). A closed breach stays closed
    unless reopened (`open`); setting the status it already has is refused."""
    status = VERBS.get(status, status)
    if status not in STATUSES:
        raise StateError(f"unknown breach status {status!r} (expected one of {', '.join(STATUSES)})")
    if not note or not note.strip():
        raise StateError(f"breach {breach_id}: a note is required (say why, for the record)")
    breach = get_breach(db, breach_id)
    current = breach["status"]
    if current == status:
        raise StateError(f"breach {breach_id} is already {status}")
    if current == "closed" and status != "open":
        raise StateError(f"breach {breach_id} is closed: reopen it first")
    at = clock.today(as_of).isoformat() if as_of else _now()
    with db.conn:
        db.execute("UPDATE breaches SET status = ? WHERE id = ?", [status, breach_id])
        db.execute("INSERT INTO breach_events (breach_id, at, status_from, status_to, note) VALUES (?, ?, ?, ?, ?)",
                   [breach_id, at, current, status, note.strip()])
    return get_breach(db, breach_id)


def history(db, breach_id: int) -> list[dict]:
    """Every event of a breach, oldest first."""
    get_breach(db, breach_id)
    return _rows(db, "SELECT * FROM breach_events WHERE breach_id = ? ORDER BY id", [breach_id])
