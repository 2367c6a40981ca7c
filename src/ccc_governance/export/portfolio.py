"""The portfolio pack: every contract of a period worst first, and every CCC on the KPIs they share.

Each contract carries at least what `ccc portfolio` shows (its status, open breaches, the next
review and its state, overdue obligations, credits), here for the chosen period, plus its KPIs'
status counts and its worst KPI. Contracts are ordered worst first as `ccc portfolio` orders them
(`engine.statuses.STATUS_RANK`, then open breaches, then the review's state).

Money: each contract's service credits and, for a contract with `[pricing]`, what its pricing says the
period cost (`expected`), what is due after the credits (`due`) and what the CCC invoiced (`invoiced`, when an
invoice was imported), each in the contract's currency; with `[currency]` rates in ccc.toml (`currency.py`)
also in the reporting currency, with the rate used, and totalled. Cost KPIs (`cost_per_contact` …) in
different currencies are ranked on their converted figures, or not ranked when a rate is missing.

Two KPIs are comparable when they measure the same metric with the same parameters on the same
channel (a 20-second service level is not a 30-second one). Only groups held by at least two
contracts are compared. Entries are listed worst first; `rank` 1 is the best: a met KPI before an
at-risk one before a breached one, then by the figure in the metric's direction (a KPI with too
little volume or no data is not ranked).
"""

from __future__ import annotations

from ..clock import today
from ..currency import Rates
from ..engine import breaches as engine_breaches
from ..engine import credits as engine_credits
from ..engine.statuses import STATUS_RANK, STATUSES
from ..governance import obligations as gov_obligations
from ..governance import reviews as gov_reviews
from ..governance.status import OPEN_BREACH_STATUSES
from ..metrics import CATALOGUE
from ..periods import Period, parse_period
from ..portfolio import REVIEW_RANK, next_review
from .pack import _overall_status, _toml, contracts_in_period, metric_info, stored_results, versions_for_period

#: KPI keys that describe the commitment, not what is measured: they do not split comparison groups.
NOT_PARAMS = {"id", "metric", "target", "breach", "channel", "period", "min_volume", "class", "allocation",
              "description", "schedule"}
#: Statuses a comparison ranks, best first; the others (too little volume, no data) are not ranked.
RANKED = ("met", "at_risk", "breached")


def _params(definition: dict) -> dict:
    return {k: v for k, v in sorted(definition.items()) if k not in NOT_PARAMS and not isinstance(v, (list, dict))}


def _status_rank(status: str | None) -> int:
    return STATUS_RANK.get(status or "", len(STATUS_RANK))


def worst_first(status: str | None, actual, higher_is_better: bool) -> tuple:
    """Sort key, worst first: the engine's status order, then the figure's worst side first."""
    if actual is None:
        return (_status_rank(status), 1, 0.0)
    return (_status_rank(status), 0, actual if higher_is_better else -actual)


def _worst_kpi(results: list[dict]) -> dict | None:
    rows = []
    for r in results:
        info = metric_info(r["metric"], r.get("target"), r.get("breach"))
        rows.append((worst_first(r["status"], r.get("actual"), info["higher_is_better"]), r, info))
    if not rows:
        return None
    _, r, info = min(rows, key=lambda t: t[0])
    return {"kpi_id": r["kpi_id"], "metric": r["metric"], "channel": r.get("channel"), "unit": info["unit"],
            "actual": r.get("actual"), "target": r.get("target"), "breach": r.get("breach"), "status": r["status"]}


def _contract(db, cid: str, period: Period, day, open_breaches: dict) -> tuple[dict, list[dict], dict]:
    version = versions_for_period(db, cid, period)[-1]
    toml = _toml(version)
    results = stored_results(db, cid, period.label)
    review = next_review(gov_reviews.calendar(db, cid, day))
    row = {
        "contract_id": cid, "title": version.get("title"), "client": version.get("client"), "ccc": version.get("ccc"),
        "status": _overall_status(results) if results else "no_data",
        "kpi_count": len(results),
        "statuses": {s: sum(1 for r in results if r["status"] == s) for s in STATUSES},
        "worst": _worst_kpi(results),
        "open_breaches": open_breaches.get(cid, 0),
        "review_period": review["period"] if review else None,
        "review_hold_by": review.get("hold_by") if review else None,
        "review_state": review["state"] if review else None,
        "overdue_obligations": len(gov_obligations.overdue(db, cid, day)),
        "credits_total": engine_credits.total(engine_credits.credits_for(db, cid, period.label)),
        "currency": (toml.get("contract") or {}).get("currency", "EUR"),
    }
    row["priced"] = bool((toml.get("pricing") or {}).get("line"))
    defs = {k.get("id"): k for k in toml.get("kpi", [])}
    return row, results, defs


MONEY = ("credits", "expected", "due", "invoiced")


def _money(db, row: dict, period: Period, rates: Rates) -> dict:
    """One contract's money for the period, in its own currency and, where a rate is given, the reporting one."""
    from ..invoicing import InvoiceCheckError, check_invoice

    out = {"contract_id": row["contract_id"], "ccc": row["ccc"], "currency": row["currency"],
           "credits": row["credits_total"], "expected": None, "due": None, "invoiced": None, "note": None}
    if row.pop("priced"):
        try:
            check = check_invoice(db, row["contract_id"], period)
        except InvoiceCheckError as err:
            out["note"] = str(err)
        else:
            invoiced = any(line.invoiced_quantity or line.invoiced_amount for line in check.lines)
            out.update(currency=check.currency, credits=check.credits, expected=check.expected_lines_total,
                       due=check.expected_total, invoiced=check.invoiced_total if invoiced else None)
    rate = rates.rate(out["currency"], period)
    out["rate"] = rate.as_dict() if rate else None
    out["rate_text"] = rate.text() if rate else None
    out["reporting"] = {k: (round(out[k] * rate.rate, 2) if rate and out[k] is not None else None) for k in MONEY}
    return out


def _money_totals(rows: list[dict], rates: Rates) -> dict:
    by_currency: dict[str, dict] = {}
    for r in rows:
        acc = by_currency.setdefault(r["currency"], dict.fromkeys(MONEY, 0.0))
        for k in MONEY:
            acc[k] = round(acc[k] + (r[k] or 0.0), 2)
    totals = None
    if rates.reporting:
        totals = {k: round(sum(r["reporting"][k] or 0.0 for r in rows if r["rate"]), 2) for k in MONEY}
    return {"reporting_currency": rates.reporting, "contracts": rows, "by_currency": by_currency, "totals": totals,
            "rates_used": sorted({r["rate_text"] for r in rows if r["rate"] and r["rate"]["rate"] != 1.0}),
            "not_converted": [{"contract_id": r["contract_id"], "currency": r["currency"]} for r in rows
                              if rates.reporting and not r["rate"]]}


def _compare_costs(g: dict, money: dict, period: Period, rates: Rates) -> None:
    """A cost group's figures in one currency: each entry's own currency, and the figure ranked (`compare`):
    as it is when all share a currency, converted when rates are given, else not ranked."""
    for e in g["entries"]:
        e["currency"] = money[e["contract_id"]]["currency"]
    if len({e["currency"] for e in g["entries"]}) == 1:
        return
    for e in g["entries"]:
        converted, rate = rates.convert(e["actual"], e["currency"], period)
        e["compare"], e["rate_text"] = converted, rate.text() if rate else None
    if any(e["compare"] is None and e["actual"] is not None for e in g["entries"]):
        g["note"] = (f"figures in {', '.join(sorted({e['currency'] for e in g['entries']}))}: not ranked without "
                     "a rate for each in ccc.toml [currency.rates]")
        for e in g["entries"]:
            e["compare"] = None
    else:
        g["note"] = f"ranked on the figures in {rates.reporting}"


def _sort_key(c: dict) -> tuple:
    return (_status_rank(c["status"]), -c["open_breaches"], REVIEW_RANK.get(c["review_state"] or "", 9),
            -c["overdue_obligations"], c["contract_id"])


def build_portfolio(db, period: Period | str, as_of=None, rates: Rates | None = None) -> dict:
    """The comparison of every contract in force in `period`, JSON-ready:
    `{period, as_of, contracts: [...], groups: [{metric, channel, params, params_text, unit, entries}], money}`;
    `rates`: the workspace's `[currency]` (`currency.workspace_rates`)."""
    rates = rates or Rates()
    if isinstance(period, str):
        period = parse_period(period)
    day = today(as_of)
    open_breaches: dict[str, int] = {}
    for b in engine_breaches.list_breaches(db):
        if b["status"] in OPEN_BREACH_STATUSES:
            open_breaches[b["contract_id"]] = open_breaches.get(b["contract_id"], 0) + 1
    contracts = []
    money: dict[str, dict] = {}
    groups: dict[tuple, dict] = {}
    for cid in contracts_in_period(db, period):
        row, results, defs = _contract(db, cid, period, day, open_breaches)
        money[cid] = _money(db, row, period, rates)
        contracts.append(row)
        for r in results:
            params = _params(defs.get(r["kpi_id"], {}))
            key = (r["metric"], r.get("channel") or "", tuple(params.items()))
            info = metric_info(r["metric"], r.get("target"), r.get("breach"))
            g = groups.setdefault(key, {
                "metric": r["metric"], "channel": r.get("channel"), "params": params,
                "params_text": ", ".join(f"{k}={v}" for k, v in params.items()),
                "unit": info["unit"], "higher_is_better": info["higher_is_better"], "entries": []})
            g["entries"].append({"contract_id": cid, "ccc": row["ccc"], "kpi_id": r["kpi_id"],
                                 "actual": r.get("actual"), "target": r.get("target"), "breach": r.get("breach"),
                                 "denominator": r.get("denominator"), "volume": r.get("volume"), "status": r["status"]})
    contracts.sort(key=_sort_key)
    shared = []
    for g in groups.values():
        if len({e["contract_id"] for e in g["entries"]}) < 2:
            continue
        hib = g["higher_is_better"]
        metric = CATALOGUE.get(g["metric"])
        if metric is not None and metric.unit == "currency":
            _compare_costs(g, money, period, rates)
        for e in g["entries"]:
            e.setdefault("compare", e["actual"])
        ranked = [e for e in g["entries"] if e["compare"] is not None and e["status"] in RANKED]
        ranked.sort(key=lambda e: (RANKED.index(e["status"]), -e["compare"] if hib else e["compare"]))
        for i, e in enumerate(ranked, start=1):
            e["rank"] = i
        for e in g["entries"]:
            e.setdefault("rank", None)
        g["ranked"] = len(ranked)
        g["entries"].sort(key=lambda e: (*worst_first(e["status"], e["actual"], hib), e["contract_id"]))
        shared.append(g)
    shared.sort(key=lambda g: (g["metric"], g["channel"] or "", g["params_text"]))
    return {"schema": "ccc-portfolio/1", "period": period.label, "as_of": day.isoformat(),
            "contracts": contracts, "groups": shared,
            "money": _money_totals([money[c["contract_id"]] for c in contracts], rates)}
