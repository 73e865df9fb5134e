"""Shared helpers of the fitting modules: duration floor, share rounding, scipy names."""

from __future__ import annotations

import numpy as np
from scipy import stats

SERVICE_CANDIDATES: tuple[str, ...] = ("lognormal", "gamma", "weibull", "exponential")
SCIPY_DISTS = {
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
    "exponential": stats.expon,
}
MIN_DURATION = 0.5 / 60.0  # minutes: floor for zero durations (half a second)


def round_shares(x: np.ndarray, digits: int = 6) -> list[float]:
    """Shares rounded to ``digits`` that still sum to exactly 1 (the largest absorbs the rest)."""
    if len(x) == 0 or x.sum() <= 0:
        return [float(v) for v in x]
    r = np.round(x / x.sum(), digits)
    r[int(np.argmax(r))] += round(1.0 - float(r.sum()), digits)
    return [float(round(v, digits)) for v in r]
