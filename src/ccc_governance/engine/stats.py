"""Honest statistics: the Wilson score interval of a rate and when a sample is too small to trust."""

from __future__ import annotations

import math

Z95 = 1.959963984540054
MIN_SAMPLE = 30


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval (95 % by default) of `successes` out of `n`; None when n = 0."""
    if not n or n <= 0:
        return None
    p = min(max(successes / n, 0.0), 1.0)
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def small_sample(n: float, ci: tuple[float, float] | None, thresholds: list[float | None]) -> bool:
    """True when `n` < 30, or the interval straddles the target or the breach threshold."""
    if n < MIN_SAMPLE:
        return True
    if ci is None:
        return False
    return any(t is not None and ci[0] < t < ci[1] for t in thresholds)
