"""Back-test: calibrate on generated histories, simulate the written file over held-out
months, compare with the acceptance tolerances of docs/calibration.md."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from calibration.backtest import CASES, TOLERANCES, backtest, backtest_table


def _misses(row: dict[str, object]) -> list[str]:
    return [
        f"{k}: log {row[f'{k}_log']:.4g} vs sim {row[f'{k}_sim']:.4g}"  # type: ignore[str-format]
        for k in TOLERANCES
        if not row[f"{k}_ok"]
    ]


@pytest.fixture(scope="module")
def short_quiet(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Four months of a quiet centre with no-shows, walk time, closed holidays, ad-hoc
    closures, absences, a novice and an expert; the last 30 days held out."""
    return backtest(
        "quiet",
        tmp_path_factory.mktemp("bt"),
        start="2025-03-01",
        end="2025-06-30",
        holdout_days=30,
        seed=3,
        replications=6,
    )


def test_short_backtest_quiet_centre(short_quiet: dict[str, Any]) -> None:
    """The written file reproduces the held-out month within the tolerances."""
    row = short_quiet
    assert row["all_ok"], _misses(row)
    assert Path(str(row["scenario"])).exists()
    assert "| quiet |" in backtest_table([row])


def test_generator_realism_recovered(short_quiet: dict[str, Any]) -> None:
    """Walk time, no-shows and their hold, closures and per-staff speed of the generator
    recovered within 4 standard errors (each from the sample size)."""
    cal, truth = short_quiet["_calibration"], short_quiet["_truth"]
    lay = cal.layout
    tw, tns = truth["centre"]["walk_time"], truth["centre"]["no_show"]
    walk = cal.config["centre"]["walk_time"]
    se_walk = tw["mean"] * tw["cv"] / math.sqrt(lay.walk["n"])
    assert abs(walk["mean"] - tw["mean"]) < 4 * se_walk, walk
    p, n = lay.no_show["share"], lay.no_show["n_called"]
    assert abs(p - tns["probability"]) < 4 * math.sqrt(tns["probability"] * (1 - p) / n)
    hold = cal.config["centre"]["no_show"]["hold"]
    th = tns["hold"]
    assert abs(hold["mean"] - th["mean"]) < 4 * th["mean"] * th["cv"] / math.sqrt(
        lay.no_show["hold_n"]
    )
    facts = truth["synthetic"]
    closed = {str(d.date()) for d in lay.closed_dates}
    fit_end = cal.config["calibration"]["fitting_period"]["end"]
    want = {
        d
        for d in [*facts["closed_holidays"], *facts["closed_adhoc"]]
        if "2025-03-01" <= d <= fit_end
    }
    assert want <= closed, sorted(want - closed)
    assert lay.holidays_closed and cal.config["demand"]["holiday_factor"] == 0.0
    levels = {s.level: s for s in lay.staff if not s.pooled}
    mult = truth["staffing"]["skill_multipliers"]
    for lev in ("novice", "expert"):
        s = levels[lev]
        se = (s.speed_ci[1] - s.speed_ci[0]) / (2 * 1.96)  # the CI is 95%
        assert abs(s.speed - mult[lev]) < 4 * se, (lev, s)


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_backtest_full_year(case: str, tmp_path: Path) -> None:
    """The docs table: calibrate on Jan-Oct 2025, simulate the written file over Nov-Dec."""
    row = backtest(case, tmp_path, seed=1, replications=10)
    assert row["all_ok"], (case, _misses(row))


@pytest.mark.slow
def test_cross_province_round_trips_modelled(tmp_path: Path) -> None:
    """Residents of other provinces in the log: origin mix fitted (within 4 binomial SE of
    the truth), round-trip delays fitted where the log has 10 pairs, the model enabled,
    and the file loads and simulates."""
    from simulator import load_scenario, simulate

    row = backtest(
        "cross_province",
        tmp_path,
        start="2025-03-01",
        end="2025-06-30",
        holdout_days=30,
        seed=4,
        replications=3,
    )
    cal, truth = row["_calibration"], row["_truth"]
    cfg = cal.config
    assert cfg["cross_province"]["enabled"]
    mix, tmix = cfg["demand"]["origin_mix"], truth["demand"]["origin_mix"]
    n = cal.fit.n_used
    for p, share in tmix.items():
        assert abs(mix[p] - share) < 4 * math.sqrt(share * (1 - share) / n), (p, mix[p], share)
    par = cfg["calibration"]["parameters"]["cross_province"]
    for p in par["delays_fitted_for"]:
        assert cfg["cross_province"]["provinces"][p]["delay"]["dist"] == "lognormal"
    assert par["cross_province_windows"]  # the truth's X window, as kind cross_province
    scn = load_scenario(str(row["scenario"]), ["calendar.days=2"])
    assert scn.cross_province.enabled
    assert simulate(scn, replications=1, seed=1).summary().loc["arrivals", "mean"] > 0
