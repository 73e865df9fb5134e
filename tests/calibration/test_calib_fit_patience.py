"""Patience under censoring: censored MLE recovers the truth, the naive average does not."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from calibration.fit import fit_patience, kaplan_meier


def _log(
    patience: np.ndarray, wait: np.ndarray, no_show_share: float = 0.0, seed: int = 0
) -> pd.DataFrame:
    """Residents abandon when patience < wait; some abandoners are only seen as no-shows."""
    rng = np.random.default_rng(seed)
    ab = patience < wait
    no_show = ab & (rng.random(len(ab)) < no_show_share)
    outcome = np.where(no_show, "no_show", np.where(ab, "abandoned", "served"))
    return pd.DataFrame(
        {
            "outcome": outcome,
            "wait_min": np.where(ab & ~no_show, np.nan, wait),  # ticket -> call
            "leave_min": np.where(ab & ~no_show, patience, np.nan),
        }
    )


def _lognormal_case(seed: int, n: int = 20000) -> tuple[np.random.Generator, pd.DataFrame]:
    """``n`` residents with lognormal patience (median 60 min, sigma 0.6) and exponential
    waits (mean 30 min); the generator is returned for further draws."""
    rng = np.random.default_rng(seed)
    patience = rng.lognormal(math.log(60.0), 0.6, n)
    wait = rng.exponential(30.0, n)
    return rng, _log(patience, wait)


def test_lognormal_patience_recovered_naive_mean_biased() -> None:
    n = 20000
    _, d = _lognormal_case(11, n)
    fit = fit_patience(d)
    n_ab = fit.n_exact
    assert 0.05 < n_ab / n < 0.2  # heavy censoring: most residents were served
    assert fit.best == "lognormal"
    # log-median SE is about sigma / sqrt(n_events) inflated by censoring; allow 4 x 2 SE
    assert fit.ln_median == pytest.approx(60.0, rel=8 * 0.6 / math.sqrt(n_ab))
    assert fit.ln_sigma == pytest.approx(0.6, abs=8 * 0.6 / math.sqrt(2 * n_ab))
    true_mean = 60.0 * math.exp(0.18)
    assert fit.ln_mean == pytest.approx(true_mean, rel=0.1)
    naive = d.loc[d["outcome"] == "abandoned", "leave_min"].mean()
    assert naive < 0.7 * true_mean  # averaging the waits of those who left is badly biased
    assert abs(fit.ln_mean - true_mean) < 0.25 * abs(naive - true_mean)
    # Kaplan-Meier agrees with the true survival where data exist
    km = fit.km
    s_at_20 = km.loc[km["time_min"] <= 20.0, "survival"].iloc[-1]
    assert s_at_20 == pytest.approx(stats.lognorm.sf(20.0, 0.6, scale=60.0), abs=0.01)
    assert fit.km_median is None or fit.km_median > 40
    assert fit.to_scenario()["patience"]["dist"] == "lognormal"


def _timed_log(patience: np.ndarray, wait: np.ndarray, keep_leave: np.ndarray) -> pd.DataFrame:
    """One family, one day, tickets a minute apart, called in ticket order at ticket + wait
    (calls made monotone); abandoners keep their leave time only where ``keep_leave``."""
    n = len(patience)
    day = pd.Timestamp("2025-03-03")
    t = day + pd.to_timedelta(np.arange(n) * 0.5, unit="min")
    call = pd.Series(t + pd.to_timedelta(wait, unit="min"))
    call = pd.Series(np.maximum.accumulate(call.to_numpy()))
    w = (call - pd.Series(t)).dt.total_seconds().to_numpy() / 60.0
    ab = patience < w
    return pd.DataFrame(
        {
            "date": day,
            "family": "standard",
            "ticket_time": t,
            "call_time": call.where(~ab),
            "outcome": np.where(ab, "abandoned", "served"),
            "wait_min": np.where(ab, np.nan, w),
            "leave_min": np.where(ab & keep_leave, patience, np.nan),
        }
    )


def test_exponential_patience_without_leave_times_interval_censored() -> None:
    rng = np.random.default_rng(5)
    n = 20000
    patience = rng.exponential(45.0, n)
    wait = rng.exponential(20.0, n)
    keep = rng.random(n) < 0.5
    d = _timed_log(patience, wait, keep)
    fit = fit_patience(d)
    assert fit.n_left > 0 and fit.n_exact > 0
    assert fit.best == "exponential"
    d_events = fit.n_exact + fit.n_left
    assert fit.exp_mean == pytest.approx(45.0, rel=4 / math.sqrt(d_events) * 1.5)
    # no leave time at all: no crash, the interval-censored fit still recovers the mean
    none = fit_patience(d.assign(leave_min=np.nan))
    assert none.n_exact == 0 and none.n_left > 0
    assert none.exp_mean == pytest.approx(45.0, rel=4 / math.sqrt(none.n_left) * 2)
    assert fit.to_scenario() == {
        "enabled": True,
        "patience": {"dist": "exponential", "mean": round(fit.exp_mean, 4)},
    }


def test_no_shows_are_not_abandonment() -> None:
    n = 20000
    rng, d = _lognormal_case(3, n)
    ns = rng.random(n) < 0.05  # called, did not come: independent of patience
    d.loc[ns & (d["outcome"] == "served"), "outcome"] = "no_show"
    fit = fit_patience(d)
    assert fit.n_left == 0
    assert fit.ln_median == pytest.approx(60.0, rel=8 * 0.6 / math.sqrt(fit.n_exact))


def test_no_abandonment_disables_reneging() -> None:
    d = pd.DataFrame(
        {"outcome": ["served"] * 5, "wait_min": [1.0, 2, 3, 4, 5], "leave_min": [np.nan] * 5}
    )
    fit = fit_patience(d)
    assert fit.best is None
    assert fit.to_scenario() == {"enabled": False}


def test_kaplan_meier_small_example() -> None:
    # times 1, 2+, 3, 3, 4+ : S(1) = 4/5, S(3) = 4/5 * (1 - 2/3)
    km = kaplan_meier(np.array([1, 2, 3, 3, 4.0]), np.array([1, 0, 1, 1, 0], bool))
    assert km["time_min"].tolist() == [1.0, 3.0]
    assert km["at_risk"].tolist() == [5, 3]
    assert km["survival"].tolist() == pytest.approx([0.8, 0.8 / 3])
