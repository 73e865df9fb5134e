"""The one catalogue of KPIs: name, unit, direction, natural bounds, definition, en/zh labels.

Tables, charts, the report, the terminal summaries and the recommender read names and
meanings from here, so that one KPI has one name everywhere. Definitions mirror
docs/kpis.md (the reference text); the labels are what a reader sees.

Two shares are easy to confuse and get distinct names:

* ``service_level`` -- residents served within the target wait **over all arrivals**
  (those who left or were not served count as failures). Service-level targets
  (``targets.*.service_level``) use this one.
* ``within_target_of_served`` -- residents who waited at most the target **over the
  residents served** (the wait distribution of served residents, as in the wait chart).
  It is at least as large as ``service_level`` and is never used for targets.

Natural bounds: every KPI here is a count, a time or a share, so none is negative, and
shares do not exceed 1. :func:`shown_interval` clips a Student t interval at these
bounds for display (see docs/kpis.md, "Intervals shown").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "METRICS",
    "Kind",
    "Metric",
    "direction",
    "label",
    "metric",
    "shown_interval",
]

#: Unit families: KPIs of different kinds go to different chart panels.
Kind = Literal["minutes", "share", "count", "residents", "days", "value"]


@dataclass(frozen=True)
class Metric:
    """How a KPI is named, measured and judged.

    Attributes
    ----------
    name : str
        Column name in the result tables.
    kind : {"minutes", "share", "count", "residents", "days", "value"}
        Unit family (shares are fractions in the tables, shown as percent).
    unit : str
        Unit as written in docs/kpis.md ("min", "share", "residents", ...).
    direction : int
        -1 if lower is better, +1 if higher is better, 0 if neither.
    en, zh : str
        Short lower-case name for titles, table rows and tick labels.
    definition : str
        One-line definition (docs/kpis.md has the full text).
    upper : float or None
        Natural upper bound (1 for shares), None when unbounded. The lower bound is 0.
    """

    name: str
    kind: Kind
    unit: str
    direction: int
    en: str
    zh: str
    definition: str
    upper: float | None = None

    def label(self, lang: str) -> str:
        """The name in ``lang`` ("en" or "zh")."""
        return self.zh if lang == "zh" else self.en


def _m(
    name: str, kind: Kind, unit: str, direction: int, en: str, zh: str, definition: str
) -> Metric:
    return Metric(name, kind, unit, direction, en, zh, definition, 1.0 if kind == "share" else None)


_ALL = (
    _m("arrivals", "count", "residents", 0, "arrivals", "到访人数",
       "walk-ins who took a ticket (after the warm-up)"),
    _m("served", "count", "residents", 1, "residents served", "已服务人数",
       "residents called to a window and served"),
    _m("abandoned", "count", "residents", -1, "residents leaving the queue", "中途离开人数",
       "residents who left the queue when their patience ran out"),
    _m("balked", "count", "residents", -1, "residents leaving on arrival", "到达即离开人数",
       "residents who left on arrival on seeing the queue"),
    _m("unserved", "count", "residents", -1, "residents not served by closing",
       "闭门时未获服务人数",
       "residents still waiting when the last window able to serve them closed"),
    _m("diverted", "count", "residents", 0, "residents sent to another centre", "转往其他中心人数",
       "residents who left for another centre of the district (city-wide handling)"),
    _m("no_show", "count", "residents", -1, "residents not there when called", "叫号未到人数",
       "residents called to a window who were not there (not served, not abandonment)"),
    _m("guests", "count", "residents", 0, "residents from another centre", "来自其他中心人数",
       "residents who came from another centre of the district"),
    _m("abandonment_rate", "share", "share", -1, "abandonment rate", "放弃率",
       "(abandoned + balked) / arrivals"),
    _m("renege_rate", "share", "share", -1, "share leaving the queue", "中途离开比例",
       "abandoned / arrivals"),
    _m("balk_rate", "share", "share", -1, "share leaving on arrival", "到达即离开比例",
       "balked / arrivals"),
    _m("no_show_rate", "share", "share", -1, "share not there when called", "叫号未到比例",
       "no_show / arrivals (not part of the abandonment rate)"),
    _m("wait_mean_min", "minutes", "min", -1, "mean wait", "平均等候时间",
       "mean wait from ticket to call, served residents"),
    _m("wait_p50_min", "minutes", "min", -1, "median wait", "等候时间中位数",
       "median wait from ticket to call, served residents"),
    _m("wait_p90_min", "minutes", "min", -1, "90th percentile wait", "第90百分位等候时间",
       "90th percentile of the wait, served residents"),
    _m("wait_p95_min", "minutes", "min", -1, "95th percentile wait", "第95百分位等候时间",
       "95th percentile of the wait, served residents"),
    _m("wait_max_min", "minutes", "min", -1, "longest wait", "最长等候时间",
       "longest wait of a served resident"),
    _m("queue_time_mean_min", "minutes", "min", -1, "mean time in queue, all who joined",
       "排队者平均排队时间",
       "time in queue of everyone who joined (served: until called; abandoned: until leaving)"),
    _m("p_wait_gt0", "share", "share", -1, "share of those who joined who had to wait",
       "排队者中需等候的比例",
       "residents who joined the queue and could not be called at once / residents who "
       "joined the queue (balked and diverted residents excluded)"),
    _m("service_level", "share", "share", 1, "served within target, share of arrivals",
       "目标时间内获服务（占全部到访）",
       "residents served within the target wait / all arrivals (those who left count as "
       "failures); service-level targets use this share"),
    _m("within_target_of_served", "share", "share", 1,
       "served within target, share of served residents", "目标时间内获服务（占已服务居民）",
       "served residents who waited at most the target / served residents (the wait "
       "chart); not used by targets"),
    _m("utilisation", "share", "share", 0, "window utilisation", "窗口利用率",
       "busy window-minutes / staffed open window-minutes, overtime included"),
    _m("queue_mean", "residents", "residents", -1, "mean queue", "平均排队人数",
       "time-average number waiting over operating time"),
    _m("queue_mean_sampled", "residents", "residents", -1, "mean queue (sampled)",
       "平均排队人数（抽样）", "live queue sampled every monitor interval, averaged"),
    _m("queue_max", "residents", "residents", -1, "longest queue (sampled)", "最长排队（抽样）",
       "largest live queue sampled every monitor interval (only with monitor_interval_min)"),
    _m("overtime_min", "minutes", "min", -1, "overtime after closing", "闭门后加班时间",
       "mean over days of (last window closing - closing time)"),
    _m("one_visit_rate", "share", "share", 1, "one-visit completion", "一次办成率",
       "served residents done in one visit / served residents"),
    _m("service_mean_min", "minutes", "min", 0, "mean service time", "平均办理时间",
       "mean service time, served residents"),
    _m("operating_min", "minutes", "min", 0, "operating time", "运营时间",
       "total operating time after the warm-up"),
    _m("xp_requests", "count", "residents", 0, "cross-province requests", "跨省通办请求",
       "served residents with a cross-province item"),
    _m("xp_completed", "count", "residents", 1, "cross-province requests completed",
       "跨省通办当场办结数", "cross-province requests completed at the window"),
    _m("xp_deferred", "count", "residents", -1, "cross-province requests deferred",
       "跨省通办延后办理数", "deferred (timeout, failure or outage of the home system)"),
    _m("xp_not_offered", "count", "residents", -1, "cross-province items not offered",
       "跨省通办未开通数", "item not offered by the home province"),
    _m("xp_one_visit_rate", "share", "share", 1, "cross-province completion at the window",
       "跨省通办当场办结率", "xp_completed / xp_requests"),
    _m("xp_completion_rate", "share", "share", 1, "cross-province completion at the window",
       "跨省通办当场办结率", "completed / requests, per origin province"),
    _m("xp_window_time_mean_min", "minutes", "min", -1, "window time per cross-province request",
       "跨省通办窗口时间",
       "time at the window for cross-province requests (service plus remote wait)"),
    _m("xp_remote_wait_min_per_day", "minutes", "window-min/day", -1,
       "window time lost to remote systems", "等待外省系统的窗口时间",
       "window-minutes a day spent waiting on remote systems"),
    _m("remote_wait_mean_min", "minutes", "min", -1, "mean remote-system wait",
       "平均外省系统等待时间",
       "mean hold on the remote system per cross-province request, not-offered requests "
       "counted with a zero hold"),
    _m("bo_cases", "count", "cases", 0, "back-office cases", "后台案件数",
       "back-office cases submitted"),
    _m("bo_completed", "count", "cases", 1, "back-office cases completed", "后台办结案件数",
       "back-office cases completed"),
    _m("bo_open_at_end", "count", "cases", -1, "back-office cases still open", "后台未结案件数",
       "back-office cases still open when the horizon ends"),
    _m("bo_lead_days_mean", "days", "working days", -1, "mean back-office lead time",
       "后台平均办理天数", "completion day minus submission day in working days"),
    _m("bo_lead_days_p90", "days", "working days", -1, "90th percentile back-office lead time",
       "后台第90百分位办理天数", "90th percentile of the lead time in working days"),
    _m("bo_within_target", "share", "share", 1, "back-office cases within target",
       "后台按时办结比例",
       "cases completed within the target over completed plus overdue open cases"),
    _m("bo_backlog_end_mean", "count", "cases", -1, "back-office backlog", "后台积压案件数",
       "mean backlog at the end of working days"),
)  # fmt: skip

#: Every KPI by name.
METRICS: dict[str, Metric] = {m.name: m for m in _ALL}


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``; an unknown name gets a neutral entry named as is."""
    found = METRICS.get(name)
    if found is not None:
        return found
    return Metric(name, "value", "", 0, name, name, name)


def label(name: str, lang: str = "en", capital: bool = False) -> str:
    """Display name of a KPI in ``lang``; ``capital`` for a table row or a line start."""
    text = metric(name).label(lang)
    return text[:1].upper() + text[1:] if capital else text


def direction(name: str) -> int:
    """-1 lower is better, +1 higher is better, 0 neither."""
    return metric(name).direction


def shown_interval(name: str, low: float, high: float) -> tuple[float, float, bool]:
    """A confidence interval as shown: clipped at the KPI's natural bounds.

    A Student t interval of a non-negative KPI can reach below zero (and one of a share
    above 1) when replications are few or the values sit near the bound. Values beyond
    the bound are impossible, so the shown interval stops there and the caller notes it.

    Returns
    -------
    low, high : float
        The clipped bounds (NaN stays NaN).
    clipped : bool
        Whether a bound was moved.
    """
    upper = metric(name).upper
    lo, hi = low, high
    if math.isfinite(lo) and lo < 0.0:
        lo = 0.0
    if upper is not None and math.isfinite(hi) and hi > upper:
        hi = upper
    return lo, hi, (lo != low and math.isfinite(low)) or (hi != high and math.isfinite(high))
