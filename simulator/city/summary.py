"""What one centre-replication of a city run sends back: small, fixed-size summaries.

Shared by :mod:`simulator.city.run` (which makes them in the workers) and
:mod:`simulator.city.results` (which aggregates them), so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from simulator.analysis.kpis import ReplicationKPIs
from simulator.config.scenario import DayPlan, Scenario

__all__ = ["DAILY_SUMS", "HOURLY_SUMS", "WAIT_EDGES", "CentreRun", "summarise_centre"]

WAIT_EDGES = np.concatenate([np.arange(0.0, 240.0 + 1e-9, 0.5), [np.inf]])
"""Bin edges (minutes) of the wait histograms: 0.5-minute bins up to 4 hours, then one."""

DAILY_SUMS = ("arrivals", "served", "abandoned")  # counts
_MINUTES = ("busy_min", "open_min", "queue_mean")  # the hourly sums that are not counts
HOURLY_SUMS = (*DAILY_SUMS, *_MINUTES)


def _counts(group: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sums of whole counts by group (exact: far below 2**53)."""
    return np.bincount(group, weights=values, minlength=n).astype(np.int64)


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


def summarise_centre(
    scn: Scenario,
    district: str,
    replication: int,
    kr: ReplicationKPIs,
    hist: bool,
    secs: float,
    plans: Sequence[DayPlan] | None = None,
) -> CentreRun:
    """The small summary of one centre-replication that travels back from a worker
    (``plans``: the scenario's day plans, if the caller has them already)."""
    cols = kr.hourly_cols
    wait_mean = np.asarray(cols["wait_mean_min"], dtype=float)
    wait_sum = np.where(np.isnan(wait_mean), 0.0, wait_mean) * cols["served"]
    # Sums by day type and hour, and by day. Counts add up exactly (bincount); the
    # minutes are summed by pandas' grouped sum, a compensated sum in row order (what
    # the city's figures have always been: a plain sum would differ in the last bits).
    types, type_code = np.unique(np.asarray(cols["day_type"]), return_inverse=True)
    keys, group = np.unique(type_code.astype(np.int64) * 24 + cols["hour"], return_inverse=True)
    minutes = (*_MINUTES, "wait_sum_min")
    grouped = (
        pd.DataFrame({**{c: cols[c] for c in _MINUTES}, "wait_sum_min": wait_sum})
        .groupby(group, sort=True)
        .sum()
    )
    open_days: dict[str, int] = {}
    for p in plans if plans is not None else scn.day_plans():
        if not p.closed:
            open_days[p.day_type] = open_days.get(p.day_type, 0) + 1
    day_type = types[keys // 24]
    hourly = pd.DataFrame(
        {
            "day_type": day_type,
            "hour": keys % 24,
            **{c: _counts(group, cols[c], keys.size) for c in DAILY_SUMS},
            **{c: grouped[c].to_numpy() for c in minutes},
            "days": np.array([open_days.get(t, 0) for t in day_type], dtype=int),
        }
    )
    days, by_day = np.unique(cols["day"], return_inverse=True)
    daily = pd.DataFrame(
        {
            "day": days,
            **{c: _counts(by_day, cols[c], days.size) for c in DAILY_SUMS},
            "wait_sum_min": pd.Series(wait_sum).groupby(by_day, sort=True).sum().to_numpy(),
        }
    )
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
        by_family=pd.DataFrame({k: v for k, v in kr.by_family_cols.items() if k != "replication"}),
        wait_hist=counts,
        seconds=secs,
    )
