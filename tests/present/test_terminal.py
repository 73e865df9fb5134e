"""Terminal summaries: catalogue names, no NaN intervals, clipped bounds marked."""

from __future__ import annotations

import math

import pandas as pd

from simulator.present.terminal import summary_lines

NAN = math.nan


def _summary(rows: dict[str, tuple[float, float, float, int]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index", columns=["mean", "ci_low", "ci_high", "n"])


def test_one_replication_and_unmeasured_kpis() -> None:
    s = _summary({"wait_mean_min": (6.4, NAN, NAN, 1), "queue_max": (NAN, NAN, NAN, 0)})
    lines = summary_lines(s, ["wait_mean_min", "queue_max", "not_there"])
    assert len(lines) == 1
    assert "Mean wait" in lines[0] and "6.4 min" in lines[0]
    assert "one replication: no interval" in lines[0] and "nan" not in lines[0].lower()


def test_clipped_bounds_are_marked_and_explained() -> None:
    s = _summary({"wait_p50_min": (0.4, -0.085, 0.9, 3), "service_level": (0.97, 0.93, 1.02, 3)})
    lines = summary_lines(s, ["wait_p50_min", "service_level"], target_wait_min=20)
    assert "95% CI 0 min* to 0.9 min" in lines[0]
    assert "Served within target, share of arrivals (20 min)" in lines[1]
    assert "to 100%*" in lines[1] and "-" not in lines[0].split("(")[1]
    assert lines[-1].strip().startswith("* clipped at the natural bound")


def test_a_value_equal_in_every_replication_has_no_interval() -> None:
    s = _summary({"one_visit_rate": (0.92, 0.92, 0.92, 5)})
    (line,) = summary_lines(s, ["one_visit_rate"])
    assert "same in every replication" in line and "92%" in line


def test_target_lines_in_words_without_nan() -> None:
    from simulator.present.terminal import target_lines

    kpis = pd.DataFrame(
        {
            "target": [
                "day service_level >= 0.9",
                "",
                "hour service_level >= 0.8; hour wait_mean_min <= 15",
            ],
            "meets": ["yes", "", float("nan")],
        },
        index=["service_level", "wait_p90_min", "hourly targets"],
    )
    lines = target_lines(kpis, target_wait_min=20)
    assert lines == [
        "  at least 90% of arrivals served within 20 min over the day: yes",
        "  at least 80% of arrivals served within 20 min in every hour; "
        "mean wait at most 15 min in every hour: not judged",
    ]
    assert not any("nan" in line.lower() or "_" in line for line in lines)


def test_plan_table_headers_in_words() -> None:
    from simulator.present.terminal import plan_table

    plan = pd.DataFrame(
        {
            "day_type": ["weekday"],
            "start": ["08:30"],
            "end": ["12:00"],
            "open_comprehensive": [4],
            "open_dedicated_consultation_quick": [1],
            "staff_on_duty": [5],
            "staff": ["all_round: 5"],
        }
    )
    windows = {"dedicated_consultation_quick": {"kind": "dedicated", "families": ["a", "b"]}}
    cols = list(plan_table(plan, windows).columns)
    assert cols == [
        "day type", "from", "to", "comprehensive windows", "dedicated a/b windows",
        "staff on duty", "staff by role",
    ]  # fmt: skip
