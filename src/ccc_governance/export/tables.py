"""A pack as flat tables: one per section, for the XLSX sheets and the CSV files.

Each column names a format: `text`, `fraction` (a rate 0–1, shown as a percentage), `number`
(two decimals), `integer` (an id or a version), `count` (a whole number with thousands separators),
`money`, `date` (ISO day), `datetime` (ISO instant), `value` (the row's KPI unit decides: `fraction`
for rates, `number` otherwise), `change` (a signed `value`), `status` (an id shown as words and
coloured by its meaning), `label` (an id shown as words), `metric` (a metric id shown as its name)
`note` (a breach event's note: the engine's figures in the row's `_kpi_unit`) or `duration` (a
contract duration such as `2bd`, shown as `2 business days`).
Values stay raw: the CSV writer writes them as they are (rates as fractions, ids as ids), the XLSX
writer applies the format. The layout is documented in `docs/exports.md` — keep the two in step.
"""

from __future__ import annotations

import attrs

from .formatting import fmt_params, kpi_name, metric_name
from .invoice import credit_words


@attrs.frozen
class Column:
    key: str
    header: str
    fmt: str = "text"


@attrs.frozen
class Table:
    """One section as rows of dicts keyed by `Column.key`; a row may carry `_unit` for `value`
    columns and `_fmt` for `cell` columns."""

    name: str  # file / sheet name
    title: str
    columns: list[Column]
    rows: list[dict]


C = Column

KPI_COLUMNS = [
    C("kpi_id", "KPI"), C("name", "Name"), C("metric", "Metric", "metric"), C("class", "Class", "label"),
    C("channel", "Channel"), C("contract_version", "Contract version", "integer"), C("status", "Status", "status"),
    C("actual", "Actual", "value"), C("target", "Target", "value"), C("breach", "Breach threshold", "value"),
    C("reported", "Reported by CCC", "value"), C("reported_diff", "Difference (ours − CCC)", "change"),
    C("volume", "Volume", "count"), C("numerator", "Numerator", "count"), C("denominator", "Rate basis", "count"),
    C("ci_low", "Interval low", "value"), C("ci_high", "Interval high", "value"),
    C("unit", "Unit"), C("notes", "Notes"),
]


INVOICE_COLUMNS = [
    C("row", "Row", "label"), C("line_id", "Line"), C("unit", "Unit", "label"),
    C("invoiced_quantity", "Invoiced quantity", "number"), C("invoiced_unit_price", "Invoiced unit price", "number"),
    C("invoiced_amount", "Invoiced amount", "money"), C("expected_quantity", "Expected quantity", "number"),
    C("expected_amount", "Expected amount", "money"), C("difference", "Difference", "money"),
    C("quantity_difference", "Quantity difference", "number"), C("status", "Status", "status"),
    C("within_tolerance", "Within tolerance"), C("currency", "Currency"), C("words", "Arithmetic"),
]
_INVOICE_LINE_KEYS = ("line_id", "unit", "invoiced_quantity", "invoiced_unit_price", "invoiced_amount",
                      "expected_quantity", "expected_amount", "difference", "quantity_difference", "status",
                      "within_tolerance", "words")


def invoice_table(check: dict) -> Table:
    """The pack's `invoice` (a check's dict, `export.invoice`) as one table: a row per line, then
    `service credits` (netted: negative), `total due` (the check's verdict as its status) and a row
    per `note`; a check that could not be made is one `error` row."""
    if "error" in check:
        return Table("invoice", "Invoice", INVOICE_COLUMNS, [{"row": "error", "words": check["error"]}])
    currency = check["currency"]
    rows = [dict({k: line.get(k) for k in _INVOICE_LINE_KEYS}, row="line", currency=currency)
            for line in check["lines"]]
    rows.append({"row": "service credits", "expected_amount": -check["credits"] or 0.0, "currency": currency,
                 "words": "; ".join(credit_words(check)) or None})
    rows.append({"row": "total due", "invoiced_amount": check["invoiced_total"],
                 "expected_amount": check["expected_total"], "difference": check["total_difference"],
                 "status": "within tolerance" if check["within_tolerance"] else "outside tolerance",
                 "within_tolerance": check["within_tolerance"], "currency": currency, "words": check["total_words"]})
    rows += [{"row": "note", "words": note} for note in check["notes"]]
    return Table("invoice", "Invoice", INVOICE_COLUMNS, rows)


def _unit(u: str | None) -> str:
    return "fraction" if u == "fraction" else "number"


def _term_format(key: str, value) -> str:
    """A `[complaints]` term's cell format: a rate (`on_time_target`) as percent, a duration as words."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return "fraction" if key.endswith(("target", "rate", "share")) and 0 <= value <= 1 else "number"
    return "duration"


def pack_tables(pack: dict) -> list[Table]:
    """Every section of a review pack as a `Table`, in review order (`invoice` only when the pack has one)."""
    s = pack["summary"]
    c = pack["contract"]
    summary_rows = [
        {"item": "Contract", "value": c["id"]}, {"item": "Title", "value": c["title"]},
        {"item": "Client", "value": c["client"]}, {"item": "CCC", "value": c["ccc"]},
        {"item": "Period", "value": pack["period"]["label"]},
        {"item": "First day", "value": pack["period"]["first_day"], "_fmt": "date"},
        {"item": "Last day", "value": pack["period"]["last_day"], "_fmt": "date"},
        {"item": "As of", "value": pack["as_of"], "_fmt": "date"},
        {"item": "Overall status", "value": s["status"], "_fmt": "status"},
        {"item": "KPIs", "value": s["kpi_count"], "_fmt": "count"},
        *({"item": f"KPIs {k.replace('_', ' ')}", "value": v, "_fmt": "count"} for k, v in s["statuses"].items()),
        {"item": "Open breaches", "value": s["open_breaches"], "_fmt": "count"},
        {"item": f"Service credits ({s['currency']})", "value": s["credits_total"], "_fmt": "money"},
    ]
    changes = [dict(ch, name=kpi_name(ch), _unit=_unit(ch["unit"])) for ch in s["changes"]]
    kpis = [dict(k, name=kpi_name(k), notes="; ".join(k["notes"]), _unit=_unit(k["unit"])) for k in pack["kpis"]]
    trend_rows = [
        dict(p, kpi_id=t["kpi_id"], name=kpi_name(t), _unit=_unit(t["unit"]))
        for t in pack["trends"] for p in t["points"]
    ]
    breaches = [dict(b, name=kpi_name(b), history=len(b["history"]), _unit=_unit(b["unit"])) for b in pack["breaches"]]
    history = [dict(h, breach_id=b["id"], kpi_id=b["kpi_id"], period=b["period"], _kpi_unit=b["unit"])
               for b in pack["breaches"] for h in b["history"]]
    exclusions = [
        dict(e, applied="; ".join(f"{a['kpi_id']}: {a['volume']}" for a in e["applied"])) for e in pack["exclusions"]
    ]
    credits = pack["credits"]["lines"] + [
        {"kpi_id": None, "kind": "net total", "amount": pack["credits"]["total"], "currency": pack["credits"]["currency"],
         "explanation": "sum of the lines above"}
    ]
    comp = pack["complaints"]
    terms = [{"term": k, "value": v, "_fmt": _term_format(k, v)} for k, v in comp.get("terms", {}).items()]
    measures = [dict(m, name=metric_name(m.get("metric"))) for m in comp.get("measures", []) if isinstance(m, dict)]
    obligations = []
    for o in pack["obligations"]:
        ev = o["evidence"] or [{}]
        for e in ev:
            obligations.append({**{k: o.get(k) for k in ("obligation_id", "kind", "description", "owner", "due", "state")},
                                "evidence_date": e.get("date"), "evidence_note": e.get("note"),
                                "evidence_file": e.get("file_name"), "evidence_sha256": e.get("sha256")})
    findings = [dict(f, audit_id=a["id"], audit=a["title"], started_on=a["started_on"]) for a in pack["audits"] for f in a["findings"]]
    actions = pack["actions"]["open"] + pack["actions"]["closed"]
    iso = pack.get("iso18295") or {"duties": [], "labels": {}}
    readiness = [{"duty": d["duty"], "name": d["name"], "status": d["status"],
                  "status_label": iso["labels"].get(d["status"], d["status"]),
                  "reasons": "; ".join(d["reasons"]), "evidence": "; ".join(d["evidence"])} for d in iso["duties"]]

    return [
        Table("summary", "Summary", [C("item", "Item"), C("value", "Value", "cell")], summary_rows),
        Table("changes", "Changes against the previous period", [
            C("kpi_id", "KPI"), C("name", "Name"), C("status", "Status", "status"),
            C("previous_status", "Previous status", "status"), C("previous", "Previous", "value"),
            C("actual", "Actual", "value"), C("change", "Change", "change"), C("direction", "Direction", "label")],
            changes),
        Table("kpis", "KPI results", KPI_COLUMNS, kpis),
        Table("trends", "Trends", [
            C("kpi_id", "KPI"), C("name", "Name"), C("period", "Period"), C("status", "Status", "status"),
            C("actual", "Actual", "value"), C("reported", "Reported by CCC", "value"),
            C("target", "Target", "value"), C("breach", "Breach threshold", "value")], trend_rows),
        Table("breaches", "Breaches", [
            C("id", "Breach", "integer"), C("kpi_id", "KPI"), C("name", "Name"), C("period", "Period"),
            C("status", "Status", "status"), C("actual", "Actual", "value"), C("target", "Target", "value"),
            C("breach", "Breach threshold", "value"), C("volume", "Volume", "count"),
            C("small_sample", "Small sample"), C("still_breached", "Still breached"),
            C("first_seen_at", "First seen", "date"), C("last_seen_at", "Last seen", "date"),
            C("history", "Status changes", "count")], breaches),
        Table("breach_history", "Breach status history", [
            C("breach_id", "Breach", "integer"), C("kpi_id", "KPI"), C("period", "Period"), C("at", "At", "date"),
            C("from", "From", "status"), C("to", "To", "status"), C("note", "Note", "note")], history),
        Table("exclusions", "Exclusions", [
            C("id", "Exclusion", "integer"), C("kind", "Kind", "label"), C("starts_at", "Starts (UTC)", "datetime"),
            C("ends_at", "Ends (UTC)", "datetime"), C("reason", "Reason"), C("evidence", "Evidence"),
            C("applied", "Applied to (KPI: volume)")], exclusions),
        Table("credits", "Service credits", [
            C("kpi_id", "KPI"), C("kind", "Kind", "label"), C("amount", "Amount", "money"), C("currency", "Currency"),
            C("explanation", "Arithmetic")], credits),
        Table("complaint_terms", "Agreed complaint time-frames", [
            C("term", "Term", "label"), C("value", "Agreed", "cell")], terms),
        Table("complaints", "Complaint measures", [
            C("kpi_id", "KPI"), C("name", "Measure"), C("status", "Status", "status"),
            C("numerator", "On time", "count"), C("denominator", "Complaints", "count"),
            C("actual", "Share on time", "fraction"), C("target", "Target", "fraction")], measures),
        Table("obligations", "Obligations and evidence", [
            C("obligation_id", "Obligation"), C("kind", "Kind", "label"), C("description", "Description"),
            C("owner", "Owner"), C("due", "Due", "date"), C("state", "State", "status"),
            C("evidence_date", "Evidence date", "date"), C("evidence_note", "Evidence note"),
            C("evidence_file", "Evidence file"), C("evidence_sha256", "Evidence sha256")], obligations),
        Table("audit_findings", "Audit findings", [
            C("audit_id", "Audit", "integer"), C("audit", "Audit title"), C("started_on", "Started", "date"),
            C("question_id", "Question"), C("answer", "Answer", "label"), C("comment", "Comment"),
            C("evidence", "Evidence")], findings),
        Table("actions", "Actions", [
            C("id", "Action", "integer"), C("title", "Title"), C("owner", "Owner"), C("due", "Due", "date"),
            C("status", "Status", "status"), C("raised_on", "Raised", "date"), C("closed_on", "Closed", "date"),
            C("note", "Note")], actions),
        Table("provenance", "Data provenance", [
            C("batch_id", "Batch", "integer"), C("source", "Source"), C("plugin", "Plugin"), C("file_name", "File"),
            C("sha256", "sha256"), C("imported_at", "Imported at (UTC)", "datetime"), C("imported", "Records", "count"),
            C("quarantined", "Quarantined", "count"), C("first_at", "First record (UTC)", "datetime"),
            C("last_at", "Last record (UTC)", "datetime")], pack["provenance"]),
        Table("iso18295", "ISO 18295", [
            C("duty", "Duty"), C("name", iso["labels"].get("duty", "Client duty")),
            C("status", "Status", "status"), C("status_label", iso["labels"].get("status", "Status")),
            C("reasons", iso["labels"].get("reasons", "Reasons")),
            C("evidence", iso["labels"].get("evidence", "Evidence"))], readiness),
    ] + ([invoice_table(pack["invoice"])] if pack.get("invoice") else [])


MONEY_COLUMNS = [
    C("contract_id", "Contract"), C("ccc", "CCC"), C("currency", "Currency"), C("expected", "Expected", "money"),
    C("credits", "Service credits", "money"), C("due", "Due", "money"), C("invoiced", "Invoiced", "money"),
    C("rate_text", "Rate used"), C("reporting_currency", "Reporting currency"),
    C("reporting_expected", "Expected (reporting)", "money"),
    C("reporting_credits", "Service credits (reporting)", "money"),
    C("reporting_due", "Due (reporting)", "money"), C("reporting_invoiced", "Invoiced (reporting)", "money"),
    C("note", "Note"),
]


def _money_rows(money: dict | None) -> list[dict]:
    """The portfolio's money: a row per contract, then the totals in the reporting currency (if any)."""
    if not money:
        return []
    reporting = money.get("reporting_currency")
    keys = ("expected", "credits", "due", "invoiced")
    rows = [dict(r, reporting_currency=reporting if r.get("rate") else None,
                 **{f"reporting_{k}": (r.get("reporting") or {}).get(k) for k in keys})
            for r in money["contracts"]]
    if money.get("totals"):
        rows.append({"contract_id": "total", "reporting_currency": reporting,
                     **{f"reporting_{k}": v for k, v in money["totals"].items()},
                     "note": "; ".join(f"not converted: {r['contract_id']} ({r['currency']})"
                                       for r in money["not_converted"]) or None})
    return rows


def portfolio_tables(portfolio: dict) -> list[Table]:
    """The portfolio as tables: its contracts worst first, and one row per shared KPI × contract."""
    contracts = []
    for c in portfolio["contracts"]:
        worst = c.get("worst") or {}
        contracts.append(dict(c, worst_kpi=worst.get("kpi_id"), worst_name=kpi_name(worst) if worst else None,
                              worst_status=worst.get("status"), worst_actual=worst.get("actual"),
                              worst_target=worst.get("target"), _unit=_unit(worst.get("unit"))))
    rows = []
    for group in portfolio["groups"]:
        for e in group["entries"]:
            rows.append(dict(e, metric=group["metric"], params=fmt_params(group["params"]), channel=group["channel"],
                             _unit=_unit(group["unit"])))
    return [
        Table("contracts", "Contracts, worst first", [
            C("contract_id", "Contract"), C("title", "Title"), C("ccc", "CCC"), C("status", "Overall status", "status"),
            C("worst_kpi", "Worst KPI"), C("worst_name", "Worst KPI name"), C("worst_status", "Worst KPI status", "status"),
            C("worst_actual", "Worst KPI actual", "value"), C("worst_target", "Worst KPI target", "value"),
            C("open_breaches", "Open breaches", "count"), C("review_period", "Next review"),
            C("review_hold_by", "Hold by", "date"), C("review_state", "Review state", "status"),
            C("overdue_obligations", "Overdue obligations", "count"),
            C("credits_total", "Service credits", "money"), C("currency", "Currency")], contracts),
        Table("money", "Money", MONEY_COLUMNS, _money_rows(portfolio.get("money"))),
        Table("comparison", "Shared KPIs", [
            C("metric", "Metric", "metric"), C("params", "Parameters"), C("channel", "Channel"),
            C("contract_id", "Contract"), C("ccc", "CCC"), C("kpi_id", "KPI"), C("status", "Status", "status"),
            C("actual", "Actual", "value"), C("target", "Target", "value"), C("breach", "Breach threshold", "value"),
            C("volume", "Volume", "count"), C("denominator", "Rate basis", "count"),
            C("rank", "Rank (1 = best)", "integer"), C("currency", "Currency"), C("compare", "Ranked on", "value"),
            C("rate_text", "Rate used")],
            rows),
    ]
