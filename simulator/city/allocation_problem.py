"""The city as an allocation problem (:class:`CityAllocation`, the
:class:`~simulator.optimise.allocate.AllocationProblem` of :mod:`simulator.city.allocate`).

A move at a centre edits a deep copy of the centre's config (one more window of a kind
and the staff member to open it); its cost is read off the edited scenario; the
hour-by-hour Erlang screen (:func:`analytic_screen`) marks moves that cannot matter;
evaluations (:func:`evaluate_unit`: one centre, or a district's centres together with
city-wide handling on) run through one executor and are stored as they finish
(:class:`UnitRunner`).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from simulator.city.build import City, centre_seed
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.engine.district import Diversion
from simulator.errors import ConfigError
from simulator.optimise.allocate import TABLE_KPIS, AllocateSettings, State
from simulator.optimise.config import CostModel, Targets
from simulator.optimise.evaluate import StoreRunner, plain
from simulator.optimise.hourly import mean_service
from simulator.optimise.options import levels_cost
from simulator.run.runner import run_district_replication, run_replication
from simulator.run.sweep import config_hash

__all__ = ["KIND_GROUP", "CityAllocation", "UnitRunner", "analytic_screen", "evaluate_unit"]

#: The window group a move of each kind adds a window to.
KIND_GROUP = {
    "comprehensive": "comprehensive",
    "dedicated": "quick_desk",
    "expert": "comprehensive",
}


# --------------------------------------------------------------------------- evaluation


def _reduce(kpis: Mapping[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for k in TABLE_KPIS:
        if k == "within":
            v = float(kpis.get("service_level", 0.0)) * float(kpis.get("arrivals", 0.0))
        else:
            v = float(kpis.get(k, 0.0))
        out[k] = v if math.isfinite(v) else 0.0
    return out


def evaluate_unit(
    scenarios: Sequence[Scenario],
    root_seed: int,
    replications: Sequence[int],
    diversion: Diversion | None,
) -> list[tuple[int, list[dict[str, float]]]]:
    """Simulate ``replications`` of a unit (one centre, or a district's centres sharing one
    simulation when ``diversion`` is on) and reduce each centre to the allocation KPIs.
    A pure function of its arguments; centre ``c`` uses ``centre_seed(root_seed, c)``."""
    out = []
    for r in replications:
        if diversion is not None and diversion.enabled:
            seeds = [centre_seed(root_seed, s.centre_id) for s in scenarios]
            krs = run_district_replication(list(scenarios), seeds, int(r), diversion)
        else:
            krs = [
                run_replication(s, int(r), centre_seed(root_seed, s.centre_id)) for s in scenarios
            ]
        out.append((int(r), [_reduce(k.kpis) for k in krs]))
    return out


def analytic_screen(scn: Scenario, target_wait: float) -> tuple[float, float]:
    """Share served within ``target_wait`` and mean wait (minutes) of an average weekday
    by the pointwise-stationary Erlang C model: every bin of the weekday arrival profile
    as a stationary M/M/c queue with the front windows open at its midpoint and the visit
    mix's mean service time at proficient speed. Abandonment is ignored, which can only
    lengthen the waits the model predicts (an overloaded bin counts as nobody served in
    time), so the screen errs towards simulating; it is still optimistic where load
    changes fast or skills are scarce, hence the small thresholds."""
    from simulator.analysis import analytic

    plans = [p for p in scn.day_plans() if not p.closed]
    if not plans:
        return 1.0, 0.0
    weekday = [p for p in plans if p.profile_key == "weekday"] or plans
    plan = weekday[0]
    volume = float(np.mean([scn.expected_daily_volume(p) for p in weekday]))
    if scn.demand.arrival_rate_per_hour is not None:
        bins = [(plan.hours.open, plan.hours.close, 1.0)]
    else:
        bins = [
            (b.start, b.end, b.share)
            for b in scn.demand.profiles.get(plan.profile_key, ())
            if b.end > b.start and b.share > 0
        ]
    kinds = {w.id: w.kind for w in scn.windows}
    es = mean_service(scn)
    num_sl = num_w = den = 0.0
    for start, end, share in bins:
        lam = volume * share / (end - start)
        if lam <= 0:
            continue
        mid = 0.5 * (start + end)
        c = 0
        for blk in plan.blocks:
            if blk.start <= mid < blk.end:
                c = sum(1 for wid, _ in blk.assignments if kinds.get(wid) != "cross_province")
        weight = lam * (end - start)
        den += weight
        if c == 0 or lam * es >= c:
            num_w += weight * 1e3
            continue
        m = analytic.mmc_metrics(lam, es, c)
        num_sl += weight * m.service_level(target_wait)
        num_w += weight * m.mean_wait
    if den <= 0:
        return 1.0, 0.0
    return num_sl / den, num_w / den


class UnitRunner(StoreRunner[tuple[Scenario, ...]]):
    """Runs unit evaluations (a centre, or a district's centres together) through one
    executor and one store (the resume cache): about four tasks per worker."""

    evaluate = evaluate_unit
    progress: bool  # a tqdm bar per stage
    diversion: Diversion | None = None  # of the evaluations being run
    bar: Any = None

    def ensure(
        self,
        wanted: Sequence[tuple[str, tuple[Scenario, ...], int, int]],
        diversion: Diversion | None,
        stage: str,
    ) -> None:
        self.diversion = diversion
        self.fill(((k, seed, n, sc) for k, sc, seed, n in wanted), stage)

    def chunk(self, total: int) -> int:
        workers = max(1, int(getattr(self.executor, "workers", 1)))
        return max(1, math.ceil(total / (4 * workers))) if workers > 1 else total

    def task(self, what: tuple[Scenario, ...], seed: int, reps: list[int]) -> tuple[Any, ...]:
        return (what, seed, reps, self.diversion)

    def stored(self, record: Any) -> Any:
        return {"c": record}

    def started(self, stage: str, total: int) -> None:
        if self.progress:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, desc=stage, unit="rep", leave=False)

    def done(self, stage: str, key: str, seed: int, what: tuple[Scenario, ...], r: int) -> None:
        if self.bar is not None:
            self.bar.update(1)
        if self.on_evaluation is not None:
            self.on_evaluation({"stage": stage, "key": key, "replication": r})

    def finished(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# --------------------------------------------------------------------------- the problem


class CityAllocation:
    """The allocation problem of a city (implements
    :class:`simulator.optimise.allocate.AllocationProblem`)."""

    def __init__(
        self,
        city: City,
        settings: AllocateSettings,
        targets: Targets,
        cost_model: CostModel,
        diversion: Diversion | None,
        runner: UnitRunner,
        seed: int,
    ) -> None:
        self.city = city
        self.settings = settings
        self.targets = targets
        self.cost_model = cost_model
        self.diversion = diversion if diversion is not None and diversion.enabled else None
        self.runner = runner
        self.seed = int(seed)
        self.n = len(city)
        self.kinds = tuple(settings.moves)
        self.ids = city.centre_ids
        self.districts = [str(d) for d in city.centres["district"]]
        self.eligible: Sequence[int]
        if settings.centres is None:
            self.eligible = list(range(self.n))
        else:
            wanted = set(settings.centres)
            self.eligible = [i for i, c in enumerate(self.ids) if c in wanted]
        self._configs = [plain(s.config) for s in city.scenarios]
        self._windows = [len(s.windows) for s in city.scenarios]
        self._counters = [int(s.counters) for s in city.scenarios]
        self._scn: dict[tuple[int, State], Scenario] = {}
        self._key: dict[tuple[int, State], str] = {}
        self._cost: dict[tuple[int, State], dict[str, float]] = {}
        self._hopeless: dict[tuple[int, State], bool] = {}
        self._means: dict[tuple[int, tuple[State, ...], int, int], dict[str, np.ndarray]] = {}
        if self.diversion is None:
            self._units = [[c] for c in range(self.n)]
            self._unit_of = list(range(self.n))
        else:
            order = list(dict.fromkeys(self.districts))
            self._units = [[c for c in range(self.n) if self.districts[c] == d] for d in order]
            self._unit_of = [order.index(d) for d in self.districts]
        self.target_wait = float(city.scenarios[0].experiment.target_wait_min)

    # -- structure
    def unit_of(self, c: int) -> int:
        return self._unit_of[c]

    def members(self, u: int) -> Sequence[int]:
        return self._units[u]

    @property
    def units(self) -> list[int]:
        return list(range(len(self._units)))

    def allowed(self, c: int, state: State) -> bool:
        added = sum(state)
        if abs(added) > self.settings.max_per_centre:
            return False
        if added < 0:  # a donor: keeps a comprehensive window, the fewest front windows
            # of the layout rule, and must have all-round staff to give
            cfg = self._configs[c]
            comp = int((cfg["layout"]["windows"].get("comprehensive") or {}).get("count", 0))
            front = sum(
                int((w or {}).get("count", 0))
                for w in cfg["layout"]["windows"].values()
                if (w or {}).get("kind") != "cross_province"
            )
            spare = sum(
                int(g.get("count", 0))
                for g in cfg["staffing"]["staff"].values()
                if g and g.get("level") is not None and not g.get("skills")
            )
            return (
                comp + added >= 1
                and front + added >= self.city.rule.min_windows
                and spare + added >= 0
            )
        return self._windows[c] + added <= self._counters[c]

    # -- scenarios and costs
    def config(self, c: int, state: State) -> dict[str, Any]:
        """The centre's config with the moves of ``state`` applied."""
        cfg = copy.deepcopy(self._configs[c])
        if not any(state):
            return cfg
        windows = cfg["layout"]["windows"]
        staff = cfg["staffing"]["staff"]
        rule = self.city.rule
        for kind, n in zip(self.kinds, state, strict=True):
            if n < 0 and kind == "comprehensive":  # a donor of staff transfers
                windows["comprehensive"]["count"] = int(windows["comprehensive"]["count"]) + n
                _remove_all_round(staff, -n)
                continue
            if n <= 0:
                continue
            group = KIND_GROUP[kind]
            if group not in windows or not windows[group]:
                if kind == "dedicated":
                    windows[group] = {
                        "kind": "dedicated",
                        "count": 0,
                        "prefix": "D",
                        "families": list(rule.dedicated_families),
                    }
                else:
                    windows[group] = {"kind": "comprehensive", "count": 0, "prefix": "C"}
            windows[group]["count"] = int(windows[group].get("count", 0)) + int(n)
            if kind == "comprehensive":
                level = self.settings.staff_level
                staff[f"added_{level}"] = {
                    "count": int(staff.get(f"added_{level}", {}).get("count", 0)) + int(n),
                    "level": level,
                }
            elif kind == "expert":
                staff["added_expert"] = {
                    "count": int(staff.get("added_expert", {}).get("count", 0)) + int(n),
                    "level": "expert",
                }
            else:
                fams = list(windows[group].get("families") or rule.dedicated_families)
                staff["added_dedicated"] = {
                    "count": int(staff.get("added_dedicated", {}).get("count", 0)) + int(n),
                    "skills": {f: "proficient" for f in fams},
                }
        return cfg

    def scenario(self, c: int, state: State) -> Scenario:
        key = (c, state)
        if key not in self._scn:
            self._scn[key] = scenario_from_config(
                self.config(c, state), source=f"allocation {self.ids[c]} {state}"
            )
        return self._scn[key]

    def costs(self, c: int, state: State) -> dict[str, float]:
        """Staff added, staffed window-hours per open day and CNY per open day of the
        centre in ``state`` (absolute values; the budget uses differences)."""
        key = (c, state)
        if key not in self._cost:
            scn = self.scenario(c, state)
            cny, _ = levels_cost(scn, self.cost_model)
            plans = [p for p in scn.day_plans() if not p.closed]
            hours = sum(
                (b.end - b.start) / 60.0 * len(b.assignments) for p in plans for b in p.blocks
            ) / max(len(plans), 1)
            self._cost[key] = {
                "staff": float(len(scn.staff)),
                "staff_hours": float(hours),
                "cny": float(cny),
            }
        return self._cost[key]

    def cost(self, c: int, state: State) -> float:
        if not any(state):
            return 0.0
        unit = self.settings.budget_unit
        if unit == "staff":  # every move adds one staff member
            return float(sum(state))
        return self.costs(c, state)[unit] - self.costs(c, tuple(0 for _ in state))[unit]

    def hopeless(self, c: int, state: State) -> bool:
        key = (c, state)
        if key not in self._hopeless:
            sl, w = analytic_screen(self.scenario(c, state), self.target_wait)
            self._hopeless[key] = (1.0 - sl) < self.settings.screen_sl_gap and (
                w < self.settings.screen_wait_min
            )
        return self._hopeless[key]

    # -- evaluation
    def unit_key(self, u: int, states: tuple[State, ...]) -> str:
        parts = []
        for c, st in zip(self._units[u], states, strict=True):
            k = (c, st)
            if k not in self._key:
                self._key[k] = config_hash(self.config(c, st))
            parts.append(self._key[k])
        div = "" if self.diversion is None else repr(self.diversion)
        return config_hash({"centres": parts, "diversion": div})

    def ensure(
        self, wanted: Sequence[tuple[int, tuple[State, ...]]], stage: str, *, verify: bool = False
    ) -> None:
        seed, n = self._seed_n(verify)
        jobs = []
        seen = set()
        for u, states in wanted:
            key = self.unit_key(u, states)
            if key in seen:
                continue
            seen.add(key)
            if all((key, seed, r) in self.runner.store for r in range(n)):
                continue  # evaluated (or resumed from the cache): no scenario to build
            scns = tuple(self.scenario(c, s) for c, s in zip(self._units[u], states, strict=True))
            jobs.append((key, scns, seed, n))
        self.runner.ensure(jobs, self.diversion, stage)

    def _seed_n(self, verify: bool) -> tuple[int, int]:
        if verify:
            return self.seed + self.settings.verify_seed_offset, self.settings.verify_replications
        return self.seed, self.settings.replications

    def replications(
        self, u: int, states: tuple[State, ...], verify: bool = False
    ) -> dict[str, np.ndarray]:
        """Per KPI: replications x members of unit ``u``."""
        seed, n = self._seed_n(verify)
        key = self.unit_key(u, states)
        recs = [self.runner.store.records[(key, seed, r)]["c"] for r in range(n)]
        return {k: np.array([[m[k] for m in rec] for rec in recs]) for k in TABLE_KPIS}

    def means(
        self, u: int, states: tuple[State, ...], verify: bool = False
    ) -> dict[str, np.ndarray]:
        seed, n = self._seed_n(verify)
        mk = (u, states, seed, n)
        if mk not in self._means:
            reps = self.replications(u, states, verify)
            self._means[mk] = {k: v.mean(axis=0) for k, v in reps.items()}
        return self._means[mk]


def _remove_all_round(staff: dict[str, Any], n: int) -> None:
    """Take ``n`` all-round staff members (a ``level`` for every family) off the roster,
    from the largest such group first."""
    for _ in range(n):
        groups = [
            (int(g.get("count", 0)), name)
            for name, g in staff.items()
            if g and g.get("level") is not None and not g.get("skills") and g.get("count", 0) > 0
        ]
        if not groups:
            raise ConfigError("a transfer needs an all-round staff member to move")
        _, name = max(groups)
        staff[name]["count"] = int(staff[name]["count"]) - 1
        if staff[name]["count"] == 0:
            del staff[name]
