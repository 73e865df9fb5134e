"""The KPI catalogue: every KPI the engine reports is named, and intervals are shown
within their natural bounds."""

from __future__ import annotations

import math

from simulator.analysis import metrics
from simulator.analysis.kpis import KPI_NAMES


def test_every_reported_kpi_is_in_the_catalogue() -> None:
    missing = [k for k in KPI_NAMES if k not in metrics.METRICS]
    assert not missing


def test_the_two_within_target_shares_have_distinct_names() -> None:
    for lang in ("en", "zh"):
        a = metrics.label("service_level", lang)
        b = metrics.label("within_target_of_served", lang)
        assert a != b
    assert "arrivals" in metrics.label("service_level", "en")
    assert "served residents" in metrics.label("within_target_of_served", "en")


def test_labels_are_unique_per_language() -> None:
    for lang in ("en", "zh"):
        names = [m.label(lang) for m in metrics.METRICS.values()
                 if m.name not in ("xp_completion_rate",)]  # fmt: skip
        assert len(names) == len(set(names)), lang


def test_shown_interval_clips_at_natural_bounds() -> None:
    assert metrics.shown_interval("wait_p50_min", -0.085, 1.2) == (0.0, 1.2, True)
    assert metrics.shown_interval("service_level", 0.9, 1.02) == (0.9, 1.0, True)
    assert metrics.shown_interval("wait_mean_min", 2.0, 3.0) == (2.0, 3.0, False)
    lo, hi, clipped = metrics.shown_interval("wait_mean_min", math.nan, math.nan)
    assert math.isnan(lo) and math.isnan(hi) and not clipped
    # an unknown name is neutral and unbounded above
    assert metrics.shown_interval("mystery", -1.0, 5.0) == (0.0, 5.0, True)
    assert metrics.direction("wait_mean_min") == -1
    assert metrics.direction("service_level") == 1
    assert metrics.label("mystery", "zh") == "mystery"
