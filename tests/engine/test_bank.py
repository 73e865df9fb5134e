"""The window bank (engine/bank.py): windows run ahead of SimPy in their own heap, and
still take events in SimPy's order, equal instants included, at SimPy's float times."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator
from typing import Any

import pytest
import simpy
from simpy.events import NORMAL, URGENT

from simulator import load_scenario
from simulator.engine.bank import _schedule
from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages, generate_residents
from simulator.engine.records import SERVED
from tests.conftest import make_residents, make_scenario

CLOSE = 12 * 60  # closing time of the test scenario (12:00), minutes


def _sample(raw, at: float) -> list[float]:
    rows = raw.monitor[raw.monitor[:, 0] == at]
    assert len(rows) == 1
    return rows[0].tolist()


@pytest.mark.parametrize(
    ("windows", "arrive", "service", "seen"),
    [
        # The service's end (made at 710) is older than the sample's timeout (made at
        # 715, the sample before): at 12:00 the window ends its service, finds nothing
        # in overtime and closes, then the monitor looks: nothing open.
        (1, [710.0], [10.0], [CLOSE, 0, 0, 0]),
        # The end is made at 716, after the sample's timeout: the monitor looks first and
        # sees the window open and busy; it closes right after.
        (1, [716.0], [4.0], [CLOSE, 0, 1, 1]),
        # Two windows. At 12:00 closing time puts both in overtime (the idle one is woken:
        # a new event), the busy one's end (made at 710) closes it, then the monitor
        # looks (the woken window is open, no longer idle), then the woken one closes.
        (2, [706.0, 710.0], [10.0, 10.0], [CLOSE, 0, 1, 1]),
    ],
)
def test_equal_instants_follow_the_order_the_events_were_made(windows, arrive, service, seen):
    scn = make_scenario(layout={"windows": {"w": {"count": windows}}})
    res = make_residents(scn, arrive, service=service)
    raw = CentreModel(scn, scn.day_plans(), res, monitor_interval=5.0).run()
    assert raw.end.max() == CLOSE
    assert _sample(raw, CLOSE) == seen
    assert raw.day_close.tolist() == [[0, CLOSE, CLOSE]]
    assert raw.win_intervals[:, 3].tolist() == [CLOSE] * windows


def test_a_replication_needs_few_simpy_events():
    # The point of the bank: on M/M/10 the SimPy kernel sees a handful of events per
    # day (staffing, closing, pumps), not one or more per customer.
    scn = load_scenario("validation/mmc", ["warmup_min=0"])
    plans = scn.day_plans()
    res = generate_residents(scn, plans, 5, 0)
    model = CentreModel(scn, plans, res, None, draw_outages(scn, 5, 0))
    steps = 0
    env = model.env
    step = env.step

    def counted() -> None:
        nonlocal steps
        steps += 1
        step()

    env.step = counted  # type: ignore[method-assign]
    model.start()
    try:
        while True:
            env.step()
    except simpy.core.EmptySchedule:
        pass
    raw = model.finish()
    assert len(res) > 10_000 and (raw.outcome == SERVED).all()
    assert steps < 20


# --------------------------------------------------------------------------- foreign events

# One window open 08:00-12:00; one resident arrives at 10:00 and is served for 10 minutes:
# the window calls at 600 (the service's end is made then) and is idle again at 610.
FOREIGN_AT = 610.0


def _foreign_process(
    env: simpy.Environment, event: float | str, idle: Callable[[], int]
) -> list[int]:
    """A SimPy process of its own, not the model's, with an event at FOREIGN_AT: a
    timeout made at ``event`` (a time); its ending (``"ending"``: made then); or the
    start of a process it starts then (``"start"``: SimPy starts processes ``URGENT``,
    before the ordinary events of the instant). Returns what a process waking on that
    event sees: the number of idle windows."""
    seen: list[int] = []

    def foreign() -> Generator[simpy.Event, Any, None]:
        if isinstance(event, str):
            yield env.timeout(FOREIGN_AT)  # made at 0, before the service's end
            if event == "start":
                env.process(started())
            return  # "ending": this process ends (made now, at FOREIGN_AT)
        if event:
            yield env.timeout(event)
        yield env.timeout(FOREIGN_AT - event)
        seen.append(idle())

    def started() -> Generator[simpy.Event, Any, None]:
        seen.append(idle())
        yield env.timeout(0.0)

    proc = env.process(foreign())
    if event == "ending":

        def waiter() -> Generator[simpy.Event, Any, None]:
            yield proc
            seen.append(idle())

        env.process(waiter())
    return seen


def _plain_simpy(event: float | str) -> list[int]:
    """The same timeline with one SimPy process for the window (what the bank stands for)."""
    env = simpy.Environment()
    state = {"idle": 1}
    seen = _foreign_process(env, event, lambda: state["idle"])

    def window() -> Generator[simpy.Event, Any, None]:
        yield env.timeout(600.0)  # the resident arrives, the idle window calls at once
        state["idle"] = 0
        yield env.timeout(10.0)  # the service's end, made at 600
        state["idle"] = 1

    env.process(window())
    env.run()
    return seen


def _bank(event: float | str) -> list[int]:
    scn = make_scenario()
    res = make_residents(scn, [600.0], service=[10.0])
    env = simpy.Environment()
    model = CentreModel(scn, scn.day_plans(), res, env=env)
    seen = _foreign_process(env, event, lambda: len(model.idle))
    model.start()
    env.run()
    raw = model.finish()
    assert raw.call.tolist() == [600.0] and raw.end.tolist() == [FOREIGN_AT]
    return seen


@pytest.mark.parametrize(
    ("event", "simpy_sees_idle"),
    [
        # The foreign timeout is made at 0, before the service's end (made at 600): SimPy
        # takes it first, the window is still busy.
        pytest.param(0.0, 0, id="made-before"),
        pytest.param(599.0, 0, id="made-just-before"),
        # Made at 605, after the service's end: SimPy ends the service first (the window
        # goes idle), then the foreign process wakes.
        pytest.param(605.0, 1, id="made-after"),
        # Made at 600 too, but before the window called (the foreign process's timeout
        # at 600 was made at 0, the arrival clock's ring when the window went idle at
        # 08:00): the foreign process goes on first, then the call makes the end.
        pytest.param(600.0, 0, id="made-at-the-call"),
        # A process ending at 610: its ending is made at 610, after the service's end.
        pytest.param("ending", 1, id="process-ends"),
        # A process started at 610 (by a timeout made at 0, before the service's end):
        # its start is URGENT, before the service's end although made after it.
        pytest.param("start", 0, id="process-starts"),
    ],
)
def test_a_foreign_event_at_a_bank_instant_goes_in_simpy_order(
    event: float | str, simpy_sees_idle: int
) -> None:
    assert _plain_simpy(event) == [simpy_sees_idle]  # worked by hand above
    assert _bank(event) == [simpy_sees_idle]


def test_a_run_stopped_at_a_bank_instant_stops_before_its_events() -> None:
    # env.run(until=610) stops with an URGENT event at 610: the ordinary events of that
    # instant wait for the next run, whatever their numbers. Here the stop is made at
    # 605, after the service's end (made at 600), and the monitor runs the bank ahead at
    # 605: the bank still leaves the end to the next run, as SimPy leaves the window's.
    plain = simpy.Environment()
    state = {"idle": 1}

    def window() -> Generator[simpy.Event, Any, None]:
        yield plain.timeout(600.0)
        state["idle"] = 0
        yield plain.timeout(10.0)
        state["idle"] = 1

    plain.process(window())
    scn = make_scenario()
    res = make_residents(scn, [600.0], service=[10.0])
    model = CentreModel(scn, scn.day_plans(), res, monitor_interval=5.0)
    model.start()
    seen = []
    for env, idle in ((plain, lambda: state["idle"]), (model.env, lambda: len(model.idle))):
        env.run(until=605.0)
        env.run(until=FOREIGN_AT)
        seen.append(idle())
    assert seen == [0, 0]
    model.env.run()
    raw = model.finish()
    assert raw.end.tolist() == [FOREIGN_AT]
    assert _sample(raw, 605.0)[2] == 1 and _sample(raw, FOREIGN_AT)[2] == 0  # busy


# --------------------------------------------------------------------------- SimPy internals

# The bank takes SimPy's order by reading and writing SimPy's private event queue and
# counter (Environment._queue, Environment._eid: SimPy 4.1). pyproject.toml caps SimPy
# below 5; should a release still change their shape, this test fails first, naming
# what changed, rather than the engine taking events in some other order unnoticed.


def test_simpy_queue_and_counter_have_the_shape_the_bank_relies_on() -> None:
    env = simpy.Environment()
    assert isinstance(env._eid, itertools.count), "env._eid is no longer an itertools.count"
    assert env._queue == [], "env._queue is no longer a list"
    assert URGENT < NORMAL, "SimPy's priorities changed"
    before = next(env._eid)
    ev = env.timeout(3.0, "v")
    # One heap entry (time, priority, number, event), numbered by the next count.
    assert env._queue == [(3.0, NORMAL, before + 1, ev)], "queue entry layout changed"

    def ends() -> Generator[simpy.Event, Any, None]:
        yield ev

    proc = env.process(ends())
    (start,) = (e for e in env._queue if e[3] is not ev)
    assert start[:3] == (0.0, URGENT, before + 2), "a process no longer starts URGENT"
    # An event scheduled by hand under a number drawn from the counter (bank._schedule)
    # goes where that number puts it: before the timeout if drawn before it, else after.
    seen: list[str] = []
    for name, number in (("older", before), ("newer", next(env._eid))):
        mine = env.event()
        mine.callbacks.append(lambda e, name=name: seen.append(f"{name}={e.value}"))
        _schedule(env._queue, 3.0, number, mine, name)
    ev.callbacks.append(lambda e: seen.append(f"timeout={e.value}"))
    env.step()  # the process starts
    env.step()
    env.step()
    assert seen == ["older=older", "timeout=v"]
    # The timeout resumed the process, which ended: its ending is made now, NORMAL.
    ending = [e for e in env._queue if e[3] is proc]
    assert [e[:2] for e in ending] == [(3.0, NORMAL)], "a process's ending changed"
    assert ending[0][2] > before + 2
    env.run()
    assert seen == ["older=older", "timeout=v", "newer=newer"] and not proc.is_alive
