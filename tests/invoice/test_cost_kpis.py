"""Cost KPIs (`cost_per_contact`, `cost_per_resolved_contact`): hand-computed from the contract's pricing,
through the real import, registry and engine (issue #17, item 4)."""

from __future__ import annotations

import pytest
from invoice_cases import MAPPING, Calls, contract, ws  # noqa: F401 - `ws` is a fixture

from ccc_governance.contracts.loader import load_contract_text
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.errors import ContractError

COST_KPIS = """
[[kpi]]
id = "cost"
metric = "cost_per_contact"
target = 45
breach = 50

[[kpi]]
id = "cost-voice"
metric = "cost_per_contact"
channel = "voice"
target = 3
breach = 3.5

[[kpi]]
id = "cost-resolved"
metric = "cost_per_resolved_contact"
target = 50
"""


def results(db, period="2026-10"):
    return {r["kpi_id"]: r for r in evaluate(db, contract_id="acme", period=period, as_of="2026-11-16",
                                             persist=False)}


def test_cost_per_contact_is_the_expected_amount_over_the_handled_contacts(ws):
    ws.contract(contract(extra=COST_KPIS))
    ws.calls(Calls().october())
    got = results(ws.db)
    # handled in scope: 26 voice (sales*) + 10 support e-mails + 4 sales e-mails = 40;
    # expected: voice 20 × 3.20 + 6 × 3.00 = 82.00, e-mail minutes 50 × 0.50 = 25.00, platform 1,500 → 1,607.00
    cost = got["cost"]
    assert cost["numerator"] == pytest.approx(1607.00) and cost["denominator"] == 40
    assert cost["actual"] == pytest.approx(40.175) and cost["status"] == "met"
    assert cost["details"]["currency"] == "EUR" and cost["details"]["cost_amount"] == 1607.00
    # on one channel: only the line limited to voice (82.00) over the 26 calls = 3.1538… (target 3, breach 3.5)
    voice = got["cost-voice"]
    assert voice["actual"] == pytest.approx(82 / 26) and voice["status"] == "at_risk"
    assert voice["details"]["pricing_lines"] == ["handled-voice"]
    assert sorted(voice["details"]["pricing_lines_left_out"]) == ["email-minutes", "platform"]
    # no FCR mark on any contact and no survey: the cost per resolved contact cannot be computed
    assert got["cost-resolved"]["actual"] is None and got["cost-resolved"]["status"] == "no_data"
    assert got["cost-resolved"]["details"]["resolved_basis"] == "no FCR answer"


def test_cost_per_resolved_contact_uses_the_contacts_fcr_marks(ws, tmp_path):
    ws.contract(contract(extra=COST_KPIS, tier="", platform="100"))
    (tmp_path / "mapping.toml").write_text(MAPPING + 'fcr = "fcr"\n')
    calls = Calls()
    calls.rows[0] += ",fcr"
    for i, mark in enumerate(["1"] * 6 + ["0"] * 2 + [""] * 2):
        calls.add(f"2026-10-{10 + i:02d} 10:00:00")
        calls.rows[-1] += f",{mark}"
    ws.calls(calls)
    got = results(ws.db)
    # 10 calls × 3.20 + 100 (platform) = 132.00; e-mail minutes none → 0
    assert got["cost"]["actual"] == pytest.approx(13.20)
    # resolved at first contact: 6 of the 8 marked → 0.75 × 10 handled = 7.5 resolved; 132 ÷ 7.5 = 17.60
    resolved = got["cost-resolved"]
    assert resolved["denominator"] == pytest.approx(7.5) and resolved["actual"] == pytest.approx(17.60)
    assert resolved["details"]["resolved_basis"] == "contacts' FCR marks (6 of 8)"


def test_a_version_change_inside_the_month_prices_each_part_by_its_version(ws):
    ws.contract(contract(extra=COST_KPIS, tier="", platform="0"))
    ws.contract(contract(start="2026-10-16", extra=COST_KPIS, tier="", voice_rate="2.00", platform="0"))
    calls = Calls()
    for day in (5, 10, 20, 25):  # two calls before the 16th (3.20), two after (2.00)
        calls.add(f"2026-10-{day:02d} 10:00:00")
    ws.calls(calls)
    got = evaluate(ws.db, contract_id="acme", period="2026-10", as_of="2026-11-16", persist=False)
    voice = {(r["contract_version"], r["kpi_id"]): r for r in got}
    # each version's span is its own result: 2 × 3.20 ÷ 2 and 2 × 2.00 ÷ 2
    assert voice[(1, "cost-voice")]["actual"] == pytest.approx(3.20)
    assert voice[(2, "cost-voice")]["actual"] == pytest.approx(2.00)


@pytest.mark.parametrize("extra, message", [
    ('[[kpi]]\nid = "c"\nmetric = "cost_per_contact"\ntarget = 3\nperiod = "week"\n',
     "metric cost_per_contact is priced per calendar month: its period must be month or quarter, not week"),
])
def test_cost_kpis_are_refused_where_they_cannot_be_priced(extra, message):
    with pytest.raises(ContractError, match=message):
        load_contract_text(contract(extra=extra), "c.toml")


def test_a_cost_kpi_needs_pricing():
    text = contract().split("[pricing]")[0] + '[[kpi]]\nid = "c"\nmetric = "cost_per_contact"\ntarget = 3\n'
    with pytest.raises(ContractError, match=r"c.toml:\d+: .*computed from the contract's \[pricing\]"):
        load_contract_text(text, "c.toml")
