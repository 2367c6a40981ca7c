"""Checks on the meaning of one contract, once its keys and types are right.

Each check appends `Problem`s naming the line of the offending key. The rules:

- `timezone` is an IANA name; `currency` a three-letter code; `effective_to` ≥ `effective_from`.
- Closed lists: channels, direction, KPI period and class, review frequency, obligation and duty
  `every`; opening hours use weekday names `mon`…`sun` and windows `HH:MM-HH:MM`.
- A KPI names a catalogue metric; its `target` and `breach` lie in the metric's range (0–1 for
  rates); the breach lies on the miss side of the target (≤ target when higher is better, ≥ when
  lower is better); its channel is one of the scope's; ids are unique; allocations add up to at
  most 1 (100 % of the credit pool); schedule steps start inside the contract's dates.
- Opening hours, when given, open on some day; bonus bands name a KPI of the contract.
- Pricing: a three-letter currency; unique line ids; each line's `unit` and `tiers` from their closed
  lists; its channels inside the scope's; tiers in rising order of `from` (above 0, no two alike);
  no tiers or scope on a `fixed_month` line, no channels on an `fte_month` line.

The range of each number, date and duration on its own (percentages 0–100, days, months …) is
checked while the file is read (`loader`), from the bounds the model declares.
"""

from __future__ import annotations

import re
import zoneinfo
from functools import lru_cache

from ..durations import WEEKDAYS, parse_window
from ..errors import CccError
from ..metrics import CATALOGUE
from . import model
from .model import Contract, number_text
from .positions import display_path, line_of
from .problems import Problem, did_you_mean

_EPSILON = 1e-9


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    try:
        return frozenset(zoneinfo.available_timezones())
    except Exception:  # no tz database listing: fall back to trying each name
        return frozenset()


def timezone_problem(name: str) -> str | None:
    """Why `name` is not a usable IANA time zone, or None."""
    try:
        zoneinfo.ZoneInfo(name)
        return None
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return f"unknown time zone {name!r} (write an IANA name such as Europe/Paris){did_you_mean(name, _zones())}"


def _fmt(value: float) -> str:
    return number_text(value)


class _Checker:
    def __init__(self, contract: Contract, data: dict, lines: dict, name: str):
        self.c, self.data, self.lines, self.name = contract, data, lines, name
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str) -> None:
        self.problems.append(Problem(self.name, line_of(self.lines, path), message))

    def where(self, path: tuple) -> str:
        return display_path(path, self.data)

    def choice(self, path: tuple, value: str, allowed, what: str) -> None:
        if value not in allowed:
            self.add(path, f"{self.where(path)} = {value!r} is not a known {what} "
                     f"(one of {', '.join(allowed)}){did_you_mean(value, allowed)}")

    def run(self) -> list[Problem]:
        self.contract_info()
        self.scope()
        self.kpis()
        self.tables()
        self.pricing()
        return self.problems

    def contract_info(self) -> None:
        info = self.c.contract
        problem = timezone_problem(info.timezone)
        if problem:
            self.add(("contract", "timezone"), problem)
        if not re.fullmatch(r"[A-Z]{3}", info.currency):
            self.add(("contract", "currency"), f"currency {info.currency!r} is not a three-letter ISO 4217 code (e.g. EUR)")
        if not info.id.strip():
            self.add(("contract", "id"), "contract.id must not be empty")
        elif not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", info.id):
            self.add(("contract", "id"), f"contract.id {info.id!r} may hold only letters, digits, '.', '_' and '-'")
        if info.effective_to is not None and info.effective_to < info.effective_from:
            self.add(("contract", "effective_to"),
                     f"effective_to {info.effective_to} is before effective_from {info.effective_from}")

    def scope(self) -> None:
        scope = self.c.scope
        for i, channel in enumerate(scope.channels):
            self.choice(("scope", "channels", i), channel, model.CHANNELS, "channel")
        self.choice(("scope", "direction"), scope.direction, model.DIRECTIONS, "direction")
        if scope.hours and not any(scope.hours.values()):
            self.add(("scope", "hours"), "scope.hours opens on no day: give a window such as mon = [\"08:00-20:00\"] "
                     "(or leave [scope.hours] out for 24/7)")
        for day, windows in scope.hours.items():
            path = ("scope", "hours", day)
            if day not in WEEKDAYS:
                self.add(path, f"scope.hours: {day!r} is not a weekday (write mon, tue, wed, thu, fri, sat or sun)"
                         f"{did_you_mean(day, WEEKDAYS)}")
            for window in windows:
                try:
                    parse_window(window)
                except CccError as err:
                    self.add(path, f"scope.hours.{day}: {err.message}")

    def kpis(self) -> None:
        seen: dict[str, int] = {}
        total_allocation = 0.0
        info = self.c.contract
        for i, kpi in enumerate(self.c.kpi):
            base = ("kpi", i)
            if kpi.id in seen:
                self.add(base + ("id",), f"duplicate KPI id {kpi.id!r} (already used by kpi #{seen[kpi.id] + 1})")
            else:
                seen[kpi.id] = i
            metric = CATALOGUE.get(kpi.metric)
            if metric is None:
                self.add(base + ("metric",), f"unknown metric {kpi.metric!r}{did_you_mean(kpi.metric, CATALOGUE)} "
                         "(see docs/metrics.md)")
            self.choice(base + ("period",), kpi.period, model.KPI_PERIODS, "KPI period")
            self.choice(base + ("class",), kpi.kpi_class, model.KPI_CLASSES, "KPI class")
            if kpi.channel is not None:
                if kpi.channel not in model.CHANNELS:
                    self.choice(base + ("channel",), kpi.channel, model.CHANNELS, "channel")
                elif kpi.channel not in self.c.scope.channels:
                    self.add(base + ("channel",), f"kpi {kpi.id}: channel {kpi.channel!r} is not in the scope's "
                             f"channels ({', '.join(self.c.scope.channels) or 'none'})")
            total_allocation += kpi.allocation
            if metric is not None:
                self.thresholds(base, kpi.id, metric, kpi.target, kpi.breach)
                if metric.name.startswith("complaint_") and "within" not in kpi.params:
                    self.complaint_time(base, kpi.id, metric.name)
                if metric.unit == "currency":
                    self.priced(base, kpi, metric.name)
            for j, step in enumerate(kpi.schedule):
                spath = base + ("schedule", j)
                if step.from_ < info.effective_from or (info.effective_to and step.from_ > info.effective_to):
                    to = info.effective_to or "open-ended"
                    self.add(spath + ("from",), f"kpi {kpi.id}: schedule from {step.from_} is outside the contract's "
                             f"effective dates ({info.effective_from} to {to})")
                if metric is not None:
                    breach = step.breach if step.breach is not None else kpi.breach
                    self.thresholds(spath, kpi.id, metric, step.target, breach, breach_path_ok=step.breach is not None)
        if total_allocation > 1.0 + _EPSILON:
            first = next(i for i, k in enumerate(self.c.kpi) if k.allocation)
            self.add(("kpi", first, "allocation"), f"KPI allocations add up to {total_allocation * 100:g} % of the "
                     "service-credit pool: they must not exceed 100 % (1.0)")

    def priced(self, base: tuple, kpi, metric: str) -> None:
        """A cost KPI is priced from the contract's `[pricing]`, month by month."""
        if self.c.pricing is None or not self.c.pricing.line:
            self.add(base + ("metric",), f"kpi {kpi.id}: metric {metric} is computed from the contract's "
                     "[pricing], and this contract has no [[pricing.line]]")
        if kpi.period not in ("month", "quarter"):
            self.add(base + ("period",), f"kpi {kpi.id}: metric {metric} is priced per calendar month: its "
                     f"period must be month or quarter, not {kpi.period}")

    def complaint_time(self, base: tuple, kpi_id: str, metric: str) -> None:
        key = {
            "complaint_acknowledged_on_time": "acknowledge_within",
            "complaint_resolved_on_time": "resolve_within",
            "complaint_escalated_on_time": "escalate_within",
            "complaint_updated_on_time": "update_every",
        }[metric]
        if self.c.complaints is None or getattr(self.c.complaints, key) is None:
            self.add(base + ("metric",), f"kpi {kpi_id}: metric {metric} needs [complaints] {key} "
                     "(or a `within` key in this KPI)")

    def thresholds(self, base: tuple, kpi_id: str, metric, target: float, breach: float | None,
                   breach_path_ok: bool = True) -> None:
        lo = metric.min if metric.min is not None else float("-inf")
        hi = metric.max if metric.max is not None else float("inf")
        hint = " (a rate: write 0.8 for 80 %)" if metric.kind == "rate" else ""
        for key, value in (("target", target), ("breach", breach)):
            if value is not None and not (lo <= value <= hi):
                path = base + (key,) if key == "target" or breach_path_ok else base
                self.add(path, f"kpi {kpi_id}: {key} {_fmt(value)} is outside {_fmt(lo)}–{_fmt(hi)}{hint}")
                return
        if breach is None:
            return
        path = base + ("breach",) if breach_path_ok else base
        if metric.higher_is_better and breach > target:
            self.add(path, f"kpi {kpi_id}: breach {_fmt(breach)} is above target {_fmt(target)}, but for "
                     f"{metric.name} higher is better: the breach threshold must be at or below the target")
        elif not metric.higher_is_better and breach < target:
            self.add(path, f"kpi {kpi_id}: breach {_fmt(breach)} is below target {_fmt(target)}, but for "
                     f"{metric.name} lower is better: the breach threshold must be at or above the target")

    def tables(self) -> None:
        c = self.c
        self.choice(("review", "frequency"), c.review.frequency, model.FREQUENCIES, "review frequency")
        if c.volume_band is not None:
            vb = c.volume_band
            if vb.upper <= vb.lower:
                self.add(("volume_band", "upper"), f"volume_band: lower {_fmt(vb.lower)} must be below upper {_fmt(vb.upper)}")
            self.choice(("volume_band", "per"), vb.per, ("interval", "day"), "volume-band unit")
        if c.data_handling is not None:
            dh = c.data_handling
            seen: set[str] = set()
            for i, duty in enumerate(dh.duty):
                path = ("data_handling", "duty", i)
                self.choice(path + ("every",), duty.every, model.OBLIGATION_EVERY, "frequency")
                if duty.id in seen:
                    self.add(path + ("id",), f"duplicate duty id {duty.id!r}")
                if duty.id == "breach-notification":
                    self.add(path + ("id",), "duty id 'breach-notification' is kept for data-protection incidents "
                             "(breach_notification_within, ccc incident): choose another id")
                seen.add(duty.id)
        if c.service_credits is not None:
            sc = c.service_credits
            kpi_ids = [k.id for k in c.kpi]
            for i, band in enumerate(sc.bonus):
                path = ("service_credits", "bonus", i)
                if band.kpi not in kpi_ids:
                    self.add(path + ("kpi",), f"bonus band names unknown KPI {band.kpi!r}{did_you_mean(band.kpi, kpi_ids)}")
        seen_ob: set[str] = set()
        for i, ob in enumerate(c.obligation):
            path = ("obligation", i)
            self.choice(path + ("every",), ob.every, model.OBLIGATION_EVERY, "frequency")
            if ob.id in seen_ob:
                self.add(path + ("id",), f"duplicate obligation id {ob.id!r}")
            seen_ob.add(ob.id)
            if ob.every == "once" and ob.due is not None and not hasattr(ob.due, "isoformat"):
                self.add(path + ("due",), f"obligation {ob.id}: a one-off obligation is due on a date (YYYY-MM-DD)")


    def pricing(self) -> None:
        pricing = self.c.pricing
        if pricing is None:
            return
        if pricing.currency is not None and not re.fullmatch(r"[A-Z]{3}", pricing.currency):
            self.add(("pricing", "currency"),
                     f"pricing currency {pricing.currency!r} is not a three-letter ISO 4217 code (e.g. EUR)")
        seen: dict[str, int] = {}
        for i, line in enumerate(pricing.line):
            path = ("pricing", "line", i)
            if line.id in seen:
                self.add(path + ("id",), f"duplicate pricing line id {line.id!r} (already used by line #{seen[line.id] + 1})")
            else:
                seen[line.id] = i
            if not line.id.strip():
                self.add(path + ("id",), "pricing line id must not be empty")
            self.choice(path + ("unit",), line.unit, model.PRICING_UNITS, "pricing unit")
            self.choice(path + ("tiers",), line.tiers, model.TIER_MODES, "tier mode")
            for j, channel in enumerate(line.channels):
                if channel not in model.CHANNELS:
                    self.choice(path + ("channels", j), channel, model.CHANNELS, "channel")
                elif channel not in self.c.scope.channels:
                    self.add(path + ("channels", j), f"pricing line {line.id}: channel {channel!r} is not in the "
                             f"scope's channels ({', '.join(self.c.scope.channels) or 'none'})")
            if line.unit == "fixed_month":
                if line.tier:
                    self.add(path + ("tier",), f"pricing line {line.id}: a fixed_month line has no volume tiers")
                if line.channels or line.queues:
                    key = "channels" if line.channels else "queues"
                    self.add(path + (key,), f"pricing line {line.id}: a fixed_month line has no scope "
                             "(channels, queues): it is billed once a month")
            elif line.unit == "fte_month" and line.channels:
                self.add(path + ("channels",), f"pricing line {line.id}: an fte_month line counts people, "
                         "not channels (give queues, or nothing for the whole team)")
            previous = None
            for j, tier in enumerate(line.tier):
                tpath = path + ("tier", j, "from")
                if tier.from_ <= 0:
                    self.add(tpath, f"pricing line {line.id}: tier from {_fmt(tier.from_)} must be above 0 "
                             "(the line's own rate applies from 0)")
                elif previous is not None and tier.from_ <= previous:
                    self.add(tpath, f"pricing line {line.id}: tier from {_fmt(tier.from_)} must be above the "
                             f"previous tier's {_fmt(previous)} (write the tiers in rising order)")
                previous = tier.from_ if previous is None or tier.from_ > previous else previous


def check_contract(contract: Contract, data: dict, lines: dict, name: str) -> list[Problem]:
    """Every problem with the meaning of `contract` (parsed from `data`, key lines `lines`, file `name`)."""
    return _Checker(contract, data, lines, name).run()
