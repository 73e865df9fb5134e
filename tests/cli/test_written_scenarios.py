"""Scenario files the tools write for people to run (svcsim-recommend's
``recommended.yaml``, a calibrated scenario) take the same run-setting overrides as a
shipped scenario, loaded from disk and run with ``svcsim`` as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from simulator.config.compose import compose_config, run_settings
from tests.conftest import mmc_recommend_command, svcsim


def run_written(folder: Path, name: str, cwd: Path, *overrides: str) -> Path:
    """``svcsim --config-path <folder relative to cwd> --config-name NAME charts=false
    progress=true ...`` from ``cwd``; returns the run folder."""
    out = cwd / f"run_{name}"
    svcsim(
        "--config-path",
        str(folder.relative_to(cwd)),
        "--config-name",
        name,
        "charts=false",
        "progress=true",
        *overrides,
        f"hydra.run.dir={out}",
        cwd=cwd,
    )
    return out


@pytest.mark.slow
def test_recommended_yaml_takes_the_run_settings_of_a_shipped_scenario(tmp_path: Path) -> None:
    import subprocess

    rec = tmp_path / "rec"
    cmd = mmc_recommend_command(
        [10],
        "recommend.procedure.n0=4",
        "recommend.procedure.final_replications=2",
        "recommend.robustness.volume_growth=[]",
        "recommend.robustness.online_shift=[]",
        # the command's own run settings: not what recommended.yaml should carry
        "charts=false",
        "progress=false",
        f"out={rec}",
    )
    done = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    out = run_written(rec, "recommended", tmp_path, "replications=3", "workers=1")
    written = yaml.safe_load((rec / "recommended.yaml").read_text())
    assert set(run_settings()) <= set(written)
    # svcsim's own defaults, not the recommend run's charts=false
    assert written["charts"] is True and written["progress"] is False
    assert written["replications"] == 2  # the final evaluation's, as the file says
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 3 and manifest["seed"] == written["seed"]
    assert (out / "summary.csv").exists() and not list(out.glob("*.png"))


@pytest.mark.slow
def test_calibrated_scenario_from_a_base_without_run_settings_takes_them(tmp_path: Path) -> None:
    """A calibration whose base is a scenario file without run settings (a
    ``recommended.yaml`` of an older version, a hand-written file) still writes them."""
    from calibration.writer import write_scenario

    cfg = compose_config("reference")
    for key in run_settings():
        cfg.pop(key)
    cfg["calibration"] = {"base_scenario": "hand-written"}
    path = write_scenario(cfg, "bare", {}, None, tmp_path / "cal")
    out = run_written(path.parent, "bare", tmp_path, "replications=2", "calendar.days=1")
    assert json.loads((out / "manifest.json").read_text())["replications"] == 2
    assert (out / "summary.csv").exists() and not list(out.glob("*.png"))
