"""Marginal allocation of a budget of windows and staff across many service centres.

This module holds the method, independent of where the centres come from (the city
adapter is :mod:`simulator.city.allocate`):

- :class:`AllocateSettings` and :func:`parse_allocate`: the ``allocate`` config section
  (budget, objective, moves, bounds, replications, screening), every problem named by
  its key (in :mod:`simulator.optimise.allocate_config`, imported here);
- objectives on a table of per-centre KPIs (:func:`objective_value`): the city-wide
  share served within the target wait, the number of centres meeting the day targets,
  the worst-decile p90 wait (equity), a weighted combination, and the shortfall form
  behind "every centre meets the targets at least cost";
- :func:`greedy`: give the next move (one more window with its staff member) where the
  estimated gain of the objective per unit of budget is largest, until the budget is
  spent or no affordable move gains anything; gains are estimated by simulation under
  common random numbers through an :class:`AllocationProblem`, which may declare moves
  hopeless (screening) so they are never simulated;
- :func:`brute_force`: the exact optimum over every allocation within the budget, with
  the same estimates (for tests);
- :func:`spread_allocation`: the comparison strategies (budget in proportion to volume,
  equal shares);
- :func:`paired_comparison`: strategies against the current allocation on the same
  replications, with paired t intervals.

Why greedy: for an objective that is a sum over centres of concave functions of each
centre's own number of units, with every unit costing the same, giving each unit to the
largest marginal gain is optimal (Gross 1956; Fox 1966; Ibaraki & Katoh 1988). The
city-wide share served within the target is such a sum (each centre's served-within
count over the city's residents) and is concave in the number of windows for an M/M/c
centre above its load (Dyer & Proll 1977 for the mean wait; the service level behaves
alike). The other objectives are not separable or not concave, and there greedy is a
well-understood heuristic; the constraint form works on the summed shortfall.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from simulator.analysis.stats import t_interval
from simulator.errors import ConfigError
from simulator.optimise.allocate_config import (
    BUDGET_UNITS,
    MOVE_KINDS,
    OBJECTIVES,
    AllocateSettings,
    InfeasibleTargetsError,
    parse_allocate,
)
from simulator.optimise.config import Targets

__all__ = [
    "BUDGET_UNITS",
    "MOVE_KINDS",
    "OBJECTIVES",
    "AllocateSettings",
    "AllocationProblem",
    "GreedyResult",
    "InfeasibleTargetsError",
    "Step",
    "brute_force",
    "centre_meets",
    "city_kpis",
    "greedy",
    "objective_value",
    "paired_comparison",
    "parse_allocate",
    "shortfall",
    "spread_allocation",
    "transfers",
]

# --------------------------------------------------------------------------- objectives

#: Per-centre KPIs an allocation evaluation keeps (means over replications or one
#: replication): residents, served within the target, and what the targets need.
TABLE_KPIS = (
    "arrivals",
    "guests",
    "served",
    "abandoned",
    "balked",
    "within",
    "service_level",
    "abandonment_rate",
    "wait_mean_min",
    "wait_p90_min",
    "utilisation",
)

Table = Mapping[str, np.ndarray]


def centre_meets(table: Table, targets: Targets) -> np.ndarray:
    """Per centre: every day target met by the values of ``table`` (point estimates)."""
    n = len(next(iter(table.values())))
    ok = np.ones(n, dtype=bool)
    for t in targets.day:
        x = np.asarray(table[t.kpi], dtype=float)
        with np.errstate(invalid="ignore"):
            ok &= (x >= t.value) if t.sense == "min" else (x <= t.value)
    return ok


def shortfall(table: Table, targets: Targets) -> np.ndarray:
    """Per centre: the summed distance to the day targets it misses, each in units of the
    target's tolerance (0 when every target is met)."""
    n = len(next(iter(table.values())))
    out = np.zeros(n)
    for t in targets.day:
        x = np.asarray(table[t.kpi], dtype=float)
        gap = (t.value - x) if t.sense == "min" else (x - t.value)
        scale = t.tolerance if t.tolerance > 0 else max(abs(t.value), 1e-9)
        out += np.where(np.isfinite(gap), np.maximum(gap, 0.0), 1e3) / scale
    return out


def _worst_mean(x: np.ndarray, share: float) -> float:
    x = np.asarray(x, dtype=float)
    x = np.where(np.isfinite(x), x, 0.0)
    k = max(1, math.ceil(share * x.size - 1e-9))
    return float(np.sort(x)[-k:].mean())


def city_kpis(table: Table, targets: Targets, worst_share: float = 0.1) -> dict[str, float]:
    """City-wide KPIs of a per-centre table (one replication, or means).

    ``share_within_target``: residents served within the target wait over the city's own
    residents (arrivals minus guests from other centres, so a diverted resident counts
    once); ``centres_meeting``: centres meeting every day target; ``worst_decile_p90_min``:
    mean p90 wait of the worst ``worst_share`` of centres; ``wait_mean_min`` over served
    residents; ``abandonment_rate`` (abandoned + balked) over own residents;
    ``total_shortfall``: summed :func:`shortfall`.
    """
    arr = np.asarray(table["arrivals"], dtype=float)
    own = arr - np.asarray(table["guests"], dtype=float)
    served = np.asarray(table["served"], dtype=float)
    left = np.asarray(table["abandoned"], dtype=float) + np.asarray(table["balked"], dtype=float)
    wait = np.nan_to_num(np.asarray(table["wait_mean_min"], dtype=float))
    total = float(own.sum())
    return {
        "share_within_target": float(np.asarray(table["within"]).sum()) / total if total else 0.0,
        "centres_meeting": float(centre_meets(table, targets).sum()),
        "centres_missing": float((~centre_meets(table, targets)).sum()),
        "worst_decile_p90_min": _worst_mean(table["wait_p90_min"], worst_share),
        "wait_mean_min": float((wait * served).sum() / served.sum()) if served.sum() else 0.0,
        "abandonment_rate": float(left.sum() / total) if total else 0.0,
        "total_shortfall": float(shortfall(table, targets).sum()),
    }


def objective_value(
    table: Table, settings: AllocateSettings, targets: Targets, target_wait_min: float
) -> float:
    """The objective to maximise for a per-centre table (see :class:`AllocateSettings`)."""
    obj = settings.objective
    n = len(next(iter(table.values())))
    if obj == "all_meet":
        return -float(shortfall(table, targets).sum())
    parts: dict[str, float] = {}
    want = [obj] if obj != "weighted" else [k for k, w in settings.weights.items() if w > 0]
    for k in want:
        if k == "served_within":
            own = np.asarray(table["arrivals"], dtype=float) - np.asarray(table["guests"])
            parts[k] = float(np.asarray(table["within"]).sum() / max(own.sum(), 1e-12))
        elif k == "centres_meeting":
            count = float(centre_meets(table, targets).sum())
            parts[k] = count / n if obj == "weighted" else count
        elif k == "worst_decile":
            w = _worst_mean(table["wait_p90_min"], settings.worst_share)
            parts[k] = -w / target_wait_min if obj == "weighted" else -w
    if obj == "weighted":
        return float(sum(settings.weights[k] * v for k, v in parts.items()))
    return parts[obj]


# --------------------------------------------------------------------------- problem


State = tuple[int, ...]


class AllocationProblem(Protocol):
    """What :func:`greedy` needs to know about the centres (see the city adapter)."""

    n: int
    kinds: tuple[str, ...]
    eligible: Sequence[int]

    def unit_of(self, c: int) -> int:
        """Index of the evaluation unit holding centre ``c``."""
        ...

    def members(self, u: int) -> Sequence[int]:
        """Centres of unit ``u`` (a centre alone, or a district with diversion on)."""
        ...

    def allowed(self, c: int, state: State) -> bool:
        """``state`` (moves per kind) fits centre ``c``'s counters and bounds."""
        ...

    def cost(self, c: int, state: State) -> float:
        """Budget used by ``state`` at centre ``c`` (0 for the current allocation)."""
        ...

    def hopeless(self, c: int, state: State) -> bool:
        """By the analytic screen, more windows at ``c`` in ``state`` gain nothing."""
        ...

    def ensure(self, wanted: Sequence[tuple[int, tuple[State, ...]]], stage: str) -> None:
        """Simulate every (unit, states of its members) not yet evaluated."""
        ...

    def means(self, u: int, states: tuple[State, ...]) -> dict[str, np.ndarray]:
        """Per member of ``u``: KPI means over the search replications."""
        ...


@dataclass(frozen=True)
class Step:
    """One greedy step: ``moves`` moves of ``kind`` to centre ``centre``."""

    step: int
    centre: int
    kind: str
    moves: int
    cost: float
    gain: float
    spent: float
    objective: float
    screened: int
    candidates: int
    donor: int = -1


@dataclass
class GreedyResult:
    states: list[State]
    steps: list[Step]
    spent: float
    objective: float
    objective_start: float
    stop: str
    screened_moves: int = 0


def _with(states: Sequence[State], c: int, s: State) -> list[State]:
    out = list(states)
    out[c] = s
    return out


def _unit_states(problem: AllocationProblem, states: Sequence[State], u: int) -> tuple[State, ...]:
    return tuple(states[m] for m in problem.members(u))


def full_table(problem: AllocationProblem, states: Sequence[State]) -> dict[str, np.ndarray]:
    """Per-centre KPI means of an allocation (every unit must be evaluated)."""
    cols = {k: np.zeros(problem.n) for k in TABLE_KPIS}
    for u in sorted({problem.unit_of(c) for c in range(problem.n)}):
        mem = list(problem.members(u))
        vals = problem.means(u, _unit_states(problem, states, u))
        for k in TABLE_KPIS:
            cols[k][mem] = vals[k]
    return cols


def _replace(
    table: Mapping[str, np.ndarray], problem: AllocationProblem, u: int, states: tuple[State, ...]
) -> dict[str, np.ndarray]:
    mem = list(problem.members(u))
    vals = problem.means(u, states)
    out = {}
    for k, v in table.items():
        col = v.copy()
        col[mem] = vals[k]
        out[k] = col
    return out


def _as_is(problem: AllocationProblem) -> tuple[list[State], dict[str, np.ndarray]]:
    """Every centre as it is (no move), evaluated: the states and the KPI table."""
    zero: State = tuple(0 for _ in problem.kinds)
    states: list[State] = [zero] * problem.n
    problem.ensure([(u, _unit_states(problem, states, u)) for u in _units(problem)], "current")
    return states, full_table(problem, states)


def greedy(
    problem: AllocationProblem,
    settings: AllocateSettings,
    targets: Targets,
    target_wait_min: float,
    budget: float | None,
    on_step: Callable[[Step], None] | None = None,
) -> GreedyResult:
    """Marginal allocation: repeatedly take the affordable move with the largest estimated
    gain of the objective per unit of budget.

    A move adds ``1..bundle`` (``centres_meeting``; else 1) units of one kind at one
    centre. Moves the screen declares hopeless count as a gain of 0 without simulation;
    for ``worst_decile`` a move at a centre outside the worst group gains 0 exactly and
    is not simulated either. Ties go to the lower centre index, then kind order, then
    fewer units, so the result is a function of the estimates alone. Stops when no
    affordable move gains more than ``min_gain`` (or, for ``all_meet``, when every
    centre meets the targets).
    """
    states, table = _as_is(problem)

    def obj(t: Mapping[str, np.ndarray]) -> float:
        return objective_value(t, settings, targets, target_wait_min)

    start = current = obj(table)
    spent = 0.0
    steps: list[Step] = []
    screened_total = 0
    bundle = settings.bundle if settings.objective in ("centres_meeting", "weighted") else 1
    eligible = list(problem.eligible)
    limit = math.inf if budget is None else float(budget)
    stop = "budget spent"
    while True:
        if settings.objective == "all_meet" and current >= 0.0:
            stop = "every centre meets the targets"
            break
        threshold = None
        if settings.objective == "worst_decile":
            p90 = np.where(np.isfinite(table["wait_p90_min"]), table["wait_p90_min"], 0.0)
            k = max(1, math.ceil(settings.worst_share * problem.n - 1e-9))
            threshold = float(np.sort(p90)[-k])
        cands: list[tuple[int, int, int, State, float]] = []
        screened = 0
        for c in eligible:
            alone = len(problem.members(problem.unit_of(c))) == 1
            if threshold is not None and alone and table["wait_p90_min"][c] < threshold:
                screened += 1
                continue
            if settings.objective == "all_meet" and alone:
                one = {k: v[c : c + 1] for k, v in table.items()}
                if shortfall(one, targets)[0] <= 0:
                    continue
            if settings.screen and problem.hopeless(c, states[c]):
                screened += 1
                continue
            base_cost = problem.cost(c, states[c])
            for j, _kind in enumerate(problem.kinds):
                for size in range(1, bundle + 1):
                    s2 = tuple(v + (size if i == j else 0) for i, v in enumerate(states[c]))
                    if not problem.allowed(c, s2):
                        break
                    dc = problem.cost(c, s2) - base_cost
                    if spent + dc > limit + 1e-9:
                        break
                    cands.append((c, j, size, s2, dc))
        screened_total += screened
        if not cands:
            stop = "no affordable move" if budget is not None else "no move left"
            break
        wanted = []
        for c, _j, _size, s2, _dc in cands:
            u = problem.unit_of(c)
            wanted.append((u, _unit_states(problem, _with(states, c, s2), u)))
        problem.ensure(wanted, f"step {len(steps) + 1}")
        best: tuple[float, float, int, int, int, State, float] | None = None
        for (c, j, size, s2, dc), (u, ust) in zip(cands, wanted, strict=True):
            gain = obj(_replace(table, problem, u, ust)) - current
            if not gain > settings.min_gain:
                continue
            ratio = gain / dc if dc > 0 else math.inf
            key = (ratio, -c, -j, -size)
            if best is None or key > (best[0], -best[2], -best[3], -best[4]):
                best = (ratio, gain, c, j, size, s2, dc)
        if best is None:
            stop = "no affordable move gains"
            break
        _, gain, c, j, size, s2, dc = best
        states[c] = s2
        u = problem.unit_of(c)
        table = _replace(table, problem, u, _unit_states(problem, states, u))
        current = obj(table)
        spent += dc
        step = Step(
            step=len(steps) + 1,
            centre=c,
            kind=problem.kinds[j],
            moves=size,
            cost=dc,
            gain=gain,
            spent=spent,
            objective=current,
            screened=screened,
            candidates=len(cands),
        )
        steps.append(step)
        if on_step is not None:
            on_step(step)
    return GreedyResult(
        states=states,
        steps=steps,
        spent=spent,
        objective=current,
        objective_start=start,
        stop=stop,
        screened_moves=screened_total,
    )


def transfers(
    problem: AllocationProblem,
    settings: AllocateSettings,
    targets: Targets,
    target_wait_min: float,
    groups: Sequence[int],
    max_transfers: int,
    on_step: Callable[[Step], None] | None = None,
) -> GreedyResult:
    """Zero-budget reallocation: repeatedly move one staffed comprehensive window (a
    window closed at the donor, its all-round staff member opening one at the recipient)
    between two eligible centres of the same group (district), choosing the pair with
    the largest estimated gain of the objective, until no pair gains more than
    ``min_gain`` or ``max_transfers`` moves are made. A centre is only a donor or only a
    recipient, so no move is undone. Requires ``comprehensive`` as the first move kind."""
    if not problem.kinds or problem.kinds[0] != "comprehensive":
        raise ConfigError(
            "allocate.transfers: needs 'comprehensive' as the first of allocate.moves"
        )
    states, table = _as_is(problem)

    def obj(t: Mapping[str, np.ndarray]) -> float:
        return objective_value(t, settings, targets, target_wait_min)

    def shifted(c: int, by: int) -> State:
        return (states[c][0] + by, *states[c][1:])

    start = current = obj(table)
    steps: list[Step] = []
    stop = "no transfer gains"
    eligible = list(problem.eligible)
    for _ in range(max_transfers):
        cands: list[tuple[int, int]] = []
        for g in dict.fromkeys(groups[c] for c in eligible):
            members = [c for c in eligible if groups[c] == g]
            donors = [
                d for d in members if states[d][0] <= 0 and problem.allowed(d, shifted(d, -1))
            ]
            recips = [r for r in members if states[r][0] >= 0 and problem.allowed(r, shifted(r, 1))]
            cands.extend((d, r) for d in donors for r in recips if d != r)
        if not cands:
            stop = "no transfer possible"
            break
        plans = []
        for d, r in cands:
            after = _with(_with(states, d, shifted(d, -1)), r, shifted(r, 1))
            units = dict.fromkeys((problem.unit_of(d), problem.unit_of(r)))
            plans.append([(u, _unit_states(problem, after, u)) for u in units])
        problem.ensure([w for plan in plans for w in plan], f"transfer {len(steps) + 1}")
        best: tuple[float, int, int, int] | None = None
        for (d, r), plan in zip(cands, plans, strict=True):
            t = table
            for u, ust in plan:
                t = _replace(t, problem, u, ust)
            gain = obj(t) - current
            if gain > settings.min_gain and (
                best is None or (gain, -d, -r) > (best[0], -best[1], -best[2])
            ):
                best = (gain, d, r, 0)
        if best is None:
            stop = "no transfer gains"
            break
        gain, d, r, _ = best
        states[d] = shifted(d, -1)
        states[r] = shifted(r, 1)
        for u in dict.fromkeys((problem.unit_of(d), problem.unit_of(r))):
            table = _replace(table, problem, u, _unit_states(problem, states, u))
        current = obj(table)
        step = Step(
            step=len(steps) + 1,
            centre=r,
            kind="transfer",
            moves=1,
            cost=0.0,
            gain=gain,
            spent=0.0,
            objective=current,
            screened=0,
            candidates=len(cands),
            donor=d,
        )
        steps.append(step)
        if on_step is not None:
            on_step(step)
    else:
        stop = "transfer limit reached"
    return GreedyResult(
        states=states, steps=steps, spent=0.0, objective=current, objective_start=start, stop=stop
    )


def _units(problem: AllocationProblem) -> list[int]:
    return sorted({problem.unit_of(c) for c in range(problem.n)})


def brute_force(
    problem: AllocationProblem,
    settings: AllocateSettings,
    targets: Targets,
    target_wait_min: float,
    budget: float,
) -> tuple[float, list[State]]:
    """The exact optimum: every allocation of the eligible centres within ``budget`` and
    the bounds, scored with the same estimates (every needed state is simulated with the
    search replications). Exponential: for small cities and budgets (tests)."""
    zero: State = tuple(0 for _ in problem.kinds)
    eligible = list(problem.eligible)
    per_centre: list[list[tuple[State, float]]] = []
    for c in eligible:
        opts = []
        ranges = [range(settings.max_per_centre + 1)] * len(problem.kinds)
        for s in itertools.product(*ranges):
            st: State = tuple(int(v) for v in s)
            if sum(st) > settings.max_per_centre or not problem.allowed(c, st):
                continue
            cost = problem.cost(c, st)
            if cost <= budget + 1e-9:
                opts.append((st, cost))
        per_centre.append(opts)
    allocations: list[list[State]] = []

    def rec(i: int, left: float, acc: list[State]) -> None:
        if i == len(eligible):
            allocations.append(list(acc))
            return
        for st, cost in per_centre[i]:
            if cost <= left + 1e-9:
                acc.append(st)
                rec(i + 1, left - cost, acc)
                acc.pop()

    rec(0, float(budget), [])
    full: list[list[State]] = []
    for alloc in allocations:
        states = [zero] * problem.n
        for c, st in zip(eligible, alloc, strict=True):
            states[c] = st
        full.append(states)
    wanted = {(u, _unit_states(problem, s, u)) for s in full for u in _units(problem)}
    problem.ensure(sorted(wanted), "brute force")
    best_val = -math.inf
    best: list[State] = full[0]
    for states in full:
        v = objective_value(full_table(problem, states), settings, targets, target_wait_min)
        if v > best_val + 1e-12:
            best_val, best = v, states
    return best_val, best


# --------------------------------------------------------------------------- baselines


def spread_allocation(
    problem: AllocationProblem,
    budget: float,
    weights: Sequence[float] | np.ndarray,
    kind: int = 0,
    spread_key: Sequence[int] | None = None,
) -> list[State]:
    """Spend ``budget`` on moves of one kind in proportion to ``weights`` (per centre;
    zero for centres that may not receive): repeatedly give a move to the eligible centre
    furthest below its share, within its bounds and the budget. Ties go to the centre
    whose ``spread_key`` (e.g. moves already in its district) is lowest, then the lower
    index."""
    zero: State = tuple(0 for _ in problem.kinds)
    states: list[State] = [zero] * problem.n
    w = np.zeros(problem.n)
    for c in problem.eligible:
        w[c] = max(0.0, float(weights[c]))
    if not w.sum() > 0:
        return states
    share = w / w.sum()
    given = np.zeros(problem.n)
    spent = 0.0
    closed: set[int] = set()
    group_count: dict[int, int] = {}
    while True:
        total = given.sum() + 1
        best = None
        for c in problem.eligible:
            if c in closed:
                continue
            s2 = tuple(v + (1 if i == kind else 0) for i, v in enumerate(states[c]))
            if not problem.allowed(c, s2):
                closed.add(c)
                continue
            dc = problem.cost(c, s2) - problem.cost(c, states[c])
            if spent + dc > budget + 1e-9:
                continue
            deficit = share[c] * total - given[c]
            g = group_count.get(int(spread_key[c]), 0) if spread_key is not None else 0
            key = (round(deficit, 12), -g, -c)
            if best is None or key > best[0]:
                best = (key, c, s2, dc)
        if best is None:
            break
        _, c, s2, dc = best
        states[c] = s2
        given[c] += 1
        spent += dc
        if spread_key is not None:
            group_count[int(spread_key[c])] = group_count.get(int(spread_key[c]), 0) + 1
    return states


# --------------------------------------------------------------------------- comparison


def paired_comparison(
    per_rep: Mapping[str, pd.DataFrame], baseline: str, level: float = 0.95
) -> pd.DataFrame:
    """Strategy x KPI: mean with a t interval across replications, and the paired
    difference with ``baseline`` (same replications, so the same residents) with its t
    interval. ``per_rep[strategy]`` has one row per replication and one column per KPI."""
    rows = []
    base = per_rep[baseline]
    for name, frame in per_rep.items():
        for kpi in frame.columns:
            x = frame[kpi].to_numpy(dtype=float)
            m, lo, hi, sd = t_interval(x, level)
            d = x - base[kpi].to_numpy(dtype=float)
            dm, dlo, dhi, _ = t_interval(d, level)
            if name == baseline:
                dm, dlo, dhi = 0.0, 0.0, 0.0
            rows.append(
                {
                    "strategy": name,
                    "kpi": kpi,
                    "mean": m,
                    "ci_low": lo,
                    "ci_high": hi,
                    "std": sd,
                    "n": int(np.isfinite(x).sum()),
                    "diff_vs_current": dm,
                    "diff_ci_low": dlo,
                    "diff_ci_high": dhi,
                }
            )
    return pd.DataFrame(rows)
