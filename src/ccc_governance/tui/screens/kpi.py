"""KPI drill-down: the chart over time with target and breach lines, why the period scored what it
did (counts, exclusions, vendor-reported beside recomputed) and the daily breakdown."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Footer, Header, Static

from ...textsafe import visible
from .. import data
from ..widgets import format as fmt
from ..widgets.line_chart import LineChart
from .base import DataScreen
from .breaches import BreachActions


class KpiScreen(BreachActions, DataScreen):
    """One KPI of one contract; acknowledge/dispute/waive/close its breach from here too."""

    AUTO_FOCUS = "#kpi-body"
    BINDINGS = [Binding("escape", "app.pop_screen", "Back", id="kpi.back"), *BreachActions.BREACH_BINDINGS]

    def __init__(self, contract_id: str, kpi_id: str, period: str | None) -> None:
        super().__init__()
        self.contract_id = contract_id
        self.kpi_id = kpi_id
        self.period = period
        self.view: data.KpiView | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll(classes="main", id="kpi-body"):
            yield LineChart(id="chart")
            yield Static("", id="why")
            yield DataTable(id="breakdown", cursor_type="row", zebra_stripes=True)
        yield Footer(compact=True, show_command_palette=False)  # ^p is in the help

    def on_mount(self) -> None:
        # Under its contract's screen the KPI id is enough; from a breach it needs the contract too.
        below = self.app.screen_stack[-2] if len(self.app.screen_stack) > 1 else None
        same = getattr(below, "contract_id", None) == self.contract_id and getattr(below, "crumb", "") == self.contract_id
        self.crumb = self.kpi_id if same else f"{self.contract_id} · {self.kpi_id}"
        super().on_mount()

    def fetch_data(self, db) -> data.KpiView:
        return data.kpi_view(db, self.contract_id, self.kpi_id, self.period)

    def current_breach(self) -> dict | None:
        return self.view.breach if self.view else None

    def show_data(self, view: data.KpiView) -> None:
        self.view = view
        r = view.result or {}
        rate = fmt.is_rate(r.get("actual"), r.get("target"), r.get("breach"))
        self.query_one(LineChart).set_data(
            [h.get("actual") for h in view.history],
            [h["period"] for h in view.history],
            r.get("target"),
            r.get("breach"),
            [h.get("status") for h in view.history],
        )
        self.query_one("#why", Static).update(_why(view, rate))
        table = self.query_one("#breakdown", DataTable)
        table.clear(columns=True)
        if view.breakdown is None:
            table.display = False
            return
        table.display = True
        keys = [k for k in ("day", "interval", "start", "volume", "numerator", "denominator", "actual", "reported")
                if any(k in row for row in view.breakdown)]
        for k in keys:
            table.add_column(k, key=k)
        for row in view.breakdown:
            table.add_row(*[
                fmt.value(row.get(k), rate) if k in ("actual", "reported") else _plain(row.get(k)) for k in keys
            ])


#: The engine's counts (a result's `details`) in words, in the order they are shown.
COUNT_LABELS = {
    "contacts": "contacts",
    "offered": "offered",
    "answered": "answered",
    "answered_within": "answered within T",
    "abandoned": "abandoned",
    "short_abandons": "short abandons",
    "abandoned_within": "abandoned within T",
    "unresolved": "unresolved",
    "not_queued": "not queued",
    "forecast": "forecast",
    "not_computable_intervals": "intervals not computable",
}
#: Bookkeeping keys of `details` that are not counts (shown elsewhere or not at all).
NOT_COUNTS = {"span", "small_sample", "kpi_class", "reason", "projection", "projection_basis"}


def _counts(details: dict) -> Text:
    """The counts behind a figure in words, over the span of days it covers; then the engine's notes."""
    out = Text()
    span = details.get("span")
    counts = [f"{label} {_plain(details[k])}" for k, label in COUNT_LABELS.items() if k in details]
    counts += [f"{k.replace('_', ' ')} {_plain(v)}" for k, v in details.items()
               if k not in COUNT_LABELS and k not in NOT_COUNTS]
    if counts or isinstance(span, dict):
        out.append("counts")
        if isinstance(span, dict):
            out.append(f" over {span.get('from', '?')} → {span.get('to', '?')}")
        out.append(": " + (", ".join(counts) or "none") + "\n")
    if details.get("reason"):
        out.append(f"note: {visible(details['reason'])}\n")
    if details.get("projection"):
        out.append(f"projection: {str(details['projection']).replace('_', ' ')}"
                   f" ({details.get('projection_basis', '')})\n")
    return out


def _plain(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.0f}" if v == int(v) else f"{v:,.2f}"
    return str(v)


def _why(view: data.KpiView, rate: bool) -> Text:
    """The reasons behind the period's figure, in words."""
    r = view.result
    out = Text()
    if not r:
        out.append("no stored result for this KPI yet (run `ccc evaluate`)", style="dim")
        return out
    out.append(f"{view.period}  ", style="bold")
    out.append_text(fmt.status(r.get("status")))
    out.append(f"   actual {fmt.value(r.get('actual'), rate)}  target {fmt.value(r.get('target'), rate)}"
               f"  breach {fmt.value(r.get('breach'), rate)}\n")
    if r.get("denominator") is not None:
        out.append(f"= {_plain(r.get('numerator'))} / {_plain(r.get('denominator'))}"
                   f"  over volume {_plain(r.get('volume'))}")
        if r.get("ci_low") is not None:
            out.append(f"   95% CI {fmt.value(r.get('ci_low'), rate)}–{fmt.value(r.get('ci_high'), rate)}", style="dim")
        out.append("\n")
    if r.get("reported") is not None:
        diff = r.get("reported_diff")
        out.append(f"vendor-reported {fmt.value(r.get('reported'), rate)}  recomputed {fmt.value(r.get('actual'), rate)}")
        if diff is not None:
            out.append(f"  (difference {diff * 100 if rate else diff:+.1f}{' pts' if rate else ''})",
                       style="bold red" if abs(diff) > (0.01 if rate else 0) else "green")
        out.append("\n")
    else:
        out.append("vendor-reported: none imported for this period\n", style="dim")
    details = r.get("details")
    if isinstance(details, dict) and details:
        counts = _counts(details)
        counts.stylize("dim")
        out.append_text(counts)
    excluded = r.get("excluded")
    if isinstance(excluded, list) and excluded:
        for e in excluded:
            out.append(f"excluded: {e.get('kind', '')} {e.get('from', '')}→{e.get('to', '')} {visible(e.get('reason', ''))}"
                       f" ({_plain(e.get('volume'))} contacts)\n", style="yellow")
    b = view.breach
    if b:
        out.append(f"breach #{b['id']}: ", style="bold")
        out.append_text(fmt.status(b["status"]))
        out.append("   a: acknowledge  d: dispute  w: waive  c: close  o: reopen\n", style="dim")
        events = b.get("events") or []
        for e in events[-5:]:  # the latest changes: the as-of day, the change, who, when really, why
            out.append(f"  {fmt.day(e.get('at'))}  ")
            if e.get("status_from"):
                out.append_text(fmt.status(e["status_from"]))
                out.append(" → ")
            out.append_text(fmt.status(e.get("status_to")))
            out.append(f"  by {visible(e.get('actor') or 'unknown')}", style="bold")
            out.append(f" ({fmt.instant(e.get('recorded_at'))})", style="dim")
            if e.get("note"):
                out.append(f"  {visible(fmt.breach_note(e['note'], r.get('metric')))}")
            out.append("\n")
        if len(events) > 5:
            out.append(f"  … {len(events) - 5} earlier change(s): ccc breach show {b['id']}\n", style="dim")
    return out

