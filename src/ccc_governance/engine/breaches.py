"""Breaches: persisted with their first-seen day and a status a vendor manager changes.

A breach is one contract version × KPI × period whose result was `breached`. Re-evaluation
updates its figures and `last_seen_at`, never its status or notes; a breach no longer found is
marked `still_breached = 0`, never deleted. Every status change is a `breach_events` row, with
its `actor` (`actor.current_actor`: who evaluated or changed it) and an entry in the change log
(`trail`: `evaluate.breaches` for what an evaluation finds or no longer finds, `breach.status`).

Time (`docs/engine.md`, "Time"): each change is dated on the day it counts as, `--as-of` or today
(`first_seen_at`, `last_seen_at`, `breach_events.at`: ISO dates), and keeps the real instant it was
stored (`first_recorded_at`, `last_recorded_at`, `breach_events.recorded_at`: epoch ms UTC). A
history never runs backwards: a status change dated before the breach's last event is refused; an
evaluation as of an earlier day dates what it finds on that last event's day.

A new breach queues its notification in the same transaction (`engine.notifications`); a status
change recomputes the stored credits of its month in the same transaction.
"""

from __future__ import annotations

from .. import clock
from ..actor import current_actor
from ..errors import NotFoundError, StateError
from ..trail import record_change
from . import credits, notifications
from .credits import _chunks, _marks
from .scope import all_versions

STATUSES = ("open", "acknowledged", "disputed", "waived", "closed")
#: CLI verb → status
VERBS = {"ack": "acknowledged", "acknowledge": "acknowledged", "dispute": "disputed", "waive": "waived",
         "close": "closed", "reopen": "open"}


def _rows(db, sql: str, args=()) -> list[dict]:
    cur = db.execute(sql, list(args))
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _now_ms() -> int:
    return clock.to_ms(clock.now_utc())


def last_day(db, breach_id: int) -> str | None:
    """The latest day the breach's history reaches (ISO date): its last event or last sighting.
    Rows stored before days were kept hold an ISO instant: its date counts."""
    row = db.execute(
        "SELECT MAX(d) FROM (SELECT substr(at, 1, 10) AS d FROM breach_events WHERE breach_id = ? "
        "UNION ALL SELECT substr(last_seen_at, 1, 10) FROM breaches WHERE id = ?) AS t",
        [breach_id, breach_id]).fetchone()
    return row[0] if row else None


def _event(db, breach_id: int, day: str, now: int, status_from, status_to: str, note: str, actor: str) -> None:
    db.execute("INSERT INTO breach_events (breach_id, at, recorded_at, status_from, status_to, note, actor) "
               "VALUES (?, ?, ?, ?, ?, ?, ?)", [breach_id, day, now, status_from, status_to, note, actor])


#: What the change log keeps of a breach an evaluation finds, sees again or no longer finds.
_LOGGED = ("contract_version", "kpi_id", "period", "status", "still_breached", "actual", "target", "breach", "volume")


def record(db, results: list[dict], contracts: dict, *, pm=None, workspace=None, as_of=None) -> list[dict]:
    """Store the breaches found in `results` (closed periods only); return the new ones.

    `contracts` maps `(contract_id, version)` to its `Contract`. Changes are dated `as_of` (default
    today). Each new breach queues a `breach_detected` notification in the same transaction; with a
    plugin manager `pm`, every notification not yet delivered (these and earlier failed ones) is then
    delivered (`notifications.deliver_pending`): a notifier that fails gives a warning, never an error.

    Set-based (issue #14: on PostgreSQL each statement is a round trip): the breaches of the evaluated
    contracts and periods and the last day of each one's history are read in one statement; updates,
    events and notifications are written with `executemany` (one pipeline on PostgreSQL); the change
    log's entries are appended in the order the breaches were met, after their rows are written.
    """
    today = clock.today(as_of).isoformat()
    now = _now_ms()
    who = current_actor(db)
    new: list[int] = []
    seen: set[tuple] = set()
    kpis: dict[tuple, object] = {}  # (contract id, version, KPI id) → its Kpi, looked up once
    results = [r for r in results if not r["status"].startswith("mtd_") and _contractual(r, contracts, kpis)]
    periods = sorted({(r["contract_id"], r["period"]) for r in results})
    with db.atomic():  # one transaction: a breach, its events and its queued notification, or nothing
        known = _known(db, periods)
        seen_again: list[list] = []  # UPDATE rows of the breaches found again
        gone: list[list] = []  # UPDATE rows of the breaches no longer breached or found
        events: list[list] = []  # breach_events rows, in the order met (a new breach's id given below)
        logged: list[list] = []  # [breach id, contract id, before]: the change log, in the order met
        inserts: list[tuple] = []  # (key, figures, result, its event row, its log row) of new breaches

        def no_longer(b: dict, note: str) -> None:
            day = max(today, b["last_day"] or today)
            gone.append([day, now, b["id"]])
            events.append([b["id"], day, now, b["status"], b["status"], note, who])
            logged.append([b["id"], b["contract_id"], _before(b)])

        for r in results:
            key = (r["contract_id"], r["contract_version"], r["kpi_id"], r["period"])
            seen.add(key)
            b = known.get(key)
            figures = [r["actual"], r["target"], r["breach"], r["volume"], int(bool(r["small_sample"]))]
            if r["status"] == "breached":
                if b is None:
                    event = [None, today, now, None, "open",
                             f"found by evaluation: {r['kpi_id']} {_fmt(r['actual'])} against breach "
                             f"threshold {_fmt(r['breach'] if r['breach'] is not None else r['target'])}", who]
                    log = [None, r["contract_id"], None]
                    events.append(event)
                    logged.append(log)
                    inserts.append((key, figures, r, event, log))
                else:
                    day = max(today, b["last_day"] or today)
                    seen_again.append([day, now, *figures, b["id"]])
                    if not b["still_breached"]:
                        events.append([b["id"], day, now, b["status"], b["status"],
                                       "breached again after re-evaluation", who])
                        logged.append([b["id"], b["contract_id"], _before(b)])
            elif b is not None and b["still_breached"]:
                no_longer(b, f"no longer breached after re-evaluation ({r['status']}, {_fmt(r['actual'])})")
        # Breaches of the evaluated periods that no result matched (e.g. a version no longer in force).
        for key, b in sorted(known.items(), key=lambda kv: (kv[0][0], kv[0][3], kv[1]["id"])):
            if b["still_breached"] and key not in seen:
                no_longer(b, "no longer found by re-evaluation")
        queued = []
        for key, figures, r, event, log in inserts:  # (one by one: each new breach's id is wanted)
            cur = db.execute(
                "INSERT INTO breaches (contract_id, contract_version, kpi_id, period, status, first_seen_at, "
                "last_seen_at, first_recorded_at, last_recorded_at, actual, target, breach, volume, "
                "small_sample, still_breached) VALUES (?, ?, ?, ?, 'open', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                [*key, today, today, now, now, *figures])
            event[0] = log[0] = cur.lastrowid
            queued.append((cur.lastrowid, r))
            new.append(cur.lastrowid)
        if seen_again:
            db.conn.executemany(
                "UPDATE breaches SET last_seen_at = ?, last_recorded_at = ?, actual = ?, target = ?, breach = ?, "
                "volume = ?, small_sample = ?, still_breached = 1 WHERE id = ?", seen_again)
        if gone:
            db.conn.executemany(
                "UPDATE breaches SET still_breached = 0, last_seen_at = ?, last_recorded_at = ? WHERE id = ?", gone)
        _events(db, events)
        notifications.queue_many(db, queued)
        after = _snapshots(db, [bid for bid, _, _ in logged])
        for bid, cid, before in logged:
            record_change(db, "evaluate.breaches", contract_id=cid, record=f"breaches:{bid}",
                          before=before, after=after[bid], actor=who)
    if pm is not None:
        notifications.deliver_pending(db, pm, workspace, contracts=contracts)
    return [get_breach(db, bid) for bid in new]


def _known(db, periods: list[tuple[str, str]]) -> dict[tuple, dict]:
    """The stored breaches of these (contract, period) pairs by (contract, version, KPI, period),
    each with the last day of its history (`last_day`), read at once."""
    cids = sorted({c for c, _ in periods})
    labels = sorted({p for _, p in periods})
    wanted = set(periods)
    out: dict[tuple, dict] = {}
    for cs in _chunks(cids):
        for ls in _chunks(labels):
            where = f"contract_id IN ({_marks(len(cs))}) AND period IN ({_marks(len(ls))})"
            rows = _rows(db, (
                f"SELECT b.*, substr(b.last_seen_at, 1, 10) AS last_seen_day, e.last_event_day FROM breaches b "
                f"LEFT JOIN (SELECT breach_id, MAX(substr(at, 1, 10)) AS last_event_day FROM breach_events "
                f"WHERE breach_id IN (SELECT id FROM breaches WHERE {where}) GROUP BY breach_id) e "
                f"ON e.breach_id = b.id WHERE b.{where.replace(' AND period', ' AND b.period')}"),
                [*cs, *ls, *cs, *ls])
            for b in rows:
                if (b["contract_id"], b["period"]) not in wanted:
                    continue
                days = [d for d in (b["last_seen_day"], b["last_event_day"]) if d is not None]
                b["last_day"] = max(days) if days else None
                out[(b["contract_id"], b["contract_version"], b["kpi_id"], b["period"])] = b
    return out


def _before(b: dict) -> dict:
    return {k: v for k, v in b.items() if k in _LOGGED}


def _snapshots(db, ids: list[int]) -> dict[int, dict]:
    """What the change log keeps of these breaches (`_LOGGED`) as stored now, read at once."""
    out: dict[int, dict] = {}
    unique = sorted(set(ids))
    for part in _chunks(unique):
        for b in _rows(db, f"SELECT * FROM breaches WHERE id IN ({_marks(len(part))})", part):
            out[b["id"]] = _before(b)
    return out


def _events(db, rows: list[list]) -> None:
    if rows:
        db.conn.executemany("INSERT INTO breach_events (breach_id, at, recorded_at, status_from, status_to, note, "
                            "actor) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def _contractual(result: dict, contracts: dict, kpis: dict | None = None) -> bool:
    """A breach is of the KPI's own measurement period (`[[kpi]] period`): a monthly KPI evaluated over
    a quarter or a week is a view of it, not a second breach of the same misses. A KPI measured per
    `interval` is breached per day, the finest period evaluated."""
    key = (result["contract_id"], result["contract_version"], result["kpi_id"])
    if kpis is not None and key in kpis:
        kpi = kpis[key]
    else:
        contract = contracts.get(key[:2])
        kpi = contract.kpi_by_id(result["kpi_id"]) if contract is not None else None
        if kpis is not None:
            kpis[key] = kpi
    if kpi is None:
        return True
    return result["period_kind"] == ("day" if kpi.period == "interval" else kpi.period)


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
    sql, args = "SELECT * FROM breaches WHERE 1 = 1", []
    if status:
        sql += " AND status = ?"
        args.append(status)
    if contract_id:
        sql += " AND contract_id = ?"
        args.append(contract_id)
    return _rows(db, sql + " ORDER BY period DESC, contract_id, kpi_id, id", args)


def set_status(db, breach_id: int, status: str, note: str, as_of=None) -> dict:
    """Move a breach to `status` with a note (a `breach_events` row dated `as_of`, default today).

    A closed breach stays closed unless reopened (`open`); setting the status it already has is
    refused, and so is a date before the breach's last event (its history would run backwards).
    The stored credits of the breach's month are recomputed in the same transaction (a waived
    breach owes no credit from now on, a reopened one owes it again).
    """
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
    day = clock.today(as_of).isoformat()
    who = current_actor(db)
    latest = last_day(db, breach_id)
    if latest and day < latest:
        raise StateError(f"breach {breach_id}: its history already reaches {latest}; a change as of {day} would "
                         f"come before it (give --as-of {latest} or later)")
    try:
        contracts = {(v.contract_id, v.version): v.contract for v in all_versions(db, breach["contract_id"])}
    except NotFoundError:  # a breach of a contract not registered here (hand-made data): no credits to follow
        contracts = {}
    with db.atomic():  # the status, its event and the month's credits change together or not at all
        # Only from the status read above: someone who changed it meanwhile (another person, on a
        # shared store) wins, and this change is refused with their name, nothing written.
        cur = db.execute("UPDATE breaches SET status = ? WHERE id = ? AND status = ?", [status, breach_id, current])
        if cur.rowcount == 0:
            raise _conflict(db, breach_id, current)
        _event(db, breach_id, day, _now_ms(), current, status, note.strip(), who)
        record_change(db, "breach.status", contract_id=breach["contract_id"], record=f"breaches:{breach_id}",
                      before={"status": current}, after={"status": status, "as_of": day, "note": note.strip()},
                      actor=who)
        if contracts:
            credits.refresh_many(db, [(breach["contract_id"], breach["period"])], contracts)
    return get_breach(db, breach_id)


def _conflict(db, breach_id: int, was: str) -> StateError:
    last = db.execute("SELECT actor, status_to, recorded_at FROM breach_events WHERE breach_id = ? "
                      "ORDER BY id DESC LIMIT 1", [breach_id]).fetchone()
    who, now = (last[0] or "someone", last[1]) if last else ("someone", "changed")
    when = clock.from_ms(last[2]).strftime(" at %H:%M:%S UTC") if last and last[2] else ""
    return StateError(f"breach {breach_id} was changed by {who}{when} ({was} → {now}) while you were changing it: "
                      "nothing saved; look at it again (`ccc breach show`) and retry")


def history(db, breach_id: int) -> list[dict]:
    """Every event of a breach, oldest first."""
    get_breach(db, breach_id)
    return _rows(db, "SELECT * FROM breach_events WHERE breach_id = ? ORDER BY id", [breach_id])
