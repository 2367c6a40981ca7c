"""The data of a review pack: every section a review walks through, gathered in one place.

`build_pack()` (with the readers it calls, such as `invoice.pack_invoice`) is the only part of the
export area that reads the database; the renderers (`render_*.py`) turn its JSON-ready dict into
Markdown, HTML, XLSX, CSV or JSON and never query.
Each section calls the area that owns its data (the registry, the engine's results, breaches and
credits, governance's schedule and actions …); the pack only reads directly what no area provides
(audit answers, batches as provenance).

Sections come in the order a review runs (`SECTIONS`); the "Invoice" section (`INVOICE_SECTION`,
key `invoice`) follows them only when the CCC's invoice lines for the period were imported. Values stay raw (rates as fractions,
durations in seconds, dates ISO); formatting is the renderers' job (`formatting.py`). Lists a
review argues over come worst first: KPIs and their changes by the engine's status order
(`engine.statuses.STATUS_RANK`), breaches unresolved first.
"""

from __future__ import annotations

import tomllib
from datetime import date

from ..clock import iso_utc, today
from ..contracts import registry
from ..engine import breaches as engine_breaches
from ..engine import credits as engine_credits
from ..engine import drilldown, evaluate, results
from ..engine import exclusions as engine_exclusions
from ..engine.statuses import STATUS_RANK, STATUSES
from ..errors import NotFoundError
from ..governance import actions as gov_actions
from ..governance import conformity
from ..governance import evidence as gov_evidence
from ..governance import obligations as gov_obligations
from ..governance.status import OPEN_BREACH_STATUSES
from ..metrics import CATALOGUE
from ..periods import Period, parse_period
from .invoice import pack_invoice

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
    ("iso18295", "ISO 18295"),
]

#: The section after `SECTIONS` when the CCC's invoice for the period was imported (`invoice.pack_invoice`).
INVOICE_SECTION = ("invoice", "Invoice")

#: A rate computed on fewer contacts than this is flagged "rests on few contacts": its Wilson
#: interval is then wider than about ±18 points, too wide to argue a breach on alone.
FEW_CONTACTS = 30

TREND_PERIODS = 12


def _rows(db, sql: str, params: tuple | dict = ()) -> list[dict]:
    return [dict(r) for r in db.query(sql, params)]


# --------------------------------------------------------------------------- contract


def contract_versions(db, contract_id: str) -> list[dict]:
    """Every registered version row of `contract_id`, oldest first (raises `NotFoundError` if none)."""
    rows = registry.versions(db, contract_id)
    if not rows:
        raise NotFoundError(f"contract {contract_id!r} is not registered (run `ccc contract register`)")
    return rows


def versions_for_period(db, contract_id: str, period: Period) -> list[dict]:
    """The version rows governing some day of `period` (`registry.versions_in_force`), oldest
    version first; the latest version when none does."""
    rows = contract_versions(db, contract_id)
    in_force = {row["version"]: row for row, _, _, _ in registry.versions_in_force(db, contract_id, period.start,
                                                                                   period.last_day)}
    return [in_force[v] for v in sorted(in_force)] or rows[-1:]


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
    """`{unit, higher_is_better}` for a metric: from the catalogue; for a name it does not know (a
    breach whose KPI has left the contract), inferred from the name and thresholds.

    unit is `fraction` (rates, shown as %), `seconds`, `score` or `count`.
    """
    m = CATALOGUE.get(metric)
    if m is not None:
        if m.kind == "rate":
            u = "fraction"
        elif m.unit in ("s", "seconds") or metric.endswith("_s"):
            u = "seconds"
        elif m.kind == "count":
            u = "count"
        else:
            u = "score"
        return {"unit": u, "higher_is_better": m.higher_is_better}
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
    """Stored results of one contract and period (`engine.results.stored_results`)."""
    return results.stored_results(db, contract_id=contract_id, period=period_label)


def ensure_results(db, contract_id: str, period: Period, as_of=None) -> bool:
    """Evaluate `period` (and the one before, for the headline changes) through the engine when
    nothing is stored for it yet. Returns True when the engine was run."""
    ran = False
    for p in (period, period.previous()):
        if not stored_results(db, contract_id, p.label):
            evaluate.evaluate(db, contract_id=contract_id, period=p, as_of=as_of, persist=True)
            ran = True
    return ran


def _trend(db, contract_id: str, kpi_id: str, period: Period, as_of: date) -> list[dict]:
    """The KPI's last `TREND_PERIODS` results up to `period`, oldest first: periods of the pack's kind
    only (a quarter stored beside the months is no point of a monthly trend), and only periods that
    had ended by `as_of` (a month to date is no point to compare with).

    Reads `engine.results.stored_results`, not `results.trend`, which keeps the newest kind.
    """
    ended = [
        r for r in results.stored_results(db, contract_id=contract_id, kpi_id=kpi_id)
        if r["period_kind"] == period.kind and r["period_start"] <= period.start.isoformat()
        and r["period_end"] <= as_of.isoformat() and not r["status"].startswith("mtd_")
    ]
    # One point per period (the newest contract version when two overlap), oldest first.
    seen: dict[str, dict] = {}
    for r in sorted(ended, key=lambda r: (r["period_start"], r["contract_version"])):
        seen[r["period"]] = r
    points = list(seen.values())[-TREND_PERIODS:]
    return [
        {"period": r["period"], "actual": r["actual"], "reported": r.get("reported"), "target": r["target"],
         "breach": r["breach"], "status": r["status"]}
        for r in points
    ]


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
                "excluded": r["excluded"],
                "notes": notes,
                "evaluated_at": r.get("evaluated_at"),
            }
        )
    # Worst first; within a status, in the contract's own order.
    return sorted(out, key=lambda k: _status_rank(k["status"]))


def _status_rank(status: str | None) -> int:
    return STATUS_RANK.get(status or "", len(STATUS_RANK))


def _overall_status(kpis: list[dict]) -> str:
    statuses = {k["status"] for k in kpis}
    for s in STATUSES:
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
            out.append({"kpi_id": k["kpi_id"], "metric": k["metric"], "channel": k["channel"], "unit": k["unit"],
                        "previous": None, "actual": k["actual"],
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
        out.append({"kpi_id": k["kpi_id"], "metric": k["metric"], "channel": k["channel"], "unit": k["unit"],
                    "previous": p.get("actual"), "actual": k["actual"],
                    "change": change, "direction": direction, "previous_status": p.get("status"),
                    "status": k["status"]})
    # Worst first: by status, then the KPIs that got worse before those that did not.
    return sorted(out, key=lambda c: (_status_rank(c["status"]), c["direction"] != "worse"))


# --------------------------------------------------------------------------- breaches, exclusions, credits


#: Breach states in the order a review takes them up: unresolved first.
BREACH_ORDER = ("open", "disputed", "acknowledged", "waived", "closed")


def _breaches(db, contract_id: str, period: Period, kpis: dict[str, dict], kpi_defs: dict[str, dict]) -> list[dict]:
    """This period's breaches and older ones still unresolved, unresolved first, newest period first."""
    out = []
    for b in engine_breaches.list_breaches(db, contract_id=contract_id):
        # This period's breaches, and older ones still unresolved: a review follows both up.
        if b["period"] != period.label and b["status"] not in OPEN_BREACH_STATUSES:
            continue
        history = engine_breaches.history(db, b["id"])
        kpi = kpis.get(b["kpi_id"]) or {}
        definition = kpi_defs.get(b["kpi_id"]) or {}
        metric = kpi.get("metric") or definition.get("metric")
        out.append(
            {
                "id": b["id"], "kpi_id": b["kpi_id"], "metric": metric,
                "channel": kpi.get("channel") or definition.get("channel"),
                "period": b["period"], "contract_version": b.get("contract_version"),
                "unit": kpi.get("unit") or metric_info(metric or "", b.get("target"), b.get("breach"))["unit"],
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
    rank = {s: i for i, s in enumerate(BREACH_ORDER)}
    # Newest period first within a state: sorted on the period, then (stable) on the state.
    out.sort(key=lambda b: b["period"], reverse=True)
    out.sort(key=lambda b: rank.get(b["status"], len(rank)))
    return out


def _exclusions(db, contract_id: str, period: Period, tz: str, kpis: list[dict]) -> list[dict]:
    start_ms, end_ms = period.bounds_ms(tz)
    out = []
    for e in engine_exclusions.list_exclusions(db, contract_id):
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
    lines = [
        {"kpi_id": r.get("kpi_id"), "kind": r["kind"], "amount": r["amount"], "currency": r.get("currency") or currency,
         "explanation": r["explanation"], "contract_version": r.get("contract_version")}
        for r in engine_credits.credits_for(db, contract_id, period.label)
    ]
    # The `cap` line already restates the capped amount as a negative adjustment, so the net is a plain sum.
    return {"currency": currency, "monthly_fee": monthly_fee, "lines": lines, "total": engine_credits.total(lines)}


# --------------------------------------------------------------------------- complaints, obligations, audits, actions


def _complaints(db, contract_id: str, period: Period, kpis: list[dict], terms: dict) -> dict:
    terms = {k: v for k, v in terms.items() if isinstance(v, (str, int, float))}
    # The engine answers {kpi_id: {metric, counted, on_time, excluded, limit, share}}; the
    # pack adds each KPI's target and status so the section reads on its own.
    by_kpi = {k["kpi_id"]: k for k in kpis}
    measures = []
    for kpi_id, e in sorted(drilldown.complaint_compliance(db, contract_id, period.label).items()):
        k = by_kpi.get(kpi_id, {})
        measures.append({"kpi_id": kpi_id, "metric": e.get("metric"), "limit": e.get("limit"),
                         "numerator": e.get("on_time"), "denominator": e.get("counted"),
                         "excluded": e.get("excluded"), "actual": e.get("share"),
                         "target": k.get("target"), "status": k.get("status", "no_data")})
    return {"terms": terms, "source": "engine", "measures": measures}


def _obligations(db, contract_id: str, period: Period, as_of: date) -> list[dict]:
    """The occurrences of the schedule a review looks at: those due in the period, and anything
    still overdue, each with the evidence behind it."""
    evidence = {e["id"]: e for e in gov_evidence.list_evidence(db, contract_id)}
    out = []
    for r in gov_obligations.schedule(db, contract_id, as_of):
        due = str(r["due"])
        if not (period.start.isoformat() <= due <= period.last_day.isoformat()) and r["state"] != "overdue":
            continue
        out.append({"obligation_id": r["obligation_id"], "kind": r["kind"], "description": r.get("description"),
                    "owner": r.get("owner"), "due": due, "state": r["state"],
                    "evidence": [_evidence(evidence[i]) for i in r["evidence"] if i in evidence]})
    return out


def _evidence(e: dict) -> dict:
    return {"date": e.get("date"), "occurrence": e.get("occurrence"), "note": e.get("note"),
            "file_name": e.get("file_name"), "sha256": e.get("sha256")}


def _audits(db, contract_id: str, ccc: str | None, period: Period) -> list[dict]:
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
    rows = gov_actions.list_actions(db, contract_id)

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


def _iso18295(db, contract_id: str, day: date, settings: dict | None, lang: str) -> dict:
    """The contract's ISO 18295-2 readiness on `day` (`governance.conformity`): each client duty's
    status with reasons and evidence, the report's labels in `lang`, and a count per status."""
    conf = dict(conformity.DEFAULT_SETTINGS) | {k: v for k, v in (settings or {}).items()
                                                if k in conformity.DEFAULT_SETTINGS}
    found = conformity.contract_readiness(db, contract_id, day, conf, lang)
    labels = conformity.LABELS[lang]
    return {"lang": lang, "as_of": day.isoformat(), "settings": conf, "met": found["met"],
            "counts": {s: sum(1 for d in found["duties"] if d["status"] == s) for s in ("met", "partly", "missing")},
            "duties": found["duties"],
            "labels": {k: labels[k] for k in ("title", "duty", "status", "reasons", "evidence", "none", "met",
                                              "partly", "missing", "generated")}}


def build_pack(db, contract_id: str, period: Period | str, as_of=None, *, iso_settings: dict | None = None,
               lang: str = "en") -> dict:
    """All the data of one contract's review pack for `period`, JSON-ready, sections in review order.

    Reads stored results; call `ensure_results()` first to evaluate a period not yet evaluated.
    Raises `NotFoundError` for an unregistered contract. The "ISO 18295" section judges the
    client's readiness on `as_of` with `iso_settings` (ccc.toml `[iso18295]`; default: the
    package's) and labels it in `lang` (`en`, `fr`); the pack's other headings are English. When
    invoice lines of the contract lie inside a whole-month `period`, `invoice` holds their check
    (`InvoiceCheck.as_dict()`, or `{"error": …}`) and "Invoice" ends `sections`; otherwise the key is absent.
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
        trends.append({"kpi_id": k["kpi_id"], "metric": k["metric"], "channel": k["channel"], "unit": k["unit"],
                       "higher_is_better": k["higher_is_better"], "target": k["target"], "breach": k["breach"],
                       "points": _trend(db, contract_id, k["kpi_id"], period, day)})
    breaches = _breaches(db, contract_id, period, {k["kpi_id"]: k for k in kpis}, kpi_defs)
    credits = _credits(db, contract_id, period, currency, info.get("monthly_fee"))
    counts = {s: sum(1 for k in kpis if k["status"] == s) for s in STATUSES}
    invoice = pack_invoice(db, contract_id, period)

    pack = {
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
            "open_breaches": sum(1 for b in breaches if b["status"] in OPEN_BREACH_STATUSES),
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
        "obligations": _obligations(db, contract_id, period, day),
        "audits": _audits(db, contract_id, current.get("ccc") or info.get("ccc"), period),
        "actions": _actions(db, contract_id, period),
        "provenance": _provenance(db, contract_id, period, tz),
        "iso18295": _iso18295(db, contract_id, day, iso_settings, lang),
    }
    if invoice is not None:  # only when invoice lines of the period were imported: the keys above never change
        pack["sections"].append(dict(zip(("key", "title"), INVOICE_SECTION)))
        pack["invoice"] = invoice
    return pack


def file_hashes(pack: dict) -> list[dict]:
    """The sha256 of every file the pack names (imported batches, evidence files), for its appendix:
    `[{what, file, sha256}]`."""
    out = [{"what": f"import batch {b['batch_id']} ({b['source']})", "file": b["file_name"], "sha256": b["sha256"]}
           for b in pack.get("provenance", []) if b.get("sha256")]
    for o in pack.get("obligations", []):
        for e in o.get("evidence", []):
            if e.get("sha256"):
                out.append({"what": f"evidence of {o['obligation_id']} ({e.get('date') or '–'})",
                            "file": e.get("file_name"), "sha256": e["sha256"]})
    return out
