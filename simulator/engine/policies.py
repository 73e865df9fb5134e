"""Calling policies (叫号): which waiting ticket a free window calls next.

A policy answers two questions: which ticket a free window calls (``select``) and
which idle window a newly arrived ticket goes to (``pick_idle``). Policies are
registered by name in :data:`POLICIES`; add one by subclassing :class:`Policy`.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from simulator.engine.centre import CentreModel, WindowState


class Policy:
    """Oldest eligible ticket first; a new ticket goes to the window idle longest."""

    name: ClassVar[str] = "oldest_first"

    def select(self, model: CentreModel, w: WindowState) -> int:
        """Pop and return the ticket window ``w`` calls now, or -1 if none is eligible."""
        return model.pop_oldest(w.elig)

    def pick_idle(self, model: CentreModel, cls: int) -> WindowState | None:
        """Return the idle window that takes a new ticket of queue class ``cls`` at once."""
        for w in model.idle:
            if w.accepts[cls]:
                return w
        return None


class DedicatedFirst(Policy):
    """Windows with priority families (dedicated windows by default) call the oldest ticket
    of those families first and only then other eligible tickets; a new ticket goes to an
    idle window that has its family as a priority before any other idle window."""

    name: ClassVar[str] = "dedicated_first"

    def select(self, model: CentreModel, w: WindowState) -> int:
        if w.prio_elig:
            i = model.pop_oldest(w.prio_elig)
            if i >= 0:
                return i
        return model.pop_oldest(w.elig)

    def pick_idle(self, model: CentreModel, cls: int) -> WindowState | None:
        fallback = None
        for w in model.idle:
            if w.accepts[cls]:
                if cls in w.prio_elig:
                    return w
                if fallback is None:
                    fallback = w
        return fallback


POLICIES: dict[str, type[Policy]] = {cls.name: cls for cls in (Policy, DedicatedFirst)}

__all__ = ["POLICIES", "DedicatedFirst", "Policy", "deque"]
