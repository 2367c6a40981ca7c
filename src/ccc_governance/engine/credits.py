"""Service credits per month: what each breached critical KPI costs the CCC, capped, with earn-back
and bonus bands. Every line carries its arithmetic in words.

For a breached critical KPI (its breach not waived):
    credit = monthly_fee × at_risk_percent % × pool_percent % × allocation
Earn-back: the credit is waived when the next `earn_back_periods` months of that KPI are all `met`
(pending until they are all known). A month with no data (`no_data`) neither earns back nor loses:
it keeps the earn-back pending, as a month not yet evaluated does. The total (credits − earn-back) is capped at cap_percent % of
the fee. Bonus bands: the highest band a KPI reaches gives fee × percent % owed to the CCC (a
negative amount). Credits are computed for month periods only (the fee is monthly).
"""

from __future__ import annotations

from ..periods import parse_period
from ..store import readcache


def money(x: float, currency: str) -> str:
    """`40,000.00 EUR`"""
    return f"{x:,.2f} {currency}"


def pct(x: float) -> str:
    """`12 %`, `12.5 %`"""
    return f"{x:g} %"


def _results(db, contract_id: str, label: str) -> list[dict]:
    cur = db.execute("SELECT * FROM kpi_results WHERE contract_id = ? AND period = ?", [contract_id, label])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def compute_credits(db, contract_id: str, label: str, contracts: dict) -> list[dict]:
    """The credit lines of one contract and month from the stored results (not persisted)."""
    period = parse_period(label)
    if period.kind != "month":
        return []
    results = _results(db, contract_id, label)
    if not results or any(r["status"].startswith("mtd_") for r in results):
        return []
    lines: list[dict] = []
    by_version: dict[int, list[dict]] = {}
    for r in results:
        by_version.setdefault(r["contract_version"], []).append(r)
    for version, rows in sorted(by_version.items()):
        contract = contracts.get((contract_id, version))
        if contract is None or contract.service_credits is None or not contract.contract.monthly_fee:
            continue
        sc, fee, cur = contract.service_credits, contract.contract.monthly_fee, contract.contract.currency
        version_lines = []
        for r in sorted(rows, key=lambda r: r["kpi_id"]):
            kpi = contract.kpi_by_id(r["kpi_id"])
            if kpi is None:
                continue
            if kpi.kpi_class == "critical" and r["status"] == "breached":
                waived = db.execute(
                    "SELECT 1 FROM breaches WHERE contract_id = ? AND contract_version = ? AND kpi_id = ? "
                    "AND period = ? AND status = 'waived'", [contract_id, version, kpi.id, label]).fetchone()
                if waived:
                    continue
                amount = fee * sc.at_risk_percent / 100 * sc.pool_percent / 100 * kpi.allocation
                text = (f"{kpi.id} breached: {money(fee, cur)} × {pct(sc.at_risk_percent)} at risk × "
                        f"{pct(sc.pool_percent)} pool × {pct(round(kpi.allocation * 100, 6))} allocation = "
                        f"{money(amount, cur)}")
                version_lines.append(_line(contract_id, version, label, kpi.id, "credit", amount, cur, text))
                if sc.earn_back_periods:
                    version_lines.append(_earn_back(db, contract_id, version, label, kpi.id, amount, cur, sc.earn_back_periods))
            bands = [b for b in sc.bonus if b.kpi == kpi.id and r["actual"] is not None and r["actual"] >= b.at_or_above]
            if bands:
                band = max(bands, key=lambda b: b.at_or_above)
                amount = -fee * band.percent / 100
                text = (f"{kpi.id} bonus: actual {r['actual']:.4f} ≥ {band.at_or_above:g}: {pct(band.percent)} × "
                        f"{money(fee, cur)} = {money(-amount, cur)} owed to the CCC")
                version_lines.append(_line(contract_id, version, label, kpi.id, "bonus", amount, cur, text))
        owed = sum(l["amount"] for l in version_lines if l["kind"] in ("credit", "earn_back"))
        cap = fee * sc.cap_percent / 100
        if owed > cap:
            version_lines.append(_line(
                contract_id, version, label, None, "cap", cap - owed, cur,
                f"credits {money(owed, cur)} capped at {pct(sc.cap_percent)} of {money(fee, cur)} = {money(cap, cur)}"))
        lines += version_lines
    return lines


def _line(cid, version, label, kpi_id, kind, amount, currency, text) -> dict:
    return {"contract_id": cid, "contract_version": version, "period": label, "kpi_id": kpi_id, "kind": kind,
            "amount": round(amount, 2), "currency": currency, "explanation": text}


#: Statuses of a month that neither earn a credit back nor lose it (nothing was measured).
_NEUTRAL = ("no_data",)


def _month_status(statuses: list[str]) -> str:
    """One month of a KPI (one status per version in force): a miss if any part missed; else no
    data if any part has none (it may still come); else met."""
    missed = [s for s in statuses if s != "met" and s not in _NEUTRAL]
    if missed:
        return missed[0]
    return next((s for s in statuses if s in _NEUTRAL), "met")


def _earn_back(db, cid: str, version: int, label: str, kpi_id: str, amount: float, cur: str, n: int) -> dict:
    """Waive the credit when the next `n` months all meet target; pending until they are known.
    A month without data neither earns back nor loses (it stays pending, see the module docstring)."""
    p = parse_period(label)
    following = []
    for _ in range(n):
        p = p.next()
        following.append(p.label)
    statuses = {}
    for lab in following:
        rows = db.execute("SELECT status FROM kpi_results WHERE contract_id = ? AND kpi_id = ? AND period = ?",
                          [cid, kpi_id, lab]).fetchall()
        if rows and not any(s.startswith("mtd_") for (s,) in rows):
            statuses[lab] = _month_status([s for (s,) in rows])
    missed = [f"{lab} {s}" for lab, s in statuses.items() if s != "met" and s not in _NEUTRAL]
    if missed:
        return _line(cid, version, label, kpi_id, "earn_back", 0.0, cur,
                     f"{kpi_id} earn-back lost: {', '.join(missed)} (needs {n} months at target after {label})")
    if sum(s == "met" for s in statuses.values()) == n:
        return _line(cid, version, label, kpi_id, "earn_back", -amount, cur,
                     f"{kpi_id} credit of {money(amount, cur)} earned back: target met in {', '.join(following)}")
    known = [f"{lab} {'no data' if s in _NEUTRAL else s}" for lab, s in statuses.items()]
    neutral = "; a month with no data neither earns back nor loses" if any(s in _NEUTRAL for s in statuses.values()) else ""
    return _line(cid, version, label, kpi_id, "earn_back", 0.0, cur,
                 f"{kpi_id} earn-back pending: waived if target is met in {', '.join(following)} "
                 f"(known so far: {', '.join(known) or 'none'}{neutral})")


def refresh_credits(db, contract_id: str, label: str, contracts: dict) -> list[dict]:
    """Recompute and store the credits of a month and of the months whose earn-back it decides."""
    refresh_many(db, [(contract_id, label)], contracts)
    return credits_for(db, contract_id, label)


def refresh_many(db, keys, contracts: dict) -> None:
    """`refresh_credits` for many `(contract_id, month label)` pairs, each month recomputed once."""
    todo: dict[str, set[str]] = {}
    evaluated = set(keys)
    for contract_id, label in keys:
        period = parse_period(label)
        if period.kind != "month":
            continue
        n = max((c.service_credits.earn_back_periods for (cid, _), c in contracts.items()
                 if cid == contract_id and c.service_credits), default=0)
        labels = todo.setdefault(contract_id, set())
        labels.add(label)
        p = period
        for _ in range(n):
            p = p.previous()
            labels.add(p.label)
    with db.atomic():  # (`with db.conn` is no transaction under sqlite-utils 4; atomic nests in a caller's)
        for contract_id, labels in todo.items():
            _store(db, contract_id, sorted(labels), evaluated, contracts)


def _store(db, contract_id: str, labels: list[str], evaluated: set, contracts: dict) -> None:
    for lab in labels:
        lines = compute_credits(db, contract_id, lab, contracts)
        if not lines and (contract_id, lab) not in evaluated and not db.execute(
                "SELECT 1 FROM credits WHERE contract_id = ? AND period = ?", [contract_id, lab]).fetchone():
            continue  # an earlier month with nothing stored and nothing owed: leave it alone
        db.execute("DELETE FROM credits WHERE contract_id = ? AND period = ?", [contract_id, lab])
        db.conn.executemany(
            "INSERT INTO credits (contract_id, contract_version, period, kpi_id, kind, amount, currency, explanation) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [[l["contract_id"], l["contract_version"], l["period"], l["kpi_id"], l["kind"], l["amount"],
              l["currency"], l["explanation"]] for l in lines])


def credits_for(db, contract_id: str, period_label: str) -> list[dict]:
    """The stored credit lines of a contract and period (rows of `credits`)."""
    cached = readcache.grouped(db, "credits", "key", (contract_id, period_label), _all_credits)
    if cached is not None:
        return [{k: v for k, v in r.items() if k != "key"} for r in cached]
    cur = db.execute("SELECT * FROM credits WHERE contract_id = ? AND period = ? ORDER BY id", [contract_id, period_label])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _all_credits(db) -> list[dict]:
    cur = db.execute("SELECT * FROM credits ORDER BY id")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r), key=(r[names.index("contract_id")], r[names.index("period")])) for r in cur.fetchall()]


def total(lines: list[dict]) -> float:
    """Net amount of credit lines (positive: owed by the CCC)."""
    return round(sum(l["amount"] for l in lines), 2)
