"""What the engine writes: raw facts of one replication, and the resident outcome codes.

The engine (:mod:`simulator.engine.centre`, and the reference model
:mod:`simulator.engine.journey`) fills a :class:`RawRecords`; KPIs are computed from it
afterwards by :mod:`simulator.analysis.kpis`, which needs this module and nothing else of
the engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

WAITING, SERVED, ABANDONED, BALKED, UNSERVED, DIVERTED, NO_SHOW = range(7)
"""Outcome codes of a resident (``RawRecords.outcome``); WAITING only during a run."""
OUTCOMES = ("waiting", "served", "abandoned", "balked", "unserved", "diverted", "no_show")
"""Names of the outcome codes, indexed by code."""


@dataclass(frozen=True)
class RawRecords:
    """Raw facts of one replication (times in minutes since midnight of day 0).

    Per resident (aligned with :class:`~simulator.engine.demand.Residents`): ``outcome`` code
    (see :data:`OUTCOMES`), ``call`` (time called, NaN if never), ``leave`` (time the
    resident left the queue: call, abandonment, or end of day), ``end`` (end of service,
    including the walk to the window and any wait for a remote system; for a no-show the
    end of the window's hold), ``window`` and ``staff`` (indices of the window that called,
    -1 if never called), ``service`` (minutes of service at the window, walk and remote
    wait excluded; NaN unless served), ``walk`` (minutes from the call to the start of
    service: 0 when walking time is off, NaN unless served),
    ``xp_result`` (see :data:`simulator.model.cross_province.XP_RESULTS`), ``remote_wait``
    (minutes the window waited on a remote system), ``bo_submit`` and ``bo_done``
    (back-office submission and completion, NaN if none / not done by the end).
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
    walk: np.ndarray
    xp_result: np.ndarray
    remote_wait: np.ndarray
    bo_submit: np.ndarray
    bo_done: np.ndarray
    win_intervals: np.ndarray
    day_close: np.ndarray
    monitor: np.ndarray
