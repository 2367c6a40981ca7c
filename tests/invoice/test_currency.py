"""Several currencies: `[currency]` rates of ccc.toml, and the portfolio's money and cost KPIs in one reporting
currency with the rate used (issue #17, item 5). Figures worked out by hand beside each assertion."""

from __future__ import annotations

import pytest
from test_cost_kpis import COST_KPIS
from invoice_cases import Calls, contract, ws  # noqa: F401 - `ws` is a fixture

from ccc_governance.currency import Rates, rates_from_config
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.errors import WorkspaceError
from ccc_governance.export.portfolio import build_portfolio
from ccc_governance.periods import parse_period

TOML = """\
[currency]
reporting = "EUR"

[currency.rates."2026"]
GBP = 1.10
USD = 0.90

[currency.rates."2026-Q4"]
GBP = 1.15

[currency.rates."2026-10"]
GBP = 1.20
"""


def rates(text=TOML) -> Rates:
    import tomllib

    return rates_from_config(tomllib.loads(text), "ws/ccc.toml", text)


def test_the_rate_of_the_shortest_period_holding_the_amounts_is_used():
    r = rates()
    assert r.rate("GBP", parse_period("2026-10")).rate == 1.20  # the month's own rate
    assert r.rate("GBP", parse_period("2026-11")).rate == 1.15  # the quarter's
    assert r.rate("GBP", parse_period("2026-Q4")).rate == 1.15
    assert r.rate("USD", parse_period("2026-10")).rate == 0.90  # only the year has USD
    assert r.rate("GBP", parse_period("2026")).rate == 1.10
    assert r.rate("CHF", parse_period("2026-10")) is None
    assert r.rate("GBP", parse_period("2027-01")) is None
    assert r.rate("EUR", parse_period("2030-01")).rate == 1.0  # the reporting currency needs no rate
    assert r.convert(100.0, "GBP", parse_period("2026-10"))[0] == 120.0
    assert r.rate("GBP", parse_period("2026-10")).text() == "1 GBP = 1.2 EUR (2026-10)"


@pytest.mark.parametrize("text, message", [
    ('[currency]\nreporting = "euro"\n', r"ws/ccc.toml:2: \[currency\] reporting = 'euro': give the reporting"),
    ('[currency]\nreporting = "EUR"\n[currency.rates."2026-13"]\nGBP = 1.1\n',
     r"ws/ccc.toml:3: \[currency\] rates.'2026-13': not a period"),
    ('[currency]\nreporting = "EUR"\n[currency.rates."2026-10"]\nGBP = -1\n',
     r"ws/ccc.toml:4: \[currency\] rates.'2026-10'.GBP = -1: a rate must be a positive number"),
    ('[currency]\nreporting = "EUR"\n[currency.rates."2026-10"]\ngbp = 1.2\n',
     r"ws/ccc.toml:4: \[currency\] rates.'2026-10': 'gbp' is not a three-letter"),
    ('[currency]\nreporting = "EUR"\nrate = 1\n', r"ws/ccc.toml:3: \[currency\] unknown key 'rate'"),
])
def test_a_mistake_in_the_rates_is_one_line_naming_the_file_and_line(text, message):
    with pytest.raises(WorkspaceError, match=message) as err:
        rates(text)
    assert "\n" not in str(err.value)


def two_contracts(ws):
    ws.contract(contract(extra=COST_KPIS))
    brit = contract(extra=COST_KPIS).replace('id = "acme"', 'id = "brit"').replace(
        'ccc = "CallCo"', 'ccc = "BritCall"\ncurrency = "GBP"')
    ws.contract(brit)
    ws.calls(Calls().october())
    ws.invoice("handled-voice,28,3.20,89.60", "email-minutes,40,0.50,20.00", "platform,1,1500,1500",
               "overtime,3,40,120")
    evaluate(ws.db, period="2026-10", as_of="2026-11-16")


def test_the_portfolio_totals_money_in_the_reporting_currency_with_the_rate_used(ws):
    two_contracts(ws)
    money = build_portfolio(ws.db, "2026-10", as_of="2026-11-16", rates=rates())["money"]
    rows = {r["contract_id"]: r for r in money["contracts"]}
    # both price the same 40 contacts: 82.00 + 25.00 + 1,500 = 1,607.00, acme in EUR, brit in GBP
    assert (rows["acme"]["currency"], rows["acme"]["expected"], rows["acme"]["invoiced"]) == ("EUR", 1607.0, 1729.6)
    assert (rows["brit"]["currency"], rows["brit"]["expected"], rows["brit"]["invoiced"]) == ("GBP", 1607.0, None)
    assert rows["brit"]["rate_text"] == "1 GBP = 1.2 EUR (2026-10)"
    assert rows["brit"]["reporting"]["expected"] == 1928.40  # 1,607.00 × 1.20
    # totals in EUR: expected 1,607.00 + 1,928.40; nothing credited; invoiced only acme's 1,729.60
    assert money["totals"] == {"credits": 0.0, "expected": 3535.40, "due": 3535.40, "invoiced": 1729.60}
    assert money["rates_used"] == ["1 GBP = 1.2 EUR (2026-10)"] and money["not_converted"] == []
    assert money["by_currency"]["GBP"]["expected"] == 1607.0


def test_cost_kpis_in_two_currencies_are_ranked_on_the_converted_figures_or_not_at_all(ws):
    two_contracts(ws)
    portfolio = build_portfolio(ws.db, "2026-10", as_of="2026-11-16", rates=rates())
    group = next(g for g in portfolio["groups"] if g["metric"] == "cost_per_contact" and not g["channel"])
    entries = {e["contract_id"]: e for e in group["entries"]}
    # 1,607 ÷ 40 = 40.175 in each currency; brit's is 48.21 EUR at 1.20: acme is cheaper, rank 1
    assert entries["brit"]["compare"] == pytest.approx(48.21) and entries["brit"]["currency"] == "GBP"
    assert (entries["acme"]["rank"], entries["brit"]["rank"]) == (1, 2)
    assert group["note"] == "ranked on the figures in EUR"
    # without rates the two cannot be compared: not ranked, and said why
    bare = build_portfolio(ws.db, "2026-10", as_of="2026-11-16")
    group = next(g for g in bare["groups"] if g["metric"] == "cost_per_contact" and not g["channel"])
    assert all(e["rank"] is None for e in group["entries"])
    assert group["note"].startswith("figures in EUR, GBP: not ranked")
    assert bare["money"]["totals"] is None and set(bare["money"]["by_currency"]) == {"EUR", "GBP"}
