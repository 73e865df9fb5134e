"""Configuration of the recommender: cost model, service targets, decision space.

Three config groups feed it (see ``scenarios/cost``, ``scenarios/targets`` and
``scenarios/recommend``); the scenario loader ignores these top-level keys, so they ride
along in the composed config (``Scenario.config``). They are parsed here, once, into
frozen dataclasses; every problem is reported together in a
:class:`~simulator.errors.ConfigError` naming the config key and value.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simulator.config.parse import Problems, flag, mapping, num, setting
from simulator.errors import ConfigError

SKILL_ORDER = ("novice", "proficient", "expert")
#: KPIs that can carry a per-hour target (computed per arrival hour from visit records).
HOURLY_KPIS = ("service_level", "abandonment_rate", "wait_mean_min")

__all__ = [
    "HOURLY_KPIS",
    "CostModel",
    "Procedure",
    "SearchSpace",
    "SkillMix",
    "Target",
    "Targets",
    "bundled_group",
    "cost_config",
    "parse_cost",
    "parse_procedure",
    "parse_space",
    "parse_targets",
    "recommend_config",
    "settings_config",
    "targets_config",
]


def bundled_group(group: str, option: str = "default") -> dict[str, Any]:
    """The plain dict of a bundled config group option, e.g. ``scenarios/cost/default.yaml``."""
    from simulator.config.compose import scenarios_dir

    path = Path(scenarios_dir()) / group / f"{option}.yaml"
    if not path.exists():
        raise ConfigError(f"{group}: no bundled option {option!r} ({path} not found)")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping")
    return data


def _list(raw: Any, path: str, p: Problems) -> list[Any]:
    if isinstance(raw, Sequence) and not isinstance(raw, str):
        return list(raw)
    p.add(path, f"expected a list, got {raw!r}")
    return []


# --------------------------------------------------------------------------- cost


@dataclass(frozen=True)
class CostModel:
    """Daily cost of an option (CNY; the shipped values are assumed).

    ``staff_per_hour`` prices one staff member on duty at a window for one hour, by the
    staff member's highest skill level; ``training_per_skill`` is the one-off cost of
    training one staff member on one service family, spread over
    ``training_amortisation_days``; ``window_per_day`` is the fixed cost of one installed
    window per open day (desk, IT, queue system).
    """

    staff_per_hour: Mapping[str, float]
    training_per_skill: float
    training_amortisation_days: float
    window_per_day: float
    currency: str = "CNY"

    def staff_rate(self, skills: Mapping[str, str]) -> float:
        """Hourly cost of a staff member with these per-family skill levels."""
        levels = [lev for lev in skills.values() if lev in SKILL_ORDER]
        if not levels:
            return 0.0
        top = max(levels, key=SKILL_ORDER.index)
        return float(self.staff_per_hour[top])

    def training_per_day(self, skills: Mapping[str, str]) -> float:
        """Amortised training cost per open day of a staff member."""
        n = sum(1 for lev in skills.values() if lev in SKILL_ORDER)
        return n * self.training_per_skill / self.training_amortisation_days


def parse_cost(cfg: Mapping[str, Any] | None, path: str = "cost") -> CostModel:
    """Parse the ``cost`` config group (see ``scenarios/cost/default.yaml``)."""
    p = Problems()
    c = mapping(cfg, path, p)
    rates_cfg = mapping(c.get("staff_per_hour"), f"{path}.staff_per_hour", p)
    rates = {lev: num(rates_cfg, lev, f"{path}.staff_per_hour", p, low=0.0) for lev in SKILL_ORDER}
    for k in rates_cfg:
        if k not in SKILL_ORDER:
            p.add(f"{path}.staff_per_hour.{k}", f"unknown skill level; one of {SKILL_ORDER}")
    model = CostModel(
        staff_per_hour=rates,
        training_per_skill=num(c, "training_per_skill", path, p, low=0.0),
        training_amortisation_days=num(
            c, "training_amortisation_days", path, p, low=0.0, low_open=True
        ),
        window_per_day=num(c, "window_per_day", path, p, low=0.0),
        currency=str(c.get("currency", CostModel.currency)),
    )
    p.raise_if_any(f"cost model ({path})")
    return model


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class Target:
    """One service target: ``kpi`` at least (``sense='min'``) or at most (``'max'``)
    ``value``, judged per day (``scope='day'``) or in every clock hour (``'hour'``).
    ``tolerance`` is the indifference zone: a true value within it of ``value`` may be
    judged either way."""

    kpi: str
    sense: str
    value: float
    tolerance: float
    scope: str = "day"

    @property
    def label(self) -> str:
        op = ">=" if self.sense == "min" else "<="
        return f"{self.scope} {self.kpi} {op} {self.value:g}"

    def margin(self, x: float) -> float:
        """Signed distance to the target (positive = met)."""
        return x - self.value if self.sense == "min" else self.value - x


@dataclass(frozen=True)
class Targets:
    """Service targets and the confidence at which they must be met."""

    confidence: float
    day: tuple[Target, ...]
    hour: tuple[Target, ...]

    @property
    def all(self) -> tuple[Target, ...]:
        return self.day + self.hour

    @property
    def alpha(self) -> float:
        return 1.0 - self.confidence

    def primary(self) -> Target:
        """The headline target: day service level if given, else the first day target."""
        for t in self.day:
            if t.kpi == "service_level":
                return t
        return (self.day or self.hour)[0]


def parse_targets(cfg: Mapping[str, Any] | None, path: str = "targets") -> Targets:
    """Parse the ``targets`` config group (see ``scenarios/targets/default.yaml``)."""
    from simulator.analysis.kpis import KPI_NAMES

    p = Problems()
    c = mapping(cfg, path, p)
    conf = num(c, "confidence", path, p, low=0.5, high=1.0, high_open=True)
    out: dict[str, list[Target]] = {"day": [], "hour": []}
    for scope in ("day", "hour"):
        raw = c.get(scope) or {}
        sc = mapping(raw, f"{path}.{scope}", p)
        known = KPI_NAMES if scope == "day" else HOURLY_KPIS
        for kpi, spec in sc.items():
            kpath = f"{path}.{scope}.{kpi}"
            if spec is None:
                continue  # a target switched off with `targets.day.x=null`
            if kpi not in known:
                p.add(kpath, f"unknown KPI for {scope} targets; known: {list(known)}")
                continue
            s = mapping(spec, kpath, p)
            has_min, has_max = s.get("min") is not None, s.get("max") is not None
            if has_min == has_max:
                p.add(kpath, "give exactly one of min or max")
                continue
            sense = "min" if has_min else "max"
            value = num(s, sense, kpath, p)
            tol = num(s, "tolerance", kpath, p, low=0.0, low_open=True)
            out[scope].append(Target(str(kpi), sense, value, tol, scope))
    if not out["day"] and not out["hour"] and not p.items:
        p.add(path, "no target given: add targets.day.<kpi> or targets.hour.<kpi>")
    p.raise_if_any(f"targets ({path})")
    return Targets(conf, tuple(out["day"]), tuple(out["hour"]))


# --------------------------------------------------------------------------- space


@dataclass(frozen=True)
class SkillMix:
    """A roster recipe: staff groups by share of the roster, sized from the windows.

    ``groups`` maps a staff group name to ``(share, skills)``; a roster for ``n``
    installed windows has ``ceil(roster_per_window x n)`` staff split by largest
    remainder. The name ``keep`` (no groups) keeps the scenario's own staff."""

    name: str
    roster_per_window: float
    groups: tuple[tuple[str, float, Mapping[str, str]], ...]

    def roster(self, n_windows: int) -> dict[str, Any]:
        """``staffing.staff`` config for a layout with ``n_windows`` windows."""
        size = max(1, math.ceil(self.roster_per_window * n_windows - 1e-9))
        total = sum(s for _, s, _ in self.groups)
        exact = [size * s / total for _, s, _ in self.groups]
        counts = [math.floor(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - counts[i]), i))
        for i in order[: size - sum(counts)]:
            counts[i] += 1
        staff: dict[str, Any] = {}
        for (name, _, skills), n in zip(self.groups, counts, strict=True):
            if n <= 0:
                continue
            if "*" in skills:
                staff[name] = {"count": n, "level": skills["*"]}
            else:
                staff[name] = {"count": n, "skills": dict(skills)}
        return staff


@dataclass(frozen=True)
class SearchSpace:
    """Discrete layout options: window counts per group x lunch share x skill mix."""

    windows: Mapping[str, tuple[int, ...]]
    lunch_open_share: tuple[float | None, ...]
    skill_mixes: tuple[SkillMix, ...]

    @property
    def size(self) -> int:
        n = len(self.lunch_open_share) * len(self.skill_mixes)
        for v in self.windows.values():
            n *= len(v)
        return n


@dataclass(frozen=True)
class Procedure:
    """Settings of the search (see ``scenarios/recommend/default.yaml``)."""

    n0: int = 10
    batch: int = 10
    n_max: int = 200
    runner_ups: int = 3
    isa: bool = True
    isa_replications: int = 30
    isa_max_iterations: int = 15
    isa_trim: bool = True
    final_replications: int = 40
    final_seed_offset: int = 1
    volume_growth: tuple[float, ...] = (0.10, 0.20)
    online_shift: tuple[float, ...] = (0.10,)
    seed: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def _parse_mix(name: str, raw: Any, families: Sequence[str], path: str, p: Problems) -> SkillMix:
    m = mapping(raw, path, p)
    rpw = num(m, "roster_per_window", path, p, low=0.0, low_open=True)
    groups = []
    for gname, g in mapping(m.get("groups"), f"{path}.groups", p).items():
        gpath = f"{path}.groups.{gname}"
        gm = mapping(g, gpath, p)
        share = num(gm, "share", gpath, p, low=0.0, low_open=True)
        skills: dict[str, str] = {}
        level = gm.get("level")
        if level is not None:
            if level not in SKILL_ORDER:
                p.add(f"{gpath}.level", f"unknown skill level {level!r}; one of {SKILL_ORDER}")
            skills["*"] = str(level)
        for fam, lev in dict(gm.get("skills") or {}).items():
            if fam not in families:
                p.add(f"{gpath}.skills.{fam}", f"unknown family; known: {list(families)}")
            if lev not in (*SKILL_ORDER, "none"):
                p.add(f"{gpath}.skills.{fam}", f"unknown skill level {lev!r}")
            skills[str(fam)] = str(lev)
        if not skills:
            p.add(gpath, "give 'level' (all families) or 'skills' (per family)")
        groups.append((str(gname), share, skills))
    if not groups:
        p.add(f"{path}.groups", "no staff group")
    return SkillMix(name, rpw, tuple(groups))


def parse_space(
    cfg: Mapping[str, Any] | None,
    window_groups: Sequence[str],
    families: Sequence[str],
    path: str = "recommend",
) -> SearchSpace:
    """Parse ``recommend.space`` and ``recommend.skill_mixes`` against the scenario's
    window groups and families."""
    p = Problems()
    c = mapping(cfg, path, p)
    space = mapping(c.get("space"), f"{path}.space", p)
    windows: dict[str, tuple[int, ...]] = {}
    for g, vals in mapping(space.get("windows"), f"{path}.space.windows", p).items():
        gpath = f"{path}.space.windows.{g}"
        if g not in window_groups:
            p.add(gpath, f"unknown window group; the layout has {list(window_groups)}")
            continue
        counts = []
        for j, v in enumerate(_list(vals, gpath, p)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                p.add(f"{gpath}[{j}]", f"expected a whole number >= 0, got {v!r}")
            else:
                counts.append(int(v))
        if not counts and vals is not None:
            p.add(gpath, "no counts")
        windows[str(g)] = tuple(sorted(set(counts)))
    lunch_raw = space.get("lunch_open_share")
    lunch: list[float | None] = []
    if lunch_raw is None:
        lunch = [None]
    else:
        for j, v in enumerate(_list(lunch_raw, f"{path}.space.lunch_open_share", p)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
                p.add(
                    f"{path}.space.lunch_open_share[{j}]",
                    f"expected a share in [0, 1], got {v!r}",
                )
            else:
                lunch.append(float(v))
    mixes_cfg = c.get("skill_mixes") or {}
    mixes_map = mapping(mixes_cfg, f"{path}.skill_mixes", p) if mixes_cfg else {}
    mixes: list[SkillMix] = []
    mix_names = setting(space, "skill_mix", f"{path}.space")
    for j, name in enumerate(_list(mix_names, f"{path}.space.skill_mix", p)):
        if name == "keep":
            mixes.append(SkillMix("keep", 1.0, ()))
        elif name in mixes_map:
            mixes.append(
                _parse_mix(str(name), mixes_map[name], families, f"{path}.skill_mixes.{name}", p)
            )
        else:
            p.add(
                f"{path}.space.skill_mix[{j}]",
                f"unknown skill mix {name!r}; defined: {['keep', *mixes_map]}",
            )
    p.raise_if_any(f"decision space ({path})")
    return SearchSpace(windows, tuple(lunch), tuple(mixes))


def parse_procedure(cfg: Mapping[str, Any] | None, path: str = "recommend") -> Procedure:
    """Parse ``recommend.procedure`` and ``recommend.robustness``."""
    p = Problems()
    c = mapping(cfg, path, p) if cfg is not None else {}
    pr = mapping(c.get("procedure", {}), f"{path}.procedure", p)
    isa = mapping(pr.get("isa", {}), f"{path}.procedure.isa", p)
    rob = mapping(c.get("robustness", {}), f"{path}.robustness", p)
    base = Procedure()
    pp = f"{path}.procedure"

    def whole(m: Mapping[str, Any], key: str, where: str, default: int, low: int = 1) -> int:
        v = num(m, key, where, p, default=default, low=low, integer=True)
        return int(v) if math.isfinite(v) else default

    n0 = whole(pr, "n0", pp, base.n0, low=3)
    n_max = whole(pr, "n_max", pp, base.n_max)
    if n_max < n0:
        p.add(f"{pp}.n_max", f"must be >= n0 ({n0}), got {n_max}")

    def shares(key: str, default: tuple[float, ...]) -> tuple[float, ...]:
        raw = rob.get(key, list(default))
        out = []
        for j, v in enumerate(_list(raw, f"{path}.robustness.{key}", p)):
            if isinstance(v, bool) or not isinstance(v, int | float) or not -1 < v <= 10:
                p.add(f"{path}.robustness.{key}[{j}]", f"expected a fraction, got {v!r}")
            else:
                out.append(float(v))
        return tuple(out)

    seed_raw = pr.get("seed")
    proc = Procedure(
        n0=n0,
        batch=whole(pr, "batch", pp, base.batch),
        n_max=n_max,
        runner_ups=whole(pr, "runner_ups", pp, base.runner_ups, low=0),
        isa=flag(isa, "enabled", f"{pp}.isa", p, base.isa),
        isa_replications=whole(isa, "replications", f"{pp}.isa", base.isa_replications, low=3),
        isa_max_iterations=whole(isa, "max_iterations", f"{pp}.isa", base.isa_max_iterations),
        isa_trim=flag(isa, "trim", f"{pp}.isa", p, base.isa_trim),
        final_replications=whole(pr, "final_replications", pp, base.final_replications, low=2),
        final_seed_offset=whole(pr, "final_seed_offset", pp, base.final_seed_offset, low=1),
        volume_growth=shares("volume_growth", base.volume_growth),
        online_shift=shares("online_shift", base.online_shift),
        seed=None if seed_raw is None else whole(pr, "seed", pp, 0, low=0),
    )
    p.raise_if_any(f"recommendation settings ({path})")
    return proc


def group_or_default(config: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``config[key]`` if the scenario carries the group, else the bundled default."""
    raw = config.get(key)
    if isinstance(raw, Mapping):
        return copy.deepcopy(dict(raw))
    return bundled_group(key)


# --------------------------------------------------------------------------- config form
# The inverse of the parsers: parsed settings back in the shape of the config groups, so
# that a written scenario (recommended.yaml) carries the settings a recommendation used
# and parsing them again gives equal dataclasses.


def cost_config(cost: CostModel) -> dict[str, Any]:
    """``cost`` in the shape of ``scenarios/cost/default.yaml`` (:func:`parse_cost`'s input)."""
    return {
        "currency": cost.currency,
        "staff_per_hour": {lev: float(cost.staff_per_hour[lev]) for lev in SKILL_ORDER},
        "training_per_skill": float(cost.training_per_skill),
        "training_amortisation_days": float(cost.training_amortisation_days),
        "window_per_day": float(cost.window_per_day),
    }


def targets_config(
    targets: Targets, switched_off: Mapping[str, Sequence[str]] | None = None
) -> dict[str, Any]:
    """``targets`` in the shape of ``scenarios/targets/default.yaml``; each KPI of
    ``switched_off`` (``{"hour": ["service_level"]}``) without a target in that scope is
    written as ``null``, a target switched off (:func:`parse_targets` skips it)."""
    out: dict[str, Any] = {"confidence": float(targets.confidence), "day": {}, "hour": {}}
    for t in targets.all:
        out[t.scope][t.kpi] = {t.sense: float(t.value), "tolerance": float(t.tolerance)}
    for scope, kpis in (switched_off or {}).items():
        for kpi in kpis:
            out[scope].setdefault(str(kpi), None)
    return out


def _mix_config(mix: SkillMix) -> dict[str, Any]:
    groups: dict[str, Any] = {}
    for name, share, skills in mix.groups:
        g: dict[str, Any] = {"share": float(share)}
        if "*" in skills:
            g["level"] = skills["*"]
        per_family = {fam: lev for fam, lev in skills.items() if fam != "*"}
        if per_family:
            g["skills"] = per_family
        groups[name] = g
    return {"roster_per_window": float(mix.roster_per_window), "groups": groups}


def recommend_config(
    space: SearchSpace, procedure: Procedure, skill_mixes: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """``space`` and ``procedure`` in the shape of ``scenarios/recommend/default.yaml``.
    ``skill_mixes``: recipes of the config the space does not use (kept, so that the
    written settings still define them); those the space uses are written from it."""
    mixes = copy.deepcopy(dict(skill_mixes or {}))
    for mix in space.skill_mixes:
        if mix.name != "keep":
            mixes[mix.name] = _mix_config(mix)
    own_share = space.lunch_open_share == (None,)  # null: the scenario's own share
    shares = None if own_share else [float(x) for x in space.lunch_open_share if x is not None]
    pr = procedure
    return {
        "space": {
            "windows": {g: [int(n) for n in counts] for g, counts in space.windows.items()},
            "lunch_open_share": shares,
            "skill_mix": [mix.name for mix in space.skill_mixes],
        },
        "skill_mixes": mixes,
        "procedure": {
            "n0": pr.n0,
            "batch": pr.batch,
            "n_max": pr.n_max,
            "runner_ups": pr.runner_ups,
            "seed": pr.seed,
            "isa": {
                "enabled": pr.isa,
                "replications": pr.isa_replications,
                "max_iterations": pr.isa_max_iterations,
                "trim": pr.isa_trim,
            },
            "final_replications": pr.final_replications,
            "final_seed_offset": pr.final_seed_offset,
        },
        "robustness": {
            "volume_growth": [float(g) for g in pr.volume_growth],
            "online_shift": [float(s) for s in pr.online_shift],
        },
    }


def settings_config(
    cost: CostModel,
    targets: Targets,
    space: SearchSpace,
    procedure: Procedure,
    skill_mixes: Mapping[str, Any] | None = None,
) -> dict[str, dict[str, Any]]:
    """The ``cost``, ``targets`` and ``recommend`` groups of these settings, as a shipped
    scenario carries them: a KPI with a bundled target (``scenarios/targets/default.yaml``)
    that ``targets`` lacks is written ``null`` (switched off), so that it can be switched
    back on by giving it a whole mapping, as after ``targets.day.<kpi>=null``."""
    bundled = bundled_group("targets")
    off = {scope: list(bundled.get(scope) or {}) for scope in ("day", "hour")}
    return {
        "cost": cost_config(cost),
        "targets": targets_config(targets, off),
        "recommend": recommend_config(space, procedure, skill_mixes),
    }
