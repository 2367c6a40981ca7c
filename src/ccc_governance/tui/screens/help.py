"""The help screen (`?` / F1): what each screen shows and its keys, from the live bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from ..widgets.sortable import SortableTable

ABOUT = """[b]ccc-governance[/b] — the vendor manager's terminal

Portfolio → Enter opens a contract → Enter on a KPI opens its drill-down; Esc goes back one step. \
Breaches (b), Reviews (r) and the portfolio (g, Home) are one key away everywhere and replace the \
screen you jump from, so Esc always leads home. Ctrl+P opens the command palette (open: contract X, \
show: breaches …). Tables sort by any column: > and < step through the columns (▲ ▼ in the header), \
a click on a header sorts by it. Mouse clicks work too.
"""


class HelpScreen(ModalScreen[None]):
    """Keys of the screen underneath and of the app."""

    BINDINGS = [Binding("escape,question_mark,f1,q", "app.pop_screen", "Close", id="help.close")]

    def __init__(self, under: Screen) -> None:
        super().__init__()
        self.under = under

    def compose(self) -> ComposeResult:
        lines = [ABOUT, f"[b]{type(self.under).__name__.replace('Screen', '')} keys[/b]"]
        seen: set[str] = set()
        tables = list(SortableTable.BINDINGS) if self.under.query(SortableTable) else []
        for binding in [*self.under.BINDINGS, *tables, *self.app.BINDINGS]:
            if isinstance(binding, Binding) and binding.description and binding.description not in seen:
                seen.add(binding.description)  # a screen's own copy of an app key is listed once
                lines.append(f"  {keys(self.app, binding):<14} {binding.description}")
        lines.append("\nEsc closes this help.")
        with VerticalScroll(id="help-dialog"):
            yield Static("\n".join(lines))


def keys(app, binding: Binding) -> str:
    """Every key of a binding as people read them: `? / F1`, `p / [` (not `question_mark,f1`)."""
    names = [k.strip() for k in binding.key.split(",") if k.strip()]
    shown = [app.get_key_display(Binding(name, "")) for name in names]
    if binding.key_display and binding.key_display not in shown:
        shown[0] = binding.key_display
    return " / ".join(shown)
