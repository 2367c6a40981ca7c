"""The data of a review pack: every section a review walks through, gathered in one place.

`build_pack()` is the only part of the export area that reads the database; the renderers
(`render_*.py`) turn its JSON-ready dict into Markdown, HTML, XLSX, CSV or JSON and never query.
Where another area's function exists (registry, engine results, governance schedule …) it is
called; where it has not landed, the table it owns is read directly with the same meaning.

Sections come in the order a review runs (`SECTIONS`). Values stay raw (rates as fractions,
durations in seconds, dates ISO); formatting is the renderers' job.
"""

from __future__ import annotations

import importlib
import json
import tomllib
from datetime import date
from typing import Any

from ..clock import iso_utc, today
from ..errors import NotFoundError
from ..periods import Period, parse_period

PACK_SCHEMA = "ccc-review-pack/1"

#: Section keys in review order, with the heading every format uses.
SECTIONS: list[tuple[str, str]] = [
    ("summary", "Summary"),
    ("kpis", "KPI results"),
    ("trends", "Trends"),
    ("breaches", "Breaches"),
    ("exclusions", "Exclusions"),
    ("credits", "Service credits"),
    ("complaints", "Complaint time-frames"),
    ("obligations", "Obligations and evidence"),
    ("audits", "Audit findings"),
    ("actions", "Actions"),
    ("provenance", "Data provenance"),
]

#: A rate computed on fewer contacts than this is flagged "rests on few contacts": its Wilson
#: interval is then wider than about ±18 points, too wide to argue a breach on alone.
FEW_CONTACTS = 30

#: Worst first: the overall status of a pack is the first of these that any KPI has.
STATUS_ORDER = ("breached", "at_risk", "insufficient_volume", "no_data", "met")

TREND_PERIODS = 12


def _optional(module: str, name: str):
    """`module.name` if that area has landed it, else None (the pack then reads the table itself)."""
    try:
        mod = importlib.import_module(f"ccc_governance.{module}")
    except ImportError:
        return None
    return getattr(mod, name, None)


def _rows(db, sql: str, params: tuple | dict = ()) -> list[dict]:
    return [dict(r) for r in db.query(sql, params)]


def _has_table(db, name: str) -> bool:
    return db[name].exists()


# --------------------------------------------------------------------------- contract


def contract_versions(db, contract_id: str) -> list[dict]:
    """Every registered version row of `contract_id`, oldest first (raises `NotFoundError` if none)."""
    rows = _rows(db, "SELECT * FROM contract_versions WHERE contract_id = ? ORDER BY version", (contract_id,))
    if not rows:
        raise NotFoundError(f"contract {contract_id!r} is not registered (run `ccc contract register`)")
    return rows


def versions_for_period(db, contract_id: str, period: Period) -> list[dict]:
    """The version rows whose effective span overlaps `period` (the latest one if none does)."""
    rows = contract_versions(db, contract_id)
    first, last = period.start.isoformat(), period.last_day.isoformat()
    hits = [r for r in rows if r["effective_from"] <= last and (r["effective_to"] is None or r["effective_to"] >= first)]
    return hits or rows[-1:]


def contracts_in_period(db, period: Period) -> list[str]:
    """Ids of every registered contract in force at some day of `period`, sorted."""
    first, last = period.start.isoformat(), period.last_day.isoformat()
    rows = _rows(
        db,
        "SELECT DISTINCT contract_id FROM contract_versions WHERE effective_from <= ? "
        "AND (effective_to IS NULL OR effective_to >= ?) ORDER BY contract_id",
        (last, first),
    )
    return [r["contract_id"] for r in rows]


def _toml(row: dict) -> dict:
    try:
        return tomllib.loads(row["toml"])
    except (tomllib.TOMLDecodeError, TypeError):
        return {}


# --------------------------------------------------------------------------- metrics


def metric_info(metric: str, target: float | None = None, breach: float | None = None) -> dict:
    """`{unit, higher_is_better}` for a metric: from the catalogue when it exists, else inferred.

    unit is `fraction` (rates, shown as %), `seconds`, `score` or `count`.
    """
    catalogue = _optional("metrics", "CATALOGUE") or {}
    m = catalogue.get(metric)
    if m is not None:
        kind = getattr(m, "kind", "")
        unit = getattr(m, "unit", "") or ""
        if kind == "rate":
            u = "fraction"
        elif unit in ("s", "seconds") or metric.endswith("_s"):
            u = "seconds"
        elif kind == "count":
            u = "count"
        else:
            u = "score"
        return {"unit": u, "higher_is_better": bool(getattr(m, "higher_is_better", True))}
    if metric.endswith("_s") or metric in ("asa", "aht", "speed_of_answer", "handle_time"):
        unit = "seconds"
    elif target is not None and 0 <= target <= 1:
        unit = "fraction"
    else:
        unit = "score"
    if target is not None and breach is not None and target != breach:
        hib = breach < target
    else:
        hib = unit != "seconds" and "abandon" not in metric
    return {"unit": unit, "higher_is_better": hib}


# --------------------------------------------------------------------------- results


def stored_results(db, contract_id: str, period_label: str) -> list[dict]:
    """Stored `kpi_results` rows of one contract and period (through the engine when it exists)."""
    fn = _optional("engine.results", "stored_results")
    if fn is not None:
        return [dict(r) for r in fn(db, contract_id=contract_id, period=period_label)]
    return _rows(
        db,
        "SELECT * FROM kpi_results WHERE contract_id = ? AND period = ? ORDER BY kpi_id, contract_version",
        (contract_id, period_label),
    )


def ensure_results(db, contract_id: str, period: Period, as_of=None) -> bool:
    """Evaluate `period` (and the one before, for the headline changes) through the engine when
    nothing is stored for it yet. Returns True when the engine was run."""
    evaluate = _optional("engine.evaluate", "evaluate")
    if evaluate is None:
        return False
    ran = False
    for p in (period, period.previous()):
        if not stored_results(db, contract_id, p.label):
            evaluate(db, contract_id=contract_id, period=p, as_of=as_of, persist=True)
            ran = True
    return ran


def _trend(db, contract_id: str, kpi_id: str, period: Period) -> list[dict]:
    fn = _optional("engine.results", "trend")
    if fn is not None:
        rows = [dict(r) for r in fn(db, contract_id, kpi_id, n=TREND_PERIODS)]
        rows = [r for r in rows if r.get("period_start", "") <= period.start.isoformat()]
    else:
        rows = _rows(
            db,
            "SELECT * FROM kpi_results WHERE contract_id = ? AND kpi_id = ? AND period_kind = ? "
            "AND period_start <= ? ORDER BY period_start DESC, contract_version DESC LIMIT ?",
            (contract_id, kpi_id, period.kind, period.start.isoformat(), TREND_PERIODS * 2),
        )
    # One point per period (the newest contract version when two overlap), oldest first.
    seen: dict[str, dict] = {}
    for r in sorted(rows, key=lambda r: (r["period_start"], r.get("contract_version", 0))):
        seen[r["period"]] = r
    points = list(seen.values())[-TREND_PERIODS:]
    return [
        {"period": r["period"], "actual": r["actual"], "target": r["target"], "breach": r["breach"], "status": r["status"]}
        for r in points
    ]


def _json_field(text) -> Any:
    if text in (None, ""):
        return None
    if isinstance(text, (list, dict)):
        return text
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return text


def _kpi_rows(results: list[dict], kpi_defs: dict[str, dict]) -> list[dict]:
    out = []
    for r in results:
        info = metric_info(r["metric"], r.get("target"), r.get("breach"))
        definition = kpi_defs.get(r["kpi_id"], {})
        denominator = r.get("denominator")
        volume = r.get("volume")
        basis = denominator if denominator is not None else volume
        notes = []
        if r["status"] == "insufficient_volume":
            notes.append(f"below the contract's minimum volume ({definition.get('min_volume', '?')})")
        elif basis is not None and basis < FEW_CONTACTS and r["status"] != "no_data":
            notes.append(f"rests on few contacts ({basis:g})")
        if r["status"] == "no_data":
            notes.append("no data for this period")
        if r.get("reported_diff") not in (None, 0):
            notes.append("the CCC's reported figure differs")
        out.append(
            {
                "kpi_id": r["kpi_id"],
                "metric": r["metric"],
                "description": definition.get("description"),
                "class": definition.get("class", "key"),
                "channel": r.get("channel"),
                "contract_version": r.get("contract_version"),
                "unit": info["unit"],
                "higher_is_better": info["higher_is_better"],
                "volume": volume,
                "numerator": r.get("numerator"),
                "denominator": denominator,
                "actual": r.get("actual"),
                "target": r.get("target"),
                "breach": r.get("breach"),
                "status": r["status"],
                "ci_low": r.get("ci_low"),
                "ci_high": r.get("ci_high"),
                "few_contacts": bool(basis is not None and basis < FEW_CONTACTS),
                "reported": r.get("reported"),
                "reported_diff": r.get("reported_diff"),
                "excluded": _json_field(r.get("excluded")) or [],
                "notes": notes,
                "evaluated_at": r.get("evaluated_at"),
            }
        )
    return out


def _overall_status(kpis: list[dict]) -> str:
    statuses = {k["status"] for k in kpis}
    for s in STATUS_ORDER:
        if s in statuses:
            return s
    return "no_data"


def _changes(kpis: list[dict], previous: list[dict]) -> list[dict]:
    prev = {}
    for r in previous:
        prev[r["kpi_id"]] = r  # later contract versions win
    out = []
    for k in kpis:
        p = prev.get(k["kpi_id"])
        if p is None:
            out.append({"kpi_id": k["kpi_id"], "unit": k["unit"], "previous": None, "actual": k["actual"],
                        "change": None, "direction": "new", "previous_status": None, "status": k["status"]})
            continue
        change = None
        direction = "same"
        if k["actual"] is not None and p.get("actual") is not None:
            change = k["actual"] - p["actual"]
            if abs(change) > 1e-12:
                better = (change > 0) == k["higher_is_better"]
                direction = "better" if better else "worse"
        else:
            direction = "n/a"
        out.append({"kpi_id": k["kpi_id"], "unit": k["unit"], "previous": p.get("actual"), "actual": k["actual"],
                    "change": change, "direction": direction, "previous_status": p.get("status"),
                    "status": k["status"]})
    return out


# --------------------------------------------------------------------------- breaches, exclusions, credits


def _breaches(db, contract_id: str, period: Period, units: dict[str, str]) -> list[dict]:
    fn = _optional("engine.breaches", "list_breaches")
    if fn is not None:
        rows = [dict(r) for r in fn(db, contract_id=contract_id)]
    else:
        rows = _rows(db, "SELECT * FROM breaches WHERE contract_id = ? ORDER BY id", (contract_id,))
    history_fn = _optional("engine.breaches", "history")
    out = []
    for b in rows:
        # This period's breaches, and older ones still unresolved: a review follows both up.
        if b["period"] != period.label and b["status"] not in ("open", "acknowledged", "disputed"):
            continue
        if history_fn is not None:
            history = [dict(h) for h in history_fn(db, b["id"])]
        else:
            history = _rows(db, "SELECT * FROM breach_events WHERE breach_id = ? ORDER BY at, id", (b["id"],))
        out.append(
            {
                "id": b["id"], "kpi_id": b["kpi_id"], "period": b["period"], "contract_version": b.get("contract_version"),
                "unit": units.get(b["kpi_id"]) or metric_info("", b.get("target"), b.get("breach"))["unit"],
                "status": b["status"], "actual": b.get("actual"), "target": b.get("target"), "breach": b.get("breach"),
                "volume": b.get("volume"), "small_sample": bool(b.get("small_sample")),
                "still_breached": bool(b.get("still_breached", 1)),
                "first_seen_at": b.get("first_seen_at"), "last_seen_at": b.get("last_seen_at"),
                "history": [
                    {"at": h.get("at"), "from": h.get("status_from"), "to": h.get("status_to"), "note": h.get("note")}
                    for h in history
                ],
            }
        )
    return out


def _exclusions(db, contract_id: str, period: Period, tz: str, kpis: list[dict]) -> list[dict]:
    start_ms, end_ms = period.bounds_ms(tz)
    fn = _optional("engine.exclusions", "list_exclusions")
    rows = [dict(r) for r in fn(db, contract_id)] if fn is not None else _rows(
        db, "SELECT * FROM exclusions WHERE contract_id = ? ORDER BY starts_at, id", (contract_id,)
    )
    out = []
    for e in rows:
        if not (e["starts_at"] < end_ms and e["ends_at"] > start_ms):
            continue
        applied = []
        for k in kpis:
            for x in k["excluded"]:
                if isinstance(x, dict) and x.get("reason") == e["reason"] and x.get("kind") == e["kind"]:
                    applied.append({"kpi_id": k["kpi_id"], "volume": x.get("volume")})
        out.append(
            {
                "id": e.get("id"), "kind": e["kind"], "starts_at": iso_utc(e["starts_at"]), "ends_at": iso_utc(e["ends_at"]),
                "reason": e["reason"], "evidence": e.get("evidence"), "created_at": e.get("created_at"), "applied": applied,
            }
        )
    return out


def _credits(db, contract_id: str, period: Period, currency: str, monthly_fee) -> dict:
    fn = _optional("engine.credits", "credits_for")
    rows = [dict(r) for r in fn(db, contract_id, period.label)] if fn is not None else _rows(
        db, "SELECT * FROM credits WHERE contract_id = ? AND period = ? ORDER BY id", (contract_id, period.label)
    )
    lines = [
        {"kpi_id": r.get("kpi_id"), "kind": r["kind"], "amount": r["amount"], "currency": r.get("currency") or currency,
         "explanation": r["explanation"], "contract_version": r.get("contract_version")}
        for r in rows
    ]
    # The `cap` line already restates the capped amount as a negative adjustment, so the net is a plain sum.
    total = round(sum(line["amount"] for line in lines), 2)
    return {"currency": currency, "monthly_fee": monthly_fee, "lines": lines, "total": total}


# --------------------------------------------------------------------------- complaints, obligations, audits, actions


def _complaints(db, contract_id: str, period: Period, kpis: list[dict], terms: dict) -> dict:
    fn = _optional("engine.drilldown", "complaint_compliance")
    terms = {k: v for k, v in terms.items() if isinstance(v, (str, int, float))}
    if fn is not None:
        # The engine answers {kpi_id: {metric, counted, on_time, excluded, limit, share}}; the
        # pack adds each KPI's target and status so the section reads on its own.
        by_kpi = {k["kpi_id"]: k for k in kpis}
        measures = []
        for kpi_id, e in sorted((fn(db, contract_id, period.label) or {}).items()):
            k = by_kpi.get(kpi_id, {})
            measures.append({"kpi_id": kpi_id, "metric": e.get("metric"), "limit": e.get("limit"),
                             "numerator": e.get("on_time"), "denominator": e.get("counted"),
                             "excluded": e.get("excluded"), "actual": e.get("share"),
                             "target": k.get("target"), "status": k.get("status", "no_data")})
        return {"terms": terms, "source": "engine", "measures": measures}
    rows = [
        {"kpi_id": k["kpi_id"], "metric": k["metric"], "numerator": k["numerator"], "denominator": k["denominator"],
         "actual": k["actual"], "target": k["target"], "status": k["status"]}
        for k in kpis if "complaint" in k["metric"]
    ]
    return {"terms": terms, "source": "kpi_results", "measures": rows}


def _obligations(db, contract_id: str, period: Period, as_of: date, contract_toml: dict) -> list[dict]:
    fn = _optional("governance.obligations", "schedule")
    evidence = _rows(db, "SELECT * FROM evidence WHERE contract_id = ? ORDER BY date, id", (contract_id,)) \
        if _has_table(db, "evidence") else []
    if fn is not None:
        rows = [dict(r) for r in fn(db, contract_id, as_of)]
        by_id = {e["id"]: e for e in evidence}
        out = []
        for r in rows:
            due = str(r.get("due") or "")
            # What a review looks at: occurrences due in the period, and anything still outstanding.
            in_period = period.start.isoformat() <= due <= period.last_day.isoformat()
            if not in_period and r.get("state") != "overdue":
                continue
            ev = r.get("evidence")
            if not isinstance(ev, list):
                ev = [e for e in evidence if e["obligation_id"] == r.get("obligation_id") and e.get("occurrence") == due]
            # The schedule names its evidence by id; the pack shows what each piece is.
            ev = [by_id.get(e, {"note": f"evidence {e}"}) if isinstance(e, int) else e for e in ev]
            out.append({"obligation_id": r.get("obligation_id"), "kind": r.get("kind"), "description": r.get("description"),
                        "owner": r.get("owner"), "due": due or None, "state": r.get("state"),
                        "evidence": [_evidence(e) if isinstance(e, dict) else {"note": str(e)} for e in ev]})
        return out
    # Without the schedule: the contract's obligations and duties, each with the evidence dated in the period.
    out = []
    items = [(o, "obligation") for o in contract_toml.get("obligation", [])]
    items += [(d, "duty") for d in (contract_toml.get("data_handling") or {}).get("duty", [])]
    for item, kind in items:
        ev = [e for e in evidence if e["obligation_id"] == item.get("id")
              and period.start.isoformat() <= (e.get("occurrence") or e["date"]) <= period.last_day.isoformat()]
        out.append({"obligation_id": item.get("id"), "kind": kind, "description": item.get("description"),
                    "owner": item.get("owner", "client" if kind == "obligation" else "ccc"), "due": None,
                    "state": "met" if ev else "no evidence", "evidence": [_evidence(e) for e in ev]})
    return out


def _evidence(e: dict) -> dict:
    return {"date": e.get("date"), "occurrence": e.get("occurrence"), "note": e.get("note"),
            "file_name": e.get("file_name"), "sha256": e.get("sha256")}


def _audits(db, contract_id: str, ccc: str | None, period: Period) -> list[dict]:
    if not _has_table(db, "audits"):
        return []
    audits = _rows(
        db,
        "SELECT * FROM audits WHERE (contract_id = ? OR (contract_id IS NULL AND ccc = ?)) AND started_on <= ? "
        "ORDER BY started_on, id",
        (contract_id, ccc or "", period.last_day.isoformat()),
    )
    out = []
    for a in audits:
        answers = _rows(db, "SELECT * FROM audit_answers WHERE audit_id = ? ORDER BY question_id", (a["id"],))
        findings = [
            {"question_id": x["question_id"], "answer": x["answer"], "comment": x.get("comment"),
             "evidence": x.get("evidence"), "answered_on": x.get("answered_on")}
            for x in answers if x["answer"] in ("no", "partly")
        ]
        counts = {k: sum(1 for x in answers if x["answer"] == k) for k in ("yes", "partly", "no", "na")}
        out.append({"id": a["id"], "title": a.get("title"), "ccc": a["ccc"], "started_on": a["started_on"],
                    "status": a["status"], "answers": counts, "findings": findings})
    return out


def _actions(db, contract_id: str, period: Period) -> dict:
    fn = _optional("governance.actions", "list_actions")
    rows = [dict(r) for r in fn(db, contract_id=contract_id)] if fn is not None else (
        _rows(db, "SELECT * FROM actions WHERE contract_id = ? ORDER BY id", (contract_id,))
        if _has_table(db, "actions") else [])
    def item(a):
        return {"id": a["id"], "title": a["title"], "owner": a.get("owner"), "due": a.get("due"),
                "status": a["status"], "raised_on": a.get("raised_on"), "closed_on": a.get("closed_on"),
                "note": a.get("note")}
    open_ = [item(a) for a in rows if a["status"] != "closed"]
    # Closed since the period began: what the meeting can tick off.
    closed = [item(a) for a in rows if a["status"] == "closed" and (a.get("closed_on") or "") >= period.start.isoformat()]
    return {"open": open_, "closed": closed}


def _provenance(db, contract_id: str, period: Period, tz: str) -> list[dict]:
    start_ms, end_ms = period.bounds_ms(tz)
    rows = _rows(
        db,
        "SELECT * FROM batches WHERE status = 'complete' AND (contract_id IS NULL OR contract_id = ?) "
        "AND (first_at IS NULL OR (first_at < ? AND last_at >= ?)) ORDER BY started_at, id",
        (contract_id, end_ms, start_ms),
    )
    return [
        {"batch_id": b["id"], "source": b["source"], "plugin": b.get("plugin"), "plugin_version": b.get("plugin_version"),
         "file_name": b["file_name"], "sha256": b["sha256"], "size_bytes": b.get("size_bytes"),
         "imported_at": b.get("finished_at") or b["started_at"], "imported": b.get("imported"),
         "replaced": b.get("replaced"), "duplicates": b.get("duplicates"), "quarantined": b.get("quarantined"),
         "first_at": iso_utc(b.get("first_at")), "last_at": iso_utc(b.get("last_at"))}
        for b in rows
    ]


# --------------------------------------------------------------------------- the pack


def build_pack(db, contract_id: str, period: Period | str, as_of=None) -> dict:
    """All the data of one contract's review pack for `period`, JSON-ready, sections in review order.

    Reads stored results; call `ensure_results()` first to evaluate a period not yet evaluated.
    Raises `NotFoundError` for an unregistered contract.
    """
    if isinstance(period, str):
        period = parse_period(period)
    day = today(as_of)
    versions = versions_for_period(db, contract_id, period)
    current = versions[-1]
    toml = _toml(current)
    info = toml.get("contract", {})
    tz = current.get("timezone") or info.get("timezone") or "UTC"
    currency = info.get("currency", "EUR")
    kpi_defs = {k.get("id"): k for v in versions for k in _toml(v).get("kpi", [])}

    kpis = _kpi_rows(stored_results(db, contract_id, period.label), kpi_defs)
    previous = period.previous()
    changes = _changes(kpis, stored_results(db, contract_id, previous.label))
    trends = []
    for k in kpis:
        trends.append({"kpi_id": k["kpi_id"], "metric": k["metric"], "unit": k["unit"],
                       "higher_is_better": k["higher_is_better"], "target": k["target"], "breach": k["breach"],
                       "points": _trend(db, contract_id, k["kpi_id"], period)})
    breaches = _breaches(db, contract_id, period, {k["kpi_id"]: k["unit"] for k in kpis})
    credits = _credits(db, contract_id, period, currency, info.get("monthly_fee"))
    counts = {s: sum(1 for k in kpis if k["status"] == s) for s in STATUS_ORDER}

    return {
        "schema": PACK_SCHEMA,
        "as_of": day.isoformat(),
        "contract": {
            "id": contract_id,
            "title": current.get("title") or info.get("title"),
            "client": current.get("client") or info.get("client"),
            "ccc": current.get("ccc") or info.get("ccc"),
            "timezone": tz,
            "currency": currency,
            "versions": [v["version"] for v in versions],
            "effective_from": current.get("effective_from"),
            "effective_to": current.get("effective_to"),
            "review_frequency": (toml.get("review") or {}).get("frequency", "monthly"),
        },
        "period": {"label": period.label, "kind": period.kind, "first_day": period.start.isoformat(),
                   "last_day": period.last_day.isoformat(), "previous": previous.label},
        "sections": [{"key": k, "title": t} for k, t in SECTIONS],
        "summary": {
            "status": _overall_status(kpis) if kpis else "no_data",
            "kpi_count": len(kpis),
            "statuses": counts,
            "open_breaches": sum(1 for b in breaches if b["status"] in ("open", "acknowledged", "disputed")),
            "credits_total": credits["total"],
            "currency": currency,
            "changes": changes,
        },
        "kpis": kpis,
        "trends": trends,
        "breaches": breaches,
        "exclusions": _exclusions(db, contract_id, period, tz, kpis),
        "credits": credits,
        "complaints": _complaints(db, contract_id, period, kpis, toml.get("complaints") or {}),
        "obligations": _obligations(db, contract_id, period, day, toml),
        "audits": _audits(db, contract_id, current.get("ccc") or info.get("ccc"), period),
        "actions": _actions(db, contract_id, period),
        "provenance": _provenance(db, contract_id, period, tz),
    }
