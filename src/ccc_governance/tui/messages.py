"""Small messages that worker threads post back to the screens and the app (toolong style)."""

from __future__ import annotations

from typing import Any

from textual.message import Message


class DataLoaded(Message):
    """A screen's data arrived from its loading worker."""

    def __init__(self, data: Any) -> None:
        self.data = data
        super().__init__()


class DataFailed(Message):
    """A worker met an error; `text` is the one-line message to show. Handled by the app."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()


class ActionDone(Message):
    """A write (breach status, review, action …) succeeded; `text` says what changed."""

    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__()
