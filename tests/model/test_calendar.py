"""Tests for simulator.model.calendar: day types from the packaged State Council notices."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import pytest

from simulator.model.calendar import (
    DAY_TYPES,
    DayInfo,
    calendar_days,
    classify_day,
    covered_range,
    day_volume_factor,
    profile_day_type,
)

D = dt.date

# DOMAIN.md defaults (assumed)
WEEKDAY = (1.15, 1.00, 0.95, 0.95, 0.95, 0.35, 0.25)
MONTH = (1.05, 0.75, 1.10, 1.0, 1.0, 1.0, 1.05, 1.05, 1.0, 0.85, 1.0, 1.05)
HOLIDAY = 0.25  # assumed (DOMAIN.md gives no holiday volume factor)
ADJUSTED = 0.9
POST = (1.5, 1.25)


def test_day_types_constant() -> None:
    assert DAY_TYPES == ("weekday", "weekend", "holiday", "adjusted_workday")


@pytest.mark.parametrize(
    ("day", "day_type", "name"),
    [
        (D(2025, 10, 1), "holiday", "National Day"),
        (D(2025, 10, 6), "holiday", "Mid-autumn Festival"),  # 2025: joint break 1-8 Oct
        (D(2025, 10, 8), "holiday", "National Day"),
        (D(2025, 9, 28), "adjusted_workday", "National Day"),  # Sunday worked
        (D(2025, 10, 11), "adjusted_workday", "National Day"),  # Saturday worked
        (D(2025, 10, 9), "weekday", None),
        (D(2025, 10, 12), "weekend", None),
        (D(2026, 2, 14), "adjusted_workday", "Spring Festival"),
        (D(2026, 2, 15), "holiday", "Spring Festival"),  # Sunday inside the break
        (D(2026, 2, 23), "holiday", "Spring Festival"),
        (D(2026, 2, 24), "weekday", None),
        (D(2026, 2, 28), "adjusted_workday", "Spring Festival"),
        (D(2026, 1, 4), "adjusted_workday", "New Year's Day"),
        (D(2024, 2, 18), "adjusted_workday", "Spring Festival"),
        (D(2026, 11, 28), "weekend", None),
        (D(2026, 11, 30), "weekday", None),
    ],
)
def test_known_dates(day: dt.date, day_type: str, name: str | None) -> None:
    info = classify_day(day)
    assert info.day_type == day_type
    assert info.holiday_name == name
    assert info.date == day
    assert info.weekday == day.weekday()
    assert info.month == day.month


def test_spring_festival_2026_break_and_closure() -> None:
    days = calendar_days(D(2026, 2, 14), 11)  # 14 Feb (worked Saturday) .. 24 Feb
    types = [i.day_type for i in days]
    assert types == ["adjusted_workday"] + ["holiday"] * 9 + ["weekday"]
    closed = [i.date for i in days if i.closed]
    # Lunar New Year's Day 2026 is 17 Feb: days 1-3 (初一 to 初三) are closed (assumed).
    assert closed == [D(2026, 2, 17), D(2026, 2, 18), D(2026, 2, 19)]
    assert not classify_day(D(2026, 2, 16)).closed  # New Year's Eve: open, holiday hours


def test_spring_festival_2025_closure() -> None:
    closed = [i.date for i in calendar_days(D(2025, 1, 1), 365) if i.closed]
    assert closed == [D(2025, 1, 29), D(2025, 1, 30), D(2025, 1, 31)]


def test_lunar_new_year_is_in_every_packaged_spring_festival_break() -> None:
    first, last = covered_range()
    for year in range(first.year, last.year + 1):
        closed = [
            i for i in calendar_days(D(year, 1, 15), 40) if i.closed
        ]  # Lunar New Year falls between 21 Jan and 20 Feb
        assert len(closed) == 3, year
        assert all(i.holiday_name == "Spring Festival" for i in closed)


@pytest.mark.parametrize(
    ("day", "index"),
    [
        (D(2025, 10, 9), 0),  # after the 8-day National Day / Mid-autumn break
        (D(2025, 10, 10), 1),
        (D(2025, 10, 11), None),  # adjusted working Saturday is the third working day
        (D(2026, 2, 24), 0),  # after Spring Festival 2026 (15-23 Feb)
        (D(2026, 2, 25), 1),
        (D(2026, 2, 26), None),
        (D(2026, 1, 4), 0),  # adjusted working Sunday right after New Year 1-3 Jan
        (D(2026, 1, 5), 1),
        (D(2026, 6, 22), 0),  # Dragon Boat Fri 19 + weekend = 3-day break
        (D(2026, 6, 23), 1),
        (D(2026, 9, 28), 0),  # Mid-autumn Fri 25 Sep + weekend = 3-day break
        (D(2026, 3, 9), None),  # plain Monday after a plain weekend
        (D(2025, 1, 2), None),  # after a 1-day New Year holiday (Wednesday)
        (D(2025, 10, 1), None),  # holidays themselves carry no index
    ],
)
def test_post_holiday_index(day: dt.date, index: int | None) -> None:
    assert classify_day(day).post_holiday_index == index


def test_post_holiday_index_skips_weekend_between_first_and_second_day() -> None:
    # 2024 National Day break 1-7 Oct; Tue 8 Oct first working day, Wed 9 Oct second.
    assert classify_day(D(2024, 10, 8)).post_holiday_index == 0
    assert classify_day(D(2024, 10, 9)).post_holiday_index == 1
    # Qingming 2024: 4-6 Apr (Thu-Sat), Sun 7 Apr worked, Mon 8 Apr second.
    assert classify_day(D(2024, 4, 7)).post_holiday_index == 0
    assert classify_day(D(2024, 4, 8)).post_holiday_index == 1


def test_year_counts_2025() -> None:
    counts = Counter(i.day_type for i in calendar_days(D(2025, 1, 1), 365))
    assert counts["adjusted_workday"] == 5
    assert counts["holiday"] == 28
    assert sum(counts.values()) == 365


@pytest.mark.parametrize("day", [D(2027, 1, 1), D(2003, 12, 31), D(2030, 6, 1)])
def test_out_of_range_raises(day: dt.date) -> None:
    first, last = covered_range()
    with pytest.raises(ValueError, match=day.isoformat()) as err:
        classify_day(day)
    assert first.isoformat() in str(err.value)
    assert last.isoformat() in str(err.value)


def test_covered_range_includes_2024_to_2026() -> None:
    first, last = covered_range()
    assert first <= D(2024, 1, 1)
    assert last >= D(2026, 12, 31)


def test_calendar_days_checks_the_whole_span_first() -> None:
    with pytest.raises(ValueError, match="2027-01-01"):
        calendar_days(D(2026, 12, 1), 40)
    days = calendar_days(D(2026, 12, 1), 31)
    assert [i.date for i in days] == [D(2026, 12, 1) + dt.timedelta(days=k) for k in range(31)]
    assert calendar_days(D(2026, 12, 1), 0) == []
    with pytest.raises(ValueError, match=">= 0"):
        calendar_days(D(2026, 12, 1), -1)


def test_datetime_is_reduced_to_date() -> None:
    assert classify_day(dt.datetime(2025, 10, 1, 9, 30)).date == D(2025, 10, 1)


def test_dayinfo_is_frozen() -> None:
    info = classify_day(D(2025, 10, 1))
    with pytest.raises(AttributeError):
        info.closed = True  # type: ignore[misc]


def _factor(
    info: DayInfo,
    weekday: Sequence[float] = WEEKDAY,
    month: Sequence[float] = MONTH,
    holiday: float = HOLIDAY,
    post: Sequence[float] = POST,
) -> float:
    return day_volume_factor(
        info,
        weekday,
        month,
        holiday_factor=holiday,
        adjusted_workday_factor=ADJUSTED,
        post_holiday_factors=post,
    )


def test_factor_weekday_weekend() -> None:
    assert _factor(classify_day(D(2026, 3, 2))) == pytest.approx(1.15 * 1.10)  # Monday, March
    assert _factor(classify_day(D(2026, 3, 4))) == pytest.approx(0.95 * 1.10)  # Wednesday
    assert _factor(classify_day(D(2026, 3, 7))) == pytest.approx(0.35 * 1.10)  # Saturday
    assert _factor(classify_day(D(2026, 3, 8))) == pytest.approx(0.25 * 1.10)  # Sunday


def test_factor_holiday_and_adjusted_workday() -> None:
    # Holiday on a Thursday: holiday factor replaces the weekday factor; October 0.85.
    assert _factor(classify_day(D(2025, 10, 2))) == pytest.approx(0.25 * 0.85)
    # Adjusted working Sunday in September: 0.9 x mean(Mon-Fri) = 0.9 x 1.0.
    assert _factor(classify_day(D(2025, 9, 28))) == pytest.approx(0.9 * 1.0 * 1.0)
    uneven = (2.0, 1.0, 1.0, 1.0, 0.0, 0.5, 0.5)
    info = classify_day(D(2025, 9, 28))
    assert _factor(info, weekday=uneven) == pytest.approx(0.9 * 1.0)


def test_factor_post_holiday_and_closed() -> None:
    # Tue 24 Feb 2026, first working day after Spring Festival: 1.00 x 0.75 x 1.5.
    assert _factor(classify_day(D(2026, 2, 24))) == pytest.approx(1.0 * 0.75 * 1.5)
    assert _factor(classify_day(D(2026, 2, 25))) == pytest.approx(0.95 * 0.75 * 1.25)
    # Adjusted working Sunday 4 Jan 2026 right after New Year: 0.9 x 1.05 x 1.5.
    assert _factor(classify_day(D(2026, 1, 4))) == pytest.approx(0.9 * 1.05 * 1.5)
    assert _factor(classify_day(D(2026, 2, 17))) == 0.0  # closed
    # Fewer post-holiday multipliers than indices: the missing ones are 1.
    info = classify_day(D(2026, 2, 25))
    assert _factor(info, post=(1.5,)) == pytest.approx(0.95 * 0.75)


def test_factor_year_total_matches_domain_weekday_equivalents() -> None:
    # DOMAIN.md: "about 284 weekday-equivalents" a year (Mon-Fri mean factor is 1).
    total = sum(_factor(i) for i in calendar_days(D(2026, 1, 1), 365))
    assert 275 < total < 295


def test_factor_validation() -> None:
    info = classify_day(D(2026, 3, 2))
    with pytest.raises(ValueError, match="weekday_factors must have 7"):
        _factor(info, weekday=WEEKDAY[:6])
    with pytest.raises(ValueError, match="month_factors must have 12"):
        _factor(info, month=MONTH[:11])
    with pytest.raises(ValueError, match="finite"):
        _factor(info, holiday=-1.0)
    with pytest.raises(ValueError, match="unknown day_type"):
        _factor(replace(info, day_type="bogus"))


@pytest.mark.parametrize(
    ("day", "key"),
    [
        (D(2026, 3, 2), "weekday"),
        (D(2025, 9, 28), "weekday"),  # adjusted working Sunday
        (D(2026, 3, 7), "weekend"),
        (D(2025, 10, 4), "holiday"),  # Saturday inside the National Day break
        (D(2026, 2, 17), "holiday"),  # closed day
    ],
)
def test_profile_day_type(day: dt.date, key: str) -> None:
    assert profile_day_type(classify_day(day)) == key


def test_profile_day_type_unknown() -> None:
    with pytest.raises(ValueError, match="unknown day_type"):
        profile_day_type(replace(classify_day(D(2026, 3, 2)), day_type="bogus"))
