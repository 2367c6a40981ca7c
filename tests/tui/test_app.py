"""Pilot tests: drive the app from the keyboard and check both the screen and the database."""

from __future__ import annotations

import asyncio
import functools
import os
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from tui_waiting import settle

from ccc_governance import trail
from ccc_governance.store.db import open_db
from ccc_governance.tui.app import CccApp
from ccc_governance.tui.screens.breaches import BreachesScreen
from ccc_governance.tui.screens.contract import ContractScreen
from ccc_governance.tui.screens.help import HelpScreen
from ccc_governance.tui.screens.kpi import KpiScreen
from ccc_governance.tui.screens.modals import ActionModal, NoteModal, ReviewModal
from ccc_governance.tui.screens.portfolio import PortfolioScreen
from ccc_governance.tui.screens.reviews import ReviewsScreen


def sync(test):
    """Run an async Pilot test with asyncio (no async pytest plugin is installed)."""

    @functools.wraps(test)
    def run(*args, **kwargs):
        return asyncio.run(test(*args, **kwargs))

    return run




def pane_text(static) -> str:
    """What a Static holding a rich renderable (a Group, a Table) shows, as plain text."""
    from rich.console import Console

    console = Console(width=160, record=True, file=open("/dev/null", "w"))
    console.print(static.content)
    return console.export_text()


def table_rows(screen, selector: str = "DataTable") -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def query(path, sql, args=()):
    conn = open_db(path, create=False).conn
    try:
        return [tuple(r) for r in conn.execute(sql, args).fetchall()]
    finally:
        conn.close()


@sync
async def test_key_scenario_worst_contract_to_acknowledged_breach(fixture_db, as_of, monkeypatch):
    who = "postgres" if os.environ.get("CCC_TEST_PG") else "vm-anna"  # (PostgreSQL: the session's role)
    if who == "vm-anna":
        monkeypatch.setenv("CCC_ACTOR", who)
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, PortfolioScreen)
        rows = table_rows(screen)
        assert rows[0][:5] == ["acme-support", "Acme", "TelePerf", "2026-10", "breached"]
        assert rows[0][5].startswith("SL 62.0% vs 80.0% ")  # why: the worst KPI, actual vs target, its move
        assert rows[0][6:8] == ["1", "1,500.00 EUR"]
        assert rows[0][8] == "2026-10 by 2026-11-10 overdue"
        assert screen.title == "Portfolio"
        await pilot.press("enter")  # the worst contract is under the cursor
        await settle(app, pilot)
        assert isinstance(app.screen, ContractScreen)
        assert app.screen.title == "Portfolio › acme-support"
        kpis = table_rows(app.screen, "#kpis")
        assert kpis[0][:5] == ["service-level", "62.0%", "80.0%", "70.0%", "breached"]
        await pilot.press("enter")  # its breached KPI
        await settle(app, pilot)
        assert isinstance(app.screen, KpiScreen)
        why = str(app.screen.query_one("#why", Static).render())
        assert "= 620 / 1,000" in why and "vendor-reported 67.0%" in why and "breach #1" in why
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, NoteModal)
        await pilot.press(*"staffing gap")
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, KpiScreen)
        why = str(app.screen.query_one("#why", Static).render())
        # The breach's history: the as-of day, the change, who made it, when really, the note.
        assert "acknowledged" in why and f"12 Nov 2026  open → acknowledged  by {who} (" in why
        assert "UTC)  staffing gap" in why
    assert query(fixture_db, "SELECT status FROM breaches WHERE id = 1") == [("acknowledged",)]
    assert query(fixture_db, "SELECT status_from, status_to, note FROM breach_events WHERE breach_id = 1") == [
        ("open", "acknowledged", "staffing gap")
    ]


@sync
async def test_filter_and_status_cycle(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash", *"globex")
        assert [r[0] for r in table_rows(app.screen)] == ["globex-help"]
        await pilot.press("escape")  # clears the filter
        assert app.screen.query_one("#filter", Input).value == ""
        await pilot.press("s")  # status: breached
        assert [r[0] for r in table_rows(app.screen)] == ["acme-support"]
        await pilot.press("s", "s")  # status: met
        assert [r[0] for r in table_rows(app.screen)] == ["acme-sales"]
        assert str(app.screen.query_one("#imports", Static).render()) == (
            "as of 2026-11-12 · imported (real time, UTC) 2 Nov 2026 06:00: asterisk")


@sync
async def test_period_selector_moves_between_stored_periods(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.period == "2026-10"
        await pilot.press("p")
        await settle(app, pilot)
        assert app.screen.period == "2026-09"
        assert table_rows(app.screen, "#kpis")[0][1:5] == ["89.0%", "80.0%", "70.0%", "met"]
        await pilot.press("n", "n")  # the second 'next' is beyond the last period: stays
        await settle(app, pilot)
        assert app.screen.period == "2026-10"
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)


@sync
async def test_breaches_screen_dispute_waive_and_cancel(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert isinstance(app.screen, BreachesScreen)
        rows = table_rows(app.screen)
        assert [r[0] for r in rows] == ["1", "2"]  # open before acknowledged
        await pilot.press("d", *"figures wrong", "enter")
        await settle(app, pilot)
        await pilot.press("down", "w", *"goodwill", "enter")
        await settle(app, pilot)
        await pilot.press("c", "escape")  # cancelled: nothing written
        await settle(app, pilot)
        rows = table_rows(app.screen)
        assert (rows[0][6], rows[0][7]) == ("disputed", "figures wrong")
    assert query(fixture_db, "SELECT id, status FROM breaches ORDER BY id") == [(1, "disputed"), (2, "waived")]
    assert query(fixture_db, "SELECT breach_id, note FROM breach_events ORDER BY id") == [
        (1, "figures wrong"), (2, "goodwill")
    ]


@sync
async def test_enter_on_a_breach_opens_its_kpi(fixture_db, as_of):
    """The breaches screen asks the app for the KPI screen (an `OpenKpi` message), as the contract screen does."""
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        breach = table_rows(app.screen)[1]
        await pilot.press("down", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, KpiScreen)
        assert (screen.contract_id, screen.kpi_id, screen.period) == tuple(breach[1:4])
        assert f"breach #{breach[0]}" in str(screen.query_one("#why", Static).render())
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, BreachesScreen)


@sync
async def test_close_from_breaches_and_reopen(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press("c", *"paid", "enter")
        await settle(app, pilot)
        await pilot.press("o", *"mistake", "enter")
        await settle(app, pilot)
    assert query(fixture_db, "SELECT status_to FROM breach_events WHERE breach_id = 1 ORDER BY id") == [
        ("closed",), ("open",)
    ]


@sync
async def test_reviews_record_held_and_add_action(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewsScreen)
        first = table_rows(app.screen)[0]
        assert first[:3] == ["acme-support", "2026-10", "overdue"]
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, ReviewModal)
        await pilot.press("enter")  # keep the date (as of)
        await pilot.press(*"Ann, Bob", "enter")
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, ActionModal)
        await pilot.press(*"Recruit 3 agents", "enter", *"TelePerf", "enter", *"2026-12-01", "enter")
        await settle(app, pilot)
    assert query(fixture_db, "SELECT held_on, attendees FROM reviews WHERE contract_id='acme-support' AND period='2026-10'") == [
        ("2026-11-12", '["Ann", "Bob"]')
    ]
    actions = query(fixture_db, "SELECT a.title, a.owner, a.due, r.period FROM actions a LEFT JOIN reviews r ON r.id = a.review_id")
    assert actions == [("Recruit 3 agents", "TelePerf", "2026-12-01", "2026-10")]


@sync
async def test_bad_date_keeps_the_modal_open_with_a_message(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        await pilot.press("n", *"Fix IVR", "enter", "enter", *"next week", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ActionModal)
        assert "is not a date" in str(app.screen.query_one("#dialog-error").render())
        await pilot.press("escape")
    assert query(fixture_db, "SELECT COUNT(*) FROM actions") == [(0,)]


@sync
async def test_help_theme_and_palette(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, PortfolioScreen)
        assert app.current_theme.dark
        await pilot.press("ctrl+t")
        assert not app.current_theme.dark
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"open: contract globex")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ContractScreen) and app.screen.contract_id == "globex-help"


@sync
async def test_mouse_click_opens_a_contract(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        table = app.screen.query_one(DataTable)
        await pilot.click(table, offset=(2, 2))  # the second data row (row 0 is the header)
        await pilot.click(table, offset=(2, 2))
        await settle(app, pilot)
        assert isinstance(app.screen, ContractScreen) and app.screen.contract_id == "globex-help"


@sync
async def test_empty_database_says_what_to_do(tmp_path, as_of):
    from ccc_governance.store.db import open_db

    open_db(tmp_path / "empty.db").conn.close()
    app = CccApp(tmp_path / "empty.db", as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "no contracts yet" in str(app.screen.query_one("#problem", Static).render())


@sync
async def test_missing_database_is_a_message_not_a_crash(tmp_path, as_of):
    app = CccApp(tmp_path / "missing.db", as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert "no database here yet" in str(app.screen.query_one("#problem", Static).render())
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.sqlite_only  # (SQLite's write lock; PostgreSQL's reads and writes do not wait on an import)
@sync
async def test_locked_database_on_write_is_a_message_and_nothing_changes(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        blocker = sqlite3.connect(fixture_db)
        blocker.execute("BEGIN IMMEDIATE")  # what a running import holds
        try:
            await pilot.press("a", *"late", "enter")
            await settle(app, pilot)
            messages = [n.message for n in app._notifications]
            assert any("locked by another ccc process" in m for m in messages), messages
        finally:
            blocker.rollback()
            blocker.close()
    assert query(fixture_db, "SELECT status FROM breaches WHERE id = 1") == [("open",)]


@sync
async def test_detail_pane_follows_the_cursor_and_jumps_do_not_pile_up(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        pane = pane_text(app.screen.query_one("#detail", Static))
        assert "acme-support" in pane and "Service level" in pane and "62.0%" in pane
        await pilot.press("down")
        await pilot.pause()
        second = table_rows(app.screen)[1][0]
        assert second in pane_text(app.screen.query_one("#detail", Static))
        await pilot.press("enter")  # a contract, then jumps: each replaces the last, Esc leads home
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert [type(s).__name__ for s in app.screen_stack[1:]] == ["PortfolioScreen", "ReviewsScreen"]
        assert app.screen.title == "Portfolio › Reviews"
        await pilot.press("g")
        await settle(app, pilot)
        assert isinstance(app.screen, PortfolioScreen)


@sync
async def test_no_detail_pane_at_80x24(fixture_db, as_of):
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert not app.screen.query_one("#detail", Static).display
        assert table_rows(app.screen)[0][:3] == ["acme-support", "breached", table_rows(app.screen)[0][2]]
        assert table_rows(app.screen)[0][2].startswith("SL 62.0% vs 80.0%")


@sync
async def test_chart_axis_says_the_target_and_breach_exactly_and_never_repeats(fixture_db, as_of):
    from ccc_governance.tui.widgets.line_chart import LineChart

    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        lines = str(app.screen.query_one(LineChart).render()).splitlines()[:-1]
        labels = [line.split("│")[0].strip() for line in lines]
        assert [line.split("│")[0].strip() for line in lines if line.endswith("target")] == ["80%"]
        assert [line.split("│")[0].strip() for line in lines if line.endswith("breach")] == ["70%"]
        assert all(a != b for a, b in zip(labels, labels[1:])), labels


@sync
async def test_refresh_shows_what_others_changed_and_who(fixture_db, as_of):
    """A shared store: someone else acknowledges a breach while the TUI is open; F5 reloads the
    screen and one notice says who changed what. The TUI's own changes are not announced."""
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("b")
        await settle(app, pilot)
        assert table_rows(app.screen)[0][:2] == ["1", "acme-support"]
        assert "open" in table_rows(app.screen)[0]
        db = open_db(fixture_db)
        with db.conn:
            db.execute("UPDATE breaches SET status = 'acknowledged' WHERE id = 1")
            trail.record_change(db, "breach.status", contract_id="acme-support", record="breaches:1",
                                before={"status": "open"}, after={"status": "acknowledged"}, actor="bob")
        db.conn.close()
        assert not any("by others" in str(n.title) for n in app._notifications)
        await pilot.press("f5")
        await settle(app, pilot)
        assert "acknowledged" in table_rows(app.screen)[0]
        notes = [n for n in app._notifications if "by others" in str(n.title)]
        assert len(notes) == 1 and notes[0].title == "1 change(s) by others since you looked"
        assert "UTC bob · breach.status breaches:1 (acme-support) status: open → acknowledged" in notes[0].message
        await pilot.press("f5")  # nothing new: no second notice
        await settle(app, pilot)
        assert len([n for n in app._notifications if "by others" in str(n.title)]) == 1


@sync
async def test_tables_sort_by_any_column_and_come_back_to_worst_first(fixture_db, as_of):
    """`>` steps the sort through the columns (▲ then ▼), `<` steps back to the screen's own order;
    a click on a header sorts by it. Numbers compare as numbers, the cursor stays on its row."""
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        worst_first = [r[0] for r in table_rows(app.screen)]
        assert worst_first[0] == "acme-support"
        await pilot.press("greater_than_sign")  # contract id, ascending
        assert [r[0] for r in table_rows(app.screen)] == sorted(worst_first)
        table = app.screen.query_one(DataTable)
        assert str(table.ordered_columns[0].label).endswith(" ▲")
        await pilot.press("greater_than_sign")  # descending
        assert [r[0] for r in table_rows(app.screen)] == sorted(worst_first, reverse=True)
        assert str(table.ordered_columns[0].label).endswith(" ▼")
        await pilot.press("less_than_sign", "less_than_sign")  # back to worst first, no arrow
        assert [r[0] for r in table_rows(app.screen)] == worst_first
        assert not str(table.ordered_columns[0].label).endswith(("▲", "▼"))
        await pilot.press("b")
        await settle(app, pilot)
        breaches = app.screen.query_one(DataTable)
        names = [str(c.label) for c in breaches.ordered_columns]
        actual = names.index("Actual")
        await pilot.click(breaches, offset=(sum(c.get_render_width(breaches) for c in breaches.ordered_columns[:actual]) + 2, 0))
        await settle(app, pilot)
        values = [float(r[actual].rstrip("%")) for r in table_rows(app.screen)]
        assert values == sorted(values) and str(breaches.ordered_columns[actual].label) == "Actual ▲"


@sync
async def test_palette_refreshes_the_static_site_and_refuses_a_foreign_folder(fixture_db, as_of):
    """`export: refresh the static site` writes site/ beside the database, as `ccc export site`; a
    site/ holding someone else's file is refused in one notice and that file is left alone."""
    site = Path(fixture_db).parent / "site"
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export: refresh the static site")
        await app.workers.wait_for_complete()
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        index = (site / "index.html").read_text(encoding="utf-8")
        assert "acme-support" in index and 'href="' in index
        assert any(str(n.message).startswith("site refreshed: ") for n in app._notifications)
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    app = CccApp(fixture_db, as_of)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        app.action_refresh_site()
        await settle(app, pilot)
        errors = [str(n.message) for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1 and "notes.txt" in errors[0]
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"


@sync
async def test_the_pre_read_pack_uses_the_workspaces_iso18295_settings(fixture_db, as_of, monkeypatch):
    """`ccc tui` hands the app ccc.toml's pack settings: a breach open 10 days is "not followed up" with
    `breach_follow_up_days = 0` (the default, 14 days, says "within the follow-up time")."""
    from ccc_governance.cli.context import AppContext
    from ccc_governance.cli.tui import _pack_settings

    folder = Path(fixture_db).parent
    (folder / "ccc.toml").write_text('[workspace]\ndatabase = "ccc.db"\n\n[iso18295]\nbreach_follow_up_days = 0\n',
                                     encoding="utf-8")
    monkeypatch.chdir(folder)
    monkeypatch.delenv("CCC_DB", raising=False)
    app = CccApp(fixture_db, as_of, pack_settings=lambda: _pack_settings(AppContext()))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        assert isinstance(app.screen, ReviewsScreen)
        await pilot.press("o")
        await app.workers.wait_for_complete()
        await pilot.pause()
    [pack] = (folder / "packs").glob("acme-support_*.html")
    html = pack.read_text(encoding="utf-8")
    assert "open 10 days with no follow-up" in html and "within the follow-up time" not in html
