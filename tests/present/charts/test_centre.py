"""Tests for simulator.present.charts.centre: wait distribution, hourly profile,
utilisation heatmap (a centre's run)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.present import charts
from tests.present.charts.synthetic import (
    FOOTER,
    check_figure,
    make_hourly,
    make_visits,
    texts_of,
    title_of,
)


def test_wait_ecdf(tmp_path: Path) -> None:
    fig = charts.wait_ecdf(
        {"Baseline": make_visits(mean_wait=12), "Option B": make_visits(mean_wait=7, seed=4)},
        20,
        footer=FOOTER,
    )
    assert "20 min" in title_of(fig) and "Option B" in title_of(fig)
    check_figure(fig, tmp_path, "ecdf")


def test_wait_ecdf_many_scenarios(tmp_path: Path) -> None:
    data = {f"Option {c}": make_visits(mean_wait=5 + 2 * i, seed=i) for i, c in enumerate("ABCDE")}
    fig = charts.wait_ecdf(data, 20)
    assert "largest share of served residents" in title_of(fig)
    check_figure(fig, tmp_path, "ecdf_many")


@pytest.mark.parametrize(
    "metric", ["queue_mean", "utilisation", "wait_mean_min", "arrivals", "served", "abandoned"]
)
def test_hourly_profile(tmp_path: Path, metric: str) -> None:
    fig = charts.hourly_profile(make_hourly(), metric, footer=FOOTER)
    assert ":00" in title_of(fig)
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


def test_utilisation_heatmap(tmp_path: Path) -> None:
    fig = charts.utilisation_heatmap(make_hourly(), footer=FOOTER)
    assert "peaks at" in title_of(fig)
    assert any("utilisation (%)" in t for t in texts_of(fig))
    check_figure(fig, tmp_path, "heat")
    fig = charts.utilisation_heatmap(make_hourly(n_rep=2), by="weekday")
    assert any(t == "Sat" for t in texts_of(fig))
    check_figure(fig, tmp_path, "heat_weekday")


def test_wait_ecdf_from_grid(tmp_path: Path) -> None:
    visits = make_visits()
    grid = charts.wait_ecdf_grid(visits, 20)
    assert list(grid.columns[:3]) == ["replication", "served", "0"] and "20" in grid.columns
    assert len(grid) == 5 and (grid["65"] >= grid["20"]).all()
    fig = charts.wait_ecdf({"visits": visits, "grid": grid}, 20)
    share = [t for t in title_of(fig).split(", ")]
    assert len(share) == 2 and share[0].split()[-1] == share[1].split()[-1]  # same share
    check_figure(fig, tmp_path, "ecdf_grid")
