"""The staffing rules both engines share (simulator.engine.windows), on hand-worked cases."""

from __future__ import annotations

from simulator.config.scenario import Scenario
from simulator.engine.windows import (
    WindowState,
    restaff,
    staff_multipliers,
    staffed,
    staffing_day,
    window_states,
)
from tests.conftest import make_scenario

PLAN = {
    "mode": "explicit",
    "blocks": [
        {"start": "08:00", "end": "09:00", "assign": {"W": "p-1", "D": "m-1"}},
        {"start": "09:00", "end": "10:30", "assign": {"W": "m-1"}},
        {"start": "10:45", "end": "11:30", "assign": {"D": "p-1"}},
    ],
}


def scenario() -> Scenario:
    return make_scenario(
        layout={
            "windows": {
                "w": {"kind": "comprehensive", "count": 1},
                "d": {"kind": "dedicated", "count": 1, "prefix": "D", "families": ["a"]},
            }
        },
        staffing={
            "staff": {
                "p": {"count": 1, "level": "proficient"},
                "m": {"count": 1, "skills": {"a": "expert", "b": "novice"}},
            },
            "plan": PLAN,
        },
    )


def test_staffing_day_lists_blocks_breaks_and_closing_time() -> None:
    scn = scenario()
    w_idx = {w.id: k for k, w in enumerate(scn.windows)}
    s_idx = {s.id: k for k, s in enumerate(scn.staff)}
    day = scn.day_plans()[0]
    assert staffing_day(scn, day) == [
        (480.0, {w_idx["W"]: s_idx["p-1"], w_idx["D"]: s_idx["m-1"]}),
        (540.0, {w_idx["W"]: s_idx["m-1"]}),  # no break at 09:00: the next block follows
        (630.0, {}),  # break 10:30-10:45
        (645.0, {w_idx["D"]: s_idx["p-1"]}),
        (690.0, {}),  # the last block ends before closing time (12:00)
        (720.0, None),  # closing time
    ]


def test_a_staff_member_serves_the_window_classes_they_are_skilled_in_at_their_speed() -> None:
    scn = scenario()
    fam = scn.family_index()
    windows = {w.id: w for w in window_states(scn, len(scn.families))}
    expert_a_novice_b = staff_multipliers(scn, [fam["a"], fam["b"]], 1)
    assert expert_a_novice_b == [0.85, 1.3]  # skill_multipliers of tests/conftest.py
    assert staff_multipliers(scn, [fam["a"], -1], 0) == [1.0, 0.0]  # class of no family

    accepts, mult, elig, prio = staffed(windows["W"], expert_a_novice_b)
    assert (accepts, mult, elig) == ([True, True], [0.85, 1.3], (fam["a"], fam["b"]))
    accepts, mult, elig, prio = staffed(windows["D"], expert_a_novice_b)
    assert (accepts, mult, elig) == ([True, False], [0.85, 0.0], (fam["a"],))
    accepts, mult, elig, prio = staffed(windows["D"], [0.0, 1.0])  # not skilled in a
    assert (accepts, mult, elig, prio) == ([False, False], [0.0, 0.0], (), ())


class Log:
    """Records what restaff does to the windows."""

    def __init__(self) -> None:
        self.staffed: list[tuple[str, int]] = []
        self.woken: list[str] = []

    def set_staff(self, w: WindowState, s: int) -> None:
        self.staffed.append((w.id, s))
        w.staff = s

    def wake(self, w: WindowState) -> None:
        self.woken.append(w.id)


def test_restaff_changes_staff_wakes_windows_and_keeps_staff_in_overtime_at_closing() -> None:
    w, d = window_states(scenario(), 2)
    x = WindowState(2, "X", "dedicated", [0], [], 2)
    log = Log()
    restaff([w, d, x], {0: 0, 1: 1}, False, log.set_staff, [], log.wake)
    assert log.staffed == [("W", 0), ("D", 1)]  # X: nobody before, nobody now
    assert log.woken == ["W", "D"]  # closed windows that now have staff

    w.is_open = d.is_open = True
    log, idle = Log(), [d]
    restaff([w, d, x], {0: 1, 1: 1}, False, log.set_staff, idle, log.wake)
    assert log.staffed == [("W", 1)]  # D keeps its staff member: untouched
    assert log.woken == []  # W is busy with a resident: it sees its new staff when done
    assert idle == [d]

    log = Log()
    restaff([w, d, x], {}, True, log.set_staff, idle, log.wake)  # closing time
    assert log.staffed == []  # staff stay in overtime
    assert (w.overtime, d.overtime, x.overtime) == (True, True, False)
    assert log.woken == ["D"] and idle == []  # the idle window looks at the queues again
