"""Statistics of the recommender: a fully sequential feasibility check and the
Kim-Nelson selection procedure (one-sided t bounds are in :mod:`simulator.analysis.stats`).

Feasibility of a constraint ``E[Y] >= q`` (a ``max`` constraint is negated first) with
tolerance ``eps`` follows the fully sequential check of Andradóttir & Kim (2010) /
Batur & Kim (2010), the feasibility analogue of Kim & Nelson's (2001) procedure: with
``S^2`` the variance of the first ``n0`` replications and
``R(r) = max(0, h^2 S^2 / (2 eps) - eps r / 2)``, after ``r`` replications the option is

* feasible when ``sum_{j<=r} (Y_j - q) >= R(r)``,
* infeasible when ``sum_{j<=r} (Y_j - q) <= -R(r)``,
* undecided otherwise (simulate more).

With ``h^2 = (n0 - 1) ((2 beta)^(-2/(n0-1)) - 1)`` a true mean at least ``eps`` inside
(outside) the constraint is declared feasible (infeasible) with probability at least
``1 - beta``; a mean within ``eps`` of ``q`` may go either way. The region closes at
``r = h^2 S^2 / eps^2``; a run truncated earlier (``n_max``) decides by the sign of the sum.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FEASIBLE",
    "INFEASIBLE",
    "feasibility",
    "h2_feasibility",
    "h2_kim_nelson",
    "kn_survivors",
]

FEASIBLE = "feasible"
INFEASIBLE = "infeasible"


def h2_feasibility(n0: int, beta: float) -> float:
    """``h^2`` of the sequential feasibility check with error ``beta`` per decision."""
    if not 0 < beta < 0.5:
        raise ValueError(f"beta must lie in (0, 0.5), got {beta}")
    return (n0 - 1) * ((2.0 * beta) ** (-2.0 / (n0 - 1)) - 1.0)


def h2_kim_nelson(n0: int, alpha: float, k: int) -> float:
    """``h^2 = 2 eta (n0 - 1)`` of Kim & Nelson's procedure (``c = 1``) for ``k`` systems."""
    if k < 2:
        return 0.0
    eta = 0.5 * ((2.0 * alpha / (k - 1)) ** (-2.0 / (n0 - 1)) - 1.0)
    return 2.0 * eta * (n0 - 1)


def feasibility(
    y: np.ndarray, q: float, eps: float, h2: float, n0: int, n_max: int
) -> tuple[str | None, bool]:
    """Decision on ``E[Y] >= q`` from replications ``y`` (in replication order).

    Returns ``(decision, truncated)``: ``decision`` is :data:`FEASIBLE`,
    :data:`INFEASIBLE` or ``None`` (undecided, simulate more); ``truncated`` is True when
    ``n_max`` forced a decision by the sign of the sum.
    """
    y = np.asarray(y, dtype=float)
    r = y.size
    if r < n0:
        return None, False
    s2 = float(np.var(y[:n0], ddof=1))
    d = float(np.sum(y - q))
    big_r = max(0.0, h2 * s2 / (2.0 * eps) - eps * r / 2.0)
    if d >= big_r:
        return FEASIBLE, False
    if d <= -big_r:
        return INFEASIBLE, False
    if r >= n_max:
        return (FEASIBLE if d >= 0 else INFEASIBLE), True
    return None, False


def kn_survivors(x: np.ndarray, alive: np.ndarray, h2: float, delta: float, n0: int) -> np.ndarray:
    """One elimination step of Kim & Nelson's fully sequential procedure (larger is better).

    Parameters
    ----------
    x
        Replications x systems, the same replications (common random numbers) in every
        column; at least ``n0`` rows.
    alive
        Boolean mask of systems still in contention.
    h2, delta
        ``h^2`` from :func:`h2_kim_nelson` and the indifference zone.
    n0
        First-stage size (pairwise variances come from the first ``n0`` rows).

    Returns
    -------
    numpy.ndarray
        The new mask.
    """
    r = x.shape[0]
    means = x.mean(axis=0)
    out = alive.copy()
    idx = np.flatnonzero(alive)
    for i in idx:
        for j in idx:
            if i == j or not out[j]:
                continue
            s2 = float(np.var(x[:n0, i] - x[:n0, j], ddof=1))
            w = max(0.0, delta / (2.0 * r) * (h2 * s2 / delta**2 - r))
            if means[i] < means[j] - w:
                out[i] = False
                break
    return out
