"""Closed-form and numerically exact queueing-theory results.

These formulas serve two purposes:

* validating the discrete-event simulator against known stationary results, and
* giving the staffing recommender good starting points (square-root staffing,
  smallest head-count meeting a service target).

Conventions
-----------
All rates are **per minute** and all times are **in minutes**. ``lam`` is the
arrival rate, ``mean_service`` the mean service time (so ``mu = 1 / mean_service``),
``c`` the number of servers (counters / clerks) and ``a = lam * mean_service`` the
offered load in Erlangs.

Numerical notes
---------------
Factorials are never formed. Erlang B is computed by the standard recursion
``B(k) = a B(k-1) / (k + a B(k-1))`` whose terms stay in ``[0, 1]``, so the
functions are stable for hundreds of servers and hundreds of Erlangs. Erlang A
(M/M/c+M) is computed from the exact birth-death chain, with the stationary
probabilities accumulated in log space and the chain truncated where the
remaining tail mass is provably below ``1e-14``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from simulator.docstrings import DocTexts

__all__ = [
    "ErlangAMetrics",
    "MMcMetrics",
    "QueueMetrics",
    "erlang_a",
    "erlang_a_p_wait_gt",
    "erlang_b",
    "erlang_c",
    "min_servers_erlang_a",
    "min_servers_erlang_c",
    "mmc_metrics",
    "square_root_staffing",
]

#: Relative tail mass below which the Erlang A chain is truncated.
_TAIL_TOL = 1e-14
#: Hard cap on the number of chain states (guards against absurd inputs).
_MAX_STATES = 5_000_000
#: Largest ``||G h||`` per transient step of the tagged-customer chain.
_STEP_NORM = 200.0
#: Waiting mass below which a tagged customer's chain counts as drained.
_DRAINED = 1e-17
#: Largest tagged-customer chain for which a dense matrix exponential is used.
_DENSE_MAX = 300
#: Hard cap on the head-count searched by the ``min_servers_*`` functions.
_MAX_SERVERS = 1_000_000

FloatArray = npt.NDArray[np.float64]

#: The parameters the queueing formulas share, described once (:mod:`simulator.docstrings`).
_DOCS = DocTexts(
    lam="""
        lam : float
            Arrival rate (per minute), ``lam >= 0``.
    """,
    mean_service="""
        mean_service : float
            Mean service time (minutes), ``> 0``.
    """,
    c="""
        c : int
            Number of servers, ``c >= 1``.
    """,
    a="""
        a : float
            Offered load in Erlangs, ``a = lam * mean_service`` (dimensionless), ``a >= 0``.
    """,
    mean_patience="""
        mean_patience : float
            Mean patience before abandoning (minutes), ``> 0``; ``math.inf`` means no
            abandonment (the M/M/c queue).
    """,
    max_mean_wait="""
        max_mean_wait : float, optional
            Upper bound on the mean time in queue ``Wq`` over all arrivals (minutes), ``> 0``.
    """,
    target_wait="""
        target_wait : float, optional
            Answer-time threshold for ``service_level`` (minutes), ``>= 0``.
    """,
)


# ---------------------------------------------------------------------------
# argument validation
# ---------------------------------------------------------------------------


def _check_servers(c: int, *, minimum: int = 1, name: str = "c") -> int:
    if isinstance(c, bool):
        raise ValueError(f"{name} must be an integer number of servers, got {c!r}")
    try:
        value = operator.index(c)
    except TypeError:
        raise ValueError(f"{name} must be an integer number of servers, got {c!r}") from None
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return value


def _check_nonneg(x: float, name: str) -> float:
    value = float(x)
    if not math.isfinite(value) or value < 0.0:
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return value


def _check_positive(x: float, name: str, *, allow_inf: bool = False) -> float:
    value = float(x)
    if math.isnan(value) or value <= 0.0 or (math.isinf(value) and not allow_inf):
        kind = "a positive number (inf allowed)" if allow_inf else "a finite number > 0"
        raise ValueError(f"{name} must be {kind}, got {x!r}")
    return value


def _check_rates(lam: float, mean_service: float) -> tuple[float, float]:
    """An arrival rate per minute (``>= 0``) and a mean service time in minutes (``> 0``)."""
    return (
        _check_nonneg(lam, "lam (arrival rate per minute)"),
        _check_positive(mean_service, "mean_service (minutes)"),
    )


def _check_time(t: float) -> float:
    value = float(t)
    if math.isnan(value) or value < 0.0:
        raise ValueError(f"t must be a time in minutes >= 0, got {t!r}")
    return value


def _check_fraction(p: float, name: str) -> float:
    value = float(p)
    if not 0.0 < value < 1.0:
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {p!r}")
    return value


# ---------------------------------------------------------------------------
# Erlang B / Erlang C
# ---------------------------------------------------------------------------


@_DOCS.fill
def erlang_b(c: int, a: float) -> float:
    """Erlang B blocking probability of an M/M/c/c loss system.

    Parameters
    ----------
    c : int
        Number of servers, ``c >= 0``.
    %(a)s

    Returns
    -------
    float
        Probability that an arrival finds all ``c`` servers busy (is blocked).
        ``erlang_b(0, a) == 1``.

    Notes
    -----
    Uses the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``, which
    involves only numbers in ``[0, 1]`` and is stable for large ``c`` and ``a``.
    """
    c = _check_servers(c, minimum=0)
    a = _check_nonneg(a, "a (offered load)")
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


@_DOCS.fill
def erlang_c(c: int, a: float) -> float:
    """Erlang C probability of waiting, ``P(W > 0)``, for an M/M/c queue.

    Parameters
    ----------
    %(c)s
    %(a)s

    Returns
    -------
    float
        Probability that an arrival has to wait. Returns ``1.0`` when ``a >= c``
        (the queue is unstable and every arrival eventually waits).

    Notes
    -----
    Computed from Erlang B as ``C = B / (1 - (a / c) (1 - B))``.
    """
    c = _check_servers(c)
    a = _check_nonneg(a, "a (offered load)")
    if a >= c:
        return 1.0
    b = erlang_b(c, a)
    return b / (1.0 - (a / c) * (1.0 - b))


# ---------------------------------------------------------------------------
# the waiting-time questions both queue models answer
# ---------------------------------------------------------------------------


class QueueMetrics(Protocol):
    """What the stationary metrics of a queue model answer about the wait.

    :class:`MMcMetrics` and :class:`ErlangAMetrics` implement it, each with its own
    formula; the methods are described here once (``help()``, ``inspect.getdoc`` and
    the API pages show these texts for both classes). ``W`` is an arrival's time in
    queue: until service starts or, with abandonment, until the arrival gives up.
    Each method takes a time ``t`` in minutes after arrival, ``t >= 0`` (``math.inf``
    allowed; a negative or NaN ``t`` raises ``ValueError``), and returns a fraction of
    all arrivals (a float in ``[0, 1]``).

    Attributes
    ----------
    p_wait : float
        Probability that an arrival has to wait, ``P(W > 0)``.
    mean_wait : float
        Mean time in queue ``Wq`` over all arrivals (minutes).
    """

    p_wait: float
    mean_wait: float

    def p_wait_gt(self, t: float) -> float:
        """Probability ``P(W > t)`` that an arrival is still waiting ``t`` minutes after arriving.

        The fraction of arrivals whose time in queue is strictly longer than ``t``
        minutes (``t >= 0``), abandoning or not; at ``t = 0`` it equals ``p_wait``.
        """
        ...

    def service_level(self, t: float) -> float:
        """Service level: the fraction of *all* arrivals served within ``t`` minutes.

        ``P(W <= t and the customer is served)``, with ``t >= 0`` the target answer
        time in minutes: service starts within ``t`` minutes of arrival. Abandoning
        customers count as failures whenever they abandon, so with abandonment this is
        stricter than ``1 - p_wait_gt(t)`` (which counts early abandonments as
        successes) and ``service_level(inf) = 1 - p_abandon_by(inf)``; without
        abandonment the two are equal.
        """
        ...

    def p_abandon_by(self, t: float) -> float:
        """Fraction of arrivals that abandon within ``t`` minutes of arriving.

        ``P(W <= t and the customer abandons)`` for ``t >= 0`` minutes; it tends to the
        fraction of arrivals who abandon as ``t -> inf``, and is ``0`` where no one
        abandons (M/M/c).
        """
        ...


# ---------------------------------------------------------------------------
# M/M/c (Erlang C) metrics
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MMcMetrics(QueueMetrics):
    """Stationary performance measures of a stable M/M/c queue.

    An arrival waits with the Erlang C probability ``C = p_wait``, and a wait is then
    exponential with rate ``c mu - lam``: ``P(W > t) = C exp(-(c mu - lam) t)``. No one
    abandons, so the service level is ``1 - P(W > t)``.

    Attributes
    ----------
    lam : float
        Arrival rate (per minute).
    mean_service : float
        Mean service time (minutes).
    c : int
        Number of servers.
    utilisation : float
        Server utilisation ``rho = lam * mean_service / c`` (fraction of time busy).
    p_wait : float
        Erlang C probability that an arrival waits, ``P(W > 0)``.
    mean_wait : float
        Mean time in queue ``Wq`` over all arrivals (minutes).
    mean_queue : float
        Mean number waiting ``Lq = lam * Wq`` (customers).
    mean_in_system : float
        Mean number in the system ``L = Lq + lam * mean_service`` (customers).
    mean_sojourn : float
        Mean time in the system ``W = Wq + mean_service`` (minutes).
    """

    lam: float
    mean_service: float
    c: int
    utilisation: float
    p_wait: float
    mean_wait: float
    mean_queue: float
    mean_in_system: float
    mean_sojourn: float

    @property
    def _decay_rate(self) -> float:
        """Exponential decay rate ``c mu - lam`` of the conditional wait (per minute)."""
        return self.c / self.mean_service - self.lam

    def p_wait_gt(self, t: float) -> float:  # described in QueueMetrics
        # C exp(-(c mu - lam) t)
        t = _check_time(t)
        return self.p_wait * math.exp(-self._decay_rate * t)

    def service_level(self, t: float) -> float:  # described in QueueMetrics
        # no abandonment: everyone not waiting past t is served within t
        return 1.0 - self.p_wait_gt(t)

    def p_abandon_by(self, t: float) -> float:  # described in QueueMetrics
        # no one abandons an M/M/c queue
        _check_time(t)
        return 0.0

    def wait_quantile(self, p: float) -> float:
        """``p``-quantile of the waiting time (minutes).

        Parameters
        ----------
        p : float
            Probability level, ``0 <= p < 1``.

        Returns
        -------
        float
            Smallest ``t >= 0`` with ``P(W <= t) >= p``; ``0`` if ``p <= 1 - p_wait``
            (the quantile falls in the atom of customers who do not wait).
        """
        p = float(p)
        if not 0.0 <= p < 1.0:
            raise ValueError(f"p must satisfy 0 <= p < 1, got {p!r}")
        tail = 1.0 - p
        if tail >= self.p_wait:
            return 0.0
        return math.log(self.p_wait / tail) / self._decay_rate


@_DOCS.fill
def mmc_metrics(lam: float, mean_service: float, c: int) -> MMcMetrics:
    """Stationary metrics of the M/M/c (Erlang C) queue.

    Parameters
    ----------
    %(lam)s
    %(mean_service)s
    %(c)s

    Returns
    -------
    MMcMetrics
        Utilisation, probability of waiting, mean wait, mean queue length, etc.

    Raises
    ------
    ValueError
        On invalid arguments, or if the queue is unstable (``lam * mean_service >= c``).
    """
    lam, mean_service = _check_rates(lam, mean_service)
    c = _check_servers(c)
    a = lam * mean_service
    if a >= c:
        raise ValueError(
            f"M/M/c queue is unstable: offered load lam*mean_service = {a:.6g} Erlangs "
            f">= c = {c} servers; add servers or use erlang_a() to model abandonment"
        )
    p_wait = erlang_c(c, a)
    mean_wait = p_wait * mean_service / (c - a)
    mean_queue = lam * mean_wait
    return MMcMetrics(
        lam=lam,
        mean_service=mean_service,
        c=c,
        utilisation=a / c,
        p_wait=p_wait,
        mean_wait=mean_wait,
        mean_queue=mean_queue,
        mean_in_system=mean_queue + a,
        mean_sojourn=mean_wait + mean_service,
    )


# ---------------------------------------------------------------------------
# Erlang A (M/M/c+M)
# ---------------------------------------------------------------------------


def _log_stationary(lam: float, mu: float, c: int, theta: float) -> FloatArray:
    """Unnormalised log stationary probabilities of the M/M/c+M birth-death chain.

    State ``n`` (customers present) has birth rate ``lam`` and death rate
    ``min(n, c) mu + max(n - c, 0) theta``. Because death rates are non-decreasing
    in ``n``, the ratio ``r_n = lam / death_n`` is non-increasing, so once
    ``r_{n+1} < 1`` the tail beyond ``n`` is bounded by ``pi_n r_{n+1} / (1 - r_{n+1})``.
    States are generated in growing chunks until that bound falls below
    ``_TAIL_TOL`` times the mass accumulated so far.
    """
    log_lam = math.log(lam)
    log_tol = math.log(_TAIL_TOL)
    pieces: list[FloatArray] = [np.zeros(1)]
    last = 0.0  # log pi of the last generated state
    total = 0.0  # log of the mass generated so far
    start = 1
    chunk = 256
    while True:
        n = np.arange(start, start + chunk + 1, dtype=np.float64)
        death = mu * np.minimum(n, c) + theta * np.maximum(n - c, 0.0)
        log_ratio = log_lam - np.log(death)
        lp = last + np.cumsum(log_ratio[:-1])
        cum_total = np.logaddexp(total, np.logaddexp.accumulate(lp))
        nxt = log_ratio[1:]  # log r_{n+1} for each generated state n
        with np.errstate(divide="ignore", invalid="ignore"):
            tail_bound = np.where(nxt < 0.0, lp + nxt - np.log1p(-np.exp(nxt)), np.inf)
        done = np.flatnonzero(tail_bound < log_tol + cum_total)
        if done.size:
            pieces.append(lp[: done[0] + 1])
            break
        pieces.append(lp)
        last, total = float(lp[-1]), float(cum_total[-1])
        start += chunk
        if start > _MAX_STATES:
            raise ValueError(
                "Erlang A chain needs more than "
                f"{_MAX_STATES} states (lam={lam}, c={c}, theta={theta}); "
                "the patience is too long for the overload"
            )
        chunk *= 2
    return np.concatenate(pieces)


@dataclass(frozen=True)
class ErlangAMetrics(QueueMetrics):
    """Stationary performance measures of the Erlang A (M/M/c+M) queue.

    Customers arrive as a Poisson process, service times are exponential and each
    waiting customer abandons after an exponential patience time (rate
    ``theta = 1 / mean_patience``) if service has not started by then. The time in
    queue is ``W = min(V, tau)``, with ``V`` the offered wait (time until a server
    would be reached) and ``tau`` the customer's patience; since ``tau`` is
    independent of ``V``, ``P(W > t) = exp(-theta t) P(V > t)``. The waiting-time
    methods follow a tagged arrival through the queue ahead of it.

    Attributes
    ----------
    lam, mean_service, c, mean_patience : float, float, int, float
        The model inputs (per minute, minutes, servers, minutes).
    p_wait : float
        Probability that an arrival has to wait, ``P(W > 0) = P(N >= c)`` (PASTA).
    p_abandon : float
        Fraction of arrivals who abandon, ``theta * Lq / lam``.
    mean_wait : float
        Mean time spent in queue over *all* arrivals, served or abandoning
        (minutes); equals ``p_abandon / theta`` when patience is finite.
    mean_queue : float
        Mean number waiting ``Lq = lam * mean_wait`` (customers).
    mean_in_system : float
        Mean number present, waiting or in service (customers).
    throughput : float
        Rate of completed services (per minute), ``lam * (1 - p_abandon)``.
    utilisation : float
        Fraction of server time busy, ``throughput * mean_service / c``.
    """

    lam: float
    mean_service: float
    c: int
    mean_patience: float
    p_wait: float
    p_abandon: float
    mean_wait: float
    mean_queue: float
    mean_in_system: float
    throughput: float
    utilisation: float
    #: ``P(arrival finds c + q customers present)`` for q = 0, 1, ... (PASTA).
    queue_ahead_probs: FloatArray = field(repr=False, compare=False)

    # -- waiting-time distribution ------------------------------------------------

    def _tagged_state(self, t: float) -> tuple[float, float, float]:
        """Return ``(P(still waiting at t), P(waited, served by t), P(waited, abandoned by t))``.

        A tagged arrival that finds ``q`` customers queued ahead evolves as a
        pure-death chain on ``q``: ``q -> q - 1`` at rate ``c mu + q theta``
        (head of queue enters service, or one of the ``q`` ahead abandons; FCFS),
        ``0 -> served`` at rate ``c mu``, and from every ``q`` the tagged customer
        abandons at rate ``theta``. The transient distribution is obtained with a
        dense matrix exponential for short chains and
        :func:`scipy.sparse.linalg.expm_multiply` otherwise. Accuracy is absolute
        (about ``1e-15``), not relative to tiny tail probabilities.
        """
        x0 = self.queue_ahead_probs
        m = x0.size
        if m == 0 or t == 0.0:
            return float(x0.sum()), 0.0, 0.0
        if math.isinf(t):
            return 0.0, self.p_wait - self.p_abandon, self.p_abandon
        cmu = self.c / self.mean_service
        theta = 1.0 / self.mean_patience
        q = np.arange(m, dtype=np.float64)
        down = cmu + q * theta  # leaves state q towards q-1 (or served if q == 0)
        served, abandoned = m, m + 1
        # transition (from -> to, rate): diagonal, q -> q-1, 0 -> served, q -> abandoned
        frm = np.concatenate([np.arange(m), np.arange(1, m), [0], np.arange(m)])
        to = np.concatenate([np.arange(m), np.arange(0, m - 1), [served], np.full(m, abandoned)])
        vals = np.concatenate([-(down + theta), down[1:], [cmu], np.full(m, theta)])
        # Store G^T (row = destination) since the forward equation is x' = G^T x.
        from scipy import sparse  # imported on use: scipy's linear algebra is slow to load
        from scipy.linalg import expm
        from scipy.sparse.linalg import expm_multiply

        gen = sparse.csr_matrix((vals, (to, frm)), shape=(m + 2, m + 2))
        x = np.concatenate([x0, [0.0, 0.0]])
        # Advance in slices with ||G h|| <= _STEP_NORM and stop early once the waiting
        # mass is negligible, so long horizons (t = 1e6) cost no more than draining the
        # queue. Small chains use one dense matrix exponential reused for every slice.
        h_max = _STEP_NORM / float(np.max(down + theta))
        n_full, rest = divmod(t, h_max)
        dense = m + 2 <= _DENSE_MAX

        def advance(vec: FloatArray, h: float) -> FloatArray:
            out = expm(gen.toarray() * h) @ vec if dense else expm_multiply(gen * h, vec)
            return np.clip(out, 0.0, None)

        if n_full > 0:
            full = expm(gen.toarray() * h_max) if dense else None
            for _ in range(int(n_full)):
                x = np.clip(full @ x, 0.0, None) if full is not None else advance(x, h_max)
                if x[:m].sum() < _DRAINED:
                    return 0.0, float(x[served]), float(x[abandoned])
        if rest > 0.0:
            x = advance(x, rest)
        return float(x[:m].sum()), float(x[served]), float(x[abandoned])

    def p_wait_gt(self, t: float) -> float:  # described in QueueMetrics
        # the tagged arrival's chain: mass still waiting at t
        t = _check_time(t)
        return self._tagged_state(t)[0]

    def service_level(self, t: float) -> float:  # described in QueueMetrics
        # no wait at all, or waited and reached a server by t
        t = _check_time(t)
        _, served, _ = self._tagged_state(t)
        return (1.0 - self.p_wait) + served

    def p_abandon_by(self, t: float) -> float:  # described in QueueMetrics
        # waited and abandoned by t; tends to p_abandon
        t = _check_time(t)
        return self._tagged_state(t)[2]


@_DOCS.fill
def erlang_a(lam: float, mean_service: float, c: int, mean_patience: float) -> ErlangAMetrics:
    """Stationary metrics of the Erlang A (M/M/c+M) queue with exponential patience.

    This is the model of Garnett, Mandelbaum & Reiman (2002). It is evaluated here
    from the exact birth-death chain (states ``n = 0..N``, birth rate ``lam``,
    death rate ``min(n, c) mu + max(n - c, 0) theta``), truncated where the
    remaining tail probability is below ``1e-14``, rather than from the
    incomplete-gamma closed forms, which are harder to evaluate stably.

    Parameters
    ----------
    %(lam)s
    %(mean_service)s
    %(c)s
    %(mean_patience)s
        With ``math.inf``, ``lam * mean_service < c`` is required.

    Returns
    -------
    ErlangAMetrics
        ``p_wait``, ``p_abandon``, ``mean_wait``, ``mean_queue``, ``throughput``,
        ``utilisation`` and waiting-time tail methods.

    Raises
    ------
    ValueError
        On invalid arguments; or when ``mean_patience`` is infinite and the load
        is ``>= c``. With finite patience the system is stable for any load.
    """
    lam, mean_service = _check_rates(lam, mean_service)
    c = _check_servers(c)
    mean_patience = _check_positive(mean_patience, "mean_patience (minutes)", allow_inf=True)
    mu = 1.0 / mean_service
    theta = 0.0 if math.isinf(mean_patience) else 1.0 / mean_patience
    a = lam * mean_service
    if theta == 0.0 and a >= c:
        raise ValueError(
            f"with infinite patience the queue is unstable: offered load {a:.6g} Erlangs "
            f">= c = {c} servers"
        )
    if lam == 0.0:
        return ErlangAMetrics(
            lam=lam, mean_service=mean_service, c=c, mean_patience=mean_patience,
            p_wait=0.0, p_abandon=0.0, mean_wait=0.0, mean_queue=0.0, mean_in_system=0.0,
            throughput=0.0, utilisation=0.0, queue_ahead_probs=np.zeros(0),
        )  # fmt: skip

    from scipy.special import logsumexp  # imported on use (scipy is slow to load)

    log_pi = _log_stationary(lam, mu, c, theta)
    pi = np.exp(log_pi - logsumexp(log_pi))
    pi /= pi.sum()
    n = np.arange(pi.size, dtype=np.float64)
    queued = np.maximum(n - c, 0.0)
    mean_queue = float(queued @ pi)
    busy = float(np.minimum(n, c) @ pi)
    ahead = pi[c:].copy() if pi.size > c else np.zeros(0)
    p_wait = float(ahead.sum())
    mean_wait = mean_queue / lam
    p_abandon = min(theta * mean_wait, 1.0)
    return ErlangAMetrics(
        lam=lam,
        mean_service=mean_service,
        c=c,
        mean_patience=mean_patience,
        p_wait=p_wait,
        p_abandon=p_abandon,
        mean_wait=mean_wait,
        mean_queue=mean_queue,
        mean_in_system=float(n @ pi),
        throughput=busy * mu,
        utilisation=min(busy / c, 1.0),
        queue_ahead_probs=ahead,
    )


def erlang_a_p_wait_gt(
    lam: float, mean_service: float, c: int, mean_patience: float, t: float
) -> float:
    """Erlang A probability that an arrival is still waiting after ``t`` minutes.

    Convenience wrapper for ``erlang_a(lam, mean_service, c, mean_patience).p_wait_gt(t)``;
    see :meth:`ErlangAMetrics.p_wait_gt` for the definition.
    """
    return erlang_a(lam, mean_service, c, mean_patience).p_wait_gt(t)


# ---------------------------------------------------------------------------
# staffing
# ---------------------------------------------------------------------------


@_DOCS.fill
def square_root_staffing(lam: float, mean_service: float, beta: float) -> int:
    """Square-root staffing rule ``c = ceil(a + beta * sqrt(a))``.

    Parameters
    ----------
    %(lam)s
    %(mean_service)s
    beta : float
        Quality-of-service parameter (safety staffing in units of ``sqrt(a)``);
        may be negative (efficiency-driven regime, sensible with abandonment).

    Returns
    -------
    int
        Suggested number of servers, never negative.
    """
    lam, mean_service = _check_rates(lam, mean_service)
    beta = float(beta)
    if not math.isfinite(beta):
        raise ValueError(f"beta must be finite, got {beta!r}")
    a = lam * mean_service
    # round away float noise such as 2 + 1e-15 before taking the ceiling
    return max(0, math.ceil(round(a + beta * math.sqrt(a), 9)))


def _smallest_c(ok: Callable[[int], bool], known_fail: int, guess: int) -> int:
    """Smallest ``c > known_fail`` with ``ok(c)``, assuming ``ok`` is monotone in ``c``."""
    lo = known_fail  # ok(lo) is False (or lo is below the feasible range)
    hi = max(guess, lo + 1)
    while not ok(hi):
        lo = hi
        hi = 2 * hi
        if hi > _MAX_SERVERS:
            raise ValueError(f"target not reachable with fewer than {_MAX_SERVERS} servers")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _check_wait_targets(
    max_mean_wait: float | None, service_level: float | None, target_wait: float | None
) -> None:
    """Check the wait targets of the ``min_servers_*`` functions (None: not given)."""
    if max_mean_wait is not None:
        _check_positive(max_mean_wait, "max_mean_wait (minutes)")
    if (service_level is None) != (target_wait is None):
        raise ValueError("service_level and target_wait must be given together")
    if service_level is not None:
        _check_fraction(service_level, "service_level")
    if target_wait is not None:
        _check_nonneg(target_wait, "target_wait (minutes)")


def _meets_wait_targets(
    m: QueueMetrics,
    max_mean_wait: float | None,
    service_level: float | None,
    target_wait: float | None,
) -> bool:
    """Whether a queue's mean wait and service level meet the targets given (None: none)."""
    if max_mean_wait is not None and m.mean_wait > max_mean_wait:
        return False
    return not (
        service_level is not None
        and target_wait is not None
        and m.service_level(target_wait) < service_level
    )


@_DOCS.fill
def min_servers_erlang_c(
    lam: float,
    mean_service: float,
    *,
    max_mean_wait: float | None = None,
    service_level: float | None = None,
    target_wait: float | None = None,
) -> int:
    """Smallest number of servers of an M/M/c queue meeting all given targets.

    Parameters
    ----------
    %(lam)s
    %(mean_service)s
    %(max_mean_wait)s
    service_level : float, optional
        Required fraction ``P(W <= target_wait)``, strictly between 0 and 1.
    %(target_wait)s

    Returns
    -------
    int
        The smallest ``c`` (always ``> lam * mean_service``, i.e. stable) meeting every
        supplied target; ``0`` when ``lam == 0``.

    Raises
    ------
    ValueError
        If no target is given, ``service_level``/``target_wait`` are not given
        together, or a target is out of range.
    """
    lam, mean_service = _check_rates(lam, mean_service)
    if max_mean_wait is None and service_level is None and target_wait is None:
        raise ValueError("give at least one target: max_mean_wait or service_level+target_wait")
    _check_wait_targets(max_mean_wait, service_level, target_wait)
    if lam == 0.0:
        return 0
    a = lam * mean_service

    def ok(c: int) -> bool:
        if c <= a:
            return False
        m = mmc_metrics(lam, mean_service, c)
        return _meets_wait_targets(m, max_mean_wait, service_level, target_wait)

    return _smallest_c(ok, math.floor(a), square_root_staffing(lam, mean_service, 1.0))


@_DOCS.fill
def min_servers_erlang_a(
    lam: float,
    mean_service: float,
    mean_patience: float,
    *,
    max_p_abandon: float | None = None,
    service_level: float | None = None,
    target_wait: float | None = None,
    max_mean_wait: float | None = None,
) -> int:
    """Smallest number of servers of an Erlang A (M/M/c+M) queue meeting all targets.

    Parameters
    ----------
    %(lam)s
    %(mean_service)s
    %(mean_patience)s
    max_p_abandon : float, optional
        Upper bound on the fraction of arrivals who abandon, strictly in ``(0, 1)``.
    service_level : float, optional
        Required fraction of *all* arrivals served within ``target_wait`` minutes,
        ``P(W <= target_wait and served)`` (see :meth:`ErlangAMetrics.service_level`;
        customers who abandon count as failures), strictly in ``(0, 1)``.
    %(target_wait)s
    %(max_mean_wait)s

    Returns
    -------
    int
        The smallest ``c >= 1`` meeting every supplied target; ``0`` when ``lam == 0``.

    Raises
    ------
    ValueError
        If no target is given, ``service_level``/``target_wait`` are not given
        together, a target is out of range, or ``service_level`` exceeds what is
        reachable (``1 - p_abandon`` can never reach 1 with finite patience, but it
        tends to 1 as ``c`` grows, so any level below 1 is attainable).
    """
    lam, mean_service = _check_rates(lam, mean_service)
    mean_patience = _check_positive(mean_patience, "mean_patience (minutes)", allow_inf=True)
    if (
        max_p_abandon is None
        and max_mean_wait is None
        and service_level is None
        and (target_wait is None)
    ):
        raise ValueError(
            "give at least one target: max_p_abandon, max_mean_wait or service_level+target_wait"
        )
    if max_p_abandon is not None:
        _check_fraction(max_p_abandon, "max_p_abandon")
    _check_wait_targets(max_mean_wait, service_level, target_wait)
    if lam == 0.0:
        return 0
    a = lam * mean_service
    known_fail = math.floor(a) if math.isinf(mean_patience) else 0

    def ok(c: int) -> bool:
        if c <= known_fail:
            return False
        m = erlang_a(lam, mean_service, c, mean_patience)
        if max_p_abandon is not None and m.p_abandon > max_p_abandon:
            return False
        return _meets_wait_targets(m, max_mean_wait, service_level, target_wait)

    return _smallest_c(ok, known_fail, max(1, square_root_staffing(lam, mean_service, 0.0)))
