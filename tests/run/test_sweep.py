"""Sweeps with ``svcsim --multirun``: one tidy results table, resumable jobs, and the
submitit launcher giving the same results as the basic launcher."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator.run.sweep import config_hash, gather_sweep
from tests.conftest import svcsim_multirun


def test_config_hash_ignores_order_and_non_semantic_keys() -> None:
    a = {"seed": 1, "layout": {"x": 1, "y": 2.0}, "progress": True, "workers": 2}
    b = {"layout": {"y": 2, "x": 1}, "seed": 1, "progress": False, "workers": 1}
    assert config_hash(a) == config_hash(b)
    assert config_hash(a) != config_hash({**a, "seed": 2})
    assert config_hash(a) != config_hash({**a, "layout": {"x": 2, "y": 2}})


@pytest.mark.slow
def test_sweep_table_and_resume(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    svcsim_multirun(sweep, "layout.windows.comprehensive.count=3,5")
    table = pd.read_csv(sweep / "sweep_results.csv")
    for col in ("job", "overrides", "seed", "code_version", "kpi", "mean", "ci_low", "ci_high"):
        assert col in table.columns
    assert sorted(table["job"].astype(str).unique()) == ["0", "1"]
    wait = table[table["kpi"] == "wait_mean_min"].set_index("layout.windows.comprehensive.count")
    assert wait.loc[3, "mean"] > wait.loc[5, "mean"]
    assert (table["seed"] == 20261128).all()
    assert table.groupby("job")["kpi"].count().nunique() == 1  # every job has every KPI

    # Simulate an interruption: job 1 never wrote its marker. Rerun with one more job.
    stamp0 = (sweep / "0" / "summary.csv").stat().st_mtime_ns
    (sweep / "1" / "done.json").unlink()
    proc = svcsim_multirun(sweep, "layout.windows.comprehensive.count=3,5,6")
    assert proc.stdout.count("finished earlier") == 1  # job 0 only
    assert (sweep / "0" / "summary.csv").stat().st_mtime_ns == stamp0
    assert (sweep / "1" / "done.json").exists() and (sweep / "2" / "done.json").exists()
    table2 = pd.read_csv(sweep / "sweep_results.csv")
    assert sorted(table2["job"].astype(str).unique()) == ["0", "1", "2"]
    # The reloaded and rerun jobs give the same numbers as the first sweep.
    cols = ["job", "kpi", "mean", "ci_low", "ci_high"]
    first = table[cols].set_index(["job", "kpi"])
    again = table2[cols].set_index(["job", "kpi"]).loc[first.index]
    pd.testing.assert_frame_equal(first, again)


@pytest.mark.slow
def test_reordered_sweep_reuses_results_of_another_job_folder(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    svcsim_multirun(sweep, "layout.windows.comprehensive.count=4")
    proc = svcsim_multirun(sweep, "layout.windows.comprehensive.count=6,4")
    assert proc.stdout.count("finished earlier") == 1
    table = gather_sweep(sweep)
    assert sorted(table["job"].astype(str).unique()) == ["0", "1"]
    s = table[table["kpi"] == "wait_mean_min"].set_index("layout.windows.comprehensive.count")
    assert s.loc["4", "mean"] > s.loc["6", "mean"]


@pytest.mark.slow
def test_sweep_of_a_scenario_in_a_subfolder(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    svcsim_multirun(
        sweep,
        "--config-name",
        "validation/mmc",
        "layout.windows.main.count=11,12",
        "calendar.hours.weekday.close=2000",
    )
    table = pd.read_csv(sweep / "sweep_results.csv")
    assert sorted(table["layout.windows.main.count"].unique()) == [11, 12]


@pytest.mark.slow
def test_submitit_local_launcher_matches_basic(tmp_path: Path) -> None:
    tables = {}
    for launcher in ("basic", "submitit_local"):
        sweep = tmp_path / launcher
        svcsim_multirun(
            sweep, "layout.windows.comprehensive.count=3,5", f"hydra/launcher={launcher}"
        )
        t = pd.read_csv(sweep / "sweep_results.csv")
        tables[launcher] = t.set_index(["job", "kpi"])[["mean", "ci_low", "ci_high", "n"]]
    assert (tmp_path / "submitit_local" / ".submitit").exists()  # really ran through submitit
    pd.testing.assert_frame_equal(tables["basic"], tables["submitit_local"])
