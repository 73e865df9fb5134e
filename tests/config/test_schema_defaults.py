"""Scenario defaults have one home, the schema's table: leaving a key out is the same as
writing the table's value, every defaulted key is a key the schema knows, and the run
settings a shipped scenario lists (``scenarios/experiment/default.yaml``) are the
table's values, so a config without them runs as a shipped scenario does."""

from __future__ import annotations

import copy
import functools
from typing import Any

import pytest

from simulator import ConfigError
from simulator.config.compose import compose_config, run_settings
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
# Read by the commands (svcsim, svcsim-recommend), not by the scenario parser: checked on
# svcsim's plain function below.
_COMMAND = {"charts", "progress"}


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


@pytest.mark.parametrize("path", sorted(set(DEFAULTS) - _CONDITIONAL - _COMMAND))
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


#: Run settings of scenarios/experiment/default.yaml whose value differs on purpose from
#: the schema's default when a config leaves them out (none: a config built without them
#: runs as a shipped scenario does).
INTENDED_DIFFERENCES: dict[str, Any] = {}


def test_shipped_run_settings_are_the_schema_defaults() -> None:
    shipped = run_settings()
    assert {"replications", "seed", "charts", "progress"} <= set(shipped)
    differ = {
        key: (value, default(key))
        for key, value in shipped.items()
        if key not in INTENDED_DIFFERENCES and value != default(key)
    }
    assert differ == {}, f"experiment/default.yaml vs schema DEFAULTS: {differ}"
    assert {k: shipped[k] for k in INTENDED_DIFFERENCES} == INTENDED_DIFFERENCES


def test_a_config_without_run_settings_runs_as_a_shipped_scenario() -> None:
    bare = copy.deepcopy(BASE)
    for key in run_settings():
        bare.pop(key, None)
    written = {**copy.deepcopy(bare), **run_settings()}
    assert _outcome(bare) == _outcome(written)
    scn = scenario_from_config(bare, source="test")
    assert scn.experiment.replications == run_settings()["replications"]
    assert scn.experiment.seed == run_settings()["seed"]


@pytest.mark.parametrize("key", sorted(_COMMAND))
def test_svcsim_leaving_a_command_setting_out_is_writing_its_default(
    key: str, capfd: pytest.CaptureFixture[str]
) -> None:
    """charts (visits recorded for the charts) and progress (a bar on standard error)."""
    from simulator.cli.run import run_from_config

    def outcome(cfg: dict[str, Any]) -> tuple[bool, str]:
        res = run_from_config(cfg, out_dir=None, source="test")
        return res.visits is not None, capfd.readouterr().err

    cfg = {**copy.deepcopy(BASE), "replications": 2}
    left_out, written, flipped = (copy.deepcopy(cfg) for _ in range(3))
    written[key] = DEFAULTS[key]
    flipped[key] = not DEFAULTS[key]
    assert outcome(left_out) == outcome(written) != outcome(flipped)
