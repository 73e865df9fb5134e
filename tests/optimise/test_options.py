"""The options of the recommender's search: each gets an ``auto`` staffing plan whose
weekend and lunch shares come from the scenario's own plan, whatever its mode
(``option_shares``), never from a guess."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from simulator import load_scenario
from simulator.config.scenario import Scenario
from simulator.config.schema import DEFAULTS
from simulator.optimise.config import parse_cost, parse_space
from simulator.optimise.evaluate import Candidate, plain
from simulator.optimise.options import _build_options, option_shares

COST = {
    "staff_per_hour": {"novice": 50, "proficient": 60, "expert": 80},
    "training_per_skill": 0,
    "training_amortisation_days": 250,
    "window_per_day": 100,
}
WEEK = 10080  # the M/M/c scenario's day types run one week, from minute 0


def by_block(weekday: int, weekend: int, holiday: int | None = None) -> list[str]:
    """Overrides giving the M/M/c scenario (10 windows, group ``main``) a by_block plan
    opening these many windows all week on each day type."""

    def blocks(n: int) -> str:
        return f"[{{start: 0, end: {WEEK}, open: {{main: {n}}}}}]"

    hol = weekend if holiday is None else holiday
    return [
        "~staffing.plan",
        "+staffing.plan={mode: by_block}",
        f"+staffing.plan.blocks={{weekday: {blocks(weekday)}, weekend: {blocks(weekend)}, "
        f"holiday: {blocks(hol)}}}",
    ]


def options_of(scn: Scenario, counts: Sequence[int]) -> list[Candidate]:
    """The options of the decision space ``main: counts`` (the scenario's own lunch share,
    its own staff), built from the scenario as svcsim-recommend builds them."""
    base = plain(scn.config)
    space = parse_space(
        {"space": {"windows": {"main": list(counts)}, "lunch_open_share": None}},
        ["main"],
        list(scn.family_names),
    )
    shares = option_shares(base["staffing"]["plan"], scn)
    valid, invalid = _build_options(base, space, parse_cost(COST), shares)
    assert not invalid
    return valid


def open_windows(scn: Scenario, day_type: str) -> int:
    """The most windows open at once on a day type."""
    return max(len(b.assignments) for b in scn.plans[day_type])


@pytest.mark.parametrize(
    ("weekend", "share", "opened"), [(10, 1.0, {4: 4, 6: 6, 10: 10}), (5, 0.5, {4: 4, 6: 5, 10: 5})]
)
def test_by_block_plan_gives_its_weekend_share_to_the_options(
    weekend: int, share: float, opened: dict[int, int]
) -> None:
    """The weekend share of the plan (10 windows on weekdays, ``weekend`` at weekends),
    and its floor: never fewer than ``weekend`` windows open at once (all of an option's
    windows when it has fewer)."""
    scn = load_scenario("validation/mmc", by_block(10, weekend))
    options = options_of(scn, [4, 6, 10])
    for opt in options:
        plan = opt.config["staffing"]["plan"]
        assert plan["mode"] == "auto" and plan["weekend_open_share"] == share
        assert plan["min_open"] == weekend
        n = opt.params["windows.main"]
        assert open_windows(opt.scenario, "weekday") == n
        for day_type in ("weekend", "holiday"):
            assert open_windows(opt.scenario, day_type) == opened[n]
    # At the plan's own count, the options open the plan's windows.
    ten = next(o for o in options if o.params["windows.main"] == 10)
    assert open_windows(ten.scenario, "weekend") == weekend


def test_min_open_is_the_fewest_windows_the_plan_opens_at_once() -> None:
    """4 of 10 windows at weekends: an option of 6 windows opens 4 there (the plan's
    floor), not ceil(0.4 x 6) = 3; the note names the floor and where it is."""
    scn = load_scenario("validation/mmc", by_block(10, 4))
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.min_open == 4 and shares.weekend_open_share == 0.4
    note = shares.min_open_note
    assert note is not None and note.key == "min_open"
    assert note.values == {"mode": "by_block", "n": 4, "day_type": "weekend"}
    assert "at least 4 windows open" in note.text
    assert note in shares.note_items(own_lunch=False)
    opts = {o.params["windows.main"]: o.scenario for o in options_of(scn, [3, 6])}
    assert open_windows(opts[6], "weekend") == 4 and open_windows(opts[6], "holiday") == 4
    assert open_windows(opts[3], "weekend") == 3  # all it has


def test_weekend_share_is_exact_against_the_weekday_opening() -> None:
    """3 of 9 windows open at weekends against 9 on weekdays: 1/3, so an option of 9
    windows opens 3 again, and one of 6 opens 2; the largest of weekend and holiday."""
    scn = load_scenario("validation/mmc", by_block(9, 3, holiday=2))
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.weekend_open_share == pytest.approx(1 / 3, abs=1e-12)
    assert shares.weekend_note is not None and "main: 3 of 9" in shares.weekend_note.text
    opts = {o.params["windows.main"]: o.scenario for o in options_of(scn, [6, 9])}
    assert open_windows(opts[9], "weekend") == 3 and open_windows(opts[6], "holiday") == 2


@pytest.mark.parametrize("weekend_share", [0.3, 1.0])
def test_auto_plan_keeps_its_own_shares(weekend_share: float) -> None:
    scn = load_scenario(
        "validation/mmc",
        [
            f"staffing.plan.weekend_open_share={weekend_share}",
            "staffing.plan.lunch_open_share=0.25",
            "staffing.plan.min_open=2",
        ],
    )
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert (shares.weekend_open_share, shares.lunch_open_share) == (weekend_share, 0.25)
    assert shares.min_open == 2 and shares.notes(own_lunch=True) == []
    for opt in options_of(scn, [10]):
        plan = opt.config["staffing"]["plan"]
        assert plan == {
            "mode": "auto",
            "lunch_open_share": 0.25,
            "weekend_open_share": weekend_share,
            "min_open": 2,
        }


def test_auto_plan_without_shares_takes_the_schema_defaults() -> None:
    scn = load_scenario("validation/mmc", ["~staffing.plan", "+staffing.plan={mode: auto}"])
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.weekend_open_share == DEFAULTS["staffing.plan.weekend_open_share"]
    assert shares.lunch_open_share == DEFAULTS["staffing.plan.lunch_open_share"]
    assert shares.min_open == DEFAULTS["staffing.plan.min_open"]


def test_plan_without_weekend_blocks_takes_the_schema_default_and_says_so() -> None:
    scn = load_scenario("validation/mmc", by_block(10, 5))
    weekdays_only = dataclasses.replace(scn, plans={"weekday": scn.plans["weekday"]})
    shares = option_shares(plain(scn.config)["staffing"]["plan"], weekdays_only)
    default = DEFAULTS["staffing.plan.weekend_open_share"]
    assert shares.weekend_open_share == default
    note = shares.notes(own_lunch=False)
    assert len(note) == 2 and "staffing.plan.weekend_open_share" in note[0]
    assert "no weekend or holiday blocks" in note[0]
    assert shares.weekend_note is not None and shares.weekend_note.key == "weekend_default"
    assert shares.min_open == 10  # every weekday block opens all 10


def reference_by_block(
    weekday: Sequence[Mapping[str, Any]], weekend: Mapping[str, int]
) -> Scenario:
    """The reference centre (4 comprehensive windows, 1 quick desk; lunch 11:30-13:30 on
    weekdays) with a by_block plan: ``weekday`` blocks, ``weekend`` open all day."""
    blocks = {
        "weekday": [dict(b) for b in weekday],
        "weekend": [{"start": "09:00", "end": "12:00", "open": dict(weekend)}],
        "holiday": [{"start": "09:00", "end": "12:00", "open": dict(weekend)}],
    }
    cfg = plain(load_scenario("reference").config)
    cfg["staffing"]["plan"] = {"mode": "by_block", "blocks": blocks}
    from simulator.config.scenario import scenario_from_config

    return scenario_from_config(cfg, source="reference, by_block plan")


def test_lunch_and_weekend_shares_of_a_two_group_plan() -> None:
    """Lunch: the most open at any time during lunch against the day's most; groups that
    differ give the largest share, and the notes say which."""
    full = {"comprehensive": 4, "quick_desk": 1}
    scn = reference_by_block(
        [
            {"start": "08:30", "end": "11:30", "open": full},
            {"start": "11:30", "end": "12:30", "open": {"comprehensive": 1, "quick_desk": 1}},
            {"start": "12:30", "end": "13:30", "open": {"comprehensive": 2, "quick_desk": 1}},
            {"start": "13:30", "end": "17:00", "open": full},
        ],
        {"comprehensive": 2, "quick_desk": 1},
    )
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.weekend_open_share == 1.0  # quick desk: 1 of 1; comprehensive 2 of 4
    assert shares.lunch_open_share == 1.0
    notes = shares.notes(own_lunch=True)
    assert len(notes) == 3
    assert "comprehensive: 2 of 4, quick_desk: 1 of 1" in notes[0] and "largest" in notes[0]
    assert "comprehensive: 50%, quick_desk: 100%" in notes[1]
    assert shares.notes(own_lunch=False) == [notes[0], notes[2]]  # the space sets lunch
    # The fewest open at once: 1 comprehensive window and the quick desk, weekday lunch.
    assert shares.min_open == 2 and "at least 2 windows" in notes[2]
    values = [n.as_dict() for n in shares.note_items(own_lunch=True)]
    assert values == [
        {
            "key": "weekend_share",
            "values": {
                "mode": "by_block",
                "share": 1.0,
                "counts": [["comprehensive", 2, 4], ["quick_desk", 1, 1]],
                "largest": True,
            },
        },
        {
            "key": "lunch_share",
            "values": {
                "mode": "by_block",
                "share": 1.0,
                "shares": [["comprehensive", 0.5], ["quick_desk", 1.0]],
                "largest": True,
            },
        },
        {"key": "min_open", "values": {"mode": "by_block", "n": 2, "day_type": "weekday"}},
    ]


def test_lunch_share_of_a_one_group_plan() -> None:
    scn = reference_by_block(
        [
            {"start": "08:30", "end": "11:30", "open": {"comprehensive": 4, "quick_desk": 1}},
            {"start": "11:30", "end": "13:30", "open": {"comprehensive": 1, "quick_desk": 0}},
            {"start": "13:30", "end": "17:00", "open": {"comprehensive": 4, "quick_desk": 1}},
        ],
        {"comprehensive": 3, "quick_desk": 1},
    )
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    # quick desk closed at lunch (0 of 1), comprehensive 1 of 4: the largest is 25%
    assert shares.lunch_open_share == 0.25
    assert shares.weekend_open_share == 1.0
