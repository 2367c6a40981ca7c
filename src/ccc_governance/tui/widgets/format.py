"""How values look in the TUI: percentages for rates, colours for statuses, sparklines."""

from __future__ import annotations

from rich.text import Text

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


def money(amount: float | None, currency: str = "", *, short: bool = False) -> str:
    """An amount with its currency (whole units when `short`); zero shows as a dash so that the
    eye finds the non-zero ones."""
    if not amount:
        return "—"
    return (f"{amount:,.0f} {currency}" if short else f"{amount:,.2f} {currency}").strip()


def spark(values: list[float | None]) -> str:
    """A one-line trend from eighth blocks; gaps (no result) are spaces."""
    present = [v for v in values if v is not None]
    if not present:
        return ""
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else BLOCKS[min(7, int((v - low) / span * 7.999))] for v in values
    )
