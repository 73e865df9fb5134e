"""Confidence intervals across replications: the one home of the Student-t interval.

Replications are independent and identically distributed, so a KPI's mean over ``n``
replications has the Student-t interval ``mean +- t(q, n - 1) s / sqrt(n)``. Two
scenarios run on the same replications (common random numbers) are compared by the
paired interval of the differences; otherwise by Welch's interval. Every table, chart,
report, recommendation and validation of the package takes its intervals from here.
Quantiles are those of :data:`scipy.stats.t`, computed by the function it calls
(``scipy.special.stdtrit``) so that ``scipy.stats`` (half a second) is never imported.

Conventions: non-finite values (NaN: a KPI undefined in a replication) are dropped; a
mean of no value is NaN, and so are the bounds of fewer than two values.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "Difference",
    "column_intervals",
    "difference_interval",
    "normal_quantile",
    "one_sided_bounds",
    "t_interval",
    "t_quantile",
]


def t_quantile(
    level: float, dof: float | np.ndarray, *, two_sided: bool = True
) -> float | np.ndarray:
    """Student-t critical value of a confidence interval at ``level`` with ``dof`` degrees
    of freedom: ``t.ppf(0.5 + level / 2)`` for a two-sided interval, ``t.ppf(level)`` for
    a one-sided bound. An array of ``dof`` gives an array."""
    from scipy.special import stdtrit  # = scipy.stats.t.ppf, bit for bit

    q = 0.5 + level / 2 if two_sided else level
    out = stdtrit(dof, q)
    return float(out) if np.ndim(out) == 0 else np.asarray(out)


def normal_quantile(p: float) -> float:
    """Quantile ``p`` of the standard normal (``scipy.stats.norm.ppf``, bit for bit)."""
    from scipy.special import ndtri

    return float(ndtri(p))


def _finite(values: np.ndarray) -> np.ndarray:
    x = np.asarray(values, dtype=float)
    return x[np.isfinite(x)]


def _half_width(x: np.ndarray, level: float, two_sided: bool) -> float:
    crit = float(t_quantile(level, x.size - 1, two_sided=two_sided))
    return crit * float(x.std(ddof=1)) / math.sqrt(x.size)


def t_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float, float]:
    """Mean, lower and upper bound of the two-sided Student-t confidence interval at
    ``level``, and the standard deviation across replications."""
    x = _finite(values)
    if x.size == 0:
        return (math.nan,) * 4
    mean = float(x.mean())
    if x.size < 2:
        return mean, math.nan, math.nan, math.nan
    half = _half_width(x, level, two_sided=True)
    return mean, mean - half, mean + half, float(x.std(ddof=1))


def one_sided_bounds(x: np.ndarray, confidence: float) -> tuple[float, float, float]:
    """Mean and one-sided Student-t lower and upper bounds at ``confidence``.

    Each bound alone holds with probability ``confidence``; a zero spread gives bounds
    equal to the mean.
    """
    v = _finite(x)
    if v.size == 0:
        return math.nan, math.nan, math.nan
    m = float(v.mean())
    if v.size < 2:
        return m, math.nan, math.nan
    half = _half_width(v, confidence, two_sided=False)
    return m, m - half, m + half


def column_intervals(
    values: np.ndarray, level: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise :func:`t_interval` of a (replications x k) array, vectorised.

    Returns ``mean, low, high, n`` of shape ``(k,)`` (a 1-D input is one column):
    ``mean`` is NaN where a column has no finite value, ``low`` and ``high`` where it has
    fewer than two; ``n`` counts the finite values.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    finite = np.isfinite(arr)
    n = finite.sum(axis=0)
    filled = np.where(finite, arr, 0.0)
    mean = np.full(arr.shape[1], np.nan)
    np.divide(filled.sum(axis=0), n, out=mean, where=n > 0)
    dev = np.where(finite, arr - mean, 0.0)
    var = np.full(arr.shape[1], np.nan)
    np.divide((dev**2).sum(axis=0), n - 1, out=var, where=n > 1)
    half = np.full(arr.shape[1], np.nan)
    ok = n > 1
    if ok.any():
        half[ok] = t_quantile(level, n[ok] - 1) * np.sqrt(var[ok] / n[ok])
    return mean, mean - half, mean + half, n


class Difference(NamedTuple):
    """Mean difference ``a - b`` with its confidence interval.

    ``paired`` tells whether it is the paired interval (common random numbers) or
    Welch's; ``n`` is the number of pairs (paired) or the smaller sample size (Welch).
    """

    mean: float
    low: float
    high: float
    paired: bool
    n: int


def difference_interval(
    a: np.ndarray, b: np.ndarray, level: float = 0.95, *, paired: bool
) -> Difference:
    """Interval of ``E[a] - E[b]`` at ``level``.

    ``paired=True`` (the replications of ``a`` and ``b`` share their random numbers,
    element by element): Student-t interval of the differences ``a_j - b_j``.
    ``paired=False``: Welch's interval from the two independent samples; a zero spread
    in both gives bounds equal to the mean.
    """
    xa = np.asarray(a, dtype=float)
    xb = np.asarray(b, dtype=float)
    if paired:
        if xa.shape != xb.shape:
            raise ValueError(
                f"paired samples must have the same length, got {xa.size} and {xb.size}"
            )
        mean, lo, hi, _ = t_interval(xa - xb, level)
        return Difference(mean, lo, hi, True, int(np.isfinite(xa - xb).sum()))
    xa, xb = _finite(xa), _finite(xb)
    n = int(min(xa.size, xb.size))
    if xa.size < 2 or xb.size < 2:
        m = float(xa.mean() - xb.mean()) if n else math.nan
        return Difference(m, math.nan, math.nan, False, n)
    va, vb = xa.var(ddof=1) / xa.size, xb.var(ddof=1) / xb.size
    m = float(xa.mean() - xb.mean())
    se = math.sqrt(va + vb)
    if se == 0:
        return Difference(m, m, m, False, n)
    dof = (va + vb) ** 2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
    half = float(t_quantile(level, dof)) * se
    return Difference(m, m - half, m + half, False, n)
