"""Synthetic ticket logs with known parameters, for the calibration tests.

A small vectorised generator (numpy only, no queueing): arrivals are a doubly
stochastic Poisson process (weekday x month x gamma busyness, piecewise-constant within
the day), waits are drawn independently of the load, and residents whose patience is
shorter than their wait abandon. That is all the fitting code needs to recover the
parameters; the simulator-based generator comes later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special

from calibration.calendar import day_types, to_minutes

WEEKDAY_PROFILE = (
    ("08:30", "09:00", 0.06),
    ("09:00", "10:00", 0.16),
    ("10:00", "11:00", 0.16),
    ("11:00", "12:00", 0.10),
    ("12:00", "13:00", 0.06),
    ("13:00", "14:00", 0.11),
    ("14:00", "15:00", 0.14),
    ("15:00", "16:00", 0.13),
    ("16:00", "17:00", 0.08),
)
WEEKEND_PROFILE = (("09:00", "10:00", 0.40), ("10:00", "11:00", 0.35), ("11:00", "12:00", 0.25))
OPENING_HOURS = {
    "weekday": [("08:30", "17:00")],
    "weekend": [("09:00", "12:00")],
    "holiday": [("09:00", "12:00")],
}
HOLIDAYS_2023 = ("2023-01-02", "2023-05-01", "2023-10-02", "2023-10-03")


def sample(rng: np.random.Generator, dist: str, mean: float, cv: float, n: int) -> np.ndarray:
    """Draw ``n`` values of a distribution given by mean and CV."""
    if dist == "lognormal":
        s2 = math.log1p(cv**2)
        return rng.lognormal(math.log(mean) - s2 / 2, math.sqrt(s2), n)
    if dist == "gamma":
        return rng.gamma(1 / cv**2, mean * cv**2, n)
    if dist == "exponential":
        return rng.exponential(mean, n)
    if dist == "weibull":

        def f(k: float) -> float:
            return math.sqrt(special.gamma(1 + 2 / k) / special.gamma(1 + 1 / k) ** 2 - 1) - cv

        k = optimize.brentq(f, 0.2, 50.0)
        return mean / special.gamma(1 + 1 / k) * rng.weibull(k, n)
    raise ValueError(dist)


@dataclass
class SynthParams:
    """Known parameters of a synthetic centre-year."""

    start: str = "2023-01-01"
    n_days: int = 365
    daily_volume: float = 200.0
    weekday_factors: tuple[float, ...] = (1.15, 1.0, 0.95, 0.95, 0.95, 0.35, 0.25)
    month_factors: tuple[float, ...] = (
        1.05,
        0.75,
        1.10,
        1.0,
        1.0,
        1.0,
        1.05,
        1.05,
        1.0,
        0.85,
        1.0,
        1.05,
    )
    holidays: tuple[str, ...] = HOLIDAYS_2023
    holiday_factor: float = 0.3
    busyness_cv: float = 0.12
    families: dict[str, tuple[str, float, float]] = field(
        default_factory=lambda: {
            "quick": ("lognormal", 4.0, 0.7),
            "standard": ("lognormal", 8.0, 0.8),
            "complex": ("lognormal", 16.0, 0.8),
        }
    )
    items: tuple[tuple[str, str, float], ...] = (
        ("Q1", "quick", 0.2),
        ("Q2", "quick", 0.1),
        ("S1", "standard", 0.3),
        ("S2", "standard", 0.2),
        ("C1", "complex", 0.2),
    )
    wait_mean: float = 30.0
    patience_median: float = 60.0
    patience_sigma: float = 0.6
    origin_mix: tuple[tuple[str, float], ...] = (
        ("shanghai", 0.9),
        ("jiangsu", 0.04),
        ("zhejiang", 0.04),
        ("anhui", 0.02),
    )
    skill_mult: dict[str, float] = field(
        default_factory=lambda: {"novice": 1.3, "proficient": 1.0, "expert": 0.85}
    )
    staff_levels: tuple[str, ...] = (
        "novice",
        "proficient",
        "proficient",
        "proficient",
        "expert",
        "expert",
    )
    xp_delay_median: dict[str, float] = field(
        default_factory=lambda: {"jiangsu": 10.0, "zhejiang": 6.0, "anhui": 20.0}
    )


def _profile_arrays(profile: tuple[tuple[str, str, float], ...]) -> tuple[np.ndarray, ...]:
    a = np.array([to_minutes(p[0]) for p in profile], dtype=float)
    b = np.array([to_minutes(p[1]) for p in profile], dtype=float)
    s = np.array([p[2] for p in profile], dtype=float)
    return a, b, s / s.sum()


def daily_counts(p: SynthParams, rng: np.random.Generator) -> pd.Series:
    """Visits per day (index: dates) from the day-level model."""
    dates = pd.date_range(p.start, periods=p.n_days, freq="D")
    dt = day_types(pd.Series(dates), p.holidays).to_numpy()
    lam = (
        p.daily_volume
        * np.asarray(p.weekday_factors)[dates.day_of_week]
        * np.asarray(p.month_factors)[dates.month - 1]
        * np.where(dt == "holiday", p.holiday_factor, 1.0)
    )
    if p.busyness_cv > 0:
        k = 1 / p.busyness_cv**2
        lam = lam * rng.gamma(k, 1 / k, len(lam))
    return pd.Series(rng.poisson(lam), index=dates)


def ticket_log(p: SynthParams, seed: int = 0) -> pd.DataFrame:
    """A typed ticket log (as :func:`calibration.io.read_ticket_log` returns).

    Holidays use the weekend profile and hours. Every ticket gets an origin; the
    cross-province delay columns are filled for non-Shanghai origins.
    """
    rng = np.random.default_rng(seed)
    counts = daily_counts(p, rng)
    dates = counts.index
    n = int(counts.sum())
    day = np.repeat(np.arange(len(dates)), counts.to_numpy())
    weekend_like = (day_types(pd.Series(dates), p.holidays) != "weekday").to_numpy()[day]
    tmin = np.empty(n)
    for flag, prof in ((False, WEEKDAY_PROFILE), (True, WEEKEND_PROFILE)):
        sel = weekend_like == flag
        a, b, s = _profile_arrays(prof)
        k = rng.choice(len(s), size=int(sel.sum()), p=s)
        tmin[sel] = a[k] + rng.random(int(sel.sum())) * (b[k] - a[k])
    ticket = dates.to_numpy()[day] + (tmin * 60e9).astype("timedelta64[ns]")
    ticket = ticket.astype("datetime64[s]").astype("datetime64[ns]")  # whole seconds
    order = np.argsort(ticket, kind="stable")
    ticket, day = ticket[order], day[order]

    item_ids = np.array([i[0] for i in p.items])
    item_fam = np.array([i[1] for i in p.items])
    w = np.array([i[2] for i in p.items])
    item_k = rng.choice(len(w), size=n, p=w / w.sum())
    fam = item_fam[item_k]

    staff = np.array([f"ST{i:02d}" for i in range(len(p.staff_levels))])
    staff_k = rng.integers(0, len(staff), n)
    level = np.array(p.staff_levels)[staff_k]
    mult = np.vectorize(p.skill_mult.get)(level).astype(float)
    service = np.empty(n)
    for f, (dist, mean, cv) in p.families.items():
        sel = fam == f
        service[sel] = sample(rng, dist, mean, cv, int(sel.sum())) * mult[sel]

    wait = rng.exponential(p.wait_mean, n)
    patience = rng.lognormal(math.log(p.patience_median), p.patience_sigma, n)
    ab = patience < wait

    def td(minutes: np.ndarray) -> np.ndarray:
        return (minutes * 60e9).astype("timedelta64[ns]")

    call = ticket + td(wait)
    start = call + td(rng.uniform(0.1, 1.0, n))
    end = start + td(service)
    leave = ticket + td(patience)
    nat = np.datetime64("NaT", "ns")
    origins = np.array([o for o, _ in p.origin_mix])
    ow = np.array([w for _, w in p.origin_mix])
    origin = origins[rng.choice(len(ow), size=n, p=ow / ow.sum())]
    xp_med = np.vectorize(lambda o: p.xp_delay_median.get(o, np.nan))(origin).astype(float)
    xp = ~np.isnan(xp_med) & ~ab
    xp_delay = np.where(xp, np.nan_to_num(xp_med) * np.exp(0.5 * rng.standard_normal(n)), 0.0)

    dser = pd.Series(day)
    seq = dser.groupby(dser).cumcount().to_numpy() + 1
    df = pd.DataFrame(
        {
            "source_row": np.arange(1, n + 1, dtype=np.int64),
            "centre_id": pd.array(["C001"] * n, dtype="string"),
            "ticket_id": pd.array(
                pd.Series(seq).astype(str).str.zfill(4).radd("A"), dtype="string"
            ),
            "item_id": pd.array(item_ids[item_k], dtype="string"),
            "window_id": pd.array(np.where(ab, None, "W1"), dtype="string"),
            "staff_id": pd.array(np.where(ab, None, staff[staff_k]), dtype="string"),
            "outcome": pd.array(np.where(ab, "abandoned", "served"), dtype="string"),
            "origin": pd.array(origin, dtype="string"),
            "ticket_time": ticket,
            "call_time": np.where(ab, nat, call),
            "service_start": np.where(ab, nat, start),
            "service_end": np.where(ab, nat, end),
            "leave_time": np.where(ab, leave, nat),
            "xp_sent_time": np.where(xp, start, nat),
            "xp_reply_time": np.where(xp, start + td(xp_delay), nat),
            "parse_errors": pd.array([None] * n, dtype="string"),
        }
    )
    return df


def catalogue(p: SynthParams) -> pd.DataFrame:
    """Item catalogue of the synthetic centre."""
    return pd.DataFrame({"item_id": [i[0] for i in p.items], "family": [i[1] for i in p.items]})


def skills(p: SynthParams) -> pd.DataFrame:
    """Skills table: every staff member at their level for every family."""
    rows = [(f"ST{i:02d}", fam, lev) for i, lev in enumerate(p.staff_levels) for fam in p.families]
    return pd.DataFrame(rows, columns=["staff_id", "family", "level"])


def fit_quickly(cleaned: Any, p: SynthParams, **options: Any) -> Any:
    """``calibration.fit.fit_all`` on a cleaned synthetic log: its opening hours and
    holidays, no Monte Carlo goodness of fit (``options`` add to or replace these)."""
    from calibration.fit import fit_all

    kw: dict[str, Any] = {"opening_hours": OPENING_HOURS, "holidays": p.holidays, "gof_n_mc": 0}
    return fit_all(cleaned, **{**kw, **options})
