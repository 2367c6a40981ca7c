"""Pre-read packs produced automatically: `ccc export due`.

A review's pre-read date comes `pre_read_days` before its latest hold date (see
`governance.reviews`). Every review whose pre-read date has come, that is not held yet, and whose
pack was not produced yet gets one; what was produced is recorded in `export_packs`, so running
`ccc export due` every day (from cron) produces each pack exactly once. A review already overdue
and never prepared gets its pack on the next run too: it still has to be held.

Only the *latest* pending review of each contract is prepared: on a new workspace whose contract
started months ago, every past review is overdue, and a pack for each would bury the one that matters
(the latest pack shows the trend over the earlier periods; `ccc export review` makes any other on demand).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..clock import now_text, today
from ..governance.reviews import calendar
from ..outputs import ForeignEntryError, PackFolder
from ..periods import parse_period
from .write import EXTENSIONS, export_review_into

PENDING_STATES = ("pre_read_due", "overdue")


def _produced(db, contract_id: str, period: str, fmt: str) -> bool:
    return db.execute(
        "SELECT 1 FROM export_packs WHERE contract_id = ? AND period = ? AND kind = 'pre_read' AND format = ?",
        [contract_id, period, fmt],
    ).fetchone() is not None


def due_reviews(db, as_of=None, formats=("html",)) -> list[dict]:
    """Reviews whose pre-read date has come (as of `as_of`), not held, and missing a pack in one of
    `formats`: calendar rows (`contract_id, period, pre_read_on, hold_by, state`) plus `missing`."""
    day = today(as_of)
    latest: dict[str, dict] = {}
    for row in calendar(db, as_of=day):
        if row["state"] not in PENDING_STATES or row["pre_read_on"] > day.isoformat():
            continue
        if row["contract_id"] not in latest or row["period_start"] > latest[row["contract_id"]]["period_start"]:
            latest[row["contract_id"]] = row
    out = []
    for row in latest.values():
        missing = [f for f in formats if not _produced(db, row["contract_id"], row["period"], f)]
        if missing:
            out.append({**row, "missing": missing})
    return out


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for f in files:
        h.update(f.read_bytes())
    return h.hexdigest()


def produce_due(db, out_dir: str | Path, as_of=None, *, formats=("html",), templates_dir=None, logo=None,
                parents: bool = False, on_produced=None, iso_settings: dict | None = None) -> list[dict]:
    """Produce every missing pre-read pack in `out_dir` and record it; return what was produced
    (`contract_id, period, format, path, sha256`). A pack is recorded only once it is fully written.

    `out_dir` is a collection folder (`outputs.PackFolder`, not strict): created if missing (its
    parent must exist unless `parents`), it may hold other files, and a pack never replaces a file
    ccc did not write there. Such a clash does not stop the other packs: they are produced and
    recorded (each passed to `on_produced` as it is), then the clash is raised (one line), and its pack
    is due again on the next run."""
    day = today(as_of)
    folder = PackFolder(out_dir, strict=False, parents=parents)
    produced, clashes = [], []
    for review in due_reviews(db, day, formats):
        period = parse_period(review["period"])
        for fmt in review["missing"]:
            try:
                path, _pack = export_review_into(db, review["contract_id"], period, fmt, folder, as_of=day,
                                                 templates_dir=templates_dir, logo=logo, iso_settings=iso_settings)
            except ForeignEntryError as err:
                clashes.append(err)
                continue
            record = {"contract_id": review["contract_id"], "period": review["period"], "kind": "pre_read",
                      "format": fmt, "path": str(path.resolve()), "sha256": _digest(path), "as_of": day.isoformat(),
                      "produced_at": now_text()}
            with db.atomic():
                db["export_packs"].insert(record)
            produced.append(record)
            if on_produced is not None:
                on_produced(record)
    if clashes:
        more = f" ({len(clashes) - 1} more such packs not written)" if len(clashes) > 1 else ""
        others = f"; the other {len(produced)} packs were written" if produced else ""
        raise ForeignEntryError(f"{clashes[0].message}{more}{others}", file=clashes[0].file)
    return produced


def produced_packs(db, contract_id: str | None = None) -> list[dict]:
    """Every recorded pre-read pack (newest first), optionally for one contract."""
    sql = "SELECT * FROM export_packs" + (" WHERE contract_id = ?" if contract_id else "") + " ORDER BY id DESC"
    return [dict(r) for r in db.query(sql, [contract_id] if contract_id else [])]


__all__ = ["due_reviews", "produce_due", "produced_packs", "EXTENSIONS"]
