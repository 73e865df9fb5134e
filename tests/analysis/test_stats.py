"""The one home of Student-t intervals: known values, coverage, and agreement with scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from simulator.analysis.stats import (
    column_intervals,
    difference_interval,
    one_sided_bounds,
    t_interval,
    t_quantile,
)


def test_t_quantile_table_values():
    # Printed t tables: t_{0.975, 4} = 2.776, t_{0.95, 9} = 1.833 (one-sided 95 %).
    assert t_quantile(0.95, 4) == pytest.approx(2.776, abs=5e-4)
    assert t_quantile(0.95, 9, two_sided=False) == pytest.approx(1.833, abs=5e-4)


def test_t_interval_by_hand_and_nan_handling():
    x = np.array([1.0, 2.0, 3.0, 4.0, 5.0, np.nan])
    mean, lo, hi, sd = t_interval(x, 0.95)
    half = 2.7764451051977987 * math.sqrt(2.5) / math.sqrt(5)
    assert (mean, sd) == (3.0, pytest.approx(math.sqrt(2.5)))
    assert (lo, hi) == (pytest.approx(3 - half), pytest.approx(3 + half))
    assert math.isnan(t_interval(np.array([2.0]))[1])
    assert all(math.isnan(v) for v in t_interval(np.array([np.nan])))


def test_t_interval_coverage_matches_level():
    # 4000 intervals of 5 normal values at 90 %: coverage within 4 binomial SE of 0.9.
    rng = np.random.default_rng(3)
    samples = rng.normal(10.0, 2.0, size=(4000, 5))
    covered = [lo <= 10.0 <= hi for _, lo, hi, _ in (t_interval(s, 0.9) for s in samples)]
    se = math.sqrt(0.9 * 0.1 / 4000)
    assert abs(np.mean(covered) - 0.9) < 4 * se
    # The one-sided upper bound at 90 % covers from above 90 % of the time.
    upper = [one_sided_bounds(s, 0.9)[2] >= 10.0 for s in samples]
    assert abs(np.mean(upper) - 0.9) < 4 * se


def test_one_sided_bound_is_two_sided_bound_at_twice_the_error():
    x = np.random.default_rng(1).exponential(3.0, 12)
    m, lo, hi = one_sided_bounds(x, 0.9)
    m2, lo2, hi2, _ = t_interval(x, 0.8)
    assert (m, lo, hi) == (m2, pytest.approx(lo2), pytest.approx(hi2))


def test_column_intervals_equal_t_interval_per_column():
    arr = np.random.default_rng(2).normal(size=(7, 3))
    arr[2, 1] = np.nan
    arr[:, 2] = np.nan
    arr[0, 2] = 1.5
    mean, lo, hi, n = column_intervals(arr, 0.9)
    for k in range(3):
        m, a, b, _ = t_interval(arr[:, k], 0.9)
        np.testing.assert_allclose([mean[k], lo[k], hi[k]], [m, a, b], equal_nan=True)
    assert n.tolist() == [7, 6, 1]


def test_difference_interval_paired_and_welch_agree_with_scipy():
    rng = np.random.default_rng(5)
    a = rng.normal(5, 1, 15)
    b = a - 0.3 + rng.normal(0, 0.2, 15)
    d = difference_interval(a, b, 0.95, paired=True)
    ref = stats.ttest_rel(a, b).confidence_interval(0.95)
    assert d.paired and d.n == 15
    assert (d.low, d.high) == (pytest.approx(ref.low), pytest.approx(ref.high))
    c = rng.normal(4, 2, 9)
    w = difference_interval(a, c, 0.95, paired=False)
    ref = stats.ttest_ind(a, c, equal_var=False).confidence_interval(0.95)
    assert not w.paired and w.n == 9
    assert (w.low, w.high) == (pytest.approx(ref.low), pytest.approx(ref.high))
    with pytest.raises(ValueError, match="same length"):
        difference_interval(a, c, paired=True)
