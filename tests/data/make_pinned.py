"""Regenerate tests/data/pinned_results.json: KPI summaries of the shipped scenarios.

The city run is pinned twice: its per-centre KPIs as numbers, and its hourly, daily,
by-family and wait-histogram tables as fingerprints (:func:`fingerprint`: shape, columns,
a hash of the whole table, a hash of each replication x centre, column sums and a few
spot rows), so that a change says which table, which centre and which column moved.

The numbers pin the engine's behaviour at a fixed seed so that refactoring and speed work
can prove they change nothing. Regenerate only for a deliberate change of results, and say
why in CHANGELOG.md::

    python tests/data/make_pinned.py
"""

from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("pinned_results.json")

#: (scenario, overrides, replications): small runs of every shipped primary scenario.
CASES: list[tuple[str, list[str], int]] = [
    ("reference", ["calendar.days=7"], 3),
    ("busy", ["calendar.days=5"], 3),
    ("cross_province", ["calendar.days=5"], 3),
    ("validation/mmc", [], 3),
]
SEED = 20261201

#: The city run's tables pinned as fingerprints (case name: CityResults attribute).
TABLES: dict[str, str] = {
    "city_huangpu_3d_hourly": "hourly",
    "city_huangpu_3d_daily": "daily",
    "city_huangpu_3d_by_family": "by_family",
    "city_huangpu_3d_wait_hist": "wait_hist",
}


def _clean(x: Any) -> Any:
    if isinstance(x, float) and math.isnan(x):
        return None
    return x


def _numbers(frame: Any) -> dict[str, list[float | None]]:
    """The numeric columns of a frame as lists of floats (NaN as None)."""
    numeric = frame.select_dtypes("number")
    return {col: [_clean(float(v)) for v in numeric[col].to_numpy()] for col in numeric.columns}


def _plain(x: Any) -> Any:
    """A JSON value: numpy scalars to Python, dates to ISO text, NaN to None."""
    if hasattr(x, "item"):
        x = x.item()
    if hasattr(x, "isoformat"):
        x = x.isoformat()
    return _clean(x)


def _digest(rows: list[list[Any]]) -> str:
    """Short hash of rows of plain values (floats by their shortest exact repr)."""
    text = json.dumps(rows, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def hist_frame(hist: Any, centre_ids: list[str]) -> Any:
    """The wait histograms (replication x centre x bin counts) as a long table of the
    non-empty bins: ``replication``, ``centre_id``, ``bin``, ``wait_low_min``, ``count``."""
    import numpy as np
    import pandas as pd

    from simulator.city.summary import WAIT_EDGES

    rep, cen, b = np.nonzero(hist)
    return pd.DataFrame(
        {
            "replication": rep,
            "centre_id": np.asarray(centre_ids, dtype=object)[cen],
            "bin": b,
            "wait_low_min": WAIT_EDGES[b],
            "count": hist[rep, cen, b],
        }
    )


def fingerprint(table: Any) -> dict[str, Any]:
    """A compact, readable pin of a table with ``replication`` and ``centre_id`` columns.

    ``rows`` and ``columns``; ``sha``, a hash of every value in order; ``groups``, a hash
    per ``replication/centre_id`` (where it differs); ``sums`` of the numeric columns
    (what differs); ``spots``, the first, middle and last rows in full.
    """
    cols = [str(c) for c in table.columns]
    rows = [[_plain(v) for v in r] for r in table.itertuples(index=False, name=None)]
    groups: dict[str, list[list[Any]]] = {}
    ri, ci = cols.index("replication"), cols.index("centre_id")
    for r in rows:
        groups.setdefault(f"{r[ri]}/{r[ci]}", []).append(r)
    numeric = table.select_dtypes("number")
    n = len(rows)
    spots = sorted({0, n // 2, n - 1}) if n else []
    return {
        "rows": n,
        "columns": cols,
        "sha": _digest(rows),
        "groups": {k: _digest(v) for k, v in groups.items()},
        "sums": {str(c): _plain(float(numeric[c].sum())) for c in numeric.columns},
        "spots": {str(i): dict(zip(cols, rows[i], strict=True)) for i in spots},
    }


def table_differences(case: str, want: dict[str, Any], got: dict[str, Any]) -> list[str]:
    """Where a pinned table fingerprint and a new one differ, one line per finding,
    naming the table, the replication/centre groups, the columns and the spot rows."""
    out: list[str] = []
    for key in ("rows", "columns"):
        if want[key] != got[key]:
            out.append(f"{case}: {key} {want[key]} -> {got[key]}")
    groups = sorted(set(want["groups"]) | set(got["groups"]))
    moved = [g for g in groups if want["groups"].get(g) != got["groups"].get(g)]
    if moved:
        out.append(f"{case}: rows of replication/centre {', '.join(moved)} changed")
    for col, w in want["sums"].items():
        if w != got["sums"].get(col):
            out.append(f"{case}: sum of column {col!r} {w} -> {got['sums'].get(col)}")
    for i, w in want["spots"].items():
        if i not in got["spots"]:
            continue  # the table's length changed (said above)
        g = got["spots"][i]
        diff = {c: (w[c], g.get(c)) for c in w if w[c] != g.get(c)}
        if diff:
            out.append(f"{case}: row {i} (pinned, now) {diff}")
    if want["sha"] != got["sha"] and not out:
        out.append(f"{case}: values changed (same shape, sums and spot rows; hash differs)")
    return out


def compute() -> dict[str, Any]:
    """Every pinned figure, keyed by case."""
    from simulator import load_scenario, simulate
    from simulator.city.build import build_city
    from simulator.city.run import run_city

    out: dict[str, Any] = {}
    for name, overrides, reps in CASES:
        res = simulate(load_scenario(name, overrides=overrides), replications=reps, seed=SEED)
        out[name] = _numbers(res.replications)
    city = build_city(start_date="2026-04-29", days=3, districts=["Huangpu"])
    cres = run_city(city, replications=2, seed=SEED, workers=1)
    out["city_huangpu_3d"] = _numbers(cres.centres.drop(columns="seconds"))
    assert cres.wait_hist is not None  # collected by default
    tables = {
        "hourly": cres.hourly,
        "daily": cres.daily,
        "by_family": cres.by_family,
        "wait_hist": hist_frame(cres.wait_hist, list(city.centre_ids)),
    }
    for case, attr in TABLES.items():
        out[case] = fingerprint(tables[attr])
    return out


if __name__ == "__main__":
    OUT.write_text(json.dumps(compute(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")
