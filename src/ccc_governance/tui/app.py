"""The ccc-governance TUI: the app, its global keys, themes and the one place errors are shown."""

from __future__ import annotations

import gc
from datetime import date
from pathlib import Path
from typing import Callable

from textual.app import App
from textual.binding import Binding

from ..textsafe import visible
from . import data
from .commands import CccCommands
from .messages import DataFailed, OpenKpi, OthersChanged
from .screens.portfolio import PortfolioScreen
from .widgets.format import user_markup

# The other screens are imported when first opened: the portfolio shows sooner (issue #13).

DARK, LIGHT = "textual-dark", "textual-light"


class CccApp(App):
    """Portfolio → contract → KPI drill-down, plus breaches and reviews; reads the workspace database."""

    CSS_PATH = "app.tcss"
    TITLE = "ccc-governance"
    COMMANDS = App.COMMANDS | {CccCommands}
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
        Binding("g,home", "show_portfolio", "Home", key_display="g", id="app.home"),
        Binding("b", "show_breaches", "Breaches", id="app.breaches"),
        Binding("r", "show_reviews", "Reviews", id="app.reviews"),
        Binding("f5,ctrl+r", "refresh", "Refresh", key_display="F5", show=False, id="app.refresh"),
        Binding("ctrl+t", "toggle_theme", "Theme", show=False, id="app.theme"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, db_path: str | Path, as_of: date, *, theme: str = DARK, store=None,
                 gc_paused: bool = False, pack_settings: Callable[[], dict] | None = None) -> None:
        """`db_path`: the workspace's SQLite file (packs are written beside it); `store`: the
        store when it is another one (a PostgreSQL `StoreLocation`); `gc_paused`: the caller paused
        the cyclic garbage collector for the start-up, for the app to resume once the first screen
        has its data (or its error), or after 10 s whatever happens (`ccc tui`); `pack_settings`:
        reads the workspace's pack settings (ccc.toml's `[export]` and `[iso18295]`) when a pack
        is written (a mistake there is then one notification); none: the defaults."""
        super().__init__()
        self.pack_settings = pack_settings or dict
        self.gc_paused = gc_paused
        self.db_path = Path(db_path)
        self.store = store if store is not None else self.db_path
        self.as_of = as_of
        self.theme = theme
        #: The last change-log entry this session has seen (None before the first load).
        self.seen_log_id: int | None = None

    def on_mount(self) -> None:
        name = self.store.display() if getattr(self.store, "is_postgres", False) else self.db_path.name
        self.sub_title = visible(f"{name} · as of {self.as_of}")
        self.push_screen(PortfolioScreen())
        if self.gc_paused:
            self.set_timer(10, self.resume_gc)

    def resume_gc(self) -> None:
        """Turn the garbage collector paused for the start-up back on (see `__init__`)."""
        if self.gc_paused:
            self.gc_paused = False
            gc.enable()

    def on_data_failed(self, message: DataFailed) -> None:
        """Every worker error ends here: one notification, and the screen stops its spinner.

        Error messages quote what users typed (an id, a date, a file name): shown visible, not as markup.
        """
        screen = self.screen
        if hasattr(screen, "set_busy"):
            screen.set_busy(False)
            screen.show_problem(message.text)
        self.notify(user_markup(message.text), title="error", severity="error", timeout=8)
        self.call_after_refresh(self.resume_gc)

    def on_others_changed(self, message: OthersChanged) -> None:
        """Changes someone else made since the last look (a shared store): one notice saying who
        changed what, the screens having reloaded already."""
        self.call_after_refresh(self.resume_gc)  # a load ended: the first screen has its data
        seen = self.seen_log_id
        self.seen_log_id = max(message.head, seen or 0)
        news = [e for e in message.entries if seen is not None and e["id"] > seen]
        if not news:
            return
        lines = [data.change_line(e) for e in news[-5:]]
        if len(news) > 5:
            lines.insert(0, f"… and {len(news) - 5} earlier")
        self.notify(user_markup("\n".join(lines)), title=f"{len(news)} change(s) by others since you looked",
                    timeout=15)

    def action_refresh_site(self) -> None:
        """Write or refresh the static site in the workspace's `site/` folder (`ccc export site site`)."""
        folder, as_of = self.db_path.parent / "site", self.as_of
        if hasattr(self.screen, "run_write"):
            self.screen.run_write(lambda db: data.refresh_site(db, folder, as_of, **self.pack_settings()))

    def action_refresh(self) -> None:
        """Read the store again (what others changed shows, with who changed it)."""
        if hasattr(self.screen, "reload"):
            self.screen.reload()

    def _home(self) -> None:
        """Back to the portfolio: what a jump (b, r, the palette) starts from, so screens never pile up."""
        while len(self.screen_stack) > 2:
            self.pop_screen()

    def open_contract(self, contract_id: str) -> None:
        """Open a contract's screen (from the palette or elsewhere), in place of any other jump."""
        from .screens.contract import ContractScreen

        self._home()
        self.push_screen(ContractScreen(contract_id))

    def on_open_kpi(self, message: OpenKpi) -> None:
        """A screen asked for a KPI's drill-down (from the contract's KPIs or a breach)."""
        from .screens.kpi import KpiScreen

        self.push_screen(KpiScreen(message.contract_id, message.kpi_id, message.period))

    def action_show_portfolio(self) -> None:
        self._home()

    def action_show_breaches(self) -> None:
        from .screens.breaches import BreachesScreen

        if not isinstance(self.screen, BreachesScreen):
            self._home()
            self.push_screen(BreachesScreen())

    def action_show_reviews(self) -> None:
        from .screens.reviews import ReviewsScreen

        if not isinstance(self.screen, ReviewsScreen):
            self._home()
            self.push_screen(ReviewsScreen())

    def action_help(self) -> None:
        from .screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.screen))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.current_theme.dark else DARK
