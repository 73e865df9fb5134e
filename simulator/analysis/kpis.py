"""From raw records to KPIs: one replication at a time.

All KPIs are computed after the run from the raw facts recorded by the engine
(:class:`~simulator.engine.records.RawRecords`); the model holds no statistics. Definitions and
units are documented in docs/kpis.md.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from simulator.config.scenario import DayPlan, Scenario
from simulator.engine.demand import Residents
from simulator.engine.records import (
    ABANDONED,
    BALKED,
    DIVERTED,
    NO_SHOW,
    OUTCOMES,
    SERVED,
    UNSERVED,
    RawRecords,
)
from simulator.model.back_office import WORKING_DAY_TYPES
from simulator.model.cross_province import (
    PROVINCES,
    XP_COMPLETED,
    XP_DEFERRED,
    XP_NONE,
    XP_NOT_OFFERED,
    XP_RESULTS,
)

BO_KPIS = (
    "bo_cases",
    "bo_completed",
    "bo_open_at_end",
    "bo_lead_days_mean",
    "bo_lead_days_p90",
    "bo_within_target",
    "bo_backlog_end_mean",
)

KPI_NAMES = (
    "arrivals",
    "served",
    "abandoned",
    "balked",
    "unserved",
    "diverted",
    "no_show",
    "guests",
    "abandonment_rate",
    "renege_rate",
    "balk_rate",
    "no_show_rate",
    "wait_mean_min",
    "wait_p50_min",
    "wait_p90_min",
    "wait_p95_min",
    "wait_max_min",
    "queue_time_mean_min",
    "p_wait_gt0",
    "service_level",
    "utilisation",
    "queue_mean",
    "queue_max",
    "overtime_min",
    "one_visit_rate",
    "service_mean_min",
    "operating_min",
    "xp_requests",
    "xp_completed",
    "xp_deferred",
    "xp_not_offered",
    "xp_one_visit_rate",
    "xp_window_time_mean_min",
    "xp_remote_wait_min_per_day",
    *BO_KPIS,
)


class Intervals:
    """Intervals [starts, ends) (non-finite and empty ones dropped), sorted once, and
    their total overlap with the bins of any edges (:meth:`mass`).

    Uses the cumulative function F(x) = sum_i clip(x - s_i, 0, e_i - s_i), evaluated at
    the bin edges with sorted cumulative sums, so a query is O(m log n).
    """

    __slots__ = ("ce", "cs", "e", "s")

    def __init__(self, starts: np.ndarray, ends: np.ndarray) -> None:
        starts = np.asarray(starts, dtype=float)
        ends = np.asarray(ends, dtype=float)
        keep = np.isfinite(starts) & np.isfinite(ends) & (ends > starts)
        self.s = starts[keep]  # a new array (boolean index): sorted in place
        self.s.sort()
        self.e = ends[keep]
        self.e.sort()
        self.cs = np.concatenate([[0.0], self.s.cumsum()])
        self.ce = np.concatenate([[0.0], self.e.cumsum()])

    def mass(self, edges: np.ndarray) -> np.ndarray:
        """Total overlap with each bin [edges[k], edges[k+1])."""
        ks = self.s.searchsorted(edges, side="left")
        ke = self.e.searchsorted(edges, side="left")
        f = (ks * edges - self.cs[ks]) - (ke * edges - self.ce[ke])
        return np.diff(f)


def interval_mass(starts: np.ndarray, ends: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Total overlap of the intervals [starts, ends) with each bin [edges[k], edges[k+1])
    (see :class:`Intervals`)."""
    return Intervals(starts, ends).mass(edges)


Columns = dict[str, np.ndarray]

_add_reduce = np.add.reduce

#: How many entries of a boolean mask are true (a plain int; much cheaper than ``sum``).
_count = np.count_nonzero


def to_frame(cols: Columns | None) -> pd.DataFrame:
    """A tidy table from its columns (empty DataFrame for None)."""
    return pd.DataFrame(cols) if cols is not None else pd.DataFrame()


def concat_columns(parts: list[Columns]) -> pd.DataFrame:
    """One DataFrame from the column dicts of several replications (built once: pandas
    construction per replication would cost more than the simulation)."""
    parts = [p for p in parts if p]
    if not parts:
        return pd.DataFrame()
    names = list(parts[0])
    return pd.DataFrame({c: np.concatenate([np.asarray(p[c]) for p in parts]) for c in names})


@dataclass(frozen=True)
class ReplicationKPIs:
    """KPIs of one replication: a scalar per KPI and tidy tables (stored as columns;
    the properties return DataFrames)."""

    kpis: dict[str, float]
    hourly_cols: Columns
    by_family_cols: Columns
    visits_cols: Columns | None = None
    table_cols: dict[str, Columns] = field(default_factory=dict)
    served_waits: np.ndarray | None = None  # sorted waits (min) of served residents

    @property
    def hourly(self) -> pd.DataFrame:
        return to_frame(self.hourly_cols)

    @property
    def by_family(self) -> pd.DataFrame:
        return to_frame(self.by_family_cols)

    @property
    def visits(self) -> pd.DataFrame | None:
        return to_frame(self.visits_cols) if self.visits_cols is not None else None

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {k: to_frame(v) for k, v in self.table_cols.items()}


def _rows_to_columns(rows: list[dict[str, object]]) -> Columns:
    if not rows:
        return {}
    return {c: np.asarray([r[c] for r in rows]) for c in rows[0]}


def _sorted_quantile(xs: np.ndarray, q: float) -> float:
    """Quantile of an already sorted array (numpy's default linear interpolation)."""
    n = xs.size
    if n == 0:
        return float("nan")
    pos = q * (n - 1)
    lo = int(pos)
    hi = min(lo + 1, n - 1)
    return float(xs[lo] + (xs[hi] - xs[lo]) * (pos - lo))


def _grouped(
    group: np.ndarray, counts: np.ndarray, *values: np.ndarray
) -> tuple[list[np.ndarray], ...]:
    """Each of ``values`` split by ``group`` (0, 1, ... with ``counts[k]`` members of
    group ``k``): one array per group, in resident order within each (a stable sort), so
    a group's figures are taken over its values in the order of that group alone."""
    order = np.argsort(group, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(counts)])
    ranges = [(bounds[k], bounds[k + 1]) for k in range(len(counts))]
    return tuple([sorted_v[lo:hi] for lo, hi in ranges] for sorted_v in (v[order] for v in values))


def _mean(x: np.ndarray) -> float:
    """Mean of ``x`` (NaN if empty): ``x.mean()``, which for float64 is the sum (numpy's
    pairwise ``add.reduce``) over the count; computed so directly, without the method's
    per-call overhead."""
    if not x.size:
        return float("nan")
    if x.dtype == np.float64:
        return float(_add_reduce(x) / x.size)
    return float(x.mean())


def compute_kpis(
    scn: Scenario,
    plans: list[DayPlan],
    res: Residents,
    raw: RawRecords,
    replication: int,
    record_visits: bool = False,
) -> ReplicationKPIs:
    """Compute the KPIs of one replication (definitions in docs/kpis.md)."""
    exp = scn.experiment
    first_open = plans[0].offset + plans[0].hours.open if plans else 0.0
    cut = first_open + exp.warmup_min
    counted = res.t >= cut
    out = raw.outcome
    wait = raw.leave - res.t  # time in queue (served: until called)
    served_all = out == SERVED
    balked_all = out == BALKED
    served = counted & served_all
    aband = counted & (out == ABANDONED)
    balked = counted & balked_all
    unserved = counted & (out == UNSERVED)
    diverted = counted & (out == DIVERTED)
    no_show = counted & (out == NO_SHOW)
    joined = counted & ~balked & ~diverted
    n = int(_count(counted))
    w_served = wait[served]  # a new array (boolean index): sorted in place
    w_served.sort()

    # Operating periods: from opening to the last window closing, per day, after warm-up.
    periods = []
    overtime = []
    for day, close, last in raw.day_close:
        plan = plans[int(day)]
        start = max(plan.offset + plan.hours.open, cut)
        if last > start:
            periods.append((start, last))
        if close >= cut:
            overtime.append(last - close)
    op_edges_s = np.array([p[0] for p in periods])
    op_edges_e = np.array([p[1] for p in periods])
    operating = float(np.sum(op_edges_e - op_edges_s)) if periods else 0.0
    period_edges = np.ravel(np.column_stack([op_edges_s, op_edges_e])) if periods else None

    # Time integrals over the operating periods. Each set of intervals is sorted once
    # and serves these totals and the hourly table.
    def mass_in_periods(iv: Intervals) -> float:
        if period_edges is None:
            return 0.0
        return float(iv.mass(period_edges)[::2].sum())

    not_balked = ~balked_all
    queue_iv = Intervals(res.t[not_balked], raw.leave[not_balked])
    busy_iv = Intervals(raw.call, raw.end)
    wi = raw.win_intervals
    open_iv = Intervals(wi[:, 2], wi[:, 3]) if wi.size else None
    queue_mass = mass_in_periods(queue_iv)
    busy_mass = mass_in_periods(busy_iv)
    open_mass = mass_in_periods(open_iv) if open_iv is not None else 0.0

    returned = served & (res.return_u < scn.demand.p_return_visit)
    xp = raw.xp_result
    not_done = (xp == XP_DEFERRED) | (xp == XP_NOT_OFFERED)
    k: dict[str, float] = {
        "arrivals": float(n),
        "served": float(_count(served)),
        "abandoned": float(_count(aband)),
        "balked": float(_count(balked)),
        "unserved": float(_count(unserved)),
        "diverted": float(_count(diverted)),
        "no_show": float(_count(no_show)),
        "guests": float(_count(counted & res.guest)) if res.guest is not None else 0.0,
        "abandonment_rate": float((_count(aband) + _count(balked)) / n) if n else float("nan"),
        "renege_rate": float(_count(aband) / n) if n else float("nan"),
        "balk_rate": float(_count(balked) / n) if n else float("nan"),
        "no_show_rate": float(_count(no_show) / n) if n else float("nan"),
        "wait_mean_min": _mean(w_served),
        "wait_p50_min": _sorted_quantile(w_served, 0.5),
        "wait_p90_min": _sorted_quantile(w_served, 0.9),
        "wait_p95_min": _sorted_quantile(w_served, 0.95),
        "wait_max_min": float(w_served.max()) if w_served.size else float("nan"),
        "queue_time_mean_min": _mean(wait[joined]),
        "p_wait_gt0": float((wait[joined] > 1e-9).mean()) if joined.any() else float("nan"),
        "service_level": float(_count(w_served <= exp.target_wait_min) / n) if n else float("nan"),
        "utilisation": busy_mass / open_mass if open_mass > 0 else float("nan"),
        "queue_mean": queue_mass / operating if operating > 0 else float("nan"),
        "queue_max": float("nan"),
        "overtime_min": float(np.mean(overtime)) if overtime else 0.0,
        "one_visit_rate": float(1.0 - _count(returned | (served & not_done)) / _count(served))
        if served.any()
        else float("nan"),
        "service_mean_min": _mean(raw.service[served]),
        "operating_min": operating,
    }
    if raw.monitor.size:
        mon = raw.monitor[raw.monitor[:, 0] >= cut]
        # Each sample stands for the interval after it (left Riemann sum of the queue).
        step = float(exp.monitor_interval_min or 0.0)
        k["queue_mean_sampled"] = (
            float(mon[:, 1].sum() * step / operating) if operating > 0 else float("nan")
        )
        k["queue_max"] = float(mon[:, 1].max()) if mon.size else float("nan")

    n_days = max(1, sum(1 for p in plans if not p.closed and p.offset + p.hours.close > cut))
    k.update(_cross_province_kpis(res, raw, served, n_days))
    bo_kpis, bo_daily = _back_office(scn, plans, raw, replication, counted)
    k.update(bo_kpis)
    hourly = _hourly(
        scn,
        plans,
        res,
        raw,
        replication,
        cut,
        wait,
        served_all,
        balked_all,
        queue_iv,
        busy_iv,
        open_iv,
    )
    by_family = _by_family(scn, res, raw, replication, counted, wait)
    visits = _visits(scn, plans, res, raw, replication, wait) if record_visits else None
    tables = {"by_origin": _by_origin(res, raw, replication, counted, served, returned)}
    if scn.cross_province.enabled:
        tables["cross_province_items"] = _xp_items(scn, res, raw, replication, served)
    if scn.back_office.enabled:
        tables["back_office_daily"] = bo_daily
    return ReplicationKPIs(k, hourly, by_family, visits, tables, w_served)


def _cross_province_kpis(
    res: Residents, raw: RawRecords, served: np.ndarray, n_days: int
) -> dict[str, float]:
    req = served & (res.xp_kind != XP_NONE)
    xp = raw.xp_result
    n = int(_count(req))
    completed = int(_count(req & (xp == XP_COMPLETED)))
    at_window = (raw.end - raw.call)[req]
    return {
        "xp_requests": float(n),
        "xp_completed": float(completed),
        "xp_deferred": float(_count(req & (xp == XP_DEFERRED))),
        "xp_not_offered": float(_count(req & (xp == XP_NOT_OFFERED))),
        "xp_one_visit_rate": completed / n if n else float("nan"),
        "xp_window_time_mean_min": _mean(at_window),
        "xp_remote_wait_min_per_day": float(raw.remote_wait[served].sum() / n_days),
    }


def _by_origin(
    res: Residents,
    raw: RawRecords,
    replication: int,
    counted: np.ndarray,
    served: np.ndarray,
    returned: np.ndarray,
) -> Columns:
    xp = raw.xp_result
    n_prov = len(PROVINCES)
    origin = res.origin

    def per_origin(mask: np.ndarray) -> np.ndarray:
        return np.bincount(origin[mask], minlength=n_prov)[:n_prov].astype(np.int64)

    req = served & (res.xp_kind != XP_NONE)
    one_visit = served & ~returned & (xp != XP_DEFERRED) & (xp != XP_NOT_OFFERED)
    n_served = per_origin(served)
    n_req = per_origin(req)
    completed = per_origin(req & (xp == XP_COMPLETED))
    at_window, remote = _grouped(
        origin[req], n_req, (raw.end - raw.call)[req], raw.remote_wait[req]
    )
    window_mean = np.array([_mean(v) for v in at_window], dtype=float)
    remote_mean = np.array([_mean(v) for v in remote], dtype=float)
    # The divisors are at least 1: nothing to divide by zero.
    one_visit_rate = np.where(n_served > 0, per_origin(one_visit) / np.maximum(n_served, 1), np.nan)
    completion = np.where(n_req > 0, completed / np.maximum(n_req, 1), np.nan)
    return {
        "replication": np.full(n_prov, replication),
        "origin": np.asarray(PROVINCES),
        "arrivals": per_origin(counted),
        "served": n_served,
        "one_visit_rate": one_visit_rate,
        "xp_requests": n_req,
        "xp_completed": completed,
        "xp_deferred": per_origin(req & (xp == XP_DEFERRED)),
        "xp_not_offered": per_origin(req & (xp == XP_NOT_OFFERED)),
        "xp_completion_rate": completion,
        "xp_window_time_mean_min": window_mean,
        "remote_wait_mean_min": remote_mean,
    }


def _xp_items(
    scn: Scenario, res: Residents, raw: RawRecords, replication: int, served: np.ndarray
) -> Columns:
    req = served & (res.xp_kind != XP_NONE)
    n_prov = len(PROVINCES)
    key = res.item[req].astype(np.int64) * n_prov + res.origin[req]
    keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    xp = raw.xp_result[req]

    def total(mask: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=mask, minlength=keys.size).astype(np.int64)

    return {
        "replication": np.full(keys.size, replication),
        "item": np.array([it.id for it in scn.items], dtype=object)[keys // n_prov],
        "origin": np.array(PROVINCES, dtype=object)[keys % n_prov],
        "requests": counts,
        "completed": total(xp == XP_COMPLETED),
        "deferred": total(xp == XP_DEFERRED),
        "not_offered": total(xp == XP_NOT_OFFERED),
    }


def _back_office(
    scn: Scenario,
    plans: list[DayPlan],
    raw: RawRecords,
    replication: int,
    counted: np.ndarray,
) -> tuple[dict[str, float], Columns]:
    bo = scn.back_office
    if not bo.enabled or not plans:
        return {k: (0.0 if k in BO_KPIS[:3] else float("nan")) for k in BO_KPIS}, {}
    sub = counted & np.isfinite(raw.bo_submit)
    done = sub & np.isfinite(raw.bo_done)
    ends = np.array([p.offset + 1440.0 for p in plans])
    day_of = np.searchsorted(ends, raw.bo_submit[sub], side="right")
    working = np.array([not p.closed and p.day_type in WORKING_DAY_TYPES for p in plans])
    cum = np.cumsum(working)
    done_day = np.searchsorted(ends, raw.bo_done[done], side="right")
    sub_day_done = np.searchsorted(ends, raw.bo_submit[done], side="right")
    lead = np.sort((cum[done_day] - cum[sub_day_done]).astype(float))
    # Cases still open at the end are censored: they count against the target only once
    # they have been open longer than the target.
    open_mask = sub & ~done
    open_age = cum[-1] - cum[np.searchsorted(ends, raw.bo_submit[open_mask], side="right")]
    late_open = int(_count(open_age > bo.target_days))
    judged = int(_count(done)) + late_open
    within = int(_count(lead <= bo.target_days))
    n_days = len(plans)
    submitted_by_day = np.bincount(day_of, minlength=n_days)[:n_days]
    completed_by_day = np.bincount(done_day, minlength=n_days)[:n_days]
    backlog = np.cumsum(submitted_by_day) - np.cumsum(completed_by_day)
    daily: Columns = {
        "replication": np.full(n_days, replication),
        "day": np.array([p.index for p in plans]),
        "date": np.array([p.date.isoformat() for p in plans], dtype=object),
        "day_type": np.array([p.day_type for p in plans], dtype=object),
        "submitted": submitted_by_day,
        "completed": completed_by_day,
        "backlog_end": backlog,
    }
    kpis = {
        "bo_cases": float(_count(sub)),
        "bo_completed": float(_count(done)),
        "bo_open_at_end": float(_count(open_mask)),
        "bo_lead_days_mean": _mean(lead),
        "bo_lead_days_p90": _sorted_quantile(lead, 0.9),
        "bo_within_target": within / judged if judged else float("nan"),
        "bo_backlog_end_mean": float(backlog[working].mean()) if working.any() else 0.0,
    }
    return kpis, daily


def _clean(mass: np.ndarray) -> np.ndarray:
    """Drop floating-point dust (e.g. 1e-12 window-minutes) from interval integrals."""
    return np.where(np.abs(mass) < 1e-6, 0.0, mass)


def _hourly(
    scn: Scenario,
    plans: list[DayPlan],
    res: Residents,
    raw: RawRecords,
    replication: int,
    cut: float,
    wait: np.ndarray,
    is_served: np.ndarray,
    bal: np.ndarray,
    queue_iv: Intervals,
    busy_iv: Intervals,
    open_iv: Intervals | None,
) -> Columns:
    last = max(
        [float(np.nanmax(raw.end)) if np.isfinite(raw.end).any() else 0.0]
        + [float(x) for x in raw.day_close[:, 2]]
        + [0.0]
    )
    nbins = int(np.ceil(last / 60.0)) + 1
    edges = np.arange(nbins + 1) * 60.0
    out = raw.outcome
    queue = _clean(queue_iv.mass(edges))
    busy = _clean(busy_iv.mass(edges))
    opened = _clean(open_iv.mass(edges)) if open_iv is not None else np.zeros(nbins)
    # The same masses within opening hours only: after closing, windows stay open just to
    # finish the residents already waiting, so they are busy by construction (overtime).
    hours = [
        (p.offset + p.hours.open, p.offset + p.hours.close)
        for p in plans
        if not p.closed and p.hours.close > p.hours.open
    ]
    in_hours = _in_hours_bins(nbins, hours)
    busy_in = in_hours.mass(busy_iv)
    open_in = in_hours.mass(open_iv) if open_iv is not None else np.zeros(nbins)
    hour_of = np.minimum((res.t // 60).astype(int), nbins - 1)
    arrivals = np.bincount(hour_of, minlength=nbins)
    served_hour = hour_of[is_served]
    served = np.bincount(served_hour, minlength=nbins)
    aband = np.bincount(hour_of[(out == ABANDONED) | bal], minlength=nbins)
    wsum = np.bincount(served_hour, weights=wait[is_served], minlength=nbins)
    on_time = is_served & (wait <= scn.experiment.target_wait_min)
    within = np.bincount(hour_of[on_time], minlength=nbins)
    wmean = np.where(served > 0, wsum / np.maximum(served, 1), np.nan)
    util = np.where(open_in > 0, busy_in / np.where(open_in > 0, open_in, 1.0), np.nan)
    bins = np.arange(nbins)
    day = np.minimum(bins // 24, max(len(plans) - 1, 0))
    day_types = np.array([p.day_type for p in plans] or [""], dtype=object)
    keep = ((opened > 0) | (arrivals > 0)) & (edges[1:] > cut)
    return {
        "replication": np.full(int(_count(keep)), replication),
        "day": day[keep],
        "day_type": day_types[day[keep]],
        "hour": (bins % 24)[keep],
        "arrivals": arrivals[keep],
        "served": served[keep],
        "served_within_target": within[keep],
        "abandoned": aband[keep],
        "wait_mean_min": wmean[keep],
        "queue_mean": queue[keep] / 60.0,
        "busy_min": busy[keep],
        "open_min": opened[keep],
        "busy_in_hours_min": busy_in[keep],
        "open_in_hours_min": open_in[keep],
        "overtime_window_min": np.maximum(opened - open_in, 0.0)[keep],
        "utilisation": util[keep],
    }


def _in_hours_bins(nbins: int, hours: list[tuple[float, float]]) -> _InHours:
    """:class:`_InHours` for hourly bins 0..``nbins`` and these opening hours, kept for
    the next replication (the same scenario has the same hours, and nearly always the
    same number of bins)."""
    return _in_hours_kept(nbins, tuple(hours))


@functools.lru_cache(maxsize=16)  # thread-safe: threads of a Dask worker share it
def _in_hours_kept(nbins: int, hours: tuple[tuple[float, float], ...]) -> _InHours:
    return _InHours(np.arange(nbins + 1) * 60.0, list(hours))


class _InHours:
    """Per bin of ``edges``: the overlap of intervals with the bin, counting only the
    parts inside an opening period of ``hours`` ((open, close) per day, absolute
    minutes). The cut points are computed once for every set of intervals."""

    def __init__(self, edges: np.ndarray, hours: list[tuple[float, float]]) -> None:
        self.nbins = len(edges) - 1
        self.empty = not hours
        if self.empty:
            return
        bounds = np.ravel(np.array(hours, dtype=float))
        self.cuts = np.union1d(edges, bounds[(bounds > edges[0]) & (bounds < edges[-1])])
        left = self.cuts[:-1]
        # A segment lies inside opening hours when it starts at or after an opening and
        # before the matching close (periods do not overlap).
        k = np.searchsorted(bounds, left, side="right")
        self.inside = (k % 2) == 1
        self.seg_bin = np.minimum(np.searchsorted(edges, left, side="right") - 1, self.nbins - 1)
        for a in (self.cuts, self.inside, self.seg_bin):
            a.flags.writeable = False  # shared by every replication with these hours

    def mass(self, iv: Intervals) -> np.ndarray:
        if self.empty:
            return np.zeros(self.nbins)
        mass = iv.mass(self.cuts)
        return _clean(
            np.bincount(
                self.seg_bin, weights=np.where(self.inside, mass, 0.0), minlength=self.nbins
            )
        )


def _by_family(
    scn: Scenario,
    res: Residents,
    raw: RawRecords,
    replication: int,
    counted: np.ndarray,
    wait: np.ndarray,
) -> Columns:
    out = raw.outcome
    target = scn.experiment.target_wait_min
    n_fam = len(scn.families)
    n_out = len(OUTCOMES)
    # Counts of every (family, outcome) pair at once.
    pairs = res.family[counted].astype(np.int64) * n_out + out[counted]
    table = np.bincount(pairs, minlength=n_fam * n_out)[: n_fam * n_out].reshape(n_fam, n_out)
    arrivals = table.sum(axis=1)
    served = table[:, SERVED]
    s_all = counted & (out == SERVED)
    waits, services = _grouped(res.family[s_all], served, wait[s_all], raw.service[s_all])
    wait_mean = np.empty(n_fam)
    wait_p90 = np.empty(n_fam)
    service_mean = np.empty(n_fam)
    within = np.zeros(n_fam, dtype=np.int64)
    for k in range(n_fam):
        w = waits[k].copy()
        w.sort()
        wait_mean[k] = _mean(w)
        wait_p90[k] = _sorted_quantile(w, 0.9)
        service_mean[k] = _mean(services[k])
        within[k] = w.searchsorted(target, side="right")  # waits <= target
    level = np.where(arrivals > 0, within / np.maximum(arrivals, 1), np.nan)
    return {
        "replication": np.full(n_fam, replication),
        "family": np.array([f.name for f in scn.families], dtype=object),
        "arrivals": arrivals.astype(np.int64),
        "served": served.astype(np.int64),
        "abandoned": table[:, ABANDONED].astype(np.int64),
        "balked": table[:, BALKED].astype(np.int64),
        "wait_mean_min": wait_mean,
        "wait_p90_min": wait_p90,
        "service_mean_min": service_mean,
        "service_level": level,
    }


def _visits(
    scn: Scenario,
    plans: list[DayPlan],
    res: Residents,
    raw: RawRecords,
    replication: int,
    wait: np.ndarray,
) -> Columns:
    n = len(res)
    offsets = np.array([p.offset for p in plans])[res.day] if n else np.empty(0)
    fam_names = np.array(scn.family_names, dtype=object)
    item_ids = np.array([it.id for it in scn.items], dtype=object)
    win_ids = np.array([w.id for w in scn.windows] + [""], dtype=object)
    staff_ids = np.array([s.id for s in scn.staff] + [""], dtype=object)
    out = raw.outcome
    return {
        "replication": np.full(n, replication),
        "day": res.day,
        "arrival_min": res.t - offsets,
        "item": item_ids[res.item],
        "family": fam_names[res.family],
        "origin": np.array(PROVINCES, dtype=object)[res.origin],
        "outcome": np.array(OUTCOMES, dtype=object)[out],
        "wait_min": np.where(out == BALKED, np.nan, wait),
        "service_min": raw.service,
        "walk_min": raw.walk,
        "hold_min": np.where(out == NO_SHOW, raw.end - raw.call, np.nan),
        "window": win_ids[raw.window],
        "staff": staff_ids[raw.staff],
        "returned": (out == SERVED) & (res.return_u < scn.demand.p_return_visit),
        "xp_result": np.array(XP_RESULTS, dtype=object)[raw.xp_result],
        "remote_wait_min": raw.remote_wait,
    }
