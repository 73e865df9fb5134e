"""Cleaning: one dirty-data test per exclusion reason, reports and thresholds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import calib_synth as cs
import pandas as pd
import pytest

from calibration.clean import REASONS, InsufficientDataError, clean_ticket_log
from calibration.io import read_ticket_log

T = pd.Timestamp


def _base(year_log: pd.DataFrame) -> pd.DataFrame:
    """First 300 tickets of the synthetic year (all valid), with a fresh copy."""
    return year_log.iloc[:300].copy().reset_index(drop=True)


def _row(df: pd.DataFrame, outcome: str) -> int:
    return int(df.index[df["outcome"] == outcome][5])


def _dup(df: pd.DataFrame) -> None:
    df.loc[20, ["centre_id", "ticket_id", "ticket_time"]] = df.loc[
        10, ["centre_id", "ticket_id", "ticket_time"]
    ].to_numpy()


def _set(col: str, value: object, outcome: str = "served") -> Callable[[pd.DataFrame], int]:
    def corrupt(df: pd.DataFrame) -> int:
        i = _row(df, outcome)
        df.loc[i, col] = value
        return i

    return corrupt


def _shift(
    col: str, ref: str, minutes: float, outcome: str = "served"
) -> Callable[[pd.DataFrame], int]:
    def corrupt(df: pd.DataFrame) -> int:
        i = _row(df, outcome)
        df.loc[i, col] = df.loc[i, ref] + pd.Timedelta(minutes=minutes)
        return i

    return corrupt


def _unparseable(df: pd.DataFrame) -> int:
    i = _row(df, "served")
    df.loc[i, "call_time"] = pd.NaT
    df.loc[i, "parse_errors"] = "call_time"
    return i


def _dup_row(df: pd.DataFrame) -> int:
    _dup(df)
    return 20


def _night(df: pd.DataFrame) -> int:
    i = _row(df, "served")
    for c in ("ticket_time", "call_time", "service_start", "service_end"):
        df.loc[i, c] = (
            df.loc[i, c].normalize()
            + (df.loc[i, c] - df.loc[i, "ticket_time"])
            + pd.Timedelta(hours=20)
        )
    return i


def _time_fault(kind: str, text: str) -> Callable[[pd.DataFrame], int]:
    def corrupt(df: pd.DataFrame) -> int:
        i = _row(df, "served")
        df.loc[i, "ticket_time"] = pd.NaT
        df.loc[i, "parse_errors"] = "ticket_time"
        df.loc[i, "time_faults"] = f"ticket_time:{kind}={text}"
        return i

    return corrupt


def _reused(df: pd.DataFrame) -> int:
    _dup(df)
    for c in ("ticket_time", "call_time", "service_start", "service_end"):
        df.loc[20, c] = df.loc[20, c] + pd.Timedelta(minutes=1)
    return 20


CLOSED_OFFSET_DAYS = 7  # a weekday after the 300 base rows, given as a closed day


def _closed_date(df: pd.DataFrame) -> pd.Timestamp:
    return df["ticket_time"].min().normalize() + pd.Timedelta(days=CLOSED_OFFSET_DAYS)


def _on_closed_day(df: pd.DataFrame) -> int:
    i = _row(df, "served")
    shift = _closed_date(df) - df.loc[i, "ticket_time"].normalize()
    for c in ("ticket_time", "call_time", "service_start", "service_end"):
        df.loc[i, c] = df.loc[i, c] + shift
    return i


CASES: dict[str, Callable[[pd.DataFrame], int]] = {
    "missing_field": _set("item_id", pd.NA),
    "truncated_time": _time_fault("truncated", "2019-02-1"),
    "ambiguous_time": _time_fault("ambiguous", "04/03/2019 09:15"),
    "unparseable_time": _unparseable,
    "invalid_outcome": _set("outcome", "finished"),
    "missing_time": _set("service_end", pd.NaT),
    "invalid_origin": _set("origin", "mars"),
    "duplicate_ticket_id": _dup_row,
    "ticket_id_reused": _reused,
    "unknown_item": _set("item_id", "NOT-IN-CATALOGUE"),
    "closed_day": _on_closed_day,
    "outside_opening_hours": _night,
    "call_before_ticket": _shift("call_time", "ticket_time", -5),
    "start_before_call": _shift("service_start", "call_time", -2),
    "end_before_start": _shift("service_end", "service_start", -1),
    "leave_before_ticket": _shift("leave_time", "ticket_time", -3, outcome="abandoned"),
    "implausible_duration": _shift("service_end", "service_start", 300),
}


def test_every_reason_has_a_case() -> None:
    assert set(CASES) == set(REASONS)


@pytest.mark.parametrize("reason", list(REASONS))
def test_each_exclusion_reason(year_log: pd.DataFrame, params: cs.SynthParams, reason: str) -> None:
    df = _base(year_log)
    closed = [_closed_date(df)]
    i = CASES[reason](df)
    res = clean_ticket_log(
        df, cs.catalogue(params), cs.OPENING_HOURS, holidays=params.holidays, closed_days=closed
    )
    assert len(res.excluded) == 1
    assert res.excluded["reason"].tolist() == [reason]
    assert res.excluded["source_row"].tolist() == [int(df.loc[i, "source_row"])]
    assert res.n_usable == 299
    assert res.counts()["count"].tolist() == [1]
    assert reason in res.report()
    assert f"row {int(df.loc[i, 'source_row'])}" in res.report()


def test_missing_ticket_time_and_no_show_without_call(
    year_log: pd.DataFrame, params: cs.SynthParams
) -> None:
    df = _base(year_log)
    df.loc[3, "ticket_time"] = pd.NaT
    df.loc[4, "outcome"] = "no_show"
    df.loc[4, ["call_time", "service_start", "service_end"]] = pd.NaT
    df.loc[5, "outcome"] = "no_show"  # called, nobody came: kept
    df.loc[5, ["service_start", "service_end"]] = pd.NaT
    res = clean_ticket_log(df, cs.catalogue(params))
    assert res.excluded["source_row"].tolist() == [4, 5]
    assert set(res.excluded["reason"]) == {"missing_time"}
    assert "no_show" in set(res.data["outcome"])


def test_first_failing_rule_wins_and_nothing_dropped(
    year_log: pd.DataFrame, params: cs.SynthParams
) -> None:
    df = _base(year_log)
    CASES["end_before_start"](df)
    _dup(df)
    df.loc[50, "item_id"] = "NOT-IN-CATALOGUE"
    df.loc[50, "service_end"] = df.loc[50, "service_start"] - pd.Timedelta(minutes=1)
    res = clean_ticket_log(df, cs.catalogue(params), cs.OPENING_HOURS, holidays=params.holidays)
    assert res.n_usable + len(res.excluded) == len(df)
    assert set(res.data["source_row"]).isdisjoint(res.excluded["source_row"])
    assert res.excluded.set_index("source_row").loc[51, "reason"] == "unknown_item"
    assert res.counts()["count"].sum() == len(res.excluded)
    # derived columns of usable rows
    served = res.data[res.data["outcome"] == "served"]
    assert (served["service_min"] > 0).all() and (served["wait_min"] >= 0).all()
    ab = res.data[res.data["outcome"] == "abandoned"]
    assert ab["leave_min"].notna().all() and ab["service_min"].isna().all()


def test_duplicate_keeps_first(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    df = _base(year_log)
    _dup(df)
    res = clean_ticket_log(df, cs.catalogue(params))
    assert res.excluded["source_row"].tolist() == [21]
    assert 11 in set(res.data["source_row"])


def test_grace_minutes(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    df = _base(year_log)
    i = _row(df, "served")
    df.loc[i, "ticket_time"] = df.loc[i, "ticket_time"].normalize() + pd.Timedelta(
        hours=8, minutes=25
    )
    df.loc[i, "call_time"] = df.loc[i, "ticket_time"] + pd.Timedelta(minutes=1)
    df.loc[i, "service_start"] = df.loc[i, "call_time"]
    df.loc[i, "service_end"] = df.loc[i, "call_time"] + pd.Timedelta(minutes=5)
    kw = {"holidays": params.holidays}
    strict = clean_ticket_log(df, cs.catalogue(params), cs.OPENING_HOURS, **kw)
    assert strict.excluded["reason"].tolist() == ["outside_opening_hours"]
    # the first days are a Sunday and a holiday: doors open at 09:00
    lenient = clean_ticket_log(df, cs.catalogue(params), cs.OPENING_HOURS, grace_minutes=40, **kw)
    assert len(lenient.excluded) == 0


def test_min_usable_count_and_share(year_log: pd.DataFrame, params: cs.SynthParams) -> None:
    df = _base(year_log)
    df.loc[:199, "item_id"] = "NOT-IN-CATALOGUE"  # 200 of 300 excluded
    msg = r"(?s)only 100 of 300 rows usable.*unknown_item: 200"
    with pytest.raises(InsufficientDataError, match=msg):
        clean_ticket_log(df, cs.catalogue(params))  # default share 0.5
    assert clean_ticket_log(df, cs.catalogue(params), min_usable=0.3).n_usable == 100
    assert clean_ticket_log(df, cs.catalogue(params), min_usable=100).n_usable == 100
    with pytest.raises(InsufficientDataError, match="min_usable=101"):
        clean_ticket_log(df, cs.catalogue(params), min_usable=101)


def test_nothing_usable(tmp_path: Path, params: cs.SynthParams) -> None:
    p = tmp_path / "dead.csv"
    p.write_text(
        "centre_id,ticket_id,item_id,ticket_time,call_time,service_start,service_end,"
        "window_id,staff_id,outcome\n"
        "C1,A1,Q1,yesterday,,,,,,abandoned\nC1,A2,ZZ,2023-01-03T09:00,,,,,,abandoned\n",
        encoding="utf-8",
    )
    with pytest.raises(InsufficientDataError, match=r"dead\.csv: nothing usable") as e:
        clean_ticket_log(read_ticket_log(p), cs.catalogue(params), min_usable=0)
    assert "unparseable_time: 1" in str(e.value) and "unknown_item: 1" in str(e.value)
    header_only = tmp_path / "header.csv"
    header_only.write_text(p.read_text().splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InsufficientDataError, match="nothing usable"):
        clean_ticket_log(read_ticket_log(header_only), cs.catalogue(params))
