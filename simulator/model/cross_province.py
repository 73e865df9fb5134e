"""Cross-province (Yangtze River Delta) service: static description.

Residents of Jiangsu, Zhejiang and Anhui can file some of their home province's items
at a Shanghai centre. The request travels to the home province's system and back: a
delay per province, a failure probability, and outages (scheduled, or random as a
Poisson process of outage starts with a duration distribution). After the resident's
service at the window, the window holds the resident while the request is out: up to
``hold_timeout_min``. A request the home system answers within the timeout is completed.
One that fails, or is sent during an outage, gets no answer, so the window holds the
resident for the **full timeout** before the case is deferred (taken, completed later:
not a one-visit completion) and the window is freed. With ``defer_when_down: true`` the
clerk, who sees the outage, defers at once when the home system is known to be down (a
scheduled or random outage covers the moment of sending); failures stay unseen and
still hold for the timeout. Default off (results unchanged).

Random outages start uniformly over the 24-hour day (a Poisson process over the whole
horizon), so with opening hours of about 8 of 24 hours only about a third of
``outages_per_day`` falls while the centre is open.

A request for an item the home province does not offer is found out only at the window:
the resident still takes a full service there, then the request is counted as not
offered (no hold, never dropped).

Which province offers which of the 21 items is an assumption until data arrive
(``scenarios/data/cross_province_availability.csv``); only the counts per province are
published (Shanghai 20, Zhejiang 11, Jiangsu 9, Anhui 7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from simulator.model.distributions import Distribution

PROVINCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
LOCAL = "shanghai"

# Kinds of request a resident brings (per resident, decided before the run).
XP_NONE, XP_LOCAL, XP_REMOTE, XP_UNAVAILABLE = 0, 1, 2, 3
# Result of a cross-province request at the window.
XP_RESULT_NONE, XP_COMPLETED, XP_DEFERRED, XP_NOT_OFFERED = 0, 1, 2, 3
XP_RESULTS = ("none", "completed", "deferred", "not_offered")


@dataclass(frozen=True)
class ProvinceSystem:
    """A home province's system as seen from a Shanghai window."""

    delay: Distribution | None  # round trip when it answers (minutes)
    failure_prob: float
    outages_per_day: float
    outage_duration: Distribution | None


@dataclass(frozen=True)
class Outage:
    """A scheduled outage of a province's system on a date (minutes since midnight)."""

    province: str
    date: dt.date
    start: float
    end: float


@dataclass(frozen=True)
class CrossProvince:
    """Cross-province settings (see module docstring)."""

    enabled: bool = False
    family: str = "cross_province"
    require_window: bool = True
    hold_timeout_min: float = 10.0
    defer_when_down: bool = False
    systems: Mapping[str, ProvinceSystem] = field(default_factory=dict)
    availability: Mapping[str, frozenset[str]] = field(default_factory=dict)
    outages: tuple[Outage, ...] = ()


def outage_intervals(
    xp: CrossProvince, start_date: dt.date, days: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Outage intervals per province as an (n, 2) array of [start, end) in simulation
    minutes: scheduled ones plus random ones (Poisson starts over the horizon)."""
    out: dict[str, np.ndarray] = {}
    horizon = 1440.0 * days
    for p in PROVINCES:
        if p == LOCAL:
            continue
        rows = [
            (
                (o.date - start_date).days * 1440.0 + o.start,
                (o.date - start_date).days * 1440.0 + o.end,
            )
            for o in xp.outages
            if o.province == p
        ]
        sysp = xp.systems.get(p)
        if sysp is not None and sysp.outages_per_day > 0 and sysp.outage_duration is not None:
            n = int(rng.poisson(sysp.outages_per_day * days))
            starts = np.sort(rng.random(n) * horizon)
            durs = sysp.outage_duration.sample(rng, n)
            rows.extend(zip(starts.tolist(), (starts + durs).tolist(), strict=True))
        arr = np.array(sorted(rows), dtype=float).reshape(-1, 2)
        out[p] = arr
    return out


def is_down(intervals: np.ndarray, t: float) -> bool:
    """Whether time ``t`` falls inside one of the [start, end) intervals."""
    if intervals.size == 0:
        return False
    k = int(np.searchsorted(intervals[:, 0], t, side="right")) - 1
    # intervals may overlap: check all that started before t (few per horizon)
    return bool(k >= 0 and np.any(intervals[: k + 1, 1] > t))
