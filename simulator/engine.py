"""The SimPy model of one service centre for one replication.

Design: windows are SimPy processes that call tickets; residents are not processes.
A single arrival process issues tickets at pre-drawn times; a ticket either goes
straight to an idle eligible window or joins its family's FIFO queue. Reneging is
handled lazily and exactly: a ticket whose patience ran out before a window calls it is
recorded as abandoned at its deadline (abandonment frees no capacity, so nothing else
depends on the moment it is noticed). A schedule process opens and closes windows by
staffing block; at closing time no more tickets are issued, windows open in the last
block keep serving in overtime until no ticket they can serve is left.

The model writes raw facts only (per-resident times and outcomes, window open
intervals, day closings); KPIs are computed afterwards in :mod:`simulator.kpis`.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

import numpy as np
import simpy

from simulator.demand import Residents
from simulator.policies import POLICIES
from simulator.scenario import DayPlan, Scenario

WAITING, SERVED, ABANDONED, BALKED, UNSERVED, IN_SERVICE = range(6)
OUTCOMES = ("waiting", "served", "abandoned", "balked", "unserved", "in_service")


class WindowState:
    """Runtime state of one window (the static description is ``scenario.Window``)."""

    __slots__ = (
        "accepts",
        "elig",
        "families",
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
        "wake",
    )

    def __init__(
        self,
        idx: int,
        wid: str,
        kind: str,
        families: list[int],
        priority: list[int],
        n_families: int,
    ) -> None:
        self.idx = idx
        self.id = wid
        self.kind = kind
        self.families = families
        self.priority = priority
        self.staff = -1
        self.accepts = [False] * n_families
        self.mult = [0.0] * n_families
        self.elig: tuple[int, ...] = ()
        self.prio_elig: tuple[int, ...] = ()
        self.wake: simpy.Event | None = None
        self.is_open = False
        self.open_since = 0.0
        self.overtime = False


@dataclass(frozen=True)
class RawRecords:
    """Raw facts of one replication (times in minutes since midnight of day 0).

    Per resident (aligned with :class:`~simulator.demand.Residents`): ``outcome`` code
    (see :data:`OUTCOMES`), ``call`` (time called, NaN if never), ``leave`` (time the
    resident left the queue: call, abandonment, or end of day), ``end`` (end of service),
    ``window`` and ``staff`` (indices, -1 if not served), ``service`` (actual minutes).
    Per window interval: ``win_intervals`` rows (window, staff, open, close).
    Per day: ``day_close`` rows (day, closing time, time the last window closed).
    ``monitor`` rows (time, residents waiting, busy windows, open windows) when sampled.
    """

    outcome: np.ndarray
    call: np.ndarray
    leave: np.ndarray
    end: np.ndarray
    window: np.ndarray
    staff: np.ndarray
    service: np.ndarray
    win_intervals: np.ndarray
    day_close: np.ndarray
    monitor: np.ndarray


class CentreModel:
    """One replication of one centre. Build it, then call :meth:`run` once."""

    def __init__(
        self,
        scn: Scenario,
        plans: list[DayPlan],
        res: Residents,
        monitor_interval: float | None = None,
    ) -> None:
        self.scn = scn
        self.plans = plans
        self.env = simpy.Environment()
        n = len(res)
        self.n = n
        # Per-resident data as Python lists: element access is the hot path.
        self.t: list[float] = res.t.tolist()
        self.fam: list[int] = res.family.tolist()
        self.base: list[float] = res.service.tolist()
        self.deadline: list[float] = (res.t + res.patience).tolist()
        self.balk_u: list[float] = res.balk_u.tolist()
        self.outcome: list[int] = [WAITING] * n
        self.call: list[float] = [math.nan] * n
        self.leave: list[float] = [math.nan] * n
        self.end: list[float] = [math.nan] * n
        self.window: list[int] = [-1] * n
        self.staff_of: list[int] = [-1] * n
        self.svc: list[float] = [math.nan] * n

        fidx = scn.family_index()
        nf = len(scn.families)
        self.queues: list[deque[int]] = [deque() for _ in range(nf)]
        self.n_waiting = 0
        self.heap: list[tuple[float, int]] = []
        imp = scn.impatience
        self.balk_on = imp.balk_enabled
        self.balk_threshold = imp.balk_threshold
        self.balk_p = imp.balk_probability
        self.track_heap = imp.balk_enabled and imp.renege_enabled

        self.windows = [
            WindowState(
                k, w.id, w.kind, [fidx[f] for f in w.families], [fidx[f] for f in w.priority], nf
            )
            for k, w in enumerate(scn.windows)
        ]
        self.window_index = {w.id: k for k, w in enumerate(scn.windows)}
        self.staff_index = {s.id: k for k, s in enumerate(scn.staff)}
        # Skill multiplier per staff per family (0 = may not serve).
        mults = scn.skill_multipliers
        self.staff_mult = [
            [
                0.0 if s.level(f.name) == "none" else float(mults[s.level(f.name)])
                for f in scn.families
            ]
            for s in scn.staff
        ]
        self.policy = POLICIES[scn.policy]()
        self.idle: list[WindowState] = []
        self.n_open = 0
        self.all_closed: simpy.Event | None = None
        self.day_done = [False] * len(plans)
        self.intervals: list[tuple[int, int, float, float]] = []
        self.day_close: list[tuple[int, float, float]] = []
        self.samples: list[tuple[float, int, int, int]] = []
        self.monitor_interval = monitor_interval

    # -- queue primitives used by policies --------------------------------------------
    def pop_oldest(self, families: tuple[int, ...]) -> int:
        """Pop the oldest waiting ticket among ``families``; -1 if none. Tickets whose
        patience ran out are recorded as abandoned on the way."""
        now = self.env.now
        best_i = -1
        best_t = math.inf
        best_q: deque[int] | None = None
        outcome = self.outcome
        deadline = self.deadline
        for f in families:
            q = self.queues[f]
            while q:
                i = q[0]
                if outcome[i] != WAITING:
                    q.popleft()
                    continue
                if deadline[i] <= now:
                    self._abandon(i)
                    q.popleft()
                    continue
                if self.t[i] < best_t:
                    best_t = self.t[i]
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
        return sum(
            1
            for q in self.queues
            for i in q
            if self.outcome[i] == WAITING and self.deadline[i] > now
        )

    # -- staffing ---------------------------------------------------------------------
    def _set_staff(self, w: WindowState, s: int) -> None:
        w.staff = s
        nf = len(w.accepts)
        if s < 0:
            w.accepts = [False] * nf
            w.elig = ()
            w.prio_elig = ()
            return
        m = self.staff_mult[s]
        accepts = [False] * nf
        mult = [0.0] * nf
        for f in w.families:
            if m[f] > 0:
                accepts[f] = True
                mult[f] = m[f]
        w.accepts = accepts
        w.mult = mult
        w.elig = tuple(f for f in w.families if accepts[f])
        w.prio_elig = tuple(f for f in w.priority if accepts[f])

    def _apply(self, assign: dict[int, int], overtime: bool = False) -> None:
        for w in self.windows:
            s = assign.get(w.idx, -1)
            w.overtime = overtime and w.staff >= 0
            if s == w.staff and not w.overtime:
                continue
            if not overtime:
                self._set_staff(w, s)
            if w in self.idle:
                self.idle.remove(w)
                self._wake(w, None)
            elif not w.is_open and w.staff >= 0 and w.wake is not None:
                self._wake(w, None)

    def _wake(self, w: WindowState, value: int | None) -> None:
        ev = w.wake
        w.wake = None
        if ev is not None and not ev.triggered:
            ev.succeed(value)

    # -- processes --------------------------------------------------------------------
    def _arrivals(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        t = self.t
        fam = self.fam
        queues = self.queues
        policy = self.policy
        idle = self.idle
        balk_on = self.balk_on
        track_heap = self.track_heap
        for i in range(self.n):
            dt = t[i] - env.now
            if dt > 0:
                yield env.timeout(dt)
            f = fam[i]
            if balk_on:
                if track_heap:
                    self._purge_expired(env.now)
                if self.n_waiting >= self.balk_threshold and self.balk_u[i] < self.balk_p:
                    self.outcome[i] = BALKED
                    self.leave[i] = t[i]
                    continue
            if idle:
                w = policy.pick_idle(self, f)
                if w is not None:
                    idle.remove(w)
                    self._wake(w, i)
                    continue
            queues[f].append(i)
            self.n_waiting += 1
            if track_heap:
                heapq.heappush(self.heap, (self.deadline[i], i))

    def _window(self, w: WindowState) -> Generator[simpy.Event, Any, None]:
        env = self.env
        outcome = self.outcome
        policy = self.policy
        while True:
            if w.staff < 0:
                if w.is_open:
                    self._close(w)
                w.wake = env.event()
                yield w.wake
                continue
            if not w.is_open:
                w.is_open = True
                w.open_since = env.now
                self.n_open += 1
            i = policy.select(self, w)
            if i < 0:
                if w.overtime:
                    w.overtime = False
                    self._set_staff(w, -1)
                    continue
                w.wake = env.event()
                self.idle.append(w)
                got = yield w.wake
                if got is None:
                    continue
                i = got
            now = env.now
            outcome[i] = IN_SERVICE
            self.call[i] = now
            self.leave[i] = now
            self.window[i] = w.idx
            self.staff_of[i] = w.staff
            dur = self.base[i] * w.mult[self.fam[i]]
            self.svc[i] = dur
            yield env.timeout(dur)
            outcome[i] = SERVED
            self.end[i] = env.now

    def _close(self, w: WindowState) -> None:
        w.is_open = False
        self.intervals.append((w.idx, -1, w.open_since, self.env.now))
        self.n_open -= 1
        if self.n_open == 0 and self.all_closed is not None and not self.all_closed.triggered:
            self.all_closed.succeed()

    def _schedule(self) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for plan in self.plans:
            if plan.closed or not plan.blocks:
                self.day_done[plan.index] = True
                continue
            blocks = plan.blocks
            for k, b in enumerate(blocks):
                start = plan.offset + b.start
                if start > env.now:
                    yield env.timeout(start - env.now)
                assign = {
                    self.window_index[wid]: self.staff_index[sid] for wid, sid in b.assignments
                }
                self._apply(assign)
                yield env.timeout(plan.offset + b.end - env.now)
                last = k == len(blocks) - 1
                if not last and blocks[k + 1].start > b.end:
                    self._apply({})
            close = plan.offset + plan.hours.close
            if blocks[-1].end < plan.hours.close:
                self._apply({})
            if close > env.now:
                yield env.timeout(close - env.now)
            # Closing time: no more tickets; open windows serve what is left.
            self._apply({}, overtime=True)
            if self.n_open > 0:
                self.all_closed = env.event()
                yield self.all_closed
                self.all_closed = None
            self._end_of_day()
            self.day_close.append((plan.index, close, max(close, env.now)))
            self.day_done[plan.index] = True

    def _end_of_day(self) -> None:
        """Everyone still waiting when the last window closes goes home unserved (or had
        already abandoned)."""
        now = self.env.now
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

    def _monitor(self, interval: float) -> Generator[simpy.Event, Any, None]:
        env = self.env
        for plan in self.plans:
            if plan.closed or not plan.blocks:
                continue
            start = plan.offset + plan.hours.open
            if start > env.now:
                yield env.timeout(start - env.now)
            while not self.day_done[plan.index]:
                busy = sum(1 for w in self.windows if w.is_open and w not in self.idle)
                self.samples.append((env.now, self.waiting_now(), busy, self.n_open))
                yield env.timeout(interval)

    def run(self) -> RawRecords:
        """Run the replication to the end and return its raw records."""
        env = self.env
        for w in self.windows:
            env.process(self._window(w))
        env.process(self._schedule())
        env.process(self._arrivals())
        if self.monitor_interval:
            env.process(self._monitor(self.monitor_interval))
        env.run()
        # Residents never reached (e.g. arriving on a day with no open window).
        for i in range(self.n):
            if self.outcome[i] == WAITING:
                self.outcome[i] = UNSERVED
                self.leave[i] = self.t[i]
        return RawRecords(
            outcome=np.asarray(self.outcome, dtype=np.int8),
            call=np.asarray(self.call),
            leave=np.asarray(self.leave),
            end=np.asarray(self.end),
            window=np.asarray(self.window, dtype=np.int32),
            staff=np.asarray(self.staff_of, dtype=np.int32),
            service=np.asarray(self.svc),
            win_intervals=np.asarray(self.intervals, dtype=float).reshape(-1, 4),
            day_close=np.asarray(self.day_close, dtype=float).reshape(-1, 3),
            monitor=np.asarray(self.samples, dtype=float).reshape(-1, 4),
        )
