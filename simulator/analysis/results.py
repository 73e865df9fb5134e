"""Results of a set of replications: KPI summary with confidence intervals and tidy tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.stats import t_interval
from simulator.config.scenario import Scenario


def kpi_summary(frame: pd.DataFrame, level: float = 0.95) -> pd.DataFrame:
    """One row per column of ``frame`` (one row per replication): ``mean``, ``ci_low``,
    ``ci_high`` (Student t at ``level``), ``std`` and ``n`` (finite replications)."""
    rows = {}
    for kpi in frame.columns:
        if kpi == "replication":
            continue
        vals = frame[kpi].to_numpy(dtype=float)
        mean, lo, hi, sd = t_interval(vals, level)
        rows[kpi] = {
            "mean": mean,
            "ci_low": lo,
            "ci_high": hi,
            "std": sd,
            "n": int(np.isfinite(vals).sum()),
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "kpi"
    return out


def group_summary(
    frame: pd.DataFrame,
    by: list[str],
    metrics: list[str],
    level: float = 0.95,
    sort: bool = True,
) -> pd.DataFrame:
    """Per group of ``by``: each metric's mean over the rows (one per replication) with
    ``<metric>_ci_low`` / ``<metric>_ci_high`` t bounds."""
    rows = []
    for key, grp in frame.groupby(by, sort=sort):
        keys = key if isinstance(key, tuple) else (key,)
        row: dict[str, Any] = dict(zip(by, keys, strict=True))
        for m in metrics:
            mean, lo, hi, _ = t_interval(grp[m].to_numpy(dtype=float), level)
            row[m] = mean
            row[f"{m}_ci_low"] = lo
            row[f"{m}_ci_high"] = hi
        rows.append(row)
    return pd.DataFrame(rows)


@dataclass
class Results:
    """What :func:`simulator.simulate` returns.

    Attributes
    ----------
    scenario
        The scenario simulated.
    seed
        Root seed; replication r used streams derived from (seed, r).
    replications
        One row per replication, one column per KPI (see docs/kpis.md).
    hourly
        One row per replication x day x hour of operation.
    by_family
        One row per replication x service family.
    visits
        One row per resident when per-visit records were asked for, else None.
    tables
        Further tidy tables by name: ``by_origin`` (always), ``cross_province_items``
        and ``back_office_daily`` when those features are on.
    meta
        Run metadata (package version, git commit, wall time, workers).
    """

    scenario: Scenario
    seed: int
    replications: pd.DataFrame
    hourly: pd.DataFrame
    by_family: pd.DataFrame
    visits: pd.DataFrame | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def by_origin(self) -> pd.DataFrame:
        """One row per replication x origin province (cross-province KPIs)."""
        return self.tables.get("by_origin", pd.DataFrame())

    def origin_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per-origin completion KPIs: mean across replications with t intervals."""
        frame = self.by_origin
        if frame.empty:
            return frame
        metrics = [
            "arrivals",
            "served",
            "one_visit_rate",
            "xp_requests",
            "xp_completed",
            "xp_deferred",
            "xp_not_offered",
            "xp_completion_rate",
            "xp_window_time_mean_min",
        ]
        return group_summary(frame, ["origin"], metrics, level, sort=False)

    @property
    def n_replications(self) -> int:
        return len(self.replications)

    def summary(self, level: float = 0.95) -> pd.DataFrame:
        """KPI summary: index KPI name; columns ``mean``, ``ci_low``, ``ci_high`` (Student t
        across replications at ``level``), ``std`` and ``n`` (replications)."""
        return kpi_summary(self.replications, level)

    def hourly_summary(
        self, by: tuple[str, ...] = ("day_type", "hour"), level: float = 0.95
    ) -> pd.DataFrame:
        """Mean by hour of day (averaged over days within each replication first) with
        t confidence intervals across replications.

        ``utilisation`` of an hour slot is busy over open window-minutes **within opening
        hours**, summed over the days of the replication: NaN for slots wholly after
        closing, where windows stay open only to finish the residents already waiting
        (busy by construction). Those minutes are ``overtime_window_min``; ``busy_min`` and
        ``open_min`` count everything, overtime included (as the day's ``utilisation`` KPI).
        """
        metrics = [
            "arrivals",
            "served",
            "abandoned",
            "wait_mean_min",
            "queue_mean",
            "busy_min",
            "open_min",
            "overtime_window_min",
        ]
        metrics = [m for m in metrics if m in self.hourly.columns]
        keys = ["replication", *by]
        per_rep = self.hourly.groupby(keys)[metrics].mean()
        if {"busy_in_hours_min", "open_in_hours_min"} <= set(self.hourly.columns):
            sums = self.hourly.groupby(keys)[["busy_in_hours_min", "open_in_hours_min"]].sum()
            open_in = sums["open_in_hours_min"]
            per_rep["utilisation"] = (sums["busy_in_hours_min"] / open_in).where(open_in > 0)
        else:
            per_rep["utilisation"] = self.hourly.groupby(keys)["utilisation"].mean()
        return group_summary(per_rep.reset_index(), list(by), [*metrics, "utilisation"], level)

    def family_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per-family KPIs: mean across replications with t confidence intervals."""
        metrics = [
            "arrivals",
            "served",
            "abandoned",
            "balked",
            "wait_mean_min",
            "wait_p90_min",
            "service_mean_min",
            "service_level",
        ]
        return group_summary(self.by_family, ["family"], metrics, level, sort=False)
