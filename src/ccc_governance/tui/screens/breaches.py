"""Every breach across contracts, and the actions on a breach (shared with the KPI drill-down)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from .. import data
from ..messages import OpenKpi
from ..widgets import format as fmt
from ..widgets.sortable import SortableTable
from .base import DataScreen
from .modals import NoteModal

#: action key → (status it sets, verb shown to the user)
BREACH_ACTIONS = {
    "acknowledge": ("acknowledged", "Acknowledge"),
    "dispute": ("disputed", "Dispute"),
    "waive": ("waived", "Waive"),
    "close": ("closed", "Close"),
    "reopen": ("open", "Reopen"),
}


class BreachActions:
    """Mixin for screens that act on one breach (`current_breach()`): a note modal, then a write."""

    BREACH_BINDINGS = [
        Binding("a", "breach('acknowledge')", "Acknowledge", id="breach.acknowledge"),
        Binding("d", "breach('dispute')", "Dispute", id="breach.dispute"),
        Binding("w", "breach('waive')", "Waive", id="breach.waive"),
        Binding("c", "breach('close')", "Close", id="breach.close"),
        Binding("o", "breach('reopen')", "Reopen", id="breach.reopen"),
        # Still one key away here, but out of the footer: at 80 columns it keeps the five
        # actions, Help and Quit (the help lists them all).
        Binding("g,home", "app.show_portfolio", "Home", show=False, id="breach.home"),
        Binding("b", "app.show_breaches", "Breaches", show=False, id="breach.breaches"),
        Binding("r", "app.show_reviews", "Reviews", show=False, id="breach.reviews"),
    ]

    def current_breach(self) -> dict | None:
        """The breach the user is looking at."""
        return None

    def action_breach(self, action: str) -> None:
        breach = self.current_breach()
        if breach is None:
            self.app.notify("no breach selected here", severity="warning")
            return
        status, verb = BREACH_ACTIONS[action]
        if breach["status"] == status:
            self.app.notify(f"breach #{breach['id']} is already {status}", severity="warning")
            return
        title = f"{verb} breach #{breach['id']}: {breach['contract_id']} {breach['kpi_id']} {breach['period']}"

        def done(result: dict | None) -> None:
            if result is None:
                return
            as_of = self.app.as_of
            bid = breach["id"]

            def write(db) -> str:
                row = data.set_breach_status(db, bid, status, result["note"], as_of)
                return f"breach #{bid} is now {row['status']}"

            self.run_write(write)

        self.app.push_screen(NoteModal(title), done)


class BreachesScreen(BreachActions, DataScreen):
    """All breaches, unresolved first; act on the one under the cursor."""

    AUTO_FOCUS = "#breaches"
    crumb = "Breaches"

    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="breaches.back"), *BreachActions.BREACH_BINDINGS]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield SortableTable(id="breaches", cursor_type="row", zebra_stripes=True, classes="main")
        yield Footer(compact=True, show_command_palette=False)  # ^p is in the help

    def on_mount(self) -> None:
        table = self.query_one(SortableTable)
        for label, key in (("#", "id"), ("Contract", "contract"), ("KPI", "kpi"), ("Period", "period"),
                           ("Actual", "actual"), ("Breach", "breach"), ("Status", "status"), ("Note", "note")):
            table.add_column(label, key=key)
        table.focus()
        super().on_mount()

    def fetch_data(self, db) -> list[dict]:
        return data.breaches(db)

    def show_data(self, rows: list[dict]) -> None:
        before = self.current_breach()
        self.rows = rows
        table = self.query_one(SortableTable)
        table.clear()
        for b in rows:
            rate = fmt.is_rate(b.get("actual"), b.get("breach"), b.get("target"))
            shown = (lambda v: fmt.kpi_value(v, b["metric"])) if b.get("metric") else (lambda v: fmt.value(v, rate))
            note = fmt.user_text(fmt.breach_note(b.get("note"), b.get("metric")))
            note.overflow, note.no_wrap = "ellipsis", True
            table.add_row(
                str(b["id"]), fmt.user_text(b["contract_id"]), fmt.user_text(b["kpi_id"]), b["period"],
                shown(b.get("actual")), shown(b.get("breach")),
                fmt.status(b["status"]), note,
                key=str(b["id"]),
            )
        table.apply_sort()
        # Keep the cursor on the same breach when its new status re-sorts the list.
        if before and str(before["id"]) in table.rows:
            table.move_cursor(row=table.get_row_index(str(before["id"])))
        if not rows:
            self.app.notify("no breaches stored", title="breaches")

    def current_breach(self) -> dict | None:
        table = self.query_one(SortableTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((b for b in self.rows if str(b["id"]) == key), None)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        b = self.current_breach()
        if b:
            self.post_message(OpenKpi(b["contract_id"], b["kpi_id"], b["period"]))
