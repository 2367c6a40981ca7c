"""Every metric as a ratio of additive daily sums, and its parameters.

Each metric turns one day's counts (`f`, a dict of sums; see `aggregates.FEATURES`) into
`(volume, numerator, denominator, extra)`; a period's figure is then `Σnum ÷ Σden` over its days
(`period_actual`). The formulas are written out in `docs/engine.md`.
"""

from __future__ import annotations

from ..durations import parse_duration
from ..errors import ContractError

#: metric → (higher_is_better, kind). Used when the metric catalogue does not know the metric.
LOCAL_METRICS: dict[str, tuple[bool, str]] = {
    "service_level": (True, "rate"),
    "asa": (False, "mean"),
    "abandon_rate": (False, "rate"),
    "aht": (False, "mean"),
    "fcr": (True, "rate"),
    "csat": (True, "rate"),
    "csat_mean": (True, "mean"),
    "nps": (True, "score"),
    "first_response_within": (True, "rate"),
    "complaint_acknowledged_on_time": (True, "rate"),
    "complaint_updated_on_time": (True, "rate"),
    "complaint_escalated_on_time": (True, "rate"),
    "complaint_resolved_on_time": (True, "rate"),
    "forecast_accuracy": (True, "rate"),
    "qa_score": (True, "rate"),
    "schedule_adherence": (True, "rate"),
    "agent_attrition": (False, "rate"),
    "employee_engagement": (True, "rate"),
}

CONTACT_METRICS = {"service_level", "asa", "abandon_rate", "aht", "forecast_accuracy", "first_response_within"}
SURVEY_METRICS = {"fcr", "csat", "csat_mean", "nps"}
COMPLAINT_METRICS = {
    "complaint_acknowledged_on_time": "acknowledge_within",
    "complaint_updated_on_time": "update_every",
    "complaint_escalated_on_time": "escalate_within",
    "complaint_resolved_on_time": "resolve_within",
}
#: priced from the contract's `[pricing]` at evaluation (`invoicing.cost_of`), not from `kpi_daily`
COST_METRICS = {"cost_per_contact", "cost_per_resolved_contact"}
WORKFORCE_METRICS = {"schedule_adherence", "agent_attrition", "employee_engagement"}
SL_VARIANTS = ("default", "offered", "answered", "abandons_in_sl")


def _catalogue():
    try:
        from ..metrics import CATALOGUE  # written by the contracts engineer
    except ImportError:
        return {}
    return CATALOGUE


def higher_is_better(metric: str) -> bool:
    """Whether a larger value is better for `metric` (catalogue first, then the local table)."""
    entry = _catalogue().get(metric)
    if entry is not None:
        return bool(entry.higher_is_better)
    if metric not in LOCAL_METRICS:
        raise ContractError(f"metric {metric!r} is not known to the engine")
    return LOCAL_METRICS[metric][0]


def is_rate(metric: str) -> bool:
    """A rate is a share of counted things (Wilson interval applies)."""
    entry = _catalogue().get(metric)
    if entry is not None:
        return entry.kind == "rate"
    return LOCAL_METRICS.get(metric, (True, "rate"))[1] == "rate"


def known(metric: str) -> bool:
    """Whether the engine can compute `metric`."""
    return metric in LOCAL_METRICS


def sl_params(params: dict) -> tuple[float, float, str]:
    """`(T, S, variant)` of a service-level or abandon KPI (defaults 20 s, 5 s, default)."""
    t = float(params.get("answer_within_s", 20))
    s = float(params.get("short_abandon_s", 5))
    return t, s, str(params.get("variant", "default"))


def csat_params(params: dict) -> tuple[float, float]:
    """`(scale, satisfied_min)` of a CSAT KPI (defaults 5 and 4)."""
    return float(params.get("scale", 5)), float(params.get("satisfied_min", 4))


def response_within(params: dict):
    """`(duration, business)` of a first-response KPI; `bh`/`bd` units imply business time.

    Calendar units (`4h`) with `business_hours = true` count only opening time.
    """
    raw = params.get("response_within", "1h")
    d = parse_duration(raw)
    return d, bool(params.get("business_hours", False)) or d.is_business


def limit_key(d) -> str:
    """A stable text key for a duration (used to share SQL sums between KPIs)."""
    return f"{d.amount}{d.unit}"


def daily(metric: str, params: dict, f: dict) -> tuple[float, float, float, float]:
    """One day's `(volume, numerator, denominator, extra)` for `metric` from the sums `f`."""
    g = lambda k: f.get(k) or 0  # noqa: E731 - absent sums are zero
    if metric == "service_level":
        variant = sl_params(params)[2]
        offered = g("answered") + g("abandoned")
        if variant == "offered":
            return offered, g("within"), offered, 0
        if variant == "answered":
            return offered, g("within"), g("answered"), 0
        if variant == "abandons_in_sl":
            return offered, g("within") + g("abwithin"), offered, 0
        return offered, g("within"), g("answered") + g("abandoned") - g("short"), 0
    if metric == "abandon_rate":
        offered = g("answered") + g("abandoned")
        return offered, g("abandoned") - g("short"), g("answered") + g("abandoned") - g("short"), 0
    if metric == "asa":
        return g("wait_n"), g("wait_sum"), g("wait_n"), 0
    if metric == "aht":
        return g("handle_n"), g("handle_sum"), g("handle_n"), 0
    if metric == "fcr":
        return g("fcr_n"), g("fcr_yes"), g("fcr_n"), 0
    if metric == "csat":
        return g("csat_n"), g("csat_sat"), g("csat_n"), 0
    if metric == "csat_mean":
        return g("csat_n"), g("csat_sum"), g("csat_n"), 0
    if metric == "nps":
        return g("nps_n"), 100 * (g("nps_prom") - g("nps_det")), g("nps_n"), 0
    if metric == "first_response_within":
        return g("fr_n"), g("fr_within"), g("fr_n"), 0
    if metric == "forecast_accuracy":
        # Only days with a forecast count: numerator = actual offered, denominator = forecast.
        if g("forecast") > 0:
            actual = g("answered") + g("abandoned")
            return actual, actual, g("forecast"), 0
        return 0, 0, 0, 0
    # Complaints, QA and workforce metrics are computed into num/den/extra directly.
    return g("volume"), g("num"), g("den"), g("extra")


def period_actual(metric: str, volume: float, num: float, den: float, extra: float) -> float | None:
    """The period's figure from its summed daily values (None when the denominator is zero)."""
    if not den:
        return None
    if metric == "forecast_accuracy":
        return max(0.0, 1 - abs(num - den) / den)
    if metric == "agent_attrition":
        # leavers ÷ average headcount, where average = Σ(headcount × days) ÷ Σ days
        return num / (den / extra) if extra else None
    return num / den
