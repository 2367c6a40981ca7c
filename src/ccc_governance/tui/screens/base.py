"""What every data screen shares: loading in a thread worker, and writes in another.

Workers open their own connection (SQLite objects must stay in the thread that made them), call
one function of `tui/data.py`, and only post messages back. Errors are not handled here: they
become `DataFailed` messages, which the app turns into one notification (one place).
"""

from __future__ import annotations

from typing import Any, Callable

from textual import work
from textual.screen import Screen

from .. import data
from ..messages import ActionDone, DataFailed, DataLoaded, OthersChanged
from ...textsafe import visible
from ..widgets.format import user_markup


class DataScreen(Screen):
    """A screen whose content comes from `fetch_data(db)` and is shown by `show_data(result)`."""

    #: True from the start of a load until its data (or its error) has been shown.
    busy: bool = False
    #: This screen's part of the breadcrumb in the header (`Portfolio › acme-helpdesk › sl-voice`).
    crumb: str = ""

    def on_mount(self) -> None:
        self.title = breadcrumb(self)
        self.reload()

    def fetch_data(self, db) -> Any:
        """Runs in a worker thread: read what the screen shows (through `tui.data`). Overridden."""
        return None

    def show_data(self, result: Any) -> None:
        """Runs on the UI thread: put the data into the widgets. Overridden."""

    def show_problem(self, text: str) -> None:
        """Called by the app after it notified a failed load; screens may show it in place too."""

    def set_busy(self, busy: bool) -> None:
        """Show or hide the loading indicator over the screen's main widget."""
        self.busy = busy
        for widget in self.query(".main"):
            widget.loading = busy

    def reload(self) -> None:
        """Load (again) in a worker, with the loading indicator on."""
        self.set_busy(True)
        self._load()

    @work(thread=True, exclusive=True, group="load")
    def _load(self) -> None:
        path = self.app.store
        try:
            db = data.connect(path)
            try:
                result = self.fetch_data(db)
                head, news = data.changes_by_others(db, self.app.seen_log_id)
            finally:
                db.conn.close()
        except Exception as err:  # every failure becomes one message, handled by the app
            self.post_message(DataFailed(data.friendly_error(err, path)))
            return
        self.post_message(DataLoaded(result))
        self.app.post_message(OthersChanged(head, news))

    def on_data_loaded(self, message: DataLoaded) -> None:
        message.stop()
        self.set_busy(False)
        self.show_data(message.data)
        # The loading indicator takes focus away from the widget it covers; give it back.
        if self.focused is None:
            for widget in self.query(".main"):
                if widget.focusable:
                    widget.focus()
                    break

    def run_write(self, write: Callable[[Any], str]) -> None:
        """Run `write(db) -> message` in a worker; on success notify and reload."""
        self._write(write)

    @work(thread=True, exclusive=True, group="write")
    def _write(self, write: Callable[[Any], str]) -> None:
        path = self.app.store
        try:
            db = data.connect(path)
            try:
                text = write(db)
            finally:
                db.conn.close()
        except Exception as err:
            self.post_message(DataFailed(data.friendly_error(err, path)))
            return
        self.post_message(ActionDone(text))

    def on_action_done(self, message: ActionDone) -> None:
        message.stop()
        self.app.notify(user_markup(message.text), title="saved")
        self.reload()


def breadcrumb(screen: Screen) -> str:
    """Where `screen` is, from the portfolio: the crumbs of the data screens under it and its own."""
    crumbs = []
    for below in screen.app.screen_stack:
        if isinstance(below, DataScreen) and below.crumb:
            crumbs.append(below.crumb)
        if below is screen:
            break
    return visible(" › ".join(crumbs))
