"""Day types and opening hours used by cleaning and fitting.

A day is a ``weekday`` (Mon-Fri, or an adjusted working weekend day), a ``weekend``
day (Sat/Sun) or a ``holiday`` (a public holiday listed by the caller; holidays win over
the weekday rule). Without a holiday list, holidays are classified by their day of week,
which biases weekday factors: pass the official holiday calendar when it is known.

Opening hours are given per day type as a list of ``("HH:MM", "HH:MM")`` intervals,
e.g. ``{"weekday": [("08:30", "17:00")], "weekend": [("09:00", "12:00")]}``; a day type
missing from the mapping is closed.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "DAY_TYPES",
    "OfficialCalendar",
    "OpeningHours",
    "day_types",
    "hhmm",
    "official_calendar",
    "opening_intervals",
    "to_minutes",
]

DAY_TYPES: tuple[str, ...] = ("weekday", "weekend", "holiday")

OpeningHours = Mapping[str, Sequence[tuple[str, str]]]

DateLike = str | pd.Timestamp | np.datetime64 | _dt.date


def to_minutes(hhmm_text: str) -> int:
    """Convert ``"HH:MM"`` to minutes after midnight.

    Parameters
    ----------
    hhmm_text : str
        Local time of day, ``"00:00"`` to ``"24:00"``.

    Returns
    -------
    int
        Minutes after midnight.
    """
    h, m = hhmm_text.strip().split(":")[:2]
    value = int(h) * 60 + int(m)
    if not 0 <= value <= 24 * 60:
        raise ValueError(f"time of day out of range: {hhmm_text!r}")
    return value


def hhmm(minutes: float) -> str:
    """Format minutes after midnight as ``"HH:MM"`` (rounded to the minute).

    Parameters
    ----------
    minutes : float
        Minutes after midnight.

    Returns
    -------
    str
        ``"HH:MM"``.
    """
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def _date_index(values: Iterable[DateLike] | None) -> pd.DatetimeIndex:
    if values is None:
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex([pd.Timestamp(v) for v in values]).normalize()


def day_types(
    dates: pd.Series,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
) -> pd.Series:
    """Classify dates as ``weekday``, ``weekend`` or ``holiday``.

    Parameters
    ----------
    dates : pandas.Series
        ``datetime64`` values (time of day ignored).
    holidays : iterable of date-like, optional
        Public holidays (classified ``holiday``).
    working_days : iterable of date-like, optional
        Adjusted working weekend days (调休), classified ``weekday``.

    Returns
    -------
    pandas.Series
        ``string`` values from :data:`DAY_TYPES`, same index as ``dates``.
    """
    d = dates.dt.normalize()
    dow = d.dt.day_of_week
    out = pd.Series(np.where(dow >= 5, "weekend", "weekday"), index=dates.index, dtype="string")
    out[d.isin(_date_index(working_days))] = "weekday"
    out[d.isin(_date_index(holidays))] = "holiday"
    return out


def opening_intervals(opening_hours: OpeningHours, day_type: str) -> list[tuple[int, int]]:
    """Opening intervals of one day type in minutes after midnight.

    Parameters
    ----------
    opening_hours : mapping
        Day type -> list of ``("HH:MM", "HH:MM")``.
    day_type : str
        One of :data:`DAY_TYPES`.

    Returns
    -------
    list of (int, int)
        Sorted ``(open, close)`` minutes; empty if closed.
    """
    unknown = set(opening_hours) - set(DAY_TYPES)
    if unknown:
        raise ValueError(f"opening_hours: unknown day type(s) {sorted(unknown)}; use {DAY_TYPES}")
    out = []
    for start, end in opening_hours.get(day_type, ()):
        a, b = to_minutes(start), to_minutes(end)
        if b <= a:
            raise ValueError(f"opening_hours[{day_type!r}]: end {end} not after start {start}")
        out.append((a, b))
    return sorted(out)


@dataclass(frozen=True)
class OfficialCalendar:
    """The mainland-China working calendar over a date range, as the simulator sees it.

    Attributes
    ----------
    holidays : tuple of datetime.date
        Days of official holiday breaks (day type ``holiday``).
    working_days : tuple of datetime.date
        Adjusted working weekend days (调休; the simulator's ``adjusted_workday``).
    closed : tuple of datetime.date
        Days the simulator keeps centres closed (assumed: Spring Festival days 1-3).
    post_holiday : dict
        Date -> 0 or 1 for the first / second working day after a break of 3+ days.
    """

    holidays: tuple[_dt.date, ...]
    working_days: tuple[_dt.date, ...]
    closed: tuple[_dt.date, ...]
    post_holiday: dict[_dt.date, int]


def official_calendar(start: DateLike, end: DateLike) -> OfficialCalendar:
    """Holidays, adjusted working days, closures and post-holiday days from the
    simulator's calendar (``chinesecalendar`` data) for ``start`` to ``end`` inclusive.

    Parameters
    ----------
    start, end : date-like
        First and last date.

    Returns
    -------
    OfficialCalendar
        The calendar facts; pass ``holidays`` / ``working_days`` to cleaning and fitting.

    Raises
    ------
    ValueError
        If a date lies outside the years the installed calendar covers.
    """
    from simulator.model.calendar import calendar_days

    a = pd.Timestamp(start).date()
    b = pd.Timestamp(end).date()
    days = calendar_days(a, (b - a).days + 1) if b >= a else []
    return OfficialCalendar(
        holidays=tuple(d.date for d in days if d.day_type == "holiday"),
        working_days=tuple(d.date for d in days if d.day_type == "adjusted_workday"),
        closed=tuple(d.date for d in days if d.closed),
        post_holiday={
            d.date: int(d.post_holiday_index) for d in days if d.post_holiday_index is not None
        },
    )
