"""Validation against queueing theory: Erlang C, Erlang A and Little's law.

Each check compares an analytic value with the simulation's confidence interval across
independent replications. The interval level is 99% per check (so the family of checks
in this file is rarely failed by chance: Bonferroni bound about 1 - 0.01 x checks), and
the interval is widened by nothing else: no percentage tolerance is tuned here. The
seeds are fixed, so the outcome is reproducible.
"""

from __future__ import annotations

import numpy as np
import pytest

from simulator import load_scenario, simulate
from simulator.analysis.analytic import erlang_a, mmc_metrics
from simulator.analysis.stats import t_interval

# Statistical validation against Erlang C / Erlang A (make test-fast leaves it out).
pytestmark = pytest.mark.slow

LEVEL = 0.99


def assert_in_ci(values: np.ndarray, expected: float, what: str) -> None:
    mean, lo, hi, _ = t_interval(np.asarray(values, dtype=float), LEVEL)
    assert lo <= expected <= hi, (
        f"{what}: theory {expected:.4f} outside the {LEVEL:.0%} CI [{lo:.4f}, {hi:.4f}] "
        f"(simulated mean {mean:.4f})"
    )


MMC_CASES = [
    # (windows c, mean service min, utilisation)
    (10, 8.0, 0.85),
    (3, 8.0, 0.7),
    (1, 5.0, 0.6),
]


@pytest.mark.parametrize(("c", "mean_service", "rho"), MMC_CASES)
def test_mmc_matches_erlang_c(c: int, mean_service: float, rho: float) -> None:
    lam_per_min = rho * c / mean_service
    target = 5.0
    scn = load_scenario(
        "validation/mmc",
        overrides=[
            f"demand.arrival_rate_per_hour={lam_per_min * 60}",
            f"catalogue.families.main.service.mean={mean_service}",
            f"layout.windows.main.count={c}",
            f"target_wait_min={target}",
            "calendar.hours.weekday.close=20160",  # two weeks
            "warmup_min=1000",
        ],
    )
    res = simulate(scn, replications=20, seed=11, workers=2)
    theory = mmc_metrics(lam_per_min, mean_service, c)
    reps = res.replications
    assert_in_ci(reps["wait_mean_min"], theory.mean_wait, "mean wait (Erlang C)")
    assert_in_ci(reps["p_wait_gt0"], theory.p_wait, "P(wait > 0) (Erlang C)")
    # service_level = share of arrivals called within the target = P(W <= t)
    assert_in_ci(1.0 - reps["service_level"], theory.p_wait_gt(target), "P(wait > 5 min)")
    assert_in_ci(reps["utilisation"], rho, "utilisation")
    assert_in_ci(reps["queue_mean"], theory.mean_queue, "mean queue length Lq")


ERLANG_A_CASES = [
    # (c, mean service, offered load, mean patience)
    (10, 8.0, 11.0, 20.0),  # overloaded, stable only through abandonment
    (5, 8.0, 4.5, 10.0),  # heavily loaded, impatient
]


@pytest.mark.parametrize(("c", "mean_service", "load", "patience"), ERLANG_A_CASES)
def test_mmc_abandon_matches_erlang_a(
    c: int, mean_service: float, load: float, patience: float
) -> None:
    lam_per_min = load / mean_service
    scn = load_scenario(
        "validation/mmc_abandon",
        overrides=[
            f"demand.arrival_rate_per_hour={lam_per_min * 60}",
            f"catalogue.families.main.service.mean={mean_service}",
            f"layout.windows.main.count={c}",
            f"impatience.reneging.patience.mean={patience}",
            "warmup_min=1000",
        ],
    )
    res = simulate(scn, replications=20, seed=12, workers=2)
    theory = erlang_a(lam_per_min, mean_service, c, patience)
    reps = res.replications
    assert_in_ci(reps["abandonment_rate"], theory.p_abandon, "P(abandon) (Erlang A)")
    assert_in_ci(reps["p_wait_gt0"], theory.p_wait, "P(wait > 0) (Erlang A)")
    assert_in_ci(reps["queue_time_mean_min"], theory.mean_wait, "mean time in queue")


def test_littles_law_on_reference_centre() -> None:
    """L = lambda W, with L observed by sampling the live queue every minute during the
    run (the engine's own state) and lambda, W measured from the resident records."""
    scn = load_scenario("reference", overrides=["monitor_interval_min=1"])
    res = simulate(scn, replications=20, seed=13)
    reps = res.replications
    lam = (reps["arrivals"] - reps["balked"]) / reps["operating_min"]
    little = lam * reps["queue_time_mean_min"]
    diff = reps["queue_mean_sampled"] - little
    mean, lo, hi, _ = t_interval(diff.to_numpy(), LEVEL)
    assert lo <= 0.0 <= hi, f"L - lambda W = {mean:.4f}, 99% CI [{lo:.4f}, {hi:.4f}]"
    # and the record-based time average agrees with the live samples
    d2 = reps["queue_mean_sampled"] - reps["queue_mean"]
    mean2, lo2, hi2, _ = t_interval(d2.to_numpy(), LEVEL)
    assert lo2 <= 0.0 <= hi2, f"sampled - integrated queue = {mean2:.4f} [{lo2:.4f}, {hi2:.4f}]"


def test_infinite_servers_no_wait() -> None:
    """With more windows than residents can ever fill, nobody waits (M/M/infinity limit)."""
    scn = load_scenario(
        "validation/mmc",
        overrides=["layout.windows.main.count=60", "calendar.hours.weekday.close=3000"],
    )
    res = simulate(scn, replications=3, seed=1)
    assert (res.replications["p_wait_gt0"] == 0).all()
    assert (res.replications["wait_max_min"] == 0).all()
