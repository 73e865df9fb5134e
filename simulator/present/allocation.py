"""Charts of a city allocation (``svcsim-allocate``): equity before and after, districts.

Both charts read the tables :func:`simulator.city.allocate.allocate` writes
(``allocation.csv``, ``districts.csv``, ``comparison.csv``, ``allocation.json``), so the
report can redraw them from a folder. English and Chinese labels; Chinese needs a CJK
font and falls back to English otherwise (:func:`simulator.present.style.resolve_language`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from simulator.present import style

__all__ = [
    "ALLOCATION_FILES",
    "AllocationData",
    "allocation_html",
    "district_chart",
    "equity_chart",
    "finding",
    "is_allocation",
    "read_allocation",
    "write_allocation_charts",
]

_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "p90": "p90 wait per centre",
        "minutes": "min",
        "before": "before",
        "after": "after",
        "got": "centre that receives windows",
        "gave": "centre that gives staff to another",
        "moved": "Staff moved in",
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
            "the target wait, before (hollow) and after (filled), lines their 95% intervals "
            "across the final replications."
        ),
        "d_note_transfers": (
            "Bars: staff moved between the district's centres. Dots: share of its residents "
            "served within the target wait, before (hollow) and after (filled), lines their "
            "95% intervals across the final replications."
        ),
        "d_title_transfers": (
            "{top} staff move within {names}; districts below {sl}: {b} before, {a} after"
        ),
        "staff": "staff",
        "staff_hours": "staff-hours a day",
        "cny": "CNY a day",
        "footer": (
            "{source} | {centres} centres, {days} days from {start} | objective {objective} | "
            "search {reps} replications (CRN), final {final} fresh | seed {seed}"
        ),
    },
    "zh": {
        "p90": "各中心第90百分位等候时间",
        "minutes": "分钟",
        "before": "调配前",
        "after": "调配后",
        "got": "获得新增窗口的中心",
        "gave": "调出工作人员的中心",
        "moved": "调入工作人员",
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
            "柱：各区获得的预算。点：在目标等候时间内办理的居民比例，空心=调配前，实心=调配后，"
            "线为各次重复的95%置信区间。"
        ),
        "d_note_transfers": (
            "柱：区内中心之间调配的工作人员。点：在目标等候时间内办理的居民比例，空心=调配前，"
            "实心=调配后，线为95%置信区间。"
        ),
        "d_title_transfers": (
            "{names}区内调配{top}名工作人员；低于{sl}的区：调配前{b}个，调配后{a}个"
        ),
        "staff": "名工作人员",
        "staff_hours": "人时/天",
        "cny": "元/天",
        "footer": (
            "{source} | {centres}个中心，自{start}起{days}天 | 目标 {objective} | "
            "搜索{reps}次重复（共同随机数），最终{final}次新重复 | 随机种子{seed}"
        ),
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
    if summary.get("transfers"):
        moved = int(summary.get("staff_moved", 0))
        b, a = int(summary["centres_missing_before"]), int(summary["centres_missing_after"])
        n = int(summary["centres"])
        return (
            f"在同一区内的中心之间调配{moved}名工作人员后，未达标的中心从{b}个变为{a}个（共{n}个）"
        )
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


def _means(comparison: pd.DataFrame | None, kpi: str) -> tuple[float, float] | None:
    if comparison is None or comparison.empty:
        return None
    sel = comparison[comparison["kpi"] == kpi].set_index("strategy")["mean"]
    if "current" not in sel.index or "allocation" not in sel.index:
        return None
    return float(sel["current"]), float(sel["allocation"])


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
    gave = (df["windows_after"] < df["windows_before"]).to_numpy()
    blue, grey = style.OKABE_ITO["blue"], style.BASELINE_COLOR
    purple = style.OKABE_ITO["reddish_purple"]
    for yi, bi, ai in zip(y[gave], b[gave], a[gave], strict=True):
        ax.annotate(
            "",
            xy=(ai, yi),
            xytext=(bi, yi),
            arrowprops={"arrowstyle": "-|>", "color": purple, "lw": 0.9},
            zorder=2,
        )
    for yi, bi, ai in zip(y[got], b[got], a[got], strict=True):
        ax.annotate(
            "",
            xy=(ai, yi),
            xytext=(bi, yi),
            arrowprops={"arrowstyle": "-|>", "color": style.OKABE_ITO["orange"], "lw": 0.9},
            zorder=2,
        )
    ax.scatter(b, y, s=22, facecolors="none", edgecolors=grey, linewidths=0.9, zorder=3)
    same = ~got & ~gave
    ax.scatter(a[same], y[same], s=14, color=blue, alpha=0.55, linewidths=0, zorder=3)
    if gave.any():
        ax.scatter(
            a[gave],
            y[gave],
            s=30,
            marker="v",
            color=purple,
            edgecolors="black",
            linewidths=0.4,
            zorder=4,
        )
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
        *(
            [
                Line2D(
                    [],
                    [],
                    marker="v",
                    linestyle="",
                    color=purple,
                    markeredgecolor="black",
                    label=_t("gave", lang),
                )
            ]
            if gave.any()
            else []
        ),
    ]
    k = max(1, math.ceil(0.1 * len(df)))
    wb = float(np.sort(np.nan_to_num(b))[-k:].mean())
    wa = float(np.sort(np.nan_to_num(a))[-k:].mean())
    means = _means(comparison, "worst_decile_p90_min")
    if means is not None:  # the same per-replication measure as the note's difference
        wb, wa = means
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
    df = districts.copy()
    if summary.get("transfers"):  # bars: staff moved into the district's centres
        df["budget_used"] = df["staff_moved_in"]
    df = df.sort_values(["budget_used", "share_within_before"], ascending=[True, False])
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
    ax0.set_xlabel(
        _t("moved", lang) if summary.get("transfers") else _t("added", lang, unit=_t(unit, lang))
    )
    ax0.set_ylabel(_t("district", lang))
    ax0.margins(x=0.18)
    ax0.xaxis.set_major_locator(MaxNLocator(integer=True))
    sb = df["share_within_before"].to_numpy(dtype=float) * 100
    sa = df["share_within_after"].to_numpy(dtype=float) * 100
    for yi, bi, ai in zip(yy, sb, sa, strict=True):
        ax1.plot([bi, ai], [yi, yi], color="#999999", linewidth=0.9, zorder=1)
    if "share_within_after_ci_low" in df.columns:  # 95% intervals across replications
        for col, yoff, colour in (
            ("before", 0.12, style.BASELINE_COLOR),
            ("after", -0.12, style.OKABE_ITO["bluish_green"]),
        ):
            lo = df[f"share_within_{col}_ci_low"].to_numpy(dtype=float) * 100
            hi = df[f"share_within_{col}_ci_high"].to_numpy(dtype=float) * 100
            ok = np.isfinite(lo) & np.isfinite(hi)
            ax1.hlines(yy[ok] + yoff, lo[ok], hi[ok], color=colour, linewidth=1.4, zorder=2)
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
    moved = bool(summary.get("transfers"))
    if moved:
        title = _t(
            "d_title_transfers",
            lang,
            top=f"{top_sum:,.0f}",
            names=names,
            sl=sl_txt,
            b=below_b,
            a=below_a,
        )
    elif below_b == 0 and below_a == 0:
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
    note = _t("d_note_transfers" if moved else "d_note", lang)
    return style.finish_figure(fig, title, families, [note], footer)


def _footer(summary: Mapping[str, Any], lang: str = "en") -> str:
    s = summary.get("settings", {})
    return _t(
        "footer",
        lang,
        source=summary.get("source", "city"),
        centres=summary.get("centres"),
        days=summary.get("days"),
        start=summary.get("start_date"),
        objective=summary.get("objective"),
        reps=s.get("replications"),
        final=s.get("verify_replications"),
        seed=summary.get("seed", ""),
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


# --------------------------------------------------------------------------- report section

ALLOCATION_FILES = ("allocation.json", "allocation.csv", "comparison.csv")

_REPORT: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Allocation across centres",
        "intro": (
            "{moves} moves ({spent} {unit}) to {receiving} of {centres} centres, objective: "
            "{objective}, judged on {days} days from {start}; the strategies below were "
            "simulated on the same {n} fresh replications, so their differences with the "
            "current allocation are paired (95% intervals)."
        ),
        "intro_transfers": (
            "{moved} staff moved between centres of the same district (no budget), objective: "
            "{objective}, judged on {days} days from {start}; both allocations were simulated "
            "on the same {n} fresh replications, so the differences are paired (95% intervals)."
        ),
        "strategy": "strategy",
        "share": "share served within target",
        "missing": "centres missing targets (mean per replication)",
        "worst": "worst-decile p90 wait (min)",
        "budget": "budget used",
        "receiving": "Centres receiving the most",
        "centre": "centre",
        "district": "district",
        "added": "windows added",
        "p90": "p90 wait before -> after (min)",
        "pt": " pt",
        # allocate.objective in words (docs/allocate.md, "Objectives")
        "served_within": "the most residents served within the target wait",
        "centres_meeting": "the most centres meeting every day target",
        "worst_decile": "the shortest p90 wait of the worst 10% of centres",
        "weighted": "a weighted sum of the share served, centres meeting and worst-decile wait",
        "all_meet": "every centre meeting the day targets at least cost",
    },
    "zh": {
        "heading": "跨中心调配",
        "intro": (
            "共{moves}项调配（{spent}{unit}），覆盖{centres}个中心中的{receiving}个，目标为"
            "{objective}，评估期为自{start}起{days}天；以下各方案使用同一批{n}次新重复模拟，"
            "与现状的差异为配对比较（95%置信区间）。"
        ),
        "intro_transfers": (
            "在同一区内的中心之间调配{moved}名工作人员（不增加预算），目标为{objective}，评估期为"
            "自{start}起{days}天；两种方案使用同一批{n}次新重复模拟，差异为配对比较（95%置信区间）。"
        ),
        "strategy": "方案",
        "share": "目标时间内办理比例",
        "missing": "未达标中心数（每次重复的均值）",
        "worst": "最差10%中心第90百分位等候（分钟）",
        "budget": "使用预算",
        "receiving": "获得最多的中心",
        "centre": "中心",
        "district": "区",
        "added": "新增窗口",
        "p90": "第90百分位等候 调配前 -> 后（分钟）",
        "pt": "个百分点",
        "served_within": "目标等候时间内办理的居民最多",
        "centres_meeting": "全部日目标达标的中心最多",
        "worst_decile": "最差10%中心的第90百分位等候时间最短",
        "weighted": "办理比例、达标中心比例与最差10%中心等候的加权和",
        "all_meet": "以最低成本使每个中心达到日目标",
    },
}

_STRATEGY_ZH = {
    "current": "现状",
    "allocation": "边际调配",
    "proportional": "按业务量比例",
    "equal": "平均分配",
}


@dataclass
class AllocationData:
    """A ``svcsim-allocate`` output folder."""

    path: Path
    summary: dict[str, Any]
    allocation: pd.DataFrame
    districts: pd.DataFrame | None
    comparison: pd.DataFrame


def is_allocation(path: Path) -> bool:
    """Whether ``path`` holds the files ``svcsim-allocate`` writes."""
    return all((path / f).is_file() for f in ALLOCATION_FILES)


def read_allocation(path: Path) -> AllocationData:
    """Read an allocation folder (``allocation.json``, ``allocation.csv``,
    ``comparison.csv``, ``districts.csv``)."""
    import json

    summary = json.loads((path / "allocation.json").read_text(encoding="utf-8"))
    districts = path / "districts.csv"
    return AllocationData(
        path=path,
        summary=summary,
        allocation=pd.read_csv(path / "allocation.csv"),
        districts=pd.read_csv(districts) if districts.is_file() else None,
        comparison=pd.read_csv(path / "comparison.csv"),
    )


def section_heading(lang: str = "en") -> str:
    """Heading of the allocation section of the report."""
    return _REPORT["zh" if lang == "zh" else "en"]["heading"]


def allocation_html(data: AllocationData, lang: str = "en") -> str:
    """The report section of an allocation: the headline in plain words, the strategies
    compared (paired differences with the current allocation), the centres receiving
    the most, and the two charts redrawn in the report's language."""
    import base64
    import html
    import io

    lang, _ = style.resolve_language(lang)
    t = _REPORT[lang]
    s = data.summary
    esc = html.escape
    parts = [f"<p class='summary'><strong>{esc(finding(s, lang))}</strong></p>"]
    sett = s.get("settings", {})
    intro = "intro_transfers" if s.get("transfers") else "intro"
    parts.append(
        "<p>"
        + esc(
            t[intro].format(
                moved=s.get("staff_moved", 0),
                moves=s.get("moves"),
                spent=f"{float(s.get('spent', 0)):,.0f}",
                unit=_t(str(s.get("budget_unit", "staff")), lang),
                receiving=s.get("centres_receiving"),
                centres=s.get("centres"),
                objective=t.get(str(s.get("objective")), s.get("objective")),
                days=s.get("days"),
                start=s.get("start_date"),
                n=sett.get("verify_replications"),
            )
        )
        + "</p>"
    )
    cmp = data.comparison
    rows = []
    for name in ("current", "allocation", "proportional", "equal"):
        sub = cmp[cmp["strategy"] == name].set_index("kpi")
        if sub.empty:
            continue
        label = _STRATEGY_ZH.get(name, name) if lang == "zh" else str(sub["label"].iloc[0])
        cells = [esc(label)]
        for kpi, pct in (
            ("share_within_target", True),
            ("centres_missing", False),
            ("worst_decile_p90_min", False),
        ):
            cols = ["mean", "diff_vs_current", "diff_ci_low", "diff_ci_high"]
            vals = sub.loc[kpi, cols].to_numpy(dtype=float)
            r = {c: float(v) for c, v in zip(cols, vals, strict=True)}
            m = style.fmt_pct(r["mean"]) if pct else f"{r['mean']:.1f}"
            if name == "current":
                cells.append(esc(m))
            else:
                scale = 100.0 if pct else 1.0
                u = t["pt"] if pct else ""
                d = (
                    f"{r['diff_vs_current'] * scale:+.1f}{u} "
                    f"[{r['diff_ci_low'] * scale:+.1f}, {r['diff_ci_high'] * scale:+.1f}]"
                )
                cells.append(f"{esc(m)}<br><small>{esc(d)}</small>")
        cells.append(esc(f"{float(sub['budget_used'].iloc[0]):,.0f}"))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(
        f"<th>{esc(t[k])}</th>" for k in ("strategy", "share", "missing", "worst", "budget")
    )
    parts.append(
        f"<table class='allocation'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    a = data.allocation
    got = a[a["windows_after"] > a["windows_before"]].copy()
    if not got.empty:
        got["added"] = got["windows_after"] - got["windows_before"]
        got = got.sort_values(["added", "wait_p90_before"], ascending=False).head(10)
        body = "".join(
            "<tr>"
            f"<td>{esc(str(r['centre_id']))}</td><td>{esc(_district_name(r, lang))}</td>"
            f"<td>{int(r['added'])}</td>"
            f"<td>{r['wait_p90_before']:.1f} -> {r['wait_p90_after']:.1f}</td></tr>"
            for r in got.to_dict("records")
        )
        head2 = "".join(f"<th>{esc(t[k])}</th>" for k in ("centre", "district", "added", "p90"))
        parts.append(f"<h3>{esc(t['receiving'])}</h3>")
        parts.append(
            f"<table class='allocation'><thead><tr>{head2}</tr></thead><tbody>{body}</tbody>"
            "</table>"
        )
    figs = [equity_chart(a, s, cmp, lang=lang, footer=_footer(s, lang))]
    if data.districts is not None:
        figs.append(district_chart(data.districts, s, lang=lang, footer=_footer(s, lang)))
    for fig in figs:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=110)
        uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
        title = fig.texts[0].get_text() if fig.texts else ""
        parts.append(f"<figure><img src='{uri}' alt='{esc(title)}'></figure>")
    return "".join(parts)
