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


def _num(
    raw: Mapping[str, Any],
    key: str,
    path: str,
    problems: list[str],
    default: Any,
    *,
    low: float | None = None,
    integer: bool = False,
    allow_none: bool = False,
) -> Any:
    v = raw.get(key, default)
    if v is None and allow_none:
        return None
    ok = isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(float(v))
    if ok and integer and float(v) != int(v):
        ok = False
    if ok and low is not None and float(v) < low:
        problems.append(f"{path}.{key}: must be >= {low:g}, got {v!r}")
        return default
    if not ok:
        kind = "a whole number" if integer else "a number"
        problems.append(f"{path}.{key}: must be {kind}, got {v!r}")
        return default
    return int(v) if integer else float(v)


def parse_allocate(cfg: Mapping[str, Any] | None, path: str = "allocate") -> AllocateSettings:
    """Parse the ``allocate`` section; every problem is reported at once, naming its key."""
    raw = dict(cfg or {})
    problems: list[str] = []
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
    problems.extend(
        f"{path}.{k}: unknown key; known: {sorted(known)}" for k in raw if k not in known
    )
    d = AllocateSettings()
    bud = raw.get("budget") or {}
    if not isinstance(bud, Mapping):
        problems.append(f"{path}.budget: expected {{amount: N, unit: staff}}, got {bud!r}")
        bud = {}
    unit = str(bud.get("unit", "staff"))
    if unit not in BUDGET_UNITS:
        problems.append(f"{path}.budget.unit: one of {list(BUDGET_UNITS)}, got {unit!r}")
        unit = "staff"
    tr = raw.get("transfers") or {}
    if not isinstance(tr, Mapping):
        problems.append(f"{path}.transfers: expected {{enabled: true, max: 20}}, got {tr!r}")
        tr = {}
    transfers_on = bool(tr.get("enabled", False))
    amount = bud.get("amount", d.budget)
    if amount is not None:
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            problems.append(f"{path}.budget.amount: must be a number, got {amount!r}")
            amount = 0.0
        elif amount < 0:
            problems.append(
                f"{path}.budget.amount: a budget cannot be negative, got {amount!r} "
                f"{BUDGET_LABEL[unit]} (use 0 or more; transfers are not a negative budget)"
            )
        amount = float(amount)
    objective = str(raw.get("objective", d.objective))
    if objective not in OBJECTIVES:
        problems.append(f"{path}.objective: one of {list(OBJECTIVES)}, got {objective!r}")
        objective = d.objective
    if amount is None and objective != "all_meet" and not transfers_on:
        problems.append(
            f"{path}.budget.amount: give a budget (null is only allowed with "
            "objective all_meet, which finds the least cost)"
        )
    w_raw = raw.get("weights") or dict(d.weights)
    weights: dict[str, float] = {}
    if not isinstance(w_raw, Mapping):
        problems.append(f"{path}.weights: expected a mapping, got {w_raw!r}")
        w_raw = {}
    for k in w_raw:
        if k not in WEIGHT_KEYS:
            problems.append(f"{path}.weights.{k}: unknown objective; one of {list(WEIGHT_KEYS)}")
            continue
        weights[str(k)] = _num(w_raw, str(k), f"{path}.weights", problems, 0.0, low=0.0)
    if objective == "weighted" and not sum(weights.values()) > 0:
        problems.append(f"{path}.weights: objective 'weighted' needs a positive weight")
    moves_raw = raw.get("moves", list(d.moves))
    if isinstance(moves_raw, str):
        moves_raw = [moves_raw]
    moves = tuple(str(m) for m in (moves_raw or []))
    bad = [m for m in moves if m not in MOVE_KINDS]
    if bad or not moves:
        problems.append(f"{path}.moves: a list from {list(MOVE_KINDS)}, got {moves_raw!r}")
        moves = tuple(m for m in moves if m in MOVE_KINDS) or d.moves
    level = str(raw.get("staff_level", d.staff_level))
    if level not in SKILL_LEVELS:
        problems.append(f"{path}.staff_level: one of {list(SKILL_LEVELS)}, got {level!r}")
        level = d.staff_level
    centres = raw.get("centres")
    if centres is not None:
        if isinstance(centres, str):
            centres = [centres]
        centres = tuple(str(c) for c in centres)
    search = raw.get("search") or {}
    verify = raw.get("verify") or {}
    screen = raw.get("screen") or {}
    for name, sec in (("search", search), ("verify", verify), ("screen", screen)):
        if not isinstance(sec, Mapping):
            problems.append(f"{path}.{name}: expected a mapping, got {sec!r}")
    search = search if isinstance(search, Mapping) else {}
    verify = verify if isinstance(verify, Mapping) else {}
    screen = screen if isinstance(screen, Mapping) else {}
    seed = search.get("seed")
    if seed is not None:
        seed = _num(search, "seed", f"{path}.search", problems, 0, low=0, integer=True)
    s = AllocateSettings(
        budget=amount,
        budget_unit=unit,
        objective=objective,
        weights=weights or dict(d.weights),
        worst_share=_num(raw, "worst_share", path, problems, d.worst_share, low=0.0),
        moves=moves,
        staff_level=level,
        max_per_centre=_num(
            raw, "max_per_centre", path, problems, d.max_per_centre, low=1, integer=True
        ),
        centres=centres,
        replications=_num(
            search, "replications", f"{path}.search", problems, d.replications, low=2, integer=True
        ),
        seed=seed,
        verify_replications=_num(
            verify,
            "replications",
            f"{path}.verify",
            problems,
            d.verify_replications,
            low=2,
            integer=True,
        ),
        verify_seed_offset=_num(
            verify,
            "seed_offset",
            f"{path}.verify",
            problems,
            d.verify_seed_offset,
            low=1,
            integer=True,
        ),
        screen=bool(screen.get("enabled", d.screen)),
        screen_sl_gap=_num(screen, "sl_gap", f"{path}.screen", problems, d.screen_sl_gap, low=0.0),
        screen_wait_min=_num(
            screen, "wait_min", f"{path}.screen", problems, d.screen_wait_min, low=0.0
        ),
        bundle=_num(raw, "bundle", path, problems, d.bundle, low=1, integer=True),
        min_gain=_num(raw, "min_gain", path, problems, d.min_gain, low=0.0),
        transfers=transfers_on,
        max_transfers=_num(
            tr, "max", f"{path}.transfers", problems, d.max_transfers, low=1, integer=True
        ),
    )
    if s.transfers and s.objective == "all_meet":
        problems.append(
            f"{path}.transfers: transfers keep the staff as they are; objective all_meet "
            "asks for the least added cost (use another objective)"
        )
    if s.transfers and s.moves[0] != "comprehensive":
        problems.append(f"{path}.moves: transfers move comprehensive windows; list it first")
    if not 0.0 < s.worst_share <= 1.0:
        problems.append(f"{path}.worst_share: must be in (0, 1], got {s.worst_share!r}")
    if problems:
        raise ConfigError(
            f"invalid allocation settings: {len(problems)} problem(s)\n  - "
            + "\n  - ".join(problems),
            problems=problems,
        )
    return s
