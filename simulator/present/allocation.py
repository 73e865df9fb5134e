"""Charts of a city allocation (``svcsim-allocate``): equity before and after, districts.

Both charts read the tables :func:`simulator.city.allocate.allocate` writes
(``allocation.csv``, ``districts.csv``, ``comparison.csv``, ``allocation.json``), so the
report can redraw them from a folder. English and Chinese labels; Chinese needs a CJK
font and falls back to English otherwise (:func:`simulator.present.style.resolve_language`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from simulator.present import style

__all__ = [
    "district_chart",
    "equity_chart",
    "finding",
    "write_allocation_charts",
]

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "p90": "p90 wait per centre",
        "minutes": "min",
        "before": "before",
        "after": "after",
        "got": "centre that receives windows",
        "target": "target wait ({tw:g} min)",
        "district": "district",
        "added": "Added {unit}",
        "share": "Share served within {tw:g} min",
        "share_target": "target {sl}",
        "eq_title": "{head}; the worst-decile p90 wait goes from {b:.1f} to {a:.1f} min",
        "eq_note": (
            "Each dot is a centre (mean over {n} fresh replications); hollow = before, filled ="
            " after. Worst-decile change {d:+.1f} min (95% CI {lo:+.1f} to {hi:+.1f}), paired:"
            " same residents before and after."
        ),
        "eq_note_plain": "Each dot is a centre (mean over the final replications).",
        "d_title": (
            "{top} of the {total} go to {names}; districts below {sl}: {b} before, {a} after"
        ),
        "d_title_none": "No district falls below {sl} after the allocation; {top} go to {names}",
        "d_note": (
            "Bars: budget each district receives. Dots: share of its residents served within "
            "the target wait, before (hollow) and after (filled)."
        ),
        "staff": "staff",
        "staff_hours": "staff-hours a day",
        "cny": "CNY a day",
    },
    "zh": {
        "p90": "各中心第90百分位等候时间",
        "minutes": "分钟",
        "before": "调配前",
        "after": "调配后",
        "got": "获得新增窗口的中心",
        "target": "目标等候（{tw:g}分钟）",
        "district": "区",
        "added": "新增{unit}",
        "share": "{tw:g}分钟内办理的比例",
        "share_target": "目标 {sl}",
        "eq_title": "{head}；最差10%中心的第90百分位等候时间从{b:.1f}降至{a:.1f}分钟",
        "eq_note": (
            "每个点为一个中心（{n}次新重复的均值）；空心=调配前，实心=调配后。最差10%变化"
            "{d:+.1f}分钟（95%置信区间{lo:+.1f}至{hi:+.1f}），配对比较：调配前后为同一批居民。"
        ),
        "eq_note_plain": "每个点为一个中心（最终重复的均值）。",
        "d_title": "{total}中的{top}分配给{names}；低于{sl}的区：调配前{b}个，调配后{a}个",
        "d_title_none": "调配后没有区低于{sl}；{top}分配给{names}",
        "d_note": (
            "柱：各区获得的预算。点：在目标等候时间内办理的居民比例，空心=调配前，实心=调配后。"
        ),
        "staff": "名工作人员",
        "staff_hours": "人时/天",
        "cny": "元/天",
    },
}


def _t(key: str, lang: str, **kw: Any) -> str:
    return _TEXT[lang][key].format(**kw)


def _district_name(row: Mapping[Any, Any], lang: str) -> str:
    if lang == "zh" and isinstance(row.get("district_zh"), str) and row["district_zh"]:
        return str(row["district_zh"])
    return str(row["district"])


def _unit_amount(x: float, unit: str, lang: str) -> str:
    if lang == "zh":
        return f"{x:,.0f}{_t(unit, lang)}"
    return f"{x:,.0f} {_t(unit, lang)}"


def finding(summary: Mapping[str, Any], lang: str = "en") -> str:
    """The headline in plain words (the summary's headline, or its Chinese version)."""
    if lang == "en":
        return str(summary["headline"])
    spent = float(summary.get("spent", 0.0))
    amount = _unit_amount(spent, str(summary.get("budget_unit", "staff")), lang)
    b, a = int(summary["centres_missing_before"]), int(summary["centres_missing_after"])
    n = int(summary["centres"])
    if b == 0:
        sb = float(summary["city_before"]["share_within_target"])
        sa = float(summary["city_after"]["share_within_target"])
        return (
            f"{n}个中心均已达标；增加{amount}后，目标等候时间内办理的比例从"
            f"{style.fmt_pct(sb)}升至{style.fmt_pct(sa)}"
        )
    return f"增加{amount}后，未达标的中心从{b}个变为{a}个（共{n}个）"


def _paired(comparison: pd.DataFrame | None, kpi: str) -> tuple[float, float, float] | None:
    if comparison is None or comparison.empty:
        return None
    row = comparison[(comparison["strategy"] == "allocation") & (comparison["kpi"] == kpi)]
    if row.empty:
        return None
    r = row.iloc[0]
    return float(r["diff_vs_current"]), float(r["diff_ci_low"]), float(r["diff_ci_high"])


def equity_chart(
    allocation: pd.DataFrame,
    summary: Mapping[str, Any],
    comparison: pd.DataFrame | None = None,
    *,
    lang: str = "en",
    footer: str | None = None,
) -> Figure:
    """Every centre's p90 wait before (hollow) and after (filled) the allocation, by
    district (worst district at the top), with the target wait; centres that receive
    windows are joined by an arrow. The title states the finding."""
    lang, families = style.resolve_language(lang)
    df = allocation.copy()
    tw = float(summary.get("target_wait_min", 20.0))
    order = df.groupby("district", sort=False)["wait_p90_before"].max().sort_values().index.tolist()
    y_of = {d: i for i, d in enumerate(order)}
    fig, axes = style.new_figure(families, (8.8, 2.4 + 0.34 * max(1, len(order))))
    ax = axes[0]
    style.style_axes(ax, families, grid_axis="x")
    rng = np.random.default_rng(7)
    jitter = rng.uniform(-0.22, 0.22, size=len(df))
    y = df["district"].map(y_of).to_numpy(dtype=float) + jitter
    b = df["wait_p90_before"].to_numpy(dtype=float)
    a = df["wait_p90_after"].to_numpy(dtype=float)
    got = (df["windows_after"] > df["windows_before"]).to_numpy()
    blue, grey = style.OKABE_ITO["blue"], style.BASELINE_COLOR
    for yi, bi, ai in zip(y[got], b[got], a[got], strict=True):
        ax.annotate(
            "",
            xy=(ai, yi),
            xytext=(bi, yi),
            arrowprops={"arrowstyle": "-|>", "color": style.OKABE_ITO["orange"], "lw": 0.9},
            zorder=2,
        )
    ax.scatter(b, y, s=22, facecolors="none", edgecolors=grey, linewidths=0.9, zorder=3)
    ax.scatter(a[~got], y[~got], s=14, color=blue, alpha=0.55, linewidths=0, zorder=3)
    ax.scatter(
        a[got],
        y[got],
        s=30,
        color=style.OKABE_ITO["orange"],
        edgecolors="black",
        linewidths=0.4,
        zorder=4,
    )
    ax.axvline(tw, color=style.HIGHLIGHT_COLOR, linestyle="--", linewidth=1.0, zorder=1)
    names = []
    for d in order:
        sub = df[df["district"] == d].iloc[0]
        names.append(_district_name(sub, lang))
    ax.set_yticks(range(len(order)))
    ax.set_yticklabels(names)
    ax.set_ylim(-0.7, len(order) - 0.3)
    ax.set_xlim(left=0)
    unit = _t("minutes", lang)
    ax.set_xlabel(f"{_t('p90', lang)} ({unit})" if lang == "en" else f"{_t('p90', lang)}（{unit}）")
    ax.set_ylabel(_t("district", lang))
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            markerfacecolor="none",
            markeredgecolor=grey,
            label=_t("before", lang),
        ),
        Line2D([], [], marker="o", linestyle="", color=blue, alpha=0.6, label=_t("after", lang)),
        Line2D(
            [],
            [],
            marker="o",
            linestyle="",
            color=style.OKABE_ITO["orange"],
            markeredgecolor="black",
            label=_t("got", lang),
        ),
        Line2D(
            [], [], color=style.HIGHLIGHT_COLOR, linestyle="--", label=_t("target", lang, tw=tw)
        ),
    ]
    k = max(1, math.ceil(0.1 * len(df)))
    wb = float(np.sort(np.nan_to_num(b))[-k:].mean())
    wa = float(np.sort(np.nan_to_num(a))[-k:].mean())
    title = _t("eq_title", lang, head=finding(summary, lang), b=wb, a=wa)
    paired = _paired(comparison, "worst_decile_p90_min")
    n = int(summary.get("settings", {}).get("verify_replications", 0) or 0)
    if paired is not None and all(math.isfinite(v) for v in paired):
        note = _t("eq_note", lang, n=n, d=paired[0], lo=paired[1], hi=paired[2])
    else:
        note = _t("eq_note_plain", lang)
    return style.finish_figure(
        fig,
        title,
        families,
        [note],
        footer,
        legend=(handles, [str(h.get_label()) for h in handles], 4),
    )


def district_chart(
    districts: pd.DataFrame,
    summary: Mapping[str, Any],
    *,
    lang: str = "en",
    footer: str | None = None,
    service_level_target: float = 0.9,
) -> Figure:
    """Per district: the budget it receives (bars) and the share of its residents served
    within the target wait before and after (dots), districts ordered by what they get."""
    lang, families = style.resolve_language(lang)
    df = districts.sort_values(["budget_used", "share_within_before"], ascending=[True, False])
    df = df.reset_index(drop=True)
    unit = str(summary.get("budget_unit", "staff"))
    tw = float(summary.get("target_wait_min", 20.0))
    fig, axes = style.new_figure(
        families, (9.0, 2.4 + 0.34 * max(1, len(df))), ncols=2, width_ratios=[1.0, 1.3]
    )
    ax0, ax1 = axes
    style.style_axes(ax0, families, grid_axis="x")
    style.style_axes(ax1, families, grid_axis="x")
    yy = np.arange(len(df))
    ax0.barh(yy, df["budget_used"], color=style.OKABE_ITO["blue"], height=0.6)
    for yi, v in zip(yy, df["budget_used"], strict=True):
        if v > 0:
            ax0.text(v, yi, f" {v:,.0f}", va="center", fontsize=style.TICK_SIZE - 1)
    ax0.set_yticks(yy)
    ax0.set_yticklabels([_district_name(r, lang) for r in df.to_dict("records")])
    ax0.set_xlabel(_t("added", lang, unit=_t(unit, lang)))
    ax0.set_ylabel(_t("district", lang))
    ax0.margins(x=0.18)
    sb = df["share_within_before"].to_numpy(dtype=float) * 100
    sa = df["share_within_after"].to_numpy(dtype=float) * 100
    for yi, bi, ai in zip(yy, sb, sa, strict=True):
        ax1.plot([bi, ai], [yi, yi], color="#999999", linewidth=0.9, zorder=1)
    ax1.scatter(
        sb,
        yy,
        s=26,
        facecolors="none",
        edgecolors=style.BASELINE_COLOR,
        zorder=2,
        label=_t("before", lang),
    )
    ax1.scatter(
        sa, yy, s=26, color=style.OKABE_ITO["bluish_green"], zorder=3, label=_t("after", lang)
    )
    sl_txt = style.fmt_pct(service_level_target)
    ax1.axvline(
        service_level_target * 100,
        color=style.HIGHLIGHT_COLOR,
        linestyle="--",
        linewidth=1.0,
        label=_t("share_target", lang, sl=sl_txt),
    )
    ax1.set_yticks(yy)
    ax1.set_yticklabels([])
    ax1.set_xlabel(_t("share", lang, tw=tw) + (" (%)" if lang == "en" else "（%）"))
    ax1.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, borderaxespad=0.3)
    total = float(df["budget_used"].sum())
    top = df.sort_values("budget_used", ascending=False).head(3)
    top = top[top["budget_used"] > 0]
    names = (
        ", ".join(
            f"{_district_name(r, lang)} ({r['budget_used']:,.0f})" for r in top.to_dict("records")
        )
        or "-"
    )
    top_sum = float(top["budget_used"].sum())
    top_amt = f"{top_sum:,.0f}" if lang == "en" else _unit_amount(top_sum, unit, lang)
    total_amt = _unit_amount(total, unit, lang)
    below_b = int((sb < service_level_target * 100 - 1e-9).sum())
    below_a = int((sa < service_level_target * 100 - 1e-9).sum())
    if below_b == 0 and below_a == 0:
        title = _t("d_title_none", lang, sl=sl_txt, top=top_amt, names=names)
    else:
        title = _t(
            "d_title",
            lang,
            top=top_amt,
            total=total_amt,
            names=names,
            sl=sl_txt,
            b=below_b,
            a=below_a,
        )
    return style.finish_figure(fig, title, families, [_t("d_note", lang)], footer)


def _footer(summary: Mapping[str, Any]) -> str:
    s = summary.get("settings", {})
    return (
        f"{summary.get('source', 'city')} | {summary.get('centres')} centres, "
        f"{summary.get('days')} days from {summary.get('start_date')} | objective "
        f"{summary.get('objective')} | search {s.get('replications')} replications (CRN), "
        f"final {s.get('verify_replications')} fresh | seed {summary.get('seed', '')}"
    )


def write_allocation_charts(
    allocation: pd.DataFrame,
    districts: pd.DataFrame,
    summary: Mapping[str, Any],
    out_dir: Path,
    comparison: pd.DataFrame | None = None,
    langs: Sequence[str] = ("en", "zh"),
    service_level_target: float = 0.9,
) -> dict[str, Path]:
    """Save ``allocation_equity_p90[_zh].png`` and ``allocation_districts[_zh].png``; the
    Chinese versions only when a CJK font is installed (else they would repeat English)."""
    out: dict[str, Path] = {}
    footer = _footer(summary)
    for lang in langs:
        if lang == "zh" and style.find_cjk_font() is None:
            continue
        sfx = "" if lang == "en" else f"_{lang}"
        figs = {
            f"allocation_equity_p90{sfx}": equity_chart(
                allocation, summary, comparison, lang=lang, footer=footer
            ),
            f"allocation_districts{sfx}": district_chart(
                districts,
                summary,
                lang=lang,
                footer=footer,
                service_level_target=service_level_target,
            ),
        }
        for name, fig in figs.items():
            path = out_dir / f"{name}.png"
            fig.savefig(path, dpi=130)
            out[name] = path
    return out
