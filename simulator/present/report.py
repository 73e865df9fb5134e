"""``svcsim-report``: a self-contained HTML report for policymakers from result folders.

Examples::

    svcsim-report outputs/2026-03-02/10-00-00                    # one run
    svcsim-report runs/reference runs/six -o compare.html        # first folder = baseline
    svcsim-report multirun/2026-03-02/10-00-00 report.lang=zh    # a sweep, Chinese labels

From Python::

    from simulator.present.report import build_report
    build_report(["runs/reference", "runs/six"], out="compare.html", lang="en")

The report reads result folders (kinds in :mod:`simulator.present.readers`), never
re-simulates, and writes one HTML file with everything embedded (charts as base64
PNG, inline CSS, no script, nothing fetched from the network): a plain-language
summary, a comparison table, the charts, a "how sure are we" section and the
assumptions behind the inputs (published, calibrated or assumed).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import io
import math
import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from string import Template
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.present import style
from simulator.present.provenance import (
    EXPERIMENT_KEYS,
    flatten,
    lookup,
    override_keys,
    provenance_rows,
)
from simulator.present.readers import (
    READERS,
    CalibrationData,
    FolderContent,
    RecommendationData,
    ReportError,
    RunData,
    UnknownFolderError,
    read_folder,
)

__all__ = [
    "READERS",
    "Comparison",
    "ReportError",
    "UnknownFolderError",
    "build_report",
    "compare",
    "main",
    "read_folder",
]

#: Service targets for reports (assumed planning targets, DOMAIN.md).
TARGET_MEAN_WAIT_MIN = 10.0
TARGET_SERVICE_LEVEL = 0.90
#: KPIs of the comparison table, in order.
TABLE_KPIS = (
    "arrivals",
    "served",
    "wait_mean_min",
    "wait_p90_min",
    "service_level",
    "abandonment_rate",
    "utilisation",
    "queue_mean",
    "overtime_min",
    "one_visit_rate",
)
#: KPIs of the comparison chart (headline first).
CHART_KPIS = ("wait_mean_min", "wait_p90_min", "service_level", "abandonment_rate", "utilisation")
#: At most this many options in a chart; the rest are listed in the table only.
MAX_CHART_OPTIONS = 8
#: Inputs that must be equal for two runs to see the same residents (CRN).
DEMAND_SECTIONS = ("centre.daily_volume", "catalogue", "demand", "impatience", "calendar")

# --------------------------------------------------------------------------- text

_T: dict[str, dict[str, str]] = {
    "doc_title": {"en": "svcsim report", "zh": "svcsim 分析报告"},
    "summary_h": {"en": "Summary", "zh": "摘要"},
    "table_h": {"en": "Comparison of the options", "zh": "方案比较"},
    "charts_h": {"en": "Charts", "zh": "图表"},
    "sure_h": {"en": "How sure are we?", "zh": "结论有多可靠？"},
    "assume_h": {"en": "Assumptions: where the inputs come from", "zh": "假设：输入数据来源"},
    "sources_h": {"en": "Result folders", "zh": "结果文件夹"},
    "kpi": {"en": "Measure", "zh": "指标"},
    "baseline_tag": {"en": "baseline", "zh": "基准"},
    "windows": {"en": "Windows", "zh": "窗口数"},
    "staff": {"en": "Staff", "zh": "工作人员"},
    "diff_h": {"en": "Difference vs baseline (95% CI)", "zh": "与基准之差（95%置信区间）"},
    "table_note": {
        "en": "Mean across replications with the 95% confidence interval in brackets. "
        "Shares in percent, times in minutes. Targets (assumed): mean wait at most "
        "{tw} min, at least {ts} served within {t} min.",
        "zh": "各次重复运行的均值，括号内为95%置信区间。比例以百分比表示，时间以分钟表示。"
        "目标（假设）：平均等候不超过{tw}分钟，{t}分钟内服务比例不低于{ts}。",
    },
    "status_published": {"en": "published", "zh": "公开数据"},
    "status_calibrated": {"en": "calibrated", "zh": "校准"},
    "status_assumed": {"en": "assumed", "zh": "假设"},
    "status_option": {"en": "option compared", "zh": "比较方案"},
    "col_input": {"en": "Input (config key)", "zh": "输入（配置项）"},
    "col_value": {"en": "Value (baseline)", "zh": "取值（基准）"},
    "col_status": {"en": "Source", "zh": "来源"},
    "col_note": {"en": "What it is", "zh": "说明"},
    "assume_intro": {
        "en": "Published figures come from public reports on Shanghai's community affairs "
        "acceptance service centres; assumed figures are planning defaults to be replaced "
        "by calibration when real data exist; calibrated figures were fitted to a centre's "
        "ticket history. {n_pub} inputs are published, {n_cal} calibrated, {n_ass} "
        "assumed.",
        "zh": "公开数据来自关于上海社区事务受理服务中心的公开报告；假设数据为规划默认值，"
        "待有真实数据时由校准替换；校准数据由中心的叫号历史拟合。公开{n_pub}项，校准{n_cal}项，"
        "假设{n_ass}项。",
    },
    # summary
    "sum_one": {
        "en": "{name}: residents wait {w} on average (95% CI {wlo} to {whi}); {sl} are "
        "served within {t} min{sl_tgt}, {ab} leave without being served and windows are "
        "busy {ut} of their open time, with {res}. This is based on {n} replications of "
        "{days}.",
        "zh": "{name}：居民平均等候{w}（95%置信区间{wlo}至{whi}）；{t}分钟内获服务的比例为"
        "{sl}{sl_tgt}，{ab}未获服务即离开，窗口开放时间的利用率为{ut}，配置为{res}。"
        "结论基于{n}次重复运行，每次{days}。",
    },
    "sum_best": {
        "en": "Of the {k} options compared, {best} gives the shortest mean wait: {wb} "
        "against {w0} for the baseline ({base}), {d} shorter (95% CI {dlo} to {dhi}). "
        "It serves {slb} within {t} min (baseline {sl0}) with {resb} (baseline {res0}). ",
        "zh": "在比较的{k}个方案中，{best}的平均等候时间最短：{wb}，基准方案（{base}）为"
        "{w0}，缩短{d}（95%置信区间{dlo}至{dhi}）。{t}分钟内服务比例为{slb}（基准{sl0}），"
        "配置为{resb}（基准{res0}）。",
    },
    "sum_none_better": {
        "en": "Of the {k} options compared, none shortens the mean wait of the baseline "
        "({base}, {w0}); the best alternative, {best}, has {wb}. ",
        "zh": "在比较的{k}个方案中，没有方案能缩短基准方案（{base}，{w0}）的平均等候时间；"
        "最佳备选方案{best}为{wb}。",
    },
    "sum_sure": {
        "en": "The difference is clear: its 95% confidence interval excludes zero ({how}).",
        "zh": "差异明确：其95%置信区间不含零（{how}）。",
    },
    "sum_unsure": {
        "en": "The difference cannot be told apart from chance with these replications "
        "({how}); run more replications before deciding.",
        "zh": "在现有重复运行次数下，该差异与随机波动无法区分（{how}）；决策前请增加重复运行次数。",
    },
    "how_paired": {
        "en": "paired comparison of {n} replications under common random numbers",
        "zh": "共同随机数下{n}次重复运行的配对比较",
    },
    "how_welch": {
        "en": "independent replications, Welch interval",
        "zh": "独立重复运行，Welch区间",
    },
    "sum_cheapest": {
        "en": " The option with the fewest staff that meets both targets (mean wait at most "
        "{tw} min, {ts} within {t} min) is {opt} ({res}).",
        "zh": "同时满足两项目标（平均等候不超过{tw}分钟、{t}分钟内服务比例不低于{ts}）且人员最少"
        "的方案是{opt}（{res}）。",
    },
    "sum_no_target": {
        "en": " No option meets both targets (mean wait at most {tw} min, {ts} within {t} min).",
        "zh": "没有方案同时满足两项目标（平均等候不超过{tw}分钟、{t}分钟内服务比例不低于{ts}）。",
    },
    "sl_meets": {"en": " (target {ts}: met)", "zh": "（目标{ts}：达标）"},
    "sl_misses": {"en": " (target {ts}: missed)", "zh": "（目标{ts}：未达标）"},
    "res": {"en": "{w} windows and {s} staff", "zh": "{w}个窗口、{s}名工作人员"},
    "res_unknown": {"en": "an unknown number of windows", "zh": "窗口数未知"},
    "days": {"en": "{d} simulated days", "zh": "{d}个模拟日"},
    "days_unknown": {"en": "the simulated period", "zh": "模拟期"},
    "min": {"en": "{v} min", "zh": "{v}分钟"},
    # how sure
    "sure_reps": {
        "en": "Each option was simulated in {reps} independent replications of {days} "
        "(seed {seeds}); {warm}.",
        "zh": "每个方案独立重复运行{reps}次，每次{days}（随机种子{seeds}）；{warm}。",
    },
    "sure_warm0": {
        "en": "the centre opens empty every day, so no warm-up period is discarded",
        "zh": "中心每天空场开门，因此不剔除预热期",
    },
    "sure_warm": {
        "en": "the first {w} min after opening are discarded as warm-up",
        "zh": "开门后前{w}分钟作为预热期剔除",
    },
    "sure_ci": {
        "en": "Intervals are 95% Student t confidence intervals across replications: if "
        "the study were repeated many times, 95% of such intervals would contain the "
        "long-run mean. Narrower intervals need more replications (the width shrinks with "
        "the square root of their number).",
        "zh": "区间为各次重复运行的95% t分布置信区间：若研究重复多次，95%的此类区间会包含长期均值。"
        "要缩窄区间需增加重复运行次数（宽度随次数的平方根缩小）。",
    },
    "sure_crn": {
        "en": "Common random numbers: {pairs} share the seed, the replication count and "
        "every demand input, so replication r of each option sees exactly the same "
        "residents (arrival times, items, service times, patience). Differences are "
        "therefore computed replication by replication (paired), which removes most of "
        "the noise from the comparison.",
        "zh": "共同随机数：{pairs}使用相同的随机种子、重复运行次数和全部需求输入，因此各方案的第r次"
        "重复运行面对完全相同的居民（到达时间、事项、办理时长、耐心）。差异按重复运行逐一配对计算，"
        "消除了比较中的大部分随机噪声。",
    },
    "sure_no_crn": {
        "en": "{pairs} do not share the seed or the demand inputs, so their differences "
        "are computed from independent samples (Welch interval), which is wider.",
        "zh": "{pairs}的随机种子或需求输入不同，差异按独立样本计算（Welch区间），区间较宽。",
    },
    "sure_all": {"en": "All options", "zh": "所有方案"},
    "sure_code": {
        "en": "Code: {versions}. The report reads the saved result tables; it never "
        "re-runs the simulation.",
        "zh": "代码版本：{versions}。本报告读取已保存的结果表，不重新运行模拟。",
    },
    # charts
    "cap_kpi": {
        "en": "Key measures by option; whiskers are 95% confidence intervals.",
        "zh": "各方案主要指标；误差线为95%置信区间。",
    },
    "cap_ecdf": {
        "en": "Share of served residents who waited at most a given time.",
        "zh": "等候不超过给定时长的已服务居民比例。",
    },
    "cap_ecdf_run": {
        "en": "Wait distribution of {name}, as charted by svcsim for this run (the run "
        "folders hold no per-visit records, so waits of different options cannot be "
        "overlaid).",
        "zh": "{name}的等候时间分布（svcsim为本次运行绘制；"
        "结果文件夹不含逐人记录，无法叠加不同方案）。",
    },
    "cap_hourly": {
        "en": "Residents waiting by hour on weekdays, per option.",
        "zh": "各方案工作日分时段等候人数。",
    },
    "cap_heat": {
        "en": "Window utilisation of {name} by hour and day type.",
        "zh": "{name}按时段和日类型的窗口利用率。",
    },
    "more_options": {
        "en": "Charts show the baseline and the {k} options with the shortest mean wait; "
        "the table lists all {n}.",
        "zh": "图表显示基准方案及平均等候最短的{k}个方案；表格列出全部{n}个方案。",
    },
    "generated": {
        "en": "Generated {when} by svcsim-report from {n} result folder(s).",
        "zh": "由svcsim-report于{when}根据{n}个结果文件夹生成。",
    },
    "kind_run": {"en": "run", "zh": "单次运行"},
    "kind_sweep": {"en": "sweep", "zh": "参数扫描"},
    "kind_recommendation": {"en": "recommendation", "zh": "推荐方案"},
    "kind_calibration": {"en": "calibration report", "zh": "校准报告"},
    # cost
    "cny": {"en": "CNY {v}", "zh": "{v}元"},
    "cost_item": {"en": "{name} {c} (staff {s})", "zh": "{name}{c}（人员{s}）"},
    "sum_cost": {
        "en": "Cost per open day (the recommender's cost model, assumed rates: staff on "
        "duty, amortised training, windows): {items}.",
        "zh": "每个开放日成本（推荐模块的成本模型，费率为假设：在岗人员、摊销培训、窗口）："
        "{items}。",
    },
    "sum_cheapest_cost": {
        "en": " The cheapest option that meets both targets (mean wait at most {tw} min, "
        "{ts} within {t} min) is {opt} ({res}, {c} per day).",
        "zh": "同时满足两项目标（平均等候不超过{tw}分钟、{t}分钟内服务比例不低于{ts}）且成本最低"
        "的方案是{opt}（{res}，每天{c}）。",
    },
    "cost_row": {"en": "Cost per day (CNY)", "zh": "每天成本（元）"},
    "staff_part": {"en": "staff {v}", "zh": "人员{v}"},
    "cost_note": {
        "en": "Cost per open day from the scenario's cost section (assumed rates): staff on "
        "duty by skill level, amortised training, installed windows; staff cost in brackets.",
        "zh": "每个开放日成本按情景的成本设置计算（费率为假设）：按技能等级计的在岗人员、摊销培训、"
        "已设窗口；括号内为人员成本。",
    },
    # recommendation section
    "rec_h": {"en": "Recommendation", "zh": "推荐方案"},
    "rec_layout": {
        "en": "Recommended layout: {layout}; roster: {mix}; share of windows open over "
        "lunch: {lunch}. Cost {c} per open day ({parts}); with every window open all day "
        "{c_all}; the current layout costs {c_now}.",
        "zh": "推荐布局：{layout}；人员配置：{mix}；午间开放窗口比例：{lunch}。每个开放日成本{c}"
        "（{parts}）；全天开放所有窗口为{c_all}；现有布局为{c_now}。",
    },
    "rec_kpis_h": {"en": "Service with the recommended plan", "zh": "推荐方案的服务水平"},
    "rec_kpis_note": {
        "en": "Final check on {n} fresh replications: mean with 95% CI; the bound is the "
        "one-sided {conf} confidence bound judged against the target (within tolerance "
        "counts as met).",
        "zh": "在{n}次全新重复运行上的最终检验：均值及95%置信区间；界限为{conf}单侧置信界，"
        "与目标比较（在容差内视为达标）。",
    },
    "rec_plan_h": {"en": "Hour-by-hour staffing plan", "zh": "分时段排班方案"},
    "rec_hourly_h": {"en": "Service by hour (final check)", "zh": "分时段服务水平（最终检验）"},
    "rec_runner_h": {"en": "Runner-ups", "zh": "备选方案"},
    "rec_runner_note": {
        "en": "Next cheapest options meeting the targets, with the paired 95% CI of their "
        "service level minus the recommendation's (same residents).",
        "zh": "次低成本的达标方案，以及其服务水平与推荐方案之差的配对95%置信区间（相同居民）。",
    },
    "rec_robust_h": {"en": "Robustness", "zh": "稳健性"},
    "rec_robust_note": {
        "en": "The recommended plan, unchanged, under more demand and more services moved online.",
        "zh": "推荐方案保持不变，在需求增加和更多业务转到线上时的表现。",
    },
    "cap_frontier": {
        "en": "Cost per open day against the share served within the target wait, every "
        "layout option tested; the star is the recommended hour-by-hour plan.",
        "zh": "每个开放日成本与目标等候时间内服务比例，所有测试的布局方案；"
        "星号为推荐的分时段方案。",
    },
    "cap_rec_kpi": {
        "en": "Current layout, recommended plan and runner-ups on the same residents, as "
        "charted by svcsim-recommend.",
        "zh": "现有布局、推荐方案与备选方案（相同居民），由svcsim-recommend绘制。",
    },
    "rec_none": {
        "en": "No tested option meets every target.",
        "zh": "没有测试方案满足全部目标。",
    },
    # calibration section
    "cal_h": {"en": "Calibration: {name}", "zh": "校准：{name}"},
    "cal_synthetic": {
        "en": "Synthetic data: this scenario was calibrated from a simulated history.",
        "zh": "合成数据：该情景由模拟历史数据校准。",
    },
    "cal_data": {"en": "Data and exclusions", "zh": "数据与剔除"},
    "cal_no_excl": {"en": "No row was excluded.", "zh": "没有剔除任何记录。"},
    "cal_fit_h": {"en": "Fitted parameters", "zh": "拟合参数"},
    "cal_val_h": {"en": "Validation on held-out history", "zh": "留出期历史数据验证"},
    "cal_val_note": {
        "en": "The history should lie inside the simulation's prediction interval "
        "(Bonferroni-adjusted over the checks); the 95% CI is that of the simulated mean.",
        "zh": "历史值应落在模拟的预测区间内（对各项检验做Bonferroni调整）；"
        "95%置信区间为模拟均值的区间。",
    },
    "cal_sentence": {
        "en": "Calibration {name}{centre}: {k} of {n} validation checks on held-out history "
        "consistent{bad}.",
        "zh": "校准{name}{centre}：留出期历史数据的{n}项验证中{k}项一致{bad}。",
    },
    "cal_sentence_noval": {
        "en": "Calibration {name}{centre}: fitted without a held-out validation.",
        "zh": "校准{name}{centre}：已拟合，未做留出期验证。",
    },
    "cal_bad": {"en": " (not: {items})", "zh": "（不一致：{items}）"},
    "cal_figs": {"en": "Figures of the calibration report.", "zh": "校准报告图表。"},
    "col_param": {"en": "Parameter", "zh": "参数"},
    "col_detail": {"en": "Detail", "zh": "说明"},
    "col_estimate": {"en": "Estimate", "zh": "估计值"},
    "col_reason": {"en": "Reason", "zh": "原因"},
    "col_count": {"en": "Rows", "zh": "行数"},
    "col_share": {"en": "Share", "zh": "占比"},
    "col_historical": {"en": "History", "zh": "历史值"},
    "col_sim": {"en": "Simulated (95% CI)", "zh": "模拟值（95%置信区间）"},
    "col_pi": {"en": "Prediction interval", "zh": "预测区间"},
    "col_verdict": {"en": "Verdict", "zh": "结论"},
    "col_target": {"en": "Target", "zh": "目标"},
    "col_bound": {"en": "Bound", "zh": "界限"},
    "col_met": {"en": "Met?", "zh": "是否达标"},
    "col_mean": {"en": "Mean (95% CI)", "zh": "均值（95%置信区间）"},
}

_EXTRA_KPI_NAMES = {
    "one_visit_rate": ("one-visit completion", "一次办成率"),
    "served": ("residents served", "已服务人数"),
}
_SHARE_KPIS = {"service_level", "abandonment_rate", "utilisation", "one_visit_rate", "p_wait_gt0"}
_LOWER_BETTER = {"wait_mean_min", "wait_p90_min", "wait_p95_min", "abandonment_rate",
                 "queue_mean", "overtime_min"}  # fmt: skip
_HIGHER_BETTER = {"service_level", "one_visit_rate", "served"}


def _t(key: str, lang: str, **kw: Any) -> str:
    return _T[key][lang].format(**kw)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def kpi_name(kpi: str, lang: str) -> str:
    """Display name of a KPI, capitalised for table rows."""
    from simulator.present.charts import KPI_META

    if kpi in _EXTRA_KPI_NAMES:
        en, zh = _EXTRA_KPI_NAMES[kpi]
    elif kpi in KPI_META:
        en, zh = KPI_META[kpi].en, KPI_META[kpi].zh
    else:
        en = zh = kpi
    text = zh if lang == "zh" else en
    return text[:1].upper() + text[1:]


def fmt_value(kpi: str, value: float) -> str:
    """A KPI value for tables: shares as percent, minutes and counts as numbers."""
    if not math.isfinite(value):
        return "n/a"
    if kpi in _SHARE_KPIS:
        return style.fmt_pct(value)
    return style.fmt_num(value)


def _fmt_min(value: float, lang: str) -> str:
    return _t("min", lang, v=style.fmt_num(value))


def _target_wait(run: RunData) -> float:
    """The run's target wait for the service level (minutes; 20 when not configured)."""
    return float(run.config.get("target_wait_min", 20) or 20)


# --------------------------------------------------------------------------- statistics


@dataclass(frozen=True)
class Difference:
    """Difference of a KPI between an option and the baseline (option - baseline)."""

    mean: float
    ci_low: float
    ci_high: float
    paired: bool
    n: int

    @property
    def clear(self) -> bool:
        """The 95% interval excludes zero."""
        return math.isfinite(self.ci_low) and (self.ci_low > 0 or self.ci_high < 0)


def common_random_numbers(a: RunData, b: RunData) -> bool:
    """Whether replication r of ``a`` and ``b`` saw the same residents.

    True when both have the same seed and replication count, per-replication tables,
    and identical demand inputs (volume, catalogue, demand, impatience, calendar):
    the simulator draws every resident from streams of (seed, replication), so such
    runs differ only in layout and staffing.
    """
    if a.replications is None or b.replications is None:
        return False
    if a.seed is None or a.seed != b.seed or a.n_replications != b.n_replications:
        return False
    if not a.config or not b.config:
        return False
    return all(lookup(a.config, k) == lookup(b.config, k) for k in DEMAND_SECTIONS)


def difference(option: RunData, baseline: RunData, kpi: str, level: float = 0.95) -> Difference:
    """Mean difference of ``kpi`` (option - baseline) with a confidence interval.

    Paired t-interval over replications under common random numbers, else a Welch
    interval from the two samples (or from the summary tables if replications are
    missing).
    """
    nan = float("nan")
    ra, rb = option.replications, baseline.replications
    if ra is not None and rb is not None and kpi in ra.columns and kpi in rb.columns:
        xa = ra[kpi].to_numpy(dtype=float)
        xb = rb[kpi].to_numpy(dtype=float)
        if common_random_numbers(option, baseline):
            d = xa - xb
            d = d[np.isfinite(d)]
            if d.size == 0:
                return Difference(nan, nan, nan, True, 0)
            m = float(d.mean())
            if d.size < 2:
                return Difference(m, nan, nan, True, int(d.size))
            half = float(stats.t.ppf(0.5 + level / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size))
            return Difference(m, m - half, m + half, True, int(d.size))
        xa, xb = xa[np.isfinite(xa)], xb[np.isfinite(xb)]
        if xa.size >= 2 and xb.size >= 2:
            va, vb = xa.var(ddof=1) / xa.size, xb.var(ddof=1) / xb.size
            m = float(xa.mean() - xb.mean())
            se = math.sqrt(va + vb)
            if se == 0:
                return Difference(m, m, m, False, int(min(xa.size, xb.size)))
            dof = (va + vb) ** 2 / (va**2 / (xa.size - 1) + vb**2 / (xb.size - 1))
            half = float(stats.t.ppf(0.5 + level / 2, dof)) * se
            return Difference(m, m - half, m + half, False, int(min(xa.size, xb.size)))
    a, b = option.kpi(kpi)[0], baseline.kpi(kpi)[0]
    return Difference(a - b, nan, nan, False, 0)


# --------------------------------------------------------------------------- comparison


@dataclass
class Comparison:
    """Options read from the folders, the baseline first, plus any recommendation and
    calibration folders."""

    runs: list[RunData]
    folders: list[FolderContent]
    recommendations: list[RecommendationData] = field(default_factory=list)
    calibrations: list[CalibrationData] = field(default_factory=list)

    @property
    def baseline(self) -> RunData:
        return self.runs[0]

    def targets(self) -> tuple[float, float]:
        """(mean wait at most, service level at least) for the summary and table: the
        baseline's ``targets`` config group when it has one, else the planning targets."""
        tw, ts = TARGET_MEAN_WAIT_MIN, TARGET_SERVICE_LEVEL
        if self.runs:
            day = (self.baseline.config.get("targets") or {}).get("day") or {}
            wait = (day.get("wait_mean_min") or {}).get("max")
            sl = (day.get("service_level") or {}).get("min")
            tw = float(wait) if isinstance(wait, int | float) else tw
            ts = float(sl) if isinstance(sl, int | float) else ts
        return tw, ts

    def best(self, kpi: str = "wait_mean_min") -> RunData:
        """Option (not the baseline) with the lowest mean of ``kpi``; baseline if alone."""
        others = [r for r in self.runs[1:] if math.isfinite(r.kpi(kpi)[0])]
        if not others:
            return self.baseline
        return min(others, key=lambda r: r.kpi(kpi)[0])

    def meets_targets(self, run: RunData) -> bool:
        w = run.kpi("wait_mean_min")[0]
        sl = run.kpi("service_level")[0]
        tw, ts = self.targets()
        return w <= tw and sl >= ts

    def chart_runs(self) -> list[RunData]:
        """Baseline plus the options with the shortest mean wait, at most 8 in all."""
        if len(self.runs) <= MAX_CHART_OPTIONS:
            return list(self.runs)
        others = sorted(self.runs[1:], key=lambda r: r.kpi("wait_mean_min")[0])
        keep = {id(r) for r in others[: MAX_CHART_OPTIONS - 1]}
        return [self.baseline, *[r for r in self.runs[1:] if id(r) in keep]]

    def option_keys(self) -> list[str]:
        """Config keys that differ between options, plus keys set on the command line."""
        keys: list[str] = []
        for r in self.runs:
            for k in override_keys(r.overrides):
                if k not in keys:
                    keys.append(k)
        flats = [flatten(r.config) for r in self.runs if r.config]
        if len(flats) > 1:
            all_keys = sorted(set().union(*flats))
            for k in all_keys:
                if k.split(".")[0] in EXPERIMENT_KEYS or k.startswith("provenance"):
                    continue
                vals = [repr(f.get(k)) for f in flats]
                if len(set(vals)) > 1:
                    group = ".".join(k.split(".")[:3])
                    if not any(group == o or group.startswith(o + ".") for o in keys):
                        keys.append(group)
        return keys


def compare(paths: Sequence[str | Path], labels: Sequence[str] | None = None) -> Comparison:
    """Read result folders into a :class:`Comparison` (the first option is the baseline).

    Parameters
    ----------
    paths : sequence of path
        Result folders, each of a kind in :data:`READERS`.
    labels : sequence of str, optional
        Names of the options, one per run read (a sweep gives one run per job).

    Raises
    ------
    ReportError
        No folder given, unreadable or unknown folders, or wrong number of labels.
    """
    if not paths:
        raise ReportError("no result folder given")
    folders = [read_folder(p) for p in paths]
    runs = [r for f in folders for r in f.runs]
    recs = [r for f in folders for r in f.recommendations]
    cals = [c for f in folders for c in f.calibrations]
    if labels is not None:
        if len(labels) != len(runs):
            raise ReportError(f"{len(labels)} labels given for {len(runs)} options read")
        for r, lab in zip(runs, labels, strict=True):
            r.label = str(lab)
    seen: dict[str, int] = {}
    for r in runs:
        seen[r.label] = seen.get(r.label, 0) + 1
    for r in runs:
        if seen[r.label] > 1:
            r.label = f"{r.label} ({r.path.name})"
    used: set[str] = set()
    for k, r in enumerate(runs, start=1):
        if r.label in used:  # the same folder twice
            r.label = f"{r.label} #{k}"
        used.add(r.label)
    return Comparison(runs, folders, recs, cals)


# --------------------------------------------------------------------------- text parts


def _resources(run: RunData, lang: str) -> str:
    w, s = run.windows(), run.staff()
    if w is None:
        return _t("res_unknown", lang)
    return _t("res", lang, w=w, s="?" if s is None else s)


def _days(run: RunData, lang: str) -> str:
    d = run.days()
    return _t("days", lang, d=d) if d else _t("days_unknown", lang)


_COSTS: dict[int, tuple[float, dict[str, float]] | None] = {}


def option_cost(run: RunData) -> tuple[float, dict[str, float]] | None:
    """Cost per open day of a run's option, with its components (CNY), or None.

    Uses the recommender's cost model and function (:mod:`simulator.optimise.recommend`):
    staffed window-hours priced by skill level, amortised training of the roster and
    installed windows, averaged over the simulated open days. Needs the ``cost``
    section of the run's resolved config (``.hydra/config.yaml``); None without one or
    when the config cannot be rebuilt into a scenario.
    """
    key = id(run)
    if key in _COSTS:
        return _COSTS[key]
    result: tuple[float, dict[str, float]] | None = None
    cost_cfg = run.config.get("cost")
    if isinstance(cost_cfg, dict) and cost_cfg:
        from simulator.config.scenario import scenario_from_config
        from simulator.errors import ConfigError
        from simulator.optimise.config import parse_cost
        from simulator.optimise.recommend import levels_cost

        try:
            model = parse_cost(cost_cfg)
            scn = scenario_from_config(dict(run.config), source=str(run.path))
            total, parts = levels_cost(scn, model)
            result = (float(total), {k: float(v) for k, v in parts.items()})
        except (ConfigError, KeyError, TypeError, ValueError, OSError):
            result = None
    _COSTS[key] = result
    return result


def _cny(value: float, lang: str) -> str:
    return _t("cny", lang, v=style.fmt_num(value))


def _cost_sentence(cmp: Comparison, lang: str) -> str:
    parts = []
    for r in cmp.runs:
        c = option_cost(r)
        if c is None:
            continue
        parts.append(
            _t("cost_item", lang, name=r.label, c=_cny(c[0], lang), s=_cny(c[1]["staff"], lang))
        )
    if not parts:
        return ""
    sep = "；" if lang == "zh" else "; "
    return " " + _t("sum_cost", lang, items=sep.join(parts))


def summary_text(cmp: Comparison, lang: str) -> str:
    """The plain-language summary (which option, how much better, how sure, at what
    staff and cost), then the recommendation and calibration findings."""
    return " ".join(summary_paragraphs(cmp, lang))


def summary_paragraphs(cmp: Comparison, lang: str) -> list[str]:
    """The summary as paragraphs: the options compared, each recommendation, each
    calibration."""
    parts = []
    if cmp.runs:
        parts.append(_runs_summary(cmp, lang))
    for rec in cmp.recommendations:
        parts.append(str(rec.summary.get("statement", "")))
    for cal in cmp.calibrations:
        parts.append(_calibration_sentence(cal, lang))
    return [p for p in parts if p]


def _runs_summary(cmp: Comparison, lang: str) -> str:
    base = cmp.baseline
    t = style.fmt_num(_target_wait(base))
    tw_v, ts_v = cmp.targets()
    ts = style.fmt_pct(ts_v)
    tw = style.fmt_num(tw_v)
    if len(cmp.runs) == 1:
        w, wlo, whi = base.kpi("wait_mean_min")
        sl = base.kpi("service_level")[0]
        sl_tgt = _t("sl_meets" if sl >= ts_v else "sl_misses", lang, ts=ts)
        return _t(
            "sum_one",
            lang,
            name=base.label,
            w=_fmt_min(w, lang),
            wlo=_fmt_min(wlo, lang),
            whi=_fmt_min(whi, lang),
            sl=style.fmt_pct(sl),
            t=t,
            sl_tgt=sl_tgt,
            ab=style.fmt_pct(base.kpi("abandonment_rate")[0]),
            ut=style.fmt_pct(base.kpi("utilisation")[0]),
            res=_resources(base, lang),
            n=base.n_replications,
            days=_days(base, lang),
        ) + _cost_sentence(cmp, lang)
    best = cmp.best()
    w0, wb = base.kpi("wait_mean_min")[0], best.kpi("wait_mean_min")[0]
    d = difference(best, base, "wait_mean_min")
    kw = {
        "k": len(cmp.runs),
        "best": best.label,
        "base": base.label,
        "w0": _fmt_min(w0, lang),
        "wb": _fmt_min(wb, lang),
        "t": t,
    }
    if wb < w0:
        text = _t(
            "sum_best",
            lang,
            **kw,
            d=_fmt_min(-d.mean, lang),
            dlo=_fmt_min(-d.ci_high, lang),
            dhi=_fmt_min(-d.ci_low, lang),
            slb=style.fmt_pct(best.kpi("service_level")[0]),
            sl0=style.fmt_pct(base.kpi("service_level")[0]),
            resb=_resources(best, lang),
            res0=_resources(base, lang),
        )
    else:
        text = _t("sum_none_better", lang, **kw)
    how = _t("how_paired", lang, n=d.n) if d.paired else _t("how_welch", lang)
    text += _t("sum_sure" if d.clear else "sum_unsure", lang, how=how)
    text += _cost_sentence(cmp, lang)
    meeting = [r for r in cmp.runs if cmp.meets_targets(r)]
    costs = {id(r): option_cost(r) for r in meeting}
    if meeting and all(c is not None for c in costs.values()):

        def by_cost(r: RunData) -> tuple[float, float]:
            c = costs[id(r)]
            return (c[0] if c is not None else math.inf, r.kpi("wait_mean_min")[0])

        cheapest = min(meeting, key=by_cost)
        c = costs[id(cheapest)]
        assert c is not None
        text += _t("sum_cheapest_cost", lang, tw=tw, ts=ts, t=t, opt=cheapest.label,
                   res=_resources(cheapest, lang), c=_cny(c[0], lang))  # fmt: skip
    elif meeting:
        cheapest = min(
            meeting,
            key=lambda r: (r.staff() or 10**6, r.windows() or 10**6, r.kpi("wait_mean_min")[0]),
        )
        text += _t("sum_cheapest", lang, tw=tw, ts=ts, t=t, opt=cheapest.label,
                   res=_resources(cheapest, lang))  # fmt: skip
    else:
        text += _t("sum_no_target", lang, tw=tw, ts=ts, t=t)
    return text


def headline(cmp: Comparison, lang: str) -> str:
    """The report's title: the finding in one line."""
    if not cmp.runs:
        if cmp.recommendations:
            return _recommendation_headline(cmp.recommendations[0], lang)
        return _calibration_headline(cmp.calibrations[0], lang)
    base = cmp.baseline
    w0 = base.kpi("wait_mean_min")[0]
    if len(cmp.runs) == 1:
        sl = base.kpi("service_level")[0]
        target = style.fmt_num(_target_wait(base))
        if lang == "zh":
            wait = _fmt_min(w0, lang)
            return f"{base.label}：平均等候{wait}，{target}分钟内服务{style.fmt_pct(sl)}"
        return (
            f"{base.label}: residents wait {_fmt_min(w0, lang)} on average; "
            f"{style.fmt_pct(sl)} are served within {target} min"
        )
    best = cmp.best()
    wb = best.kpi("wait_mean_min")[0]
    if wb < w0 and not difference(best, base, "wait_mean_min").clear:
        if lang == "zh":
            return (
                f"平均等候时间无明显差异：{best.label}为{_fmt_min(wb, lang)}，"
                f"{base.label}为{_fmt_min(w0, lang)}"
            )
        return (
            f"No clear difference in the mean wait: {_fmt_min(wb, lang)} with {best.label}, "
            f"{_fmt_min(w0, lang)} with {base.label}"
        )
    if wb < w0:
        if lang == "zh":
            return f"{best.label}将平均等候时间从{_fmt_min(w0, lang)}缩短至{_fmt_min(wb, lang)}"
        verb = "cut" if style.is_plural_name(best.label) else "cuts"
        return (
            f"{best.label} {verb} the mean wait from {_fmt_min(w0, lang)} to {_fmt_min(wb, lang)}"
        )
    if lang == "zh":
        return f"没有方案能缩短{base.label}的平均等候时间（{_fmt_min(w0, lang)}）"
    return f"No option shortens the mean wait of {base.label} ({_fmt_min(w0, lang)})"


# --------------------------------------------------------------------------- HTML parts


def _table_html(cmp: Comparison, lang: str) -> str:
    runs = cmp.runs
    head = [_esc(_t("kpi", lang))]
    for i, r in enumerate(runs):
        tag = f"<br><span class='tag'>{_esc(_t('baseline_tag', lang))}</span>" if i == 0 else ""
        head.append(f"{_esc(r.label)}{tag}")
    rows = []
    for label, getter in (
        (_t("windows", lang), lambda r: r.windows()),
        (_t("staff", lang), lambda r: r.staff()),
    ):
        counts = "".join(f"<td>{_esc('-' if getter(r) is None else getter(r))}</td>" for r in runs)
        rows.append(f"<tr><th scope='row'>{_esc(label)}</th>{counts}</tr>")
    costs = [option_cost(r) for r in runs]
    if any(c is not None for c in costs):
        cost_cells = "".join(
            "<td>-</td>"
            if c is None
            else f"<td>{_esc(style.fmt_num(c[0]))}<span class='ci'> "
            f"({_esc(_t('staff_part', lang, v=style.fmt_num(c[1]['staff'])))})</span></td>"
            for c in costs
        )
        rows.append(f"<tr><th scope='row'>{_esc(_t('cost_row', lang))}</th>{cost_cells}</tr>")
    for kpi in TABLE_KPIS:
        if all(kpi not in r.summary.index for r in runs):
            continue
        cells = []
        for i, r in enumerate(runs):
            m, lo, hi = r.kpi(kpi)
            text = _esc(fmt_value(kpi, m))
            if math.isfinite(lo):
                text += _ci_span(fmt_value(kpi, lo), fmt_value(kpi, hi))
            cls = ""
            if i > 0 and (kpi in _LOWER_BETTER or kpi in _HIGHER_BETTER):
                d = difference(r, cmp.baseline, kpi)
                if d.clear:
                    better = (d.mean < 0) == (kpi in _LOWER_BETTER)
                    cls = " class='better'" if better else " class='worse'"
            cells.append(f"<td{cls}>{text}</td>")
        rows.append(f"<tr><th scope='row'>{_esc(kpi_name(kpi, lang))}</th>{''.join(cells)}</tr>")
    target = style.fmt_num(_target_wait(cmp.baseline))
    tw_v, ts_v = cmp.targets()
    note = _t("table_note", lang, tw=style.fmt_num(tw_v), ts=style.fmt_pct(ts_v), t=target)
    if any(c is not None for c in costs):
        note += " " + _t("cost_note", lang)
    if len(runs) > 1:
        note += (
            " Green: clearly better than the baseline; red: clearly worse (95% CI of the "
            "difference excludes zero)."
            if lang == "en"
            else " 绿色：明显优于基准；红色：明显差于基准（差值的95%置信区间不含零）。"
        )
    table = _table_shell("comparison", _head_cells(head), "".join(rows))
    return table + f"<p class='note'>{_esc(note)}</p>"


def _png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _fig_png(fig: Any, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _figure_html(png: bytes, alt: str, caption: str) -> str:
    return (
        f"<figure><img src='{_png_data_uri(png)}' alt='{_esc(alt)}'>"
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _code_version(manifest: dict[str, Any]) -> str:
    """The code a run was made with, e.g. ``svcsim 0.1.0 (ea03d4f)``."""
    commit = manifest.get("git_commit")
    return f"svcsim {manifest.get('svcsim_version', '?')}" + (f" ({commit})" if commit else "")


def _footer(cmp: Comparison) -> str:
    b = cmp.baseline
    source = (
        f"{b.path.name} and {len(cmp.runs) - 1} more"
        if len(cmp.runs) > 1
        else b.manifest.get("source", b.path.name)
    )
    return (
        f"Source: {source} | seed {b.seed} | {b.n_replications} replications | "
        f"{_code_version(b.manifest)}"
    )


def charts_html(cmp: Comparison, lang: str) -> list[str]:
    """Render the report's charts (matplotlib, embedded PNG). Returns HTML figures."""
    from simulator.present import charts
    out: list[str] = []
    runs = cmp.chart_runs()
    footer = _footer(cmp)
    base = cmp.baseline
    target = _target_wait(base)

    summaries = {r.label: r.summary for r in runs}
    kpis = [k for k in CHART_KPIS if any(k in r.summary.index for r in runs)]
    if kpis:
        diffs = {}
        for r in runs[1:]:
            d = difference(r, base, kpis[0])
            diffs[r.label] = (d.mean, d.ci_low, d.ci_high)
        fig = charts.kpi_comparison(
            summaries, kpis, base.label, differences=diffs, lang=lang, footer=footer
        )
        title = fig.texts[0].get_text() if fig.texts else ""
        out.append(_figure_html(_fig_png(fig), title, _t("cap_kpi", lang)))

    if all(r.visits is not None or r.wait_grid is not None for r in runs):
        visits: dict[str, pd.DataFrame] = {}
        for r in runs:
            table = r.visits if r.visits is not None else r.wait_grid
            assert table is not None
            visits[r.label] = table
        fig = charts.wait_ecdf(visits, target, lang=lang, footer=footer)
        out.append(_figure_html(_fig_png(fig), "wait ECDF", _t("cap_ecdf", lang)))
    else:
        shown = [base] if len(cmp.runs) == 1 else [base, cmp.best()]
        for r in shown:
            png = r.images.get("wait_ecdf")
            if png is not None and png.is_file():
                out.append(
                    _figure_html(
                        png.read_bytes(),
                        f"wait distribution {r.label}",
                        _t("cap_ecdf_run", lang, name=r.label),
                    )
                )

    hourly_parts = [
        r.hourly.assign(option=r.label)
        for r in runs
        if r.hourly is not None and "day_type" in r.hourly.columns
    ]
    if hourly_parts:
        hourly = pd.concat(hourly_parts, ignore_index=True)
        hourly["option"] = pd.Categorical(hourly["option"], categories=[r.label for r in runs])
        weekday = hourly[hourly["day_type"] == "weekday"]
        if not weekday.empty:
            by = "option" if len(runs) > 1 else None
            fig = charts.hourly_profile(weekday, "queue_mean", by=by, lang=lang, footer=footer)
            out.append(_figure_html(_fig_png(fig), "queue by hour", _t("cap_hourly", lang)))
        focus = base if len(cmp.runs) == 1 else cmp.best()
        if focus.hourly is not None:
            fig = charts.utilisation_heatmap(focus.hourly, lang=lang, footer=footer)
            out.append(
                _figure_html(
                    _fig_png(fig), "utilisation heatmap", _t("cap_heat", lang, name=focus.label)
                )
            )
    return out


def _ci_span(lo: str, hi: str) -> str:
    """A confidence interval from formatted bounds, in brackets after its value."""
    return f"<span class='ci'> ({_esc(lo)}–{_esc(hi)})</span>"


def _cell_ci(kpi: str, m: float, lo: float, hi: float) -> str:
    if kpi in _SHARE_KPIS:  # a t interval of a share can leave [0, 1]: show what is possible
        lo, hi = max(0.0, lo), min(1.0, hi)
    text = _esc(fmt_value(kpi, m))
    if math.isfinite(lo) and math.isfinite(hi):
        text += _ci_span(fmt_value(kpi, lo), fmt_value(kpi, hi))
    return text


def _row_ci(row: Any, kpi: str) -> str:
    """:func:`_cell_ci` of a table row with columns ``kpi``, ``kpi_ci_low``, ``kpi_ci_high``."""
    return _cell_ci(
        kpi, _num(row.get(kpi)), _num(row.get(f"{kpi}_ci_low")), _num(row.get(f"{kpi}_ci_high"))
    )


def _verdict_html(cls: str, text: object) -> str:
    """A verdict badge (``cls``: met, tol, missed)."""
    return f"<span class='verdict {cls}'>{_esc(text)}</span>"


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _fmt_or_blank(v: float) -> str:
    return style.fmt_num(v) if math.isfinite(v) else ""


def _head_cells(head: Sequence[str]) -> str:
    """Column-header cells from escaped texts."""
    return "".join(f"<th scope='col'>{h}</th>" for h in head)


def _table_shell(cls: str, head: str, body: str) -> str:
    """A horizontally scrollable table of class ``cls`` from the HTML of its header cells
    and of its body rows."""
    return (
        f"<div class='table-wrap'><table class='{cls}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str) -> str:
    """A table from escaped cells; the first cell of a row is its header."""
    body = "".join(
        f"<tr><th scope='row'>{r[0]}</th>{''.join(f'<td>{c}</td>' for c in r[1:])}</tr>"
        for r in rows
    )
    return _table_shell(cls, _head_cells(head), body)


def _plan_label(rec: RecommendationData, lang: str) -> str:
    opt = rec.option or "?"
    return f"{opt}（分时段方案）" if lang == "zh" else f"{opt} (hour-by-hour plan)"


def _recommendation_headline(rec: RecommendationData, lang: str) -> str:
    if not rec.option:
        return _t("rec_none", lang)
    c = _cny(_num(rec.summary.get("cost_per_day")), lang)
    if lang == "zh":
        ok = "满足全部目标" if rec.summary.get("meets_targets") else "未满足全部目标"
        return f"{rec.option}加分时段排班{ok}，每个开放日成本{c}"
    ok = "meets every target" if rec.summary.get("meets_targets") else "misses a target"
    return f"{rec.option} with an hour-by-hour staffing plan {ok} at {c} per open day"


def _verdicts(cal: CalibrationData) -> tuple[int, int, list[str]]:
    val = cal.tables.get("validation")
    if val is None or "verdict" not in val.columns:
        return 0, 0, []
    ok = val["verdict"].astype(str) == "consistent"
    bad = [str(k) for k in val.loc[~ok, "kpi"]] if "kpi" in val.columns else []
    return int(ok.sum()), len(val), bad


def _calibration_headline(cal: CalibrationData, lang: str) -> str:
    k, n, _bad = _verdicts(cal)
    if lang == "zh":
        return (
            f"校准情景{cal.name}：{n}项验证中{k}项与留出期历史一致" if n else f"校准情景{cal.name}"
        )
    if not n:
        return f"Calibrated scenario {cal.name}"
    return (
        f"Calibrated scenario {cal.name}: {k} of {n} validation checks match the held-out history"
    )


def _calibration_sentence(cal: CalibrationData, lang: str) -> str:
    centre = f" ({cal.centre})" if cal.centre else ""
    k, n, bad = _verdicts(cal)
    if not n:
        return _t("cal_sentence_noval", lang, name=cal.name, centre=centre)
    sep = "、" if lang == "zh" else ", "
    bad_txt = _t("cal_bad", lang, items=sep.join(bad)) if bad else ""
    return _t("cal_sentence", lang, name=cal.name, centre=centre, k=k, n=n, bad=bad_txt)


def _recommendation_html(rec: RecommendationData, lang: str, footer: str) -> str:
    from simulator.present import charts
    sm = rec.summary
    out = [f"<p>{_esc(sm.get('statement', ''))}</p>"]
    stats_ = sm.get("stats") or {}
    layout = sm.get("layout") or {}
    sep = "、" if lang == "zh" else ", "
    layout_txt = sep.join(f"{g} {n}" for g, n in layout.items()) or "-"
    parts = sm.get("cost_breakdown") or {}
    parts_txt = sep.join(f"{k} {_cny(_num(v), lang)}" for k, v in parts.items())
    if rec.option:
        lunch = sm.get("lunch_open_share")
        out.append(
            "<p>"
            + _esc(
                _t(
                    "rec_layout",
                    lang,
                    layout=layout_txt,
                    mix=sm.get("skill_mix") or "-",
                    lunch="-" if lunch is None else style.fmt_pct(_num(lunch)),
                    c=_cny(_num(sm.get("cost_per_day")), lang),
                    parts=parts_txt,
                    c_all=_cny(_num(stats_.get("layout_cost_per_day")), lang),
                    c_now=_cny(_num(stats_.get("baseline_cost_per_day")), lang),
                )
            )
            + "</p>"
        )
    # KPIs vs targets
    k = rec.kpis
    rows = []
    n_final = 0
    for kpi, row in k.iterrows():
        name = str(kpi)
        m, lo, hi = _num(row.get("mean")), _num(row.get("ci_low")), _num(row.get("ci_high"))
        if name == "hourly targets":
            mean_txt = _esc(style.fmt_pct(m))
            label = (
                "小时目标（达标时段比例）"
                if lang == "zh"
                else "Hourly targets (share of hours met)"
            )
        else:
            mean_txt = _cell_ci(name, m, lo, hi)
            label = kpi_name(name, lang)
            n_final = max(
                n_final, int(_num(row.get("n"))) if math.isfinite(_num(row.get("n"))) else 0
            )
        target = row.get("target")
        bound = _num(row.get("bound"))
        met = row.get("meets")
        met_txt = "" if not isinstance(met, str) else met
        cls = "met" if met_txt == "yes" else ("tol" if met_txt.startswith("within") else "")
        if met_txt.startswith("no"):
            cls = "missed"
        rows.append(
            [
                _esc(label),
                mean_txt,
                _esc(target if isinstance(target, str) else ""),
                _esc(fmt_value(name, bound) if math.isfinite(bound) else ""),
                _verdict_html(cls, met_txt) if met_txt else "",
            ]
        )
    out.append(f"<h3>{_esc(_t('rec_kpis_h', lang))}</h3>")
    head = [_esc(_t(c, lang)) for c in ("kpi", "col_mean", "col_target", "col_bound", "col_met")]
    out.append(_html_table(head, rows, "rec-kpis"))
    conf = style.fmt_pct(_num(sm.get("confidence", 0.95)))
    out.append(f"<p class='note'>{_esc(_t('rec_kpis_note', lang, n=n_final, conf=conf))}</p>")
    # plan
    plan = rec.staffing_plan
    if plan is not None and not plan.empty:
        open_cols = [c for c in plan.columns if c.startswith("open_")]
        head = [
            _esc("日类型" if lang == "zh" else "Day type"),
            _esc("时段" if lang == "zh" else "Time"),
        ]
        head += [_esc(("开放窗口：" if lang == "zh" else "Open: ") + c.removeprefix("open_"))
                 for c in open_cols]  # fmt: skip
        head.append(_esc("在岗人员" if lang == "zh" else "Staff on duty"))
        rows = [
            [
                _esc(r["day_type"]),
                _esc(f"{r['start']}–{r['end']}"),
                *[_esc(int(_num(r[c]))) for c in open_cols],
                _esc(r.get("staff_on_duty", "")),
            ]
            for _, r in plan.iterrows()
        ]
        out.append(f"<h3>{_esc(_t('rec_plan_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-plan"))
    hourly = rec.hourly
    if hourly is not None and not hourly.empty and "service_level" in hourly.columns:
        open_cols = [c for c in hourly.columns if c.startswith("open_")]
        head = [
            _esc("日类型，时段" if lang == "zh" else "Day type, hour"),
            _esc("到访" if lang == "zh" else "Arrivals"),
            _esc("开放窗口" if lang == "zh" else "Windows open"),
            _esc(kpi_name("service_level", lang)),
            _esc(kpi_name("wait_mean_min", lang)),
        ]
        rows = []
        for _, r in hourly.iterrows():
            hour = int(_num(r["hour"]))
            rows.append(
                [
                    _esc(f"{r['day_type']} {style.fmt_hour(hour)}"),
                    _esc(style.fmt_num(_num(r.get("arrivals")))),
                    _esc(style.fmt_num(sum(_num(r[c]) for c in open_cols))),
                    _row_ci(r, "service_level"),
                    _row_ci(r, "wait_mean_min"),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_hourly_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-hourly"))
    # frontier
    pareto = rec.pareto
    if (
        pareto is not None
        and not pareto.empty
        and {"option", "cost_per_day"} <= set(pareto.columns)
    ):
        p = pareto.copy()
        p["option"] = p["option"].astype(str)
        plan_label = _plan_label(rec, lang)
        p.loc[p["option"] == "recommended plan", "option"] = plan_label
        recommended = plan_label if (p["option"] == plan_label).any() else None
        if recommended is None and rec.option in set(p["option"]):
            recommended = rec.option
        fig = charts.cost_service_frontier(
            p,
            recommended=recommended,
            target=rec.target_value("service_level"),
            lang=lang,
            footer=footer,
        )
        out.append(_figure_html(_fig_png(fig), "cost-service frontier", _t("cap_frontier", lang)))
    png = rec.images.get("kpi_comparison")
    if png is not None and png.is_file():
        out.append(
            _figure_html(png.read_bytes(), "recommended vs current", _t("cap_rec_kpi", lang))
        )
    # runner-ups
    ru = rec.runner_ups
    if ru is not None and not ru.empty:
        head = [
            _esc("方案" if lang == "zh" else "Option"),
            _esc(_t("cost_row", lang)),
            _esc("额外成本" if lang == "zh" else "Extra cost per day"),
            _esc(
                "服务水平之差（95%置信区间）"
                if lang == "zh"
                else "Service level difference (95% CI)"
            ),
        ]
        rows = []
        for _, r in ru.iterrows():
            d, lo, hi = _num(r.get("service_level_diff")), _num(r.get("diff_ci_low")), _num(
                r.get("diff_ci_high"))  # fmt: skip
            rows.append(
                [
                    _esc(r["option"]),
                    _esc(style.fmt_num(_num(r.get("cost_per_day")))),
                    _esc(style.fmt_num(_num(r.get("extra_cost_per_day")))),
                    _esc(_signed_ci("service_level", d, lo, hi)),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_runner_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-runners"))
        out.append(f"<p class='note'>{_esc(_t('rec_runner_note', lang))}</p>")
    rb = rec.robustness
    if rb is not None and not rb.empty:
        kp = [c for c in ("service_level", "wait_mean_min", "abandonment_rate") if c in rb.columns]
        head = [_esc("情形" if lang == "zh" else "Case")]
        head += [_esc(kpi_name(c, lang)) for c in kp]
        head.append(_esc("是否满足全部目标" if lang == "zh" else "All targets met?"))
        rows = []
        for _, r in rb.iterrows():
            ok = str(r.get("meets_all_targets")).lower() == "true"
            misses = r.get("misses")
            verdict = ("是" if lang == "zh" else "yes") if ok else (
                ("否" if lang == "zh" else "no") + (f": {misses}" if isinstance(misses, str)
                                                     and misses else ""))  # fmt: skip
            rows.append(
                [
                    _esc(r["case"]),
                    *[_row_ci(r, c) for c in kp],
                    _verdict_html("met" if ok else "missed", verdict),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_robust_h', lang))}</h3>")
        out.append(f"<p>{_esc(_t('rec_robust_note', lang))}</p>")
        out.append(_html_table(head, rows, "rec-robust"))
    return "".join(out)


_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _calibration_params(cal: CalibrationData, lang: str) -> list[list[str]]:
    rows: list[list[str]] = []
    sc = cal.scenario
    vol = lookup(sc, "centre.daily_volume")
    cv = lookup(sc, "demand.busyness_cv")
    if vol is None:
        m = re.search(r"daily volume ([0-9.]+)", cal.summary_md)
        vol = float(m.group(1)) if m else None
    if cv is None:
        m = re.search(r"busyness CV ([0-9.]+)", cal.summary_md)
        cv = float(m.group(1)) if m else None
    if vol is not None:
        rows.append(
            [
                "Daily volume (centre.daily_volume)",
                style.fmt_num(_num(vol)),
                "residents on a reference weekday",
            ]
        )
    if cv is not None:
        rows.append(
            [
                "Busyness CV (demand.busyness_cv)",
                f"{_num(cv):.3f}",
                "day-to-day variation (negative binomial)",
            ]
        )
    daily = cal.tables.get("fit_daily")
    if daily is not None and {"factor", "value"} <= set(daily.columns):
        wd = daily[daily["factor"].astype(str).str.startswith("weekday[")]["value"].to_list()
        if len(wd) == 7:
            rows.append(
                [
                    "Weekday factors (demand.weekday_factors)",
                    ", ".join(
                        f"{d} {_num(v):.2f}" for d, v in zip(_WEEKDAY_NAMES, wd, strict=True)
                    ),
                    "Poisson log-linear fit, regular days",
                ]
            )
    eff = cal.tables.get("fit_calendar_effects")
    if eff is not None and {"factor", "value"} <= set(eff.columns):
        for _, r in eff.iterrows():
            v = _num(r["value"])
            if not math.isfinite(v):
                continue
            se = _num(r.get("se"))
            detail = f"SE {se:.3f}, {int(_num(r.get('n_days')))} days" if math.isfinite(se) else ""
            rows.append([f"Calendar effect: {r['factor']}", f"{v:.2f}", detail])
    svc = cal.tables.get("fit_service")
    if svc is not None and {"family", "dist", "mean", "cv"} <= set(svc.columns):
        for _, r in svc.iterrows():
            level = r.get("level")
            p = _num(r.get("gof_pvalue"))
            detail = f"n = {int(_num(r.get('n')))}" + (
                f", GoF p = {p:.2f}" if math.isfinite(p) else ""
            )
            lvl = f" ({level})" if isinstance(level, str) and level else ""
            rows.append(
                [
                    f"Service time: {r['family']}{lvl}",
                    f"{r['dist']}, mean {_num(r['mean']):.2f} min, CV {_num(r['cv']):.2f}",
                    detail,
                ]
            )
    pat = cal.tables.get("fit_patience")
    if pat is not None and {"statistic", "value"} <= set(pat.columns):
        st_ = dict(zip(pat["statistic"].astype(str), pat["value"], strict=False))
        med, sig = _num(st_.get("lognormal_median_min")), _num(st_.get("lognormal_sigma"))
        if math.isfinite(med):
            rows.append(
                [
                    "Patience (impatience.reneging)",
                    f"{st_.get('best', 'lognormal')}: median {med:.1f} min, sigma {sig:.2f}",
                    f"censored MLE; {int(_num(st_.get('n_exact')))} abandonments, "
                    f"{int(_num(st_.get('n_right')))} served (censored)",
                ]
            )
    return [[_esc(a), _esc(b), _esc(c)] for a, b, c in rows]


def _calibration_html(cal: CalibrationData, lang: str) -> str:
    title = _t("cal_h", lang, name=cal.name + (f" ({cal.centre})" if cal.centre else ""))
    out = [f"<h3>{_esc(title)}</h3>"]
    out.append(f"<p>{_esc(_calibration_sentence(cal, lang))}</p>")
    if cal.synthetic:
        out.append(f"<p class='note'><strong>{_esc(_t('cal_synthetic', lang))}</strong></p>")
    m = re.search(r"^(\d+ rows read.*?)$", cal.summary_md, re.M)
    out.append(f"<h4>{_esc(_t('cal_data', lang))}</h4>")
    if m:
        out.append(f"<p>{_esc(m.group(1))}</p>")
    excl = cal.tables.get("exclusions")
    if excl is not None and not excl.empty and {"reason", "count"} <= set(excl.columns):
        head = [_esc(_t(c, lang)) for c in ("col_reason", "col_count", "col_share", "col_note")]
        rows = [
            [
                f"<code>{_esc(r['reason'])}</code>",
                _esc(int(_num(r["count"]))),
                _esc(style.fmt_pct(_num(r.get("share")))),
                _esc(r.get("meaning", "")),
            ]
            for _, r in excl.iterrows()
        ]
        out.append(_html_table(head, rows, "cal-exclusions"))
    else:
        out.append(f"<p>{_esc(_t('cal_no_excl', lang))}</p>")
    params = _calibration_params(cal, lang)
    if params:
        out.append(f"<h4>{_esc(_t('cal_fit_h', lang))}</h4>")
        head = [_esc(_t(c, lang)) for c in ("col_param", "col_estimate", "col_detail")]
        out.append(_html_table(head, params, "cal-params"))
    val = cal.tables.get("validation")
    if val is not None and not val.empty and "verdict" in val.columns:
        rows = []
        for _, r in val.iterrows():
            ok = str(r["verdict"]) == "consistent"
            label = r.get("label") if isinstance(r.get("label"), str) else r.get("kpi")
            rows.append(
                [
                    _esc(label),
                    _esc(style.fmt_num(_num(r.get("historical")))),
                    _esc(_fmt_or_blank(_num(r.get("sim_mean"))))
                    + (
                        _ci_span(
                            style.fmt_num(_num(r.get("ci_low"))),
                            style.fmt_num(_num(r.get("ci_high"))),
                        )
                        if math.isfinite(_num(r.get("ci_low")))
                        else ""
                    ),
                    _esc(
                        f"{style.fmt_num(_num(r.get('pi_low')))}–{style.fmt_num(_num(r.get('pi_high')))}"
                        if math.isfinite(_num(r.get("pi_low")))
                        else ""
                    ),
                    _verdict_html("met" if ok else "missed", r["verdict"]),
                ]
            )
        head = [
            _esc(_t(c, lang)) for c in ("kpi", "col_historical", "col_sim", "col_pi", "col_verdict")
        ]
        out.append(f"<h4>{_esc(_t('cal_val_h', lang))}</h4>")
        out.append(_html_table(head, rows, "cal-validation"))
        out.append(f"<p class='note'>{_esc(_t('cal_val_note', lang))}</p>")
    for stem, path in cal.images.items():
        if path.is_file():
            out.append(
                _figure_html(path.read_bytes(), stem, f"{cal.name}: {stem.removeprefix('fig_')}")
            )
    return "".join(out)


def _sure_html(cmp: Comparison, lang: str) -> str:
    runs = cmp.runs
    reps = sorted({r.n_replications for r in runs})
    seeds = sorted({str(r.seed) for r in runs})
    days = sorted({_days(r, lang) for r in runs})
    warm = float(cmp.baseline.config.get("warmup_min", 0) or 0)
    warm_txt = _t("sure_warm0", lang) if warm <= 0 else _t("sure_warm", lang, w=style.fmt_num(warm))
    sep = "、" if lang == "zh" else ", "
    parts = [
        _t(
            "sure_reps",
            lang,
            reps=sep.join(map(str, reps)),
            days=sep.join(days),
            seeds=sep.join(seeds),
            warm=warm_txt,
        ),
        _t("sure_ci", lang),
    ]
    if len(runs) > 1:
        crn = [r for r in runs[1:] if common_random_numbers(r, cmp.baseline)]
        non = [r for r in runs[1:] if r not in crn]
        if crn:
            pairs = (
                _t("sure_all", lang)
                if not non
                else sep.join([cmp.baseline.label, *[r.label for r in crn]])
            )
            parts.append(_t("sure_crn", lang, pairs=pairs))
        if non:
            pairs = sep.join(r.label for r in non)
            parts.append(_t("sure_no_crn", lang, pairs=pairs))
        kpis = ("wait_mean_min", "service_level", "abandonment_rate")
        rows = []
        for r in runs[1:]:
            cells = [_esc(r.label)]
            for kpi in kpis:
                d = difference(r, cmp.baseline, kpi)
                if math.isfinite(d.ci_low):
                    txt = _signed_ci(kpi, d.mean, d.ci_low, d.ci_high)
                else:
                    txt = _signed(kpi, d.mean)
                cells.append(_esc(txt))
            method = _t("how_paired", lang, n=r.n_replications) if common_random_numbers(
                r, cmp.baseline) else _t("how_welch", lang)  # fmt: skip
            rows.append([*cells, _esc(method)])
        head = ["", *[_esc(kpi_name(k, lang)) for k in kpis], "方法" if lang == "zh" else "Method"]
        table = f"<p>{_esc(_t('diff_h', lang))}:</p>" + _html_table(head, rows, "differences")
    else:
        table = ""
    versions = sorted({_code_version(r.manifest) for r in runs})
    parts.append(_t("sure_code", lang, versions=sep.join(versions)))
    return "".join(f"<p>{_esc(p)}</p>" for p in parts[:-1]) + table + f"<p>{_esc(parts[-1])}</p>"


def _signed(kpi: str, value: float) -> str:
    if not math.isfinite(value):
        return "n/a"
    if kpi in _SHARE_KPIS:
        return f"{100 * value:+.1f} pp"
    if kpi.endswith("_min"):
        return f"{value:+.2f} min"
    return f"{value:+.2f}"


def _signed_ci(kpi: str, mean: float, lo: float, hi: float) -> str:
    """A signed difference with its confidence interval: ``-4.10 min (-5.00 min to -3.20 min)``."""
    return f"{_signed(kpi, mean)} ({_signed(kpi, lo)} to {_signed(kpi, hi)})"


def _assumptions_html(cmp: Comparison, lang: str) -> str:
    base = cmp.baseline
    calibrated = bool(base.config_name and base.config_name.startswith("calibrated"))
    rows = provenance_rows(base.config, lang, cmp.option_keys(), calibrated=calibrated)
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("published", "calibrated",
                                                                   "assumed")}  # fmt: skip
    intro = _t(
        "assume_intro",
        lang,
        n_pub=counts["published"],
        n_cal=counts["calibrated"],
        n_ass=counts["assumed"],
    )
    body = "".join(
        f"<tr class='status-{r.status}'><td><code>{_esc(r.key)}</code></td>"
        f"<td class='value'>{_esc(r.value)}</td>"
        f"<td><span class='badge {r.status}'>{_esc(_t('status_' + r.status, lang))}</span></td>"
        f"<td>{_esc(r.note)}</td></tr>"
        for r in rows
    )
    cols = ("col_input", "col_value", "col_status", "col_note")
    head = _head_cells([_esc(_t(k, lang)) for k in cols])
    return f"<p>{_esc(intro)}</p>" + _table_shell("assumptions", head, body)


def _sources_html(cmp: Comparison, lang: str) -> str:
    items = []
    for f in cmp.folders:
        kind = _T.get(f"kind_{f.kind}", {}).get(lang, f.kind)
        labels = ", ".join(
            [r.label for r in f.runs]
            + [r.option or "-" for r in f.recommendations]
            + [c.name for c in f.calibrations]
        )
        items.append(f"<li><code>{_esc(f.path)}</code> ({_esc(kind)}): {_esc(labels)}</li>")
    return f"<ul class='sources'>{''.join(items)}</ul>"


_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:0 1rem 3rem;color:#222;background:#fff;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Micro Hei","Microsoft YaHei",sans-serif}
main{max-width:60rem;margin:0 auto}
h1{font-size:1.6rem;line-height:1.25;margin:1.5rem 0 .5rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p.summary{font-size:1.08rem;background:#f3f7fb;border-left:4px solid #0072B2;
padding:.75rem 1rem;margin:1rem 0}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .6rem;text-align:right;vertical-align:top}
th[scope=row],table.assumptions td{text-align:left}
thead th{border-bottom:2px solid #999;text-align:right}
thead th:first-child{text-align:left}
table.assumptions td:first-child code{white-space:nowrap}
table.assumptions thead th{text-align:left}
td.value{font-family:ui-monospace,monospace;font-size:.8rem;overflow-wrap:anywhere}
code{font-size:.85em;overflow-wrap:anywhere}
.ci{color:#666;font-size:.85em;white-space:nowrap}
.tag{font-weight:normal;color:#666;font-size:.8em}
td.better{background:#e5f4ee}
td.worse{background:#fbe9e0}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;
white-space:nowrap}
.badge.published{background:#d7ecf8}
.badge.calibrated{background:#e0f2e9}
.badge.assumed{background:#fdf0d5}
.badge.option{background:#ece4f3}
figure{margin:1.5rem 0}
figure img{display:block;max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9rem;margin-top:.3rem}
p.note,footer{color:#555;font-size:.88rem}
ul.sources{font-size:.9rem;overflow-wrap:anywhere}
h3{font-size:1.05rem;margin:1.5rem 0 .4rem}
h4{font-size:.95rem;margin:1.2rem 0 .3rem}
.verdict{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem}
.verdict.met{background:#e5f4ee}
.verdict.tol{background:#fdf0d5}
.verdict.missed{background:#fbe9e0}
table.cal-params td,table.cal-params th,table.cal-exclusions td,table.rec-robust td:last-child,
table.rec-kpis td:last-child{text-align:left}
@media print{h2{break-after:avoid}figure{break-inside:avoid}}
"""

_PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
<main>
<header><p class="note">$doc_title</p><h1>$title</h1></header>
$body
<footer><p>$generated</p></footer>
</main>
</body>
</html>
"""
)


def _section(sid: str, heading: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{_esc(heading)}</h2>{body}</section>\n'


def _rec_footer(rec: RecommendationData) -> str:
    st_ = rec.summary.get("stats") or {}
    return (
        f"Source: {rec.path.name} (svcsim-recommend) | seed {st_.get('seed', '?')} | "
        f"svcsim {st_.get('code_version', '?')} | confidence "
        f"{_num(rec.summary.get('confidence', 0.95)):g}"
    )


def render_html(cmp: Comparison, lang: str = "en") -> str:
    """The report as one HTML string (see :func:`build_report`)."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    paragraphs = "".join(f"<p class='summary'>{_esc(p)}</p>" for p in summary_paragraphs(cmp, lang))
    body = [_section("summary", _t("summary_h", lang), paragraphs)]
    if cmp.runs:
        charts = charts_html(cmp, lang)
        note = ""
        if len(cmp.runs) > MAX_CHART_OPTIONS:
            note = (
                f"<p class='note'>"
                f"{_esc(_t('more_options', lang, k=MAX_CHART_OPTIONS - 1, n=len(cmp.runs)))}</p>"
            )
        body.append(_section("comparison", _t("table_h", lang), _table_html(cmp, lang)))
        body.append(_section("charts", _t("charts_h", lang), note + "".join(charts)))
    for i, rec in enumerate(cmp.recommendations):
        sid = "recommendation" if i == 0 else f"recommendation-{i + 1}"
        rec_html = _recommendation_html(rec, lang, _rec_footer(rec))
        body.append(_section(sid, _t("rec_h", lang), rec_html))
    if cmp.calibrations:
        heading = "校准" if lang == "zh" else "Calibration"
        body.append(
            _section(
                "calibration",
                heading,
                "".join(_calibration_html(c, lang) for c in cmp.calibrations),
            )
        )
    if cmp.runs:
        body.append(_section("how-sure", _t("sure_h", lang), _sure_html(cmp, lang)))
        body.append(_section("assumptions", _t("assume_h", lang), _assumptions_html(cmp, lang)))
    body.append(_section("sources", _t("sources_h", lang), _sources_html(cmp, lang)))
    return _PAGE.substitute(
        lang="zh-CN" if lang == "zh" else "en",
        title=_esc(headline(cmp, lang)),
        doc_title=_esc(_t("doc_title", lang)),
        css=_CSS,
        body="".join(body),
        generated=_esc(_t("generated", lang, when=when, n=len(cmp.folders))),
    )


def build_report(
    paths: Sequence[str | Path] | str | Path,
    out: str | Path | None = None,
    lang: str = "en",
    labels: Sequence[str] | None = None,
) -> Path:
    """Build a self-contained HTML report from result folders.

    Parameters
    ----------
    paths : path or sequence of paths
        Result folders (runs, sweeps); the first option read is the baseline.
    out : path, optional
        HTML file to write; default ``report.html`` in the first folder.
    lang : {"en", "zh"}
        Language of the report and its charts. ``"zh"`` needs a CJK font for the
        charts; without one the whole report falls back to English with a
        :class:`~simulator.present.style.CJKFontWarning`.
    labels : sequence of str, optional
        Option names, one per run read (default: from each run's overrides).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ReportError
        Unknown or unreadable folders (:class:`UnknownFolderError` for unknown kinds).
    ValueError
        If ``lang`` is not "en" or "zh".
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    lang, _families = style.resolve_language(lang)
    cmp = compare(paths, labels)
    target = Path(out) if out is not None else cmp.folders[0].path / "report.html"
    # Charts are standalone figures rendered with Agg directly: no pyplot backend is
    # selected, so building a report never changes the caller's matplotlib state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", style.CJKFontWarning)
        text = render_html(cmp, lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


# --------------------------------------------------------------------------- CLI


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="svcsim-report",
        description="Build a self-contained HTML report from svcsim result folders "
        "(the first option is the baseline). Hydra-style report.lang=zh, report.out=FILE "
        "and report.labels=[a,b] are accepted too.",
    )
    parser.add_argument("paths", nargs="+", help="result folders (runs, sweeps)")
    parser.add_argument("-o", "--out", help="HTML file (default: report.html in the first folder)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="report language")
    parser.add_argument(
        "--label", action="append", dest="labels", help="option name, once per option read"
    )
    hydra_style = [a for a in argv if a.startswith("report.") and "=" in a]
    rest = [a for a in argv if a not in hydra_style]
    ns = parser.parse_args(rest)
    for a in hydra_style:
        key, value = a.split("=", 1)
        key = key.removeprefix("report.")
        if key == "lang":
            if value not in ("en", "zh"):
                parser.error(f"report.lang must be en or zh, got {value!r}")
            ns.lang = value
        elif key == "out":
            ns.out = value
        elif key == "labels":
            ns.labels = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
        else:
            parser.error(f"unknown option {a!r}; known: report.lang, report.out, report.labels")
    return ns


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: ``svcsim-report FOLDER [FOLDER ...]``."""
    ns = _parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", style.CJKFontWarning)
            path = build_report(ns.paths, out=ns.out, lang=ns.lang, labels=ns.labels)
        for w in caught:
            if issubclass(w.category, style.CJKFontWarning):
                print(f"svcsim-report: warning: {w.message}", file=sys.stderr)
    except ReportError as exc:
        print(f"svcsim-report: {exc}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
