"""City-wide handling (全市通办): the centres of a district in one simulation.

Any Shanghai centre handles any resident's business, so a resident who finds a long
queue at the chosen centre may go to another centre of the same district. With live
queue information (the centres publish their queues), a resident arriving at centre A
who sees at least ``queue_threshold`` tickets waiting goes, with probability
``probability``, to the open centre of the district with the shortest queue per open
window, if it is shorter than A's, arriving after a travel time. There they take a new
ticket (no second balking decision; patience starts again).

With diversion off, centres are independent and run in parallel; with it on, the
centres of a district share one SimPy environment. The decision draws and travel times
come from each centre's ``routing`` stream, so common random numbers still hold.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import simpy

from simulator.config.parse import Problems, dist, flag, num
from simulator.config.scenario import DayPlan, Scenario
from simulator.engine.centre import CentreModel, Guest
from simulator.engine.demand import Residents, draw_outages, generate_residents
from simulator.engine.records import RawRecords
from simulator.errors import ConfigError
from simulator.model.distributions import Distribution, Lognormal
from simulator.model.streams import stream


@dataclass(frozen=True)
class Diversion:
    """City-wide handling: when and how residents go to another centre."""

    enabled: bool = False
    probability: float = 0.3
    queue_threshold: int = 15
    travel: Distribution = field(default_factory=lambda: Lognormal(20.0, 0.5))


def parse_diversion(cfg: Mapping[str, Any] | None) -> Diversion:
    """Parse a ``diversion`` config section (absent or ``enabled: false`` = off); a key it
    leaves out takes the default of :class:`Diversion`."""
    off, p = Diversion(), Problems()
    if cfg is None or not flag(cfg, "enabled", "diversion", p, off.enabled):
        p.raise_if_any("diversion settings")
        return off
    prob = num(cfg, "probability", "diversion", p, default=off.probability, low=0.0, high=1.0)
    thr = num(
        cfg, "queue_threshold", "diversion", p, default=off.queue_threshold, low=1, integer=True
    )
    travel = dist(cfg["travel"], "diversion.travel", p) if "travel" in cfg else off.travel
    p.raise_if_any("diversion settings")
    assert travel is not None
    return Diversion(True, prob, int(thr), travel)


def _load(model: CentreModel) -> float:
    """Tickets waiting per open window (inf when the centre has no open window)."""
    open_windows = sum(1 for w in model.windows if w.staff >= 0)
    return model.waiting_now() / open_windows if open_windows else math.inf


def _extended_residents(res: Residents, model: CentreModel, plans: list[DayPlan]) -> Residents:
    """The centre's own residents followed by the guests it received, aligned with its
    raw records."""
    n = res.t.size
    k = len(model.t) - n
    if k == 0:
        return Residents(**{**res.__dict__, "guest": np.zeros(n, dtype=bool)})
    t_guest = np.asarray(model.t[n:])
    offsets = np.array([p.offset for p in plans])
    day = np.clip(np.searchsorted(offsets, t_guest, side="right") - 1, 0, len(plans) - 1)
    return Residents(
        t=np.concatenate([res.t, t_guest]),
        day=np.concatenate([res.day, day.astype(res.day.dtype)]),
        item=np.concatenate([res.item, np.asarray(model.item[n:], dtype=res.item.dtype)]),
        family=np.concatenate([res.family, np.asarray(model.family[n:], dtype=res.family.dtype)]),
        service=np.concatenate([res.service, np.asarray(model.base[n:])]),
        patience=np.concatenate([res.patience, np.asarray(model.patience[n:])]),
        balk_u=np.concatenate([res.balk_u, np.ones(k)]),
        return_u=np.concatenate([res.return_u, np.asarray(model.return_u[n:])]),
        origin=np.concatenate([res.origin, np.asarray(model.origin[n:], dtype=res.origin.dtype)]),
        xp_kind=np.concatenate(
            [res.xp_kind, np.asarray(model.xp_kind[n:], dtype=res.xp_kind.dtype)]
        ),
        remote_delay=np.concatenate([res.remote_delay, np.asarray(model.remote_delay[n:])]),
        bo_work=np.concatenate([res.bo_work, np.asarray(model.bo_work[n:])]),
        guest=np.concatenate([np.zeros(n, dtype=bool), np.ones(k, dtype=bool)]),
    )


def simulate_district(
    scenarios: Sequence[Scenario],
    seeds: Sequence[int],
    replication: int,
    diversion: Diversion,
    day_factors: np.ndarray | None = None,
) -> list[tuple[list[DayPlan], Residents, RawRecords]]:
    """One replication of the centres of a district in one shared environment.

    Returns, per centre, its day plans, its residents followed by the guests it received,
    and its raw records (KPIs: :func:`simulator.run.runner.run_district_replication`).

    Parameters
    ----------
    scenarios, seeds
        One scenario and one root seed per centre (a centre's residents are those of
        ``simulate(scenario, seed=seed)``). All centres must share the catalogue and the
        calendar start date.
    diversion
        City-wide handling rule; when disabled the result equals running each centre
        on its own.
    day_factors
        Busyness common to the centres, one factor per day (see
        :func:`simulator.engine.demand.generate_residents`).
    """
    if len(scenarios) != len(seeds):
        raise ValueError("give one seed per centre")
    if len({s.items for s in scenarios}) > 1:
        raise ConfigError("centres of a district must share the service catalogue")
    if len({s.start_date for s in scenarios}) > 1:
        raise ConfigError("centres of a district must share calendar.start_date")
    env = simpy.Environment()
    plans = [s.day_plans() for s in scenarios]
    residents = [
        generate_residents(s, p, seed, replication, day_factors)
        for s, p, seed in zip(scenarios, plans, seeds, strict=True)
    ]
    routing = []
    for seed, res in zip(seeds, residents, strict=True):
        rng = stream(seed, replication, "routing")
        u = rng.random(len(res))
        travel = diversion.travel.sample(rng, len(res))
        routing.append((u.tolist(), travel.tolist()))
    models: list[CentreModel] = []

    def divert(model: CentreModel, i: int) -> bool:
        if model.n_waiting < diversion.queue_threshold:
            return False
        a = models.index(model)
        u, travel = routing[a]
        if u[i] >= diversion.probability:
            return False
        if model.waiting_now() < diversion.queue_threshold:
            return False
        here = _load(model)
        best, best_load = -1, here
        for b, other in enumerate(models):
            if b != a and (load := _load(other)) < best_load:
                best, best_load = b, load
        if best < 0:
            return False
        res = residents[a]
        guest = Guest(
            item=int(res.item[i]),
            family=int(res.family[i]),
            service=float(res.service[i]),
            patience=float(res.patience[i]),
            return_u=float(res.return_u[i]),
            origin=int(res.origin[i]),
            xp_kind=int(res.xp_kind[i]),
            remote_delay=float(res.remote_delay[i]),
            bo_work=float(res.bo_work[i]),
            walk=float(res.walk[i]) if res.walk is not None else 0.0,
            no_show_hold=float(res.no_show_hold[i]) if res.no_show_hold is not None else math.nan,
        )
        target = models[best]
        arrive = env.timeout(travel[i])
        assert arrive.callbacks is not None

        def arrive_there(_ev: simpy.Event) -> None:
            target.inject(guest)

        arrive.callbacks.append(arrive_there)
        return True

    for s, p, res, seed in zip(scenarios, plans, residents, seeds, strict=True):
        models.append(
            CentreModel(
                s,
                p,
                res,
                s.experiment.monitor_interval_min,
                draw_outages(s, seed, replication),
                env=env,
                divert=divert if diversion.enabled else None,
            )
        )
    for m in models:
        m.start()
    env.run()
    return [
        (p, _extended_residents(res, m, p), m.finish())
        for p, res, m in zip(plans, residents, models, strict=True)
    ]
