"""Running a city: centres in parallel (local processes or Dask), aggregated as they finish.

A task is one centre and one replication (``unit="centre"``, the default: best load
balance) or one district and one replication (``unit="district"``: the unit a coupled
model of 全市通办 diversion would need; see :func:`run_district`). Each task is a pure
function of its scenarios, the replication index and the per-centre seeds
(:func:`simulator.city.build.centre_seed`), so the results are identical whatever runs them:
sequentially, in a local process pool, or on a Dask cluster, in any completion order.
Tasks run through :mod:`simulator.run.executor`, the package's one parallel path.

Only small per-centre summaries travel back from a task
(:class:`~simulator.city.summary.CentreRun`): the KPI
dict, hourly means by day type (about 40 rows), daily totals, KPIs by family and
optionally a histogram of waits; never per-visit records. Peak memory therefore stays
bounded by one centre-year per worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from simulator.city.build import City, centre_seed
from simulator.city.config import CitySettings, parse_city_config
from simulator.city.results import CityResults
from simulator.city.summary import CentreRun, summarise_centre
from simulator.config.scenario import Scenario
from simulator.engine.district import Diversion
from simulator.model.streams import stream
from simulator.run.executor import executor_label, get_executor
from simulator.run.runner import day_plans, run_district_replication, run_replication
from simulator.version import run_metadata

__all__ = [
    "run_centre",
    "run_city",
    "run_city_from_config",
    "run_district",
]


def common_day_factors(seed: int, replication: int, days: int, cv: float) -> np.ndarray | None:
    """City-wide day factors (gamma, mean 1, CV ``cv``) of one replication, or None."""
    if cv <= 0:
        return None
    shape = 1.0 / cv**2
    return stream(seed, replication, "city_busyness").gamma(shape, 1.0 / shape, days)


def run_centre(
    scn: Scenario,
    district: str,
    replication: int,
    root_seed: int,
    wait_histogram: bool = True,
    day_factors: np.ndarray | None = None,
) -> CentreRun:
    """One centre, one replication: a pure function of its arguments.

    The centre's seed is :func:`~simulator.city.build.centre_seed` of ``root_seed`` and its id;
    the replication runs through :func:`simulator.run.runner.run_replication`.
    """
    t0 = time.perf_counter()
    seed = centre_seed(root_seed, scn.centre_id)
    plans = day_plans(scn)
    kr = run_replication(scn, replication, seed, day_factors=day_factors, plans=plans)
    secs = time.perf_counter() - t0
    return summarise_centre(scn, district, replication, kr, wait_histogram, secs, plans)


def _run_group(
    jobs: Sequence[tuple[Scenario, str]],
    replication: int,
    root_seed: int,
    wait_histogram: bool,
    diversion: Diversion | None = None,
    day_factors: np.ndarray | None = None,
) -> list[CentreRun]:
    if diversion is None or not diversion.enabled:
        return [
            run_centre(s, d, replication, root_seed, wait_histogram, day_factors) for s, d in jobs
        ]
    # City-wide handling couples the centres of a district: one shared simulation.
    if len({d for _, d in jobs}) > 1:
        raise ValueError("with diversion on, a task must hold the centres of one district")
    t0 = time.perf_counter()
    scenarios = [s for s, _ in jobs]
    seeds = [centre_seed(root_seed, s.centre_id) for s in scenarios]
    krs = run_district_replication(
        scenarios, seeds, replication, diversion, day_factors=day_factors
    )
    secs = (time.perf_counter() - t0) / max(len(jobs), 1)
    return [
        summarise_centre(s, d, replication, kr, wait_histogram, secs)
        for (s, d), kr in zip(jobs, krs, strict=True)
    ]


def run_district(
    city: City,
    district: str,
    replication: int = 0,
    seed: int = 0,
    wait_histogram: bool = True,
    diversion: Diversion | None = None,
) -> list[CentreRun]:
    """Run one district's centres as one unit, in this process.

    Without diversion the centres are independent, so this equals their runs in
    :func:`run_city`. With city-wide handling (全市通办, ``diversion.enabled``) residents
    facing a long queue may go to another centre of the district, and the district's
    centres share one simulation (:func:`simulator.run.runner.run_district_replication`).
    """
    sub = city.subset(districts=[district])
    jobs = [(s, district) for s in sub.scenarios]
    return _run_group(jobs, replication, seed, wait_histogram, diversion)


Task = tuple[Sequence[tuple[Scenario, str]], int, int, bool, Diversion | None, np.ndarray | None]


def run_city(
    city: City,
    replications: int = 1,
    seed: int = 0,
    *,
    workers: int | None = None,
    client: Any = None,
    executor: Any = None,
    unit: str = "centre",
    wait_histogram: bool = True,
    progress: bool | Callable[[int, int], None] = False,
    diversion: Diversion | None = None,
    common_busyness_cv: float = 0.0,
) -> CityResults:
    """Simulate every centre of ``city`` for ``replications`` replications.

    Parameters
    ----------
    city
        From :func:`simulator.city.build.build_city` or :func:`simulator.city.build.load_city`.
    replications
        Independent replications of the whole city.
    seed
        Root seed; centre ``c`` uses :func:`~simulator.city.build.centre_seed` ``(seed, c)``.
    workers
        Local processes (default: all CPUs); 1 runs in this process.
    client
        A ``distributed.Client`` or a Dask scheduler address: run the tasks there
        (``workers`` is then ignored). An address opens a client that is closed at the end.
    executor
        Any object with ``imap_unordered(fn, tasks)`` yielding ``(index, result)``
        (e.g. :class:`simulator.run.executor.LocalExecutor`); overrides the two above.
    unit
        ``"centre"`` (a task per centre and replication) or ``"district"``.
    wait_histogram
        Also collect histograms of waits for city- and district-wide percentiles; this
        makes each worker build per-visit records of its centre (about 10% slower).
    progress
        ``True`` for a tqdm bar over centre-replications, or a callback ``f(done, total)``.
    diversion
        City-wide handling (全市通办); when enabled, each district runs as one unit
        (``unit`` is then ``"district"`` whatever was given).
    common_busyness_cv
        CV of a day-level busyness factor (gamma, mean 1) common to all centres, on top
        of each centre's own (a city-wide busy day: weather, a policy deadline). Drawn
        per replication from the ``city_busyness`` stream of ``seed``; 0 = off.

    Returns
    -------
    CityResults
        Identical for the same city and seed, whatever the backend and worker count.
    """
    if replications < 1:
        raise ValueError(f"replications must be >= 1, got {replications}")
    if unit not in ("centre", "district"):
        raise ValueError(f"unit must be 'centre' or 'district', got {unit!r}")
    if diversion is not None and diversion.enabled:
        unit = "district"
    t0 = time.perf_counter()
    districts = [str(d) for d in city.centres["district"]]
    jobs = list(zip(city.scenarios, districts, strict=True))
    # Largest centres first: better load balance; results do not depend on the order.
    order = np.argsort(-city.centres["expected_visits"].to_numpy(), kind="stable")
    groups: list[list[tuple[Scenario, str]]]
    if unit == "centre":
        groups = [[jobs[i]] for i in order]
    else:
        by: dict[str, list[tuple[Scenario, str]]] = {}
        for j in jobs:
            by.setdefault(j[1], []).append(j)
        groups = sorted(by.values(), key=lambda g: -sum(s.demand.daily_volume for s, _ in g))
    if common_busyness_cv < 0:
        raise ValueError(f"common_busyness_cv must be >= 0, got {common_busyness_cv}")
    common = [
        common_day_factors(int(seed), r, city.days, common_busyness_cv) for r in range(replications)
    ]
    tasks: list[Task] = [
        (g, r, int(seed), bool(wait_histogram), diversion, common[r])
        for r in range(replications)
        for g in groups
    ]
    total = len(jobs) * replications
    bar = None
    if progress is True:
        from tqdm.auto import tqdm

        # No monitor thread (it only refreshes a bar left without updates for a while):
        # a command whose process runs no other thread ends without the teardown.
        tqdm.monitor_interval = 0
        bar = tqdm(total=total, desc="city", unit="centre")
    nw = int(workers) if workers is not None else (os.cpu_count() or 1)
    nw = max(1, min(nw, os.cpu_count() or 1, len(tasks)))
    owned = executor is None
    ex = get_executor(executor if executor is not None else client, nw)
    nw = ex.workers
    backend = executor_label(ex)
    collector = CityResults.collector(city, replications, int(seed))
    done = 0
    try:
        for _, runs in ex.imap_unordered(_run_group, tasks):
            for run in runs:
                collector.add(run)
                done += 1
                if bar is not None:
                    bar.update(1)
                elif callable(progress):
                    progress(done, total)
    finally:
        if bar is not None:
            bar.close()
        if owned:
            ex.close()
    meta = run_metadata()
    meta.update(
        {
            "wall_s": time.perf_counter() - t0,
            "backend": backend,
            "workers": nw,
            "unit": unit,
            "diversion": bool(diversion is not None and diversion.enabled),
            "common_busyness_cv": float(common_busyness_cv),
            "replications": replications,
            "seed": int(seed),
            "centres": len(city),
            "days": city.days,
            "start_date": city.start_date.isoformat(),
        }
    )
    return collector.finish(meta)


def run_city_from_config(city: City, cfg: Mapping[str, Any] | CitySettings) -> CityResults:
    """Run ``city`` with the run settings of a composed city config or its
    :class:`~simulator.city.config.CitySettings` (a config's problems raise one
    :class:`~simulator.errors.ConfigError` listing them all)."""
    s = parse_city_config(cfg)
    same = ("replications", "seed", "workers", "unit", "wait_histogram", "progress")
    return run_city(
        city,
        client=s.dask_address,
        diversion=s.diversion,
        common_busyness_cv=s.common_busyness_cv,
        **{key: getattr(s, key) for key in same},  # run_city's parameters of the same name
    )
