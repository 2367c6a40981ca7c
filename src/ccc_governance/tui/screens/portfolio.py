"""The portfolio: one row per contract, worst first, with a filter and the last imports."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from .. import data
from ..widgets import format as fmt
from ..widgets.sortable import SortableTable
from .base import DataScreen

STATUS_CYCLE = ("", "breached", "at_risk", "met")


class PortfolioScreen(DataScreen):
    """Every contract's last closed period, open breaches, credits, next review and obligations."""

    AUTO_FOCUS = "#portfolio"
    crumb = "Portfolio"
    BINDINGS = [
        Binding("slash", "focus_filter", "Filter", id="portfolio.filter"),
        Binding("s", "cycle_status", "Status", id="portfolio.status"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="portfolio.clear"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.portfolio: data.Portfolio | None = None
        self.status_filter = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="filter: client, CCC or status (e.g. acme, status:breached) — press /", id="filter")
        yield Static("", id="problem")
        yield SortableTable(id="portfolio", cursor_type="row", zebra_stripes=True, classes="main")
        yield Static("", id="detail")
        yield Static("", id="imports")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.wide: bool | None = None
        super().on_mount()

    def on_resize(self) -> None:
        self.fill()
        self.show_detail()

    def _columns(self, table: DataTable, wide: bool) -> None:
        """Wide terminals get client and CCC columns; at 80 columns the contract id stands for them."""
        table.clear(columns=True)
        if wide:
            names = ["Contract", "Client", "CCC", "Period", "Status", "Why", "Open", "Credits", "Next review", "Obl."]
        else:  # 80 columns: what is wrong and why first; client, CCC and credits are in the detail
            names = ["Contract", "Status", "Why", "Open", "Review"]
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
        table = self.query_one(SortableTable)
        text = self.query_one("#filter", Input).value
        if self.status_filter:
            text += f" status:{self.status_filter}"
        selected = self.selected_contract()
        wide = self.size.width >= 140  # room for client, CCC, credits and the review date
        if wide != self.wide:
            self._columns(table, wide)
        table.clear()
        for row in data.filter_rows(self.portfolio.rows, text):
            if wide:
                review = Text(row.next_review or "—")
                if row.review_state:
                    review.append(" ")
                    review.append_text(fmt.status(row.review_state))
            else:  # 80 columns: the state is what matters; the period is in the detail
                review = fmt.status(row.review_state)
            # Ids and names come from contract files: never markup, controls visible.
            if wide:
                cells = [fmt.user_text(row.contract_id), fmt.user_text(row.client), fmt.user_text(row.ccc),
                         row.period or "—", fmt.status(row.status), fmt.why(row.worst, short=True), self._open(row),
                         fmt.money(row.credits_due, row.currency, short=False), review,
                         Text(str(row.overdue_obligations), style="bold red" if row.overdue_obligations else "dim")]
            else:
                cells = [fmt.user_text(row.contract_id), fmt.status(row.status), fmt.why(row.worst, short=True),
                         self._open(row), review]
            table.add_row(*cells, key=row.contract_id)
        table.apply_sort()
        if selected and selected in table.rows:
            table.move_cursor(row=table.get_row_index(selected))

    @staticmethod
    def _open(row) -> Text:
        return Text(str(row.open_breaches), style="bold red" if row.open_breaches else "dim")

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """The highlighted contract's KPIs, breaches and next review under the table, so that most
        questions need no Enter. Left out when the terminal is too short for it (24 lines)."""
        pane = self.query_one("#detail", Static)
        cid = self.selected_contract() if self.portfolio else None
        row = next((r for r in self.portfolio.rows if r.contract_id == cid), None) if cid else None
        pane.display = row is not None and self.size.height >= 30
        if not pane.display:
            return
        pane.update(detail(row, wide=self.size.width >= 100))

    def selected_contract(self) -> str | None:
        """The contract id under the cursor."""
        table = self.query_one(SortableTable)
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
        self.sub_title = None  # back to the app's (database · as of)
        self.query_one(DataTable).focus()
        self.fill()

    def action_cycle_status(self) -> None:
        self.status_filter = STATUS_CYCLE[(STATUS_CYCLE.index(self.status_filter) + 1) % len(STATUS_CYCLE)]
        self.sub_title = f"{self.app.sub_title} · status: {self.status_filter}" if self.status_filter else None
        self.fill()


def detail(row, *, wide: bool) -> Group:
    """The detail pane of one portfolio row: a title line, its KPIs (worst first) with status and a
    trend scaled to include target and breach, then breaches, review and obligations, and records held
    past the retention when there are any."""
    head = Text()
    head.append_text(fmt.user_text(row.contract_id, style="bold"))
    head.append(" · ")
    head.append_text(fmt.user_text(f"{row.title} · {row.client} ⇄ {row.ccc}"))
    if row.period:
        head.append(f" · period {row.period}")
    table = Table(box=None, pad_edge=False, expand=False, show_edge=False, padding=(0, 2, 0, 0))
    for name, justify in (("KPI", "left"), ("Actual", "right"), ("Target", "right"), ("Breach", "right"),
                          ("Status", "left"), ("Trend", "left")):
        table.add_column(name, justify=justify, no_wrap=True, header_style="bold")
    from ... import metrics

    for k in row.kpis[:8]:
        name = Text(metrics.title(k.metric) if wide else metrics.title(k.metric, short=True) or k.kpi_id)
        name.append(f" {k.kpi_id}", style="dim")
        trend = Text(fmt.spark(k.history, include=(k.target, k.breach)), style="cyan")
        mark = fmt.arrow(k.change, k.metric)
        if mark.plain:
            trend.append(" ")
            trend.append_text(mark)
        table.add_row(name, fmt.kpi_value(k.actual, k.metric), fmt.kpi_value(k.target, k.metric),
                      fmt.kpi_value(k.breach, k.metric), fmt.status(k.status), trend)
    if not row.kpis:
        table.add_row(Text("no closed period with results yet", style="dim"), "", "", "", "", "")
    foot = Text()
    foot.append(f"{row.open_breaches} open breach{'es' if row.open_breaches != 1 else ''}",
                style="bold red" if row.open_breaches else "")
    foot.append(" · credits ")
    foot.append(fmt.money(row.credits_due, row.currency))
    foot.append(" · next review ")
    foot.append(row.next_review or "—")
    if row.review_state:
        foot.append(" ")
        foot.append_text(fmt.status(row.review_state))
    foot.append(f" · {row.overdue_obligations} overdue obligation{'s' if row.overdue_obligations != 1 else ''}",
                style="bold red" if row.overdue_obligations else "")
    held = row.past_retention
    if not held:
        return Group(head, table, foot)
    # The words carry it, not the colour: how much is held, since when, and what to run.
    tables = ", ".join(f"{n} {t.replace('_', ' ')}" for t, n in held["counts"].items() if n)
    retention = Text(f"past retention: {held['records']} records ({tables}) held beyond {held['retention_days']} days, "
                     f"oldest from {held['oldest']}, due since {held['due_since']} · ccc purge --due", style="bold yellow")
    return Group(head, table, foot, retention)
