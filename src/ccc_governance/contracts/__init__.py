"""Contracts: the TOML file format (model), reading and checking it (loader, checks, validate),
the registry of versions (registry), comparing versions (diff) and the JSON Schema (jsonschema).
See docs/contract-format.md."""

from . import diff, loader, registry, validate
from .loader import load_contract, load_contract_text
from .model import Contract
from .problems import ContractProblems, Problem

__all__ = [
    "Contract", "ContractProblems", "Problem", "diff", "load_contract", "load_contract_text", "loader",
    "registry", "validate",
]
