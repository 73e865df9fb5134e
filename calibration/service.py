"""Service times: candidate distributions by MLE per family (and skill level), AIC choice,
Monte Carlo Anderson-Darling goodness of fit, skill multipliers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from calibration._common import MIN_DURATION, SCIPY_DISTS, SERVICE_CANDIDATES
from calibration.io import SKILL_LEVELS

__all__ = [
    "SERVICE_CANDIDATES",
    "DistFit",
    "ServiceFit",
    "fit_service_distribution",
    "fit_service_times",
    "skill_levels",
]


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
        dist = SCIPY_DISTS[name]
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
    x = np.maximum(x, MIN_DURATION)
    fits = fit_service_distribution(x, candidates)
    stat, p, n_gof = math.nan, math.nan, 0
    if gof_n_mc > 0:
        sub = rng.choice(x, size=gof_max_n, replace=False) if len(x) > gof_max_n else x
        res = stats.goodness_of_fit(
            SCIPY_DISTS[fits[0].dist],
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


def skill_levels(data: pd.DataFrame, skills: pd.DataFrame) -> pd.Series:
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
    level = skill_levels(d, skills) if skills is not None else None
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
                    means[(fam, lev)] = (float(np.maximum(x_l, MIN_DURATION).mean()), len(x_l))
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
