"""``svcsim-city`` draws its chart in a child process: the same files as drawn in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import simulator.cli.city as cli_city
from simulator.config.compose import compose_config
from tests.conftest import denied, same_files_forked_and_here

OVERRIDES = [
    "calendar.start_date=2026-03-02",
    "calendar.days=2",
    "city.districts=[Hongkou]",
    "workers=1",
    "progress=false",
]


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="charts fork on Linux only")
def test_city_chart_from_the_child_process_equals_the_one_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = compose_config("city/default", OVERRIDES)
    names = same_files_forked_and_here(
        lambda out: cli_city.run_from_config(cfg, out),
        lambda: monkeypatch.setattr(cli_city, "start_city_chart_process", lambda: None),
        tmp_path,
        wall_times=("manifest.json", "centre_replications.csv"),
    )
    assert "spread_wait_p90.png" in names


def test_a_failed_city_chart_is_reported_by_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Drawn here (the child process forked before the patch would not see it).
    monkeypatch.setattr(cli_city, "start_city_chart_process", lambda: None)
    monkeypatch.setattr(cli_city, "write_city_chart", denied(tmp_path / "x.png"))
    cfg = compose_config("city/default", OVERRIDES)
    with pytest.raises(PermissionError) as err:
        cli_city.run_from_config(cfg, tmp_path / "out")
    assert err.value.filename == str(tmp_path / "x.png")
