"""Charts of a calibration: do the fits follow the data, and does the calibrated
scenario reproduce the held-out history?

Each is drawn from tables a calibration writes beside its figures
(``arrival_profiles.csv``; ``service_qq.csv``; ``fit_patience.csv`` with
``patience_km.csv``; ``validation.csv`` with ``validation_hourly.csv`` and
``validation_daily.csv``), so ``svcsim-calibrate`` (in English) and ``svcsim-report``
(in the report's language) draw the same figures.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from simulator.present import i18n, style
from simulator.present.charts.common import CHART_DOCS, _t, require_columns
from simulator.present.provenance import config_value

#: Columns of the validation table the chart reads (``label`` as well when present).
VALIDATION_COLUMNS = ("kpi", "historical", "sim_mean", "pi_low", "pi_high", "verdict")
#: Columns of the weekday utilisation by hour.
HOURLY_COLUMNS = ("hour", "historical", "sim_mean", "pi_low", "pi_high")
#: Columns of the held-out days.
DAILY_COLUMNS = ("date", "open", "historical", "band_low", "band_high")
#: Columns of the observed and fitted arrival profiles.
PROFILE_COLUMNS = ("day_type", "days", "start_min", "end_min", "observed", "observed_se", "fitted")
#: Columns of the service-time Q-Q points, one row per point of a fit.
QQ_COLUMNS = (
    "group", "level", "dist", "n", "mean", "cv", "gof_pvalue",
    "theoretical", "observed", "env_low", "env_high",
)  # fmt: skip
#: Columns of the Kaplan-Meier curve.
KM_COLUMNS = ("time_min", "at_risk", "events", "survival")


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


def _band(
    ax: Axes,
    x: Any,
    low: Any,
    high: Any,
    label: str,
    *,
    color: str | None = None,
    alpha: float = 0.25,
    step: Literal["pre", "post", "mid"] | None = None,
) -> None:
    """An uncertainty band from ``low`` to ``high`` over ``x``, without an edge; in the
    simulated series' colour unless ``color`` is given."""
    color = style.SERIES_COLORS[0] if color is None else color
    ax.fill_between(x, low, high, step=step, color=color, alpha=alpha, lw=0, label=label)


def _finish(
    fig: Figure,
    families: Sequence[str],
    lang: str,
    finding: str,
    note: str,
    footer: str | None,
    title: str | None,
) -> Figure:
    """The finding as title (``title`` instead when the caller gave one), the method note
    and the footer."""
    finding_lang = None if title else lang  # computed titles: see style.finish_figure
    return style.finish_figure(
        fig, title or finding, families, [note], footer, finding_lang=finding_lang
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
    fmt = _UnpaddedDates(loc, formats=formats, zero_formats=zero, show_offset=False)
    ax.xaxis.set_major_formatter(fmt)


class _UnpaddedDates(mdates.ConciseDateFormatter):
    """Month and day numbers before 月 and 日 without the leading zero ("3月", "5日"):
    strftime's ``%-m`` does that on Linux and macOS only."""

    _PAD = re.compile(r"(?<!\d)0(\d)(?=[月日])")

    def format_ticks(self, values: Any) -> list[str]:
        return [self._PAD.sub(r"\1", s) for s in super().format_ticks(values)]


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
    per-day 95% band (hours and days whose history lies outside marked X). The title
    says on how many checks history and scenario agree, and names those they do not.

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
        require_columns(frame, columns, "validation_comparison", what)
    lang, families = style.resolve_language(lang)
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
        _history_points(ax, x, hourly["historical"], hourly["pi_low"], hourly["pi_high"], lang)
    ax.set_xlabel(_t("val_hour_axis", lang))
    ax.set_ylabel(_t("val_util_axis", lang))
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, frameon=False)
    ax = axes[2]
    dd = daily.loc[daily["open"].astype(str).str.lower() == "true"]
    dates = pd.to_datetime(dd["date"])
    _band(ax, dates, dd["band_low"], dd["band_high"], _t("val_daily_band", lang), step="mid")
    _history_points(ax, dates, dd["historical"], dd["band_low"], dd["band_high"], lang, ms=4)
    _date_axis(ax, lang)
    ax.set_ylabel(_t("val_visits_axis", lang))
    span = _period_words(dates, lang) if len(dates) else ""
    ax.set_xlabel(_t("val_date_axis", lang, span=span))
    ax.legend(fontsize=7, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncol=4, frameon=False)
    failed = table.loc[table["verdict"].astype(str) != "consistent"]
    if failed.empty:
        finding = _t("val_title_all", lang, n=len(table))
    else:
        names = failed["label"] if "label" in failed.columns else [None] * len(failed)
        which = _t("list_sep", lang).join(
            _UNIT.sub("", check_label(str(k), lb, lang))
            for k, lb in zip(failed["kpi"], names, strict=True)
        )
        finding = _t("val_title_some", lang, k=len(table) - len(failed), n=len(table), which=which)
    note = _t("val_note", lang, r=replications, days=days, start=start, alpha=alpha)
    return _finish(fig, families, lang, finding, note, footer, title)


#: A check's unit at the end of its label ("(share)", "（比例）"), left out of the title.
_UNIT = re.compile(r"\s*[(（][^()（）]*[)）]$")


def _history_points(
    ax: Axes, x: Any, history: Any, low: Any, high: Any, lang: str, ms: float = 6.0
) -> None:
    """The history as points, those outside the interval [``low``, ``high``] as crosses."""
    h = pd.to_numeric(pd.Series(np.asarray(history)), errors="coerce").to_numpy(float)
    out = (h < np.asarray(low, float)) | (h > np.asarray(high, float))
    x = np.asarray(x)
    black = style.OKABE_ITO["black"]
    ax.plot(x[~out], h[~out], "o", ms=ms, color=black, label=_t("val_history", lang))
    if out.any():  # no legend entry for markers that are not drawn
        label = _t("val_hist_outside", lang)
        ax.plot(x[out], h[out], "X", ms=ms + 2, color=style.HIGHLIGHT_COLOR, label=label)


@CHART_DOCS.fill
def arrival_profiles(
    profiles: pd.DataFrame,
    *,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Observed arrivals per hour against the fitted rates, one panel per day type.

    The title says whether the fitted rates stay within 3.5 standard errors of every
    observed bin, or by how many the worst bin misses.

    Parameters
    ----------
    profiles : DataFrame
        ``arrival_profiles.csv``: one row per day type and time bin with ``day_type``,
        ``days`` (days of the type observed), ``start_min`` / ``end_min`` (the bin,
        minutes from midnight), ``observed`` (mean arrivals per hour over the days),
        ``observed_se`` (its standard error) and ``fitted`` (the fitted rate per hour).
    %(chart_options)s
        The default grows with the number of day types.

    %(returns_figure)s

    %(raises_value_error)s
        If ``profiles`` lacks one of the columns above.
    """
    require_columns(profiles, PROFILE_COLUMNS, "arrival_profiles", "profiles")
    lang, families = style.resolve_language(lang)
    kinds = list(dict.fromkeys(profiles["day_type"].astype(str)))
    n = max(len(kinds), 1)
    fig, axes = style.new_figure(families, figsize=figsize or (9.0, 3.6 * n), nrows=n)
    worst = 0.0
    for ax, kind in zip(axes, kinds, strict=False):
        r = profiles.loc[profiles["day_type"].astype(str) == kind]
        starts, ends = r["start_min"].to_numpy(float), r["end_min"].to_numpy(float)
        mean, se = r["observed"].to_numpy(float), r["observed_se"].to_numpy(float)
        fitted = r["fitted"].to_numpy(float)
        ax.errorbar(
            (starts + ends) / 2 / 60.0,
            mean,
            yerr=1.96 * se,
            fmt="o",
            ms=3.5,
            color=style.OKABE_ITO["black"],
            label=_t("prof_observed", lang),
            capsize=2,
        )
        ax.step(
            np.r_[starts, ends[-1]] / 60.0,
            np.r_[fitted, fitted[-1]],
            where="post",
            color=style.SERIES_COLORS[0],
            label=_t("prof_fitted", lang),
        )
        ax.set_ylabel(_t("prof_y", lang))
        ax.set_xlabel(_t("prof_x", lang))
        days = int(r["days"].iloc[0])
        panel = _t("prof_panel", lang, kind=config_value(kind, lang), n=days)
        ax.set_title(panel, loc="left", fontsize=10)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.abs(mean - fitted) / np.where(se > 0, se, np.inf)
        worst = max(worst, float(np.nanmax(z)) if len(z) else 0.0)
    axes[0].legend(fontsize=8, loc="upper right")
    finding = _t("prof_title_ok" if worst < 3.5 else "prof_title_miss", lang, z=f"{worst:.1f}")
    return _finish(fig, families, lang, finding, _t("prof_note", lang), footer, title)


@CHART_DOCS.fill
def service_qq(
    points: pd.DataFrame,
    *,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Q-Q plots of observed service times against each fitted distribution, with the
    95% envelope of samples from the fit; one panel per family (and skill level).

    The title names the families whose goodness-of-fit p-value is below 0.05.

    Parameters
    ----------
    points : DataFrame
        ``service_qq.csv``: one row per point of a fit with ``group`` (the family),
        ``level`` (the skill level, "all" for every level), ``dist``, ``n``, ``mean``,
        ``cv``, ``gof_pvalue`` (the fit's, repeated on its rows), ``theoretical`` (the
        fitted quantile, minutes), ``observed`` (the observed service time, minutes)
        and ``env_low`` / ``env_high`` (the envelope at that quantile).
    %(chart_options)s
        The default grows with the number of fits.

    %(returns_figure)s

    %(raises_value_error)s
        If ``points`` lacks one of the columns above.
    """
    require_columns(points, QQ_COLUMNS, "service_qq", "points")
    lang, families = style.resolve_language(lang)
    fits = [g for _, g in points.groupby(["group", "level"], sort=False)]
    ncols = max(min(3, len(fits)), 1)
    nrows = max(math.ceil(len(fits) / ncols), 1)
    fig, axes = style.new_figure(
        families, figsize=figsize or (3.4 * ncols, 3.2 * nrows + 0.8), nrows=nrows, ncols=ncols
    )
    bad = []
    for ax, g in zip(axes, fits, strict=False):
        head = g.iloc[0]
        theo, x = g["theoretical"].to_numpy(float), g["observed"].to_numpy(float)
        _band(ax, theo, g["env_low"], g["env_high"], _t("qq_envelope", lang), alpha=0.2)
        ax.plot(theo, x, ".", ms=2.5, color=style.OKABE_ITO["black"], label=_t("qq_obs", lang))
        top = float(np.quantile(np.r_[theo, x], 0.995))
        ax.plot([0, top], [0, top], color=style.BASELINE_COLOR, lw=0.8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        dist = str(head["dist"])
        ax.set_xlabel(_t("qq_x", lang, dist=config_value(dist, lang)))
        ax.set_ylabel(_t("qq_y", lang))
        level = str(head["level"])
        p = float(head["gof_pvalue"])
        panel = _t(
            "qq_panel",
            lang,
            group=head["group"],
            level=_t("qq_all_levels", lang) if level == "all" else config_value(level, lang),
            n=int(head["n"]),
            mean=f"{float(head['mean']):.1f}",
            cv=f"{float(head['cv']):.2f}",
            p=f"{p:.2f}",
        )
        ax.set_title(panel, loc="left", fontsize=8.5)
        if np.isfinite(p) and p < 0.05:
            bad.append(str(head["group"]))
    for ax in axes[len(fits) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper left")
    sep = _t("list_sep", lang)
    finding = _t("qq_title_bad", lang, groups=sep.join(bad)) if bad else _t("qq_title_ok", lang)
    return _finish(fig, families, lang, finding, _t("qq_note", lang), footer, title)


def _statistics(fit: pd.DataFrame) -> dict[str, Any]:
    """``fit_patience.csv`` as a mapping: the best fit's name (None when patience is not
    identifiable) and numbers (NaN when blank)."""
    raw = dict(zip(fit["statistic"].astype(str), fit["value"], strict=False))
    out: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            out[key] = float(value)
        except (TypeError, ValueError):
            out[key] = value
    best = raw.get("best")
    out["best"] = best if best in ("lognormal", "exponential") else None
    return out


def _number(value: object) -> float:
    """A number of ``fit_patience.csv`` (NaN when blank)."""
    return value if isinstance(value, float) else math.nan


def _count(value: object) -> int:
    """A count of ``fit_patience.csv`` (0 when blank)."""
    number = _number(value)
    return int(number) if math.isfinite(number) else 0


@CHART_DOCS.fill
def patience_fit(
    fit: pd.DataFrame,
    km: pd.DataFrame,
    *,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The Kaplan-Meier curve of patience (with its 95% Greenwood band) against the
    lognormal and exponential fits.

    The title says how many event times the chosen fit stays inside the band for; with
    no exact leave time (no curve) it states the fit, and with no abandonment that
    patience is not identifiable.

    Parameters
    ----------
    fit : DataFrame
        ``fit_patience.csv``: ``statistic``, ``value`` with ``best`` (blank when not
        identifiable), ``lognormal_median_min``, ``lognormal_sigma``,
        ``exponential_mean_min``, ``n_exact``, ``n_right``, ``n_left``, ``n_balked``.
    km : DataFrame
        ``patience_km.csv``: ``time_min``, ``at_risk``, ``events``, ``survival`` (may
        have no rows).
    %(chart_options)s

    %(returns_figure)s

    %(raises_value_error)s
        If ``fit`` lacks ``statistic`` or ``value``, or ``km`` one of its columns.
    """
    from scipy import stats

    require_columns(fit, ("statistic", "value"), "patience_fit", "fit")
    require_columns(km, KM_COLUMNS, "patience_fit", "km")
    p = _statistics(fit)
    best = p["best"]
    med, sigma, mean = (
        _number(p.get(k))
        for k in ("lognormal_median_min", "lognormal_sigma", "exponential_mean_min")
    )
    counts = {k: _count(p.get(f"n_{k}")) for k in ("exact", "right", "left", "balked")}
    lang, families = style.resolve_language(lang)
    fig, axes = style.new_figure(families, figsize=figsize or (8.0, 4.8))
    ax = axes[0]
    dist = config_value(best, lang) if best else ""
    ln_label = _t("pat_ln", lang, med=f"{med:.0f}", sigma=f"{sigma:.2f}") if best else ""
    ex_label = _t("pat_exp", lang, mean=f"{mean:.0f}") if best else ""
    if len(km):
        t = km["time_min"].to_numpy(float)
        s = km["survival"].to_numpy(float)
        d = km["events"].to_numpy(float)
        n = km["at_risk"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gw = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        se = s * np.sqrt(gw)
        ax.step(
            np.r_[0, t],
            np.r_[1, s],
            where="post",
            color=style.OKABE_ITO["black"],
            label=_t("pat_km", lang),
        )
        _band(
            ax,
            np.r_[0, t],
            np.r_[1, np.clip(s - 1.96 * se, 0, 1)],
            np.r_[1, np.clip(s + 1.96 * se, 0, 1)],
            _t("pat_greenwood", lang),
            step="post",
            color=style.BASELINE_COLOR,
        )
        grid = np.linspace(0, max(float(t.max()), 1.0), 300)
        inside = 0.0
        if best:
            ln = stats.lognorm(sigma, scale=med)
            ex = stats.expon(scale=mean)
            ax.plot(grid, ln.sf(grid), color=style.SERIES_COLORS[0], label=ln_label)
            ax.plot(grid, ex.sf(grid), color=style.SERIES_COLORS[1], ls="--", label=ex_label)
            fitted = (ln if best == "lognormal" else ex).sf(t)
            ok = (fitted >= s - 1.96 * se - 1e-9) & (fitted <= s + 1.96 * se + 1e-9)
            inside = float(ok.mean())
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, float(t.max()))
        finding = (
            _t("pat_title_inside", lang, dist=dist, share=f"{inside:.0%}")
            if best
            else _t("pat_title_none", lang)
        )
    elif best:
        # No exact leave time (a log without leave times): no Kaplan-Meier curve, the
        # fit rests on abandonments known only to have left before their call.
        ln = stats.lognorm(sigma, scale=med)
        top = float(ln.ppf(0.9))
        grid = np.linspace(0, max(min(top, 480.0), 30.0), 300)
        ax.plot(grid, ln.sf(grid), color=style.SERIES_COLORS[0], label=ln_label)
        ex_sf = stats.expon(scale=mean).sf(grid)
        ax.plot(grid, ex_sf, color=style.SERIES_COLORS[1], ls="--", label=ex_label)
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, float(grid[-1]))
        best_median = med if best == "lognormal" else mean * math.log(2.0)
        finding = _t(
            "pat_title_no_leave", lang, dist=dist, med=f"{best_median:.0f}", n=f"{counts['left']:,}"
        )
    else:
        finding = _t("pat_title_none", lang)
    ax.set_xlabel(_t("pat_x", lang))
    ax.set_ylabel(_t("pat_y", lang))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    return _finish(fig, families, lang, finding, _t("pat_note", lang, **counts), footer, title)
