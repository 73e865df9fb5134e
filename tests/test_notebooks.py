"""The notebooks in notebooks/ run from top to bottom (nbmake) and are stored clean.

Each notebook is executed in its own ``pytest --nbmake`` subprocess so that a failing
notebook is reported by name. Notebooks keep no outputs in git and start with a
parameter cell that scales the study up; with ``SVCSIM_QUICK=1`` in the environment
(set here) that cell shrinks the study (fewer days and replications) so the suite runs
every step of every notebook in seconds. The runs are marked ``slow``: ``make test-fast``
leaves them out, ``make test`` and CI run them.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code, "no code cell"
    for cell in code:
        assert not cell.get("outputs") and cell.get("execution_count") is None, path.name
    first = "".join(code[0]["source"])
    assert "Parameters" in first, "the first code cell must be the parameter cell"
    assert 'os.environ.get("SVCSIM_QUICK") == "1"' in first, "the parameter cell reads SVCSIM_QUICK"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, tmp_path: Path) -> None:
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "--nbmake",
        "--nbmake-timeout=120",
        "-q",
        "-p",
        "no:cacheprovider",
        "-o",
        "addopts=",
        str(path),
    ]
    env = {**os.environ, "SVCSIM_QUICK": "1"}
    proc = subprocess.run(
        cmd, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
