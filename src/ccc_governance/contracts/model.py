"""The contract model: attrs classes that mirror the TOML file format key for key.

A contract file is parsed with `tomllib` and structured into these classes by cattrs
(see `loader.py`); validation that needs more than types lives in `validate.py`. Python
attribute names equal the TOML keys, except where a key is a Python keyword: `class` → `kpi_class`,
`from` → `from_`. Every key, its type, unit and default is documented in `docs/contract-format.md`.

Units: rates and shares are fractions 0–1 (`target = 0.8` is 80 %); keys ending in `_percent` are
percentages (12 = 12 %); time thresholds ending in `_s` are seconds; durations are strings such as
`24h`, `10d`, `3bd` (see `ccc_governance.durations`).

Ranges: this module is the one place that says which values a contract can mean. A number field
carries its `Bound` in its attrs metadata (`bounded(...)`); a number without one lies within
±`NUMBER_LIMIT`; every date lies in `DATE_MIN`…`DATE_MAX`; a metric parameter's range is in
`PARAM_BOUNDS`; a duration is at most `durations.MAX_DAYS` long. The loader checks these and the
JSON Schema is generated from them (`bound_of`, `param_bound`); docs/contract-format.md lists them.
NaN and infinities are refused everywhere.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from ..durations import MAX_DAYS, BusinessCalendar, Duration, parse_window

SCHEMA = "ccc-contract/1"
CHANNELS = ("voice", "email", "chat", "social", "sms", "video")
DIRECTIONS = ("inbound", "outbound", "any")
KPI_PERIODS = ("interval", "day", "week", "month", "quarter")
KPI_CLASSES = ("critical", "key")
FREQUENCIES = ("weekly", "monthly", "quarterly", "semiannual", "annual")
OBLIGATION_EVERY = ("once",) + FREQUENCIES
#: What a pricing line bills per (`[[pricing.line]] unit`): see docs/contract-format.md.
PRICING_UNITS = ("handled_contact", "handled_minute", "productive_hour", "fte_month", "fixed_month")
#: How a line's volume tiers apply: each tier's rate to the volume inside it, or one rate to all of it.
TIER_MODES = ("marginal", "whole")

# -- ranges ------------------------------------------------------------------------------------

#: Every number of a contract without a narrower `Bound` lies within ±NUMBER_LIMIT (a billion:
#: more than any fee, volume or threshold an agreement sets, and exact as a float).
NUMBER_LIMIT = 1e9
#: Every date of a contract lies in DATE_MIN…DATE_MAX: dates a contact-centre agreement can mean,
#: far enough from `date.min`/`date.max` that period and deadline arithmetic never overflows.
DATE_MIN = date(1970, 1, 1)
DATE_MAX = date(2199, 12, 31)
#: Seconds in the longest time span a contract may set (`durations.MAX_DAYS` days).
MAX_SECONDS = MAX_DAYS * 86400


@attrs.frozen
class Bound:
    """The closed range `lo`…`hi` a number key may take; `unit` and `hint` complete the message."""

    lo: float
    hi: float
    unit: str = ""
    hint: str = ""

    def contains(self, value: float) -> bool:
        return self.lo <= value <= self.hi

    def clamp(self, value):
        """`value` brought inside the range (what the rest of a check sees once the problem is told)."""
        return min(max(value, self.lo), self.hi)

    def text(self) -> str:
        """`0–1`, `0–31,622,400 s`: the range as a message shows it."""
        return f"{number_text(self.lo)}–{number_text(self.hi)}{self.unit}"


def number_text(value) -> str:
    """A number as a one-line message shows it: `0.8`, `1,000,000,000`, a huge one shortened."""
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer() and abs(value) < 1e16):
        digits = f"{int(value):,}"
        return digits if len(digits) <= 25 else f"{digits[:9]}… ({len(str(abs(int(value))))} digits)"
    return f"{value:g}"


#: The range of every number without a narrower bound.
ANY_NUMBER = Bound(-NUMBER_LIMIT, NUMBER_LIMIT)
_RATE = Bound(0.0, 1.0, hint=" (a rate: 0.95 is 95 %)")
_PERCENT = Bound(0.0, 100.0, unit=" %")
_DAYS = Bound(0, MAX_DAYS, unit=" days")

#: Metric parameter (a plain key of `[[kpi]]`, see the metric catalogue) → its range. Numeric
#: parameters missing here take `Bound(0, NUMBER_LIMIT)`; a test keeps every catalogue one listed.
PARAM_BOUNDS: dict[str, Bound] = {
    "answer_within_s": Bound(0, MAX_SECONDS, unit=" s"),
    "short_abandon_s": Bound(0, MAX_SECONDS, unit=" s"),
    "scale": Bound(1, 1000, hint=" (the top of the survey scale, e.g. 5 or 10)"),
    "satisfied_min": Bound(0, 1000, hint=" (a score on the survey scale)"),
}


def bounded(default: Any = attrs.NOTHING, *, bound: Bound, factory=None) -> Any:
    """An attrs field whose number (or each number of its list) must lie within `bound`."""
    if factory is not None:
        return attrs.field(factory=factory, metadata={"bound": bound})
    return attrs.field(default=default, metadata={"bound": bound})


def bound_of(attribute: attrs.Attribute) -> Bound:
    """The range of a number field (its own `Bound`, else ±NUMBER_LIMIT)."""
    return attribute.metadata.get("bound", ANY_NUMBER)


def param_bound(name: str) -> Bound:
    """The range of a numeric metric parameter."""
    return PARAM_BOUNDS.get(name, Bound(0, NUMBER_LIMIT))


@attrs.define
class ContractInfo:
    """`[contract]`: who the agreement is between and when it is in force."""

    id: str
    title: str
    client: str
    ccc: str
    effective_from: date
    timezone: str
    currency: str = "EUR"
    effective_to: date | None = None  # inclusive last day; None = open-ended
    monthly_fee: float | None = bounded(None, bound=Bound(0.0, NUMBER_LIMIT))
    description: str | None = None

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_to is None or day <= self.effective_to)


@attrs.define
class Scope:
    """`[scope]`: which imported records belong to this contract."""

    sources: list[str] = attrs.Factory(list)  # source names (plugins); empty = any source
    queues: list[str] = attrs.Factory(lambda: ["*"])  # fnmatch globs over queue name or id
    channels: list[str] = attrs.Factory(lambda: list(CHANNELS))
    direction: str = "inbound"
    hours: dict[str, list[str]] = attrs.Factory(dict)  # mon..sun -> ["08:00-20:00"]; empty = 24/7
    holidays: list[date] = attrs.Factory(list)

    def calendar(self, timezone: str) -> BusinessCalendar:
        """The opening hours and holidays as a `BusinessCalendar` (for business-time durations)."""
        hours = {day: [parse_window(w) for w in windows] for day, windows in self.hours.items()}
        return BusinessCalendar(hours=hours, holidays=frozenset(self.holidays), timezone=timezone)


@attrs.define
class ScheduleStep:
    """`[[kpi.schedule]]`: from this date on, the KPI's target (and breach threshold) change."""

    from_: date
    target: float
    breach: float | None = None


@attrs.define
class Kpi:
    """`[[kpi]]`: one measured commitment."""

    id: str
    metric: str
    target: float
    breach: float | None = None  # past this it is a breach; between target and breach: at risk
    channel: str | None = None  # None: every channel in scope
    period: str = "month"
    min_volume: int = bounded(0, bound=Bound(0, NUMBER_LIMIT))
    kpi_class: str = "key"  # TOML key `class`
    allocation: float = bounded(0.0, bound=Bound(0.0, 1.0, hint=" (a share of the credit pool: 0.25 is 25 %)"))
    description: str | None = None
    schedule: list[ScheduleStep] = attrs.Factory(list)
    params: dict[str, Any] = attrs.Factory(dict)  # the metric's parameters, e.g. answer_within_s

    def thresholds_on(self, day: date) -> tuple[float, float | None]:
        """The (target, breach) in force on `day`, after applying the improvement schedule."""
        target, breach = self.target, self.breach
        for step in sorted(self.schedule, key=lambda s: s.from_):
            if step.from_ <= day:
                target = step.target
                breach = step.breach if step.breach is not None else breach
        return target, breach


@attrs.define
class VolumeBand:
    """`[volume_band]`: outside lower×forecast … upper×forecast the CCC is released from its KPIs."""

    lower: float = bounded(0.0, bound=Bound(0.0, NUMBER_LIMIT, hint=" (a multiple of the forecast)"))
    upper: float = bounded(NUMBER_LIMIT, bound=Bound(0.0, NUMBER_LIMIT, hint=" (a multiple of the forecast)"))
    per: str = "day"  # the unit compared with the forecast: interval or day


@attrs.define
class Review:
    """`[review]`: how often performance is reviewed and by whom."""

    frequency: str = "monthly"
    hold_within_days: int = bounded(10, bound=_DAYS)  # after the period ends
    pre_read_days: int = bounded(3, bound=_DAYS)  # before the meeting (the latest hold date)
    attendees: list[str] = attrs.Factory(list)
    sign_off: list[str] = attrs.Factory(lambda: ["client", "ccc"])


@attrs.define
class Complaints:
    """`[complaints]`: the complaint-handling conditions agreed with the CCC (ISO 18295-2)."""

    acknowledge_within: Duration | None = None
    update_every: Duration | None = None
    escalate_within: Duration | None = None
    resolve_within: Duration | None = None
    categories: list[str] = attrs.Factory(list)
    on_time_target: float | None = bounded(None, bound=_RATE)


@attrs.define
class Duty:
    """`[[data_handling.duty]]`: a dated data-protection duty that needs evidence."""

    id: str
    every: str
    description: str = ""
    due: Duration | None = None  # offset from the start of each period; default: its last day
    owner: str = "ccc"


@attrs.define
class DataHandling:
    """`[data_handling]`: the customer-data rules of the agreement."""

    data_location: str | None = None
    retention_days: int | None = bounded(None, bound=Bound(0, 36600, unit=" days"))  # up to 100 years
    recording_retention_days: int | None = bounded(None, bound=Bound(0, 36600, unit=" days"))
    breach_notification_within: Duration | None = None
    # true: the CCC honours the client's do-not-contact list, a duty attested quarterly (none when unset)
    do_not_contact: bool | None = None
    duty: list[Duty] = attrs.Factory(list)


#: Keys taken out of the format: `(class, key) → why`. A file that still sets one gets a clear
#: message at its line (contracts/loader.py) and the JSON Schema refuses it with the same words.
REMOVED_KEYS: dict[tuple[type, str], str] = {
    (DataHandling, "pseudonymise_customer_ids"): "customer ids are always pseudonymised (a keyed hash at import, "
    "whatever the contract says); delete the line",
}


@attrs.define
class BonusBand:
    """`[[service_credits.bonus]]`: a bonus when a KPI reaches a level."""

    kpi: str
    at_or_above: float
    percent: float = bounded(bound=_PERCENT)  # of the monthly fee


@attrs.define
class ServiceCredits:
    """`[service_credits]`: what a miss costs the CCC."""

    at_risk_percent: float = bounded(0.0, bound=_PERCENT)  # share of the monthly fee at risk
    pool_percent: float = bounded(100.0, bound=Bound(0.0, 1000.0, unit=" %"))  # multiplier on the at-risk amount
    cap_percent: float = bounded(100.0, bound=_PERCENT)  # ceiling of credits in a period, as % of the monthly fee
    # Credits waived when this many following months meet target (at most a year of months).
    earn_back_periods: int = bounded(0, bound=Bound(0, 12, unit=" months"))
    bonus: list[BonusBand] = attrs.Factory(list)


@attrs.define
class Obligation:
    """`[[obligation]]`: what the client owes the CCC (forecasts, information pack, product changes)."""

    id: str
    description: str
    every: str = "monthly"
    due: Duration | date | None = None  # offset from each period's start (may be negative); a date for `once`
    owner: str = "client"


@attrs.define
class PriceTier:
    """`[[pricing.line.tier]]`: from this monthly volume on (in the line's unit), this rate."""

    from_: float = bounded(bound=Bound(0.0, NUMBER_LIMIT, hint=" (a monthly volume in the line's unit)"))
    rate: float = bounded(bound=Bound(0.0, NUMBER_LIMIT, hint=" (a price per unit)"))


@attrs.define
class PriceLine:
    """`[[pricing.line]]`: one thing the CCC may bill, its unit and its rate."""

    id: str
    unit: str  # one of PRICING_UNITS
    rate: float = bounded(bound=Bound(0.0, NUMBER_LIMIT, hint=" (a price per unit)"))  # below the first tier
    channels: list[str] = attrs.Factory(list)  # empty: every channel of the contract's scope
    queues: list[str] = attrs.Factory(list)  # fnmatch globs; empty: every queue of the contract's scope
    tiers: str = "marginal"  # marginal | whole: how `tier` applies
    tier: list[PriceTier] = attrs.Factory(list)
    description: str | None = None

    def rate_for(self, volume: float) -> float:
        """The rate of the tier `volume` falls in (the line's own rate below the first tier)."""
        rate = self.rate
        for tier in sorted(self.tier, key=lambda t: t.from_):
            if volume >= tier.from_:
                rate = tier.rate
        return rate


@attrs.define
class Pricing:
    """`[pricing]`: what the client pays the CCC, line by line, and how close an invoice must be."""

    currency: str | None = None  # None: the contract's currency
    tolerance_percent: float = bounded(0.5, bound=_PERCENT)  # of the expected amount …
    tolerance_amount: float = bounded(1.0, bound=Bound(0.0, NUMBER_LIMIT))  # … or this much, whichever is larger
    line: list[PriceLine] = attrs.Factory(list)

    def line_by_id(self, line_id: str) -> PriceLine | None:
        return next((line for line in self.line if line.id == line_id), None)


@attrs.define
class Contract:
    """A whole contract file."""

    schema: str
    contract: ContractInfo
    scope: Scope = attrs.Factory(Scope)
    kpi: list[Kpi] = attrs.Factory(list)
    volume_band: VolumeBand | None = None
    review: Review = attrs.Factory(Review)
    complaints: Complaints | None = None
    data_handling: DataHandling | None = None
    service_credits: ServiceCredits | None = None
    obligation: list[Obligation] = attrs.Factory(list)
    pricing: Pricing | None = None

    @property
    def id(self) -> str:
        return self.contract.id

    @property
    def kpis(self) -> list[Kpi]:
        return self.kpi

    @property
    def obligations(self) -> list[Obligation]:
        return self.obligation

    def kpi_by_id(self, kpi_id: str) -> Kpi | None:
        return next((k for k in self.kpi if k.id == kpi_id), None)

    def calendar(self) -> BusinessCalendar:
        return self.scope.calendar(self.contract.timezone)

    @property
    def pricing_currency(self) -> str:
        """The currency of the pricing lines (`[pricing] currency`, else the contract's)."""
        if self.pricing is not None and self.pricing.currency:
            return self.pricing.currency
        return self.contract.currency
