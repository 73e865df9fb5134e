"""Walk-in demand: one replication's residents, generated up front.

Arrivals follow a non-homogeneous Poisson process with a piecewise-constant rate:
the day's expected volume (daily volume x day factors x a gamma busyness factor with
mean 1) is spread over the day's profile bins, the count per bin is Poisson and the
times are uniform inside the bin. Everything a resident brings (item, family, base
service time, patience, balking draw, missing-documents draw) is drawn here, per
resident, from its own named stream, so two scenarios that differ only in layout or
staffing see exactly the same residents (common random numbers).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.config.memo import frozen_array, per_scenario
from simulator.config.scenario import DayPlan, Scenario, item_probabilities
from simulator.model.cross_province import (
    PROVINCES,
    XP_LOCAL,
    XP_NONE,
    XP_REMOTE,
    XP_UNAVAILABLE,
    outage_intervals,
)
from simulator.model.streams import stream


@dataclass(frozen=True)
class Residents:
    """All walk-ins of one replication, sorted by arrival time.

    Attributes
    ----------
    t
        Arrival (ticket) time, minutes since midnight of day 0.
    day
        Day index of the arrival.
    item, family
        Indices into ``Scenario.items`` and ``Scenario.families``.
    service
        Service time at a proficient window (minutes); the window multiplies it by the
        serving staff member's skill multiplier.
    patience
        Minutes the resident is willing to wait (``inf`` when reneging is off).
    balk_u, return_u
        Uniform(0, 1) draws deciding balking and a return visit for missing documents.
    origin
        Index into :data:`simulator.model.cross_province.PROVINCES`.
    xp_kind
        Cross-province request kind (``XP_NONE``, ``XP_LOCAL``, ``XP_REMOTE``,
        ``XP_UNAVAILABLE``; see :mod:`simulator.model.cross_province`).
    remote_delay
        Round trip to the home province's system (minutes; ``inf`` if it fails).
    bo_work
        Back-office work content (minutes; NaN when the item has no back-office stage).
    walk
        Minutes from being called to the start of service (``centre.walk_time``);
        ``None`` when walking time is off (0).
    no_show_hold
        Minutes a window waits for this resident, who will not be there when called
        (``centre.no_show``); NaN for residents who show up; ``None`` when no-shows are off.
    """

    t: np.ndarray
    day: np.ndarray
    item: np.ndarray
    family: np.ndarray
    service: np.ndarray
    patience: np.ndarray
    balk_u: np.ndarray
    return_u: np.ndarray
    origin: np.ndarray
    xp_kind: np.ndarray
    remote_delay: np.ndarray
    bo_work: np.ndarray
    guest: np.ndarray | None = None  # True for residents diverted here from another centre
    walk: np.ndarray | None = None
    no_show_hold: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.t.size)


def day_busyness(scn: Scenario, seed: int, replication: int, days: int) -> np.ndarray:
    """Day-level busyness factors, gamma with mean 1 and CV ``demand.busyness_cv``."""
    rng = stream(seed, replication, "busyness")
    cv = scn.demand.busyness_cv
    if cv <= 0:
        return np.ones(days)
    shape = 1.0 / cv**2
    return rng.gamma(shape, 1.0 / shape, days)


@dataclass(frozen=True)
class _Tables:
    """What the draws need of a scenario, computed once per scenario object."""

    probs: np.ndarray  # probability of each item
    item_family: np.ndarray  # family index of each item (int32)
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # starts, widths, shares
    families: tuple[tuple[int, Any], ...]  # (family index, service distribution)
    origin_p: np.ndarray
    is_xp: np.ndarray | None  # per item: a cross-province item
    offered: np.ndarray | None  # item x province: offered here
    bureau_code: np.ndarray | None  # per item: index into bureaus, -1 without back office
    bureaus: tuple[Any, ...]  # back-office bureaus, sorted by name


def _build_tables(scn: Scenario) -> _Tables:
    fam_index = scn.family_index()
    profiles = {}
    for key, bins in scn.demand.profiles.items():
        starts = frozen_array([x.start for x in bins])
        ends = np.array([x.end for x in bins])
        widths = ends - starts
        widths.flags.writeable = False
        profiles[key] = (starts, widths, frozen_array([x.share for x in bins]))
    mix = np.asarray(scn.demand.origin_mix, dtype=float)
    cross = scn.cross_province
    is_xp = offered = None
    if cross.enabled:
        is_xp = frozen_array([it.cross_province for it in scn.items], dtype=bool)
        offered = frozen_array(
            [
                [p in cross.availability.get(it.id, frozenset()) for p in PROVINCES]
                for it in scn.items
            ],
            dtype=bool,
        )
    bo = scn.back_office
    code = None
    bureaus: tuple[Any, ...] = ()
    if bo.enabled:
        names = sorted(bo.bureaus)
        bureaus = tuple(bo.bureaus[name] for name in names)
        pos = {name: k for k, name in enumerate(names)}
        code = frozen_array(
            [pos.get(it.bureau, -1) if it.back_office else -1 for it in scn.items],
            dtype=np.int32,
        )
    return _Tables(
        probs=frozen_array(item_probabilities(scn)),
        item_family=frozen_array([fam_index[it.family] for it in scn.items], dtype=np.int32),
        profiles=profiles,
        families=tuple((k, fam.service) for k, fam in enumerate(scn.families)),
        origin_p=frozen_array(mix / mix.sum()),
        is_xp=is_xp,
        offered=offered,
        bureau_code=code,
        bureaus=bureaus,
    )


def _tables(scn: Scenario) -> _Tables:
    return per_scenario(scn, "demand", lambda: _build_tables(scn))


def _arrival_times(
    scn: Scenario,
    plans: list[DayPlan],
    busy: np.ndarray,
    rng: np.random.Generator,
    profiles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray]:
    """Arrival times (sorted) and day indices of one replication.

    Per open day, in day order, the Poisson counts per profile bin and then the uniform
    positions inside the bins are drawn (that order of draws is what fixes the numbers);
    the times are then computed for all days at once.
    """
    poisson, uniform = rng.poisson, rng.random
    counts: list[np.ndarray] = []
    draws: list[np.ndarray] = []
    starts: list[np.ndarray] = []
    widths: list[np.ndarray] = []
    day_index: list[int] = []
    day_offset: list[float] = []
    day_count: list[int] = []
    for plan, b in zip(plans, busy, strict=True):
        volume = scn.expected_daily_volume(plan) * b
        if volume <= 0:
            continue
        lo, width, shares = profiles[plan.profile_key]
        c = poisson(volume * shares)
        n = int(c.sum())
        counts.append(c)
        draws.append(uniform(n))
        starts.append(lo)
        widths.append(width)
        day_index.append(plan.index)
        day_offset.append(plan.offset)
        day_count.append(n)
    if not counts:
        return np.empty(0), np.empty(0, dtype=np.int32)
    c_all = np.concatenate(counts)
    # Position within the day, exactly as lo + width * u bin by bin and day by day.
    x = np.repeat(np.concatenate(starts), c_all) + np.repeat(
        np.concatenate(widths), c_all
    ) * np.concatenate(draws)
    n_day = np.asarray(day_count)
    day_all = np.repeat(np.asarray(day_index, dtype=np.int32), n_day)
    t = x + np.repeat(np.asarray(day_offset), n_day)
    # Each day's times sorted, days in order. When no day's times reach into the next
    # day's (opening hours within the day), one sort of all of them is the same.
    nonempty = n_day > 0
    first = (np.cumsum(n_day) - n_day)[nonempty]
    if first.size < 2 or bool(
        np.all(np.maximum.reduceat(t, first)[:-1] <= np.minimum.reduceat(t, first)[1:])
    ):
        return np.sort(t), day_all
    bounds = np.cumsum(n_day)[:-1]
    return np.concatenate([np.sort(p) for p in np.split(t, bounds)]), day_all


def generate_residents(
    scn: Scenario,
    plans: list[DayPlan],
    seed: int,
    replication: int,
    day_factors: np.ndarray | None = None,
) -> Residents:
    """Draw every walk-in of one replication (see module docstring).

    ``day_factors`` (one per day, mean 1) multiply each day's volume on top of the
    centre's own busyness: a busyness common to several centres (a city-wide busy day).
    """
    tab = _tables(scn)
    rng_arr = stream(seed, replication, "arrivals")
    busy = day_busyness(scn, seed, replication, len(plans))
    if day_factors is not None:
        factors = np.asarray(day_factors, dtype=float)
        if factors.shape != busy.shape:
            raise ValueError(f"day_factors: expected {busy.size} values, got {factors.size}")
        busy = busy * factors
    t_all, day_all = _arrival_times(scn, plans, busy, rng_arr, tab.profiles)
    n = t_all.size

    probs = tab.probs
    item = stream(seed, replication, "items").choice(len(probs), size=n, p=probs)
    family = tab.item_family[item] if n else np.empty(0, dtype=np.int32)

    rng_svc = stream(seed, replication, "service")
    service = np.empty(n)
    for k, dist in tab.families:
        mask = family == k
        service[mask] = dist.sample(rng_svc, int(mask.sum()))

    imp = scn.impatience
    if imp.renege_enabled and imp.patience is not None:
        patience = imp.patience.sample(stream(seed, replication, "patience"), n)
    else:
        patience = np.full(n, np.inf)
    balk_u = stream(seed, replication, "balking").random(n)
    return_u = stream(seed, replication, "outcome").random(n)
    origin = stream(seed, replication, "origin").choice(len(PROVINCES), size=n, p=tab.origin_p)
    origin = origin.astype(np.int8)
    xp_kind, remote_delay = _cross_province_draws(scn, tab, item, origin, seed, replication)
    bo_work = _back_office_draws(tab, item, seed, replication)
    walk, no_show_hold = _calling_draws(scn, n, seed, replication)
    return Residents(
        t_all,
        day_all,
        item.astype(np.int32),
        family,
        service,
        patience,
        balk_u,
        return_u,
        origin,
        xp_kind,
        remote_delay,
        bo_work,
        walk=walk,
        no_show_hold=no_show_hold,
    )


def _calling_draws(
    scn: Scenario, n: int, seed: int, replication: int
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """Walking time and no-show hold per resident, each from its own stream (``None``
    when the feature is off, so that no stream is touched)."""
    calling = scn.calling
    walk = None
    if calling.walk is not None:
        walk = calling.walk.sample(stream(seed, replication, "walk_time"), n)
    hold = None
    if calling.no_show_probability > 0:
        rng = stream(seed, replication, "no_show")
        absent = rng.random(n) < calling.no_show_probability
        wait = (
            calling.no_show_hold.sample(rng, n) if calling.no_show_hold is not None else np.zeros(n)
        )
        hold = np.where(absent, wait, np.nan)
    return walk, hold


def _cross_province_draws(
    scn: Scenario,
    tab: _Tables,
    item: np.ndarray,
    origin: np.ndarray,
    seed: int,
    replication: int,
) -> tuple[np.ndarray, np.ndarray]:
    n = item.size
    xp_kind = np.full(n, XP_NONE, dtype=np.int8)
    delay = np.full(n, np.inf)
    cross = scn.cross_province
    if not cross.enabled or n == 0:
        return xp_kind, delay
    assert tab.is_xp is not None and tab.offered is not None
    is_xp = tab.is_xp[item]
    ok = tab.offered[item, origin]
    local = origin == 0
    xp_kind[is_xp & local & ok] = XP_LOCAL
    xp_kind[is_xp & ~local & ok] = XP_REMOTE
    xp_kind[is_xp & ~ok] = XP_UNAVAILABLE
    rng = stream(seed, replication, "cross_province")
    fail_u = rng.random(n)
    for k, prov in enumerate(PROVINCES):
        system = cross.systems.get(prov)
        m = origin == k
        if system is None or not m.any():
            continue
        size = int(m.sum())
        d = system.delay.sample(rng, size) if system.delay is not None else np.zeros(size)
        d[fail_u[m] < system.failure_prob] = np.inf
        delay[m] = d
    return xp_kind, delay


def _back_office_draws(tab: _Tables, item: np.ndarray, seed: int, replication: int) -> np.ndarray:
    work = np.full(item.size, np.nan)
    if tab.bureau_code is None or item.size == 0:
        return work
    rng = stream(seed, replication, "back_office")
    bureau_of = tab.bureau_code[item]
    # Residents grouped by bureau, in resident order within each (a stable sort): the
    # bureaus with residents draw in the order of their names, as many as they have.
    order = np.argsort(bureau_of, kind="stable")
    counts = np.bincount(bureau_of + 1, minlength=len(tab.bureaus) + 1)
    ends = np.cumsum(counts)
    for k in np.flatnonzero(counts[1:]):
        who = order[ends[k] : ends[k + 1]]
        work[who] = tab.bureaus[k].work.sample(rng, int(counts[k + 1]))
    return work


def draw_outages(scn: Scenario, seed: int, replication: int) -> dict[int, np.ndarray]:
    """Outage intervals of the provinces' systems for one replication, by province index
    (into :data:`~simulator.model.cross_province.PROVINCES`): scheduled ones plus random
    ones from the ``outages`` stream. Empty when cross-province service is off.

    Drawn before the run, like everything random, so the engine only reads them.
    """
    cross = scn.cross_province
    if not cross.enabled:
        return {}
    drawn = outage_intervals(cross, scn.start_date, scn.days, stream(seed, replication, "outages"))
    return {PROVINCES.index(p): iv for p, iv in drawn.items()}
