"""The keys a scenario config may contain, and the check that rejects every other key.

A misspelt key (``layout.windows.comprehensive.cuont``) or one added with Hydra's
``+key=value`` that nothing reads (``+centre.bogus=5``) would otherwise be ignored in
silence and the baseline run instead. :func:`unknown_keys` lists each unknown key with
a did-you-mean suggestion; :func:`simulator.config.scenario.scenario_from_config`
reports them with the other problems.

The schema is a nested mapping: a key maps to a sub-schema (a mapping), to :data:`ANY`
(any value, not checked further) or to :data:`DIST` (a distribution spec). The key
``"*"`` stands for user-chosen names (families, window groups, staff groups, ...).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

__all__ = ["ANY", "DIST", "SCENARIO_KEYS", "unknown_keys"]

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
        "origin_mix": ANY,
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
