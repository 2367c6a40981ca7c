"""The command palette's own commands, named `verb: object` (posting style)."""

from __future__ import annotations

import asyncio
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from . import data
from ..textsafe import visible
from .widgets.format import user_markup


class CccCommands(Provider):
    """`open: contract X`, `show: portfolio|breaches|reviews`, `toggle: theme`, `show: help`."""

    async def startup(self) -> None:
        app = self.app

        def load() -> list[data.ContractRow]:
            try:
                db = data.connect(app.store)
            except Exception:  # the palette still offers the other commands
                return []
            try:
                return data.latest_contracts(db)
            finally:
                db.conn.close()

        self.contracts = await asyncio.to_thread(load)

    def commands(self) -> list[tuple[str, object, str]]:
        app = self.app
        out = [
            ("show: portfolio", app.action_show_portfolio, "every contract, worst first"),
            ("show: breaches", app.action_show_breaches, "every breach across contracts"),
            ("show: reviews", app.action_show_reviews, "due and overdue reviews"),
            ("toggle: theme", app.action_toggle_theme, "switch between light and dark"),
            ("show: help", app.action_help, "keys and screens"),
            ("export: refresh the static site", app.action_refresh_site,
             "the portfolio, a page per contract and its packs in site/ (as ccc export site site)"),
        ]
        for c in getattr(self, "contracts", []):
            # The palette reads its help as markup; ids, clients and CCCs come from contract files.
            out.append((f"open: contract {visible(c.contract_id)}", partial(app.open_contract, c.contract_id),
                        user_markup(f"{c.client} ⇄ {c.ccc}")))
        return out

    async def discover(self) -> Hits:
        for text, command, help_text in self.commands():
            yield DiscoveryHit(text, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, command, help_text in self.commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, matcher.highlight(text), command, text=text, help=help_text)
