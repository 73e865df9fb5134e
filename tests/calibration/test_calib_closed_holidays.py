"""A centre closed on holidays: the written file says holiday_factor 0 comes from the
log, not from the base scenario."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from calibration.layout import plan_from_staffing
from calibration.pipeline import CentreCalibration, calibrate
from calibration.synthetic import synthetic_history


@pytest.fixture(scope="module")
def closed(tmp_path_factory: pytest.TempPathFactory) -> tuple[CentreCalibration, Path]:
    """A quiet centre's first quarter of 2025, closed on its holidays (New Year, Spring
    Festival): the calibrated result and the report folder."""
    tmp = tmp_path_factory.mktemp("closed")
    h = synthetic_history(tmp / "h", "quiet", start="2025-01-01", end="2025-03-31", seed=3)
    (res,) = calibrate(
        h.tickets,
        name="closed",
        catalogue=h.catalogue,
        out_dir=tmp / "s",
        report_dir=tmp / "r",
        figures=False,
        gof_n_mc=19,
    )
    return res, tmp / "r"


def test_closed_holidays_marked_calibrated(closed: tuple[CentreCalibration, Path]) -> None:
    res, _ = closed
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


def test_copied_holiday_schedule_is_said(closed: tuple[CentreCalibration, Path]) -> None:
    """No holiday open in the history: the plan's holiday blocks are a copy of the
    weekend's, and the written file and the report say so (an assumption, not a fit)."""
    res, report = closed
    written = yaml.safe_load(Path(res.scenario_path).read_text(encoding="utf-8"))
    blocks = written["staffing"]["plan"]["blocks"]
    assert blocks["holiday"] == blocks["weekend"]
    (note,) = [n for n in written["calibration"]["notes"] if "no open holiday" in n]
    assert note.startswith("layout: staffing plan:") and "copied from the weekend" in note
    assert "no open weekend" not in " ".join(written["calibration"]["notes"])
    summary = (report / "summary.md").read_text(encoding="utf-8")
    assert "Notes on the layout fit" in summary and "no open holiday" in summary


def test_plan_from_staffing_fills_missing_day_types() -> None:
    """A staffing file of weekdays only: weekend and holiday schedules are copies, each
    named in the notes; a day type the file shows is never overwritten."""
    days = pd.date_range("2025-03-03", "2025-03-07")  # Monday to Friday
    staffing = pd.DataFrame(
        {
            "date": days,
            "start": "09:00",
            "end": "17:00",
            "windows_open": 3,
        }
    )
    notes: list[str] = []
    plan = plan_from_staffing(
        staffing, {d: "weekday" for d in days}, {"weekday": {"comprehensive": 1.0}}, notes
    )
    assert plan["blocks"]["weekday"] == [
        {"start": "09:00", "end": "17:00", "open": {"comprehensive": 3}}
    ]
    assert plan["blocks"]["weekend"] == plan["blocks"]["holiday"] == plan["blocks"]["weekday"]
    assert [n.split(",")[0] for n in notes] == [
        "staffing plan: no open weekend in the history",
        "staffing plan: no open holiday in the history",
    ]
    notes.clear()
    sat = pd.Timestamp("2025-03-08")
    weekend = pd.DataFrame({"date": [sat], "start": "10:00", "end": "15:00", "windows_open": 1})
    plan = plan_from_staffing(
        pd.concat([staffing, weekend]),
        {**{d: "weekday" for d in days}, sat: "weekend"},
        {"weekday": {"comprehensive": 1.0}},
        notes,
    )
    assert plan["blocks"]["weekend"][0]["start"] == "10:00"
    assert len(notes) == 1 and "no open holiday" in notes[0]
