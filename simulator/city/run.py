"""Running a city: centres in parallel (local processes or Dask), aggregated as they finish.

A task is one centre and one replication (``unit="centre"``, the default: best load
balance) or one district and one replication (``unit="district"``: the unit a coupled
model of 全市通办 diversion would need; see :func:`run_district`). Each task is a pure
function of its scenarios, the replication index and the per-centre seeds
(:func:`simulator.city.build.centre_seed`), so the results are identical whatever runs them:
sequentially, in a local process pool, or on a Dask cluster, in any completion order.

Only small per-centre summaries travel back from a task (:class:`CentreRun`): the KPI
dict, hourly means by day type (about 40 rows), daily totals, KPIs by family and
optionally a histogram of waits; never per-visit records. Peak memory therefore stays
bounded by one centre-year per worker.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.kpis import ReplicationKPIs
from simulator.city.build import City, centre_seed
from simulator.city.results import CityResults
from simulator.config.scenario import Scenario
from simulator.engine.district import Diversion, parse_diversion, run_district_replication
from simulator.model.streams import stream
from simulator.run.runner import run_replication
from simulator.version import run_metadata

__all__ = [
    "WAIT_EDGES",
    "CentreRun",
    "run_centre",
    "run_city",
    "run_city_from_config",
    "run_district",
]

WAIT_EDGES = np.concatenate([np.arange(0.0, 240.0 + 1e-9, 0.5), [np.inf]])
"""Bin edges (minutes) of the wait histograms: 0.5-minute bins up to 4 hours, then one."""

HOURLY_SUMS = ("arrivals", "served", "abandoned", "busy_min", "open_min", "queue_mean")
DAILY_SUMS = ("arrivals", "served", "abandoned")


@dataclass(frozen=True)
class CentreRun:
    """What one centre-replication sends back: small, fixed-size summaries.

    Attributes
    ----------
    centre_id, district, replication
        Which run.
    kpis
        The replication's KPIs (:data:`simulator.analysis.kpis.KPI_NAMES` and any the engine adds).
    hourly
        Sums by ``day_type`` x ``hour`` over the run's days: ``arrivals``, ``served``,
        ``abandoned``, ``busy_min``, ``open_min``, ``queue_mean`` (sum of hourly means),
        ``wait_sum_min`` (sum of waits of served residents), and ``days`` (open days of
        that type).
    daily
        Per day: ``arrivals``, ``served``, ``abandoned``, ``wait_sum_min``.
    by_family
        The replication's ``by_family`` table.
    wait_hist
        Counts of served residents' waits in :data:`WAIT_EDGES` bins, or ``None``.
    seconds
        Wall seconds of the task in the worker.
    """

    centre_id: str
    district: str
    replication: int
    kpis: dict[str, float]
    hourly: pd.DataFrame
    daily: pd.DataFrame
    by_family: pd.DataFrame
    wait_hist: np.ndarray | None
    seconds: float


def _summarise(
    scn: Scenario, district: str, replication: int, kr: ReplicationKPIs, hist: bool, secs: float
) -> CentreRun:
    h = kr.hourly
    h = h.assign(wait_sum_min=h["wait_mean_min"].fillna(0.0) * h["served"])
    cols = [*HOURLY_SUMS, "wait_sum_min"]
    hourly = h.groupby(["day_type", "hour"], sort=True)[cols].sum().reset_index()
    open_days: dict[str, int] = {}
    for p in scn.day_plans():
        if not p.closed:
            open_days[p.day_type] = open_days.get(p.day_type, 0) + 1
    hourly["days"] = hourly["day_type"].map(open_days).fillna(0).astype(int)
    daily = h.groupby("day", sort=True)[[*DAILY_SUMS, "wait_sum_min"]].sum().reset_index()
    counts = None
    if hist:
        assert kr.served_waits is not None
        counts = np.histogram(kr.served_waits, bins=WAIT_EDGES)[0].astype(np.int64)
    return CentreRun(
        centre_id=scn.centre_id,
        district=district,
        replication=replication,
        kpis=dict(kr.kpis),
        hourly=hourly,
        daily=daily,
        by_family=kr.by_family.drop(columns=["replication"], errors="ignore"),
        wait_hist=counts,
        seconds=secs,
    )


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
    kr = run_replication(scn, replication, seed, day_factors=day_factors)
    out = _summarise(scn, district, replication, kr, wait_histogram, time.perf_counter() - t0)
    return out


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
        _summarise(s, d, replication, kr, wait_histogram, secs)
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
    centres share one simulation (:func:`simulator.engine.district.run_district_replication`).
    """
    sub = city.subset(districts=[district])
    jobs = [(s, district) for s in sub.scenarios]
    return _run_group(jobs, replication, seed, wait_histogram, diversion)


# ---------------------------------------------------------------------------------------
# Executors: yield (task index, result) as tasks complete.

Task = tuple[Sequence[tuple[Scenario, str]], int, int, bool, Diversion | None, np.ndarray | None]


def _serial(tasks: Sequence[Task]) -> Iterator[tuple[int, list[CentreRun]]]:
    for i, t in enumerate(tasks):
        yield i, _run_group(*t)


def _local(tasks: Sequence[Task], workers: int) -> Iterator[tuple[int, list[CentreRun]]]:
    from simulator.run.executor import LocalExecutor

    with LocalExecutor(workers) as ex:
        yield from ex.imap_unordered(_run_group, tasks)


def _dask(tasks: Sequence[Task], client: Any) -> Iterator[tuple[int, list[CentreRun]]]:
    from distributed import Client, as_completed

    owned = isinstance(client, str)
    cl = Client(client) if owned else client
    try:
        futures = []
        for i, t in enumerate(tasks):
            ids = "+".join(s.centre_id for s, _ in t[0][:3])
            futures.append(
                cl.submit(_run_group, *t, key=f"svcsim-city-{i}-{ids}-r{t[1]}", pure=False)
            )
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                yield index[fut.key], fut.result()
                fut.release()
        finally:
            for fut in futures:
                if not fut.done():
                    fut.cancel()
    finally:
        if owned:
            cl.close()


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

        bar = tqdm(total=total, desc="city", unit="centre")
    nw = int(workers) if workers is not None else (os.cpu_count() or 1)
    if executor is not None:
        stream: Iterator[tuple[int, list[CentreRun]]] = executor.imap_unordered(_run_group, tasks)
        backend = repr(executor)
    elif client is not None:
        stream = _dask(tasks, client)
        backend = f"dask {client if isinstance(client, str) else type(client).__name__}"
    elif nw <= 1 or len(tasks) == 1:
        stream = _serial(tasks)
        backend = "serial"
        nw = 1
    else:
        nw = min(nw, os.cpu_count() or 1, len(tasks))
        stream = _local(tasks, nw)
        backend = f"local processes ({nw})"
    collector = CityResults.collector(city, replications, int(seed))
    done = 0
    try:
        for _, runs in stream:
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


def run_city_from_config(city: City, cfg: dict[str, Any]) -> CityResults:
    """Run ``city`` with the run settings of a composed city config."""
    return run_city(
        city,
        replications=int(cfg.get("replications", 1)),
        seed=int(cfg.get("seed", 0)),
        workers=int(cfg.get("workers", 1)),
        client=cfg.get("dask_address"),
        unit=str(cfg.get("unit", "centre")),
        wait_histogram=bool(cfg.get("wait_histogram", True)),
        progress=bool(cfg.get("progress", False)),
        diversion=parse_diversion(cfg.get("diversion")),
        common_busyness_cv=float(cfg.get("common_busyness_cv", 0.0)),
    )
