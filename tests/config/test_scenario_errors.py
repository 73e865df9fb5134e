"""Bad input is reported before the simulation starts, all problems at once, each naming
its config key and value."""

from __future__ import annotations

import pytest

from simulator import ConfigError, load_scenario
from tests.conftest import make_scenario


def problems_of(**updates) -> list[str]:
    with pytest.raises(ConfigError) as info:
        make_scenario(**updates)
    return info.value.problems


def test_negative_volume_names_key():
    probs = problems_of(centre={"daily_volume": -5})
    assert any(p.startswith("centre.daily_volume") and "-5" in p for p in probs)


def test_zero_arrival_rate():
    probs = problems_of(demand={"arrival_rate_per_hour": 0})
    assert any("demand.arrival_rate_per_hour" in p for p in probs)


def test_profile_not_summing_to_one():
    probs = problems_of(
        demand={
            "profiles": {
                "weekday": [
                    {"start": "08:00", "end": "10:00", "share": 0.5},
                    {"start": "10:00", "end": "12:00", "share": 0.3},
                ]
            }
        }
    )
    assert any(p.startswith("demand.profiles.weekday") and "sum to 0.8" in p for p in probs)


def test_family_nobody_can_serve():
    probs = problems_of(
        staffing={"staff": {"p": {"count": 0}, "q": {"count": 2, "skills": {"a": "proficient"}}}}
    )
    assert any("family 'b'" in p and "no open window" in p for p in probs)


def test_staff_assigned_to_two_windows():
    probs = problems_of(
        layout={"windows": {"w": {"count": 2}}},
        staffing={
            "plan": {
                "mode": "explicit",
                "blocks": [
                    {"start": "08:00", "end": "12:00", "assign": {"W1": "p-1", "W2": "p-1"}}
                ],
            }
        },
    )
    assert any("staff 'p-1' is assigned to two windows at once" in p for p in probs)


def test_unknown_family_and_item_names():
    probs = problems_of(
        layout={"windows": {"d": {"kind": "dedicated", "count": 1, "families": ["nosuch"]}}},
        catalogue={"item_weights": {"ghost": 1.0}},
    )
    assert any(p.startswith("layout.windows.d.families") and "nosuch" in p for p in probs)
    assert any(p.startswith("catalogue.item_weights.ghost") for p in probs)


def test_lunch_outside_opening_hours():
    probs = problems_of(
        calendar={
            "hours": {
                "weekday": {
                    "open": "08:00",
                    "close": "12:00",
                    "lunch_start": "12:30",
                    "lunch_end": "13:30",
                }
            }
        }
    )
    assert any(p.startswith("calendar.hours.weekday") and "lunch" in p for p in probs)


def test_all_problems_reported_at_once():
    probs = problems_of(
        centre={"daily_volume": -1},
        impatience={"balking": {"enabled": True, "threshold": 3, "probability": 1.5}},
        catalogue={"families": {"a": {"service": {"dist": "lognormal", "mean": -2, "cv": 0.5}}}},
    )
    assert len(probs) >= 3
    joined = "\n".join(probs)
    assert "centre.daily_volume" in joined
    assert "impatience.balking.probability" in joined
    assert "catalogue.families.a.service.mean" in joined


def test_unknown_distribution_and_skill_level():
    probs = problems_of(
        catalogue={"families": {"a": {"service": {"dist": "poisson"}}}},
        staffing={"staff": {"p": {"level": "guru"}}},
    )
    assert any("unknown distribution 'poisson'" in p for p in probs)
    assert any("unknown skill level 'guru'" in p for p in probs)


def test_more_windows_than_counters():
    probs = problems_of(centre={"counters": 1}, layout={"windows": {"w": {"count": 2}}})
    assert any("centre.counters" in p for p in probs)


def test_not_enough_staff_for_open_windows():
    probs = problems_of(
        layout={"windows": {"w": {"count": 3}}}, staffing={"staff": {"p": {"count": 2}}}
    )
    assert any("not enough staff" in p for p in probs)


def test_unknown_scenario_name_lists_available():
    with pytest.raises(ConfigError, match="Bundled scenarios"):
        load_scenario("no_such_scenario")


def test_bad_override_value_is_named():
    with pytest.raises(ConfigError, match=r"layout\.windows\.comprehensive\.count"):
        load_scenario("reference", overrides=["layout.windows.comprehensive.count=-1"])


@pytest.mark.parametrize(
    ("updates", "key"),
    [
        ({"impatience": {"balking": {"enabled": "no"}}}, "impatience.balking.enabled"),
        ({"impatience": {"reneging": {"enabled": "false"}}}, "impatience.reneging.enabled"),
        ({"record_visits": "yes"}, "record_visits"),
        (
            {"catalogue": {"families": {"a": {"back_office": 1}}}},
            "catalogue.families.a.back_office",
        ),
    ],
)
def test_yes_no_setting_given_as_text_is_a_problem(updates: dict, key: str) -> None:
    # A text "no" is truthy: read with bool() it would switch the feature on.
    probs = problems_of(**updates)
    assert any(p.startswith(f"{key}: expected true or false") for p in probs), probs


def test_yes_no_override_spelt_no_switches_nothing_on() -> None:
    with pytest.raises(ConfigError, match=r"impatience\.balking\.enabled: expected true or false"):
        load_scenario("reference", ["impatience.balking.enabled=no"])
