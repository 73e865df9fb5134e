"""The validation figure of the calibration report says only what is there."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

from calibration import report
from calibration.validate import KPI_LABELS


def _validation(verdicts: list[str]) -> Any:
    kpis = list(KPI_LABELS)[: len(verdicts)]
    n = len(kpis)
    table = pd.DataFrame(
        {
            "kpi": kpis,
            "historical": np.linspace(9.0, 11.0, n),
            "sim_mean": np.full(n, 10.0),
            "pi_low": np.full(n, 8.0),
            "pi_high": np.full(n, 12.0),
            "verdict": verdicts,
        }
    )
    hours = np.arange(9, 17)
    hourly = pd.DataFrame(
        {"hour": hours, "historical": 0.7, "sim_mean": 0.72, "pi_low": 0.6, "pi_high": 0.8}
    )
    dates = pd.date_range("2025-12-15", "2026-02-10", freq="D")  # across New Year
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
    return SimpleNamespace(
        table=table, hourly=hourly, daily=daily, replications=20, alpha=0.05,
        start=dates[0].date(), days=len(dates),
    )  # fmt: skip


def _draw(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, verdicts: list[str]) -> Any:
    figs: list[Any] = []
    monkeypatch.setattr(report, "save_figure", lambda fig, *a, **k: figs.append(fig) or [tmp_path])
    report._fig_validation(_validation(verdicts), tmp_path, "footer")
    fig = figs[0]
    fig.canvas.draw()
    return fig


def test_no_inconsistent_entry_without_inconsistent_history(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fig = _draw(monkeypatch, tmp_path, ["consistent"] * 3)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "history (consistent)" in labels and "history (inconsistent)" not in labels
    fig = _draw(monkeypatch, tmp_path, ["consistent", "inconsistent", "consistent"])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "history (inconsistent)" in labels


def test_date_axis_names_months_and_the_years_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fig = _draw(monkeypatch, tmp_path, ["consistent"] * 3)
    ax = fig.axes[2]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and not any("-" in t for t in ticks), ticks  # no "2026-Jan"
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert "Dec 2025–Feb 2026" in ax.get_xlabel()
