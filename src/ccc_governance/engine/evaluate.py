"""Evaluation: each KPI of each contract version in force, per period, from the daily aggregates.

A result is `Σnum ÷ Σden` over the period's local days governed by that version, less excluded
days and windows, with the target and breach threshold in force on the last day of that span.
Rules (statuses, month to date, exclusions) are written out in `docs/engine.md`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .. import clock
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..errors import CccError
from ..periods import Period, parse_period, period_containing
from ..store.dialect import is_postgres
from . import aggregates, formulas, stats
from .scope import Version, all_versions, governing, known_queues, resolve_queues

_SUM_COLUMNS = ("volume", "num", "den", "extra", "contacts", "offered", "answered", "abandoned", "short_abandons",
                "answered_within", "abandoned_within", "unresolved", "not_queued", "forecast", "unusable")


def status_for(actual: float | None, target: float, breach: float | None, higher: bool, *,
               volume: float = 0, min_volume: int = 0) -> str:
    """met / at_risk / breached / insufficient_volume / no_data for one figure.

    At or better than target: met. Between target and breach (the breach value itself included):
    at_risk. Worse than breach: breached. No breach threshold: worse than target is breached.
    Volume below `min_volume` is never a breach.
    """
    if actual is None:
        return "no_data"
    if volume < min_volume:
        return "insufficient_volume"
    a = round(actual, 12)  # 0.1 + 0.2 style noise must not flip a status at the threshold

    def ok(limit):
        return a >= limit if higher else a <= limit

    if ok(target):
        return "met"
    if breach is None or not ok(breach):
        return "breached"
    return "at_risk"


def default_periods(kinds: set[str], today: date) -> dict[str, Period]:
    """The last closed period of each kind as of `today` (an `interval` KPI is reported per day)."""
    out = {}
    for kind in kinds:
        k = "day" if kind == "interval" else kind
        out[kind] = period_containing(today, k).previous()
    return out


class Results(list):
    """What `evaluate` returns: the result dicts, and `skipped`: contract id → why that contract could
    not be evaluated (one line), for every contract left out so that the others could be."""

    def __init__(self, results, skipped: dict[str, str]):
        super().__init__(results)
        self.skipped = dict(skipped)


def evaluate(db, *, contract_id: str | None = None, period: Period | str | None = None, kinds=None,
             as_of=None, persist: bool = True, pm=None, workspace=None, periods=None) -> list[dict]:
    """Evaluate every KPI of every contract version in force, per period.

    `period`: one period for every KPI (a `Period` or its label); default: for each KPI, the last
    closed period of its own `period` kind as of `as_of`. `kinds`: only KPIs whose period kind is in
    it. An open period (as_of inside it) is evaluated to date with status prefix `mtd_`.
    Results are persisted in `kpi_results` (with breaches and credits) unless `persist=False`.
    `periods`: several periods at once (e.g. 24 months), sharing one freshness check.
    `pm`: the plugin manager that delivers breach notifications, or a function returning it (called
    only when one is pending: `notifications.deliver_pending`).
    A contract that cannot be read or evaluated is left out, its reason in the returned list's
    `skipped`; the others are evaluated (with `contract_id`, its failure is a one-line `CccError`).
    """
    today = clock.today(as_of)
    if isinstance(period, str):
        period = parse_period(period)
    wanted = [parse_period(p) if isinstance(p, str) else p for p in (periods or ([period] if period else []))]
    # A contract that cannot be read or evaluated is left out with its reason; the others go on.
    skipped: dict[str, str] = {}
    versions = all_versions(db, contract_id, skipped=skipped)
    aggregates.ensure_fresh(db, versions, skipped=skipped)
    queue_pairs = known_queues(db)
    by_id: dict[str, list[Version]] = defaultdict(list)
    for v in versions:
        by_id[v.contract_id].append(v)
    evaluated_at = clock.now_utc().isoformat(timespec="seconds")
    has_reported = db.execute("SELECT 1 FROM reported_figures LIMIT 1").fetchone() is not None
    results: list[dict] = []
    for cid, group in sorted(by_id.items()):
        if cid in skipped:
            continue
        done = len(results)
        try:
            kpi_kinds = {k.period for v in group for k in v.contract.kpi}
            if kinds:
                kpi_kinds &= set(kinds)
            chosen = {p.label: (p, None) for p in wanted} if wanted else {
                p.label: (p, kind) for kind, p in default_periods(kpi_kinds, today).items()
            }
            todo = []
            for label, (p, only_kind) in sorted(chosen.items(), key=lambda kv: kv[1][0]):
                mtd = p.start <= today <= p.last_day
                last = today if mtd else p.last_day
                if today < p.start:
                    last = p.last_day  # a future period: nothing stored yet, reported as no data
                todo.append((p, only_kind, mtd, governing(group, p.start, last)))
            sums = _prefetch_sums(db, [s for *_, spans in todo for s in spans])
            for p, only_kind, mtd, spans in todo:
                for v, a, b in spans:
                    banded = band_days(db, v, a, b)
                    span = sums.get((v.version, a, b)) if not banded else None
                    if span is None:
                        span = _span_sums(db, v, a, b, list(banded))
                    for kpi in v.contract.kpi:
                        if only_kind and kpi.period != only_kind:
                            continue
                        if kinds and kpi.period not in kinds:
                            continue
                        results.append(_result(db, v, kpi, p, a, b, mtd, today, queue_pairs if has_reported else None,
                                               evaluated_at, span.get(kpi.id, []), banded))
        except CONTRACT_FAILURES as err:
            del results[done:]  # this contract's results so far
            skipped[cid] = failure_reason(err)
    if contract_id and contract_id in skipped:
        raise CccError(f"contract {contract_id} cannot be evaluated: {skipped[contract_id]}")
    versions = [v for v in versions if v.contract_id not in skipped]
    if persist:
        _persist(db, results, versions, pm=pm, workspace=workspace, as_of=today)
    return Results(results, skipped)


def _day_rows(db, v: Version, kpi_id: str, a: date, b: date) -> list[dict]:
    cur = db.execute(
        f"SELECT day, excl_id, {', '.join(_SUM_COLUMNS)} FROM kpi_daily WHERE contract_id = ? AND "
        "contract_version = ? AND kpi_id = ? AND day >= ? AND day <= ?",
        [v.contract_id, v.version, kpi_id, a.isoformat(), b.isoformat()],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def _span_queries(v: Version, a: date, b: date, banded: list[str]) -> list[tuple[str, list]]:
    """The statements of `_span_sums`. Only the version's KPI ids are read (the caller asks for no
    other, e.g. not the scope row `*`): with `kpi_id IN (…)` the primary key (contract, version, KPI,
    day, exclusion) finds each KPI's days as a range. The whole months of a..b are read from
    `kpi_monthly` (one row per month instead of one per day: 24 months of 50 contracts read 6,000
    rows instead of 182,500), the days before and after them from `kpi_daily`; a span with
    volume-band days is read from `kpi_daily` alone (those days are left out one by one)."""
    kpi_ids = sorted({k.id for k in v.contract.kpi}) or [""]  # no KPI: no row (PostgreSQL has no `IN ()`)
    key = [v.contract_id, v.version, *kpi_ids]
    months, days = ((None, [(a, b)]) if banded else _whole_months(a, b))
    if months is None:
        sums_sql, banded_sql = _span_sql(len(kpi_ids), len(banded))
        args = key + [a.isoformat(), b.isoformat()]
        return [(sums_sql, args + banded)] + ([(banded_sql, args + banded)] if banded else [])
    args = key + list(months)
    if days:  # (one range of days is given twice: `day` in either is the same test)
        (lo1, hi1), (lo2, hi2) = days[0], days[-1]
        args += key + [lo1.isoformat(), hi1.isoformat(), lo2.isoformat(), hi2.isoformat()]
    return [(_months_sql(len(kpi_ids), bool(days)), args)]


def _whole_months(a: date, b: date) -> tuple[tuple[str, str] | None, list[tuple[date, date]]]:
    """The whole local months within days a..b (first and last 'YYYY-MM', None if none) and the
    ranges of days outside them (before, after: 0 to 2)."""
    first = a if a.day == 1 else period_containing(a, "month").end
    last = period_containing(b, "month")
    last = last if b == last.last_day else last.previous()
    if first > last.start:
        return None, [(a, b)]
    days = ([(a, first - timedelta(days=1))] if a < first else []) + (
        [(last.end, b)] if b >= last.end else [])
    return (first.isoformat()[:7], last.label), days


@lru_cache(maxsize=64)
def _months_sql(kpis: int, days: bool) -> str:
    """`_span_queries`'s statement for whole months (and, with `days`, two ranges of days beside them)."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in _SUM_COLUMNS)
    of_version = f"contract_id = ? AND contract_version = ? AND kpi_id IN ({','.join('?' * kpis)})"
    months = f"FROM kpi_monthly WHERE {of_version} AND month >= ? AND month <= ?"
    if not days:
        return f"SELECT kpi_id, NULL AS day, excl_id, {sums} {months} GROUP BY kpi_id, excl_id ORDER BY kpi_id, excl_id"
    cols = f"kpi_id, excl_id, {', '.join(_SUM_COLUMNS)}"
    return (f"SELECT kpi_id, NULL AS day, excl_id, {sums} FROM (SELECT {cols} {months} UNION ALL SELECT {cols} "
            f"FROM kpi_daily WHERE {of_version} AND ((day >= ? AND day <= ?) OR (day >= ? AND day <= ?))) parts "
            "GROUP BY kpi_id, excl_id ORDER BY kpi_id, excl_id")


@lru_cache(maxsize=64)
def _span_sql(kpis: int, banded: int) -> tuple[str, str | None]:
    """`_span_queries`'s statements over days, for a number of KPI ids and of volume-band days (the
    text is the same for every span with those numbers: built once)."""
    sums = ", ".join(f"SUM({c}) AS {c}" for c in _SUM_COLUMNS)
    base = (f"FROM kpi_daily WHERE contract_id = ? AND contract_version = ? AND kpi_id IN ({','.join('?' * kpis)})"
            " AND day >= ? AND day <= ?")
    marks = ",".join("?" * banded)
    first = (f"SELECT kpi_id, NULL AS day, excl_id, {sums} {base}"
             + (f" AND day NOT IN ({marks})" if banded else "") + " GROUP BY kpi_id, excl_id")
    second = (f"SELECT kpi_id, day, excl_id, {sums} {base} AND day IN ({marks}) GROUP BY kpi_id, day, excl_id"
              if banded else None)
    return first, second


def _by_kpi(answers) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for names, rows in answers:
        for r in rows:
            out[r[0]].append(dict(zip(names, r)))
    return out


def _span_sums(db, v: Version, a: date, b: date, banded: list[str]) -> dict[str, list[dict]]:
    """A version's `kpi_daily` sums over local days a..b, by KPI id: one row per exclusion id summed
    in SQL (`day` None), plus one row per volume-band day (those are decided per metric)."""
    answers = []
    for sql, params in _span_queries(v, a, b, banded):
        cur = db.execute(sql, params)
        answers.append(([d[0] for d in cur.description], cur.fetchall()))
    return _by_kpi(answers)


def _prefetch_sums(db, spans) -> dict[tuple, dict[str, list[dict]]]:
    """PostgreSQL: `_span_sums` of every span of a contract's periods (without a volume band), the same
    statements sent in one pipeline: one round trip instead of one per period (issue #14). A version with
    a volume band is left to `_span_sums` (its banded days are read first). SQLite: nothing (no round
    trips there): `_span_sums` reads each span as it comes."""
    if not is_postgres(db):
        return {}
    wanted = [(v, a, b) for v, a, b in spans if v.contract.volume_band is None]
    answers = db.conn.query_many(_span_queries(v, a, b, [])[0] for v, a, b in wanted) if wanted else []
    return {(v.version, a, b): _by_kpi([answer]) for (v, a, b), answer in zip(wanted, answers)}


def band_days(db, v: Version, a: date, b: date) -> dict[str, dict]:
    """Days left out by the volume band: {day: {offered, forecast, low, high}}."""
    band = v.contract.volume_band
    if band is None:
        return {}
    out = {}
    for r in _day_rows(db, v, aggregates.SCOPE_KPI, a, b):
        if r["excl_id"] or not r["forecast"]:
            continue
        low, high = band.lower * r["forecast"], band.upper * r["forecast"]
        if not (low <= r["offered"] <= high):
            out[r["day"]] = {"offered": r["offered"], "forecast": r["forecast"], "low": low, "high": high}
    return out


def _exclusion_rows(db, contract_id: str) -> dict[int, dict]:
    return {r[0]: {"kind": r[1], "starts_at": r[2], "ends_at": r[3], "reason": r[4], "evidence": r[5]}
            for r in db.execute(
                "SELECT id, kind, starts_at, ends_at, reason, evidence FROM exclusions WHERE contract_id = ?",
                [contract_id]).fetchall()}


def _result(db, v: Version, kpi, p: Period, a: date, b: date, mtd: bool, today: date, queue_pairs,
            evaluated_at: str, rows: list[dict], banded: dict) -> dict:
    contract = v.contract
    metric = kpi.metric
    zone = ZoneInfo(contract.contract.timezone)
    details: dict = {"span": {"from": a.isoformat(), "to": b.isoformat()}}
    if metric in formulas.COMPLAINT_METRICS:
        as_of_ms = int(datetime.combine(today + timedelta(days=1), time(0), tzinfo=zone).timestamp() * 1000)
        rows = [
            {"day": day, "excl_id": excl, **{c: f.get(c, 0) for c in _SUM_COLUMNS}}
            for (day, excl), f in aggregates.complaint_daily(db, contract, kpi, a, b, as_of_ms).items()
        ]
        if aggregates.complaint_limit(contract, kpi) is None:
            details["reason"] = "the contract sets no [complaints] time-frame for this KPI"
    if metric in formulas.COST_METRICS:
        rows = _cost_rows(db, v, kpi, a, b, details)
    if metric not in formulas.CONTACT_METRICS or metric == "forecast_accuracy":
        banded = {}
    sums = dict.fromkeys(_SUM_COLUMNS, 0.0)
    removed: dict = defaultdict(float)
    for r in rows:
        if r["excl_id"]:
            removed[("declared", r["excl_id"])] += r["volume"] or 0
            continue
        if r["day"] is not None and r["day"] in banded:
            removed[("band", r["day"])] += r["volume"] or 0
            continue
        for c in _SUM_COLUMNS:
            sums[c] += r[c] or 0
    excluded = []
    declared = _exclusion_rows(db, v.contract_id) if any(k[0] == "declared" for k in removed) else {}
    for (kind, key), volume in sorted(removed.items(), key=lambda kv: str(kv[0][1])):
        if kind == "declared":
            e = declared.get(key, {})
            excluded.append({"kind": e.get("kind", "declared"), "from": clock.iso_utc(e.get("starts_at")),
                             "to": clock.iso_utc(e.get("ends_at")), "reason": e.get("reason"),
                             "evidence": e.get("evidence"), "volume": volume})
        else:
            d = banded[key]
            excluded.append({
                "kind": "volume_band", "from": key, "to": key,
                "reason": f"offered {d['offered']:g} outside {d['low']:g}–{d['high']:g} "
                          f"({contract.volume_band.lower:g}–{contract.volume_band.upper:g} × forecast {d['forecast']:g})",
                "evidence": "interval_aggregates.forecast_offered", "volume": volume,
            })
    volume, num, den, extra = sums["volume"], sums["num"], sums["den"], sums["extra"]
    actual = formulas.period_actual(metric, volume, num, den, extra)
    target, breach = kpi.thresholds_on(b)
    higher, rate = _metric_facts(metric)
    status = status_for(actual, target, breach, higher, volume=volume, min_volume=kpi.min_volume)
    if sums["unusable"]:
        details["not_computable_intervals"] = int(sums["unusable"])
        t, s, _ = formulas.sl_params(kpi.params)
        details["reason"] = (
            f"{int(sums['unusable'])} interval aggregate(s) count answers/abandons against other thresholds "
            f"than this KPI's T={t:g}s / S={s:g}s: not computable from aggregates, left out"
        )
    for c in ("contacts", "offered", "answered", "abandoned", "short_abandons", "answered_within",
              "abandoned_within", "unresolved", "not_queued", "forecast"):
        if sums[c]:
            details[c] = sums[c]
    ci = stats.wilson(num, den) if rate and den and 0 <= num <= den else None
    n = den if ci else volume
    small = stats.small_sample(n, ci, [target, breach]) if actual is not None else False
    reported = _reported(db, contract, kpi, p, queue_pairs) if queue_pairs is not None else None
    if mtd:
        details["projection"], details["projection_basis"] = _projection(actual, ci, target, breach, higher)
        status = f"mtd_{status}"
    return {
        "contract_id": v.contract_id, "contract": v.contract_id, "contract_version": v.version,
        "kpi_id": kpi.id, "kpi": kpi.id, "metric": metric, "period": p.label, "period_kind": p.kind,
        "period_start": p.start.isoformat(), "period_end": p.end.isoformat(), "channel": kpi.channel,
        "volume": volume, "numerator": num, "denominator": den, "actual": actual,
        "target": target, "breach": breach, "status": status, "excluded": excluded,
        "ci_low": ci[0] if ci else None, "ci_high": ci[1] if ci else None, "small_sample": small,
        "reported": reported, "reported_diff": (actual - reported) if (reported is not None and actual is not None) else None,
        "details": details, "evaluated_at": evaluated_at, "kpi_class": kpi.kpi_class,
        "higher_is_better": higher,
    }


@lru_cache(maxsize=256)
def _metric_facts(metric: str) -> tuple[bool, bool]:
    """(higher is better, is a rate) of a metric: `formulas`' answers, looked up once per metric
    (an evaluation asks for each of its results: 4,800 for 50 contracts × 24 months)."""
    return formulas.higher_is_better(metric), formulas.is_rate(metric)


def _cost_rows(db, v: Version, kpi, a: date, b: date, details: dict) -> list[dict]:
    """A cost KPI's one row over a..b from the contract's pricing (`invoicing.cost_of`); its figures go
    into `details`. A cost that cannot be priced (an `fte_month` line without workforce figures) gives
    no row and the reason."""
    from ..invoicing import InvoiceCheckError, cost_of

    try:
        cost = cost_of(db, v.contract_id, v.contract, a, b, kpi.channel)
    except InvoiceCheckError as err:
        details["reason"] = str(err)
        return []
    details.update(cost.details())
    if kpi.metric == "cost_per_resolved_contact":
        den = cost.resolved or 0.0
    else:
        den = cost.handled
    return [{"day": None, "excl_id": 0, **dict.fromkeys(_SUM_COLUMNS, 0.0),
             "volume": cost.handled, "num": cost.amount, "den": den}]


def _projection(actual, ci, target, breach, higher) -> tuple[str, str]:
    """Will a month-to-date figure end in breach? Judged on the rate so far and its Wilson interval."""
    limit = breach if breach is not None else target
    if actual is None:
        return "unknown", "no data yet"
    worse = (lambda x: x < limit) if higher else (lambda x: x > limit)
    if ci is not None:
        lo, hi = ci
        if worse(hi if higher else lo):
            return "likely_breach", f"the whole 95 % interval {lo:.4f}–{hi:.4f} is past the breach threshold {limit:g}"
        if not worse(lo if higher else hi):
            return "on_track", f"the whole 95 % interval {lo:.4f}–{hi:.4f} is clear of the breach threshold {limit:g}"
        return "at_risk", f"the 95 % interval {lo:.4f}–{hi:.4f} contains the breach threshold {limit:g}"
    if worse(actual):
        return "likely_breach", f"the figure so far {actual:.4f} is past the breach threshold {limit:g}"
    return "on_track", f"the figure so far {actual:.4f} is clear of the breach threshold {limit:g}"


def _reported(db, contract, kpi, p: Period, queue_pairs) -> float | None:
    """The CCC's own figure for this KPI and period (matched on metric or KPI id and exact bounds)."""
    start, end = p.bounds_ms(contract.contract.timezone)
    queues = resolve_queues(contract, queue_pairs)
    rows = db.execute(
        "SELECT value, queue, channel FROM reported_figures WHERE metric IN (?, ?) AND period_start = ? "
        "AND period_end = ? ORDER BY id DESC",
        [kpi.metric, kpi.id, start, end],
    ).fetchall()
    for value, queue, channel in rows:
        if queue is not None and queue not in queues:
            continue
        if channel is not None and kpi.channel is not None and channel != kpi.channel:
            continue
        # A rate reported in per cent (85.0) is compared as a share (0.85).
        if formulas.is_rate(kpi.metric) and value is not None and value > 1.0:
            value = value / 100
        return value
    return None


def stored_row(result: dict) -> dict:
    """A result as a `kpi_results` row (JSON columns serialised)."""
    cols = ("contract_id", "contract_version", "kpi_id", "metric", "period", "period_kind", "period_start",
            "period_end", "channel", "volume", "numerator", "denominator", "actual", "target", "breach",
            "status", "ci_low", "ci_high", "reported", "reported_diff", "evaluated_at")
    row = {c: result[c] for c in cols}
    row["excluded"] = json.dumps(result["excluded"]) if result["excluded"] else "[]"
    row["details"] = json.dumps({**result["details"], "small_sample": result["small_sample"],
                                 "kpi_class": result["kpi_class"]})
    return row


_RESULT_KEY = ("contract_id", "contract_version", "kpi_id", "period")


def _persist(db, results: list[dict], versions: list[Version], *, pm=None, workspace=None, as_of=None) -> None:
    from . import breaches, credits

    keys = sorted({(r["contract_id"], r["period"]) for r in results})
    with db.atomic():
        # One DELETE per contract for all its periods; contracts with the same periods (one evaluation's,
        # usually) in one `executemany`: one round trip on PostgreSQL (issue #14).
        by_contract: dict[str, list[str]] = defaultdict(list)
        for cid, label in keys:
            by_contract[cid].append(label)
        groups: dict[int, list[list]] = defaultdict(list)
        for cid, labels in by_contract.items():
            for part in credits._chunks(labels):
                groups[len(part)].append([cid, *part])
        for n, params in groups.items():
            db.conn.executemany(f"DELETE FROM kpi_results WHERE contract_id = ? AND period IN ({credits._marks(n)})",
                                params)
        rows = [stored_row(r) for r in results]
        if rows:
            cols = list(rows[0])
            db.conn.executemany(
                f"INSERT INTO kpi_results ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))}) "
                "ON CONFLICT (contract_id, contract_version, kpi_id, period) DO UPDATE SET "
                + ", ".join(f"{c} = excluded.{c}" for c in cols if c not in _RESULT_KEY),
                [[r[c] for c in cols] for r in rows],
            )
    contracts = {(v.contract_id, v.version): v.contract for v in versions}
    breaches.record(db, results, contracts, pm=pm, workspace=workspace, as_of=as_of)
    written: dict[tuple, list[dict]] = {key: [] for key in keys}  # (as stored: not read back)
    for row in rows:
        written[(row["contract_id"], row["period"])].append(row)
    credits.refresh_many(db, keys, contracts, written)
