"""Everything the TUI shows, in one place, returning plain dataclasses and dicts.

Widgets never see SQL. Each function takes an open `sqlite_utils.Database` (opened in the worker
thread that calls it, see `connect`) and returns data ready to show. The logic lives in the areas
that own it (contracts' registry, the engine's results and breaches, governance's calendar …),
called here directly; this module only gathers it per screen and keeps the few reads no other
area provides. Nothing here imports Textual: the module runs headless in tests and benchmarks.
"""

from __future__ import annotations

import sqlite3
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from .. import trail
from ..actor import current_actor
from ..clock import today
from ..contracts import registry
from ..engine import breaches as engine_breaches
from ..engine import credits as engine_credits
from ..engine import drilldown, results
from ..engine import exclusions as engine_exclusions
from ..errors import NotFoundError, WorkspaceError
from ..governance import actions as gov_actions
from ..governance import evidence as gov_evidence
from ..governance import obligations as gov_obligations
from ..governance import reviews as gov_reviews
from ..governance.status import OPEN_BREACH_STATUSES
# The portfolio is a core module (`ccc portfolio` prints it too); the screens read it as `data.…`.
from ..portfolio import (  # noqa: F401
    REVIEW_RANK,
    ContractRow,
    Portfolio,
    PortfolioRow,
    contract_row,
    latest_contracts,
    next_review,
    portfolio,
)
from ..store.db import open_db
from ..store.dialect import is_postgres

#: How long a TUI connection waits for a write lock before saying the database is locked.
BUSY_TIMEOUT_MS = 2000


def connect(path):
    """Open the workspace database for the calling thread, with a short wait on locks.

    Raises `WorkspaceError` (one line) when the file is missing, not a database or locked.
    `path` may be a PostgreSQL `StoreLocation` (the server's own locks: reads never wait).
    """
    if not getattr(path, "is_postgres", False):
        path = Path(getattr(path, "path", None) or path)  # (a SQLite `StoreLocation`, or a path)
    db = open_db(path, create=False)  # (a missing file: "no database here yet")
    if is_postgres(db.conn):
        return db
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    # a worker gives up after that wait and says so itself (no note on stderr, no CCC_LOCK_TIMEOUT wait)
    db.conn.lock_timeout, db.conn.on_lock_wait = BUSY_TIMEOUT_MS / 1000, None
    return db


def changes_by_others(db, after_id: int | None) -> tuple[int, list[dict]]:
    """The change log's last entry id, and the entries after `after_id` made by another actor than
    this session's (none when `after_id` is None: the first look). A bounded read: 50 at most."""
    head = trail.head_id(db)
    if after_id is None or head <= after_id:
        return head, []
    me = current_actor(db)
    return head, [e for e in trail.entries(db, after_id=after_id) if e["actor"] != me][-50:]


def change_line(entry: dict) -> str:
    """One line of the "changed by others" notice: `14:02 UTC bob · breach.status breaches:3 (acme)
    status: open → acknowledged`."""
    where = f" ({entry['contract_id']})" if entry.get("contract_id") else ""
    what = trail.change_text(entry.get("before"), entry.get("after"))
    return (f"{entry['at'][11:16]} UTC {entry['actor']} · {entry['kind']} {entry.get('record') or ''}{where}"
            + (f" {what}" if what else ""))


def friendly_error(err: BaseException, db_path: str | Path | None = None) -> str:
    """One line for any error a worker met: a `CccError`'s message, or a plain word for SQLite's."""
    from ..errors import CccError

    if isinstance(err, CccError):
        return err.format()
    if "psycopg" in sys.modules:
        from ..store.postgres import one_line

        pg = one_line(err)
        if pg is not None:
            return pg.format()
    if isinstance(err, sqlite3.OperationalError) and "locked" in str(err):
        where = f"{db_path}: " if db_path else ""
        return f"{where}the database is locked by another ccc process (an import running?): try again when it ends"
    if isinstance(err, sqlite3.DatabaseError):
        return f"{db_path or 'database'}: {err}"
    return f"unexpected error: {type(err).__name__}: {err}"


# --------------------------------------------------------------------------- contracts


def contract(db, contract_id: str) -> ContractRow:
    """The latest version of one contract; `NotFoundError` if it is not registered."""
    rows = registry.versions(db, contract_id)
    if not rows:
        raise NotFoundError(f"contract {contract_id!r} is not registered")
    return contract_row(rows[-1])


def has_contracts(db) -> bool:
    """Whether any contract is registered (an empty database gets a message, not an empty table)."""
    return db.execute("SELECT EXISTS (SELECT 1 FROM contract_versions)").fetchone()[0] == 1


# --------------------------------------------------------------------------- reviews


def reviews_to_show(db, as_of: date) -> list[dict]:
    """Reviews that need attention (upcoming, due, overdue) and those held in the last 30 days
    (awaiting sign-off or just recorded), with each contract's open actions; worst first."""
    recent = (as_of - timedelta(days=30)).isoformat()
    rows = [
        r for r in gov_reviews.calendar(db, as_of=as_of)
        if r["state"] not in ("held", "signed_off") or (r.get("held_on") or "") >= recent
    ]
    actions: dict[str, int] = {}
    for a in open_actions(db, as_of):
        actions[a["contract_id"]] = actions.get(a["contract_id"], 0) + 1
    for r in rows:
        r["open_actions"] = actions.get(r["contract_id"], 0)
    rows.sort(key=lambda r: (REVIEW_RANK.get(r["state"], 9), r.get("hold_by") or "", r["contract_id"]))
    return rows


def record_review(db, contract_id: str, period: str, held_on: date, attendees: list[str]) -> int:
    """Record the review of `contract_id` for `period` as held; returns the review id."""
    return gov_reviews.record_review(db, contract_id, period, held_on=held_on, attendees=attendees)["id"]


def add_action(db, contract_id: str, title: str, *, owner: str | None, due: date | None,
               review_period: str | None, as_of: date) -> int:
    """Add an open action to a contract (linked to the held review of `review_period` if given); returns its id."""
    return gov_actions.add_action(
        db, contract_id, title, owner=owner, due=due, review_period=review_period, raised_on=as_of
    )["id"]


def open_actions(db, as_of: date, contract_id: str | None = None) -> list[dict]:
    """Actions open on `as_of`, oldest due first."""
    rows = gov_actions.list_actions(db, contract_id, "open", as_of=as_of)
    return sorted(rows, key=lambda a: (a["due"] is None, a["due"] or "", a["id"]))


def evidence(db, contract_id: str) -> list[dict]:
    """Evidence recorded for the contract's obligations and duties, newest first."""
    return list(reversed(gov_evidence.list_evidence(db, contract_id)))


# --------------------------------------------------------------------------- portfolio


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
class InvoiceView:
    """The contract screen's Invoice part: the check of the CCC's invoice for one period."""

    period: str  # the period checked: the screen's when whole months, else the latest invoiced one
    check: dict | None  # `InvoiceCheck.as_dict()`; None with `error`, or when nothing was invoiced for `period`
    error: str | None  # the one line saying why the check cannot be made
    latest: str  # the latest period the contract's invoice lines name


@dataclass
class ContractView:
    contract: ContractRow
    periods: list[str]
    period: str | None
    kpis: list[KpiLine]
    exclusions: list[dict]
    credits: list[dict]
    complaints: dict | None  # None: no period with stored results
    obligations: list[dict]
    evidence: list[dict]
    actions: list[dict]
    review: dict | None
    as_of: date
    invoice: InvoiceView | None = None  # None: no invoice line of the contract was imported


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
    """Stored results (`engine.results.stored_results`), the highest contract version per KPI × period."""
    rows = results.stored_results(db, contract_id=contract_id, period=period, kpi_id=kpi_id)
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
    stored = {r["kpi_id"]: r for r in _results(db, contract_id, period=period)} if period else {}
    order = [k.get("id") for k in c.kpis if k.get("id")]
    order += [k for k in stored if k not in order]
    metrics = {k.get("id"): k.get("metric", "") for k in c.kpis}
    lines = []
    for kid in order:
        r = stored.get(kid)
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
    calendar = gov_reviews.calendar(db, contract_id, as_of)
    return ContractView(
        contract=c,
        periods=periods,
        period=period,
        kpis=lines,
        exclusions=engine_exclusions.list_exclusions(db, contract_id),
        credits=engine_credits.credits_for(db, contract_id, period) if period else [],
        complaints=drilldown.complaint_compliance(db, contract_id, period, as_of) if period else None,
        obligations=gov_obligations.schedule(db, contract_id, as_of),
        evidence=evidence(db, contract_id),
        actions=open_actions(db, as_of, contract_id),
        review=next_review(calendar) or (calendar[-1] if calendar else None),
        as_of=as_of,
        invoice=contract_invoice(db, contract_id, period),
    )


def contract_invoice(db, contract_id: str, period: str | None) -> InvoiceView | None:
    """The invoice check the contract screen shows: for `period` when it is whole months, else for the
    latest period the contract's invoice lines name. None when no invoice line of the contract was
    imported. One query, then the check's own (a number that does not grow with the invoice lines)."""
    from ..export import invoice as invoices
    from ..periods import parse_period

    invoiced = invoices.invoiced_periods(db, contract_id)
    if not invoiced:
        return None
    target = parse_period(period) if period else None
    if target is None or not invoices.whole_months(target):
        target = invoiced[-1]
    latest = invoiced[-1].label
    if not invoices.inside(invoiced, target):
        return InvoiceView(target.label, None, None, latest)
    found = invoices.checked(db, contract_id, target)
    return InvoiceView(target.label, None if "error" in found else found, found.get("error"), latest)


def _period_end(db, contract_id: str, period: str) -> str:
    row = db.execute(
        "SELECT MAX(period_end) FROM kpi_results WHERE contract_id = ? AND period = ?", [contract_id, period]
    ).fetchone()
    # period_end is exclusive: a period is closed on the day after its last day.
    return row[0] if row and row[0] else "9999"


# --------------------------------------------------------------------------- KPI drill-down


@dataclass
class KpiView:
    contract_id: str
    kpi_id: str
    period: str | None
    result: dict | None
    history: list[dict]
    breakdown: list[dict] | None  # None: no stored result to break down
    breach: dict | None


def kpi_view(db, contract_id: str, kpi_id: str, period: str | None) -> KpiView:
    """The drill-down of one KPI: its history, the selected period's result and daily breakdown."""
    history = kpi_history(db, contract_id, kpi_id, 12, until=period)
    result = next((h for h in history if h["period"] == period), history[-1] if history else None)
    breakdown = breach = None
    if result:
        period = result["period"]
        breakdown = drilldown.breakdown(db, contract_id, kpi_id, period)
        found = [b for b in engine_breaches.list_breaches(db, contract_id=contract_id)
                 if b["kpi_id"] == kpi_id and b["period"] == period]
        breach = max(found, key=lambda b: b["contract_version"]) if found else None
        if breach is not None:  # its history: what changed, on which day, by whom, why
            breach = dict(breach, events=engine_breaches.history(db, breach["id"]))
    return KpiView(contract_id, kpi_id, period, result, history, breakdown, breach)


# --------------------------------------------------------------------------- breaches


def breaches(db, status: str | None = None) -> list[dict]:
    """Every breach across contracts, unresolved ones first, with the contract's client and CCC and the last note."""
    rows = engine_breaches.list_breaches(db, status=status)
    names = {c.contract_id: c for c in latest_contracts(db)}
    notes = {
        bid: note
        for bid, note in db.execute(
            "SELECT breach_id, note FROM breach_events e WHERE id = "
            "(SELECT MAX(id) FROM breach_events f WHERE f.breach_id = e.breach_id AND f.note IS NOT NULL)"
        ).fetchall()
    }
    metrics = {(cid, version, kid): metric for cid, version, kid, metric in db.execute(
        "SELECT DISTINCT contract_id, contract_version, kpi_id, metric FROM kpi_results").fetchall()}
    for r in rows:
        c = names.get(r["contract_id"])
        r["client"] = c.client if c else ""
        r["ccc"] = c.ccc if c else ""
        r["note"] = notes.get(r["id"])
        r["metric"] = metrics.get((r["contract_id"], r["contract_version"], r["kpi_id"]))  # (its unit)
    # Unresolved first; otherwise a stable order, so that a row stays put when its status changes.
    rows.sort(key=lambda r: (r["status"] not in OPEN_BREACH_STATUSES, r["contract_id"], r["period"], r["kpi_id"]))
    return rows


def set_breach_status(db, breach_id: int, status: str, note: str, as_of: date) -> dict:
    """Acknowledge, dispute, waive, close (or reopen) a breach with a note (`engine.breaches.set_status`);
    returns the updated row."""
    return engine_breaches.set_status(db, breach_id, status, note, as_of=as_of)


# --------------------------------------------------------------------------- review packs


def pre_read_pack(db, contract_id: str, period: str, as_of: date, out_dir: Path, **options) -> Path:
    """Write the review's pre-read pack (self-contained HTML) under `out_dir` and return its path.

    Evaluates the period first when its results are not stored yet (as `ccc export review` does).
    `options`: the workspace's pack settings (`cli.export.pack_options`: templates, logo,
    `[iso18295]`), as the CLI's packs use them; the defaults without.
    """
    from ..export.write import export_review_into

    # `packs/` is a collection folder: a pack replaces only a pack ccc wrote there (see `outputs`).
    path, _pack = export_review_into(db, contract_id, period, "html", out_dir, as_of=as_of, **options)
    return path


def refresh_site(db, folder: Path, as_of: date, **options) -> str:
    """Write (or refresh) the static site in `folder` (as `ccc export site`, with the pack `options`
    of `pre_read_pack`); what to say when done. A folder holding files ccc did not write is refused
    (`CccError`, one line), nothing written."""
    from ..export.site import export_site

    result = export_site(db, folder, as_of=as_of, **options)
    return f"site refreshed: {result.index} ({result.contracts} contracts, {len(result.packs)} review packs)"


def resolve_as_of(as_of: str | date | None) -> date:
    """The TUI's "today": `--as-of`, `CCC_AS_OF` or the calendar date."""
    return today(as_of)

