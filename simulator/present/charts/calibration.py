"""Charts of a calibration: does the calibrated scenario reproduce the held-out history?

Drawn from the tables a calibration writes (``validation.csv``,
``validation_hourly.csv``, ``validation_daily.csv``), so ``svcsim-calibrate`` (in
English) and ``svcsim-report`` (in the report's language) draw the same figure.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.present import i18n, style
from simulator.present.charts.common import CHART_DOCS, _t

#: Columns of the validation table the chart reads (``label`` as well when present).
VALIDATION_COLUMNS = ("kpi", "historical", "sim_mean", "pi_low", "pi_high", "verdict")
#: Columns of the weekday utilisation by hour.
HOURLY_COLUMNS = ("hour", "historical", "sim_mean", "pi_low", "pi_high")
#: Columns of the held-out days.
DAILY_COLUMNS = ("date", "open", "historical", "band_low", "band_high")


def check_label(kpi: str, label: object, lang: str) -> str:
    """A validation check in words: the calibration's own label in English, the
    catalogue's ``calibration_checks`` in another language (the label as written when
    it has none, the KPI code when there is no label)."""
    written = label if isinstance(label, str) and label else kpi
    if lang == "en":
        return written
    return str((i18n.catalogue(lang).get("calibration_checks") or {}).get(kpi, written))


def calibration_footer(centre: object, scenario: object, synthetic: bool, lang: str = "en") -> str:
    """The provenance line of a calibration's charts in ``lang`` (English when no CJK
    font can draw Chinese, as the chart's labels): the centre, the scenario file written
    and whether the history was synthetic."""
    if lang == "zh" and style.find_cjk_font() is None:
        lang = "en"
    synth = _t("footer_cal_synthetic", lang) if synthetic else ""
    return _t("footer_cal", lang, centre=centre, scenario=scenario, synthetic=synth)


def _band(ax: Axes, x: Any, low: Any, high: Any, label: str, step: Any = None) -> None:
    """An uncertainty band in the simulated series' colour, without an edge."""
    ax.fill_between(
        x, low, high, step=step, color=style.SERIES_COLORS[0], alpha=0.25, lw=0, label=label
    )


def _period_words(dates: pd.Series, lang: str) -> str:
    """The months a period spans, each year said once ("Dec 2025–Feb 2026", "Mar 2025")."""
    first, last = dates.min(), dates.max()
    months = i18n.months(lang)
    kw = {"m0": months[first.month - 1], "y0": first.year}
    kw |= {"m1": months[last.month - 1], "y1": last.year}
    if (first.year, first.month) == (last.year, last.month):  # ticks show days only
        return _t("val_span_month", lang, **kw)
    return _t("val_span_year" if first.year == last.year else "val_span_years", lang, **kw)


def _date_axis(ax: Axes, lang: str) -> None:
    """Dates in the language's short forms, without a "2026-Jan" offset beside month
    ticks: the months and years are said once, in the axis label."""
    loc = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(loc)
    formats = _t("date_ticks", lang).split("|")
    zero = _t("date_ticks_zero", lang).split("|")
    fmt = mdates.ConciseDateFormatter(loc, formats=formats, zero_formats=zero, show_offset=False)
    ax.xaxis.set_major_formatter(fmt)


@CHART_DOCS.fill
def validation_comparison(
    table: pd.DataFrame,
    hourly: pd.DataFrame,
    daily: pd.DataFrame,
    *,
    replications: int,
    alpha: float,
    days: int,
    start: object,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The held-out history against the calibrated scenario simulated over the same days.

    Three panels: each KPI's history relative to the simulated mean within the
    simulation's prediction interval (marked X where the two are inconsistent); weekday
    utilisation by hour with its prediction interval; visits per open day within the
    per-day 95% band. The title says on how many checks history and scenario agree.

    Parameters
    ----------
    table : DataFrame
        ``validation.csv``: one row per check with ``kpi``, ``historical``,
        ``sim_mean``, ``pi_low``, ``pi_high``, ``verdict`` ("consistent" or not) and
        optionally ``label``; rows without a prediction interval (the hourly and daily
        checks) count in the title only.
    hourly : DataFrame
        ``validation_hourly.csv``: ``hour``, ``historical``, ``sim_mean``, ``pi_low``,
        ``pi_high``.
    daily : DataFrame
        ``validation_daily.csv``: ``date``, ``open``, ``historical``, ``band_low``,
        ``band_high``.
    replications : int
        Replications simulated.
    alpha : float
        Family-wise level of the Bonferroni-adjusted intervals.
    days : int
        Held-out days.
    start : date or str
        First held-out day.
    %(chart_options)s

    %(returns_figure)s

    %(raises_value_error)s
        If a table lacks one of the columns above.
    """
    for frame, columns, what in (
        (table, VALIDATION_COLUMNS, "table"),
        (hourly, HOURLY_COLUMNS, "hourly"),
        (daily, DAILY_COLUMNS, "daily"),
    ):
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ValueError(f"validation_comparison: {what} lacks {', '.join(missing)}")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None
    fig, axes = style.new_figure(families, figsize=figsize or (10.0, 9.0), nrows=3)
    pi = table[["pi_low", "pi_high"]].apply(pd.to_numeric, errors="coerce")
    tab = table.loc[np.isfinite(pi).all(axis=1).to_numpy()].reset_index(drop=True)
    ax = axes[0]
    y = np.arange(len(tab))[::-1]
    ref = tab["sim_mean"].to_numpy(float)
    ref = np.where(ref > 0, ref, 1.0)
    lo = tab["pi_low"].to_numpy(float) / ref
    hi = tab["pi_high"].to_numpy(float) / ref
    hv = tab["historical"].to_numpy(float) / ref
    ok = (tab["verdict"].astype(str) == "consistent").to_numpy()
    color = style.SERIES_COLORS[0]
    ax.hlines(y, lo, hi, color=color, lw=5, alpha=0.35, label=_t("val_pi", lang))
    ax.plot(np.ones(len(y)), y, "|", color=color, ms=12, label=_t("val_sim_mean", lang))
    black = style.OKABE_ITO["black"]
    ax.plot(hv[ok], y[ok], "o", color=black, label=_t("val_hist_ok", lang))
    if (~ok).any():  # no legend entry for markers that are not drawn
        bad = _t("val_hist_bad", lang)
        ax.plot(hv[~ok], y[~ok], "X", color=style.HIGHLIGHT_COLOR, ms=8, label=bad)
    labels = tab["label"] if "label" in tab.columns else [None] * len(tab)
    ticks = [check_label(str(k), lb, lang) for k, lb in zip(tab["kpi"], labels, strict=True)]
    ax.set_yticks(y, ticks, fontsize=8)
    ax.set_xlabel(_t("val_ratio_axis", lang))
    ax.grid(True, axis="x")
    # above the panel: inside it the legend hides the intervals of the lower KPIs
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, frameon=False)
    ax = axes[1]
    if len(hourly):
        x = hourly["hour"] + 0.5
        _band(ax, x, hourly["pi_low"], hourly["pi_high"], _t("val_band", lang))
        ax.plot(x, hourly["sim_mean"], color=color, label=_t("val_sim_mean", lang))
        ax.plot(x, hourly["historical"], "o", color=black, label=_t("val_history", lang))
    ax.set_xlabel(_t("val_hour_axis", lang))
    ax.set_ylabel(_t("val_util_axis", lang))
    ax.legend(fontsize=7)
    ax = axes[2]
    dd = daily.loc[daily["open"].astype(str).str.lower() == "true"]
    dates = pd.to_datetime(dd["date"])
    _band(ax, dates, dd["band_low"], dd["band_high"], _t("val_daily_band", lang), step="mid")
    ax.plot(dates, dd["historical"], ".", color=black, label=_t("val_history", lang))
    _date_axis(ax, lang)
    ax.set_ylabel(_t("val_visits_axis", lang))
    span = _period_words(dates, lang) if len(dates) else ""
    ax.set_xlabel(_t("val_date_axis", lang, span=span))
    ax.legend(fontsize=7)
    n_ok = int((table["verdict"].astype(str) == "consistent").sum())
    if title is None:
        key = "val_title_all" if n_ok == len(table) else "val_title_some"
        title = _t(key, lang, k=n_ok, n=len(table))
    note = _t("val_note", lang, r=replications, days=days, start=start, alpha=alpha)
    return style.finish_figure(fig, title, families, [note], footer, finding_lang=finding_lang)
