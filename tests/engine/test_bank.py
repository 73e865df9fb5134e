"""The window bank (engine/bank.py): windows run ahead of SimPy in their own heap, and
still take events in SimPy's order, equal instants included, at SimPy's float times."""

from __future__ import annotations

import pytest
import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from simulator import load_scenario
from simulator.engine.centre import CentreModel, _reachable
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


@settings(max_examples=300, deadline=None)
@given(
    now=st.floats(0.0, 600_000.0, allow_nan=False),
    gap=st.floats(1e-9, 600_000.0, allow_nan=False),
)
def test_pumps_reach_every_instant_exactly(now: float, gap: float) -> None:
    # SimPy schedules at now + delay: some instants cannot be hit from far back (now
    # finer than the target's grid), so a pump stops on the way; each stop is reachable,
    # lies strictly between, and the target is hit in a few stops.
    when = now + gap
    if when <= now:
        return
    for _ in range(64):
        stop = _reachable(now, when)
        assert now < stop <= when
        assert now + (stop - now) == stop
        if stop == when:
            return
        now = stop
    raise AssertionError("target not reached")


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
