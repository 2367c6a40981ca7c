"""The portfolio: every contract on one line, worst first, and when each source last imported.

One row per contract (its latest registered version): the last closed period with stored results
and its worst KPI status, open breaches, credits due for that period, the next review and its
state, overdue obligations, records held past the retention. Shown by the TUI's first screen and by `ccc portfolio`. Headless: it
reads stored results through the engine, contracts and governance modules and never evaluates.

A contract whose row cannot be worked out (a stored text that no longer validates, dates that
overflow) is still listed, first, with `problem` saying why in one line; the others are unaffected.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date

from .contracts import registry
from .contracts.problems import CONTRACT_FAILURES, failure_reason
from .engine import breaches as engine_breaches
from .engine import credits as engine_credits
from .engine.results import last_closed_periods
from .engine.statuses import STATUS_RANK
from .governance import obligations as gov_obligations
from .governance import purge as gov_purge
from .governance import reviews as gov_reviews
from .governance.inforce import contract_for
from .governance.status import OPEN_BREACH_STATUSES
from .periods import FREQUENCY_KIND
from .store import readcache
from .store.batches import list_batches

#: Review states worst first.
REVIEW_RANK = {"overdue": 0, "due": 1, "pre_read_due": 2, "upcoming": 3, "held": 4, "signed_off": 5}


# --------------------------------------------------------------------------- contracts


@dataclass
class ContractRow:
    """The latest registered version of a contract, with the bits of its TOML the screens need."""

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


def contract_row(row: dict) -> ContractRow:
    """A `contract_versions` row as a `ContractRow`."""
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
    """One row per contract id: its latest registered version (`registry.latest`)."""
    return [contract_row(r) for r in registry.latest(db)]


# --------------------------------------------------------------------------- the portfolio


@dataclass
class KpiSummary:
    """One KPI of a contract's last closed period, with its recent history (for the "why")."""

    kpi_id: str
    metric: str
    actual: float | None
    target: float | None
    breach: float | None
    status: str
    history: list[float | None]  # this KPI's actual over the last 12 periods of the kind, oldest first

    @property
    def change(self) -> float | None:
        """The actual minus the previous period's (None when either is missing)."""
        if len(self.history) < 2 or self.history[-1] is None or self.history[-2] is None:
            return None
        return self.history[-1] - self.history[-2]


@dataclass
class PortfolioRow:
    """One line of the portfolio."""

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
    overdue_obligations: int
    problem: str | None = None  # why this contract's row could not be worked out (one line), if so
    kpis: list[KpiSummary] = field(default_factory=list)  # the period's KPIs, worst first
    # Records held past the contract's retention (`governance.purge.past_retention`: records, counts,
    # oldest, due_since, retention_days), or None when nothing is.
    past_retention: dict | None = None

    @property
    def worst(self) -> KpiSummary | None:
        """The KPI that explains the status: the worst one of the period, if any."""
        return self.kpis[0] if self.kpis else None

    def sort_key(self) -> tuple:
        """Worst first: a contract that cannot be worked out, then status, open breaches, late reviews."""
        return (
            self.problem is None,
            STATUS_RANK.get(self.status or "", len(STATUS_RANK)),
            -self.open_breaches,
            REVIEW_RANK.get(self.review_state or "", 9),
            -self.overdue_obligations,
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


def next_review(calendar: list[dict]) -> dict | None:
    """The review that needs attention first: not held, worst state, earliest hold-by date."""
    pending = [r for r in calendar if r.get("state") not in ("held", "signed_off")]
    if not pending:
        return None
    return min(pending, key=lambda r: (REVIEW_RANK.get(r["state"], 9), r.get("hold_by") or ""))


def last_imports(db) -> list[ImportInfo]:
    """Per source (sorted), when its last complete batch finished, and how many complete batches it has."""
    latest: dict[str, str] = {}
    counts: dict[str, int] = {}
    for b in list_batches(db):
        if b["status"] != "complete":
            continue
        at = b["finished_at"] or b["started_at"] or ""
        latest[b["source"]] = max(latest.get(b["source"], ""), at)
        counts[b["source"]] = counts.get(b["source"], 0) + 1
    return [ImportInfo(source=s, last_imported=latest[s][:16].replace("T", " "), batches=counts[s])
            for s in sorted(latest)]


def portfolio(db, as_of: date) -> Portfolio:
    """Every contract's latest version with its last closed period's worst status, open breaches,
    credits due, next review and overdue obligations, worst first; and the last import per source.
    A contract whose row cannot be worked out is listed with its `problem` (see the module docstring)."""
    with readcache.preloaded(db):  # (a bounded number of queries, whatever the number of contracts)
        return _portfolio(db, as_of)


def _portfolio(db, as_of: date) -> Portfolio:
    closed = last_closed_periods(db, as_of)
    kpis = kpi_summaries(db, closed, as_of)
    open_breaches: dict[str, int] = {}
    for b in engine_breaches.list_breaches(db):
        if b["status"] in OPEN_BREACH_STATUSES:
            open_breaches[b["contract_id"]] = open_breaches.get(b["contract_id"], 0) + 1
    latest = registry.latest(db)
    held = gov_purge.past_retention(db, _in_force(db, latest, as_of), as_of)
    rows = []
    for stored in latest:
        # Each contract on its own: one that cannot be worked out must not take out the others.
        try:
            row = _row(db, contract_row(stored), closed, open_breaches, as_of)
            row.kpis = kpis.get(stored["contract_id"], [])
            row.past_retention = held.get(stored["contract_id"])
            rows.append(row)
        except CONTRACT_FAILURES as err:
            rows.append(_problem_row(stored, open_breaches, failure_reason(err)))
    rows.sort(key=PortfolioRow.sort_key)
    return Portfolio(rows=rows, imports=last_imports(db), as_of=as_of)


def _in_force(db, latest: list[dict], as_of: date) -> dict:
    """contract_id → the version that applies on `as_of`, for the contracts that can be read."""
    out = {}
    for stored in latest:
        try:
            out[stored["contract_id"]] = contract_for(db, stored["contract_id"], as_of)
        except CONTRACT_FAILURES:
            continue  # its row says why
    return out


def kpi_summaries(db, closed: dict[str, tuple[str, str]], as_of: date) -> dict[str, list[KpiSummary]]:
    """contract_id → the KPIs of its last closed period (`closed`, from `last_closed_periods`),
    worst first (status, then how far the actual is past its target), each with up to 12 periods
    of history of the same kind. One read of `kpi_results`, whatever the number of contracts."""
    rows = db.execute(
        """SELECT contract_id, contract_version, kpi_id, metric, period, period_kind, period_start,
                  actual, target, breach, status
             FROM kpi_results
            WHERE period_end <= ? AND period_kind NOT IN ('day', 'range')
            ORDER BY contract_id, kpi_id, period_start, contract_version""",
        [as_of.isoformat()],
    ).fetchall()
    kinds = {}
    for cid, _, _, _, period, kind, *_ in rows:
        if closed.get(cid, (None,))[0] == period:
            kinds[cid] = kind
    # The highest contract version per (contract, KPI, period): later rows replace earlier ones.
    series: dict[tuple[str, str], dict[str, tuple]] = {}
    for cid, _, kid, metric, period, kind, start, actual, target, breach, status in rows:
        if kinds.get(cid) == kind:
            series.setdefault((cid, kid), {})[period] = (start, metric, actual, target, breach, status)
    out: dict[str, list[KpiSummary]] = {}
    for (cid, kid), periods in series.items():
        last = periods.get(closed[cid][0])
        if last is None:
            continue
        _, metric, actual, target, breach, status = last
        history = [v[2] for _, v in sorted(periods.items(), key=lambda kv: kv[1][0]) if v[0] <= last[0]][-12:]
        out.setdefault(cid, []).append(KpiSummary(kid, metric, actual, target, breach, status, history))
    for lines in out.values():
        lines.sort(key=lambda k: (STATUS_RANK.get(k.status, len(STATUS_RANK)), -_shortfall(k), k.kpi_id))
    return out


def _shortfall(k: KpiSummary) -> float:
    """How far the actual is on the wrong side of its target, relative to the target (0 if not)."""
    if k.actual is None or k.target is None:
        return 0.0
    gap = (k.actual - k.target) if k.breach is not None and k.breach > k.target else (k.target - k.actual)
    return max(gap, 0.0) / (abs(k.target) or 1.0)


def _row(db, c: ContractRow, closed: dict, open_breaches: dict, as_of: date) -> PortfolioRow:
    period, status = closed.get(c.contract_id, (None, None))
    review = next_review(gov_reviews.calendar(db, c.contract_id, as_of))
    credits = engine_credits.credits_for(db, c.contract_id, period) if period else []
    return PortfolioRow(
        contract_id=c.contract_id,
        title=c.title,
        client=c.client,
        ccc=c.ccc,
        period=period,
        status=status,
        open_breaches=open_breaches.get(c.contract_id, 0),
        credits_due=float(engine_credits.total(credits)),
        currency=c.currency,
        next_review=f"{review['period']} by {review['hold_by']}" if review else None,
        review_state=review["state"] if review else None,
        overdue_obligations=len(gov_obligations.overdue(db, c.contract_id, as_of)),
    )


def _problem_row(stored: dict, open_breaches: dict, reason: str) -> PortfolioRow:
    """The row of a contract that cannot be worked out: what the registry knows, and why."""
    return PortfolioRow(
        contract_id=stored["contract_id"],
        title=stored.get("title") or stored["contract_id"],
        client=stored.get("client") or "",
        ccc=stored.get("ccc") or "",
        period=None,
        status=None,
        open_breaches=open_breaches.get(stored["contract_id"], 0),
        credits_due=0.0,
        currency="",
        next_review=None,
        review_state=None,
        overdue_obligations=0,
        problem=reason,
    )
