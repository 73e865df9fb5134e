"""The recommender: config errors, statistics, Erlang C agreement on M/M/c, probability
of correct selection, resume after an interruption, the scenario YAML round trip."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from simulator import load_scenario, simulate
from simulator.analysis.analytic import min_servers_erlang_c, mmc_metrics
from simulator.errors import ConfigError
from simulator.optimise.config import parse_cost, parse_space, parse_targets
from simulator.optimise.outputs import _plan_table, _time_label
from simulator.optimise.recommend import Recommendation, recommend
from simulator.optimise.stats import (
    FEASIBLE,
    INFEASIBLE,
    feasibility,
    h2_feasibility,
    h2_kim_nelson,
    kn_survivors,
)
from tests.conftest import killed_and_resumed, mmc_recommend_command

# --------------------------------------------------------------------------- helpers

SMALL_REF_SPACE = {
    "windows": {"comprehensive": [4, 5], "quick_desk": [0, 1]},
    "lunch_open_share": [0.5],
    "skill_mix": ["keep"],
}
SMALL_PROC = {
    "procedure": {
        "n0": 5,
        "batch": 5,
        "n_max": 30,
        "runner_ups": 1,
        "isa": {"enabled": True, "replications": 8, "max_iterations": 6, "trim": True},
        "final_replications": 8,
    },
    "robustness": {"volume_growth": [0.1], "online_shift": [0.1]},
}


def small_recommend(out: Path, executor: Any = None, **kw: Any) -> Recommendation:
    """A small reference-centre recommendation (4 options, hour-by-hour ISA on)."""
    return recommend(
        "reference",
        out_dir=out,
        executor=executor,
        space=SMALL_REF_SPACE,
        procedure=SMALL_PROC,
        charts=kw.pop("charts", False),
        **kw,
    )


def mmc_case(rate_per_hour: float, counts: list[int]) -> tuple[Any, dict[str, Any]]:
    scn = load_scenario(
        "validation/mmc",
        overrides=[
            f"demand.arrival_rate_per_hour={rate_per_hour}",
            "calendar.hours.weekday.close=1440",
            "calendar.hours.weekend.close=1440",
            "calendar.hours.holiday.close=1440",
            "warmup_min=120",
        ],
    )
    return scn, {"windows": {"main": counts}, "skill_mix": ["keep"]}


MMC_TARGETS = {"confidence": 0.95, "day": {"service_level": {"min": 0.8, "tolerance": 0.01}}}
MMC_TARGET_WAIT = 5.0  # minutes, validation/mmc's target_wait_min is 20: override below
MMC_PROC = {
    "procedure": {
        "n0": 10,
        "batch": 10,
        "n_max": 60,
        "runner_ups": 0,
        "isa": {"enabled": False},
        "final_replications": 5,
    },
    "robustness": {"volume_growth": [], "online_shift": []},
}
MMC_COST = {
    "staff_per_hour": {"novice": 50, "proficient": 60, "expert": 80},
    "training_per_skill": 0,
    "training_amortisation_days": 250,
    "window_per_day": 100,
}


def mmc_recommend(
    rate: float, counts: list[int], seed: int, out: Path | None = None, **kw: Any
) -> Recommendation:
    scn, space = mmc_case(rate, counts)
    scn = load_scenario(
        "validation/mmc",
        overrides=[
            f"demand.arrival_rate_per_hour={rate}",
            "calendar.hours.weekday.close=1440",
            "calendar.hours.weekend.close=1440",
            "calendar.hours.holiday.close=1440",
            "warmup_min=120",
            f"target_wait_min={MMC_TARGET_WAIT}",
        ],
    )
    return recommend(
        scn,
        out_dir=out,
        space=space,
        targets=MMC_TARGETS,
        cost=MMC_COST,
        procedure=MMC_PROC,
        seed=seed,
        charts=False,
        **kw,
    )


def test_command_function_gives_the_api_answer(tmp_path: Path) -> None:
    """svcsim-recommend's plain function (a composed config with the recommender's groups,
    the scenario's ``seed`` and the command's keys) recommends exactly what the API does
    with the same inputs and ``seed=``."""
    from simulator.cli.recommend import run_from_config
    from simulator.config.compose import compose_config

    _, space = mmc_case(60.0, [8, 9, 10, 11])
    cfg = compose_config(
        "validation/mmc",
        [
            "demand.arrival_rate_per_hour=60.0",
            "calendar.hours.weekday.close=1440",
            "calendar.hours.weekend.close=1440",
            "calendar.hours.holiday.close=1440",
            "warmup_min=120",
            f"target_wait_min={MMC_TARGET_WAIT}",
            "seed=7",
        ],
    )
    cfg.update(
        recommend={"space": space, **MMC_PROC},
        targets=MMC_TARGETS,
        cost=MMC_COST,
        out=str(tmp_path / "cli"),
        charts=False,
    )
    rec, out = run_from_config(cfg)
    api = mmc_recommend(60.0, [8, 9, 10, 11], seed=7)
    assert out == tmp_path / "cli" and (out / "recommendation.json").exists()
    assert rec.stats["seed"] == api.stats["seed"] == 7
    assert rec.layout == api.layout and rec.option == api.option
    pd.testing.assert_frame_equal(rec.options, api.options)
    pd.testing.assert_frame_equal(rec.kpis, api.kpis)


# --------------------------------------------------------------------------- config errors


def test_config_errors_name_the_keys() -> None:
    with pytest.raises(ConfigError) as e:
        parse_targets(
            {
                "confidence": 1.5,
                "day": {
                    "service_levle": {"min": 0.9, "tolerance": 0.01},
                    "wait_mean_min": {"max": 10},
                },
            }
        )
    text = str(e.value)
    assert "targets.confidence" in text
    assert "targets.day.service_levle: unknown KPI" in text
    assert "targets.day.wait_mean_min.tolerance: missing" in text
    with pytest.raises(ConfigError, match=r"cost\.window_per_day: missing"):
        parse_cost(
            {
                "staff_per_hour": {"novice": 1, "proficient": 2, "expert": 3},
                "training_per_skill": 0,
                "training_amortisation_days": 10,
            }
        )
    with pytest.raises(ConfigError, match=r"recommend\.space\.windows\.foo: unknown window group"):
        parse_space({"space": {"windows": {"foo": [1]}}}, ["comprehensive"], ["quick"])
    with pytest.raises(ConfigError, match=r"recommend\.space\.skill_mix\[0\]: unknown skill mix"):
        parse_space(
            {"space": {"windows": {"comprehensive": [1]}, "skill_mix": ["nope"]}},
            ["comprehensive"],
            ["quick"],
        )


def test_reference_carries_cost_and_targets_groups() -> None:
    scn = load_scenario("reference")
    assert parse_cost(scn.config["cost"]).window_per_day > 0
    t = parse_targets(scn.config["targets"])
    assert t.primary().kpi == "service_level" and t.confidence == 0.95


# --------------------------------------------------------------------------- statistics


def test_sequential_feasibility_decides_clear_cases() -> None:
    rng = np.random.default_rng(1)
    h2 = h2_feasibility(10, 0.01)
    good = 0.95 + 0.05 * rng.standard_normal(200)
    bad = 0.85 + 0.05 * rng.standard_normal(200)
    assert feasibility(good, 0.9, 0.01, h2, 10, 200)[0] == FEASIBLE
    assert feasibility(bad, 0.9, 0.01, h2, 10, 200)[0] == INFEASIBLE
    assert feasibility(good[:5], 0.9, 0.01, h2, 10, 200)[0] is None  # before n0
    # A mean on the target runs to the cap and is decided by the sample mean.
    edge = 0.9 + 0.05 * rng.standard_normal(40)
    d, truncated = feasibility(edge, 0.9, 0.01, h2, 10, 40)
    assert truncated and d in (FEASIBLE, INFEASIBLE)


def test_kim_nelson_selects_the_best_with_stated_probability() -> None:
    """Three normal systems, the best 2 delta above the others, CRN-like correlation:
    correct selections over 60 runs are not significantly below 95% (binomial test)."""
    n0, delta, alpha, k = 10, 0.01, 0.05, 3
    h2 = h2_kim_nelson(n0, alpha, k)
    correct = 0
    runs = 60
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        common = 0.04 * rng.standard_normal((300, 1))
        x = np.array([0.90, 0.90, 0.92]) + common + 0.02 * rng.standard_normal((300, 3))
        alive = np.ones(k, dtype=bool)
        n = n0
        while True:
            alive = kn_survivors(x[:n], alive, h2, delta, n0)
            if alive.sum() == 1 or n >= 300:
                break
            n += 5
        best = int(np.flatnonzero(alive)[np.argmax(x[:n].mean(axis=0)[alive])])
        correct += best == 2
    assert stats.binom.cdf(correct, runs, 1 - alpha) > 0.01, correct


# --------------------------------------------------------------------------- proofs


@pytest.mark.slow
@pytest.mark.parametrize(("rate", "c_star"), [(30.0, 6), (60.0, 10), (90.0, 14)])
def test_mmc_recommendation_equals_erlang_c(rate: float, c_star: int) -> None:
    lam = rate / 60.0
    assert min_servers_erlang_c(lam, 8.0, service_level=0.8, target_wait=MMC_TARGET_WAIT) == c_star
    # the target is clearly inside (c*) and clearly outside (c* - 1) the tolerance
    assert mmc_metrics(lam, 8.0, c_star).service_level(MMC_TARGET_WAIT) > 0.85
    assert mmc_metrics(lam, 8.0, c_star - 1).service_level(MMC_TARGET_WAIT) < 0.75
    rec = mmc_recommend(rate, [c_star - 2, c_star - 1, c_star, c_star + 1], seed=3)
    assert rec.layout == {"main": c_star}
    assert rec.meets_targets
    opts = rec.options.set_index("option")
    assert opts.loc[f"M{c_star - 1}", "decision"] in ("infeasible", "screened out")


@pytest.mark.slow
def test_known_best_is_picked_with_stated_probability() -> None:
    """Layouts of 6-9 windows at 45 residents/h, target P(W <= 5 min) >= 0.8: 8 windows
    dominate (cheapest option clearly meeting it: Erlang C 0.90 against 0.67 for 7).
    Over independent seed ranges, the share of correct picks must not be significantly
    below the stated 95% (one-sided binomial test at the 1% level)."""
    lam = 45 / 60
    sl = {c: mmc_metrics(lam, 8.0, c).service_level(MMC_TARGET_WAIT) for c in (7, 8, 9)}
    assert sl[7] < 0.75 and sl[8] > 0.85  # 8 windows dominate: cheapest clearly feasible
    runs = 12
    correct = sum(
        mmc_recommend(45.0, [6, 7, 8, 9], seed=500 + s).layout == {"main": 8} for s in range(runs)
    )
    assert stats.binom.cdf(correct, runs, 0.95) > 0.01, f"{correct}/{runs} correct"


@pytest.mark.slow
def test_interrupted_recommendation_resumes_without_rework(tmp_path: Path) -> None:
    full = mmc_recommend(60.0, [8, 9, 10, 11], seed=7, out=tmp_path / "full")
    total = full.stats["evaluations_run"]

    class Stop(Exception):
        pass

    seen = []

    def stop_after(info: dict[str, Any]) -> None:
        seen.append(info)
        if len(seen) >= 25:
            raise Stop

    with pytest.raises(Stop):
        mmc_recommend(60.0, [8, 9, 10, 11], seed=7, out=tmp_path / "cut", on_evaluation=stop_after)
    lines = (tmp_path / "cut" / "evaluations.jsonl").read_text().splitlines()
    assert len(lines) == 25
    again = mmc_recommend(60.0, [8, 9, 10, 11], seed=7, out=tmp_path / "cut")
    assert again.stats["evaluations_reused"] == 25
    assert again.stats["evaluations_run"] == total - 25  # nothing finished is redone
    assert again.layout == full.layout
    pd.testing.assert_frame_equal(again.options, full.options)
    pd.testing.assert_frame_equal(again.kpis, full.kpis)


@pytest.mark.slow
def test_cli_killed_by_signal_then_rerun_gives_same_answer(tmp_path: Path) -> None:
    args = mmc_recommend_command(
        [8, 9, 10, 11, 12],
        "progress=false",
        "charts=false",
        "demand.arrival_rate_per_hour=60",
        "calendar.hours.weekday.close=1440",
        "warmup_min=120",
        "target_wait_min=5",
        "recommend.procedure.n_max=60",
        "~targets.day.abandonment_rate",
        "~targets.day.wait_mean_min",
        "targets.day.service_level.min=0.8",
    )
    ref, cut, total, kept = killed_and_resumed(
        args, lambda folder: [f"out={folder}"], tmp_path, lambda total: 30
    )
    a = json.loads((ref / "recommendation.json").read_text())
    b = json.loads((cut / "recommendation.json").read_text())
    assert a["layout"] == b["layout"] == {"main": 10}
    assert b["stats"]["evaluations_run"] == total - kept
    pd.testing.assert_frame_equal(pd.read_csv(ref / "kpis.csv"), pd.read_csv(cut / "kpis.csv"))


@pytest.mark.slow
def test_reference_recommendation_outputs_and_yaml_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "ref"
    rec = small_recommend(out, charts=True)
    for name in (
        "options.csv",
        "staffing_plan.csv",
        "kpis.csv",
        "hourly.csv",
        "pareto.csv",
        "robustness.csv",
        "runner_ups.csv",
        "recommended.yaml",
        "recommendation.json",
        "evaluations.jsonl",
        "cost_service_frontier.png",
        "kpi_comparison.png",
        "comparison.csv",
    ):
        assert (out / name).exists(), name
    assert rec.option is not None and rec.meets_targets
    # Hour by hour: the plan never opens more windows than the layout installs, and every
    # clock hour of the final evaluation meets the hourly floor (within tolerance).
    plan = rec.staffing_plan
    assert set(plan["day_type"]) == {"weekday", "weekend", "holiday"}
    assert (plan["open_comprehensive"] <= rec.layout["comprehensive"]).all()
    # Printed for people: clock times, staff counted per role and adding up to the total.
    assert plan["start"].str.fullmatch(r"\d\d:\d\d").all(), plan["start"].tolist()
    assert plan["end"].str.fullmatch(r"\d\d:\d\d").all(), plan["end"].tolist()
    for _, row in plan.iterrows():
        counts = [int(part.rsplit(": ", 1)[1]) for part in row["staff"].split(", ")]
        assert sum(counts) == row["staff_on_duty"], row["staff"]
    assert rec.kpis.loc["hourly targets", "meets"] == "yes"
    assert any(step["step"] == "erlang start" for step in rec.isa_log)
    assert len(rec.robustness) == 2 and "meets_all_targets" in rec.robustness
    # The YAML runs directly and reproduces the reported KPIs exactly.
    scn = load_scenario(str(out / "recommended.yaml"))
    res = simulate(scn)
    s = res.summary()
    for kpi in ("service_level", "wait_mean_min", "abandonment_rate"):
        assert s.loc[kpi, "mean"] == pytest.approx(rec.kpis.loc[kpi, "mean"], rel=1e-12)
        assert s.loc[kpi, "ci_low"] == pytest.approx(rec.kpis.loc[kpi, "ci_low"], rel=1e-12)
    assert rec.cost_per_day <= rec.stats["layout_cost_per_day"]


def test_hourly_table_intervals_at_the_stated_confidence(small_scenario: Any) -> None:
    from simulator.analysis.stats import t_interval
    from simulator.optimise.feasibility import _hour_keys
    from simulator.optimise.outputs import _hourly_table

    scn = small_scenario
    key = _hour_keys(scn)[0]
    rng = np.random.default_rng(4)
    recs = [
        {"hourly": {key: [20.0, float(k), 1.0, 19.0, float(w)]}}
        for k, w in zip(rng.integers(10, 20, 8), rng.uniform(50, 150, 8), strict=True)
    ]
    sl = np.array([r["hourly"][key][1] / 20.0 for r in recs])
    for conf in (0.8, 0.99):
        row = _hourly_table(recs, scn, conf).iloc[0]
        _, lo, hi, _ = t_interval(sl, conf)
        assert (row["service_level_ci_low"], row["service_level_ci_high"]) == (lo, hi)


def test_plan_times_read_as_clock_times_with_the_day_past_midnight() -> None:
    assert _time_label(510, with_day=False) == "08:30"
    assert _time_label(1440, with_day=False, end=True) == "24:00"
    assert _time_label(0, with_day=True) == "day 1 00:00"
    assert _time_label(1440, with_day=True) == "day 2 00:00"
    assert _time_label(2880, with_day=True, end=True) == "day 2 24:00"
    assert _time_label(2000.4, with_day=True) == "day 2 09:20"
    two_days = load_scenario(
        "validation/mmc",
        overrides=[f"calendar.hours.{k}.close=2880" for k in ("weekday", "weekend", "holiday")],
    )
    plan = _plan_table(two_days)
    assert plan[["start", "end"]].iloc[0].tolist() == ["day 1 00:00", "day 2 24:00"]
    assert plan["staff"].iloc[0] == "clerk: 10" and plan["staff_on_duty"].iloc[0] == 10


def test_progress_is_one_line_with_stage_and_eta(capsys: pytest.CaptureFixture[str]) -> None:
    rec = mmc_recommend(30.0, [5, 6, 7], seed=3, progress=True)
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err  # one line, redrawn in place
    frames = [f for f in err.replace("\n", "\r").split("\r") if f.strip()]
    assert all(f.startswith("svcsim-recommend: stage ") and "ETA ~" in f for f in frames)
    assert "stage 1/4 screening" in frames[0]
    assert "stage 4/4 final evaluation" in frames[-1]
    n = rec.stats["evaluations_run"]
    assert f"{n} of ~{n} replications" in frames[-1]
