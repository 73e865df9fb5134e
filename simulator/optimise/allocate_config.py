"""The ``allocate`` config section: budget, objective, moves, bounds, replications and
screening (:class:`AllocateSettings`), parsed by :func:`parse_allocate` with every problem
named by its key; and the error raised when no allocation meets the targets.

The method that uses them is :mod:`simulator.optimise.allocate`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.config.parse import Problems, flag, num
from simulator.errors import ConfigError

__all__ = [
    "BUDGET_LABEL",
    "BUDGET_UNITS",
    "MOVE_KINDS",
    "OBJECTIVES",
    "SKILL_LEVELS",
    "WEIGHT_KEYS",
    "AllocateSettings",
    "InfeasibleTargetsError",
    "parse_allocate",
]

OBJECTIVES = ("served_within", "centres_meeting", "worst_decile", "weighted", "all_meet")
BUDGET_UNITS = ("staff", "staff_hours", "cny")
MOVE_KINDS = ("comprehensive", "dedicated", "expert")
WEIGHT_KEYS = ("served_within", "centres_meeting", "worst_decile")
SKILL_LEVELS = ("novice", "proficient", "expert")

BUDGET_LABEL = {"staff": "staff", "staff_hours": "staff-hours a day", "cny": "CNY a day"}


class InfeasibleTargetsError(ConfigError):
    """No allocation within the bounds (or within the budget) meets every target.

    ``needed`` is the budget the targets need (``inf`` when some centre cannot meet them
    at its bounds), ``budget`` the budget given, ``short`` how far it falls short.
    """

    def __init__(
        self, message: str, *, needed: float, budget: float | None, unit: str, failing: list[str]
    ) -> None:
        super().__init__(message)
        self.needed = needed
        self.budget = budget
        self.unit = unit
        self.failing = failing

    @property
    def short(self) -> float:
        if self.budget is None:
            return math.inf
        return self.needed - self.budget


@dataclass(frozen=True)
class AllocateSettings:
    """The ``allocate`` config section (see ``scenarios/allocate/default.yaml``).

    Attributes
    ----------
    budget, budget_unit
        Amount to spend, in ``staff`` (staff members added), ``staff_hours`` (staffed
        window-hours added per open day) or ``cny`` (CNY per open day, cost model). ``None``
        only with ``objective='all_meet'``: find the least cost.
    objective
        One of :data:`OBJECTIVES`.
    weights
        Weights of ``served_within``, ``centres_meeting``, ``worst_decile`` for
        ``objective='weighted'`` (scores: share served within target, share of centres
        meeting targets, minus the worst-decile p90 wait over the target wait).
    worst_share
        Share of centres in the worst group of the equity objective (0.1 = decile).
    moves
        Move kinds allowed (:data:`MOVE_KINDS`): ``comprehensive`` (a comprehensive
        window with a staff member of ``staff_level`` on every family), ``dedicated`` (a
        dedicated quick desk with a staff member on its families), ``expert`` (a
        comprehensive window with an expert on every family).
    staff_level
        Skill level of the staff member a ``comprehensive`` move adds.
    max_per_centre
        Most moves one centre may receive (besides its counters).
    centres
        Centre ids that may receive moves (``None``: every centre of the run).
    replications, seed, verify_replications, verify_seed_offset
        Search replications (common random numbers, root ``seed``) and the fresh
        replications of the final comparison (root ``seed + verify_seed_offset``).
    screen, screen_sl_gap, screen_wait_min
        Hour-by-hour Erlang screening: a move is not simulated when the centre already
        has, by the analytic model, fewer than ``screen_sl_gap`` of residents waiting
        beyond the target and a mean wait below ``screen_wait_min`` minutes.
    bundle
        Moves looked ahead at one centre for the ``centres_meeting`` objective (a centre
        may need several windows before it meets the targets).
    min_gain
        A move is taken only if its estimated gain exceeds this.
    transfers, max_transfers
        Instead of spending a budget, move staffed comprehensive windows between centres
        of the same district (at most ``max_transfers`` moves): a zero-budget
        reallocation (:func:`transfers`).
    """

    budget: float | None = 10.0
    budget_unit: str = "staff"
    objective: str = "served_within"
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"served_within": 1.0, "centres_meeting": 0.0, "worst_decile": 0.0}
    )
    worst_share: float = 0.1
    moves: tuple[str, ...] = ("comprehensive",)
    staff_level: str = "proficient"
    max_per_centre: int = 4
    centres: tuple[str, ...] | None = None
    replications: int = 5
    seed: int | None = None
    verify_replications: int = 10
    verify_seed_offset: int = 1
    screen: bool = True
    screen_sl_gap: float = 0.002
    screen_wait_min: float = 0.5
    bundle: int = 3
    min_gain: float = 0.0
    transfers: bool = False
    max_transfers: int = 20

    @property
    def unit_label(self) -> str:
        return BUDGET_LABEL[self.budget_unit]


def parse_allocate(cfg: Mapping[str, Any] | None, path: str = "allocate") -> AllocateSettings:
    """Parse the ``allocate`` section; every problem is reported at once, naming its key.
    A key left out takes the default of :class:`AllocateSettings`."""
    raw = dict(cfg or {})
    p = Problems()
    known = {
        "budget",
        "objective",
        "weights",
        "worst_share",
        "moves",
        "staff_level",
        "max_per_centre",
        "centres",
        "search",
        "verify",
        "screen",
        "bundle",
        "min_gain",
        "transfers",
    }
    for k in raw:
        if k not in known:
            p.add(f"{path}.{k}", f"unknown key; known: {sorted(known)}")
    d = AllocateSettings()

    def section(name: str, shape: str) -> Mapping[str, Any]:
        sec = raw.get(name) or {}
        if not isinstance(sec, Mapping):
            p.add(f"{path}.{name}", f"expected {shape}, got {sec!r}")
            return {}
        return sec

    def checked(sec: Mapping[str, Any], key: str, where: str, default: Any, **kw: Any) -> Any:
        """The number at ``where.key`` (absent: ``default``); after a problem, the
        default, so that no later check repeats it."""
        before = len(p.items)
        v = num(sec, key, where, p, default=default, **kw)
        return default if len(p.items) > before else (int(v) if kw.get("integer") else v)

    def whole(sec: Mapping[str, Any], key: str, where: str, default: int, low: int) -> int:
        return int(checked(sec, key, where, default, low=low, integer=True))

    def non_negative(sec: Mapping[str, Any], key: str, where: str, default: float) -> float:
        return float(checked(sec, key, where, default, low=0))

    bud = section("budget", "{amount: N, unit: staff}")
    unit = str(bud.get("unit", d.budget_unit))
    if unit not in BUDGET_UNITS:
        p.add(f"{path}.budget.unit", f"one of {list(BUDGET_UNITS)}, got {unit!r}")
        unit = d.budget_unit
    tr = section("transfers", "{enabled: true, max: 20}")
    transfers_on = flag(tr, "enabled", f"{path}.transfers", p, d.transfers)
    amount = bud.get("amount", d.budget)
    if amount is not None:
        amount = checked(bud, "amount", f"{path}.budget", d.budget)
        if amount < 0:
            p.add(
                f"{path}.budget.amount",
                f"a budget cannot be negative, got {bud['amount']!r} "
                f"{BUDGET_LABEL[unit]} (use 0 or more; transfers are not a negative budget)",
            )
    objective = str(raw.get("objective", d.objective))
    if objective not in OBJECTIVES:
        p.add(f"{path}.objective", f"one of {list(OBJECTIVES)}, got {objective!r}")
        objective = d.objective
    if amount is None and objective != "all_meet" and not transfers_on:
        p.add(
            f"{path}.budget.amount",
            "give a budget (null is only allowed with "
            "objective all_meet, which finds the least cost)",
        )
    w_raw = raw.get("weights") or dict(d.weights)
    weights: dict[str, float] = {}
    if not isinstance(w_raw, Mapping):
        p.add(f"{path}.weights", f"expected a mapping, got {w_raw!r}")
        w_raw = {}
    for k in w_raw:
        if k not in WEIGHT_KEYS:
            p.add(f"{path}.weights.{k}", f"unknown objective; one of {list(WEIGHT_KEYS)}")
            continue
        weights[str(k)] = non_negative(w_raw, str(k), f"{path}.weights", 0.0)
    if objective == "weighted" and not sum(weights.values()) > 0:
        p.add(f"{path}.weights", "objective 'weighted' needs a positive weight")
    moves_raw = raw.get("moves", list(d.moves))
    if isinstance(moves_raw, str):
        moves_raw = [moves_raw]
    moves = tuple(str(m) for m in (moves_raw or []))
    bad = [m for m in moves if m not in MOVE_KINDS]
    if bad or not moves:
        p.add(f"{path}.moves", f"a list from {list(MOVE_KINDS)}, got {moves_raw!r}")
        moves = tuple(m for m in moves if m in MOVE_KINDS) or d.moves
    level = str(raw.get("staff_level", d.staff_level))
    if level not in SKILL_LEVELS:
        p.add(f"{path}.staff_level", f"one of {list(SKILL_LEVELS)}, got {level!r}")
        level = d.staff_level
    centres = raw.get("centres")
    if centres is not None:
        if isinstance(centres, str):
            centres = [centres]
        centres = tuple(str(c) for c in centres)
    search = section("search", "a mapping")
    verify = section("verify", "a mapping")
    screen = section("screen", "a mapping")
    seed = search.get("seed")
    if seed is not None:
        seed = whole(search, "seed", f"{path}.search", 0, low=0)
    s = AllocateSettings(
        budget=amount,
        budget_unit=unit,
        objective=objective,
        weights=weights or dict(d.weights),
        worst_share=non_negative(raw, "worst_share", path, d.worst_share),
        moves=moves,
        staff_level=level,
        max_per_centre=whole(raw, "max_per_centre", path, d.max_per_centre, low=1),
        centres=centres,
        replications=whole(search, "replications", f"{path}.search", d.replications, low=2),
        seed=seed,
        verify_replications=whole(
            verify, "replications", f"{path}.verify", d.verify_replications, low=2
        ),
        verify_seed_offset=whole(
            verify, "seed_offset", f"{path}.verify", d.verify_seed_offset, low=1
        ),
        screen=flag(screen, "enabled", f"{path}.screen", p, d.screen),
        screen_sl_gap=non_negative(screen, "sl_gap", f"{path}.screen", d.screen_sl_gap),
        screen_wait_min=non_negative(screen, "wait_min", f"{path}.screen", d.screen_wait_min),
        bundle=whole(raw, "bundle", path, d.bundle, low=1),
        min_gain=non_negative(raw, "min_gain", path, d.min_gain),
        transfers=transfers_on,
        max_transfers=whole(tr, "max", f"{path}.transfers", d.max_transfers, low=1),
    )
    if s.transfers and s.objective == "all_meet":
        p.add(
            f"{path}.transfers",
            "transfers keep the staff as they are; objective all_meet "
            "asks for the least added cost (use another objective)",
        )
    if s.transfers and s.moves[0] != "comprehensive":
        p.add(f"{path}.moves", "transfers move comprehensive windows; list it first")
    if not 0.0 < s.worst_share <= 1.0:
        p.add(f"{path}.worst_share", f"must be in (0, 1], got {s.worst_share!r}")
    p.raise_if_any("allocation settings")
    return s
