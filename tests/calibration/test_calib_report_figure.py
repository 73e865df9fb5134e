"""The calibration report's validation figure is the chart ``svcsim-report`` redraws
(:func:`simulator.present.charts.validation_comparison`, tested with the charts), drawn
in English with the validation's own setup."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib.text
import pytest

from calibration import report
from tests.present.charts.synthetic import make_validation


def test_validation_figure_is_the_shared_chart_in_english(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    table, hourly, daily = make_validation(("consistent", "inconsistent"))
    val = SimpleNamespace(
        table=table, hourly=hourly, daily=daily, replications=20, alpha=0.05,
        start=daily["date"][0].date(), days=len(daily),
    )  # fmt: skip
    figs: list[Any] = []
    monkeypatch.setattr(report, "save_figure", lambda fig, *a, **k: figs.append(fig) or [tmp_path])
    report._fig_validation(val, tmp_path, "the footer")
    texts = [t.get_text() for t in figs[0].findobj(matplotlib.text.Text)]
    shown = " ".join(" ".join(t.split()) for t in texts)  # a long title is wrapped
    assert (
        "History is consistent with the calibrated scenario on 2 of 3 checks, not on: "
        "visits_per_weekend_day" in shown
    )
    assert "history (inconsistent)" in texts
    text = " ".join(texts)
    assert "20 replications over 58 held-out days from 2025-12-15. Prediction" in text
    assert "the footer" in text
