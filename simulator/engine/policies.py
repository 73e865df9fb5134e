"""Calling policies (叫号): which waiting ticket a free window calls next.

A policy answers two questions: which ticket a free window calls (``select``) and
which idle window a newly arrived ticket goes to (``pick_idle``). Policies are
registered by name in :data:`POLICIES`; add one by subclassing :class:`Policy`.

A policy sees the hall only through the narrow interface below (:class:`Hall`,
:class:`CallingWindow`): the idle windows, what each window may call, and a way to pop
the oldest waiting ticket among queue classes. It never touches the engine's internals,
and this module imports nothing of the engine. The engine writes out the methods of the
base class as they are defined here (its hot loop) and asks a built-in policy's
``select`` nothing while no ticket waits (``pop_oldest`` would return -1); a policy whose
methods differ from these, an edited base class included, is called for every decision,
so a change to a policy always takes effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, Protocol, TypeVar


class CallingWindow(Protocol):
    """What a policy may read of a window (the staff member at it decides all three)."""

    @property
    def accepts(self) -> Sequence[bool]:
        """``accepts[c]``: whether the window may take a ticket of queue class ``c``."""
        ...

    @property
    def elig(self) -> tuple[int, ...]:
        """Queue classes the window may call."""
        ...

    @property
    def prio_elig(self) -> tuple[int, ...]:
        """Its priority classes (dedicated families) among ``elig``, in priority order."""
        ...


W = TypeVar("W", bound=CallingWindow)
W_co = TypeVar("W_co", bound=CallingWindow, covariant=True)


class Hall(Protocol[W_co]):
    """What a policy may do in the hall."""

    @property
    def idle(self) -> Sequence[W_co]:
        """Idle open windows, longest idle first."""
        ...

    def pop_oldest(self, classes: tuple[int, ...]) -> int:
        """Remove and return the oldest waiting ticket among queue ``classes``; -1 if none."""
        ...


class Policy:
    """Oldest eligible ticket first; a new ticket goes to the window idle longest."""

    name: ClassVar[str] = "oldest_first"

    def select(self, model: Hall[W], w: W) -> int:
        """Pop and return the ticket window ``w`` calls now, or -1 if none is eligible."""
        return model.pop_oldest(w.elig)

    def pick_idle(self, model: Hall[W], cls: int) -> W | None:
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

    def select(self, model: Hall[W], w: W) -> int:
        if w.prio_elig:
            i = model.pop_oldest(w.prio_elig)
            if i >= 0:
                return i
        return model.pop_oldest(w.elig)

    def pick_idle(self, model: Hall[W], cls: int) -> W | None:
        fallback = None
        for w in model.idle:
            if w.accepts[cls]:
                if cls in w.prio_elig:
                    return w
                if fallback is None:
                    fallback = w
        return fallback


POLICIES: dict[str, type[Policy]] = {cls.name: cls for cls in (Policy, DedicatedFirst)}

__all__ = ["POLICIES", "CallingWindow", "DedicatedFirst", "Hall", "Policy"]
