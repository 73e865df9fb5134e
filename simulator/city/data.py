"""City data: Shanghai's 16 districts and a synthetic set of its 220 centres.

Published facts (DOMAIN.md) used here, as constants: 220 centres in 16 districts,
more than 12.5 million visits a year, 54 cross-province windows spread over all 16
districts. Everything else is an assumption and says so:

- ``scenarios/data/districts.csv`` (package data of :mod:`scenarios`) holds, per
  district, the (assumed) number of centres, the (published) census-2020 population,
  the (assumed) yearly visits (the published total split by population) and the
  (assumed) split of the 54 cross-province windows. Its header comments give the
  provenance of every column.
- :func:`city_centres` spreads each district's visits over its centres with a
  lognormal size factor (assumed, sigma about 0.35) and gives the district's
  cross-province windows to its largest centres (assumed).
- A centre's visits per average weekday divide its yearly visits by the
  weekday-equivalent days of a year, derived from the (assumed) DOMAIN.md day factors
  and the real holiday calendar by :func:`weekday_equivalent_days`.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.config.schema import DEFAULTS
from simulator.errors import ConfigError
from simulator.model import calendar as cal
from simulator.model.streams import seed_sequence

__all__ = [
    "ASSUMED_ADJUSTED_WORKDAY_FACTOR",
    "ASSUMED_HOLIDAY_FACTOR",
    "ASSUMED_MONTH_FACTORS",
    "ASSUMED_POST_HOLIDAY_FACTORS",
    "ASSUMED_SIZE_SIGMA",
    "ASSUMED_WEEKDAY_FACTORS",
    "DISTRICTS",
    "PUBLISHED_CENTRES",
    "PUBLISHED_CROSS_PROVINCE_WINDOWS",
    "PUBLISHED_VISITS_PER_YEAR",
    "REFERENCE_YEAR",
    "city_centres",
    "load_districts",
    "weekday_equivalent_days",
]

# --- published (DOMAIN.md) -------------------------------------------------------------
PUBLISHED_CENTRES = 220
"""(published) Number of community affairs acceptance service centres."""

PUBLISHED_VISITS_PER_YEAR = 12_500_000
"""(published) Visits a year across all centres ("more than 12.5 million")."""

PUBLISHED_CROSS_PROVINCE_WINDOWS = 54
"""(published) Cross-province (Yangtze River Delta) windows, spread over all 16 districts."""

DISTRICTS: tuple[str, ...] = (
    "Huangpu", "Xuhui", "Changning", "Jing'an", "Putuo", "Hongkou", "Yangpu",
    "Pudong New Area", "Minhang", "Baoshan", "Jiading", "Jinshan", "Songjiang",
    "Qingpu", "Fengxian", "Chongming",
)  # fmt: skip
"""(public fact) Shanghai's 16 districts, English names as used in districts.csv."""

# --- assumed (DOMAIN.md planning defaults) ----------------------------------------------
ASSUMED_WEEKDAY_FACTORS: tuple[float, ...] = (1.15, 1.00, 0.95, 0.95, 0.95, 0.35, 0.25)
"""(assumed) Day-of-week volume factors, Monday first; the Monday-Friday mean is 1."""

ASSUMED_MONTH_FACTORS: tuple[float, ...] = (
    1.05, 0.75, 1.10, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 0.85, 1.0, 1.05,
)  # fmt: skip
"""(assumed) Month volume factors, January first."""

ASSUMED_HOLIDAY_FACTOR: float = DEFAULTS["demand.holiday_factor"]
"""(assumed) Volume factor of a holiday (0.3); DOMAIN.md gives none. The scenario
schema's default of ``demand.holiday_factor``."""

ASSUMED_ADJUSTED_WORKDAY_FACTOR: float = DEFAULTS["demand.adjusted_workday_factor"]
"""(assumed) Adjusted working weekend day: 0.9 x the Monday-Friday mean factor (the
scenario schema's default of ``demand.adjusted_workday_factor``)."""

ASSUMED_POST_HOLIDAY_FACTORS: tuple[float, ...] = (1.5, 1.25)
"""(assumed) First and second working day after a holiday break of 3+ days."""

ASSUMED_SIZE_SIGMA = 0.35
"""(assumed) Sigma of the lognormal centre size factor within a district."""

REFERENCE_YEAR = 2025
"""(assumed) Calendar year whose day types define the weekday-equivalent days (the most
recent complete year when written; 2025 gives about 283.7, DOMAIN.md says about 284)."""

_PACKAGED_NAME = "scenarios/data/districts.csv"

_COLUMNS: tuple[str, ...] = (
    "district",
    "district_zh",
    "code",
    "centres",
    "population_10k",
    "visits_per_year",
    "cross_province_windows",
)
_CODE_RE = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class _Column:
    name: str
    kind: str  # "text", "code", "int_pos", "int_nonneg", "float_pos"


_SCHEMA: tuple[_Column, ...] = (
    _Column("district", "text"),
    _Column("district_zh", "text"),
    _Column("code", "code"),
    _Column("centres", "int_pos"),
    _Column("population_10k", "float_pos"),
    _Column("visits_per_year", "int_nonneg"),
    _Column("cross_province_windows", "int_nonneg"),
)


def _parse_value(kind: str, raw: str) -> tuple[object, str | None]:
    """Parse one field; return (value, problem or None)."""
    text = raw.strip()
    if kind == "text":
        return (text, None) if text else (None, "must not be empty")
    if kind == "code":
        if _CODE_RE.match(text):
            return text, None
        return None, f"must be two capital letters (centre_id prefix), got {raw!r}"
    if kind in ("int_pos", "int_nonneg"):
        low = 1 if kind == "int_pos" else 0
        if re.fullmatch(r"[+-]?\d+", text):
            value = int(text)
            if value >= low:
                return value, None
        return None, f"expected a whole number >= {low}, got {raw!r}"
    # float_pos
    try:
        number = float(text)
    except ValueError:
        return None, f"expected a number > 0, got {raw!r}"
    if not math.isfinite(number) or number <= 0:
        return None, f"expected a finite number > 0, got {raw!r}"
    return number, None


def _parse_districts(text: str, name: str) -> pd.DataFrame:
    problems: list[str] = []
    header: list[str] | None = None
    header_line = 0
    records: list[dict[str, object]] = []
    seen_district: dict[str, int] = {}
    seen_code: dict[str, int] = {}
    for line_no, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        fields = next(csv.reader([line]))
        if header is None:
            header = [f.strip() for f in fields]
            header_line = line_no
            missing = [c for c in _COLUMNS if c not in header]
            unknown = [c for c in header if c not in _COLUMNS]
            duplicated = sorted({c for c in header if header.count(c) > 1})
            if missing:
                problems.append(f"{name} line {line_no}: missing column(s) {missing}")
            if unknown:
                problems.append(
                    f"{name} line {line_no}: unknown column(s) {unknown}; expected {list(_COLUMNS)}"
                )
            if duplicated:
                problems.append(f"{name} line {line_no}: duplicated column(s) {duplicated}")
            if problems:
                break
            continue
        if len(fields) != len(header):
            problems.append(
                f"{name} line {line_no}: expected {len(header)} fields, got {len(fields)}"
            )
            continue
        raw = dict(zip(header, fields, strict=True))
        record: dict[str, object] = {}
        for column in _SCHEMA:
            value, problem = _parse_value(column.kind, raw[column.name])
            if problem is not None:
                problems.append(f"{name} line {line_no}, column '{column.name}': {problem}")
            record[column.name] = value
        district = record["district"]
        if isinstance(district, str):
            if district not in DISTRICTS:
                problems.append(
                    f"{name} line {line_no}, column 'district': unknown district "
                    f"{district!r}; expected one of {list(DISTRICTS)}"
                )
            elif district in seen_district:
                problems.append(
                    f"{name} line {line_no}, column 'district': {district!r} repeats line "
                    f"{seen_district[district]}"
                )
            seen_district.setdefault(district, line_no)
        code = record["code"]
        if isinstance(code, str):
            if code in seen_code:
                problems.append(
                    f"{name} line {line_no}, column 'code': {code!r} repeats line {seen_code[code]}"
                )
            seen_code.setdefault(code, line_no)
        records.append(record)
    if header is None:
        problems.append(f"{name}: no header line (only comments or blank lines)")
    elif not problems:
        absent = [d for d in DISTRICTS if d not in seen_district]
        if absent:
            problems.append(
                f"{name} (header on line {header_line}): missing district row(s) {absent}"
            )
    if problems:
        summary = (
            problems[0]
            if len(problems) == 1
            else (f"{len(problems)} problems in {name}:\n  " + "\n  ".join(problems))
        )
        raise ConfigError(summary, problems)
    frame = pd.DataFrame.from_records(records, columns=list(_COLUMNS))
    return frame.astype(
        {
            "centres": "int64",
            "population_10k": "float64",
            "visits_per_year": "int64",
            "cross_province_windows": "int64",
        }
    )


def load_districts(path: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """Read and validate the district table.

    Parameters
    ----------
    path : str or os.PathLike, optional
        A CSV file of the same format; by default the packaged
        ``scenarios/data/districts.csv`` (found with :mod:`importlib.resources`).
        Lines starting with ``#`` are comments.

    Returns
    -------
    pandas.DataFrame
        One row per district in file order, columns ``district``, ``district_zh``,
        ``code``, ``centres``, ``population_10k``, ``visits_per_year``,
        ``cross_province_windows``.

    Raises
    ------
    simulator.errors.ConfigError
        (a :class:`ValueError`) if the file is malformed: the message names the file,
        the line and the column; :attr:`~simulator.errors.ConfigError.problems` lists
        every problem found.
    """
    if path is None:
        resource = resources.files("scenarios") / "data" / "districts.csv"
        return _parse_districts(resource.read_text(encoding="utf-8"), _PACKAGED_NAME)
    file = Path(path)
    return _parse_districts(file.read_text(encoding="utf-8"), str(file))


@lru_cache(maxsize=32)
def _weekday_equivalents(year: int, factors: cal.DayFactors) -> float:
    start = dt.date(year, 1, 1)
    n_days = (dt.date(year + 1, 1, 1) - start).days
    total = sum(f for _, f in cal.volume_factors(start, n_days, factors))
    weekday_mean = sum(factors.weekday[:5]) / 5.0
    if weekday_mean <= 0:
        raise ValueError("the Monday-Friday mean of weekday_factors must be > 0")
    return total / weekday_mean


def weekday_equivalent_days(
    year: int = REFERENCE_YEAR,
    *,
    weekday_factors: Sequence[float] = ASSUMED_WEEKDAY_FACTORS,
    month_factors: Sequence[float] = ASSUMED_MONTH_FACTORS,
    holiday_factor: float = ASSUMED_HOLIDAY_FACTOR,
    adjusted_workday_factor: float = ASSUMED_ADJUSTED_WORKDAY_FACTOR,
    post_holiday_factors: Sequence[float] = ASSUMED_POST_HOLIDAY_FACTORS,
) -> float:
    """Number of average weekdays a year's volume amounts to.

    The sum over every day of ``year`` of :func:`simulator.model.calendar.day_volume_factor`
    (closed days count 0), divided by the Monday-Friday mean weekday factor. Yearly
    visits divided by this number are the visits of an average weekday (Monday-Friday
    mean, month factor 1, no post-holiday surge), the volume that
    :func:`~simulator.model.calendar.day_volume_factor` multiplies. With the defaults and
    2025, about 283.7 (DOMAIN.md: "about 284").

    Parameters
    ----------
    year : int
        Calendar year; must be covered by :func:`simulator.model.calendar.covered_range`.
    weekday_factors, month_factors, holiday_factor, adjusted_workday_factor, \
post_holiday_factors
        As for :func:`simulator.model.calendar.day_volume_factor`; defaults are the (assumed)
        DOMAIN.md values in this module.

    Returns
    -------
    float
        Weekday-equivalent days.

    Raises
    ------
    ValueError
        If the year is outside the calendar's coverage or a factor is invalid.
    """
    factors = cal.DayFactors(
        tuple(float(v) for v in weekday_factors),
        tuple(float(v) for v in month_factors),
        float(holiday_factor),
        float(adjusted_workday_factor),
        tuple(float(v) for v in post_holiday_factors),
    )
    return _weekday_equivalents(int(year), factors)


def _largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total``."""
    quota = total * weights / weights.sum()
    base = np.floor(quota).astype(np.int64)
    remainder = total - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    if remainder >= 0:
        base[order[:remainder]] += 1
    else:  # pragma: no cover - only through floating-point error
        base[order[::-1][:-remainder]] -= 1
    return base


def _district_seed(seed: int, code: str) -> np.random.SeedSequence:
    # Keyed by the district code, so reordering or editing other rows changes nothing here.
    return seed_sequence(seed, code)


#: The columns of :func:`city_centres`, in order, with their types.
_CENTRE_COLUMNS: dict[str, str] = {
    "centre_id": "str",
    "district": "str",
    "visits_per_year": "int64",
    "daily_volume_weekday": "float64",
    "cross_province_windows": "int64",
    "size_factor": "float64",
}


def city_centres(
    seed: int,
    size_sigma: float = ASSUMED_SIZE_SIGMA,
    *,
    districts: pd.DataFrame | None = None,
    weekday_equivalents: float | None = None,
) -> pd.DataFrame:
    """Draw a synthetic set of centres, one row per centre (220 with the packaged data).

    Within each district, centre ``i`` gets a lognormal size draw
    ``z_i ~ LogNormal(0, size_sigma)``; ``size_factor = z_i / mean(z)`` (mean 1 within the
    district). The district's yearly visits are split in proportion to ``z`` with
    largest-remainder rounding, so district and city totals are exact whole numbers.
    The district's cross-province windows go one each to its largest centres (round
    robin if it had more windows than centres).

    Parameters
    ----------
    seed : int
        Non-negative seed. Each district draws from its own
        ``numpy.random.Generator`` (``SeedSequence(seed, spawn_key=(crc32(code),))``); no
        global random state is used.
    size_sigma : float, default 0.35
        (assumed) Sigma of the lognormal size factor; 0 makes all centres of a district
        equal.
    districts : pandas.DataFrame, optional
        District table as returned by :func:`load_districts`; by default the packaged one.
    weekday_equivalents : float, optional
        Divisor from yearly visits to visits per average weekday; by default
        :func:`weekday_equivalent_days` with its defaults.

    Returns
    -------
    pandas.DataFrame
        Columns ``centre_id`` (district code and 1-based number, e.g. ``"PD-01"``),
        ``district``, ``visits_per_year`` (int), ``daily_volume_weekday`` (visits on an
        average weekday: ``visits_per_year / weekday_equivalents``),
        ``cross_province_windows`` (int), ``size_factor``. Rows in district-table order,
        then by centre number.

    Raises
    ------
    ValueError
        If ``seed`` is negative or not an int, ``size_sigma`` is negative or not finite,
        or ``weekday_equivalents`` is not a positive finite number.
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if not math.isfinite(size_sigma) or size_sigma < 0:
        raise ValueError(f"size_sigma must be a finite number >= 0, got {size_sigma!r}")
    table = load_districts() if districts is None else districts
    weq = weekday_equivalent_days() if weekday_equivalents is None else weekday_equivalents
    if not math.isfinite(weq) or weq <= 0:
        raise ValueError(f"weekday_equivalents must be a finite number > 0, got {weq!r}")

    rows: list[dict[str, object]] = []
    for name, code, n, district_visits, district_windows in zip(
        table["district"].astype(str).tolist(),
        table["code"].astype(str).tolist(),
        table["centres"].to_numpy(dtype=np.int64).tolist(),
        table["visits_per_year"].to_numpy(dtype=np.int64).tolist(),
        table["cross_province_windows"].to_numpy(dtype=np.int64).tolist(),
        strict=True,
    ):
        rng = np.random.default_rng(_district_seed(int(seed), code))
        z = rng.lognormal(mean=0.0, sigma=size_sigma, size=n)
        size = z / z.mean()
        visits = _largest_remainder(district_visits, z)
        windows = np.zeros(n, dtype=np.int64)
        largest_first = np.argsort(-z, kind="stable")
        for k in range(district_windows):
            windows[largest_first[k % n]] += 1
        for i in range(n):
            rows.append(
                {
                    "centre_id": f"{code}-{i + 1:02d}",
                    "district": name,
                    "visits_per_year": int(visits[i]),
                    "daily_volume_weekday": float(visits[i]) / weq,
                    "cross_province_windows": int(windows[i]),
                    "size_factor": float(size[i]),
                }
            )
    return pd.DataFrame.from_records(rows, columns=list(_CENTRE_COLUMNS)).astype(_CENTRE_COLUMNS)
