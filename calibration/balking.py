"""Balking from a ticket log: queue length seen on arrival, and the simulator's step rule.

The simulator (``simulator.engine.centre``) lets a resident balk iff ``n_waiting >= threshold``
and a uniform draw is below ``probability``, where ``n_waiting`` counts every ticket
waiting in the centre (all queues) at the arrival instant. A ticket log does not record
that number, but it can be rebuilt from the log itself: a ticket is waiting from its
ticket time until its wait ends (call time for called tickets, leave time for
abandonments). :func:`queue_at_arrival` does this for every row at once; :func:`fit_balking`
fits the step rule by maximum likelihood.

Reconstruction
--------------
For ticket ``i`` of a centre and day, ``n_i`` is the number of tickets of the same centre
and day that were taken before it (earlier ticket time; equal times in log order) and
whose wait had not ended at ``i``'s ticket time. End of a wait: ``call_time`` (served,
transferred, no-show), ``leave_time`` (abandoned; the cleaning step already fills it from
``service_end`` when the export has no ``leave_time`` column), and the end of the day for
an abandonment without a leave time (still waiting when the centre closed: how the
synthetic history and most ticket systems record it). Tickets with a zero recorded wait
(balks, residents called at once) never wait. A wait ending in the same second as the
ticket time counts as still running (``same_instant="waiting"``): with timestamps floored to
seconds that order is unknown, and counting the tie keeps a balk from being assigned a
queue one shorter than it saw (which would drag the step estimate below the truth).

Vectorised: rows are sorted by ``(centre-day, ticket time, log order)`` on one int64 axis
(microseconds, each centre-day on its own two-day slot), so
``n_i = #(waiting tickets earlier in that order) - #(waits ended before t_i)``, the second
term one :func:`numpy.searchsorted` on the sorted end times.

Model and estimates
-------------------
``P(balk | n) = p * 1[n >= k]``. For a threshold ``k`` the likelihood is zero if any balk
saw a queue below ``k``; otherwise it is binomial in the ``N_k`` tickets with ``n >= k``,
maximised by ``p = B / N_k`` (``B`` balks in all). The profile log-likelihood decreases with
``N_k``, so the MLE is ``k = `` the smallest queue any balk saw and ``p`` the balk share
among tickets that met it. Reported with it: the Wald SE and Wilson 95% interval of ``p``
(conditional on ``k``), the profile-likelihood set of thresholds (LR <= 3.84; indicative,
the threshold is a change point), and a likelihood-ratio test against a balking share that
does not depend on the queue (threshold 0), with a parametric-bootstrap p-value (the
threshold is not identified under that null, so chi-square does not apply). The literal
"no balking" model (``p = 0``) has likelihood 0 as soon as one balk is observed: the LR
against it is infinite, so that comparison carries no information beyond ``B > 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["BalkingFit", "balk_mask", "fit_balking", "queue_at_arrival", "wilson_interval"]

_US_PER_DAY = 86_400_000_000
_SLOT = 2 * _US_PER_DAY  # each centre-day gets its own slot on the time axis
_CALLED = ("served", "transferred", "no_show")


def _micros(t: pd.Series, origin: pd.Series) -> np.ndarray:
    """Microseconds from ``origin`` to ``t`` (int64; NaT -> -1)."""
    d = (t - origin).to_numpy(dtype="timedelta64[ns]")
    out = d.astype("timedelta64[us]").astype(np.int64)
    out[np.isnat(d)] = -1
    return out


def queue_at_arrival(data: pd.DataFrame, *, same_instant: str = "waiting") -> np.ndarray:
    """Number of tickets waiting in the centre at each row's ticket time.

    Parameters
    ----------
    data : pandas.DataFrame
        Ticket log with ``centre_id``, ``ticket_time``, ``call_time``, ``outcome`` and,
        optionally, ``leave_time`` and ``date`` (midnight of the ticket day; derived from
        ``ticket_time`` when absent). Typically ``CleanResult.data``.
    same_instant : {"waiting", "gone"}
        Whether a wait that ends at exactly the ticket time counts as still waiting
        (default; see the module docstring) or as over (the simulator's ordering when
        times are exact).

    Returns
    -------
    numpy.ndarray
        int64, one per row in the row order of ``data``: tickets of the same centre and
        day taken before this one whose wait had not ended (all queues of the centre).
    """
    if same_instant not in ("waiting", "gone"):
        raise ValueError("same_instant must be 'waiting' or 'gone'")
    n = len(data)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    ticket = pd.Series(pd.to_datetime(data["ticket_time"]).to_numpy(), dtype="datetime64[ns]")
    day = (
        pd.Series(pd.to_datetime(data["date"]).to_numpy(), dtype="datetime64[ns]")
        if "date" in data.columns
        else ticket.dt.normalize()
    )
    out = data["outcome"].astype(str).str.lower().to_numpy()
    call = pd.Series(pd.to_datetime(data["call_time"]).to_numpy(), dtype="datetime64[ns]")
    if "leave_time" in data.columns:
        leave = pd.Series(pd.to_datetime(data["leave_time"]).to_numpy(), dtype="datetime64[ns]")
    else:
        leave = pd.Series(pd.NaT, index=ticket.index, dtype="datetime64[ns]")
    end = call.where(np.isin(out, _CALLED), leave.where(out == "abandoned"))

    t = _micros(ticket, day)
    e = _micros(end, day)
    e = np.where(e < 0, _SLOT - 1, np.minimum(e, _SLOT - 1))  # unknown: waits to the close
    waits = e > t
    group = pd.MultiIndex.from_arrays(
        [data["centre_id"].astype(str).to_numpy(), day.to_numpy()]
    ).factorize()[0]
    g = group.astype(np.int64) * _SLOT
    tt, ee = g + t, g + e
    order = np.lexsort((np.arange(n), tt))  # ticket time, then log order
    w_sorted = waits[order].astype(np.int64)
    earlier_waiting = np.cumsum(w_sorted) - w_sorted  # waiting tickets before, in order
    ends = np.sort(ee[waits])
    # "left": a wait ending at t_i is not counted as ended (still waiting); "right": it is.
    if same_instant == "waiting":
        ended = np.searchsorted(ends, tt[order], side="left")
    else:
        ended = np.searchsorted(ends, tt[order], side="right")
    q = np.empty(n, dtype=np.int64)
    q[order] = earlier_waiting - ended
    return q


def balk_mask(data: pd.DataFrame, balk_max_minutes: float = 0.0) -> np.ndarray:
    """Balks: abandonments whose leave time is at most ``balk_max_minutes`` after the ticket
    (``leave_min`` of the cleaned log), as in :func:`calibration.fit.fit_patience`."""
    out = data["outcome"].astype(str).to_numpy()
    leave = data["leave_min"].to_numpy(dtype=float)
    return (out == "abandoned") & np.isfinite(leave) & (leave <= balk_max_minutes)


def wilson_interval(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binomial share ``k / n`` (``(nan, nan)`` when n = 0)."""
    if n <= 0:
        return math.nan, math.nan
    z = float(stats.norm.ppf(0.5 + level / 2))
    p = k / n
    den = 1 + z * z / n
    mid = (p + z * z / (2 * n)) / den
    half = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, mid - half), min(1.0, mid + half)


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(y > 0, y, 1.0)), 0.0)


def _binom_ll(b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Maximised binomial log-likelihood ``b log(b/n) + (n-b) log(1-b/n)`` (0 log 0 = 0)."""
    b = np.asarray(b, dtype=float)
    n = np.asarray(n, dtype=float)
    p = np.divide(b, n, out=np.zeros_like(b), where=n > 0)
    return _xlogy(b, p) + _xlogy(n - b, 1 - p)


@dataclass(frozen=True)
class BalkingFit:
    """Step-rule balking fit (``P(balk | n) = probability * 1[n >= threshold]``).

    Attributes
    ----------
    n_tickets : int
        Tickets used (every ticket is a balking opportunity).
    n_balked : int
        Balks (abandonments within ``balk_max_minutes`` of the ticket).
    balk_max_minutes : float
        The balk definition used.
    threshold : int or None
        MLE of the threshold: the smallest queue any balk saw (None without balks).
    probability : float or None
        MLE of the probability: balks / tickets that saw at least ``threshold`` waiting.
    n_at_risk : int
        Tickets that saw at least ``threshold`` waiting (0 without balks).
    n_at_threshold : int
        Tickets that saw exactly ``threshold`` waiting.
    probability_se : float
        Wald standard error ``sqrt(p (1 - p) / n_at_risk)`` (given the threshold).
    probability_ci : tuple of float
        Wilson 95% interval of the probability (given the threshold).
    threshold_set : tuple of int or None
        Thresholds whose profile log-likelihood is within 3.84 / 2 of the maximum
        (smallest, largest); indicative.
    loglik : float
        Maximised log-likelihood of the step model.
    loglik_constant : float
        Maximised log-likelihood with a balk share independent of the queue (threshold 0).
    lr_statistic : float
        ``2 (loglik - loglik_constant)``.
    lr_pvalue : float
        Parametric-bootstrap p-value of ``lr_statistic`` under the constant share
        (NaN when not computed).
    max_queue : int
        Longest reconstructed queue.
    by_queue : pandas.DataFrame
        ``queue`` (waiting tickets seen), ``tickets``, ``balks``, ``share`` per queue length.
    profile : pandas.DataFrame
        ``threshold``, ``at_risk``, ``balks_at_risk``, ``probability``, ``loglik`` for
        thresholds 0 .. ``max_queue + 1`` (``loglik`` is -inf where a balk saw less).
    """

    n_tickets: int
    n_balked: int
    balk_max_minutes: float
    threshold: int | None
    probability: float | None
    n_at_risk: int
    n_at_threshold: int
    probability_se: float
    probability_ci: tuple[float, float]
    threshold_set: tuple[int, int] | None
    loglik: float
    loglik_constant: float
    lr_statistic: float
    lr_pvalue: float
    max_queue: int
    by_queue: pd.DataFrame
    profile: pd.DataFrame

    @property
    def enabled(self) -> bool:
        """True when at least one balk was observed."""
        return self.n_balked > 0 and self.threshold is not None

    def to_scenario(self) -> dict[str, Any]:
        """Scenario ``impatience.balking`` block (``enabled: false`` without balks)."""
        if not self.enabled:
            return {"enabled": False}
        assert self.probability is not None
        return {
            "enabled": True,
            "threshold": int(self.threshold or 0),
            "probability": round(float(self.probability), 4),
        }

    def summary(self) -> str:
        """One line for fit summaries."""
        if not self.enabled:
            return f"balking: no balk among {self.n_tickets} tickets (disabled)"
        lo, hi = self.probability_ci
        p = float(self.probability or 0.0)
        return (
            f"balking: threshold {self.threshold} (set {self.threshold_set}), probability "
            f"{p:.3f} (SE {self.probability_se:.3f}, Wilson 95% {lo:.3f}-{hi:.3f}; "
            f"{self.n_balked} balks / {self.n_at_risk} tickets at queue >= {self.threshold}, "
            f"{self.n_at_threshold} at exactly it); LR vs queue-independent "
            f"{self.lr_statistic:.1f} (p {self.lr_pvalue:.3g})"
        )


def fit_balking(
    data: pd.DataFrame,
    *,
    balk_max_minutes: float = 0.0,
    queue: np.ndarray | None = None,
    n_mc: int = 999,
    seed: int = 0,
) -> BalkingFit:
    """Fit the simulator's balking rule by maximum likelihood.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log of one centre (``CleanResult.data`` rows): the columns of
        :func:`queue_at_arrival` plus ``leave_min``.
    balk_max_minutes : float
        Abandonments at most this long after the ticket are balks (0: leave time equals
        ticket time, the synthetic history's convention).
    queue : numpy.ndarray, optional
        Queue length seen by each row (default: :func:`queue_at_arrival`).
    n_mc : int
        Parametric-bootstrap samples for the LR p-value (0 skips it).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    BalkingFit
        Estimates, intervals, tests and the per-queue-length table.
    """
    q = queue_at_arrival(data) if queue is None else np.asarray(queue, dtype=np.int64)
    if len(q) != len(data):
        raise ValueError(f"queue has {len(q)} values for {len(data)} rows")
    balk = balk_mask(data, balk_max_minutes)
    n = len(q)
    max_q = int(q.max()) if n else 0
    tickets = np.bincount(q, minlength=max_q + 1).astype(np.int64)
    balks = np.bincount(q[balk], minlength=max_q + 1).astype(np.int64)
    by_queue = pd.DataFrame(
        {
            "queue": np.arange(max_q + 1),
            "tickets": tickets,
            "balks": balks,
            "share": np.divide(balks, tickets, out=np.zeros(max_q + 1), where=tickets > 0),
        }
    )
    by_queue = by_queue.loc[by_queue["tickets"] > 0].reset_index(drop=True)
    # N_k, B_k for k = 0 .. max_q + 1 (reverse cumulative sums)
    at_risk = np.r_[np.cumsum(tickets[::-1])[::-1], 0]
    balk_at_risk = np.r_[np.cumsum(balks[::-1])[::-1], 0]
    n_b = int(balk.sum())
    ll = np.where(balk_at_risk == n_b, _binom_ll(balk_at_risk, at_risk), -np.inf)
    profile = pd.DataFrame(
        {
            "threshold": np.arange(max_q + 2),
            "at_risk": at_risk,
            "balks_at_risk": balk_at_risk,
            "probability": np.divide(
                balk_at_risk, at_risk, out=np.zeros(max_q + 2), where=at_risk > 0
            ),
            "loglik": ll,
        }
    )
    ll0 = float(ll[0])
    if n_b == 0:
        return BalkingFit(
            n_tickets=n,
            n_balked=0,
            balk_max_minutes=float(balk_max_minutes),
            threshold=None,
            probability=None,
            n_at_risk=0,
            n_at_threshold=0,
            probability_se=math.nan,
            probability_ci=(math.nan, math.nan),
            threshold_set=None,
            loglik=ll0,
            loglik_constant=ll0,
            lr_statistic=0.0,
            lr_pvalue=math.nan,
            max_queue=max_q,
            by_queue=by_queue,
            profile=profile,
        )
    k = int(q[balk].min())  # largest threshold with a finite likelihood = the argmax
    n_k = int(at_risk[k])
    p = n_b / n_k
    lr = max(0.0, 2.0 * (float(ll[k]) - ll0))
    inside = np.flatnonzero(2.0 * (float(ll[k]) - ll) <= float(stats.chi2.ppf(0.95, 1)))
    pval = math.nan
    if n_mc > 0:
        rng = np.random.default_rng(seed)
        p0 = n_b / n
        sim = rng.binomial(tickets[None, :], p0, size=(n_mc, max_q + 1))
        tot = sim.sum(axis=1)
        has = sim > 0
        kmin = np.where(has.any(axis=1), has.argmax(axis=1), 0)
        n_kmin = at_risk[kmin]
        lr_sim = 2.0 * (_binom_ll(tot, n_kmin) - _binom_ll(tot, np.full(n_mc, n)))
        pval = float((1 + np.sum(lr_sim >= lr - 1e-9)) / (n_mc + 1))
    return BalkingFit(
        n_tickets=n,
        n_balked=n_b,
        balk_max_minutes=float(balk_max_minutes),
        threshold=k,
        probability=p,
        n_at_risk=n_k,
        n_at_threshold=int(tickets[k]),
        probability_se=math.sqrt(p * (1 - p) / n_k),
        probability_ci=wilson_interval(n_b, n_k),
        threshold_set=(int(inside.min()), int(inside.max())),
        loglik=float(ll[k]),
        loglik_constant=ll0,
        lr_statistic=lr,
        lr_pvalue=pval,
        max_queue=max_q,
        by_queue=by_queue,
        profile=profile,
    )
