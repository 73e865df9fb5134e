"""Arrival rates, weekday / month factors, busyness overdispersion, KS transform."""

from __future__ import annotations

import math

import calib_synth as cs
import numpy as np
import pandas as pd
import pytest

from calibration.clean import clean_ticket_log
from calibration.fit import ArrivalFit, fit_arrivals, fit_daily_counts


@pytest.fixture(scope="module")
def arrivals(year_log: pd.DataFrame, params: cs.SynthParams) -> ArrivalFit:
    data = clean_ticket_log(
        year_log, cs.catalogue(params), cs.OPENING_HOURS, holidays=params.holidays
    ).data
    return fit_arrivals(
        data, bin_minutes=30, opening_hours=cs.OPENING_HOURS, holidays=params.holidays
    )


def test_weekday_month_factors_and_volume(arrivals: ArrivalFit, params: cs.SynthParams) -> None:
    d = arrivals.daily
    # day-to-day SD of a weekday factor is ~ sqrt(0.12^2 + 1/200) / sqrt(52) ~ 0.018
    assert d.weekday_factors == pytest.approx(params.weekday_factors, abs=4 * 0.019)
    assert np.mean(d.weekday_factors[:5]) == pytest.approx(1.0)
    assert np.mean(d.month_factors) == pytest.approx(1.0)
    # a month holds ~30 days: SE ~ 0.13 / sqrt(30) ~ 0.024
    assert d.month_factors == pytest.approx(params.month_factors, abs=4 * 0.025)
    assert d.daily_volume == pytest.approx(params.daily_volume, rel=4 * 0.13 / math.sqrt(360))
    assert d.n_days == 361
    assert d.holiday_factor is not None
    # holidays draw 0.3 x the visits the model expects for those dates; 4 holidays only
    assert d.holiday_factor == pytest.approx(params.holiday_factor, rel=0.25)


def test_profiles_and_rates(arrivals: ArrivalFit, params: cs.SynthParams) -> None:
    r = arrivals.rates
    wk = r[r["day_type"] == "weekday"]
    assert wk["start_min"].iloc[0] == 8 * 60 + 30 and wk["end_min"].iloc[-1] == 17 * 60
    assert len(wk) == 17
    assert wk["share"].sum() == pytest.approx(1.0)
    n = wk["count"].sum()
    truth = {}
    for a, b, s in cs.WEEKDAY_PROFILE:  # spread each hour's share evenly over 30-min bins
        a_m, b_m = cs.to_minutes(a), cs.to_minutes(b)
        for k in range(a_m, b_m, 30):
            truth[k] = s * 30 / (b_m - a_m)
    expected = wk["start_min"].map(truth).to_numpy()
    se = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(wk["share"].to_numpy() - expected) < 4 * se)
    # rate per hour in 09:00-09:30 on a weekday: 200 * mean weekday-month factor * 0.08 * 2
    rate = wk.loc[wk["start_min"] == 540, "rate_per_hour"].iloc[0]
    assert rate == pytest.approx(params.daily_volume * 0.08 * 2, rel=0.06)
    prof = arrivals.profile("weekend")
    assert [p["start"] for p in prof] == ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]
    assert sum(p["share"] for p in prof) == pytest.approx(1.0, abs=1e-12)


def test_ks_conditional_uniform(
    arrivals: ArrivalFit, year_log: pd.DataFrame, params: cs.SynthParams
) -> None:
    assert arrivals.ks.n == arrivals.n_arrivals
    assert arrivals.ks.pvalue > 0.01  # rates are constant within 30-min bins
    data = clean_ticket_log(year_log, cs.catalogue(params), holidays=params.holidays).data
    coarse = fit_arrivals(
        data, bin_minutes=120, opening_hours=cs.OPENING_HOURS, holidays=params.holidays
    )
    assert coarse.ks.pvalue < 1e-4  # 12:00-14:00 mixes a 6% and an 11% hour
    # without opening hours the range is inferred from the data
    inferred = fit_arrivals(data, bin_minutes=30, holidays=params.holidays)
    wk = inferred.rates[inferred.rates["day_type"] == "weekday"]
    assert (wk["start_min"].iloc[0], wk["end_min"].iloc[-1]) == (510, 1020)


def test_overdispersion_detected_and_cv_estimated() -> None:
    p = cs.SynthParams(busyness_cv=0.12)
    f = fit_daily_counts(cs.daily_counts(p, np.random.default_rng(3)), holidays=p.holidays)
    assert f.overdispersed and f.lr_pvalue < 1e-6
    # the profile MLE is biased down by ~0.007 at one year (18 mean parameters); SD ~ 0.007
    assert f.busyness_cv == pytest.approx(0.12, abs=0.03)
    assert f.busyness_cv_moment == pytest.approx(0.12, abs=0.03)


def test_pure_poisson_rarely_rejected() -> None:
    p = cs.SynthParams(busyness_cv=0.0)
    rejections = 0
    cvs = []
    for seed in range(40):
        f = fit_daily_counts(
            cs.daily_counts(p, np.random.default_rng(seed)), holidays=p.holidays, level=0.05
        )
        rejections += f.overdispersed
        cvs.append(f.busyness_cv)
    # 40 tests at level 0.05: P(Binomial(40, 0.05) > 6) < 0.01
    assert rejections <= 6
    assert np.mean(cvs) < 0.02


def test_volumes_table_fits_the_same_model(params: cs.SynthParams) -> None:
    counts = cs.daily_counts(params, np.random.default_rng(9))
    vol = pd.DataFrame({"centre_id": "C1", "date": counts.index, "visits": counts.to_numpy()})
    f = fit_daily_counts(vol.groupby("date")["visits"].sum(), holidays=params.holidays)
    assert f.weekday_factors == pytest.approx(params.weekday_factors, abs=0.08)
    assert f.months_observed == tuple(range(1, 13))
