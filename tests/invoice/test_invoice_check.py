"""`ccc invoice check`: hand-computed cases, through the real plugins, the registry and the engine.

Contacts are imported with the csv plugin (a mapping), invoices with invoice-csv; every expected
figure below is worked out by hand in the comment beside it.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from invoice_cases import CREDITS, Calls, contract, ws  # noqa: F401 - `ws` is a fixture

from ccc_governance.cli import cli
from ccc_governance.engine.evaluate import evaluate
from ccc_governance.invoicing import InvoiceCheckError, check_invoice
from ccc_governance.periods import parse_period
from ccc_governance.plugins import get_plugin_manager
from ccc_governance.testing import import_file

def by_id(check):
    return {line.line_id: line for line in check.lines}


def test_marginal_tiers_scope_over_and_under_billed_and_an_unpriced_line(ws):
    ws.contract(contract())
    ws.calls(Calls().october())
    ws.invoice("handled-voice,28,3.20,89.60", "email-minutes,40,0.50,20.00", "platform,1,1500,1500",
               "overtime,3,40,120")
    check = check_invoice(ws.db, "acme", "2026-10")
    lines = by_id(check)
    voice = lines["handled-voice"]
    # 25 sales calls + the one of 31 October 23:30 = 26 (not the queue `other`, not 1 November, not abandons):
    # 20 × 3.20 = 64.00 and 6 × 3.00 = 18.00 → 82.00; invoiced 89.60: +7.60, over 0.5 % and 1 EUR
    assert (voice.expected_quantity, voice.expected_amount, voice.invoiced_amount) == (26, 82.00, 89.60)
    assert voice.difference == 7.60 and voice.status == "over-billed" and not voice.within_tolerance
    assert voice.words == ("26 handled calls: 20 × 3.20 EUR + 6 × 3.00 EUR = 82.00 EUR; invoiced 28 × 3.20 = "
                           "89.60 EUR: +2 calls, +7.60 EUR (outside the tolerance)")
    # the line's scope: support e-mails only, 10 × (240 + 60) s = 50 minutes × 0.50 = 25.00; invoiced 20.00
    email = lines["email-minutes"]
    assert (email.expected_quantity, email.expected_amount, email.difference) == (50, 25.00, -5.00)
    assert email.status == "under-billed"
    assert lines["platform"].status == "ok" and lines["platform"].words.startswith("1 month × 1,500.00 EUR")
    assert (lines["overtime"].unit, lines["overtime"].status) == (None, "not priced")
    assert (check.expected_lines_total, check.invoiced_total, check.credits) == (1607.00, 1729.60, 0.0)
    assert not check.ok


def test_whole_volume_tiers_price_all_the_volume_at_the_tier_reached(ws):
    ws.contract(contract(tiers="whole"))
    ws.calls(Calls().october())
    ws.invoice("handled-voice,26,3.00,78.00", "email-minutes,50,0.50,25", "platform,1,1500,1500")
    check = check_invoice(ws.db, "acme", "2026-10")
    voice = by_id(check)["handled-voice"]
    # 26 ≥ 20: every call at 3.00 = 78.00
    assert (voice.expected_amount, voice.difference, voice.status) == (78.00, 0.0, "ok")
    assert voice.words == ("26 handled calls × 3.00 EUR = 78.00 EUR; invoiced 26 × 3.00 = 78.00 EUR: as expected")
    assert check.ok


def test_version_change_inside_the_quarter_prices_each_part_by_its_version(ws):
    ws.contract(contract(tier=""))
    ws.contract(contract(start="2026-11-16", voice_rate="3.05", tier="", platform="1600"))
    calls = Calls()
    for day in ("2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08", "2026-11-05", "2026-11-06",
                "2026-11-20", "2026-11-21", "2026-11-22"):
        calls.add(f"{day} 10:00:00")
    ws.calls(calls)
    for month in ("2026-10", "2026-11", "2026-12"):
        ws.invoice("platform,1,,1500", period=month)
    check = check_invoice(ws.db, "acme", parse_period("2026-Q4"))
    lines = by_id(check)
    # October 4 and 5–15 November 2 at 3.20 (19.20), from 16 November 3 at 3.05 (9.15) = 28.35
    voice = lines["handled-voice"]
    assert (voice.expected_quantity, voice.expected_amount) == (9, 28.35)
    assert voice.words.startswith("9 handled calls: 6 × 3.20 EUR + 3 × 3.05 EUR = 28.35 EUR; not invoiced")
    assert voice.status == "under-billed"
    # platform: October 1,500; November 15/30 × 1,500 + 15/30 × 1,600 = 1,550; December 1,600 → 4,650
    platform = lines["platform"]
    assert (platform.expected_quantity, platform.expected_amount) == (3, 4650.00)
    assert (platform.invoiced_quantity, platform.invoiced_amount, platform.difference) == (3, 4500.00, -150.00)


def test_credits_are_netted_from_the_total_due_and_tolerance_gives_exit_0(ws, ccc_workspace, monkeypatch):
    ws.contract(contract(extra=CREDITS))
    ws.calls(Calls().october())
    # the service level: 15 within 20 s of 26 answered + 5 abandoned = 48.4 % < 70 %: breached,
    # credit 10,000 × 5 % = 500.00
    evaluate(ws.db, contract_id="acme", period=parse_period("2026-10"), as_of="2026-11-16")
    # invoiced: voice 82.00 + e-mail 25.00 (+0.10, inside 0.5 % of 25 or 1 EUR) + platform 1,500
    # and the credit written on the invoice as a line of its own
    ws.invoice("handled-voice,26,,82.00", "email-minutes,50,0.50,25.10", "platform,1,1500,1500",
               "service-credit,1,,-500")
    check = check_invoice(ws.db, "acme", "2026-10")
    assert check.credits == 500.00
    assert (check.expected_lines_total, check.expected_total) == (1607.00, 1107.00)
    assert (check.invoiced_total, check.total_difference) == (1107.10, 0.10)
    assert by_id(check)["service-credit"].status == "credit on the invoice"
    assert check.ok
    monkeypatch.chdir(ccc_workspace.root)
    result = CliRunner().invoke(cli, ["invoice", "check", "--contract", "acme", "--period", "2026-10",
                                      "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["credits"], data["expected_total"], data["invoiced_total"]) == (500.0, 1107.0, 1107.1)
    first = data["lines"][0]
    assert {k: first[k] for k in ("line_id", "unit", "invoiced_quantity", "invoiced_amount", "expected_quantity",
                                  "expected_amount", "difference")} == {
        "line_id": "handled-voice", "unit": "handled_contact", "invoiced_quantity": 26.0, "invoiced_amount": 82.0,
        "expected_quantity": 26.0, "expected_amount": 82.0, "difference": 0.0}
    table = CliRunner().invoke(cli, ["invoice", "check", "--contract", "acme", "--period", "2026-10"])
    assert table.exit_code == 0
    assert "total due: expected 1,607.00 EUR − 500.00 EUR service credits = 1,107.00 EUR due" in table.output


def test_an_over_billed_invoice_exits_1_in_every_format(ws, ccc_workspace, monkeypatch, tmp_path):
    ws.contract(contract())
    ws.calls(Calls().october())
    ws.invoice("handled-voice,28,3.20,89.60", "email-minutes,50,0.50,25", "platform,1,1500,1500")
    monkeypatch.chdir(ccc_workspace.root)
    for fmt in ("table", "json", "md"):
        result = CliRunner().invoke(cli, ["invoice", "check", "--contract", "acme", "--period", "2026-10",
                                          "--format", fmt])
        assert result.exit_code == 1, (fmt, result.output)
        assert "+7.60" in result.output
    out = tmp_path / "check.xlsx"
    result = CliRunner().invoke(cli, ["invoice", "check", "--contract", "acme", "--period", "2026-10",
                                      "--format", "xlsx", "-o", str(out)])
    assert result.exit_code == 1 and out.read_bytes()[:2] == b"PK"


def test_a_missing_workforce_figure_is_refused_with_one_line(ws, ccc_workspace, monkeypatch):
    ws.contract(contract().replace('id = "platform"\nunit = "fixed_month"', 'id = "agents"\nunit = "fte_month"'))
    with pytest.raises(InvoiceCheckError, match="pricing line 'agents' \\(fte_month\\) needs the CCC's workforce"):
        check_invoice(ws.db, "acme", "2026-10")
    monkeypatch.chdir(ccc_workspace.root)
    result = CliRunner().invoke(cli, ["invoice", "check", "--contract", "acme", "--period", "2026-10"])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(
        "error: pricing line 'agents' (fte_month) needs the CCC's workforce figures (headcount) for 2026-10")


def test_bad_input_is_one_line_and_exit_2(ws, ccc_workspace, monkeypatch):
    ws.contract(contract())
    monkeypatch.chdir(ccc_workspace.root)
    for args, message in (
        (["--contract", "acme", "--period", "2026-10-05"], "an invoice covers whole months"),
        (["--contract", "acme", "--period", "2025-10"], "contract acme is not in force in 2025-10"),
        (["--contract", "nope", "--period", "2026-10"], "nope"),
        (["--contract", "acme", "--period", "2026-10", "--format", "xlsx"], "give -o FILE.xlsx"),
    ):
        result = CliRunner().invoke(cli, ["invoice", "check", *args])
        assert result.exit_code == 2, args
        assert result.output.startswith("error: ") and message in result.output and result.output.count("\n") == 1


WORKFORCE_MAPPING = """\
kind = "workforce"
source_id = "id"
timezone = "Europe/Paris"
timestamp_format = "%Y-%m-%d"
[fields]
day = "day"
days = "days"
headcount = "headcount"
"""


def test_fte_months_come_from_the_reported_headcount_day_weighted(ws, ccc_workspace, tmp_path):
    ws.contract(contract().replace('id = "platform"\nunit = "fixed_month"\nrate = 1500',
                                   'id = "agents"\nunit = "fte_month"\nrate = 3000'))
    (tmp_path / "wf.toml").write_text(WORKFORCE_MAPPING)
    (tmp_path / "wf.csv").write_text("id,day,days,headcount\nw1,2026-10-01,15,10\nw2,2026-10-16,16,12\n")
    import_file(ws.db, ccc_workspace, get_plugin_manager(ccc_workspace), "csv", tmp_path / "wf.csv",
                options={"mapping": str(tmp_path / "wf.toml")})
    ws.invoice("agents,11,3000,33000")
    agents = by_id(check_invoice(ws.db, "acme", "2026-10"))["agents"]
    # (10 people × 15 days + 12 × 16) / 31 days = 11.0323 FTE-months × 3,000 = 33,096.77
    assert (agents.expected_quantity, agents.expected_amount) == (11.0323, 33096.77)
    assert agents.words.startswith("11.03 FTE-months × 3,000.00 EUR = 33,096.77 EUR; invoiced 11 × 3,000.00")
    assert agents.difference == -96.77 and agents.status == "ok"  # within 0.5 % of 33,096.77 (165.48)
