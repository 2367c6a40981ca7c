"""Snapshots of the main screens on the fixed fixture database (Textual is pinned, so SVGs are stable).

Update after an intended change with `pytest tests/tui --snapshot-update` and review the SVG diff.
"""

from __future__ import annotations

import pytest

from tui_waiting import settle

from ccc_governance.tui.app import LIGHT, CccApp


async def _loaded(pilot) -> None:
    await settle(pilot.app, pilot)


def _then(*keys):
    async def run_before(pilot) -> None:
        await _loaded(pilot)
        for key in keys:
            await pilot.press(key)
            await _loaded(pilot)

    return run_before


SCREENS = [
    ("portfolio", ()),
    ("contract", ("enter",)),
    ("kpi", ("enter", "enter")),
    ("breaches", ("b",)),
    ("reviews", ("r",)),
    ("help", ("question_mark",)),
]


@pytest.mark.parametrize("size", [(160, 45), (80, 24)], ids=["160x45", "80x24"])
@pytest.mark.parametrize("name, keys", SCREENS, ids=[name for name, _ in SCREENS])
def test_screen(snap_compare, fixture_db, as_of, name, keys, size):
    """Each main screen at a vendor manager's size and at the smallest terminal (footer keys kept)."""
    assert snap_compare(CccApp(fixture_db, as_of), terminal_size=size, run_before=_then(*keys))


def test_portfolio_at_80x24_light(snap_compare, fixture_db, as_of):
    assert snap_compare(CccApp(fixture_db, as_of, theme=LIGHT), terminal_size=(80, 24), run_before=_then())
