"""Back-test: calibrate on generated histories, simulate the written file over held-out
months, compare with the acceptance tolerances of docs/calibration.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from calibration.backtest import CASES, TOLERANCES, backtest, backtest_table


def _misses(row: dict[str, object]) -> list[str]:
    return [
        f"{k}: log {row[f'{k}_log']:.4g} vs sim {row[f'{k}_sim']:.4g}"  # type: ignore[str-format]
        for k in TOLERANCES
        if not row[f"{k}_ok"]
    ]


def test_short_backtest_quiet_centre(tmp_path: Path) -> None:
    """Four months of a quiet centre with no-shows, walk time, closed holidays and
    absences; the last 30 days held out; the written file reproduces them."""
    row = backtest(
        "quiet",
        tmp_path,
        start="2025-03-01",
        end="2025-06-30",
        holdout_days=30,
        seed=3,
        replications=6,
    )
    assert row["all_ok"], _misses(row)
    assert Path(str(row["scenario"])).exists()
    assert "| quiet |" in backtest_table([row])


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_backtest_full_year(case: str, tmp_path: Path) -> None:
    """The docs table: calibrate on Jan-Oct 2025, simulate the written file over Nov-Dec."""
    row = backtest(case, tmp_path, seed=1, replications=10)
    assert row["all_ok"], (case, _misses(row))
