"""Screening, sequential feasibility and selection among the options (stages 1, 2 and 4 of
:mod:`simulator.optimise.recommend`)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulator.analysis.stats import one_sided_bounds, t_interval
from simulator.config.scenario import Scenario
from simulator.optimise.config import (
    Procedure,
    Target,
    Targets,
)
from simulator.optimise.evaluate import Candidate, _Runner
from simulator.optimise.progress import Sizes
from simulator.optimise.stats import (
    FEASIBLE,
    INFEASIBLE,
    feasibility,
    h2_kim_nelson,
    kn_survivors,
)

__all__ = ["Constraint"]


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


@dataclass
class Search:
    """What the stages of one recommendation share: the targets and their constraints,
    the procedure, the root seed, the runner (executor and evaluation cache) and each
    option's state by option key (decision, reason, per-target decisions, replications
    used so far)."""

    tgt: Targets
    cons: list[Constraint]
    proc: Procedure
    seed: int
    runner: _Runner
    state: dict[str, dict[str, Any]] = field(default_factory=dict)


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


def _screen(
    search: Search,
    options: list[Candidate],
    screen_conf: float,
) -> dict[str, dict[str, Any]]:
    """Stage 1: ``n0`` replications of every option (common random numbers); an option
    whose one-sided bound at ``screen_conf`` misses a target is screened out."""
    cons, runner, seed = search.cons, search.runner, search.seed
    proc = search.proc
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
    return state


def _sequential(
    search: Search,
    options: list[Candidate],
    h2: float,
    sizes: Sizes,
) -> list[Candidate]:
    """Stage 2: sequential feasibility, cheapest first; updates ``state`` and returns the
    options by cost."""
    state, cons, runner = search.state, search.cons, search.runner
    seed, proc = search.seed, search.proc
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
    return by_cost


def _select(
    search: Search,
    feas: list[Candidate],
    prim: Constraint,
) -> tuple[Candidate | None, str]:
    """The cheapest feasible option; ties at that cost go to Kim-Nelson selection."""
    rec_cand: Candidate | None = None
    tie_note = ""
    if feas:
        cheapest = feas[0].cost
        ties = [c for c in feas if c.cost <= cheapest + 0.5]
        rec_cand = ties[0]
        if len(ties) > 1:
            rec_cand, tie_note = _kim_nelson(search, ties, prim)
    return rec_cand, tie_note


def _runner_up_rows(
    search: Search,
    rec_cand: Candidate | None,
    feas: list[Candidate],
    prim: Constraint,
) -> list[dict[str, Any]]:
    """The next feasible options (and tie losers), paired with the choice."""
    tgt, proc, seed = search.tgt, search.proc, search.seed
    runner, state = search.runner, search.state
    primary = prim.target
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
    return runner_rows


def _kim_nelson(
    search: Search,
    ties: list[Candidate],
    prim: Constraint,
) -> tuple[Candidate, str]:
    """Kim-Nelson among equal-cost feasible options on the headline KPI."""
    tgt, proc, seed = search.tgt, search.proc, search.seed
    runner, state = search.runner, search.state
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
    from simulator.present.names import zone_text

    zone = zone_text(prim.target.kpi, delta, ties[0].scenario.experiment.target_wait_min)
    if alive.sum() == 1:
        note = (
            f"Among {k} options of the same cost, a selection procedure (Kim-Nelson; "
            f"indifference zone: {zone}) kept only this one after {n} replications."
        )
    else:
        note = (
            f"{int(alive.sum())} options of the same cost remain within {zone} of each "
            f"other after {n} replications; the best mean is shown."
        )
    return ties[best], note
