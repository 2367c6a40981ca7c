"""Small messages that worker threads post back to the screens and the app (toolong style), and
that a screen posts to ask the app to open another (`OpenKpi`: the KPI screen imports the breaches
screen, which therefore cannot import it back)."""

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


class OpenKpi(Message):
    """Open the drill-down of KPI `kpi_id` of `contract_id` for `period`. Handled by the app."""

    def __init__(self, contract_id: str, kpi_id: str, period: str | None) -> None:
        self.contract_id = contract_id
        self.kpi_id = kpi_id
        self.period = period
        super().__init__()


class OthersChanged(Message):
    """A load saw the change log up to entry `head`; `entries`: those made since the app last looked
    by someone else (another person or job on a shared store). Handled by the app."""

    def __init__(self, head: int, entries: list[dict]) -> None:
        self.head = head
        self.entries = entries
        super().__init__()
