"""End to end: fit_all, the scenario dict, cross-province delays, performance smoke."""

from __future__ import annotations

import math
import time
from pathlib import Path

import calib_synth as cs
import numpy as np
import pandas as pd
import pytest
import yaml

from calibration.clean import clean_ticket_log
from calibration.fit import CalibrationFit, fit_all
from calibration.io import read_ticket_log


@pytest.fixture(scope="module")
def fitted(year_log: pd.DataFrame, params: cs.SynthParams) -> CalibrationFit:
    cleaned = clean_ticket_log(
        year_log, cs.catalogue(params), cs.OPENING_HOURS, holidays=params.holidays
    )
    return fit_all(
        cleaned,
        skills=cs.skills(params),
        opening_hours=cs.OPENING_HOURS,
        holidays=params.holidays,
        missing_origin_as="shanghai",
    )


def test_scenario_dict_follows_schema(fitted: CalibrationFit, params: cs.SynthParams) -> None:
    scen = fitted.to_scenario_dict()
    assert set(scen) == {"demand", "centre", "catalogue", "impatience", "staffing", "origin_mix"}
    back = yaml.safe_load(yaml.safe_dump(scen))  # plain Python types only
    assert back == scen
    dem = scen["demand"]
    for kind in ("weekday", "weekend", "holiday"):
        prof = dem["profiles"][kind]
        assert sum(b["share"] for b in prof) == pytest.approx(1.0, abs=1e-9)
        assert all(len(b["start"]) == 5 and b["start"] < b["end"] for b in prof)
    assert dem["profiles"]["weekday"][0] == {
        "start": "08:30",
        "end": "09:00",
        "share": pytest.approx(0.06, abs=0.004),
    }
    assert len(dem["weekday_factors"]) == 7 and len(dem["month_factors"]) == 12
    assert np.mean(dem["month_factors"]) == pytest.approx(1.0, abs=1e-3)
    assert dem["busyness_cv"] == pytest.approx(0.12, abs=0.03)
    assert scen["centre"]["daily_volume"] == pytest.approx(200.0, rel=0.03)
    fams = scen["catalogue"]["families"]
    assert set(fams) == {"quick", "standard", "complex"}
    for fam, (dist, mean, cv) in params.families.items():
        svc = fams[fam]["service"]
        assert svc["dist"] == dist
        assert svc["mean"] == pytest.approx(mean, rel=0.05)
        assert svc["cv"] == pytest.approx(cv, abs=0.05)
    assert sum(f["share"] for f in fams.values()) == pytest.approx(1.0, abs=1e-9)
    assert fams["standard"]["share"] == pytest.approx(0.5, abs=0.01)
    weights = scen["catalogue"]["item_weights"]
    assert sum(weights.values()) == pytest.approx(1.0, abs=1e-9)
    assert weights["S1"] == pytest.approx(0.3, abs=4 * math.sqrt(0.21 / fitted.n_used))
    pat = scen["impatience"]["reneging"]
    assert pat["enabled"] is True and pat["patience"]["dist"] == "lognormal"
    assert pat["patience"]["median"] == pytest.approx(60.0, rel=0.1)
    assert pat["patience"]["sigma"] == pytest.approx(0.6, abs=0.05)
    sm = scen["staffing"]["skill_multipliers"]
    assert sm["novice"] == pytest.approx(1.3, abs=0.06)
    assert sm["expert"] == pytest.approx(0.85, abs=0.05)
    assert scen["origin_mix"]["shanghai"] == pytest.approx(0.9, abs=0.01)
    assert scen["origin_mix"]["anhui"] == pytest.approx(0.02, abs=0.003)


def test_cross_province_delays(fitted: CalibrationFit, params: cs.SynthParams) -> None:
    xp = fitted.cross_province
    assert xp.available
    tab = xp.by_province.set_index("origin")
    assert set(tab.index) == {"jiangsu", "zhejiang", "anhui"}
    for prov, med in params.xp_delay_median.items():
        n = tab.loc[prov, "n"]
        assert math.exp(tab.loc[prov, "ln_mu"]) == pytest.approx(med, rel=4 * 0.5 / math.sqrt(n))
        assert tab.loc[prov, "ln_sigma"] == pytest.approx(0.5, abs=4 * 0.5 / math.sqrt(2 * n))


def test_summary_and_tables(fitted: CalibrationFit) -> None:
    text = fitted.summary()
    assert "Centre C001" in text and "patience: lognormal" in text
    tab = fitted.service_table()
    assert len(tab) == 9 and set(tab["level"]) == {"novice", "proficient", "expert"}


def test_missing_optional_data_noted(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    log = year_log.drop(columns=["xp_sent_time", "xp_reply_time"]).iloc[:8000].copy()
    log["origin"] = pd.array([pd.NA] * len(log), dtype="string")
    cleaned = clean_ticket_log(log, cs.catalogue(params), holidays=params.holidays)
    fit = fit_all(cleaned, gof_n_mc=0, holidays=params.holidays)
    assert not fit.cross_province.available
    assert any("cross-province" in n for n in fit.notes)
    assert any("months" in n for n in fit.notes)  # about 40 days of data
    scen = fit.to_scenario_dict()
    assert "origin_mix" not in scen and "staffing" not in scen


def test_multi_centre_log_needs_centre_id(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    log = year_log.iloc[:3000].copy()
    log.loc[1500:, "centre_id"] = "C002"
    cleaned = clean_ticket_log(log, cs.catalogue(params))
    with pytest.raises(ValueError, match="2 centres"):
        fit_all(cleaned, gof_n_mc=0)
    assert fit_all(cleaned, centre_id="C002", gof_n_mc=0).n_used == 1500


@pytest.mark.slow
def test_performance_smoke(tmp_path: Path) -> None:
    """About 60,000 rows read from CSV, cleaned and fitted; prints timings, asserts none."""
    p = cs.SynthParams(daily_volume=210.0)
    log = cs.ticket_log(p, seed=5)
    path = tmp_path / "year.csv"
    log.drop(columns=["source_row", "parse_errors"]).to_csv(path, index=False)
    t0 = time.perf_counter()
    raw = read_ticket_log(path)
    t1 = time.perf_counter()
    cleaned = clean_ticket_log(raw, cs.catalogue(p), cs.OPENING_HOURS, holidays=p.holidays)
    t2 = time.perf_counter()
    fit = fit_all(cleaned, skills=cs.skills(p), opening_hours=cs.OPENING_HOURS, holidays=p.holidays)
    t3 = time.perf_counter()
    print(f"\n{len(raw)} rows: read {t1 - t0:.2f} s, clean {t2 - t1:.2f} s, fit {t3 - t2:.2f} s")
    assert len(raw) >= 58000
    assert cleaned.n_usable == len(raw)
    assert fit.n_used == len(raw)


def test_a_few_same_second_abandonments_do_not_make_a_balking_rule(
    year_log: pd.DataFrame, params: cs.SynthParams
) -> None:
    """Four abandonments with leave time = ticket time (the issue's example) are balks by
    definition, but too few to support a queue-length rule: balking is written disabled
    and said so; with the minimum count lowered the LR test still has to be significant."""
    log = year_log.copy()
    ab = log.index[log["outcome"] == "abandoned"][:4]
    log.loc[ab, "leave_time"] = log.loc[ab, "ticket_time"]
    cleaned = clean_ticket_log(
        log, cs.catalogue(params), cs.OPENING_HOURS, holidays=params.holidays
    )
    fit = cs.fit_quickly(cleaned, params, balk_max_minutes=0.0)
    assert fit.balking is not None and fit.balking.n_balked >= 4
    assert not fit.balking_accepted
    assert fit.to_scenario_dict()["impatience"]["balking"] == {"enabled": False}
    assert any("balking not used" in n for n in fit.notes)
    loose = cs.fit_quickly(cleaned, params, balk_max_minutes=0.0, min_balks=1)
    b = loose.balking
    assert b is not None
    assert loose.balking_accepted == (b.lr_pvalue < 0.01)
