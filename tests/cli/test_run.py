"""The ``svcsim`` Hydra app: single runs and multiruns write the documented outputs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import svcsim, svcsim_multirun


@pytest.mark.slow
def test_single_run_writes_tables_manifest_and_charts(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = svcsim("replications=3", f"hydra.run.dir={out}", cwd=tmp_path)
    assert f"Results written to {out}" in proc.stdout
    for name in (
        "summary.csv",
        "hourly.csv",
        "replications.csv",
        "by_family.csv",
        "manifest.json",
        "wait_ecdf.png",
        "queue_by_hour.png",
        "utilisation_by_hour.png",
        ".hydra/config.yaml",
    ):
        assert (out / name).exists(), name
    summary = pd.read_csv(out / "summary.csv", index_col="kpi")
    assert summary.loc["arrivals", "n"] == 3
    # no empty rows: a KPI not measured in this run (queue_max without a monitor) is left out
    assert (summary["n"] > 0).all() and "queue_max" not in summary.index
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 20261128 and manifest["replications"] == 3
    assert "svcsim_version" in manifest
    assert (out / "wait_ecdf.png").stat().st_size > 10_000


@pytest.mark.slow
def test_run_from_other_directory_with_group_choice(tmp_path: Path) -> None:
    out = tmp_path / "six"
    svcsim(
        "layout=six_comprehensive",
        "replications=2",
        "charts=false",
        f"hydra.run.dir={out}",
        cwd=tmp_path,
    )
    cfg = (out / ".hydra" / "config.yaml").read_text()
    assert "count: 6" in cfg


@pytest.mark.slow
@pytest.mark.parametrize("launcher", ["basic", "joblib"])
def test_multirun_basic_and_joblib(tmp_path: Path, launcher: str) -> None:
    sweep = tmp_path / "sweep"
    svcsim_multirun(sweep, "layout.windows.comprehensive.count=3,5", f"hydra/launcher={launcher}")
    results = {}
    for job in ("0", "1"):
        s = pd.read_csv(sweep / job / "summary.csv", index_col="kpi")
        results[job] = s.loc["wait_mean_min", "mean"]
    assert results["0"] > results["1"]  # 3 windows wait longer than 5


@pytest.mark.slow
def test_bad_override_exits_with_clear_message(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli.run",
            "centre.daily_volume=-3",
            f"hydra.run.dir={tmp_path / 'x'}",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "centre.daily_volume" in proc.stderr + proc.stdout


def test_write_outputs_keeps_a_wait_ecdf_grid_and_no_pyplot_state(tmp_path: Path) -> None:
    """Run folders get ``wait_ecdf.csv`` (small) and writing charts neither selects a
    matplotlib backend nor leaves pyplot figures open."""
    import matplotlib
    from matplotlib import pyplot as plt

    from simulator import load_scenario, simulate
    from simulator.cli.run import write_outputs

    scn = load_scenario("reference", overrides=["calendar.days=2"])
    res = simulate(scn, replications=3, seed=1, record_visits=True)
    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    paths = write_outputs(res, tmp_path / "out")
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures
    grid = pd.read_csv(paths["wait_ecdf_grid"])
    assert list(grid["replication"]) == [0, 1, 2] and "20" in grid.columns
    assert grid.drop(columns=["replication", "served"]).max(axis=None) <= 1.0
    assert paths["wait_ecdf_grid"].stat().st_size < 20_000
