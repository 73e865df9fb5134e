"""Plain names for options, targets and tolerances (no config codes in statements)."""

from __future__ import annotations

from simulator.present import names


def test_option_codes_in_words() -> None:
    assert names.option_text("C5+Q0 L50 tiered", ["comprehensive", "quick_desk"]) == (
        "5 comprehensive windows, no quick desk, half open at lunch, tiered staff"
    )
    assert names.option_text("C1+Q2 L100 keep") == (
        "1 comprehensive window, 2 quick desks, all open at lunch, current staff"
    )
    assert names.option_text("C5+Q0") == "5 comprehensive windows, no quick desk"
    assert names.option_text("recommended plan") == "recommended plan"  # left as it is
    assert "综合窗口" in names.option_text("C5+Q0 L50", lang="zh")


def test_targets_and_tolerances_in_words() -> None:
    assert names.target_text("day service_level >= 0.9", 20) == (
        "at least 90% of arrivals served within 20 min over the day"
    )
    assert names.target_text("hour service_level >= 0.8", 15) == (
        "at least 80% of arrivals served within 15 min in every hour"
    )
    assert names.target_text("day wait_mean_min <= 10") == "mean wait at most 10 min over the day"
    assert names.target_text("something else") == "something else"
    assert names.tolerance_text("service_level", 0.01) == (
        "share of arrivals served within 20 min, ±1 point"
    )
    assert names.tolerance_text("wait_mean_min", 0.5) == "mean wait, ±0.5 min"
    assert names.tolerance_text("service_level", 0.01, 20, "zh") == (
        "20分钟内获服务的到访居民比例±1个百分点"
    )
    assert "±0.5分钟" in names.tolerance_text("wait_mean_min", 0.5, lang="zh")


def test_layout_from_config() -> None:
    cfg = {"layout": {"windows": {"comprehensive": {"count": 4}, "quick_desk": {"count": 1},
                                  "yrd": {"count": 1}}}}  # fmt: skip
    assert names.layout_text(cfg) == (
        "4 comprehensive windows, 1 quick desk and 1 cross-province window"
    )
    assert names.layout_text({}) is None


def test_older_hourly_tables_get_opening_hours_from_the_config() -> None:
    """Run folders written before the within-hours columns existed: slots starting at or
    after the day type's closing time become overtime, so charts never peak there."""
    import pandas as pd

    from simulator.present.readers import with_opening_hours

    hourly = pd.DataFrame(
        {
            "day_type": ["weekday", "weekday", "weekend", "holiday"],
            "hour": [16, 17, 11, 12],
            "busy_min": [200.0, 30.0, 50.0, 20.0],
            "open_min": [300.0, 30.0, 60.0, 20.0],
        }
    )
    cfg = {"calendar": {"hours": {"weekday": {"open": "08:30", "close": "17:00"},
                                  "weekend": {"open": "09:00", "close": "12:00"}}}}  # fmt: skip
    out = with_opening_hours(hourly, cfg)
    assert out["open_in_hours_min"].tolist() == [300.0, 0.0, 60.0, 20.0]  # no holiday hours
    assert out["overtime_window_min"].tolist() == [0.0, 30.0, 0.0, 0.0]
    assert out["busy_in_hours_min"].tolist() == [200.0, 0.0, 50.0, 20.0]
    assert with_opening_hours(out, cfg) is out and with_opening_hours(hourly, {}) is hourly


def test_calibrated_groups_read_by_their_kind_and_families() -> None:
    """Calibrated layouts name groups after the families they serve
    (``dedicated_consultation_quick``): the option reads the group's config, not its key."""
    windows = {
        "comprehensive": {"kind": "comprehensive", "count": 4},
        "dedicated_consultation_quick_standard": {
            "kind": "dedicated",
            "families": ["consultation", "quick_standard"],
        },
        "dedicated_consultation_quick": {
            "kind": "dedicated",
            "families": ["consultation", "quick"],
        },
    }
    code = "C4+dedicated_consultation_quick_standard1+dedicated_consultation_quick0 L50 all_round"
    text = names.option_text(code, windows)
    assert text == (
        "4 comprehensive windows, 1 dedicated consultation/quick standard window, "
        "no dedicated consultation/quick window, half open at lunch, all-round staff"
    )
    assert "_" not in text
    zh = names.option_text(code, windows, lang="zh")
    assert "1个consultation/quick standard专办窗口" in zh and "_" not in zh


def test_indifference_zone_and_retraining_in_words() -> None:
    assert names.zone_text("service_level", 0.01, 20) == (
        "1 percentage point of the share of arrivals served within 20 min"
    )
    assert names.zone_text("wait_mean_min", 0.5) == "0.5 min of the mean wait"
    assert names.retraining_text("keep") == ""
    assert "retraining" in names.retraining_text("all_round")
    assert "new staff included" in names.retraining_text("all_round")
    assert "培训" in names.retraining_text("all_round", "zh")
    assert "retrained" in names.retraining_text("tiered", short=True)


def test_verdicts_in_words() -> None:
    assert names.verdict_text("yes") == "yes"
    assert names.verdict_text("within tolerance", "zh") == "在容差内"
    assert names.verdict_text("no: service_level weekday 10:00, service_level weekday 11:00") == (
        "no (missed in weekday 10:00, weekday 11:00)"
    )
    mixed = names.verdict_text("no: service_level weekday 10:00, wait_mean_min weekend 09:00")
    assert "_" not in mixed and "mean wait weekend 09:00" in mixed
    assert names.verdict_text("no") == "no"


def test_missed_targets_in_words() -> None:
    text = names.missed_text(
        "day service_level >= 0.9, day abandonment_rate <= 0.02, "
        "service_level weekday 10:00, service_level weekday 11:00"
    )
    assert text == (
        "at least 90% of arrivals served within 20 min over the day; abandonment rate at "
        "most 2% over the day; missed in weekday 10:00, weekday 11:00"
    )
    assert "_" not in names.missed_text("day wait_mean_min <= 10", "zh")


def test_missed_hours_name_the_day_type_in_chinese() -> None:
    zh = names.verdict_text("no: service_level weekday 10:00, service_level weekend 11:00", "zh")
    assert zh == "否（未达标时段：工作日 10:00、周末 11:00）"
    # hours past midnight of a day longer than 24 h: counted from the opening day
    assert names.missed_text("service_level weekday 09:00, service_level weekday 49:00") == (
        "missed in weekday day 1 09:00, weekday day 3 01:00"
    )
    assert names.missed_text("service_level weekday 22:00, service_level weekday 25:00", "zh") == (
        "未达标时段：工作日 22:00、工作日 次日01:00"
    )


def test_staffing_plan_times_in_words() -> None:
    # a block past midnight (the recommender writes "day N HH:MM" then)
    night = ["day 1 22:00", "day 2 02:00"]
    assert names.plan_days(night) == 2 and names.plan_days(["08:30", "17:00"]) == 1
    assert [names.plan_time(x, "en", 2) for x in night] == ["22:00", "02:00 next day"]
    assert [names.plan_time(x, "zh", 2) for x in night] == ["22:00", "次日02:00"]
    # a plan over a week of continuous opening
    week = ["day 1 00:00", "day 7 24:00"]
    assert names.plan_days(week) == 7
    assert [names.plan_time(x, "en", 7) for x in week] == ["day 1 00:00", "day 7 24:00"]
    assert [names.plan_time(x, "zh", 7) for x in week] == ["第1天 00:00", "第7天 24:00"]
    assert names.plan_time("08:30", "zh") == "08:30"
    assert names.day_hour_text("weekend", 30, "zh", names.hour_days([0, 30])) == "周末 次日06:00"
    assert names.day_hour_text("weekday", 9, "en") == "weekday 09:00"
