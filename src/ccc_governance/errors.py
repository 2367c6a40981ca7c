"""One error hierarchy for the whole tool.

Every error a user can cause (a bad contract, a bad data file, a missing workspace) is a
`CccError`. The CLI turns it into one line on stderr and an exit code; the TUI shows it as a
notification. A traceback means a bug in ccc-governance, never a mistake in the user's input.
"""

from __future__ import annotations


class CccError(Exception):
    """Base class: a problem the user can act on. `str(err)` is the one-line message."""

    exit_code = 2

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None):
        self.message = message
        self.file = file
        self.line = line
        super().__init__(self.format())

    def format(self) -> str:
        """The message prefixed by `file:line: ` when they are known."""
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.message}"


class WorkspaceError(CccError):
    """No workspace, an unreadable `ccc.toml`, or a database that cannot be opened."""


class ContractError(CccError):
    """A contract file that cannot be read or does not validate."""


class PeriodError(CccError):
    """A period or date written in a form the tool does not understand."""


class DurationError(CccError):
    """A duration such as `24h`, `10d` or `3bd` that cannot be parsed."""


class PluginError(CccError):
    """A plugin or source that is unknown, broken, or misbehaves."""


class SourceError(CccError):
    """A data file that cannot be imported at all (the whole batch is refused)."""


class NotFoundError(CccError):
    """A contract, batch, breach, review … named on the command line does not exist."""


class StateError(CccError):
    """An action that is not allowed in the current state (e.g. closing a closed breach)."""
