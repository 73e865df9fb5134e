"""Regenerate tests/data/pinned_results.json: KPI summaries of the shipped scenarios.

The numbers pin the engine's behaviour at a fixed seed so that refactoring and speed work
can prove they change nothing. Regenerate only for a deliberate change of results, and say
why in CHANGELOG.md::

    python tests/data/make_pinned.py
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("pinned_results.json")

#: (scenario, overrides, replications): small runs of every shipped primary scenario.
CASES: list[tuple[str, list[str], int]] = [
    ("reference", ["calendar.days=7"], 3),
    ("busy", ["calendar.days=5"], 3),
    ("cross_province", ["calendar.days=5"], 3),
    ("validation/mmc", [], 3),
]
SEED = 20261201


def _clean(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def compute() -> dict[str, Any]:
    """Every pinned figure, keyed by case."""
    from simulator import load_scenario, simulate
    from simulator.city.build import build_city
    from simulator.city.run import run_city

    out: dict[str, Any] = {}
    for name, overrides, reps in CASES:
        res = simulate(load_scenario(name, overrides=overrides), replications=reps, seed=SEED)
        frame = res.replications.select_dtypes("number")
        out[name] = {
            col: [_clean(float(v)) for v in frame[col].to_numpy()] for col in frame.columns
        }
    city = build_city(start_date="2026-04-29", days=3, districts=["Huangpu"])
    cres = run_city(city, replications=2, seed=SEED, workers=1)
    cent = cres.centres.drop(columns="seconds").select_dtypes("number")
    out["city_huangpu_3d"] = {
        col: [_clean(float(v)) for v in cent[col].to_numpy()] for col in cent.columns
    }
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
