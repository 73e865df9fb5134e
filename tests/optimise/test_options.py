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
    weekday: Sequence[Mapping[str, Any]],
    weekend: Mapping[str, int],
    windows: Mapping[str, int] | None = None,
) -> Scenario:
    """The reference centre (4 comprehensive windows, 1 quick desk; lunch 11:30-13:30 on
    weekdays) with a by_block plan: ``weekday`` blocks, ``weekend`` open all day.
    ``windows``: other counts by group; a group the centre lacks (``second_desk``) is
    added as a dedicated desk for quick errands and consultations."""
    blocks = {
        "weekday": [dict(b) for b in weekday],
        "weekend": [{"start": "09:00", "end": "12:00", "open": dict(weekend)}],
        "holiday": [{"start": "09:00", "end": "12:00", "open": dict(weekend)}],
    }
    cfg = plain(load_scenario("reference").config)
    layout = cfg["layout"]["windows"]
    for g, n in (windows or {}).items():
        layout.setdefault(
            g, {"kind": "dedicated", "prefix": "E", "families": ["quick", "consultation"]}
        )
        layout[g]["count"] = n
    cfg["staffing"]["plan"] = {"mode": "by_block", "blocks": blocks}
    from simulator.config.scenario import scenario_from_config

    return scenario_from_config(cfg, source="reference, by_block plan")


def test_lunch_and_weekend_shares_of_a_two_group_plan() -> None:
    """Lunch: the most open at any time during lunch against the day's most. The quick
    desk (one window, open whatever the share) sets neither share; the notes say so."""
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
    assert shares.weekend_open_share == 0.5  # comprehensive 2 of 4; quick desk left out
    assert shares.lunch_open_share == 0.5
    notes = shares.notes(own_lunch=True)
    assert len(notes) == 3
    assert "comprehensive: 2 of 4)" in notes[0] and "largest" not in notes[0]
    assert "quick_desk has one window, open whatever the share, so not counted" in notes[0]
    assert "comprehensive: 50%)" in notes[1] and "quick_desk has one window" in notes[1]
    assert shares.notes(own_lunch=False) == [notes[0], notes[2]]  # the space sets lunch
    # The fewest open at once: 1 comprehensive window and the quick desk, weekday lunch.
    assert shares.min_open == 2 and "at least 2 windows" in notes[2]
    records = [n.as_dict() for n in shares.note_items(own_lunch=True)]  # recommendation.json's
    assert [r.pop("text") for r in records] == notes
    assert records == [
        {
            "key": "weekend_share",
            "values": {
                "mode": "by_block",
                "share": 0.5,
                "counts": [["comprehensive", 2, 4]],
                "largest": False,
                "single": ["quick_desk"],
            },
        },
        {
            "key": "lunch_share",
            "values": {
                "mode": "by_block",
                "share": 0.5,
                "shares": [["comprehensive", 0.5]],
                "largest": False,
                "single": ["quick_desk"],
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
    # quick desk closed at lunch (0 of 1: left out, as it has one window), comprehensive
    # 1 of 4: 25%
    assert shares.lunch_open_share == 0.25
    assert shares.weekend_open_share == 0.75  # comprehensive 3 of 4; quick desk left out


THREE_GROUPS = {"comprehensive": 4, "quick_desk": 1, "second_desk": 2}


def test_one_window_group_does_not_set_the_weekend_share() -> None:
    """The reference centre with a second, two-window desk: a by_block plan opening half
    of each multi-window group at weekends (the one-window quick desk open) gives 0.5,
    not 1.0, and the options at the plan's counts open the plan's own weekend windows."""
    half = {"comprehensive": 2, "quick_desk": 1, "second_desk": 1}
    scn = reference_by_block(
        [{"start": "08:30", "end": "17:00", "open": THREE_GROUPS}], half, THREE_GROUPS
    )
    base = plain(scn.config)
    shares = option_shares(base["staffing"]["plan"], scn)
    assert shares.weekend_open_share == 0.5
    note = shares.weekend_note
    assert note is not None and note.key == "weekend_share"
    assert note.values["counts"] == [["comprehensive", 2, 4], ["second_desk", 1, 2]]
    assert note.values["single"] == ["quick_desk"] and not note.values["largest"]
    space = parse_space(
        {"space": {"windows": {g: [n] for g, n in THREE_GROUPS.items()}, "lunch_open_share": None}},
        list(THREE_GROUPS),
        list(scn.family_names),
    )
    (opt,), invalid = _build_options(base, space, parse_cost(COST), shares)
    assert not invalid
    for day_type in ("weekday", "weekend", "holiday"):
        own = max(_by_group(b, scn) for b in scn.plans[day_type])
        assert max(_by_group(b, opt.scenario) for b in opt.scenario.plans[day_type]) == own


def _by_group(block: Any, scn: Scenario) -> tuple[int, ...]:
    """Windows open in ``block`` by group, in the order of THREE_GROUPS."""
    group_of = {w.id: w.group for w in scn.windows}
    opened = [group_of[wid] for wid, _ in block.assignments]
    return tuple(opened.count(g) for g in THREE_GROUPS)


def test_largest_share_of_the_groups_that_can_show_one() -> None:
    """Comprehensive 3 of 4, second desk 1 of 2 at weekends: 0.75 (the largest, so the
    second desk opens no smaller share); the quick desk sets nothing."""
    weekend = {"comprehensive": 3, "quick_desk": 1, "second_desk": 1}
    scn = reference_by_block(
        [{"start": "08:30", "end": "17:00", "open": THREE_GROUPS}], weekend, THREE_GROUPS
    )
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.weekend_open_share == 0.75
    note = shares.weekend_note
    assert note is not None and note.values["largest"] and note.values["single"] == ["quick_desk"]
    assert "comprehensive: 3 of 4, second_desk: 1 of 2); the largest" in note.text


def test_plan_of_one_window_groups_takes_the_defaults_and_says_so() -> None:
    """Every group has one window: no share can be read from the plan (one window is
    open whatever the share), so both shares take the schema's defaults, with notes."""
    one = {"comprehensive": 1, "quick_desk": 1}
    scn = reference_by_block(
        [
            {"start": "08:30", "end": "11:30", "open": one},
            {"start": "11:30", "end": "13:30", "open": {"comprehensive": 1, "quick_desk": 0}},
            {"start": "13:30", "end": "17:00", "open": one},
        ],
        {"comprehensive": 1, "quick_desk": 0},
        one,
    )
    shares = option_shares(plain(scn.config)["staffing"]["plan"], scn)
    assert shares.weekend_open_share == DEFAULTS["staffing.plan.weekend_open_share"]
    assert shares.lunch_open_share == DEFAULTS["staffing.plan.lunch_open_share"]
    weekend, lunch = shares.weekend_note, shares.lunch_note
    assert weekend is not None and weekend.key == "weekend_default_single"
    assert weekend.values["single"] == ["comprehensive", "quick_desk"]
    assert "staffing.plan.weekend_open_share" in weekend.text
    assert "one window of each group" in weekend.text
    assert lunch is not None and lunch.key == "lunch_default_single"
    assert lunch.values["key"] == "staffing.plan.lunch_open_share"
    assert shares.note_items(own_lunch=True) == [weekend, lunch, shares.min_open_note]


def test_exact_ratio_reopens_the_plans_windows_at_every_count() -> None:
    """What option_shares rests on: for a group of ``n`` >= 2 windows, the auto plan's
    rounding of the exact ratio ``k / n`` opens exactly ``k`` (every ``k`` from 1 to ``n``);
    one window is open at every share, so it cannot show one."""
    from simulator.config.staffing import _open_subset
    from simulator.config.types import Window

    for n in range(1, 41):
        group = [Window(f"W{i}", "comprehensive", "g", ("quick",)) for i in range(n)]
        for k in range(1, n + 1):
            assert len(_open_subset(group, k / n, 0)) == k, (k, n)
        opened = {len(_open_subset(group, s, 0)) for s in (0.0, 0.01, 0.5, 1.0)}
        assert (opened == {1}) is (n == 1)
