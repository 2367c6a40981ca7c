"""Reading stored results (`kpi_results`): what the TUI and the review packs show."""

from __future__ import annotations

import json


def _decode(row: dict) -> dict:
    row = dict(row)
    row["excluded"] = json.loads(row["excluded"] or "[]")
    row["details"] = json.loads(row["details"] or "{}")
    row["contract"], row["kpi"] = row["contract_id"], row["kpi_id"]
    row["small_sample"] = bool(row["details"].get("small_sample"))
    return row


def stored_results(db, *, contract_id: str | None = None, period: str | None = None,
                   kpi_id: str | None = None) -> list[dict]:
    """Stored results (JSON columns decoded), by period start, contract, KPI and version."""
    sql, args = "SELECT * FROM kpi_results WHERE 1", []
    for col, value in (("contract_id", contract_id), ("period", str(period) if period else None), ("kpi_id", kpi_id)):
        if value:
            sql += f" AND {col} = ?"
            args.append(value)
    cur = db.execute(sql + " ORDER BY period_start, contract_id, kpi_id, contract_version", args)
    names = [d[0] for d in cur.description]
    return [_decode(dict(zip(names, r))) for r in cur.fetchall()]


def trend(db, contract_id: str, kpi_id: str, n: int = 12) -> list[dict]:
    """The last `n` stored results of one KPI of one kind of period, oldest first (the newest kind wins)."""
    rows = stored_results(db, contract_id=contract_id, kpi_id=kpi_id)
    if not rows:
        return []
    kind = rows[-1]["period_kind"]
    rows = [r for r in rows if r["period_kind"] == kind]
    return rows[-n:]
