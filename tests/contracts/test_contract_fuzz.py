"""Property: whatever a contract file holds, the loader answers with a `ContractError` or a Contract.

Valid contracts are mutated (keys deleted, values replaced by random values of any TOML type,
keys renamed, random text spliced in) and fed to `load_contract_text` and `validate_paths`.
"""

from __future__ import annotations

import copy
import tomllib
from datetime import date, datetime, time

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ccc_governance.contracts.loader import load_contract_text, read_contract_text
from ccc_governance.contracts.model import Contract
from ccc_governance.errors import ContractError

from contract_helpers import BASE, REPO

SOURCES = [BASE] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "contracts").glob("*.toml"))]
PARSED = [tomllib.loads(s) for s in SOURCES]

scalars = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["24h", "-5d", "3bd", "08:00-20:00", "Europe/Paris", "voice", "monthly", "critical", "", "1x"]),
    st.integers(-10**6, 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 1, 1)),
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1)),
    st.times(),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3)),
    max_leaves=6,
)


def _paths(node, prefix=()):
    """Every (container path, key) in the parsed data."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix, k
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix, i
            yield from _paths(v, prefix + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _check(text: str) -> None:
    try:
        contract = load_contract_text(text, "fuzz.toml")
    except ContractError as err:
        assert str(err).startswith("fuzz.toml"), str(err)
        assert "\n" not in err.message
    else:
        assert isinstance(contract, Contract)
    read_contract_text(text, "fuzz.toml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_data_never_escapes_as_anything_but_contract_error(data):
    doc = copy.deepcopy(data.draw(st.sampled_from(PARSED)))
    for _ in range(data.draw(st.integers(1, 3))):
        spots = list(_paths(doc))
        if not spots:
            break
        parent_path, key = data.draw(st.sampled_from(spots))
        parent = _get(doc, parent_path)
        action = data.draw(st.sampled_from(["delete", "replace", "rename"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = data.draw(values)
        elif isinstance(parent, dict):
            parent[data.draw(st.text(min_size=1, max_size=10))] = parent.pop(key)
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # e.g. a list mixing tables and scalars that TOML cannot write
        return
    _check(text)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SOURCES), st.integers(0, 10**6), st.integers(0, 40), st.text(max_size=20))
def test_random_text_edits_never_escape_as_anything_but_contract_error(source, at, cut, insert):
    at %= len(source)
    _check(source[:at] + insert + source[at + cut :])
