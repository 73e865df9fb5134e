"""A resident's journey: the reference model, one SimPy process per resident. Read it first.

:meth:`Hall.resident` tells it: arrive and take a ticket, balk at a long queue or join
it, wait until a window calls or patience runs out, walk to the window (or be absent: a
no-show), be served at the speed of the staff member who called, wait at the window
while a request goes to the home province's system and back, hand the case over to the
back office, leave. Windows and the staffing plan are processes too; a window calls
through the calling policy, which sees this hall through the same narrow interface
(:class:`~simulator.engine.policies.Hall`) as the fast engine.

:class:`~simulator.engine.centre.CentreModel` computes the same records faster (lazy
arrivals and reneging, no process per resident); tests/engine/test_journey.py checks on
small random scenarios that both give the same :class:`RawRecords`. Not modelled here:
city-wide diversion (guests from other centres) and the live-queue monitor.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Generator, Mapping
from typing import Any

import numpy as np
import simpy

from simulator.config.scenario import DayPlan, Scenario
from simulator.engine import windows as rules  # the staffing plan's rules
from simulator.engine.demand import Residents
from simulator.engine.policies import POLICIES
from simulator.engine.records import ABANDONED, BALKED, NO_SHOW, SERVED, UNSERVED, RawRecords
from simulator.engine.windows import WindowState
from simulator.model import cross_province as xpm
from simulator.model.back_office import WORKING_DAY_TYPES

Process = Generator[simpy.Event, Any, None]


class Hall:
    """One replication of one centre; :meth:`run` returns its records."""

    def __init__(
        self, scn: Scenario, plans: list[DayPlan], res: Residents, outages: Mapping[int, Any]
    ) -> None:
        self.scn, self.plans, self.res, self.outages = scn, plans, res, outages
        self.env = env = simpy.Environment()
        n, nf, xp, fidx = len(res), len(scn.families), scn.cross_province, scn.family_index()
        # Queue class: the family, or one class for requests to another province's system.
        remote = np.isin(res.xp_kind, (xpm.XP_REMOTE, xpm.XP_UNAVAILABLE)) & (res.origin != 0)
        self.cls = np.where(xp.enabled & remote, nf, res.family).tolist()
        self.class_family = [*range(nf), fidx.get(xp.family, -1)]
        self.windows = rules.window_states(scn, nf + 1)  # and the queue classes each one takes
        self.free = [env.event() for _ in self.windows]  # succeeds when a resident leaves it
        self.policy = POLICIES[scn.policy]()
        self.idle: list[WindowState] = []  # idle open windows, longest idle first
        self.waiting: list[int] = []  # tickets in the queue, oldest first
        self.ticket = [env.event() for _ in range(n)]  # succeeds when called (or sent home)
        self.n_open, self.all_closed = 0, env.event()  # all_closed: the day's last window
        bo = scn.back_office
        bureaus = sorted(bo.bureaus) if bo.enabled else []
        self.bureau = [bureaus.index(it.bureau) if it.back_office else -1 for it in scn.items]
        self.trays = [simpy.Store(env) for _ in bureaus]  # cases waiting for a clerk
        self.clerks = [bo.bureaus[b].staff for b in bureaus]
        working = [p for p in plans if not p.closed and p.day_type in WORKING_DAY_TYPES]
        self.bo_hours = [(p.offset + bo.open, p.offset + bo.close) for p in working]
        self.call, self.leave, self.end, self.service = np.full((4, n), math.nan)
        self.walk, self.bo_submit, self.bo_done = np.full((3, n), math.nan)
        self.outcome, self.xp_result = np.zeros((2, n), dtype=np.int8)
        self.window, self.staff = np.full((2, n), -1, dtype=np.int32)
        self.remote_wait = np.zeros(n)
        self.intervals: list[tuple[int, int, float, float]] = []
        self.day_close: list[tuple[int, float, float]] = []

    def resident(self, i: int) -> Process:
        """The journey of resident ``i``."""
        env, r, scn, imp = self.env, self.res, self.scn, self.scn.impatience
        yield env.timeout(r.t[i])  # arrive and take a ticket
        crowd = imp.balk_enabled and len(self.waiting) >= imp.balk_threshold
        if crowd and r.balk_u[i] < imp.balk_probability:  # the queue is too long: go home
            self.outcome[i], self.leave[i] = BALKED, env.now
            return
        self.waiting.append(i)
        w = self.policy.pick_idle(self, self.cls[i])  # an idle window calls at once
        if w is not None:
            self.idle.remove(w)
            self.rouse(w)
        patience = env.timeout(r.patience[i]) if math.isfinite(r.patience[i]) else env.event()
        yield self.ticket[i] | patience
        self.leave[i] = env.now
        if not self.ticket[i].triggered:  # patience ran out before the call
            self.waiting.remove(i)
            self.outcome[i] = ABANDONED
            return
        if (w := self.ticket[i].value) is None:  # the last window closed: go home unserved
            self.outcome[i] = UNSERVED
            return
        self.call[i], self.window[i], self.staff[i] = env.now, w.idx, w.staff
        speed = w.mult[self.cls[i]]  # of the staff member who called (staff may change)
        if r.no_show_hold is not None and not math.isnan(r.no_show_hold[i]):
            self.outcome[i] = NO_SHOW  # not there: the window waits, then calls the next
            yield env.timeout(r.no_show_hold[i])
            self.leave_window(w, i)
            return
        self.outcome[i] = SERVED
        self.walk[i] = r.walk[i] if scn.calling.walk is not None and r.walk is not None else 0.0
        yield env.timeout(self.walk[i])  # walk to the window
        self.service[i] = r.service[i] * speed
        yield env.timeout(self.service[i])
        if scn.cross_province.enabled and r.xp_kind[i]:
            yield from self.cross_province(i)
        self.leave_window(w, i)
        returned = r.return_u[i] < scn.demand.p_return_visit  # documents missing: come back
        handed = self.xp_result[i] not in (xpm.XP_DEFERRED, xpm.XP_NOT_OFFERED)
        if scn.back_office.enabled and self.bureau[r.item[i]] >= 0 and not returned and handed:
            self.bo_submit[i] = env.now
            self.trays[self.bureau[r.item[i]]].put(i)

    def cross_province(self, i: int) -> Process:
        """At the window: the request goes to the home province's system and back."""
        r, timeout, kind = self.res, self.scn.cross_province.hold_timeout_min, self.res.xp_kind[i]
        if kind in (xpm.XP_LOCAL, xpm.XP_UNAVAILABLE):  # done here / not offered at home
            self.xp_result[i] = xpm.XP_COMPLETED if kind == xpm.XP_LOCAL else xpm.XP_NOT_OFFERED
            return
        down = xpm.is_down(self.outages.get(int(r.origin[i]), np.empty((0, 2))), self.env.now)
        delay = math.inf if down else r.remote_delay[i]
        if down and self.scn.cross_province.defer_when_down:
            timeout = 0.0  # the clerk sees the outage and defers at once
        self.remote_wait[i] = min(delay, timeout)  # the window holds the resident meanwhile
        if self.remote_wait[i] > 0:
            yield self.env.timeout(self.remote_wait[i])
        self.xp_result[i] = xpm.XP_COMPLETED if delay <= timeout else xpm.XP_DEFERRED

    def leave_window(self, w: WindowState, i: int) -> None:
        self.end[i] = self.env.now
        self.free[w.idx].succeed()

    def pop_oldest(self, classes: tuple[int, ...]) -> int:
        """The policy's call: remove the oldest waiting ticket of ``classes``; -1 if none."""
        i = next((i for i in self.waiting if self.cls[i] in classes), -1)
        if i >= 0:
            self.waiting.remove(i)
        return i

    def run_window(self, w: WindowState) -> Process:
        """A window calls tickets while staffed; it closes when its staff member leaves."""
        env = self.env
        while True:
            if w.staff < 0:
                if w.is_open:
                    w.is_open, self.n_open = False, self.n_open - 1
                    self.intervals.append((w.idx, -1, w.open_since, env.now))
                    if self.n_open == 0 and not self.all_closed.triggered:
                        self.all_closed.succeed()
                yield from self.sleep(w)
                continue
            if not w.is_open:
                w.is_open, w.open_since, self.n_open = True, env.now, self.n_open + 1
            if (i := self.policy.select(self, w)) >= 0:  # call; wait until the window is free
                free = self.free[w.idx] = env.event()
                self.ticket[i].succeed(w)
                yield free
            elif w.overtime:  # after closing time with nothing left to call: close
                w.overtime = False
                self.set_staff(w, -1)
            else:
                self.idle.append(w)
                yield from self.sleep(w)

    def sleep(self, w: WindowState) -> Process:
        w.wake = self.env.event()
        yield w.wake

    def rouse(self, w: WindowState) -> None:
        if w.wake is not None and not w.wake.triggered:
            w.wake.succeed()
        w.wake = None

    def set_staff(self, w: WindowState, s: int) -> None:
        """Staff member ``s`` (-1: nobody) takes window ``w``: what it may call, how fast."""
        nobody = [0.0] * len(self.class_family)
        m = rules.staff_multipliers(self.scn, self.class_family, s) if s >= 0 else nobody
        w.staff, (w.accepts, w.mult, w.elig, w.prio_elig) = s, rules.staffed(w, m)

    def assign(self, plan: Mapping[int, int], closing: bool = False) -> None:
        """A new staffing block; at closing time, staffed windows go on in overtime."""
        rules.restaff(self.windows, plan, closing, self.set_staff, self.idle, self.rouse)

    def staffing(self) -> Process:
        """The staffing plan, block by block; at closing time windows finish the queue."""
        env = self.env
        for plan in (p for p in self.plans if not p.closed and p.blocks):
            yield from rules.staff_day(env, self.scn, plan, self.assign)  # blocks, breaks, closing
            close = plan.offset + plan.hours.close
            if self.n_open > 0:
                self.all_closed = env.event()
                yield self.all_closed
            for i in self.waiting:  # still waiting when the last window closed: go home
                self.ticket[i].succeed(None)
            self.waiting.clear()
            self.day_close.append((plan.index, close, max(close, env.now)))

    def clerk(self, b: int) -> Process:
        """A back-office clerk: oldest case first, worked on in back-office hours only."""
        env, ends = self.env, [e for _, e in self.bo_hours]
        while True:
            i = yield self.trays[b].get()
            remaining = float(self.res.bo_work[i])
            while remaining > 1e-9:
                if (k := bisect.bisect_right(ends, env.now)) == len(ends):
                    return  # no working time left in the horizon: the case stays open
                start, stop = self.bo_hours[k]
                if env.now < start:
                    yield env.timeout(start - env.now)
                chunk = min(remaining, stop - env.now)
                yield env.timeout(chunk)
                remaining -= chunk
            self.bo_done[i] = env.now

    def run(self) -> RawRecords:
        procs = [self.run_window(w) for w in self.windows] + [self.staffing()]
        procs += [self.resident(i) for i in range(len(self.res))]
        procs += [self.clerk(b) for b, k in enumerate(self.clerks) for _ in range(k)]
        for p in procs:
            self.env.process(p)
        self.env.run()
        never = self.outcome == 0  # never called nor sent home (no window opened again)
        self.outcome[never], self.leave[never] = UNSERVED, self.res.t[never]
        self.walk[self.outcome != SERVED] = math.nan
        return RawRecords(
            self.outcome, self.call, self.leave, self.end, self.window, self.staff,
            self.service, self.walk, self.xp_result, self.remote_wait, self.bo_submit,
            self.bo_done, np.asarray(self.intervals, dtype=float).reshape(-1, 4),
            np.asarray(self.day_close, dtype=float).reshape(-1, 3), np.empty((0, 4)),
        )  # fmt: skip


def run_journeys(
    scn: Scenario, plans: list[DayPlan], res: Residents, outages: Mapping[int, Any]
) -> RawRecords:
    """Run one replication with the reference model (see the module docstring)."""
    return Hall(scn, plans, res, outages).run()
