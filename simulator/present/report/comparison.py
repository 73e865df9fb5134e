"""The options compared: reading folders, differences with confidence intervals, the
summary and the headline."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from simulator.analysis import metrics, stats
from simulator.present import style
from simulator.present.provenance import (
    EXPERIMENT_KEYS,
    flatten,
    lookup,
    override_keys,
)
from simulator.present.readers import (
    CalibrationData,
    FolderContent,
    RecommendationData,
    ReportError,
    RunData,
    option_label,
    option_parts,
    read_folder,
)
from simulator.present.report.calibration import (
    _calibration_headline,
    _calibration_sentence,
)
from simulator.present.report.common import (
    DEMAND_SECTIONS,
    MAX_CHART_OPTIONS,
    TARGET_MEAN_WAIT_MIN,
    TARGET_SERVICE_LEVEL,
    _cny,
    _days,
    _fmt_min,
    _num,
    _resources,
    _t,
    _target_wait,
)
from simulator.present.report.recommendation import (
    _final_n,
    _recommendation_headline,
    recommendation_statement,
    targets_words,
)

if TYPE_CHECKING:
    from simulator.present.allocation import AllocationData


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
            d = stats.difference_interval(xa, xb, level, paired=True)
            return Difference(d.mean, d.low, d.high, True, d.n)
        if np.isfinite(xa).sum() >= 2 and np.isfinite(xb).sum() >= 2:
            d = stats.difference_interval(xa, xb, level, paired=False)
            return Difference(d.mean, d.low, d.high, False, d.n)
    a, b = option.kpi(kpi)[0], baseline.kpi(kpi)[0]
    return Difference(a - b, nan, nan, False, 0)


@dataclass
class Comparison:
    """Options read from the folders, the baseline first, plus any recommendation and
    calibration folders."""

    runs: list[RunData]
    folders: list[FolderContent]
    recommendations: list[RecommendationData] = field(default_factory=list)
    calibrations: list[CalibrationData] = field(default_factory=list)
    allocations: list[AllocationData] = field(default_factory=list)
    #: Settings shared by every option (in words), left out of the option names.
    common: list[str] = field(default_factory=list)

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


def compare(
    paths: Sequence[str | Path], labels: Sequence[str] | None = None, lang: str = "en"
) -> Comparison:
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
    allocs = [a for f in folders for a in f.allocations]
    common: list[str] = []
    if labels is None and runs:
        # Option names in the report's language, and only what differs between the
        # options: settings every option shares are said once (Comparison.common).
        parts = [option_parts(r.overrides, r.config, lang) for r in runs]
        if len(runs) > 1:
            common = [p for p in parts[0] if all(p in q for q in parts[1:])]
        for r, q in zip(runs, parts, strict=True):
            rest = [p for p in q if p not in common]
            if rest:
                r.label = "; ".join(rest)
            elif lang != "en" or common:
                r.label = option_label([], r.config_name, r.path.name, r.config, lang)
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
    return Comparison(runs, folders, recs, cals, allocs, common)


def option_cost(run: RunData) -> tuple[float, dict[str, float]] | None:
    """Cost per open day of a run's option, with its components (CNY), or None.

    Uses the recommender's cost model and function (:mod:`simulator.optimise.recommend`):
    staffed window-hours priced by skill level, amortised training of the roster and
    installed windows, averaged over the simulated open days. Needs the ``cost``
    section of the run's resolved config (``.hydra/config.yaml``); None without one or
    when the config cannot be rebuilt into a scenario.
    """
    if "cost" in run.derived:
        cached: tuple[float, dict[str, float]] | None = run.derived["cost"]
        return cached
    result: tuple[float, dict[str, float]] | None = None
    cost_cfg = run.config.get("cost")
    if isinstance(cost_cfg, dict) and cost_cfg:
        from simulator.config.scenario import scenario_from_config
        from simulator.errors import ConfigError
        from simulator.optimise.config import parse_cost
        from simulator.optimise.options import levels_cost

        try:
            model = parse_cost(cost_cfg)
            scn = scenario_from_config(dict(run.config), source=str(run.path))
            total, parts = levels_cost(scn, model)
            result = (float(total), {k: float(v) for k, v in parts.items()})
        except (ConfigError, KeyError, TypeError, ValueError, OSError):
            result = None
    run.derived["cost"] = result
    return result


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


def summary_paragraphs(cmp: Comparison, lang: str) -> list[str]:
    """The summary as paragraphs, one truth first: the recommendation when there is one
    (it is also the headline), then the runs compared, each calibration, and, when the
    report brings together separate studies, how they relate."""
    parts = [recommendation_statement(rec, lang) for rec in cmp.recommendations]
    if cmp.runs:
        text = _runs_summary(cmp, lang)
        parts.append(_t("runs_intro", lang) + text if cmp.recommendations else text)
    for cal in cmp.calibrations:
        parts.append(_calibration_sentence(cal, lang))
    if cmp.allocations:
        from simulator.present.allocation import finding

        parts.extend(finding(a.summary, lang) for a in cmp.allocations)
    relation = _relation(cmp, lang)
    if relation:
        parts.append(relation)
    return [p for p in parts if p]


def _cheapest_meeting(cmp: Comparison) -> tuple[RunData, float] | None:
    """The cheapest run that meets the report's targets, with its cost per day."""
    best: tuple[RunData, float] | None = None
    for r in cmp.runs:
        c = option_cost(r)
        if c is None or not cmp.meets_targets(r):
            continue
        if best is None or c[0] < best[1]:
            best = (r, c[0])
    return best


def _relation(cmp: Comparison, lang: str) -> str:
    """How the studies brought together in one report relate ("" for a single study)."""
    studies = (1 if cmp.runs else 0) + len(cmp.recommendations) + len(cmp.calibrations)
    if studies < 2:
        return ""
    sep = "；" if lang == "zh" else "; "
    items = []
    if cmp.runs:
        tw_v, ts_v = cmp.targets()
        items.append(
            _t(
                "relation_runs",
                lang,
                reps=sep.join(sorted({str(r.n_replications) for r in cmp.runs})),
                days=sep.join(sorted({_days(r, lang) for r in cmp.runs})),
                seeds=sep.join(sorted({str(r.seed) for r in cmp.runs})),
                tw=style.fmt_num(tw_v),
                ts=style.fmt_pct(ts_v),
                t=style.fmt_num(_target_wait(cmp.baseline)),
            )
        )
    for rec in cmp.recommendations:
        items.append(
            _t(
                "relation_rec",
                lang,
                seed=rec.summary["stats"]["seed"],
                n=_final_n(rec),
                targets=targets_words(rec, lang),
            )
        )
    for cal in cmp.calibrations:
        items.append(_t("relation_cal", lang, name=cal.name))
    text = _t("relation", lang, parts=sep.join(items))
    cheapest = _cheapest_meeting(cmp)
    for rec in cmp.recommendations[:1]:
        c_rec = _num(rec.summary["cost_per_day"])
        k = rec.summary["stats"]["options"]
        if cheapest is not None and rec.option and math.isfinite(c_rec):
            text += _t(
                "relation_cost",
                lang,
                c_rec=_cny(c_rec, lang),
                c_run=_cny(cheapest[1], lang),
                name=cheapest[0].label,
                k=k,
            )
    return text


def _wait_ci(run: RunData, lo: float, hi: float, lang: str) -> str:
    """The mean wait's interval as a sentence shows it: clipped at zero, or "one
    replication: no interval"."""
    if run.n_replications <= 1 or not (math.isfinite(lo) and math.isfinite(hi)):
        return _t("wait_ci_one", lang)
    lo, hi, _clipped = metrics.shown_interval("wait_mean_min", lo, hi)
    return _t("wait_ci", lang, lo=_fmt_min(lo, lang), hi=_fmt_min(hi, lang))


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
            wci=_wait_ci(base, wlo, whi, lang),
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
    if cmp.recommendations:  # the answer searched for leads; runs are the context
        return _recommendation_headline(cmp.recommendations[0], lang)
    if not cmp.runs:
        if cmp.allocations and not cmp.calibrations:
            from simulator.present.allocation import finding

            return finding(cmp.allocations[0].summary, lang)
        return _calibration_headline(cmp.calibrations[0], lang)
    base = cmp.baseline
    w0 = base.kpi("wait_mean_min")[0]
    if len(cmp.runs) == 1:
        sl = base.kpi("service_level")[0]
        target = style.fmt_num(_target_wait(base))
        title = _t(
            "headline_one", lang, name=base.label, w=_fmt_min(w0, lang), sl=style.fmt_pct(sl),
            t=target,
        )  # fmt: skip
    else:
        best = cmp.best()
        wb = best.kpi("wait_mean_min")[0]
        kw = {"best": best.label, "base": base.label, "w0": _fmt_min(w0, lang),
              "wb": _fmt_min(wb, lang)}  # fmt: skip
        if wb < w0 and not difference(best, base, "wait_mean_min").clear:
            title = _t("headline_unclear", lang, **kw)
        elif wb < w0:
            verb = "cut" if style.is_plural_name(best.label) else "cuts"
            title = _t("headline_cut", lang, verb=verb, **kw)
        else:
            title = _t("headline_none", lang, **kw)
    return title[:1].upper() + title[1:] if lang == "en" else title
