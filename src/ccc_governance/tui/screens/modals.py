"""Modal dialogs: a note for a breach status, a held review, a new action. Each returns a dict or None."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from ...clock import parse_date
from ...errors import CccError
from ..widgets.format import user_markup


class FormModal(ModalScreen[dict | None]):
    """A small form: labelled inputs; Enter in the last one submits, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="modal.cancel")]

    def __init__(self, title: str, fields: list[tuple[str, str, str]]) -> None:
        """`fields`: (name, label, default value)."""
        super().__init__()
        self.form_title = title
        self.fields = fields

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(user_markup(self.form_title), id="dialog-title")  # holds ids from contract files
            for name, label, default in self.fields:
                yield Label(label)
                yield Input(value=default, id=f"field-{name}")
            yield Label("Enter: save   Esc: cancel", classes="hint")
            yield Label("", id="dialog-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        inputs = list(self.query(Input))
        index = inputs.index(event.input)
        if index < len(inputs) - 1:
            inputs[index + 1].focus()
            return
        values = {name: self.query_one(f"#field-{name}", Input).value.strip() for name, _, _ in self.fields}
        try:
            result = self.check(values)
        except CccError as err:
            self.query_one("#dialog-error", Label).update(user_markup(err.format()))  # quotes the input
            return
        self.dismiss(result)

    def check(self, values: dict) -> dict:
        """Validate and convert the values; raise a `CccError` to keep the dialog open."""
        return values

    def action_cancel(self) -> None:
        self.dismiss(None)


class NoteModal(FormModal):
    """A note for a breach status change (acknowledge, dispute, waive, close)."""

    def __init__(self, title: str) -> None:
        super().__init__(title, [("note", "Note (why; kept in the breach's history)", "")])


class ReviewModal(FormModal):
    """Record a review as held: the date and who attended."""

    def __init__(self, title: str, held_on: date, attendees: str = "") -> None:
        super().__init__(
            title,
            [("held_on", "Held on (YYYY-MM-DD)", held_on.isoformat()),
             ("attendees", "Attendees (comma-separated)", attendees)],
        )

    def check(self, values: dict) -> dict:
        held_on = parse_date(values["held_on"], what="held on")
        attendees = [a.strip() for a in values["attendees"].split(",") if a.strip()]
        return {"held_on": held_on, "attendees": attendees}


class ActionModal(FormModal):
    """Add an action: title, owner and due date (optional)."""

    def __init__(self, title: str) -> None:
        super().__init__(
            title,
            [("title", "Action", ""), ("owner", "Owner (optional)", ""), ("due", "Due (YYYY-MM-DD, optional)", "")],
        )

    def check(self, values: dict) -> dict:
        if not values["title"]:
            raise ActionTitleMissing("an action needs a title")
        due = parse_date(values["due"], what="due") if values["due"] else None
        return {"title": values["title"], "owner": values["owner"] or None, "due": due}


class ActionTitleMissing(CccError):
    """The action form was submitted without a title."""
