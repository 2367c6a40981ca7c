"""The contract registry: every registered text of every contract, never rewritten.

Table `contract_versions` (core migration set) holds one row per version: the file's text, its
sha256, where it came from, its dates and who registered it (`registered_by`; a `contract.register`
entry in the change log). Registering a file whose text is already stored for
that contract id (any version) changes nothing ("unchanged"); any other text becomes the next
version number ("new" for the first one, "new_version" after).

Which version governs a day — the rule used by `contract_at` and `versions_in_force`:

    Among the versions whose [effective_from, effective_to] contains the local day, the one with
    the latest effective_from wins; between versions with the same effective_from, the highest
    version number (the latest registered) wins.

So an amendment with a later `effective_from` takes over from that day and leaves earlier days
to the version it amends, and a corrected re-issue with the same `effective_from` replaces the
earlier text entirely.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from pathlib import Path

from sqlite_utils import Database

from ..actor import current_actor
from ..clock import now_text
from ..errors import NotFoundError
from ..store import readcache
from ..trail import record_change
from .loader import load_contract_text
from .model import Contract
from .problems import ContractProblems
from .validate import read_all

TABLE = "contract_versions"


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register(db: Database, path_or_dir) -> list[dict]:
    """Validate and store contract files (a file, a folder of `*.toml`, or a list of them).

    Returns one dict per file: `contract_id, version, status (new|unchanged|new_version), path`.
    If any file has a problem, nothing is stored and `ContractProblems` (exit code 1) lists them all.
    """
    paths = list(path_or_dir) if isinstance(path_or_dir, (list, tuple)) else [path_or_dir]
    results, problems = read_all(paths)
    if problems:
        raise ContractProblems(problems)
    out: list[dict] = []
    stamp = now_text()
    who = current_actor(db)
    with db.atomic():  # one transaction: all files or none (and their change-log entries)
        for path, contract, _ in results:
            assert contract is not None
            text = Path(path).read_text(encoding="utf-8")
            digest = _sha256(text)
            existing = db.execute(
                f"SELECT version FROM {TABLE} WHERE contract_id = ? AND sha256 = ?", [contract.id, digest]
            ).fetchone()
            if existing:
                out.append({"contract_id": contract.id, "version": existing[0], "status": "unchanged", "path": str(path)})
                continue
            last = db.execute(f"SELECT MAX(version) FROM {TABLE} WHERE contract_id = ?", [contract.id]).fetchone()[0]
            version = (last or 0) + 1
            info = contract.contract
            cur = db.execute(
                f"""INSERT INTO {TABLE} (contract_id, version, sha256, path, toml, title, client, ccc, timezone,
                    effective_from, effective_to, registered_at, registered_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
                [
                    contract.id, version, digest, str(Path(path).resolve()), text, info.title, info.client, info.ccc,
                    info.timezone, info.effective_from.isoformat(),
                    info.effective_to.isoformat() if info.effective_to else None, stamp, who,
                ],
            )
            record_change(db, "contract.register", contract_id=contract.id, record=f"{TABLE}:{cur.lastrowid}",
                          after={"version": version, "sha256": digest, "path": str(Path(path).resolve()),
                                 "effective_from": info.effective_from.isoformat(),
                                 "effective_to": info.effective_to.isoformat() if info.effective_to else None},
                          actor=who)
            out.append({
                "contract_id": contract.id,
                "version": version,
                "status": "new" if version == 1 else "new_version",
                "path": str(path),
            })
    return out


def _rows(db: Database, sql: str, params=()) -> list[dict]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def latest(db: Database) -> list[dict]:
    """One row per contract id: its highest version, plus `versions` (how many are stored)."""
    return readcache.once(db, "registry.latest", lambda d: _rows(
        d,
        f"""SELECT v.*, c.n AS versions FROM {TABLE} v
            JOIN (SELECT contract_id, MAX(version) AS top, COUNT(*) AS n FROM {TABLE} GROUP BY contract_id) c
              ON c.contract_id = v.contract_id AND c.top = v.version
            ORDER BY v.contract_id""",
    ))


def versions(db: Database, contract_id: str) -> list[dict]:
    """Every stored version of `contract_id`, oldest first (empty if none)."""
    cached = readcache.grouped(db, TABLE, "contract_id", contract_id,
                               lambda d: _rows(d, f"SELECT * FROM {TABLE} ORDER BY contract_id, version"))
    if cached is not None:
        return cached
    return _rows(db, f"SELECT * FROM {TABLE} WHERE contract_id = ? ORDER BY version", [contract_id])


def _require(db: Database, contract_id: str) -> list[dict]:
    rows = versions(db, contract_id)
    if not rows:
        known = [r["contract_id"] for r in latest(db)]
        from .problems import did_you_mean

        hint = did_you_mean(contract_id, known) or (f" (registered: {', '.join(known)})" if known else " (none registered yet)")
        raise NotFoundError(f"no contract {contract_id!r} in the registry{hint}")
    return rows


def _contract_of(row: dict) -> Contract:
    return load_contract_text(row["toml"], f"{row['contract_id']} v{row['version']}")


def load_version(db: Database, contract_id: str, version: int) -> Contract:
    """The `Contract` of a stored version. Raises `NotFoundError` if it does not exist."""
    rows = _require(db, contract_id)
    for row in rows:
        if row["version"] == version:
            return _contract_of(row)
    raise NotFoundError(f"contract {contract_id!r} has no version {version} (versions 1 to {rows[-1]['version']})")


def _covers(row: dict, day: date) -> bool:
    start = date.fromisoformat(row["effective_from"])
    end = date.fromisoformat(row["effective_to"]) if row["effective_to"] else date.max
    return start <= day <= end


def _winner(rows: list[dict], day: date) -> dict | None:
    candidates = [r for r in rows if _covers(r, day)]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (r["effective_from"], r["version"]))


def versions_in_force(db: Database, contract_id: str, first: date, last: date) -> list[tuple[dict, Contract, date, date]]:
    """For the local days `first`..`last`, each version in force with the span `[from, to]` it governs.

    Spans are in day order; days no version covers are left out. Raises `NotFoundError` for an
    unknown contract id.
    """
    rows = _require(db, contract_id)
    spans: list[list] = []  # [row, from, to]
    # Only the days where the set of covering versions can change matter: walk those boundaries.
    cuts = {first, last + timedelta(days=1)}
    for row in rows:
        start = date.fromisoformat(row["effective_from"])
        cuts.add(start)
        if row["effective_to"]:
            end = date.fromisoformat(row["effective_to"])
            if end < date.max:
                cuts.add(end + timedelta(days=1))
    points = sorted(d for d in cuts if first <= d <= last + timedelta(days=1))
    for a, b in zip(points, points[1:]):
        row = _winner(rows, a)
        if row is None:
            continue
        to = b - timedelta(days=1)
        if spans and spans[-1][0]["version"] == row["version"] and spans[-1][2] + timedelta(days=1) == a:
            spans[-1][2] = to
        else:
            spans.append([row, a, to])
    cache: dict[int, Contract] = {}
    out = []
    for row, a, b in spans:
        if row["version"] not in cache:
            cache[row["version"]] = _contract_of(row)
        out.append((row, cache[row["version"]], a, b))
    return out


def contract_at(db: Database, contract_id: str, day: date) -> tuple[dict, Contract] | None:
    """The version of `contract_id` in force on local day `day` (row and Contract), or None."""
    spans = versions_in_force(db, contract_id, day, day)
    return (spans[0][0], spans[0][1]) if spans else None
