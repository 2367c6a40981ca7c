"""The contract screen's Invoice part (issue #17, item 6): shown when the CCC's invoice was imported, for
the screen's period (or the latest invoiced one), with each line's status, the total due against the
invoiced total and the arithmetic of the lines outside the tolerance; read in a bounded number of queries.

The workspace is set up as tests/invoice/test_invoice_check.py sets it up (a contract with `[pricing]`,
October's contacts, the invoice CSV through the invoice-csv plugin); figures are worked out by hand there
and in tests/export/test_pack_invoice.py.
"""

from __future__ import annotations

import asyncio
from datetime import date

from rich.console import Console
from textual.widgets import Static, TabbedContent

from test_bounded_queries import counting
from tui_waiting import settle

import invoice_cases
from invoice_cases import over_billed, ws  # noqa: F401 - `ws` is a fixture

from ccc_governance.tui import data
from ccc_governance.tui.app import CccApp
from ccc_governance.tui.screens.contract import ContractScreen

cases = invoice_cases

AS_OF = date(2026, 11, 16)


def shown(static) -> str:
    """What a Static holding a rich renderable shows, as plain text."""
    console = Console(width=160, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()


def open_contract(path, check) -> None:
    """Open the TUI on `path`, Enter on the first contract, and run `check(screen)` on its screen."""
    async def run():
        app = CccApp(path, AS_OF)
        async with app.run_test(size=(160, 45)) as pilot:
            await settle(app, pilot)
            await pilot.press("enter")
            await settle(app, pilot)
            assert isinstance(app.screen, ContractScreen)
            check(app.screen)

    asyncio.run(run())


def test_the_contract_screen_shows_the_invoice_part(ws, ccc_workspace):
    over_billed(ws)

    def check(screen):
        sections = screen.query_one("#sections", TabbedContent)
        assert sections.get_tab("tab-invoice").display
        sections.active = "tab-invoice"
        text = shown(screen.query_one("#invoice", Static))
        lines = [line.rstrip() for line in text.splitlines()]
        assert lines[0] == "invoice 2026-10 (EUR): outside tolerance (max of 0.5 % and 1.00 EUR)"
        assert lines[1].split() == ["Line", "Invoiced", "Expected", "Difference", "Status"]
        assert lines[2].split() == ["handled-voice", "89.60", "82.00", "+7.60", "over-billed"]
        assert lines[3].split() == ["email-minutes", "25.00", "25.00", "0.00", "ok"]
        assert lines[4].split() == ["platform", "1,500.00", "1,500.00", "0.00", "ok"]
        assert lines[5].split()[:3] == ["service-credit", "-500.00", "0.00"]
        # 82 + 25 + 1,500 = 1,607.00 less the 500.00 credit = 1,107.00 due; invoiced 1,114.60
        assert lines[6] == "due 1,107.00 (1,607.00 − 500.00 credits) · invoiced 1,114.60 · +7.60"
        # the words of the one line outside the tolerance, and of no other
        assert lines[7] == ("handled-voice: 26 handled calls: 20 × 3.20 EUR + 6 × 3.00 EUR = 82.00 EUR; invoiced "
                            "28 × 3.20 = 89.60 EUR: +2 calls, +7.60 EUR (outside the tolerance)")
        assert "email-minutes:" not in text and "platform:" not in text

    open_contract(ccc_workspace.db_path, check)


def test_no_invoice_no_invoice_part(fixture_db):
    def check(screen):
        sections = screen.query_one("#sections", TabbedContent)
        assert not sections.get_tab("tab-invoice").display
        assert screen.view.invoice is None

    open_contract(fixture_db, check)


def test_the_part_follows_the_screen_period_else_the_latest_invoice(ws):
    over_billed(ws)
    ws.invoice("platform,1,1500,1500", period="2026-09")
    october = data.contract_invoice(ws.db, "acme", "2026-10")
    assert (october.period, october.check["invoiced_total"], october.error) == ("2026-10", 1114.60, None)
    # a month without an invoice says so and names the latest one
    november = data.contract_invoice(ws.db, "acme", "2026-11")
    assert (november.period, november.check, november.error, november.latest) == ("2026-11", None, None, "2026-10")
    # no period, or one that is not whole months: the latest invoiced month
    for period in (None, "2026-W42"):
        assert data.contract_invoice(ws.db, "acme", period).period == "2026-10"
    assert data.contract_invoice(ws.db, "other", "2026-10") is None


def test_a_check_that_cannot_be_made_is_one_line(ws):
    ws.contract(cases.contract().replace('id = "platform"\nunit = "fixed_month"', 'id = "agents"\nunit = "fte_month"'))
    ws.invoice("agents,10,1500,15000")
    view = data.contract_invoice(ws.db, "acme", None)
    assert view.check is None and view.error == (
        "pricing line 'agents' (fte_month) needs the CCC's workforce figures (headcount) for 2026-10, and the store "
        "has none: import them (e.g. ccc import vendor-report …)")
    from ccc_governance.tui.screens.contract import _invoice_text

    assert str(_invoice_text(view)) == f"invoice 2026-10: cannot be checked: {view.error}"


def test_the_invoice_part_reads_in_a_bounded_number_of_queries(ws):
    """More invoice lines, and invoices of other months, add no query to the contract screen."""
    over_billed(ws)
    with counting(ws.db) as few:
        before = data.contract_view(ws.db, "acme", "2026-10", AS_OF).invoice
    ws.invoice(*(f"extra-{i},1,,0" for i in range(30)))  # 30 more (unpriced, free) October lines
    for month in ("2026-08", "2026-09"):
        ws.invoice("handled-voice,10,3.20,32", "platform,1,1500,1500", period=month)
    with counting(ws.db) as many:
        after = data.contract_view(ws.db, "acme", "2026-10", AS_OF).invoice
    assert len(after.check["lines"]) == len(before.check["lines"]) + 30
    assert len(many) == len(few), "\n".join(many)
