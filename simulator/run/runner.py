"""Running replications, sequentially or in a process pool, with identical results."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.kpis import ReplicationKPIs, compute_kpis, concat_columns
from simulator.analysis.results import Results
from simulator.config.memo import per_scenario
from simulator.config.scenario import DayPlan, Scenario
from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages, generate_residents
from simulator.engine.district import Diversion, simulate_district
from simulator.run.executor import get_executor
from simulator.version import run_metadata


def day_plans(scn: Scenario) -> list[DayPlan]:
    """``scn.day_plans()``, resolved once per scenario object (the plans are frozen; each
    caller gets its own list)."""
    return list(per_scenario(scn, "day_plans", lambda: tuple(scn.day_plans())))


def run_replication(
    scn: Scenario,
    replication: int,
    seed: int,
    record_visits: bool = False,
    day_factors: np.ndarray | None = None,
    plans: list[DayPlan] | None = None,
) -> ReplicationKPIs:
    """Run one replication: a pure function of (scenario, replication, seed[, day
    factors common to several centres: see :func:`simulator.engine.demand.generate_residents`]).
    ``plans``: ``scn.day_plans()`` if the caller has them already."""
    if plans is None:
        plans = day_plans(scn)
    residents = generate_residents(scn, plans, seed, replication, day_factors)
    outages = draw_outages(scn, seed, replication)
    model = CentreModel(scn, plans, residents, scn.experiment.monitor_interval_min, outages)
    raw = model.run()
    return compute_kpis(scn, plans, residents, raw, replication, record_visits)


def _whole(value: Any, name: str) -> int:
    """``value`` as an int: TypeError for text, booleans and fractions, naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer):
        raise TypeError(f"{name}: expected a whole number, got {value!r}")
    if not float(value).is_integer():
        raise TypeError(f"{name}: expected a whole number, got {value!r}")
    return int(value)


def run_district_replication(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    replication: int,
    diversion: Diversion,
    record_visits: bool = False,
    day_factors: np.ndarray | None = None,
) -> list[ReplicationKPIs]:
    """One replication of the centres of a district in one shared environment (city-wide
    handling, see :func:`simulator.engine.district.simulate_district`): KPIs per centre."""
    runs = simulate_district(scenarios, seeds, replication, diversion, day_factors)
    return [
        compute_kpis(s, plans, res, raw, replication, record_visits)
        for s, (plans, res, raw) in zip(scenarios, runs, strict=True)
    ]


def simulate(
    scenario: Scenario,
    replications: int | None = None,
    seed: int | None = None,
    workers: int | None = None,
    record_visits: bool | None = None,
    progress: bool | Callable[[int, int], None] = False,
    executor: Any = None,
) -> Results:
    """Simulate ``scenario`` over independent replications.

    Parameters
    ----------
    scenario
        A validated scenario from :func:`simulator.load_scenario`.
    replications, seed, workers, record_visits
        Default to the scenario's ``experiment`` settings. ``workers > 1`` runs
        replications in a process pool; results are identical to a sequential run.
    progress
        ``True`` for a progress bar, or a callback ``f(done, total)``.
    executor
        Where replications run (see :mod:`simulator.run.executor`): ``None`` uses
        ``workers`` local processes; an :class:`~simulator.run.executor.Executor`, a
        ``distributed.Client`` or a Dask scheduler address runs them there. Results are
        identical whatever runs them.

    Returns
    -------
    Results
    """
    if not isinstance(scenario, Scenario):
        raise TypeError(
            f"scenario: expected a Scenario (from simulator.load_scenario), got {scenario!r}"
        )
    exp = scenario.experiment
    n = exp.replications if replications is None else _whole(replications, "replications")
    root = exp.seed if seed is None else _whole(seed, "seed")
    nw = exp.workers if workers is None else _whole(workers, "workers")
    if root < 0:
        raise ValueError(f"seed must be >= 0, got {root}")
    visits = exp.record_visits if record_visits is None else bool(record_visits)
    if n < 1:
        raise ValueError(f"replications must be >= 1, got {n}")
    if nw < 1:
        raise ValueError(f"workers must be >= 1, got {nw}")
    nw = min(nw, n, os.cpu_count() or 1)
    t0 = time.perf_counter()
    tasks = [(scenario, r, root, visits) for r in range(n)]
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=f"{scenario.name}", unit="rep")

    def tick(done: int) -> None:
        if bar is not None:
            bar.update(1)
        elif callable(progress):
            progress(done, n)

    # One parallel path (simulator.run.executor): results placed by index, and an
    # interrupt terminates the workers. One worker runs in this process.
    owned = executor is None
    ex = get_executor(executor, nw)
    nw = ex.workers
    slots: list[ReplicationKPIs | None] = [None] * n
    done = 0
    try:
        for i, res in ex.imap_unordered(run_replication, tasks):
            slots[i] = res
            done += 1
            tick(done)
    finally:
        if owned:
            ex.close()
    out = [s for s in slots if s is not None]
    if bar is not None:
        bar.close()
    reps = pd.DataFrame([k.kpis for k in out])
    reps["replication"] = range(n)
    meta = run_metadata()
    meta.update(
        {"wall_s": time.perf_counter() - t0, "workers": nw, "replications": n, "seed": root}
    )
    return Results(
        scenario=scenario,
        seed=root,
        replications=reps.set_index("replication"),
        hourly=concat_columns([k.hourly_cols for k in out]),
        by_family=concat_columns([k.by_family_cols for k in out]),
        visits=concat_columns([k.visits_cols for k in out if k.visits_cols is not None])
        if visits
        else None,
        meta=meta,
        tables={
            name: concat_columns([k.table_cols[name] for k in out if name in k.table_cols])
            for name in dict.fromkeys(n for k in out for n in k.table_cols)
        },
    )
