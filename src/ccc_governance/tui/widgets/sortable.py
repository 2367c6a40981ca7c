"""A table whose rows can be ordered by any column: `>` / `<` step the sort through the columns
(each ascending, then descending, then the screen's own order — worst first — again, as htop's
`<` `>`), a click on a column's header sorts by it (a second click reverses). The sorted column's
header carries ▲ or ▼. Cells are compared as people read them: numbers by value (`1,462`, `84.6%`,
`12.4 s`, `-67`), dates by date (`12 Nov 2026`, `2026-11-12`), statuses worst first, the rest as text.

Screens fill the table as before and call `apply_sort()` after each fill (rows keep their keys, so
the cursor and the screens' lookups by row key are unaffected).
"""

from __future__ import annotations

import re
from datetime import datetime

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from ...engine.statuses import STATUS_RANK

_NUMBER = re.compile(r"^[+\-−]?[\d,]*\.?\d+")
_DATES = (("%d %b %Y", 3), ("%Y-%m-%d", 1), ("%Y-%m", 1))  # (format, words it spans)
_STATUS_WORDS = {k.replace("_", " "): v for k, v in STATUS_RANK.items()}


def sort_key(cell) -> tuple:
    """How a cell compares: (0, number) < (1, date) < (2, status rank) < (3, text) < (4,) empty."""
    text = (cell.plain if isinstance(cell, Text) else str(cell)).strip()
    if not text or text in ("–", "—", "-"):
        return (4, 0)
    words = text.split()
    for pattern, parts in _DATES:
        try:
            return (1, datetime.strptime(" ".join(words[:parts]), pattern).toordinal())
        except ValueError:
            continue
    m = _NUMBER.match(text.replace("−", "-"))
    if m:
        return (0, float(m.group().replace(",", "").replace("−", "-")))
    word = text.split()[0].lower() if text.split() else ""
    if word in _STATUS_WORDS or text.lower() in _STATUS_WORDS:
        return (2, _STATUS_WORDS.get(text.lower(), _STATUS_WORDS.get(word)))
    return (3, text.casefold())


class SortableTable(DataTable):
    """A `DataTable` with `>` / `<` and header clicks to sort (see the module docstring)."""

    BINDINGS = [
        Binding("greater_than_sign", "step_sort(1)", "Sort by next column", key_display=">", show=False,
                id="table.sort_next"),
        Binding("less_than_sign", "step_sort(-1)", "Sort by previous column", key_display="<", show=False,
                id="table.sort_prev"),
    ]

    #: (column index, descending) or None: the screen's own order.
    sort_state: tuple[int, bool] | None = None

    def action_step_sort(self, step: int) -> None:
        states: list[tuple[int, bool] | None] = [None]
        for i in range(len(self.ordered_columns)):
            states += [(i, False), (i, True)]
        at = states.index(self.sort_state) if self.sort_state in states else 0
        self.sort_state = states[(at + step) % len(states)]
        self._order()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        index = event.column_index
        self.sort_state = (index, not self.sort_state[1]) if self.sort_state and self.sort_state[0] == index \
            else (index, False)
        self._order()

    def apply_sort(self) -> None:
        """After a fill: note the screen's own order of the rows, then order them as chosen (nothing
        to do while no sort was chosen: the fill is in the screen's order)."""
        keys = [self.coordinate_to_cell_key((i, 0)).row_key for i in range(self.row_count)] \
            if self.ordered_columns else []
        self._natural = {tuple(map(id, self.get_row(k))): i for i, k in enumerate(keys)}
        if self.sort_state is not None:
            self._order()

    def _order(self) -> None:
        for i, column in enumerate(self.ordered_columns):
            label = column.label.plain.removesuffix(" ▲").removesuffix(" ▼")
            if self.sort_state and self.sort_state[0] == i:
                label += " ▼" if self.sort_state[1] else " ▲"
            column.label = Text(label, style=column.label.style)
            if column.auto_width:  # (room for the arrow in a narrow column: `# ▲`)
                column.content_width = max(column.content_width, column.label.cell_len)
        if not self.row_count:
            pass
        elif self.sort_state is None or self.sort_state[0] >= len(self.ordered_columns):
            natural = getattr(self, "_natural", {})
            self.sort(key=lambda cells: natural.get(tuple(map(id, cells)), 0))  # (the screen's own order)
        else:
            index, descending = self.sort_state
            self.sort(self.ordered_columns[index].key, key=sort_key, reverse=descending)
        self._require_update_dimensions = True
        self.refresh()
