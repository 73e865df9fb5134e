"""City-wide charts: a rate by group (province, district) and the spread of a per-centre
metric across districts (for city and district planners)."""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from simulator.docstrings import DocTexts
from simulator.present import style
from simulator.present.charts.common import (
    CHART_DOCS,
    _ci_whiskers,
    _name,
    _no_data_figure,
    _round_towards,
    _t,
    _uncertainty_notes,
    mean_ci,
    require_columns,
)
from simulator.present.style import fmt_num, fmt_pct, fmt_pct_vs

# --------------------------------------------------------------------------- completion


#: The chart texts, and the options of the city charts (:mod:`simulator.docstrings`): the
#: group axis, and the chart options with a figure that grows with the number of groups.
_DOCS = DocTexts(
    CHART_DOCS,
    group_options=CHART_DOCS.render(
        """
        group_label : str, optional
            Axis label for the groups (default ``group_col``).
        %(chart_options)s
            The default grows with the number of groups.
        """,
        __name__,
    ),
)


def _group_stats(
    df: pd.DataFrame, group_col: str, value_col: str, order: Sequence[str] | None
) -> pd.DataFrame:
    """Per-group mean, ci_low, ci_high, n (pre-aggregated tables are passed through)."""
    if {"mean", "ci_low", "ci_high"} <= set(df.columns) and value_col not in df.columns:
        out = df.set_index(df[group_col].astype(str))[["mean", "ci_low", "ci_high"]].astype(float)
        out = out.assign(n=np.where(out["ci_low"].notna(), 2, 1))
    else:
        rows = []
        for g, sub in df.groupby(df[group_col].astype(str), sort=False, observed=True):
            m, lo, hi, n = mean_ci(sub[value_col].to_numpy(dtype=float))
            rows.append((g, m[0], lo[0], hi[0], int(n[0])))
        out = pd.DataFrame(rows, columns=["group", "mean", "ci_low", "ci_high", "n"]).set_index(
            "group"
        )
    if order is not None:
        out = out.reindex([str(o) for o in order])
    elif isinstance(df[group_col].dtype, pd.CategoricalDtype):
        out = out.reindex([str(c) for c in df[group_col].cat.categories])
    return out


@_DOCS.fill
def completion_by_group(
    df: pd.DataFrame,
    group_col: str,
    *,
    value_col: str = "completion_rate",
    order: Sequence[str] | None = None,
    target: float | None = None,
    rate_label: str | None = None,
    group_label: str | None = None,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars of a rate per group with 95% CI whiskers.

    For example cross-province one-visit completion by province, or any per-district
    rate. Groups are sorted from highest to lowest rate unless ``order`` is given;
    groups listed in ``order`` (or unused categories) without data are shown as
    "no data".

    Parameters
    ----------
    df : DataFrame
        Either one row per replication and group with ``value_col`` (a fraction; the
        CI is the t-interval across rows), or one row per group with ``mean``,
        ``ci_low`` and ``ci_high``.
    group_col : str
        Group column (province, district...).
    value_col : str
        Rate column for per-replication input.
    order : sequence of str, optional
        Groups to show, top to bottom.
    target : float, optional
        Target rate (fraction); bars below it are highlighted.
    rate_label : str, optional
        Name of the rate (default "One-visit completion rate").
    %(group_options)s

    %(returns_figure)s

    %(raises_value_error)s
        If ``group_col`` is not a column of ``df``.
    """
    # value_col may be absent from a summary table
    require_columns(df, (group_col,), "completion_by_group", "df")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    st = _group_stats(df, group_col, value_col, order)
    if order is None:
        st = st.sort_values("mean", ascending=False, na_position="last")
    label = rate_label or _t("comp_label", lang)
    if figsize is None:
        figsize = (8.0, 2.2 + 0.38 * max(1, len(st)) + (0.35 if target is not None else 0.0))
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    style.style_axes(ax, families, grid_axis="x")
    mean = st["mean"].to_numpy(dtype=float)
    lo, hi = st["ci_low"].to_numpy(dtype=float), st["ci_high"].to_numpy(dtype=float)
    valid = np.isfinite(mean)
    if not valid.any():
        return _no_data_figure(fig, ax, lang, title, families, footer)
    y = np.arange(len(st))[::-1]
    below = valid & (mean < target) if target is not None else np.zeros(len(st), dtype=bool)
    colors = np.where(below, style.HIGHLIGHT_COLOR, style.OKABE_ITO["blue"])
    bars = ax.barh(
        y, 100 * np.nan_to_num(mean), height=0.65, color=list(colors), edgecolor="white", zorder=2
    )
    for bar, b in zip(bars, below, strict=True):
        if b:
            bar.set_hatch("//")
            bar.set_edgecolor("black")
            bar.set_linewidth(0.4)
    has_ci = valid & np.isfinite(lo) & np.isfinite(hi)
    _ci_whiskers(ax, y, mean, lo, hi, has_ci, horizontal=True, scale=100.0, upper=1.0)
    right = np.where(np.isfinite(hi), hi, mean)
    for yi, m, r in zip(y, mean, right, strict=True):
        text = fmt_pct_vs(m, target) if math.isfinite(m) else _t("no_data_short", lang)
        xpos = 100 * r if math.isfinite(r) else 0.0
        ax.annotate(
            text,
            (xpos, yi),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=style.TEXT_COLOR if math.isfinite(m) else style.MUTED_TEXT_COLOR,
        )
    handles: list[Any] = []
    if target is not None:
        ax.axvline(100 * target, color=style.TEXT_COLOR, linestyle=":", linewidth=1.2, zorder=4)
        handles = [
            Line2D(
                [],
                [],
                color=style.TEXT_COLOR,
                linestyle=":",
                label=_t("target", lang, v=fmt_pct(target)),
            ),
            Patch(
                facecolor=style.HIGHLIGHT_COLOR,
                hatch="//",
                edgecolor="black",
                label=_t("below_target", lang),
            ),
            Patch(facecolor=style.OKABE_ITO["blue"], label=_t("at_or_above", lang)),
        ]
    groups = [_name(g, lang) for g in st.index]
    ax.set_yticks(y)
    ax.set_yticklabels(groups)
    ax.set_xlim(0, 112)
    ax.set_xticks([0, 20, 40, 60, 80, 100])
    ax.set_xlabel(f"{label} (%)" if lang == "en" else f"{label}（%）")
    ax.set_ylabel(group_label or group_col)
    if title is None:
        vg = [(m, g) for m, g, v in zip(mean, groups, valid, strict=True) if v]
        if len(vg) == 1:
            title = _t("comp_one", lang, label=label, v=fmt_pct_vs(vg[0][0], target), g=vg[0][1])
        else:
            (mlo, glo), (mhi, ghi) = min(vg), max(vg)
            title = _t(
                "comp_range",
                lang,
                label=label,
                lo=fmt_pct_vs(mlo, target),
                glo=glo,
                hi=fmt_pct_vs(mhi, target),
                ghi=ghi,
            )
        if target is not None:
            title += _t("comp_below", lang, k=int(below.sum()), n=len(vg), t=fmt_pct(target))
        missing = int((~valid).sum())
        if missing:
            title += _t("comp_missing", lang, k=missing)
    notes = _uncertainty_notes(2 if has_ci.any() else 1, lang, "whisker")
    # The legend goes below the axes (the lowest bars are the below-target ones).
    legend = (handles, [str(h.get_label()) for h in handles], len(handles)) if handles else None
    return style.finish_figure(
        fig, title, families, notes, footer, legend, finding_lang=finding_lang
    )


# --------------------------------------------------------------------------- spread


@_DOCS.fill
def spread_across(
    df: pd.DataFrame,
    value_col: str,
    group_col: str,
    *,
    higher_is_worse: bool = True,
    value_label: str | None = None,
    unit: str = "",
    percent: bool = False,
    order: Sequence[str] | None = None,
    group_label: str | None = None,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """City view: distribution of a per-centre metric by district, worst decile highlighted.

    Each group gets a box (median, interquartile range) with every centre as a point;
    the worst 10% of centres city-wide (at least one) are drawn as large highlighted
    triangles; a diamond with whiskers gives the group mean and its 95% CI.

    Parameters
    ----------
    df : DataFrame
        One row per centre with ``value_col`` and ``group_col``.
    value_col : str
        Metric per centre (e.g. ``"wait_p90_min"``).
    group_col : str
        Grouping column (e.g. ``"district"``).
    higher_is_worse : bool
        Whether large values are bad (waits) or good (service level).
    value_label : str, optional
        Short metric name for the axis and title (default ``value_col``).
    unit : str
        Unit appended to the axis label and title numbers (e.g. "min"); ignored when
        ``percent`` is True.
    percent : bool
        Values are fractions to show as percentages.
    order : sequence of str, optional
        Groups to show; default sorted by median, worst at the top.
    %(group_options)s

    %(returns_figure)s

    %(raises_value_error)s
        If ``value_col`` or ``group_col`` is not a column of ``df``.
    """
    require_columns(df, (value_col, group_col), "spread_across", "df")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    label = value_label or value_col
    scale = 100.0 if percent else 1.0
    values = df[value_col].to_numpy(dtype=float) * scale
    groups_raw = df[group_col].astype(str).to_numpy()
    finite = np.isfinite(values)
    by_group: dict[str, np.ndarray] = {}
    for g in dict.fromkeys(groups_raw):
        by_group[g] = values[(groups_raw == g) & finite]
    if order is not None:
        names = [str(o) for o in order]
    else:
        sign = -1.0 if higher_is_worse else 1.0
        names = sorted(
            by_group,
            key=lambda g: (
                by_group[g].size == 0,
                sign * float(np.median(by_group[g])) if by_group[g].size else 0.0,
            ),
        )
    if figsize is None:
        figsize = (8.5, 2.3 + 0.36 * max(1, len(names)))
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    style.style_axes(ax, families, grid_axis="x")
    if not finite.any():
        return _no_data_figure(fig, ax, lang, title, families, footer)

    n_total = int(finite.sum())
    k = max(1, math.ceil(n_total / 10))
    idx = np.flatnonzero(finite)
    ranked = idx[np.argsort(values[idx], kind="stable")]
    worst_idx = ranked[-k:] if higher_is_worse else ranked[:k]
    threshold = float(values[worst_idx].min() if higher_is_worse else values[worst_idx].max())
    worst = np.zeros(len(values), dtype=bool)
    worst[worst_idx] = True

    y_of = {g: len(names) - 1 - i for i, g in enumerate(names)}
    rng = np.random.default_rng(12345)
    present = [g for g in names if by_group.get(g, np.empty(0)).size]
    if present:
        ax.boxplot(
            [by_group[g] for g in present],
            positions=[y_of[g] for g in present],
            orientation="horizontal",
            widths=0.55,
            showfliers=False,
            patch_artist=True,
            manage_ticks=False,
            boxprops={"facecolor": "#F2F2F2", "edgecolor": "#666666", "linewidth": 0.9},
            medianprops={"color": style.TEXT_COLOR, "linewidth": 1.6},
            whiskerprops={"color": "#666666", "linewidth": 0.9},
            capprops={"color": "#666666", "linewidth": 0.9},
            zorder=1,
        )
    mask_known = np.isin(groups_raw, names) & finite
    ys = np.array([y_of.get(g, -10) for g in groups_raw], dtype=float)
    jitter = rng.uniform(-0.16, 0.16, size=len(values))
    normal = mask_known & ~worst
    hl = mask_known & worst
    ax.scatter(
        values[normal],
        ys[normal] + jitter[normal],
        s=14,
        color=style.OKABE_ITO["blue"],
        alpha=0.65,
        linewidths=0,
        zorder=2,
        label=_t("spread_centre", lang),
    )
    ax.scatter(
        values[hl],
        ys[hl] + jitter[hl],
        s=46,
        marker="^",
        color=style.HIGHLIGHT_COLOR,
        edgecolors="black",
        linewidths=0.5,
        zorder=3,
        label=_t("spread_worst", lang),
    )
    ci_drawn = False
    for g in present:
        m, lo, hi, n = mean_ci(by_group[g])
        yy = y_of[g] - 0.38
        if n[0] > 1 and math.isfinite(lo[0]):
            ax.errorbar(
                [m[0]],
                [yy],
                xerr=[[m[0] - lo[0]], [hi[0] - m[0]]],
                fmt="D",
                color=style.TEXT_COLOR,
                markersize=4,
                capsize=2.5,
                elinewidth=1.0,
                zorder=4,
                label=_t("spread_mean", lang) if not ci_drawn else None,
            )
            ci_drawn = True
        else:
            ax.plot([m[0]], [yy], "D", color=style.TEXT_COLOR, markersize=4, zorder=4)
    ticklabels = []
    for g in names:
        n_g = by_group.get(g, np.empty(0)).size
        name = _name(g, lang)
        ticklabels.append(f"{name} (n={n_g})" if n_g else f"{name} ({_t('no_data_short', lang)})")
    ax.set_yticks([y_of[g] for g in names])
    ax.set_yticklabels(ticklabels)
    ax.set_ylim(-0.75, len(names) - 0.4)
    ax.axvline(threshold, color=style.HIGHLIGHT_COLOR, linestyle=":", linewidth=1.0, zorder=0)
    unit_txt = "%" if percent else unit
    axis_unit = (
        f" ({unit_txt})" if unit_txt and lang == "en" else (f"（{unit_txt}）" if unit_txt else "")
    )
    ax.set_xlabel(f"{label}{axis_unit}")
    ax.set_ylabel(group_label or group_col)
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, borderaxespad=0.3)
    if title is None:
        worst_groups = pd.Series(groups_raw[worst]).value_counts()
        top_g, m_top = str(worst_groups.index[0]), int(worst_groups.iloc[0])
        # Round the threshold towards "better" so every highlighted centre satisfies it.
        shown = _round_towards(threshold, down=higher_is_worse)
        thr = f"{fmt_num(shown)}%" if percent else (f"{fmt_num(shown)} {unit}".strip())
        title = _t(
            "spread_title_high" if higher_is_worse else "spread_title_low",
            lang,
            k=k,
            label=label,
            thr=thr,
            m=m_top,
            g=_name(top_g, lang),
        )
    return style.finish_figure(
        fig, title, families, [_t("spread_note", lang)], footer, finding_lang=finding_lang
    )
