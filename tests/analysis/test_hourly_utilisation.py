"""Hourly utilisation is defined within opening hours; overtime after closing is apart."""

from __future__ import annotations

import re

import numpy as np
import pytest

from simulator import load_scenario, simulate
from simulator.present import charts


@pytest.fixture(scope="module")
def res():  # type: ignore[no-untyped-def]
    return simulate(
        load_scenario("reference", overrides=["calendar.days=3"]), replications=3, seed=7
    )


def test_hourly_columns_add_up(res) -> None:  # type: ignore[no-untyped-def]
    h = res.hourly
    close = res.scenario.hours["weekday"].close
    after = h["hour"] * 60 >= close
    assert after.any(), "the reference centre works overtime after closing"
    assert h.loc[after, "utilisation"].isna().all()
    assert (h.loc[after, "overtime_window_min"] > 0).any()
    assert (h.loc[~after, "overtime_window_min"] == 0).all()
    assert np.allclose(h["open_in_hours_min"] + h["overtime_window_min"], h["open_min"])
    assert (h["busy_in_hours_min"] <= h["busy_min"] + 1e-9).all()
    # the day's utilisation KPI still counts overtime: it equals the hourly totals
    tot = h.groupby("replication")[["busy_min", "open_min"]].sum()
    assert np.allclose(tot["busy_min"] / tot["open_min"], res.replications["utilisation"])


def test_summary_and_chart_peak_within_opening_hours(res) -> None:  # type: ignore[no-untyped-def]
    close_hour = res.scenario.hours["weekday"].close / 60
    hs = res.hourly_summary()
    assert hs.loc[hs["hour"] >= close_hour, "utilisation"].isna().all()
    assert hs["utilisation"].max() <= 1.0
    fig = charts.hourly_profile(res.hourly, "utilisation")
    title = fig.texts[0].get_text()
    hour = int(re.search(r"(\d\d):00", title).group(1))  # type: ignore[union-attr]
    assert hour < close_hour
    assert any("after closing" in t.get_text() for t in fig.texts)
