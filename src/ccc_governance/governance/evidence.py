"""Evidence that an occurrence of an obligation or duty was met: a note, a file kept by hash, or both.

A file is stored inside the database (`blobs`, by sha256) with its name, never by path, so the
proof survives the original file being moved or deleted; `save_file` writes it back out. Who
recorded it is kept (`recorded_by`) and logged (`evidence.add`: the file by name and sha256).
"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from .. import clock
from ..actor import current_actor
from ..errors import CccError, NotFoundError
from ..outputs import OutputError, ensure_folder, write_file
from ..trail import record_change
from .blobs import get_blob, put_blob, read_file
from .inforce import contract_for, require_contract
from .obligations import find_duty, occurrences


def _pick_occurrence(db, contract, obligation_id: str, item, on: date, occurrence: date | None) -> date:
    """The occurrence the evidence proves: the one given, else the earliest unmet one due on or before
    `on`, else the next unmet one after it."""
    until = max(on, occurrence) if occurrence else on
    occs = [o["due"] for o in occurrences(contract, item, until)]
    if occurrence is not None:
        if occurrence not in occs:
            shown = ", ".join(d.isoformat() for d in occs[-4:])
            raise NotFoundError(
                f"{obligation_id} has no occurrence due on {occurrence} (recent due dates: {shown or 'none'})"
            )
        return occurrence
    met = {
        r[0]
        for r in db.execute(
            "SELECT occurrence FROM evidence WHERE contract_id = ? AND obligation_id = ?", [contract.id, obligation_id]
        )
    }
    unmet = [d for d in occs if d.isoformat() not in met]
    before = [d for d in unmet if d <= on]
    if before:
        return before[0]
    after = [d for d in unmet if d > on]
    if after:
        return after[0]
    if not occs:
        raise NotFoundError(f"{obligation_id} has no occurrence owed by {on} under contract {contract.id}")
    # Every occurrence so far is met: extra proof goes to the latest one.
    return occs[-1]


def add_evidence(
    db,
    contract_id: str,
    obligation_id: str,
    *,
    on: date | str,
    file_path: str | Path | None = None,
    note: str | None = None,
    occurrence: date | str | None = None,
    recorded_on: date | str | None = None,
) -> dict:
    """Record proof that `obligation_id` (an obligation or duty id) was met on `on`. Needs a file, a
    note or both. Returns the stored evidence row."""
    require_contract(db, contract_id)
    on_day = clock.parse_date(on, what="--date") if isinstance(on, str) else on
    occ_day = clock.parse_date(occurrence, what="--occurrence") if isinstance(occurrence, str) else occurrence
    if file_path is None and not (note or "").strip():
        raise CccError("evidence needs a file (--file PATH) or a note (--note TEXT)")
    contract = contract_for(db, contract_id, on_day)
    _kind, item = find_duty(contract, obligation_id)
    due = _pick_occurrence(db, contract, obligation_id, item, on_day, occ_day)
    content = read_file(file_path, what="evidence file") if file_path is not None else None
    who = current_actor(db)
    with db.atomic():
        sha = put_blob(db, content[1]) if content else None
        cur = db.execute(
            "INSERT INTO evidence (contract_id, obligation_id, occurrence, date, note, file_name, sha256, recorded_at,"
            " recorded_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [contract_id, obligation_id, due.isoformat(), on_day.isoformat(), note,
             content[0] if content else None, sha, clock.today(recorded_on).isoformat(), who],
        )
        evidence_id = cur.lastrowid
        record_change(db, "evidence.add", contract_id=contract_id, record=f"evidence:{evidence_id}", actor=who,
                      after={"obligation_id": obligation_id, "occurrence": due.isoformat(), "date": on_day.isoformat(),
                             "note": note, "file_name": content[0] if content else None, "sha256": sha})
    return get_evidence(db, evidence_id)


def get_evidence(db, evidence_id: int) -> dict:
    """One evidence row with the size of its file (raises `NotFoundError`)."""
    rows = list(
        db.query(
            "SELECT e.*, b.size AS file_size FROM evidence e LEFT JOIN blobs b ON b.sha256 = e.sha256 WHERE e.id = ?",
            [evidence_id],
        )
    )
    if not rows:
        raise NotFoundError(f"no evidence with id {evidence_id}")
    return rows[0]


def list_evidence(db, contract_id: str | None = None, obligation_id: str | None = None) -> list[dict]:
    """Evidence rows, optionally for one contract and/or obligation, oldest first."""
    if contract_id:
        require_contract(db, contract_id)
    where, params = [], []
    if contract_id:
        where.append("e.contract_id = ?")
        params.append(contract_id)
    if obligation_id:
        where.append("e.obligation_id = ?")
        params.append(obligation_id)
    sql = (
        "SELECT e.*, b.size AS file_size FROM evidence e LEFT JOIN blobs b ON b.sha256 = e.sha256"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY e.date, e.id"
    )
    return list(db.query(sql, params))


def evidence_file(db, evidence_id: int) -> tuple[str, bytes]:
    """The stored file of an evidence row as `(name, bytes)` (raises if it is a note only)."""
    row = get_evidence(db, evidence_id)
    if not row["sha256"]:
        raise NotFoundError(f"evidence {evidence_id} is a note, it has no file")
    return row["file_name"], get_blob(db, row["sha256"])


def save_file(db, evidence_id: int, out: str | Path, *, parents: bool = False) -> Path:
    """Write an evidence file back out to `out` (a folder keeps the stored name), through
    `outputs.write_file` like every export. Returns the path.

    A named file is replaced (the user asked for it), written through a symlink; in a folder, the
    stored name is ccc's choice, so a different file already there under that name is refused
    (the same content is left as it is)."""
    name, content = evidence_file(db, evidence_id)
    text = str(out)
    target = Path(out)
    if target.is_dir() or text.endswith(("/", os.sep)):
        if not target.is_dir():
            # `-o newdir/`: a folder was meant; create it only when asked, like a missing parent.
            ensure_folder(target, text, parents)
        target = target / Path(name).name
        if os.path.lexists(target):
            if target.is_file() and target.stat().st_size == len(content) and target.read_bytes() == content:
                return target
            raise OutputError("exists; give the file's own path with -o to replace it", file=str(target))
    return write_file(target, content, parents=parents)
