"""The window bank of the fast engine: windows and the arrival clock between SimPy events.

SimPy stays the clock of the model (:class:`simulator.engine.centre.CentreModel`): the
staffing plan, the monitor and, in a district, the other centres and their arrivals are
SimPy processes. But between two SimPy events the windows depend only on the pre-drawn
residents, so the engine keeps the windows' own events (a service ends, a
cross-province hold ends, the arrival clock rings, a woken window looks at the queues)
in a heap of its own and runs them in a plain loop (:meth:`WindowBank._advance`) up to
the next SimPy event: each of the model's processes runs the bank ahead when it starts
to wait, and a *pump* (a SimPy event standing for the bank's next event) is due where
no event of the model comes next.

The bank gives the records and the order of one SimPy process per window exactly:

- **Times**: an event ``d`` minutes after ``t`` is at ``t + d``, the float SimPy computes.
- **Equal instants**: SimPy takes events due at the same instant by priority (a process
  starting or interrupted, or ``env.run(until=...)`` stopping, first), then in the order
  they were made: its queue holds ``(time, priority, number, event)`` with numbers from
  one counter per environment (``env._eid``). The bank's internal events take their
  numbers from that same counter when they are made, and count as ordinary (``NORMAL``)
  events: so one numbering orders the bank's events and every SimPy event, whoever made
  it. The bank runs ahead only up to the head of SimPy's queue
  (:meth:`WindowBank._run_ahead`); where that head is not an event of the model's own
  processes (which first let the bank catch up with the internal events before it,
  :meth:`WindowBank._catch_up`), a pump is put in SimPy's queue at the key of the bank's
  next event, ``(time, NORMAL, number)``, so that SimPy itself hands the bank control at
  its place: before any event made after it, after any made before it (a process ending,
  another centre's event, a diverted resident's arrival). A process of the model that
  ends runs the bank only up to its ending (an event made then: after the internal
  events of its instant, before later ones, :meth:`WindowBank._end`). When SimPy
  processes an event, every bank of the environment has processed exactly its internal
  events ordered before it, and none after.
- **The outside at the right time**: the policies, balking and lazy reneging read the
  bank's clock; another centre of a district or the monitor reading the queue sees it
  as of the SimPy event happening (the rule above). The one step that acts on SimPy
  (closing the last window after closing time, which ends the day) waits for a pump
  at its exact instant.

This reads and writes SimPy's private queue and counter (``Environment._queue``,
``Environment._eid``, as in SimPy 4): ``pyproject.toml`` caps SimPy below 5 and
``tests/engine/test_bank.py`` fails if their shape changes.

:class:`WindowBank` is the part of :class:`~simulator.engine.centre.CentreModel` that
runs the bank; the model inherits it and holds the state it reads (set up in the
model's ``__init__``). See docs/design.md, "The window bank (speed)".
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import TYPE_CHECKING, Any

import simpy
from simpy.core import SimTime
from simpy.events import NORMAL, EventPriority

from simulator.engine.policies import DedicatedFirst, Policy
from simulator.engine.records import ABANDONED, BALKED, NO_SHOW, SERVED, WAITING
from simulator.model.cross_province import XP_DEFERRED, XP_NOT_OFFERED

if TYPE_CHECKING:
    from collections import deque

    from simulator.engine.windows import WindowState


class WindowBank:
    """The window bank of a centre model: its internal events, the pumps and the loop
    that processes them (a base class of :class:`~simulator.engine.centre.CentreModel`,
    which sets up every attribute declared here)."""

    if TYPE_CHECKING:  # set up by CentreModel.__init__
        env: simpy.Environment
        eager: bool
        bank: list[tuple[float, int, int, Any, int]]
        queue: _Queue
        seq: itertools.count[int]
        made: list[tuple[float, int]]
        pumps: list[tuple[float, int]]
        _hot: tuple[Any, ...] | None
        now: float
        policy: Policy
        n: int
        next_i: int
        n_waiting: int
        arrival_timer: bool
        all_closed: simpy.Event | None
        n_open: int
        calling_on: bool
        xp_on: bool
        bo_on: bool
        balk_on: bool
        track_heap: bool
        no_renege: bool
        balk_threshold: int
        balk_p: float
        t: list[float]
        cls: list[int]
        base: list[float]
        deadline: list[float]
        balk_u: list[float]
        xp_kind: list[int]
        outcome: list[int]
        call: list[float]
        leave: list[float]
        window: list[int]
        staff_of: list[int]
        svc: list[float]
        xp_result: list[int]
        bo_submit: list[float]
        bo_case: list[bool]
        bo_log: list[int]
        heap: list[tuple[float, int]]
        queues: list[deque[int]]
        idle: list[WindowState]

        def admit(self, now: float) -> None: ...
        def _purge_expired(self, now: float) -> None: ...
        def _dispatch(self, w: WindowState, i: int, now: float) -> None: ...
        def _called(self, w: WindowState, i: int) -> float: ...
        def _cross_province(self, i: int, now: float) -> float: ...
        def _close(self, w: WindowState, now: float) -> None: ...
        def _set_staff(self, w: WindowState, s: int) -> None: ...

    def _timeout(self, delay: float, value: Any = None) -> simpy.Event:
        """``env.timeout`` for the model's processes: an event of the model (its key is
        kept in ``made``), and the bank catches up before the process resumes."""
        if delay < 0:
            raise ValueError(f"negative delay {delay}")
        env = self.env
        at = env.now + delay
        number = next(self.seq)
        ev = env.event()
        ev.callbacks.append(self._catch_up)
        _schedule(self.queue, at, number, ev, value)
        heapq.heappush(self.made, (at, number))
        return ev

    def _succeed(self, ev: simpy.Event, value: Any = None) -> None:
        """``ev.succeed(value)`` for an event a process waits on (as :meth:`_timeout`)."""
        if ev.triggered:
            raise RuntimeError(f"{ev} has already been triggered")
        now = self.env.now
        number = next(self.seq)
        assert ev.callbacks is not None
        ev.callbacks.insert(0, self._catch_up)  # before the waiting process resumes
        _schedule(self.queue, now, number, ev, value)
        heapq.heappush(self.made, (now, number))

    def _wait(self, delay: float) -> simpy.Event:
        """A process of the model waits ``delay`` minutes (its step is done): the bank
        runs up to the next SimPy event first."""
        ev = self._timeout(delay)
        self._run_ahead()
        return ev

    def _catch_up(self, _ev: simpy.Event) -> None:
        """An event of the model happens: first the internal events ordered before it.
        (Its process then runs the bank ahead when it waits again, or ends: see
        :meth:`_end`.)"""
        self._advance(heapq.heappop(self.made))  # the first of the model's events

    def _pump(self, _ev: simpy.Event) -> None:
        """A pump: run the bank up to the next SimPy event."""
        heapq.heappop(self.pumps)  # the first: SimPy takes the pumps in their order
        self._run_ahead()

    def _run_ahead(self) -> None:
        """Run the bank up to the next SimPy event, the head of SimPy's queue (a pump, or
        a process of the model at the end of its step). Where that event is one of the
        model's own, it catches the bank up and its process runs the bank ahead again;
        otherwise (an event the model did not make: a process ending, another centre's
        event, a diverted resident's arrival) a pump stands at the key of the bank's
        next event, and SimPy hands the bank control at its place. So does the step
        that acts at the SimPy clock (:meth:`_advance` stops there)."""
        queue = self.queue
        if queue:
            t, priority, number, _ = queue[0]
            until = (t, number if priority == NORMAL else -1)  # URGENT: before the bank
        else:
            until = _NEVER
        self._advance(until)
        bank = self.bank
        if bank:
            made = self.made
            if not made or made[0][1] != until[1] or (bank[0][0], bank[0][1]) <= until:
                self._ensure_pump()

    def _end(self) -> None:
        """A process of the model ends now: run the bank up to the next SimPy event, at
        the latest up to the process's ending (an event made now, after every event
        made before: those at this instant go first); a pump takes it on from there."""
        until = (self.env.now, math.inf)
        queue = self.queue
        if queue:
            t, priority, number, _ = queue[0]
            head = (t, number if priority == NORMAL else -1)
            if head < until:
                until = head
        self._advance(until)
        self._ensure_pump()

    def _ensure_pump(self) -> None:
        """Make sure a pump is due no later than the bank's next internal event: a SimPy
        event at the internal event's key (time, ``NORMAL``, number), so that SimPy
        takes it exactly where it takes that internal event."""
        bank = self.bank
        if not bank:
            return
        head = bank[0]
        key = (head[0], head[1])
        pumps = self.pumps
        if not pumps or pumps[0] > key:
            heapq.heappush(pumps, key)
            ev = self.env.event()
            ev.callbacks.append(self._pump)
            _schedule(self.queue, key[0], key[1], ev, None)

    def _advance(self, until: tuple[float, float]) -> None:
        """Run the window bank ahead of SimPy: process, in order, the internal events
        before ``until`` (the time and number of the next SimPy event; number -1 for an
        event that goes before any internal one at its instant, ``inf`` for after all).

        Internal events (a window resumes, the arrival clock rings) are kept in the bank's
        own heap by (time, number). The numbers come from SimPy's own counter, in the
        order in which events are made, as SimPy numbers its events: so the internal and
        the SimPy events are taken in SimPy's own order, (time, order made), ties
        included (a key equal to ``until`` is the pump for that very event: it is taken).
        Each is processed with the float arithmetic SimPy would use (an event ``d``
        minutes after ``t`` happens at ``t + d``). The step that must act at the SimPy
        clock (closing a window after closing time, which may end the day) waits for a
        pump at its instant.
        """
        bank = self.bank
        if not bank:
            return
        ut, un = until
        at = self.env.now
        hot = self._hot
        if hot is None:
            hot = self._hot = self._hot_locals()
        (
            made, seq, heappop, heappush, outcome, call, window_of, staff_of, svc, base, cls,
            calling_on, xp_on, bo_on, special, xp_kind, bo_case, xp_result, t, n, select,
            pick_idle, ask_empty, oldest_first, longest_idle, no_renege, bo_submit, bo_log,
            balk_on, track, heap, threshold, balk_p, balk_u, leave, deadline, queues, eager,
            idle,
        ) = hot  # fmt: skip
        while bank:
            entry = bank[0]
            now = entry[0]
            if now > ut or (now == ut and entry[1] > un):
                break  # the SimPy event comes first
            heappop(bank)
            _, s, phase, w, i = entry
            if phase == _CLOCK:
                # The arrival clock rings: issue the tickets due now while a window is idle,
                # then set the clock for the next resident (or stop it: no window idle).
                i = self.next_i
                while idle and i < n:
                    ti = t[i]
                    if ti > now:  # the clock stays set
                        ring = now + (ti - now)
                        if ring < ut and (not bank or ring < bank[0][0]):
                            # It would be the next event (made now, it goes after any
                            # other at the same instant): ring at once, no heap entry.
                            now = ring
                            continue
                        heappush(bank, (ring, next(seq), _CLOCK, None, -1))
                        break
                    # A resident arriving now: balk, go straight to an idle window, or queue
                    # (self.next_i is set after the loop: nothing here reads it).
                    # (who may balk is tested here, and _balks_at decides)
                    if (
                        balk_on
                        and balk_u[i] < balk_p
                        and self.n_waiting >= threshold
                        and _balks_at(self, i, ti, threshold, track, heap)
                    ):
                        i += 1
                        continue
                    c = cls[i]
                    if longest_idle:  # Policy.pick_idle written out
                        for w in idle:
                            if w.accepts[c]:
                                break
                        else:
                            w = None
                    else:
                        w = pick_idle(self, c)
                    if w is None:  # _enqueue written out
                        queues[c].append(i)
                        self.n_waiting += 1
                        if track:
                            heappush(heap, (deadline[i], i))
                    elif calling_on:
                        idle.remove(w)
                        self._dispatch(w, i, now)
                    else:  # served at once; the window resumes at the end
                        idle.remove(w)
                        w.waiting = False
                        outcome[i] = SERVED
                        call[i] = now
                        window_of[i] = w.idx
                        staff_of[i] = w.staff
                        dur = base[i] * w.mult[c]
                        svc[i] = dur
                        heappush(bank, (now + dur, next(seq), _DONE, w, i))
                    i += 1
                else:
                    self.arrival_timer = False
                self.next_i = i
                continue
            if phase != _TOP:
                if phase == _DONE and special:
                    if calling_on and outcome[i] == NO_SHOW:
                        phase = _TOP
                    elif xp_on and xp_kind[i]:
                        wait = self._cross_province(i, now)
                        if wait > 0:  # the window holds the resident during the round trip
                            heappush(bank, (now + wait, next(seq), _HELD, w, i))
                            continue
                if (
                    bo_on
                    and phase != _TOP
                    and bo_case[i]
                    and (not xp_on or xp_result[i] not in (XP_DEFERRED, XP_NOT_OFFERED))
                ):
                    bo_submit[i] = now  # the case goes to its bureau, worked after the run
                    bo_log.append(i)
            # The loop of a window: look at its staff and the queues, call or wait.
            while True:
                if w.staff < 0:
                    if w.is_open:
                        if self.all_closed is not None and now != at:
                            # Closing after closing time needs the SimPy clock: the window
                            # waits in the bank (same number) for a pump at this instant.
                            heappush(bank, (now, s, _TOP, w, -1))
                            return
                        self._close(w, now)
                        if made and made[0] < (ut, un):  # the day may end now
                            ut, un = made[0]
                    w.waiting = True
                    break
                if not w.is_open:
                    w.is_open = True
                    w.open_since = now
                    self.n_open += 1
                j = self.next_i
                if j < n and t[j] <= now and not eager:  # who came while all were busy
                    if not balk_on and not track:
                        self.admit(now)
                    else:  # admit's loop on the bank's locals (a busy centre's hot path)
                        self.next_i = _admit_arrived(
                            self, j, now, t, n, cls, queues, deadline, heap,
                            balk_on, balk_u, balk_p, threshold, track,
                        )  # fmt: skip
                if not self.n_waiting and not ask_empty:
                    i = -1  # nobody waits
                elif oldest_first:  # pop_oldest written out (some ticket waits)
                    elig = w.elig
                    if no_renege and len(elig) == 1:
                        q = queues[elig[0]]
                        if q:
                            self.n_waiting -= 1
                            i = q.popleft()
                        else:
                            i = -1
                    else:
                        i = -1
                        best_t = math.inf
                        best_q = None
                        for c in elig:
                            q = queues[c]
                            while q:
                                k = q[0]
                                if outcome[k] != WAITING:
                                    q.popleft()
                                    continue
                                if deadline[k] <= now:  # abandoned at the deadline
                                    outcome[k] = ABANDONED
                                    leave[k] = deadline[k]
                                    self.n_waiting -= 1
                                    q.popleft()
                                    continue
                                if t[k] < best_t:
                                    best_t = t[k]
                                    i = k
                                    best_q = q
                                break
                        if best_q is not None:
                            best_q.popleft()
                            self.n_waiting -= 1
                else:
                    self.now = now
                    i = select(self, w)
                if i < 0:
                    if w.overtime:
                        w.overtime = False
                        self._set_staff(w, -1)
                        continue
                    w.waiting = True
                    idle.append(w)
                    if not self.arrival_timer and not eager:
                        # Lazy admission: arrivals are events only while some window is
                        # idle (while all are busy, the next call admits who came since):
                        # a window going idle sets the arrival clock.
                        j = self.next_i
                        if j < n:
                            self.arrival_timer = True
                            heappush(bank, (now + (t[j] - now), next(seq), _CLOCK, None, -1))
                elif calling_on:
                    call[i] = now
                    window_of[i] = w.idx
                    staff_of[i] = w.staff
                    heappush(bank, (now + self._called(w, i), next(seq), _DONE, w, i))
                else:
                    # Served: the leave and end times are derived after the run.
                    outcome[i] = SERVED
                    call[i] = now
                    window_of[i] = w.idx
                    staff_of[i] = w.staff
                    dur = base[i] * w.mult[cls[i]]
                    svc[i] = dur
                    heappush(bank, (now + dur, next(seq), _DONE, w, i))
                break

    def _hot_locals(self) -> tuple[Any, ...]:
        """What :meth:`_advance` reads, made once per model (it runs thousands of times
        per replication); made again after :meth:`_as_lists`. Holds no bound method of
        the model (no reference cycle)."""
        policy = self.policy
        kind = type(policy)
        calling_on, xp_on = self.calling_on, self.xp_on
        return (
            self.made,
            self.seq,
            heapq.heappop,
            heapq.heappush,
            self.outcome,
            self.call,
            self.window,
            self.staff_of,
            self.svc,
            self.base,
            self.cls,
            calling_on,
            xp_on,
            self.bo_on,
            calling_on or xp_on,  # a service end may be a no-show or a hold
            self.xp_kind,
            self.bo_case,
            self.xp_result,
            self.t,
            self.n,
            policy.select,
            policy.pick_idle,
            # The built-in policies ask nothing when no ticket waits (pop_oldest returns
            # -1); the base policy's choices are written out in _advance (an edited or
            # other policy is called as it is).
            kind.select not in _BUILTIN_SELECTS,
            kind.select is _BASE_SELECT,
            kind.pick_idle is _BASE_PICK_IDLE,
            self.no_renege,
            self.bo_submit,
            self.bo_log,
            self.balk_on,
            self.track_heap,
            self.heap,
            self.balk_threshold,
            self.balk_p,
            self.balk_u,
            self.leave,
            self.deadline,
            self.queues,
            self.eager,
            self.idle,
        )


# The built-in policies' methods as defined (an edited policy is called, not bypassed).
_BASE_SELECT = Policy.select
_BASE_PICK_IDLE = Policy.pick_idle
_BUILTIN_SELECTS = (Policy.select, DedicatedFirst.select)


def _balks_at(
    model: WindowBank, i: int, ti: float, threshold: int, track: bool, heap: list[tuple[float, int]]
) -> bool:
    """Whether resident ``i``, arriving at ``ti`` with at least ``threshold`` waiting and a
    draw under the balking probability, balks (recorded if so): the abandonments due by
    ``ti`` leave first (lazy reneging, ``track``), and they may bring the queue under the
    threshold. The one decision of :meth:`CentreModel._balks`, :func:`_admit_arrived` and
    the arrival clock of :meth:`WindowBank._advance`, which test who may balk themselves
    (a call for every arrival would cost 2 to 3 % of a run)."""
    if track and heap and heap[0][0] <= ti:
        model._purge_expired(ti)
    if model.n_waiting >= threshold:
        model.outcome[i] = BALKED
        model.leave[i] = ti
        return True
    return False


def _admit_arrived(
    model: WindowBank,
    i: int,
    now: float,
    t: list[float],
    n: int,
    cls: list[int],
    queues: list[deque[int]],
    deadline: list[float],
    heap: list[tuple[float, int]],
    balk_on: bool,
    balk_u: list[float],
    balk_p: float,
    threshold: int,
    track: bool,
) -> int:
    """Admit, in order, residents ``i``, ``i + 1``, ... who arrived at or before ``now``
    into the queues, with balking (``balk_on``) and the deadlines of lazy reneging kept
    in ``heap`` (``track``); returns the first resident not admitted. Who may balk is
    tested here, and :func:`_balks_at` decides. The loop of
    :meth:`~simulator.engine.centre.CentreModel.admit` (which calls it) and of
    :meth:`WindowBank._advance`: the model's lists and settings are passed in, so that
    the bank's loop, which holds them as locals, reads none of them per call (calling
    ``admit``, which reads them, cost 4 to 5 % of the run of a busy centre with balking
    on, paired A/B; this function about 1 %)."""
    heappush = heapq.heappush
    while i < n:
        ti = t[i]
        if ti > now:
            break
        if (
            balk_on
            and balk_u[i] < balk_p
            and model.n_waiting >= threshold
            and _balks_at(model, i, ti, threshold, track, heap)
        ):
            i += 1
            continue
        queues[cls[i]].append(i)
        model.n_waiting += 1
        if track:
            heappush(heap, (deadline[i], i))
        i += 1
    return i


_NEVER = (math.inf, -1)
# SimPy's queue (Environment._queue): (time, priority, number, event), a heap.
_Queue = list[tuple[SimTime, EventPriority, int, simpy.Event]]


def _schedule(
    queue: _Queue,
    at: float,
    number: int,
    ev: simpy.Event,
    value: Any,
) -> None:
    """Trigger ``ev`` with ``value`` at ``at`` as ``Environment.schedule`` does, under a
    number the caller drew from the environment's counter (``env._eid``) and knows:
    SimPy takes it at key ``(at, NORMAL, number)``."""
    ev._ok = True
    ev._value = value
    heapq.heappush(queue, (at, NORMAL, number, ev))


# What a window does when the bank resumes it (the phase of an internal event).
_TOP = 0  # look at its staff and the queues (woken, or after a no-show)
_DONE = 1  # the service (or the no-show hold) of resident i has ended
_HELD = 2  # the cross-province hold of resident i has ended
_CLOCK = 4  # the arrival clock rings (no window)
