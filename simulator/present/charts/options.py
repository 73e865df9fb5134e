"""Charts that compare options: KPIs side by side and the cost-service frontier (for
decision makers choosing between layouts and staffing plans)."""

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from simulator.present import style
from simulator.present.charts.common import (
    CHART_DOCS,
    Kind,
    KpiMeta,
    _ci_whiskers,
    _fmt,
    _kind_axis,
    _kpi_meta,
    _nanmax,
    _no_data_figure,
    _scale,
    _t,
    _uncertainty_notes,
)
from simulator.present.style import fmt_num, fmt_pct, fmt_pct_vs

# --------------------------------------------------------------------------- kpi_comparison


def _summary_value(summary: pd.DataFrame, kpi: str) -> tuple[float, float, float]:
    """(mean, ci_low, ci_high) of a KPI in a summary table, NaN when missing."""
    if kpi not in summary.index:
        return math.nan, math.nan, math.nan
    row = summary.loc[kpi]
    vals = [
        float(np.asarray(row[c], dtype=float)) if c in row.index else math.nan
        for c in ("mean", "ci_low", "ci_high")
    ]
    return vals[0], vals[1], vals[2]


_VERBS = {"kpi_lower": ("cuts", "cut"), "kpi_higher": ("raises", "raise"),
          "kpi_equal": ("leaves", "leave")}  # fmt: skip


def _kpi_title(
    summaries: Mapping[str, pd.DataFrame],
    kpi: str,
    baseline: str,
    meta: KpiMeta,
    lang: str,
    differences: Mapping[str, tuple[float, float, float]] | None = None,
) -> str:
    """Finding for the headline KPI: best alternative against the baseline.

    A difference is stated as a change only when it is clear: the paired 95% interval
    of ``differences`` excludes zero, or (without paired differences) the two 95%
    confidence intervals do not overlap. Otherwise the title says there is no clear
    difference.
    """
    kname = meta.zh if lang == "zh" else meta.en
    b, blo, bhi = _summary_value(summaries[baseline], kpi)
    alts = {
        k: _summary_value(s, kpi)
        for k, s in summaries.items()
        if k != baseline and math.isfinite(_summary_value(s, kpi)[0])
    }
    fb = _fmt(b, meta.kind, lang)
    if not alts or not math.isfinite(b):
        return _t("kpi_only", lang, base=baseline, kpi=kname, b=fb)
    if meta.direction == 0:
        alt = max(alts, key=lambda k: abs(alts[k][0] - b))
    elif meta.direction < 0:
        alt = min(alts, key=lambda k: alts[k][0])
    else:
        alt = max(alts, key=lambda k: alts[k][0])
    a, alo, ahi = alts[alt]
    fa = _fmt(a, meta.kind, lang)
    kw = {"alt": alt, "base": baseline, "kpi": kname, "a": fa, "b": fb}
    plural = lang == "en" and style.is_plural_name(alt)
    note = ""
    diff = (differences or {}).get(alt)
    if diff is not None and math.isfinite(diff[1]) and math.isfinite(diff[2]):
        clear: bool | None = diff[1] > 0 or diff[2] < 0
        if clear:
            scale = _scale(meta.kind)
            unit = " pp" if meta.kind == "share" else (" min" if meta.kind == "minutes" else "")
            unit = unit if lang == "en" else ""
            lo_txt, hi_txt = (f"{scale * v:+.1f}{unit}" for v in diff[1:])
            note = _t("kpi_paired_clear", lang, lo=lo_txt, hi=hi_txt)
        else:
            note = _t("kpi_paired_zero", lang)
    elif all(math.isfinite(x) for x in (blo, bhi, alo, ahi)):
        clear = not (alo <= bhi and blo <= ahi)
        note = "" if clear else _t("kpi_overlap", lang)
    else:
        clear = None  # no interval to judge by
    if fa == fb:
        key = "kpi_equal"
        note = ""
    elif meta.direction == 0:
        key = "kpi_neutral"
    elif (a - b) * meta.direction > 0:
        key = "kpi_unclear" if clear is False else ("kpi_higher" if a > b else "kpi_lower")
    else:
        key = "kpi_no_better"
    if key == "kpi_unclear" or key == "kpi_neutral":
        note = "" if key == "kpi_neutral" else note
    if key in _VERBS:
        kw["verb"] = _VERBS[key][1 if plural else 0]
    return _t(key, lang, **kw) + note


@CHART_DOCS.fill
def kpi_comparison(
    summaries: Mapping[str, pd.DataFrame],
    kpis: Sequence[str],
    baseline: str,
    *,
    kpi_meta: Mapping[str, KpiMeta] | None = None,
    differences: Mapping[str, tuple[float, float, float]] | None = None,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Compare KPIs across 1-8 scenarios: bars with 95% CI whiskers, baseline marked.

    KPIs with different units (minutes, percent, counts...) go to separate panels
    (small multiples). The title compares the best alternative with the baseline on
    the first KPI and states a change only when it is clear (else "no clear
    difference").

    Parameters
    ----------
    summaries : mapping of str to DataFrame
        Scenario name to its ``summary`` table (index KPI; columns ``mean``,
        ``ci_low``, ``ci_high``).
    kpis : sequence of str
        KPIs to show, headline first.
    baseline : str
        Key of ``summaries`` drawn in grey and used as reference.
    kpi_meta : mapping of str to KpiMeta, optional
        Names, units and directions for KPIs not in :data:`KPI_META` (or overrides).
    differences : mapping of str to (mean, ci_low, ci_high), optional
        Paired difference (option - baseline) of the first KPI per option, e.g. under
        common random numbers; the title then calls a change clear only when its
        interval excludes zero (without it: when the two 95% CIs do not overlap).
    %(chart_options)s
        The default grows with the number of panels.

    %(returns_figure)s

    %(raises_value_error)s
        If ``baseline`` is not in ``summaries``, no KPI is given, or more than 8
        scenarios are passed.
    """
    if baseline not in summaries:
        raise ValueError(f"baseline {baseline!r} not among scenarios {list(summaries)}")
    if not kpis:
        raise ValueError("kpis must not be empty")
    if len(summaries) > 8:
        raise ValueError("kpi_comparison shows at most 8 scenarios")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    names = [baseline, *[k for k in summaries if k != baseline]]
    styles = style.series_styles(names, baseline=baseline)
    metas = {k: _kpi_meta(k, kpi_meta) for k in kpis}
    panels: dict[Kind, list[str]] = {}
    for k in kpis:
        panels.setdefault(metas[k].kind, []).append(k)
    n_panels = len(panels)
    widths = [max(1, len(v)) for v in panels.values()]
    if figsize is None:
        figsize = (min(13.0, max(7.0, 1.6 + sum(1.1 + 0.35 * len(names) * w for w in widths))), 5.0)
    fig, axes = style.new_figure(families, figsize, 1, n_panels, width_ratios=widths)
    n_bars = len(names) * len(kpis)
    bar_w = 0.8 / len(names)
    any_ci = False
    for ax, (kind, group) in zip(axes, panels.items(), strict=True):
        scale = _scale(kind)
        x = np.arange(len(group))
        for j, name in enumerate(names):
            st = styles[name]
            vals = np.array([_summary_value(summaries[name], k) for k in group]) * scale
            mean, lo, hi = vals[:, 0], vals[:, 1], vals[:, 2]
            pos = x + (j - (len(names) - 1) / 2) * bar_w
            has_ci = np.isfinite(lo) & np.isfinite(hi)
            any_ci = any_ci or bool(has_ci.any())
            bars = ax.bar(
                pos,
                np.nan_to_num(mean),
                width=bar_w * 0.92,
                color=st.color,
                hatch=st.hatch,
                edgecolor="black" if name == baseline else "white",
                linewidth=1.2 if name == baseline else 0.5,
                label=(
                    _t("baseline", lang, name=name)
                    if name == baseline and name.lower() not in ("baseline", "基准")
                    else name
                ),
                zorder=2,
            )
            for bar, h in zip(bars, mean, strict=True):
                if not math.isfinite(h):
                    bar.set_visible(False)
            _ci_whiskers(ax, pos, mean, lo, hi, has_ci, upper=100.0 if kind == "share" else None)
            if n_bars <= 24:
                for p, m, h in zip(pos, mean, np.where(np.isfinite(hi), hi, mean), strict=True):
                    label = "n/a" if not math.isfinite(m) else fmt_num(m)
                    ax.annotate(
                        label,
                        (p, h if math.isfinite(h) else 0.0),
                        xytext=(0, 2),
                        textcoords="offset points",
                        ha="center",
                        va="bottom",
                        fontsize=7,
                        color=style.MUTED_TEXT_COLOR,
                    )
            if name == baseline:
                for xi, m in zip(x, mean, strict=True):
                    if math.isfinite(m):
                        ax.hlines(
                            m,
                            xi - 0.45,
                            xi + 0.45,
                            colors=style.BASELINE_COLOR,
                            linestyles="--",
                            linewidth=1.0,
                            zorder=4,
                        )
        ticklabels = []
        for k in group:
            meta = metas[k]
            text = meta.zh if lang == "zh" else meta.en
            slot_in = 0.85 * figsize[0] * len(group) / sum(widths) / len(group)
            text = style.wrap_text(text, max(0.7, slot_in), style.TICK_SIZE, families=families)
            if meta.direction:
                key = "kpi_lower_better" if meta.direction < 0 else "kpi_higher_better"
                text += "\n" + _t(key, lang)
            ticklabels.append(text)
        ax.set_xticks(x)
        ax.set_xticklabels(ticklabels)
        ax.set_xlabel(_t("kpi_axis", lang))
        ax.set_xlim(-0.55, len(group) - 0.45)
        ax.set_ylabel(_kind_axis(kind, lang))
        ax.yaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
        ax.margins(y=0.12)
        ax.set_ylim(bottom=0)
        panel_max = _nanmax(
            np.array([_summary_value(summaries[n], k) for n in names for k in group]) * scale
        )
        if not panel_max > 0:  # all zero or missing: avoid a meaningless 0-0.06 axis
            ax.set_ylim(0, 1)
    handles, labels = axes[0].get_legend_handles_labels()
    if title is None:
        title = _kpi_title(summaries, kpis[0], baseline, metas[kpis[0]], lang, differences)
    notes = [_t("kpi_baseline_line", lang)]
    notes += _uncertainty_notes(2 if any_ci else 1, lang, "whisker")
    ncols = min(len(names), 4)
    # Option names in words can be long: wrap each to its column of the legend row.
    col_in = max(1.0, fig.get_figwidth() / ncols - 0.7)
    labels = [style.wrap_text(lb, col_in, style.TICK_SIZE, families=families) for lb in labels]
    legend = (handles, labels, ncols)
    return style.finish_figure(
        fig, title, families, [" ".join(notes)], footer, legend, finding_lang=finding_lang
    )


# --------------------------------------------------------------------------- frontier


def _first_column(df: pd.DataFrame, *candidates: str) -> str | None:
    return next((c for c in candidates if c in df.columns), None)


def pareto_frontier(cost: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Indices of options not dominated (no other option is cheaper and better).

    Parameters
    ----------
    cost : numpy.ndarray
        Cost per option (lower is better).
    value : numpy.ndarray
        Service level per option (higher is better); NaN options are excluded.

    Returns
    -------
    numpy.ndarray
        Indices of frontier options in increasing cost.
    """
    ok = np.flatnonzero(np.isfinite(cost) & np.isfinite(value))
    order = ok[np.lexsort((-value[ok], cost[ok]))]
    frontier: list[int] = []
    best = -np.inf
    for i in order:
        if value[i] > best:
            frontier.append(int(i))
            best = value[i]
    return np.asarray(frontier, dtype=int)


def _corners(dx: int, dy: int) -> tuple[tuple[int, int, str, str], ...]:
    """The four diagonal places at offset (dx, dy): right below, right above, left above,
    left below."""
    return (
        (dx, -dy, "left", "top"),
        (dx, dy, "left", "bottom"),
        (-dx, dy, "right", "bottom"),
        (-dx, -dy, "right", "top"),
    )


#: Candidate places of a point's label: (dx, dy) offset of its anchor in points, with the
#: alignment; nearest first (diagonals, then straight above and below, further out).
_LABEL_CANDIDATES: tuple[tuple[int, int, str, str], ...] = (
    *_corners(9, 6),
    (0, 12, "center", "bottom"),
    (0, -12, "center", "top"),
    *_corners(14, 22),
    (0, 30, "center", "bottom"),
    (0, -30, "center", "top"),
    *_corners(24, 40),
)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return not (a[2] <= b[0] or a[0] >= b[2] or a[3] <= b[1] or a[1] >= b[3])


def _place_labels(
    fig: Figure,
    ax: Axes,
    points: Sequence[tuple[float, float, str, bool]],
    obstacles: Sequence[tuple[float, float, float, float]],
    families: Sequence[str],
    fontsize: float = 8.0,
) -> None:
    """Annotate points with labels that overlap neither each other nor what is drawn.

    Runs on the finished figure: the layout is computed once with the Agg renderer and
    then frozen, so every box is measured in its final place (pixels), not estimated.
    For each label (in the given order) the nearest candidate place whose box stays
    inside the axes and clear of the markers, whiskers, frontier line, legend, target
    label and earlier labels is taken, with a thin leader line when it sits far from its
    point. A point with no free place stays unlabelled, except an emphasised (bold) one.

    Parameters
    ----------
    points : sequence of (x, y, text, bold)
        Data coordinates of the labelled points (y as drawn), text and emphasis.
    obstacles : sequence of (x0, y0, x1, y1)
        Data-coordinate boxes of what is drawn (a marker is a point box, a whisker a
        vertical segment, a frontier line segment its bounding box).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.font_manager import FontProperties

    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    fig.set_layout_engine("none")  # freeze the layout: boxes measured now stay true
    renderer = canvas.get_renderer()
    px = fig.dpi / 72.0
    pad = 2.0 * px
    marker_r = 5.5 * px
    frame = ax.get_window_extent(renderer)
    taken: list[tuple[float, float, float, float]] = []
    for x0, y0, x1, y1 in obstacles:
        (a0, b0), (a1, b1) = ax.transData.transform([(x0, y0), (x1, y1)])
        taken.append((min(a0, a1) - marker_r, min(b0, b1) - marker_r,
                      max(a0, a1) + marker_r, max(b0, b1) + marker_r))  # fmt: skip
    for artist in [*ax.texts, ax.get_legend()]:
        if artist is not None and artist.get_visible():
            e = artist.get_window_extent(renderer)
            taken.append((e.x0, e.y0, e.x1, e.y1))
    for x, y, text, bold in points:
        fams, weight = style.title_font(text, families) if bold else (list(families), "normal")
        prop = FontProperties(family=fams, size=fontsize, weight=weight)
        w, h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
        h = max(h, fontsize * px)
        sx, sy = ax.transData.transform((x, y))
        choice = None
        for cand in _LABEL_CANDIDATES:
            dx, dy, ha, va = cand
            ax_ = sx + dx * px
            ay_ = sy + dy * px
            left = ax_ - (w if ha == "right" else w / 2 if ha == "center" else 0.0)
            bottom = ay_ - (h if va == "top" else 0.0)
            box = (left - pad, bottom - pad, left + w + pad, bottom + h + pad)
            inside = (box[0] >= frame.x0 and box[2] <= frame.x1
                      and box[1] >= frame.y0 and box[3] <= frame.y1)  # fmt: skip
            if inside and not any(_overlaps(box, o) for o in taken):
                choice = (cand, box)
                break
        if choice is None:
            if not bold:
                continue  # no free place: leave this point unlabelled rather than overlap
            cand = _LABEL_CANDIDATES[0]
            choice = (cand, (sx, sy, sx + w, sy + h))
        (dx, dy, ha, va), box = choice
        taken.append(box)
        far = abs(dx) > 12 or abs(dy) > 14
        ann = ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            fontweight=weight,
            fontfamily=fams,
            color=style.TEXT_COLOR,
            zorder=5,
            annotation_clip=False,
            arrowprops=(
                {
                    "arrowstyle": "-",
                    "color": "#888888",
                    "linewidth": 0.6,
                    "shrinkA": 0,
                    "shrinkB": 5,
                }
                if far
                else None
            ),
        )
        if bold:
            style.embolden(ann, text, families)


@CHART_DOCS.fill
def cost_service_frontier(
    options: pd.DataFrame,
    recommended: str | None = None,
    *,
    target: float | None = None,
    cost_label: str | None = None,
    label_all: bool = False,
    lang: str = "en",
    footer: str | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (8.0, 5.2),
    title_names: Mapping[str, str] | None = None,
) -> Figure:
    """Staffing options: daily cost against service level, with the Pareto frontier.

    Points on the cost-efficient frontier and the recommended option are labelled
    (every option with ``label_all``), at offsets chosen so labels do not overlap.

    Parameters
    ----------
    options : DataFrame
        One row per option with columns ``option``, ``cost_per_day`` (CNY),
        ``service_level`` (or ``service_level_mean``; fraction), ``ci_low`` and
        ``ci_high`` (or ``service_level_ci_low`` / ``service_level_ci_high``; may be
        NaN) and ``meets_target`` (bool).
    recommended : str, optional
        Option to mark with a star.
    target : float, optional
        Service-level target (fraction), drawn as a horizontal line.
    cost_label : str, optional
        x-axis label; default "Cost per day (CNY)" (whatever ``cost_per_day`` holds:
        the recommender's is staff on duty + amortised training + windows).
    label_all : bool
        Label every option, not only the frontier and the recommended one.
    %(chart_options)s
    title_names : mapping, optional
        Option name -> the name to use in the computed title (e.g. an option code ->
        its words); the points keep the short names.

    %(returns_figure)s

    %(raises_value_error)s
        If required columns are missing or ``recommended`` is not an option.
    """
    sl_col = _first_column(options, "service_level", "service_level_mean", "mean")
    lo_col = _first_column(options, "ci_low", "service_level_ci_low")
    hi_col = _first_column(options, "ci_high", "service_level_ci_high")
    if sl_col is None or not {"option", "cost_per_day"} <= set(options.columns):
        raise ValueError("options needs columns option, cost_per_day and service_level")
    names = [str(o) for o in options["option"]]
    if recommended is not None and recommended not in names:
        raise ValueError(f"recommended option {recommended!r} not in options")
    lang, families = style.resolve_language(lang)
    finding_lang = lang if title is None else None  # computed titles: see finish_figure
    fig, axes = style.new_figure(families, figsize)
    ax = axes[0]
    style.style_axes(ax, families, grid_axis="both")
    cost = options["cost_per_day"].to_numpy(dtype=float)
    sl = options[sl_col].to_numpy(dtype=float)
    lo = options[lo_col].to_numpy(dtype=float) if lo_col else np.full_like(sl, np.nan)
    hi = options[hi_col].to_numpy(dtype=float) if hi_col else np.full_like(sl, np.nan)
    judged = "meets_target" in options.columns or target is not None
    if "meets_target" in options.columns:
        meets = options["meets_target"].fillna(False).to_numpy(dtype=bool)
    elif target is not None:
        meets = np.nan_to_num(sl, nan=-1.0) >= target
    else:
        meets = np.ones(len(sl), dtype=bool)
    ok = np.isfinite(cost) & np.isfinite(sl)
    if not ok.any():
        return _no_data_figure(fig, ax, lang, title, families, footer)

    front = pareto_frontier(cost, sl)
    on_front = np.zeros(len(sl), dtype=bool)
    on_front[front] = True
    ax.plot(
        cost[front],
        100 * sl[front],
        color=style.MUTED_TEXT_COLOR,
        linestyle="--",
        linewidth=1.2,
        zorder=1,
        label=_t("front_line", lang),
    )
    has_ci = ok & np.isfinite(lo) & np.isfinite(hi)
    _ci_whiskers(ax, cost, sl, lo, hi, has_ci, scale=100.0, upper=1.0, ecolor="#555555", zorder=2)
    green, red = style.OKABE_ITO["bluish_green"], style.HIGHLIGHT_COLOR
    for mask, color, marker, key in (
        (ok & meets, green, "o", "front_meets"),
        (ok & ~meets, red, "X", "front_misses"),
    ):
        if mask.any():
            ax.scatter(
                cost[mask],
                100 * sl[mask],
                s=np.where(on_front[mask], 70, 45),
                c=color,
                marker=marker,
                edgecolors="black",
                linewidths=0.6,
                alpha=1.0,
                zorder=3,
                label=_t(key, lang),
            )
    r_idx = names.index(recommended) if recommended is not None else None
    if r_idx is not None and ok[r_idx]:
        ax.scatter(
            [cost[r_idx]],
            [100 * sl[r_idx]],
            s=320,
            marker="*",
            facecolors="none",
            edgecolors="black",
            linewidths=1.4,
            zorder=4,
            label=_t("front_rec", lang),
        )
    if target is not None:
        ax.axhline(100 * target, color=style.TEXT_COLOR, linestyle=":", linewidth=1.1)
        ax.annotate(
            _t("front_target", lang, v=fmt_pct(target)),
            (0.0, 100 * target),
            xycoords=("axes fraction", "data"),
            xytext=(3, 3),
            textcoords="offset points",
            fontsize=style.TICK_SIZE,
            color=style.TEXT_COLOR,
        )
    span = float(np.ptp(cost[ok])) or max(1.0, abs(float(cost[ok][0])) * 0.1)
    ax.set_xlim(float(cost[ok].min()) - 0.08 * span, float(cost[ok].max()) + 0.22 * span)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:,.0f}"))
    ax.set_xlabel(cost_label or _t("front_x", lang))
    ax.set_ylabel(_t("front_y", lang))
    ys = 100 * sl[ok]
    if target is not None:
        ys = np.append(ys, 100 * target)
    y_lo, y_hi = float(np.min(ys)), float(np.max(ys))
    y_pad = max(1.0, 0.15 * (y_hi - y_lo))
    ax.set_ylim(y_lo - y_pad, min(100.0 + y_pad, y_hi + y_pad))
    ax.legend(loc="lower right")

    labelled = [int(i) for i in np.flatnonzero(ok & (on_front | label_all))]
    if r_idx is not None and ok[r_idx]:
        labelled = [r_idx, *[i for i in labelled if i != r_idx]]
    drawn: list[tuple[float, float, float, float]] = [
        (cost[i], 100 * sl[i], cost[i], 100 * sl[i]) for i in np.flatnonzero(ok)
    ]
    drawn += [(cost[i], 100 * lo[i], cost[i], 100 * hi[i]) for i in np.flatnonzero(has_ci)]
    fc, fs = cost[front], 100 * sl[front]
    for k in range(len(front) - 1):  # the frontier line, in short pieces
        for f0, f1 in ((j / 4, (j + 1) / 4) for j in range(4)):
            xa, xb = fc[k] + f0 * (fc[k + 1] - fc[k]), fc[k] + f1 * (fc[k + 1] - fc[k])
            ya, yb = fs[k] + f0 * (fs[k + 1] - fs[k]), fs[k] + f1 * (fs[k + 1] - fs[k])
            drawn.append((min(xa, xb), min(ya, yb), max(xa, xb), max(ya, yb)))

    def cny(v: float) -> str:
        return _t("unit_cny", lang, v=fmt_num(v))

    def verbs(name: str) -> dict[str, str]:
        plural = lang == "en" and style.is_plural_name(name)
        return {
            "meets": "meet" if plural else "meets",
            "misses": "miss" if plural else "misses",
            "is_": "are" if plural else "is",
        }

    if title is None:
        shown = [dict(title_names or {}).get(n, n) for n in names]
        cheapest = [int(c) for c in np.argsort(cost, kind="stable") if ok[c] and meets[c]]
        if r_idx is not None and ok[r_idx]:
            r = r_idx
            kw = {"rec": shown[r], "sl": fmt_pct_vs(sl[r], target), "c": cny(cost[r])}
            if not judged:
                title = _t("front_title_rec_plain", lang, **kw)
            elif not meets[r]:
                title = _t("front_title_rec_misses", lang, **kw, **verbs(shown[r]))
                if cheapest:
                    title += _t(
                        "front_meets_instead", lang, cheap=shown[cheapest[0]],
                        c=cny(cost[cheapest[0]]), **verbs(shown[cheapest[0]]),
                    )  # fmt: skip
            elif cheapest and cost[cheapest[0]] < cost[r]:
                i = cheapest[0]
                title = _t(
                    "front_title_rec_dearer", lang, cheap=shown[i], c0=cny(cost[i]), **kw,
                    **verbs(shown[i]),
                )  # fmt: skip
            else:
                title = _t("front_title_rec_cheapest", lang, **kw)
        elif cheapest and judged:
            i = cheapest[0]
            title = _t(
                "front_title_cheap", lang, cheap=shown[i], sl=fmt_pct_vs(sl[i], target),
                c=cny(cost[i]), **verbs(shown[i]),
            )  # fmt: skip
        else:
            i = int(np.nanargmax(np.where(ok, sl, -np.inf)))
            key = "front_title_none" if judged else "front_title_plain"
            title = _t(key, lang, best=shown[i], sl=fmt_pct_vs(sl[i], target), c=cny(cost[i]))
    notes = _uncertainty_notes(2 if has_ci.any() else 1, lang, "whisker")
    fig = style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)
    _place_labels(fig, ax, [(cost[i], 100 * sl[i], names[i], i == r_idx) for i in labelled],
                  drawn, families)  # fmt: skip
    return fig
