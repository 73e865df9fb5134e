"""A centre closed on holidays: the written file says holiday_factor 0 comes from the
log, not from the base scenario."""

from __future__ import annotations

from pathlib import Path

from calibration.pipeline import calibrate
from calibration.synthetic import synthetic_history


def test_closed_holidays_marked_calibrated(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path / "h", "quiet", start="2025-01-01", end="2025-03-31", seed=3)
    (res,) = calibrate(
        h.tickets,
        name="closed",
        catalogue=h.catalogue,
        out_dir=tmp_path / "s",
        report_dir=tmp_path / "r",
        figures=False,
        gof_n_mc=19,
    )
    cfg = res.config
    assert cfg["demand"]["holiday_factor"] == 0.0
    origin = cfg["calibration"]["value_origin"]["demand"]
    assert "holiday_factor" in origin["calibrated"]
    assert "holiday_factor" not in origin["base"]
    text = Path(res.scenario_path).read_text(encoding="utf-8")
    base_line = next(
        x for x in text.splitlines() if x.startswith("#     from base:") and "arrival" in x
    )
    assert "holiday_factor" not in base_line
