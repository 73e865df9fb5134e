"""Runtime state of the windows of the fast engine (:mod:`simulator.engine.centre`), and
building it from the scenario's windows: which queue classes each window's kind accepts."""

from __future__ import annotations

import simpy

from simulator.config.scenario import Scenario

__all__ = ["WindowState", "window_states"]


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
        self.wake: simpy.Event | None = None
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
