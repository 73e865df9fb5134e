"""Cross-province round trips, unavailable items, back office and its carry-over."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator import ConfigError, load_scenario, simulate
from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages
from simulator.engine.records import SERVED
from simulator.model import cross_province as xpm
from tests.conftest import make_residents, make_scenario

OPEN = 8 * 60


@pytest.fixture
def availability(tmp_path):
    path = tmp_path / "avail.csv"
    pd.DataFrame(
        {"item_id": ["b"], "shanghai": [1], "jiangsu": [1], "zhejiang": [0], "anhui": [1]}
    ).to_csv(path, index=False)
    return path


def xp_scenario(availability, **extra):
    cfg = dict(
        catalogue={"families": {"b": {"cross_province": True}}},
        demand={"origin_mix": {"shanghai": 0.5, "jiangsu": 0.5}},
        layout={
            "windows": {
                "w": {"count": 1},
                "x": {"kind": "cross_province", "count": 1, "prefix": "X", "families": ["b"]},
            }
        },
        cross_province={
            "enabled": True,
            "family": "b",
            "hold_timeout_min": 10,
            "availability_file": str(availability),
            "provinces": {
                p: {"delay": {"dist": "deterministic", "value": 1}}
                for p in ("jiangsu", "zhejiang", "anhui")
            },
        },
    )
    cfg.update(extra)
    return make_scenario(**cfg)


def test_round_trip_hold_and_timeout_exact(availability):
    scn = xp_scenario(availability)
    x = [w.id for w in scn.windows].index("X")
    # remote requests from Jiangsu: delays 4 min (completed) and 25 min (deferred at 10)
    res = make_residents(
        scn,
        [OPEN, OPEN + 1],
        families=[1, 1],
        service=[5, 5],
        origin=[1, 1],
        xp_kind=[xpm.XP_REMOTE, xpm.XP_REMOTE],
        remote_delay=[4.0, 25.0],
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert raw.window.tolist() == [x, x]  # only the cross-province window takes them
    assert raw.xp_result.tolist() == [xpm.XP_COMPLETED, xpm.XP_DEFERRED]
    # first: 5 min at the window + 4 min round trip; second called at 9, 5 + 10 timeout
    assert (raw.end - OPEN).tolist() == [9.0, 24.0]
    assert raw.remote_wait.tolist() == [4.0, 10.0]


def test_failure_and_unavailable_item_are_counted_not_dropped(availability):
    scn = xp_scenario(availability)
    res = make_residents(
        scn,
        [OPEN, OPEN + 1, OPEN + 2],
        families=[1, 1, 1],
        service=[5, 5, 5],
        origin=[1, 2, 0],
        xp_kind=[xpm.XP_REMOTE, xpm.XP_UNAVAILABLE, xpm.XP_LOCAL],
        remote_delay=[math.inf, 1.0, math.inf],
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert (raw.outcome == SERVED).all()
    # failed system -> deferred after the timeout; item not offered by Zhejiang -> counted
    assert raw.xp_result.tolist() == [xpm.XP_DEFERRED, xpm.XP_NOT_OFFERED, xpm.XP_COMPLETED]
    # X: 0-5 service, 5-15 waiting until the timeout, then 15-20 the unavailable item;
    # the Shanghai resident's local request is served by the comprehensive window at 2.
    assert (raw.end - OPEN).tolist() == [15.0, 20.0, 7.0]


def test_scheduled_outage_defers_requests(availability):
    scn = xp_scenario(availability)
    cross = dict(scn.config["cross_province"])
    cross["scheduled_outages"] = [
        {"province": "jiangsu", "date": "2026-03-02", "start": "08:00", "end": "09:00"}
    ]
    scn = make_scenario(
        **{k: v for k, v in scn.config.items() if k in ("catalogue", "demand", "layout")},
        cross_province=cross,
    )
    res = make_residents(
        scn,
        [OPEN, OPEN + 70],
        families=[1, 1],
        service=[5, 5],
        origin=[1, 1],
        xp_kind=[xpm.XP_REMOTE, xpm.XP_REMOTE],
        remote_delay=[1.0, 1.0],
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert raw.xp_result.tolist() == [xpm.XP_DEFERRED, xpm.XP_COMPLETED]


@pytest.mark.parametrize("defer_when_down", [False, True])
def test_outage_holds_for_the_timeout_unless_deferred_at_once(availability, defer_when_down):
    """Sent during an outage, a request holds the window for the full timeout; with
    ``defer_when_down`` the clerk sees the outage and defers at once. A failure (not
    seen) still holds for the timeout either way."""
    scn = xp_scenario(availability)
    cross = dict(scn.config["cross_province"])
    cross["scheduled_outages"] = [
        {"province": "jiangsu", "date": "2026-03-02", "start": "08:00", "end": "09:00"}
    ]
    if defer_when_down:
        cross["defer_when_down"] = True
    scn = make_scenario(
        **{k: v for k, v in scn.config.items() if k in ("catalogue", "demand", "layout")},
        cross_province=cross,
    )
    assert scn.cross_province.defer_when_down is defer_when_down
    res = make_residents(
        scn,
        [OPEN, OPEN + 1],
        families=[1, 1],
        service=[5, 5],
        origin=[1, 2],  # Jiangsu (down), Zhejiang (its system fails: no answer)
        xp_kind=[xpm.XP_REMOTE, xpm.XP_REMOTE],
        remote_delay=[1.0, math.inf],
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert raw.xp_result.tolist() == [xpm.XP_DEFERRED, xpm.XP_DEFERRED]
    hold = 0.0 if defer_when_down else 10.0
    assert raw.remote_wait.tolist() == [hold, 10.0]
    # X serves the first 0-5 (+ hold), then the second for 5 min and its 10-min timeout
    assert (raw.end - OPEN).tolist() == [5.0 + hold, 5.0 + hold + 15.0]


def test_defer_when_down_must_be_a_flag(availability):
    scn = xp_scenario(availability)
    cross = dict(scn.config["cross_province"], defer_when_down="sometimes")
    with pytest.raises(ConfigError, match=r"cross_province\.defer_when_down"):
        make_scenario(
            **{k: v for k, v in scn.config.items() if k in ("catalogue", "demand", "layout")},
            cross_province=cross,
        )


def test_cross_province_scenario_kpis_by_origin():
    scn = load_scenario("cross_province")
    res = simulate(scn, replications=3, seed=4)
    s = res.summary()
    assert s.loc["xp_requests", "mean"] > 0
    total = (
        s.loc["xp_completed", "mean"]
        + s.loc["xp_deferred", "mean"]
        + s.loc["xp_not_offered", "mean"]
    )
    assert total == pytest.approx(s.loc["xp_requests", "mean"])
    by_origin = res.origin_summary()
    assert set(by_origin["origin"]) == {"shanghai", "jiangsu", "zhejiang", "anhui"}
    items = res.tables["cross_province_items"]
    assert items["requests"].sum() == res.replications["xp_requests"].sum()


def test_unknown_province_is_a_clear_error(availability):
    with pytest.raises(ConfigError) as info:
        xp_scenario(availability, demand={"origin_mix": {"shanghai": 0.5, "fujian": 0.5}})
    assert any(
        "demand.origin_mix.fujian" in p and "unknown province" in p for p in info.value.problems
    )


def test_availability_inconsistent_with_windows(availability):
    with pytest.raises(ConfigError) as info:
        xp_scenario(availability, layout={"windows": {"x": {"count": 0}}})
    assert any("window of kind cross_province" in p for p in info.value.problems)


def test_availability_row_for_non_cross_province_item(tmp_path, availability):
    bad = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "item_id": ["a", "b"],
            "shanghai": [1, 1],
            "jiangsu": [1, 2],
            "zhejiang": [0, 0],
            "anhui": [0, 0],
        }
    ).to_csv(bad, index=False)
    with pytest.raises(ConfigError) as info:
        xp_scenario(
            availability,
            cross_province={
                "enabled": True,
                "family": "b",
                "availability_file": str(bad),
                "provinces": {
                    p: {"delay": {"dist": "deterministic", "value": 1}}
                    for p in ("jiangsu", "zhejiang", "anhui")
                },
            },
        )
    joined = "\n".join(info.value.problems)
    assert "item a" in joined and "not a cross-province item" in joined
    assert "column jiangsu must be 0 or 1" in joined


def test_centre_without_any_window_is_an_error():
    with pytest.raises(ConfigError, match="the layout has no window"):
        make_scenario(layout={"windows": {"w": {"count": 0}}})


def bo_scenario(days: int, staff: int = 1):
    return make_scenario(
        catalogue={"families": {"a": {"back_office": True, "bureau": "housing"}}},
        calendar={"days": days},
        back_office={
            "enabled": True,
            "hours": {"open": "08:00", "close": "12:00"},
            "default": {"staff": staff},
            "target_days": 1,
        },
    )


def test_back_office_exact_and_carry_over_to_next_working_day():
    scn = bo_scenario(days=2)
    # two back-office cases from the window: 10-min services at 08:00 and 08:10;
    # one clerk, 200 min of work each: the first ends 11:30, the second gets 30 min
    # today and 170 min on the next day (Tuesday): done at 08:00 + 170 min.
    res = make_residents(
        scn, [OPEN, OPEN], families=[0, 0], service=[10, 10], bo_work=[200.0, 200.0]
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert (raw.bo_submit - OPEN).tolist() == [10.0, 20.0]
    assert raw.bo_done[0] - OPEN == pytest.approx(210.0)
    assert raw.bo_done[1] == pytest.approx(1440 + OPEN + 170)


def test_back_office_clerks_take_cases_first_come_first_served():
    # Two clerks, cases submitted at 08:10, 08:20, 08:30, 08:40 (one window, 10-min
    # services) with 100, 50, 30 and 500 min of work, hours 08:00-12:00, one day. The
    # first two go to the idle clerks; the third waits for the first clerk free (08:20 +
    # 50 = 09:10) and ends 09:40; the fourth starts then, works until 12:00 and the
    # horizon has no working time left: it stays open, its clerk stops.
    scn = bo_scenario(days=1, staff=2)
    res = make_residents(
        scn, [OPEN] * 4, families=[0] * 4, service=[10] * 4, bo_work=[100.0, 50.0, 30.0, 500.0]
    )
    raw = CentreModel(scn, scn.day_plans(), res, outages=draw_outages(scn, 0, 0)).run()
    assert (raw.bo_submit - OPEN).tolist() == [10.0, 20.0, 30.0, 40.0]
    assert (raw.bo_done[:3] - OPEN).tolist() == [110.0, 70.0, 100.0]
    assert np.isnan(raw.bo_done[3])


def test_back_office_backlog_kpis():
    scn = bo_scenario(days=3)
    res = simulate(scn, replications=2, seed=1)
    daily = res.tables["back_office_daily"]
    assert set(daily.columns) >= {"day", "submitted", "completed", "backlog_end"}
    for _, grp in daily.groupby("replication"):
        np.testing.assert_array_equal(
            grp["backlog_end"].to_numpy(), np.cumsum(grp["submitted"]) - np.cumsum(grp["completed"])
        )
    r = res.replications
    assert (r["bo_cases"] == r["bo_completed"] + r["bo_open_at_end"]).all()


def test_back_office_bureau_without_staff_is_an_error():
    with pytest.raises(ConfigError, match="no staff"):
        bo_scenario(days=1, staff=0)
