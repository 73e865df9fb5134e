"""The reference journey model gives the same records as the fast engine.

Small random scenarios (Hypothesis) cover what the journey models: one or two days,
lunch breaks, comprehensive, dedicated and cross-province windows, staff of different
skill, both calling policies, balking, reneging, walking time, no-shows, cross-province
round trips with timeouts, failures and outages, back-office cases carried over days,
overtime after closing and residents sent home unserved. All draws are continuous, so
two events at the same instant (where the two models may order them differently) have
probability zero. Not covered: city-wide diversion and the monitor, which the journey
does not model.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages, generate_residents
from simulator.engine.journey import run_journeys
from simulator.engine.records import ABANDONED, BALKED, NO_SHOW, SERVED, UNSERVED
from tests.conftest import make_scenario

EXACT = ("outcome", "window", "staff", "xp_result")
TIMES = (
    "call",
    "leave",
    "end",
    "service",
    "walk",
    "remote_wait",
    "bo_submit",
    "bo_done",
    "win_intervals",
    "day_close",
)


EXPLICIT = {
    "mode": "explicit",
    "blocks": [
        {"start": "08:00", "end": "09:00", "assign": {"W": "p-1", "D": "m-1"}},
        {"start": "09:00", "end": "10:30", "assign": {"W": "m-2", "D": "p-2"}},
        {"start": "10:45", "end": "11:30", "assign": {"W": "m-1"}},
    ],
}
"""Window W's staff changes at 09:00, everyone breaks 10:30-10:45, the last block ends
before closing time (12:00) and leaves W to a staff member who may lack skills."""


@pytest.fixture(scope="module")
def availability(tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("journey") / "availability.csv"
    pd.DataFrame(
        {"item_id": ["b"], "shanghai": [1], "jiangsu": [1], "zhejiang": [0], "anhui": [1]}
    ).to_csv(path, index=False)
    return str(path)


def exp(mean: float) -> dict[str, Any]:
    return {"dist": "exponential", "mean": mean}


@st.composite
def configs(draw: st.DrawFn, availability: str) -> dict[str, Any]:
    levels = st.sampled_from(["none", "novice", "proficient", "expert"])
    cfg: dict[str, Any] = {
        "centre": {"daily_volume": draw(st.integers(5, 60))},
        "catalogue": {
            "families": {
                "a": {"share": 0.6, "service": exp(draw(st.floats(3, 15)))},
                "b": {"share": 0.4, "service": {"dist": "lognormal", "mean": 8, "cv": 0.5}},
            }
        },
        "calendar": {"days": draw(st.integers(1, 2))},
        "layout": {
            "windows": {
                "w": {"kind": "comprehensive", "count": draw(st.integers(1, 3))},
                "d": {
                    "kind": "dedicated",
                    "count": draw(st.integers(0, 1)),
                    "prefix": "D",
                    "families": ["a"],
                },
            },
            "policy": draw(st.sampled_from(["oldest_first", "dedicated_first"])),
        },
        "staffing": {
            "staff": {
                "p": {"count": 4, "level": "proficient"},
                "m": {"count": 2, "skills": {"a": draw(levels), "b": draw(levels)}},
            },
            "plan": {"lunch_open_share": draw(st.sampled_from([0.0, 0.5, 1.0]))},
        },
        "impatience": {
            "balking": {
                "enabled": draw(st.booleans()),
                "threshold": draw(st.integers(1, 4)),
                "probability": 0.6,
            },
            "reneging": {"enabled": draw(st.booleans()), "patience": exp(draw(st.floats(5, 40)))},
        },
    }
    if draw(st.booleans()):
        cfg["centre"]["walk_time"] = exp(1.0)
    if draw(st.booleans()):
        cfg["centre"]["no_show"] = {"probability": 0.2, "hold": exp(2.0)}
    if draw(st.booleans()):
        cfg["catalogue"]["families"]["b"]["cross_province"] = True
        cfg["demand"] = {"origin_mix": {"shanghai": 0.4, "jiangsu": 0.3, "zhejiang": 0.3}}
        cfg["layout"]["windows"]["x"] = {
            "kind": "cross_province",
            "count": 1,
            "prefix": "X",
            "families": ["b"],
        }
        cfg["cross_province"] = {
            "enabled": True,
            "family": "b",
            "hold_timeout_min": draw(st.floats(1, 10)),
            "require_window": draw(st.booleans()),
            "availability_file": availability,
            "provinces": {
                p: {
                    "delay": exp(4.0),
                    "failure_prob": 0.1,
                    "outages_per_day": 3.0,
                    "outage_duration": exp(60),
                }
                for p in ("jiangsu", "zhejiang", "anhui")
            },
        }
    if draw(st.booleans()):
        cfg["catalogue"]["families"]["a"].update(back_office=True, bureau="housing")
        cfg["back_office"] = {
            "enabled": True,
            "hours": {"open": "08:00", "close": "11:00"},
            "default": {"staff": draw(st.integers(1, 2)), "work": exp(90)},
            "target_days": 1,
        }
    if draw(st.booleans()):  # an explicit plan: staff change windows, a break, a short day
        cfg["layout"]["windows"]["w"]["count"] = 1
        cfg["layout"]["windows"]["d"]["count"] = 1
        cfg["staffing"]["plan"] = plan = copy.deepcopy(EXPLICIT)
        if "x" in cfg["layout"]["windows"]:
            for block in plan["blocks"][:2]:
                block["assign"]["X"] = "p-3"
    return cfg


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), seed=st.integers(0, 2**16))
def test_journey_records_equal_the_fast_engine(availability: str, data: Any, seed: int) -> None:
    scn = make_scenario(**data.draw(configs(availability)))
    plans = scn.day_plans()
    res = generate_residents(scn, plans, seed, 0)
    outages = draw_outages(scn, seed, 0)
    fast = CentreModel(scn, plans, res, None, outages).run()
    ref = run_journeys(scn, plans, res, outages)
    for name in EXACT:
        np.testing.assert_array_equal(getattr(ref, name), getattr(fast, name), err_msg=name)
    for name in TIMES:
        np.testing.assert_allclose(
            getattr(ref, name), getattr(fast, name), rtol=0, atol=1e-9, err_msg=name
        )


def test_random_scenarios_reach_every_outcome(availability: str) -> None:
    # The property above is only as strong as the cases it meets: a busy, impatient
    # scenario produces every outcome the journey models (family b has no window: those
    # residents still waiting when the window closes go home unserved).
    cfg = {
        "layout": {
            "windows": {"d": {"kind": "dedicated", "count": 1, "families": ["a"], "prefix": "D"}}
        },
        "staffing": {
            "staff": {"m": {"count": 2, "skills": {"a": "expert"}}},
            "plan": EXPLICIT,
        },
        "centre": {
            "daily_volume": 60,
            "walk_time": exp(1.0),
            "no_show": {"probability": 0.2, "hold": exp(2.0)},
        },
        "impatience": {
            "balking": {"enabled": True, "threshold": 2, "probability": 0.6},
            "reneging": {"enabled": True, "patience": exp(20)},
        },
    }
    scn = make_scenario(**cfg)
    plans = scn.day_plans()
    res = generate_residents(scn, plans, 3, 0)
    ref = run_journeys(scn, plans, res, {})
    assert {SERVED, ABANDONED, BALKED, NO_SHOW, UNSERVED} <= set(ref.outcome.tolist())
    fast = CentreModel(scn, plans, res).run()
    np.testing.assert_array_equal(ref.outcome, fast.outcome)
