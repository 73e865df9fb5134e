"""Calling policies: the engine goes through ``Policy.select`` for every call."""

from __future__ import annotations

from simulator.engine.centre import CentreModel
from simulator.engine.policies import POLICIES, Policy
from tests.conftest import make_residents, make_scenario

OPEN = 8 * 60


def test_editing_the_base_policy_takes_effect(monkeypatch):
    # One window, four residents arriving while it serves the first: oldest-first calls
    # them in arrival order. A base policy edited to call the newest ticket first must
    # change the order, so the engine cannot bypass Policy.select.
    scn = make_scenario()
    assert POLICIES[scn.policy] is Policy
    res = make_residents(scn, [OPEN, OPEN + 1, OPEN + 2, OPEN + 3])
    before = CentreModel(scn, scn.day_plans(), res).run()
    assert before.call.argsort().tolist() == [0, 1, 2, 3]

    def newest_first(self, model, w):
        newest = -1
        for c in w.elig:
            q = model.queues[c]
            if q and (newest < 0 or model.t[q[-1]] > model.t[newest]):
                newest = q[-1]
        if newest < 0:
            return -1
        model.queues[model.cls[newest]].pop()
        model.n_waiting -= 1
        return newest

    monkeypatch.setattr(Policy, "select", newest_first)
    after = CentreModel(scn, scn.day_plans(), res).run()
    assert after.call.argsort().tolist() == [0, 3, 2, 1]
