"""A refused config ends the chart process at once: the command does not wait for it.

The chart process is forked before the config is read (``svcsim``) or checked in full
(``svcsim-city``), and spends its first moments importing matplotlib. When the config is
refused the run never starts, and the process is terminated rather than waited for.

Its imports are slowed here (:func:`_imports_still_loading`), and a process that is
waited for gets a long grace: a command that waited would see it exit by itself (code 0)
once the imports were done; one that ends it sees it killed by SIGTERM.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import simulator.cli.chart_process as chart_process
import simulator.run.executor as executor
from simulator.errors import ConfigError

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the chart process forks on Linux only"
)


def _imports_still_loading() -> None:
    time.sleep(30.0)  # the chart code's imports, still loading when the config is refused


@pytest.fixture
def chart_processes(monkeypatch: pytest.MonkeyPatch) -> list[executor.ForkedCall]:
    """The chart processes the command starts (their imports slowed), in order."""
    started: list[executor.ForkedCall] = []
    start = chart_process.start_chart_process

    def recorded() -> executor.ForkedCall | None:
        call = start()
        if call is not None:
            started.append(call)
        return call

    monkeypatch.setattr(chart_process, "load_chart_code", _imports_still_loading)
    monkeypatch.setattr(chart_process, "start_chart_process", recorded)
    # A chart process that is closed (waited for) would end by itself, imports done.
    monkeypatch.setattr(executor, "_TERMINATE_GRACE_S", 120.0)
    return started


def _ended_by_sigterm(call: executor.ForkedCall) -> None:
    assert not call._process.is_alive()
    assert call.exitcode == -signal.SIGTERM, call.exitcode


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["centre.bogus=5"], "centre.bogus"),  # refused by Hydra: no run takes the process
        (["replications=0"], "replications"),  # refused by the run, which took the process
    ],
)
def test_a_refused_svcsim_config_ends_the_chart_process_at_once(
    args: list[str],
    named: str,
    chart_processes: list[executor.ForkedCall],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from simulator.cli.run import main

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["svcsim", *args, f"hydra.run.dir={tmp_path / 'run'}"])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert named in capsys.readouterr().err
    assert len(chart_processes) == 1  # the one started early, before Hydra
    _ended_by_sigterm(chart_processes[0])
    assert not chart_process._early


def test_a_refused_city_ends_its_chart_process_at_once(
    chart_processes: list[executor.ForkedCall], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import simulator.cli.city as cli_city
    from simulator.config.compose import compose_config

    started: list[executor.ForkedCall] = []
    start = cli_city.start_city_chart_process

    def recorded() -> Any:
        call = start()
        if call is not None:
            started.append(call)
        return call

    monkeypatch.setattr(cli_city, "start_city_chart_process", recorded)
    centres = tmp_path / "centres.csv"
    centres.write_text("centre_id\nA\n")  # no district, no windows: refused by the build
    cfg = compose_config("city/default", [f"city.centres_file={centres}", "progress=false"])
    with pytest.raises(ConfigError, match="missing column"):
        cli_city.run_from_config(cfg, tmp_path / "out")
    assert len(started) == 1
    _ended_by_sigterm(started[0])
