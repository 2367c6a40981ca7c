"""`ccc tui` pauses the cyclic garbage collector for its start-up (issue #13); the app turns it
back on once its first screen has its data or its error, and leaves it alone otherwise."""

from __future__ import annotations

import asyncio
import gc

from tui_waiting import settle

from ccc_governance.tui.app import CccApp
from ccc_governance.tui.screens.portfolio import PortfolioScreen


def _run(app: CccApp) -> tuple[bool, bool, int]:
    """(collector on, app still waiting to resume it, portfolio rows) once the app has settled."""

    async def go():
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(app, pilot)
            rows = app.screen.query_one("#portfolio").row_count if isinstance(app.screen, PortfolioScreen) else 0
            return gc.isenabled(), app.gc_paused, rows

    gc.disable()
    try:
        return asyncio.run(go())
    finally:
        gc.enable()


def test_the_app_resumes_the_collector_once_the_portfolio_has_its_data(fixture_db, as_of):
    enabled, waiting, rows = _run(CccApp(fixture_db, as_of, gc_paused=True))
    assert rows > 0 and enabled and not waiting


def test_the_app_resumes_it_after_a_failed_first_load(tmp_path, as_of):
    enabled, waiting, _ = _run(CccApp(tmp_path / "missing.db", as_of, gc_paused=True))
    assert enabled and not waiting


def test_an_app_that_did_not_pause_it_leaves_it_alone(fixture_db, as_of):
    enabled, waiting, rows = _run(CccApp(fixture_db, as_of))
    assert rows > 0 and not enabled and not waiting
