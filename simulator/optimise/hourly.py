"""Hour by hour: iterative staffing (ISA) of the chosen layout, clock-hour block by block,
starting from Erlang A / Erlang C (stage 5 of :mod:`simulator.optimise.recommend`)."""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulator.config.scenario import Scenario, scenario_from_config
from simulator.optimise.config import (
    CostModel,
    Procedure,
    Targets,
)
from simulator.optimise.evaluate import Candidate, _Runner
from simulator.optimise.feasibility import Constraint, Search, _hour_keys, _hour_value, _meets
from simulator.optimise.options import _allocate, _groups_in_order, levels_cost

__all__ = ["mean_service"]


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


def mean_service(scn: Scenario) -> float:
    fam = {f.name: f.service.mean for f in scn.families}
    w = np.array([it.weight for it in scn.items], dtype=float)
    means = np.array([fam[it.family] for it in scn.items], dtype=float)
    return float((w * means).sum() / w.sum())


def _erlang_start(scn: Scenario, targets: Targets, lam: float) -> int:
    """Windows for a block from Erlang A (reneging on) or Erlang C, steady state."""
    from simulator.analysis import analytic

    if lam <= 0:
        return 0
    es = mean_service(scn)
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


def _final_config(
    search: Search,
    rec_cand: Candidate | None,
    options: list[Candidate],
    prim: Constraint,
    cost: CostModel,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Stage 3: the chosen layout with its hour-by-hour plan (when verified and not
    dearer), or, when no option is feasible, the option best on the headline KPI."""
    tgt, proc, seed = search.tgt, search.proc, search.seed
    runner, state = search.runner, search.state
    isa_log: list[dict[str, Any]] = []
    final_seed = seed + proc.final_seed_offset
    if rec_cand is not None:
        layout_plan = _plan_from_scenario(rec_cand.scenario)
        final_cfg = _with_plan(rec_cand.config, layout_plan)
        if proc.isa:
            isa_plan, verified, isa_log = _isa(
                rec_cand, tgt, proc, seed, runner, (final_seed, proc.final_replications)
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
    return final_cfg, isa_log


def _isa(
    cand: Candidate,
    tgt: Targets,
    proc: Procedure,
    seed: int,
    runner: _Runner,
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
        plan = _trim(plan, groups, comp_groups, evaluate, feasible, log, scn)
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
