"""Arrivals: day-level volume (weekday x month factors, busyness) and intraday profiles.

* Daily volume: Poisson log-linear model ``E[N_d] = V * w[dow(d)] * m[month(d)]``
  fitted by maximum likelihood (iterative proportional fitting on the weekday and month
  margins) on regular days (holidays and adjusted working weekend days left out).
  Normalisation: the Mon-Fri weekday factors average 1 and the observed month factors
  average 1, so ``V`` (``centre.daily_volume``) is the mean visits of a weekday in an
  average month.
* Busyness: the same mean with a gamma day factor of mean 1 and CV ``c`` gives a
  negative binomial; ``c`` by profile likelihood with the Poisson mean held fixed, and a
  likelihood-ratio test of ``c = 0`` whose null law is the 50:50 mixture of chi2(0) and
  chi2(1) (boundary), so ``p = 0.5 * P(chi2(1) > LR)``.
* Intraday: piecewise-constant rate per time bin and day type; bins are the clock grid
  of ``bin_minutes`` clipped to the opening intervals. Kim & Whitt (2014) check: within
  each (day, bin) the arrival times given their number are i.i.d. uniform if the rate is
  constant in the bin, so the pooled ``(t - bin_start) / bin_length`` are tested against
  U(0, 1) with Kolmogorov-Smirnov.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from calibration._common import round_shares
from calibration.calendar import DateLike, OpeningHours, day_types, hhmm, opening_intervals

__all__ = ["ArrivalFit", "DailyFit", "KSResult", "fit_arrivals", "fit_daily_counts"]


# =========================================================================== daily volume


@dataclass(frozen=True)
class DailyFit:
    """Day-level volume model.

    Attributes
    ----------
    daily_volume : float
        Mean visits on a weekday (Mon-Fri factor mean 1) in an average month.
    weekday_factors : tuple of float
        Mon..Sun multipliers of ``daily_volume`` (0 for a day of week never open).
    month_factors : tuple of float
        Jan..Dec multipliers, mean 1 over observed months; unobserved months are 1.0.
    months_observed : tuple of int
        Months (1-12) with at least one regular day.
    holiday_factor : float or None
        Holiday visits relative to the model's expectation for the same dates.
    n_days : int
        Regular days used.
    busyness_cv : float
        MLE of the CV of the gamma day factor (0 when the Poisson fits best).
    busyness_cv_moment : float
        Moment estimate of the same CV (for comparison; 0 if negative).
    lr_statistic : float
        Likelihood-ratio statistic, negative binomial vs Poisson.
    lr_pvalue : float
        Its p-value under the boundary mixture law.
    level : float
        Test level used for ``overdispersed``.
    """

    daily_volume: float
    weekday_factors: tuple[float, ...]
    month_factors: tuple[float, ...]
    months_observed: tuple[int, ...]
    holiday_factor: float | None
    n_days: int
    busyness_cv: float
    busyness_cv_moment: float
    lr_statistic: float
    lr_pvalue: float
    level: float = 0.05

    @property
    def overdispersed(self) -> bool:
        """True when Poisson day counts are rejected at ``level``."""
        return self.lr_pvalue < self.level


def _nb_loglik(y: np.ndarray, mu: np.ndarray, a: float) -> float:
    r = 1.0 / a
    return float(
        np.sum(
            special.gammaln(y + r)
            - special.gammaln(r)
            - special.gammaln(y + 1)
            + r * np.log(r / (r + mu))
            + y * np.log(mu / (r + mu))
        )
    )


def fit_daily_counts(
    counts: pd.Series,
    *,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    level: float = 0.05,
    exclude: Iterable[DateLike] | None = None,
) -> DailyFit:
    """Fit weekday and month factors and day-level busyness to daily counts.

    Parameters
    ----------
    counts : pandas.Series
        Visits per open day, indexed by date (``datetime64``). Days absent are closed.
    holidays, working_days : iterable of date-like, optional
        Calendar; holidays and adjusted working weekend days are left out of the
        factor fit (holidays get ``holiday_factor``).
    level : float
        Level of the overdispersion test.
    exclude : iterable of date-like, optional
        Further dates left out of the factor fit (e.g. the busy working days just after
        a long holiday, whose own factors are fitted by
        :func:`calibration.effects.fit_calendar_effects`).

    Returns
    -------
    DailyFit
        See the class; methods in the module docstring.
    """
    idx = pd.DatetimeIndex(counts.index).normalize()
    y_all = counts.to_numpy(dtype=float)
    dates = pd.Series(idx)
    dtype = day_types(dates, holidays, working_days).to_numpy()
    dow = idx.day_of_week.to_numpy()
    month = idx.month.to_numpy() - 1
    regular = ((dtype == "weekday") & (dow < 5)) | ((dtype == "weekend") & (dow >= 5))
    if exclude is not None:
        ex = pd.DatetimeIndex([pd.Timestamp(x) for x in exclude]).normalize()
        regular &= ~idx.isin(ex)
    if regular.sum() < 2:
        raise ValueError("fit_daily_counts: fewer than two regular (non-holiday) days")
    y, d, m = y_all[regular], dow[regular], month[regular]

    w = np.ones(7)
    mf = np.ones(12)
    base = y.mean()
    obs_w = np.bincount(d, weights=y, minlength=7)
    obs_m = np.bincount(m, weights=y, minlength=12)
    has_d = np.bincount(d, minlength=7) > 0
    has_m = np.bincount(m, minlength=12) > 0
    w[~has_d] = 0.0
    for _ in range(200):
        fit_w = np.bincount(d, weights=base * mf[m], minlength=7)
        w_new = np.where(has_d, obs_w / np.where(fit_w > 0, fit_w, 1.0), 0.0)
        fit_m = np.bincount(m, weights=base * w_new[d], minlength=12)
        m_new = np.where(has_m, obs_m / np.where(fit_m > 0, fit_m, 1.0), 1.0)
        done = np.allclose(w_new, w, rtol=1e-12, atol=0) and np.allclose(m_new, mf, rtol=1e-12)
        w, mf = w_new, m_new
        if done:
            break
    volume = base
    s = w[:5].mean() if w[:5].any() else w[has_d].mean()
    w, volume = w / s, volume * s
    t = mf[has_m].mean()
    mf = np.where(has_m, mf / t, 1.0)
    volume *= t
    mu = volume * w[d] * mf[m]

    pos = mu > 0
    yy, mm = y[pos], mu[pos]
    ll_p = float(np.sum(stats.poisson.logpmf(yy, mm)))
    res = optimize.minimize_scalar(
        lambda la: -_nb_loglik(yy, mm, math.exp(la)), bounds=(-16.0, 3.0), method="bounded"
    )
    ll_nb = -float(res.fun)
    lr = max(0.0, 2.0 * (ll_nb - ll_p))
    a_hat = math.exp(float(res.x)) if lr > 1e-9 else 0.0
    p = 1.0 if lr <= 1e-9 else 0.5 * float(stats.chi2.sf(lr, 1))
    a_mom = float(np.mean(((yy - mm) ** 2 - yy) / mm**2))

    hol = dtype == "holiday"
    holiday_factor = None
    if hol.any():
        exp_hol = volume * w[dow[hol]] * mf[month[hol]]
        if exp_hol.sum() > 0:
            holiday_factor = float(y_all[hol].sum() / exp_hol.sum())
    return DailyFit(
        daily_volume=float(volume),
        weekday_factors=tuple(float(x) for x in w),
        month_factors=tuple(float(x) for x in mf),
        months_observed=tuple(int(i + 1) for i in np.flatnonzero(has_m)),
        holiday_factor=holiday_factor,
        n_days=int(regular.sum()),
        busyness_cv=math.sqrt(a_hat),
        busyness_cv_moment=math.sqrt(max(a_mom, 0.0)),
        lr_statistic=lr,
        lr_pvalue=p,
        level=level,
    )


# =========================================================================== intraday


@dataclass(frozen=True)
class KSResult:
    """Kolmogorov-Smirnov test of the conditional-uniform transform.

    Attributes
    ----------
    statistic : float
        KS distance.
    pvalue : float
        p-value against U(0, 1).
    n : int
        Arrivals tested.
    """

    statistic: float
    pvalue: float
    n: int


@dataclass(frozen=True)
class ArrivalFit:
    """Arrival model: day-level volume plus intraday profiles.

    Attributes
    ----------
    bin_minutes : int
        Nominal bin width, minutes.
    rates : pandas.DataFrame
        One row per day type and bin: ``day_type``, ``start_min``, ``end_min`` (minutes
        after midnight), ``n_days`` (days of that type), ``count`` (arrivals),
        ``share`` (of the day type's arrivals), ``rate_per_hour`` (mean arrivals per
        hour in the bin on a day of that type).
    daily : DailyFit
        Day-level model.
    ks : KSResult
        Conditional-uniform KS check of constant rates within bins.
    n_arrivals : int
        Tickets counted (all outcomes).
    """

    bin_minutes: int
    rates: pd.DataFrame
    daily: DailyFit
    ks: KSResult
    n_arrivals: int

    def profile(self, day_type: str) -> list[dict[str, Any]]:
        """Scenario profile of one day type: ``[{start, end, share}, ...]`` summing to 1."""
        r = self.rates.loc[self.rates["day_type"] == day_type]
        shares = round_shares(r["share"].to_numpy())
        return [
            {"start": hhmm(a), "end": hhmm(b), "share": s}
            for a, b, s in zip(r["start_min"], r["end_min"], shares, strict=True)
        ]


def _bins(intervals: Sequence[tuple[int, int]], width: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in intervals:
        edges = sorted({a, b, *range((a // width + 1) * width, b, width)})
        out.extend(pairwise(edges))
    return out


def fit_arrivals(
    data: pd.DataFrame,
    *,
    bin_minutes: int = 30,
    opening_hours: OpeningHours | None = None,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    level: float = 0.05,
    exclude_days: Iterable[DateLike] | None = None,
) -> ArrivalFit:
    """Fit arrival rates per time bin and day type, and the day-level model.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log (``CleanResult.data``) of one centre; every row (any
        outcome) is an arrival at ``ticket_time``.
    bin_minutes : int
        Bin width, minutes (the grid starts at midnight; bins are clipped to opening
        intervals).
    opening_hours : mapping, optional
        Day type -> ``("HH:MM", "HH:MM")`` intervals. Without it each day type's range
        is the grid span from its first to its last observed arrival.
    holidays, working_days : iterable of date-like, optional
        Calendar for :func:`fit_daily_counts` (the day types of ``data`` were set by
        cleaning with the same calendar).
    level : float
        Level of the overdispersion test.
    exclude_days : iterable of date-like, optional
        Dates left out of the day-level factor fit (see :func:`fit_daily_counts`).

    Returns
    -------
    ArrivalFit
        Rates, shares, daily model and KS check.
    """
    if bin_minutes <= 0 or 1440 % bin_minutes:
        raise ValueError(f"bin_minutes must divide 1440, got {bin_minutes}")
    tmin = data["ticket_minute"].to_numpy(dtype=float)
    dtype = data["day_type"].astype(str).to_numpy()
    days = data.groupby("date").size()
    day_kind = data.groupby("date")["day_type"].first()
    frames = []
    u_all = []
    for kind in ("weekday", "weekend", "holiday"):
        sel = dtype == kind
        if not sel.any():
            continue
        t = tmin[sel]
        if opening_hours is not None and opening_intervals(opening_hours, kind):
            intervals = opening_intervals(opening_hours, kind)
        else:
            lo = int(t.min() // bin_minutes) * bin_minutes
            hi = min(int(-(-t.max() // bin_minutes)) * bin_minutes, 1440)
            intervals = [(lo, max(hi, lo + bin_minutes))]
        bins = _bins(intervals, bin_minutes)
        starts = np.array([b[0] for b in bins], dtype=float)
        ends = np.array([b[1] for b in bins], dtype=float)
        k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(bins) - 1)
        inside = (t >= starts[k]) & (t < ends[k])
        u_all.append((t[inside] - starts[k][inside]) / (ends[k][inside] - starts[k][inside]))
        cnt = np.bincount(k, minlength=len(bins)).astype(float)
        n_days = int((day_kind == kind).sum())
        frames.append(
            pd.DataFrame(
                {
                    "day_type": kind,
                    "start_min": starts,
                    "end_min": ends,
                    "n_days": n_days,
                    "count": cnt.astype(np.int64),
                    "share": cnt / cnt.sum(),
                    "rate_per_hour": cnt / n_days / ((ends - starts) / 60.0),
                }
            )
        )
    rates = pd.concat(frames, ignore_index=True)
    u = np.concatenate(u_all) if u_all else np.array([])
    ks = stats.kstest(u, "uniform") if len(u) else None
    ks_res = KSResult(
        statistic=float(ks.statistic) if ks is not None else math.nan,
        pvalue=float(ks.pvalue) if ks is not None else math.nan,
        n=len(u),
    )
    daily = fit_daily_counts(
        days, holidays=holidays, working_days=working_days, level=level, exclude=exclude_days
    )
    return ArrivalFit(
        bin_minutes=bin_minutes, rates=rates, daily=daily, ks=ks_res, n_arrivals=len(data)
    )
