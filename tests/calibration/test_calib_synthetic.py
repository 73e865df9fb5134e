"""The synthetic history's realism: each feature is in the files as the truth says."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from calibration.backtest import CASES
from calibration.synthetic import PRESETS, generate_history, synthetic_history

START, END = "2025-03-03", "2025-04-30"  # Qingming 4-6 April: closed holidays
TIMES = ["ticket_time", "call_time", "service_start", "service_end"]


def _read(path: Path) -> pd.DataFrame:
    cols = pd.read_csv(path, nrows=0).columns
    times = [c for c in (*TIMES, "leave_time", "xp_sent_time", "xp_reply_time") if c in cols]
    return pd.read_csv(
        path,
        parse_dates=times,
        dtype={"origin": str},
        keep_default_na=False,
        na_values={c: [""] for c in times},
    )


@pytest.fixture(scope="module")
def quiet(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("quiet")
    return synthetic_history(folder, "quiet", start=START, end=END, seed=8, adhoc_closures=12)


def test_no_shows_and_walking_time_as_configured(quiet) -> None:  # type: ignore[no-untyped-def]
    truth = quiet.truth["SYN-01"]
    assert truth["centre"]["walk_time"] == {"dist": "lognormal", "mean": 0.75, "cv": 0.5}
    p = truth["centre"]["no_show"]["probability"]
    log = _read(quiet.tickets)
    facts = truth["synthetic"]
    closed = set(facts["closed_holidays"] + facts["closed_adhoc"])
    log = log[~log["ticket_time"].dt.strftime("%Y-%m-%d").isin(closed)]  # no stray rows
    called = log[log["outcome"].isin(["served", "no_show"])]
    shows = called["outcome"] == "no_show"
    n = len(called)
    assert abs(shows.mean() - p) < 4 * math.sqrt(p * (1 - p) / n), (shows.mean(), n)
    ns = called[shows]
    assert ns["service_start"].isna().all() and ns["call_time"].notna().all()
    assert (ns["window_id"] != "").all()
    # The ticket is closed after the window's hold (lognormal mean 1.5 min, CV 0.3).
    hold = (ns["service_end"] - ns["call_time"]).dt.total_seconds() / 60
    assert abs(hold.mean() - 1.5) < 4 * 0.45 / math.sqrt(len(hold)) + 1 / 60
    served = called[~shows]
    walk = (served["service_start"] - served["call_time"]).dt.total_seconds() / 60
    assert (walk >= 0).all()
    sd = 0.75 * 0.5
    assert abs(walk.mean() - 0.75) < 4 * sd / math.sqrt(len(walk)) + 1 / 60


def test_closures_have_stray_rows_and_no_staffing(quiet) -> None:  # type: ignore[no-untyped-def]
    facts = quiet.truth["SYN-01"]["synthetic"]
    assert facts["closed_holidays"] == ["2025-04-04", "2025-04-05", "2025-04-06"]
    assert len(facts["closed_adhoc"]) == 2  # 12 a year over 59 days
    assert quiet.truth["SYN-01"]["demand"]["holiday_factor"] == 0.0
    log = _read(quiet.tickets)
    per_day = log["ticket_time"].dt.strftime("%Y-%m-%d").value_counts()
    closed = facts["closed_holidays"] + facts["closed_adhoc"]
    assert per_day.reindex(closed).between(1, 3).all()
    assert per_day.reindex(closed).sum() == facts["stray_rows"]
    open_days = per_day.drop(closed)
    assert open_days.min() > 20  # every open day has real demand
    staffing = pd.read_csv(quiet.staffing)
    assert not staffing["date"].isin(closed).any()


def test_absent_staff_close_a_window(quiet) -> None:  # type: ignore[no-untyped-def]
    facts = quiet.truth["SYN-01"]["synthetic"]
    absent = facts["absence_dates"]
    assert len(absent) >= 2
    staffing = pd.read_csv(quiet.staffing)
    weekday = staffing[pd.to_datetime(staffing["date"]).dt.day_of_week < 5]
    first = weekday[weekday["start"] == "08:30"].set_index("date")["windows_open"]
    assert (first.loc[absent] == 4).all()
    normal = first.drop(absent)
    assert (normal == 5).mean() > 0.9  # adjusted working days aside
    log = _read(quiet.tickets)
    on_absent = log["ticket_time"].dt.strftime("%Y-%m-%d").isin(absent)
    assert "C4" not in set(log.loc[on_absent, "window_id"])
    assert "C4" in set(log.loc[~on_absent, "window_id"])


def test_truth_is_a_valid_scenario(quiet) -> None:  # type: ignore[no-untyped-def]
    from simulator.config.scenario import scenario_from_config

    scn = scenario_from_config(quiet.scenario_config("SYN-01"), source="truth")
    assert scn.calling.no_show_probability == 0.03 and scn.calling.walk is not None
    assert scn.demand.holiday_factor == 0.0
    assert scn.experiment.seed == quiet.truth["SYN-01"]["seed"]


def test_staff_speed_differs_by_level(quiet) -> None:  # type: ignore[no-untyped-def]
    skills = pd.read_csv(quiet.skills)
    levels = skills.groupby("staff_id")["level"].agg(set)
    assert levels["SYN-01/senior-1"] == {"expert"}
    assert "novice" in levels["SYN-01/new_staff-1"]
    mult = quiet.truth["SYN-01"]["staffing"]["skill_multipliers"]
    assert mult["expert"] < mult["proficient"] < mult["novice"]


def test_busy_preset_reaches_high_peak_utilisation(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path, "busy", start=START, end=END, seed=9)
    assert h.truth["SYN-01"]["synthetic"]["peak_utilisation"] >= 0.85


def test_cross_province_round_trips(tmp_path: Path) -> None:
    h = synthetic_history(tmp_path, "cross_province", start=START, end=END, seed=10)
    log = _read(h.tickets)
    assert set(log["origin"]) - {""} <= {"shanghai", "jiangsu", "zhejiang", "anhui"}
    assert (log["origin"] == "shanghai").mean() > 0.8
    trips = log[log["xp_sent_time"].notna()]
    assert len(trips) > 10
    assert (trips["origin"] != "shanghai").all() and (trips["outcome"] == "served").all()
    assert (trips["xp_sent_time"] >= trips["service_start"]).all()
    done = trips[trips["xp_reply_time"].notna()]
    assert (done["xp_reply_time"] >= done["xp_sent_time"]).all()
    assert (done["service_end"] == done["xp_reply_time"]).all()  # the window held until the reply


def test_plain_generator_unchanged_without_realism(tmp_path: Path) -> None:
    h = generate_history(tmp_path, start="2025-03-03", end="2025-03-16", seed=5)
    log = _read(h.tickets)
    assert list(log.columns) == [
        "centre_id",
        "ticket_id",
        "item_id",
        *TIMES,
        "window_id",
        "staff_id",
        "outcome",
        "origin",
        "leave_time",
        "synthetic",
    ]
    assert set(log["outcome"]) <= {"served", "abandoned"}
    s = log[log["outcome"] == "served"]
    assert (s["call_time"] == s["service_start"]).all()
    facts = h.truth["SYN-01"]["synthetic"]
    assert facts["closed_adhoc"] == [] and facts["absence_dates"] == []
    assert h.truth["SYN-01"]["centre"]["walk_time"] is None


def test_same_seed_same_files_and_bad_arguments(tmp_path: Path) -> None:
    a = synthetic_history(tmp_path / "a", "dirty", start="2025-03-03", end="2025-03-16", seed=2)
    b = synthetic_history(tmp_path / "b", "dirty", start="2025-03-03", end="2025-03-16", seed=2)
    assert a.tickets.read_bytes() == b.tickets.read_bytes()
    assert a.staffing.read_bytes() == b.staffing.read_bytes()
    with pytest.raises(ValueError, match="unknown preset"):
        synthetic_history(tmp_path / "c", "nope")
    with pytest.raises(ValueError, match="unknown Realism field"):
        synthetic_history(tmp_path / "c", "quiet", walk=1)
    assert set(CASES) <= set(PRESETS)  # every back-test case is a preset
    assert np.isfinite(a.truth["SYN-01"]["synthetic"]["peak_utilisation"])


def test_partial_leave_times(tmp_path: Path) -> None:
    h = synthetic_history(
        tmp_path, "busy", start="2025-03-03", end="2025-03-30", seed=12, leave_time_share=0.5
    )
    log = _read(h.tickets)
    ab = log[log["outcome"] == "abandoned"]
    dropped = h.truth["SYN-01"]["synthetic"]["leave_times_dropped"]
    assert dropped > 0 and ab["leave_time"].notna().sum() > 0
    # Each recorded leave time is kept with probability 0.5: a binomial count.
    known_before = ab["leave_time"].notna().sum() + dropped
    assert abs(dropped - 0.5 * known_before) < 4 * math.sqrt(0.25 * known_before)
