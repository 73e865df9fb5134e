"""Probability distributions as small value objects.

Each distribution is parameterised in domain terms (minutes; lognormal by mean and
coefficient of variation) and knows its analytic mean and variance. Sampling is batched
from a :class:`numpy.random.Generator`; scipy is used for fitting and analysis only,
never per event.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from simulator.errors import ConfigError


class Distribution(Protocol):
    """Interface of a non-negative duration distribution (minutes)."""

    @property
    def mean(self) -> float: ...

    @property
    def variance(self) -> float: ...

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray: ...

    def to_dict(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Exponential:
    """Exponential distribution with the given mean (minutes)."""

    mean_: float

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return self.mean_**2

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.exponential(self.mean_, size)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "exponential", "mean": self.mean_}


@dataclass(frozen=True)
class _MeanCV:
    """A distribution given by its mean (minutes) and coefficient of variation."""

    dist: ClassVar[str]
    mean_: float
    cv: float

    @property
    def mean(self) -> float:
        return self.mean_

    @property
    def variance(self) -> float:
        return (self.cv * self.mean_) ** 2

    def to_dict(self) -> dict[str, Any]:
        return {"dist": self.dist, "mean": self.mean_, "cv": self.cv}


@dataclass(frozen=True)
class Lognormal(_MeanCV):
    """Lognormal distribution by its mean (minutes) and coefficient of variation."""

    dist: ClassVar[str] = "lognormal"

    @property
    def sigma(self) -> float:
        """Standard deviation of the underlying normal."""
        return math.sqrt(math.log1p(self.cv**2))

    @property
    def mu(self) -> float:
        """Mean of the underlying normal."""
        return math.log(self.mean_) - 0.5 * self.sigma**2

    @property
    def median(self) -> float:
        return math.exp(self.mu)

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.lognormal(self.mu, self.sigma, size)


@dataclass(frozen=True)
class Gamma(_MeanCV):
    """Gamma distribution by its mean (minutes) and coefficient of variation."""

    dist: ClassVar[str] = "gamma"

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        shape = 1.0 / self.cv**2
        return rng.gamma(shape, self.mean_ / shape, size)


def _weibull_shape_for_cv(cv: float) -> float:
    from scipy import optimize, special  # imported here: scipy is slow to import

    def gap(k: float) -> float:
        g1 = special.gamma(1.0 + 1.0 / k)
        g2 = special.gamma(1.0 + 2.0 / k)
        return math.sqrt(g2 / g1**2 - 1.0) - cv

    return float(optimize.brentq(gap, 0.05, 200.0))


@dataclass(frozen=True)
class Weibull(_MeanCV):
    """Weibull distribution by its mean (minutes) and coefficient of variation."""

    dist: ClassVar[str] = "weibull"

    @property
    def shape(self) -> float:
        return _weibull_shape_for_cv(self.cv)

    @property
    def scale(self) -> float:
        from scipy import special

        return self.mean_ / float(special.gamma(1.0 + 1.0 / self.shape))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.scale * rng.weibull(self.shape, size)


@dataclass(frozen=True)
class Deterministic:
    """A constant duration (minutes)."""

    value: float

    @property
    def mean(self) -> float:
        return self.value

    @property
    def variance(self) -> float:
        return 0.0

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return np.full(size, self.value)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "deterministic", "value": self.value}


@dataclass(frozen=True)
class Empirical:
    """Resampling from observed durations (minutes), with replacement."""

    values: tuple[float, ...]

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def variance(self) -> float:
        return float(np.var(self.values))

    def sample(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return rng.choice(np.asarray(self.values, dtype=float), size=size, replace=True)

    def to_dict(self) -> dict[str, Any]:
        return {"dist": "empirical", "values": list(self.values)}


def _positive(spec: Mapping[str, Any], key: str, path: str) -> float:
    if key not in spec or spec[key] is None:
        raise ConfigError(f"{path}.{key}: missing (required for dist={spec.get('dist')!r})")
    try:
        value = float(spec[key])
    except (TypeError, ValueError):
        raise ConfigError(f"{path}.{key}: {spec[key]!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise ConfigError(f"{path}.{key}: must be a positive finite number, got {value!r}")
    return value


DIST_NAMES = ("exponential", "lognormal", "gamma", "weibull", "deterministic", "empirical")


def from_spec(spec: Mapping[str, Any], path: str) -> Distribution:
    """Build a distribution from a config mapping.

    Parameters
    ----------
    spec
        Mapping with ``dist`` and its parameters, e.g. ``{dist: lognormal, mean: 8, cv: 0.8}``
        or ``{dist: lognormal, median: 60, sigma: 0.6}`` (minutes).
    path
        Config path used in error messages, e.g. ``catalogue.families.quick.service``.

    Raises
    ------
    ConfigError
        Naming the config path and the offending value.
    """
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{path}: expected a mapping with 'dist', got {spec!r}")
    name = spec.get("dist")
    if name == "exponential":
        return Exponential(_positive(spec, "mean", path))
    if name == "lognormal":
        if spec.get("median") is not None or spec.get("sigma") is not None:
            median = _positive(spec, "median", path)
            sigma = _positive(spec, "sigma", path)
            mean = median * math.exp(0.5 * sigma**2)
            return Lognormal(mean, math.sqrt(math.expm1(sigma**2)))
        return Lognormal(_positive(spec, "mean", path), _positive(spec, "cv", path))
    if name == "gamma":
        return Gamma(_positive(spec, "mean", path), _positive(spec, "cv", path))
    if name == "weibull":
        cv = _positive(spec, "cv", path)
        if not 0.05 <= cv <= 10:
            raise ConfigError(f"{path}.cv: Weibull CV must lie in [0.05, 10], got {cv}")
        return Weibull(_positive(spec, "mean", path), cv)
    if name == "deterministic":
        return Deterministic(_positive(spec, "value", path))
    if name == "empirical":
        values = spec.get("values")
        if not isinstance(values, Sequence) or isinstance(values, str) or len(values) == 0:
            raise ConfigError(f"{path}.values: empirical needs a non-empty list of durations")
        arr = np.asarray(list(values), dtype=float)
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ConfigError(f"{path}.values: durations must be finite and >= 0")
        return Empirical(tuple(float(v) for v in arr))
    raise ConfigError(f"{path}.dist: unknown distribution {name!r}; choose one of {DIST_NAMES}")
