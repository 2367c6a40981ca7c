"""Users' text in the TUI: control characters shown visible, markup never interpreted (issue #11,
item 10); the portfolio's footer keeps the as-of day and the real import instant apart (item 18)."""

from __future__ import annotations

import asyncio
from datetime import date

from textual.widgets import DataTable, Label, Static
from textual.widgets._data_table import default_cell_formatter

from tui_waiting import settle

from ccc_governance.portfolio import ImportInfo
from ccc_governance.store.db import open_db
from ccc_governance.tui import data
from ccc_governance.tui.app import CccApp
from ccc_governance.tui.screens.modals import ReviewModal
from ccc_governance.tui.widgets.format import imports_line

HOSTILE = "x\x1b]0;pwned\x07[red]y[/red]"
SHOWN = "x\\x1b]0;pwned\\x07[red]y[/red]"


def _shown_cells(screen, selector: str = "DataTable") -> list[list[str]]:
    """Each cell as the table draws it (a str cell is read as markup there)."""
    table = screen.query_one(selector, DataTable)
    return [[default_cell_formatter(c).plain for c in table.get_row_at(i)] for i in range(table.row_count)]


def _make_hostile(path, as_of) -> None:
    conn = open_db(path).conn
    conn.execute("UPDATE contract_versions SET title = ?, client = ? WHERE contract_id = 'acme-support'",
                 [HOSTILE, HOSTILE])
    conn.commit()
    conn.close()
    db = open_db(path)
    try:
        data.set_breach_status(db, 1, "acknowledged", HOSTILE, as_of)
        data.add_action(db, "acme-support", HOSTILE, owner=HOSTILE, due=None, review_period=None, as_of=as_of)
    finally:
        db.conn.close()


def test_users_text_is_visible_and_never_markup(fixture_db, as_of):
    _make_hostile(fixture_db, as_of)

    async def run():
        app = CccApp(fixture_db, as_of)
        async with app.run_test(size=(160, 40)) as pilot:  # wide: the client and CCC columns are shown
            await settle(app, pilot)
            portfolio = _shown_cells(app.screen)
            assert [SHOWN] in [row[1:2] for row in portfolio]  # the client column
            from rich.console import Console

            console = Console(width=160, record=True, file=open("/dev/null", "w"))
            console.print(app.screen.query_one("#detail", Static).content)
            pane = console.export_text()  # the detail pane of the highlighted (hostile) contract
            assert SHOWN in pane and "\x1b" not in pane and "\x07" not in pane
            await pilot.press("b")
            await settle(app, pilot)
            breaches = _shown_cells(app.screen)
            assert SHOWN in [row[-1] for row in breaches]  # the last note
            await pilot.press("escape")
            await settle(app, pilot)
            await pilot.press("enter")  # acme-support, the worst contract
            await settle(app, pilot)
            head = str(app.screen.query_one("#contract-head", Static).render())
            assert head.startswith(f"{SHOWN} · {SHOWN} ⇄ TelePerf")
            actions = str(app.screen.query_one("#actions", Static).render())
            assert f"{SHOWN}  owner {SHOWN}" in actions
            rendered = head + actions + "".join(c for row in portfolio + breaches for c in row)
            assert "\x1b" not in rendered and "\x07" not in rendered

    asyncio.run(run())


def test_a_form_error_quoting_the_input_is_not_markup(fixture_db, as_of):
    async def run():
        app = CccApp(fixture_db, as_of)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            app.push_screen(ReviewModal("Record [b]x[/b]", as_of))
            await pilot.pause()
            modal = app.screen
            modal.query_one("#field-held_on").value = "[red]soon\x1b]0;t\x07"
            modal.query_one("#field-attendees").focus()
            await pilot.press("enter")
            await pilot.pause()
            error = str(modal.query_one("#dialog-error", Label).render())
            assert error == "held on '[red]soon\\x1b]0;t\\x07' is not a date (expected YYYY-MM-DD)"
            assert str(modal.query_one("#dialog-title", Label).render()) == "Record [b]x[/b]"

    asyncio.run(run())


# --------------------------------------------------------------------------- the footer


def test_footer_says_an_import_after_the_as_of_day_is_real_time():
    line = imports_line([ImportInfo("asterisk", "2026-12-05 08:42", 5), ImportInfo("zendesk", "2026-12-05 08:42", 2),
                         ImportInfo("csv", "2026-11-02 06:00", 1)], date(2026, 11, 16))
    assert line.plain == ("as of 2026-11-16 · imported (real time, UTC) 5 Dec 2026 08:42, after the as-of day: "
                          "asterisk, zendesk; 2 Nov 2026 06:00: csv")
    # the real instant is never written like the as-of day, so it cannot pass for "today"
    assert "2026-12-05" not in line.plain


def test_footer_before_the_as_of_day_and_without_imports():
    assert imports_line([ImportInfo("asterisk", "2026-11-16 23:59", 1)], date(2026, 11, 16)).plain == (
        "as of 2026-11-16 · imported (real time, UTC) 16 Nov 2026 23:59: asterisk")
    assert imports_line([], date(2026, 11, 16)).plain == "as of 2026-11-16 · no data imported yet"


def test_portfolio_footer_with_an_import_later_than_the_as_of_day(fixture_db):
    # the demo's case: data imported (really) on 5 December, the screen as of 16 November
    conn = open_db(fixture_db).conn
    conn.execute("UPDATE batches SET finished_at = '2026-12-05T08:42:10Z'")
    conn.commit()
    conn.close()

    async def run():
        app = CccApp(fixture_db, date(2026, 11, 16))
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            footer = str(app.screen.query_one("#imports", Static).render())
            assert footer == "as of 2026-11-16 · imported (real time, UTC) 5 Dec 2026 08:42, after the as-of day: asterisk"

    asyncio.run(run())
