"""``svcsim-report``: a self-contained HTML report for policymakers from result folders.

Examples::

    svcsim-report outputs/2026-03-02/10-00-00                    # one run
    svcsim-report runs/reference runs/six -o compare.html        # first folder = baseline
    svcsim-report multirun/2026-03-02/10-00-00 report.lang=zh    # a sweep, Chinese labels

From Python::

    from simulator.report import build_report
    build_report(["runs/reference", "runs/six"], out="compare.html", lang="en")

The report reads result folders (kinds in :mod:`simulator.report_readers`), never
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
import logging
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator import style
from simulator.report_provenance import (
    EXPERIMENT_KEYS,
    flatten,
    override_keys,
    provenance_rows,
)
from simulator.report_readers import (
    READERS,
    FolderContent,
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
    from simulator.charts import KPI_META

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


def _get(cfg: dict[str, Any], dotted: str) -> Any:
    node: Any = cfg
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


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
    return all(_get(a.config, k) == _get(b.config, k) for k in DEMAND_SECTIONS)


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
    """Options read from the folders, the baseline first."""

    runs: list[RunData]
    folders: list[FolderContent]

    @property
    def baseline(self) -> RunData:
        return self.runs[0]

    def best(self, kpi: str = "wait_mean_min") -> RunData:
        """Option (not the baseline) with the lowest mean of ``kpi``; baseline if alone."""
        others = [r for r in self.runs[1:] if math.isfinite(r.kpi(kpi)[0])]
        if not others:
            return self.baseline
        return min(others, key=lambda r: r.kpi(kpi)[0])

    def meets_targets(self, run: RunData) -> bool:
        w = run.kpi("wait_mean_min")[0]
        sl = run.kpi("service_level")[0]
        return w <= TARGET_MEAN_WAIT_MIN and sl >= TARGET_SERVICE_LEVEL

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
    return Comparison(runs, folders)


# --------------------------------------------------------------------------- text parts


def _resources(run: RunData, lang: str) -> str:
    w, s = run.windows(), run.staff()
    if w is None:
        return _t("res_unknown", lang)
    return _t("res", lang, w=w, s="?" if s is None else s)


def _days(run: RunData, lang: str) -> str:
    d = run.days()
    return _t("days", lang, d=d) if d else _t("days_unknown", lang)


def summary_text(cmp: Comparison, lang: str) -> str:
    """The plain-language summary paragraph (which option, how much better, how sure,
    at what staff)."""
    base = cmp.baseline
    target = float(base.config.get("target_wait_min", 20) or 20)
    t = style.fmt_num(target)
    ts = style.fmt_pct(TARGET_SERVICE_LEVEL)
    tw = style.fmt_num(TARGET_MEAN_WAIT_MIN)
    if len(cmp.runs) == 1:
        w, wlo, whi = base.kpi("wait_mean_min")
        sl = base.kpi("service_level")[0]
        sl_tgt = _t("sl_meets" if sl >= TARGET_SERVICE_LEVEL else "sl_misses", lang, ts=ts)
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
        )
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
    meeting = [r for r in cmp.runs if cmp.meets_targets(r)]
    if meeting:
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
    base = cmp.baseline
    w0 = base.kpi("wait_mean_min")[0]
    if len(cmp.runs) == 1:
        sl = base.kpi("service_level")[0]
        target = style.fmt_num(float(base.config.get("target_wait_min", 20) or 20))
        if lang == "zh":
            wait = _fmt_min(w0, lang)
            return f"{base.label}：平均等候{wait}，{target}分钟内服务{style.fmt_pct(sl)}"
        return (
            f"{base.label}: residents wait {_fmt_min(w0, lang)} on average; "
            f"{style.fmt_pct(sl)} are served within {target} min"
        )
    best = cmp.best()
    wb = best.kpi("wait_mean_min")[0]
    if wb < w0:
        if lang == "zh":
            return f"{best.label}将平均等候时间从{_fmt_min(w0, lang)}缩短至{_fmt_min(wb, lang)}"
        return f"{best.label} cuts the mean wait from {_fmt_min(w0, lang)} to {_fmt_min(wb, lang)}"
    if lang == "zh":
        return f"没有方案能缩短{base.label}的平均等候时间（{_fmt_min(w0, lang)}）"
    return f"No option shortens the mean wait of {base.label} ({_fmt_min(w0, lang)})"


# --------------------------------------------------------------------------- HTML parts


def _table_html(cmp: Comparison, lang: str) -> str:
    runs = cmp.runs
    head = [f"<th scope='col'>{_esc(_t('kpi', lang))}</th>"]
    for i, r in enumerate(runs):
        tag = f"<br><span class='tag'>{_esc(_t('baseline_tag', lang))}</span>" if i == 0 else ""
        head.append(f"<th scope='col'>{_esc(r.label)}{tag}</th>")
    rows = []
    for label, getter in (
        (_t("windows", lang), lambda r: r.windows()),
        (_t("staff", lang), lambda r: r.staff()),
    ):
        counts = "".join(f"<td>{_esc('-' if getter(r) is None else getter(r))}</td>" for r in runs)
        rows.append(f"<tr><th scope='row'>{_esc(label)}</th>{counts}</tr>")
    for kpi in TABLE_KPIS:
        if all(kpi not in r.summary.index for r in runs):
            continue
        cells = []
        for i, r in enumerate(runs):
            m, lo, hi = r.kpi(kpi)
            text = _esc(fmt_value(kpi, m))
            if math.isfinite(lo):
                text += (
                    f"<span class='ci'> ({_esc(fmt_value(kpi, lo))}–"
                    f"{_esc(fmt_value(kpi, hi))})</span>"
                )
            cls = ""
            if i > 0 and (kpi in _LOWER_BETTER or kpi in _HIGHER_BETTER):
                d = difference(r, cmp.baseline, kpi)
                if d.clear:
                    better = (d.mean < 0) == (kpi in _LOWER_BETTER)
                    cls = " class='better'" if better else " class='worse'"
            cells.append(f"<td{cls}>{text}</td>")
        rows.append(f"<tr><th scope='row'>{_esc(kpi_name(kpi, lang))}</th>{''.join(cells)}</tr>")
    target = style.fmt_num(float(cmp.baseline.config.get("target_wait_min", 20) or 20))
    note = _t(
        "table_note",
        lang,
        tw=style.fmt_num(TARGET_MEAN_WAIT_MIN),
        ts=style.fmt_pct(TARGET_SERVICE_LEVEL),
        t=target,
    )
    if len(runs) > 1:
        note += (
            " Green: clearly better than the baseline; red: clearly worse (95% CI of the "
            "difference excludes zero)."
            if lang == "en"
            else " 绿色：明显优于基准；红色：明显差于基准（差值的95%置信区间不含零）。"
        )
    return (
        "<div class='table-wrap'><table class='comparison'>"
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        f"<p class='note'>{_esc(note)}</p>"
    )


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


def _footer(cmp: Comparison) -> str:
    b = cmp.baseline
    version = b.manifest.get("svcsim_version", "?")
    commit = b.manifest.get("git_commit")
    return (
        f"Source: {b.path.name} and {len(cmp.runs) - 1} more | seed {b.seed} | "
        f"{b.n_replications} replications | svcsim {version}" + (f" ({commit})" if commit else "")
        if len(cmp.runs) > 1
        else f"Source: {b.manifest.get('source', b.path.name)} | seed {b.seed} | "
        f"{b.n_replications} replications | svcsim {version}" + (f" ({commit})" if commit else "")
    )


def charts_html(cmp: Comparison, lang: str) -> list[str]:
    """Render the report's charts (matplotlib, embedded PNG). Returns HTML figures."""
    from simulator import charts

    out: list[str] = []
    runs = cmp.chart_runs()
    footer = _footer(cmp)
    base = cmp.baseline
    target = float(base.config.get("target_wait_min", 20) or 20)

    summaries = {r.label: r.summary for r in runs}
    kpis = [k for k in CHART_KPIS if any(k in r.summary.index for r in runs)]
    if kpis:
        fig = charts.kpi_comparison(summaries, kpis, base.label, lang=lang, footer=footer)
        title = fig.texts[0].get_text() if fig.texts else ""
        out.append(_figure_html(_fig_png(fig), title, _t("cap_kpi", lang)))

    if all(r.visits is not None for r in runs):
        visits = {r.label: r.visits for r in runs if r.visits is not None}
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
        rows = []
        for r in runs[1:]:
            cells = []
            for kpi in ("wait_mean_min", "service_level", "abandonment_rate"):
                d = difference(r, cmp.baseline, kpi)
                if math.isfinite(d.ci_low):
                    txt = (
                        f"{_signed(kpi, d.mean)} ({_signed(kpi, d.ci_low)} to "
                        f"{_signed(kpi, d.ci_high)})"
                    )
                else:
                    txt = _signed(kpi, d.mean)
                cells.append(f"<td>{_esc(txt)}</td>")
            method = _t("how_paired", lang, n=r.n_replications) if common_random_numbers(
                r, cmp.baseline) else _t("how_welch", lang)  # fmt: skip
            rows.append(
                f"<tr><th scope='row'>{_esc(r.label)}</th>{''.join(cells)}"
                f"<td>{_esc(method)}</td></tr>"
            )
        heads = "".join(
            f"<th scope='col'>{_esc(kpi_name(k, lang))}</th>"
            for k in ("wait_mean_min", "service_level", "abandonment_rate")
        )
        method_h = "方法" if lang == "zh" else "Method"
        table = (
            f"<p>{_esc(_t('diff_h', lang))}:</p><div class='table-wrap'>"
            f"<table class='differences'><thead><tr><th scope='col'></th>{heads}"
            f"<th scope='col'>{method_h}</th></tr></thead><tbody>{''.join(rows)}</tbody>"
            "</table></div>"
        )
    else:
        table = ""
    versions = sorted(
        {
            f"svcsim {r.manifest.get('svcsim_version', '?')}"
            + (f" ({r.manifest['git_commit']})" if r.manifest.get("git_commit") else "")
            for r in runs
        }
    )
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
    head = "".join(
        f"<th scope='col'>{_esc(_t(k, lang))}</th>"
        for k in ("col_input", "col_value", "col_status", "col_note")
    )
    return (
        f"<p>{_esc(intro)}</p><div class='table-wrap'><table class='assumptions'>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _sources_html(cmp: Comparison, lang: str) -> str:
    items = []
    for f in cmp.folders:
        kind = _T.get(f"kind_{f.kind}", {}).get(lang, f.kind)
        labels = ", ".join(r.label for r in f.runs)
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
<section id="summary"><h2>$summary_h</h2><p class="summary">$summary</p></section>
<section id="comparison"><h2>$table_h</h2>$table</section>
<section id="charts"><h2>$charts_h</h2>$charts_note$charts</section>
<section id="how-sure"><h2>$sure_h</h2>$sure</section>
<section id="assumptions"><h2>$assume_h</h2>$assumptions</section>
<section id="sources"><h2>$sources_h</h2>$sources</section>
<footer><p>$generated</p></footer>
</main>
</body>
</html>
"""
)


def render_html(cmp: Comparison, lang: str = "en") -> str:
    """The report as one HTML string (see :func:`build_report`)."""
    charts = charts_html(cmp, lang)
    note = ""
    if len(cmp.runs) > MAX_CHART_OPTIONS:
        note = (
            f"<p class='note'>"
            f"{_esc(_t('more_options', lang, k=MAX_CHART_OPTIONS - 1, n=len(cmp.runs)))}</p>"
        )
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    return _PAGE.substitute(
        lang="zh-CN" if lang == "zh" else "en",
        title=_esc(headline(cmp, lang)),
        doc_title=_esc(_t("doc_title", lang)),
        css=_CSS,
        summary_h=_esc(_t("summary_h", lang)),
        summary=_esc(summary_text(cmp, lang)),
        table_h=_esc(_t("table_h", lang)),
        table=_table_html(cmp, lang),
        charts_h=_esc(_t("charts_h", lang)),
        charts_note=note,
        charts="".join(charts),
        sure_h=_esc(_t("sure_h", lang)),
        sure=_sure_html(cmp, lang),
        assume_h=_esc(_t("assume_h", lang)),
        assumptions=_assumptions_html(cmp, lang),
        sources_h=_esc(_t("sources_h", lang)),
        sources=_sources_html(cmp, lang),
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
        :class:`~simulator.style.CJKFontWarning`.
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
    import matplotlib

    matplotlib.use("Agg")
    font_log = logging.getLogger("matplotlib.font_manager")
    level = font_log.level
    font_log.setLevel(logging.ERROR)  # "no bold weight" notices of CJK fonts
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", style.CJKFontWarning)
            text = render_html(cmp, lang)
    finally:
        font_log.setLevel(level)
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
