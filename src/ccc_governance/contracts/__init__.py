"""Contracts: the TOML file format (model), reading and checking it (loader, checks, validate),
the registry of versions (registry), comparing versions (diff) and the JSON Schema (jsonschema).
See docs/contract-format.md.

Submodules load when first used (`from ccc_governance.contracts import registry` loads the
registry and what it needs, not the diff or the JSON Schema): `ccc` starts faster.
"""

from __future__ import annotations

import importlib

_SUBMODULES = ("diff", "loader", "registry", "validate", "model", "problems", "checks", "jsonschema")
_NAMES = {
    "load_contract": "loader", "load_contract_text": "loader", "Contract": "model",
    "ContractProblems": "problems", "Problem": "problems",
}

__all__ = [
    "Contract", "ContractProblems", "Problem", "diff", "load_contract", "load_contract_text", "loader",
    "registry", "validate",
]


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _NAMES:
        return getattr(importlib.import_module(f".{_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
