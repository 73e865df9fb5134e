"""Calendar effects in the simulator's terms: holidays, adjusted working days, post-holiday.

:func:`calibration.fit.fit_daily_counts` fits weekday and month factors on regular days.
The simulator (``simulator.model.calendar.day_volume_factor``) also needs

* ``demand.holiday_factor``: a holiday's volume = ``daily_volume x holiday_factor x
  month factor`` (it replaces the weekday factor);
* ``demand.adjusted_workday_factor``: an adjusted working weekend day (调休) =
  ``daily_volume x adjusted_workday_factor x mean(Mon-Fri factors) x month factor``;
* ``demand.post_holiday_factors``: multipliers of the first and second working day after
  a holiday break of 3+ days.

Each is the ratio of observed to expected visits over the days of its kind, with the
expectation from the regular-day fit: the Poisson maximum-likelihood estimate of a
multiplicative factor with the other factors held fixed. Its standard error comes from
the negative-binomial variance ``mu + cv^2 mu^2`` of a day count (``cv`` = busyness).
Days the simulator keeps closed (Spring Festival days 1-3) are not in the counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration.arrivals import DailyFit
from calibration.calendar import OfficialCalendar

__all__ = ["CalendarEffects", "FactorEstimate", "fit_calendar_effects"]


@dataclass(frozen=True)
class FactorEstimate:
    """One fitted day-level factor.

    Attributes
    ----------
    value : float or None
        Observed / expected visits (None when no day of the kind was observed).
    se : float
        Standard error (NaN when not estimable).
    n_days : int
        Days of that kind in the data.
    observed, expected : float
        Visits observed and expected (factor 1) on those days.
    """

    value: float | None
    se: float
    n_days: int
    observed: float
    expected: float


@dataclass(frozen=True)
class CalendarEffects:
    """Holiday, adjusted-working-day and post-holiday factors (simulator semantics)."""

    holiday: FactorEstimate
    adjusted_workday: FactorEstimate
    post_holiday: tuple[FactorEstimate, ...]

    def to_scenario(self) -> dict[str, object]:
        """``demand`` keys for the estimated factors (kinds never observed are omitted)."""
        out: dict[str, object] = {}
        if self.holiday.value is not None:
            out["holiday_factor"] = round(self.holiday.value, 4)
        if self.adjusted_workday.value is not None:
            out["adjusted_workday_factor"] = round(self.adjusted_workday.value, 4)
        if self.post_holiday and all(p.value is not None for p in self.post_holiday):
            out["post_holiday_factors"] = [
                round(float(p.value or 0.0), 4) for p in self.post_holiday
            ]
        return out

    def table(self) -> pd.DataFrame:
        """One row per factor: ``factor``, ``value``, ``se``, ``n_days``, ``observed``,
        ``expected``."""
        rows = [
            ("holiday_factor", self.holiday),
            ("adjusted_workday_factor", self.adjusted_workday),
        ]
        rows += [(f"post_holiday_factors[{k}]", p) for k, p in enumerate(self.post_holiday)]
        return pd.DataFrame(
            [(n, f.value, f.se, f.n_days, f.observed, f.expected) for n, f in rows],
            columns=["factor", "value", "se", "n_days", "observed", "expected"],
        )


def _ratio(y: np.ndarray, mu: np.ndarray, cv: float) -> FactorEstimate:
    if len(y) == 0 or mu.sum() <= 0:
        return FactorEstimate(None, math.nan, len(y), float(y.sum()), float(mu.sum()))
    f = float(y.sum() / mu.sum())
    var = float(np.sum(f * mu + (cv * f * mu) ** 2))
    return FactorEstimate(
        f, math.sqrt(var) / float(mu.sum()), len(y), float(y.sum()), float(mu.sum())
    )


def fit_calendar_effects(
    counts: pd.Series, daily: DailyFit, calendar: OfficialCalendar, n_post: int = 2
) -> CalendarEffects:
    """Estimate the calendar factors the simulator uses, given the regular-day fit.

    Parameters
    ----------
    counts : pandas.Series
        Visits per open day, indexed by date.
    daily : DailyFit
        Regular-day fit (weekday / month factors, ``daily_volume``, busyness), fitted
        with the post-holiday days excluded.
    calendar : OfficialCalendar
        Holidays, adjusted working days and post-holiday days of the period.
    n_post : int
        Post-holiday working days with their own factor.

    Returns
    -------
    CalendarEffects
        Factors with standard errors.
    """
    idx = pd.DatetimeIndex(counts.index).normalize()
    y = counts.to_numpy(dtype=float)
    dates = [d.date() for d in idx]
    w = np.asarray(daily.weekday_factors)
    m = np.asarray(daily.month_factors)[idx.month.to_numpy() - 1]
    v = daily.daily_volume
    cv = daily.busyness_cv
    hol = np.array([d in set(calendar.holidays) for d in dates], dtype=bool)
    adj = np.array([d in set(calendar.working_days) for d in dates], dtype=bool)
    post_idx = np.array([calendar.post_holiday.get(d, -1) for d in dates], dtype=int)
    wk_mean = float(w[:5].mean())
    holiday = _ratio(y[hol], v * m[hol], cv)
    adj_only = adj & (post_idx < 0)
    adjusted = _ratio(y[adj_only], v * wk_mean * m[adj_only], cv)
    a = adjusted.value if adjusted.value is not None else 1.0
    base = np.where(adj, a * wk_mean, w[idx.day_of_week.to_numpy()]) * v * m
    post = tuple(_ratio(y[post_idx == k], base[post_idx == k], cv) for k in range(n_post))
    return CalendarEffects(holiday=holiday, adjusted_workday=adjusted, post_holiday=post)
