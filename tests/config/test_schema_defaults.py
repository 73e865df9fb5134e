"""Scenario defaults have one home, the schema's table: leaving a key out is the same as
writing the table's value, and every defaulted key is a key the schema knows."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from simulator import ConfigError
from simulator.config.compose import compose_config
from simulator.config.scenario import scenario_from_config
from simulator.config.schema import DEFAULTS, SCENARIO_KEYS, default, unknown_keys
from simulator.optimise.config import bundled_group, parse_space
from tests.conftest import BASE

# Sections parsed only when switched on: their defaults are checked on a scenario that
# switches them on.
_NEEDS_CROSS_PROVINCE = ("cross_province.", "back_office.", "demand.origin_mix")
# The share of a family defaults to 1 only when no family gives one (equal weights);
# written for every family it must sum to 1, so "all at the default" is not a valid
# scenario to compare with.
_CONDITIONAL = {"catalogue.families.*.share"}


@functools.cache
def _composed(name: str) -> dict[str, Any]:
    """A bundled scenario composed once per module (Hydra takes a fraction of a second);
    callers deep-copy it."""
    return compose_config(name)


def _outcome(cfg: dict[str, Any]) -> Any:
    try:
        scn = scenario_from_config(cfg, source="test")
        if "recommend" not in cfg:
            return scn
        groups = [str(g) for g in cfg["layout"]["windows"]]
        return scn, parse_space(cfg["recommend"], groups, scn.family_names)
    except ConfigError as exc:
        return exc.problems


def _places(cfg: Any, parts: list[str]) -> list[tuple[dict[str, Any], str]]:
    """(mapping, key) of every place ``parts`` names in ``cfg`` (``*``: every name there),
    creating the sections on the way."""
    head, rest = parts[0], parts[1:]
    if not rest:
        return [(cfg, k) for k in cfg] if head == "*" else [(cfg, head)]
    if head == "*":
        return [p for v in cfg.values() if isinstance(v, dict) for p in _places(v, rest)]
    if not isinstance(cfg.get(head), dict):
        cfg[head] = {}
    return _places(cfg[head], rest)


@pytest.mark.parametrize("path", sorted(set(DEFAULTS) - _CONDITIONAL))
def test_leaving_a_key_out_is_writing_its_default(path: str) -> None:
    if path.startswith(_NEEDS_CROSS_PROVINCE):
        base = copy.deepcopy(_composed("cross_province"))
    elif path.startswith("recommend."):  # read by the recommender, on the reference centre
        base = copy.deepcopy(_composed("reference"))
        base["recommend"] = bundled_group("recommend")
    else:
        base = copy.deepcopy(BASE)
        base["centre"]["no_show"] = {}  # on, so that its keys are read
    left_out, written = copy.deepcopy(base), copy.deepcopy(base)
    places = _places(left_out, path.split("."))
    assert places, f"{path}: the scenario has no place for it"
    for cfg, key in places:
        cfg.pop(key, None)
    for cfg, key in _places(written, path.split(".")):
        cfg[key] = copy.deepcopy(DEFAULTS[path])
    assert _outcome(left_out) == _outcome(written)


def test_every_default_is_a_known_key() -> None:
    for path in DEFAULTS:
        nested: dict[str, Any] = {}
        cfg, key = _places(nested, [p if p != "*" else "name" for p in path.split(".")])[0]
        cfg[key] = None
        assert unknown_keys(nested, SCENARIO_KEYS) == [], path


def test_default_matches_user_chosen_names() -> None:
    assert default("layout.windows.quick_desk.kind") == DEFAULTS["layout.windows.*.kind"]
    assert default("staffing.plan.min_open") == DEFAULTS["staffing.plan.min_open"]
    assert default("replications") == DEFAULTS["replications"]
    assert default("calendar.days") is None  # required: no default
    assert default("staffing.plan.blocks.weekday") is None  # below a free-form value
