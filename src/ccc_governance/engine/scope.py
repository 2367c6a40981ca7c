"""Which contract versions exist, which days each one governs, and which stored queues it covers.

Contract versions come from the registry (`contract_versions`). A day is governed by one version:
among the versions whose `[effective_from, effective_to]` contains it, the one with the latest
`effective_from` wins, ties going to the highest version number (the registry's rule).
"""

from __future__ import annotations

import fnmatch
import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from ..contracts.model import Contract
from ..contracts.problems import CONTRACT_FAILURES, failure_reason
from ..errors import NotFoundError

#: Bump when the aggregate layout or a formula changes: every aggregate is then rebuilt.
AGG_VERSION = "1"


@attrs.define
class Version:
    """One registered contract version and the local days `[first, last]` it governs (None: open)."""

    contract_id: str
    version: int
    contract: Contract
    sha256: str = ""
    first: date | None = None
    last: date | None = None


_CACHE: dict[str, Contract] = {}


def remember_contract(sha256: str, contract: Contract) -> None:
    """Give the parsed `Contract` of a registered version (by its sha256) so it is not parsed again."""
    _CACHE[sha256] = contract


def _load_text(text: str, name: str) -> Contract:
    from ..contracts import loader  # the contracts engineer's loader

    return loader.load_contract_text(text, name)


def all_versions(db, contract_id: str | None = None, *, skipped: dict[str, str] | None = None) -> list[Version]:
    """Every registered version (optionally of one contract), with the days each one governs.

    A stored text that no longer loads raises its `ContractError`; with `skipped` (a dict) the
    whole contract is left out instead and `skipped[contract_id]` says why in one line (leaving
    out only the broken version would hand its days to another version)."""
    if "contract_versions" not in db.table_names():
        return []
    sql = "SELECT contract_id, version, sha256, path, toml FROM contract_versions"
    args: list = []
    if contract_id:
        sql += " WHERE contract_id = ?"
        args.append(contract_id)
    rows = db.execute(sql + " ORDER BY contract_id, version", args).fetchall()
    if contract_id and not rows:
        raise NotFoundError(f"contract {contract_id!r} is not registered (see `ccc contract list`)")
    versions: list[Version] = []
    for cid, ver, sha, path, toml in rows:
        contract = _CACHE.get(sha)
        if contract is None:
            try:
                contract = _load_text(toml, path or f"{cid} v{ver}")
            except CONTRACT_FAILURES as err:
                if skipped is None:
                    raise
                skipped[cid] = f"version {ver} cannot be read: {failure_reason(err)}"
                continue
            _CACHE[sha] = contract
        versions.append(Version(cid, ver, contract, sha))
    if skipped:
        versions = [v for v in versions if v.contract_id not in skipped]
    return assign_spans(versions)


def assign_spans(versions: list[Version]) -> list[Version]:
    """Set `first`/`last` on each version: the days it governs (latest effective_from wins).

    A version entirely superseded keeps `first = None` (it governs no day).
    """
    by_id: dict[str, list[Version]] = {}
    for v in versions:
        by_id.setdefault(v.contract_id, []).append(v)
    for group in by_id.values():
        # Break points: every effective_from and every day after an effective_to.
        points = sorted(
            {v.contract.contract.effective_from for v in group}
            | {v.contract.contract.effective_to + timedelta(days=1) for v in group if v.contract.contract.effective_to}
        )
        won: dict[int, list[tuple[date, date | None]]] = {}
        for i, start in enumerate(points):
            end = points[i + 1] - timedelta(days=1) if i + 1 < len(points) else None
            covering = [v for v in group if v.contract.contract.in_force_on(start)]
            if covering:
                win = max(covering, key=lambda v: (v.contract.contract.effective_from, v.version))
                won.setdefault(id(win), []).append((start, end))
        for v in group:
            segments = won.get(id(v), [])
            v.first = min(s for s, _ in segments) if segments else None
            ends = [e for _, e in segments]
            v.last = None if (not ends or None in ends) else max(ends)
    return versions


def governing(versions: list[Version], first: date, last: date) -> list[tuple[Version, date, date]]:
    """The versions in force over local days `first`..`last`, each with its part of the span."""
    out = []
    for v in versions:
        if v.first is None:
            continue
        a = max(first, v.first)
        b = last if v.last is None else min(last, v.last)
        if a <= b:
            out.append((v, a, b))
    return sorted(out, key=lambda t: t[1])


def fingerprint(version: Version, exclusions: list[tuple]) -> str:
    """What the aggregates of a version depend on: the contract's content and its exclusions."""
    h = hashlib.sha256()
    h.update(AGG_VERSION.encode())
    h.update(repr(attrs.asdict(version.contract, recurse=True)).encode())
    h.update(repr((version.first, version.last)).encode())
    h.update(repr(sorted(exclusions)).encode())
    return h.hexdigest()


def known_queues(db) -> list[tuple[str, str]]:
    """(queue, queue_name) pairs present in the store (kept in `agg_queues`)."""
    return [tuple(r) for r in db.execute("SELECT queue, queue_name FROM agg_queues").fetchall()]


def rebuild_known_queues(db) -> None:
    """Recompute `agg_queues` from every record table (an index-only scan of contacts' queues)."""
    db.execute("DELETE FROM agg_queues")
    pairs: set[tuple[str, str]] = set()
    for (q,) in db.execute("SELECT DISTINCT queue FROM contacts WHERE queue IS NOT NULL").fetchall():
        row = db.execute(
            "SELECT queue_name FROM contacts WHERE queue = ? AND queue_name IS NOT NULL LIMIT 1", [q]
        ).fetchone()
        pairs.add((q, row[0] if row else ""))
    for table in ("interval_aggregates", "surveys", "complaints", "quality_evaluations", "workforce", "reported_figures"):
        for (q,) in db.execute(f"SELECT DISTINCT queue FROM {table} WHERE queue IS NOT NULL").fetchall():
            pairs.add((q, ""))
    db.conn.executemany("INSERT OR IGNORE INTO agg_queues (queue, queue_name) VALUES (?, ?)", sorted(pairs))


def add_batch_queues(db, batch_id: int) -> set[str]:
    """Add the queues of one batch to `agg_queues`; return them."""
    found: set[str] = set()
    for q, name in db.execute(
        "SELECT DISTINCT queue, queue_name FROM contacts WHERE batch_id = ? AND queue IS NOT NULL", [batch_id]
    ).fetchall():
        db.execute("INSERT OR IGNORE INTO agg_queues (queue, queue_name) VALUES (?, ?)", [q, name or ""])
        found.add(q)
    for table in ("interval_aggregates", "surveys", "complaints", "quality_evaluations", "workforce"):
        for (q,) in db.execute(
            f"SELECT DISTINCT queue FROM {table} WHERE batch_id = ? AND queue IS NOT NULL", [batch_id]
        ).fetchall():
            db.execute("INSERT OR IGNORE INTO agg_queues (queue, queue_name) VALUES (?, '')", [q])
            found.add(q)
    return found


def resolve_queues(contract: Contract, queues: list[tuple[str, str]]) -> list[str]:
    """The concrete stored queue values matched by the scope's globs (over queue or queue_name)."""
    globs = contract.scope.queues or ["*"]
    out = set()
    for q, name in queues:
        if any(fnmatch.fnmatchcase(q, g) or (name and fnmatch.fnmatchcase(name, g)) for g in globs):
            out.add(q)
    return sorted(out)


def covers_unqueued(contract: Contract) -> bool:
    """Records without a queue (surveys, complaints, QA, workforce) belong to contracts scoped `*`."""
    return "*" in (contract.scope.queues or ["*"])


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def day_windows(contract: Contract, first: date, last: date) -> list[tuple[str, int, int]]:
    """Opening windows `(local day, start_ms, end_ms)` for days `first`..`last` in UTC instants.

    No hours = open all day; holidays have no window (contacts that day are out of scope).
    """
    zone = ZoneInfo(contract.contract.timezone)
    cal = contract.calendar()
    hours = bool(contract.scope.hours)
    holidays = set(contract.scope.holidays)
    out = []
    day = first
    while day <= last:
        nxt = day + timedelta(days=1)
        if day in holidays:
            pass
        elif not hours:
            out.append((day.isoformat(), _ms(datetime.combine(day, time(0), tzinfo=zone)),
                        _ms(datetime.combine(nxt, time(0), tzinfo=zone))))
        else:
            for a, b in cal.windows_on(day):
                start = datetime.combine(day, a, tzinfo=zone)
                end = (datetime.combine(nxt, time(0), tzinfo=zone) if b == time(23, 59, 59, 999999)
                       else datetime.combine(day, b, tzinfo=zone))
                out.append((day.isoformat(), _ms(start), _ms(end)))
        day = nxt
    return out


def local_day(ms: int, zone: ZoneInfo) -> date:
    """The local calendar day of an epoch-ms instant in `zone`."""
    return datetime.fromtimestamp(ms / 1000, tz=zone).date()
