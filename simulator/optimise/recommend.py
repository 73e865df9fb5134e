"""Recommend a layout and an hour-by-hour staffing plan that meets the service targets at
the lowest cost, with a statistical guarantee.

The method (details and references in docs/recommend.md):

1. **Options.** Every combination of the decision space (window counts per layout
   group, lunch open share, skill mix) becomes a scenario; its cost per open day is
   deterministic (cost model: staff hours by skill level, amortised training, window
   fixed cost).
2. **Screening.** ``n0`` replications of every option, with common random numbers (the
   same seeds, so the same residents, for every option). Options whose one-sided upper
   confidence bound misses a target are dropped.
3. **Sequential feasibility** (Andradóttir & Kim 2010, the feasibility analogue of
   Kim & Nelson 2001): starting from the cheapest, survivors get replications in batches
   until each target is decided within its tolerance (indifference zone). The error
   budget ``1 - confidence`` is split (Bonferroni) over options, targets and the two
   stages, so with probability at least ``confidence`` every decision is right: the
   recommended option meets the targets (or is within tolerance of them) and every
   cheaper option misses them (or is within tolerance).
4. **Ties** at the lowest feasible cost are resolved by Kim & Nelson's fully sequential
   procedure on the headline KPI (indifference zone = its tolerance); runner-ups get
   paired confidence intervals against the recommendation.
5. **Hour by hour** (in the spirit of Feldman, Mandelbaum, Massey & Whitt 2008): start
   every clock-hour block from Erlang A / Erlang C staffing for the block's arrival rate
   and the mix's mean service time, simulate, add a window where a block misses its
   target, repeat until every block meets it; then remove windows where targets still
   hold.
6. **Final evaluation** with fresh replications, robustness to demand growth and to a
   shift of demand online, a cost / service-level Pareto frontier, tables, a scenario
   YAML and charts.

Every replication result is appended to ``evaluations.jsonl`` in the output folder as it
completes; a rerun reloads them and simulates only what is missing, and because every
decision is a function of those results, an interrupted run resumed gives the same
answer.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.analysis.results import kpi_summary
from simulator.analysis.stats import one_sided_bounds, t_interval
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.errors import ConfigError
from simulator.optimise.config import (
    CostModel,
    Procedure,
    SearchSpace,
    SkillMix,
    Target,
    Targets,
    group_or_default,
    parse_cost,
    parse_procedure,
    parse_space,
    parse_targets,
)
from simulator.optimise.progress import Progress, Sizes
from simulator.optimise.stats import (
    FEASIBLE,
    INFEASIBLE,
    feasibility,
    h2_feasibility,
    h2_kim_nelson,
    kn_survivors,
)
from simulator.run.executor import Executor, get_executor
from simulator.run.runner import run_replication
from simulator.run.sweep import config_hash

__all__ = [
    "Candidate",
    "EvaluationStore",
    "Recommendation",
    "evaluate_replications",
    "recommend",
]

#: KPIs shown in the output tables (when present).
REPORT_KPIS = (
    "service_level",
    "wait_mean_min",
    "wait_p90_min",
    "abandonment_rate",
    "utilisation",
    "queue_mean",
    "overtime_min",
    "arrivals",
    "served",
)


# --------------------------------------------------------------------------- evaluation


def _plain(obj: Any) -> Any:
    """A deep plain-python copy of a (possibly frozen) config mapping."""
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    return obj


def _hourly_record(scn: Scenario, visits: pd.DataFrame) -> dict[str, list[float]]:
    """Per (profile day type, clock hour of arrival): arrivals, served within the target
    wait, left (abandoned or balked), served, summed wait of the served."""
    plans = scn.day_plans()
    if visits is None or visits.empty or not plans:
        return {}
    first_open = plans[0].offset + plans[0].hours.open
    cut = first_open + scn.experiment.warmup_min
    day = visits["day"].to_numpy().astype(int)
    t = visits["arrival_min"].to_numpy(dtype=float)
    keep = (np.array([p.offset for p in plans])[day] + t) >= cut
    out = visits["outcome"].to_numpy()
    wait = visits["wait_min"].to_numpy(dtype=float)
    served = out == "served"
    within = served & (wait <= scn.experiment.target_wait_min)
    left = (out == "abandoned") | (out == "balked")
    keys = sorted({p.profile_key for p in plans})
    key_code = np.array([keys.index(p.profile_key) for p in plans])[day]
    hour = np.clip((t // 60).astype(int), 0, 47)
    code = (key_code * 48 + hour)[keep]
    size = len(keys) * 48
    cols = [
        np.bincount(code, minlength=size),
        np.bincount(code, weights=within[keep].astype(float), minlength=size),
        np.bincount(code, weights=left[keep].astype(float), minlength=size),
        np.bincount(code, weights=served[keep].astype(float), minlength=size),
        np.bincount(code, weights=np.where(served, wait, 0.0)[keep], minlength=size),
    ]
    table = np.column_stack(cols)
    return {
        f"{keys[c // 48]}|{c % 48}": [float(v) for v in table[c]] for c in np.flatnonzero(cols[0])
    }


def evaluate_replications(
    scn: Scenario, seed: int, replications: Sequence[int]
) -> list[tuple[int, dict[str, Any]]]:
    """Simulate ``replications`` of ``scn`` and reduce each to a compact record: every
    KPI of the replication and per-hour counts for hourly targets. A pure function."""
    out = []
    for r in replications:
        k = run_replication(scn, int(r), int(seed), record_visits=True)
        kpis = {name: (None if not np.isfinite(v) else float(v)) for name, v in k.kpis.items()}
        hourly = _hourly_record(scn, k.visits) if k.visits is not None else {}
        out.append((int(r), {"kpis": kpis, "hourly": hourly}))
    return out


class EvaluationStore:
    """Replication results by (config hash, seed, replication), mirrored to a JSON-lines
    file appended as each result arrives.

    A line cut short by a killed process is ignored on reload; lines written by another
    code version are ignored unless ``trust_other_versions``.
    """

    def __init__(self, path: Path | None, code: str, trust_other_versions: bool = False):
        self.path = path
        self.code = code
        self.records: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.loaded = 0
        if path is not None and path.exists():
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue  # a partial last line from an interrupted run
                    if not isinstance(row, dict) or "key" not in row:
                        continue
                    if row.get("code") != code and not trust_other_versions:
                        continue
                    self.records[(row["key"], int(row["seed"]), int(row["rep"]))] = row["rec"]
            self.loaded = len(self.records)
        self._fh = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("a", encoding="utf-8")

    def __contains__(self, key: tuple[str, int, int]) -> bool:
        return key in self.records

    def add(self, key: tuple[str, int, int], rec: dict[str, Any]) -> None:
        self.records[key] = rec
        if self._fh is not None:
            row = {"key": key[0], "seed": key[1], "rep": key[2], "code": self.code, "rec": rec}
            self._fh.write(json.dumps(row, separators=(",", ":")) + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class Candidate:
    """A scenario to evaluate: a layout option or a staffing plan."""

    name: str
    params: dict[str, Any]
    config: dict[str, Any]
    scenario: Scenario
    cost: float
    cost_breakdown: dict[str, float]
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            # Seed and replication are part of the evaluation key, not of the scenario.
            run_keys = ("seed", "replications", "record_visits", "charts")
            self.key = config_hash({k: v for k, v in self.config.items() if k not in run_keys})


class _Runner:
    """Runs the replications candidates need, through one executor and one store."""

    def __init__(
        self,
        executor: Executor,
        store: EvaluationStore,
        progress: Progress,
        on_evaluation: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.executor = executor
        self.store = store
        self.progress = progress
        self.on_evaluation = on_evaluation
        self.run_count = 0
        self.cached_hits = 0

    def ensure(self, wanted: Iterable[tuple[Candidate, int, int]], stage: str) -> None:
        """Make sure (candidate, seed, n replications 0..n-1) are all in the store."""
        missing: dict[tuple[str, int], tuple[Candidate, list[int]]] = {}
        for cand, seed, n in wanted:
            for r in range(n):
                if (cand.key, seed, r) in self.store:
                    continue
                missing.setdefault((cand.key, seed), (cand, []))[1].append(r)
        total = sum(len(v[1]) for v in missing.values())
        if total == 0:
            return
        chunk = 1 if self.executor.workers == 1 else 4
        tasks = []
        owners = []
        for (key, seed), (cand, reps) in missing.items():
            for j in range(0, len(reps), chunk):
                tasks.append((cand.scenario, seed, reps[j : j + chunk]))
                owners.append((key, seed, cand.name))
        self.progress.pending(stage, total)
        for i, results in self.executor.imap_unordered(evaluate_replications, tasks):
            key, seed, name = owners[i]
            for r, rec in results:
                self.store.add((key, seed, r), rec)
                self.run_count += 1
                self.progress.advance()
                if self.on_evaluation is not None:
                    self.on_evaluation(
                        {"stage": stage, "candidate": name, "seed": seed, "replication": r}
                    )

    def records(self, cand: Candidate, seed: int, n: int) -> list[dict[str, Any]]:
        return [self.store.records[(cand.key, seed, r)] for r in range(n)]

    def available(self, cand: Candidate, seed: int) -> int:
        n = 0
        while (cand.key, seed, n) in self.store:
            n += 1
        return n


# --------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class Constraint:
    """A target applied to the whole period (``hour_key=None``) or one clock hour."""

    target: Target
    hour_key: str | None = None

    @property
    def label(self) -> str:
        if self.hour_key is None:
            return self.target.label
        key, hour = self.hour_key.split("|")
        return f"{self.target.kpi} {key} {int(hour):02d}:00"

    def values(self, recs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """Per-replication value, oriented so that larger is better (``max`` targets are
        negated). Hours without residents count as met (no one failed)."""
        t = self.target
        out = np.empty(len(recs))
        for j, rec in enumerate(recs):
            if self.hour_key is None:
                v = rec["kpis"].get(t.kpi)
                x = math.nan if v is None else float(v)
            else:
                row = rec["hourly"].get(self.hour_key)
                x = _hour_value(t.kpi, row)
            if not math.isfinite(x):
                x = {"service_level": 1.0, "abandonment_rate": 0.0}.get(t.kpi, 0.0)
            out[j] = x if t.sense == "min" else -x
        return out

    @property
    def threshold(self) -> float:
        return self.target.value if self.target.sense == "min" else -self.target.value


def _hour_value(kpi: str, row: Sequence[float] | None) -> float:
    if not row:
        return math.nan
    arrivals, within, left, served, wait_sum = row
    if kpi == "service_level":
        return within / arrivals if arrivals else math.nan
    if kpi == "abandonment_rate":
        return left / arrivals if arrivals else math.nan
    if kpi == "wait_mean_min":
        return wait_sum / served if served else math.nan
    raise ValueError(kpi)


def _hour_keys(scn: Scenario) -> list[str]:
    keys = []
    seen = set()
    for plan in scn.day_plans():
        if plan.closed or plan.profile_key in seen:
            continue
        seen.add(plan.profile_key)
        h = plan.hours
        for hour in range(int(h.open // 60), math.ceil(h.close / 60)):
            keys.append(f"{plan.profile_key}|{hour}")
    return keys


def _constraints(targets: Targets, scn: Scenario) -> list[Constraint]:
    out = [Constraint(t) for t in targets.day]
    for t in targets.hour:
        out += [Constraint(t, k) for k in _hour_keys(scn)]
    return out


def _meets(
    c: Constraint, recs: Sequence[Mapping[str, Any]], confidence: float, strict: bool = False
) -> float:
    """Margin of the one-sided confidence bound over the target (``strict``) or over the
    target less its tolerance; ``>= 0`` means met."""
    y = c.values(recs)
    m, lo, _ = one_sided_bounds(y, confidence)
    lo = m if not math.isfinite(lo) else lo
    return lo - (c.threshold - (0.0 if strict else c.target.tolerance))


# --------------------------------------------------------------------------- options


def levels_cost(scn: Scenario, cost: CostModel) -> tuple[float, dict[str, float]]:
    """Mean cost per open simulated day: staffed window-hours, training, windows."""
    staff = {s.id: s for s in scn.staff}
    plans = [p for p in scn.day_plans() if not p.closed]
    if not plans:
        return 0.0, {"staff": 0.0, "training": 0.0, "windows": 0.0}
    staff_cost = 0.0
    for plan in plans:
        for b in plan.blocks:
            hours = (b.end - b.start) / 60.0
            for _, sid in b.assignments:
                staff_cost += hours * cost.staff_rate(staff[sid].skills)
    staff_cost /= len(plans)
    training = sum(cost.training_per_day(s.skills) for s in scn.staff)
    windows = cost.window_per_day * len(scn.windows)
    total = staff_cost + training + windows
    return total, {"staff": staff_cost, "training": training, "windows": windows}


def _short(group: str, groups: Sequence[str]) -> str:
    letters = [g[0].upper() for g in groups]
    return group[0].upper() if letters.count(group[0].upper()) == 1 else group


def _apply_option(
    base: dict[str, Any],
    counts: Mapping[str, int],
    lunch: float | None,
    mix: SkillMix,
    families: Sequence[str],
) -> dict[str, Any]:
    cfg = copy.deepcopy(base)
    windows = cfg["layout"]["windows"]
    for g, n in counts.items():
        windows[g]["count"] = int(n)
    stf = cfg.setdefault("staffing", {})
    old_plan = dict(stf.get("plan") or {})
    plan = {
        "mode": "auto",
        "lunch_open_share": old_plan.get("lunch_open_share", 0.5),
        "weekend_open_share": old_plan.get("weekend_open_share", 1.0),
        "min_open": old_plan.get("min_open", 1),
    }
    if old_plan.get("mode", "auto") != "auto":
        plan["weekend_open_share"] = 0.6
    if lunch is not None:
        plan["lunch_open_share"] = float(lunch)
    stf["plan"] = plan
    if mix.name != "keep":
        n_windows = sum(int((w or {}).get("count", 0)) for w in windows.values() if w)
        stf["staff"] = mix.roster(n_windows, families)
    return cfg


def _build_options(
    scn: Scenario, base: dict[str, Any], space: SearchSpace, cost: CostModel
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    groups = list(space.windows)
    valid: list[Candidate] = []
    invalid: list[dict[str, Any]] = []
    combos: list[tuple[Any, ...]] = list(
        itertools.product(
            *[space.windows[g] for g in groups], space.lunch_open_share, space.skill_mixes
        )
    )
    for combo in combos:
        counts = {g: int(n) for g, n in zip(groups, combo[: len(groups)], strict=True)}
        lunch = combo[len(groups)]
        mix = combo[len(groups) + 1]
        parts = [f"{_short(g, groups)}{n}" for g, n in counts.items()]
        name = "+".join(parts)
        if lunch is not None and len(space.lunch_open_share) > 1:
            name += f" L{round(100 * lunch)}"
        if len(space.skill_mixes) > 1:
            name += f" {mix.name}"
        params: dict[str, Any] = {f"windows.{g}": n for g, n in counts.items()}
        params["lunch_open_share"] = lunch
        params["skill_mix"] = mix.name
        cfg = _apply_option(base, counts, lunch, mix, scn.family_names)
        try:
            oscn = scenario_from_config(cfg, source=f"option {name}")
        except ConfigError as exc:
            invalid.append(
                {
                    "option": name,
                    **params,
                    "decision": "invalid",
                    "reason": exc.problems[0] if exc.problems else str(exc),
                }
            )
            continue
        total, breakdown = levels_cost(oscn, cost)
        cand = Candidate(name, params, cfg, oscn, total, breakdown)
        same = next((v for v in valid if v.key == cand.key), None)
        if same is not None:  # e.g. lunch shares that open the same number of windows
            invalid.append(
                {
                    "option": name,
                    **params,
                    "cost_per_day": total,
                    "decision": "duplicate",
                    "reason": f"same scenario as {same.name}",
                }
            )
            continue
        valid.append(cand)
    return valid, invalid


# --------------------------------------------------------------------------- staffing plans


@dataclass
class _Plan:
    """Open windows per group for each clock-hour block of each profile day type."""

    blocks: dict[str, list[tuple[float, float]]]
    counts: dict[str, list[dict[str, int]]]

    def copy(self) -> _Plan:
        return _Plan(
            {k: list(v) for k, v in self.blocks.items()},
            {k: [dict(c) for c in v] for k, v in self.counts.items()},
        )


def _clock(m: float) -> str | float:
    """``"HH:MM"`` within a day; minutes (a number) beyond 24 h (validation scenarios)."""
    if m > 1440 or m != round(m):
        return float(m)
    return f"{int(m // 60):02d}:{round(m % 60):02d}"


def _plan_from_scenario(scn: Scenario) -> _Plan:
    """The scenario's resolved plan (any mode) as open-window counts per block."""
    group_of = {w.id: w.group for w in scn.windows}
    groups = list(dict.fromkeys(w.group for w in scn.windows))
    blocks: dict[str, list[tuple[float, float]]] = {}
    counts: dict[str, list[dict[str, int]]] = {}
    for key, bl in scn.plans.items():
        blocks[key] = [(b.start, b.end) for b in bl]
        counts[key] = []
        for b in bl:
            c = dict.fromkeys(groups, 0)
            for wid, _ in b.assignments:
                c[group_of[wid]] += 1
            counts[key].append(c)
    return _Plan(blocks, counts)


def _merged_blocks(plan: _Plan) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for key, bl in plan.blocks.items():
        rows: list[dict[str, Any]] = []
        for (start, end), c in zip(bl, plan.counts[key], strict=True):
            if rows and rows[-1]["_end"] == start and rows[-1]["open"] == c:
                rows[-1]["_end"] = end
                continue
            rows.append({"_start": start, "_end": end, "open": dict(c)})
        out[key] = [
            {"start": _clock(r["_start"]), "end": _clock(r["_end"]), "open": r["open"]}
            for r in rows
            if any(r["open"].values())
        ]
    return out


def _with_plan(config: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    cfg = copy.deepcopy(config)
    cfg["staffing"]["plan"] = {"mode": "by_block", "blocks": _merged_blocks(plan)}
    return cfg


def _arrival_rates(scn: Scenario, key: str, blocks: Sequence[tuple[float, float]]) -> list[float]:
    """Expected arrivals per minute in each block on days of profile ``key``."""
    days = [p for p in scn.day_plans() if p.profile_key == key and not p.closed]
    if not days:
        return [0.0] * len(blocks)
    volume = float(np.mean([scn.expected_daily_volume(p) for p in days]))
    bins = scn.demand.profiles[key]
    rates = []
    for start, end in blocks:
        share = sum(
            b.share * max(0.0, min(end, b.end) - max(start, b.start)) / (b.end - b.start)
            for b in bins
            if b.end > b.start
        )
        rates.append(volume * share / (end - start) if end > start else 0.0)
    return rates


def _mean_service(scn: Scenario) -> float:
    fam = {f.name: f.service.mean for f in scn.families}
    w = np.array([it.weight for it in scn.items], dtype=float)
    means = np.array([fam[it.family] for it in scn.items], dtype=float)
    return float((w * means).sum() / w.sum())


def _erlang_start(scn: Scenario, targets: Targets, lam: float) -> int:
    """Windows for a block from Erlang A (reneging on) or Erlang C, steady state."""
    from simulator.analysis import analytic

    if lam <= 0:
        return 0
    es = _mean_service(scn)
    tw = scn.experiment.target_wait_min
    sl = [t.value for t in targets.all if t.kpi == "service_level" and t.sense == "min"]
    ab = [t.value for t in targets.all if t.kpi == "abandonment_rate" and t.sense == "max"]
    mw = [t.value for t in targets.all if t.kpi == "wait_mean_min" and t.sense == "max"]
    kw: dict[str, Any] = {}
    if sl and 0 < max(sl) < 1:
        kw.update(service_level=max(sl), target_wait=tw)
    if mw and min(mw) > 0:
        kw["max_mean_wait"] = min(mw)
    pat = scn.impatience.patience if scn.impatience.renege_enabled else None
    try:
        if pat is not None and math.isfinite(pat.mean):
            if ab and 0 < min(ab) < 1:
                kw["max_p_abandon"] = min(ab)
            if not kw:
                return analytic.square_root_staffing(lam, es, 0.5)
            return analytic.min_servers_erlang_a(lam, es, pat.mean, **kw)
        if not kw:
            return analytic.square_root_staffing(lam, es, 1.0)
        return analytic.min_servers_erlang_c(lam, es, **kw)
    except ValueError:
        return analytic.square_root_staffing(lam, es, 1.0)


def _groups_in_order(scn: Scenario) -> list[tuple[str, int, bool]]:
    """(group, installed count, comprehensive?) with comprehensive groups first."""
    out: dict[str, list[Any]] = {}
    for w in scn.windows:
        e = out.setdefault(w.group, [w.group, 0, w.kind == "comprehensive"])
        e[1] += 1
    rows = [(str(v[0]), int(v[1]), bool(v[2])) for v in out.values()]
    return sorted(rows, key=lambda g: (not g[2], g[0]))


def _allocate(total: int, groups: Sequence[tuple[str, int, bool]]) -> dict[str, int]:
    """Split ``total`` open windows: dedicated groups first (they are few), keeping at
    least one comprehensive window, capped by the installed counts."""
    c = {g: 0 for g, _, _ in groups}
    comp = [g for g in groups if g[2]]
    other = [g for g in groups if not g[2]]
    left = max(total, 1 if comp else 0)
    if comp:
        c[comp[0][0]] = 1
        left -= 1
    for g, n, _ in other:
        take = min(n, max(0, left - 0))
        c[g] = take
        left -= take
    for g, n, _ in comp:
        take = min(n - c[g], max(0, left))
        c[g] += take
        left -= take
    return c


# --------------------------------------------------------------------------- results


@dataclass
class Recommendation:
    """What :func:`recommend` returns (all tables are pandas DataFrames).

    Attributes
    ----------
    option
        Name of the recommended layout option (``None`` if nothing was feasible).
    meets_targets
        True when the recommended plan meets every target in the final evaluation
        (one-sided bound at the stated confidence, within tolerance).
    statement
        The finding in words, with its confidence.
    layout, skill_mix, lunch_open_share
        The recommended layout (window counts per group) and roster recipe.
    cost_per_day, cost_breakdown
        Cost of the recommended plan per open day (CNY), by component.
    staffing_plan
        Hour-by-hour plan: day type, start and end (``HH:MM``; ``day N HH:MM`` when a
        day type runs past midnight), open windows per group, staff on duty in total and
        per role (``all_round: 3, new_staff: 1``).
    kpis
        Final evaluation (fresh replications): KPI, mean, ci_low, ci_high, and for
        targeted KPIs the target, one-sided bound and whether it is met.
    hourly
        Final evaluation per day type and hour: arrivals, service level (with CI),
        abandonment, mean wait, windows open.
    options
        Every layout option: parameters, cost, replications, estimates, decision.
    runner_ups
        Next cheapest feasible options with paired CIs against the recommendation.
    pareto
        Cost / service-level table used for the frontier chart.
    robustness
        The recommended plan under demand growth and online shift.
    scenario_config
        Plain config of the recommended scenario (what ``recommended.yaml`` holds).
    files
        Paths written (when an output folder was given).
    stats
        Evaluations run and reused, wall time, error budget.
    """

    option: str | None
    meets_targets: bool
    statement: str
    layout: dict[str, int]
    skill_mix: str | None
    lunch_open_share: float | None
    cost_per_day: float
    cost_breakdown: dict[str, float]
    staffing_plan: pd.DataFrame
    kpis: pd.DataFrame
    hourly: pd.DataFrame
    options: pd.DataFrame
    runner_ups: pd.DataFrame
    pareto: pd.DataFrame
    robustness: pd.DataFrame
    scenario_config: dict[str, Any]
    targets: Targets
    cost_currency: str = "CNY"
    files: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    isa_log: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scenario(self) -> Scenario:
        return scenario_from_config(self.scenario_config, source="recommended")


def _at(frame: pd.DataFrame, row: str, col: str) -> float:
    value: Any = frame.at[row, col]
    return float(value)


def _summary(recs: Sequence[Mapping[str, Any]], level: float = 0.95) -> pd.DataFrame:
    names: list[str] = []
    for rec in recs:
        names += [k for k in rec["kpis"] if k not in names]
    values = [
        {k: np.nan if rec["kpis"].get(k) is None else rec["kpis"][k] for k in names} for rec in recs
    ]
    return kpi_summary(pd.DataFrame(values, columns=names, dtype=float), level)


# --------------------------------------------------------------------------- main


def _resolve_inputs(
    scenario: Scenario | str,
    cost: CostModel | Mapping[str, Any] | None,
    targets: Targets | Mapping[str, Any] | None,
    space: SearchSpace | Mapping[str, Any] | None,
    procedure: Procedure | Mapping[str, Any] | None,
) -> tuple[Scenario, dict[str, Any], CostModel, Targets, SearchSpace, Procedure]:
    if isinstance(scenario, str):
        from simulator.config.compose import load_scenario

        scenario = load_scenario(scenario)
    base = _plain(scenario.config)
    if not base:
        raise ConfigError(
            "the scenario carries no config (build it with load_scenario or scenario_from_config)"
        )
    cost_m = (
        cost
        if isinstance(cost, CostModel)
        else parse_cost(cost if cost is not None else group_or_default(base, "cost"))
    )
    tgt = (
        targets
        if isinstance(targets, Targets)
        else parse_targets(targets if targets is not None else group_or_default(base, "targets"))
    )
    rec_cfg = group_or_default(base, "recommend")
    if isinstance(procedure, Procedure):
        proc = procedure
    else:
        merged = dict(rec_cfg)
        if procedure is not None:
            merged = {**merged, **dict(procedure)}
        proc = parse_procedure(merged)
    if isinstance(space, SearchSpace):
        sp = space
    else:
        groups = [g for g, v in (base.get("layout", {}).get("windows") or {}).items() if v]
        sp_cfg = dict(rec_cfg)
        if space is not None:
            sp_cfg.update(dict(space) if "space" in space else {"space": dict(space)})
        sp = parse_space(sp_cfg, groups, scenario.family_names)
    for key in ("cost", "targets", "recommend"):
        base.pop(key, None)
    return scenario, base, cost_m, tgt, sp, proc


def recommend(
    scenario: Scenario | str,
    *,
    out_dir: str | Path | None = None,
    executor: Any = None,
    workers: int | None = None,
    cost: CostModel | Mapping[str, Any] | None = None,
    targets: Targets | Mapping[str, Any] | None = None,
    space: SearchSpace | Mapping[str, Any] | None = None,
    procedure: Procedure | Mapping[str, Any] | None = None,
    seed: int | None = None,
    progress: bool = False,
    charts: bool = True,
    on_evaluation: Callable[[dict[str, Any]], None] | None = None,
    trust_cache: bool = False,
) -> Recommendation:
    """Recommend the cheapest layout and hour-by-hour staffing plan meeting the targets.

    Parameters
    ----------
    scenario
        The centre as it is (a :class:`Scenario` from ``load_scenario`` or a bundled
        scenario name). Its config may carry the ``cost``, ``targets`` and ``recommend``
        groups; missing ones come from the bundled defaults.
    out_dir
        Folder for tables, charts, ``recommended.yaml`` and the evaluation cache
        ``evaluations.jsonl``. Rerunning with the same folder resumes: finished
        evaluations are reloaded, not simulated again. ``None`` writes nothing.
    executor, workers
        Where replications run: ``None`` with ``workers`` local processes (default 1),
        an :class:`~simulator.run.executor.Executor`, a ``distributed.Client`` or a Dask
        scheduler address. Same seed, same answer, whatever runs it.
    cost, targets, space, procedure
        Override the config groups: parsed dataclasses or plain mappings shaped like
        ``scenarios/cost/default.yaml``, ``scenarios/targets/default.yaml`` and the
        ``space`` / ``procedure`` parts of ``scenarios/recommend/default.yaml``.
    seed
        Root seed (default: ``recommend.procedure.seed``, else the scenario's seed).
        Every option sees the same residents (common random numbers).
    progress
        One progress line (tqdm, on standard error) for the whole run: stage,
        replications simulated and expected, elapsed time and an ETA
        (:mod:`simulator.optimise.progress`).
    charts
        Write PNG charts (with ``out_dir``).
    on_evaluation
        Called after each replication result is stored, with a small dict (stage,
        candidate, seed, replication).
    trust_cache
        Reuse cached evaluations written by another code version.

    Returns
    -------
    Recommendation
    """
    t0 = time.perf_counter()
    scn, base, cost_m, tgt, sp, proc = _resolve_inputs(scenario, cost, targets, space, procedure)
    root = int(
        seed if seed is not None else (proc.seed if proc.seed is not None else scn.experiment.seed)
    )
    out_path = Path(out_dir) if out_dir is not None else None
    from simulator.version import package_version

    code = package_version()
    ex = get_executor(executor, workers)  # bad workers fail before any file is created
    store = EvaluationStore(
        out_path / "evaluations.jsonl" if out_path else None, code, trust_other_versions=trust_cache
    )
    owns_executor = executor is None
    runner = _Runner(ex, store, Progress(progress), on_evaluation)
    try:
        rec = _recommend(scn, base, cost_m, tgt, sp, proc, root, runner)
    finally:
        runner.progress.close()
        store.close()
        if owns_executor:
            ex.close()
    rec.stats.update(
        {
            "evaluations_run": runner.run_count,
            "evaluations_reused": store.loaded,
            "wall_s": time.perf_counter() - t0,
            "executor": repr(ex),
            "seed": root,
            "code_version": code,
        }
    )
    if out_path is not None:
        rec.files = write_outputs(rec, out_path, charts=charts, source=scn.source)
    return rec


def _recommend(
    scn: Scenario,
    base: dict[str, Any],
    cost: CostModel,
    tgt: Targets,
    sp: SearchSpace,
    proc: Procedure,
    seed: int,
    runner: _Runner,
) -> Recommendation:
    options, invalid = _build_options(scn, base, sp, cost)
    if not options:
        reasons = "; ".join(sorted({str(i["reason"]) for i in invalid})[:3])
        raise ConfigError(f"no valid layout option in the decision space ({reasons})")
    cons = _constraints(tgt, options[0].scenario)
    k, m = len(options), len(cons)
    alpha = tgt.alpha
    beta = alpha / 2.0 / (k * m)  # half for screening, half for the sequential stage
    h2 = h2_feasibility(proc.n0, beta)
    screen_conf = 1.0 - beta
    sizes = Sizes(
        options=k,
        n0=proc.n0,
        batch=proc.batch,
        n_max=proc.n_max,
        runner_ups=proc.runner_ups,
        isa=proc.isa,
        isa_replications=proc.isa_replications,
        isa_trim=proc.isa_trim,
        hour_blocks=len(_hour_keys(options[0].scenario)),
        window_groups=max(len(_groups_in_order(c.scenario)) for c in options),
        final_replications=proc.final_replications,
        robustness_cases=len(proc.volume_growth) + len(proc.online_shift),
    )
    expected = k * proc.n0 + sizes.sequential(k) + sizes.staffing() + sizes.final()
    runner.progress.expect("screening", expected)

    # Stage 1: screening on n0 replications, common random numbers.
    runner.ensure([(c, seed, proc.n0) for c in options], "screening")
    state: dict[str, dict[str, Any]] = {}
    for c in options:
        recs = runner.records(c, seed, proc.n0)
        failed = []
        for con in cons:
            _, _, hi = one_sided_bounds(con.values(recs), screen_conf)
            if math.isfinite(hi) and hi < con.threshold:
                failed.append(con.label)
        state[c.key] = {
            "decision": "screened out" if failed else None,
            "reason": ("misses " + ", ".join(failed[:3])) if failed else "",
            "per": {},
            "truncated": False,
            "n": proc.n0,  # replications used so far (a function of the rounds only)
        }

    # Stage 2: sequential feasibility, cheapest first.
    by_cost = sorted(options, key=lambda c: (c.cost, c.name))
    while True:
        # Cheapest first: only options that could still be among the cheapest
        # (1 + runner_ups) feasible ones are simulated further.
        alive = [c for c in by_cost if state[c.key]["decision"] in (FEASIBLE, None)]
        limit = alive[proc.runner_ups].cost if len(alive) > proc.runner_ups else math.inf
        active = [c for c in by_cost if state[c.key]["decision"] is None and c.cost <= limit + 1e-9]
        if not active:
            break
        runner.progress.expect(
            "sequential", sizes.sequential(len(active)) + sizes.staffing() + sizes.final()
        )
        want = []
        for c in active:
            state[c.key]["n"] = min(proc.n_max, state[c.key]["n"] + proc.batch)
            want.append((c, seed, state[c.key]["n"]))
        runner.ensure(want, "sequential")
        for c, _, n in want:
            recs = runner.records(c, seed, n)
            st = state[c.key]
            for con in cons:
                if con.label in st["per"]:
                    continue
                d, trunc = feasibility(
                    con.values(recs), con.threshold, con.target.tolerance, h2, proc.n0, proc.n_max
                )
                if d is not None:
                    st["per"][con.label] = d
                    st["truncated"] |= trunc
            if any(v == INFEASIBLE for v in st["per"].values()):
                st["decision"] = INFEASIBLE
                bad = [lab for lab, v in st["per"].items() if v == INFEASIBLE]
                st["reason"] = "misses " + ", ".join(bad[:3])
            elif len(st["per"]) == len(cons):
                st["decision"] = FEASIBLE
                st["reason"] = "within tolerance" if st["truncated"] else "meets targets"

    feas = [c for c in by_cost if state[c.key]["decision"] == FEASIBLE]
    primary = tgt.primary()
    prim = Constraint(primary)
    rec_cand: Candidate | None = None
    tie_note = ""
    if feas:
        cheapest = feas[0].cost
        ties = [c for c in feas if c.cost <= cheapest + 0.5]
        rec_cand = ties[0]
        if len(ties) > 1:
            rec_cand, tie_note = _kim_nelson(ties, prim, tgt, proc, seed, runner, state)
    # Runner-ups: the next feasible options (and tie losers), paired with the choice.
    runner_rows = []
    if rec_cand is not None:
        others = [c for c in feas if c.key != rec_cand.key][: max(proc.runner_ups, 0)]
        n_rec = state[rec_cand.key]["n"]
        for c in others:
            n = min(n_rec, state[c.key]["n"])
            a = prim.values(runner.records(rec_cand, seed, n))
            b = prim.values(runner.records(c, seed, n))
            sign = 1.0 if primary.sense == "min" else -1.0
            d = sign * (b - a)
            mean, lo, hi, _ = t_interval(d, tgt.confidence)
            runner_rows.append(
                {
                    "option": c.name,
                    **c.params,
                    "cost_per_day": c.cost,
                    "extra_cost_per_day": c.cost - rec_cand.cost,
                    f"{primary.kpi}_diff": mean,
                    "diff_ci_low": lo,
                    "diff_ci_high": hi,
                    "replications_paired": n,
                    "indistinguishable_within_tolerance": bool(
                        math.isfinite(lo) and -primary.tolerance < lo and hi < primary.tolerance
                    ),
                }
            )

    options_table = _options_table(options, invalid, state, cons, runner, seed, tgt)

    # Stage 3: hour-by-hour staffing for the chosen layout.
    isa_log: list[dict[str, Any]] = []
    final_seed = seed + proc.final_seed_offset
    runner.progress.expect("isa", (sizes.staffing() if rec_cand else 0) + sizes.final())
    if rec_cand is not None:
        layout_plan = _plan_from_scenario(rec_cand.scenario)
        final_cfg = _with_plan(rec_cand.config, layout_plan)
        if proc.isa:
            isa_plan, verified, isa_log = _isa(
                rec_cand, tgt, proc, seed, runner, cost, (final_seed, proc.final_replications)
            )
            cand_cfg = _with_plan(rec_cand.config, isa_plan)
            isa_cost, _ = levels_cost(scenario_from_config(cand_cfg), cost)
            if verified and isa_cost <= rec_cand.cost + 1e-9:
                final_cfg = cand_cfg
            else:
                isa_log.append(
                    {
                        "step": "kept the layout's own plan",
                        "note": "hour-by-hour plan not verified or not cheaper",
                    }
                )
    else:
        best = max(
            options,
            key=lambda c: float(np.mean(prim.values(runner.records(c, seed, state[c.key]["n"])))),
        )
        final_cfg = _with_plan(best.config, _plan_from_scenario(best.scenario))

    final_cfg["seed"] = final_seed
    final_cfg["replications"] = proc.final_replications
    final_scn = scenario_from_config(final_cfg, source="recommended plan")
    final_cost, breakdown = levels_cost(final_scn, cost)
    final = Candidate("recommended plan", {}, final_cfg, final_scn, final_cost, breakdown)
    baseline_cfg = copy.deepcopy(base)
    baseline = Candidate(
        "current",
        {},
        baseline_cfg,
        scenario_from_config(baseline_cfg, source="current"),
        *levels_cost(scn, cost),
    )
    robust = _robustness_candidates(final, cost, proc)
    runner.progress.expect("final", sizes.final())
    runner.ensure(
        [(c, final_seed, proc.final_replications) for c in [final, baseline, *robust]], "final"
    )
    final_recs = runner.records(final, final_seed, proc.final_replications)
    kpis, meets = _kpi_table(final_recs, tgt, cons)
    hourly = _hourly_table(final_recs, final_scn, tgt.confidence)
    robustness = _robustness_table(robust, runner, final_seed, proc, tgt, cons)
    plan_table = _plan_table(final_scn)
    pareto = options_table[~options_table["decision"].isin(["invalid", "duplicate"])][
        [
            "option",
            "cost_per_day",
            "service_level",
            "service_level_ci_low",
            "service_level_ci_high",
            "meets_target",
            "decision",
        ]
    ].copy()
    fs = _summary(final_recs, 0.95)
    row: dict[str, Any] = {
        "option": "recommended plan",
        "cost_per_day": final_cost,
        "service_level": _at(fs, "service_level", "mean"),
        "service_level_ci_low": _at(fs, "service_level", "ci_low"),
        "service_level_ci_high": _at(fs, "service_level", "ci_high"),
        "meets_target": meets,
        "decision": "recommended (hour-by-hour plan)",
    }
    pareto = pd.concat([pareto, pd.DataFrame([row])], ignore_index=True)
    base_recs = runner.records(baseline, final_seed, proc.final_replications)
    comparison = {"current": _summary(base_recs), "recommended plan": fs}
    ups = [next(o for o in options if o.name == r["option"]) for r in runner_rows[:2]]
    runner.ensure([(c, final_seed, proc.final_replications) for c in ups], "final")
    for c in ups:  # same residents as the current layout and the plan (final seed)
        comparison[c.name] = _summary(runner.records(c, final_seed, proc.final_replications))

    layout: dict[str, int] = {}
    for w in final_scn.windows:
        layout[w.group] = layout.get(w.group, 0) + 1
    conf_pct = f"{100 * tgt.confidence:g}%"
    if rec_cand is None:
        statement = (
            f"No tested option meets the targets ({', '.join(t.label for t in tgt.all)}) "
            f"with {conf_pct} confidence; shown is the option with the best "
            f"{primary.kpi}. Widen the decision space (more windows or staff)."
        )
    else:
        n_cheaper = sum(1 for c in options if c.cost < rec_cand.cost - 1e-9)
        statement = (
            f"Option {rec_cand.name} meets every target ({len(cons)} checks: "
            f"{', '.join(t.label for t in tgt.all)}) and is the cheapest such option among "
            f"{len(options)} tested ({n_cheaper} cheaper options miss a target), with "
            f"probability at least {conf_pct} (each target within its tolerance: "
            + ", ".join(f"{t.kpi} ±{t.tolerance:g}" for t in tgt.all)
            + ")."
        )
        if tie_note:
            statement += " " + tie_note
        indist = [r["option"] for r in runner_rows if r["indistinguishable_within_tolerance"]]
        if indist:
            statement += (
                f" Runner-ups {', '.join(indist)} are not distinguishable from it within "
                f"±{primary.tolerance:g} {primary.kpi} but cost more."
            )
        statement += (
            f" Hour-by-hour plan: {final_cost:,.0f} {cost.currency}/day against "
            f"{rec_cand.cost:,.0f} with every window open all day; final check on "
            f"{proc.final_replications} fresh replications: "
            + ("all targets met." if meets else "NOT all targets met (see kpis table).")
        )
    return Recommendation(
        option=rec_cand.name if rec_cand else None,
        meets_targets=bool(meets and rec_cand is not None),
        statement=statement,
        layout=layout,
        skill_mix=str(rec_cand.params.get("skill_mix")) if rec_cand else None,
        lunch_open_share=rec_cand.params.get("lunch_open_share") if rec_cand else None,
        cost_per_day=final_cost,
        cost_breakdown=breakdown,
        staffing_plan=plan_table,
        kpis=kpis,
        hourly=hourly,
        options=options_table,
        runner_ups=pd.DataFrame(runner_rows),
        pareto=pareto.reset_index(drop=True),
        robustness=robustness,
        scenario_config=final_cfg,
        targets=tgt,
        cost_currency=cost.currency,
        stats={
            "options": len(options),
            "invalid_options": len(invalid),
            "constraints": len(cons),
            "alpha": alpha,
            "beta_per_decision": beta,
            "h2": h2,
            "comparison": comparison,
            "layout_cost_per_day": rec_cand.cost if rec_cand else math.nan,
            "baseline_cost_per_day": baseline.cost,
        },
        isa_log=isa_log,
    )


def _kim_nelson(
    ties: list[Candidate],
    prim: Constraint,
    tgt: Targets,
    proc: Procedure,
    seed: int,
    runner: _Runner,
    state: dict[str, dict[str, Any]],
) -> tuple[Candidate, str]:
    """Kim-Nelson among equal-cost feasible options on the headline KPI."""
    k = len(ties)
    h2 = h2_kim_nelson(proc.n0, tgt.alpha, k)
    delta = prim.target.tolerance
    alive = np.ones(k, dtype=bool)
    n = max(proc.n0, min(state[c.key]["n"] for c in ties))
    while True:
        runner.ensure([(c, seed, n) for c in ties], "selection")
        x = np.column_stack([prim.values(runner.records(c, seed, n)) for c in ties])
        alive = kn_survivors(x, alive, h2, delta, proc.n0)
        if alive.sum() == 1 or n >= proc.n_max:
            break
        n = min(proc.n_max, n + proc.batch)
    for c in ties:
        state[c.key]["n"] = max(state[c.key]["n"], n)
    means = x.mean(axis=0)
    best = int(np.flatnonzero(alive)[np.argmax(means[alive])])
    if alive.sum() == 1:
        note = (
            f"Among {k} options of the same cost, Kim-Nelson selection (indifference zone "
            f"{delta:g} {prim.target.kpi}) kept only this one after {n} replications."
        )
    else:
        note = (
            f"{int(alive.sum())} options of the same cost remain within {delta:g} "
            f"{prim.target.kpi} of each other after {n} replications; the best mean is shown."
        )
    return ties[best], note


def _options_table(
    options: list[Candidate],
    invalid: list[dict[str, Any]],
    state: dict[str, dict[str, Any]],
    cons: list[Constraint],
    runner: _Runner,
    seed: int,
    tgt: Targets,
) -> pd.DataFrame:
    rows = []
    for c in options:
        st = state[c.key]
        n = st["n"]
        recs = runner.records(c, seed, n)
        s = _summary(recs, tgt.confidence)
        decision = st["decision"] or "not resolved (costlier than needed)"
        row: dict[str, Any] = {
            "option": c.name,
            **c.params,
            "cost_per_day": c.cost,
            **{f"cost_{k}": v for k, v in c.cost_breakdown.items()},
            "replications": n,
        }
        for kpi in ("service_level", "wait_mean_min", "abandonment_rate", "utilisation"):
            if kpi in s.index:
                row[kpi] = s.loc[kpi, "mean"]
                row[f"{kpi}_ci_low"] = s.loc[kpi, "ci_low"]
                row[f"{kpi}_ci_high"] = s.loc[kpi, "ci_high"]
        if st["decision"] in (FEASIBLE, INFEASIBLE, "screened out"):
            meets = st["decision"] == FEASIBLE
        else:
            meets = all(float(np.mean(con.values(recs))) >= con.threshold for con in cons)
        row["meets_target"] = meets
        row["decision"] = decision
        row["reason"] = st["reason"]
        rows.append(row)
    rows += invalid
    frame = pd.DataFrame(rows)
    return frame.sort_values(["cost_per_day", "option"], na_position="last").reset_index(drop=True)


def _kpi_table(
    recs: Sequence[Mapping[str, Any]], tgt: Targets, cons: list[Constraint]
) -> tuple[pd.DataFrame, bool]:
    s = _summary(recs, 0.95)
    rows = []
    for kpi in [k for k in REPORT_KPIS if k in s.index]:
        row: dict[str, Any] = {"kpi": kpi, **s.loc[kpi, ["mean", "ci_low", "ci_high", "n"]]}
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("kpi")
    frame["target"] = ""
    frame["bound"] = np.nan
    frame["meets"] = ""
    all_ok = True
    for t in tgt.day:
        con = Constraint(t)
        m, lo, hi = one_sided_bounds(
            np.array(
                [np.nan if r["kpis"].get(t.kpi) is None else r["kpis"][t.kpi] for r in recs],
                dtype=float,
            ),
            tgt.confidence,
        )
        bound = lo if t.sense == "min" else hi
        strict = t.margin(bound) >= 0
        within = _meets(con, recs, tgt.confidence) >= 0
        if t.kpi not in frame.index:
            frame.loc[t.kpi, ["mean", "ci_low", "ci_high"]] = [m, np.nan, np.nan]
        frame.loc[t.kpi, "target"] = t.label
        frame.loc[t.kpi, "bound"] = bound
        frame.loc[t.kpi, "meets"] = "yes" if strict else ("within tolerance" if within else "no")
        all_ok &= within
    hour_cons = [c for c in cons if c.hour_key is not None]
    if hour_cons:
        bad = [c.label for c in hour_cons if _meets(c, recs, tgt.confidence) < 0]
        frame.loc["hourly targets", ["mean", "ci_low", "ci_high", "n"]] = [
            1.0 - len(bad) / len(hour_cons),
            np.nan,
            np.nan,
            len(recs),
        ]
        frame.loc["hourly targets", "target"] = "; ".join(t.label for t in tgt.hour)
        frame.loc["hourly targets", "meets"] = "yes" if not bad else "no: " + ", ".join(bad[:5])
        all_ok &= not bad
    return frame, bool(all_ok)


def _hourly_table(recs: Sequence[Mapping[str, Any]], scn: Scenario, conf: float) -> pd.DataFrame:
    keys = _hour_keys(scn)
    open_by_hour = _open_by_hour(scn)
    rows = []
    for key in keys:
        vals: dict[str, list[float]] = {
            k: [] for k in ("arrivals", "service_level", "abandonment_rate", "wait_mean_min")
        }
        for rec in recs:
            row = rec["hourly"].get(key)
            vals["arrivals"].append(row[0] if row else 0.0)
            for kpi in ("service_level", "abandonment_rate", "wait_mean_min"):
                vals[kpi].append(_hour_value(kpi, row))
        day_type, hour = key.split("|")
        out: dict[str, Any] = {"day_type": day_type, "hour": int(hour)}
        for kpi, v in vals.items():
            mean, lo, hi, _ = t_interval(np.array(v, dtype=float), conf)
            out[kpi] = mean
            if kpi != "arrivals":
                out[f"{kpi}_ci_low"] = lo
                out[f"{kpi}_ci_high"] = hi
        out.update(open_by_hour.get(key, {}))
        rows.append(out)
    return pd.DataFrame(rows)


def _open_by_hour(scn: Scenario) -> dict[str, dict[str, float]]:
    """Mean open windows per group in each clock hour (time-weighted)."""
    group_of = {w.id: w.group for w in scn.windows}
    groups = list(dict.fromkeys(group_of.values()))
    out: dict[str, dict[str, float]] = {}
    for key, blocks in scn.plans.items():
        for b in blocks:
            for hour in range(int(b.start // 60), math.ceil(b.end / 60)):
                lo, hi = max(b.start, hour * 60), min(b.end, hour * 60 + 60)
                if hi <= lo:
                    continue
                d = out.setdefault(f"{key}|{hour}", {f"open_{g}": 0.0 for g in groups})
                for wid, _ in b.assignments:
                    d[f"open_{group_of[wid]}"] += (hi - lo) / 60.0
    return out


def _time_label(m: float, with_day: bool, end: bool = False) -> str:
    """A plan time for people: ``HH:MM`` (to the minute), prefixed ``day N`` (day 1 first)
    when the plan runs past one day; an end on midnight reads ``24:00`` of its day."""
    day, minute = divmod(round(m), 1440)
    if end and minute == 0 and day > 0:
        day, minute = day - 1, 1440
    hhmm = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"day {day + 1} {hhmm}" if with_day else hhmm


def _plan_table(scn: Scenario) -> pd.DataFrame:
    """Day type x block: start and end as clock times, open windows per group, staff on
    duty in total and per role (``clerk: 3, expert: 1``)."""
    group_of = {w.id: w.group for w in scn.windows}
    groups = list(dict.fromkeys(group_of.values()))
    staff = {s.id: s for s in scn.staff}
    roles = list(dict.fromkeys(s.group for s in scn.staff))
    rows = []
    for key, blocks in scn.plans.items():
        with_day = any(b.end > 1440 for b in blocks)
        for b in blocks:
            row: dict[str, Any] = {
                "day_type": key,
                "start": _time_label(b.start, with_day),
                "end": _time_label(b.end, with_day, end=True),
            }
            for g in groups:
                row[f"open_{g}"] = sum(1 for w, _ in b.assignments if group_of[w] == g)
            row["staff_on_duty"] = len(b.assignments)
            on_duty = [staff[s].group for _, s in b.assignments]
            row["staff"] = ", ".join(f"{r}: {on_duty.count(r)}" for r in roles if r in on_duty)
            rows.append(row)
    return pd.DataFrame(rows)


def _robustness_candidates(final: Candidate, cost: CostModel, proc: Procedure) -> list[Candidate]:
    out = []
    cfg0 = final.config
    dem = cfg0.get("demand") or {}
    for g in proc.volume_growth:
        cfg = copy.deepcopy(cfg0)
        if dem.get("arrival_rate_per_hour") is not None:
            cfg["demand"]["arrival_rate_per_hour"] = float(dem["arrival_rate_per_hour"]) * (1 + g)
        else:
            cfg["centre"]["daily_volume"] = float(cfg["centre"]["daily_volume"]) * (1 + g)
        s = scenario_from_config(cfg, source=f"volume +{g:.0%}")
        out.append(
            Candidate(
                f"volume {g:+.0%}",
                {"volume_growth": g, "online_shift": 0.0},
                cfg,
                s,
                final.cost,
                final.cost_breakdown,
            )
        )
    if dem.get("arrival_rate_per_hour") is None:
        for sh in proc.online_shift:
            cfg = copy.deepcopy(cfg0)
            new = min(1.0, max(0.0, float(dem.get("online_shift", 0.0)) + sh))
            cfg["demand"]["online_shift"] = new
            s = scenario_from_config(cfg, source=f"online shift {new:.0%}")
            out.append(
                Candidate(
                    f"online shift {sh:+.0%}",
                    {"volume_growth": 0.0, "online_shift": sh},
                    cfg,
                    s,
                    final.cost,
                    final.cost_breakdown,
                )
            )
    return out


def _robustness_table(
    robust: list[Candidate],
    runner: _Runner,
    seed: int,
    proc: Procedure,
    tgt: Targets,
    cons: list[Constraint],
) -> pd.DataFrame:
    rows = []
    for c in robust:
        recs = runner.records(c, seed, proc.final_replications)
        s = _summary(recs)
        row: dict[str, Any] = {"case": c.name, **c.params}
        for kpi in (
            "arrivals",
            "service_level",
            "wait_mean_min",
            "abandonment_rate",
            "utilisation",
        ):
            if kpi in s.index:
                row[kpi] = s.loc[kpi, "mean"]
                row[f"{kpi}_ci_low"] = s.loc[kpi, "ci_low"]
                row[f"{kpi}_ci_high"] = s.loc[kpi, "ci_high"]
        misses = [con.label for con in cons if _meets(con, recs, tgt.confidence) < 0]
        row["meets_all_targets"] = not misses
        row["misses"] = ", ".join(misses[:6])
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- ISA


def _isa(
    cand: Candidate,
    tgt: Targets,
    proc: Procedure,
    seed: int,
    runner: _Runner,
    cost: CostModel,
    verify: tuple[int, int],
) -> tuple[_Plan, bool, list[dict[str, Any]]]:
    """Iterative staffing for the chosen layout, clock hour by clock hour.

    Returns the plan, whether it meets every target (within tolerance) on the
    verification replications ``verify = (seed, n)``, and a log of the steps."""
    scn = cand.scenario
    groups = _groups_in_order(scn)
    cap = {g: n for g, n, _ in groups}
    comp_groups = [g for g, _, is_c in groups if is_c]
    plan = _plan_from_scenario(scn)  # unsimulated day types keep the layout's own plan
    keys = sorted({k.split("|")[0] for k in _hour_keys(scn)})
    log: list[dict[str, Any]] = []
    for key in keys:
        h = scn.hours[key]
        edges = sorted(
            {
                h.open,
                h.close,
                *[60.0 * x for x in range(int(h.open // 60) + 1, math.ceil(h.close / 60))],
            }
        )
        blocks = list(itertools.pairwise(edges))
        lam = _arrival_rates(scn, key, blocks)
        plan.blocks[key] = blocks
        plan.counts[key] = [_allocate(_erlang_start(scn, tgt, x), groups) for x in lam]
        log.append(
            {
                "step": "erlang start",
                "day_type": key,
                "windows": [sum(c.values()) for c in plan.counts[key]],
                "arrivals_per_hour": [round(60 * x, 2) for x in lam],
            }
        )
    hour_cons = [Constraint(t, k) for t in tgt.hour for k in _hour_keys(scn)]
    day_cons = [Constraint(t) for t in tgt.day]
    n = proc.isa_replications
    conf = tgt.confidence

    def block_of(hour_key: str) -> tuple[str, int] | None:
        key, hour = hour_key.split("|")
        for j, (s, _) in enumerate(plan.blocks[key]):
            if int(s // 60) == int(hour):
                return key, j
        return None

    def evaluate(
        plans: list[_Plan], stage: str, at: tuple[int, int] = (seed, n)
    ) -> list[list[dict[str, Any]]]:
        cands = []
        for p in plans:
            cfg = _with_plan(cand.config, p)
            s = scenario_from_config(cfg, source="isa plan")
            cands.append(Candidate("isa", {}, cfg, s, 0.0, {}))
        runner.ensure([(c, at[0], at[1]) for c in cands], stage)
        return [runner.records(c, at[0], at[1]) for c in cands]

    def margins(recs: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
        hm = {c.hour_key or "": _meets(c, recs, conf) for c in hour_cons}
        dm = {c.label: _meets(c, recs, conf) for c in day_cons}
        return hm, dm

    def feasible(recs: list[dict[str, Any]]) -> float:
        """Smallest margin over every target (>= 0: all met within tolerance)."""
        hm, dm = margins(recs)
        return min([*hm.values(), *dm.values(), math.inf])

    def add_one(p: _Plan, key: str, j: int) -> bool:
        c = p.counts[key][j]
        for g, _, _ in groups:
            if c[g] < cap[g]:
                c[g] += 1
                return True
        return False

    def repair(p: _Plan, at: tuple[int, int], stage: str) -> bool:
        """Add windows where targets fail until all hold (True) or nothing can be added."""
        for it in range(proc.isa_max_iterations):
            recs = evaluate([p], stage, at)[0]
            hm, dm = margins(recs)
            bad_hours = [k for k, v in hm.items() if v < 0]
            bad_day = [k for k, v in dm.items() if v < 0]
            log.append(
                {
                    "step": f"{stage} {it + 1}",
                    "windows": {
                        k: [sum(c.values()) for c in v] for k, v in p.counts.items() if k in keys
                    },
                    "failing_hours": bad_hours,
                    "failing_day_targets": bad_day,
                }
            )
            if not bad_hours and not bad_day:
                return True
            changed = False
            for hk in bad_hours:
                b = block_of(hk)
                if b is not None:
                    changed |= add_one(p, *b)
            if bad_day and not changed:
                # The day misses a target: add where the hourly service level is lowest.
                for hk in sorted(_hour_keys(scn), key=lambda k: _hourly_sl(recs, k)):
                    b = block_of(hk)
                    if b is not None and add_one(p, *b):
                        changed = True
                        break
            if not changed:
                log.append({"step": "stop", "note": "installed windows all open; targets missed"})
                return False
        return False

    ok = repair(plan, (seed, n), "isa")
    if ok and proc.isa_trim:
        plan = _trim(plan, groups, comp_groups, evaluate, feasible, log, scn, cost)
    # Verification on fresh replications (the trim chose by the search replications);
    # where the plan now misses a target, windows go back in.
    verified = repair(plan, verify, "verify")
    return plan, verified, log


def _hourly_sl(recs: Sequence[Mapping[str, Any]], hour_key: str) -> float:
    vals = [_hour_value("service_level", r["hourly"].get(hour_key)) for r in recs]
    arr = np.array(vals, dtype=float)
    return float(np.nanmean(arr)) if np.isfinite(arr).any() else 1.0


def _trim(
    plan: _Plan,
    groups: list[tuple[str, int, bool]],
    comp_groups: list[str],
    evaluate: Callable[[list[_Plan], str], list[list[dict[str, Any]]]],
    feasible: Callable[[list[dict[str, Any]]], float],
    log: list[dict[str, Any]],
    scn: Scenario,
    cost: CostModel,
) -> _Plan:
    """Remove windows block by block while every target still holds."""
    keys = sorted({k.split("|")[0] for k in _hour_keys(scn)})
    for round_no in range(60):
        moves = []
        for key in keys:
            for j, c in enumerate(plan.counts[key]):
                for g, _, is_c in groups:
                    floor = 1 if (is_c and g == comp_groups[0]) else 0
                    if c[g] > floor:
                        moves.append((key, j, g))
        if not moves:
            break
        trials = []
        for key, j, g in moves:
            p = plan.copy()
            p.counts[key][j][g] -= 1
            trials.append(p)
        results = evaluate(trials, "isa trim")
        margin = [feasible(recs) for recs in results]
        good = sorted((i for i, v in enumerate(margin) if v >= 0), key=lambda i: -margin[i])
        if not good:
            break
        # Try all accepted removals at once (one per block), else the first alone.
        combined = plan.copy()
        used = set()
        for i in good:
            key, j, g = moves[i]
            if (key, j) in used:
                continue
            used.add((key, j))
            combined.counts[key][j][g] -= 1
        if len(used) > 1 and feasible(evaluate([combined], "isa trim")[0]) >= 0:
            plan = combined
            log.append({"step": f"trim {round_no + 1}", "removed": len(used)})
        else:
            key, j, g = moves[good[0]]
            plan = trials[good[0]]
            log.append(
                {"step": f"trim {round_no + 1}", "removed": 1, "where": f"{key} block {j} {g}"}
            )
    return plan


# --------------------------------------------------------------------------- outputs


def scenario_yaml(rec: Recommendation, source: str = "") -> str:
    """The recommended scenario as a standalone YAML file that ``load_scenario`` and
    ``svcsim --config-path DIR --config-name NAME`` run directly."""
    header = (
        "# Recommended by svcsim-recommend"
        + (f" for {source}" if source else "")
        + f".\n# {rec.statement}\n"
        "# Run it: load_scenario('<this file>') in Python, or\n"
        "#   svcsim --config-path <folder> --config-name recommended\n"
        "# Standalone: every key is resolved (no defaults list).\n"
    )
    body = yaml.safe_dump(_plain(rec.scenario_config), sort_keys=False, allow_unicode=True)
    return header + body


def write_outputs(
    rec: Recommendation, out_dir: Path, *, charts: bool = True, source: str = ""
) -> dict[str, Path]:
    """Write the tables (CSV), ``recommended.yaml``, ``recommendation.json`` and charts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    tables = {
        "options": rec.options,
        "staffing_plan": rec.staffing_plan,
        "kpis": rec.kpis,
        "hourly": rec.hourly,
        "runner_ups": rec.runner_ups,
        "pareto": rec.pareto,
        "robustness": rec.robustness,
    }
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=name == "kpis")
        files[name] = path
    files["scenario"] = out_dir / "recommended.yaml"
    files["scenario"].write_text(scenario_yaml(rec, source), encoding="utf-8")
    summary = {
        "option": rec.option,
        "meets_targets": rec.meets_targets,
        "statement": rec.statement,
        "layout": rec.layout,
        "skill_mix": rec.skill_mix,
        "lunch_open_share": rec.lunch_open_share,
        "cost_per_day": rec.cost_per_day,
        "cost_breakdown": rec.cost_breakdown,
        "targets": [t.label for t in rec.targets.all],
        "confidence": rec.targets.confidence,
        "stats": {k: v for k, v in rec.stats.items() if k != "comparison"},
        "isa_log": rec.isa_log,
    }
    files["summary"] = out_dir / "recommendation.json"
    files["summary"].write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    if charts:
        files.update(_write_charts(rec, out_dir, source))
    return files


def _write_charts(rec: Recommendation, out_dir: Path, source: str) -> dict[str, Path]:

    from simulator.present import charts
    from simulator.present.names import option_text
    from simulator.version import code_version

    footer = (
        f"Scenario: {source or 'recommendation'} | seed {rec.stats.get('seed')} | "
        f"{code_version()} | confidence {rec.targets.confidence:g}"
    )
    out: dict[str, Path] = {}
    sl_target = next(
        (t.value for t in rec.targets.day if t.kpi == "service_level" and t.sense == "min"),
        None,
    )
    sl = _at(rec.kpis, "service_level", "mean") if "service_level" in rec.kpis.index else math.nan
    # Plain words in titles; the option codes stay on the chart's point labels.
    title = (
        f"Recommended: {option_text(rec.option)}, with an hour-by-hour plan: {sl:.0%} of "
        f"arrivals served within the target wait at {rec.cost_per_day:,.0f} "
        f"{rec.cost_currency}/day"
        if rec.option
        else "No tested option meets every target"
    )
    fig = charts.cost_service_frontier(
        rec.pareto, recommended="recommended plan", target=sl_target, footer=footer, title=title
    )
    out["cost_service_frontier"] = charts.save_figure(
        fig, out_dir / "cost_service_frontier", formats=("png",)
    )[0]
    comparison = rec.stats.get("comparison") or {}
    kpis = [
        k
        for k in ("service_level", "wait_mean_min", "abandonment_rate", "utilisation")
        if all(k in s.index for s in comparison.values())
    ]
    if len(comparison) >= 2 and kpis:
        cur = comparison["current"]
        new = comparison["recommended plan"]
        title = (
            f"Recommended plan vs current layout: {_at(cur, 'service_level', 'mean'):.0%} -> "
            f"{_at(new, 'service_level', 'mean'):.0%} of arrivals served within the target "
            f"wait, mean wait "
            f"{_at(cur, 'wait_mean_min', 'mean'):.1f} -> "
            f"{_at(new, 'wait_mean_min', 'mean'):.1f} min"
        )
        fig = charts.kpi_comparison(
            comparison, kpis, baseline="current", footer=footer, title=title
        )
        out["kpi_comparison"] = charts.save_figure(
            fig, out_dir / "kpi_comparison", formats=("png",)
        )[0]
    return out
