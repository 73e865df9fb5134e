"""One executor interface: in-process, local processes and a Dask cluster give identical
results for the same seed."""

from __future__ import annotations

import sys
from typing import Any

import pandas as pd
import pytest

from simulator import load_scenario, simulate
from simulator.run.executor import (
    DaskExecutor,
    LocalExecutor,
    SerialExecutor,
    fork_call,
    get_executor,
)


def _square(x: int) -> int:
    return x * x


def test_executors_yield_every_index_once() -> None:
    tasks = [(i,) for i in range(7)]
    for ex in (SerialExecutor(), LocalExecutor(2)):
        with ex:
            got = dict(ex.imap_unordered(_square, tasks))
        assert got == {i: i * i for i in range(7)}


def test_get_executor_inputs() -> None:
    assert isinstance(get_executor(None), SerialExecutor)
    assert isinstance(get_executor(None, workers=2), LocalExecutor)
    ex = LocalExecutor(2)
    assert get_executor(ex) is ex
    with pytest.raises(TypeError, match="cannot make an executor"):
        get_executor(3.5)


def test_simulate_local_processes_equals_sequential() -> None:
    scn = load_scenario("reference")
    a = simulate(scn, replications=4, seed=3)
    with LocalExecutor(2) as ex:
        b = simulate(scn, replications=4, seed=3, executor=ex)
    pd.testing.assert_frame_equal(a.replications, b.replications)
    pd.testing.assert_frame_equal(a.hourly, b.hourly)


@pytest.mark.slow
def test_simulate_on_dask_equals_local(dask_client: Any) -> None:
    scn = load_scenario("reference")
    local = simulate(scn, replications=4, seed=11, workers=2)
    remote = simulate(scn, replications=4, seed=11, executor=dask_client)
    pd.testing.assert_frame_equal(local.summary(), remote.summary())
    pd.testing.assert_frame_equal(local.replications, remote.replications)
    assert isinstance(get_executor(dask_client), DaskExecutor)


@pytest.mark.slow
def test_recommend_on_dask_equals_local(dask_client: Any, tmp_path: Any) -> None:
    from tests.optimise.test_recommend import small_recommend

    local = small_recommend(tmp_path / "local", executor=None)
    remote = small_recommend(tmp_path / "dask", executor=dask_client)
    assert local.option == remote.option
    pd.testing.assert_frame_equal(local.kpis, remote.kpis)
    pd.testing.assert_frame_equal(local.options, remote.options)


# -- one call in a forked child (the run charts of svcsim) --------------------------------
def _mark_prepared() -> None:
    _prepared.append(True)


_prepared: list[bool] = []


def _add_and_report(a: int, b: int) -> tuple[int, bool]:
    return a + b, bool(_prepared)  # prepare() ran in the child first


def _fail(path: str) -> None:
    raise FileNotFoundError(2, "No such file or directory", path)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork_call forks on Linux")
def test_forked_call_returns_the_value_and_raises_the_error() -> None:
    call = fork_call(_mark_prepared, _add_and_report)
    assert call is not None
    call.submit(2, 3)
    assert call.result() == (5, True)
    assert not _prepared  # prepare ran in the child, not here
    failing = fork_call(lambda: None, _fail)
    assert failing is not None
    failing.submit("/nowhere/x.png")
    with pytest.raises(FileNotFoundError) as err:
        failing.result()
    assert err.value.filename == "/nowhere/x.png"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork_call forks on Linux")
def test_forked_call_closed_unused_ends_its_child() -> None:
    call = fork_call(lambda: None, _add_and_report)
    assert call is not None
    call.close()
    assert call._process.exitcode == 0
    with pytest.raises(RuntimeError, match="before submit"):
        call.result()


def test_fork_call_elsewhere_leaves_the_call_to_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    assert fork_call(lambda: None, _add_and_report) is None
