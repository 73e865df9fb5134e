"""Ctrl-C and SIGTERM stop a command with a process pool promptly and cleanly.

A real ``svcsim`` process runs a long job on two workers; once its workers exist, it
gets SIGINT (to its process group, as a terminal's Ctrl-C does) or SIGTERM (to the
parent only). It must exit with 130 or 143 within a few seconds, print one line and no
traceback, leave no worker behind and record ``status: interrupted`` in manifest.json.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="reads /proc for children"),
    pytest.mark.slow,  # real command-line runs, interrupted
]

#: Time allowed for startup (imports, Hydra, forking the pool) on a loaded machine.
STARTUP_S = 120
#: Time allowed between the signal and the exit (the issue asks for 5 s).
STOP_S = 5.0


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _signal_once_pool_runs(
    cmd: list[str], cwd: Path, sig: signal.Signals, group: bool
) -> tuple[subprocess.Popen[str], list[int], str, float]:
    """Start ``cmd``, wait until its two workers run, send ``sig`` (to the process group
    as a terminal's Ctrl-C does, or to the parent only); the process, its workers, its
    standard error and the seconds from the signal to its exit."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_S
        workers: list[int] = []
        while time.monotonic() < deadline and len(workers) < 2 and proc.poll() is None:
            time.sleep(0.2)
            workers = _children(proc.pid)
        assert len(workers) >= 2, "the pool did not start"
        time.sleep(1.0)  # tasks are running
        t0 = time.monotonic()
        if group:
            os.killpg(proc.pid, sig)
        else:
            proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return proc, workers, stderr, elapsed


@pytest.mark.parametrize(
    ("sig", "group", "code", "line"),
    [
        (signal.SIGINT, True, 130, "svcsim: interrupted (Ctrl-C)"),
        (signal.SIGTERM, False, 143, "svcsim: stopped by SIGTERM"),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_signal_stops_pool_within_seconds(
    tmp_path: Path, sig: signal.Signals, group: bool, code: int, line: str
) -> None:
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "simulator.cli.run",
        "replications=2000",
        "calendar=week",
        "workers=2",
        "charts=false",
        f"hydra.run.dir={out}",
    ]
    proc, workers, stderr, elapsed = _signal_once_pool_runs(cmd, tmp_path, sig, group)
    assert proc.returncode == code, stderr
    assert elapsed < STOP_S, f"took {elapsed:.1f} s"
    assert "Traceback" not in stderr
    assert [ln for ln in stderr.splitlines() if ln.strip()] == [line]
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], "a worker outlived the command"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"


def test_recommend_interrupted_prints_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "rec"
    cmd = [
        sys.executable,
        "-m",
        "simulator.cli.recommend",
        "recommend=quick",
        "workers=2",
        "progress=false",
        "charts=false",
        f"out={out}",
    ]
    proc, workers, stderr, _ = _signal_once_pool_runs(cmd, tmp_path, signal.SIGINT, True)
    assert proc.returncode == 130, stderr
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines == [
        f"svcsim-recommend: interrupted (Ctrl-C); rerun the same command (same out={out}) to "
        f"resume: the evaluations stored in {out / 'evaluations.jsonl'} are not simulated again"
    ]
    time.sleep(0.5)
    assert not [w for w in workers if _alive(w)], "a worker outlived the command"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"
    assert manifest["source"] == "reference | " + " ".join(cmd[3:])
