"""svcsim --config-path takes a folder relative to the working directory (Hydra alone
would resolve it against the package of the app)."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli.run import _config_path_from_cwd


def test_relative_config_path_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "calibration_report" / "c").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    want = str((tmp_path / "calibration_report" / "c").resolve())
    argv = ["--config-path", "calibration_report/c", "--config-name", "c", "seed=3"]
    assert _config_path_from_cwd(argv) == ["--config-path", want, "--config-name", "c", "seed=3"]
    assert _config_path_from_cwd(["-cp=calibration_report/c"]) == [f"-cp={want}"]
    assert _config_path_from_cwd(["-cp", "calibration_report/c"]) == ["-cp", want]
    # left alone: absolute paths, pkg:// and folders that do not exist here
    for argv in (["--config-path", want], ["-cp", "pkg://scenarios"], ["-cp", "nowhere"]):
        assert _config_path_from_cwd(argv) == argv
