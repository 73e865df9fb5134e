"""The lean SimPy M/M/c loop: the yardstick every benchmark reports against.

``minimal_mmc()`` is the textbook SimPy M/M/c (one process per customer,
``simpy.Resource``, draws in numpy batches up front) on the parameters of
``validation/mmc`` (M/M/10, 63.75 arrivals/h, mean service 8 min, 10080 minutes).
Every benchmark runs it in its own process, before and after its workload, and prints
its figures as ratios to it: a ratio carries across machines and load, an absolute
second does not.
"""

from __future__ import annotations

import math
import statistics
import time
from typing import Any

import numpy as np
import simpy

C = 10
MEAN_SERVICE = 8.0  # minutes
RATE_PER_HOUR = 63.75
HORIZON = 10080.0  # minutes


def minimal_mmc(
    seed: int,
    c: int = C,
    rate_per_min: float = RATE_PER_HOUR / 60.0,
    mean_service: float = MEAN_SERVICE,
    horizon: float = HORIZON,
) -> tuple[int, np.ndarray, np.ndarray]:
    """The textbook SimPy M/M/c: a source process starts one process per customer, each
    customer requests a ``simpy.Resource``. Arrivals stop at ``horizon``; customers
    already in the system are served to the end (as the engine's overtime does).
    Returns (number of customers, arrival times, waits), times in minutes."""
    rng = np.random.default_rng(seed)
    expected = rate_per_min * horizon
    batch = int(expected + 8.0 * math.sqrt(expected) + 16)
    inter = rng.exponential(1.0 / rate_per_min, batch)
    arrive = np.cumsum(inter)
    while arrive[-1] < horizon:  # practically never: top up the batch
        more = np.cumsum(rng.exponential(1.0 / rate_per_min, batch)) + arrive[-1]
        inter = np.concatenate([inter, np.diff(more, prepend=arrive[-1])])
        arrive = np.concatenate([arrive, more])
    n = int(np.searchsorted(arrive, horizon, side="left"))
    service = rng.exponential(mean_service, n)
    waits = np.empty(n)

    env = simpy.Environment()
    desks = simpy.Resource(env, capacity=c)
    gaps = inter[:n].tolist()  # Python floats: cheap element access for the loop
    svc = service.tolist()

    def customer(i: int) -> Any:
        arrived = env.now
        with desks.request() as req:
            yield req
            waits[i] = env.now - arrived
            yield env.timeout(svc[i])

    def source() -> Any:
        for i in range(n):
            yield env.timeout(gaps[i])
            env.process(customer(i))

    env.process(source())
    env.run()
    return n, arrive[:n], waits


def lean_rate(reps: int = 3, seed: int = 7_000) -> dict[str, float]:
    """Customers per CPU second and per wall second of the lean loop in this process
    (median of ``reps`` runs of one 10080-minute replication each)."""
    minimal_mmc(seed - 1)  # warm-up
    cpu, wall = [], []
    for r in range(reps):
        c0, t0 = time.process_time(), time.perf_counter()
        n = minimal_mmc(seed + r)[0]
        cpu.append(n / (time.process_time() - c0))
        wall.append(n / (time.perf_counter() - t0))
    return {"cpu": statistics.median(cpu), "wall": statistics.median(wall)}


def lean_seconds(customers: float, rate: dict[str, float], clock: str = "cpu") -> float:
    """Seconds the lean loop would take for ``customers`` at ``rate`` (its yardstick)."""
    return customers / rate[clock]
