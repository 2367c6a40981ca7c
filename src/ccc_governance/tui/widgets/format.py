"""How values look in the TUI: percentages for rates, colours for statuses, sparklines, and users'
text made safe to show."""

from __future__ import annotations

from datetime import date, datetime, timezone

from rich.markup import escape
from rich.text import Text

from ... import metrics
from ...textsafe import visible

STATUS_STYLE = {
    "breached": "bold red",
    "at_risk": "bold yellow",
    "insufficient_volume": "magenta",
    "no_data": "dim",
    "met": "green",
    "overdue": "bold red",
    "due": "yellow",
    "pre_read_due": "yellow",
    "upcoming": "",
    "held": "green",
    "signed_off": "green",
    "open": "bold red",
    "acknowledged": "yellow",
    "disputed": "magenta",
    "waived": "dim",
    "closed": "dim",
}

BLOCKS = "▁▂▃▄▅▆▇█"


def user_text(value: object, style: str = "") -> Text:
    """Text that came from a file or a user (a title, note, name, file name) as a rich `Text`:
    control characters written out (`textsafe.visible`), and never read as markup (`[red]` stays
    `[red]`), wherever it is shown: a table cell, a `Static`, a header."""
    return Text(visible(value), style=style)


def user_markup(value: object) -> str:
    """The same for the few places that take a markup string (`notify`, a `Label`, the palette's
    help): controls written out, then markup escaped."""
    return escape(visible(value))


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def imports_line(imports: list, as_of: date) -> Text:
    """The portfolio's footer: the day states are judged on, then when data really came in.

    "Today" for every state is the as-of day (`--as-of`), while an import's instant is the real
    time it happened, so the two can disagree: a demo built on 5 December and shown as of
    16 November. The line says which is which and never lets the real instant pass for the as-of
    day: `as of 2026-11-16 · imported (real time, UTC) 5 Dec 2026 08:42, after the as-of day:
    asterisk, zendesk`. Sources imported at the same minute share one instant; the latest first.
    `imports` are `portfolio.ImportInfo` (`source`, `last_imported` "YYYY-MM-DD HH:MM" UTC).
    """
    out = Text()
    out.append(f"as of {as_of.isoformat()}", style="bold")
    if not imports:
        out.append(" · no data imported yet")
        return out
    groups: dict[str, list[str]] = {}
    for info in imports:
        groups.setdefault(info.last_imported, []).append(info.source)
    out.append(" · imported (real time, UTC) ")
    for i, (instant, sources) in enumerate(sorted(groups.items(), reverse=True)):
        try:
            at = datetime.strptime(instant, "%Y-%m-%d %H:%M")
        except ValueError:  # not the stored form: show it as it is
            shown, after = instant, False
        else:
            shown, after = f"{at.day} {MONTHS[at.month - 1]} {at.year} {at:%H:%M}", at.date() > as_of
        out.append("; " if i else "")
        out.append(visible(shown))
        out.append(", after the as-of day" if after else "", style="italic")
        out.append(": " + visible(", ".join(sources)))
    return out


def day(value) -> str:
    """A day as people read it (`16 Nov 2026`), from an ISO date; anything else as it is."""
    if not value:
        return "—"
    try:
        d = date.fromisoformat(str(value)[:10])
    except ValueError:
        return visible(value)
    return f"{d.day} {MONTHS[d.month - 1]} {d.year}"


def instant(ms) -> str:
    """A real instant (epoch ms UTC, as the store keeps it) as `5 Dec 2026 19:17 UTC`."""
    if not isinstance(ms, (int, float)):
        return "—" if ms is None else visible(ms)
    at = datetime.fromtimestamp(ms / 1000, tz=timezone.utc)
    return f"{at.day} {MONTHS[at.month - 1]} {at.year} {at:%H:%M} UTC"


def status(value: str | None) -> Text:
    """A status word in its colour (`breached` red, `at_risk` yellow, `met` green …)."""
    if not value:
        return Text("—", style="dim")
    return Text(value.replace("_", " "), style=STATUS_STYLE.get(value, ""))


def is_rate(*values: float | None) -> bool:
    """Whether a KPI's numbers look like fractions 0–1 (shown as percentages)."""
    present = [v for v in values if v is not None]
    return bool(present) and all(0 <= v <= 1 for v in present)


def value(v: float | None, rate: bool) -> str:
    """A KPI value: `82.4%` for rates, else up to one decimal."""
    if v is None:
        return "—"
    if rate:
        return f"{v * 100:.1f}%"
    return f"{v:,.1f}" if abs(v) < 1000 else f"{v:,.0f}"


def kpi_value(v: float | None, metric: str) -> str:
    """A KPI figure in its metric's unit: `82.9%`, `13.2 s`, `4.2`, `1,204`; `—` when missing."""
    if v is None:
        return "—"
    entry = metrics.get_metric(metric)
    unit = entry.unit if entry else ("share" if is_rate(v) else "")
    if unit == "share":
        return f"{v * 100:.1f}%"
    if unit == "seconds":
        return f"{v:,.1f} s" if abs(v) < 1000 else f"{v:,.0f} s"
    if unit == "count":
        return f"{v:,.0f}"
    if unit == "currency":
        return f"{v:,.2f}"
    return f"{v:,.1f}"


def arrow(change: float | None, metric: str) -> Text:
    """Which way the KPI moved since the previous period: ↑ ↓ →, green when it got better, red when
    worse (the word-free signal has its colour twice: direction and better/worse)."""
    if change is None:
        return Text("")
    if abs(change) < 1e-12:
        return Text("→", style="dim")
    entry = metrics.get_metric(metric)
    better = (change > 0) == (entry.higher_is_better if entry else True)
    return Text("↑" if change > 0 else "↓", style="green" if better else "red")


def why(kpi, *, short: bool = False) -> Text:
    """The worst KPI of a contract in one cell: `ASA 13.2 s vs 10.0 s ↑` (its name, actual against
    target, the move since the previous period), or `all met` when nothing is off target."""
    if kpi is None:
        return Text("—", style="dim")
    if kpi.status == "met":
        return Text("all met", style="green")
    out = Text(metrics.title(kpi.metric, short=short) or kpi.kpi_id, style=STATUS_STYLE.get(kpi.status, ""))
    out.append(f" {kpi_value(kpi.actual, kpi.metric)}")
    if kpi.target is not None:
        out.append(f" vs {kpi_value(kpi.target, kpi.metric)}", style="dim")
    mark = arrow(kpi.change, kpi.metric)
    if mark.plain:
        out.append(" ")
        out.append_text(mark)
    return out


def money(amount: float | None, currency: str = "", *, short: bool = False) -> str:
    """An amount with its currency (whole units when `short`); zero shows as a dash so that the
    eye finds the non-zero ones."""
    if not amount:
        return "—"
    return (f"{amount:,.0f} {currency}" if short else f"{amount:,.2f} {currency}").strip()


def spark(values: list[float | None], *, include: tuple[float | None, ...] = ()) -> str:
    """A one-line trend from eighth blocks; gaps (no result) are spaces. The scale spans the values
    and `include` (a target and breach threshold: where the bars sit against them means something)."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    scale = present + [v for v in include if v is not None]
    low, high = min(scale), max(scale)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else BLOCKS[min(7, int((v - low) / span * 7.999))] for v in values
    )


def breach_note(note: str | None, metric: str | None) -> str:
    """A breach event's note with the engine's figures in the KPI's unit (`found by evaluation: sl
    82.4% against breach threshold 80.0%`), as the packs show it; people's notes as written."""
    from ...export.formatting import engine_note

    if not note:
        return ""
    return engine_note(note, show=lambda v: kpi_value(v, metric) if metric else value(v, is_rate(v)))
