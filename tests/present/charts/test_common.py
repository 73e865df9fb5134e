"""Tests for simulator.present.charts.common: mean and interval, interval whiskers."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.present import charts, style


def test_mean_ci() -> None:
    vals = np.array([[1.0, np.nan, 5.0], [3.0, np.nan, np.nan]])
    mean, lo, hi, n = charts.mean_ci(vals)
    assert mean[0] == pytest.approx(2.0)
    assert lo[0] < 2.0 < hi[0]
    assert np.isnan(mean[1]) and np.isnan(lo[1])
    assert mean[2] == 5.0 and np.isnan(lo[2])
    assert list(n) == [2, 0, 1]


def test_ci_whiskers_clip_at_the_mean_and_skip_missing() -> None:
    _fig, axes = style.new_figure([style.DEFAULT_FAMILY])
    ax = axes[0]
    mean = np.array([0.5, 0.2, 0.4])
    lo, hi = np.array([0.4, np.nan, 0.45]), np.array([0.7, np.nan, 0.5])
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, has_ci, horizontal=True, scale=100.0)
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, has_ci)
    horizontal, vertical = ax.containers
    segs = [np.asarray(s) for s in horizontal.lines[2][0].get_segments()]
    assert np.allclose(segs[0], [[40, 0], [70, 0]]) and np.allclose(segs[1], [[40, 2], [50, 2]])
    segs = [np.asarray(s) for s in vertical.lines[2][0].get_segments()]
    assert np.allclose(segs[0], [[0, 0.4], [0, 0.7]]) and len(segs) == 2
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, np.zeros(3, dtype=bool))
    assert len(ax.containers) == 2  # nothing drawn without an interval
