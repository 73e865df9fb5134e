"""svcsim: discrete-event simulation of government service centres.

Public API (stable, documented in docs/api.md)::

    from simulator import load_scenario, simulate
    scn = load_scenario("reference", overrides=["layout.windows.comprehensive.count=5"])
    res = simulate(scn, replications=20, seed=1, workers=2)
    res.summary()

The names below are imported on first use (PEP 562), so ``import simulator`` and the
command lines' ``--help`` start without loading numpy, pandas, SimPy, scipy or matplotlib.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.lazy import lazy_names

if TYPE_CHECKING:
    from simulator.analysis.results import Results
    from simulator.config.compose import available_scenarios, load_scenario
    from simulator.config.scenario import Scenario, scenario_from_config
    from simulator.errors import ConfigError
    from simulator.optimise.recommend import Recommendation, recommend
    from simulator.present import charts
    from simulator.run.runner import run_replication, simulate

#: Public name -> module that defines it (``charts`` is the module itself).
_LAZY = {
    "ConfigError": "simulator.errors",
    "Recommendation": "simulator.optimise.recommend",
    "Results": "simulator.analysis.results",
    "Scenario": "simulator.config.scenario",
    "available_scenarios": "simulator.config.compose",
    "charts": "simulator.present.charts",
    "load_scenario": "simulator.config.compose",
    "recommend": "simulator.optimise.recommend",
    "run_replication": "simulator.run.runner",
    "scenario_from_config": "simulator.config.scenario",
    "simulate": "simulator.run.runner",
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY, modules={"charts"})

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
