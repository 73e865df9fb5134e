"""A finished replication frees its memory at once, without Python's cycle collector.

The model, its SimPy processes and its events must not refer to each other in cycles
that outlive the run: a city worker runs hundreds of centre-years in a row, and memory
held until the cycle collector happens to run grew a worker by tens of MB per centre.
"""

from __future__ import annotations

import gc
import weakref

import pytest

from simulator import load_scenario
from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages, generate_residents


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("reference", []),  # balking, reneging, lunch, dedicated window, back office
        ("cross_province", ["calendar.days=3"]),
        (
            "reference",
            [
                "+centre.walk_time={dist: deterministic, value: 0.5}",
                "+centre.no_show={probability: 0.1, hold: {dist: deterministic, value: 3}}",
            ],
        ),
    ],
)
def test_replication_is_freed_without_the_cycle_collector(name: str, overrides: list[str]) -> None:
    scn = load_scenario(name, overrides)
    plans = scn.day_plans()
    res = generate_residents(scn, plans, 3, 0)
    gc.collect()
    gc.disable()
    try:
        model = CentreModel(
            scn, plans, res, scn.experiment.monitor_interval_min, draw_outages(scn, 3, 0)
        )
        raw = model.run()
        alive = weakref.ref(model)
        del model
        # (The SimPy Environment itself is a cycle by design, but small and empty now.)
        assert alive() is None, "the model outlives its run (a reference cycle)"
        assert raw.outcome.size == len(res)
    finally:
        gc.enable()
