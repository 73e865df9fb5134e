"""The validation figure of a calibration (``validation_comparison``): what it draws from
the calibration's tables, in English and in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from simulator.present import charts
from simulator.present.charts.calibration import _date_axis
from tests.present.charts.synthetic import (
    CJK,
    check_figure,
    make_patience,
    make_profiles,
    make_qq,
    make_validation,
    texts_of,
    title_of,
)

SETUP = {"replications": 20, "alpha": 0.05, "days": 58, "start": "2025-12-15"}


def _draw(verdicts: tuple[str, ...], lang: str = "en") -> Figure:
    fig = charts.validation_comparison(
        *make_validation(verdicts), **SETUP, lang=lang, footer="footer"
    )
    fig.canvas.draw()
    return fig


def _latin(fig: Figure) -> set[str]:
    """Every run of Latin letters the figure shows."""
    return {w for t in texts_of(fig) for w in re.findall("[A-Za-z]+", t)}


def _legend(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_no_inconsistent_entry_without_inconsistent_history(tmp_path: Path) -> None:
    fig = _draw(("consistent",) * 3)
    assert "history (consistent)" in _legend(fig) and "history (inconsistent)" not in _legend(fig)
    # the hourly check has no interval: counted in the title, not drawn as a row
    assert title_of(fig) == "History is consistent with the calibrated scenario on all 4 checks"
    assert len(fig.axes[0].get_yticklabels()) == 3
    fig = _draw(("consistent", "inconsistent", "consistent"))
    assert "history (inconsistent)" in _legend(fig)
    assert title_of(fig) == (
        "History is consistent with the calibrated scenario on 3 of 4 checks, not on: "
        "visits_per_weekend_day"  # the table's label, here none: the check's code
    )
    assert any(
        t.startswith("20 replications over 58 held-out days from 2025-12-15") for t in texts_of(fig)
    )
    check_figure(fig, tmp_path, "validation")


def test_failed_checks_named_and_points_outside_their_intervals_crossed() -> None:
    """A failed check without an interval (the daily coverage) is named in the title, and
    the hours and days whose history lies outside the interval are drawn as crosses."""
    table, hourly, daily = make_validation(("consistent", "consistent"))
    table = pd.concat(
        [
            table,
            pd.DataFrame(
                {
                    "kpi": ["daily_volume_coverage"],
                    "label": ["days inside the per-day 95% band (share)"],
                    "historical": [0.77],
                    "verdict": ["inconsistent"],
                }
            ),
        ],
        ignore_index=True,
    )
    daily.loc[[0, 3], "historical"] = [700.0, 990.0]  # below and above the band
    hourly.loc[2, "historical"] = 0.85
    fig = charts.validation_comparison(table, hourly, daily, **SETUP, footer="footer")
    assert title_of(fig) == (
        "History is consistent with the calibrated scenario on 3 of 4 checks, not on: "
        "days inside the per-day 95% band"
    )
    for ax, crossed in ((fig.axes[1], [(11.5, 0.85)]), (fig.axes[2], [(0, 700.0), (3, 990.0)])):
        (line,) = [
            ln for ln in ax.get_lines() if ln.get_label() == "history (outside the interval)"
        ]
        ys = list(line.get_ydata())
        assert ys == [y for _, y in crossed] and line.get_marker() == "X"
    fig = _draw(("consistent",) * 2)
    labels = {ln.get_label() for ax in fig.axes for ln in ax.get_lines()}
    assert "history (outside the interval)" not in labels


def test_date_axis_names_months_and_the_years_once() -> None:
    ax = _draw(("consistent",) * 3).axes[2]
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and not any("-" in t for t in ticks), ticks  # no "2026-Jan"
    assert ax.xaxis.get_offset_text().get_text() == ""
    assert "Dec 2025–Feb 2026" in ax.get_xlabel()


@pytest.mark.parametrize(
    ("start", "end", "ticks"),
    [
        ("2025-03-01", "2025-03-28", ["3月", "8日", "15日", "22日"]),
        ("2025-01-01", "2025-09-30", ["2025年", "3月", "5月", "7月", "9月"]),
    ],
)
def test_chinese_date_ticks_without_leading_zeros(start: str, end: str, ticks: list[str]) -> None:
    """ "3月", "8日" on every platform (strftime's %-m is not portable); the tick texts
    are checked, not drawn, so no CJK font is needed."""
    fig = Figure()
    ax = fig.subplots()
    days = pd.date_range(start, end)
    ax.plot(days, np.arange(len(days)))
    _date_axis(ax, "zh")
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels() if t.get_text()] == ticks


@pytest.mark.skipif(CJK is None, reason="no CJK font installed")
def test_in_chinese(tmp_path: Path) -> None:
    fig = _draw(("consistent", "inconsistent", "consistent"), lang="zh")
    assert title_of(fig) == (
        "留出期历史在4项检验中有3项与校准情景一致，不一致的是：周末或节假日每日到访人数"
    )
    assert "历史值（不一致）" in _legend(fig)
    ax = fig.axes[0]
    assert ax.get_yticklabels()[0].get_text() == "工作日每日到访人数（人/天）"
    dates = fig.axes[2]
    assert "2025年12月–2026年2月" in dates.get_xlabel()
    ticks = [t.get_text() for t in dates.get_xticklabels() if t.get_text()]
    assert ticks == ["15日", "1月", "15日", "2月"], ticks
    # every Latin word the figure shows: the method's name and the given footer
    assert _latin(fig) == {"Bonferroni", "footer"}
    check_figure(fig, tmp_path, "validation_zh")


def test_check_labels_and_footer() -> None:
    assert charts.check_label("wait_mean_min", "mean wait, served (min)", "en") == (
        "mean wait, served (min)"
    )
    assert charts.check_label("wait_mean_min", None, "en") == "wait_mean_min"
    if CJK is not None:
        assert charts.check_label("wait_mean_min", "x", "zh") == "平均等候时间，已服务（分钟）"
        assert charts.check_label("unknown", "as written", "zh") == "as written"
        assert charts.calibration_footer("C1", "c1.yaml", True, "zh") == (
            "svcsim校准：中心C1 -> c1.yaml（合成数据）"
        )
    assert charts.calibration_footer("C1", "c1.yaml", True) == (
        "svcsim calibration of centre C1 -> c1.yaml (SYNTHETIC data)"
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_arrival_profiles_say_which_bins_the_fit_misses(lang: str, tmp_path: Path) -> None:
    fig = charts.arrival_profiles(make_profiles(), lang=lang, footer="footer")
    if lang == "en":
        assert title_of(fig) == (
            "Fitted arrival rates miss some observed bins (worst by 4.0 standard errors)"
        )
        assert [ax.get_title(loc="left") for ax in fig.axes] == [
            "weekday (40 days)",
            "weekend (16 days)",
        ]
    elif CJK is not None:
        assert title_of(fig) == "拟合的到达率偏离部分观测时段（最大偏差4.0个标准误）"
        assert fig.axes[1].get_title(loc="left") == "周末（16天）"
        assert _latin(fig) == {"footer"}
    close = make_profiles().assign(fitted=lambda d: d["observed"])
    assert title_of(charts.arrival_profiles(close)) == (
        "Fitted arrival rates match the observed hourly profiles"
    )
    check_figure(fig, tmp_path, f"profiles_{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_service_qq_names_the_rejected_fits(lang: str, tmp_path: Path) -> None:
    fig = charts.service_qq(make_qq(), lang=lang)
    panels = [ax.get_title(loc="left") for ax in fig.axes if ax.get_visible()]
    if lang == "en":
        assert title_of(fig) == ("Service-time fits depart from the data in complex (GoF p < 0.05)")
        assert panels[1].startswith("complex [proficient] n=300\nmean ")
        assert fig.axes[0].get_xlabel() == "fitted lognormal quantile (min)"
    elif CJK is not None:
        assert title_of(fig) == "complex的办理时长拟合与数据不符（拟合优度p < 0.05）"
        assert panels[0].startswith("general［全部级别］300个样本\n均值")
        assert fig.axes[0].get_xlabel() == "拟合对数正态分布分位数（分钟）"
        # the families are the user's names; the test's name and p of the p-value
        assert _latin(fig) == {"general", "complex", "p", "Anderson", "Darling"}
    check_figure(fig, tmp_path, f"qq_{lang}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_patience_fit_in_each_case(lang: str, tmp_path: Path) -> None:
    titles = [
        title_of(charts.patience_fit(*make_patience(), lang=lang)),
        title_of(charts.patience_fit(*make_patience(km=False), lang=lang)),
        title_of(charts.patience_fit(*make_patience(best=None), lang=lang)),
    ]
    if lang == "en":
        assert titles[0].startswith("The lognormal patience fit stays inside the Kaplan-Meier")
        assert titles[1] == (
            "No leave times in the log: lognormal patience, median 40 min, from 1,500 "
            "abandonments known only to have left before their call"
        )
        assert titles[2] == "No abandonment observed: patience not identifiable"
    elif CJK is not None:
        assert titles[0].startswith("对数正态分布耐心拟合落在Kaplan-Meier置信带内")
        assert titles[1].startswith("记录中没有离开时间：耐心服从对数正态分布，中位数40分钟")
        assert titles[2] == "未观测到放弃：无法识别耐心"
        fig = charts.patience_fit(*make_patience(), lang=lang)
        assert _latin(fig) == {"Kaplan", "Meier", "Greenwood"}
    fig = charts.patience_fit(*make_patience(), lang=lang)
    check_figure(fig, tmp_path, f"patience_{lang}")
