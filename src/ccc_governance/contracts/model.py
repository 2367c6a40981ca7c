"""The contract model: attrs classes that mirror the TOML file format key for key.

A contract file is parsed with `tomllib` and structured into these classes by cattrs
(see `loader.py`); validation that needs more than types lives in `validate.py`. Python
attribute names equal the TOML keys, except where a key is a Python keyword: `class` → `kpi_class`,
`from` → `from_`. Every key, its type, unit and default is documented in `docs/contract-format.md`.

Units: rates and shares are fractions 0–1 (`target = 0.8` is 80 %); keys ending in `_percent` are
percentages (12 = 12 %); time thresholds ending in `_s` are seconds; durations are strings such as
`24h`, `10d`, `3bd` (see `ccc_governance.durations`).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from ..durations import BusinessCalendar, Duration, parse_window

SCHEMA = "ccc-contract/1"
CHANNELS = ("voice", "email", "chat", "social", "sms", "video")
DIRECTIONS = ("inbound", "outbound", "any")
KPI_PERIODS = ("interval", "day", "week", "month", "quarter")
KPI_CLASSES = ("critical", "key")
FREQUENCIES = ("weekly", "monthly", "quarterly", "semiannual", "annual")
OBLIGATION_EVERY = ("once",) + FREQUENCIES


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
    monthly_fee: float | None = None
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
    min_volume: int = 0
    kpi_class: str = "key"  # TOML key `class`
    allocation: float = 0.0  # share (0–1) of the service-credit pool
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

    lower: float = 0.0
    upper: float = 1e9
    per: str = "day"  # the unit compared with the forecast: interval or day


@attrs.define
class Review:
    """`[review]`: how often performance is reviewed and by whom."""

    frequency: str = "monthly"
    hold_within_days: int = 10  # after the period ends
    pre_read_days: int = 3  # before the meeting (the latest hold date)
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
    on_time_target: float | None = None


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
    retention_days: int | None = None
    recording_retention_days: int | None = None
    breach_notification_within: Duration | None = None
    pseudonymise_customer_ids: bool = True
    do_not_contact: bool = True  # the CCC honours the client's do-not-contact list
    duty: list[Duty] = attrs.Factory(list)


@attrs.define
class BonusBand:
    """`[[service_credits.bonus]]`: a bonus when a KPI reaches a level."""

    kpi: str
    at_or_above: float
    percent: float  # of the monthly fee


@attrs.define
class ServiceCredits:
    """`[service_credits]`: what a miss costs the CCC."""

    at_risk_percent: float = 0.0  # share of the monthly fee at risk
    pool_percent: float = 100.0  # multiplier on the at-risk amount shared among critical KPIs
    cap_percent: float = 100.0  # ceiling of credits in a period, as % of the monthly fee
    earn_back_periods: int = 0  # credits waived when this many following periods meet target
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
