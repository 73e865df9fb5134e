"""The keys a scenario config may contain, their defaults, and the check that rejects
every other key.

A misspelt key (``layout.windows.comprehensive.cuont``) or one added with Hydra's
``+key=value`` that nothing reads (``+centre.bogus=5``) would otherwise be ignored in
silence and the baseline run instead. :func:`unknown_keys` lists each unknown key with
a did-you-mean suggestion; :func:`simulator.config.scenario.scenario_from_config`
reports them with the other problems.

The schema is a nested mapping: a key maps to a sub-schema (a mapping), to :data:`ANY`
(any value, not checked further) or to :data:`DIST` (a distribution spec). The key
``"*"`` stands for user-chosen names (families, window groups, staff groups, ...).

:data:`DEFAULTS` is the one home of the value a key takes when the config leaves it
out; the parser reads every optional key through
:func:`simulator.config.parse.setting` (the config's value, else this default). A key
without a default is required (a problem when missing) or optional (``None``: off).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Mapping
from dataclasses import MISSING, fields
from typing import Any

from simulator.config.types import Calling, FrozenMap
from simulator.model.back_office import BackOffice
from simulator.model.cross_province import LOCAL, CrossProvince

__all__ = ["ANY", "DEFAULTS", "DIST", "SCENARIO_KEYS", "default", "unknown_keys"]

ANY: Mapping[str, Any] = {"__any__": True}
DIST: Mapping[str, Any] = {
    "dist": ANY,
    "mean": ANY,
    "cv": ANY,
    "median": ANY,
    "sigma": ANY,
    "value": ANY,
    "values": ANY,
}
_CLOCK_SPAN = {"open": ANY, "close": ANY, "lunch_start": ANY, "lunch_end": ANY}
_TARGET = {"min": ANY, "max": ANY, "tolerance": ANY}
_STAFF_GROUP = {"count": ANY, "level": ANY, "skills": {"*": ANY}, "share": ANY}

SCENARIO_KEYS: Mapping[str, Any] = {
    "centre": {
        "id": ANY,
        "name": ANY,
        "district": ANY,
        "counters": ANY,
        "daily_volume": ANY,
        "walk_time": DIST,
        "no_show": {"probability": ANY, "hold": DIST},
    },
    "catalogue": {
        "items_file": ANY,
        "item_weights": {"*": ANY},
        "families": {
            "*": {
                "share": ANY,
                "service": DIST,
                "bureau": ANY,
                "cross_province": ANY,
                "back_office": ANY,
            }
        },
    },
    "demand": {
        "arrival_rate_per_hour": ANY,
        "profiles": {"weekday": ANY, "weekend": ANY, "holiday": ANY},
        "weekday_factors": ANY,
        "month_factors": ANY,
        "holiday_factor": ANY,
        "adjusted_workday_factor": ANY,
        "post_holiday_factors": ANY,
        "busyness_cv": ANY,
        "online_shift": ANY,
        "p_return_visit": ANY,
        "origin_mix": {"*": ANY},
    },
    "impatience": {
        "balking": {"enabled": ANY, "threshold": ANY, "probability": ANY},
        "reneging": {"enabled": ANY, "patience": DIST},
    },
    "calendar": {
        "start_date": ANY,
        "days": ANY,
        "hours": {"weekday": _CLOCK_SPAN, "weekend": _CLOCK_SPAN, "holiday": _CLOCK_SPAN},
    },
    "layout": {
        "policy": ANY,
        "windows": {
            "*": {"kind": ANY, "count": ANY, "prefix": ANY, "families": ANY, "priority": ANY}
        },
    },
    "staffing": {
        "skill_multipliers": {"novice": ANY, "proficient": ANY, "expert": ANY},
        "staff": {"*": _STAFF_GROUP},
        "plan": {
            "mode": ANY,
            "lunch_open_share": ANY,
            "weekend_open_share": ANY,
            "min_open": ANY,
            "blocks": ANY,
        },
    },
    "cross_province": {
        "enabled": ANY,
        "family": ANY,
        "require_window": ANY,
        "hold_timeout_min": ANY,
        "defer_when_down": ANY,
        "availability_file": ANY,
        "provinces": {
            "*": {
                "delay": DIST,
                "failure_prob": ANY,
                "outages_per_day": ANY,
                "outage_duration": DIST,
            }
        },
        "scheduled_outages": ANY,
    },
    "back_office": {
        "enabled": ANY,
        "hours": {"open": ANY, "close": ANY},
        "default": {"staff": ANY, "work": DIST},
        "bureaus": {"*": {"staff": ANY, "work": DIST}},
        "target_days": ANY,
    },
    "cost": {
        "currency": ANY,
        "staff_per_hour": {"*": ANY},
        "training_per_skill": ANY,
        "training_amortisation_days": ANY,
        "window_per_day": ANY,
    },
    "targets": {
        "confidence": ANY,
        "day": {"*": _TARGET},
        "hour": {"*": _TARGET},
    },
    "recommend": {
        "space": {
            "windows": {"*": ANY},
            "lunch_open_share": ANY,
            "skill_mix": ANY,
        },
        "skill_mixes": {"*": {"roster_per_window": ANY, "groups": {"*": _STAFF_GROUP}}},
        "procedure": {
            "n0": ANY,
            "batch": ANY,
            "n_max": ANY,
            "runner_ups": ANY,
            "seed": ANY,
            "isa": {"enabled": ANY, "replications": ANY, "max_iterations": ANY, "trim": ANY},
            "final_replications": ANY,
            "final_seed_offset": ANY,
        },
        "robustness": {"volume_growth": ANY, "online_shift": ANY},
    },
    # Provenance written by svcsim-calibrate (read by the report, not by the model).
    "calibration": ANY,
    # Experiment settings (scenarios/experiment/*.yaml, top-level keys).
    "replications": ANY,
    "seed": ANY,
    "workers": ANY,
    "warmup_min": ANY,
    "target_wait_min": ANY,
    "record_visits": ANY,
    "monitor_interval_min": ANY,
    "charts": ANY,
    "progress": ANY,
}


def _off(cls: type, name: str) -> Any:
    """The default of a field of a frozen settings object: the value the model uses when
    the section is absent, so the config default and the "off" object never disagree."""
    (f,) = (f for f in fields(cls) if f.name == name)
    assert f.default is not MISSING, f"{cls.__name__}.{name} has no default"
    return f.default


DEFAULTS: Mapping[str, Any] = FrozenMap(
    {
        # A key's default where the config leaves it out (``*`` = any user-chosen name).
        # Defaults that depend on another value stay with the parser: a window group's
        # ``prefix`` is its name, a family's ``bureau`` is its name, the centre's ``name``
        # is the config's source, ``post_holiday_factors`` is empty.
        "centre.id": "centre",
        "centre.no_show.probability": _off(Calling, "no_show_probability"),
        "catalogue.families.*.share": 1.0,  # without items_file: one item per family
        "catalogue.families.*.cross_province": False,
        "catalogue.families.*.back_office": False,
        "demand.weekday_factors": (1.0,) * 7,
        "demand.month_factors": (1.0,) * 12,
        "demand.holiday_factor": 0.3,
        "demand.adjusted_workday_factor": 0.9,
        "demand.busyness_cv": 0.0,
        "demand.online_shift": 0.0,
        "demand.p_return_visit": 0.0,
        "demand.origin_mix": FrozenMap({LOCAL: 1.0}),  # everyone from Shanghai
        "demand.origin_mix.*": 0.0,
        "impatience.balking": FrozenMap({}),
        "impatience.balking.enabled": False,
        "impatience.reneging": FrozenMap({}),
        "impatience.reneging.enabled": False,
        "layout.policy": "oldest_first",
        "layout.windows.*.kind": "comprehensive",
        "staffing.skill_multipliers": FrozenMap({"novice": 1.3, "proficient": 1.0, "expert": 0.85}),
        "staffing.plan": FrozenMap({}),
        "staffing.plan.mode": "auto",
        "staffing.plan.lunch_open_share": 0.5,
        "staffing.plan.weekend_open_share": 1.0,
        "staffing.plan.min_open": 1,
        "cross_province.enabled": _off(CrossProvince, "enabled"),
        "cross_province.family": _off(CrossProvince, "family"),
        "cross_province.require_window": _off(CrossProvince, "require_window"),
        "cross_province.hold_timeout_min": _off(CrossProvince, "hold_timeout_min"),
        "cross_province.defer_when_down": _off(CrossProvince, "defer_when_down"),
        "cross_province.provinces.*.failure_prob": 0.0,
        "cross_province.provinces.*.outages_per_day": 0.0,
        "back_office.enabled": _off(BackOffice, "enabled"),
        "back_office.hours": FrozenMap(  # 08:30-17:00, in minutes since midnight
            {"open": _off(BackOffice, "open"), "close": _off(BackOffice, "close")}
        ),
        "back_office.default": FrozenMap({}),
        "back_office.default.staff": 1,  # a bureau's unset values: `default`, then these
        "back_office.default.work": FrozenMap({"dist": "lognormal", "mean": 40.0, "cv": 0.6}),
        "back_office.target_days": _off(BackOffice, "target_days"),
        # The recommender's decision space (its procedure: optimise.config.Procedure).
        "recommend.space.skill_mix": ("keep",),  # keep the scenario's staff
        "recommend.skill_mixes.*.roster_per_window": 1.0,
        # Run settings (top-level keys): the values of scenarios/experiment/default.yaml,
        # which every shipped scenario lists, so that a config without them (built in
        # Python, a YAML file without that defaults list) runs as a shipped scenario does;
        # tests/config/test_schema_defaults.py holds the two equal. monitor_interval_min
        # has none (null: off), as in the YAML.
        "replications": 20,
        "seed": 20261128,
        "warmup_min": 0.0,
        "target_wait_min": 20.0,
        "record_visits": False,
        "workers": 1,
        "charts": True,  # read by svcsim and svcsim-recommend, not by the scenario parser
        "progress": False,
    }
)


@functools.lru_cache(maxsize=4096)
def default(path: str) -> Any:
    """The schema's default of the config key at ``path`` (``"demand.holiday_factor"``,
    ``"layout.windows.quick.kind"``), or ``None`` when it has none. User-chosen names in
    ``path`` match the ``*`` of :data:`SCENARIO_KEYS`."""
    node: Any = SCENARIO_KEYS
    parts = []
    for part in path.split("."):
        if not isinstance(node, Mapping) or "__any__" in node:
            return None
        if part in node:
            parts.append(part)
            node = node[part]
        elif "*" in node:
            parts.append("*")
            node = node["*"]
        else:
            return None
    return DEFAULTS.get(".".join(parts))


def _suggest(key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known keys: {sorted(known)}"


def unknown_keys(
    cfg: Any, schema: Mapping[str, Any] = SCENARIO_KEYS, path: str = ""
) -> list[tuple[str, str]]:
    """``(key path, message)`` for every key of ``cfg`` that ``schema`` does not know.

    Values that are not mappings are left to the parser (which names a wrong type).
    """
    if schema is ANY or "__any__" in schema or not isinstance(cfg, Mapping):
        return []
    out: list[tuple[str, str]] = []
    named = list(k for k in schema if k != "*")
    for key, value in cfg.items():
        full = f"{path}.{key}" if path else str(key)
        if key in schema:
            sub = schema[key]
        elif "*" in schema:
            sub = schema["*"]
        else:
            out.append((full, f"unknown key; {_suggest(str(key), named)}"))
            continue
        if value is not None:
            out.extend(unknown_keys(value, sub, full))
    return out
