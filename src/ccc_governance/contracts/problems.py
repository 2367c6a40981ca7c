"""`Problem`: one thing wrong with a contract file, at a line, in words a vendor manager acts on."""

from __future__ import annotations

import difflib
from typing import Iterable

import attrs

from ..errors import CccError, ContractError

#: What working out one registered contract (its evaluation, review calendar, obligations) may raise
#: that concerns that contract alone: a user error (a stored text that no longer validates), or
#: date and number arithmetic that a contract registered before its values were bounded can still
#: drive out of range. Commands over every contract catch these per contract, show the contract with
#: `failure_reason(err)` and go on with the others.
CONTRACT_FAILURES = (CccError, ArithmeticError, ValueError)


def one_line(text: str) -> str:
    """`text` with control characters escaped, so that a message stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


@attrs.frozen(order=True)
class Problem:
    """A problem found in `file` at `line` (None when the file as a whole is concerned)."""

    file: str
    line: int | None
    message: str = attrs.field(converter=one_line)
    #: A key taken out of the format (`model.REMOVED_KEYS`): refused in a file, ignored in a stored version.
    removed: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}" if self.line else f"{self.file}: {self.message}"

    def error(self) -> ContractError:
        """This problem as a `ContractError` (what `load_contract` raises)."""
        return ContractError(self.message, file=self.file, line=self.line)


class ContractProblems(ContractError):
    """Several problems at once (e.g. `register` refusing files). Exit code 1, like `validate`."""

    exit_code = 1

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        more = f" (and {len(self.problems) - 1} more problems)" if len(self.problems) > 1 else ""
        super().__init__(first.message + more, file=first.file, line=first.line)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """` (did you mean 'x'?)` when a candidate is close to `word`, else ``."""
    close = difflib.get_close_matches(str(word), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def failure_reason(err: BaseException) -> str:
    """Why a contract could not be worked out, in one line (a `CccError`'s own message; otherwise
    the kind of failure and its text, so that a defect can still be told apart)."""
    if isinstance(err, CccError):
        return one_line(err.format())
    return one_line(f"{type(err).__name__}: {err}")
