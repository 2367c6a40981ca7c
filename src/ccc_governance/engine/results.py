"""Reading stored results (`kpi_results`): what the TUI and the review packs show."""

from __future__ import annotations

import json
from datetime import date

from .statuses import STATUS_RANK


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
    sql, args = "SELECT * FROM kpi_results WHERE 1 = 1", []
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


def last_closed_periods(db, as_of: date) -> dict[str, tuple[str, str]]:
    """contract_id → (period label, worst status) of its last closed period with stored results.

    A period is closed when it ended on or before `as_of` (`period_end` is exclusive). One grouped
    read of `kpi_results`, so the portfolio and a contract's status never recompute anything.
    """
    rows = db.execute(
        """SELECT contract_id, period, period_kind, period_end, status
             FROM kpi_results
            WHERE period_end <= ? AND period_kind NOT IN ('day', 'range')""",
        [as_of.isoformat()],
    ).fetchall()
    unknown = len(STATUS_RANK)
    last: dict[str, tuple[tuple, str]] = {}
    worst: dict[tuple[str, str], str] = {}
    for cid, period, kind, end, status in rows:
        key = (cid, period)
        if key not in worst or STATUS_RANK.get(status, unknown) < STATUS_RANK.get(worst[key], unknown):
            worst[key] = status
        # The most recently ended period; at equal ends the longer kind (a month over its last week).
        rank = (end, kind in ("month", "quarter", "half", "year"))
        if cid not in last or rank > last[cid][0]:
            last[cid] = (rank, period)
    return {cid: (period, worst[(cid, period)]) for cid, (_, period) in last.items()}
