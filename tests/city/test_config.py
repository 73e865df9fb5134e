"""City config defaults have one home, the table of ``simulator.city.config``: leaving a key
out is the same as writing the table's value, every defaulted key is a key the schema
knows, the run settings every shipped config lists (``scenarios/city/default.yaml``,
``scenarios/allocate/*.yaml``) are the table's values, and a bad config is refused with
every problem at once, each naming its key."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import functools
from typing import Any

import pytest

from simulator.city.config import (
    ALLOCATE_KEYS,
    CITY_DEFAULTS,
    CITY_KEYS,
    CitySettings,
    parse_allocate_config,
    parse_city_config,
)
from simulator.config.compose import compose_config
from simulator.config.schema import unknown_keys
from simulator.engine.district import Diversion
from simulator.errors import ConfigError

SHIPPED = ("city/default", "allocate/default", "allocate/quick")
#: The run settings (top-level keys) of a city or allocate config: how the city is run,
#: not which city.
RUN_SETTINGS = (
    "replications",
    "seed",
    "workers",
    "dask_address",
    "unit",
    "wait_histogram",
    "common_busyness_cv",
    "progress",
    "charts",
    "cache",
    "trust_cache",
)
#: Keys read by svcsim-allocate only (unknown to a city config).
ALLOCATE_ONLY = set(ALLOCATE_KEYS) - set(CITY_KEYS)
#: Run settings of a shipped config whose value differs on purpose from the table's:
#: svcsim-city shows a progress bar, a config built in Python (and svcsim-allocate) none.
INTENDED_DIFFERENCES: dict[str, dict[str, Any]] = {"city/default": {"progress": True}}


@functools.cache
def _composed(name: str) -> dict[str, Any]:
    """A shipped config composed once per module; callers deep-copy it."""
    return compose_config(name)


def _parse(cfg: dict[str, Any], allocate: bool) -> Any:
    return parse_allocate_config(cfg) if allocate else parse_city_config(cfg)


def _place(cfg: dict[str, Any], path: str) -> tuple[dict[str, Any], str]:
    *sections, key = path.split(".")
    for name in sections:
        cfg = cfg.setdefault(name, {})
    return cfg, key


@pytest.mark.parametrize("path", sorted(CITY_DEFAULTS))
def test_leaving_a_key_out_is_writing_its_default(path: str) -> None:
    allocate = path in ALLOCATE_ONLY
    base = copy.deepcopy(_composed("allocate/default" if allocate else "city/default"))
    left_out, written = copy.deepcopy(base), copy.deepcopy(base)
    section, key = _place(left_out, path)
    section.pop(key, None)
    section, key = _place(written, path)
    section[key] = copy.deepcopy(CITY_DEFAULTS[path])
    assert _parse(left_out, allocate) == _parse(written, allocate)


def test_every_default_is_a_known_key() -> None:
    for path in CITY_DEFAULTS:
        cfg: dict[str, Any] = {}
        section, key = _place(cfg, path)
        section[key] = None
        known = ALLOCATE_KEYS if path in ALLOCATE_ONLY else CITY_KEYS
        assert unknown_keys(cfg, known) == [], path


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_run_settings_are_the_defaults(name: str) -> None:
    cfg = _composed(name)
    listed = {k: cfg[k] for k in RUN_SETTINGS if k in cfg}
    expected = set(RUN_SETTINGS) - (set() if name.startswith("allocate/") else ALLOCATE_ONLY)
    assert set(listed) == expected, f"{name} lists {sorted(listed)}"
    intended = INTENDED_DIFFERENCES.get(name, {})
    differ = {
        k: (v, CITY_DEFAULTS[k])
        for k, v in listed.items()
        if k not in intended and v != CITY_DEFAULTS[k]
    }
    assert differ == {}, f"{name} vs CITY_DEFAULTS: {differ}"
    assert {k: listed[k] for k in intended} == intended


def test_the_city_built_by_default_is_the_shipped_city() -> None:
    """The defaults of the city that is built are scenarios/city/default.yaml's values."""
    cfg = _composed("city/default")
    for path, value in CITY_DEFAULTS.items():
        if path in RUN_SETTINGS or path in ALLOCATE_ONLY:
            continue
        section, key = _place(copy.deepcopy(cfg), path)
        assert key in section, f"{path}: not in city/default.yaml"
        assert section[key] == value or (section[key] == [] and value == ()), path


def test_an_empty_config_runs_as_the_shipped_city() -> None:
    shipped = parse_city_config(_composed("city/default"))
    assert parse_city_config({}) == dataclasses.replace(shipped, progress=False)
    assert parse_city_config(shipped) is shipped
    # The sections with their own settings class: its defaults are the YAML's values.
    diversion = {**_composed("city/default")["diversion"], "enabled": True}
    assert parse_city_config({"diversion": diversion}).diversion == Diversion(True)


def test_a_bad_city_config_lists_every_problem_naming_its_key() -> None:
    bad = {
        "replications": 0,
        "seed": -1,
        "workers": "two",
        "calendar": {"start_date": "2026-13-01", "days": 3},
        "unit": "street",
        "wait_histogram": "no",
        "common_busyness_cv": 5,
        "base_overrides": "impatience=none",
        "city": {"districts": "Huangpu", "max_centres": 0, "centres_file": "/no/such.csv"},
        "layout_rule": {"staff_per_window": 0},
        "diversion": {"enabled": True, "probability": 2},
        "bogus": 1,
    }
    with pytest.raises(ConfigError) as err:
        parse_city_config(bad)
    problems = err.value.problems
    keys = [
        "replications",
        "seed",
        "workers",
        "calendar.start_date",
        "unit",
        "wait_histogram",
        "common_busyness_cv",
        "base_overrides",
        "city.districts",
        "city.max_centres",
        "city.centres_file",
        "layout_rule.staff_per_window",
        "diversion.probability",
        "bogus",
    ]
    for key in keys:
        assert any(p.startswith(f"{key}:") for p in problems), (key, problems)
    assert str(err.value).startswith(f"invalid city config: {len(problems)} problem(s)")


def test_dates_outside_the_holiday_data_are_refused() -> None:
    with pytest.raises(ConfigError, match="holiday data cover"):
        parse_city_config({"calendar": {"start_date": "2026-12-30", "days": 5}})
    with pytest.raises(ConfigError, match="holiday data cover"):
        parse_city_config({"calendar": {"days": 10**6}})
    cal = parse_city_config({"calendar": {"start_date": dt.date(2025, 3, 2)}}).calendar
    assert (cal.start_date, cal.days) == (dt.date(2025, 3, 2), CITY_DEFAULTS["calendar.days"])


def test_a_bad_allocate_config_lists_the_city_and_allocation_problems_at_once() -> None:
    cfg = copy.deepcopy(_composed("allocate/default"))
    cfg.update(replications=0, trust_cache="maybe")
    cfg["allocate"]["budjet"] = 5
    cfg["calendar"]["days"] = 0
    with pytest.raises(ConfigError) as err:
        parse_allocate_config(cfg)
    problems = err.value.problems
    for key in ("replications", "trust_cache", "allocate.budjet", "calendar.days"):
        assert any(p.startswith(f"{key}:") for p in problems), (key, problems)
    assert str(err.value).startswith("invalid allocate config")
    # An allocate key is unknown to a city config.
    with pytest.raises(ConfigError, match="trust_cache: unknown key"):
        parse_city_config({"trust_cache": False})


def test_a_plain_dict_and_its_settings_build_and_run_the_same_city() -> None:
    from simulator.city.build import city_from_config
    from simulator.city.run import run_city_from_config

    cfg = {
        "calendar": {"start_date": "2026-04-29", "days": 1},
        "city": {"districts": ["Huangpu"], "max_centres": 2},
        "workers": 1,
        "wait_histogram": False,
    }
    settings = parse_city_config(cfg)
    assert isinstance(settings, CitySettings)
    city = city_from_config(cfg)
    assert city.centre_ids == city_from_config(settings).centre_ids
    a, b = run_city_from_config(city, cfg), run_city_from_config(city, settings)
    assert a.seed == b.seed == CITY_DEFAULTS["seed"]
    assert a.centres.drop(columns="seconds").equals(b.centres.drop(columns="seconds"))
