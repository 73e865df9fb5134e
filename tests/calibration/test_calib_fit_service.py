"""Service-time fits: family choice by AIC, parameter recovery, GoF, skill multipliers."""

from __future__ import annotations

import math

import calib_synth as cs
import numpy as np
import pandas as pd
import pytest

from calibration.clean import clean_ticket_log
from calibration.fit import fit_service_distribution, fit_service_times

N = 5000


def _cv_tol(cv: float, n: int) -> float:
    """Four standard errors of a sample CV (normal-theory approximation, generous here)."""
    return 4 * cv * math.sqrt(1 / (2 * n) + cv**2 / n)


@pytest.mark.parametrize(
    ("dist", "mean", "cv"),
    [
        ("lognormal", 8.0, 0.8),
        ("gamma", 12.0, 0.5),
        ("weibull", 4.0, 0.6),
        ("exponential", 3.0, 1.0),
    ],
)
def test_family_and_parameters_recovered(dist: str, mean: float, cv: float) -> None:
    x = cs.sample(np.random.default_rng(7), dist, mean, cv, N)
    fits = fit_service_distribution(x)
    best = fits[0]
    assert best.dist == dist
    assert [f.aic for f in fits] == sorted(f.aic for f in fits)
    assert abs(best.mean - mean) < 4 * cv * mean / math.sqrt(N)
    assert abs(best.cv - cv) < _cv_tol(cv, N)
    assert best.loglik > fits[-1].loglik


def _frame(x: np.ndarray, family: str = "f") -> pd.DataFrame:
    n = len(x)
    return pd.DataFrame(
        {"family": [family] * n, "staff_id": ["S"] * n, "outcome": ["served"] * n, "service_min": x}
    )


def test_goodness_of_fit_pvalues() -> None:
    x = cs.sample(np.random.default_rng(3), "lognormal", 6.0, 0.9, 3000)
    (ok,), _, _ = fit_service_times(_frame(x), gof_n_mc=99, gof_max_n=400, seed=1)
    assert ok.best.dist == "lognormal"
    assert ok.gof_n == 400 and ok.gof_n_mc == 99
    assert ok.gof_pvalue > 0.01
    (bad,), _, _ = fit_service_times(_frame(x), candidates=("exponential",), gof_max_n=400)
    assert bad.gof_pvalue <= 0.01  # the Monte Carlo floor is 1 / (n_mc + 1)


def test_zero_durations_floored_and_small_groups_skipped() -> None:
    x = cs.sample(np.random.default_rng(4), "gamma", 5.0, 0.7, 200)
    x[:3] = 0.0
    d = pd.concat([_frame(x, "big"), _frame(x[:10], "tiny")], ignore_index=True)
    base, by_level, mult = fit_service_times(d, gof_n_mc=0)
    assert [f.group for f in base] == ["big"]
    assert base[0].n_floored == 3 and base[0].n == 200
    assert math.isnan(base[0].gof_pvalue)
    assert by_level == () and mult is None


def test_skill_levels_and_multipliers(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    data = clean_ticket_log(year_log, cs.catalogue(params)).data
    base, by_level, mult = fit_service_times(data, skills=cs.skills(params), gof_n_mc=0)
    assert mult is not None
    assert mult["proficient"] == 1.0
    # each ratio's SE is about cv * sqrt(1/n_level + 1/n_proficient) ~ 0.01 here
    assert mult["novice"] == pytest.approx(1.3, abs=0.06)
    assert mult["expert"] == pytest.approx(0.85, abs=0.05)
    assert {f.level for f in base} == {"proficient"}
    assert len(by_level) == 9
    for f in base:
        dist, mean, cv = params.families[f.group]
        assert f.best.dist == dist
        assert abs(f.best.mean - mean) < 4 * cv * mean / math.sqrt(f.n)
        assert abs(f.best.cv - cv) < _cv_tol(cv, f.n)
