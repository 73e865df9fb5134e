"""Synthetic result tables for the chart tests, and the checks every chart's figure passes.

The builders are cached: treat their DataFrames as read-only. They are built with numpy,
shaped exactly like the simulator's ``summary``, ``hourly`` and ``visits`` outputs.
"""

from __future__ import annotations

import functools
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from simulator.present import charts, style

matplotlib.use("Agg")

FOOTER = "Source: scenario reference_centre · seed 20240501 · svcsim 0.1.0 (synthetic test data)"
CJK = style.find_cjk_font()
DISTRICTS = [
    "Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu", "Pudong",
    "Minhang", "Baoshan", "Jiading", "Jinshan", "Songjiang", "Qingpu", "Fengxian", "Chongming",
]  # fmt: skip


# --------------------------------------------------------------------------- synthetic data


@functools.cache
def make_visits(
    n_rep: int = 5,
    mean_wait: float = 9.0,
    n_per_rep: int = 400,
    seed: int = 0,
    abandon: float = 0.05,
) -> pd.DataFrame:
    """One row per resident, like the simulator's visits table."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(n_rep):
        n = n_per_rep
        outcome = rng.choice(
            ["served", "abandoned", "balked", "unserved"],
            size=n,
            p=[1 - abandon - 0.02, abandon, 0.01, 0.01],
        )
        waited = rng.random(n) > 0.25
        wait = np.where(waited, rng.gamma(1.6, mean_wait * (1 + 0.05 * rep) / 1.6 / 0.75, n), 0.0)
        wait = np.where(outcome == "balked", np.nan, wait)
        rows.append(
            pd.DataFrame(
                {
                    "replication": rep,
                    "day": rng.integers(0, 5, n),
                    "arrival_min": rng.uniform(510, 1020, n),
                    "family": rng.choice(["quick", "standard", "complex"], n),
                    "outcome": outcome,
                    "wait_min": wait,
                    "service_min": rng.lognormal(np.log(7), 0.7, n),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


WEEKDAY_SHARE = {
    8: 0.03,
    9: 0.16,
    10: 0.16,
    11: 0.10,
    12: 0.06,
    13: 0.11,
    14: 0.14,
    15: 0.13,
    16: 0.11,
}
WEEKEND_SHARE = {9: 0.40, 10: 0.35, 11: 0.25}


@functools.cache
def make_hourly(n_rep: int = 8, n_days: int = 7, seed: int = 1) -> pd.DataFrame:
    """One row per replication x day x hour, like the simulator's hourly table."""
    rng = np.random.default_rng(seed)
    rows = []
    for rep in range(n_rep):
        for day in range(n_days):
            weekend = day % 7 >= 5
            share = WEEKEND_SHARE if weekend else WEEKDAY_SHARE
            volume = (70 if weekend else 200) * rng.gamma(60, 1 / 60)
            windows = 5 if weekend else 8
            for hour in range(24):
                s = share.get(hour, 0.0)
                open_min = (
                    windows * 60.0 * (0.5 if hour in (8, 12) and not weekend else 1.0) if s else 0.0
                )
                arrivals = int(rng.poisson(volume * s))
                served = arrivals - int(rng.binomial(arrivals, 0.03)) if arrivals else 0
                busy = min(open_min, served * 8.0 * rng.uniform(0.9, 1.1))
                load = busy / open_min if open_min else np.nan
                queue = float(max(0.0, rng.normal(12 * load**4, 0.3))) if open_min else 0.0
                rows.append(
                    {
                        "replication": rep,
                        "day": day,
                        "day_type": "weekend" if weekend else "weekday",
                        "hour": hour,
                        "arrivals": arrivals,
                        "served": served,
                        "abandoned": arrivals - served,
                        "wait_mean_min": queue * 8 / max(windows, 1) * 1.5 if served else np.nan,
                        "queue_mean": queue,
                        "busy_min": busy,
                        "open_min": open_min,
                        "utilisation": load,
                    }
                )
    return pd.DataFrame(rows)


@functools.cache
def make_summary(
    wait_mean: float,
    p90: float,
    sl: float,
    abandon: float,
    util: float,
    n_rep: int = 10,
    seed: int = 0,
) -> pd.DataFrame:
    """KPI summary table (mean, ci_low, ci_high); NaN CI for one replication."""
    rng = np.random.default_rng(seed)
    means = {
        "arrivals": 200.0,
        "served": 200 * (1 - abandon),
        "abandoned": 200 * abandon,
        "abandonment_rate": abandon,
        "wait_mean_min": wait_mean,
        "wait_p90_min": p90,
        "wait_p95_min": p90 * 1.25,
        "p_wait_gt0": 0.7,
        "service_level": sl,
        "utilisation": util,
        "queue_mean": wait_mean * 0.4,
        "overtime_min": 12.0,
    }
    rows = {}
    for k, m in means.items():
        if n_rep > 1:
            half = abs(m) * rng.uniform(0.03, 0.12)
            rows[k] = (m, m - half, m + half)
        else:
            rows[k] = (m, np.nan, np.nan)
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high"])


def make_options() -> pd.DataFrame:
    """Staffing options for the cost / service frontier (a fresh copy: tests may edit it)."""
    return _options().copy()


@functools.cache
def _options() -> pd.DataFrame:
    windows = np.arange(5, 12)
    sl = np.array([0.62, 0.74, 0.84, 0.91, 0.95, 0.965, 0.97])
    cost = windows * 1.3 * 620.0
    df = pd.DataFrame(
        {
            "option": [f"{w} windows" for w in windows],
            "cost_per_day": cost,
            "service_level": sl,
            "ci_low": sl - 0.02,
            "ci_high": np.minimum(sl + 0.02, 1.0),
        }
    )
    extra = pd.DataFrame(
        {
            "option": ["8 windows, no chain skills"],
            "cost_per_day": [8 * 1.3 * 620.0 + 150],
            "service_level": [0.86],
            "ci_low": [0.84],
            "ci_high": [0.88],
        }
    )
    df = pd.concat([df, extra], ignore_index=True)
    df["meets_target"] = df["service_level"] >= 0.9
    return df


@functools.cache
def make_completion(n_rep: int = 10, seed: int = 2) -> pd.DataFrame:
    """Per replication x province cross-province one-visit completion rate."""
    rng = np.random.default_rng(seed)
    base = {"Shanghai": 0.95, "Zhejiang": 0.83, "Jiangsu": 0.78, "Anhui": 0.64}
    return pd.DataFrame(
        [
            {
                "province": p,
                "replication": r,
                "completion_rate": float(np.clip(rng.normal(m, 0.03), 0, 1)),
            }
            for p, m in base.items()
            for r in range(n_rep)
        ]
    )


@functools.cache
def make_centres(seed: int = 3) -> pd.DataFrame:
    """One row per centre: district and p90 wait."""
    rng = np.random.default_rng(seed)
    counts = [10, 13, 10, 14, 10, 8, 12, 36, 14, 13, 11, 11, 17, 11, 12, 18]
    rows = []
    for d, n in zip(DISTRICTS, counts, strict=True):
        level = rng.uniform(12, 28)
        for i in range(n):
            rows.append(
                {
                    "district": d,
                    "centre": f"{d}-{i + 1}",
                    "wait_p90_min": rng.lognormal(np.log(level), 0.35),
                }
            )
    return pd.DataFrame(rows)


#: The scalar checks of a calibration's validation, in the order it writes them.
VALIDATION_KPIS = [
    "visits_per_weekday", "visits_per_weekend_day", "wait_mean_min", "wait_p50_min",
    "wait_p90_min", "abandonment_rate", "service_mean_min", "utilisation",
]  # fmt: skip


def make_validation(verdicts: tuple[str, ...]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A calibration's validation tables (``validation.csv``, ``validation_hourly.csv``,
    ``validation_daily.csv``): one scalar check per verdict and the hourly check (no
    prediction interval), weekday hours 9-16, held-out days across New Year."""
    n = len(verdicts)
    table = pd.DataFrame(
        {
            "kpi": [*VALIDATION_KPIS[:n], "utilisation_by_hour"],
            "historical": [*np.linspace(9.0, 11.0, n), 1.0],
            "sim_mean": [*np.full(n, 10.0), np.nan],
            "pi_low": [*np.full(n, 8.0), np.nan],
            "pi_high": [*np.full(n, 12.0), np.nan],
            "verdict": [*verdicts, "consistent"],
        }
    )
    hours = np.arange(9, 17)
    hourly = pd.DataFrame(
        {"hour": hours, "historical": 0.7, "sim_mean": 0.72, "pi_low": 0.6, "pi_high": 0.8}
    )
    dates = pd.date_range("2025-12-15", "2026-02-10", freq="D")
    daily = pd.DataFrame(
        {
            "date": dates,
            "open": dates.day_of_week < 5,
            "historical": 900.0,
            "sim_mean": 910.0,
            "band_low": 850.0,
            "band_high": 970.0,
        }
    )
    return table, hourly, daily


def make_profiles() -> pd.DataFrame:
    """A calibration's ``arrival_profiles.csv``: weekdays in half-hour bins 9-17 with one
    bin the fit misses, weekends in hour bins 9-12."""
    starts = np.arange(540, 1020, 30)
    observed = 20 + 10 * np.sin(np.arange(len(starts)) / 3)
    fitted = observed.copy()
    fitted[4] += 8  # four standard errors away
    weekday = pd.DataFrame(
        {"day_type": "weekday", "days": 40, "start_min": starts, "end_min": starts + 30,
         "observed": observed, "observed_se": 2.0, "fitted": fitted}
    )  # fmt: skip
    weekend = pd.DataFrame(
        {"day_type": "weekend", "days": 16, "start_min": [540, 600, 660],
         "end_min": [600, 660, 720], "observed": [12.0, 15.0, 9.0], "observed_se": 1.5,
         "fitted": [12.5, 14.0, 9.5]}
    )  # fmt: skip
    return pd.concat([weekday, weekend], ignore_index=True)


def make_qq() -> pd.DataFrame:
    """A calibration's ``service_qq.csv``: two families, the second fit rejected."""
    rng = np.random.default_rng(4)
    frames = []
    for group, level, p in (("general", "all", 0.4), ("complex", "proficient", 0.01)):
        x = np.sort(rng.lognormal(2.0, 0.5, 300))
        theo = np.quantile(x, (np.arange(300) + 0.5) / 300) * 1.02
        frames.append(
            pd.DataFrame(
                {
                    "group": group,
                    "level": level,
                    "dist": "lognormal",
                    "n": 300,
                    "mean": x.mean(),
                    "cv": x.std() / x.mean(),
                    "gof_pvalue": p,
                    "theoretical": theo,
                    "observed": x,
                    "env_low": theo * 0.9,
                    "env_high": theo * 1.1,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def make_patience(
    km: bool = True, best: str | None = "lognormal"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A calibration's ``fit_patience.csv`` and ``patience_km.csv`` (no curve without
    ``km``; patience not identifiable without ``best``)."""
    fit = pd.DataFrame(
        [("best", best), ("lognormal_median_min", 40.0), ("lognormal_sigma", 0.8),
         ("exponential_mean_min", 60.0), ("km_median_min", None), ("n_exact", 120),
         ("n_right", 3000), ("n_left", 0 if km else 1500), ("n_balked", 3), ("n_unknown", 0)],
        columns=["statistic", "value"],
    )  # fmt: skip
    t = np.linspace(1, 60, 50)
    curve = pd.DataFrame(
        {"time_min": t, "at_risk": np.linspace(3000, 500, 50).round(), "events": 2,
         "survival": np.exp(-t / 60)}
    )  # fmt: skip
    return fit, curve if km else curve.iloc[:0]


def texts_of(fig: Figure) -> list[str]:
    """Every non-empty text of the figure."""
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def check_figure(fig: Figure, tmp_path: Path, name: str) -> None:
    """Title, axis labels, rendering and saved files."""
    assert isinstance(fig, Figure)
    assert fig._suptitle is not None and fig._suptitle.get_text().strip()
    data_axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    for ax in data_axes:
        if ax.get_xticks().size or ax.get_yticks().size:  # not a "no data" panel
            assert ax.get_xlabel().strip() or ax.get_ylabel().strip()
    written = charts.save_figure(fig, tmp_path / name)
    assert [p.suffix for p in written] == [".png", ".svg"]
    for p in written:
        assert p.exists() and p.stat().st_size > 5_000, p


def title_of(fig: Figure) -> str:
    """The figure's title, on one line unless it is Chinese (CJK titles wrap by character)."""
    assert fig._suptitle is not None
    text = fig._suptitle.get_text()
    return text if style.find_cjk_font() and max(text) >= "\u4e00" else text.replace("\n", " ")
