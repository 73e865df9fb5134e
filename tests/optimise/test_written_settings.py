"""The recommender's settings in config form (``settings_config``): parsed again they
equal the settings used, they have every key of the shipped groups (so they take the same
overrides), and ``recommended.yaml`` carries them, so that a recommendation run on it
uses the same settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from simulator import load_scenario
from simulator.config.compose import compose_config
from simulator.optimise.config import (
    bundled_group,
    parse_cost,
    parse_procedure,
    parse_space,
    parse_targets,
    settings_config,
)
from simulator.optimise.options import option_shares
from simulator.optimise.recommend import recommend
from tests.conftest import QUICK_PROCEDURE, one_group_space


def leaf_keys(cfg: Mapping[str, Any], prefix: str = "") -> set[str]:
    """Dotted paths of the leaves of a nested mapping (an empty mapping is a leaf)."""
    out: set[str] = set()
    for k, v in cfg.items():
        path = f"{prefix}{k}"
        if isinstance(v, Mapping) and v:
            out |= leaf_keys(v, f"{path}.")
        else:
            out.add(path)
    return out


def parsed(cfg: Mapping[str, Any], groups: list[str], families: list[str]) -> tuple[Any, ...]:
    """The cost model, targets, decision space and procedure of a config."""
    return (
        parse_cost(cfg["cost"]),
        parse_targets(cfg["targets"]),
        parse_space(cfg["recommend"], groups, families),
        parse_procedure(cfg["recommend"]),
    )


@pytest.mark.parametrize("option", ["default", "quick"])
def test_shipped_settings_round_trip_with_every_shipped_key(option: str) -> None:
    cfg = compose_config("reference", [f"recommend={option}"])
    scn = load_scenario("reference", [f"recommend={option}"])
    groups, families = list(cfg["layout"]["windows"]), list(scn.family_names)
    used = parsed(cfg, groups, families)
    written = settings_config(*used)
    assert parsed(written, groups, families) == used
    # Every key of the shipped groups is there, so every override of one is accepted.
    assert leaf_keys(written["cost"]) == leaf_keys(bundled_group("cost"))
    assert leaf_keys(bundled_group("targets")) <= leaf_keys(written["targets"])
    shipped = bundled_group("recommend", option)
    for part in ("procedure", "robustness"):
        assert leaf_keys(written["recommend"][part]) == leaf_keys(shipped[part]), part
    assert written["recommend"]["space"].keys() == shipped["space"].keys()
    assert written["recommend"]["skill_mixes"].keys() == shipped["skill_mixes"].keys()


def test_a_switched_off_target_is_written_null_and_stays_off() -> None:
    tgt = parse_targets({**bundled_group("targets"), "hour": None})
    cfg = compose_config("reference")
    scn = load_scenario("reference")
    groups, families = list(cfg["layout"]["windows"]), list(scn.family_names)
    cost, sp, proc = parse_cost(cfg["cost"]), *parsed(cfg, groups, families)[2:]
    written = settings_config(cost, tgt, sp, proc)
    assert written["targets"]["hour"] == {"service_level": None}
    assert parse_targets(written["targets"]) == tgt and not tgt.hour


def test_unused_skill_mixes_are_kept() -> None:
    cfg = compose_config("reference", ["recommend.space.skill_mix=[tiered]"])
    scn = load_scenario("reference")
    groups, families = list(cfg["layout"]["windows"]), list(scn.family_names)
    used = parsed(cfg, groups, families)
    written = settings_config(*used, skill_mixes=cfg["recommend"]["skill_mixes"])
    assert written["recommend"]["skill_mixes"] == cfg["recommend"]["skill_mixes"]
    assert parsed(written, groups, families) == used


SPACE = one_group_space([9, 10])
PROC = QUICK_PROCEDURE
TARGETS = {"confidence": 0.9, "day": {"service_level": {"min": 0.8, "tolerance": 0.02}}}
COST = {
    "staff_per_hour": {"novice": 50, "proficient": 60, "expert": 80},
    "training_per_skill": 0,
    "training_amortisation_days": 250,
    "window_per_day": 100,
}
DAY = [f"calendar.hours.{d}.close=1440" for d in ("weekday", "weekend", "holiday")]


def test_recommended_yaml_carries_the_settings_used(tmp_path: Path) -> None:
    """recommended.yaml, composed from disk, parses to the settings the recommendation
    used (the root seed as recommend.procedure.seed), takes overrides of them, and a
    recommendation run on it writes the same settings again."""
    scn = load_scenario("validation/mmc", ["warmup_min=120", *DAY])
    first = recommend(
        scn,
        out_dir=tmp_path / "first",
        space=SPACE,
        procedure=PROC,
        targets=TARGETS,
        cost=COST,
        seed=7,
        charts=False,
    )
    path = tmp_path / "first" / "recommended.yaml"
    cfg = compose_config(str(path))
    assert cfg["seed"] == 7 + 1  # the final evaluation's seed; the root is the procedure's
    groups, families = ["main"], ["main"]
    used = (
        parse_cost(COST),
        parse_targets(TARGETS),
        parse_space({"space": SPACE}, groups, families),
        dataclasses.replace(parse_procedure(PROC), seed=7),
    )
    assert parsed(cfg, groups, families) == used
    # Overrides of the shipped groups' keys are accepted, as on a shipped scenario.
    tweaked = compose_config(
        str(path),
        [
            "targets.day.service_level.min=0.95",
            "cost.window_per_day=90",
            "recommend.procedure.n0=5",
        ],
    )
    assert tweaked["targets"]["day"]["service_level"]["min"] == 0.95
    assert tweaked["cost"]["window_per_day"] == 90 and tweaked["recommend"]["procedure"]["n0"] == 5
    written = load_scenario(str(path))
    again = recommend(written, out_dir=tmp_path / "again", charts=False)
    assert again.settings == first.settings
    assert again.stats["seed"] == first.stats["seed"] == 7
    assert compose_config(str(tmp_path / "again" / "recommended.yaml"))["cost"] == cfg["cost"]
    # The written plan is by_block: the options built from it open the weekend share of
    # the original run's (auto, 100% on weekends and holidays), and the notes say how.
    assert cfg["staffing"]["plan"]["mode"] == "by_block"
    shares = option_shares(cfg["staffing"]["plan"], written)
    assert shares.weekend_open_share == scn.config["staffing"]["plan"]["weekend_open_share"] == 1
    assert first.notes == [] and [n.key for n in again.notes] == ["weekend_share", "min_open"]
    assert "100%" in again.notes[0].text
    off_days = ("weekend", "holiday")
    opened = [
        {k: rec.scenario_config["staffing"]["plan"]["blocks"][k] for k in off_days}
        for rec in (first, again)
    ]
    assert opened[1] == opened[0]
    assert [b["open"] for b in opened[0]["weekend"]] == [first.layout]
