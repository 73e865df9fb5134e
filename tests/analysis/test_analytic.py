"""Tests for simulator.analysis.analytic (queueing formulas used to validate the simulator)."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats
from scipy.special import gammaln, logsumexp

from simulator.analysis.analytic import (
    ErlangAMetrics,
    MMcMetrics,
    QueueMetrics,
    erlang_a,
    erlang_a_p_wait_gt,
    erlang_b,
    erlang_c,
    min_servers_erlang_a,
    min_servers_erlang_c,
    mmc_metrics,
    square_root_staffing,
)

FAST = settings(max_examples=40, deadline=None)


# ---------------------------------------------------------------------------
# independent reference implementations (test-only)
# ---------------------------------------------------------------------------


def erlang_b_direct(c: int, a: float) -> float:
    """Textbook formula with factorials, only for small c."""
    terms = [a**k / math.factorial(k) for k in range(c + 1)]
    return terms[-1] / sum(terms)


def erlang_c_direct(c: int, a: float) -> float:
    """Textbook Erlang C formula with factorials, only for small c and a < c."""
    head = sum(a**k / math.factorial(k) for k in range(c))
    tail = a**c / math.factorial(c) * c / (c - a)
    return tail / (head + tail)


def erlang_c_logspace(c: int, a: float) -> float:
    """Erlang C for large c via log-gamma and logsumexp (different route from the module)."""
    k = np.arange(c)
    log_head = logsumexp(k * math.log(a) - gammaln(k + 1))
    log_tail = c * math.log(a) - gammaln(c + 1) + math.log(c / (c - a))
    return float(math.exp(log_tail - np.logaddexp(log_head, log_tail)))


def mm1m_by_hand(lam: float, mu: float, theta: float, n_max: int = 400) -> dict[str, float]:
    """M/M/1+M stationary measures from the product form, summed directly.

    pi_0 = 1 (unnormalised), pi_1 = lam/mu, pi_n = pi_{n-1} * lam / (mu + (n-1) theta).
    """
    pi = [1.0, lam / mu]
    for n in range(2, n_max):
        pi.append(pi[-1] * lam / (mu + (n - 1) * theta))
    total = sum(pi)
    probs = [p / total for p in pi]
    lq = sum((n - 1) * p for n, p in enumerate(probs) if n >= 1)
    return {
        "p_wait": 1.0 - probs[0],
        "mean_queue": lq,
        "p_abandon": theta * lq / lam,
        "mean_in_system": sum(n * p for n, p in enumerate(probs)),
    }


def hypoexp_sf(rates: list[float], t: float) -> float:
    """Survival function of a sum of independent exponentials with distinct rates."""
    total = 0.0
    for j, rj in enumerate(rates):
        coef = 1.0
        for i, ri in enumerate(rates):
            if i != j:
                coef *= ri / (ri - rj)
        total += coef * math.exp(-rj * t)
    return total


# ---------------------------------------------------------------------------
# Erlang B / C
# ---------------------------------------------------------------------------


def test_erlang_b_textbook_values() -> None:
    assert erlang_b(0, 3.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(5, 0.0) == 0.0
    # Standard table value: 10 trunks, 5 Erlangs -> 1.8384 %
    assert erlang_b(10, 5.0) == pytest.approx(0.018384, abs=5e-6)


@pytest.mark.parametrize("c", range(0, 12))
@pytest.mark.parametrize("a", [0.1, 0.9, 2.5, 7.0, 15.0])
def test_erlang_b_recursion_matches_direct_formula(c: int, a: float) -> None:
    assert erlang_b(c, a) == pytest.approx(erlang_b_direct(c, a), rel=1e-12)


def test_erlang_c_textbook_values() -> None:
    assert erlang_c(2, 1.0) == pytest.approx(1.0 / 3.0, rel=1e-14)
    assert erlang_c(1, 0.7) == pytest.approx(0.7, rel=1e-14)  # M/M/1: P(wait) = rho
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 4.5) == 1.0
    assert erlang_c(4, 0.0) == 0.0


@pytest.mark.parametrize("c", range(1, 12))
@pytest.mark.parametrize("frac", [0.05, 0.5, 0.9, 0.99])
def test_erlang_c_matches_direct_formula(c: int, frac: float) -> None:
    a = frac * c
    assert erlang_c(c, a) == pytest.approx(erlang_c_direct(c, a), rel=1e-12)


@pytest.mark.parametrize(("c", "a"), [(400, 380.0), (500, 499.0), (500, 450.0), (450, 200.0)])
def test_erlang_c_numerically_stable_for_large_systems(c: int, a: float) -> None:
    value = erlang_c(c, a)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(erlang_c_logspace(c, a), rel=1e-9)


def test_erlang_b_large_c_matches_logspace() -> None:
    c, a = 500, 500.0
    k = np.arange(c + 1)
    logs = k * math.log(a) - gammaln(k + 1)
    expected = math.exp(logs[-1] - logsumexp(logs))
    assert erlang_b(c, a) == pytest.approx(expected, rel=1e-9)
    assert 0.03 < erlang_b(c, a) < 0.04  # ~ 1/sqrt(pi*a/2) asymptotically


@FAST
@given(c=st.integers(1, 120), a=st.floats(0.01, 150.0))
def test_erlang_b_c_monotone_in_servers(c: int, a: float) -> None:
    assert erlang_b(c + 1, a) <= erlang_b(c, a)
    assert erlang_c(c + 1, a) <= erlang_c(c, a)
    assert erlang_b(c, a) <= erlang_c(c, a) <= 1.0


@FAST
@given(c=st.integers(1, 120), a=st.floats(0.01, 150.0), da=st.floats(0.01, 5.0))
def test_erlang_b_c_monotone_in_load(c: int, a: float, da: float) -> None:
    assert erlang_b(c, a) <= erlang_b(c, a + da)
    assert erlang_c(c, a) <= erlang_c(c, a + da)


# ---------------------------------------------------------------------------
# M/M/c metrics
# ---------------------------------------------------------------------------


def test_mm1_reduces_to_textbook_formulas() -> None:
    lam, mu = 0.6, 1.0 / 1.25  # 0.6 arrivals/min, 1.25 min mean service -> rho = 0.75
    rho = lam / mu
    m = mmc_metrics(lam, 1.25, 1)
    assert isinstance(m, MMcMetrics)
    assert m.utilisation == pytest.approx(rho)
    assert m.p_wait == pytest.approx(rho)
    assert m.mean_wait == pytest.approx(rho / (mu - lam))  # 3.75 min
    assert m.mean_wait == pytest.approx(3.75)
    assert m.mean_queue == pytest.approx(rho**2 / (1 - rho))
    assert m.mean_in_system == pytest.approx(rho / (1 - rho))
    assert m.mean_sojourn == pytest.approx(1 / (mu - lam))
    for t in (0.0, 0.5, 3.0, 20.0):
        assert m.p_wait_gt(t) == pytest.approx(rho * math.exp(-(mu - lam) * t))


def test_mm2_textbook_values() -> None:
    m = mmc_metrics(1.0, 1.0, 2)  # a = 1, c = 2
    assert m.p_wait == pytest.approx(1 / 3)
    assert m.mean_wait == pytest.approx(1 / 3)  # C / (c mu - lam) = (1/3) / 1
    assert m.mean_queue == pytest.approx(1 / 3)
    assert m.mean_in_system == pytest.approx(4 / 3)
    assert m.utilisation == pytest.approx(0.5)


def test_mmc_tail_quantile_and_service_level_are_consistent() -> None:
    m = mmc_metrics(lam=9.0, mean_service=1.0, c=10)
    assert m.p_wait_gt(0.0) == pytest.approx(m.p_wait)
    assert m.service_level(0.0) == pytest.approx(1.0 - m.p_wait)
    for p in (0.5, 0.8, 0.95, 0.999):
        q = m.wait_quantile(p)
        if p <= 1 - m.p_wait:
            assert q == 0.0
        else:
            assert m.service_level(q) == pytest.approx(p, rel=1e-12)
    # mean wait is the integral of the tail
    integral, _ = integrate.quad(m.p_wait_gt, 0, np.inf)
    assert integral == pytest.approx(m.mean_wait, rel=1e-8)


def test_wait_quantile_in_the_no_wait_atom_is_zero() -> None:
    m = mmc_metrics(1.0, 1.0, 5)  # P(W > 0) is small
    assert m.wait_quantile(0.5) == 0.0
    assert m.wait_quantile(0.0) == 0.0


@FAST
@given(
    c=st.integers(1, 60),
    frac=st.floats(0.05, 0.98),
    t1=st.floats(0.0, 30.0),
    dt=st.floats(0.0, 30.0),
)
def test_mmc_service_level_monotone(c: int, frac: float, t1: float, dt: float) -> None:
    m = mmc_metrics(lam=frac * c / 3.0, mean_service=3.0, c=c)
    assert m.service_level(t1) <= m.service_level(t1 + dt) + 1e-15
    bigger = mmc_metrics(lam=frac * c / 3.0, mean_service=3.0, c=c + 1)
    assert bigger.mean_wait <= m.mean_wait
    assert bigger.service_level(t1) >= m.service_level(t1) - 1e-15


# ---------------------------------------------------------------------------
# Erlang A
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lam", "mu", "theta"), [(0.9, 1.0, 0.1), (2.0, 1.0, 0.5), (0.3, 0.5, 2.0)]
)
def test_erlang_a_single_server_matches_hand_derived_chain(
    lam: float, mu: float, theta: float
) -> None:
    ref = mm1m_by_hand(lam, mu, theta)
    m = erlang_a(lam, 1 / mu, 1, 1 / theta)
    assert isinstance(m, ErlangAMetrics)
    assert m.p_wait == pytest.approx(ref["p_wait"], rel=1e-10)
    assert m.mean_queue == pytest.approx(ref["mean_queue"], rel=1e-10)
    assert m.p_abandon == pytest.approx(ref["p_abandon"], rel=1e-10)
    assert m.mean_in_system == pytest.approx(ref["mean_in_system"], rel=1e-10)


def test_erlang_a_small_case_exact_numbers() -> None:
    # M/M/1+M, lam = mu = theta = 1: chain is M/M/inf with a = 1, i.e. Poisson(1).
    m = erlang_a(1.0, 1.0, 1, 1.0)
    assert m.p_wait == pytest.approx(1 - math.exp(-1))
    assert m.mean_in_system == pytest.approx(1.0)
    # Lq = E[(N-1)^+] = E[N] - P(N >= 1) = 1 - (1 - e^-1) = e^-1
    assert m.mean_queue == pytest.approx(math.exp(-1))
    assert m.p_abandon == pytest.approx(math.exp(-1))
    assert m.throughput == pytest.approx(1 - math.exp(-1))


@pytest.mark.parametrize(("c", "a"), [(3, 2.2), (20, 17.0), (100, 130.0)])
def test_erlang_a_with_patience_equal_service_is_poisson(c: int, a: float) -> None:
    # theta == mu makes the death rate n*mu in every state: stationary law Poisson(a).
    m = erlang_a(a / 4.0, 4.0, c, 4.0)
    assert m.p_wait == pytest.approx(stats.poisson.sf(c - 1, a), rel=1e-9)
    assert m.mean_in_system == pytest.approx(a, rel=1e-10)


@pytest.mark.parametrize(("c", "a"), [(1, 0.8), (5, 4.0), (50, 45.0)])
def test_erlang_a_converges_to_erlang_c_for_large_patience(c: int, a: float) -> None:
    mean_service = 5.0
    lam = a / mean_service
    ref = mmc_metrics(lam, mean_service, c)
    m = erlang_a(lam, mean_service, c, 1e8)
    assert m.p_wait == pytest.approx(ref.p_wait, rel=1e-5)
    assert m.mean_wait == pytest.approx(ref.mean_wait, rel=1e-5)
    assert m.mean_queue == pytest.approx(ref.mean_queue, rel=1e-5)
    assert m.p_abandon < 1e-6
    for t in (0.5, 5.0):
        assert m.p_wait_gt(t) == pytest.approx(ref.p_wait_gt(t), rel=1e-5)


def test_erlang_a_infinite_patience_is_exactly_mmc() -> None:
    ref = mmc_metrics(3.0, 2.0, 8)
    m = erlang_a(3.0, 2.0, 8, math.inf)
    assert m.p_abandon == 0.0
    assert m.p_wait == pytest.approx(ref.p_wait, rel=1e-12)
    assert m.mean_wait == pytest.approx(ref.mean_wait, rel=1e-12)
    assert m.p_wait_gt(1.5) == pytest.approx(ref.p_wait_gt(1.5), rel=1e-9)
    assert m.service_level(1.5) == pytest.approx(ref.service_level(1.5), rel=1e-9)
    for t in (0.0, 1.5, math.inf):
        assert ref.p_abandon_by(t) == m.p_abandon_by(t) == 0.0


@pytest.mark.parametrize(
    ("lam", "c", "patience"), [(1.0, 4, 3.0), (12.0, 50, 2.0), (30.0, 100, 8.0)]
)
def test_erlang_a_conservation_laws(lam: float, c: int, patience: float) -> None:
    m = erlang_a(lam, 4.0, c, patience)
    assert m.throughput == pytest.approx(lam * (1 - m.p_abandon), rel=1e-10)
    assert m.mean_wait == pytest.approx(m.p_abandon * patience, rel=1e-10)
    assert m.mean_queue == pytest.approx(lam * m.mean_wait, rel=1e-12)
    assert m.utilisation == pytest.approx(m.throughput * 4.0 / c, rel=1e-10)
    assert m.mean_in_system == pytest.approx(m.mean_queue + m.utilisation * c, rel=1e-10)
    assert 0.0 <= m.p_abandon <= m.p_wait <= 1.0


def test_erlang_a_overload_is_stable_and_fluid_limit_holds() -> None:
    # a = 200 Erlangs on 150 servers: fluid model predicts P(Ab) ~ 1 - c/a = 0.25.
    m = erlang_a(lam=50.0, mean_service=4.0, c=150, mean_patience=5.0)
    assert m.p_abandon == pytest.approx(0.25, abs=0.01)
    assert m.utilisation == pytest.approx(1.0, abs=1e-3)
    assert 0.9999 < m.p_wait < 1.0  # practically everyone queues


def test_erlang_a_numerically_stable_for_c_400() -> None:
    m = erlang_a(lam=95.0, mean_service=4.0, c=400, mean_patience=3.0)  # a = 380
    values = [m.p_wait, m.p_abandon, m.mean_wait, m.utilisation, m.service_level(0.25)]
    assert all(math.isfinite(v) for v in values)
    assert 0.0 < m.p_abandon < m.p_wait < 1.0
    big = erlang_a(lam=95.0, mean_service=4.0, c=400, mean_patience=1e9)
    assert big.p_wait == pytest.approx(erlang_c(400, 380.0), rel=1e-6)


def test_erlang_a_wait_tail_identities() -> None:
    m = erlang_a(lam=2.0, mean_service=4.0, c=9, mean_patience=2.0)
    assert m.p_wait_gt(0.0) == pytest.approx(m.p_wait)
    assert m.service_level(0.0) == pytest.approx(1 - m.p_wait)
    assert m.service_level(1e4) == pytest.approx(1 - m.p_abandon, rel=1e-10)
    assert m.p_abandon_by(1e4) == pytest.approx(m.p_abandon, rel=1e-9)
    for t in (0.1, 1.0, 4.0):
        total = m.p_wait_gt(t) + m.service_level(t) + m.p_abandon_by(t)
        assert total == pytest.approx(1.0, abs=1e-12)
    # E[time in queue] = integral of P(W > t)
    integral, _ = integrate.quad(m.p_wait_gt, 0, 60, limit=200)
    assert integral == pytest.approx(m.mean_wait, rel=1e-7)
    assert erlang_a_p_wait_gt(2.0, 4.0, 9, 2.0, 1.0) == pytest.approx(m.p_wait_gt(1.0))


def test_erlang_a_wait_tail_matches_hypoexponential_closed_form() -> None:
    # Short chain (impatient customers) so that the alternating closed form is accurate.
    lam, mean_service, c, patience = 3.0, 1.0, 2, 0.5
    m = erlang_a(lam, mean_service, c, patience)
    theta, cmu = 1 / patience, c / mean_service
    probs = m.queue_ahead_probs
    assert probs.size < 40
    for t in (0.2, 0.7, 1.5):
        expected = 0.0
        for q, p in enumerate(probs[:25]):
            # offered wait with q ahead: exponential stages at rates cmu + j theta, j=q..0
            rates = [cmu + j * theta for j in range(q + 1)]
            expected += p * hypoexp_sf(rates, t)
        expected *= math.exp(-theta * t)  # own patience, independent of the offered wait
        assert m.p_wait_gt(t) == pytest.approx(expected, rel=1e-8)


@FAST
@given(
    c=st.integers(1, 40),
    load=st.floats(0.1, 1.5),
    patience=st.floats(0.2, 50.0),
)
def test_erlang_a_monotone_in_servers(c: int, load: float, patience: float) -> None:
    lam = load * c / 3.0
    m = erlang_a(lam, 3.0, c, patience)
    more = erlang_a(lam, 3.0, c + 1, patience)
    assert more.p_abandon <= m.p_abandon + 1e-12
    assert more.mean_wait <= m.mean_wait + 1e-12
    assert more.p_wait <= m.p_wait + 1e-12
    assert more.throughput >= m.throughput - 1e-12


# ---------------------------------------------------------------------------
# staffing
# ---------------------------------------------------------------------------


def test_square_root_staffing() -> None:
    assert square_root_staffing(25.0, 4.0, 1.0) == 110  # a = 100 -> 100 + 10
    assert square_root_staffing(1.0, 4.0, 0.0) == 4  # exact integer is not bumped
    assert square_root_staffing(1.0, 4.0, 0.5) == 5  # 4 + 1
    assert square_root_staffing(1.0, 5.0, 0.5) == math.ceil(5 + 0.5 * math.sqrt(5))
    assert square_root_staffing(0.0, 4.0, 2.0) == 0
    assert square_root_staffing(1.0, 4.0, -5.0) == 0


@pytest.mark.parametrize(("lam", "mean_service"), [(0.5, 4.0), (10.0, 4.0), (100.0, 4.5)])
def test_min_servers_erlang_c_is_smallest(lam: float, mean_service: float) -> None:
    c = min_servers_erlang_c(lam, mean_service, service_level=0.8, target_wait=0.5)
    assert mmc_metrics(lam, mean_service, c).service_level(0.5) >= 0.8
    a = lam * mean_service
    if c - 1 > a:
        assert mmc_metrics(lam, mean_service, c - 1).service_level(0.5) < 0.8

    c2 = min_servers_erlang_c(lam, mean_service, max_mean_wait=0.2)
    assert mmc_metrics(lam, mean_service, c2).mean_wait <= 0.2
    assert c2 - 1 <= a or mmc_metrics(lam, mean_service, c2 - 1).mean_wait > 0.2

    both = min_servers_erlang_c(
        lam, mean_service, max_mean_wait=0.2, service_level=0.8, target_wait=0.5
    )
    assert both == max(c, c2)


def test_min_servers_erlang_c_known_value() -> None:
    # a = 40 Erlangs, target 80 % of arrivals wait at most 20 s (1/3 min).
    lam, mean_service, t = 10.0, 4.0, 1 / 3
    mu = 1 / mean_service

    def sl_direct(c: int) -> float:
        return 1 - erlang_c_direct(c, 40.0) * math.exp(-(c * mu - lam) * t)

    assert sl_direct(45) == pytest.approx(0.775393, abs=1e-6)
    assert sl_direct(46) == pytest.approx(0.838790, abs=1e-6)
    assert min_servers_erlang_c(lam, mean_service, service_level=0.8, target_wait=t) == 46
    assert min_servers_erlang_c(lam, mean_service, service_level=0.7, target_wait=t) == 45
    assert min_servers_erlang_c(0.0, 4.0, max_mean_wait=1.0) == 0
    # always at least the stability bound
    assert min_servers_erlang_c(10.0, 4.0, max_mean_wait=1e6) == 41


@pytest.mark.parametrize(
    ("lam", "mean_service", "patience"),
    [
        (0.5, 4.0, 3.0),
        (10.0, 4.0, 2.0),
        # about 400 servers: each search evaluates hundreds of queues (seconds)
        pytest.param(100.0, 4.0, 5.0, marks=pytest.mark.slow),
    ],
)
def test_min_servers_erlang_a_is_smallest(lam: float, mean_service: float, patience: float) -> None:
    c = min_servers_erlang_a(lam, mean_service, patience, max_p_abandon=0.03)
    assert erlang_a(lam, mean_service, c, patience).p_abandon <= 0.03
    assert c == 1 or erlang_a(lam, mean_service, c - 1, patience).p_abandon > 0.03

    c_sl = min_servers_erlang_a(lam, mean_service, patience, service_level=0.8, target_wait=0.5)
    assert erlang_a(lam, mean_service, c_sl, patience).service_level(0.5) >= 0.8
    assert c_sl == 1 or erlang_a(lam, mean_service, c_sl - 1, patience).service_level(0.5) < 0.8

    c_w = min_servers_erlang_a(lam, mean_service, patience, max_mean_wait=0.1)
    assert erlang_a(lam, mean_service, c_w, patience).mean_wait <= 0.1
    assert c_w == 1 or erlang_a(lam, mean_service, c_w - 1, patience).mean_wait > 0.1

    c_all = min_servers_erlang_a(
        lam,
        mean_service,
        patience,
        max_p_abandon=0.03,
        service_level=0.8,
        target_wait=0.5,
        max_mean_wait=0.1,
    )
    assert c_all == max(c, c_sl, c_w)


def test_erlang_a_needs_fewer_servers_than_erlang_c() -> None:
    # Abandonment relieves congestion, so the same mean-wait target needs no more staff.
    c_c = min_servers_erlang_c(10.0, 4.0, max_mean_wait=0.5)
    c_a = min_servers_erlang_a(10.0, 4.0, 3.0, max_mean_wait=0.5)
    assert c_a <= c_c
    assert min_servers_erlang_a(10.0, 4.0, math.inf, max_mean_wait=0.5) == c_c


# ---------------------------------------------------------------------------
# argument validation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: erlang_b(-1, 1.0), "c must be >= 0"),
        (lambda: erlang_b(2.5, 1.0), "integer"),
        (lambda: erlang_b(True, 1.0), "integer"),
        (lambda: erlang_b(3, -0.1), "offered load"),
        (lambda: erlang_b(3, math.nan), "offered load"),
        (lambda: erlang_c(0, 1.0), "c must be >= 1"),
        (lambda: mmc_metrics(2.0, 1.0, 2), "unstable"),
        (lambda: mmc_metrics(3.0, 1.0, 2), "unstable"),
        (lambda: mmc_metrics(1.0, 0.0, 2), "mean_service"),
        (lambda: mmc_metrics(-1.0, 1.0, 2), "lam"),
        (lambda: mmc_metrics(1.0, 1.0, 2).wait_quantile(1.0), "0 <= p < 1"),
        (lambda: mmc_metrics(1.0, 1.0, 2).p_wait_gt(-1.0), "t must be"),
        (lambda: mmc_metrics(1.0, 1.0, 2).p_abandon_by(math.nan), "t must be"),
        (lambda: erlang_a(1.0, 1.0, 1, 0.0), "mean_patience"),
        (lambda: erlang_a(1.0, 1.0, 1, -2.0), "mean_patience"),
        (lambda: erlang_a(2.0, 1.0, 1, math.inf), "unstable"),
        (lambda: erlang_a(1.0, 1.0, 2, 1.0).service_level(-0.5), "t must be"),
        (lambda: square_root_staffing(1.0, 1.0, math.inf), "beta"),
        (lambda: min_servers_erlang_c(1.0, 1.0), "at least one target"),
        (lambda: min_servers_erlang_c(1.0, 1.0, service_level=0.8), "together"),
        (lambda: min_servers_erlang_c(1.0, 1.0, target_wait=0.5), "together"),
        (lambda: min_servers_erlang_c(1.0, 1.0, service_level=1.0, target_wait=0.5), "between"),
        (lambda: min_servers_erlang_c(1.0, 1.0, max_mean_wait=0.0), "max_mean_wait"),
        (lambda: min_servers_erlang_a(1.0, 1.0, 1.0), "at least one target"),
        (lambda: min_servers_erlang_a(1.0, 1.0, 1.0, max_p_abandon=0.0), "max_p_abandon"),
        (lambda: min_servers_erlang_a(1.0, 1.0, 1.0, max_p_abandon=1.5), "max_p_abandon"),
    ],
)
def test_bad_input_raises_clear_value_error(call: object, match: str) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match=match):
        call()


def test_erlang_a_sparse_and_dense_tail_paths_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    import simulator.analysis.analytic as analytic

    m = erlang_a(lam=6.0, mean_service=4.0, c=20, mean_patience=6.0)  # overloaded, long queue
    times = (0.3, 2.0, 6.0)
    dense = [(m.p_wait_gt(t), m.service_level(t)) for t in times]
    monkeypatch.setattr(analytic, "_STEP_NORM", 5.0)  # force many short slices
    dense_sliced = [(m.p_wait_gt(t), m.service_level(t)) for t in times]
    monkeypatch.setattr(analytic, "_DENSE_MAX", 0)
    sparse_sliced = [(m.p_wait_gt(t), m.service_level(t)) for t in times]
    assert np.allclose(dense, dense_sliced, rtol=1e-9, atol=1e-15)
    assert np.allclose(dense, sparse_sliced, rtol=1e-9, atol=1e-15)
    assert dense[0][0] > dense[1][0] > dense[2][0] > 0.0


@FAST
@given(c=st.integers(1, 30), load=st.floats(0.2, 1.5), t=st.floats(0.0, 5.0))
def test_erlang_a_service_level_monotone(c: int, load: float, t: float) -> None:
    lam = load * c / 3.0
    m = erlang_a(lam, 3.0, c, 2.0)
    more = erlang_a(lam, 3.0, c + 1, 2.0)
    assert more.service_level(t) >= m.service_level(t) - 1e-12
    assert m.service_level(t + 1.0) >= m.service_level(t) - 1e-12
    assert m.p_wait_gt(t + 1.0) <= m.p_wait_gt(t) + 1e-12


@pytest.mark.parametrize("cls", [MMcMetrics, ErlangAMetrics])
def test_every_public_method_of_the_queue_metrics_is_documented(cls: type) -> None:
    """help() and the API pages show a full text for every public method: its own, or
    the one description of the shared interface (QueueMetrics) it implements."""
    public = [n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_")]
    assert {"p_wait_gt", "service_level", "p_abandon_by"} <= set(public)
    for name in public:
        doc = inspect.getdoc(getattr(cls, name)) or ""
        assert len(doc.splitlines()) >= 3, (cls.__name__, name, doc)
        if hasattr(QueueMetrics, name):
            assert doc == inspect.getdoc(getattr(QueueMetrics, name)), (cls.__name__, name)
