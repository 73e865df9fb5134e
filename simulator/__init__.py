"""svcsim: discrete-event simulation of government service centres.

Public API (stable, documented in docs/api.md)::

    from simulator import load_scenario, simulate
    scn = load_scenario("reference", overrides=["layout.windows.comprehensive.count=5"])
    res = simulate(scn, replications=20, seed=1, workers=2)
    res.summary()
"""

from __future__ import annotations

from typing import Any

from simulator.analysis.results import Results
from simulator.config.compose import available_scenarios, load_scenario
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.errors import ConfigError
from simulator.optimise.recommend import Recommendation, recommend
from simulator.run.runner import run_replication, simulate


def __getattr__(name: str) -> Any:
    """``simulator.charts``: the chart library, imported on first use (matplotlib is slow)."""
    if name == "charts":
        from simulator.present import charts

        return charts
    raise AttributeError(f"module 'simulator' has no attribute {name!r}")


__all__ = [
    "ConfigError",
    "Recommendation",
    "Results",
    "Scenario",
    "available_scenarios",
    "charts",
    "load_scenario",
    "recommend",
    "run_replication",
    "scenario_from_config",
    "simulate",
]
