"""``svcsim`` draws its charts in a child process: the same files as drawn in-process."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import simulator.cli.run as cli_run
from simulator.config.compose import compose_config
from tests.conftest import denied, same_files_forked_and_here


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="charts fork on Linux only")
def test_charts_from_the_child_process_equal_those_drawn_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cfg = compose_config("reference", ["replications=3", "calendar.days=2"])
    names = same_files_forked_and_here(
        lambda out: cli_run.run_from_config(cfg, out),
        lambda: monkeypatch.setattr(cli_run, "take_chart_process", lambda: None),
        tmp_path,
    )
    assert {"wait_ecdf.png", "queue_by_hour.png", "utilisation_by_hour.png"} <= set(names)


def test_a_failed_chart_is_reported_by_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cli_run, "write_figures", denied(tmp_path / "x.png"))
    cfg = compose_config("reference", ["replications=2", "calendar.days=1"])
    with pytest.raises(PermissionError) as err:
        cli_run.run_from_config(cfg, tmp_path / "out")
    assert err.value.filename == str(tmp_path / "x.png")


def test_the_chart_process_starts_early_only_for_a_single_run_with_charts() -> None:
    from simulator.cli.chart_process import single_run_with_charts

    assert single_run_with_charts([])
    assert single_run_with_charts(["replications=5", "layout=six_comprehensive"])
    assert single_run_with_charts(["charts=true"])
    for argv in (
        ["--multirun", "replications=2,3"],
        ["-m", "seed=1,2"],
        ["--cfg", "job"],
        ["--info"],
        ["charts=false"],
        ["replications=2", "charts=False"],
        ["~charts"],
        ["--help"],
    ):
        assert not single_run_with_charts(argv), argv


def test_the_chart_process_is_sent_only_what_the_charts_read() -> None:
    from simulator.config.compose import load_scenario
    from simulator.run.runner import simulate

    scn = load_scenario("reference", ["replications=2", "calendar.days=1"])
    results = simulate(scn, record_visits=True)
    assert results.visits is not None
    before = results.visits.copy()
    sent = cli_run.chart_inputs(results)
    assert sent.visits is not None
    assert list(sent.visits.columns) == list(cli_run.CHART_VISIT_COLUMNS)
    assert sent.visits.equals(before[list(cli_run.CHART_VISIT_COLUMNS)])
    assert sent.tables == {} and sent.hourly is results.hourly
    assert sent.n_replications == results.n_replications and sent.meta == results.meta
    assert results.visits.equals(before) and results.tables  # the run's own are untouched
