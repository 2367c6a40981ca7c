"""A small chart of a KPI over time, drawn with Unicode blocks, with its target and breach lines.

Textual's Sparkline has no reference lines; a KPI chart must show where "met" ends and "breach"
begins, so this widget draws columns (eighth-block precision) with the target as a green dashed
line and the breach threshold as a red one, and period labels along the bottom.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from .format import BLOCKS


class LineChart(Widget):
    """Columns for values over periods, with horizontal target and breach lines."""

    DEFAULT_CSS = """
    LineChart { height: 10; }
    """

    data: reactive[tuple] = reactive(tuple, layout=True)

    def set_data(self, values: list[float | None], labels: list[str], target: float | None,
                 breach: float | None, statuses: list[str] | None = None) -> None:
        """Replace what the chart shows and redraw."""
        self.data = (list(values), list(labels), target, breach, list(statuses or []))

    def render(self) -> Text:
        if not self.data or not any(v is not None for v in self.data[0]):
            return Text("no stored results to chart", style="dim")
        values, labels, target, breach, statuses = self.data
        width = max(10, self.size.width - 8)
        height = max(3, self.size.height - 1)
        refs = [v for v in (target, breach) if v is not None]
        present = [v for v in values if v is not None] + refs
        low, high = min(present), max(present)
        pad = (high - low) * 0.1 or abs(high) * 0.1 or 1.0
        low, high = low - pad, high + pad
        col = max(1, min(6, width // max(1, len(values))))
        eighths = height * 8

        def level(v: float) -> int:
            return round((v - low) / (high - low) * eighths)

        def row_of(v: float) -> int:
            return min(height - 1, max(0, int((v - low) / (high - low) * height)))

        target_row = row_of(target) if target is not None else None
        breach_row = row_of(breach) if breach is not None else None
        out = Text()
        step = (high - low) / height
        rate = 0 <= low and high <= 1.2
        for r in range(height - 1, -1, -1):
            # A row's label is its middle value; the target's and breach's rows say their exact
            # value, so that an 85 % target never reads as "86 %". Enough decimals that no two
            # neighbouring labels read the same.
            axis = target if r == target_row else breach if r == breach_row else low + (r + 0.5) * step
            out.append(f"{_short(axis, step, rate):>7}│", style="dim")
            for i, v in enumerate(values):
                style = {"breached": "red", "at_risk": "yellow"}.get(statuses[i] if i < len(statuses) else "", "cyan")
                filled = 0 if v is None else level(v) - r * 8
                if filled >= 8:
                    cell = "█"
                elif filled > 0:
                    cell = BLOCKS[filled - 1]
                else:
                    cell = None
                for k in range(col):
                    # Leave a gap between columns so that each period reads as one bar.
                    if cell and k < col - 1 or (cell and col == 1):
                        out.append(cell, style=style)
                    elif r == breach_row:
                        out.append("╌", style="bold red")
                    elif r == target_row:
                        out.append("╌", style="bold green")
                    else:
                        out.append(" ")
            if r == target_row:
                out.append(" target", style="green")
            elif r == breach_row:
                out.append(" breach", style="red")
            out.append("\n")
        out.append(" " * 8)
        # Keep the end of each label (the month of "2026-10") and a space between neighbours.
        axis_labels = "".join(lab[-(col - 1):].ljust(col) if col > 1 else lab[-1:] for lab in labels)
        out.append(axis_labels, style="dim")
        return out


def _short(v: float, step: float, rate: bool) -> str:
    """An axis value in at most 7 characters (fractions as percentages), to the precision that a
    row of height `step` needs."""
    import math

    scale = 100 if rate else 1
    decimals = max(0, min(3, math.ceil(-math.log10(step * scale)))) if step > 0 else 0
    if rate:
        return f"{v * 100:.{decimals}f}%"
    if abs(v) >= 1000:
        return f"{v / 1000:.1f}k"
    return f"{v:.{max(decimals, 0)}f}"
