"""The portfolio: one row per contract, worst first, with a filter and the last imports."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from .. import data
from ..widgets import format as fmt
from .base import DataScreen

STATUS_CYCLE = ("", "breached", "at_risk", "met")


class PortfolioScreen(DataScreen):
    """Every contract's last closed period, open breaches, credits, next review and obligations."""

    AUTO_FOCUS = "#portfolio"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="portfolio.filter"),
        Binding("s", "cycle_status", "Status filter", id="portfolio.status"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="portfolio.clear"),
        Binding("f5", "refresh", "Refresh", id="portfolio.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.portfolio: data.Portfolio | None = None
        self.status_filter = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter: client, CCC or status (e.g. acme, status:breached) — press /", id="filter")
        yield Static("", id="problem")
        yield DataTable(id="portfolio", cursor_type="row", zebra_stripes=True, classes="main")
        yield Static("", id="imports")
        yield Footer()

    def on_mount(self) -> None:
        self.wide: bool | None = None
        super().on_mount()

    def on_resize(self) -> None:
        self.fill()

    def _columns(self, table: DataTable, wide: bool) -> None:
        """Wide terminals get client and CCC columns; at 80 columns the contract id stands for them."""
        table.clear(columns=True)
        names = ["Contract", "Client", "CCC"] if wide else ["Contract"]
        names += ["Period", "Status", "Open", "Credits", "Next review" if wide else "Review", "Obl."]
        for name in names:
            table.add_column(name, key=name)
        self.wide = wide

    def fetch_data(self, db) -> data.Portfolio | None:
        if not data.has_contracts(db):
            return None
        return data.portfolio(db, self.app.as_of)

    def show_data(self, result: data.Portfolio | None) -> None:
        problem = self.query_one("#problem", Static)
        if result is None:
            problem.update(
                "This database has no contracts yet.\n"
                "Register some with `ccc contract register contracts/`, import data with `ccc import`, "
                "then `ccc evaluate` — or build the demo with `make demo`."
            )
            problem.display = True
            self.query_one(DataTable).display = False
            return
        problem.display = False
        self.query_one(DataTable).display = True
        self.portfolio = result
        self.fill()
        self.query_one("#imports", Static).update(fmt.imports_line(result.imports, result.as_of))

    def show_problem(self, text: str) -> None:
        problem = self.query_one("#problem", Static)
        problem.update(fmt.user_text(text))
        problem.display = True

    def fill(self) -> None:
        """Redraw the table from the loaded portfolio, applying the filters."""
        if self.portfolio is None:
            return
        table = self.query_one(DataTable)
        text = self.query_one("#filter", Input).value
        if self.status_filter:
            text += f" status:{self.status_filter}"
        selected = self.selected_contract()
        wide = self.size.width >= 100
        if wide != self.wide:
            self._columns(table, wide)
        table.clear()
        for row in data.filter_rows(self.portfolio.rows, text):
            review = Text(
                (row.next_review if wide else (row.next_review or "").split(" by ")[0]) or "—"
            )
            if row.review_state:
                review.append(" ")
                review.append_text(fmt.status(row.review_state))
            # Ids and names come from contract files: never markup, controls visible.
            names = [row.contract_id, row.client, row.ccc] if wide else [row.contract_id]
            cells = [fmt.user_text(name) for name in names]
            cells += [
                row.period or "—",
                fmt.status(row.status),
                Text(str(row.open_breaches), style="bold red" if row.open_breaches else "dim"),
                fmt.money(row.credits_due, row.currency, short=not wide),
                review,
                Text(str(row.overdue_obligations), style="bold red" if row.overdue_obligations else "dim"),
            ]
            table.add_row(*cells, key=row.contract_id)
        if selected and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    def selected_contract(self) -> str | None:
        """The contract id under the cursor."""
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    def on_input_changed(self, event: Input.Changed) -> None:
        self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.query_one(DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        from .contract import ContractScreen

        self.app.push_screen(ContractScreen(event.row_key.value))

    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_clear_filter(self) -> None:
        self.query_one("#filter", Input).value = ""
        self.status_filter = ""
        self.sub_title = ""
        self.query_one(DataTable).focus()
        self.fill()

    def action_cycle_status(self) -> None:
        self.status_filter = STATUS_CYCLE[(STATUS_CYCLE.index(self.status_filter) + 1) % len(STATUS_CYCLE)]
        self.sub_title = f"status: {self.status_filter}" if self.status_filter else ""
        self.fill()

    def action_refresh(self) -> None:
        self.reload()
