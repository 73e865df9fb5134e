"""Walking time and no-shows: exact hand-worked event logs, KPIs, config and streams."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from simulator.analysis.kpis import compute_kpis
from simulator.config.scenario import Calling
from simulator.engine.centre import CentreModel
from simulator.engine.demand import generate_residents
from simulator.engine.records import ABANDONED, NO_SHOW, SERVED
from simulator.errors import ConfigError
from tests.conftest import make_residents, make_scenario

OPEN = 8 * 60
WALK = {"centre": {"walk_time": {"dist": "deterministic", "value": 2}}}
NO_SHOW_CFG = {
    "centre": {"no_show": {"probability": 0.1, "hold": {"dist": "deterministic", "value": 3}}}
}


def run(scn, res):
    plans = scn.day_plans()
    raw = CentreModel(scn, plans, res).run()
    return plans, raw


def scenario(*, volume, days, **centre):
    """``days`` days at ``volume`` residents a day, with further ``centre`` keys."""
    return make_scenario(centre={"daily_volume": volume, **centre}, calendar={"days": days})


def with_calling(res, walk=None, hold=None):
    return dataclasses.replace(
        res,
        walk=None if walk is None else np.asarray(walk, dtype=float),
        no_show_hold=None if hold is None else np.asarray(hold, dtype=float),
    )


def test_defaults_are_off():
    scn = make_scenario()
    assert scn.calling == Calling()
    assert not scn.calling.enabled


def test_walk_time_holds_the_window_exact():
    scn = make_scenario(**WALK)
    # Resident 0 meets an idle window (called on arrival), 1 waits in the queue.
    res = with_calling(make_residents(scn, [OPEN, OPEN + 1]), walk=[2.0, 1.5])
    plans, raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, SERVED]
    # 0: called 0, walks 2, served 2-12. 1: called 12, walks 1.5, served 13.5-23.5.
    assert (raw.call - OPEN).tolist() == [0.0, 12.0]
    assert raw.walk.tolist() == [2.0, 1.5]
    assert raw.service.tolist() == [10.0, 10.0]
    assert (raw.end - OPEN).tolist() == [12.0, 23.5]
    assert (raw.leave - OPEN).tolist() == [0.0, 12.0]  # waiting ends at the call
    k = compute_kpis(scn, plans, res, raw, 0, record_visits=True)
    assert k.kpis["wait_mean_min"] == pytest.approx(5.5)  # (0 + 11) / 2, ticket to call
    assert k.kpis["service_mean_min"] == pytest.approx(10.0)  # walk excluded
    # Busy from call to end (walk included) over the 4 open hours.
    assert k.kpis["utilisation"] == pytest.approx(23.5 / 240.0)
    v = k.visits
    assert v is not None
    assert v["walk_min"].tolist() == [2.0, 1.5]


def test_no_show_holds_window_then_next_is_called_exact():
    scn = make_scenario(**NO_SHOW_CFG)
    nan = math.nan
    # 1 is not there when called at 10; the window waits 3 and calls 2 at 13.
    # 3 arrives at 40 to an idle window and is not there either: 4 is called at 43.
    res = with_calling(
        make_residents(scn, [OPEN, OPEN + 1, OPEN + 2, OPEN + 40, OPEN + 41]),
        hold=[nan, 3.0, nan, 3.0, nan],
    )
    plans, raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, NO_SHOW, SERVED, NO_SHOW, SERVED]
    assert (raw.call - OPEN).tolist() == [0.0, 10.0, 13.0, 40.0, 43.0]
    assert (raw.end - OPEN).tolist() == [10.0, 13.0, 23.0, 43.0, 53.0]
    assert (raw.leave - OPEN).tolist() == [0.0, 10.0, 13.0, 40.0, 43.0]
    assert raw.window.tolist() == [0, 0, 0, 0, 0]  # the window that called
    assert np.isnan(raw.service[[1, 3]]).all() and np.isnan(raw.walk[[1, 3]]).all()
    k = compute_kpis(scn, plans, res, raw, 0, record_visits=True).kpis
    assert k["no_show"] == 2 and k["no_show_rate"] == pytest.approx(2 / 5)
    assert k["served"] == 3 and k["abandoned"] == 0
    assert k["abandonment_rate"] == 0.0  # no-shows are not abandonment
    assert k["wait_mean_min"] == pytest.approx((0 + 11 + 2) / 3)  # served only
    # Busy 0-10, 10-13 (hold), 13-23, 40-43 (hold), 43-53: 36 of 240 open minutes.
    assert k["utilisation"] == pytest.approx(36.0 / 240.0)


def test_walk_and_no_show_together_with_reneging_exact():
    scn = make_scenario(
        centre={**WALK["centre"], **NO_SHOW_CFG["centre"]},
        impatience={"reneging": {"enabled": True, "patience": {"dist": "exponential", "mean": 5}}},
    )
    nan = math.nan
    # 0 walks 1 and is served 1-11. 1 would be a no-show but its patience (5) runs out at
    # 6: abandoned, not a no-show. 2 is a no-show called at 11 (hold 2). 3 is called at 13,
    # walks 1, served 14-24.
    res = with_calling(
        make_residents(
            scn, [OPEN, OPEN + 1, OPEN + 2, OPEN + 3], patience=[math.inf, 5.0, 60.0, 60.0]
        ),
        walk=[1.0, 1.0, 1.0, 1.0],
        hold=[nan, 2.0, 2.0, nan],
    )
    plans, raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, ABANDONED, NO_SHOW, SERVED]
    assert raw.leave[1] - OPEN == pytest.approx(6.0)
    assert (raw.call[[0, 2, 3]] - OPEN).tolist() == [0.0, 11.0, 13.0]
    assert (raw.end[[0, 2, 3]] - OPEN).tolist() == [11.0, 13.0, 24.0]
    k = compute_kpis(scn, plans, res, raw, 0).kpis
    assert k["abandoned"] == 1 and k["no_show"] == 1
    assert k["abandonment_rate"] == pytest.approx(1 / 4)


def test_config_problems_name_their_keys():
    with pytest.raises(ConfigError) as exc:
        make_scenario(centre={"no_show": {"probability": 1.5, "holdd": 2}})
    msg = str(exc.value)
    assert "centre.no_show.probability" in msg and "centre.no_show.holdd" in msg
    with pytest.raises(ConfigError, match=r"centre\.walk_time"):
        make_scenario(centre={"walk_time": {"dist": "lognormal", "mean": -1, "cv": 0.5}})


def test_draws_have_their_own_streams_and_leave_the_others_alone():
    base = scenario(volume=400, days=20)
    on = scenario(
        volume=400,
        days=20,
        walk_time={"dist": "exponential", "mean": 0.5},
        no_show={"probability": 0.05, "hold": {"dist": "deterministic", "value": 2}},
    )
    a = generate_residents(base, base.day_plans(), seed=3, replication=1)
    b = generate_residents(on, on.day_plans(), seed=3, replication=1)
    assert a.walk is None and a.no_show_hold is None
    for f in ("t", "item", "service", "patience", "balk_u", "return_u", "origin"):
        np.testing.assert_array_equal(getattr(a, f), getattr(b, f))
    assert b.walk is not None and b.no_show_hold is not None
    n = len(b)
    absent = np.isfinite(b.no_show_hold)
    share = absent.mean()
    se = math.sqrt(0.05 * 0.95 / n)
    assert abs(share - 0.05) < 4 * se, (share, n)
    assert (b.no_show_hold[absent] == 2.0).all()
    se_walk = 0.5 / math.sqrt(n)
    assert abs(b.walk.mean() - 0.5) < 4 * se_walk
    again = generate_residents(on, on.day_plans(), seed=3, replication=1)
    np.testing.assert_array_equal(again.walk, b.walk)
    np.testing.assert_array_equal(again.no_show_hold, b.no_show_hold)


def test_simulate_reports_no_shows_through_the_public_api():
    from simulator import simulate

    scn = scenario(
        volume=60,
        days=5,
        walk_time={"dist": "deterministic", "value": 1},
        no_show={"probability": 0.2, "hold": {"dist": "deterministic", "value": 2}},
    )
    res = simulate(scn, replications=2, seed=4, record_visits=True)
    s = res.summary()
    assert s.loc["no_show", "mean"] > 0
    v = res.visits
    assert v is not None
    shows = v[v["outcome"] == "no_show"]
    assert len(shows) == s.loc["no_show", "mean"] * 2
    assert shows["service_min"].isna().all() and shows["window"].ne("").all()
    assert (shows["hold_min"] == 2.0).all()
    served = v[v["outcome"] == "served"]
    assert (served["walk_min"] == 1.0).all()
