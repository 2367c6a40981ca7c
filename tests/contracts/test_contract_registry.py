"""The registry: new / unchanged / new version, the version in force by date, and diff wording."""

from __future__ import annotations

from datetime import date

import pytest

from ccc_governance.contracts import registry
from ccc_governance.contracts.diff import diff_contracts
from ccc_governance.contracts.loader import load_contract
from ccc_governance.contracts.problems import ContractProblems
from ccc_governance.errors import NotFoundError
from ccc_governance.store.db import open_db

from contract_helpers import BASE, REPO, write


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "ccc.db")


def test_new_unchanged_and_new_version(db, tmp_path):
    path = write(tmp_path, BASE)
    assert [(r["contract_id"], r["version"], r["status"]) for r in registry.register(db, path)] == [("demo", 1, "new")]
    assert registry.register(db, path)[0]["status"] == "unchanged"
    path.write_text(BASE.replace("target = 0.8\n", "target = 0.82\n"), encoding="utf-8")
    assert [(r["version"], r["status"]) for r in registry.register(db, path)] == [(2, "new_version")]
    rows = registry.versions(db, "demo")
    assert [r["version"] for r in rows] == [1, 2]
    assert rows[0]["toml"] == BASE  # history is never rewritten
    assert len(rows[0]["sha256"]) == 64 and rows[0]["sha256"] != rows[1]["sha256"]
    # Going back to the first text is recognised as version 1, not stored again.
    path.write_text(BASE, encoding="utf-8")
    assert registry.register(db, path)[0] == {"contract_id": "demo", "version": 1, "status": "unchanged", "path": str(path)}
    assert registry.load_version(db, "demo", 2).kpi[0].target == 0.82
    assert [(r["contract_id"], r["version"], r["versions"]) for r in registry.latest(db)] == [("demo", 2, 2)]


def test_invalid_file_is_refused_and_nothing_is_stored(db, tmp_path):
    good = write(tmp_path, BASE, "a.toml")
    bad = write(tmp_path, BASE.replace('id = "demo"', 'id = "other"').replace("breach = 360", "breach = 250"), "b.toml")
    with pytest.raises(ContractProblems) as info:
        registry.register(db, tmp_path)
    assert info.value.exit_code == 1
    assert [str(p) for p in info.value.problems][0].startswith(f"{bad}:31: ")
    assert registry.latest(db) == []
    assert registry.register(db, good)[0]["status"] == "new"


def test_amendment_takes_over_from_its_effective_date(db, tmp_path):
    v1 = write(tmp_path, BASE, "v1.toml")
    amendment = BASE.replace("effective_from = 2026-01-01", "effective_from = 2026-07-01").replace(
        "target = 0.8\n", "target = 0.85\n"
    )
    v2 = write(tmp_path, amendment, "v2.toml")
    registry.register(db, v1)
    registry.register(db, v2)
    spans = registry.versions_in_force(db, "demo", date(2025, 12, 1), date(2026, 12, 31))
    assert [(row["version"], a, b) for row, _, a, b in spans] == [
        (1, date(2026, 1, 1), date(2026, 6, 30)),
        (2, date(2026, 7, 1), date(2026, 12, 31)),
    ]
    assert spans[1][1].kpi[0].target == 0.85
    row, contract = registry.contract_at(db, "demo", date(2026, 6, 30))
    assert row["version"] == 1 and contract.kpi[0].target == 0.8
    assert registry.contract_at(db, "demo", date(2026, 7, 1))[0]["version"] == 2
    assert registry.contract_at(db, "demo", date(2025, 12, 31)) is None


def test_same_start_date_latest_registered_wins_and_end_dates_are_honoured(db, tmp_path):
    first = BASE.replace('timezone = "Europe/Paris"', 'timezone = "Europe/Paris"\neffective_to = 2026-03-31')
    registry.register(db, write(tmp_path, first, "a.toml"))
    registry.register(db, write(tmp_path, first.replace("target = 0.8\n", "target = 0.81\n"), "b.toml"))
    spans = registry.versions_in_force(db, "demo", date(2026, 3, 1), date(2026, 4, 30))
    assert [(row["version"], a, b) for row, _, a, b in spans] == [(2, date(2026, 3, 1), date(2026, 3, 31))]


def test_unknown_contract_and_version(db, tmp_path):
    registry.register(db, write(tmp_path, BASE))
    with pytest.raises(NotFoundError, match="no contract 'dem' in the registry \\(did you mean 'demo'\\?\\)"):
        registry.versions_in_force(db, "dem", date(2026, 1, 1), date(2026, 1, 2))
    with pytest.raises(NotFoundError, match="has no version 3"):
        registry.load_version(db, "demo", 3)


def test_diff_of_the_shipped_history_reads_like_a_vendor_manager_would_write_it():
    old = load_contract(REPO / "examples/contract-history/acme-utility-helpdesk-v1.toml")
    new = load_contract(REPO / "contracts/acme-utility-helpdesk.toml")
    lines = diff_contracts(old, new)
    for expected in [
        "contract effective_from 2026-01-01 → 2026-07-01",
        "sl-voice target 0.80 → 0.85",
        "sl-voice target 0.80 → 0.87 from 2027-01-01",
        "sl-voice breach 0.75 → 0.82 from 2027-01-01",
        "kpi aht-voice added",
        "review frequency quarterly → monthly",
        "obligation information-pack added",
        "complaints categories: added staff conduct",
        "data_handling breach_notification_within 72h → 24h",
    ]:
        assert expected in lines, (expected, lines)
    assert diff_contracts(new, new) == []
    back = diff_contracts(new, old)
    assert "kpi aht-voice removed" in back and "review frequency monthly → quarterly" in back


def test_diff_of_a_new_schedule_step_and_params(tmp_path):
    old = load_contract(write(tmp_path, BASE, "a.toml"))
    text = BASE.replace("answer_within_s = 20", "answer_within_s = 30") + "\n[[kpi.schedule]]\nfrom = 2027-01-01\ntarget = 280\n"
    new = load_contract(write(tmp_path, text, "b.toml"))
    assert diff_contracts(old, new) == ["sl answer_within_s 20 → 30", "aht target 300 → 280 from 2027-01-01"]
