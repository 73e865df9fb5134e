"""The notebooks in notebooks/ run from top to bottom (nbmake) and are stored clean.

The notebooks are executed by one ``pytest --nbmake`` subprocess (each in its own
kernel); its JUnit report gives each notebook's outcome, so a failing notebook is reported
by name. Notebooks keep no outputs in git and start with a
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
from xml.etree import ElementTree

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


@pytest.fixture(scope="module")
def notebook_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """Every notebook run by one ``pytest --nbmake`` subprocess (one interpreter start
    instead of one per notebook; each notebook still gets its own kernel): the notebook's
    name -> None if it ran to the end, else what nbmake reported."""
    folder = tmp_path_factory.mktemp("notebooks")
    report = folder / "nbmake.xml"
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
        f"--junitxml={report}",
        *map(str, NOTEBOOKS),
    ]
    env = {**os.environ, "SVCSIM_QUICK": "1"}
    proc = subprocess.run(
        cmd, cwd=folder, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    assert report.exists(), proc.stdout[-4000:] + proc.stderr[-2000:]
    outcome: dict[str, str | None] = {}
    for case in ElementTree.parse(report).getroot().iter("testcase"):
        name = Path(case.get("name", "")).stem  # the notebook's file name
        faults = [e for e in case if e.tag in ("failure", "error", "skipped")]
        outcome[name] = (
            "\n".join(f"{e.tag}: {e.get('message', '')}\n{e.text or ''}" for e in faults)[-4000:]
            if faults
            else None
        )
    assert outcome, proc.stdout[-4000:] + proc.stderr[-2000:]
    return outcome


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, notebook_runs: dict[str, str | None]) -> None:
    assert path.stem in notebook_runs, f"nbmake did not report {path.name}: {notebook_runs}"
    assert notebook_runs[path.stem] is None, notebook_runs[path.stem]
