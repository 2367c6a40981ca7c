"""Waiting for the TUI to settle in Pilot and snapshot tests."""

from __future__ import annotations


async def settle(app, pilot, *, quiet_polls: int = 5, limit: int = 500) -> None:
    """Wait until no worker runs and the screen has shown its data, for several polls in a row.

    A key press can push a screen whose first load starts a little later, and a loaded worker's
    message is handled a little after the worker ends: under load (CI, two busy cores) one pause is
    not enough, so wait for a quiet spell instead of a fixed number of pauses.
    """
    quiet = 0
    for _ in range(limit):
        await app.workers.wait_for_complete()
        await pilot.pause(0.02)
        busy = getattr(app.screen, "busy", False) or any(w.is_running for w in app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_polls:
            return
