"""Tests for simulator.present.charts.options: KPI comparison of options and the
cost / service frontier (the recommendation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator.present import charts
from tests.present.charts.synthetic import (
    CJK,
    FOOTER,
    check_figure,
    make_completion,
    make_options,
    make_summary,
    make_visits,
    texts_of,
    title_of,
)


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
    assert title_of(fig).startswith("Option B cuts the 90th percentile wait from 34 min to 18 min")
    assert len([ax for ax in fig.axes]) == 3  # minutes, share, residents panels
    assert any(t == "Baseline" for t in texts_of(fig))
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
    assert title_of(fig).startswith("No option improves")
    check_figure(fig, tmp_path, "kpi8")
    with pytest.raises(ValueError):
        charts.kpi_comparison(summaries, ["wait_mean_min"], baseline="missing")


def test_kpi_title_no_clear_difference_and_plurals() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [6.5], "ci_low": [5.6], "ci_high": [7.3]}, index=["wait_mean_min"])
    fig = charts.kpi_comparison({"current": base, "calibrated": alt}, ["wait_mean_min"], "current")
    assert title_of(fig).startswith("No clear difference in the mean wait")
    # A paired interval excluding zero makes it a finding, with plural agreement.
    fig = charts.kpi_comparison(
        {"current": base, "2 cross-province windows": alt},
        ["wait_mean_min"],
        "current",
        differences={"2 cross-province windows": (-0.2, -0.3, -0.1)},
    )
    assert title_of(fig).startswith("2 cross-province windows cut the mean wait from 6.7 min")
    fig = charts.kpi_comparison(
        {"current": base, "calibrated": alt},
        ["wait_mean_min"],
        "current",
        differences={"calibrated": (-0.2, -0.5, 0.1)},
    )
    assert "No clear difference" in title_of(fig) and "paired difference" in title_of(fig)


def test_computed_titles_start_with_a_capital_given_titles_are_kept() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [2.3], "ci_low": [2.0], "ci_high": [2.6]}, index=["wait_mean_min"])
    summaries = {"reference": base, "six comprehensive": alt}
    fig = charts.kpi_comparison(summaries, ["wait_mean_min"], "reference")
    assert title_of(fig) == "Six comprehensive cuts the mean wait from 6.7 min to 2.3 min"
    fig = charts.kpi_comparison({"reference": base}, ["wait_mean_min"], "reference")
    assert title_of(fig) == "Reference: mean wait 6.7 min"
    visits = {"p": make_visits(), "q": make_visits(seed=2), "r": make_visits(seed=3),
              "s": make_visits(seed=4)}  # fmt: skip
    assert title_of(charts.wait_ecdf(visits, 20))[:1].isupper()
    given = "six comprehensive windows: my own words"
    fig = charts.kpi_comparison(summaries, ["wait_mean_min"], "reference", title=given)
    assert title_of(fig) == given
    assert title_of(charts.completion_by_group(make_completion(), "province", title="x")) == "x"


@pytest.mark.skipif(CJK is None, reason="no CJK font installed (e.g. apt install fonts-noto-cjk)")
def test_chinese_computed_titles_are_not_changed() -> None:
    base = pd.DataFrame({"mean": [6.7], "ci_low": [5.9], "ci_high": [7.5]}, index=["wait_mean_min"])
    alt = pd.DataFrame({"mean": [2.3], "ci_low": [2.0], "ci_high": [2.6]}, index=["wait_mean_min"])
    fig = charts.kpi_comparison(
        {"reference": base, "six comprehensive": alt}, ["wait_mean_min"], "reference", lang="zh"
    )
    assert title_of(fig).startswith("six comprehensive将平均等候时间")


def test_cost_service_frontier(tmp_path: Path) -> None:
    options = make_options()
    fig = charts.cost_service_frontier(options, recommended="9 windows", target=0.9, footer=FOOTER)
    assert title_of(fig).startswith("8 windows meet the target for less")
    assert "than 9 windows" in title_of(fig) and "is recommended" not in title_of(fig)
    assert fig.axes[0].get_xlabel() == "Cost per day (CNY)"
    check_figure(fig, tmp_path, "frontier")
    fig = charts.cost_service_frontier(options, recommended="8 windows", target=0.9)
    assert title_of(fig).startswith("The cheapest option meeting the target, 8 windows, serves")
    fig = charts.cost_service_frontier(options, recommended="7 windows", target=0.9)
    assert title_of(fig).startswith("7 windows miss the target")
    fig = charts.cost_service_frontier(options, cost_label="Staff cost (CNY per day)")
    assert fig.axes[0].get_xlabel() == "Staff cost (CNY per day)"
    fig = charts.cost_service_frontier(options)
    assert "cheapest" in title_of(fig)
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
    assert "comprehensive windows" in title_of(fig) and "+Q0" not in title_of(fig)
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
