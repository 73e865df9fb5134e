"""Tests for simulator.present.charts and simulator.present.style.

The synthetic-data builders are cached: treat their DataFrames as read-only.

Synthetic result tables are built here with numpy, shaped exactly like the simulator's
``summary``, ``hourly`` and ``visits`` outputs. Every chart is rendered (PNG and SVG)
for typical and edge inputs with warnings turned into errors.

Run ``python tests/present/test_charts.py docs/images`` to regenerate the example PNGs.
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
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


# --------------------------------------------------------------------------- fixtures / helpers


@pytest.fixture(autouse=True)
def _strict_warnings() -> Iterator[None]:
    """Any warning raised while rendering is a test failure."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


def _texts(fig: Figure) -> list[str]:
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


def _title(fig: Figure) -> str:
    assert fig._suptitle is not None
    text = fig._suptitle.get_text()
    return text if style.find_cjk_font() and max(text) >= "\u4e00" else text.replace("\n", " ")


# --------------------------------------------------------------------------- style


def test_number_formatting() -> None:
    assert style.fmt_num(34.4) == "34"
    assert style.fmt_num(6.24) == "6.2"
    assert style.fmt_num(0.0421) == "0.042"
    assert style.fmt_num(4800) == "4,800"
    assert style.fmt_num(float("nan")) == "n/a"
    assert style.fmt_pct(0.823) == "82%"
    assert style.fmt_pct(0.998) == "99.8%"
    assert style.fmt_pct(0.0004) == "0.04%"
    assert style.fmt_pct(1.0) == "100%"
    assert style.fmt_pct(0.0) == "0%"
    assert style.fmt_hour(9) == "09:00"


def test_series_styles_distinct_and_baseline_grey() -> None:
    names = [f"S{i}" for i in range(8)]
    st = style.series_styles(names, baseline="S0")
    assert st["S0"].color == style.BASELINE_COLOR
    others = [st[n] for n in names[1:]]
    assert len({s.color for s in others}) == 7
    assert len({s.marker for s in others}) == 7
    assert len({s.hatch for s in st.values()}) == 8


def test_mean_ci() -> None:
    vals = np.array([[1.0, np.nan, 5.0], [3.0, np.nan, np.nan]])
    mean, lo, hi, n = charts.mean_ci(vals)
    assert mean[0] == pytest.approx(2.0)
    assert lo[0] < 2.0 < hi[0]
    assert np.isnan(mean[1]) and np.isnan(lo[1])
    assert mean[2] == 5.0 and np.isnan(lo[2])
    assert list(n) == [2, 0, 1]


def test_wrap_text_cjk_and_latin() -> None:
    assert "\n" in style.wrap_text("word " * 60, 6.0, 12)
    assert "\n" in style.wrap_text("等候" * 60, 6.0, 12)


def test_ci_whiskers_clip_at_the_mean_and_skip_missing() -> None:
    _fig, axes = style.new_figure([style.DEFAULT_FAMILY])
    ax = axes[0]
    mean = np.array([0.5, 0.2, 0.4])
    lo, hi = np.array([0.4, np.nan, 0.45]), np.array([0.7, np.nan, 0.5])
    has_ci = np.isfinite(lo) & np.isfinite(hi)
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, has_ci, horizontal=True, scale=100.0)
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, has_ci)
    horizontal, vertical = ax.containers
    segs = [np.asarray(s) for s in horizontal.lines[2][0].get_segments()]
    assert np.allclose(segs[0], [[40, 0], [70, 0]]) and np.allclose(segs[1], [[40, 2], [50, 2]])
    segs = [np.asarray(s) for s in vertical.lines[2][0].get_segments()]
    assert np.allclose(segs[0], [[0, 0.4], [0, 0.7]]) and len(segs) == 2
    charts._ci_whiskers(ax, np.arange(3.0), mean, lo, hi, np.zeros(3, dtype=bool))
    assert len(ax.containers) == 2  # nothing drawn without an interval


# --------------------------------------------------------------------------- charts: typical


def test_wait_ecdf(tmp_path: Path) -> None:
    fig = charts.wait_ecdf(
        {"Baseline": make_visits(mean_wait=12), "Option B": make_visits(mean_wait=7, seed=4)},
        20,
        footer=FOOTER,
    )
    assert "20 min" in _title(fig) and "Option B" in _title(fig)
    check_figure(fig, tmp_path, "ecdf")


def test_wait_ecdf_many_scenarios(tmp_path: Path) -> None:
    data = {f"Option {c}": make_visits(mean_wait=5 + 2 * i, seed=i) for i, c in enumerate("ABCDE")}
    fig = charts.wait_ecdf(data, 20)
    assert "largest share of served residents" in _title(fig)
    check_figure(fig, tmp_path, "ecdf_many")


@pytest.mark.parametrize(
    "metric", ["queue_mean", "utilisation", "wait_mean_min", "arrivals", "served", "abandoned"]
)
def test_hourly_profile(tmp_path: Path, metric: str) -> None:
    fig = charts.hourly_profile(make_hourly(), metric, footer=FOOTER)
    assert ":00" in _title(fig)
    check_figure(fig, tmp_path, f"hourly_{metric}")


def test_overtime_over_several_hours_is_labelled_once(tmp_path: Path) -> None:
    """A queue left at closing time keeps the one window busy for hours of overtime: the
    hatched band after closing carries its label once, not once per hour."""
    from simulator import simulate
    from tests.conftest import make_scenario

    last_hour = [{"start": "11:00", "end": "12:00", "share": 1.0}]
    scn = make_scenario(
        centre={"daily_volume": 24},
        demand={"profiles": {"weekday": last_hour, "weekend": last_hour, "holiday": last_hour}},
    )
    hourly = simulate(scn, replications=2, seed=1).hourly
    overtime_hours = hourly.groupby("hour")["overtime_window_min"].max().gt(0).sum()
    assert overtime_hours >= 2  # 12:00, 13:00, ...
    fig = charts.hourly_profile(hourly, "utilisation", footer=FOOTER)
    labels = [t for ax in fig.axes for t in ax.texts if t.get_text() == "after closing"]
    assert len(labels) == 1
    check_figure(fig, tmp_path, "overtime_hours")


def test_hourly_profile_rejects_unknown_metric() -> None:
    with pytest.raises(ValueError, match="metric"):
        charts.hourly_profile(make_hourly(n_rep=1, n_days=1), "nonsense")


def test_kpi_comparison(tmp_path: Path) -> None:
    summaries = {
        "Baseline": make_summary(14, 34, 0.78, 0.06, 0.88, seed=1),
        "Option B": make_summary(7, 18, 0.93, 0.02, 0.80, seed=2),
        "Option C": make_summary(10, 25, 0.86, 0.04, 0.84, seed=3),
    }
    fig = charts.kpi_comparison(
        summaries,
        ["wait_p90_min", "wait_mean_min", "service_level", "abandonment_rate", "queue_mean"],
        baseline="Baseline",
        footer=FOOTER,
    )
    assert _title(fig).startswith("Option B cuts the 90th percentile wait from 34 min to 18 min")
    assert len([ax for ax in fig.axes]) == 3  # minutes, share, residents panels
    assert any(t == "Baseline" for t in _texts(fig))
    check_figure(fig, tmp_path, "kpi")


def test_kpi_comparison_long_names_wrap_in_a_legend_clear_of_the_axes(tmp_path: Path) -> None:
    """Options named in words ("5 comprehensive windows, no quick desk, all open at
    lunch") wrap in the legend row, which sits below the axes' labels and inside the page."""
    long = "5 comprehensive windows, no quick desk, all open at lunch"
    summaries = {
        "current": make_summary(14, 34, 0.78, 0.06, 0.88, seed=1),
        "recommended plan": make_summary(7, 18, 0.93, 0.02, 0.80, seed=2),
        long: make_summary(10, 25, 0.86, 0.04, 0.84, seed=3),
        long.replace("5", "6"): make_summary(9, 22, 0.9, 0.03, 0.82, seed=4),
    }
    fig = charts.kpi_comparison(
        summaries, ["service_level", "wait_mean_min"], baseline="current", footer=FOOTER
    )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    (leg,) = fig.legends
    texts = [t.get_text() for t in leg.get_texts()]
    assert any("\n" in t for t in texts) and long in [t.replace("\n", " ") for t in texts]
    box = leg.get_window_extent(renderer)
    assert box.x0 >= 0 and box.x1 <= fig.bbox.width
    for ax in fig.axes:
        assert box.y1 <= ax.get_tightbbox(renderer).y0 + 1, "legend overlaps the axis labels"
    check_figure(fig, tmp_path, "kpi_long_names")


def test_kpi_comparison_eight_scenarios_and_no_improvement(tmp_path: Path) -> None:
    summaries = {"Baseline": make_summary(8, 20, 0.9, 0.0, 0.8, seed=0)}
    for i in range(7):
        summaries[f"Alt {i}"] = make_summary(9 + i, 22 + i, 0.85, 0.0, 0.8, seed=i + 1)
    fig = charts.kpi_comparison(summaries, ["wait_mean_min"], baseline="Baseline")
    assert _title(fig).startswith("No option improves")
    check_figure(fig, tmp_path, "kpi8")
    with pytest.raises(ValueError):
        charts.kpi_comparison(summaries, ["wait_mean_min"], baseline="missing")


def test_utilisation_heatmap(tmp_path: Path) -> None:
    fig = charts.utilisation_heatmap(make_hourly(), footer=FOOTER)
    assert "peaks at" in _title(fig)
    assert any("utilisation (%)" in t for t in _texts(fig))
    check_figure(fig, tmp_path, "heat")
    fig = charts.utilisation_heatmap(make_hourly(n_rep=2), by="weekday")
    assert any(t == "Sat" for t in _texts(fig))
    check_figure(fig, tmp_path, "heat_weekday")


def test_cost_service_frontier(tmp_path: Path) -> None:
    options = make_options()
    fig = charts.cost_service_frontier(options, recommended="9 windows", target=0.9, footer=FOOTER)
    assert _title(fig).startswith("8 windows meet the target for less")
    assert "than 9 windows" in _title(fig) and "is recommended" not in _title(fig)
    assert fig.axes[0].get_xlabel() == "Cost per day (CNY)"
    check_figure(fig, tmp_path, "frontier")
    fig = charts.cost_service_frontier(options, recommended="8 windows", target=0.9)
    assert _title(fig).startswith("The cheapest option meeting the target, 8 windows, serves")
    fig = charts.cost_service_frontier(options, recommended="7 windows", target=0.9)
    assert _title(fig).startswith("7 windows miss the target")
    fig = charts.cost_service_frontier(options, cost_label="Staff cost (CNY per day)")
    assert fig.axes[0].get_xlabel() == "Staff cost (CNY per day)"
    fig = charts.cost_service_frontier(options)
    assert "cheapest" in _title(fig)
    check_figure(fig, tmp_path, "frontier_norec")
    assert list(
        charts.pareto_frontier(np.array([3.0, 1, 2, 4]), np.array([0.5, 0.4, 0.3, 0.9]))
    ) == [1, 0, 3]


def test_frontier_title_names_options_in_words_points_keep_codes() -> None:
    options = make_options()
    options["option"] = [f"C{i}+Q0 L50" for i in range(len(options))]
    words = {c: f"{c[1]} comprehensive windows, no quick desk" for c in options["option"]}
    rec = options["option"].iloc[-1]
    fig = charts.cost_service_frontier(options, recommended=rec, target=0.9, title_names=words)
    assert "comprehensive windows" in _title(fig) and "+Q0" not in _title(fig)
    assert any("+Q0" in t.get_text() for t in fig.axes[0].texts)  # the point labels


def _label_boxes(fig: Figure) -> list[Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    ax = fig.axes[0]
    # the text of each label (an annotation's own extent includes its leader line)
    return [matplotlib.text.Text.get_window_extent(t, renderer) for t in ax.texts
            if t.get_text() and not t.get_text().startswith("Target")]  # fmt: skip


def test_frontier_labels_do_not_overlap() -> None:
    """Options close together (a recommended plan at the same cost as its layout, two
    options of almost the same cost): only frontier points and the recommended one are
    labelled, and no two labels overlap."""
    options = pd.DataFrame(
        {
            "option": ["C4+Q0", "C4+Q1", "C5+Q0", "C6+Q0", "C5+Q1", "C6+Q1", "recommended plan"],
            "cost_per_day": [2892, 3479.5, 3607, 4182, 4194.5, 4769.5, 3607],
            "service_level": [0.673, 0.876, 0.921, 0.9751, 0.9750, 0.993, 0.940],
            "meets_target": [False, False, True, True, True, True, True],
        }
    )
    fig = charts.cost_service_frontier(options, "recommended plan", target=0.9)
    labels = {t.get_text() for t in fig.axes[0].texts} - {"Target 90%"}
    assert "recommended plan" in labels and "C5+Q1" not in labels and "C5+Q0" not in labels
    boxes = _label_boxes(fig)
    assert len(boxes) == len(labels)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_dense_frontier_labels_clear_of_labels_and_markers() -> None:
    """Sixty options crowded along the frontier (as a full recommender search gives):
    labels are measured on the finished figure, so none overlaps another label or sits
    on a marker."""
    rng = np.random.default_rng(3)
    rows = []
    for c in range(3, 8):
        for q in (0, 1):
            for lunch in (50, 75, 100):
                for mix in ("tiered", "all_round"):
                    cost = 700 * c + 250 * q + 3 * lunch + 150 * (mix == "all_round")
                    sl = min(0.999, 1 - np.exp(-(c + 0.6 * q - 2.2) * 0.9))
                    rows.append((f"C{c}+Q{q} L{lunch} {mix}", cost + rng.normal(0, 60),
                                 sl + rng.normal(0, 0.02)))  # fmt: skip
    options = pd.DataFrame(rows, columns=["option", "cost_per_day", "service_level"])
    options["meets_target"] = options["service_level"] >= 0.9
    fig = charts.cost_service_frontier(options, target=0.9)
    boxes = _label_boxes(fig)
    assert len(boxes) >= 5
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)
    ax = fig.axes[0]
    centres = ax.transData.transform(
        np.column_stack([options["cost_per_day"], 100 * options["service_level"]])
    )
    for box in boxes:
        assert not any(box.contains(x, y) for x, y in centres), box


def test_pct_near_target_and_plural_names() -> None:
    assert style.fmt_pct_vs(0.898, 0.9) == "89.8%"
    assert style.fmt_pct_vs(0.8999, 0.9) == "89.99%"
    assert style.fmt_pct_vs(0.95, 0.9) == "95%"
    assert style.fmt_pct_vs(0.9, 0.9) == "90%"
    assert style.fmt_pct_vs(0.9004, None) == "90%"
    assert style.is_plural_name("2 cross-province windows")
    assert style.is_plural_name("6 windows, no lunch cover")
    assert not style.is_plural_name("1 window")
    assert not style.is_plural_name("Option B") and not style.is_plural_name("C5+Q0")


def test_completion_labels_and_legend_outside(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"province": ["A", "B", "C"], "mean": [0.95, 0.898, 0.7], "ci_low": [0.93, 0.88, 0.65],
         "ci_high": [0.97, 0.91, 0.75]}
    )  # fmt: skip
    fig = charts.completion_by_group(df, "province", target=0.9)
    assert "89.8%" in _texts(fig) and "90%" not in _texts(fig)
    assert fig.axes[0].get_legend() is None and fig.legends  # below the axes, not on bars
    check_figure(fig, tmp_path, "completion_near")


def test_kpi_title_no_clear_difference_and_plurals() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [6.5], "ci_low": [5.6], "ci_high": [7.3]}, index=["wait_mean_min"])
    fig = charts.kpi_comparison({"current": base, "calibrated": alt}, ["wait_mean_min"], "current")
    assert _title(fig).startswith("No clear difference in the mean wait")
    # A paired interval excluding zero makes it a finding, with plural agreement.
    fig = charts.kpi_comparison(
        {"current": base, "2 cross-province windows": alt},
        ["wait_mean_min"],
        "current",
        differences={"2 cross-province windows": (-0.2, -0.3, -0.1)},
    )
    assert _title(fig).startswith("2 cross-province windows cut the mean wait from 6.7 min")
    fig = charts.kpi_comparison(
        {"current": base, "calibrated": alt},
        ["wait_mean_min"],
        "current",
        differences={"calibrated": (-0.2, -0.5, 0.1)},
    )
    assert "No clear difference" in _title(fig) and "paired difference" in _title(fig)


def test_computed_titles_start_with_a_capital_given_titles_are_kept() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [2.3], "ci_low": [2.0], "ci_high": [2.6]}, index=["wait_mean_min"])
    summaries = {"reference": base, "six comprehensive": alt}
    fig = charts.kpi_comparison(summaries, ["wait_mean_min"], "reference")
    assert _title(fig) == "Six comprehensive cuts the mean wait from 6.7 min to 2.3 min"
    fig = charts.kpi_comparison({"reference": base}, ["wait_mean_min"], "reference")
    assert _title(fig) == "Reference: mean wait 6.7 min"
    visits = {"p": make_visits(), "q": make_visits(seed=2), "r": make_visits(seed=3),
              "s": make_visits(seed=4)}  # fmt: skip
    assert _title(charts.wait_ecdf(visits, 20))[:1].isupper()
    given = "six comprehensive windows: my own words"
    fig = charts.kpi_comparison(summaries, ["wait_mean_min"], "reference", title=given)
    assert _title(fig) == given
    assert _title(charts.completion_by_group(make_completion(), "province", title="x")) == "x"


@pytest.mark.skipif(CJK is None, reason="no CJK font installed (e.g. apt install fonts-noto-cjk)")
def test_chinese_computed_titles_are_not_changed() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [2.3], "ci_low": [2.0], "ci_high": [2.6]}, index=["wait_mean_min"])
    fig = charts.kpi_comparison(
        {"reference": base, "six comprehensive": alt}, ["wait_mean_min"], "reference", lang="zh"
    )
    assert _title(fig).startswith("six comprehensive将平均等候时间")


def test_no_findfont_messages(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """Bold titles never ask a regular-only CJK font for bold (no findfont log lines)."""
    import logging

    with caplog.at_level(logging.INFO, logger="matplotlib.font_manager"):
        figs = [charts.cost_service_frontier(make_options(), "9 windows", target=0.9)]
        if CJK is not None:
            figs.append(charts.hourly_profile(make_hourly(n_rep=2), lang="zh"))
            figs.append(charts.completion_by_group(make_completion(), "province", lang="zh"))
            summaries = {
                "基准": make_summary(14, 34, 0.78, 0.06, 0.88),
                "方案B": make_summary(7, 18, 0.93, 0.02, 0.8),
            }
            figs.append(charts.kpi_comparison(summaries, ["wait_p90_min"], "基准"))
        for i, fig in enumerate(figs):
            charts.save_figure(fig, tmp_path / f"f{i}", formats=("png",))
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_wait_ecdf_from_grid(tmp_path: Path) -> None:
    visits = make_visits()
    grid = charts.wait_ecdf_grid(visits, 20)
    assert list(grid.columns[:3]) == ["replication", "served", "0"] and "20" in grid.columns
    assert len(grid) == 5 and (grid["65"] >= grid["20"]).all()
    fig = charts.wait_ecdf({"visits": visits, "grid": grid}, 20)
    share = [t for t in _title(fig).split(", ")]
    assert len(share) == 2 and share[0].split()[-1] == share[1].split()[-1]  # same share
    check_figure(fig, tmp_path, "ecdf_grid")


def test_completion_by_group(tmp_path: Path) -> None:
    df = make_completion()
    fig = charts.completion_by_group(df, "province", target=0.8, footer=FOOTER)
    lowest = df.groupby("province")["completion_rate"].mean().min()
    assert f"from {style.fmt_pct(lowest)} (Anhui)" in _title(fig)
    assert "2 of 4 below" in _title(fig)
    check_figure(fig, tmp_path, "completion")


def test_completion_by_group_preaggregated_and_empty_group(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "district": ["Pudong", "Minhang"],
            "mean": [0.9, 0.8],
            "ci_low": [0.85, 0.7],
            "ci_high": [0.95, 0.9],
        }
    )
    fig = charts.completion_by_group(df, "district", order=["Pudong", "Minhang", "Chongming"])
    assert "no data for 1" in _title(fig)
    assert any(t == "no data" for t in _texts(fig))
    check_figure(fig, tmp_path, "completion_empty")


def test_spread_across(tmp_path: Path) -> None:
    centres = make_centres()
    fig = charts.spread_across(
        centres, "wait_p90_min", "district", value_label="p90 wait", unit="min", footer=FOOTER
    )
    k = int(np.ceil(len(centres) / 10))
    assert f"({k})" in _title(fig)
    check_figure(fig, tmp_path, "spread")
    fig = charts.spread_across(
        centres.assign(sl=1 - centres["wait_p90_min"] / 100),
        "sl",
        "district",
        higher_is_worse=False,
        percent=True,
        order=[*DISTRICTS, "Industrial zone"],
    )
    assert "or less" in _title(fig)
    check_figure(fig, tmp_path, "spread_low")


#: A call of each chart that breaks its own rule (a chart without one raises no ValueError
#: of its own, and its docstring has no Raises section).
BAD_CALLS: dict[str, Callable[[], object]] = {
    "hourly_profile": lambda: charts.hourly_profile(make_hourly(1, 1), by="nonsense"),
    "utilisation_heatmap": lambda: charts.utilisation_heatmap(make_hourly(1, 1), by="nonsense"),
    "completion_by_group": lambda: charts.completion_by_group(make_completion(), "district"),
    "spread_across": lambda: charts.spread_across(make_centres(), "wait_min", "district"),
    "kpi_comparison": lambda: charts.kpi_comparison(
        {"A": make_summary(8, 20, 0.9, 0.0, 0.8)}, [], baseline="A"
    ),
    "cost_service_frontier": lambda: charts.cost_service_frontier(make_options(), "nonsense"),
}
#: The charts: every public function of the package that returns a Figure.
CHARTS = [
    name
    for name in charts.__all__
    if inspect.isfunction(f := getattr(charts, name))
    and inspect.signature(f).return_annotation in (Figure, "Figure")
]


@pytest.mark.parametrize("name", CHARTS)
def test_chart_docstrings_say_what_they_return_and_raise(name: str) -> None:
    """The shared tail of the charts' docstrings (CHART_DOCS) is rendered into each: a
    Figure returned, and a ValueError where the chart raises one, said with its own
    conditions."""
    doc = inspect.getdoc(getattr(charts, name)) or ""
    assert "\nReturns\n-------\nFigure" in doc, name
    raises = re.search(r"\nRaises\n------\nValueError\n    \S.*", doc)
    assert (raises is not None) == (name in BAD_CALLS), name
    if name in BAD_CALLS:
        with pytest.raises(ValueError):
            BAD_CALLS[name]()


def test_every_chart_is_in_the_docstring_check() -> None:
    assert set(CHARTS) == {"wait_ecdf", *BAD_CALLS}, CHARTS


# --------------------------------------------------------------------------- edge cases


def test_single_replication_everywhere(tmp_path: Path) -> None:
    """One scenario, one replication: no bands, footer says so; zero abandonment."""
    visits = make_visits(n_rep=1, abandon=0.0)
    hourly = make_hourly(n_rep=1, n_days=2).assign(abandoned=0)
    figs = {
        "ecdf1": charts.wait_ecdf({"Only": visits}, 10),
        "hourly1": charts.hourly_profile(hourly, "abandoned"),
        "kpi1": charts.kpi_comparison(
            {"Only": make_summary(5, 12, 0.95, 0.0, 0.7, n_rep=1)},
            ["abandonment_rate", "wait_mean_min"],
            baseline="Only",
        ),
        "heat1": charts.utilisation_heatmap(hourly),
        "comp1": charts.completion_by_group(make_completion(n_rep=1), "province"),
        "front1": charts.cost_service_frontier(
            make_options().assign(ci_low=np.nan, ci_high=np.nan)
        ),
    }
    for name, fig in figs.items():
        assert any("Single replication" in t for t in _texts(fig)), name
        check_figure(fig, tmp_path, name)
    assert "zero in every hour" in _title(figs["hourly1"])
    assert _title(figs["kpi1"]) == "Only: abandonment rate 0%"
    assert not any(
        c.__class__.__name__ == "FillBetweenPolyCollection"
        for c in figs["ecdf1"].axes[0].collections
    )


def test_all_nan_and_empty_inputs(tmp_path: Path) -> None:
    hourly = make_hourly(n_rep=2, n_days=1)
    nan_hourly = hourly.assign(
        wait_mean_min=np.nan, utilisation=np.nan, busy_min=0.0, open_min=0.0, arrivals=0, served=0
    )
    empty_visits = make_visits(n_rep=2).iloc[:0]
    balked_only = make_visits(n_rep=2).assign(outcome="balked", wait_min=np.nan)
    figs: dict[str, Callable[[], Figure]] = {
        "nan_wait": lambda: charts.hourly_profile(nan_hourly, "wait_mean_min"),
        "nan_heat": lambda: charts.utilisation_heatmap(nan_hourly),
        "no_served": lambda: charts.wait_ecdf({"A": empty_visits, "B": balked_only}, 15),
        "part_served": lambda: charts.wait_ecdf({"A": make_visits(n_rep=2), "B": balked_only}, 15),
        "nan_kpi": lambda: charts.kpi_comparison(
            {
                "A": make_summary(5, 9, 0.9, 0.0, 0.5).assign(
                    mean=np.nan, ci_low=np.nan, ci_high=np.nan
                ),
                "B": make_summary(5, 9, 0.9, 0.0, 0.5),
            },
            ["wait_mean_min", "not_a_kpi"],
            baseline="A",
        ),
        "nan_comp": lambda: charts.completion_by_group(
            make_completion().assign(completion_rate=np.nan), "province"
        ),
        "nan_spread": lambda: charts.spread_across(
            make_centres().assign(wait_p90_min=np.nan), "wait_p90_min", "district"
        ),
        "nan_front": lambda: charts.cost_service_frontier(
            make_options().assign(service_level=np.nan)
        ),
        "one_centre": lambda: charts.spread_across(
            make_centres().iloc[:1], "wait_p90_min", "district"
        ),
    }
    for name, build in figs.items():
        fig = build()
        assert _title(fig).strip(), name
        charts.save_figure(fig, tmp_path / name, formats=("png",))
    assert _title(charts.wait_ecdf({"A": empty_visits}, 15)) == "No served residents in the data"


def test_no_pyplot_state_leaks() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts.hourly_profile(make_hourly(n_rep=2, n_days=1))
    assert plt.get_fignums() == before
    assert matplotlib.rcParams["font.family"] == matplotlib.rcParamsDefault["font.family"]


# --------------------------------------------------------------------------- language


def test_zh_falls_back_to_english_with_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    with pytest.warns(style.CJKFontWarning, match="fonts-noto-cjk"):
        fig = charts.hourly_profile(make_hourly(n_rep=2, n_days=1), lang="zh")
    assert _title(fig).startswith("Queues peak")
    check_figure(fig, tmp_path, "fallback")


def test_cjk_lookup_ignores_last_resort_font() -> None:
    assert style.find_cjk_font() != "Last Resort High-Efficiency"


def test_bad_lang() -> None:
    with pytest.raises(ValueError):
        charts.hourly_profile(make_hourly(n_rep=1, n_days=1), lang="fr")


@pytest.mark.skipif(CJK is None, reason="no CJK font installed (e.g. apt install fonts-noto-cjk)")
def test_zh_labels_with_cjk_font(tmp_path: Path) -> None:
    hourly = make_hourly(n_rep=3)
    figs = [
        charts.wait_ecdf({"基准": make_visits(), "方案B": make_visits(mean_wait=6)}, 20, lang="zh"),
        charts.hourly_profile(hourly, "utilisation", lang="zh"),
        charts.kpi_comparison(
            {
                "基准": make_summary(14, 34, 0.78, 0.06, 0.88),
                "方案B": make_summary(7, 18, 0.93, 0.02, 0.8),
            },
            ["wait_p90_min", "service_level"],
            baseline="基准",
            lang="zh",
        ),
        charts.utilisation_heatmap(hourly, lang="zh"),
        charts.cost_service_frontier(make_options(), "9 windows", target=0.9, lang="zh"),
        charts.completion_by_group(make_completion(), "province", lang="zh"),
        charts.spread_across(
            make_centres(),
            "wait_p90_min",
            "district",
            value_label="第90百分位等候",
            unit="分钟",
            lang="zh",
        ),
    ]
    for i, fig in enumerate(figs):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in _title(fig)), _title(fig)
        assert any(
            ax.get_xlabel()
            and any("\u4e00" <= c <= "\u9fff" for c in ax.get_xlabel() + ax.get_ylabel())
            for ax in fig.axes
        )
        check_figure(fig, tmp_path, f"zh{i}")


# --------------------------------------------------------------------------- examples


def make_examples(outdir: Path, lang: str = "en") -> list[Path]:
    """Render every chart from synthetic data into ``outdir`` (PNG only)."""
    hourly = make_hourly()
    sfx = "" if lang == "en" else f"_{lang}"
    figs = {
        "wait_ecdf": charts.wait_ecdf(
            {
                "Baseline (8 windows)": make_visits(mean_wait=12),
                "Option B (9 windows)": make_visits(mean_wait=7, seed=4),
            },
            20,
            footer=FOOTER,
            lang=lang,
        ),
        "hourly_queue": charts.hourly_profile(hourly, "queue_mean", footer=FOOTER, lang=lang),
        "hourly_utilisation": charts.hourly_profile(
            hourly, "utilisation", footer=FOOTER, lang=lang
        ),
        "kpi_comparison": charts.kpi_comparison(
            {
                "Baseline": make_summary(14, 34, 0.78, 0.06, 0.88, seed=1),
                "Option B": make_summary(7, 18, 0.93, 0.02, 0.80, seed=2),
                "Option C": make_summary(10, 25, 0.86, 0.04, 0.84, seed=3),
            },
            ["wait_p90_min", "wait_mean_min", "service_level", "abandonment_rate"],
            baseline="Baseline",
            footer=FOOTER,
            lang=lang,
        ),
        "utilisation_heatmap": charts.utilisation_heatmap(hourly, footer=FOOTER, lang=lang),
        "cost_service_frontier": charts.cost_service_frontier(
            make_options(), "9 windows", target=0.9, footer=FOOTER, lang=lang
        ),
        "completion_by_province": charts.completion_by_group(
            make_completion(),
            "province",
            target=0.8,
            rate_label="Cross-province one-visit completion",
            group_label="Home province",
            footer=FOOTER,
            lang=lang,
        ),
        "spread_by_district": charts.spread_across(
            make_centres(),
            "wait_p90_min",
            "district",
            value_label="p90 wait",
            unit="min",
            group_label="District",
            footer=FOOTER,
            lang=lang,
        ),
    }
    written = []
    for name, fig in figs.items():
        written += charts.save_figure(fig, outdir / f"{name}{sfx}", formats=("png",))
    return written


@pytest.mark.slow  # every chart again, as in the docs; each is rendered by its own test above
def test_examples_render(tmp_path: Path) -> None:
    written = make_examples(tmp_path)
    assert len(written) == 8 and all(p.stat().st_size > 20_000 for p in written)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
    for path in make_examples(out):
        print(path)
