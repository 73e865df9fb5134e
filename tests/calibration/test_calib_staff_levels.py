"""Staff levels from the log: a small but significant speed difference does not make a
novice, a busy novice does not hide in the reference, an expert does not make the
comprehensive staff look slow (calibration.layout._staff_speeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from calibration.layout import MIN_SPEED_EFFECT, _staff_speeds

# staff id -> (true multiplier, services per family); the proportions of a busy
# generated centre-year (calibration.synthetic preset "busy")
TRUTH: dict[str, tuple[float, dict[str, int]]] = {
    "all_round-1": (1.0, {"complex": 3100, "consultation": 200, "quick": 1200, "standard": 6900}),
    "all_round-2": (1.0, {"complex": 3000, "consultation": 210, "quick": 1190, "standard": 6700}),
    "chain-1": (1.0, {"consultation": 290, "quick": 1600, "standard": 7800}),
    "new_staff-1": (1.3, {"consultation": 2340, "quick": 13850}),  # most quick rows
    "senior-1": (0.85, {"complex": 2930, "consultation": 190, "quick": 1140, "standard": 5960}),
}
MEANS = {"complex": 16.0, "consultation": 3.0, "standard": 8.0, "quick": 4.0}


def _log(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sigma = np.sqrt(np.log(1 + 0.8**2))  # lognormal, CV 0.8
    parts = []
    for sid, (mult, per_family) in TRUTH.items():
        for f, n in per_family.items():
            mu = np.log(MEANS[f] * mult) - sigma**2 / 2
            parts.append(
                pd.DataFrame(
                    {"staff_id": sid, "family": f, "service_min": rng.lognormal(mu, sigma, n)}
                )
            )
    return pd.concat(parts, ignore_index=True)


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_levels_match_the_truth(seed: int) -> None:
    """(Starting the reference from every staff member, seed 2 made both all-round
    staff novices: 1.031 and 1.026, CIs wholly above 1.)"""
    d = _log(seed)
    fams = {s: tuple(sorted(fam)) for s, (_, fam) in TRUTH.items()}
    fits = {f.staff_id: f for f in _staff_speeds(d, 30, fams)}
    expected = {1.0: "proficient", 1.3: "novice", 0.85: "expert"}
    for sid, (mult, _) in TRUTH.items():
        f = fits[sid]
        assert f.level == expected[mult], (sid, f.speed, f.speed_ci, f.level)
        # speed within 4 standard errors of the truth (SE from the 95% CI)
        se = (f.speed_ci[1] - f.speed_ci[0]) / (2 * 1.96)
        assert abs(f.speed - mult) <= 4 * se, (sid, f.speed, se)


def test_small_significant_difference_stays_proficient() -> None:
    """A staff member 3% slower on 20,000 services (significant) is not written as a
    novice, whose multiplier would slow every service by about 30%."""
    rng = np.random.default_rng(2)
    rows = []
    for sid, mult in (("a", 1.0), ("b", 1.0), ("c", 1.0), ("slowish", 1.03)):
        rows.append(
            pd.DataFrame(
                {
                    "staff_id": sid,
                    "family": "standard",
                    "service_min": rng.exponential(8.0 * mult, 20000),
                }
            )
        )
    d = pd.concat(rows, ignore_index=True)
    staff = ("a", "b", "c", "slowish")
    fits = {f.staff_id: f for f in _staff_speeds(d, 30, {s: ("standard",) for s in staff})}
    slow = fits["slowish"]
    assert slow.speed_ci[0] > 1.0  # significant ...
    assert slow.speed - 1.0 < MIN_SPEED_EFFECT  # ... but small
    assert slow.level == "proficient"
    assert all(f.level == "proficient" for f in fits.values())
