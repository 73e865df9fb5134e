"""Scenario files the tools write for people to run (svcsim-recommend's
``recommended.yaml``, a calibrated scenario) take the same run-setting overrides as a
shipped scenario, loaded from disk and run with ``svcsim`` as a user would; and
``recommended.yaml`` the recommender's settings, run again with ``svcsim-recommend``."""

from __future__ import annotations

import copy
import json
import subprocess
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


#: ``python -m simulator.cli.recommend``
RECOMMEND = mmc_recommend_command([10])[:3]

#: The recommender's config groups, as a shipped scenario lists them.
SETTINGS = ("cost", "targets", "recommend")


def recommend_command(cwd: Path, *args: str) -> None:
    """``svcsim-recommend ARGS charts=false progress=false`` from ``cwd``; it must succeed."""
    cmd = [*RECOMMEND, *args, "charts=false", "progress=false"]
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.fixture(scope="module")
def recommended(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding ``rec/``, the outputs of the smallest svcsim-recommend run."""
    cwd = tmp_path_factory.mktemp("written")
    cmd = mmc_recommend_command(
        [10],
        "recommend.procedure.n0=4",
        "recommend.procedure.final_replications=2",
        "recommend.robustness.volume_growth=[]",
        "recommend.robustness.online_shift=[]",
        # the command's own run settings: not what recommended.yaml should carry
        "charts=false",
        "progress=false",
        f"out={cwd / 'rec'}",
    )
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return cwd


@pytest.mark.slow
def test_recommended_yaml_takes_the_run_settings_of_a_shipped_scenario(recommended: Path) -> None:
    rec = recommended / "rec"
    # svcsim takes the recommender's settings as on a shipped scenario (and ignores them)
    out = run_written(
        rec,
        "recommended",
        recommended,
        "replications=3",
        "workers=1",
        "targets.day.service_level.min=0.95",
    )
    written = yaml.safe_load((rec / "recommended.yaml").read_text())
    assert set(run_settings()) <= set(written)
    # svcsim's own defaults, not the recommend run's charts=false
    assert written["charts"] is True and written["progress"] is False
    assert written["replications"] == 2  # the final evaluation's, as the file says
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["replications"] == 3 and manifest["seed"] == written["seed"]
    assert (out / "summary.csv").exists() and not list(out.glob("*.png"))


@pytest.mark.slow
def test_recommend_again_from_recommended_yaml(recommended: Path) -> None:
    """A planner's loop: recommend, then recommend again from the written scenario, as it
    is (the same settings as the first run) and with overrides a shipped scenario takes."""
    rec = recommended / "rec"
    written = yaml.safe_load((rec / "recommended.yaml").read_text())
    where = ["--config-path", "rec", "--config-name", "recommended"]
    recommend_command(recommended, *where, "out=again")
    recommend_command(
        recommended,
        *where,
        "targets.day.service_level.min=0.95",
        "cost.window_per_day=100",
        "recommend.procedure.n0=5",
        "out=tweaked",
    )
    first = json.loads((rec / "recommendation.json").read_text())
    again = json.loads((recommended / "again" / "recommendation.json").read_text())
    assert again["stats"]["seed"] == first["stats"]["seed"]
    assert again["targets"] == first["targets"] and again["confidence"] == first["confidence"]
    rewritten = yaml.safe_load((recommended / "again" / "recommended.yaml").read_text())
    assert {k: rewritten[k] for k in SETTINGS} == {k: written[k] for k in SETTINGS}
    # validation/mmc opens every window at weekends: the options built from the written
    # (by_block) plan do too, so the plan written again opens them as the first did; the
    # note saying how is in recommendation.json and the log.
    off_days = ("weekend", "holiday")
    blocks = [yaml_["staffing"]["plan"]["blocks"] for yaml_ in (written, rewritten)]
    assert [{k: b[k] for k in off_days} for b in blocks] == [
        {k: [{"start": "00:00", "end": 10080.0, "open": first["layout"]}] for k in off_days}
    ] * 2
    assert first["notes"] == []
    assert [n["key"] for n in again["notes"]] == ["weekend_share", "min_open"]
    assert "100%" in again["notes"][0]["text"]
    log_text = (recommended / "again" / "recommend.log").read_text()
    assert all(note["text"] in log_text for note in again["notes"])
    tweaked = yaml.safe_load((recommended / "tweaked" / "recommended.yaml").read_text())
    expected = copy.deepcopy({k: written[k] for k in SETTINGS})
    expected["targets"]["day"]["service_level"]["min"] = 0.95
    expected["cost"]["window_per_day"] = 100
    expected["recommend"]["procedure"]["n0"] = 5
    assert {k: tweaked[k] for k in SETTINGS} == expected
    summary = json.loads((recommended / "tweaked" / "recommendation.json").read_text())
    assert "day service_level >= 0.95" in summary["targets"]


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
