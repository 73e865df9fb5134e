"""svcsim: discrete-event simulation of government service centres.

Public API (stable, documented in docs/api.md)::

    from simulator import load_scenario, simulate
    scn = load_scenario("reference", overrides=["layout.windows.comprehensive.count=5"])
    res = simulate(scn, replications=20, seed=1, workers=2)
    res.summary()
"""

from __future__ import annotations

from simulator.config import available_scenarios, load_scenario
from simulator.errors import ConfigError
from simulator.recommend import Recommendation, recommend
from simulator.results import Results
from simulator.runner import run_replication, simulate
from simulator.scenario import Scenario, scenario_from_config

__all__ = [
    "ConfigError",
    "Recommendation",
    "Results",
    "Scenario",
    "available_scenarios",
    "load_scenario",
    "recommend",
    "run_replication",
    "scenario_from_config",
    "simulate",
]
