"""Runtime state of the windows, and their staffing.

Both engines (the fast :mod:`simulator.engine.centre` and the reference
:mod:`simulator.engine.journey`) read the scenario's windows and staffing plan through
this module: which queue classes each window's kind accepts (:func:`window_states`), when
the staffing changes in a day (:func:`staffing_day`, :func:`staff_day`), what a staff
member may serve and at what speed (:func:`staff_multipliers`, :func:`staffed`), and what
a new staffing block changes (:func:`restaff`). These are the rules of the plan, shared
like the scenario itself; how residents flow through the windows is what each engine
does its own way, and what tests/engine/test_journey.py holds equal.
tests/engine/test_windows.py checks the rules on hand-worked cases.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import simpy

from simulator.config.memo import per_scenario
from simulator.config.scenario import DayPlan, Scenario
from simulator.config.types import Block

__all__ = [
    "Staffed",
    "WindowState",
    "restaff",
    "staff_day",
    "staff_multipliers",
    "staffed",
    "staffing_day",
    "window_states",
]

Staffed = tuple[list[bool], list[float], tuple[int, ...], tuple[int, ...]]
"""What a staffed window may call: ``accepts`` and ``mult`` per queue class, then the
classes it may call in the window's order and in its priority order (see :func:`staffed`)."""


class WindowState:
    """Runtime state of one window (the static description is ``scenario.Window``).

    ``classes`` are the queue classes the window's kind accepts; ``accepts[c]`` and
    ``mult[c]`` depend on the staff member currently at the window.
    """

    __slots__ = (
        "accepts",
        "classes",
        "elig",
        "id",
        "idx",
        "is_open",
        "kind",
        "mult",
        "open_since",
        "overtime",
        "prio_elig",
        "priority",
        "staff",
        "waiting",
        "wake",
    )

    def __init__(
        self, idx: int, wid: str, kind: str, classes: list[int], priority: list[int], n_classes: int
    ) -> None:
        self.idx = idx
        self.id = wid
        self.kind = kind
        self.classes = classes
        self.priority = priority
        self.staff = -1
        self.accepts = [False] * n_classes
        self.mult = [0.0] * n_classes
        self.elig: tuple[int, ...] = ()
        self.prio_elig: tuple[int, ...] = ()
        self.waiting = False  # fast engine: waiting to be woken (idle, or closed)
        self.wake: simpy.Event | None = None  # reference journey: the event it sleeps on
        self.is_open = False
        self.open_since = 0.0
        self.overtime = False


def window_states(scn: Scenario, n_classes: int) -> list[WindowState]:
    """A :class:`WindowState` per window of ``scn``, closed and unstaffed. Queue classes:
    one per family (catalogue order), then, with cross-province service on, the class of
    requests to another province's system (index ``len(scn.families)``), which a window
    accepts when it serves the cross-province family and is a cross-province window
    (or any window, when ``require_window`` is off)."""
    fidx = scn.family_index()
    cross = scn.cross_province
    xp_class = len(scn.families)
    windows = []
    for k, w in enumerate(scn.windows):
        classes = [fidx[f] for f in w.families]
        accepts_remote = (
            cross.enabled
            and cross.family in w.families
            and (w.kind == "cross_province" or not cross.require_window)
        )
        if accepts_remote:
            classes.append(xp_class)
        windows.append(
            WindowState(k, w.id, w.kind, classes, [fidx[f] for f in w.priority], n_classes)
        )
    return windows


def staff_multipliers(scn: Scenario, class_family: Sequence[int], s: int) -> list[float]:
    """Service-time multiplier of staff member ``s`` per queue class (0: may not serve).

    ``class_family[c]`` is the family of queue class ``c`` (-1: none). The multiplier is
    the scenario's ``skill_multipliers`` of the member's level in that family.
    """
    member, mults, fams = scn.staff[s], scn.skill_multipliers, scn.families
    levels = [member.level(fams[f].name) if f >= 0 else "none" for f in class_family]
    return [0.0 if level == "none" else float(mults[level]) for level in levels]


def staffed(w: WindowState, m: Sequence[float]) -> Staffed:
    """What window ``w`` may call when a staff member with multipliers ``m`` (per queue
    class, :func:`staff_multipliers`) sits at it: the classes of the window's kind that the
    member may serve, each at the member's speed (``mult`` is 0 for the others)."""
    accepts = [False] * len(m)
    mult = [0.0] * len(m)
    for c in w.classes:
        if m[c] > 0:
            accepts[c], mult[c] = True, m[c]
    elig = tuple(c for c in w.classes if accepts[c])
    return accepts, mult, elig, tuple(c for c in w.priority if accepts[c])


def restaff(
    windows: Sequence[WindowState],
    assign: Mapping[int, int],
    closing: bool,
    set_staff: Callable[[WindowState, int], None],
    idle: list[WindowState],
    wake: Callable[[WindowState], None],
) -> None:
    """A new staffing block: window ``w`` passes to staff member ``assign.get(w.idx, -1)``
    (-1: nobody; the window closes once its current resident is done) through
    ``set_staff``. At closing time (``closing``) nobody changes: staffed windows go on in
    overtime until nothing they may call is left. A window whose staff changed, or that
    goes into overtime, is woken (an idle one leaves ``idle``) to look at the queues again;
    so is a closed window that now has staff.
    """
    for w in windows:
        s = assign.get(w.idx, -1)
        w.overtime = closing and w.staff >= 0
        if s == w.staff and not w.overtime:
            continue
        if not closing:
            set_staff(w, s)
        if w in idle:
            idle.remove(w)
            wake(w)
        elif not w.is_open and w.staff >= 0:
            wake(w)


def staffing_day(scn: Scenario, plan: DayPlan) -> list[tuple[float, Mapping[int, int] | None]]:
    """The staffing changes of an open day, in time order, as ``(minute, assign)`` pairs
    (minutes since the start of the simulation; ``assign`` maps window index to staff
    index, as :func:`restaff` takes it): each block's staff at its start, nobody (``{}``)
    at a break between blocks and when the last block ends before closing time, then
    ``None`` at closing time (no more tickets; staffed windows go on in overtime).

    Blocks end after they start (the scenario checks it), so the minutes never decrease.
    """
    # Each block's assignment by index, made once per scenario and block (the days of a
    # year repeat a few blocks); read-only, since every day and replication shares it.
    assigned: dict[Block, Mapping[int, int]] = per_scenario(scn, "block_assignments", dict)
    changes: list[tuple[float, Mapping[int, int] | None]] = []
    blocks, close = plan.blocks, plan.hours.close
    for k, b in enumerate(blocks):
        assign = assigned.get(b)
        if assign is None:
            assign = assigned[b] = _block_assignment(scn, b)
        changes.append((plan.offset + b.start, assign))
        if (blocks[k + 1].start if k + 1 < len(blocks) else close) > b.end:
            changes.append((plan.offset + b.end, {}))
    changes.append((plan.offset + close, None))
    return changes


def _block_assignment(scn: Scenario, block: Block) -> Mapping[int, int]:
    """Staff index by window index of a block's ``(window id, staff id)`` pairs."""
    windows = {w.id: k for k, w in enumerate(scn.windows)}
    staff = {s.id: k for k, s in enumerate(scn.staff)}
    return MappingProxyType({windows[w]: staff[s] for w, s in block.assignments})


def staff_day(
    env: simpy.Environment,
    scn: Scenario,
    plan: DayPlan,
    restaff: Callable[[Mapping[int, int], bool], None],
    timeout: Callable[[float], simpy.Event] | None = None,
) -> Generator[simpy.Event, Any, None]:
    """The staffing of an open day, to ``yield from`` in a SimPy process: at each change
    of :func:`staffing_day`, ``restaff(assign, closing)`` (``closing`` at closing time);
    returns at closing time. ``timeout`` makes its waits (default ``env.timeout``)."""
    wait = timeout if timeout is not None else env.timeout
    for t, assign in staffing_day(scn, plan):
        if t > env.now:
            yield wait(t - env.now)
        restaff(assign or {}, assign is None)
