"""Daily aggregates per contract version × KPI × local day, maintained as data is imported.

Evaluation never rescans raw contacts: it sums `kpi_daily`. Building a version's rows sums the
contract-independent interval figures of contacts (`store.intervals`, kept at import) over the
whole 15-minute intervals of its opening windows, reads contacts only for the intervals a window or
exclusion edge cuts (and for business-time first responses, and for every contact of a contract
whose thresholds are not whole seconds), one pass over interval aggregates, and small Python
passes over surveys, complaints, QA evaluations and workforce figures. `refresh_after_batch`
recomputes only the local days a batch touched, for the contracts whose queues it touched.
"""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from ..clock import now_utc
from ..durations import parse_duration
from ..periods import period_containing
from ..contracts.model import Contract
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..store import intervals
from ..store.intervals import INTERVAL_MS
from . import formulas
from .scope import (
    Version,
    add_batch_queues,
    all_versions,
    covers_unqueued,
    day_windows,
    fingerprint,
    known_queues,
    local_day,
    rebuild_known_queues,
    resolve_queues,
)

SCOPE_KPI = "*"  # the row holding the whole scope's offered and forecast per day


# ---------------------------------------------------------------------------------------------
# bookkeeping


def _count(cond: str) -> str:
    """SQL counting the rows where `cond` holds (both stores: PostgreSQL does not sum booleans)."""
    return f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"


_SIGNATURE = "SELECT COUNT(*), MAX(id), " + _count("status != 'complete'") + " FROM batches"
_SET_BATCHES = ("INSERT INTO agg_meta (key, value) VALUES ('batches', ?) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value")
_DAILY_VALUES = ("volume", "num", "den", "contacts", "offered", "answered", "abandoned", "short_abandons",
                 "answered_within", "abandoned_within", "unresolved", "not_queued", "forecast", "unusable", "extra")


def batches_signature(db) -> str:
    """What the aggregates were last built for: the batches' count, last id and how many are not
    complete. `ensure_fresh` rebuilds everything when the stored one differs."""
    row = db.execute(_SIGNATURE).fetchone()
    return json.dumps(list(row))


_batches_signature = batches_signature


def _exclusions(db, contract_id: str) -> list[tuple]:
    return [tuple(r) for r in db.execute(
        "SELECT id, starts_at, ends_at FROM exclusions WHERE contract_id = ? ORDER BY id", [contract_id]
    ).fetchall()]


def data_span(db) -> tuple[int, int] | None:
    """First and last instants (epoch ms) of stored records, from the batches' spans."""
    row = db.execute(
        "SELECT MIN(first_at), MAX(last_at) FROM batches WHERE status = 'complete' AND first_at IS NOT NULL"
    ).fetchone()
    lo, hi = row if row else (None, None)
    # Batches written without a span (older tools, tests): ask their records.
    for (bid,) in db.execute(
        "SELECT id FROM batches WHERE status = 'complete' AND first_at IS NULL"
    ).fetchall():
        a, b = batch_span(db, bid)
        if a is not None:
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
    return None if lo is None else (lo, hi)


_INSTANTS = {
    "contacts": "arrived_at",
    "interval_aggregates": "interval_start",
    "surveys": "responded_at",
    "complaints": "received_at",
    "quality_evaluations": "evaluated_at",
    "workforce": "day",
}


def batch_span(db, batch_id: int) -> tuple[int | None, int | None]:
    """MIN/MAX instant of a batch's records, including the rows it replaced."""
    lo = hi = None
    for table, col in _INSTANTS.items():
        a, b = db.execute(f"SELECT MIN({col}), MAX({col}) FROM {table} WHERE batch_id = ?", [batch_id]).fetchone()
        if a is not None:
            lo = a if lo is None else min(lo, a)
            hi = b if hi is None else max(hi, b)
    if "replaced_rows" in db.table_names():
        for table, row in db.execute("SELECT tbl, row FROM replaced_rows WHERE batch_id = ?", [batch_id]).fetchall():
            try:
                value = json.loads(row).get(_INSTANTS.get(table, ""))
            except (ValueError, AttributeError):
                value = None
            if isinstance(value, int):
                lo = value if lo is None else min(lo, value)
                hi = value if hi is None else max(hi, value)
    return lo, hi


# ---------------------------------------------------------------------------------------------
# building


def ensure_fresh(db, versions: list[Version], *, skipped: dict[str, str] | None = None) -> list[str]:
    """Rebuild the aggregates of every version whose contract, exclusions or data changed.

    Returns the `contract_id vN` labels rebuilt. Cheap when nothing changed (a few queries, whatever the number of versions).
    With `skipped` (a dict), a contract that cannot be read or built is left out and
    `skipped[contract_id]` says why, so that the others are still brought up to date; its
    aggregates stay unbuilt (each build is one transaction) and are tried again next time.
    """
    signature = _batches_signature(db)
    row = db.execute("SELECT value FROM agg_meta WHERE key = 'batches'").fetchone()
    data_changed = row is None or row[0] != signature
    if data_changed:
        rebuild_known_queues(db)
        # Unseen data may touch any contract: rebuild them all before recording the batches as seen.
        versions = all_versions(db, skipped=skipped)
    rebuilt = []
    # Every contract's exclusions and every version's state read once (not two round trips per
    # version on PostgreSQL): building a version changes only its own state.
    exclusions: dict[str, list[tuple]] = {}
    for cid, *row in db.execute("SELECT contract_id, id, starts_at, ends_at FROM exclusions ORDER BY id").fetchall():
        exclusions.setdefault(cid, []).append(tuple(row))
    states = {(cid, version): fp for cid, version, fp in db.execute(
        "SELECT contract_id, contract_version, fingerprint FROM agg_state").fetchall()}
    for v in versions:
        if v.first is None or (skipped and v.contract_id in skipped):
            continue
        fp = fingerprint(v, exclusions.get(v.contract_id, []))
        state = states.get((v.contract_id, v.version))
        if data_changed or state is None or state != fp:
            try:
                build_version(db, v)
            except CONTRACT_FAILURES as err:
                if skipped is None:
                    raise
                skipped[v.contract_id] = f"version {v.version} cannot be aggregated: {failure_reason(err)}"
                continue
            rebuilt.append(f"{v.contract_id} v{v.version}")
    if data_changed:
        with db.conn:
            db.execute(_SET_BATCHES, [signature])
    return rebuilt


def build_version(db, v: Version, first: date | None = None, last: date | None = None) -> int:
    """(Re)compute `kpi_daily` of one version for local days `first`..`last` (default: all it governs
    within the stored data). Returns the number of rows written. One transaction."""
    zone = ZoneInfo(v.contract.contract.timezone)
    span = data_span(db)
    _track_wait_rules(db, v.contract)
    with db.conn:
        if first is None and last is None:
            db.execute("DELETE FROM kpi_daily WHERE contract_id = ? AND contract_version = ?", [v.contract_id, v.version])
        if span is None or v.first is None:
            rows = 0
        else:
            lo = max(v.first, local_day(span[0], zone), first or date.min)
            hi = min(v.last or date.max, local_day(span[1], zone), last or date.max)
            if lo > hi:
                rows = 0
            else:
                db.execute(
                    "DELETE FROM kpi_daily WHERE contract_id = ? AND contract_version = ? AND day >= ? AND day <= ?",
                    [v.contract_id, v.version, lo.isoformat(), hi.isoformat()],
                )
                rows = _write(db, v, _compute(db, v.contract, lo, hi, _exclusions(db, v.contract_id)))
        _roll_up(db, v, first, last)
        fp = fingerprint(v, _exclusions(db, v.contract_id))
        db.execute(
            "INSERT INTO agg_state (contract_id, contract_version, fingerprint, built_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (contract_id, contract_version) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "built_at = excluded.built_at",
            [v.contract_id, v.version, fp, now_utc().isoformat(timespec="seconds")],
        )
    return rows


#: `kpi_monthly` of one version's months, from its `kpi_daily` (`{where}`: which days)
_ROLL_UP = ("INSERT INTO kpi_monthly (contract_id, contract_version, kpi_id, month, excl_id, "
            + ", ".join(_DAILY_VALUES) + ") SELECT contract_id, contract_version, kpi_id, substr(day, 1, 7), excl_id, "
            + ", ".join(f"SUM({c})" for c in _DAILY_VALUES) + " FROM kpi_daily WHERE contract_id = ? AND "
            "contract_version = ?{where} GROUP BY contract_id, contract_version, kpi_id, substr(day, 1, 7), excl_id")


def _roll_up(db, v: Version, first: date | None, last: date | None) -> None:
    """Sum the version's days into `kpi_monthly` again, for the months of local days `first`..`last`
    (every month when either is None), in the caller's transaction."""
    key = [v.contract_id, v.version]
    if first is None or last is None:
        db.execute("DELETE FROM kpi_monthly WHERE contract_id = ? AND contract_version = ?", key)
        db.execute(_ROLL_UP.format(where=""), key)
        return
    lo, hi = period_containing(first, "month"), period_containing(last, "month")
    db.execute("DELETE FROM kpi_monthly WHERE contract_id = ? AND contract_version = ? AND month >= ? "
               "AND month <= ?", key + [lo.label, hi.label])
    db.execute(_ROLL_UP.format(where=" AND day >= ? AND day <= ?"),
               key + [lo.start.isoformat(), hi.last_day.isoformat()])


def _track_wait_rules(db, contract: Contract) -> None:
    """Have the interval figures count the contract's wait rules (whole-second thresholds) in free
    slots, in a transaction of its own before the build's: the first contract with a threshold
    pays one pass over the wait histogram, every later one reads the slot."""
    feats = _contact_features([k for k in contract.kpi if formulas.known(k.metric)])
    if not _whole_thresholds(feats):
        return  # (such a contract is computed from its contacts)
    rules = {_wait_rule(key, params) for key, _, params in feats} - {None}
    if rules:
        with db.conn:
            intervals.track_wait_rules(db.conn, rules)


def _wait_rule(key: str, params) -> tuple[int, int] | None:
    """The interval figures' wait rule `(rule, seconds)` of a contact feature, if it is one with a
    whole number of seconds."""
    rule = _WAIT_RULES.get(key.split(":")[0])
    return (rule, int(params[0])) if rule is not None and float(params[0]).is_integer() else None


#: wait feature (its key before ':') → the interval figures' rule
_WAIT_RULES = {"within": intervals.WITHIN, "abwithin": intervals.ABANDONED_WITHIN, "short": intervals.SHORT}


def _write(db, v: Version, per_kpi: dict) -> int:
    rows = []
    for (kpi_id, day, excl), f in per_kpi.items():
        rows.append((
            v.contract_id, v.version, kpi_id, day, excl, f.get("volume", 0), f.get("num", 0), f.get("den", 0),
            f.get("contacts", 0), f.get("offered", 0), f.get("answered", 0), f.get("abandoned", 0),
            f.get("short", 0), f.get("within", 0), f.get("abwithin", 0), f.get("unresolved", 0),
            f.get("not_queued", 0), f.get("forecast", 0), f.get("unusable", 0), f.get("extra", 0),
        ))
    db.conn.executemany(
        "INSERT INTO kpi_daily (contract_id, contract_version, kpi_id, day, excl_id, volume, num, den, "
        "contacts, offered, answered, abandoned, short_abandons, answered_within, abandoned_within, unresolved, "
        "not_queued, forecast, unusable, extra) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT (contract_id, contract_version, kpi_id, day, excl_id) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in _DAILY_VALUES),
        rows,
    )
    return len(rows)


def _compute(db, contract: Contract, first: date, last: date, exclusions: list[tuple]) -> dict:
    """Every KPI's daily figures for local days first..last: {(kpi_id, day, excl_id): sums}."""
    queues = resolve_queues(contract, known_queues(db))
    windows = day_windows(contract, first, last)
    zone = ZoneInfo(contract.contract.timezone)
    span_ms = (
        int(datetime.combine(first, datetime.min.time(), tzinfo=zone).timestamp() * 1000),
        int(datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone).timestamp() * 1000),
    )
    kpis = [k for k in contract.kpi if formulas.known(k.metric)]
    # Per (day, excl, channel): contact feature sums keyed by generic names per KPI.
    out: dict = {}
    feats = _contact_features(kpis)
    contact_rows = _contact_pass(db, contract, queues, windows, exclusions, feats) if queues else []
    interval_rows = _interval_pass(db, contract, queues, windows, exclusions) if queues else []
    survey_rows = _survey_rows(db, contract, queues, span_ms, zone, exclusions)
    channels = set(contract.scope.channels)

    def acc(kpi_id, day, excl, values):
        bucket = out.setdefault((kpi_id, day, excl), defaultdict(float))
        for k, val in values.items():
            if val:
                bucket[k] += val

    for kpi_id, channel, key_map in [(SCOPE_KPI, None, _key_map(None, feats))] + [
        (k.id, k.channel, _key_map(k, feats)) for k in kpis
    ]:
        kpi = contract.kpi_by_id(kpi_id)
        metric = kpi.metric if kpi else None
        for day, excl, ch, values in contact_rows:
            if channel and ch != channel:
                continue
            f = {name: values[idx] or 0 for name, idx in key_map.items()}
            f["offered"] = f.get("answered", 0) + f.get("abandoned", 0)
            acc(kpi_id, day, excl, f)
        for day, excl, ch, t, s, values in interval_rows:
            if channel and ch != channel:
                continue
            acc(kpi_id, day, excl, _interval_features(metric, kpi.params if kpi else {}, t, s, values))
        if metric in ("fcr", "csat", "csat_mean", "nps"):
            scale, sat_min = formulas.csat_params(kpi.params)
            for day, excl, ch, r in survey_rows:
                if channel and ch is not None and ch != channel:
                    continue
                if ch is not None and ch not in channels:
                    continue
                acc(kpi_id, day, excl, _survey_features(r, scale, sat_min))
    for k in kpis:
        if k.metric == "qa_score":
            for key, f in _quality_pass(db, contract, k, queues, span_ms, zone, exclusions).items():
                acc(k.id, key[0], key[1], f)
        elif k.metric in formulas.WORKFORCE_METRICS:
            for key, f in _workforce_pass(db, contract, k, queues, span_ms, zone).items():
                acc(k.id, key[0], key[1], f)
        elif k.metric == "first_response_within":
            d, business = formulas.response_within(k.params)
            if business:
                for key, f in _business_response_pass(db, contract, k, queues, windows, exclusions, d).items():
                    acc(k.id, key[0], key[1], f)
    # Turn the sums into each metric's volume / num / den.
    for (kpi_id, day, excl), f in out.items():
        kpi = contract.kpi_by_id(kpi_id)
        if kpi is None:
            f["volume"] = f.get("offered", 0)
            continue
        volume, num, den, extra = formulas.daily(kpi.metric, kpi.params, f)
        f["volume"], f["num"], f["den"], f["extra"] = volume, num, den, extra
    return out


# --- contacts ---------------------------------------------------------------------------------

def _contact_features(kpis) -> list[tuple[str, str, tuple]]:
    """The SQL sums the contact pass computes: [(key, expression, its parameters)], shared by KPIs
    that agree. A contract's thresholds are parameters (`?`), never written into the SQL text."""
    feats = [
        ("contacts", "COUNT(*)", ()),
        ("answered", _count("c.outcome = 'answered'"), ()),
        ("abandoned", _count("c.outcome = 'abandoned'"), ()),
        ("unresolved", _count("c.outcome IN ('timeout','exit_key','callback','open')"), ()),
        ("not_queued", _count("c.outcome = 'not_queued'"), ()),
        ("wait_sum", "SUM(CASE WHEN c.outcome = 'answered' THEN c.wait_s END)", ()),
        ("wait_n", _count("c.outcome = 'answered' AND c.wait_s IS NOT NULL"), ()),
        ("handle_sum", "SUM(CASE WHEN c.outcome = 'answered' THEN COALESCE(c.talk_s,0)+COALESCE(c.hold_s,0)+COALESCE(c.wrap_s,0) END)", ()),
        ("handle_n", _count("c.outcome = 'answered'"), ()),
        ("fcr_yes", _count("c.fcr = 1"), ()),
        ("fcr_n", _count("c.fcr IS NOT NULL"), ()),
        ("csat_n", _count("c.csat IS NOT NULL"), ()),
        ("fr_n", _count("c.first_response_s IS NOT NULL"), ()),
    ]
    seen = {k for k, _, _ in feats}
    for k in kpis:
        extra = []
        if k.metric in ("service_level", "abandon_rate"):
            t, s, _ = formulas.sl_params(k.params)
            extra += [
                (f"within:{t}", _count("c.outcome = 'answered' AND c.wait_s <= ?"), (t,)),
                (f"abwithin:{t}", _count("c.outcome = 'abandoned' AND c.wait_s <= ?"), (t,)),
                (f"short:{s}", _count("c.outcome = 'abandoned' AND c.wait_s < ?"), (s,)),
            ]
        elif k.metric in ("csat", "csat_mean"):
            scale, sat_min = formulas.csat_params(k.params)
            norm = "(c.csat * ? / COALESCE(c.csat_scale, ?))"
            extra += [
                (f"csat_sat:{scale}:{sat_min}", _count(f"c.csat IS NOT NULL AND {norm} >= ?"),
                 (scale, scale, sat_min)),
                (f"csat_sum:{scale}", f"SUM({norm})", (scale, scale)),
            ]
        elif k.metric == "first_response_within":
            d, business = formulas.response_within(k.params)
            if not business:
                extra.append((f"fr_within:{formulas.limit_key(d)}", _count("c.first_response_s <= ?"),
                              (d.seconds(),)))
        for key, expr, params in extra:
            if key not in seen:
                seen.add(key)
                feats.append((key, expr, params))
    return feats


def _key_map(kpi, feats) -> dict[str, int]:
    """Map generic names (`within`, `short` …) to the feature columns this KPI uses."""
    index = {key: i for i, (key, _, _) in enumerate(feats)}
    m = {k: index[k] for k in ("contacts", "answered", "abandoned", "unresolved", "not_queued", "wait_sum",
                                "wait_n", "handle_sum", "handle_n", "fcr_yes", "fcr_n", "csat_n", "fr_n")}
    if kpi is None:
        return m
    if kpi.metric in ("service_level", "abandon_rate"):
        t, s, _ = formulas.sl_params(kpi.params)
        m.update(within=index[f"within:{t}"], abwithin=index[f"abwithin:{t}"], short=index[f"short:{s}"])
    elif kpi.metric in ("csat", "csat_mean"):
        scale, sat_min = formulas.csat_params(kpi.params)
        m.update(csat_sat=index[f"csat_sat:{scale}:{sat_min}"], csat_sum=index[f"csat_sum:{scale}"])
    elif kpi.metric == "first_response_within":
        d, business = formulas.response_within(kpi.params)
        if business:
            del m["fr_n"]  # counted by the business-time pass
        else:
            m["fr_within"] = index[f"fr_within:{formulas.limit_key(d)}"]
    return m


def _load_windows(db, windows) -> None:
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ccc_win (day TEXT, s INTEGER, e INTEGER)")
    db.execute("DELETE FROM ccc_win")
    db.conn.executemany("INSERT INTO ccc_win (day, s, e) VALUES (?, ?, ?)", windows)


def _load_exclusions(db, exclusions) -> str:
    """Temp table of declared exclusion windows; the SQL giving a record's exclusion id (0: none)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ccc_excl (id INTEGER, s INTEGER, e INTEGER)")
    db.execute("DELETE FROM ccc_excl")
    db.conn.executemany("INSERT INTO ccc_excl (id, s, e) VALUES (?, ?, ?)", exclusions)
    return "COALESCE((SELECT MIN(x.id) FROM ccc_excl x WHERE {col} >= x.s AND {col} < x.e), 0)" if exclusions else "0"


def _filters(contract: Contract, alias: str, *, sources: bool = True) -> tuple[str, list]:
    where, args = [], []
    chans = contract.scope.channels
    where.append(f"{alias}.channel IN ({','.join('?' * len(chans))})")
    args += list(chans)
    if contract.scope.direction != "any":
        where.append(f"COALESCE({alias}.direction, 'inbound') = ?")
        args.append(contract.scope.direction)
    if sources and contract.scope.sources:
        where.append(f"{alias}.source IN ({','.join('?' * len(contract.scope.sources))})")
        args += list(contract.scope.sources)
    return " AND ".join(where), args


def _contact_pass(db, contract, queues, windows, exclusions, feats) -> list:
    """Per (day, exclusion id, channel): the contact feature sums `feats` lists, in its order.

    Whole 15-minute intervals come from the interval figures (`store.intervals`); the intervals an
    opening window's or an exclusion's edge cuts (hours like 08:10, an outage from 10:07) from
    their contacts. A threshold that is not a whole number of seconds cannot be read from the
    per-second histograms: such a contract's figures are all computed from its contacts.
    """
    if not _whole_thresholds(feats):
        return _contacts_sql(db, contract, queues, windows, exclusions, feats)
    whole, cut = split_windows(windows, exclusions)
    out: dict = {}
    if cut:
        _fold(out, _contacts_sql(db, contract, queues, cut, exclusions, feats))
    slices = _slices(db, contract, queues) if whole else {}
    if slices:
        _interval_rows(db, whole, slices, feats, out)
    return [(day, excl, ch, values) for (day, excl, ch), values in out.items()]


def _fold(out: dict, rows) -> None:
    for day, excl, ch, values in rows:
        acc = out.get((day, excl, ch))
        if acc is None:
            out[(day, excl, ch)] = list(v or 0 for v in values)
        else:
            for i, v in enumerate(values):
                if v:
                    acc[i] += v


def _whole_thresholds(feats) -> bool:
    """Whether every wait or first-response threshold is a whole number of seconds."""
    for key, _, params in feats:
        if key.split(":")[0] in ("within", "abwithin", "short", "fr_within") and not float(params[0]).is_integer():
            return False
    return True


def split_windows(windows, exclusions) -> tuple[list, list]:
    """Cut opening windows `(day, s, e)` into runs of whole 15-minute intervals `(day, s, e, excl_id)`
    (no exclusion edge inside: one exclusion id for the run) and the pieces of the intervals a
    window or exclusion edge cuts `(day, s, e)`, which are read from contacts."""
    step = INTERVAL_MS
    edges = sorted({t for _, a, b in exclusions for t in (a, b)})
    whole, cut = [], []
    for day, s, e in windows:
        if s >= e:
            continue
        a, b = -(-s // step) * step, e // step * step  # first and last whole-interval boundary
        if a > b:  # inside one interval
            cut.append((day, s, e))
            continue
        if s < a:
            cut.append((day, s, a))
        if b < e:
            cut.append((day, b, e))
        points = {a, b}
        cut_starts = set()
        for t in edges[bisect_right(edges, a - step):bisect_left(edges, b + step)]:
            if t % step == 0:
                if a < t < b:
                    points.add(t)
            elif a <= t - t % step < b:
                cut_starts.add(t - t % step)
                points.update((t - t % step, t - t % step + step))
        points = sorted(points)
        for p, q in zip(points, points[1:]):
            if p in cut_starts:
                cut.append((day, p, q))
            else:
                whole.append((day, p, q, _excl_id(p, exclusions)))
    return whole, cut


def _slices(db, contract, queues) -> dict[int, str]:
    """The interval figures' slices (source, queue, channel, direction) in the contract's scope."""
    where, args = _filters(contract, "s")
    return dict(db.execute(
        f"SELECT s.id, s.channel FROM contact_slices s WHERE s.queue IN ({','.join('?' * len(queues))}) AND {where}",
        list(queues) + args,
    ).fetchall())


#: contact feature → the `contact_intervals` column that holds it
_BASE_COLUMNS = {"contacts": "n", "answered": "answered", "abandoned": "abandoned", "unresolved": "unresolved",
                 "not_queued": "not_queued", "wait_sum": "wait_sum", "wait_n": "wait_n", "handle_sum": "handle_sum",
                 "handle_n": "answered", "fcr_yes": "fcr_yes", "fcr_n": "fcr_n", "csat_n": "csat_n", "fr_n": "fr_n"}
_CSAT_NORM = "(h.csat * ? / (CASE WHEN h.csat_scale = -1 THEN ? ELSE h.csat_scale END))"
#: threshold feature (the part of its key before ':') → (table, expression over its histogram rows `h`);
#: the parameters are the contact feature's, in the same order. A wait rule counted in a slot of
#: `contact_intervals` (`_track_wait_rules`) is read from there instead.
_HISTOGRAMS = {
    **{kind: ("contact_waits", f"SUM(CASE WHEN {intervals.HISTOGRAM_RULES[rule]} THEN h.n END)")
       for kind, rule in _WAIT_RULES.items()},
    "csat_sat": ("contact_csat", f"SUM(CASE WHEN {_CSAT_NORM} >= ? THEN h.n END)"),
    "csat_sum": ("contact_csat", f"TOTAL(h.n * {_CSAT_NORM})"),
    "fr_within": ("contact_first_response", "SUM(CASE WHEN h.fr_ceil <= ? THEN h.n END)"),
}


def _interval_rows(db, whole, slices: dict, feats, out: dict) -> None:
    """Add the sums over the whole intervals `whole` of the `slices` to `out` (see `_fold`)."""
    db.execute("CREATE TEMP TABLE IF NOT EXISTS ccc_whole (day TEXT, s INTEGER, e INTEGER, excl INTEGER)")
    db.execute("DELETE FROM ccc_whole")
    db.conn.executemany("INSERT INTO ccc_whole (day, s, e, excl) VALUES (?, ?, ?, ?)", whole)
    queries: dict[str, list] = {"contact_intervals": []}
    slots = intervals.wait_slots(db.conn)
    for i, (key, _, params) in enumerate(feats):
        kind = key.split(":")[0]
        slot = slots.get(_wait_rule(key, params))
        if key in _BASE_COLUMNS:
            queries["contact_intervals"].append((i, f"SUM(h.{_BASE_COLUMNS[key]})", ()))
        elif slot is not None:
            queries["contact_intervals"].append((i, f"SUM(h.{slot})", ()))
        else:
            table, expr = _HISTOGRAMS[kind]
            queries.setdefault(table, []).append((i, expr, params))
    ids = ",".join(str(int(i)) for i in slices)
    width = len(feats)
    for table, columns in queries.items():
        if not columns:
            continue
        sql = (f"SELECT w.day, w.excl, h.slice, {', '.join(expr for _, expr, _ in columns)} "
               f"FROM ccc_whole w CROSS JOIN {table} h "
               f"WHERE h.slice IN ({ids}) AND h.interval_start >= w.s AND h.interval_start < w.e GROUP BY 1, 2, 3")
        args = [value for _, _, params in columns for value in params]
        for row in db.execute(sql, args).fetchall():
            key = (row[0], row[1], slices[row[2]])
            acc = out.get(key)
            if acc is None:
                acc = out[key] = [0] * width
            for (i, _, _), v in zip(columns, row[3:]):
                if v:
                    acc[i] += v


def _contacts_sql(db, contract, queues, windows, exclusions, feats) -> list:
    """The contact feature sums read from the contacts in `windows` `(day, s, e)`."""
    _load_windows(db, windows)
    excl = _load_exclusions(db, exclusions).format(col="c.arrived_at")
    where, args = _filters(contract, "c")
    sql = (
        f"SELECT w.day, {excl} AS excl, c.channel, {', '.join(expr for _, expr, _ in feats)} "
        f"FROM ccc_win w CROSS JOIN contacts c "
        f"WHERE c.queue IN ({','.join('?' * len(queues))}) AND c.arrived_at >= w.s AND c.arrived_at < w.e "
        f"AND {where} GROUP BY 1, 2, 3"
    )
    select_args = [value for _, _, params in feats for value in params]  # in the order of their `?`
    return [(r[0], r[1], r[2], r[3:]) for r in db.execute(sql, select_args + list(queues) + args).fetchall()]


# --- interval aggregates ----------------------------------------------------------------------

def _interval_pass(db, contract, queues, windows, exclusions) -> list:
    _load_windows(db, windows)
    excl = _load_exclusions(db, exclusions).format(col="i.interval_start")
    where, args = _filters(contract, "i")
    sql = (
        f"SELECT w.day, {excl}, i.channel, i.answer_threshold_s, i.short_abandon_s, COUNT(*), "
        "SUM(i.answered), SUM(i.answered_within), SUM(i.abandoned), SUM(i.short_abandoned), "
        "SUM(i.abandoned_within), SUM(i.wait_sum_s), SUM(i.handle_sum_s), SUM(i.forecast_offered) "
        "FROM ccc_win w CROSS JOIN interval_aggregates i "
        f"WHERE i.queue IN ({','.join('?' * len(queues))}) AND i.interval_start >= w.s AND i.interval_start < w.e "
        f"AND {where} GROUP BY 1, 2, 3, 4, 5"
    )
    return [(r[0], r[1], r[2], r[3], r[4], r[5:]) for r in db.execute(sql, list(queues) + args).fetchall()]


def _interval_features(metric, params, t_reported, s_reported, values) -> dict:
    """Counts from interval aggregates, used only when their thresholds are the KPI's."""
    n, answered, within, abandoned, short, abwithin, wait_sum, handle_sum, forecast = (v or 0 for v in values)
    f = {"answered": answered, "abandoned": abandoned, "offered": answered + abandoned, "forecast": forecast,
         "wait_sum": wait_sum, "wait_n": answered, "handle_sum": handle_sum, "handle_n": answered}
    if metric in ("service_level", "abandon_rate"):
        t, s, variant = formulas.sl_params(params)
        needs_t = metric == "service_level"
        needs_s = metric == "abandon_rate" or variant == "default"
        usable = (not needs_t or t_reported == t) and (not needs_s or s_reported == s)
        if not usable:
            return {"unusable": n, "forecast": forecast}
        f.update(within=within, short=short, abwithin=abwithin)
    return f


# --- surveys ----------------------------------------------------------------------------------

def _in_scope_sql(alias, queues, contract) -> tuple[str, list]:
    cond = f"{alias}.queue IN ({','.join('?' * len(queues))})" if queues else "1 = 0"
    if covers_unqueued(contract):
        cond = f"({cond} OR {alias}.queue IS NULL)"
    return cond, list(queues)


def _survey_rows(db, contract, queues, span_ms, zone, exclusions) -> list:
    if not any(k.metric in formulas.SURVEY_METRICS for k in contract.kpi):
        return []
    cond, args = _in_scope_sql("s", queues, contract)
    rows = db.execute(
        f"SELECT s.responded_at, s.channel, s.csat, s.csat_scale, s.nps, s.resolved FROM surveys s "
        f"WHERE s.responded_at >= ? AND s.responded_at < ? AND {cond}",
        [span_ms[0], span_ms[1], *args],
    ).fetchall()
    return [(local_day(r[0], zone).isoformat(), _excl_id(r[0], exclusions), r[1], r) for r in rows]


def _survey_features(r, scale, sat_min) -> dict:
    _, _, csat, csat_scale, nps, resolved = r
    f = {}
    if csat is not None:
        norm = csat * scale / (csat_scale or scale)
        f.update(csat_n=1, csat_sum=norm, csat_sat=1 if norm >= sat_min else 0)
    if nps is not None:
        f.update(nps_n=1, nps_prom=1 if nps >= 9 else 0, nps_det=1 if nps <= 6 else 0)
    if resolved is not None:
        f.update(fcr_n=1, fcr_yes=1 if resolved else 0)
    return f


def _excl_id(ms, exclusions) -> int:
    ids = [i for i, a, b in exclusions if a <= ms < b]
    return min(ids) if ids else 0


# --- complaints, QA, workforce, business-time first response -----------------------------------

def _dt(ms):
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc)


def complaint_limit(contract, kpi):
    """The time-frame of a complaint KPI: its `within` parameter, else the `[complaints]` key."""
    if kpi.params.get("within"):
        return parse_duration(kpi.params["within"])
    field = formulas.COMPLAINT_METRICS[kpi.metric]
    return getattr(contract.complaints, field, None) if contract.complaints else None


def complaint_daily(db, contract, kpi, first: date, last: date, as_of_ms: int) -> dict:
    """Complaint on-time figures per `(local day received, exclusion id)` for days first..last.

    Computed at evaluation time (complaints are few) because a complaint not yet handled counts
    as late only once its time has run out by `as_of_ms`; until then it is left out (pending).
    """
    limit = complaint_limit(contract, kpi)
    if limit is None:
        return {}
    zone = ZoneInfo(contract.contract.timezone)
    span_ms = (
        int(datetime.combine(first, datetime.min.time(), tzinfo=zone).timestamp() * 1000),
        int(datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=zone).timestamp() * 1000),
    )
    queues = resolve_queues(contract, known_queues(db))
    exclusions = _exclusions(db, contract.id)
    cal = contract.calendar()
    now = _dt(as_of_ms)
    cond, args = _in_scope_sql("c", queues, contract)
    rows = db.execute(
        "SELECT c.received_at, c.acknowledged_at, c.escalated_at, c.resolved_at, c.updates, c.channel, "
        f"c.escalation_required FROM complaints c WHERE c.received_at >= ? AND c.received_at < ? AND {cond}",
        [span_ms[0], span_ms[1], *args],
    ).fetchall()
    out: dict = {}
    for received, ack, esc, res, updates, channel, esc_required in rows:
        if channel is not None and (channel not in contract.scope.channels or (kpi.channel and channel != kpi.channel)):
            continue
        start = _dt(received)
        if kpi.metric == "complaint_escalated_on_time" and not esc_required:
            continue
        if received >= as_of_ms:
            continue
        if kpi.metric == "complaint_updated_on_time":
            end = _dt(res) if res else now
            if end <= limit.after(start, cal):
                continue  # not open longer than the update interval: nothing to update yet
            times = [_dt(received)] + [_dt(u) for u in sorted(json.loads(updates or "[]"))] + [end]
            ok = all(b <= limit.after(a, cal) for a, b in zip(times, times[1:]))
        else:
            done = {"complaint_acknowledged_on_time": ack, "complaint_resolved_on_time": res,
                    "complaint_escalated_on_time": esc}[kpi.metric]
            deadline = limit.after(start, cal)
            if done is None and now <= deadline:
                continue  # still has time: pending, not counted
            ok = done is not None and _dt(done) <= deadline
        key = (local_day(received, zone).isoformat(), _excl_id(received, exclusions))
        f = out.setdefault(key, defaultdict(float))
        f["volume"] += 1
        f["den"] += 1
        f["num"] += 1 if ok else 0
    return out


def _quality_pass(db, contract, kpi, queues, span_ms, zone, exclusions) -> dict:
    cond, args = _in_scope_sql("q", queues, contract)
    out: dict = {}
    for at, score, max_score, channel in db.execute(
        "SELECT q.evaluated_at, q.score, q.max_score, q.channel FROM quality_evaluations q "
        f"WHERE q.evaluated_at >= ? AND q.evaluated_at < ? AND {cond}",
        [span_ms[0], span_ms[1], *args],
    ).fetchall():
        if kpi.channel and channel is not None and channel != kpi.channel:
            continue
        if not max_score:
            continue
        f = out.setdefault((local_day(at, zone).isoformat(), _excl_id(at, exclusions)), defaultdict(float))
        f["volume"] += 1
        f["num"] += (score or 0) / max_score  # mean of score ÷ max_score (the catalogue's formula)
        f["den"] += 1
    return out


def _workforce_pass(db, contract, kpi, queues, span_ms, zone) -> dict:
    cond, args = _in_scope_sql("w", queues, contract)
    out: dict = {}
    for day_ms, days, sched, adh, headcount, leavers, eng, eng_scale in db.execute(
        "SELECT w.day, w.days, w.scheduled_minutes, w.adherent_minutes, w.headcount, w.leavers, "
        f"w.engagement_score, w.engagement_scale FROM workforce w WHERE w.day >= ? AND w.day < ? AND {cond}",
        [span_ms[0], span_ms[1], *args],
    ).fetchall():
        f = out.setdefault((local_day(day_ms, zone).isoformat(), 0), defaultdict(float))
        if kpi.metric == "schedule_adherence" and sched:
            f["volume"] += 1
            f["num"] += adh or 0
            f["den"] += sched
        elif kpi.metric == "agent_attrition" and headcount is not None:
            f["volume"] += 1
            f["num"] += leavers or 0
            f["den"] += headcount * (days or 1)
            f["extra"] += days or 1
        elif kpi.metric == "employee_engagement" and eng is not None:
            scale = float(kpi.params.get("scale", 5))
            f["volume"] += 1
            f["num"] += eng * scale / (eng_scale or scale)  # rescaled to the KPI's 1–scale
            f["den"] += 1
    return out


def _business_response_pass(db, contract, kpi, queues, windows, exclusions, limit) -> dict:
    """First responses in business time: the platform's figure, else computed with the calendar."""
    if not queues:
        return {}
    _load_windows(db, windows)
    where, args = _filters(contract, "c")
    cal = contract.calendar()
    out: dict = {}
    for day, arrived, fr, frb, channel in db.execute(
        "SELECT w.day, c.arrived_at, c.first_response_s, c.first_response_business_s, c.channel "
        "FROM ccc_win w CROSS JOIN contacts c "
        f"WHERE c.queue IN ({','.join('?' * len(queues))}) AND c.arrived_at >= w.s AND c.arrived_at < w.e "
        f"AND c.first_response_s IS NOT NULL AND {where}",
        list(queues) + args,
    ).fetchall():
        if kpi.channel and channel != kpi.channel:
            continue
        start = _dt(arrived)
        if limit.unit == "bd":
            ok = start + timedelta(seconds=fr) <= limit.after(start, cal)
        else:
            seconds = limit.amount * 3600 if limit.unit == "bh" else limit.seconds()
            if frb is None:
                frb = cal.business_seconds_between(start, start + timedelta(seconds=fr))
            ok = frb <= seconds
        f = out.setdefault((day, _excl_id(arrived, exclusions)), defaultdict(float))
        f["fr_n"] += 1
        f["fr_within"] += 1 if ok else 0
    return out


# ---------------------------------------------------------------------------------------------
# incremental refresh


def refresh_after_batch(db, batch_id: int) -> dict:
    """Recompute the aggregates for the local days a committed batch touched.

    Only contract versions whose queues the batch touched (or that take unqueued records) are
    refreshed, and only the local days between the batch's first and last instant. Returns
    `{"versions": n, "days": n, "rows": n}`. Versions never built are left for `ensure_fresh`.
    """
    # If the aggregates were up to date before this batch, they are after it; otherwise some
    # change went unseen (an import without refresh, an undo) and `ensure_fresh` rebuilds.
    before = db.execute(_SIGNATURE + " WHERE id != ?", [batch_id]).fetchone()
    stored = db.execute("SELECT value FROM agg_meta WHERE key = 'batches'").fetchone()
    up_to_date = stored is not None and stored[0] == json.dumps(list(before))
    lo, hi = batch_span(db, batch_id)
    stats = {"versions": 0, "days": 0, "rows": 0}
    if lo is None or not up_to_date:
        return stats
    touched = add_batch_queues(db, batch_id)
    # A replaced record may have moved to another queue: the queue it left changed too.
    touched |= {q for (q,) in db.execute(
        "SELECT DISTINCT json_extract(row, '$.queue') FROM replaced_rows WHERE batch_id = ?", [batch_id]
    ).fetchall() if q is not None}
    built = {(r[0], r[1]): r[2] for r in db.execute(
        "SELECT contract_id, contract_version, fingerprint FROM agg_state").fetchall()}
    pairs = known_queues(db)
    for v in all_versions(db):
        if v.first is None or (v.contract_id, v.version) not in built:
            continue
        fp = fingerprint(v, _exclusions(db, v.contract_id))
        if built[(v.contract_id, v.version)] != fp:
            continue  # stale for another reason: ensure_fresh rebuilds it whole
        queues = set(resolve_queues(v.contract, pairs))
        if not (queues & touched) and not covers_unqueued(v.contract):
            continue
        zone = ZoneInfo(v.contract.contract.timezone)
        first, last = local_day(lo, zone), local_day(hi, zone)
        first, last = max(first, v.first), min(last, v.last or date.max)
        if first > last:
            continue
        stats["rows"] += build_version(db, v, first, last)
        stats["versions"] += 1
        stats["days"] += (last - first).days + 1
    with db.conn:  # (only reached when the aggregates were current before the batch)
        db.execute(_SET_BATCHES, [_batches_signature(db)])
    return stats


def refresh_after_undo(db, batch_id: int, signature_before: str) -> dict:
    """Recompute the aggregates for the local days an undone batch touched — its own span and the
    instants of the rows it had replaced, now put back — in every built version, as
    `refresh_after_batch` does after an import: a `batch undo` then costs those days, not a rebuild of
    every contract over all stored data. `signature_before`: `batches_signature` read before the undo;
    when the aggregates were not current then, nothing is done here (`ensure_fresh` rebuilds).
    Returns `{"versions": n, "days": n, "rows": n}`."""
    stats = {"versions": 0, "days": 0, "rows": 0}
    stored = db.execute("SELECT value FROM agg_meta WHERE key = 'batches'").fetchone()
    if stored is None or stored[0] != signature_before:
        return stats
    own = db.execute("SELECT first_at, last_at FROM batches WHERE id = ?", [batch_id]).fetchone()
    back = batch_span(db, batch_id)  # (its own rows are gone: this is the rows it had replaced, put back)
    instants = [x for x in (*own, *back) if x is not None]
    lo, hi = (min(instants), max(instants)) if instants else (None, None)
    built = {(r[0], r[1]): r[2] for r in db.execute(
        "SELECT contract_id, contract_version, fingerprint FROM agg_state").fetchall()}
    for v in all_versions(db) if lo is not None else []:
        if v.first is None or (v.contract_id, v.version) not in built:
            continue
        if built[(v.contract_id, v.version)] != fingerprint(v, _exclusions(db, v.contract_id)):
            continue  # stale for another reason: ensure_fresh rebuilds it whole
        zone = ZoneInfo(v.contract.contract.timezone)
        first, last = max(local_day(lo, zone), v.first), min(local_day(hi, zone), v.last or date.max)
        if first > last:
            continue
        with db.conn:  # days left with no data at all (the undone batch was their only one) are emptied too
            db.execute("DELETE FROM kpi_daily WHERE contract_id = ? AND contract_version = ? AND day >= ? "
                       "AND day <= ?", [v.contract_id, v.version, first.isoformat(), last.isoformat()])
        stats["rows"] += build_version(db, v, first, last)
        stats["versions"] += 1
        stats["days"] += (last - first).days + 1
    with db.conn:
        db.execute(_SET_BATCHES, [batches_signature(db)])
    return stats


def rebuild_all(db) -> list[str]:
    """Rebuild every version's aggregates from scratch (e.g. after an engine upgrade)."""
    with db.conn:
        db.execute("DELETE FROM agg_meta WHERE key = 'batches'")
    return ensure_fresh(db, all_versions(db))
