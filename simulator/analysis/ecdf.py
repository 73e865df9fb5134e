"""The wait distribution of a run, kept compactly: per-replication ECDFs on a grid.

``wait_ecdf.csv`` of a run folder holds :func:`wait_ecdf_grid` of its per-visit table:
about 100 numbers per replication instead of one row per resident, enough for
:func:`simulator.present.charts.wait_ecdf` and the report to overlay the wait
distributions of several runs. Numpy and pandas only (no chart code), so the run writes
it alongside its other tables.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

__all__ = ["ecdf_grid_minutes", "grid_column", "wait_ecdf_grid"]


def ecdf_grid_minutes(max_wait_min: float, target_wait_min: float | None = None) -> np.ndarray:
    """The wait grid of :func:`wait_ecdf_grid`: every minute to 60, then every 5 minutes.

    Reaches at least ``max_wait_min`` (rounded up to 5 minutes; at least 60) and
    contains ``target_wait_min``.
    """
    top = max(60.0, 5.0 * math.ceil(max(0.0, float(max_wait_min)) / 5.0))
    grid = np.concatenate([np.arange(0.0, 61.0), np.arange(65.0, top + 1.0, 5.0)])
    if target_wait_min is not None and math.isfinite(target_wait_min):
        grid = np.union1d(grid, [float(target_wait_min)])
    return grid


def grid_column(t: float) -> str:
    """The column name of grid minute ``t`` in :func:`wait_ecdf_grid`."""
    return f"{t:g}"


def wait_ecdf_grid(
    visits: pd.DataFrame, target_wait_min: float | None = None, grid: Sequence[float] | None = None
) -> pd.DataFrame:
    """Per-replication ECDF of the waits of served residents on a grid of minutes.

    A compact stand-in for the per-visit table that :func:`wait_ecdf` (and the report)
    can overlay across options: 20 replications x about 100 grid points.

    Parameters
    ----------
    visits : DataFrame
        ``visits`` table (``replication``, ``outcome``, ``wait_min``).
    target_wait_min : float, optional
        Included in the default grid.
    grid : sequence of float, optional
        Minutes; default :func:`ecdf_grid_minutes` up to the largest wait.

    Returns
    -------
    DataFrame
        One row per replication: ``replication``, ``served`` (residents served), then
        one column per grid minute ``t`` (named ``f"{t:g}"``) holding the share of
        served residents who waited at most ``t`` minutes (NaN when none was served).
    """
    v = visits if "replication" in visits.columns else visits.assign(replication=0)
    waits = v["wait_min"].astype(float)
    served = v[(v["outcome"] == "served") & np.isfinite(waits)]
    reps = sorted(pd.unique(v["replication"]))
    if grid is None:
        top = float(served["wait_min"].max()) if len(served) else 0.0
        grid_arr = ecdf_grid_minutes(top, target_wait_min)
    else:
        grid_arr = np.asarray(sorted(set(float(g) for g in grid)), dtype=float)
    by_rep = {r: np.sort(g["wait_min"].to_numpy(dtype=float)) for r, g in served.groupby(
        "replication", sort=True, observed=True)}  # fmt: skip
    rows = []
    for r in reps:
        w = by_rep.get(r, np.empty(0))
        shares = (
            np.searchsorted(w, grid_arr, side="right") / w.size
            if w.size
            else np.full(grid_arr.size, np.nan)
        )
        rows.append([r, w.size, *shares])
    cols = ["replication", "served", *[grid_column(t) for t in grid_arr]]
    return pd.DataFrame(rows, columns=cols)
