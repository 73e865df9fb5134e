"""Where should the next windows and staff go? Allocation across the city's centres.

:func:`allocate` gives a budget (staff, staff-hours a day, or CNY a day through the cost
model of ``scenarios/cost/``) to the centres of a :class:`~simulator.city.build.City`,
one move at a time, where the estimated gain of the objective per unit of budget is
largest (the method is :mod:`simulator.optimise.allocate`; docs/allocate.md). This module
is the city side of it (the problem itself, moves, costs, screen and evaluation, is
:class:`~simulator.city.allocation_problem.CityAllocation`):

- a move at a centre edits a deep copy of the centre's config: one more window (a
  comprehensive window, a dedicated quick desk, or a comprehensive window staffed by an
  expert) and the staff member to open it, within the centre's counters and
  ``max_per_centre``;
- its cost in the budget's unit is read off the edited scenario (staff added; staffed
  window-hours per open day; the cost model's CNY per open day);
- the hour-by-hour Erlang screen (:func:`analytic_screen`) marks centres where another
  window cannot matter, so they are not simulated;
- evaluations run through :mod:`simulator.run.executor` (serial, local processes or Dask)
  and are stored in ``evaluations.jsonl`` as they finish: a killed run resumes from it.
  Each centre keeps its own seed (:func:`simulator.city.build.centre_seed`), so every
  allocation of a centre is simulated with the same residents (common random numbers),
  and an evaluation is a pure function of (scenarios, seed, replication).
- with city-wide handling (全市通办 diversion) on, the centres of a district share one
  simulation, so a district is evaluated as a whole for every move inside it.

Finally the allocation found, the current allocation, the same budget spread in
proportion to volume, and equal shares per centre are simulated on fresh replications
and compared with paired confidence intervals.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.analysis.stats import t_interval
from simulator.city.allocation_problem import (
    CityAllocation,
    UnitRunner,
    analytic_screen,
    evaluate_unit,
)
from simulator.city.build import City
from simulator.engine.district import Diversion
from simulator.errors import ConfigError
from simulator.optimise.allocate import (
    TABLE_KPIS,
    AllocateSettings,
    GreedyResult,
    InfeasibleTargetsError,
    State,
    Step,
    centre_meets,
    city_kpis,
    greedy,
    objective_value,
    paired_comparison,
    parse_allocate,
    shortfall,
    spread_allocation,
    transfers,
)
from simulator.optimise.config import (
    CostModel,
    Targets,
    bundled_group,
    parse_cost,
    parse_targets,
)
from simulator.optimise.evaluate import EvaluationStore
from simulator.run.executor import get_executor
from simulator.version import package_version

__all__ = [
    "Allocation",
    "CityAllocation",
    "allocate",
    "allocation_problem",
    "analytic_screen",
    "evaluate_unit",
]

STRATEGIES = ("current", "allocation", "proportional", "equal")
STRATEGY_LABELS = {
    "current": "current allocation",
    "allocation": "marginal allocation",
    "proportional": "in proportion to volume",
    "equal": "equal shares",
}


# --------------------------------------------------------------------------- result


@dataclass
class Allocation:
    """What :func:`allocate` returns.

    Attributes
    ----------
    allocation
        Per centre: district, daily volume, counters, windows and staff before and
        after, moves by kind, cost per day before and after (CNY), budget used, and the
        final-evaluation p90 wait, share served within target and whether the day
        targets are met, before and after.
    districts
        Per district: centres, windows and staff before and after, budget used, centres
        missing the targets before and after, share served within target before and
        after.
    comparison
        Strategy x KPI: mean, t interval, paired difference with the current
        allocation (same residents) and its interval.
    steps
        The greedy trace: centre, kind, moves, cost, gain, budget spent, objective.
    strategies
        The moves per centre of each compared strategy.
    summary
        Headline, settings, budget, spent, stop reason, evaluations run / reused,
        screened moves, wall time.
    """

    allocation: pd.DataFrame
    districts: pd.DataFrame
    comparison: pd.DataFrame
    steps: pd.DataFrame
    strategies: pd.DataFrame
    summary: dict[str, Any]
    targets: Targets

    @property
    def headline(self) -> str:
        return str(self.summary["headline"])


def _district_zh() -> dict[str, str]:
    from simulator.city.data import load_districts

    try:
        table = load_districts()
    except (ConfigError, OSError):  # pragma: no cover - the packaged table is always there
        return {}
    return dict(zip(table["district"].astype(str), table["district_zh"].astype(str), strict=True))


def _state_frame(problem: CityAllocation, states: Mapping[str, Sequence[State]]) -> pd.DataFrame:
    rows = []
    for name, sts in states.items():
        for c, st in enumerate(sts):
            row: dict[str, Any] = {"strategy": name, "centre_id": problem.ids[c]}
            for kind, v in zip(problem.kinds, st, strict=True):
                row[kind] = int(v)
            row["budget_used"] = problem.cost(c, st)
            rows.append(row)
    return pd.DataFrame(rows)


def _fmt_amount(x: float, unit: str) -> str:
    if unit == "staff":
        return f"{x:,.0f} more staff"
    if unit == "staff_hours":
        return f"{x:,.0f} more staff-hours a day"
    return f"{x:,.0f} CNY a day more"


def _headline(
    spent: float,
    unit: str,
    before: int,
    after: int,
    n: int,
    share_b: float,
    share_a: float,
    transfers: bool = False,
) -> str:
    if transfers:
        verb = "fall" if after < before else ("stay" if after == before else "rise")
        num = f"from {before} to {after}" if after != before else f"at {before}"
        if spent == 0:
            return (
                f"No move of staff within a district helps; {before} of {n} centres miss "
                "the targets"
            )
        return (
            f"Moving {spent:,.0f} staff between centres of the same district, the centres "
            f"missing the targets {verb} {num} (of {n})"
        )
    what = _fmt_amount(spent, unit)
    if before == 0:
        return (
            f"Every one of the {n} centres already meets the targets; with {what}, the share "
            f"served within the target wait goes from {share_b:.1%} to {share_a:.1%}"
        )
    verb = "fall" if after < before else ("stay" if after == before else "rise")
    num = f"from {before} to {after}" if after != before else f"at {before}"
    return f"With {what}, the centres missing the targets {verb} {num} (of {n})"


# --------------------------------------------------------------------------- allocate


def _resolve_settings(
    settings: AllocateSettings | Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> AllocateSettings:
    s = settings if isinstance(settings, AllocateSettings) else parse_allocate(settings)
    if overrides:
        fields = {f.name for f in dataclasses.fields(AllocateSettings)}
        unknown = [k for k in overrides if k not in fields]
        if unknown:
            raise ConfigError(f"allocate(): unknown argument(s) {unknown}; known: {sorted(fields)}")
        s = dataclasses.replace(s, **overrides)
        if s.budget is not None and s.budget < 0:
            raise ConfigError(
                f"allocate.budget.amount: a budget cannot be negative, got {s.budget!r} "
                f"{s.unit_label}"
            )
        if isinstance(s.moves, str):
            s = dataclasses.replace(s, moves=(s.moves,))
    return s


def allocate(
    city: City,
    settings: AllocateSettings | Mapping[str, Any] | None = None,
    *,
    targets: Targets | Mapping[str, Any] | None = None,
    cost: CostModel | Mapping[str, Any] | None = None,
    diversion: Diversion | None = None,
    seed: int = 20261128,
    executor: Any = None,
    workers: int = 1,
    cache: str | Path | None = None,
    trust_cache: bool = False,
    progress: bool = False,
    on_evaluation: Callable[[dict[str, Any]], None] | None = None,
    on_step: Callable[[Step], None] | None = None,
    **overrides: Any,
) -> Allocation:
    """Allocate extra windows and staff across the centres of ``city``.

    Parameters
    ----------
    city
        From :func:`simulator.city.build.build_city` (a short calendar, e.g. two weeks,
        keeps the search fast; the allocation is judged on that period).
    settings
        :class:`~simulator.optimise.allocate.AllocateSettings` or the ``allocate`` config
        mapping; keyword ``overrides`` replace single fields (``budget=60``,
        ``objective="worst_decile"``, ``moves=("comprehensive", "dedicated")``).
    targets, cost
        Day targets and cost model (default: the city's base scenario's, else the bundled
        defaults).
    diversion
        City-wide handling (全市通办): the centres of a district are evaluated together.
    seed
        Root seed of the search (``settings.seed`` wins when set); the final comparison
        uses ``seed + verify_seed_offset``.
    executor, workers
        Where replications run (:func:`simulator.run.executor.get_executor`: ``None`` with
        ``workers`` local processes, an Executor, a ``distributed.Client`` or an address).
    cache
        JSON-lines file of evaluations; rerunning with the same file simulates only what
        is missing (resume after an interruption).

    Raises
    ------
    ConfigError
        Negative budget, budget below one move, unknown centre.
    InfeasibleTargetsError
        ``objective='all_meet'``: some centre cannot meet the targets within its bounds,
        or the budget falls short of what meeting them everywhere costs (the message says
        by how much).
    """
    t0 = time.perf_counter()
    s, tg, cm, root = _problem_settings(city, settings, overrides, targets, cost, seed)
    ex = get_executor(executor, workers)
    owned = executor is None
    code = package_version()
    store = EvaluationStore(Path(cache) if cache else None, code, trust_cache)
    reused0 = store.loaded
    runner = UnitRunner(ex, store, progress, on_evaluation)
    try:
        problem = CityAllocation(city, s, tg, cm, diversion, runner, root)
        t1 = time.perf_counter()
        result = _search(problem, s, tg, on_step)
        searched = runner.run_count
        t2 = time.perf_counter()
        out = _verify_and_report(problem, s, tg, result)
        t3 = time.perf_counter()
    finally:
        store.close()
        if owned:
            ex.close()
    out.summary.update(
        {
            "evaluations_run": runner.run_count,
            "evaluations_search": searched,
            "search_s": t2 - t1,
            "verify_s": t3 - t2,
            "evaluations_in_cache": reused0,
            "wall_s": time.perf_counter() - t0,
            "backend": repr(ex),
            "workers": int(getattr(ex, "workers", 1)),
            "seed": root,
            "code_version": code,
        }
    )
    return out


def allocation_problem(
    city: City,
    settings: AllocateSettings | Mapping[str, Any] | None = None,
    *,
    targets: Targets | Mapping[str, Any] | None = None,
    cost: CostModel | Mapping[str, Any] | None = None,
    diversion: Diversion | None = None,
    seed: int = 20261128,
    executor: Any = None,
    workers: int = 1,
    **overrides: Any,
) -> CityAllocation:
    """The allocation problem of ``city`` with an in-memory store, for studying the method
    step by step (:func:`simulator.optimise.allocate.greedy`, ``brute_force``).

    The arguments are those of :func:`allocate` (described there), without its cache,
    progress and callbacks.
    """
    s, tg, cm, root = _problem_settings(city, settings, overrides, targets, cost, seed)
    runner = UnitRunner(get_executor(executor, workers), EvaluationStore(None, ""), False, None)
    return CityAllocation(city, s, tg, cm, diversion, runner, root)


def _problem_settings(
    city: City,
    settings: AllocateSettings | Mapping[str, Any] | None,
    overrides: Mapping[str, Any],
    targets: Targets | Mapping[str, Any] | None,
    cost: CostModel | Mapping[str, Any] | None,
    seed: int,
) -> tuple[AllocateSettings, Targets, CostModel, int]:
    """The settings, targets, cost model and root seed of an allocation of ``city``
    (``settings.seed`` wins over ``seed``); unknown centres are a ConfigError."""
    s = _resolve_settings(settings, overrides)
    tg, cm = _targets_cost(city, targets, cost)
    if s.centres is not None:
        ids = city.centre_ids
        known = set(ids)
        unknown = [c for c in s.centres if c not in known]
        if unknown:
            raise ConfigError(
                f"allocate.centres: unknown centre(s) {unknown}; this run has {len(ids)} "
                f"centres, e.g. {ids[:5]}"
            )
    return s, tg, cm, int(s.seed if s.seed is not None else seed)


def _targets_cost(
    city: City,
    targets: Targets | Mapping[str, Any] | None,
    cost: CostModel | Mapping[str, Any] | None,
) -> tuple[Targets, CostModel]:
    base = city.base
    tg = (
        targets
        if isinstance(targets, Targets)
        else parse_targets(
            targets if targets is not None else (base.get("targets") or bundled_group("targets"))
        )
    )
    cm = (
        cost
        if isinstance(cost, CostModel)
        else parse_cost(cost if cost is not None else (base.get("cost") or bundled_group("cost")))
    )
    return tg, cm


def _cheapest_move(problem: CityAllocation) -> tuple[float, str]:
    best = (math.inf, "")
    for c in problem.eligible:
        for j, kind in enumerate(problem.kinds):
            st = tuple(1 if i == j else 0 for i in range(len(problem.kinds)))
            if problem.allowed(c, st):
                dc = problem.cost(c, st)
                if dc < best[0]:
                    best = (dc, f"a {kind} window with its staff member at {problem.ids[c]}")
    return best


def _search(
    problem: CityAllocation,
    s: AllocateSettings,
    tg: Targets,
    on_step: Callable[[Step], None] | None,
) -> GreedyResult:
    unit = s.unit_label
    if s.transfers:
        order = list(dict.fromkeys(problem.districts))
        groups = [order.index(d) for d in problem.districts]
        return transfers(problem, s, tg, problem.target_wait, groups, s.max_transfers, on_step)
    cheapest, what = _cheapest_move(problem)
    if not math.isfinite(cheapest):
        raise ConfigError(
            "allocate: no centre can take another window (every eligible centre is at its "
            "counters or at allocate.max_per_centre)"
        )
    if s.objective != "all_meet":
        assert s.budget is not None
        if s.budget < cheapest - 1e-9:
            raise ConfigError(
                f"allocate.budget.amount: {s.budget:g} {unit} is below one move; the "
                f"cheapest move costs {cheapest:g} {unit} ({what})"
            )
        return greedy(problem, s, tg, problem.target_wait, s.budget, on_step)
    # Constraint form: the least cost at which every centre meets the day targets.
    res = greedy(problem, s, tg, problem.target_wait, None, on_step)
    table = _table(problem, res.states)
    missing = ~centre_meets(table, tg)
    if missing.any():
        names = [f"{problem.ids[c]} ({problem.districts[c]})" for c in np.flatnonzero(missing)]
        sf = shortfall(table, tg)
        worst = int(np.argmax(sf))
        detail = ", ".join(
            f"{t.kpi} {table[t.kpi][worst]:.3g} vs {'>=' if t.sense == 'min' else '<='} {t.value:g}"
            for t in tg.day
        )
        raise InfeasibleTargetsError(
            f"allocate: no allocation within the bounds meets the targets at {len(names)} "
            f"centre(s) {names[:8]}{' ...' if len(names) > 8 else ''}: even with every "
            f"allowed window ({s.max_per_centre} per centre at most, within the counters) "
            f"{problem.ids[worst]} reaches {detail}. Meeting the targets at the others needs "
            f"{res.spent:g} {unit}; no budget is enough for all: raise "
            "allocate.max_per_centre, the centres' counters, or lower the targets",
            needed=math.inf,
            budget=s.budget,
            unit=s.budget_unit,
            failing=names,
        )
    if s.budget is not None and res.spent > s.budget + 1e-9:
        raise InfeasibleTargetsError(
            f"allocate: every centre meets the targets only with {res.spent:g} {unit}; the "
            f"budget of {s.budget:g} {unit} falls short by {res.spent - s.budget:g} {unit} "
            f"({int(missing.size)} centres, {len(res.steps)} moves needed)",
            needed=res.spent,
            budget=s.budget,
            unit=s.budget_unit,
            failing=[],
        )
    return res


def _table(
    problem: CityAllocation, states: Sequence[State], verify: bool = False
) -> dict[str, np.ndarray]:
    cols = {k: np.zeros(problem.n) for k in TABLE_KPIS}
    for u in problem.units:
        mem = list(problem.members(u))
        vals = problem.means(u, tuple(states[m] for m in mem), verify)
        for k in TABLE_KPIS:
            cols[k][mem] = vals[k]
    return cols


def _rep_cols(
    problem: CityAllocation, states: Sequence[State], s: AllocateSettings
) -> dict[str, np.ndarray]:
    """Per KPI: final replications x centres."""
    n = s.verify_replications
    cols = {k: np.zeros((n, problem.n)) for k in TABLE_KPIS}
    for u in problem.units:
        mem = list(problem.members(u))
        reps = problem.replications(u, tuple(states[m] for m in mem), verify=True)
        for k in TABLE_KPIS:
            cols[k][:, mem] = reps[k]
    return cols


def _district_shares(
    problem: CityAllocation, before: Sequence[State], after: Sequence[State], s: AllocateSettings
) -> pd.DataFrame:
    """Per district: share of its residents served within the target wait before and after
    with t intervals across the final replications, and the paired difference."""
    b, a = _rep_cols(problem, before, s), _rep_cols(problem, after, s)
    rows = []
    for d in dict.fromkeys(problem.districts):
        idx = [c for c in range(problem.n) if problem.districts[c] == d]

        def share(cols: dict[str, np.ndarray], idx: list[int] = idx) -> np.ndarray:
            own = (cols["arrivals"][:, idx] - cols["guests"][:, idx]).sum(axis=1)
            return cols["within"][:, idx].sum(axis=1) / np.maximum(own, 1e-12)

        sb, sa = share(b), share(a)
        row: dict[str, Any] = {"district": d}
        for name, x in (("before", sb), ("after", sa), ("diff", sa - sb)):
            _, lo, hi, _ = t_interval(x)
            row[f"share_within_{name}_ci_low"] = lo
            row[f"share_within_{name}_ci_high"] = hi
        row["share_within_diff"] = float((sa - sb).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def _per_rep(
    problem: CityAllocation, states: Sequence[State], s: AllocateSettings, tg: Targets
) -> pd.DataFrame:
    n = s.verify_replications
    cols = _rep_cols(problem, states, s)
    rows = []
    for r in range(n):
        t = {k: v[r] for k, v in cols.items()}
        row = city_kpis(t, tg, s.worst_share)
        row["objective"] = objective_value(t, s, tg, problem.target_wait)
        rows.append(row)
    return pd.DataFrame(rows)


def _verify_and_report(
    problem: CityAllocation, s: AllocateSettings, tg: Targets, res: GreedyResult
) -> Allocation:
    zero: State = tuple(0 for _ in problem.kinds)
    spend = res.spent if s.objective == "all_meet" else float(s.budget or 0.0)
    volume = problem.city.centres["daily_volume"].to_numpy(dtype=float)
    order = list(dict.fromkeys(problem.districts))
    dkey = [order.index(d) for d in problem.districts]
    strategies: dict[str, list[State]] = {
        "current": [zero] * problem.n,
        "allocation": list(res.states),
    }
    if not s.transfers:  # the rules of thumb spend a budget; transfers have none
        strategies["proportional"] = spread_allocation(problem, spend, volume, 0, dkey)
        strategies["equal"] = spread_allocation(problem, spend, np.ones(problem.n), 0, dkey)
    wanted = [
        (u, tuple(sts[m] for m in problem.members(u)))
        for sts in strategies.values()
        for u in problem.units
    ]
    problem.ensure(wanted, "verification", verify=True)
    per_rep = {name: _per_rep(problem, sts, s, tg) for name, sts in strategies.items()}
    comparison = paired_comparison(per_rep, "current")
    labels = dict(STRATEGY_LABELS)
    if s.transfers:
        labels["allocation"] = "transfers within districts"
    comparison.insert(1, "label", comparison["strategy"].map(labels))
    spent_by = {
        name: float(sum(problem.cost(c, st) for c, st in enumerate(sts)))
        for name, sts in strategies.items()
    }
    comparison["budget_used"] = comparison["strategy"].map(spent_by)

    before = _table(problem, strategies["current"], verify=True)
    after = _table(problem, res.states, verify=True)
    meets_b = centre_meets(before, tg)
    meets_a = centre_meets(after, tg)
    cen = problem.city.centres
    rows = []
    for c in range(problem.n):
        st = res.states[c]
        cb = problem.costs(c, zero)
        ca = problem.costs(c, st)
        row: dict[str, Any] = {
            "centre_id": problem.ids[c],
            "district": problem.districts[c],
            "daily_volume": float(cen["daily_volume"].iloc[c]),
            "counters": problem._counters[c],
            "windows_before": problem._windows[c],
            "windows_after": problem._windows[c] + sum(st),
            "staff_before": round(cb["staff"]),
            "staff_after": round(ca["staff"]),
        }
        for kind, v in zip(problem.kinds, st, strict=True):
            row[f"added_{kind}"] = int(v)
        row.update(
            {
                "cost_cny_before": cb["cny"],
                "cost_cny_after": ca["cny"],
                "budget_used": problem.cost(c, st),
                "wait_p90_before": float(before["wait_p90_min"][c]),
                "wait_p90_after": float(after["wait_p90_min"][c]),
                "service_level_before": float(before["service_level"][c]),
                "service_level_after": float(after["service_level"][c]),
                "meets_before": bool(meets_b[c]),
                "meets_after": bool(meets_a[c]),
            }
        )
        rows.append(row)
    alloc = pd.DataFrame(rows)
    alloc.insert(2, "district_zh", alloc["district"].map(_district_zh()).fillna(""))
    alloc["moved_in"] = [max(0, sum(st)) if s.transfers else 0 for st in res.states]
    alloc["within_before"] = before["within"]
    alloc["within_after"] = after["within"]
    alloc["own_before"] = before["arrivals"] - before["guests"]
    alloc["own_after"] = after["arrivals"] - after["guests"]
    g = alloc.groupby("district", sort=False)
    districts = g.agg(
        district_zh=("district_zh", "first"),
        centres=("centre_id", "size"),
        windows_before=("windows_before", "sum"),
        windows_after=("windows_after", "sum"),
        staff_before=("staff_before", "sum"),
        staff_after=("staff_after", "sum"),
        budget_used=("budget_used", "sum"),
        staff_moved_in=("moved_in", "sum"),
        missing_before=("meets_before", lambda x: int((~x.astype(bool)).sum())),
        missing_after=("meets_after", lambda x: int((~x.astype(bool)).sum())),
        worst_p90_before=("wait_p90_before", "max"),
        worst_p90_after=("wait_p90_after", "max"),
        within_before=("within_before", "sum"),
        within_after=("within_after", "sum"),
        own_before=("own_before", "sum"),
        own_after=("own_after", "sum"),
    ).reset_index()
    districts["share_within_before"] = districts["within_before"] / districts["own_before"]
    districts["share_within_after"] = districts["within_after"] / districts["own_after"]
    districts = districts.drop(columns=["within_before", "within_after", "own_before", "own_after"])
    districts = districts.merge(
        _district_shares(problem, strategies["current"], res.states, s), on="district", how="left"
    )
    alloc = alloc.drop(
        columns=["within_before", "within_after", "own_before", "own_after", "moved_in"]
    )

    steps = pd.DataFrame([dataclasses.asdict(st) for st in res.steps])
    if not steps.empty:
        steps.insert(2, "centre_id", [problem.ids[c] for c in steps["centre"]])
        steps.insert(3, "district", [problem.districts[c] for c in steps["centre"]])
        if s.transfers:
            steps.insert(4, "from_centre_id", [problem.ids[c] for c in steps["donor"]])
        steps = steps.drop(columns=["centre", "donor"])
    cb_all = city_kpis(before, tg, s.worst_share)
    ca_all = city_kpis(after, tg, s.worst_share)
    moved = int(sum(max(0, st[0]) for st in res.states)) if s.transfers else 0
    headline = _headline(
        float(moved) if s.transfers else res.spent,
        s.budget_unit,
        int((~meets_b).sum()),
        int((~meets_a).sum()),
        problem.n,
        cb_all["share_within_target"],
        ca_all["share_within_target"],
        transfers=s.transfers,
    )
    summary: dict[str, Any] = {
        "headline": headline,
        "objective": s.objective,
        "budget": s.budget,
        "budget_unit": s.budget_unit,
        "spent": res.spent,
        "left": None if s.budget is None else float(s.budget - res.spent),
        "stop": res.stop,
        "moves": int(sum(sum(max(0, v) for v in st) for st in res.states)),
        "centres_receiving": int(sum(1 for st in res.states if sum(st) > 0)),
        "transfers": bool(s.transfers),
        "staff_moved": moved,
        "centres": problem.n,
        "districts": len(order),
        "objective_search_before": res.objective_start,
        "objective_search_after": res.objective,
        "centres_missing_before": int((~meets_b).sum()),
        "centres_missing_after": int((~meets_a).sum()),
        "city_before": cb_all,
        "city_after": ca_all,
        "screened_moves": res.screened_moves,
        "settings": {
            k: (list(v) if isinstance(v, tuple) else (dict(v) if isinstance(v, Mapping) else v))
            for k, v in dataclasses.asdict(s).items()
        },
        "targets": [t.label for t in tg.day],
        "target_wait_min": problem.target_wait,
        "diversion": problem.diversion is not None,
        "days": problem.city.days,
        "start_date": problem.city.start_date.isoformat(),
        "source": problem.city.source,
    }
    return Allocation(
        allocation=alloc,
        districts=districts,
        comparison=comparison,
        steps=steps,
        strategies=_state_frame(problem, strategies),
        summary=summary,
        targets=tg,
    )


# --------------------------------------------------------------------------- outputs


def write_outputs(res: Allocation, out_dir: Path, charts: bool = True) -> dict[str, Path]:
    """Write ``allocation.csv``, ``districts.csv``, ``comparison.csv``, ``steps.csv``,
    ``strategies.csv``, ``allocation.json`` and (``charts``) the two PNG charts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, frame in (
        ("allocation", res.allocation),
        ("districts", res.districts),
        ("comparison", res.comparison),
        ("steps", res.steps),
        ("strategies", res.strategies),
    ):
        paths[name] = out_dir / f"{name}.csv"
        frame.to_csv(paths[name], index=False)
    paths["summary"] = out_dir / "allocation.json"
    paths["summary"].write_text(json.dumps(res.summary, indent=2, default=str), encoding="utf-8")
    if charts:
        from simulator.present import allocation as charts_mod

        sl = [t.value for t in res.targets.day if t.kpi == "service_level" and t.sense == "min"]
        paths.update(
            charts_mod.write_allocation_charts(
                res.allocation,
                res.districts,
                res.summary,
                out_dir,
                res.comparison,
                service_level_target=sl[0] if sl else 0.9,
            )
        )
    return paths
