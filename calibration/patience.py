"""Patience (time a resident waits before leaving) from censored waiting data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from calibration._common import MIN_DURATION

__all__ = ["PatienceFit", "fit_patience", "kaplan_meier"]


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
    exact = np.maximum(leave[is_ab & np.isfinite(leave)], MIN_DURATION)
    right = np.maximum(
        wait[np.isin(out, ("served", "transferred")) & np.isfinite(wait)], MIN_DURATION
    )
    left = (
        np.maximum(wait[(out == "no_show") & np.isfinite(wait)], MIN_DURATION)
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
