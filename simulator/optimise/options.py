"""Options and cost: every combination of the decision space becomes a scenario with a
deterministic cost per open day."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from simulator.config.scenario import Scenario, scenario_from_config
from simulator.errors import ConfigError
from simulator.optimise.config import (
    CostModel,
    SearchSpace,
    SkillMix,
)
from simulator.optimise.evaluate import Candidate

__all__ = ["levels_cost"]


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
        stf["staff"] = mix.roster(n_windows)
    return cfg


def _build_options(
    base: dict[str, Any], space: SearchSpace, cost: CostModel
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Every combination of the decision space as a scenario with its cost; the invalid
    ones (with the reason) apart."""
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
        cfg = _apply_option(base, counts, lunch, mix)
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
