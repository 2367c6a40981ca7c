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
from ..store.dialect import is_postgres
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


class _Stored:
    """What computing credits reads, for many contracts and months at once (issue #14: on PostgreSQL
    each statement is a round trip): their stored results, waived breaches and stored credit months."""

    def __init__(self, db, contract_ids, labels, written: dict | None = None) -> None:
        """`written`: the `kpi_results` rows of some (contract, month) pairs, as the caller has just
        stored them (an evaluation's): those are not read again."""
        self.results: dict[tuple[str, str], list[dict]] = {}
        self.waived: set[tuple] = set()
        self.credited: set[tuple[str, str]] = set()
        cids, labs = sorted(set(contract_ids)), sorted(set(labels))
        written = written or {}
        unread = {(c, lab) for c in cids for lab in labs} - written.keys()
        read_cids, read_labs = sorted({c for c, _ in unread}), sorted({lab for _, lab in unread})
        for cs in _chunks(read_cids):
            for ls in _chunks(read_labs):
                where = f"contract_id IN ({_marks(len(cs))}) AND period IN ({_marks(len(ls))})"
                cur = db.execute(f"SELECT * FROM kpi_results WHERE {where}", [*cs, *ls])
                names = [d[0] for d in cur.description]
                for row in cur.fetchall():
                    r = dict(zip(names, row))
                    if (r["contract_id"], r["period"]) in unread:
                        self.results.setdefault((r["contract_id"], r["period"]), []).append(r)
        for key, rows in written.items():
            if key[0] in cids and key[1] in labs:
                self.results.setdefault(key, []).extend(rows)
        for cs in _chunks(cids):
            for ls in _chunks(labs):
                where = f"contract_id IN ({_marks(len(cs))}) AND period IN ({_marks(len(ls))})"
                args = [*cs, *ls]
                self.waived.update(tuple(r) for r in db.execute(
                    f"SELECT contract_id, contract_version, kpi_id, period FROM breaches WHERE {where} "
                    "AND status = 'waived'", args).fetchall())
                self.credited.update(tuple(r) for r in db.execute(
                    f"SELECT DISTINCT contract_id, period FROM credits WHERE {where}", args).fetchall())
        for rows in self.results.values():
            rows.sort(key=lambda r: r["contract_version"])


def _chunks(items: list, n: int = 500):
    """`items` in slices of `n` (values as parameters: a statement's count of them stays bounded)."""
    for i in range(0, len(items), n):
        yield items[i:i + n]


def _marks(n: int) -> str:
    """`?, ?, ?` for `n` values (`IN (…)`)."""
    return ", ".join("?" * n)


def compute_credits(db, contract_id: str, label: str, contracts: dict, stored: _Stored | None = None) -> list[dict]:
    """The credit lines of one contract and month from the stored results (not persisted).
    `stored`: what they read, loaded beforehand (`refresh_many`); else read here."""
    period = parse_period(label)
    if period.kind != "month":
        return []
    results = stored.results.get((contract_id, label), []) if stored is not None else _results(db, contract_id, label)
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
                waived = ((contract_id, version, kpi.id, label) in stored.waived) if stored is not None else db.execute(
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
                    version_lines.append(_earn_back(db, contract_id, version, label, kpi.id, amount, cur,
                                                         sc.earn_back_periods, stored))
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


def _earn_back(db, cid: str, version: int, label: str, kpi_id: str, amount: float, cur: str, n: int,
               stored: _Stored | None = None) -> dict:
    """Waive the credit when the next `n` months all meet target; pending until they are known.
    A month without data neither earns back nor loses (it stays pending, see the module docstring)."""
    p = parse_period(label)
    following = []
    for _ in range(n):
        p = p.next()
        following.append(p.label)
    statuses = {}
    for lab in following:
        if stored is not None:
            rows = [(r["status"],) for r in stored.results.get((cid, lab), []) if r["kpi_id"] == kpi_id]
        else:
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


def refresh_many(db, keys, contracts: dict, written: dict | None = None) -> None:
    """`refresh_credits` for many `(contract_id, month label)` pairs, each month recomputed once.
    `written`: the `kpi_results` rows just stored, by (contract, period) (see `_Stored`).

    What the months' credits read is read at once for all of them (`_Stored`, with the months their
    earn-back looks at); on PostgreSQL their old lines are deleted with one statement per contract and
    the new ones inserted with one `executemany` (one round trip). SQLite deletes and inserts month by
    month as before: its ids (`INTEGER PRIMARY KEY`, the largest + 1) stay the same as they were.
    """
    todo: dict[str, set[str]] = {}
    evaluated = set(keys)
    earn_back: dict[str, int] = {}
    longest: dict[str, int] = {}  # contract id → the longest earn-back of its versions
    for (cid, _), c in contracts.items():
        if c.service_credits:
            longest[cid] = max(longest.get(cid, 0), c.service_credits.earn_back_periods)
    for contract_id, label in keys:
        period = parse_period(label)
        if period.kind != "month":
            continue
        n = longest.get(contract_id, 0)
        labels = todo.setdefault(contract_id, set())
        labels.add(label)
        earn_back[contract_id] = max(earn_back.get(contract_id, 0), n)
        p = period
        for _ in range(n):
            p = p.previous()
            labels.add(p.label)
    if not todo:
        return
    wanted: set[str] = set()
    for contract_id, labels in todo.items():
        for label in labels:
            p = parse_period(label)
            wanted.add(label)
            for _ in range(earn_back[contract_id]):  # the months an earn-back looks at
                p = p.next()
                wanted.add(p.label)
    with db.atomic():  # (`with db.conn` is no transaction under sqlite-utils 4; atomic nests in a caller's)
        stored = _Stored(db, list(todo), wanted, written)
        months: list[tuple[str, str, list[dict]]] = []
        for contract_id, labels in todo.items():
            for lab in sorted(labels):
                lines = compute_credits(db, contract_id, lab, contracts, stored)
                if not lines and (contract_id, lab) not in evaluated and (contract_id, lab) not in stored.credited:
                    continue  # an earlier month with nothing stored and nothing owed: leave it alone
                months.append((contract_id, lab, lines))
        _replace(db, months)


_INSERT_CREDIT = ("INSERT INTO credits (contract_id, contract_version, period, kpi_id, kind, amount, currency, "
                  "explanation) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


def _credit_row(l: dict) -> list:
    return [l["contract_id"], l["contract_version"], l["period"], l["kpi_id"], l["kind"], l["amount"],
            l["currency"], l["explanation"]]


def _replace(db, months: list[tuple[str, str, list[dict]]]) -> None:
    """Replace the stored credit lines of these (contract, month) pairs by theirs, in this order."""
    if not is_postgres(db):  # (no round trips; month by month keeps SQLite's ids as they were)
        for contract_id, lab, lines in months:
            db.execute("DELETE FROM credits WHERE contract_id = ? AND period = ?", [contract_id, lab])
            db.conn.executemany(_INSERT_CREDIT, [_credit_row(l) for l in lines])
        return
    by_contract: dict[str, list[str]] = {}
    for contract_id, lab, _ in months:
        by_contract.setdefault(contract_id, []).append(lab)
    # Contracts with the same months (usual: one evaluation's periods) share one pipelined DELETE.
    groups: dict[int, list[list]] = {}
    for contract_id, labs in by_contract.items():
        for part in _chunks(labs):
            groups.setdefault(len(part), []).append([contract_id, *part])
    for n, rows in groups.items():
        db.conn.executemany(f"DELETE FROM credits WHERE contract_id = ? AND period IN ({_marks(n)})", rows)
    rows = [_credit_row(l) for _, _, lines in months for l in lines]
    if rows:
        db.conn.executemany(_INSERT_CREDIT, rows)


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
