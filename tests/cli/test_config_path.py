"""svcsim --config-path takes a folder relative to the working directory (Hydra alone
would resolve it against the package of the app); svcsim-recommend's config location
makes it absolute by the same rule."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.cli.common import config_location, config_path_from_cwd


def test_relative_config_path_made_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "calibration_report" / "c").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    want = str((tmp_path / "calibration_report" / "c").resolve())
    argv = ["--config-path", "calibration_report/c", "--config-name", "c", "seed=3"]
    assert config_path_from_cwd(argv) == ["--config-path", want, "--config-name", "c", "seed=3"]
    assert config_path_from_cwd(["-cp=calibration_report/c"]) == [f"-cp={want}"]
    assert config_path_from_cwd(["-cp", "calibration_report/c"]) == ["-cp", want]
    # left alone: absolute paths, pkg:// and folders that do not exist here
    for argv in (["--config-path", want], ["-cp", "pkg://scenarios"], ["-cp", "nowhere"]):
        assert config_path_from_cwd(argv) == argv


def test_recommend_config_location_uses_the_same_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "rec").mkdir()
    monkeypatch.chdir(tmp_path)
    want = str((tmp_path / "rec").resolve())
    search = "hydra.searchpath=[pkg://scenarios]"
    for argv in (["--config-path", "rec"], ["--config-path=rec"], ["-cp=rec"]):
        flag = argv[0].split("=")[0]
        assert config_location([*argv, "--config-name", "recommended"]) == [
            *(flag, want),
            *("--config-name", "recommended"),
            search,
        ]
    # left alone, as for svcsim: a folder that does not exist here, pkg://
    for value in ("nowhere", "pkg://scenarios"):
        assert config_location(["-cp", value]) == ["-cp", value, search]
