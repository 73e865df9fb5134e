"""Shared fixtures: small hand-made scenarios and residents for exact tests."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, NoReturn

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from simulator.config.scenario import Scenario, scenario_from_config
from simulator.engine.demand import Residents

BASE: dict[str, Any] = {
    "centre": {"id": "T", "name": "test centre", "counters": 10, "daily_volume": 10},
    "catalogue": {
        "items_file": None,
        "families": {
            "a": {"share": 0.5, "service": {"dist": "deterministic", "value": 10}},
            "b": {"share": 0.5, "service": {"dist": "deterministic", "value": 10}},
        },
    },
    "demand": {
        "profiles": {
            "weekday": [{"start": "08:00", "end": "12:00", "share": 1.0}],
            "weekend": [{"start": "08:00", "end": "12:00", "share": 1.0}],
            "holiday": [{"start": "08:00", "end": "12:00", "share": 1.0}],
        },
        "busyness_cv": 0.0,
    },
    "impatience": {"balking": {"enabled": False}, "reneging": {"enabled": False}},
    "calendar": {
        "start_date": "2026-03-02",
        "days": 1,
        "hours": {
            "weekday": {"open": "08:00", "close": "12:00"},
            "weekend": {"open": "08:00", "close": "12:00"},
            "holiday": {"open": "08:00", "close": "12:00"},
        },
    },
    "layout": {"windows": {"w": {"kind": "comprehensive", "count": 1, "prefix": "W"}}},
    "staffing": {
        "skill_multipliers": {"novice": 1.3, "proficient": 1.0, "expert": 0.85},
        "staff": {"p": {"count": 3, "level": "proficient"}},
        "plan": {"mode": "auto", "lunch_open_share": 0.5, "min_open": 1},
    },
    "replications": 2,
    "seed": 1,
}


def deep_update(base: dict[str, Any], upd: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in upd.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = deep_update(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def make_scenario(**updates: Any) -> Scenario:
    """A small valid scenario with ``updates`` merged in (nested dicts merge)."""
    return scenario_from_config(deep_update(BASE, updates), source="test")


def make_residents(
    scn: Scenario,
    times: list[float],
    families: list[int] | None = None,
    service: list[float] | None = None,
    patience: list[float] | None = None,
    balk_u: list[float] | None = None,
    **extra: Any,
) -> Residents:
    """Residents at given minutes since midnight of day 0."""
    n = len(times)
    fam = np.asarray(families if families is not None else [0] * n, dtype=np.int32)
    fam_index = scn.family_index()
    first_item = {fam_index[it.family]: k for k, it in reversed(list(enumerate(scn.items)))}
    fields: dict[str, Any] = dict(
        t=np.asarray(times, dtype=float),
        day=np.zeros(n, dtype=np.int32),
        item=np.asarray([first_item[f] for f in fam], dtype=np.int32),
        family=fam,
        service=np.asarray(service if service is not None else [10.0] * n, dtype=float),
        patience=np.asarray(patience if patience is not None else [np.inf] * n, dtype=float),
        balk_u=np.asarray(balk_u if balk_u is not None else [0.5] * n, dtype=float),
        return_u=np.ones(n),
        origin=np.zeros(n, dtype=np.int8),
        xp_kind=np.zeros(n, dtype=np.int8),
        remote_delay=np.full(n, np.inf),
        bo_work=np.full(n, np.nan),
    )
    for key, value in extra.items():
        fields[key] = np.asarray(value, dtype=fields[key].dtype)
    return Residents(**fields)


@pytest.fixture
def small_scenario() -> Scenario:
    return make_scenario()


@pytest.fixture(scope="module")
def dask_client() -> Iterator[Any]:
    """A local Dask cluster (two worker processes, one thread each) for the tests of a
    module that check results on Dask equal the local ones; closed with the module, so
    no worker outlives it."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    )
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def svcsim(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the ``svcsim`` command (``python -m simulator.cli.run``) in ``cwd``; it must
    succeed."""
    cmd = [sys.executable, "-m", "simulator.cli.run", *args]
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def same_files_forked_and_here(
    run: Callable[[Path], object],
    draw_here: Callable[[], None],
    tmp_path: Path,
    wall_times: Sequence[str] = ("manifest.json",),
) -> list[str]:
    """Run a command's ``run`` (its ``run_from_config`` into a folder) twice: into
    ``tmp_path/forked`` with its charts drawn in the child process, then, after
    ``draw_here`` (which patches the chart process away), into ``tmp_path/here``. Both
    folders must hold the same files with the same bytes, but the files of ``wall_times``
    (which hold wall times). Returns the files' names."""
    forked, here = tmp_path / "forked", tmp_path / "here"
    run(forked)
    draw_here()
    run(here)
    names = sorted(p.name for p in here.iterdir())
    assert sorted(p.name for p in forked.iterdir()) == names
    for name in names:
        if name not in wall_times:
            assert (forked / name).read_bytes() == (here / name).read_bytes(), name
    return names


def denied(path: Path) -> Callable[..., NoReturn]:
    """A chart writer that fails as a folder it may not write to would (at ``path``)."""

    def write(*args: object) -> NoReturn:
        raise PermissionError(13, "Permission denied", str(path))

    return write


def one_group_space(windows: Sequence[int]) -> dict[str, Any]:
    """A recommendation's search space over one window group, ``main`` (the M/M/c
    validation scenario's), of ``windows`` counters: no lunch or skill-mix options."""
    return {"windows": {"main": list(windows)}, "lunch_open_share": None, "skill_mix": ["keep"]}


#: The smallest recommendation procedure a test runs in its own process: 4 replications
#: an option, then 4 at a time up to 12, no runner-up, no ISA, 2 final replications, no
#: robustness scenarios. Read-only.
QUICK_PROCEDURE: dict[str, Any] = {
    "procedure": {
        "n0": 4,
        "batch": 4,
        "n_max": 12,
        "runner_ups": 0,
        "isa": {"enabled": False},
        "final_replications": 2,
    },
    "robustness": {"volume_growth": [], "online_shift": []},
}


def mmc_recommend_command(windows: Sequence[int], *overrides: str) -> list[str]:
    """The ``svcsim-recommend`` command line (``python -m simulator.cli.recommend``) of the
    smallest recommendation a test runs as a user would: the M/M/c validation scenario,
    the quick procedure over one window group of ``windows`` counters (no lunch or
    skill-mix options, no ISA) and no hourly targets; ``overrides`` follow."""
    return [
        sys.executable,
        "-m",
        "simulator.cli.recommend",
        "--config-name",
        "validation/mmc",
        "+recommend=quick",
        "~recommend.space.windows",  # replaced, not merged into the quick space's groups
        f"+recommend.space.windows={{main: {list(windows)}}}",
        "recommend.space.lunch_open_share=null",
        "recommend.space.skill_mix=[keep]",
        "recommend.procedure.isa.enabled=false",
        "~targets.hour",
        *overrides,
    ]


def svcsim_multirun(sweep: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``svcsim --multirun`` with ``args``, two replications and no charts, into the sweep
    folder ``sweep``, run from its parent folder."""
    return svcsim(
        "--multirun",
        *args,
        "replications=2",
        "charts=false",
        f"hydra.sweep.dir={sweep}",
        cwd=sweep.parent,
    )


def killed_and_resumed(
    cmd: list[str], out: Callable[[Path], list[str]], tmp_path: Path, kill_at: Callable[[int], int]
) -> tuple[Path, Path, int, int]:
    """Run ``cmd`` (writing into ``out(folder)``) to the end in ``tmp_path/ref``; run it
    again into ``tmp_path/cut``, kill it with SIGKILL once its ``evaluations.jsonl`` holds
    ``kill_at(total)`` lines (``total``: the full run's; or after two minutes), then run it
    once more there: it resumes.

    Returns the two folders, the evaluations of the full run and the complete ones the
    killed run had written (checked: at least ``kill_at(total)``, fewer than ``total``).
    """
    ref, cut = tmp_path / "ref", tmp_path / "cut"

    def run(folder: Path) -> None:
        done = subprocess.run(
            [*cmd, *out(folder)], capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
        assert done.returncode == 0, done.stderr[-2000:]

    def lines(path: Path) -> int:
        return sum(1 for _ in path.open()) if path.exists() else 0

    run(ref)
    total = lines(ref / "evaluations.jsonl")
    at = kill_at(total)
    proc = subprocess.Popen(
        [*cmd, *out(cut)], cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    cache = cut / "evaluations.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and lines(cache) < at:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    kept = [ln for ln in cache.read_text().splitlines() if ln.endswith("}")]
    assert at <= len(kept) < total
    run(cut)
    return ref, cut, total, len(kept)
