"""Tests for simulator.present.style: number formats, series styles, wrapping, fonts."""

from __future__ import annotations

import pytest

from simulator.present import style

pytestmark = pytest.mark.filterwarnings("error")  # as for the charts (charts/conftest.py)


def test_number_formatting() -> None:
    assert style.fmt_num(34.4) == "34"
    assert style.fmt_num(6.24) == "6.2"
    assert style.fmt_num(0.0421) == "0.042"
    assert style.fmt_num(4800) == "4,800"
    assert style.fmt_num(float("nan")) == "n/a"
    assert style.fmt_pct(0.823) == "82%"
    assert style.fmt_pct(0.998) == "99.8%"
    assert style.fmt_pct(0.0004) == "0.04%"
    assert style.fmt_pct(1.0) == "100%"
    assert style.fmt_pct(0.0) == "0%"
    assert style.fmt_hour(9) == "09:00"


def test_series_styles_distinct_and_baseline_grey() -> None:
    names = [f"S{i}" for i in range(8)]
    st = style.series_styles(names, baseline="S0")
    assert st["S0"].color == style.BASELINE_COLOR
    others = [st[n] for n in names[1:]]
    assert len({s.color for s in others}) == 7
    assert len({s.marker for s in others}) == 7
    assert len({s.hatch for s in st.values()}) == 8


def test_wrap_text_cjk_and_latin() -> None:
    assert "\n" in style.wrap_text("word " * 60, 6.0, 12)
    assert "\n" in style.wrap_text("等候" * 60, 6.0, 12)


def test_pct_near_target_and_plural_names() -> None:
    assert style.fmt_pct_vs(0.898, 0.9) == "89.8%"
    assert style.fmt_pct_vs(0.8999, 0.9) == "89.99%"
    assert style.fmt_pct_vs(0.95, 0.9) == "95%"
    assert style.fmt_pct_vs(0.9, 0.9) == "90%"
    assert style.fmt_pct_vs(0.9004, None) == "90%"
    assert style.is_plural_name("2 cross-province windows")
    assert style.is_plural_name("6 windows, no lunch cover")
    assert not style.is_plural_name("1 window")
    assert not style.is_plural_name("Option B") and not style.is_plural_name("C5+Q0")


def test_cjk_lookup_ignores_last_resort_font() -> None:
    assert style.find_cjk_font() != "Last Resort High-Efficiency"
