"""City-wide handling: the centres of a district in one simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from simulator import ConfigError, load_scenario
from simulator.engine.district import Diversion, parse_diversion
from simulator.model.distributions import Deterministic
from simulator.run.runner import run_district_replication, run_replication


@pytest.fixture(scope="module")
def two_centres():
    busy = load_scenario("reference", ["centre.id=A", "centre.daily_volume=320"])
    light = load_scenario(
        "reference",
        [
            "centre.id=B",
            "centre.daily_volume=120",
            "layout.windows.comprehensive.count=6",
            "staffing.staff.all_round.count=6",
        ],
    )
    return [busy, light]


def test_without_diversion_district_equals_independent_runs(two_centres):
    """Shared environment and eager arrivals give exactly the independent results (this
    also checks that lazy admission of residents is exact)."""
    seeds = [11, 12]
    together = run_district_replication(
        two_centres, seeds, 0, Diversion(enabled=True, probability=0.0)
    )
    for scn, seed, got in zip(two_centres, seeds, together, strict=True):
        alone = run_replication(scn, 0, seed)
        # every KPI and the hourly and per-family tables, not a chosen few
        assert got.kpis == pytest.approx(alone.kpis, rel=1e-12, nan_ok=True)
        pd.testing.assert_frame_equal(got.hourly, alone.hourly, rtol=1e-12)
        pd.testing.assert_frame_equal(got.by_family, alone.by_family, rtol=1e-12)
        assert got.kpis["diverted"] == 0 and got.kpis["guests"] == 0


def test_diversion_moves_load_from_saturated_centre_to_neighbour(two_centres):
    seeds = [11, 12]
    off = [run_district_replication(two_centres, seeds, r, Diversion()) for r in range(6)]
    on = [
        run_district_replication(
            two_centres, seeds, r, Diversion(True, 0.8, 8, Deterministic(15.0))
        )
        for r in range(6)
    ]
    diverted = np.array([rep[0].kpis["diverted"] for rep in on])
    guests = np.array([rep[1].kpis["guests"] for rep in on])
    assert (diverted > 0).all()
    np.testing.assert_array_equal(diverted, guests)  # everyone who left arrived next door
    wait_a_off = np.array([rep[0].kpis["wait_mean_min"] for rep in off])
    wait_a_on = np.array([rep[0].kpis["wait_mean_min"] for rep in on])
    served_b_off = np.array([rep[1].kpis["served"] for rep in off])
    served_b_on = np.array([rep[1].kpis["served"] for rep in on])
    # paired under common random numbers: A waits less, B serves more, in every replication
    assert (wait_a_on < wait_a_off).all()
    assert (served_b_on > served_b_off).all()
    for rep in on:
        k = rep[0].kpis
        assert (
            k["served"] + k["abandoned"] + k["balked"] + k["unserved"] + k["diverted"]
            == k["arrivals"]
        )


def test_parse_diversion_errors_name_keys():
    with pytest.raises(ConfigError, match=r"diversion\.probability"):
        parse_diversion({"enabled": True, "probability": 2})
    d = parse_diversion(
        {
            "enabled": True,
            "probability": 0.5,
            "queue_threshold": 10,
            "travel": {"dist": "deterministic", "value": 20},
        }
    )
    assert d.enabled and d.queue_threshold == 10 and d.travel.mean == 20


def test_city_run_with_diversion_runs_districts_as_units():
    from simulator.city.build import build_city
    from simulator.city.run import run_city

    city = build_city(seed=3, days=2).subset(districts=["Huangpu"])
    off = run_city(city, seed=5, workers=1)
    on = run_city(city, seed=5, workers=1, diversion=Diversion(True, 1.0, 3, Deterministic(10.0)))
    assert on.meta["unit"] == "district" and on.meta["diversion"]
    assert on.centres["diverted"].sum() > 0
    assert on.centres["diverted"].sum() == on.centres["guests"].sum()
    assert off.centres["diverted"].sum() == 0


def test_day_factors_scale_each_day_exactly(two_centres):
    from simulator.engine.demand import generate_residents

    scn = two_centres[0]
    plans = scn.day_plans()
    factors = np.ones(len(plans))
    factors[1] = 0.0
    res = generate_residents(scn, plans, 3, 0, factors)
    assert (res.day != 1).all()  # a zero factor removes the day's walk-ins
    base = generate_residents(scn, plans, 3, 0)
    assert (base.day == 1).any()
    with pytest.raises(ValueError, match="day_factors"):
        generate_residents(scn, plans, 3, 0, np.ones(2))


@pytest.mark.slow
def test_common_busyness_correlates_centres_and_widens_volume_interval():
    from simulator.city.build import build_city
    from simulator.city.run import run_city

    city = build_city(seed=3, days=12, start_date="2026-03-02").subset(districts=["Huangpu"])
    runs = {cv: run_city(city, seed=5, workers=1, common_busyness_cv=cv) for cv in (0.0, 0.4)}

    expected = {
        scn.centre_id: [scn.expected_daily_volume(p) for p in scn.day_plans()]
        for scn in city.scenarios
    }

    def mean_corr(res) -> float:
        """Mean correlation across centres of daily arrivals / their expectation."""
        d = res.daily.pivot_table(index="day", columns="centre_id", values="arrivals")
        ratio = np.column_stack(
            [d[c].to_numpy() / np.asarray(expected[c])[d.index] for c in d.columns]
        )
        c = np.corrcoef(ratio.T)
        return float(c[np.triu_indices_from(c, 1)].mean())

    assert mean_corr(runs[0.4]) > mean_corr(runs[0.0]) + 0.3
    assert (
        runs[0.4].volume_check()["model_sd_per_replication"]
        > 2 * runs[0.0].volume_check()["model_sd_per_replication"]
    )
