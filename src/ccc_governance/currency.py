"""Amounts in several currencies totalled in one reporting currency, at rates the user writes down.

A portfolio whose CCCs bill in EUR, GBP and USD is totalled in one currency with the rates of the
workspace's `ccc.toml` (no network: the rate a finance team agreed for the period is the one used):

    [currency]
    reporting = "EUR"

    [currency.rates."2026-10"]     # a period: a month, a quarter (2026-Q4), a half (2026-H2) or a year
    GBP = 1.1612                   # 1 GBP = 1.1612 EUR for amounts of that period
    USD = 0.9207

For an amount of period P in currency X, the rate used is the one given for the shortest period that
holds P (a month's rate before its quarter's, the quarter's before the year's); an amount already in the
reporting currency is taken as it is (rate 1). With no such rate the amount is not converted, and the
totals say which amounts were left out. Every converted figure carries the rate and the period it came from.
"""

from __future__ import annotations

import math
import re

import attrs

from .errors import PeriodError, WorkspaceError
from .periods import Period, parse_period

_CODE = re.compile(r"[A-Z]{3}")


@attrs.frozen
class Rate:
    """1 `currency` = `rate` `reporting`, as given for `period` (a label of ccc.toml)."""

    currency: str
    reporting: str
    rate: float
    period: str

    def text(self) -> str:
        """`1 GBP = 1.1612 EUR (2026-10)`; `EUR` when no conversion was needed."""
        if self.currency == self.reporting:
            return self.reporting
        return f"1 {self.currency} = {self.rate:g} {self.reporting} ({self.period})"

    def as_dict(self) -> dict:
        return {"currency": self.currency, "reporting": self.reporting, "rate": self.rate, "period": self.period}


@attrs.frozen
class Rates:
    """The `[currency]` table of a workspace: the reporting currency and the rates per period."""

    reporting: str | None = None
    by_period: tuple[tuple[Period, tuple[tuple[str, float], ...]], ...] = ()

    def rate(self, currency: str, period: Period) -> Rate | None:
        """The rate turning `currency` amounts of `period` into the reporting currency; None if none is given."""
        if self.reporting is None:
            return None
        if currency == self.reporting:
            return Rate(currency, self.reporting, 1.0, period.label)
        holding = [(p, dict(rates)) for p, rates in self.by_period
                   if p.start <= period.start and period.end <= p.end and currency in dict(rates)]
        if not holding:
            return None
        p, rates = min(holding, key=lambda item: item[0].end - item[0].start)
        return Rate(currency, self.reporting, rates[currency], p.label)

    def convert(self, amount: float | None, currency: str, period: Period) -> tuple[float | None, Rate | None]:
        """`amount` in the reporting currency, and the rate used; (None, None) when it cannot be converted."""
        rate = self.rate(currency, period)
        if amount is None or rate is None:
            return None, rate
        return round(amount * rate.rate, 2), rate


def _line_of(text: str, *words: str) -> int | None:
    """The line of ccc.toml where the last of `words` first appears after the others (best effort)."""
    lines = text.splitlines()
    start = 0
    for word in words:
        for i in range(start, len(lines)):
            if word in lines[i]:
                start = i
                break
        else:
            return None
    return start + 1


def rates_from_config(config: dict, where: str = "ccc.toml", text: str = "") -> Rates:
    """The `[currency]` table of a parsed ccc.toml (`text`: its source, for line numbers), checked: a
    mistake is one `WorkspaceError` line naming the file, the line and the key."""
    table = config.get("currency")
    if table is None:
        return Rates()

    def fail(message: str, *words: str) -> WorkspaceError:
        line = _line_of(text, "[currency", *words) if text else None
        return WorkspaceError(f"{where}{f':{line}' if line else ''}: [currency] {message}")

    if not isinstance(table, dict):
        raise fail("must be a table")
    reporting = table.get("reporting")
    if not isinstance(reporting, str) or not _CODE.fullmatch(reporting):
        raise fail(f"reporting = {reporting!r}: give the reporting currency as a three-letter ISO 4217 code "
                   "(e.g. reporting = \"EUR\")", "reporting")
    unknown = sorted(set(table) - {"reporting", "rates"})
    if unknown:
        raise fail(f"unknown key {unknown[0]!r} (expected reporting and rates)", unknown[0])
    rates = table.get("rates", {})
    if not isinstance(rates, dict):
        raise fail("rates must be a table of periods, e.g. [currency.rates.\"2026-10\"]", "rates")
    by_period = []
    for label, codes in rates.items():
        try:
            period = parse_period(str(label))
        except PeriodError as err:
            raise fail(f"rates.{label!r}: not a period ({err}); write a month 2026-10, a quarter 2026-Q4, "
                       "a half 2026-H2 or a year 2026", label) from None
        if not isinstance(codes, dict):
            raise fail(f"rates.{label!r} must be a table of currency = rate", label)
        checked = []
        for code, value in codes.items():
            if not _CODE.fullmatch(str(code)):
                raise fail(f"rates.{label!r}: {code!r} is not a three-letter ISO 4217 code", label, str(code))
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or value <= 0:
                raise fail(f"rates.{label!r}.{code} = {value!r}: a rate must be a positive number "
                           f"(1 {code} = rate {reporting})", label, str(code))
            checked.append((str(code), float(value)))
        by_period.append((period, tuple(checked)))
    return Rates(reporting, tuple(by_period))


def workspace_rates(workspace) -> Rates:
    """The rates of a loaded workspace (`workspace.Workspace`), checked; none without a workspace."""
    if workspace is None or "currency" not in workspace.config:
        return Rates()
    path = workspace.config_path
    text = ""
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = ""
    return rates_from_config(workspace.config, str(path or "ccc.toml"), text)
