"""The calibration section redraws the validation figure in the report's language from
the calibration's tables (``validation.csv``, ``validation_hourly.csv``,
``validation_daily.csv``) and the validation's setup in ``summary.md``; a folder without
them (an older calibration) shows the calibration's own PNG."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from simulator.present import charts, style
from simulator.present.readers import CalibrationData
from simulator.present.report import calibration as section
from tests.present.charts.synthetic import make_validation

SUMMARY = """# Calibration report: small (centre SYN-01)

**SYNTHETIC DATA**: calibrated from simulated history.

Scenario written: `/somewhere/scn/small.yaml`. Load it with `simulator.load_scenario(...)`.

## Validation on held-out history
4 replications, 14 days from 2025-04-14 (the scenario file as written, loaded from disk); \
acceptance intervals combine the simulation error, the history's day-to-day error \
(bootstrap over days) and stated assumptions, Bonferroni-adjusted (family-wise alpha 0.05).
"""
OWN_PNG = b"\x89PNG\r\n\x1a\n the calibration's own figure"


def _folder(
    tmp_path: Path, *, tables: bool = True, png: bool = True, summary: str = SUMMARY
) -> Any:
    table, hourly, daily = make_validation(("consistent", "inconsistent"))
    images = {}
    if png:
        images["fig_validation"] = tmp_path / "fig_validation.png"
        images["fig_validation"].write_bytes(OWN_PNG)
    frames = {"validation": table.assign(label="a check", ci_low=9.5, ci_high=10.5)}
    if tables:
        frames |= {"validation_hourly": hourly, "validation_daily": daily}
    return CalibrationData(
        path=tmp_path, name="small", centre="SYN-01", synthetic=True, summary_md=summary,
        scenario_path=None, scenario={}, tables=frames, images=images,
    )  # fmt: skip


def _images(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r"base64,([^']+)'", html)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_validation_figure_is_redrawn_in_the_reports_language(
    lang: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[dict[str, Any]] = []
    draw = charts.validation_comparison

    def spy(*args: Any, **kw: Any) -> Any:
        calls.append(kw)
        return draw(*args, **kw)

    monkeypatch.setattr(charts, "validation_comparison", spy)
    lang_drawn = lang if style.find_cjk_font() is not None else "en"
    html = section._calibration_html(_folder(tmp_path), lang_drawn)
    (png,) = _images(html)
    assert png.startswith(b"\x89PNG") and png != OWN_PNG
    (kw,) = calls
    assert kw["lang"] == lang_drawn
    assert (kw["replications"], kw["days"], kw["start"], kw["alpha"]) == (4, 14, "2025-04-14", 0.05)
    synthetic = "（合成数据）" if lang_drawn == "zh" else " (SYNTHETIC data)"
    assert kw["footer"].endswith(f"SYN-01 -> small.yaml{synthetic}")


def test_older_folders_show_the_calibrations_own_figures(tmp_path: Path) -> None:
    """The figures without their tables: arrival profiles and Q-Q plots before
    arrival_profiles.csv and service_qq.csv were written."""
    cal = _folder(tmp_path, tables=False)
    for stem in ("fig_arrival_profiles", "fig_service_qq"):
        cal.images[stem] = tmp_path / f"{stem}.png"
        cal.images[stem].write_bytes(OWN_PNG + stem.encode())
    shown = _images(section._calibration_html(cal, "en"))
    assert shown == [OWN_PNG, OWN_PNG + b"fig_arrival_profiles", OWN_PNG + b"fig_service_qq"]


def test_older_folders_show_the_calibrations_own_figure(tmp_path: Path) -> None:
    for cal in (
        _folder(tmp_path, tables=False),  # before validation_hourly/daily.csv were read
        _folder(tmp_path, summary=SUMMARY.split("## Validation")[0]),  # no setup to say
    ):
        assert _images(section._calibration_html(cal, "en")) == [OWN_PNG]


def test_redrawn_without_the_png(tmp_path: Path) -> None:
    """A calibration written without figures still has its tables: the report draws it."""
    (png,) = _images(section._calibration_html(_folder(tmp_path, png=False), "en"))
    assert png.startswith(b"\x89PNG")


def test_without_a_cjk_font_the_figure_is_english(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked for Chinese on a machine without a CJK font: English labels and footer."""
    calls: list[dict[str, Any]] = []
    draw = charts.validation_comparison

    def spy(*args: Any, **kw: Any) -> Any:
        fig = draw(*args, **kw)
        calls.append({"footer": kw["footer"], "title": fig.get_suptitle()})
        return fig

    monkeypatch.setattr(charts, "validation_comparison", spy)
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    with pytest.warns(style.CJKFontWarning):
        section._figures(_folder(tmp_path), "zh")
    (call,) = calls
    assert call["footer"].endswith("(SYNTHETIC data)")
    assert " ".join(call["title"].split()).startswith(
        "History is consistent with the calibrated scenario on 2 of 3 checks, not on:"
    )
