"""The multi-vendor view: every CCC compared on the KPIs their contracts share.

Two KPIs are comparable when they measure the same metric with the same parameters on the same
channel (a 20-second service level is not a 30-second one). Only groups held by at least two
contracts are compared; each entry is ranked within its group (1 = best, by the metric's direction).
"""

from __future__ import annotations

from ..clock import today
from ..engine import credits as engine_credits
from ..periods import Period, parse_period
from .pack import _overall_status, _toml, contracts_in_period, metric_info, stored_results, versions_for_period

#: KPI keys that describe the commitment, not what is measured: they do not split comparison groups.
NOT_PARAMS = {"id", "metric", "target", "breach", "channel", "period", "min_volume", "class", "allocation",
              "description", "schedule"}


def _params(definition: dict) -> dict:
    return {k: v for k, v in sorted(definition.items()) if k not in NOT_PARAMS and not isinstance(v, (list, dict))}


def build_portfolio(db, period: Period | str, as_of=None) -> dict:
    """The comparison of every contract in force in `period`, JSON-ready:
    `{period, as_of, contracts: [...], groups: [{metric, channel, params, params_text, unit, entries}]}`."""
    if isinstance(period, str):
        period = parse_period(period)
    contracts = []
    groups: dict[tuple, dict] = {}
    for cid in contracts_in_period(db, period):
        version = versions_for_period(db, cid, period)[-1]
        toml = _toml(version)
        defs = {k.get("id"): k for k in toml.get("kpi", [])}
        results = stored_results(db, cid, period.label)
        credits = engine_credits.total(engine_credits.credits_for(db, cid, period.label))
        contracts.append({"contract_id": cid, "title": version.get("title"), "ccc": version.get("ccc"),
                          "status": _overall_status(results) if results else "no_data",
                          "credits_total": credits,
                          "currency": (toml.get("contract") or {}).get("currency", "EUR")})
        for r in results:
            params = _params(defs.get(r["kpi_id"], {}))
            key = (r["metric"], r.get("channel") or "", tuple(params.items()))
            info = metric_info(r["metric"], r.get("target"), r.get("breach"))
            g = groups.setdefault(key, {
                "metric": r["metric"], "channel": r.get("channel"), "params": params,
                "params_text": ", ".join(f"{k}={v}" for k, v in params.items()),
                "unit": info["unit"], "higher_is_better": info["higher_is_better"], "entries": []})
            g["entries"].append({"contract_id": cid, "ccc": version.get("ccc"), "kpi_id": r["kpi_id"],
                                 "actual": r.get("actual"), "target": r.get("target"), "breach": r.get("breach"),
                                 "denominator": r.get("denominator"), "volume": r.get("volume"), "status": r["status"]})
    shared = []
    for g in groups.values():
        if len({e["contract_id"] for e in g["entries"]}) < 2:
            continue
        sign = -1 if g["higher_is_better"] else 1
        ranked = sorted((e for e in g["entries"] if e["actual"] is not None), key=lambda e: sign * e["actual"])
        for i, e in enumerate(ranked, start=1):
            e["rank"] = i
        for e in g["entries"]:
            e.setdefault("rank", None)
        g["entries"].sort(key=lambda e: (e["rank"] is None, e["rank"] or 0, e["contract_id"]))
        shared.append(g)
    shared.sort(key=lambda g: (g["metric"], g["channel"] or "", g["params_text"]))
    return {"schema": "ccc-portfolio/1", "period": period.label, "as_of": today(as_of).isoformat(),
            "contracts": contracts, "groups": shared}
