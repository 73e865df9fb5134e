"""Exact event-log tests of the engine on hand-worked cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.engine.centre import CentreModel
from simulator.engine.records import ABANDONED, BALKED, SERVED, UNSERVED
from tests.conftest import make_residents, make_scenario

OPEN = 8 * 60  # 08:00 in minutes


def run(scn, res):
    plans = scn.day_plans()
    return CentreModel(scn, plans, res).run()


def test_two_windows_fifo_exact_times():
    scn = make_scenario(layout={"windows": {"w": {"count": 2}}})
    res = make_residents(scn, [OPEN + x for x in (0, 1, 2, 3)])
    raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED] * 4
    assert (raw.call - OPEN).tolist() == [0, 1, 10, 11]
    assert (raw.end - OPEN).tolist() == [10, 11, 20, 21]
    # Each window serves one after the other without overlap.
    assert sorted(raw.window.tolist()) == [0, 0, 1, 1]


def test_reneging_at_deadline_exact():
    scn = make_scenario(
        impatience={"reneging": {"enabled": True, "patience": {"dist": "exponential", "mean": 5}}}
    )
    # second resident arrives at 1 with patience 5: window busy until 10 -> leaves at 6
    res = make_residents(scn, [OPEN, OPEN + 1, OPEN + 2], patience=[math.inf, 5.0, 30.0])
    raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, ABANDONED, SERVED]
    assert raw.leave[1] - OPEN == pytest.approx(6.0)
    assert raw.call[2] - OPEN == pytest.approx(10.0)  # third is called when the first ends


def test_overtime_served_after_close():
    scn = make_scenario()
    close = 12 * 60
    res = make_residents(scn, [close - 5, close - 4])
    raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, SERVED]
    assert raw.end[1] == pytest.approx(close + 15)
    _day, c, last = raw.day_close[0]
    assert c == close and last == pytest.approx(close + 15)


def test_lunch_closes_window_after_current_service():
    scn = make_scenario(
        calendar={
            "hours": {
                "weekday": {
                    "open": "08:00",
                    "close": "12:00",
                    "lunch_start": "09:00",
                    "lunch_end": "10:00",
                }
            }
        },
        layout={"windows": {"w": {"count": 2}}},
    )
    # auto plan: lunch keeps ceil(0.5 * 2) = 1 window. Window W2 is serving at 09:00.
    res = make_residents(
        scn, [OPEN + 55, OPEN + 56, OPEN + 61, OPEN + 62], service=[10, 10, 10, 10]
    )
    raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED] * 4
    # At 09:00 only one window stays open: third and fourth are served one after another
    # by the open window once it frees up at 09:05.
    calls = (raw.call - OPEN).tolist()
    assert calls[:2] == [55, 56]
    assert calls[2] == pytest.approx(65)
    assert calls[3] == pytest.approx(75)
    closed = raw.win_intervals[raw.win_intervals[:, 3] < 10 * 60]
    # The window closed for lunch closed when its service ended (09:06), not at 09:00.
    assert closed[:, 3].tolist() == [pytest.approx(OPEN + 66)]


def test_dedicated_window_only_serves_its_families():
    scn = make_scenario(
        layout={
            "windows": {
                "d": {"kind": "dedicated", "count": 1, "prefix": "D", "families": ["a"]},
                "w": {"count": 1},
            }
        }
    )
    # Two b residents and one a resident; D must serve only a.
    res = make_residents(scn, [OPEN, OPEN + 1, OPEN + 2], families=[1, 1, 0])
    raw = run(scn, res)
    wid = {w.id: k for k, w in enumerate(scn.windows)}
    assert raw.window.tolist() == [wid["W"], wid["W"], wid["D"]]
    assert (raw.call - OPEN).tolist() == [0, 10, 2]


def test_skill_level_scales_service_and_none_forbids():
    scn = make_scenario(
        staffing={
            "staff": {
                "p": {"count": 0},
                "n": {"count": 1, "skills": {"a": "novice", "b": "none"}},
                "x": {"count": 1, "skills": {"b": "expert"}},
            }
        },
        layout={"windows": {"w": {"count": 2}}},
    )
    res = make_residents(scn, [OPEN, OPEN + 1], families=[0, 1])
    raw = run(scn, res)
    staff_ids = [s.id for s in scn.staff]
    assert raw.service.tolist() == pytest.approx([13.0, 8.5])
    assert staff_ids[raw.staff[0]].startswith("n-") and staff_ids[raw.staff[1]].startswith("x-")


def test_balking_when_too_many_ahead():
    scn = make_scenario(
        impatience={"balking": {"enabled": True, "threshold": 1, "probability": 1.0}}
    )
    res = make_residents(scn, [OPEN, OPEN + 1, OPEN + 2], balk_u=[0.5, 0.5, 0.5])
    raw = run(scn, res)
    # first served at once, second waits (0 ahead), third sees 1 ahead and balks
    assert raw.outcome.tolist() == [SERVED, SERVED, BALKED]


def test_oldest_first_across_families_and_dedicated_first_policy():
    layout = {
        "windows": {
            "w": {"count": 1},
            "d": {
                "kind": "dedicated",
                "count": 1,
                "prefix": "D",
                "families": ["a", "b"],
                "priority": ["b"],
            },
        }
    }
    res_times = [OPEN, OPEN, OPEN + 1, OPEN + 2]
    fams = [0, 0, 0, 1]
    scn = make_scenario(layout={**layout, "policy": "oldest_first"})
    raw = run(scn, make_residents(scn, res_times, families=fams))
    # at 10 both windows free up; oldest first: a@1 to the first window, then b@2
    assert (raw.call - OPEN).tolist() == [0, 0, 10, 10]
    scn2 = make_scenario(layout={**layout, "policy": "dedicated_first"})
    raw2 = run(scn2, make_residents(scn2, res_times, families=fams))
    wid = {w.id: k for k, w in enumerate(scn2.windows)}
    # D prefers family b even though an older a is waiting
    assert raw2.window[3] == wid["D"]


def test_backlog_at_close_is_served_in_overtime():
    scn = make_scenario()
    res = make_residents(scn, [12 * 60 - 30 + i for i in range(30)])
    raw = run(scn, res)
    assert (raw.outcome == SERVED).all()
    # one window, 10 min each, first at 11:30: the last ends at 11:30 + 300 min
    assert raw.day_close[0, 2] == pytest.approx(12 * 60 - 30 + 300)


def test_resident_of_family_with_no_window_left_is_unserved():
    # The dedicated window for b closes at lunch and never reopens (explicit plan);
    # the b resident arriving after that goes home unserved at the end of the day.
    scn = make_scenario(
        layout={
            "windows": {
                "w": {"kind": "dedicated", "families": ["a"], "count": 1},
                "d": {"kind": "dedicated", "families": ["b"], "count": 1, "prefix": "D"},
            }
        },
        staffing={
            "plan": {
                "mode": "explicit",
                "blocks": [
                    {"start": "08:00", "end": "09:00", "assign": {"W": "p-1", "D": "p-2"}},
                    {"start": "09:00", "end": "12:00", "assign": {"W": "p-1"}},
                ],
            }
        },
    )
    res = make_residents(scn, [OPEN + 70, OPEN + 71], families=[0, 1])
    raw = run(scn, res)
    assert raw.outcome.tolist() == [SERVED, UNSERVED]
    assert np.isin(raw.outcome, [SERVED, UNSERVED, ABANDONED, BALKED]).all()


def test_by_block_plan_opens_windows_per_block():
    scn = make_scenario(
        layout={"windows": {"w": {"count": 3}}},
        staffing={
            "plan": {
                "mode": "by_block",
                "blocks": {
                    "weekday": [
                        {"start": "08:00", "end": "09:00", "open": {"w": 1}},
                        {"start": "09:00", "end": "12:00", "open": {"w": 3}},
                    ],
                    "weekend": [{"start": "08:00", "end": "12:00", "open": {"w": 1}}],
                    "holiday": [{"start": "08:00", "end": "12:00", "open": {"w": 1}}],
                },
            }
        },
    )
    assert [len(b.assignments) for b in scn.plans["weekday"]] == [1, 3]
    # three residents at 08:00: one window until 09:00, then three
    res = make_residents(scn, [OPEN, OPEN, OPEN + 1], service=[60, 60, 60])
    raw = run(scn, res)
    assert (raw.call - OPEN).tolist() == [0, 60, 60]
