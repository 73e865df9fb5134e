"""City allocation (svcsim-allocate): outputs, costs, determinism across executors, resume
after SIGKILL, city-wide handling, and bad input exiting with status 2."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from simulator.city.allocate import allocate, allocation_problem, write_outputs
from simulator.city.build import City, build_city
from simulator.engine.district import Diversion
from simulator.errors import ConfigError
from simulator.model.distributions import Lognormal
from simulator.optimise.allocate import InfeasibleTargetsError
from simulator.run.executor import LocalExecutor
from tests.conftest import killed_and_resumed

SMALL = dict(budget=3, replications=3, verify_replications=4, seed=7)


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(start_date="2026-03-02", days=3, districts=["Huangpu"], max_centres=4)


@pytest.fixture(scope="module")
def result(city: City) -> Any:
    return allocate(city, **SMALL)


def test_outputs_and_their_consistency(result: Any, city: City, tmp_path: Path) -> None:
    a = result.allocation
    assert list(a["centre_id"]) == city.centre_ids
    assert (a["windows_after"] <= a["counters"]).all()
    assert (a["windows_after"] - a["windows_before"] == a["added_comprehensive"]).all()
    assert (a["staff_after"] - a["staff_before"] == a["added_comprehensive"]).all()
    assert a["budget_used"].sum() == pytest.approx(result.summary["spent"])
    assert result.summary["spent"] <= SMALL["budget"]
    got = a["added_comprehensive"] > 0
    assert got.any()
    assert (a.loc[got, "cost_cny_after"] > a.loc[got, "cost_cny_before"]).all()
    cmp = result.comparison
    assert set(cmp["strategy"]) == {"current", "allocation", "proportional", "equal"}
    for name in ("proportional", "equal"):
        used = cmp.loc[cmp["strategy"] == name, "budget_used"].iloc[0]
        assert used <= SMALL["budget"] + 1e-9
    row = cmp[(cmp["strategy"] == "allocation") & (cmp["kpi"] == "share_within_target")].iloc[0]
    assert row["diff_ci_low"] <= row["diff_vs_current"] <= row["diff_ci_high"]
    d = result.districts
    assert d["budget_used"].sum() == pytest.approx(result.summary["spent"])
    assert d.loc[0, "district_zh"] == "黄浦区"
    paths = write_outputs(result, tmp_path)
    for name in ("allocation", "districts", "comparison", "steps", "strategies", "summary"):
        assert paths[name].exists()
    assert paths["allocation_equity_p90"].stat().st_size > 10_000
    assert paths["allocation_districts"].stat().st_size > 10_000
    summary = json.loads(paths["summary"].read_text())
    assert summary["headline"].startswith(f"With {summary['spent']:,.0f} more staff")


def test_report_shows_the_allocation_with_its_headline(result: Any, tmp_path: Path) -> None:
    from simulator.present.readers import read_folder
    from simulator.present.report import build_report

    write_outputs(result, tmp_path, charts=False)
    assert read_folder(tmp_path).kind == "allocation"
    html = build_report(tmp_path).read_text(encoding="utf-8")
    assert '<section id="allocation">' in html
    assert f"<title>{result.headline}" in html or result.headline in html.split("</h1>")[0]
    for label in ("marginal allocation", "in proportion to volume", "equal shares"):
        assert label in html
    assert html.count("data:image/png;base64,") >= 2


def test_budget_units_agree_with_the_cost_model(city: City) -> None:
    p = allocation_problem(city, budget=1, replications=2)
    hours = p.costs(0, (1,))["staff_hours"] - p.costs(0, (0,))["staff_hours"]
    assert 4.0 < hours <= 8.5  # one window staffed over a working day, less lunch closures
    cny = p.costs(0, (1,))["cny"] - p.costs(0, (0,))["cny"]
    families = len(city.scenarios[0].families)
    # one proficient all-round staff member's hours, training on every family, one window
    assert cny == pytest.approx(70 * hours + families * 3000 / 250 + 120)
    assert p.cost(0, (1,)) == 1.0


@pytest.mark.slow
def test_same_result_with_one_two_workers_and_dask(
    city: City, result: Any, dask_client: Any
) -> None:
    two = allocate(city, executor=LocalExecutor(2), **SMALL)
    pd.testing.assert_frame_equal(result.allocation, two.allocation)
    pd.testing.assert_frame_equal(result.comparison, two.comparison)
    dask = allocate(city, executor=dask_client, **SMALL)
    pd.testing.assert_frame_equal(result.allocation, dask.allocation)
    pd.testing.assert_frame_equal(result.comparison, dask.comparison)
    pd.testing.assert_frame_equal(result.steps, dask.steps)


def test_diversion_evaluates_a_district_together(city: City) -> None:
    div = Diversion(True, 0.6, 4, Lognormal(15.0, 0.5))
    p = allocation_problem(city, diversion=div, budget=1, replications=3)
    assert len(p.units) == 1 and list(p.members(0)) == [0, 1, 2, 3]
    zero = ((0,),) * 4
    more = ((1,), (0,), (0,), (0,))
    p.ensure([(0, zero), (0, more)], "test")
    a, b = p.means(0, zero), p.means(0, more)
    assert a["guests"].sum() > 0  # residents do move between the district's centres
    # A window at the first centre changes what happens at the others (fewer leave for,
    # or more come to, it): the centres are coupled, so they are evaluated together.
    assert (a["guests"][1:] != b["guests"][1:]).any() or (a["arrivals"][0] != b["arrivals"][0])
    res = allocate(city, diversion=div, **SMALL)
    assert res.summary["diversion"] is True
    assert res.summary["spent"] <= SMALL["budget"]


def test_all_meet_reports_least_cost_or_shortfall(city: City) -> None:
    res = allocate(
        city, objective="all_meet", budget=None, replications=3, verify_replications=3, seed=7
    )
    assert res.summary["stop"] == "every centre meets the targets"
    needed = res.summary["spent"]
    if needed >= 1:
        with pytest.raises(InfeasibleTargetsError, match="falls short by") as err:
            allocate(
                city,
                objective="all_meet",
                budget=needed - 1,
                replications=3,
                verify_replications=3,
                seed=7,
            )
        assert err.value.short == pytest.approx(1.0)
    with pytest.raises(InfeasibleTargetsError, match="no allocation within the bounds"):
        allocate(
            city,
            objective="all_meet",
            budget=None,
            replications=3,
            verify_replications=3,
            max_per_centre=1,
            targets={
                "confidence": 0.95,
                "day": {"wait_mean_min": {"max": 0.01, "tolerance": 0.005}},
            },
            seed=7,
        )


def test_bad_python_input(city: City) -> None:
    with pytest.raises(ConfigError, match="below one move"):
        allocate(city, budget=0.5, replications=2, verify_replications=2)
    with pytest.raises(ConfigError, match="cannot be negative"):
        allocate(city, budget=-2, replications=2, verify_replications=2)
    with pytest.raises(ConfigError, match=r"unknown centre\(s\) \['XX-99'\]"):
        allocate(city, centres=("XX-99",), replications=2, verify_replications=2)
    with pytest.raises(ConfigError, match=r"unknown centre\(s\) \['XX-99'\]"):
        allocation_problem(city, centres=("XX-99",), replications=2)


CLI = [sys.executable, "-m", "simulator.cli.allocate"]
TINY = [
    "city.max_centres=3",
    "calendar.days=2",
    "allocate.search.replications=2",
    "allocate.verify.replications=2",
    "charts=false",
    "workers=1",
]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["allocate.budget.amount=-5"], "a budget cannot be negative"),
        (["allocate.budget.amount=0.5"], "is below one move; the cheapest move costs 1 staff"),
        (["city.districts=[Atlantis]"], "unknown district(s) ['Atlantis']"),
        (["allocate.centres=[HP-99]"], "unknown centre(s) ['HP-99']"),
        (["+bogus=0"], "bogus: unknown key"),
        (["+allocate.budjet=5"], "allocate.budjet: unknown key"),
        (["calendar.days=0"], "calendar.days"),
    ],
)
def test_config_bad_input_names_the_problem(
    tmp_path: Path, overrides: list[str], message: str
) -> None:
    from simulator.cli.allocate import run_from_config
    from simulator.config.compose import compose_config

    cfg = compose_config("allocate/default", [*TINY, *overrides])
    with pytest.raises(ConfigError) as err:
        run_from_config(cfg, tmp_path)
    assert message in str(err.value)


@pytest.mark.slow
def test_cli_infeasible_targets_exit_2_with_the_shortfall(tmp_path: Path) -> None:
    overrides = [
        "allocate.objective=all_meet",
        "allocate.budget.amount=1",
        "targets.day.service_level.min=0.999",
        "allocate.max_per_centre=4",
    ]
    proc = subprocess.run(
        [*CLI, *TINY, *overrides, f"hydra.run.dir={tmp_path}"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "the budget of 1 staff falls short by" in proc.stderr


@pytest.mark.slow
def test_cli_resumes_after_sigkill(tmp_path: Path) -> None:
    args = [
        *CLI,
        "--config-name",
        "quick",
        "calendar.days=2",
        "city.max_centres=6",
        "allocate.budget.amount=4",
        "workers=1",
    ]
    ref, cut, total, kept = killed_and_resumed(
        args, lambda folder: [f"hydra.run.dir={folder}"], tmp_path, lambda total: total // 2
    )
    for name in ("allocation.csv", "comparison.csv", "steps.csv", "districts.csv"):
        pd.testing.assert_frame_equal(pd.read_csv(ref / name), pd.read_csv(cut / name))
    summary = json.loads((cut / "allocation.json").read_text())
    assert summary["evaluations_run"] == total - kept


def test_three_move_kinds_under_a_cny_budget(city: City) -> None:
    kinds = ("comprehensive", "dedicated", "expert")
    p = allocation_problem(city, budget=2000, budget_unit="cny", moves=kinds, replications=2)
    base = p.scenario(0, (0, 0, 0))
    ded = p.scenario(0, (0, 1, 0))
    exp = p.scenario(0, (0, 0, 1))

    def groups(scn: Any) -> dict[str, int]:
        return {
            g: sum(1 for w in scn.windows if w.group == g) for g in {w.group for w in scn.windows}
        }

    assert groups(ded).get("quick_desk", 0) == groups(base).get("quick_desk", 0) + 1
    assert next(w.kind for w in ded.windows if w.group == "quick_desk") == "dedicated"
    assert len(exp.staff) == len(base.staff) + 1
    assert {lv for s in exp.staff if s.group == "added_expert" for lv in s.skills.values()} == {
        "expert"
    }
    assert p.cost(0, (0, 0, 1)) > p.cost(0, (1, 0, 0))  # experts are dearer per hour
    res = allocate(
        city,
        budget=2000,
        budget_unit="cny",
        moves=kinds,
        replications=2,
        verify_replications=2,
        seed=3,
    )
    a = res.allocation
    added = a["added_comprehensive"] + a["added_dedicated"] + a["added_expert"]
    assert (a["windows_after"] - a["windows_before"] == added).all()
    assert 0 < res.summary["spent"] <= 2000
    assert a["budget_used"].sum() == pytest.approx(res.summary["spent"])
    assert res.summary["spent"] == pytest.approx((a["cost_cny_after"] - a["cost_cny_before"]).sum())


def test_transfers_move_staff_within_a_district_at_zero_budget(city: City) -> None:
    res = allocate(
        city, transfers=True, max_transfers=3, replications=3, verify_replications=3, seed=7
    )
    a = res.allocation
    assert a["staff_after"].sum() == a["staff_before"].sum()
    assert a["windows_after"].sum() == a["windows_before"].sum()
    assert a["budget_used"].sum() == 0
    gave = a[a["windows_after"] < a["windows_before"]]
    assert (gave["windows_after"] >= city.rule.min_windows).all()
    assert len(gave) <= len(res.steps)
    assert set(res.comparison["strategy"]) == {"current", "allocation"}
    assert res.summary["objective_search_after"] >= res.summary["objective_search_before"]
    if not res.steps.empty:
        assert res.headline.startswith(f"Moving {len(res.steps)} staff between centres")
        assert (res.steps["district"] == "Huangpu").all()


def test_chinese_report_of_an_allocation_reads_in_chinese(result: Any, tmp_path: Path) -> None:
    """No Latin word in the Chinese allocation section but the centre ids (data): the
    objective in words, differences in 个百分点 (the check of test_report_zh_text)."""
    from simulator.present import style
    from simulator.present.report import build_report
    from tests.present.test_report_zh_text import ACCEPTED, _latin_words

    if style.find_cjk_font() is None:
        pytest.skip("no CJK font installed")
    write_outputs(result, tmp_path / "alloc", charts=False)
    out = build_report(tmp_path / "alloc", out=tmp_path / "zh.html", lang="zh")
    ids = {w for c in result.allocation["centre_id"] for w in re.findall(r"[A-Za-z]+", c)}
    assert _latin_words(out, ACCEPTED | ids, {str(tmp_path / "alloc")}) == []
    assert "目标为目标等候时间内办理的居民最多" in out.read_text(encoding="utf-8")
