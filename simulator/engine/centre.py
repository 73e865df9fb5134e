"""The SimPy model of one service centre for one replication.

Design: windows call tickets; residents are not processes. Tickets are issued at
pre-drawn times; a ticket either goes straight to an idle eligible window or joins the
FIFO queue of its class (its service family, or the cross-province class for requests
that go to another province's system). The windows and the arrival clock form a
*window bank*: their events are kept in a heap of the model's own and processed in a
plain loop up to the next SimPy event (staffing changes, the monitor, other centres of
a district), in the order and at the float times that one SimPy process per window
would give (see :mod:`simulator.engine.bank`).

Reneging is handled lazily and exactly: a ticket whose patience ran out before a window
calls it is recorded as abandoned at its deadline (abandonment frees no capacity, so
nothing else depends on the moment it is noticed). A schedule process opens and closes
windows by staffing block; at closing time no more tickets are issued, windows open in
the last block keep serving in overtime until no ticket they can serve is left.

A called resident may first walk to the window (the window is held from the call to the
start of service) or not be there at all (a no-show: the window waits a hold time, then
calls the next ticket); both are drawn per resident up front.

Cross-province requests hold the window during the round trip to the home province's
system, up to a timeout; back-office cases queue per bureau behind the front desk and
are worked on by bureau staff during back-office hours on working days (after the run:
nothing at the windows depends on them, see
:func:`simulator.engine.back_office.work_back_office`).

The model writes raw facts only (per-resident times and outcomes, window open
intervals, day closings); KPIs are computed afterwards in :mod:`simulator.analysis.kpis`.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.config.scenario import DayPlan, Scenario
from simulator.engine.back_office import work_back_office
from simulator.engine.bank import _DONE, _TOP, WindowBank, _admit_arrived, _balks_at
from simulator.engine.demand import Residents
from simulator.engine.policies import POLICIES
from simulator.engine.records import (
    ABANDONED,
    DIVERTED,
    NO_SHOW,
    SERVED,
    UNSERVED,
    WAITING,
    RawRecords,
)
from simulator.engine.windows import (
    WindowState,
    restaff,
    staff_day,
    staff_multipliers,
    staffed,
    window_states,
)
from simulator.model.back_office import WORKING_DAY_TYPES
from simulator.model.cross_province import (
    XP_COMPLETED,
    XP_DEFERRED,
    XP_LOCAL,
    XP_NOT_OFFERED,
    XP_REMOTE,
    XP_UNAVAILABLE,
    is_down,
)


@dataclass(frozen=True)
class Guest:
    """What a resident diverted from another centre brings (see :meth:`CentreModel.inject`).
    Item and family indices refer to the catalogue, which all centres of a district share."""

    item: int
    family: int
    service: float
    patience: float
    return_u: float
    origin: int
    xp_kind: int
    remote_delay: float
    bo_work: float
    walk: float = 0.0
    no_show_hold: float = math.nan


class CentreModel(WindowBank):
    """One replication of one centre. Build it, then call :meth:`run` once."""

    def __init__(
        self,
        scn: Scenario,
        plans: list[DayPlan],
        res: Residents,
        monitor_interval: float | None = None,
        outages: Mapping[int, np.ndarray] | None = None,
        env: simpy.Environment | None = None,
        divert: Callable[[CentreModel, int], bool] | None = None,
    ) -> None:
        self.scn = scn
        self.plans = plans
        self.env = env if env is not None else simpy.Environment()
        # With a diversion rule (city-wide handling), every arrival is an event so that
        # the rule sees the live queue at the arrival instant.
        self.divert = divert
        self.eager = divert is not None
        n = len(res)
        self.n = n  # native residents; guests diverted from other centres come after them
        # Read only when a guest comes (city-wide handling): numpy until then (_as_lists).
        self.item: list[int] = _later(res.item)
        self.family: list[int] = _later(res.family)
        self.patience: list[float] = _later(res.patience)
        self.return_u: list[float] = _later(res.return_u)
        self.guest_t: list[float] = []
        nf = len(scn.families)
        fidx = scn.family_index()
        cross = scn.cross_province
        self.xp_on = cross.enabled
        # Queue classes: one per family, plus one for requests to another province.
        self.n_classes = nf + 1 if self.xp_on else nf
        xp_class = nf
        xp_family = fidx.get(cross.family, -1) if self.xp_on else -1
        cls = res.family.astype(np.int64)
        if self.xp_on:
            remote = ((res.xp_kind == XP_REMOTE) | (res.xp_kind == XP_UNAVAILABLE)) & (
                res.origin != 0
            )
            cls = np.where(remote, xp_class, cls)
        # Per-resident data as Python lists: element access is the hot path.
        self.t: list[float] = res.t.tolist()
        self.cls: list[int] = cls.tolist()
        self.base: list[float] = res.service.tolist()
        self.deadline: list[float] = (res.t + res.patience).tolist()
        # Read only by features that are on (else numpy until a guest comes: _as_lists).
        imp = scn.impatience
        self.balk_u: list[float] = _listed(res.balk_u, imp.balk_enabled)
        self.xp_kind: list[int] = _listed(res.xp_kind, self.xp_on)
        self.remote_delay: list[float] = _listed(res.remote_delay, self.xp_on)
        self.origin: list[int] = _listed(res.origin, self.xp_on)
        # Calling: walking time and no-shows (None when off: the hot path skips them).
        calling = scn.calling
        self.calling_on = calling.enabled
        self.walk: list[float] | None = None
        self.ns_hold: list[float] | None = None
        if calling.walk is not None:
            self.walk = (res.walk if res.walk is not None else np.zeros(n)).tolist()
        if calling.no_show_probability > 0:
            hold = res.no_show_hold if res.no_show_hold is not None else np.full(n, np.nan)
            self.ns_hold = hold.tolist()
        self.outcome: list[int] = [WAITING] * n
        self.call: list[float] = [math.nan] * n
        self.leave: list[float] = [math.nan] * n
        self.window: list[int] = [-1] * n
        self.staff_of: list[int] = [-1] * n
        self.svc: list[float] = [math.nan] * n
        self.xp_result: list[int] = [0] * n
        self.remote_wait: list[float] = [0.0] * n
        self.hold_timeout = cross.hold_timeout_min
        self.defer_when_down = cross.defer_when_down
        if self.xp_on and outages is None:
            raise ValueError(
                "cross-province service is on: pass the outages of the replication "
                "(simulator.engine.demand.draw_outages)"
            )
        # Outage intervals per province index, drawn before the run like everything else.
        self.outages: Mapping[int, np.ndarray] = outages if self.xp_on and outages else {}

        # The window bank (see simulator.engine.bank): internal events as (time, number,
        # phase, window, resident), numbered from SimPy's own counter (``seq``) as SimPy
        # numbers its events; ``made`` holds (time, number) of the SimPy events made by
        # this model's processes and not yet happened; ``pumps`` those of the pending
        # pumps. ``queue`` is SimPy's queue, read to know its next event.
        self.bank: list[tuple[float, int, int, Any, int]] = []  # window: WindowState or None
        self.queue = self.env._queue
        self.seq = self.env._eid
        self.made: list[tuple[float, int]] = []
        self.pumps: list[tuple[float, int]] = []
        self._hot: tuple[Any, ...] | None = None  # what _advance reads (_hot_locals)
        self.now = 0.0

        self.queues: list[deque[int]] = [deque() for _ in range(self.n_classes)]
        self.next_i = 0  # first resident not yet admitted (residents are sorted by time)
        self.arrival_timer = False  # an arrival timeout is pending (lazy mode)
        self.n_waiting = 0
        self.heap: list[tuple[float, int]] = []
        imp = scn.impatience
        self.balk_on = imp.balk_enabled
        self.balk_threshold = imp.balk_threshold
        self.balk_p = imp.balk_probability
        self.track_heap = imp.balk_enabled and imp.renege_enabled
        self.no_renege = not imp.renege_enabled

        self.windows = window_states(scn, self.n_classes)
        # Multiplier per queue class of a staff member (0 = may not serve); filled lazily.
        self.class_family = list(range(nf)) + ([xp_family] if self.xp_on else [])
        self._staff_mult: dict[int, list[float]] = {}
        self._staffed: dict[
            tuple[int, int], tuple[list[bool], list[float], tuple[int, ...], tuple[int, ...]]
        ] = {}
        self.policy = POLICIES[scn.policy]()
        self.idle: list[WindowState] = []
        self.n_open = 0
        self.all_closed: simpy.Event | None = None
        self.day_done = [False] * len(plans)
        self.intervals: list[tuple[int, int, float, float]] = []
        self.day_close: list[tuple[int, float, float]] = []
        self.samples: list[tuple[float, int, int, int]] = []
        self.monitor_interval = monitor_interval

        # Back office
        bo = scn.back_office
        self.bo_on = bo.enabled
        self.bo_work: list[float] = _listed(res.bo_work, self.bo_on)
        self.bo_submit: list[float] = [math.nan] * n
        self.bo_done: list[float] = [math.nan] * n
        bureaus = sorted(bo.bureaus) if self.bo_on else []
        bureau_index = {b: k for k, b in enumerate(bureaus)}
        # The bureau index of each item's back-office case (-1: none); guests read it too.
        self.item_bureau: list[int] = [
            bureau_index.get(it.bureau, -1) if it.back_office else -1 for it in scn.items
        ]
        # A served resident's case goes to the back office if the item has one and the
        # resident was not turned back (and the cross-province request not deferred).
        self.bo_bureau: list[int] = []
        self.bo_case: list[bool] = []
        if self.bo_on:
            bureau = np.asarray(self.item_bureau, dtype=np.int64)[res.item]
            self.bo_bureau = bureau.tolist()
            returned = res.return_u < scn.demand.p_return_visit
            self.bo_case = ((bureau >= 0) & ~returned).tolist()
        self.bo_staff = [bo.bureaus[b].staff for b in bureaus]
        self.bo_log: list[int] = []  # cases in the order they were submitted
        periods = (
            [
                (p.offset + bo.open, p.offset + bo.close)
                for p in plans
                if not p.closed and p.day_type in WORKING_DAY_TYPES
            ]
            if self.bo_on
            else []
        )
        self.bo_periods = periods
        self.bo_period_ends = [e for _, e in periods]

    def staff_mult(self, s: int) -> list[float]:
        """Service-time multiplier of staff ``s`` per queue class (0 = may not serve)."""
        m = self._staff_mult.get(s)
        if m is None:
            m = self._staff_mult[s] = staff_multipliers(self.scn, self.class_family, s)
        return m

    # -- queue primitives used by policies --------------------------------------------
    def pop_oldest(self, classes: tuple[int, ...]) -> int:
        """Pop the oldest waiting ticket among queue ``classes``; -1 if none. Tickets whose
        patience ran out are recorded as abandoned on the way."""
        if not self.n_waiting:  # every ticket still queued has left already
            return -1
        if self.no_renege and len(classes) == 1:
            q = self.queues[classes[0]]
            if q:
                self.n_waiting -= 1
                return q.popleft()
            return -1
        now = self.now
        best_i = -1
        best_t = math.inf
        best_q: deque[int] | None = None
        outcome = self.outcome
        deadline = self.deadline
        t = self.t
        queues = self.queues
        for c in classes:
            q = queues[c]
            while q:
                i = q[0]
                if outcome[i] != WAITING:
                    q.popleft()
                    continue
                if deadline[i] <= now:
                    self._abandon(i)
                    q.popleft()
                    continue
                if t[i] < best_t:
                    best_t = t[i]
                    best_i = i
                    best_q = q
                break
        if best_q is not None:
            best_q.popleft()
            self.n_waiting -= 1
        return best_i

    def _abandon(self, i: int) -> None:
        self.outcome[i] = ABANDONED
        self.leave[i] = self.deadline[i]
        self.n_waiting -= 1

    def _purge_expired(self, now: float) -> None:
        heap = self.heap
        outcome = self.outcome
        while heap and heap[0][0] <= now:
            _, i = heapq.heappop(heap)
            if outcome[i] == WAITING:
                self._abandon(i)

    def waiting_now(self) -> int:
        """Exact number of residents waiting now (scans the queues; for monitoring)."""
        now = self.env.now
        if not self.idle:  # with an idle window, nobody who arrived before now is pending
            self.admit(now)
        return sum(
            1
            for q in self.queues
            for i in q
            if self.outcome[i] == WAITING and self.deadline[i] > now
        )

    # -- staffing ---------------------------------------------------------------------
    def _set_staff(self, w: WindowState, s: int) -> None:
        w.staff = s
        if s < 0:
            w.accepts = [False] * self.n_classes
            w.elig = ()
            w.prio_elig = ()
            return
        # What a window may call depends on its kind and its staff member only: computed
        # once per pair (staff change at every block, lunch and closing of the year).
        key = (w.idx, s)
        got = self._staffed.get(key)
        if got is None:
            got = self._staffed[key] = staffed(w, self.staff_mult(s))
        w.accepts, w.mult, w.elig, w.prio_elig = got

    def _apply(self, assign: Mapping[int, int], overtime: bool = False) -> None:
        # The woken windows resume now, after every event made before (numbers): the
        # schedule's next wait runs the bank (_run_ahead).
        restaff(self.windows, assign, overtime, self._set_staff, self.idle, self._wake)

    def _wake(self, w: WindowState) -> None:
        """Wake a waiting window: it looks at its staff and the queues again, now (an
        internal event made now)."""
        if w.waiting:
            w.waiting = False
            heapq.heappush(self.bank, (self.env.now, next(self.seq), _TOP, w, -1))

    # -- processes --------------------------------------------------------------------
    def _balks(self, i: int) -> bool:
        """Balking decision for resident ``i`` on arrival (records it if so)."""
        if self.balk_u[i] >= self.balk_p or self.n_waiting < self.balk_threshold:
            return False  # whatever abandonments are due (they only lower the count)
        return _balks_at(self, i, self.t[i], self.balk_threshold, self.track_heap, self.heap)

    def _enqueue(self, i: int) -> None:
        self.queues[self.cls[i]].append(i)
        self.n_waiting += 1
        if self.track_heap:
            heapq.heappush(self.heap, (self.deadline[i], i))

    def admit(self, now: float) -> None:
        """Admit, in order, every resident who arrived at or before ``now`` into the queues.

        Calls happen only at decision points, so the queue a resident saw on arrival is
        exactly the queue at admission: balking is decided with it, after recording the
        abandonments whose deadline had passed by the resident's arrival.
        """
        i = self.next_i
        n = self.n
        t = self.t
        if i >= n or t[i] > now or self.eager:
            return
        queues, cls = self.queues, self.cls
        if not self.balk_on and not self.track_heap:
            first = i
            while i < n and t[i] <= now:
                queues[cls[i]].append(i)
                i += 1
            self.n_waiting += i - first
            self.next_i = i
            return
        # _enqueue written out (the hot path of a busy centre), in one function that the
        # window bank's loop calls too.
        self.next_i = _admit_arrived(
            self, i, now, t, n, cls, queues, self.deadline, self.heap,
            self.balk_on, self.balk_u, self.balk_p, self.balk_threshold, self.track_heap,
        )  # fmt: skip

    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        """With a diversion rule (eager mode): every arrival is an event, so that the rule
        sees the live queue at the arrival instant."""
        env = self.env
        t = self.t
        policy = self.policy
        cls = self.cls
        balk_on = self.balk_on
        while self.next_i < self.n:
            i = self.next_i
            if t[i] > env.now:
                yield self._wait(t[i] - env.now)
                continue
            # A resident arriving now: go elsewhere, balk, go straight to an idle window,
            # or queue.
            self.next_i = i + 1
            if self.divert is not None and self.divert(self, i):
                self.outcome[i] = DIVERTED
                self.leave[i] = t[i]
                continue
            if balk_on and self._balks(i):
                continue
            w = policy.pick_idle(self, cls[i])
            if w is not None:
                self.idle.remove(w)
                self._dispatch(w, i, env.now)
            else:
                self._enqueue(i)
        self._end()

    def _dispatch(self, w: WindowState, i: int, now: float) -> None:
        """Idle window ``w`` calls resident ``i`` who arrives at ``now``: the service
        starts at once and the window resumes at its end (an internal event)."""
        w.waiting = False
        self.call[i] = now
        self.window[i] = w.idx
        self.staff_of[i] = w.staff
        if self.calling_on:
            dur = self._called(w, i)
        else:
            self.outcome[i] = SERVED
            dur = self.base[i] * w.mult[self.cls[i]]
            self.svc[i] = dur
        heapq.heappush(self.bank, (now + dur, next(self.seq), _DONE, w, i))

    def _called(self, w: WindowState, i: int) -> float:
        """Window ``w`` calls resident ``i`` now (walking time or no-shows on): records
        the outcome and returns the minutes the window is held. A no-show holds it for
        the resident's hold time; anyone else walks to the window, then is served."""
        hold = self.ns_hold[i] if self.ns_hold is not None else math.nan
        if hold == hold:  # not NaN: nobody comes
            self.outcome[i] = NO_SHOW
            return hold
        self.outcome[i] = SERVED
        dur = self.base[i] * w.mult[self.cls[i]]
        self.svc[i] = dur
        return dur + self.walk[i] if self.walk is not None else dur

    def _cross_province(self, i: int, now: float) -> float:
        """Window service of resident ``i`` ended at ``now``: the request goes to the home
        province's system; returns how long the window holds the resident (0: not at all).
        The outcome is recorded now (nothing reads it before the hold ends)."""
        kind = self.xp_kind[i]
        if kind == XP_LOCAL:
            self.xp_result[i] = XP_COMPLETED
            return 0.0
        if kind == XP_UNAVAILABLE:
            self.xp_result[i] = XP_NOT_OFFERED
            return 0.0
        delay = self.remote_delay[i]
        wait_cap = self.hold_timeout
        if is_down(self.outages.get(self.origin[i], _NO_OUTAGES), now):
            delay = math.inf  # no answer: the window holds the resident for the timeout,
            if self.defer_when_down:  # unless the clerk sees the outage and defers at once
                wait_cap = 0.0
        wait = min(delay, wait_cap)
        self.remote_wait[i] = wait
        self.xp_result[i] = XP_COMPLETED if delay <= self.hold_timeout else XP_DEFERRED
        return wait

    def _close(self, w: WindowState, now: float) -> None:
        w.is_open = False
        self.intervals.append((w.idx, -1, w.open_since, now))
        self.n_open -= 1
        if self.n_open == 0 and self.all_closed is not None and not self.all_closed.triggered:
            self._succeed(self.all_closed)

    def _schedule(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for plan in self.plans:
            if plan.closed or not plan.blocks:
                self.day_done[plan.index] = True
                continue
            # Blocks and breaks; at closing time, open windows serve what is left.
            yield from staff_day(env, self.scn, plan, self._apply, self._wait)
            close = plan.offset + plan.hours.close
            if self.n_open > 0:
                self.all_closed = env.event()
                self._run_ahead()
                yield self.all_closed
                self.all_closed = None
            self._end_of_day()
            self.day_close.append((plan.index, close, max(close, env.now)))
            self.day_done[plan.index] = True
        self._end()

    def _end_of_day(self) -> None:
        """Everyone still waiting when the last window closes goes home unserved (or had
        already abandoned)."""
        now = self.env.now
        self.admit(now)
        for q in self.queues:
            for i in q:
                if self.outcome[i] == WAITING:
                    if self.deadline[i] <= now:
                        self.outcome[i] = ABANDONED
                        self.leave[i] = self.deadline[i]
                    else:
                        self.outcome[i] = UNSERVED
                        self.leave[i] = now
            q.clear()
        self.heap.clear()
        self.n_waiting = 0

    # -- back office ------------------------------------------------------------------
    def _monitor(self, interval: float) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for plan in self.plans:
            if plan.closed or not plan.blocks:
                continue
            start = plan.offset + plan.hours.open
            if start > env.now:
                yield self._wait(start - env.now)
            while not self.day_done[plan.index]:
                busy = sum(1 for w in self.windows if w.is_open and w not in self.idle)
                self.samples.append((env.now, self.waiting_now(), busy, self.n_open))
                yield self._wait(interval)
        self._end()

    def inject(self, guest: Guest) -> int:
        """A resident diverted from another centre arrives now; returns the local index.

        The guest does not balk (they chose to come); patience restarts on arrival.
        """
        self._as_lists()
        now = self.env.now
        i = len(self.t)
        self.t.append(now)
        self.guest_t.append(now)
        self.item.append(guest.item)
        self.family.append(guest.family)
        self.patience.append(guest.patience)
        self.return_u.append(guest.return_u)
        cls = guest.family
        if self.xp_on and guest.xp_kind in (XP_REMOTE, XP_UNAVAILABLE) and guest.origin != 0:
            cls = self.n_classes - 1
        self.cls.append(cls)
        self.base.append(guest.service)
        self.deadline.append(now + guest.patience)
        self.balk_u.append(1.0)
        self.xp_kind.append(guest.xp_kind)
        self.remote_delay.append(guest.remote_delay)
        self.origin.append(guest.origin)
        if self.walk is not None:
            self.walk.append(guest.walk)
        if self.ns_hold is not None:
            self.ns_hold.append(guest.no_show_hold)
        self.outcome.append(WAITING)
        self.window.append(-1)
        self.staff_of.append(-1)
        self.xp_result.append(0)
        self.remote_wait.append(0.0)
        for lst in (self.call, self.leave, self.svc, self.bo_submit, self.bo_done):
            lst.append(math.nan)
        self.bo_work.append(guest.bo_work)
        if self.bo_on:
            bureau = self.item_bureau[guest.item]
            self.bo_bureau.append(bureau)
            self.bo_case.append(bureau >= 0 and not guest.return_u < self.scn.demand.p_return_visit)
        w = self.policy.pick_idle(self, cls) if self.idle else None
        if w is not None:
            self.idle.remove(w)
            self._dispatch(w, i, now)
            self._ensure_pump()
        else:
            self._enqueue(i)
        return i

    def _as_lists(self) -> None:
        """Make every per-resident field a list (guests extend them): those read only by
        guests or by features that are off were kept as numpy arrays (converting them
        is a good part of setting up a large replication)."""
        for name in _LATER:
            value = getattr(self, name)
            if isinstance(value, np.ndarray):
                setattr(self, name, value.tolist())
                self._hot = None  # _advance reads the lists

    def start(self) -> None:
        """Register the model's processes with its environment (shared in a district)."""
        env = self.env
        for w in self.windows:  # closed, waiting for staff
            w.waiting = True
        gens: list[Generator[simpy.Event, Any, None]] = [self._schedule()]
        if self.eager:
            gens.append(self._arrivals())
        if self.monitor_interval:
            gens.append(self._monitor(self.monitor_interval))
        self._generators = gens
        for g in gens:
            env.process(g)

    def run(self) -> RawRecords:
        """Run the replication to the end and return its raw records."""
        self.start()
        self.env.run()
        return self.finish()

    def finish(self) -> RawRecords:
        """Raw records after the environment has run out of events (the back office
        works its cases here)."""
        # Processes not run to their end (in a district) hold the model through their
        # frames, and the bank's entries hold windows: drop them so the replication's
        # memory is freed at once, not by the cycle collector some time later.
        for g in getattr(self, "_generators", []):
            g.close()
        self._generators = []
        self.bank = []
        if self.bo_on:
            work_back_office(
                self.bo_log,
                self.bo_bureau,
                self.bo_submit,
                self.bo_work,
                self.bo_done,
                self.bo_staff,
                self.bo_periods,
                self.bo_period_ends,
            )
        outcome = _array(self.outcome, np.int8)
        left = _array(self.leave)
        # Residents never reached (e.g. arriving on a day with no open window).
        never = outcome == WAITING
        if never.any():
            outcome[never] = UNSERVED
            left[never] = np.asarray(self.t)[never]
        call = _array(self.call)
        served = outcome == SERVED
        size = len(outcome)
        # Written only by cross-province service and the back office: zeros / NaN if off.
        remote_wait = _array(self.remote_wait) if self.xp_on else np.zeros(size)
        svc = _array(self.svc)
        walk = np.where(served, np.asarray(self.walk) if self.walk is not None else 0.0, np.nan)
        if self.ns_hold is not None:
            absent = outcome == NO_SHOW
            leave = np.where(served | absent, call, left)
            end = np.where(
                served,
                call + walk + svc + remote_wait,
                np.where(absent, call + np.asarray(self.ns_hold), np.nan),
            )
        else:
            leave = np.where(served, call, left)
            end = (
                np.where(served, call + walk + svc + remote_wait, np.nan)
                if self.walk is not None
                else np.where(served, call + svc + remote_wait, np.nan)
            )
        return RawRecords(
            outcome=outcome,
            call=call,
            leave=leave,
            end=end,
            window=_array(self.window, np.int32),
            staff=_array(self.staff_of, np.int32),
            service=svc,
            walk=walk,
            xp_result=_array(self.xp_result, np.int8)
            if self.xp_on
            else np.zeros(size, dtype=np.int8),
            remote_wait=remote_wait,
            bo_submit=_array(self.bo_submit) if self.bo_on else np.full(size, np.nan),
            bo_done=_array(self.bo_done) if self.bo_on else np.full(size, np.nan),
            win_intervals=np.asarray(self.intervals, dtype=float).reshape(-1, 4),
            day_close=np.asarray(self.day_close, dtype=float).reshape(-1, 3),
            monitor=np.asarray(self.samples, dtype=float).reshape(-1, 4),
        )


_NO_OUTAGES = np.empty((0, 2))


def _array(values: Sequence[Any], dtype: Any = np.float64) -> np.ndarray:
    """A per-resident record field (a list) as a new numpy array of ``dtype``: read
    element by element with the type known (``np.fromiter``), about 40 % faster for
    floats than :func:`numpy.asarray` guessing the type from the values; the same
    numbers (the fields are floats, or small ints for the integer types)."""
    return np.fromiter(values, dtype=dtype, count=len(values))


# Per-resident fields kept as numpy arrays while nothing reads them as lists.
_LATER = (
    "item",
    "family",
    "patience",
    "return_u",
    "balk_u",
    "xp_kind",
    "remote_delay",
    "origin",
    "bo_work",
)


def _later(values: np.ndarray) -> Any:
    """A per-resident field that stays a numpy array until a guest comes (_as_lists)."""
    return values


def _listed(values: np.ndarray, used: bool) -> Any:
    """A per-resident field as a list if a feature that is on reads it, else as numpy
    until a guest comes (see CentreModel._as_lists)."""
    return values.tolist() if used else values
