"""Property: whatever a contract file holds, ccc answers with one-line problems or a contract that works.

Hypothesis starts from the example contracts in `contracts/` (and the small test contract) and
mutates them: values replaced by any TOML value (huge integers, ±1e300, NaN, ±inf, extreme dates,
times, unicode and control characters, long durations), types changed (a number as a string, a
value wrapped in a list or a table), keys deleted, renamed (unicode) or added, values nested a few
or hundreds of levels deep, numbers scaled and negated; a second property edits the text itself
(splices, deleted and repeated lines, deep brackets, control and bidi characters, lone surrogates).

Every mutated file goes through validation (`read_contract_text`, `validate_paths`): each problem
is one `file:line: message` line and nothing else escapes. A mutated file that validates is then
registered on a small store holding a few weeks of data, evaluated (October 2026 and the default
periods), and shown in the portfolio, its review calendar, obligations, status and review pack:
no exception, no contract left out (`evaluate(...).skipped` empty, no portfolio `problem`).

Run length: `CCC_FUZZ_EXAMPLES` examples per property (default 100: a few seconds in `make test`).
The hardening run of issue #11 is 10,000 mutated contracts per property, about ten minutes on one
core:

    CCC_FUZZ_EXAMPLES=10000 .venv/bin/python -m pytest tests/contracts/test_contract_fuzz.py -p no:randomly

(see docs/contract-format.md, "Testing the loader"). Add `--hypothesis-show-statistics` to see how
many mutated files were valid and went through the store.
"""

from __future__ import annotations

import copy
import os
import shutil
import tomllib
from datetime import date, datetime, time, timezone
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from ccc_governance.contracts import registry
from ccc_governance.contracts.loader import load_contract_text, read_contract_text
from ccc_governance.contracts.model import Contract
from ccc_governance.contracts.validate import validate_paths
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.errors import ContractError
from ccc_governance.export.pack import build_pack
from ccc_governance.governance import obligations, reviews
from ccc_governance.governance.status import contract_status
from ccc_governance.portfolio import portfolio
from ccc_governance.store.db import open_db
from ccc_governance.workspace import init_workspace, load_workspace

from contract_helpers import BASE, REPO

EXAMPLES = int(os.environ.get("CCC_FUZZ_EXAMPLES", "100"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])

SOURCES = [BASE] + [p.read_text(encoding="utf-8") for p in sorted((REPO / "contracts").glob("*.toml"))]
PARSED = [tomllib.loads(s) for s in SOURCES]
AS_OF = date(2026, 11, 16)

# -- values ------------------------------------------------------------------------------------

numbers = st.one_of(
    st.integers(-10**6, 10**6),
    st.sampled_from([0, -1, 1, 366, 367, 10**9, 10**9 + 1, 10**12, 2**63, -2**63, 10**400, -10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1e300, -1e300, 1e-300, -0.0, 0.5, 1.5, 99.9]),
)
texts = st.one_of(
    st.text(max_size=12),
    st.text(st.characters(codec="utf-8"), max_size=8),  # every plane, controls included
    st.sampled_from([
        "24h", "-5d", "3bd", "8bh", "2w", "366d", "367d", "99999999d", "-99999999d", "1e3d", "0s", "-0d",
        "08:00-20:00", "00:00-24:00", "23:59-00:00", "Europe/Paris", "UTC", "Mars/Olympus", "voice", "monthly",
        "once", "critical", "month", "interval", "service_level", "aht", "csat", "", " ", "1x", "\u202e", "\x1b[2J",
        "0001-01-01", "9999-12-31", "2026-02-30", "*", "acme-billing", "Acme Support",
    ]),
)
moments = st.one_of(
    st.dates(),
    st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(1969, 12, 31), date(2200, 1, 1), date(2026, 10, 1)]),
    st.datetimes(timezones=st.sampled_from([None, timezone.utc])),
    st.times(),
)
scalars = st.one_of(numbers, texts, moments, st.booleans())
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3)),
    max_leaves=6,
)
keys = st.one_of(
    st.text(min_size=1, max_size=10),
    st.sampled_from(["id", "target", "breach", "due", "every", "from", "class", "metric", "hours", "kpi",
                     "schedule", "answer_within_s", "hold_within_days", "earn_back_periods", "timezone", "mon"]),
)


def _event(text: str) -> None:
    """Count `text` in the statistics (a no-op outside a hypothesis test)."""
    try:
        event(text)
    except InvalidArgument:
        pass


#: Keys whose value is free text: anything printable or not, in any script, stays valid there.
FREE_TEXT = {"title", "client", "ccc", "description", "data_location", "owner", "attendees", "categories",
             "sign_off", "queues", "sources"}
#: Values a contract can mean, to reach the store with more than the examples' own numbers and dates.
plausible_numbers = st.one_of(st.floats(0, 1), st.integers(0, 366), st.floats(0, 1000), st.sampled_from([0, 1, 12, 100]))
plausible_dates = st.dates(date(1970, 1, 1), date(2199, 12, 31))
plausible_durations = st.sampled_from(["0s", "1s", "59m", "24h", "366d", "-366d", "52w", "-52w", "366bd", "8784bh",
                                       "1.5h", "0.5bd", 31622400])


def _tweak(data, parent, key) -> None:
    """Replace a value by another one a contract can mean (so that the result is often valid)."""
    old = parent[key]
    name = key if isinstance(key, str) else ""
    if isinstance(old, bool):
        parent[key] = not old
    elif isinstance(old, (int, float)):
        new = data.draw(plausible_numbers)
        parent[key] = int(new) if isinstance(old, int) else float(new)
    elif isinstance(old, date):
        parent[key] = data.draw(plausible_dates)
    elif isinstance(old, str) and (name in ("due", "within", "response_within") or name.endswith(("_within", "_every"))):
        parent[key] = data.draw(plausible_durations)
    elif isinstance(old, str):
        parent[key] = data.draw(st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=12))
    elif isinstance(old, list) and old and isinstance(old[0], str):
        parent[key] = data.draw(st.lists(st.text(min_size=1, max_size=8), min_size=1, max_size=3))


def _spots(node, prefix=()):
    """Every (container path, key or index) in the parsed data."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield prefix, k
            yield from _spots(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield prefix, i
            yield from _spots(v, prefix + (i,))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _mutate(data, doc) -> None:
    """One mutation of `doc` in place."""
    spots = list(_spots(doc))
    parent_path, key = data.draw(st.sampled_from(spots))
    parent = _get(doc, parent_path)
    old = parent[key]
    action = data.draw(st.sampled_from(["delete", "replace", "rename", "retype", "nudge", "nest", "add", "tweak",
                                        "tweak", "tweak"]))
    _event(f"mutation: {action}")
    if action == "tweak":
        if parent_path and parent_path[-1] in FREE_TEXT or key in FREE_TEXT or not isinstance(old, str):
            _tweak(data, parent, key)
        elif isinstance(key, str) and key in ("due", "within", "response_within") or str(key).endswith("_within"):
            _tweak(data, parent, key)
    elif action == "delete":
        del parent[key]
    elif action == "replace":
        parent[key] = data.draw(values)
    elif action == "rename" and isinstance(parent, dict):
        parent[data.draw(keys)] = parent.pop(key)
    elif action == "retype":
        parent[key] = data.draw(st.sampled_from([str(old), [old], {"value": old}, None if old is None else old]))
        if parent[key] is None:
            del parent[key]
    elif action == "nudge" and isinstance(old, (int, float)) and not isinstance(old, bool):
        factor = data.draw(st.sampled_from([-1, 10, 1000, 10**9, 10**15, 1e300, 0.5, float("nan"), float("inf")]))
        parent[key] = old * factor if old else factor
    elif action == "nudge" and isinstance(old, date):
        parent[key] = data.draw(st.sampled_from([date(1, 1, 1), date(9999, 12, 31), date(1970, 1, 1),
                                                 date(2199, 12, 31), date(2200, 1, 1)]))
    elif action == "nest":
        depth = data.draw(st.integers(1, 40))
        for _ in range(depth):
            old = [old]
        parent[key] = old
    elif action == "add":
        tables = [v for v in [doc] + [_get(doc, p + (k,)) for p, k in spots] if isinstance(v, dict)]
        data.draw(st.sampled_from(tables))[data.draw(keys)] = data.draw(values)


# -- the store the valid ones go through -------------------------------------------------------


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp() * 1000)


def _seed(db) -> None:
    """A few weeks of contacts, surveys, complaints and interval figures in the examples' queues."""
    queues = [("acme-billing", "voice"), ("billing-email", "email"), ("Acme Support", "chat"),
              ("Acme Support", "voice"), ("535f9413-fff9-4936-ae77-22ab07f61915", "voice"), ("q1", "voice")]
    with db.conn:
        bid = db.execute("INSERT INTO batches (source, file_name, sha256, started_at, first_at, last_at) VALUES "
                         "('seed', 'seed', 'seed', '2026-11-01', ?, ?)",
                         [_ms("2026-09-28T00:00:00"), _ms("2026-11-15T23:00:00")]).lastrowid
        n = 0
        for day in range(1, 46):
            at = _ms("2026-10-01T08:00:00") + day * 86_400_000 - 3 * 86_400_000
            for i, (queue, channel) in enumerate(queues):
                n += 1
                outcome = ("answered", "abandoned", "answered", "timeout")[(day + i) % 4]
                db.execute(
                    "INSERT INTO contacts (source, source_id, batch_id, queue, channel, direction, arrived_at, outcome, "
                    "wait_s, talk_s, fcr, csat, csat_scale, first_response_s) VALUES "
                    "('seed', ?, ?, ?, ?, 'inbound', ?, ?, ?, 200, ?, ?, 5, ?)",
                    [f"c{n}", bid, queue, channel, at + i * 60_000, outcome, (day * 7 + i) % 90, day % 2,
                     1 + (day + i) % 5, (day * 3600) % 100_000])
                db.execute(
                    "INSERT INTO surveys (source, source_id, batch_id, responded_at, csat, csat_scale, nps, resolved, "
                    "channel, queue) VALUES ('seed', ?, ?, ?, ?, 5, ?, ?, ?, ?)",
                    [f"s{n}", bid, at + 3_600_000, 1 + day % 5, day % 11, day % 2, channel, queue])
                db.execute(
                    "INSERT INTO interval_aggregates (source, source_id, batch_id, interval_start, interval_minutes, "
                    "queue, channel, direction, offered, answered, answered_within, answer_threshold_s, abandoned, "
                    "short_abandoned, short_abandon_s, abandoned_within, wait_sum_s, handle_sum_s, forecast_offered) "
                    "VALUES ('seed', ?, ?, ?, 30, ?, ?, 'inbound', 10, 8, 6, 20, 2, 1, 5, 1, 80, 2400, 9)",
                    [f"i{n}", bid, at, queue, channel])
            db.execute(
                "INSERT INTO complaints (source, source_id, batch_id, received_at, acknowledged_at, resolved_at, "
                "updates, channel, queue, escalation_required, escalated_at) VALUES "
                "('seed', ?, ?, ?, ?, ?, '[]', 'email', 'billing-email', ?, ?)",
                [f"k{day}", bid, at, at + day * 3_600_000, at + day * 86_400_000 if day % 3 else None, day % 2,
                 at + 7_200_000 if day % 4 else None])


@pytest.fixture(scope="module")
def template_db(tmp_path_factory) -> Path:
    """A migrated workspace database with the seed data, copied for each valid contract."""
    root = tmp_path_factory.mktemp("fuzz-store")
    init_workspace(root / "ws", key="00" * 32)
    path = load_workspace(root / "ws").db_path
    db = open_db(path)
    _seed(db)
    db.conn.close()
    return path


def _through_the_store(template: Path, folder: Path, text: str, contract: Contract) -> None:
    """Register a valid contract on a copy of the seeded store and read it back every way."""
    path = folder / "store.db"
    shutil.copyfile(template, path)
    db = open_db(path)
    try:
        file = folder / "contract.toml"
        file.write_text(text, encoding="utf-8")
        [row] = registry.register(db, file)
        assert row["contract_id"] == contract.id
        for period in ("2026-10", None):
            results = evaluate(db, period=period, as_of=AS_OF)
            assert results.skipped == {}, results.skipped
        [line] = portfolio(db, AS_OF).rows
        assert line.problem is None, line.problem
        reviews.calendar(db, contract.id, AS_OF)
        obligations.schedule(db, contract.id, AS_OF)
        assert contract_status(db, contract.id, AS_OF)["problem"] is None
        if registry.contract_at(db, contract.id, date(2026, 10, 15)) is not None:
            build_pack(db, contract.id, "2026-10", as_of=AS_OF)
    finally:
        db.conn.close()


# -- the checks --------------------------------------------------------------------------------


def _validate(text: str, folder: Path) -> Contract | None:
    """Validation answers with one-line problems or a contract; returns the contract when valid."""
    contract, problems, _ = read_contract_text(text, "fuzz.toml")
    for p in problems:
        assert str(p).startswith("fuzz.toml"), str(p)
        assert "\n" not in p.message and "\r" not in p.message, repr(p.message)
    try:
        loaded = load_contract_text(text, "fuzz.toml")
    except ContractError as err:
        assert problems and str(err) == str(problems[0])
        loaded = None
    else:
        assert not problems and isinstance(loaded, Contract) and contract is not None
    file = folder / "fuzz.toml"
    file.write_bytes(text.encode("utf-8", "surrogatepass"))
    # The file is read with newline translation (a bare CR becomes a line break), so its verdict may
    # differ from the text's; it must be one-line problems all the same.
    assert all("\n" not in p.message and str(p).startswith(str(file)) for p in validate_paths([file]))
    _event("valid" if loaded is not None else "refused")
    return loaded


@FUZZ
@given(data=st.data())
def test_mutated_contracts_validate_or_work(data, template_db, tmp_path_factory):
    doc = copy.deepcopy(data.draw(st.sampled_from(PARSED)))
    for _ in range(data.draw(st.integers(0, 3))):
        _mutate(data, doc)
    try:
        text = tomli_w.dumps(doc)
    except (TypeError, ValueError):  # e.g. a datetime with a time zone tomli_w will not write
        event("not writable as TOML")
        return
    folder = tmp_path_factory.mktemp("fuzz")
    contract = _validate(text, folder)
    if contract is not None:
        _through_the_store(template_db, folder, text, contract)


text_edits = st.one_of(
    st.text(max_size=20),
    st.text(st.characters(codec="utf-8"), max_size=6),
    st.sampled_from(["\x00", "\x1b]0;x\x07", "\u202e", "\u2028", "\r", "\ufeff", "\ud800", "é", "😀", "#", "=",
                     "[", "]", "{", "}", '"', "'''", "[[kpi]]\n", "\n[review]\n", "nan", "inf", "-inf", "1e400",
                     "9" * 5000, "[" * 600 + "]" * 600, "{a=" * 300 + "1" + "}" * 300, "a." * 400 + "b = 1\n"]),
)


@FUZZ
@given(source=st.sampled_from(SOURCES), at=st.integers(0, 10**6), cut=st.integers(0, 40), insert=text_edits,
       repeat=st.integers(0, 3))
def test_edited_text_validates_or_works(source, at, cut, insert, repeat, template_db, tmp_path_factory):
    at %= len(source)
    lines = source.splitlines(keepends=True)
    if repeat and lines:  # repeat or drop a line: duplicate keys, tables, lost headers
        i = at % len(lines)
        lines[i:i + 1] = [lines[i]] * (repeat - 1)
        source = "".join(lines)
        at %= max(len(source), 1)
    text = source[:at] + insert + source[at + cut:]
    folder = tmp_path_factory.mktemp("fuzz")
    contract = _validate(text, folder)
    if contract is not None and "\ud800" > max(text, default=" "):
        _through_the_store(template_db, folder, text, contract)


def test_the_unmutated_examples_go_through_the_store(template_db, tmp_path):
    """The store part of the properties works (and the seed gives the examples results to show)."""
    for i, text in enumerate(SOURCES):
        folder = tmp_path / str(i)
        folder.mkdir()
        contract = _validate(text, folder)
        assert contract is not None
        _through_the_store(template_db, folder, text, contract)
