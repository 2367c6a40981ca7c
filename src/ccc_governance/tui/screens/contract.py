"""One contract: its KPIs for a period (with trend), and tabs for credits, the CCC's invoice (when one
was imported), exclusions, complaints, obligations and evidence, and open actions."""

from __future__ import annotations


from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Static, TabbedContent, TabPane

from ...textsafe import visible
from .. import data
from ..messages import OpenKpi
from ..widgets import format as fmt
from ..widgets.sortable import SortableTable
from .base import DataScreen


class ContractScreen(DataScreen):
    """KPIs with actual, target, breach threshold, status and a 12-period trend; a period selector."""

    AUTO_FOCUS = "#kpis"
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="contract.back"),
        Binding("p,left_square_bracket", "period(-1)", "Prev period", id="contract.prev"),
        Binding("n,right_square_bracket", "period(1)", "Next period", id="contract.next"),
    ]

    def __init__(self, contract_id: str, period: str | None = None) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.crumb = contract_id
        self.period = period
        self.view: data.ContractView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="contract-head")
        yield SortableTable(id="kpis", cursor_type="row", zebra_stripes=True, classes="main")
        with TabbedContent(id="sections"):
            with TabPane("Credits", id="tab-credits"):
                yield Static("", id="credits")
            with TabPane("Invoice", id="tab-invoice"):  # shown when an invoice was imported
                yield Static("", id="invoice")
            with TabPane("Exclusions", id="tab-exclusions"):
                yield Static("", id="exclusions")
            with TabPane("Complaints", id="tab-complaints"):
                yield Static("", id="complaints")
            with TabPane("Obligations", id="tab-obligations"):
                yield Static("", id="obligations")
            with TabPane("Actions", id="tab-actions"):
                yield Static("", id="actions")
        yield Footer(compact=True, show_command_palette=False)  # ^p is in the help

    def on_mount(self) -> None:
        table = self.query_one("#kpis", SortableTable)
        for label, key in (("KPI", "kpi"), ("Actual", "actual"), ("Target", "target"), ("Breach", "breach"),
                           ("Status", "status"), ("Volume", "volume"), ("Trend (12)", "trend")):
            table.add_column(label, key=key)
        table.focus()
        self.query_one("#sections", TabbedContent).hide_tab("tab-invoice")
        super().on_mount()

    def fetch_data(self, db) -> data.ContractView:
        return data.contract_view(db, self.contract_id, self.period, self.app.as_of)

    def show_data(self, view: data.ContractView) -> None:
        self.view = view
        self.period = view.period
        c = view.contract
        review = view.review
        review_text = f" · review {review['period']}: {review['state'].replace('_', ' ')} (by {review['hold_by']})" if review else ""
        head = fmt.user_text(f"{c.title} · {c.client} ⇄ {c.ccc} · v{c.version} · ")
        head.append(f"period {view.period or '—'}", style="bold")
        if view.period in view.periods:  # which of how many, and p/n to move
            head.append(f"  {view.periods.index(view.period) + 1} of {len(view.periods)}"
                        f" ({view.periods[0]} – {view.periods[-1]}) · p/n to step", style="dim")
        head.append(review_text, style="red" if review and review["state"] == "overdue" else "")
        self.query_one("#contract-head", Static).update(head)
        table = self.query_one("#kpis", SortableTable)
        row_before = table.cursor_row
        table.clear()
        for k in view.kpis:
            table.add_row(
                fmt.user_text(k.kpi_id),
                fmt.kpi_value(k.actual, k.metric),  # (in its metric's unit: 82.9%, 13.2 s)
                fmt.kpi_value(k.target, k.metric),
                fmt.kpi_value(k.breach, k.metric),
                fmt.status(k.status),
                "—" if k.volume is None else f"{k.volume:,.0f}",
                Text(fmt.spark(k.trend), style="cyan"),
                key=k.kpi_id,
            )
        table.apply_sort()
        if table.row_count:
            table.move_cursor(row=min(row_before, table.row_count - 1))
        self.query_one("#credits", Static).update(_credits_text(view))
        sections = self.query_one("#sections", TabbedContent)
        if view.invoice is None:
            sections.hide_tab("tab-invoice")
        else:
            sections.show_tab("tab-invoice")
            self.query_one("#invoice", Static).update(_invoice_text(view.invoice))
        self.query_one("#exclusions", Static).update(_exclusions_text(view))
        self.query_one("#complaints", Static).update(_complaints_text(view))
        self.query_one("#obligations", Static).update(_obligations_text(view))
        self.query_one("#actions", Static).update(_actions_text(view))

    def action_period(self, step: int) -> None:
        if not self.view or not self.view.periods or self.view.period not in self.view.periods:
            return
        index = self.view.periods.index(self.view.period) + step
        if 0 <= index < len(self.view.periods):
            self.period = self.view.periods[index]
            self.reload()
        else:
            self.app.notify("no stored results beyond this period", severity="warning")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.post_message(OpenKpi(self.contract_id, event.row_key.value, self.period))


def _credits_text(view: data.ContractView) -> Text:
    if not view.credits:
        return Text(f"no service credits stored for {view.period or 'this period'}", style="dim")
    out = Text()
    total = 0.0
    for line in view.credits:
        total += line.get("amount") or 0.0
        out.append(f"{visible(line.get('kpi_id') or line.get('kind', '')):<20} ")
        out.append(f"{fmt.money(line.get('amount'), line.get('currency') or view.contract.currency):>16}  ", style="bold")
        out.append(f"{visible(line.get('explanation', ''))}\n")
    out.append(f"{'total':<20} {fmt.money(total, view.contract.currency):>16}", style="bold")
    return out


def _invoice_text(invoice: data.InvoiceView):
    """The check of the CCC's invoice: the verdict, a line per pricing line with its status, the total
    due against the invoiced total, and the arithmetic of every line outside the tolerance."""
    from rich.console import Group
    from rich.table import Table

    from ...export.invoice import line_cells, verdict

    if invoice.error:
        out = Text(f"invoice {invoice.period}: cannot be checked: ", style="bold red")
        out.append(visible(invoice.error), style="")
        return out
    check = invoice.check
    if check is None:
        return Text(f"no invoice imported for {invoice.period} (the latest is for {invoice.latest})", style="dim")
    head = Text(f"invoice {check['period']} ({visible(check['currency'])}): ", style="bold")
    head.append(verdict(check), style="bold red" if not check["within_tolerance"] else "green")
    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for name, justify in (("Line", "left"), ("Invoiced", "right"), ("Expected", "right"), ("Difference", "right"),
                          ("Status", "left")):
        table.add_column(name, justify=justify, header_style="bold", no_wrap=True)
    for line in check["lines"]:
        cells = line_cells(line)
        style = "bold red" if not line["within_tolerance"] else "green" if line["status"] == "ok" else "dim"
        table.add_row(fmt.user_text(cells["line_id"]), cells["invoiced"], cells["expected"],
                      Text(cells["difference"], style="bold red" if not line["within_tolerance"] else ""),
                      Text(cells["status"], style=style))
    parts = [head, table, _invoice_total(check)]
    for line in check["lines"]:
        if not line["within_tolerance"]:
            words = Text(f"{visible(line['line_id'])}: ", style="bold red")
            words.append(visible(line["words"]))
            parts.append(words)
    parts += [Text(f"note: {visible(n)}", style="dim") for n in check["notes"]]
    return Group(*parts)


def _invoice_total(check: dict) -> Text:
    """`due 3,747.70 (9,147.70 − 5,400.00 credits) · invoiced 9,348.70 · +5,601.00`: one line (the pane
    is short; the currency is in the heading above), where `InvoiceCheck.total_words()` takes three."""
    def money(x: float) -> str:
        return f"{x:,.2f}"

    out = Text("due ", style="bold")
    out.append(money(check["expected_total"]), style="bold")
    if check["credits"]:
        out.append(f" ({money(check['expected_lines_total'])} − {money(check['credits'])} credits)")
    out.append(f" · invoiced {money(check['invoiced_total'])} · ")
    difference = check["total_difference"]
    sign = "+" if difference > 0 else "−" if difference < 0 else ""
    out.append(f"{sign}{money(abs(difference))}", style="" if check["within_tolerance"] else "bold red")
    return out


def _exclusions_text(view: data.ContractView) -> Text:
    if not view.exclusions:
        return Text("no exclusions recorded", style="dim")
    out = Text()
    for e in view.exclusions:
        out.append(f"{e.get('kind', ''):<14}", style="bold")
        out.append(f" {e.get('from')} → {e.get('to')}  {visible(e.get('reason', ''))}")
        if e.get("evidence"):
            out.append(f"  (evidence: {visible(e['evidence'])})", style="dim")
        out.append("\n")
    return out


def _complaints_text(view: data.ContractView):
    """Each complaint KPI's time-frame compliance for the period, as a table (never raw JSON)."""
    if view.complaints is None:
        return Text("no period with stored results yet", style="dim")
    if not view.complaints:
        return Text("no complaint KPI in this contract", style="dim")
    from rich.table import Table

    from ... import metrics

    table = Table(box=None, pad_edge=False, show_edge=False, padding=(0, 2, 0, 0))
    for name, justify in (("KPI", "left"), ("Time-frame", "left"), ("Counted", "right"), ("On time", "right"),
                          ("Share on time", "right"), ("Excluded", "right")):
        table.add_column(name, justify=justify, header_style="bold", no_wrap=True)
    for kpi_id, entry in view.complaints.items():
        name = Text(metrics.title(entry.get("metric", "")) or kpi_id)
        name.append(f" {visible(kpi_id)}", style="dim")
        table.add_row(name, visible(entry.get("limit") or "—"), f"{entry.get('counted', 0):,}",
                      f"{entry.get('on_time', 0):,}", fmt.value(entry.get("share"), True),
                      f"{entry.get('excluded', 0):,}")
    return table


def _obligations_text(view: data.ContractView) -> Text:
    out = Text()
    for o in view.obligations:
        out.append(f"{visible(o.get('obligation_id', '')):<24} due {o.get('due', '')}  ")
        out.append_text(fmt.status(o.get("state")))
        out.append("\n")
    if view.evidence:
        out.append("evidence:\n", style="bold")
        for e in view.evidence:
            out.append(visible(f"  {e['date']}  {e['obligation_id']}  {e.get('note') or ''} {e.get('file_name') or ''}") + "\n")
    elif not view.obligations:
        out.append("no obligations in this contract", style="dim")
    return out


def _actions_text(view: data.ContractView) -> Text:
    if not view.actions:
        return Text("no open actions", style="dim")
    out = Text()
    for a in view.actions:
        late = a.get("due") and a["due"] < view.as_of.isoformat()
        out.append(f"#{a['id']:<4} {visible(a['title'])}  ")
        out.append(f"owner {visible(a.get('owner') or '—')}  due {a.get('due') or '—'}\n", style="red" if late else "dim")
    return out

