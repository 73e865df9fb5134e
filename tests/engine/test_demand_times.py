"""Arrival times computed for all days at once equal the day-by-day computation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from simulator.engine.demand import _arrival_times


@dataclass(frozen=True)
class _Plan:
    index: int
    offset: float
    profile_key: str


class _Volumes:
    def __init__(self, volumes: list[float]) -> None:
        self.volumes = volumes

    def expected_daily_volume(self, plan: _Plan) -> float:
        return self.volumes[plan.index]


def _day_by_day(
    scn: _Volumes, plans: list[_Plan], busy: np.ndarray, seed: int, profiles: dict
) -> np.ndarray:
    """The former computation: each day's times drawn, sorted and shifted in turn."""
    rng = np.random.default_rng(seed)
    out = []
    for plan, b in zip(plans, busy, strict=True):
        volume = scn.expected_daily_volume(plan) * b
        if volume <= 0:
            continue
        starts, widths, shares = profiles[plan.profile_key]
        counts = rng.poisson(volume * shares)
        n = int(counts.sum())
        lo = np.repeat(starts, counts)
        out.append(np.sort(lo + np.repeat(widths, counts) * rng.random(n)) + plan.offset)
    return np.concatenate(out) if out else np.empty(0)


@pytest.mark.parametrize(
    "bins",
    [
        ([480.0, 720.0, 900.0], [240.0, 180.0, 120.0]),  # opening hours within the day
        ([60.0, 1380.0], [300.0, 300.0]),  # a bin past midnight: days overlap
    ],
    ids=["within the day", "past midnight"],
)
def test_all_days_at_once_equal_day_by_day(bins: tuple[list[float], list[float]]) -> None:
    starts, widths = (np.array(x) for x in bins)
    shares = np.full(starts.size, 1.0 / starts.size)
    profiles = {"weekday": (starts, widths, shares), "weekend": (starts, widths / 2, shares)}
    plans = [_Plan(k, 1440.0 * k, "weekend" if k % 7 in (5, 6) else "weekday") for k in range(30)]
    scn = _Volumes([0.0 if k == 3 else 40.0 + k for k in range(30)])  # day 3 closed
    busy = np.random.default_rng(1).gamma(25.0, 1 / 25.0, 30)
    for seed in range(5):
        t, day = _arrival_times(scn, plans, busy, np.random.default_rng(seed), profiles)  # type: ignore[arg-type]
        want = _day_by_day(scn, plans, busy, seed, profiles)
        assert t.tobytes() == want.tobytes()
        assert day.dtype == np.int32 and day.size == t.size and 3 not in day
        assert np.all(np.diff(day) >= 0)
