"""Retention: contact records older than the contract's `data_handling.retention_days` are reported,
and purged on request in one transaction.

A record is *past retention* on `as_of` when its instant is before local midnight (in the contract's
time zone) of `as_of − retention_days`: with 365 days on 2027-11-01, everything before
2026-11-01 00:00 Europe/Paris. Only records *in the contract's scope* are touched: its `sources`
(any when empty), `queues` globs (over the queue or its readable name) and `channels`, and for
contacts its `direction`. A record whose queue or channel is unknown (NULL) is only in scope when
the contract takes every queue (`*`) / every channel: what cannot be attributed is not deleted.

KPI results, breaches, credits and the engine's aggregates are never touched: the figures already
computed stay as they were. `due()` (`ccc purge --due`) runs it for every contract in force and
keeps a record another contract in force still holds. Each purge is recorded in `purges` (with `purged_by`) so the retention
duty can cite it, and logged (`purge`) by its id and counts: the change log never keeps what was
purged.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from fnmatch import fnmatchcase
from zoneinfo import ZoneInfo

from .. import clock
from ..actor import current_actor
from ..contracts.model import CHANNELS
from ..errors import CccError, StateError
from ..trail import record_change
from .inforce import contract_for, require_contract

#: Contact-record tables and the column holding each record's instant.
RECORD_TABLES = {
    "contacts": "arrived_at",
    "surveys": "responded_at",
    "complaints": "received_at",
    "quality_evaluations": "evaluated_at",
}


def cutoff(contract, as_of: date) -> tuple[date, int]:
    """`(first kept local day, its first instant in epoch ms)` for the contract's retention."""
    days = contract.data_handling.retention_days
    first_kept = as_of - timedelta(days=days)
    start = datetime.combine(first_kept, time(0), tzinfo=ZoneInfo(contract.contract.timezone))
    return first_kept, clock.to_ms(start)


def _in_scope(row: dict, scope, table: str) -> bool:
    if scope.sources and row["source"] not in scope.sources:
        return False
    queues = [q for q in (row.get("queue"), row.get("queue_name")) if q]
    if queues:
        if not any(fnmatchcase(q, glob) for q in queues for glob in scope.queues):
            return False
    elif "*" not in scope.queues:
        return False
    channel = row.get("channel")
    if channel:
        if channel not in scope.channels:
            return False
    elif set(CHANNELS) - set(scope.channels):
        return False
    if table == "contacts" and scope.direction in ("inbound", "outbound"):
        direction = row.get("direction")
        if direction and direction != scope.direction:
            return False
    return True


def _columns(db, table: str) -> list[str]:
    return [c.name for c in db[table].columns]


def expired(db, contract_id: str, as_of: date | str | None = None) -> dict:
    """What a purge would delete on `as_of`: `{contract_id, as_of, retention_days, first_kept,
    cutoff_ms, ids: {table: [row ids]}, counts: {table: n}, oldest, due_since}` (`oldest`: the
    oldest such record's local day; `due_since`: the first day it was past retention). Raises if the contract sets no retention."""
    as_of = clock.today(as_of)
    require_contract(db, contract_id)
    contract = contract_for(db, contract_id, as_of)
    if contract.data_handling is None or contract.data_handling.retention_days is None:
        raise CccError(f"contract {contract_id} sets no [data_handling] retention_days: nothing to purge")
    first_kept, cut_ms = cutoff(contract, as_of)
    ids: dict[str, list[int]] = {}
    oldest: int | None = None
    for table, column in RECORD_TABLES.items():
        present = _columns(db, table)
        wanted = [c for c in ("id", "source", "queue", "queue_name", "channel", "direction") if c in present]
        rows = db.query(f"SELECT {', '.join(wanted)}, {column} AS at FROM {table} WHERE {column} < ?", [cut_ms])
        ids[table] = []
        for r in rows:
            if _in_scope(r, contract.scope, table):
                ids[table].append(r["id"])
                oldest = r["at"] if oldest is None else min(oldest, r["at"])
    zone = ZoneInfo(contract.contract.timezone)
    oldest_day = None if oldest is None else datetime.fromtimestamp(oldest / 1000, zone).date()
    return {
        "contract_id": contract_id,
        "as_of": as_of.isoformat(),
        "retention_days": contract.data_handling.retention_days,
        "first_kept": first_kept.isoformat(),
        "cutoff_ms": cut_ms,
        "cutoff": clock.iso_utc(cut_ms),
        "ids": ids,
        "counts": {t: len(v) for t, v in ids.items()},
        # The oldest record's local day, and the first day it was past retention (None: nothing due).
        "oldest": oldest_day.isoformat() if oldest_day else None,
        "due_since": (oldest_day + timedelta(days=contract.data_handling.retention_days + 1)).isoformat()
        if oldest_day else None,
    }


#: Every UTC offset is a multiple of 15 minutes, so is every cut-off: rows grouped by 15-minute
#: bucket fall wholly on one side of any contract's cut-off.
_BUCKET_MS = 15 * 60 * 1000


def past_retention(db, contracts: dict, as_of: date | str | None = None) -> dict[str, dict]:
    """For many contracts at once (`{contract_id: Contract}`, those in force on `as_of`): what is held
    past retention, `{contract_id: {records, counts, oldest, due_since, retention_days}}`, only for
    contracts with something past it. The same records as `expired()` (same cut-off, same scope),
    read in one grouped query per record table whatever the number of contracts (the portfolio)."""
    as_of = clock.today(as_of)
    cuts = {cid: (c, cutoff(c, as_of)[1]) for cid, c in contracts.items()
            if c.data_handling is not None and c.data_handling.retention_days is not None}
    if not cuts:
        return {}
    low, high = min(cut for _, cut in cuts.values()), max(cut for _, cut in cuts.values())
    counts = {cid: dict.fromkeys(RECORD_TABLES, 0) for cid in cuts}
    oldest: dict[str, int] = {}
    for table, column in RECORD_TABLES.items():
        present = _columns(db, table)
        wanted = [c for c in ("source", "queue", "queue_name", "channel", "direction") if c in present]
        keys = ", ".join(wanted)
        # Rows before every cut-off in one group per scope key; the rest by 15-minute bucket.
        rows = db.query(
            f"SELECT {keys}, bucket, COUNT(*) AS n, MIN(at) AS oldest FROM (SELECT {keys}, {column} AS at,"
            f" CASE WHEN {column} < ? THEN -1 ELSE {column} / {_BUCKET_MS} END AS bucket FROM {table}"
            f" WHERE {column} < ?) held GROUP BY {keys}, bucket",
            [low, high])
        for row in rows:
            for cid, (contract, cut) in cuts.items():
                if row["oldest"] < cut and _in_scope(row, contract.scope, table):
                    counts[cid][table] += row["n"]
                    oldest[cid] = min(oldest.get(cid, row["oldest"]), row["oldest"])
    out = {}
    for cid, (contract, _cut) in cuts.items():
        if cid not in oldest:
            continue
        days = contract.data_handling.retention_days
        day = datetime.fromtimestamp(oldest[cid] / 1000, ZoneInfo(contract.contract.timezone)).date()
        out[cid] = {"records": sum(counts[cid].values()), "counts": counts[cid], "oldest": day.isoformat(),
                    "due_since": (day + timedelta(days=days + 1)).isoformat(), "retention_days": days}
    return out


def due(db, as_of: date | str | None = None) -> list[dict]:
    """`ccc purge --due`: for every contract in force on `as_of` that sets a retention, `expired()`'s
    report narrowed to what is due everywhere. A record also in the scope of another contract in
    force is kept while that contract still holds it: it sets no retention, or the record is not
    past it. Each report gains `kept: {table: n}` (expired under this contract, kept for another)."""
    from ..contracts import registry
    from .inforce import contract_ids

    as_of = clock.today(as_of)
    in_force = {}
    for cid in contract_ids(db):
        found = registry.contract_at(db, cid, as_of)
        if found is not None:
            in_force[cid] = found[1]
    holds = {cid: (c.scope, cutoff(c, as_of)[1] if c.data_handling and c.data_handling.retention_days is not None else None)
             for cid, c in in_force.items()}
    reports = []
    for cid, contract in in_force.items():
        if contract.data_handling is None or contract.data_handling.retention_days is None:
            continue
        report = expired(db, cid, as_of)
        report["kept"] = {}
        for table, row_ids in report["ids"].items():
            column = RECORD_TABLES[table]
            present = _columns(db, table)
            wanted = [c for c in ("id", "source", "queue", "queue_name", "channel", "direction") if c in present]
            keep = set()
            for i in range(0, len(row_ids), 500):
                chunk = row_ids[i : i + 500]
                rows = db.query(f"SELECT {', '.join(wanted)}, {column} AS at FROM {table} WHERE id IN "
                                f"({', '.join('?' * len(chunk))})", chunk)
                for row in rows:
                    for other, (scope, other_cut) in holds.items():
                        if other != cid and _in_scope(row, scope, table) and (other_cut is None or row["at"] >= other_cut):
                            keep.add(row["id"])
                            break
            report["ids"][table] = [i for i in row_ids if i not in keep]
            report["kept"][table] = len(keep)
        report["counts"] = {t: len(v) for t, v in report["ids"].items()}
        reports.append(report)
    return reports


def check_purge_duty(db, contract_id: str, duty: str, as_of: date | str | None = None) -> None:
    """Refuse, in one line, a `duty` a purge cannot prove: one the contract does not have, or one that
    is not a declared `[[data_handling.duty]]` (a client obligation, an incident's notification, the
    data-location or do-not-contact attestation)."""
    from .obligations import find_duty

    contract = contract_for(db, contract_id, clock.today(as_of))
    kind, _item = find_duty(contract, duty)
    declared = [d.id for d in contract.data_handling.duty] if contract.data_handling is not None else []
    if duty in declared:
        return
    what = "an obligation of the client" if kind == "obligation" else "an attestation the contract's data_handling adds"
    raise CccError(f"a purge is evidence only for a [[data_handling.duty]] of {contract_id}: {duty} is {what} "
                   f"(its data-handling duties: {', '.join(declared) or 'none'})")


def purge(db, contract_id: str, as_of: date | str | None = None, *, dry_run: bool = True, duty: str | None = None,
          report: dict | None = None) -> dict:
    """Report (dry run) or delete the records past retention, in one transaction, and record the
    purge in `purges`; with `duty` (a data-handling duty id), the purge is also recorded as that
    duty's evidence, dated `as_of`. `report`: what to delete, when already worked out (`due()`);
    default `expired()`. Returns that report plus `purge_id` (None on a dry run) and `evidence_id`."""
    if duty:
        check_purge_duty(db, contract_id, duty, as_of)
    report = report if report is not None else expired(db, contract_id, as_of)
    report["evidence_id"] = None
    report["purge_id"] = None
    report["dry_run"] = dry_run
    if dry_run:
        return report
    who = current_actor(db)
    with db.atomic():
        for table, row_ids in report["ids"].items():
            # Chunked to stay under SQLite's host-parameter limit.
            for i in range(0, len(row_ids), 500):
                chunk = row_ids[i : i + 500]
                deleted = db.execute(
                    f"DELETE FROM {table} WHERE id IN ({', '.join('?' * len(chunk))})", chunk
                ).rowcount
                if deleted != len(chunk):
                    raise StateError(f"{table} changed during the purge: nothing was deleted, run it again")
        cur = db.execute(
            "INSERT INTO purges (contract_id, as_of, retention_days, cutoff_ms, counts, purged_at, purged_by)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [contract_id, report["as_of"], report["retention_days"], report["cutoff_ms"],
             json.dumps(report["counts"]), clock.now_utc().isoformat(timespec="seconds"), who],
        )
        report["purge_id"] = cur.lastrowid
        # By id and counts only: the log must not keep the personal data the purge deletes.
        record_change(db, "purge", contract_id=contract_id, record=f"purges:{cur.lastrowid}", actor=who,
                      after={"as_of": report["as_of"], "retention_days": report["retention_days"],
                             "first_kept": report["first_kept"], "counts": report["counts"]})
        if duty:
            from .evidence import add_evidence

            counts = ", ".join(f"{n} {t}" for t, n in report["counts"].items())
            ev = add_evidence(
                db, contract_id, duty, on=report["as_of"],
                note=f"ccc purge #{cur.lastrowid}: records before {report['first_kept']} deleted ({counts})",
                recorded_on=report["as_of"],
            )
            report["evidence_id"] = ev["id"]
    return report


def list_purges(db, contract_id: str | None = None) -> list[dict]:
    """Recorded purges (newest last), with `counts` decoded."""
    sql = "SELECT * FROM purges" + (" WHERE contract_id = ?" if contract_id else "") + " ORDER BY id"
    rows = list(db.query(sql, [contract_id] if contract_id else []))
    for r in rows:
        r["counts"] = json.loads(r["counts"])
    return rows
