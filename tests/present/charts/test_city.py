"""Tests for simulator.present.charts.city: completion by group and the spread of
centres across districts (the city)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulator.present import charts, style
from tests.present.charts.synthetic import (
    DISTRICTS,
    FOOTER,
    check_figure,
    make_centres,
    make_completion,
    texts_of,
    title_of,
)


def test_completion_by_group(tmp_path: Path) -> None:
    df = make_completion()
    fig = charts.completion_by_group(df, "province", target=0.8, footer=FOOTER)
    lowest = df.groupby("province")["completion_rate"].mean().min()
    assert f"from {style.fmt_pct(lowest)} (Anhui)" in title_of(fig)
    assert "2 of 4 below" in title_of(fig)
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
    assert "no data for 1" in title_of(fig)
    assert any(t == "no data" for t in texts_of(fig))
    check_figure(fig, tmp_path, "completion_empty")


def test_completion_labels_and_legend_outside(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {"province": ["A", "B", "C"], "mean": [0.95, 0.898, 0.7], "ci_low": [0.93, 0.88, 0.65],
         "ci_high": [0.97, 0.91, 0.75]}
    )  # fmt: skip
    fig = charts.completion_by_group(df, "province", target=0.9)
    assert "89.8%" in texts_of(fig) and "90%" not in texts_of(fig)
    assert fig.axes[0].get_legend() is None and fig.legends  # below the axes, not on bars
    check_figure(fig, tmp_path, "completion_near")


def test_spread_across(tmp_path: Path) -> None:
    centres = make_centres()
    fig = charts.spread_across(
        centres, "wait_p90_min", "district", value_label="p90 wait", unit="min", footer=FOOTER
    )
    k = int(np.ceil(len(centres) / 10))
    assert f"({k})" in title_of(fig)
    check_figure(fig, tmp_path, "spread")
    fig = charts.spread_across(
        centres.assign(sl=1 - centres["wait_p90_min"] / 100),
        "sl",
        "district",
        higher_is_worse=False,
        percent=True,
        order=[*DISTRICTS, "Industrial zone"],
    )
    assert "or less" in title_of(fig)
    check_figure(fig, tmp_path, "spread_low")
