"""`ccc contract validate`: every problem of every contract file given, as `file:line: message`.

`validate_paths(paths)` reads each file (folders: their `*.toml` files, sorted), collects every
problem, then checks the files against each other: two files given together for the same contract
id must not be in force on the same day. (An amendment that takes over from a later date is
registered on its own, after the version it amends: see `registry`.)
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from .loader import read_contract
from .model import Contract
from .positions import line_of
from .problems import Problem

__all__ = ["Problem", "validate_paths", "expand_paths", "read_all"]


def expand_paths(paths) -> tuple[list[Path], list[Problem]]:
    """Files named in `paths`, folders replaced by their `*.toml` files; a missing path is a problem."""
    files: list[Path] = []
    problems: list[Problem] = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.glob("*.toml") if p.is_file())
            if not found:
                problems.append(Problem(str(path), None, "no contract files (*.toml) in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            problems.append(Problem(str(path), None, "no such file or folder"))
    return files, problems


def read_all(paths) -> tuple[list[tuple[Path, Contract | None, dict]], list[Problem]]:
    """Read every file in `paths`: `[(path, contract or None, key lines)]` and all problems found."""
    files, problems = expand_paths(paths)
    results = []
    for path in files:
        contract, found, lines = read_contract(path)
        problems.extend(found)
        results.append((path, contract, lines))
    problems.extend(_overlaps(results))
    return results, problems


def _overlaps(results) -> list[Problem]:
    problems: list[Problem] = []
    far = date.max
    by_id: dict[str, list] = {}
    for path, contract, lines in results:
        if contract is not None:
            by_id.setdefault(contract.id, []).append((path, contract, lines))
    for contract_id, entries in by_id.items():
        for i, (path_a, a, lines_a) in enumerate(entries):
            for path_b, b, _ in entries[:i]:
                a_from, a_to = a.contract.effective_from, a.contract.effective_to or far
                b_from, b_to = b.contract.effective_from, b.contract.effective_to or far
                if a_from <= b_to and b_from <= a_to:
                    b_range = f"{b_from} to {b.contract.effective_to or 'open-ended'}"
                    problems.append(
                        Problem(
                            str(path_a),
                            line_of(lines_a, ("contract", "effective_from")),
                            f"contract {contract_id} is also in force {b_range} in {path_b}: "
                            "effective dates of the same contract id must not overlap",
                        )
                    )
    return problems


def validate_paths(paths) -> list[Problem]:
    """Every problem in the contract files (or folders of them) `paths`; empty when all are valid."""
    _, problems = read_all(paths)
    return problems
