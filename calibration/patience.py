"""Patience (time a resident waits before leaving) from censored waiting data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

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
        Abandonments without a leave time, interval-censored: patience below the time
        to the call they would have had.
    n_unknown : int
        Abandonments without a leave time and no later call of their family that day
        (nothing bounds their patience: not used).
    abandonment_share : float
        Abandoned tickets / all tickets (no-shows are not abandonments).
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


def would_be_called(data: pd.DataFrame) -> np.ndarray:
    """Minutes from each ticket to the time it would have been called.

    For an abandonment without a leave time the resident left before being called, and
    would have been called no later than the first call of a later ticket of the same
    family and day (tickets are called oldest first within a family). The result is
    that call time minus the ticket time, NaN when no later ticket of the family was
    called that day (then nothing bounds the patience: the row is not used).

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log: ``date``, ``family``, ``ticket_time``, ``call_time``.

    Returns
    -------
    numpy.ndarray
        One value per row (NaN where unknown).
    """
    n = len(data)
    out = np.full(n, np.nan)
    if n == 0 or "call_time" not in data or "ticket_time" not in data:
        return out
    t = data["ticket_time"].astype("int64").to_numpy() // 10**9
    c = data["call_time"]
    c_s = np.where(c.notna(), c.astype("int64").to_numpy() // 10**9, np.iinfo(np.int64).max)
    key = pd.MultiIndex.from_arrays([data["date"], data["family"].astype(str)]).codes
    code = np.zeros(n, dtype=np.int64)
    for lev in key:
        code = code * (int(lev.max()) + 2) + lev.astype(np.int64)
    order = np.lexsort((t, code))
    cs, ts, cc = code[order], t[order], c_s[order]
    # suffix minimum of call times within each (date, family) run of the sorted order
    suf = pd.Series(cc[::-1]).groupby(cs[::-1]).cummin().to_numpy()[::-1]
    # first row of the same group with a strictly later ticket time
    nxt = np.empty(n, dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(cs)) + 1]
    ends = np.r_[starts[1:], n]
    for a, b in zip(starts, ends, strict=True):
        nxt[a:b] = a + np.searchsorted(ts[a:b], ts[a:b], side="right")
    ok = nxt < np.repeat(ends, ends - starts)
    val = np.full(n, np.nan)
    idx = np.flatnonzero(ok)
    later = suf[nxt[idx]]
    has = later != np.iinfo(np.int64).max
    val[idx[has]] = (later[has] - ts[idx[has]]) / 60.0
    out[order] = val
    return out


def fit_patience(
    data: pd.DataFrame, *, no_show: str = "ignore", balk_max_minutes: float | None = None
) -> PatienceFit:
    """Fit patience from censored waits with :class:`scipy.stats.CensoredData`.

    Observations: abandonments with a known leave time are exact; abandonments without
    one are interval-censored, between the ticket and the time the resident would have
    been called (:func:`would_be_called`; unused when nothing bounds it); served and
    transferred residents are right-censored at their wait (ticket to call). No-shows
    were called, so they did not abandon the queue: they are a separate outcome and
    left out (``no_show="right_censored"`` counts them as patient at least until the
    call). Lognormal and exponential fits by maximum likelihood
    (``scipy.stats.lognorm.fit`` / ``expon.fit`` on the censored data, location 0),
    chosen by AIC; standard errors of the lognormal parameters from the observed
    information; Kaplan-Meier curve (:func:`scipy.stats.ecdf`) of the exact and
    right-censored observations.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log.
    no_show : {"ignore", "right_censored"}
        How no-shows enter the fit.
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
    if no_show not in ("ignore", "right_censored"):
        raise ValueError("no_show must be 'ignore' or 'right_censored'")
    out = data["outcome"].astype(str).to_numpy()
    leave = data["leave_min"].to_numpy(dtype=float)
    wait = data["wait_min"].to_numpy(dtype=float)
    is_ab = out == "abandoned"
    n_balked = 0
    if balk_max_minutes is not None:
        balk = is_ab & np.isfinite(leave) & (leave <= balk_max_minutes)
        n_balked = int(balk.sum())
        is_ab = is_ab & ~balk
    exact = np.maximum(leave[is_ab & np.isfinite(leave)], MIN_DURATION)
    right_out = ("served", "transferred", "no_show") if no_show != "ignore" else _CALLED
    right = np.maximum(wait[np.isin(out, right_out) & np.isfinite(wait)], MIN_DURATION)
    no_leave = is_ab & ~np.isfinite(leave)
    upper = np.full(len(data), np.nan)
    if no_leave.any():
        upper = would_be_called(data)
    up = upper[no_leave]
    bounded = np.isfinite(up)
    left = np.maximum(up[bounded], MIN_DURATION)
    n_unknown = int((~bounded).sum())
    km = kaplan_meier(
        np.concatenate([exact, right]),
        np.concatenate([np.ones(len(exact), bool), np.zeros(len(right), bool)]),
    )
    km_median = None
    if len(exact):
        res = stats.ecdf(stats.CensoredData(uncensored=exact, right=right))
        q = res.sf.quantiles[res.sf.probabilities <= 0.5]
        km_median = float(q[0]) if len(q) else None

    exp_mean = ln_median = ln_sigma = ln_mu_se = ln_sigma_se = math.nan
    exp_ll = ln_ll = -math.inf
    if len(exact) + len(left) > 0:
        cd = stats.CensoredData(uncensored=exact, left=left, right=right)
        # exponential: closed form without interval data, numerical otherwise
        if len(left) == 0:
            exp_mean = float((exact.sum() + right.sum()) / len(exact))
        else:
            exp_mean = float(stats.expon.fit(cd, floc=0)[1])
        exp_ll = _censored_loglik(stats.expon(scale=exp_mean), exact, left, right)
        shape, _, scale = stats.lognorm.fit(cd, floc=0)
        ln_median, ln_sigma = float(scale), float(shape)

        def nll_ln(theta: np.ndarray) -> float:
            d = stats.lognorm(math.exp(float(theta[1])), scale=math.exp(float(theta[0])))
            return -_censored_loglik(d, exact, left, right)

        theta = np.array([math.log(ln_median), math.log(ln_sigma)])
        ln_ll = -nll_ln(theta)
        ln_mu_se, ln_sigma_se = _lognormal_se(nll_ln, theta)
    return PatienceFit(
        n_exact=len(exact),
        n_right=len(right),
        n_left=len(left),
        n_unknown=n_unknown,
        abandonment_share=float(np.mean(out == "abandoned")) if len(out) else math.nan,
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


_CALLED = ("served", "transferred")


def _censored_loglik(dist: Any, exact: np.ndarray, left: np.ndarray, right: np.ndarray) -> float:
    """Log-likelihood of exact, left-censored (below) and right-censored (above) data."""
    return float(np.sum(dist.logpdf(exact)) + np.sum(dist.logcdf(left)) + np.sum(dist.logsf(right)))
