"""Due and overdue reviews: record one as held, add actions, open the pre-read pack."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header

from .. import data
from ..widgets import format as fmt
from ..widgets.sortable import SortableTable
from .base import DataScreen
from .modals import ActionModal, ReviewModal


class ReviewsScreen(DataScreen):
    """The review calendar across contracts, worst first."""

    AUTO_FOCUS = "#reviews"
    crumb = "Reviews"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="reviews.back"),
        Binding("h", "held", "Record held", id="reviews.held"),
        Binding("n", "new_action", "Add action", id="reviews.action"),
        Binding("o", "pack", "Pre-read pack", id="reviews.pack"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield SortableTable(id="reviews", cursor_type="row", zebra_stripes=True, classes="main")
        yield Footer(compact=True, show_command_palette=False)  # ^p is in the help

    def on_mount(self) -> None:
        table = self.query_one(SortableTable)
        for label, key in (("Contract", "contract"), ("Period", "period"), ("State", "state"),
                           ("Pre-read by", "pre_read"), ("Hold by", "hold_by"), ("Held on", "held_on"),
                           ("Open actions", "actions")):
            table.add_column(label, key=key)
        table.focus()
        super().on_mount()

    def fetch_data(self, db) -> list[dict]:
        return data.reviews_to_show(db, self.app.as_of)

    def show_data(self, rows: list[dict]) -> None:
        before = self.current()
        self.rows = rows
        table = self.query_one(SortableTable)
        table.clear()
        for r in rows:
            table.add_row(
                fmt.user_text(r["contract_id"]), r["period"], fmt.status(r["state"]), r.get("pre_read_on") or "—",
                r.get("hold_by") or "—", r.get("held_on") or "—", str(r["open_actions"]),
                key=f"{r['contract_id']}|{r['period']}",
            )
        table.apply_sort()
        # Keep the cursor on the same review when a write re-sorts the list.
        key = f"{before['contract_id']}|{before['period']}" if before else None
        if key and key in table.rows:
            table.move_cursor(row=table.get_row_index(key))

    def current(self) -> dict | None:
        table = self.query_one(SortableTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((r for r in self.rows if f"{r['contract_id']}|{r['period']}" == key), None)

    def action_held(self) -> None:
        review = self.current()
        if review is None:
            return
        if review.get("held_on"):
            self.app.notify(f"the {review['period']} review of {review['contract_id']} is already recorded",
                            severity="warning")
            return

        def done(result: dict | None) -> None:
            if result is None:
                return
            cid, period = review["contract_id"], review["period"]

            def write(db) -> str:
                data.record_review(db, cid, period, result["held_on"], result["attendees"])
                return f"{cid} {period} review recorded as held on {result['held_on']}"

            self.run_write(write)

        self.app.push_screen(
            ReviewModal(f"Record the {review['period']} review of {review['contract_id']}", self.app.as_of), done
        )

    def action_new_action(self) -> None:
        review = self.current()
        if review is None:
            return

        def done(result: dict | None) -> None:
            if result is None:
                return
            cid, as_of = review["contract_id"], self.app.as_of
            # Link the action to the review when that review has been held; otherwise to the contract.
            period = review["period"] if review.get("held_on") else None

            def write(db) -> str:
                aid = data.add_action(db, cid, result["title"], owner=result["owner"], due=result["due"],
                                      review_period=period, as_of=as_of)
                return f"action #{aid} added to {cid}"

            self.run_write(write)

        self.app.push_screen(ActionModal(f"New action for {review['contract_id']}"), done)

    def action_pack(self) -> None:
        review = self.current()
        if review is None:
            return
        cid, period, as_of = review["contract_id"], review["period"], self.app.as_of
        out_dir = self.app.db_path.parent / "packs"

        def write(db) -> str:
            path = data.pre_read_pack(db, cid, period, as_of, out_dir, **self.app.pack_settings())
            return f"pre-read pack written to {path}"

        self.run_write(write)
