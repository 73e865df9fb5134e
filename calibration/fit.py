"""Fitting of scenario parameters from a cleaned ticket log.

Pure functions on the ``data`` frame of :class:`calibration.clean.CleanResult`; each
returns a small frozen dataclass. :func:`fit_all` runs them all and returns a
:class:`CalibrationFit` whose :meth:`CalibrationFit.to_scenario_dict` gives nested dicts
in the scenario YAML schema. Units: times of day ``"HH:MM"``; durations in minutes;
rates in arrivals per hour.

Methods
-------
* Daily volume: Poisson log-linear model ``E[N_d] = V * w[dow(d)] * m[month(d)]``
  fitted by maximum likelihood (iterative proportional fitting on the weekday and month
  margins) on regular days (holidays and adjusted working weekend days left out).
  Normalisation: the Mon-Fri weekday factors average 1 and the observed month factors
  average 1 (unobserved months get 1.0), so ``V`` (``centre.daily_volume``) is the mean
  visits of a weekday in an average month.
* Busyness: the same mean with a gamma day factor of mean 1 and CV ``c`` gives a
  negative binomial; ``c`` by profile likelihood with the Poisson mean held fixed, and a
  likelihood-ratio test of ``c = 0`` whose null law is the 50:50 mixture of chi2(0) and
  chi2(1) (boundary), so ``p = 0.5 * P(chi2(1) > LR)``.
* Intraday: piecewise-constant rate per time bin and day type; bins are the clock grid
  of ``bin_minutes`` clipped to the opening intervals. Kim & Whitt (2014) check: within
  each (day, bin) the arrival times given their number are i.i.d. uniform if the rate is
  constant in the bin, so the pooled ``(t - bin_start) / bin_length`` are tested against
  U(0, 1) with Kolmogorov-Smirnov. Timestamps rounded to whole minutes make this reject.
* Service times: lognormal, gamma, Weibull and exponential fitted by MLE with location
  0, chosen by AIC. Goodness of fit: :func:`scipy.stats.goodness_of_fit` (Anderson-
  Darling, parameters re-estimated on each Monte Carlo sample, so the p-value accounts
  for estimation) on a random subsample of at most ``gof_max_n`` values with
  ``gof_n_mc`` Monte Carlo samples (defaults 500 and 99: a few tenths of a second per
  group, resolution 0.01 in p). Durations of 0 (same-second start and end) are floored
  at half a second.
* Patience: abandoned residents with a known leave time are exact observations; the
  waits of served / transferred residents are right-censored patience; no-shows (called,
  absent) are left-censored (they left before the call) in the parametric fits. Kaplan-
  Meier on exact and right-censored data; censored MLE for exponential and lognormal.
* Balking: the queue each ticket saw is rebuilt from the log (tickets of the same centre
  and day taken earlier whose wait had not ended), and the simulator's step rule
  ``P(balk | n) = probability * 1[n >= threshold]`` is fitted by profile maximum
  likelihood; see :mod:`calibration.balking`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from calibration.balking import BalkingFit, fit_balking
from calibration.calendar import DateLike, OpeningHours, day_types, hhmm, opening_intervals
from calibration.clean import CleanResult
from calibration.io import SKILL_LEVELS

__all__ = [
    "SERVICE_CANDIDATES",
    "ArrivalFit",
    "BalkingFit",
    "CalibrationFit",
    "CrossProvinceFit",
    "DailyFit",
    "DistFit",
    "KSResult",
    "MixFit",
    "PatienceFit",
    "ServiceFit",
    "fit_all",
    "fit_arrivals",
    "fit_balking",
    "fit_cross_province",
    "fit_daily_counts",
    "fit_mix",
    "fit_patience",
    "fit_service_distribution",
    "fit_service_times",
    "kaplan_meier",
]

SERVICE_CANDIDATES: tuple[str, ...] = ("lognormal", "gamma", "weibull", "exponential")
_SCIPY = {
    "lognormal": stats.lognorm,
    "gamma": stats.gamma,
    "weibull": stats.weibull_min,
    "exponential": stats.expon,
}
_MIN_DURATION = 0.5 / 60.0  # minutes: floor for zero durations (half a second)
_REGULAR = {"weekday": (0, 1, 2, 3, 4), "weekend": (5, 6)}


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
        shares = _round_shares(r["share"].to_numpy())
        return [
            {"start": hhmm(a), "end": hhmm(b), "share": s}
            for a, b, s in zip(r["start_min"], r["end_min"], shares, strict=True)
        ]


def _round_shares(x: np.ndarray, digits: int = 6) -> list[float]:
    if len(x) == 0 or x.sum() <= 0:
        return [float(v) for v in x]
    r = np.round(x / x.sum(), digits)
    r[int(np.argmax(r))] += round(1.0 - float(r.sum()), digits)
    return [float(round(v, digits)) for v in r]


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


# =========================================================================== mixes


@dataclass(frozen=True)
class MixFit:
    """Item, family and origin mixes.

    Attributes
    ----------
    items : pandas.DataFrame
        ``item_id``, ``family``, ``count``, ``share`` (of all tickets).
    families : pandas.DataFrame
        ``family``, ``count``, ``share``.
    origins : pandas.DataFrame
        ``origin``, ``count``, ``share`` (of tickets with a known origin).
    n_origin_missing : int
        Tickets with an empty origin (left out of origin shares unless assigned by
        ``missing_origin_as``).
    """

    items: pd.DataFrame
    families: pd.DataFrame
    origins: pd.DataFrame
    n_origin_missing: int


def _shares(s: pd.Series, name: str) -> pd.DataFrame:
    vc = s.value_counts()
    return pd.DataFrame(
        {
            name: vc.index.astype(str),
            "count": vc.to_numpy(np.int64),
            "share": vc.to_numpy() / max(vc.sum(), 1),
        }
    )


def fit_mix(data: pd.DataFrame, *, missing_origin_as: str | None = None) -> MixFit:
    """Item, family and origin mixes with counts.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log.
    missing_origin_as : str, optional
        Province to assign empty origins to (e.g. ``"shanghai"`` when the system only
        records origins of cross-province tickets); ``None`` leaves them out.

    Returns
    -------
    MixFit
        Shares with counts.
    """
    items = (
        data.groupby(["item_id", "family"])
        .size()
        .rename("count")
        .reset_index()
        .sort_values("count", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    items["item_id"] = items["item_id"].astype(str)
    items["family"] = items["family"].astype(str)
    items["share"] = items["count"] / items["count"].sum()
    origin = data["origin"]
    n_missing = int(origin.isna().sum())
    if missing_origin_as is not None:
        origin = origin.fillna(missing_origin_as)
    return MixFit(
        items=items,
        families=_shares(data["family"], "family"),
        origins=_shares(origin.dropna(), "origin"),
        n_origin_missing=n_missing,
    )


# =========================================================================== service


@dataclass(frozen=True)
class DistFit:
    """One candidate distribution fitted by MLE (location 0).

    Attributes
    ----------
    dist : str
        ``lognormal``, ``gamma``, ``weibull`` or ``exponential``.
    params : tuple of float
        scipy.stats parameters ``(shape..., loc, scale)`` (minutes for scale).
    loglik : float
        Maximised log-likelihood.
    aic : float
        ``2 k - 2 loglik`` (k = 1 for exponential, else 2).
    mean : float
        Mean of the fitted distribution, minutes.
    cv : float
        Coefficient of variation of the fitted distribution.
    """

    dist: str
    params: tuple[float, ...]
    loglik: float
    aic: float
    mean: float
    cv: float

    def to_scenario(self) -> dict[str, Any]:
        """Scenario form: ``{dist, mean, cv}`` (``{dist, mean}`` for exponential)."""
        out: dict[str, Any] = {"dist": self.dist, "mean": round(self.mean, 4)}
        if self.dist != "exponential":
            out["cv"] = round(self.cv, 4)
        return out


@dataclass(frozen=True)
class ServiceFit:
    """Service-time fit for one group (family, or family and skill level).

    Attributes
    ----------
    group : str
        Family name.
    level : str
        Skill level the rows came from, or ``"all"``.
    n : int
        Service times used.
    n_floored : int
        Zero durations floored at half a second.
    sample_mean : float
        Sample mean, minutes.
    sample_cv : float
        Sample CV.
    candidates : tuple of DistFit
        All candidates, best (lowest AIC) first.
    gof_statistic : float
        Anderson-Darling statistic of the best fit (on the subsample).
    gof_pvalue : float
        Monte Carlo p-value with re-estimated parameters (NaN if not run).
    gof_n : int
        Subsample size used for the test.
    gof_n_mc : int
        Monte Carlo samples.
    """

    group: str
    level: str
    n: int
    n_floored: int
    sample_mean: float
    sample_cv: float
    candidates: tuple[DistFit, ...]
    gof_statistic: float
    gof_pvalue: float
    gof_n: int
    gof_n_mc: int

    @property
    def best(self) -> DistFit:
        """The candidate with the lowest AIC."""
        return self.candidates[0]


def fit_service_distribution(
    x: np.ndarray, candidates: Sequence[str] = SERVICE_CANDIDATES
) -> tuple[DistFit, ...]:
    """Fit candidate distributions by MLE with location 0 and rank them by AIC.

    Parameters
    ----------
    x : numpy.ndarray
        Positive durations, minutes.
    candidates : sequence of str
        Names from :data:`SERVICE_CANDIDATES`.

    Returns
    -------
    tuple of DistFit
        Sorted by AIC, best first.
    """
    x = np.asarray(x, dtype=float)
    if len(x) < 2 or np.any(x <= 0):
        raise ValueError("need at least two positive durations")
    out = []
    for name in candidates:
        dist = _SCIPY[name]
        if name == "exponential":
            params: tuple[float, ...] = (0.0, float(x.mean()))
        else:
            params = tuple(float(p) for p in dist.fit(x, floc=0))
        frozen = dist(*params)
        ll = float(np.sum(frozen.logpdf(x)))
        k = 1 if name == "exponential" else 2
        mean, sd = float(frozen.mean()), float(frozen.std())
        out.append(DistFit(name, params, ll, 2 * k - 2 * ll, mean, sd / mean))
    return tuple(sorted(out, key=lambda f: f.aic))


def _service_fit(
    x: np.ndarray,
    group: str,
    level: str,
    candidates: Sequence[str],
    gof_n_mc: int,
    gof_max_n: int,
    rng: np.random.Generator,
) -> ServiceFit:
    n_floored = int(np.sum(x <= 0))
    x = np.maximum(x, _MIN_DURATION)
    fits = fit_service_distribution(x, candidates)
    stat, p, n_gof = math.nan, math.nan, 0
    if gof_n_mc > 0:
        sub = rng.choice(x, size=gof_max_n, replace=False) if len(x) > gof_max_n else x
        res = stats.goodness_of_fit(
            _SCIPY[fits[0].dist],
            sub,
            known_params={"loc": 0.0},
            statistic="ad",
            n_mc_samples=gof_n_mc,
            rng=rng,
        )
        stat, p, n_gof = float(res.statistic), float(res.pvalue), len(sub)
    return ServiceFit(
        group=group,
        level=level,
        n=len(x),
        n_floored=n_floored,
        sample_mean=float(x.mean()),
        sample_cv=float(x.std(ddof=1) / x.mean()),
        candidates=fits,
        gof_statistic=stat,
        gof_pvalue=p,
        gof_n=n_gof,
        gof_n_mc=gof_n_mc,
    )


def _skill_levels(data: pd.DataFrame, skills: pd.DataFrame) -> pd.Series:
    sk = skills.assign(
        staff_id=skills["staff_id"].astype(str),
        family=skills["family"].astype(str),
        level=skills["level"].astype(str).str.lower(),
    ).drop_duplicates(["staff_id", "family"])
    bad = set(sk["level"]) - set(SKILL_LEVELS)
    if bad:
        raise ValueError(f"skills: unknown level(s) {sorted(bad)}; use {SKILL_LEVELS}")
    key = pd.MultiIndex.from_arrays([data["staff_id"].astype(str), data["family"].astype(str)])
    lv = sk.set_index(["staff_id", "family"])["level"]
    return pd.Series(lv.reindex(key).to_numpy(), index=data.index, dtype="string")


def fit_service_times(
    data: pd.DataFrame,
    *,
    skills: pd.DataFrame | None = None,
    outcomes: Sequence[str] = ("served",),
    candidates: Sequence[str] = SERVICE_CANDIDATES,
    min_n: int = 30,
    gof_n_mc: int = 99,
    gof_max_n: int = 500,
    seed: int = 0,
) -> tuple[tuple[ServiceFit, ...], tuple[ServiceFit, ...], dict[str, float] | None]:
    """Fit service-time distributions per family (and per skill level).

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log.
    skills : pandas.DataFrame, optional
        ``staff_id, family, level``. When given, each family's base fit uses its
        ``proficient`` rows if there are at least ``min_n`` (the scenario's service
        times are at a proficient window), and fits per (family, level) are added.
    outcomes : sequence of str
        Outcomes whose ``service_min`` counts (``transferred`` services may be cut
        short, so they are left out by default).
    candidates : sequence of str
        Candidate families.
    min_n : int
        Smallest group fitted.
    gof_n_mc : int
        Monte Carlo samples of the goodness-of-fit test (0 skips the test).
    gof_max_n : int
        Subsample size for the test.
    seed : int
        Seed of the subsampling and Monte Carlo generator.

    Returns
    -------
    base : tuple of ServiceFit
        One per family with at least ``min_n`` service times.
    by_level : tuple of ServiceFit
        One per (family, level) with at least ``min_n`` (empty without ``skills``).
    skill_multipliers : dict or None
        Level -> mean service time at the level / mean at ``proficient``, averaged over
        families with enough data at both levels (weights: rows at the level).
    """
    rng = np.random.default_rng(seed)
    sel = data["outcome"].isin(list(outcomes)).to_numpy() & data["service_min"].notna().to_numpy()
    d = data.loc[sel, ["family", "staff_id", "service_min"]]
    level = _skill_levels(d, skills) if skills is not None else None
    base, by_level = [], []
    means: dict[tuple[str, str], tuple[float, int]] = {}
    for fam in sorted(d["family"].astype(str).unique()):
        in_fam = (d["family"] == fam).to_numpy()
        x_all = d["service_min"].to_numpy(dtype=float)[in_fam]
        if level is not None:
            lv = level.to_numpy()[in_fam]
            for lev in SKILL_LEVELS:
                x_l = x_all[lv == lev]
                if len(x_l) >= min_n:
                    by_level.append(
                        _service_fit(x_l, fam, lev, candidates, gof_n_mc, gof_max_n, rng)
                    )
                    means[(fam, lev)] = (float(np.maximum(x_l, _MIN_DURATION).mean()), len(x_l))
        if (fam, "proficient") in means:
            base.append(next(f for f in by_level if f.group == fam and f.level == "proficient"))
        elif len(x_all) >= min_n:
            base.append(_service_fit(x_all, fam, "all", candidates, gof_n_mc, gof_max_n, rng))
    mult: dict[str, float] | None = None
    if level is not None:
        mult = {"proficient": 1.0}
        for lev in ("novice", "expert"):
            ratios, weights = [], []
            for (fam, lv_), (m, n) in means.items():
                if lv_ == lev and (fam, "proficient") in means:
                    ratios.append(m / means[(fam, "proficient")][0])
                    weights.append(n)
            if ratios:
                mult[lev] = float(np.average(ratios, weights=weights))
    return tuple(base), tuple(by_level), mult


# =========================================================================== patience


@dataclass(frozen=True)
class PatienceFit:
    """Patience (time a resident waits before leaving) from censored data.

    Attributes
    ----------
    n_exact : int
        Abandonments with a known leave time (exact patience).
    n_right : int
        Called residents (served / transferred): patience > wait (right-censored).
    n_left : int
        No-shows used as left-censored (patience < wait to the call).
    n_unknown : int
        Abandonments without a leave time (not used).
    abandonment_share : float
        Abandoned + no-show tickets / all tickets.
    km : pandas.DataFrame
        Kaplan-Meier curve at event times: ``time_min``, ``at_risk``, ``events``,
        ``survival`` (exact and right-censored data only).
    km_median : float or None
        Kaplan-Meier median, minutes (None if the curve stays above 0.5).
    exp_mean : float
        Censored MLE of the exponential mean, minutes (NaN if not identifiable).
    exp_loglik : float
        Its log-likelihood.
    ln_median : float
        Censored MLE of the lognormal median ``exp(mu)``, minutes.
    ln_sigma : float
        Lognormal sigma (of log patience).
    ln_loglik : float
        Its log-likelihood.
    ln_mu_se, ln_sigma_se : float
        Standard errors of ``log(ln_median)`` and of ``ln_sigma`` from the observed
        information (numerical Hessian of the censored log-likelihood).
    n_balked : int
        Abandonments with a leave time within ``balk_max_minutes`` of the ticket,
        treated as balking (left on seeing the queue), not as patience observations.
    """

    n_exact: int
    n_right: int
    n_left: int
    n_unknown: int
    abandonment_share: float
    km: pd.DataFrame
    km_median: float | None
    exp_mean: float
    exp_loglik: float
    ln_median: float
    ln_sigma: float
    ln_loglik: float
    n_balked: int = 0
    ln_mu_se: float = math.nan
    ln_sigma_se: float = math.nan

    @property
    def identifiable(self) -> bool:
        """True when at least one exact or left-censored abandonment was observed."""
        return self.n_exact + self.n_left > 0 and math.isfinite(self.ln_loglik)

    @property
    def exp_median(self) -> float:
        """Exponential median, minutes."""
        return self.exp_mean * math.log(2.0)

    @property
    def ln_mean(self) -> float:
        """Lognormal mean ``median * exp(sigma^2 / 2)``, minutes."""
        return self.ln_median * math.exp(self.ln_sigma**2 / 2)

    @property
    def best(self) -> str | None:
        """``"lognormal"`` or ``"exponential"`` by AIC (None if not identifiable)."""
        if not self.identifiable:
            return None
        return "lognormal" if 4 - 2 * self.ln_loglik < 2 - 2 * self.exp_loglik else "exponential"

    def to_scenario(self) -> dict[str, Any]:
        """Scenario ``impatience.reneging`` block."""
        if self.best is None:
            return {"enabled": False}
        if self.best == "lognormal":
            pat: dict[str, Any] = {
                "dist": "lognormal",
                "median": round(self.ln_median, 4),
                "sigma": round(self.ln_sigma, 4),
            }
        else:
            pat = {"dist": "exponential", "mean": round(self.exp_mean, 4)}
        return {"enabled": True, "patience": pat}


def _lognormal_se(nll: Any, theta: np.ndarray) -> tuple[float, float]:
    """SEs of (mu, sigma) from a central-difference Hessian in (mu, log sigma)."""
    h = 1e-3
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (
                nll(theta + ei + ej)
                - nll(theta + ei - ej)
                - nll(theta - ei + ej)
                + nll(theta - ei - ej)
            ) / (4 * h * h)
    try:
        cov = np.linalg.inv(hess)
    except np.linalg.LinAlgError:
        return math.nan, math.nan
    if not (cov[0, 0] > 0 and cov[1, 1] > 0):
        return math.nan, math.nan
    sigma = math.exp(float(theta[1]))
    return math.sqrt(cov[0, 0]), sigma * math.sqrt(cov[1, 1])


def kaplan_meier(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Kaplan-Meier estimate of a survival curve.

    Parameters
    ----------
    time : numpy.ndarray
        Observed times, minutes.
    event : numpy.ndarray
        True for an observed event, False for right-censoring.

    Returns
    -------
    pandas.DataFrame
        ``time_min``, ``at_risk``, ``events``, ``survival`` at each distinct event time.
    """
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    ut, inv = np.unique(time, return_inverse=True)
    n_at = np.bincount(inv, minlength=len(ut))
    n_ev = np.bincount(inv, weights=event.astype(float), minlength=len(ut))
    at_risk = len(time) - np.concatenate(([0], np.cumsum(n_at)[:-1]))
    keep = n_ev > 0
    surv = np.cumprod(1.0 - n_ev[keep] / at_risk[keep])
    return pd.DataFrame(
        {
            "time_min": ut[keep],
            "at_risk": at_risk[keep].astype(np.int64),
            "events": n_ev[keep].astype(np.int64),
            "survival": surv,
        }
    )


def fit_patience(
    data: pd.DataFrame, *, no_show: str = "left_censored", balk_max_minutes: float | None = None
) -> PatienceFit:
    """Fit patience with served residents' waits as right-censored observations.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log.
    no_show : {"left_censored", "ignore"}
        How no-shows enter the parametric fits.
    balk_max_minutes : float, optional
        Abandonments whose leave time is at most this many minutes after the ticket
        are balks (the resident left on seeing the queue) and are left out of the
        patience fit; ``None`` keeps them all (floored at half a second).

    Returns
    -------
    PatienceFit
        Kaplan-Meier curve and censored MLEs (the waits of those who left are never
        averaged: that would ignore everyone who outlasted their wait).
    """
    if no_show not in ("left_censored", "ignore"):
        raise ValueError("no_show must be 'left_censored' or 'ignore'")
    out = data["outcome"].astype(str).to_numpy()
    leave = data["leave_min"].to_numpy(dtype=float)
    wait = data["wait_min"].to_numpy(dtype=float)
    is_ab = out == "abandoned"
    n_balked = 0
    if balk_max_minutes is not None:
        balk = is_ab & np.isfinite(leave) & (leave <= balk_max_minutes)
        n_balked = int(balk.sum())
        leave = np.where(balk, np.nan, leave)
        is_ab = is_ab & ~balk
    exact = np.maximum(leave[is_ab & np.isfinite(leave)], _MIN_DURATION)
    right = np.maximum(
        wait[np.isin(out, ("served", "transferred")) & np.isfinite(wait)], _MIN_DURATION
    )
    left = (
        np.maximum(wait[(out == "no_show") & np.isfinite(wait)], _MIN_DURATION)
        if no_show == "left_censored"
        else np.array([])
    )
    n_unknown = int(np.sum(is_ab & ~np.isfinite(leave)))
    km = kaplan_meier(
        np.concatenate([exact, right]),
        np.concatenate([np.ones(len(exact), bool), np.zeros(len(right), bool)]),
    )
    below = km["survival"].to_numpy() <= 0.5
    km_median = float(km["time_min"].to_numpy()[np.argmax(below)]) if below.any() else None

    exp_mean = ln_median = ln_sigma = ln_mu_se = ln_sigma_se = math.nan
    exp_ll = ln_ll = -math.inf
    if len(exact) + len(left) > 0:
        total = exact.sum() + right.sum()

        def nll_exp(log_mean: float) -> float:
            rate = math.exp(-log_mean)
            ll = len(exact) * math.log(rate) - rate * total
            if len(left):
                ll += float(np.sum(np.log(-np.expm1(-rate * left))))
            return -ll

        if len(left) == 0:
            exp_mean = total / len(exact)
            exp_ll = -nll_exp(math.log(exp_mean))
        else:
            r = optimize.minimize_scalar(nll_exp, bounds=(-10.0, 15.0), method="bounded")
            exp_mean, exp_ll = math.exp(float(r.x)), -float(r.fun)
        le, lr_, ll_ = np.log(exact), np.log(right), np.log(left)

        def nll_ln(theta: np.ndarray) -> float:
            mu, s = float(theta[0]), math.exp(float(theta[1]))
            val = np.sum(stats.norm.logpdf((le - mu) / s) - math.log(s) - le)
            val += np.sum(stats.norm.logsf((lr_ - mu) / s))
            val += np.sum(stats.norm.logcdf((ll_ - mu) / s))
            return -float(val)

        start = np.array([math.log(exp_mean * math.log(2.0)), 0.0])
        r2 = optimize.minimize(
            nll_ln,
            start,
            method="Nelder-Mead",
            options={"xatol": 1e-6, "fatol": 1e-8, "maxiter": 2000},
        )
        ln_median, ln_sigma, ln_ll = math.exp(r2.x[0]), math.exp(r2.x[1]), -float(r2.fun)
        ln_mu_se, ln_sigma_se = _lognormal_se(nll_ln, np.asarray(r2.x, dtype=float))
    return PatienceFit(
        n_exact=len(exact),
        n_right=len(right),
        n_left=len(left),
        n_unknown=n_unknown,
        abandonment_share=float(np.mean(np.isin(out, ("abandoned", "no_show")))),
        km=km,
        km_median=km_median,
        exp_mean=exp_mean,
        exp_loglik=exp_ll,
        ln_median=ln_median,
        ln_sigma=ln_sigma,
        ln_loglik=ln_ll,
        n_balked=n_balked,
        ln_mu_se=ln_mu_se,
        ln_sigma_se=ln_sigma_se,
    )


# =========================================================================== cross-province


@dataclass(frozen=True)
class CrossProvinceFit:
    """Round-trip delays of cross-province requests per home province.

    Attributes
    ----------
    available : bool
        False when the log has no usable ``xp_sent_time`` / ``xp_reply_time`` pairs.
    note : str
        What was (not) found, including pairs ignored as negative.
    by_province : pandas.DataFrame
        ``origin``, ``n``, ``mean_min``, ``median_min``, ``p90_min``, ``cv``,
        ``ln_mu`` / ``ln_sigma`` (lognormal MLE of the delay in minutes).
    """

    available: bool
    note: str
    by_province: pd.DataFrame


def fit_cross_province(data: pd.DataFrame) -> CrossProvinceFit:
    """Summarise cross-province round-trip delays when the log has them.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log; optional columns ``xp_sent_time`` and ``xp_reply_time``.

    Returns
    -------
    CrossProvinceFit
        Per-province delay statistics, or ``available=False`` with a note.
    """
    cols = ["origin", "n", "mean_min", "median_min", "p90_min", "cv", "ln_mu", "ln_sigma"]
    empty = pd.DataFrame(columns=cols)
    if "xp_sent_time" not in data.columns or "xp_reply_time" not in data.columns:
        return CrossProvinceFit(False, "no xp_sent_time / xp_reply_time columns: skipped", empty)
    delay = (data["xp_reply_time"] - data["xp_sent_time"]).dt.total_seconds() / 60.0
    has = delay.notna() & data["origin"].notna()
    neg = has & (delay < 0)
    ok = has & ~neg
    if not ok.any():
        return CrossProvinceFit(
            False, f"no usable delay pairs ({int(neg.sum())} negative ignored): skipped", empty
        )
    d = pd.DataFrame(
        {
            "origin": data.loc[ok, "origin"].astype(str),
            "x": np.maximum(delay[ok].to_numpy(float), _MIN_DURATION),
        }
    )
    d["lx"] = np.log(d["x"])
    g = d.groupby("origin")
    tab = pd.DataFrame(
        {
            "n": g.size(),
            "mean_min": g["x"].mean(),
            "median_min": g["x"].median(),
            "p90_min": g["x"].quantile(0.9),
            "cv": g["x"].std(ddof=1) / g["x"].mean(),
            "ln_mu": g["lx"].mean(),
            "ln_sigma": g["lx"].std(ddof=0),
        }
    ).reset_index()
    note = f"{int(ok.sum())} delay pairs used"
    if neg.any():
        note += f"; {int(neg.sum())} with reply before request ignored"
    return CrossProvinceFit(True, note, tab[cols])


# =========================================================================== all


@dataclass(frozen=True)
class CalibrationFit:
    """Everything fitted from one centre's ticket log.

    Attributes
    ----------
    centre_id : str
        Centre the log is from.
    arrivals : ArrivalFit
        Arrival rates, profiles, weekday/month factors, busyness.
    mix : MixFit
        Item, family and origin mixes.
    service : tuple of ServiceFit
        Base service-time fit per family.
    service_by_level : tuple of ServiceFit
        Per (family, skill level) fits (empty without a skills table).
    skill_multipliers : dict or None
        Level -> mean at level / mean at proficient.
    patience : PatienceFit
        Censored patience fit.
    cross_province : CrossProvinceFit
        Round-trip delays (or why they are missing).
    n_used : int
        Cleaned rows used.
    notes : tuple of str
        Caveats found while fitting (e.g. fallbacks in the scenario dict).
    balking : BalkingFit or None
        Step-rule balking fit; None when balks were not separated from abandonments
        (``fit_all(balk_max_minutes=None)``), and then the scenario keeps the base's rule.
    """

    centre_id: str
    arrivals: ArrivalFit
    mix: MixFit
    service: tuple[ServiceFit, ...]
    service_by_level: tuple[ServiceFit, ...]
    skill_multipliers: dict[str, float] | None
    patience: PatienceFit
    cross_province: CrossProvinceFit
    n_used: int
    notes: tuple[str, ...] = field(default=())
    balking: BalkingFit | None = None

    def service_table(self) -> pd.DataFrame:
        """Tidy table of all service fits (best candidate per group).

        Returns
        -------
        pandas.DataFrame
            ``family``, ``level``, ``n``, ``dist``, ``mean``, ``cv``, ``sample_mean``,
            ``sample_cv``, ``aic``, ``gof_pvalue``.
        """
        rows = [
            (
                f.group,
                f.level,
                f.n,
                f.best.dist,
                f.best.mean,
                f.best.cv,
                f.sample_mean,
                f.sample_cv,
                f.best.aic,
                f.gof_pvalue,
            )
            for f in (
                *self.service,
                *(g for g in self.service_by_level if all(g is not b for b in self.service)),
            )
        ]
        return pd.DataFrame(
            rows,
            columns=[
                "family",
                "level",
                "n",
                "dist",
                "mean",
                "cv",
                "sample_mean",
                "sample_cv",
                "aic",
                "gof_pvalue",
            ],
        )

    def to_scenario_dict(self) -> dict[str, Any]:
        """Nested dicts in the scenario YAML schema (plain Python types, YAML-safe).

        Returns
        -------
        dict
            Keys ``demand``, ``centre``, ``catalogue`` (each family also gets its visit
            ``share`` among the fitted families, which the engine reads when no
            items file is given), ``impatience`` (``reneging``, and ``balking`` when
            it was fitted) and, when the
            data allow, ``staffing`` (skill multipliers) and ``origin_mix``. A day type
            without data takes the weekend profile (holiday) or is omitted; see
            :attr:`notes`.
        """
        daily = self.arrivals.daily
        profiles: dict[str, Any] = {}
        present = set(self.arrivals.rates["day_type"])
        for kind in ("weekday", "weekend", "holiday"):
            if kind in present:
                profiles[kind] = self.arrivals.profile(kind)
        fams = self.mix.families[self.mix.families["family"].isin([f.group for f in self.service])]
        fam_share = dict(zip(fams["family"], _round_shares(fams["share"].to_numpy()), strict=True))
        if "holiday" not in profiles and "weekend" in profiles:
            profiles["holiday"] = self.arrivals.profile("weekend")
        scen: dict[str, Any] = {
            "demand": {
                "profiles": profiles,
                "weekday_factors": [round(x, 4) for x in daily.weekday_factors],
                "month_factors": [round(x, 4) for x in daily.month_factors],
                "busyness_cv": round(daily.busyness_cv, 4),
            },
            "centre": {"daily_volume": round(daily.daily_volume, 2)},
            "catalogue": {
                "families": {
                    f.group: {"share": fam_share.get(f.group, 0.0), "service": f.best.to_scenario()}
                    for f in self.service
                },
                "item_weights": dict(
                    zip(
                        self.mix.items["item_id"].astype(str),
                        _round_shares(self.mix.items["share"].to_numpy()),
                        strict=True,
                    )
                ),
            },
            "impatience": {"reneging": self.patience.to_scenario()},
        }
        if self.balking is not None:
            scen["impatience"]["balking"] = self.balking.to_scenario()
        if self.skill_multipliers:
            scen["staffing"] = {
                "skill_multipliers": {k: round(v, 4) for k, v in self.skill_multipliers.items()}
            }
        if len(self.mix.origins):
            scen["origin_mix"] = dict(
                zip(
                    self.mix.origins["origin"].astype(str),
                    _round_shares(self.mix.origins["share"].to_numpy()),
                    strict=True,
                )
            )
        return scen

    def summary(self) -> str:
        """Short human-readable summary of the fit."""
        d = self.arrivals.daily
        lines = [
            f"Centre {self.centre_id}: {self.n_used} tickets, {d.n_days} regular days",
            f"  daily volume {d.daily_volume:.1f}; weekday factors "
            + ", ".join(f"{x:.2f}" for x in d.weekday_factors),
            f"  busyness CV {d.busyness_cv:.3f} (LR {d.lr_statistic:.1f}, p {d.lr_pvalue:.3g})",
            f"  KS (conditional uniform): D={self.arrivals.ks.statistic:.4f}, "
            f"p={self.arrivals.ks.pvalue:.3g}, n={self.arrivals.ks.n}",
        ]
        for f in self.service:
            lines.append(
                f"  service {f.group} [{f.level}]: {f.best.dist} mean {f.best.mean:.2f} min "
                f"cv {f.best.cv:.2f} (n={f.n}, GoF p={f.gof_pvalue:.2f})"
            )
        p = self.patience
        lines.append(
            f"  patience: {p.best}; lognormal median {p.ln_median:.1f} min sigma "
            f"{p.ln_sigma:.2f}; exponential mean {p.exp_mean:.1f} min "
            f"({p.n_exact} exact, {p.n_right} right-, {p.n_left} left-censored)"
        )
        if self.balking is not None:
            lines.append(f"  {self.balking.summary()}")
        lines.append(f"  cross-province: {self.cross_province.note}")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)


def fit_all(
    cleaned: CleanResult | pd.DataFrame,
    *,
    skills: pd.DataFrame | None = None,
    centre_id: str | None = None,
    bin_minutes: int = 30,
    opening_hours: OpeningHours | None = None,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    overdispersion_level: float = 0.05,
    service_outcomes: Sequence[str] = ("served",),
    candidates: Sequence[str] = SERVICE_CANDIDATES,
    min_n: int = 30,
    gof_n_mc: int = 99,
    gof_max_n: int = 500,
    missing_origin_as: str | None = None,
    no_show: str = "left_censored",
    balk_max_minutes: float | None = None,
    exclude_days: Iterable[DateLike] | None = None,
    seed: int = 0,
) -> CalibrationFit:
    """Fit every scenario parameter from one centre's cleaned ticket log.

    Parameters
    ----------
    cleaned : CleanResult or pandas.DataFrame
        Output of :func:`calibration.clean.clean_ticket_log` (or its ``data``).
    skills : pandas.DataFrame, optional
        Staff skills table (``staff_id, family, level``).
    centre_id : str, optional
        Centre to fit; required when the log holds several centres.
    bin_minutes : int
        Intraday bin width, minutes.
    opening_hours : mapping, optional
        Opening intervals per day type (as used in cleaning).
    holidays, working_days : iterable of date-like, optional
        Calendar (as used in cleaning).
    overdispersion_level : float
        Level of the Poisson-vs-gamma busyness test.
    service_outcomes, candidates, min_n, gof_n_mc, gof_max_n :
        See :func:`fit_service_times`.
    missing_origin_as : str, optional
        See :func:`fit_mix`.
    no_show, balk_max_minutes :
        See :func:`fit_patience`. With ``balk_max_minutes`` set, balking is also fitted
        (:func:`calibration.balking.fit_balking`); with None it is not (no balk
        definition), and the scenario keeps the base scenario's rule.
    exclude_days : iterable of date-like, optional
        Dates left out of the weekday / month factor fit (see :func:`fit_daily_counts`).
    seed : int
        Seed for the goodness-of-fit subsampling / Monte Carlo (and the balking LR
        bootstrap).

    Returns
    -------
    CalibrationFit
        All fits; :meth:`CalibrationFit.to_scenario_dict` gives the scenario form.
    """
    data = cleaned.data if isinstance(cleaned, CleanResult) else cleaned
    centres = sorted(data["centre_id"].astype(str).unique())
    if centre_id is None:
        if len(centres) != 1:
            raise ValueError(
                f"the log holds {len(centres)} centres {centres[:10]}; pass centre_id="
            )
        centre_id = centres[0]
    elif centre_id not in centres:
        raise ValueError(f"centre_id {centre_id!r} not in the log (centres: {centres[:10]})")
    data = data.loc[data["centre_id"] == centre_id].reset_index(drop=True)
    notes: list[str] = []
    arrivals = fit_arrivals(
        data,
        bin_minutes=bin_minutes,
        opening_hours=opening_hours,
        holidays=holidays,
        working_days=working_days,
        level=overdispersion_level,
        exclude_days=exclude_days,
    )
    if "holiday" not in set(arrivals.rates["day_type"]):
        notes.append("no holiday in the data: the holiday profile copies the weekend profile")
    missing_months = sorted(set(range(1, 13)) - set(arrivals.daily.months_observed))
    if missing_months:
        notes.append(f"months {missing_months} not observed: month factor set to 1.0")
    base, by_level, mult = fit_service_times(
        data,
        skills=skills,
        outcomes=service_outcomes,
        candidates=candidates,
        min_n=min_n,
        gof_n_mc=gof_n_mc,
        gof_max_n=gof_max_n,
        seed=seed,
    )
    fitted = {f.group for f in base}
    for fam in sorted(set(data["family"].astype(str)) - fitted):
        notes.append(f"family {fam!r}: fewer than {min_n} service times, no service fit")
    patience = fit_patience(data, no_show=no_show, balk_max_minutes=balk_max_minutes)
    if not patience.identifiable:
        notes.append("no abandonment observed: reneging disabled")
    if patience.n_unknown:
        notes.append(
            f"{patience.n_unknown} abandonments without a leave time not used for patience"
        )
    balking = None
    if balk_max_minutes is None:
        notes.append(
            "balks not separated from abandonments (balk_max_minutes=None): balking not calibrated"
        )
    else:
        balking = fit_balking(data, balk_max_minutes=balk_max_minutes, seed=seed)
        notes.extend(_balking_notes(balking))
    xp = fit_cross_province(data)
    if not xp.available:
        notes.append(f"cross-province delays: {xp.note}")
    return CalibrationFit(
        centre_id=centre_id,
        arrivals=arrivals,
        mix=fit_mix(data, missing_origin_as=missing_origin_as),
        service=base,
        service_by_level=by_level,
        skill_multipliers=mult,
        patience=patience,
        cross_province=xp,
        n_used=len(data),
        notes=tuple(notes),
        balking=balking,
    )


def _balking_notes(b: BalkingFit) -> list[str]:
    """Caveats of a balking fit for :attr:`CalibrationFit.notes`."""
    if not b.enabled:
        return [
            f"no balk (abandonment within {b.balk_max_minutes:g} min of the ticket) among "
            f"{b.n_tickets} tickets: balking disabled"
        ]
    out = []
    if b.threshold == 0:
        out.append(
            "balks seen with an empty queue: balking threshold 0 (zero-wait abandonments "
            "happen whatever the queue; check the balk definition)"
        )
    if math.isfinite(b.lr_pvalue) and b.lr_pvalue > 0.05:
        out.append(
            f"balks do not depend detectably on the queue length (LR {b.lr_statistic:.2f}, "
            f"p {b.lr_pvalue:.2f}): the step rule is fitted but weakly supported"
        )
    if b.n_balked < 20:
        out.append(f"balking estimated from only {b.n_balked} balks")
    return out
