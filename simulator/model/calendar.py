"""Day types of the mainland-China working calendar, for demand and opening hours.

The centres are open all year (全年无休, published), but demand and opening hours differ
by day type. This module classifies calendar dates with the ``chinesecalendar`` package
(import name ``chinese_calendar``), which ships the State Council's yearly holiday
notices as data, including the adjusted working days (调休) on which a Saturday or
Sunday becomes a working day. No network access is needed.

Day types (:data:`DAY_TYPES`):

``"weekday"``
    Monday to Friday, an ordinary working day.
``"weekend"``
    Saturday or Sunday that is an ordinary rest day.
``"holiday"``
    Any day of an official holiday break, including the weekend days and the
    compensatory days off that the notice folds into the break (e.g. the nine days
    2026-02-15 to 2026-02-23 of Spring Festival 2026).
``"adjusted_workday"``
    A Saturday or Sunday made a working day by the notice (e.g. Sunday 2025-09-28).

Which facts are published and which are assumptions:

- The holiday and adjusted-working-day dates are published (State Council notices, as
  packaged by ``chinesecalendar``).
- The Lunar New Year dates in :data:`_LUNAR_NEW_YEAR` are astronomical facts
  (first day of the first lunar month).
- (assumed) Centres are closed on Spring Festival days 1-3, read here as the first,
  second and third day of the first lunar month (大年初一 to 初三).
- (assumed) The first two working days after a holiday break of 3 or more days carry
  extra demand; :func:`day_volume_factor` takes the multipliers as arguments.

Dates outside the years that the installed ``chinesecalendar`` covers raise
:class:`ValueError`; nothing is extrapolated. Upgrading the package extends the range
once a new year's notice has been packaged.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import chinese_calendar

__all__ = [
    "DAY_TYPES",
    "DayFactors",
    "DayInfo",
    "calendar_days",
    "classify_day",
    "covered_range",
    "day_volume_factor",
    "profile_day_type",
    "volume_factors",
]

DAY_TYPES: tuple[str, ...] = ("weekday", "weekend", "holiday", "adjusted_workday")
"""The day types, in a fixed order."""

SPRING_FESTIVAL_NAME = "Spring Festival"
"""``chinesecalendar``'s name of the Spring Festival holiday."""

CLOSED_LUNAR_DAYS = 3
"""(assumed) Number of days from Lunar New Year's Day (初一) on which centres are closed."""

POST_HOLIDAY_MIN_BREAK_DAYS = 3
"""(assumed) A break of at least this many consecutive rest days with a holiday in it
is followed by post-holiday extra demand."""

_MAX_BREAK_LOOKBACK_DAYS = 31
"""Safety bound when walking back over a break (the longest official break is 9 days)."""

# First day of the first lunar month (春节, 正月初一): an astronomical fact, cross-checked
# against an independent lunisolar calculation. Years beyond this table raise ValueError
# even if a newer chinesecalendar covers them: extend the table then.
_LUNAR_NEW_YEAR: dict[int, tuple[int, int]] = {
    2004: (1, 22), 2005: (2, 9), 2006: (1, 29), 2007: (2, 18), 2008: (2, 7),
    2009: (1, 26), 2010: (2, 14), 2011: (2, 3), 2012: (1, 23), 2013: (2, 10),
    2014: (1, 31), 2015: (2, 19), 2016: (2, 8), 2017: (1, 28), 2018: (2, 16),
    2019: (2, 5), 2020: (1, 25), 2021: (2, 12), 2022: (2, 1), 2023: (1, 22),
    2024: (2, 10), 2025: (1, 29), 2026: (2, 17), 2027: (2, 6), 2028: (1, 26),
    2029: (2, 13), 2030: (2, 3),
}  # fmt: skip


@dataclass(frozen=True)
class DayInfo:
    """Calendar facts about one date, as the simulator uses them.

    Attributes
    ----------
    date : datetime.date
        The date.
    day_type : str
        One of :data:`DAY_TYPES`.
    weekday : int
        Day of the week, 0 = Monday ... 6 = Sunday.
    month : int
        Month, 1-12.
    holiday_name : str or None
        For a ``"holiday"``, the name of the holiday (``chinesecalendar``'s English
        name, e.g. ``"National Day"``); for an ``"adjusted_workday"``, the name of the
        holiday whose break it compensates; otherwise None.
    closed : bool
        True if the centres are closed (assumed: Spring Festival days 1-3).
    post_holiday_index : int or None
        0 for the first working day after a holiday break of 3 or more days, 1 for the
        second working day after it, otherwise None.
    """

    date: _dt.date
    day_type: str
    weekday: int
    month: int
    holiday_name: str | None
    closed: bool
    post_holiday_index: int | None


@lru_cache(maxsize=1)
def covered_range() -> tuple[_dt.date, _dt.date]:
    """First and last date that the installed calendar data cover.

    Returns
    -------
    tuple of datetime.date
        ``(first, last)``: 1 January of the first and 31 December of the last year
        for which ``chinesecalendar`` holds a holiday notice and for which the Lunar New
        Year date is known to this module.
    """
    years = {d.year for d in chinese_calendar.holidays}
    first_year = max(min(years), min(_LUNAR_NEW_YEAR))
    last_year = min(max(years), max(_LUNAR_NEW_YEAR))
    return _dt.date(first_year, 1, 1), _dt.date(last_year, 12, 31)


def _as_date(d: _dt.date) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if not isinstance(d, _dt.date):
        raise TypeError(f"expected a datetime.date, got {type(d).__name__}: {d!r}")
    return d


def _check_covered(d: _dt.date, needed_for: _dt.date | None = None) -> None:
    first, last = covered_range()
    if first <= d <= last:
        return
    version = getattr(chinese_calendar, "__version__", "installed")
    reason = "" if needed_for is None else f" (needed for the post-holiday index of {needed_for})"
    raise ValueError(
        f"date {d.isoformat()}{reason} is outside the holiday calendar's covered range "
        f"{first.isoformat()} to {last.isoformat()} (chinesecalendar {version}); "
        "upgrade chinesecalendar once the State Council has published that year's "
        "holiday notice"
    )


@lru_cache(maxsize=4096)
def _base(d: _dt.date) -> tuple[str, str | None]:
    """Day type and holiday name of a covered date, without post-holiday information."""
    is_holiday, name = chinese_calendar.get_holiday_detail(d)
    working = chinese_calendar.is_workday(d)
    weekend = d.weekday() >= 5
    if working:
        if weekend:
            return "adjusted_workday", name
        return "weekday", None
    if name is not None:
        return "holiday", name
    if weekend:
        return "weekend", None
    # A weekday rest day without a holiday name does not occur in the packaged data;
    # refuse rather than guess.
    raise ValueError(  # pragma: no cover - defensive
        f"date {d.isoformat()}: calendar data mark a weekday as rest day without a holiday"
        f" name (is_holiday={is_holiday})"
    )


def _is_working(d: _dt.date, needed_for: _dt.date) -> bool:
    _check_covered(d, needed_for)
    return _base(d)[0] in ("weekday", "adjusted_workday")


def _holiday_break_before(d: _dt.date) -> bool:
    """True if the days just before ``d`` are a break of 3+ rest days with a holiday."""
    length = 0
    has_holiday = False
    day = d - _dt.timedelta(days=1)
    while not _is_working(day, d):
        length += 1
        has_holiday = has_holiday or _base(day)[0] == "holiday"
        if length > _MAX_BREAK_LOOKBACK_DAYS:  # pragma: no cover - defensive
            raise ValueError(f"date {d.isoformat()}: rest period before it exceeds a month")
        day -= _dt.timedelta(days=1)
    return has_holiday and length >= POST_HOLIDAY_MIN_BREAK_DAYS


def _post_holiday_index(d: _dt.date) -> int | None:
    if not _is_working(d, d):
        return None
    if _holiday_break_before(d):
        return 0
    previous = d - _dt.timedelta(days=1)
    while not _is_working(previous, d):
        previous -= _dt.timedelta(days=1)
    if _holiday_break_before(previous):
        return 1
    return None


def _is_closed(d: _dt.date, day_type: str, name: str | None) -> bool:
    if day_type != "holiday" or name != SPRING_FESTIVAL_NAME:
        return False
    month, day = _LUNAR_NEW_YEAR[d.year]
    offset = (d - _dt.date(d.year, month, day)).days
    return 0 <= offset < CLOSED_LUNAR_DAYS


def classify_day(d: _dt.date) -> DayInfo:
    """Classify one date.

    Parameters
    ----------
    d : datetime.date
        The date (a ``datetime.datetime`` is reduced to its date).

    Returns
    -------
    DayInfo
        Day type, holiday name, closure and post-holiday index of the date.

    Raises
    ------
    ValueError
        If the date, or a day before it needed for the post-holiday index, lies outside
        :func:`covered_range`. The message names the date and the covered range.
    TypeError
        If ``d`` is not a date.
    """
    d = _as_date(d)
    _check_covered(d)
    day_type, name = _base(d)
    return DayInfo(
        date=d,
        day_type=day_type,
        weekday=d.weekday(),
        month=d.month,
        holiday_name=name,
        closed=_is_closed(d, day_type, name),
        post_holiday_index=_post_holiday_index(d),
    )


def calendar_days(start: _dt.date, days: int) -> list[DayInfo]:
    """Classify ``days`` consecutive dates from ``start``.

    Parameters
    ----------
    start : datetime.date
        First date.
    days : int
        Number of dates, at least 0.

    Returns
    -------
    list of DayInfo
        One entry per date, in date order.

    Raises
    ------
    ValueError
        If ``days`` is negative, or if any date of the span lies outside
        :func:`covered_range` (checked before any work is done).
    """
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError(f"days must be an int, got {type(days).__name__}")
    if days < 0:
        raise ValueError(f"days must be >= 0, got {days}")
    start = _as_date(start)
    if days == 0:
        return []
    first, last = covered_range()
    end = start + _dt.timedelta(days=days - 1)
    if start < first or start > last:
        _check_covered(start)
    if end > last:
        _check_covered(last + _dt.timedelta(days=1))  # names the first uncovered date
    return [classify_day(start + _dt.timedelta(days=i)) for i in range(days)]


def _check_factors(name: str, values: Sequence[float], length: int | None) -> list[float]:
    out = [float(v) for v in values]
    if length is not None and len(out) != length:
        raise ValueError(f"{name} must have {length} entries, got {len(out)}")
    for i, v in enumerate(out):
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"{name}[{i}] must be a finite number >= 0, got {v}")
    return out


def day_volume_factor(
    info: DayInfo,
    weekday_factors: Sequence[float],
    month_factors: Sequence[float],
    *,
    holiday_factor: float,
    adjusted_workday_factor: float,
    post_holiday_factors: Sequence[float],
) -> float:
    """Relative walk-in volume of a day (the DOMAIN.md rule).

    The factor is ``base x month_factors[month - 1] x post``, or 0 on a closed day, where

    - ``base`` is ``weekday_factors[weekday]`` for a ``"weekday"`` or ``"weekend"``
      (so a weekend uses the Saturday or Sunday entry), ``holiday_factor`` for a
      ``"holiday"`` (whatever its weekday), and ``adjusted_workday_factor`` times the
      mean of the Monday-Friday entries ``weekday_factors[0:5]`` for an
      ``"adjusted_workday"`` (an adjusted working Saturday or Sunday behaves like an
      average working day, damped; the DOMAIN.md default 0.9 gives 0.9 x 1.0);
    - the month factor applies to every day type, holidays included;
    - ``post`` is ``post_holiday_factors[i]`` when the day's ``post_holiday_index`` is
      ``i`` and ``i < len(post_holiday_factors)``, else 1 (DOMAIN.md default:
      ``(1.5, 1.25)``).

    The result multiplies a centre's average-weekday volume (see
    :mod:`simulator.city.data`); with the DOMAIN.md factors the Monday-Friday mean is 1.

    Parameters
    ----------
    info : DayInfo
        The day, from :func:`classify_day`.
    weekday_factors : sequence of float
        Seven factors, Monday first.
    month_factors : sequence of float
        Twelve factors, January first.
    holiday_factor : float
        Factor of a holiday, replacing the weekday factor.
    adjusted_workday_factor : float
        Multiplier of the Monday-Friday mean on an adjusted working day.
    post_holiday_factors : sequence of float
        Multipliers for the first, second, ... working day after a holiday break of
        3 or more days.

    Returns
    -------
    float
        The factor, >= 0.

    Raises
    ------
    ValueError
        If a factor is negative or not finite, the sequences have the wrong length, or
        ``info.day_type`` is unknown.
    """
    weekday = _check_factors("weekday_factors", weekday_factors, 7)
    month = _check_factors("month_factors", month_factors, 12)
    (holiday, adjusted) = _check_factors(
        "holiday_factor/adjusted_workday_factor", [holiday_factor, adjusted_workday_factor], 2
    )
    post = _check_factors("post_holiday_factors", post_holiday_factors, None)
    if info.closed:
        return 0.0
    if info.day_type in ("weekday", "weekend"):
        base = weekday[info.weekday]
    elif info.day_type == "holiday":
        base = holiday
    elif info.day_type == "adjusted_workday":
        base = adjusted * sum(weekday[:5]) / 5.0
    else:
        raise ValueError(f"unknown day_type {info.day_type!r}; expected one of {DAY_TYPES}")
    factor = base * month[info.month - 1]
    idx = info.post_holiday_index
    if idx is not None and idx < len(post):
        factor *= post[idx]
    return factor


def profile_day_type(info: DayInfo) -> str:
    """Key of the opening hours and hourly arrival profile that apply to a day.

    Parameters
    ----------
    info : DayInfo
        The day.

    Returns
    -------
    str
        ``"weekday"`` for weekdays and adjusted working days, ``"weekend"`` for
        weekends, ``"holiday"`` for holidays (closed days included: check
        :attr:`DayInfo.closed` first).

    Raises
    ------
    ValueError
        If ``info.day_type`` is unknown.
    """
    mapping = {
        "weekday": "weekday",
        "adjusted_workday": "weekday",
        "weekend": "weekend",
        "holiday": "holiday",
    }
    try:
        return mapping[info.day_type]
    except KeyError:
        raise ValueError(
            f"unknown day_type {info.day_type!r}; expected one of {DAY_TYPES}"
        ) from None


@dataclass(frozen=True)
class DayFactors:
    """The day-level volume multipliers of :func:`day_volume_factor`, as one hashable
    value: a scenario's demand (``Demand.day_factors``) or the city's assumed ones."""

    weekday: tuple[float, ...]
    month: tuple[float, ...]
    holiday: float
    adjusted_workday: float
    post_holiday: tuple[float, ...]

    def factor(self, info: DayInfo) -> float:
        """Relative walk-in volume of the day ``info`` (:func:`day_volume_factor`)."""
        return day_volume_factor(
            info,
            self.weekday,
            self.month,
            holiday_factor=self.holiday,
            adjusted_workday_factor=self.adjusted_workday,
            post_holiday_factors=self.post_holiday,
        )


@lru_cache(maxsize=64)
def volume_factors(
    start: _dt.date, days: int, factors: DayFactors
) -> tuple[tuple[DayInfo, float], ...]:
    """Each of ``days`` consecutive days from ``start`` (:func:`calendar_days`) with its
    volume factor; computed once for all the centres of a city that share a calendar."""
    return tuple((info, factors.factor(info)) for info in calendar_days(start, days))
