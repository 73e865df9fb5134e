"""Charts of simulation results for planners and policymakers.

Every function takes the simulator's result tables (pandas), returns a standalone
:class:`matplotlib.figure.Figure` (never registered with pyplot, so no global state
leaks and nothing needs closing) and follows one style (:mod:`simulator.present.style`):

* the title states the finding, computed from the data;
* axes are labelled with units;
* uncertainty is shown: 95% Student-t confidence bands or whiskers across
  replications (none is drawn for a single replication, and the footer says so);
* a footer carries the method note and the caller's provenance string
  (source scenario, seed, code version);
* Okabe-Ito colours plus markers, line styles and hatches, so charts survive
  colour-vision deficiency and grey-scale printing;
* ``lang="zh"`` gives Simplified Chinese labels when a CJK font is installed
  (otherwise English, with a :class:`~simulator.present.style.CJKFontWarning`).

Input tables
------------
summary
    DataFrame indexed by KPI name with columns ``mean``, ``ci_low``, ``ci_high``.
hourly
    One row per replication x day x hour with columns ``replication``, ``day``,
    ``day_type``, ``hour``, ``arrivals``, ``served``, ``abandoned``,
    ``wait_mean_min``, ``queue_mean``, ``busy_min``, ``open_min``, ``utilisation``.
visits
    One row per resident with ``replication``, ``day``, ``arrival_min``, ``family``,
    ``outcome``, ``wait_min``, ``service_min``.

Shares (service level, abandonment rate, utilisation, completion rates) are fractions
in [0, 1] in the tables and shown as percentages.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator
from scipy import stats

from simulator.present import style
from simulator.present.style import fmt_hour, fmt_num, fmt_pct, fmt_pct_vs

__all__ = [
    "CONFIDENCE",
    "KPI_META",
    "KpiMeta",
    "completion_by_group",
    "cost_service_frontier",
    "ecdf_grid_minutes",
    "hourly_profile",
    "kpi_comparison",
    "mean_ci",
    "pareto_frontier",
    "save_figure",
    "spread_across",
    "utilisation_heatmap",
    "wait_ecdf",
    "wait_ecdf_grid",
]

#: Confidence level of every interval these charts compute.
CONFIDENCE = 0.95
#: Open window-minutes below this count as closed (float noise in interval sums).
OPEN_EPS_MIN = 1e-6
#: Hour slots with fewer open window-minutes per day than this (overtime fragments
#: after closing, where the few open minutes are busy by construction) are drawn but
#: not chosen as the peak in a chart's title.
MIN_OPEN_FOR_PEAK_MIN = 15.0

Kind = Literal["minutes", "share", "count", "residents", "value"]

# --------------------------------------------------------------------------- text

_TEXT: dict[str, dict[str, str]] = {
    "no_data": {"en": "No data to show", "zh": "无可显示的数据"},
    "single_rep": {
        "en": "Single replication: no confidence interval shown.",
        "zh": "仅一次重复运行：未显示置信区间。",
    },
    "band_note": {
        "en": "Shaded band: 95% confidence interval of the mean across {n} replications "
        "(Student t).",
        "zh": "阴影带：{n}次重复运行均值的95%置信区间（t分布）。",
    },
    "whisker_note": {
        "en": "Whiskers: 95% confidence interval across replications (Student t).",
        "zh": "误差线：各次重复运行的95%置信区间（t分布）。",
    },
    "ci": {"en": " (95% CI {lo} to {hi})", "zh": "（95%置信区间 {lo}–{hi}）"},
    "list_sep": {"en": ", ", "zh": "，"},
    "baseline": {"en": "{name} (baseline)", "zh": "{name}（基准）"},
    "hour_axis": {"en": "Hour of day (hour starting)", "zh": "时段（起始时刻）"},
    "unit_min": {"en": "{v} min", "zh": "{v}分钟"},
    "unit_res": {"en": "{v} residents", "zh": "{v}人"},
    "unit_cny": {"en": "CNY {v}", "zh": "{v}元"},
    # wait_ecdf
    "ecdf_x": {"en": "Wait before being called (min)", "zh": "叫号前等候时间（分钟）"},
    "ecdf_y": {
        "en": "Served residents who waited\nat most this long (%)",
        "zh": "等候不超过该时长的\n已服务居民比例（%）",
    },
    "ecdf_target": {"en": "Target: {t} min", "zh": "目标：{t}分钟"},
    "ecdf_one": {
        "en": "{share} of served residents waited {t} min or less{ci}",
        "zh": "{share}的已服务居民等候不超过{t}分钟{ci}",
    },
    "ecdf_few": {"en": "Served within {t} min: {items}", "zh": "{t}分钟内获服务比例：{items}"},
    "ecdf_many": {
        "en": "{best} serves the most residents within {t} min ({bs}); {worst} the fewest ({ws})",
        "zh": "{best}在{t}分钟内服务比例最高（{bs}），{worst}最低（{ws}）",
    },
    "ecdf_none": {"en": "No served residents in the data", "zh": "数据中没有已服务的居民"},
    "ecdf_no_served": {"en": "{name}: no served residents", "zh": "{name}：无已服务居民"},
    # hourly_profile
    "peak_suffix": {"en": " ({g})", "zh": "（{g}）"},
    "hourly_zero": {"en": "{label}: zero in every hour{g}", "zh": "{label}：各时段均为零{g}"},
    # kpi_comparison
    "kpi_lower": {"en": "{alt} {verb} the {kpi} from {b} to {a}", "zh": "{alt}将{kpi}从{b}降至{a}"},
    "kpi_higher": {
        "en": "{alt} {verb} the {kpi} from {b} to {a}",
        "zh": "{alt}将{kpi}从{b}提高到{a}",
    },
    "kpi_no_better": {
        "en": "No option improves the {kpi} of {base} ({b}); the best, {alt}, has {a}",
        "zh": "没有方案能改善{base}的{kpi}（{b}）；最佳方案{alt}为{a}",
    },
    "kpi_unclear": {
        "en": "No clear difference in the {kpi}: {a} with {alt}, {b} with {base}",
        "zh": "{kpi}无明显差异：{alt}为{a}，{base}为{b}",
    },
    "kpi_neutral": {
        "en": "{kpi}: {alt} {a} vs {b} for {base}",
        "zh": "{kpi}：{alt}为{a}，{base}为{b}",
    },
    "kpi_equal": {"en": "{alt} {verb} the {kpi} at {b}", "zh": "{alt}的{kpi}与基准持平（{b}）"},
    "kpi_only": {"en": "{base}: {kpi} {b}", "zh": "{base}：{kpi}{b}"},
    "kpi_overlap": {"en": " (95% CIs overlap)", "zh": "（95%置信区间重叠）"},
    "kpi_paired_zero": {
        "en": " (95% CI of the paired difference includes zero)",
        "zh": "（配对差值的95%置信区间包含零）",
    },
    "kpi_paired_clear": {
        "en": " (paired 95% CI of the difference {lo} to {hi})",
        "zh": "（配对差值95%置信区间 {lo}至{hi}）",
    },
    "kpi_lower_better": {"en": "(lower is better)", "zh": "（越低越好）"},
    "kpi_higher_better": {"en": "(higher is better)", "zh": "（越高越好）"},
    "kpi_axis": {"en": "Measure", "zh": "指标"},
    "kpi_baseline_line": {
        "en": "Dashed line: baseline value.",
        "zh": "虚线：基准方案数值。",
    },
    # utilisation_heatmap
    "heat_cbar": {"en": "Window utilisation (%)", "zh": "窗口利用率（%）"},
    "heat_title": {
        "en": "Utilisation peaks at {v} ({row}, {hour}); {k} hour slots above {thr}",
        "zh": "利用率峰值{v}（{row}，{hour}）；{k}个时段超过{thr}",
    },
    "heat_title_none": {
        "en": "Utilisation peaks at {v} ({row}, {hour}); no hour slot above {thr}",
        "zh": "利用率峰值{v}（{row}，{hour}）；没有时段超过{thr}",
    },
    "heat_note": {
        "en": "Cells: busy ÷ open window-minutes, mean across replications{pm}. "
        "Grey: no window open.",
        "zh": "单元格：忙碌窗口分钟÷开放窗口分钟，各次重复运行均值{pm}。灰色：无窗口开放。",
    },
    "heat_pm": {
        "en": "; ± half-width of the 95% CI across {n} replications",
        "zh": "；±为{n}次重复运行95%置信区间的半宽",
    },
    "peak_note": {
        "en": "Hour slots with under {m} open window-minutes a day (overtime after closing) "
        "are not counted in the title.",
        "zh": "每天开放窗口分钟少于{m}的时段（闭门后加班）不计入标题。",
    },
    "day_type": {"en": "Day type", "zh": "日类型"},
    "weekday": {"en": "Day of week", "zh": "星期"},
    # cost_service_frontier
    "front_x": {"en": "Cost per day (CNY)", "zh": "每天成本（元）"},
    "front_y": {
        "en": "Service level\n(% served within target wait)",
        "zh": "服务水平\n（目标等候时间内服务比例，%）",
    },
    "front_meets": {"en": "Meets target", "zh": "达标"},
    "front_misses": {"en": "Misses target", "zh": "未达标"},
    "front_line": {"en": "Cost-efficient frontier", "zh": "成本效率前沿"},
    "front_rec": {"en": "Recommended", "zh": "推荐方案"},
    "front_target": {"en": "Target {v}", "zh": "目标 {v}"},
    "front_title_rec_cheapest": {
        "en": "The cheapest option meeting the target, {rec}, serves {sl} within the target "
        "wait at {c} per day",
        "zh": "达标方案中成本最低的是{rec}：目标时间内服务比例{sl}，每天{c}",
    },
    "front_title_rec_dearer": {
        "en": "{cheap} {meets} the target for less ({c0} per day) than {rec} ({sl} served "
        "within the target wait at {c})",
        "zh": "{cheap}以更低成本达标（每天{c0}）；{rec}目标时间内服务比例{sl}，每天{c}",
    },
    "front_title_rec_misses": {
        "en": "{rec} {misses} the target: {sl} served within the target wait at {c} per day",
        "zh": "{rec}未达标：目标时间内服务比例{sl}，每天{c}",
    },
    "front_title_rec_plain": {
        "en": "{rec} serves {sl} within the target wait at {c} per day",
        "zh": "{rec}目标时间内服务比例{sl}，每天{c}",
    },
    "front_meets_instead": {
        "en": "; {cheap} {meets} it at {c}",
        "zh": "；{cheap}以每天{c}达标",
    },
    "front_title_cheap": {
        "en": "{cheap} {is_} the cheapest option meeting the target: {sl} at {c} per day",
        "zh": "{cheap}是达标方案中成本最低的：{sl}，每天{c}",
    },
    "front_title_none": {
        "en": "No option meets the target; the best, {best}, reaches {sl} at {c} per day",
        "zh": "没有方案达标；最佳方案{best}达到{sl}，每天{c}",
    },
    "front_title_plain": {
        "en": "{best} gives the highest service level: {sl} at {c} per day",
        "zh": "{best}服务水平最高：{sl}，每天{c}",
    },
    # completion_by_group
    "comp_label": {"en": "One-visit completion rate", "zh": "一次办成率"},
    "comp_range": {
        "en": "{label} ranges from {lo} ({glo}) to {hi} ({ghi})",
        "zh": "{label}从{lo}（{glo}）到{hi}（{ghi}）不等",
    },
    "comp_one": {"en": "{label}: {v} ({g})", "zh": "{label}：{v}（{g}）"},
    "comp_below": {
        "en": "; {k} of {n} below the {t} target",
        "zh": "；{n}个中有{k}个低于目标{t}",
    },
    "comp_missing": {"en": "; no data for {k}", "zh": "；{k}个无数据"},
    "no_data_short": {"en": "no data", "zh": "无数据"},
    "target": {"en": "Target {v}", "zh": "目标 {v}"},
    "below_target": {"en": "Below target", "zh": "低于目标"},
    "at_or_above": {"en": "At or above target", "zh": "达到目标"},
    # spread_across
    "spread_title_high": {
        "en": "The worst 10% of centres ({k}) have {label} of {thr} or more; {m} of them in {g}",
        "zh": "最差的10%服务中心（{k}个）{label}达到{thr}或以上；其中{m}个在{g}",
    },
    "spread_title_low": {
        "en": "The worst 10% of centres ({k}) have {label} of {thr} or less; {m} of them in {g}",
        "zh": "最差的10%服务中心（{k}个）{label}为{thr}或以下；其中{m}个在{g}",
    },
    "spread_centre": {"en": "Centre", "zh": "服务中心"},
    "spread_worst": {"en": "Worst 10% of centres", "zh": "最差10%的服务中心"},
    "spread_mean": {"en": "Mean with 95% CI", "zh": "均值及95%置信区间"},
    "spread_note": {
        "en": "Boxes: median and interquartile range; whiskers reach 1.5 x IQR. "
        "Diamonds: group mean with 95% CI across centres.",
        "zh": "箱体：中位数及四分位距；须线延伸至1.5倍四分位距。"
        "菱形：组均值及各中心间95%置信区间。",
    },
}

#: Display names for known categories (day types, provinces, districts) in Chinese.
_ZH_NAMES: dict[str, str] = {
    "weekday": "工作日",
    "weekend": "周末",
    "saturday": "周六",
    "sunday": "周日",
    "holiday": "节假日",
    "working_saturday": "调休工作日",
    "all days": "全部日期",
    "Shanghai": "上海",
    "Jiangsu": "江苏",
    "Zhejiang": "浙江",
    "Anhui": "安徽",
    "Huangpu": "黄浦",
    "Xuhui": "徐汇",
    "Changning": "长宁",
    "Jing'an": "静安",
    "Putuo": "普陀",
    "Hongkou": "虹口",
    "Yangpu": "杨浦",
    "Pudong": "浦东",
    "Pudong New Area": "浦东新区",
    "Minhang": "闵行",
    "Baoshan": "宝山",
    "Jiading": "嘉定",
    "Jinshan": "金山",
    "Songjiang": "松江",
    "Qingpu": "青浦",
    "Fengxian": "奉贤",
    "Chongming": "崇明",
}
_EN_NAMES: dict[str, str] = {
    "weekday": "Weekday",
    "weekend": "Weekend",
    "saturday": "Saturday",
    "sunday": "Sunday",
    "holiday": "Holiday",
    "working_saturday": "Working Saturday",
    "all days": "All days",
}
_WEEKDAYS = {
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
    "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日"),
}
_DAY_TYPE_ORDER = ("weekday", "working_saturday", "saturday", "sunday", "weekend", "holiday")


def _t(key: str, lang: str, **kw: Any) -> str:
    """Look up a label template in ``lang`` and fill it in."""
    return _TEXT[key][lang].format(**kw)


def _name(value: object, lang: str) -> str:
    """Display name of a category value (translated when known)."""
    text = str(value)
    if lang == "zh":
        return _ZH_NAMES.get(text, text)
    return _EN_NAMES.get(text, text)


def _fmt(value: float, kind: Kind, lang: str) -> str:
    """Format a value with its unit for titles and labels."""
    if kind == "share":
        return fmt_pct(value)
    if kind == "minutes":
        return _t("unit_min", lang, v=fmt_num(value))
    if kind == "residents":
        return _t("unit_res", lang, v=fmt_num(value))
    return fmt_num(value)


def _scale(kind: Kind) -> float:
    """Multiplier from table units to axis units (shares are drawn in percent)."""
    return 100.0 if kind == "share" else 1.0


# --------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiMeta:
    """How a KPI is named, measured and judged.

    Attributes
    ----------
    en, zh : str
        Short lower-case name used in titles and tick labels.
    kind : {"minutes", "share", "count", "residents", "value"}
        Unit family; KPIs of different kinds go to different panels.
    direction : int
        -1 if lower is better, +1 if higher is better, 0 if neither.
    """

    en: str
    zh: str
    kind: Kind
    direction: int


KPI_META: dict[str, KpiMeta] = {
    "arrivals": KpiMeta("arrivals", "到访人数", "count", 0),
    "served": KpiMeta("residents served", "已服务人数", "count", 1),
    "abandoned": KpiMeta("residents abandoning", "放弃人数", "count", -1),
    "abandonment_rate": KpiMeta("abandonment rate", "放弃率", "share", -1),
    "wait_mean_min": KpiMeta("mean wait", "平均等候时间", "minutes", -1),
    "wait_p90_min": KpiMeta("p90 wait", "第90百分位等候时间", "minutes", -1),
    "wait_p95_min": KpiMeta("p95 wait", "第95百分位等候时间", "minutes", -1),
    "p_wait_gt0": KpiMeta("share who wait at all", "需等候的比例", "share", -1),
    "service_level": KpiMeta("share served within target", "目标时间内服务比例", "share", 1),
    "utilisation": KpiMeta("window utilisation", "窗口利用率", "share", 0),
    "queue_mean": KpiMeta("mean queue", "平均排队人数", "residents", -1),
    "overtime_min": KpiMeta("overtime after closing", "闭门后加班时间", "minutes", -1),
}

_KIND_AXIS: dict[str, dict[str, str]] = {
    "minutes": {"en": "Minutes", "zh": "分钟"},
    "share": {"en": "Percent (%)", "zh": "百分比（%）"},
    "count": {"en": "Residents (count)", "zh": "人数"},
    "residents": {"en": "Residents waiting", "zh": "等候人数"},
    "value": {"en": "Value", "zh": "数值"},
}


def _kpi_meta(name: str, extra: Mapping[str, KpiMeta] | None) -> KpiMeta:
    """Metadata for a KPI, from ``extra`` first, then :data:`KPI_META`."""
    if extra is not None and name in extra:
        return extra[name]
    return KPI_META.get(name, KpiMeta(name, name, "value", 0))


# --------------------------------------------------------------------------- statistics


def mean_ci(
    values: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean and Student-t confidence interval, ignoring NaN, warning-free.

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n_replications, k)`` (or 1-D, treated as one column).
    confidence : float
        Confidence level.

    Returns
    -------
    mean, low, high : numpy.ndarray
        Shape ``(k,)``. ``mean`` is NaN where a column has no finite value; ``low`` and
        ``high`` are NaN where it has fewer than two.
    n : numpy.ndarray
        Number of finite values per column.
    """
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 1:
        arr = arr[:, None]
    finite = np.isfinite(arr)
    n = finite.sum(axis=0)
    filled = np.where(finite, arr, 0.0)
    mean = np.full(arr.shape[1], np.nan)
    np.divide(filled.sum(axis=0), n, out=mean, where=n > 0)
    dev = np.where(finite, arr - mean, 0.0)
    var = np.full(arr.shape[1], np.nan)
    np.divide((dev**2).sum(axis=0), n - 1, out=var, where=n > 1)
    half = np.full(arr.shape[1], np.nan)
    ok = n > 1
    if ok.any():
        tcrit = stats.t.ppf(0.5 + confidence / 2.0, n[ok] - 1)
        half[ok] = tcrit * np.sqrt(var[ok] / n[ok])
    return mean, mean - half, mean + half, n


def _nanmax(values: np.ndarray) -> float:
    """Maximum of the finite values, NaN if there are none (no warning)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.max()) if arr.size else math.nan


# --------------------------------------------------------------------------- helpers


def _no_data(ax: Axes, lang: str) -> None:
    """Write a 'no data' message in the middle of an empty axes."""
    ax.text(
        0.5,
        0.5,
        _t("no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=style.MUTED_TEXT_COLOR,
        fontsize=style.LABEL_SIZE,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _no_data_figure(
    fig: Figure, ax: Axes, lang: str, title: str | None, families: Sequence[str], footer: str | None
) -> Figure:
    """Finish a chart that has nothing to draw: the 'no data' message and title."""
    _no_data(ax, lang)
    return style.finish_figure(
        fig,
        title or _t("no_data", lang),
        families,
        [],
        footer,
        finding_lang=None if title else lang,
    )


def _ci_whiskers(
    ax: Axes,
    pos: np.ndarray,
    mean: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    mask: np.ndarray,
    *,
    horizontal: bool = False,
    scale: float = 1.0,
    ecolor: str = style.TEXT_COLOR,
    zorder: float = 3,
) -> None:
    """Whiskers from ``lo`` to ``hi`` around ``mean`` at ``pos``, where ``mask`` is True.

    Values are multiplied by ``scale`` (shares drawn in percent); ``horizontal`` draws
    them along x (horizontal bars), else along y.
    """
    if not mask.any():
        return
    err = scale * np.vstack([np.maximum(mean - lo, 0)[mask], np.maximum(hi - mean, 0)[mask]])
    centre = scale * mean[mask]
    x, y = (centre, pos[mask]) if horizontal else (pos[mask], centre)
    ax.errorbar(
        x,
        y,
        xerr=err if horizontal else None,
        yerr=None if horizontal else err,
        fmt="none",
        ecolor=ecolor,
        elinewidth=1.0,
        capsize=3,
        zorder=zorder,
    )


def _uncertainty_notes(n_max: int, lang: str, kind: Literal["band", "whisker"]) -> list[str]:
    """Footer note describing the interval shown, or the single-replication caveat."""
    if n_max <= 1:
        return [_t("single_rep", lang)]
    if kind == "band":
        return [_t("band_note", lang, n=n_max)]
    return [_t("whisker_note", lang)]


def _plain_formatter() -> FuncFormatter:
    """Tick formatter that writes plain numbers (percent axes are already scaled)."""
    return FuncFormatter(lambda v, _pos: f"{v:g}")


def _hour_ticks(ax: Axes, hours: Sequence[int]) -> None:
    """Put ``HH:00`` labels on the hour axis, thinning them when there are many."""
    step = 1 if len(hours) <= 13 else 2
    ticks = [h for h in hours if (h - hours[0]) % step == 0]
    ax.set_xticks(ticks)
    ax.set_xticklabels([fmt_hour(h) for h in ticks])


def _with_replication(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with a ``replication`` column (0 when absent)."""
    if "replication" in df.columns:
        return df
    return df.assign(replication=0)


def _with_group(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Return ``df`` with a ``_group`` column: ``by`` as text, or "all days" when None."""
    return df.assign(_group=df[by].astype(str) if by is not None else "all days")


def _ratio(num: np.ndarray, den: np.ndarray, min_den: float) -> np.ndarray:
    """``num / den`` where ``den`` exceeds ``min_den``, NaN elsewhere (no warning)."""
    out = np.full(den.shape, np.nan)
    np.divide(num, den, out=out, where=den > min_den)
    return out


def _thin_slots(open_per_day: pd.Series, group: object, hours: Sequence[int]) -> np.ndarray:
    """Hour slots of ``group`` with too few open window-minutes a day to be a peak.

    ``open_per_day`` is :func:`_open_minutes_per_day`; slots missing from it are not thin.
    """
    opened = np.array([float(open_per_day.get((str(group), h), np.inf)) for h in hours])
    return opened < MIN_OPEN_FOR_PEAK_MIN


def _order_categories(values: Sequence[object]) -> list[object]:
    """Order day types naturally (weekday first), other values as they appear."""
    known = [v for v in _DAY_TYPE_ORDER if v in values]
    rest = [v for v in values if v not in known]
    return [*known, *rest]


def _round_towards(x: float, down: bool) -> float:
    """Round to the precision :func:`fmt_num` shows, downwards or upwards."""
    factor = 1.0 if abs(x) >= 10 else 10.0
    return (math.floor if down else math.ceil)(x * factor) / factor


def _join(items: Sequence[str], lang: str) -> str:
    return _t("list_sep", lang).join(items)


# --------------------------------------------------------------------------- save


def save_figure(
    fig: Figure,
    path_stem: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
) -> list[Path]:
    """Save a figure in several formats next to each other.

    Parameters
    ----------
    fig : Figure
        Figure returned by a chart function.
    path_stem : str or Path
        Path without extension, e.g. ``"outputs/wait_ecdf"``; parent directories are
        created. The extension is appended, so dots in the stem are kept.
    formats : sequence of str
        File formats understood by matplotlib ("png", "svg", "pdf", ...).
    dpi : int
        Resolution for raster formats.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with mpl.rc_context({"svg.fonttype": "path", "savefig.facecolor": "white"}):
        for fmt in formats:
            out = stem.parent / f"{stem.name}.{fmt.lstrip('.')}"
            fig.savefig(out, format=fmt.lstrip("."), dpi=dpi)
            written.append(out)
    return written


# --------------------------------------------------------------------------- wait_ecdf


def _nice_ceiling(x: float) -> float:
    """Round up to 5, 10, 15, 20, 30, 45, 60, 90, 120... minutes."""
    for step in (5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 240):
        if x <= step:
            return float(step)
    return float(math.ceil(x / 60.0) * 60)


def ecdf_grid_minutes(max_wait_min: float, target_wait_min: float | None = None) -> np.ndarray:
    """The wait grid of :func:`wait_ecdf_grid`: every minute to 60, then every 5 minutes.

    Reaches at least ``max_wait_min`` (rounded up to 5 minutes; at least 60) and
    contains ``target_wait_min``.
    """
    top = max(60.0, 5.0 * math.ceil(max(0.0, float(max_wait_min)) / 5.0))
    grid = np.concatenate([np.arange(0.0, 61.0), np.arange(65.0, top + 1.0, 5.0)])
    if target_wait_min is not None and math.isfinite(target_wait_min):
        grid = np.union1d(grid, [float(target_wait_min)])
    return grid


def _grid_column(t: float) -> str:
    return f"{t:g}"


def wait_ecdf_grid(
    visits: pd.DataFrame, target_wait_min: float | None = None, grid: Sequence[float] | None = None
) -> pd.DataFrame:
    """Per-replication ECDF of the waits of served residents on a grid of minutes.

    A compact stand-in for the per-visit table that :func:`wait_ecdf` (and the report)
    can overlay across options: 20 replications x about 100 grid points.

    Parameters
    ----------
    visits : DataFrame
        ``visits`` table (``replication``, ``outcome``, ``wait_min``).
    target_wait_min : float, optional
        Included in the default grid.
    grid : sequence of float, optional
        Minutes; default :func:`ecdf_grid_minutes` up to the largest wait.

    Returns
    -------
    DataFrame
        One row per replication: ``replication``, ``served`` (residents served), then
        one column per grid minute ``t`` (named ``f"{t:g}"``) holding the share of
        served residents who waited at most ``t`` minutes (NaN when none was served).
    """
    v = _with_replication(visits)
    waits = v["wait_min"].astype(float)
    served = v[(v["outcome"] == "served") & np.isfinite(waits)]
    reps = sorted(pd.unique(v["replication"]))
    if grid is None:
        top = float(served["wait_min"].max()) if len(served) else 0.0
        grid_arr = ecdf_grid_minutes(top, target_wait_min)
    else:
        grid_arr = np.asarray(sorted(set(float(g) for g in grid)), dtype=float)
    by_rep = {r: np.sort(g["wait_min"].to_numpy(dtype=float)) for r, g in served.groupby(
        "replication", sort=True, observed=True)}  # fmt: skip
    rows = []
    for r in reps:
        w = by_rep.get(r, np.empty(0))
        shares = (
            np.searchsorted(w, grid_arr, side="right") / w.size
            if w.size
            else np.full(grid_arr.size, np.nan)
        )
        rows.append([r, w.size, *shares])
    cols = ["replication", "served", *[_grid_column(t) for t in grid_arr]]
    return pd.DataFrame(rows, columns=cols)


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
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line (source scenario, seed, code version).
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    Figure
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
        v = _with_replication(visits)
        served = v[(v["outcome"] == "served") & np.isfinite(v["wait_min"].astype(float))]
        per_rep = [
            np.sort(g["wait_min"].to_numpy(dtype=float))
            for _, g in served.groupby("replication", sort=True, observed=True)
        ]
        waits[name] = [w for w in per_rep if w.size]

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
    return style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)


# --------------------------------------------------------------------------- hourly_profile


@dataclass(frozen=True)
class _HourlyMetric:
    axis: dict[str, str]
    title: dict[str, str]
    kind: Kind
    agg: Literal["mean", "ratio", "weighted"]


_HOURLY: dict[str, _HourlyMetric] = {
    "queue_mean": _HourlyMetric(
        {"en": "Residents waiting (time-average)", "zh": "排队等候人数（时间平均）"},
        {
            "en": "Queues peak at {hour} with {v} waiting{g}",
            "zh": "排队高峰在{hour}，平均{v}等候{g}",
        },
        "residents",
        "mean",
    ),
    "utilisation": _HourlyMetric(
        {"en": "Window utilisation (%)", "zh": "窗口利用率（%）"},
        {
            "en": "Windows are busiest at {hour}: {v} utilised{g}",
            "zh": "窗口在{hour}最繁忙：利用率{v}{g}",
        },
        "share",
        "ratio",
    ),
    "wait_mean_min": _HourlyMetric(
        {"en": "Mean wait (min)", "zh": "平均等候时间（分钟）"},
        {
            "en": "Waits are longest at {hour}: {v} on average{g}",
            "zh": "{hour}等候时间最长：平均{v}{g}",
        },
        "minutes",
        "weighted",
    ),
    "arrivals": _HourlyMetric(
        {"en": "Arrivals per hour (residents)", "zh": "每小时到访人数"},
        {
            "en": "Arrivals peak at {hour} with {v} residents per hour{g}",
            "zh": "到访高峰在{hour}，每小时{v}人{g}",
        },
        "count",
        "mean",
    ),
    "served": _HourlyMetric(
        {"en": "Residents served per hour", "zh": "每小时服务人数"},
        {
            "en": "Service output peaks at {hour} with {v} residents per hour{g}",
            "zh": "服务高峰在{hour}，每小时{v}人{g}",
        },
        "count",
        "mean",
    ),
    "abandoned": _HourlyMetric(
        {"en": "Residents abandoning per hour", "zh": "每小时放弃人数"},
        {
            "en": "Abandonment peaks at {hour} with {v} residents per hour{g}",
            "zh": "放弃高峰在{hour}，每小时{v}人{g}",
        },
        "count",
        "mean",
    ),
}


def _hourly_per_replication(hourly: pd.DataFrame, metric: str, by: str | None) -> pd.DataFrame:
    """Aggregate days per replication: columns replication, group, hour, value."""
    spec = _HOURLY[metric]
    df = _with_group(_with_replication(hourly), by)
    keys = ["replication", "_group", "hour"]
    if spec.agg == "ratio" and {"busy_min", "open_min"} <= set(df.columns):
        sums = df.groupby(keys, observed=True)[["busy_min", "open_min"]].sum()
        open_ = sums["open_min"].to_numpy(dtype=float)
        busy = sums["busy_min"].to_numpy(dtype=float)
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


def _open_minutes_per_day(hourly: pd.DataFrame, by: str | None) -> pd.Series:
    """Mean open window-minutes per day in each (group, hour) slot.

    Index ``(group, hour)`` (group ``"all days"`` when ``by`` is None); empty when the
    table has no ``open_min`` column.
    """
    if "open_min" not in hourly.columns or "day" not in hourly.columns:
        return pd.Series(dtype=float)
    df = _with_group(_with_replication(hourly), by)
    days = df.drop_duplicates(["_group", "replication", "day"]).groupby("_group").size()
    total = df.groupby(["_group", "hour"], observed=True)["open_min"].sum()
    return total / days.reindex(total.index.get_level_values("_group")).to_numpy(dtype=float)


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
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
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
        ax.set_ylabel(spec.axis[lang])
        if drawn > 1:
            ax.legend(loc="upper right")
        g_txt = _t("peak_suffix", lang, g=best[2]) if drawn > 1 else ""
        if title is None:
            if best[0] <= 0:
                title = _t("hourly_zero", lang, label=spec.axis[lang], g=g_txt)
            else:
                title = spec.title[lang].format(
                    hour=fmt_hour(best[1]), v=_fmt(best[0], spec.kind, lang), g=g_txt
                )
    notes = _uncertainty_notes(n_max, lang, "band") if drawn else []
    if skipped_peak:
        notes.append(_t("peak_note", lang, m=fmt_num(MIN_OPEN_FOR_PEAK_MIN)))
    return style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)


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
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float, optional
        Figure size; default grows with the number of panels.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
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
            _ci_whiskers(ax, pos, mean, lo, hi, has_ci)
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
        ax.set_ylabel(_KIND_AXIS[kind][lang])
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
    legend = (handles, labels, min(len(names), 4))
    return style.finish_figure(
        fig, title, families, [" ".join(notes)], footer, legend, finding_lang=finding_lang
    )


# --------------------------------------------------------------------------- heatmap


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
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float, optional
        Figure size; default grows with the number of rows.

    Returns
    -------
    Figure
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
    sums = df.groupby(keys, observed=True)[["busy_min", "open_min"]].sum().reset_index()
    sums["util"] = _ratio(
        sums["busy_min"].to_numpy(dtype=float), sums["open_min"].to_numpy(dtype=float), OPEN_EPS_MIN
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
        ax.set_xticks(range(len(hours)))
        ax.set_xticklabels([fmt_hour(h) for h in hours], rotation=45, ha="right")
        ax.set_yticks(range(len(rows)))
        if weekday_rows:
            ax.set_yticklabels([_WEEKDAYS[lang][int(r) % 7] for r in rows])
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
        if skipped_peak:
            notes.append(_t("peak_note", lang, m=fmt_num(MIN_OPEN_FOR_PEAK_MIN)))
        if n_max <= 1:
            notes.append(_t("single_rep", lang))
    return style.finish_figure(
        fig, title, families, [" ".join(notes)], footer, finding_lang=finding_lang
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


def _label_corner(
    px: float, py: float, width: float, height: float, cand: tuple[int, int, str, str]
) -> tuple[float, float]:
    """Lower-left corner (inches) of a ``width`` x ``height`` label of the point at
    (``px``, ``py``) placed at candidate ``(dx, dy, ha, va)`` (offsets in points)."""
    dx, dy, ha, va = cand
    ax_in, ay_in = px + dx / 72.0, py + dy / 72.0
    left = ax_in - (width if ha == "right" else width / 2 if ha == "center" else 0.0)
    return left, ay_in - (height if va == "top" else 0.0)


def _place_labels(
    ax: Axes,
    points: Sequence[tuple[float, float, str, bool]],
    obstacles: Sequence[tuple[float, float]],
    figsize: tuple[float, float],
    families: Sequence[str],
    fontsize: float = 8.0,
) -> None:
    """Annotate points with labels that neither overlap each other nor the markers.

    Positions are estimated in inches from the axis limits and an approximate axes size
    (the final layout differs by a few percent; margins absorb that). For each label
    (in the given order) the first candidate offset whose box is free is taken, with a
    thin leader line when the label sits far from its point. A point with no free place
    is left unlabelled, except an emphasised (bold) one.

    Parameters
    ----------
    points : sequence of (x, y, text, bold)
        Data coordinates of the labelled points (y as drawn), text and emphasis.
    obstacles : sequence of (x, y)
        Every plotted marker (labels keep clear of them).
    """
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    w_in, h_in = max(1.0, figsize[0] - 1.4), max(1.0, figsize[1] - 2.1)

    def to_in(x: float, y: float) -> tuple[float, float]:
        return (x - x0) / (x1 - x0) * w_in, (y - y0) / (y1 - y0) * h_in

    pad = 0.02
    taken: list[tuple[float, float, float, float]] = []
    for ox, oy in obstacles:
        cx, cy = to_in(ox, oy)
        taken.append((cx - 0.07, cy - 0.07, cx + 0.07, cy + 0.07))
    line_h = fontsize * 1.25 / 72.0
    # (dx, dy) offsets of the label's anchor in points, with its alignment.
    candidates = [
        (9, -6, "left", "top"),
        (9, 6, "left", "bottom"),
        (-9, 6, "right", "bottom"),
        (-9, -6, "right", "top"),
        (0, 12, "center", "bottom"),
        (0, -12, "center", "top"),
        (14, -22, "left", "top"),
        (14, 22, "left", "bottom"),
        (-14, 22, "right", "bottom"),
        (-14, -22, "right", "top"),
        (0, 30, "center", "bottom"),
        (0, -30, "center", "top"),
        (24, -40, "left", "top"),
        (24, 40, "left", "bottom"),
    ]
    for x, y, text, bold in points:
        weight = "bold" if bold else "normal"
        fams, weight = style.title_font(text, families) if bold else (list(families), weight)
        width = style._text_width_pt(text, fontsize, weight, tuple(fams)) / 72.0
        px, py = to_in(x, y)
        choice = candidates[0]
        box = None
        for cand in candidates:
            left, bottom = _label_corner(px, py, width, line_h, cand)
            b = (left - pad, bottom - pad, left + width + pad, bottom + line_h + pad)
            inside = b[0] >= -0.05 and b[2] <= w_in + 0.05 and b[1] >= -0.05 and b[3] <= h_in
            free = all(b[2] <= t[0] or b[0] >= t[2] or b[3] <= t[1] or b[1] >= t[3] for t in taken)
            if inside and free:
                choice, box = cand, b
                break
        if box is None and not bold:
            continue  # no free place: leave this point unlabelled rather than overlap
        if box is None:  # the emphasised label is always drawn, at the first candidate
            left, bottom = _label_corner(px, py, width, line_h, choice)
            box = (left, bottom, left + width, bottom + line_h)
        taken.append(box)
        dx, dy, ha, va = choice
        far = abs(dx) > 12 or abs(dy) > 14
        ax.annotate(
            text,
            (x, y),
            xytext=(dx, dy),
            textcoords="offset points",
            ha=ha,
            va=va,
            fontsize=fontsize,
            fontweight=weight,
            color=style.TEXT_COLOR,
            zorder=5,
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
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float
        Figure size in inches.

    Returns
    -------
    Figure

    Raises
    ------
    ValueError
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
    _ci_whiskers(ax, cost, sl, lo, hi, has_ci, scale=100.0, ecolor="#555555", zorder=2)
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
    _place_labels(
        ax,
        [(cost[i], 100 * sl[i], names[i], i == r_idx) for i in labelled],
        [(cost[i], 100 * sl[i]) for i in np.flatnonzero(ok)],
        figsize,
        families,
    )

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
        cheapest = [int(c) for c in np.argsort(cost, kind="stable") if ok[c] and meets[c]]
        if r_idx is not None and ok[r_idx]:
            r = r_idx
            kw = {"rec": recommended, "sl": fmt_pct_vs(sl[r], target), "c": cny(cost[r])}
            if not judged:
                title = _t("front_title_rec_plain", lang, **kw)
            elif not meets[r]:
                title = _t("front_title_rec_misses", lang, **kw, **verbs(names[r]))
                if cheapest:
                    title += _t(
                        "front_meets_instead", lang, cheap=names[cheapest[0]],
                        c=cny(cost[cheapest[0]]), **verbs(names[cheapest[0]]),
                    )  # fmt: skip
            elif cheapest and cost[cheapest[0]] < cost[r]:
                i = cheapest[0]
                title = _t(
                    "front_title_rec_dearer", lang, cheap=names[i], c0=cny(cost[i]), **kw,
                    **verbs(names[i]),
                )  # fmt: skip
            else:
                title = _t("front_title_rec_cheapest", lang, **kw)
        elif cheapest and judged:
            i = cheapest[0]
            title = _t(
                "front_title_cheap", lang, cheap=names[i], sl=fmt_pct_vs(sl[i], target),
                c=cny(cost[i]), **verbs(names[i]),
            )  # fmt: skip
        else:
            i = int(np.nanargmax(np.where(ok, sl, -np.inf)))
            key = "front_title_none" if judged else "front_title_plain"
            title = _t(key, lang, best=names[i], sl=fmt_pct_vs(sl[i], target), c=cny(cost[i]))
    notes = _uncertainty_notes(2 if has_ci.any() else 1, lang, "whisker")
    return style.finish_figure(fig, title, families, notes, footer, finding_lang=finding_lang)


# --------------------------------------------------------------------------- completion


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
    group_label : str, optional
        Axis label for the groups (default ``group_col``).
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float, optional
        Figure size; default grows with the number of groups.

    Returns
    -------
    Figure
    """
    if group_col not in df.columns:
        raise ValueError(f"column {group_col!r} not in table")
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
    _ci_whiskers(ax, y, mean, lo, hi, has_ci, horizontal=True, scale=100.0)
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
    group_label : str, optional
        Axis label for the groups (default ``group_col``).
    lang : {"en", "zh"}
        Label language.
    footer : str, optional
        Provenance line.
    title : str, optional
        Overrides the computed finding.
    figsize : tuple of float, optional
        Figure size; default grows with the number of groups.

    Returns
    -------
    Figure
    """
    for col in (value_col, group_col):
        if col not in df.columns:
            raise ValueError(f"column {col!r} not in table")
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
