"""Every query the TUI makes, in one place, returning plain dataclasses and dicts.

Widgets never see SQL. Each function takes an open `sqlite_utils.Database` (opened in the worker
thread that calls it, see `connect`) and returns data ready to show. Where another area owns the
logic (the engine's breaches, governance's review calendar …) the function calls that area's
public API when it is installed and otherwise reads the stored tables directly, so that switching
is one edit here. Nothing here imports Textual: the module runs headless in tests and benchmarks.
"""

from __future__ import annotations

import importlib
import json
import sqlite3
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ..clock import today
from ..errors import NotFoundError, StateError, WorkspaceError
from ..periods import FREQUENCY_KIND, period_containing
from ..store.db import open_db

#: Worst first: the order the portfolio sorts statuses in.
STATUS_RANK = {"breached": 0, "at_risk": 1, "insufficient_volume": 2, "no_data": 3, "met": 4}
#: Breach statuses a user can set, and those that still count as "open" on the portfolio.
BREACH_STATUSES = ("open", "acknowledged", "disputed", "waived", "closed")
UNRESOLVED = ("open", "acknowledged", "disputed")
#: Review states worst first.
REVIEW_RANK = {"overdue": 0, "due": 1, "pre_read_due": 2, "upcoming": 3, "held": 4, "signed_off": 5}
#: How long a TUI connection waits for a write lock before saying the database is locked.
BUSY_TIMEOUT_MS = 2000


def _optional(module: str, name: str):
    """`module.name` if that area's module is installed and defines it, else None."""
    try:
        mod = importlib.import_module(f"ccc_governance.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


def connect(path: str | Path):
    """Open the workspace database for the calling thread, with a short wait on locks.

    Raises `WorkspaceError` (one line) when the file is missing, not a database or locked.
    """
    path = Path(path)
    if not path.exists():
        raise WorkspaceError(
            f"{path}: no database here yet (run `ccc demo`, `ccc contract register` or `ccc import`)"
        )
    db = open_db(path, create=False)
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return db


def friendly_error(err: BaseException, db_path: str | Path | None = None) -> str:
    """One line for any error a worker met: a `CccError`'s message, or a plain word for SQLite's."""
    from ..errors import CccError

    if isinstance(err, CccError):
        return err.format()
    if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
        where = f"{db_path}: " if db_path else ""
        return f"{where}the database is locked by another ccc process (an import running?): try again when it ends"
    if isinstance(err, sqlite3.DatabaseError):
        return f"{db_path or 'database'}: {err}"
    return f"unexpected error: {type(err).__name__}: {err}"


def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def _table_exists(db, name: str) -> bool:
    return db[name].exists()


# --------------------------------------------------------------------------- contracts


@dataclass
class ContractRow:
    """The latest registered version of a contract, with the bits of its TOML the TUI needs."""

    contract_id: str
    version: int
    title: str
    client: str
    ccc: str
    timezone: str
    currency: str
    review_kind: str
    hold_within_days: int
    pre_read_days: int
    kpis: list[dict] = field(default_factory=list)


def _parse_toml(text: str) -> dict:
    try:
        return tomllib.loads(text or "")
    except tomllib.TOMLDecodeError:
        return {}


def _contract_row(row: dict) -> ContractRow:
    doc = _parse_toml(row.get("toml") or "")
    info = doc.get("contract", {}) if isinstance(doc.get("contract"), dict) else {}
    review = doc.get("review", {}) if isinstance(doc.get("review"), dict) else {}
    kpis = [k for k in doc.get("kpi", []) if isinstance(k, dict)]
    return ContractRow(
        contract_id=row["contract_id"],
        version=row["version"],
        title=row.get("title") or info.get("title") or row["contract_id"],
        client=row.get("client") or info.get("client") or "",
        ccc=row.get("ccc") or info.get("ccc") or "",
        timezone=row.get("timezone") or info.get("timezone") or "UTC",
        currency=info.get("currency", "EUR"),
        review_kind=FREQUENCY_KIND.get(review.get("frequency", "monthly"), "month"),
        hold_within_days=int(review.get("hold_within_days", 10)),
        pre_read_days=int(review.get("pre_read_days", 3)),
        kpis=kpis,
    )


def latest_contracts(db) -> list[ContractRow]:
    """One row per contract id: its latest registered version (contracts' `registry.latest`)."""
    latest = _optional("contracts.registry", "latest")
    if latest is not None:
        rows = latest(db)
    else:
        rows = list(
            db.query(
                """SELECT cv.* FROM contract_versions cv
                   JOIN (SELECT contract_id, MAX(version) v FROM contract_versions GROUP BY contract_id) m
                     ON m.contract_id = cv.contract_id AND m.v = cv.version
                   ORDER BY cv.contract_id"""
            )
        )
    return [_contract_row(dict(r)) for r in rows]


def contract(db, contract_id: str) -> ContractRow:
    """The latest version of one contract; `NotFoundError` if it is not registered."""
    rows = list(
        db.query(
            "SELECT * FROM contract_versions WHERE contract_id = ? ORDER BY version DESC LIMIT 1",
            [contract_id],
        )
    )
    if not rows:
        raise NotFoundError(f"contract {contract_id!r} is not registered")
    return _contract_row(rows[0])


def has_contracts(db) -> bool:
    """Whether any contract is registered (an empty database gets a message, not an empty table)."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM contract_versions)").fetchone()[0] == 1


# --------------------------------------------------------------------------- reviews


def review_calendar(db, as_of: date, contract_id: str | None = None) -> list[dict]:
    """Review calendar rows (`contract_id, period, state, hold_by, pre_read_on, held_on`).

    Uses `governance.reviews.calendar` when installed. Until then, a stand-in that reads the
    `reviews` table: one row per contract for its last closed review period.
    """
    calendar = _optional("governance.reviews", "calendar")
    if calendar is not None:
        return [dict(r) for r in calendar(db, contract_id=contract_id, as_of=as_of)]
    held = {
        (r["contract_id"], r["period"]): r
        for r in db.query(
            "SELECT r.*, (SELECT COUNT(*) FROM review_signoffs s WHERE s.review_id = r.id) signoffs FROM reviews r"
        )
    }
    out = []
    for c in latest_contracts(db):
        if contract_id and c.contract_id != contract_id:
            continue
        period = period_containing(as_of, c.review_kind).previous()
        hold_by = period.last_day + timedelta(days=c.hold_within_days)
        pre_read_on = hold_by - timedelta(days=c.pre_read_days)
        review = held.get((c.contract_id, period.label))
        if review:
            state = "held"
        elif as_of > hold_by:
            state = "overdue"
        elif as_of >= pre_read_on:
            state = "pre_read_due"
        else:
            state = "due"
        out.append(
            {
                "contract_id": c.contract_id,
                "period": period.label,
                "state": state,
                "hold_by": hold_by.isoformat(),
                "pre_read_on": pre_read_on.isoformat(),
                "held_on": review["held_on"] if review else None,
                "review_id": review["id"] if review else None,
            }
        )
    return out


def reviews_to_show(db, as_of: date) -> list[dict]:
    """Reviews that need attention (upcoming, due, overdue) and those held in the last 30 days
    (awaiting sign-off or just recorded), with each contract's open actions; worst first."""
    recent = (as_of - timedelta(days=30)).isoformat()
    rows = [
        r for r in review_calendar(db, as_of)
        if r["state"] not in ("held", "signed_off") or (r.get("held_on") or "") >= recent
    ]
    actions: dict[str, int] = {}
    for a in open_actions(db):
        actions[a["contract_id"]] = actions.get(a["contract_id"], 0) + 1
    for r in rows:
        r["open_actions"] = actions.get(r["contract_id"], 0)
    rows.sort(key=lambda r: (REVIEW_RANK.get(r["state"], 9), r.get("hold_by") or "", r["contract_id"]))
    return rows


def _next_review(rows: list[dict]) -> dict | None:
    """The review that needs attention first: not held, worst state, earliest hold-by date."""
    pending = [r for r in rows if r.get("state") not in ("held", "signed_off")]
    if not pending:
        return None
    return min(pending, key=lambda r: (REVIEW_RANK.get(r["state"], 9), r.get("hold_by") or ""))


def record_review(db, contract_id: str, period: str, held_on: date, attendees: list[str]) -> int:
    """Record the review of `contract_id` for `period` as held; returns the review id."""
    fn = _optional("governance.reviews", "record_review")
    if fn is not None:
        return fn(db, contract_id, period, held_on=held_on, attendees=attendees)["id"]
    if db.execute(
        "SELECT 1 FROM reviews WHERE contract_id = ? AND period = ?", [contract_id, period]
    ).fetchone():
        raise StateError(f"the {period} review of {contract_id} is already recorded")
    with db.conn:
        cur = db.conn.execute(
            "INSERT INTO reviews (contract_id, period, held_on, attendees, decisions, recorded_at)"
            " VALUES (?, ?, ?, ?, '[]', ?)",
            [contract_id, period, held_on.isoformat(), json.dumps(attendees), _now_iso()],
        )
    return cur.lastrowid


def add_action(db, contract_id: str, title: str, *, owner: str | None, due: date | None,
               review_period: str | None, as_of: date) -> int:
    """Add an open action to a contract (linked to the held review of `review_period` if given); returns its id."""
    if not title.strip():
        raise StateError("an action needs a title")
    fn = _optional("governance.actions", "add_action")
    if fn is not None:
        return fn(db, contract_id, title, owner=owner, due=due, review_period=review_period, raised_on=as_of)["id"]
    review_id = None
    if review_period:
        row = db.execute(
            "SELECT id FROM reviews WHERE contract_id = ? AND period = ?", [contract_id, review_period]
        ).fetchone()
        review_id = row[0] if row else None
    with db.conn:
        cur = db.conn.execute(
            "INSERT INTO actions (contract_id, review_id, title, owner, due, status, raised_on)"
            " VALUES (?, ?, ?, ?, ?, 'open', ?)",
            [contract_id, review_id, title.strip(), owner, due.isoformat() if due else None, as_of.isoformat()],
        )
    return cur.lastrowid


def open_actions(db, contract_id: str | None = None) -> list[dict]:
    """Open actions, oldest due first."""
    fn = _optional("governance.actions", "list_actions")
    if fn is not None:
        return [dict(r) for r in fn(db, contract_id, "open")]
    where, args = "status = 'open'", []
    if contract_id:
        where += " AND contract_id = ?"
        args.append(contract_id)
    return [dict(r) for r in db.query(f"SELECT * FROM actions WHERE {where} ORDER BY due IS NULL, due, id", args)]


def obligations(db, contract_id: str, as_of: date) -> list[dict] | None:
    """The obligation schedule (`governance.obligations.schedule`), or None when not installed."""
    fn = _optional("governance.obligations", "schedule")
    if fn is None:
        return None
    return [dict(r) for r in fn(db, contract_id, as_of)]


def evidence(db, contract_id: str) -> list[dict]:
    """Evidence recorded for the contract's obligations and duties, newest first."""
    return [
        dict(r)
        for r in db.query(
            "SELECT obligation_id, occurrence, date, note, file_name FROM evidence"
            " WHERE contract_id = ? ORDER BY date DESC, id DESC",
            [contract_id],
        )
    ]


# --------------------------------------------------------------------------- portfolio


@dataclass
class PortfolioRow:
    """One line of the portfolio screen."""

    contract_id: str
    title: str
    client: str
    ccc: str
    period: str | None
    status: str | None
    open_breaches: int
    credits_due: float
    currency: str
    next_review: str | None  # "2026-10 by 2026-11-10"
    review_state: str | None
    overdue_obligations: int | None  # None: governance not installed

    def sort_key(self) -> tuple:
        """Worst first: status, then open breaches, then late reviews."""
        return (
            STATUS_RANK.get(self.status or "", 5),
            -self.open_breaches,
            REVIEW_RANK.get(self.review_state or "", 9),
            -(self.overdue_obligations or 0),
            self.contract_id,
        )


@dataclass
class ImportInfo:
    """When data last came in from one source."""

    source: str
    last_imported: str
    batches: int


@dataclass
class Portfolio:
    rows: list[PortfolioRow]
    imports: list[ImportInfo]
    as_of: date


def _last_closed_periods(db, as_of: date) -> dict[str, tuple[str, str, str]]:
    """contract_id → (period label, period kind, worst status) of its last closed stored period.

    Reads stored results only (one grouped query), so the portfolio never recomputes anything.
    """
    rows = db.execute(
        """SELECT contract_id, period, period_kind, period_end, status
             FROM kpi_results
            WHERE period_end <= ? AND period_kind NOT IN ('day', 'range')""",
        [as_of.isoformat()],
    ).fetchall()
    best: dict[str, tuple[str, str, str]] = {}
    ends: dict[str, str] = {}
    statuses: dict[tuple[str, str], str] = {}
    for cid, period, kind, end, status in rows:
        key = (cid, period)
        if key not in statuses or STATUS_RANK.get(status, 5) < STATUS_RANK.get(statuses[key], 5):
            statuses[key] = status
        # The most recently ended period; at equal ends the longer kind (a month over its last week).
        rank = (end, kind in ("month", "quarter", "half", "year"))
        if cid not in ends or rank > ends[cid]:
            ends[cid] = rank
            best[cid] = (period, kind, "")
    return {cid: (p, k, statuses[(cid, p)]) for cid, (p, k, _) in best.items()}


def portfolio(db, as_of: date) -> Portfolio:
    """Every contract's latest version with its last closed period's worst status, open breaches,
    credits due, next review and overdue obligations, worst first."""
    contracts = latest_contracts(db)
    closed = _last_closed_periods(db, as_of)
    open_breaches = dict(
        db.execute(
            f"SELECT contract_id, COUNT(*) FROM breaches WHERE status IN ({','.join('?' * len(UNRESOLVED))})"
            " GROUP BY contract_id",
            list(UNRESOLVED),
        ).fetchall()
    )
    credits = {
        (cid, period): amount
        for cid, period, amount in db.execute(
            "SELECT contract_id, period, SUM(amount) FROM credits GROUP BY contract_id, period"
        ).fetchall()
    }
    calendar: dict[str, list[dict]] = {}
    for r in review_calendar(db, as_of):
        calendar.setdefault(r["contract_id"], []).append(r)
    out = []
    for c in contracts:
        period, _kind, status = closed.get(c.contract_id, (None, None, None))
        review = _next_review(calendar.get(c.contract_id, []))
        sched = obligations(db, c.contract_id, as_of)
        out.append(
            PortfolioRow(
                contract_id=c.contract_id,
                title=c.title,
                client=c.client,
                ccc=c.ccc,
                period=period,
                status=status,
                open_breaches=int(open_breaches.get(c.contract_id, 0)),
                credits_due=float(credits.get((c.contract_id, period), 0.0) or 0.0),
                currency=c.currency,
                next_review=f"{review['period']} by {review['hold_by']}" if review else None,
                review_state=review["state"] if review else None,
                overdue_obligations=None if sched is None else sum(1 for s in sched if s.get("state") == "overdue"),
            )
        )
    out.sort(key=PortfolioRow.sort_key)
    return Portfolio(rows=out, imports=last_imports(db), as_of=as_of)


def last_imports(db) -> list[ImportInfo]:
    """Per source, when its last complete batch finished (from `batches`)."""
    return [
        ImportInfo(source=s, last_imported=(t or "")[:16].replace("T", " "), batches=n)
        for s, t, n in db.execute(
            "SELECT source, MAX(COALESCE(finished_at, started_at)), COUNT(*) FROM batches"
            " WHERE status = 'complete' GROUP BY source ORDER BY source"
        ).fetchall()
    ]


def filter_rows(rows: list[PortfolioRow], text: str) -> list[PortfolioRow]:
    """Rows whose client, CCC, contract id or status contains every word of `text` (any case).

    `status:breached`, `client:acme` or `ccc:teleperf` restrict a word to one column.
    """
    words = text.lower().split()
    if not words:
        return list(rows)

    def matches(row: PortfolioRow, word: str) -> bool:
        fields = {
            "client": row.client, "ccc": row.ccc, "status": row.status or "",
            "id": row.contract_id, "review": row.review_state or "",
        }
        if ":" in word:
            col, _, value = word.partition(":")
            if col in fields:
                return value in fields[col].lower()
        return any(word in v.lower() for v in fields.values())

    return [r for r in rows if all(matches(r, w) for w in words)]


# --------------------------------------------------------------------------- contract


@dataclass
class KpiLine:
    """One KPI of the contract screen for the selected period."""

    kpi_id: str
    metric: str
    actual: float | None
    target: float | None
    breach: float | None
    status: str
    volume: float | None
    reported: float | None
    trend: list[float | None]


@dataclass
class ContractView:
    contract: ContractRow
    periods: list[str]
    period: str | None
    kpis: list[KpiLine]
    exclusions: list[dict]
    credits: list[dict]
    complaints: dict | None
    obligations: list[dict] | None
    evidence: list[dict]
    actions: list[dict]
    review: dict | None
    as_of: date


def contract_periods(db, contract_id: str, kind: str) -> list[str]:
    """Labels of the periods with stored results for the contract, oldest first, of `kind` if any."""
    rows = db.execute(
        "SELECT period, period_kind, MIN(period_start) s FROM kpi_results WHERE contract_id = ?"
        " GROUP BY period, period_kind ORDER BY s, period",
        [contract_id],
    ).fetchall()
    same = [p for p, k, _ in rows if k == kind]
    return same or [p for p, k, _ in rows if k not in ("day", "range")] or [p for p, _, _ in rows]


def _results(db, contract_id: str, *, period: str | None = None, kpi_id: str | None = None) -> list[dict]:
    """Stored results (`engine.results.stored_results` when installed), highest version per KPI × period."""
    fn = _optional("engine.results", "stored_results")
    if fn is not None:
        rows = [dict(r) for r in fn(db, contract_id=contract_id, period=period, kpi_id=kpi_id)]
    else:
        where, args = ["contract_id = ?"], [contract_id]
        if period:
            where.append("period = ?")
            args.append(period)
        if kpi_id:
            where.append("kpi_id = ?")
            args.append(kpi_id)
        rows = [dict(r) for r in db.query(f"SELECT * FROM kpi_results WHERE {' AND '.join(where)}", args)]
    best: dict[tuple, dict] = {}
    for r in rows:
        key = (r["kpi_id"], r["period"])
        if key not in best or r["contract_version"] > best[key]["contract_version"]:
            best[key] = r
    return sorted(best.values(), key=lambda r: (r["period_start"], r["kpi_id"]))


def kpi_history(db, contract_id: str, kpi_id: str, n: int = 12, until: str | None = None) -> list[dict]:
    """The last `n` stored results of one KPI (oldest first), ending at period `until` if given.

    Only periods of one kind make a trend (months with months, never a quarter among them): the kind
    of `until`, else of the newest result.
    """
    rows = [r for r in _results(db, contract_id, kpi_id=kpi_id) if r["period_kind"] not in ("day", "range")]
    if not rows:
        return []
    anchor = next((r for r in rows if r["period"] == until), None) if until else None
    kind = (anchor or rows[-1])["period_kind"]
    rows = [r for r in rows if r["period_kind"] == kind]
    if anchor is not None:
        rows = [r for r in rows if r["period_start"] <= anchor["period_start"]]
    return rows[-n:]


def contract_view(db, contract_id: str, period: str | None, as_of: date) -> ContractView:
    """Everything the contract screen shows for one period (default: the last one with results)."""
    c = contract(db, contract_id)
    periods = contract_periods(db, contract_id, c.review_kind)
    if period not in periods:
        closed = [p for p in periods if _period_end(db, contract_id, p) <= as_of.isoformat()] or periods
        period = closed[-1] if closed else None
    results = {r["kpi_id"]: r for r in _results(db, contract_id, period=period)} if period else {}
    order = [k.get("id") for k in c.kpis if k.get("id")]
    order += [k for k in results if k not in order]
    metrics = {k.get("id"): k.get("metric", "") for k in c.kpis}
    lines = []
    for kid in order:
        r = results.get(kid)
        history = kpi_history(db, contract_id, kid, 12, until=period)
        lines.append(
            KpiLine(
                kpi_id=kid,
                metric=(r or {}).get("metric") or metrics.get(kid, ""),
                actual=(r or {}).get("actual"),
                target=(r or {}).get("target"),
                breach=(r or {}).get("breach"),
                status=(r or {}).get("status") or "no_data",
                volume=(r or {}).get("volume"),
                reported=(r or {}).get("reported"),
                trend=[h.get("actual") for h in history],
            )
        )
    calendar = review_calendar(db, as_of, contract_id=contract_id)
    return ContractView(
        contract=c,
        periods=periods,
        period=period,
        kpis=lines,
        exclusions=exclusions(db, contract_id),
        credits=credits(db, contract_id, period) if period else [],
        complaints=complaint_compliance(db, contract_id, period) if period else None,
        obligations=obligations(db, contract_id, as_of),
        evidence=evidence(db, contract_id),
        actions=open_actions(db, contract_id),
        review=_next_review(calendar) or (calendar[-1] if calendar else None),
        as_of=as_of,
    )


def _period_end(db, contract_id: str, period: str) -> str:
    row = db.execute(
        "SELECT MAX(period_end) FROM kpi_results WHERE contract_id = ? AND period = ?", [contract_id, period]
    ).fetchone()
    # period_end is exclusive: a period is closed on the day after its last day.
    return row[0] if row and row[0] else "9999"


def exclusions(db, contract_id: str) -> list[dict]:
    """The contract's exclusion windows (outages, force majeure, ramp-up)."""
    fn = _optional("engine.exclusions", "list_exclusions")
    if fn is not None:
        rows = [dict(r) for r in fn(db, contract_id)]
    else:
        rows = [dict(r) for r in db.query("SELECT * FROM exclusions WHERE contract_id = ? ORDER BY starts_at", [contract_id])]
    from ..clock import iso_utc

    for r in rows:
        r.setdefault("from", iso_utc(r.get("starts_at")))
        r.setdefault("to", iso_utc(r.get("ends_at")))
    return rows


def credits(db, contract_id: str, period: str) -> list[dict]:
    """Credit lines of a period with their arithmetic (`explanation`)."""
    fn = _optional("engine.credits", "credits_for")
    if fn is not None:
        return [dict(r) for r in fn(db, contract_id, period)]
    return [dict(r) for r in db.query("SELECT * FROM credits WHERE contract_id = ? AND period = ? ORDER BY id", [contract_id, period])]


def complaint_compliance(db, contract_id: str, period: str) -> dict | None:
    """Complaint time-frame compliance (`engine.drilldown.complaint_compliance`), None when not installed."""
    fn = _optional("engine.drilldown", "complaint_compliance")
    if fn is None:
        return None
    return dict(fn(db, contract_id, period))


# --------------------------------------------------------------------------- KPI drill-down


@dataclass
class KpiView:
    contract_id: str
    kpi_id: str
    period: str | None
    result: dict | None
    history: list[dict]
    breakdown: list[dict] | None  # None: the engine's drill-down is not installed
    breach: dict | None


def kpi_view(db, contract_id: str, kpi_id: str, period: str | None) -> KpiView:
    """The drill-down of one KPI: its history, the selected period's result and daily breakdown."""
    history = kpi_history(db, contract_id, kpi_id, 12, until=period)
    result = next((h for h in history if h["period"] == period), history[-1] if history else None)
    if result:
        for key in ("details", "excluded"):
            if isinstance(result.get(key), str):
                try:
                    result[key] = json.loads(result[key])
                except ValueError:
                    pass
        period = result["period"]
    fn = _optional("engine.drilldown", "breakdown")
    breakdown = [dict(r) for r in fn(db, contract_id, kpi_id, period)] if fn and period else None
    breach = None
    if period:
        rows = list(
            db.query(
                "SELECT * FROM breaches WHERE contract_id = ? AND kpi_id = ? AND period = ?"
                " ORDER BY contract_version DESC LIMIT 1",
                [contract_id, kpi_id, period],
            )
        )
        breach = dict(rows[0]) if rows else None
    return KpiView(contract_id, kpi_id, period, result, history, breakdown, breach)


# --------------------------------------------------------------------------- breaches


def breaches(db, status: str | None = None) -> list[dict]:
    """Every breach across contracts, unresolved ones first, with the contract's client and CCC and the last note."""
    fn = _optional("engine.breaches", "list_breaches")
    rows = [dict(r) for r in fn(db, status=status)] if fn else [
        dict(r)
        for r in db.query(
            "SELECT * FROM breaches" + (" WHERE status = ?" if status else ""), [status] if status else []
        )
    ]
    names = {c.contract_id: c for c in latest_contracts(db)}
    notes = {
        bid: note
        for bid, note in db.execute(
            "SELECT breach_id, note FROM breach_events e WHERE id = "
            "(SELECT MAX(id) FROM breach_events f WHERE f.breach_id = e.breach_id AND f.note IS NOT NULL)"
        ).fetchall()
    }
    for r in rows:
        c = names.get(r["contract_id"])
        r["client"] = c.client if c else ""
        r["ccc"] = c.ccc if c else ""
        r["note"] = notes.get(r["id"])
    # Unresolved first; otherwise a stable order, so that a row stays put when its status changes.
    rows.sort(key=lambda r: (r["status"] not in UNRESOLVED, r["contract_id"], r["period"], r["kpi_id"]))
    return rows


def set_breach_status(db, breach_id: int, status: str, note: str, as_of: date) -> dict:
    """Acknowledge, dispute, waive, close (or reopen) a breach with a note; returns the updated row.

    Goes through `engine.breaches.set_status` when installed; otherwise updates `breaches` and
    appends to `breach_events` in one transaction.
    """
    if status not in BREACH_STATUSES:
        raise StateError(f"unknown breach status {status!r} (expected {', '.join(BREACH_STATUSES)})")
    fn = _optional("engine.breaches", "set_status")
    if fn is not None:
        fn(db, breach_id, status, note, as_of=as_of)
    else:
        row = db.execute("SELECT status FROM breaches WHERE id = ?", [breach_id]).fetchone()
        if row is None:
            raise NotFoundError(f"breach {breach_id} does not exist")
        if row[0] == status:
            raise StateError(f"breach {breach_id} is already {status}")
        with db.conn:
            db.conn.execute("UPDATE breaches SET status = ? WHERE id = ?", [status, breach_id])
            db.conn.execute(
                "INSERT INTO breach_events (breach_id, at, status_from, status_to, note) VALUES (?, ?, ?, ?, ?)",
                [breach_id, _now_iso(), row[0], status, note or None],
            )
    return dict(next(iter(db.query("SELECT * FROM breaches WHERE id = ?", [breach_id]))))


# --------------------------------------------------------------------------- review packs


def pre_read_pack(db, contract_id: str, period: str, as_of: date, out_dir: Path) -> Path:
    """Write the review's pre-read pack (self-contained HTML) under `out_dir` and return its path.

    Evaluates the period first when its results are not stored yet (as `ccc export review` does).
    """
    from ..export.write import default_path, export_review
    from ..periods import parse_period

    p = parse_period(period)
    path = Path(out_dir) / default_path(contract_id, p, "html")
    export_review(db, contract_id, p, "html", path, as_of=as_of)
    return path


def resolve_as_of(as_of: str | date | None) -> date:
    """The TUI's "today": `--as-of`, `CCC_AS_OF` or the calendar date."""
    return today(as_of)

