"""Charts of one centre's service over the day: the wait distribution, hourly profiles and
the utilisation heatmap (for centre managers and planners)."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from simulator.present import i18n, style
from simulator.present.charts.common import (
    CHART_DOCS,
    MIN_OPEN_FOR_PEAK_MIN,
    OPEN_EPS_MIN,
    Kind,
    _clip_interval,
    _fmt,
    _hour_ticks,
    _join,
    _name,
    _nanmax,
    _no_data,
    _order_categories,
    _plain_formatter,
    _ratio,
    _scale,
    _t,
    _thin_slots,
    _uncertainty_notes,
    _with_group,
    _with_replication,
    mean_ci,
)
from simulator.present.style import fmt_hour, fmt_num, fmt_pct

# --------------------------------------------------------------------------- wait_ecdf


def _nice_ceiling(x: float) -> float:
    """Round up to 5, 10, 15, 20, 30, 45, 60, 90, 120... minutes."""
    for step in (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240):
        if x <= step:
            return float(step)
    return float(math.ceil(x / 60.0) * 60)


def _is_ecdf_grid(df: pd.DataFrame) -> bool:
    return (
        "wait_min" not in df.columns
        and "replication" in df.columns
        and any(_grid_minute(c) is not None for c in df.columns)
    )


def _grid_minute(col: object) -> float | None:
    if col in ("replication", "served"):
        return None
    try:
        return float(str(col))
    except ValueError:
        return None


def _served_waits_by_replication(visits: pd.DataFrame) -> list[np.ndarray]:
    """The finite waits of served residents of each replication (in replication order),
    sorted; replications with none left out. Only the three columns read are filtered
    (a per-visit table has a dozen more)."""
    v = _with_replication(visits)
    wait = v["wait_min"].to_numpy(dtype=float)
    keep = (v["outcome"] == "served").to_numpy(dtype=bool) & np.isfinite(wait)
    served = pd.DataFrame({"replication": v["replication"][keep], "wait_min": wait[keep]})
    per_rep = [
        np.sort(g["wait_min"].to_numpy(dtype=float))
        for _, g in served.groupby("replication", sort=True, observed=True)
    ]
    return [w for w in per_rep if w.size]


@CHART_DOCS.fill
def wait_ecdf(
    visits_by_scenario: Mapping[str, pd.DataFrame],
    target_wait_min: float,
    *,
    max_wait_min: float | None = None,
    grid_points: int = 241,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (8.0, 4.8),
) -> Figure:
    """Distribution of waits of served residents per scenario, with the target wait.

    The ECDF is computed per replication on a common grid, then averaged; the band is
    the pointwise 95% t-interval across replications. The title states the share of
    served residents within the target per scenario.

    Parameters
    ----------
    visits_by_scenario : mapping of str to DataFrame
        Scenario name to its ``visits`` table (columns ``replication``, ``outcome``,
        ``wait_min``; only ``outcome == "served"`` rows with a finite wait are used), or
        to a per-replication ECDF grid from :func:`wait_ecdf_grid` (``wait_ecdf.csv``
        of a run folder; drawn on its own grid, linear between grid minutes).
    target_wait_min : float
        Target wait in minutes, drawn as a vertical line.
    max_wait_min : float, optional
        Right end of the x axis; default: a round number above the largest 99th
        percentile of waits (at least 1.5 x target).
    grid_points : int
        Number of grid points for the ECDF.
    %(chart_options)s

    %(returns_figure)s
    """
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    names = list(visits_by_scenario)
    styles = style.series_styles(names)

    waits: dict[str, list[np.ndarray]] = {}
    grids: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, visits in visits_by_scenario.items():
        if _is_ecdf_grid(visits):
            cols = [(t, c) for c in visits.columns if (t := _grid_minute(c)) is not None]
            cols.sort()
            minutes = np.array([m for m, _ in cols], dtype=float)
            mat = visits[[c for _, c in cols]].to_numpy(dtype=float)
            mat = mat[np.isfinite(mat).any(axis=1)]
            grids[name] = (minutes, mat)
            waits[name] = []
            continue
        waits[name] = _served_waits_by_replication(visits)

    all_waits = [w for ws in waits.values() for w in ws]
    if max_wait_min is None:
        p99 = max((float(np.quantile(w, 0.99)) for w in all_waits), default=0.0)
        for minutes, mat in grids.values():
            if mat.size:  # first grid minute where the mean ECDF reaches 99%
                reach = np.flatnonzero(np.nanmean(mat, axis=0) >= 0.99)
                p99 = max(p99, float(minutes[reach[0]] if reach.size else minutes[-1]))
        max_wait_min = _nice_ceiling(max(p99, 1.5 * target_wait_min, 1.0))
    grid = np.linspace(0.0, max_wait_min, grid_points)

    shares: dict[str, tuple[float, float, float]] = {}
    n_max = 0
    for name in names:
        st = styles[name]
        reps = waits[name]
        x = grid
        if name in grids:
            minutes, mat = grids[name]
            if not mat.size:
                ax.plot([], [], color=st.color, label=_t("ecdf_no_served", lang, name=name))
                continue
            keep = minutes <= max_wait_min
            x, curves = minutes[keep], mat[:, keep]
            within = np.array([np.interp(target_wait_min, minutes, row) for row in mat])
        elif not reps:
            ax.plot([], [], color=st.color, label=_t("ecdf_no_served", lang, name=name))
            continue
        else:
            curves = np.vstack([np.searchsorted(w, grid, side="right") / w.size for w in reps])
            within = np.array([np.mean(w <= target_wait_min) for w in reps])
        mean, low, high, n = mean_ci(curves)
        m, lo, hi, _ = mean_ci(within)
        shares[name] = (float(m[0]), float(lo[0]), float(hi[0]))
        n_max = max(n_max, int(n.max()))
        ax.plot(
            x,
            100 * mean,
            color=st.color,
            linestyle=st.linestyle,
            linewidth=2.0,
            label=name,
        )
        low, high = _clip_interval(low, high, 1.0)
        if curves.shape[0] > 1:
            ax.fill_between(x, 100 * low, 100 * high, color=st.color, alpha=0.18, lw=0)
        ax.plot(
            [target_wait_min],
            [100 * shares[name][0]],
            marker=st.marker,
            color=st.color,
            markersize=7,
            markeredgecolor="white",
            linestyle="none",
        )

    ax.axvline(target_wait_min, color=style.TEXT_COLOR, linestyle=":", linewidth=1.2)
    # Left of the target line, at the bottom, where the legend (lower right) cannot cover
    # it; right of the line when the line is too close to the y axis.
    left = target_wait_min > 0.3 * max_wait_min
    label = _t("ecdf_target", lang, t=fmt_num(target_wait_min))
    ax.text(
        target_wait_min,
        2,
        f"{label} " if left else f" {label}",
        ha="right" if left else "left",
        va="bottom",
        fontsize=style.TICK_SIZE,
        color=style.TEXT_COLOR,
    )
    ax.set_xlim(0, max_wait_min)
    ax.set_ylim(0, 101)
    ax.set_xlabel(_t("ecdf_x", lang))
    ax.set_ylabel(_t("ecdf_y", lang))
    ax.yaxis.set_major_formatter(_plain_formatter())
    if names:
        ax.legend(loc="lower right")

    t_txt = fmt_num(target_wait_min)
    if title is None:
        if not shares:
            title = _t("ecdf_none", lang)
        elif len(shares) == 1:
            s_mean, s_lo, s_hi = next(iter(shares.values()))
            ci = "" if math.isnan(s_lo) else _t("ci", lang, lo=fmt_pct(s_lo), hi=fmt_pct(s_hi))
            title = _t("ecdf_one", lang, share=fmt_pct(s_mean), t=t_txt, ci=ci)
        else:
            ranked = sorted(shares.items(), key=lambda kv: -kv[1][0])
            if len(ranked) <= 3:
                items = [f"{k} {fmt_pct(v[0])}" for k, v in ranked]
                title = _t("ecdf_few", lang, t=t_txt, items=_join(items, lang))
            else:
                (best, bv), (worst, wv) = ranked[0], ranked[-1]
                title = _t(
                    "ecdf_many",
                    lang,
                    best=best,
                    worst=worst,
                    t=t_txt,
                    bs=fmt_pct(bv[0]),
                    ws=fmt_pct(wv[0]),
                )
    notes = _uncertainty_notes(n_max, lang, "band") if shares else []
    if shares:
        notes.append(_t("ecdf_note", lang))
    return style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)


# --------------------------------------------------------------------------- hourly_profile


@dataclass(frozen=True)
class _HourlyMetric:
    """Unit and how days are aggregated; axis label and title template are the
    catalogue messages ``chart.hourly_axis_<metric>`` and ``chart.hourly_title_<metric>``."""

    kind: Kind
    agg: Literal["mean", "ratio", "weighted"]


_HOURLY: dict[str, _HourlyMetric] = {
    "queue_mean": _HourlyMetric("residents", "mean"),
    "utilisation": _HourlyMetric("share", "ratio"),
    "wait_mean_min": _HourlyMetric("minutes", "weighted"),
    "arrivals": _HourlyMetric("count", "mean"),
    "served": _HourlyMetric("count", "mean"),
    "abandoned": _HourlyMetric("count", "mean"),
}


def _hourly_per_replication(hourly: pd.DataFrame, metric: str, by: str | None) -> pd.DataFrame:
    """Aggregate days per replication: columns replication, group, hour, value."""
    spec = _HOURLY[metric]
    df = _with_group(_with_replication(hourly), by)
    keys = ["replication", "_group", "hour"]
    if spec.agg == "ratio" and {"busy_min", "open_min"} <= set(df.columns):
        b_col, o_col = _busy_open_columns(df)
        sums = df.groupby(keys, observed=True)[[b_col, o_col]].sum()
        open_ = sums[o_col].to_numpy(dtype=float)
        busy = sums[b_col].to_numpy(dtype=float)
        out = pd.Series(_ratio(busy, open_, OPEN_EPS_MIN), index=sums.index)
    elif spec.agg == "weighted" and "served" in df.columns:
        w = df["served"].astype(float).where(np.isfinite(df[metric].astype(float)), 0.0)
        x = df[metric].astype(float).fillna(0.0) * w
        sums = df.assign(_w=w, _x=x).groupby(keys, observed=True)[["_w", "_x"]].sum()
        wsum = sums["_w"].to_numpy(dtype=float)
        out = pd.Series(_ratio(sums["_x"].to_numpy(dtype=float), wsum, 0.0), index=sums.index)
    else:
        out = df.groupby(keys, observed=True)[metric].mean()
    if "open_min" in df.columns:
        # Hours in which no window of this group of days ever opened are closed, not zero.
        opened = df.groupby(["_group", "hour"], observed=True)["open_min"].sum() > OPEN_EPS_MIN
        group_hour = pd.MultiIndex.from_arrays(
            [out.index.get_level_values("_group"), out.index.get_level_values("hour")]
        )
        is_open = opened.reindex(group_hour).to_numpy(dtype=bool)
        out = out.where(is_open)
    return out.rename("value").reset_index().rename(columns={"_group": "group"})


def _busy_open_columns(df: pd.DataFrame) -> tuple[str, str]:
    """Busy and open window-minute columns for utilisation: within opening hours when the
    table has them (after closing, windows only finish the residents already waiting, so
    they are busy by construction), else the totals (older result folders)."""
    if {"busy_in_hours_min", "open_in_hours_min"} <= set(df.columns):
        return "busy_in_hours_min", "open_in_hours_min"
    return "busy_min", "open_min"


def _window_minutes_per_day(hourly: pd.DataFrame, by: str | None, column: str) -> pd.Series:
    """Mean window-minutes per day of ``column`` in each (group, hour) slot.

    Index ``(group, hour)`` (group ``"all days"`` when ``by`` is None); empty when the
    table has no such column or no ``day``.
    """
    if column not in hourly.columns or "day" not in hourly.columns:
        return pd.Series(dtype=float)
    df = _with_group(_with_replication(hourly), by)
    days = df.drop_duplicates(["_group", "replication", "day"]).groupby("_group").size()
    total = df.groupby(["_group", "hour"], observed=True)[column].sum()
    return total / days.reindex(total.index.get_level_values("_group")).to_numpy(dtype=float)


def _overtime_per_day(hourly: pd.DataFrame, by: str | None) -> pd.Series:
    """Mean window-minutes a day open after closing (overtime) in each (group, hour) slot."""
    return _window_minutes_per_day(hourly, by, "overtime_window_min")


def _open_minutes_per_day(hourly: pd.DataFrame, by: str | None) -> pd.Series:
    """Mean open window-minutes per day in each (group, hour) slot."""
    return _window_minutes_per_day(hourly, by, "open_min")


def _active_hours(hourly: pd.DataFrame, agg: pd.DataFrame) -> list[int]:
    """Contiguous range of hours in which the centre was open or had activity."""
    mask = pd.Series(False, index=hourly.index)
    for col in ("open_min", "arrivals"):
        if col in hourly.columns:
            mask |= hourly[col].fillna(0).astype(float) > (OPEN_EPS_MIN if col == "open_min" else 0)
    hours = hourly.loc[mask, "hour"] if mask.any() else agg.loc[agg["value"].notna(), "hour"]
    if hours.empty:
        return []
    return list(range(int(hours.min()), int(hours.max()) + 1))


@CHART_DOCS.fill
def hourly_profile(
    hourly: pd.DataFrame,
    metric: str = "queue_mean",
    *,
    by: str | None = "day_type",
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (8.0, 4.6),
) -> Figure:
    """Mean of an hourly metric by hour of day, with a 95% CI band across replications.

    Days are aggregated within each replication first (utilisation as total busy over
    total open window-minutes, mean wait weighted by residents served, other metrics
    as the mean over days), then the replication values are averaged.

    Parameters
    ----------
    hourly : DataFrame
        The simulator's ``hourly`` table.
    metric : {"queue_mean", "utilisation", "wait_mean_min", "arrivals", "served", \
"abandoned"}
        Column to plot.
    by : str or None
        Column that splits lines (default ``"day_type"``); None pools all days.
    %(chart_options)s

    %(returns_figure)s

    %(raises_value_error)s
        If ``metric`` is not supported or ``by`` is not a column.
    """
    if metric not in _HOURLY:
        raise ValueError(f"metric must be one of {sorted(_HOURLY)}, got {metric!r}")
    if by is not None and by not in hourly.columns:
        raise ValueError(f"column {by!r} not in hourly table")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    spec = _HOURLY[metric]
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    agg = _hourly_per_replication(hourly, metric, by)
    hours = _active_hours(hourly, agg)
    groups = _order_categories(list(dict.fromkeys(agg["group"])))
    if by is not None and isinstance(hourly[by].dtype, pd.CategoricalDtype):
        present = set(groups)
        groups = [str(c) for c in hourly[by].cat.categories if str(c) in present]
    styles = style.series_styles([str(g) for g in groups])
    scale = _scale(spec.kind)

    best: tuple[float, int, str] | None = None
    n_max = 0
    drawn = 0
    open_per_day = _open_minutes_per_day(hourly, by) if spec.kind == "share" else None
    extra_notes: list[str] = []
    skipped_peak = False
    for g in groups:
        sub = agg[agg["group"] == g]
        if not hours:
            break
        mat = sub.pivot_table(
            index="replication", columns="hour", values="value", aggfunc="first", dropna=False
        ).reindex(columns=hours)
        mean, low, high, n = mean_ci(mat.to_numpy(dtype=float))
        if not np.isfinite(mean).any():
            continue
        st = styles[str(g)]
        label = _name(g, lang)
        ax.plot(
            hours,
            scale * mean,
            color=st.color,
            linestyle=st.linestyle,
            marker=st.marker,
            markersize=5,
            linewidth=1.8,
            label=label,
        )
        band = np.isfinite(low)
        low, high = _clip_interval(low, high, 1.0 if spec.kind == "share" else None)
        if band.any():
            ax.fill_between(
                hours, scale * low, scale * high, where=band, color=st.color, alpha=0.18, lw=0
            )
        n_max = max(n_max, int(n.max()))
        drawn += 1
        candidates = np.where(np.isfinite(mean), mean, -np.inf)
        if open_per_day is not None and not open_per_day.empty:
            thin = _thin_slots(open_per_day, g, hours)
            if thin.any() and not thin.all():
                skipped_peak = skipped_peak or bool(
                    candidates[thin].max() > candidates[~thin].max()
                )
                candidates = np.where(thin, -np.inf, candidates)
        i = int(np.argmax(candidates))
        if best is None or mean[i] > best[0]:
            best = (float(mean[i]), hours[i], label)

    if drawn == 0 or best is None:
        _no_data(ax, lang)
        title = title or _t("no_data", lang)
    else:
        _hour_ticks(ax, hours)
        ax.set_xlim(hours[0] - 0.4, hours[-1] + 0.4)
        ax.set_ylim(bottom=0)
        if spec.kind == "share":
            ax.set_ylim(0, max(100.0, ax.get_ylim()[1]))
        ax.set_xlabel(_t("hour_axis", lang))
        ax.set_ylabel(_t(f"hourly_axis_{metric}", lang))
        if drawn > 1:
            ax.legend(loc="upper right")
        if spec.agg == "ratio":
            ot_note = _mark_overtime(ax, hourly, agg, by, hours, lang)
            if ot_note:
                extra_notes.append(ot_note)
        g_txt = _t("peak_suffix", lang, g=best[2]) if drawn > 1 else ""
        if title is None:
            if best[0] <= 0:
                title = _t("hourly_zero", lang, label=_t(f"hourly_axis_{metric}", lang), g=g_txt)
            else:
                title = _t(
                    f"hourly_title_{metric}",
                    lang,
                    hour=fmt_hour(best[1]),
                    v=_fmt(best[0], spec.kind, lang),
                    g=g_txt,
                )
    notes = _uncertainty_notes(n_max, lang, "band") if drawn else []
    notes += extra_notes
    if skipped_peak:
        notes.append(_t("peak_note", lang, m=fmt_num(MIN_OPEN_FOR_PEAK_MIN)))
    return style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)


def _mark_overtime(
    ax: Axes,
    hourly: pd.DataFrame,
    agg: pd.DataFrame,
    by: str | None,
    hours: Sequence[int],
    lang: str,
) -> str:
    """Hatch the hour slots that lie wholly after closing (overtime) and return the note
    that explains them ("" when there are none)."""
    ot = _overtime_per_day(hourly, by)
    if ot.empty:
        return ""
    in_hours = agg.groupby("hour")["value"].apply(lambda v: bool(np.isfinite(v).any()))
    per_hour = ot.groupby(level=1).max()
    slots = [
        h for h in hours if per_hour.get(h, 0.0) > OPEN_EPS_MIN and not bool(in_hours.get(h, False))
    ]
    if not slots:
        return ""
    top = ax.get_ylim()[1]
    # One hatched band and one label per run of consecutive hours (overtime often spans
    # several hours after closing).
    runs: list[list[int]] = []
    for h in slots:
        if runs and h == runs[-1][-1] + 1:
            runs[-1].append(h)
        else:
            runs.append([h])
    for run in runs:
        ax.axvspan(
            run[0] - 0.5,
            run[-1] + 0.5,
            facecolor="#F2F2F2",
            edgecolor="#BBBBBB",
            hatch="//",
            lw=0,
            zorder=0,
        )
        ax.text(
            (run[0] + run[-1]) / 2,
            0.97 * top,
            _t("overtime_band", lang),
            ha="center",
            va="top",
            fontsize=style.TICK_SIZE - 1,
            color=style.MUTED_TEXT_COLOR,
            rotation=90,
        )
    minutes = float(sum(per_hour.get(h, 0.0) for h in slots))
    return _t("overtime_note", lang, m=fmt_num(minutes))


# --------------------------------------------------------------------------- heatmap


@CHART_DOCS.fill
def utilisation_heatmap(
    hourly: pd.DataFrame,
    *,
    by: str = "day_type",
    day0_weekday: int = 0,
    high_utilisation: float = 0.85,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Window utilisation by hour of day (columns) and day type or weekday (rows).

    Each cell is total busy over total open window-minutes, computed per replication
    and averaged; with several replications the cell also shows the half-width of the
    95% CI. Closed cells are grey.

    Parameters
    ----------
    hourly : DataFrame
        The simulator's ``hourly`` table.
    by : str
        Row variable: ``"day_type"`` (default), ``"weekday"`` or any column. For
        ``"weekday"`` without such a column, the weekday is ``(day + day0_weekday) % 7``
        with 0 = Monday.
    day0_weekday : int
        Weekday of ``day == 0`` (0 = Monday) when deriving weekdays.
    high_utilisation : float
        Threshold (fraction) counted in the title.
    %(chart_options)s
        The default grows with the number of rows.

    %(returns_figure)s

    %(raises_value_error)s
        If ``by`` is not a column of ``hourly`` (``"weekday"`` aside).
    """
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    df = _with_replication(hourly)
    weekday_rows = by == "weekday" and "weekday" not in df.columns
    if weekday_rows:
        df = df.assign(weekday=(df["day"].astype(int) + day0_weekday) % 7)
    if by not in df.columns:
        raise ValueError(f"column {by!r} not in hourly table")
    if not {"busy_min", "open_min"} <= set(df.columns):
        df = df.assign(
            busy_min=df["utilisation"].astype(float).fillna(0.0),
            open_min=np.where(df["utilisation"].notna(), 1.0, 0.0),
        )
    keys = ["replication", by, "hour"]
    b_col, o_col = _busy_open_columns(df)
    cols = list(dict.fromkeys(["busy_min", "open_min", b_col, o_col]))
    sums = df.groupby(keys, observed=True)[cols].sum().reset_index()
    sums["util"] = _ratio(
        sums[b_col].to_numpy(dtype=float), sums[o_col].to_numpy(dtype=float), OPEN_EPS_MIN
    )
    # Slots open only after closing (overtime): drawn hatched, never a peak.
    overtime_cells = (
        sums.assign(_ot=(sums["open_min"] > OPEN_EPS_MIN) & ~(sums[o_col] > OPEN_EPS_MIN))
        .groupby([by, "hour"], observed=True)["_ot"]
        .all()
    )

    open_hours = sums.loc[sums["open_min"] > OPEN_EPS_MIN, "hour"]
    open_per_day = _open_minutes_per_day(df, by)
    rows: list[Any] = (
        sorted(set(sums[by])) if weekday_rows else _order_categories(list(dict.fromkeys(sums[by])))
    )
    if figsize is None:
        figsize = (8.5, 2.4 + 0.5 * max(1, len(rows)))
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    ax.grid(False)
    n_max = 0
    skipped_peak = False
    if open_hours.empty or not rows:
        _no_data(ax, lang)
        title = title or _t("no_data", lang)
        notes: list[str] = []
    else:
        hours = list(range(int(open_hours.min()), int(open_hours.max()) + 1))
        mean_m = np.full((len(rows), len(hours)), np.nan)
        half_m = np.full_like(mean_m, np.nan)
        for i, r in enumerate(rows):
            mat = (
                sums[sums[by] == r]
                .pivot_table(index="replication", columns="hour", values="util", dropna=False)
                .reindex(columns=hours)
            )
            mean, _lo, hi, n = mean_ci(mat.to_numpy(dtype=float))
            mean_m[i] = mean
            half_m[i] = hi - mean
            n_max = max(n_max, int(n.max()) if n.size else 0)
        vmax = max(100.0, 100.0 * _nanmax(mean_m)) if np.isfinite(mean_m).any() else 100.0
        cmap = mpl.colormaps["cividis"].with_extremes(bad="#E6E6E6")
        image = ax.imshow(
            np.ma.masked_invalid(100.0 * mean_m),
            cmap=cmap,
            vmin=0.0,
            vmax=vmax,
            aspect="auto",
            interpolation="nearest",
        )
        for i in range(len(rows)):
            for j in range(len(hours)):
                m = mean_m[i, j]
                if not math.isfinite(m):
                    continue
                r, g, b, _ = cmap(min(1.0, 100.0 * m / vmax))
                light = 0.299 * r + 0.587 * g + 0.114 * b > 0.55
                txt = f"{100 * m:.0f}"
                if math.isfinite(half_m[i, j]):
                    txt += f"\n±{100 * half_m[i, j]:.0f}"
                ax.text(
                    j,
                    i,
                    txt,
                    ha="center",
                    va="center",
                    fontsize=7.5,
                    color="black" if light else "white",
                    linespacing=1.1,
                )
        any_overtime = False
        for i, r in enumerate(rows):
            for j, h in enumerate(hours):
                if bool(overtime_cells.get((r, h), False)) and not math.isfinite(mean_m[i, j]):
                    any_overtime = True
                    ax.add_patch(
                        Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#F2F2F2",
                                  edgecolor="#BBBBBB", hatch="//", linewidth=0)
                    )  # fmt: skip
        ax.set_xticks(range(len(hours)))
        ax.set_xticklabels([fmt_hour(h) for h in hours], rotation=45, ha="right")
        ax.set_yticks(range(len(rows)))
        if weekday_rows:
            ax.set_yticklabels([i18n.weekdays(lang)[int(r) % 7] for r in rows])
        else:
            ax.set_yticklabels([_name(r, lang) for r in rows])
        ax.set_xlabel(_t("hour_axis", lang))
        ax.set_ylabel(_t("weekday" if by == "weekday" else "day_type", lang))
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        cbar = fig.colorbar(image, ax=ax, fraction=0.04, pad=0.02)
        cbar.set_label(_t("heat_cbar", lang))
        cbar.ax.tick_params(labelsize=style.TICK_SIZE, labelfontfamily=list(families))
        cbar.outline.set_visible(False)
        if title is None:
            if not np.isfinite(mean_m).any():
                title = _t("no_data", lang)
            else:
                flat = np.where(np.isfinite(mean_m), mean_m, -np.inf)
                if not open_per_day.empty:
                    thin = np.array([_thin_slots(open_per_day, r, hours) for r in rows])
                    if thin.any() and not (thin | ~np.isfinite(flat)).all():
                        skipped_peak = bool(flat[thin].max() > flat[~thin].max())
                        flat = np.where(thin, -np.inf, flat)
                i, j = (int(v) for v in np.unravel_index(int(np.argmax(flat)), flat.shape))
                row_label = ax.get_yticklabels()[i].get_text()
                k = int((flat > high_utilisation).sum())
                title = _t(
                    "heat_title" if k else "heat_title_none",
                    lang,
                    v=fmt_pct(float(mean_m[i, j])),
                    row=row_label,
                    hour=fmt_hour(hours[j]),
                    k=k,
                    thr=fmt_pct(high_utilisation),
                )
        pm = _t("heat_pm", lang, n=n_max) if n_max > 1 else ""
        notes = [_t("heat_note", lang, pm=pm)]
        if any_overtime:
            notes.append(_t("heat_overtime_note", lang))
        if skipped_peak:
            notes.append(_t("peak_note", lang, m=fmt_num(MIN_OPEN_FOR_PEAK_MIN)))
        if n_max <= 1:
            notes.append(_t("single_rep", lang))
    return style.finish_figure(
        fig, title, families, [" ".join(notes)], footer, finding_lang=finding_lang
    )
