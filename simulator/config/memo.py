"""Tables derived from a frozen :class:`~simulator.config.types.Scenario`, computed once.

A replication needs tables that depend on the scenario alone (item probabilities, the
family and bureau of each item, arrival-profile arrays, ...). Computing them at every
replication cost more than drawing the residents of a small centre, so they are kept
per scenario object and per name, for as long as the scenario lives (a weak reference:
a scenario that is dropped takes its tables with it). Values must be immutable (numpy
arrays are returned read-only) since every replication shares them.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

__all__ = ["frozen_array", "per_scenario"]

T = TypeVar("T")

_TABLES: dict[int, tuple[weakref.ref[Any], dict[str, Any]]] = {}
_LOCK = threading.Lock()


def _forget(ref: weakref.ref[Any], *, key: int) -> None:
    with _LOCK:
        entry = _TABLES.get(key)
        if entry is not None and entry[0] is ref:
            del _TABLES[key]


def per_scenario(scn: Any, name: str, build: Callable[[], T]) -> T:
    """``build()`` the first time ``name`` is asked of ``scn``, the same value after."""
    key = id(scn)
    entry = _TABLES.get(key)
    if entry is None or entry[0]() is not scn:
        with _LOCK:
            entry = (weakref.ref(scn, functools.partial(_forget, key=key)), {})
            _TABLES[key] = entry
    tables = entry[1]
    try:
        return cast(T, tables[name])
    except KeyError:
        value = tables[name] = build()
        return value


def frozen_array(values: Any, dtype: Any = None) -> np.ndarray:
    """A read-only numpy array (shared tables must not be written by a caller)."""
    out = np.array(values, dtype=dtype)
    out.flags.writeable = False
    return out
