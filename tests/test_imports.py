"""Start-up stays light: heavy libraries are imported on first use, not at import time.

Checked by the modules a fresh interpreter has loaded (never by timing).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("numpy", "pandas", "scipy", "scipy.stats", "matplotlib", "simpy", "hydra")


def _loaded_after(code: str) -> set[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    ("code", "absent"),
    [
        ("import simulator", HEAVY),
        # The command lines load Hydra only: the simulator comes when a run starts.
        ("import simulator.cli.run", ("numpy", "pandas", "scipy", "matplotlib", "simpy")),
        ("import simulator.cli.city", ("numpy", "pandas", "scipy", "matplotlib", "simpy")),
        ("import simulator.cli.recommend", ("numpy", "pandas", "scipy", "matplotlib", "simpy")),
        ("import simulator.cli.report", ("numpy", "pandas", "scipy", "matplotlib", "simpy")),
        # --help ends in SystemExit: the exit-code handling must not import anything.
        (
            "import sys\nsys.argv = ['svcsim', '--help']\nfrom simulator.cli.run import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass",
            ("numpy", "pandas", "scipy", "matplotlib", "simpy", "calibration"),
        ),
        (
            "import sys\nsys.argv = ['svcsim-recommend', '--help']\n"
            "from simulator.cli.recommend import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass",
            ("numpy", "pandas", "scipy", "matplotlib", "simpy", "calibration"),
        ),
        # A simulation needs neither scipy.stats nor matplotlib.
        ("from simulator import load_scenario, simulate", ("scipy.stats", "matplotlib")),
        # Building and running a city: scipy's linear algebra (Erlang A's transient
        # solution) is loaded only by what uses it.
        (
            "import simulator.city.build, simulator.city.run, simulator.city.results",
            ("scipy.sparse", "scipy.linalg", "matplotlib"),
        ),
        # Nor does the summary a run prints (svcsim draws its charts in a child process).
        ("import simulator.present.terminal", ("scipy", "matplotlib")),
        ("import simulator.cli.chart_process", ("numpy", "pandas", "matplotlib", "hydra")),
    ],
)
def test_heavy_modules_are_not_imported(code: str, absent: tuple[str, ...]) -> None:
    loaded = _loaded_after(code)
    assert not loaded & set(absent), f"{code!r} imported {sorted(loaded & set(absent))}"


def test_lazy_public_names_resolve() -> None:
    import simulator

    for name in simulator.__all__:
        assert getattr(simulator, name) is not None
    assert "simulate" in dir(simulator)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        simulator.nope  # noqa: B018


def test_quantiles_equal_scipy_stats() -> None:
    """The light quantile helpers give the very numbers of ``scipy.stats``."""
    import numpy as np
    from scipy import stats

    from simulator.analysis.stats import normal_quantile, t_quantile

    dfs = np.arange(1, 120)
    for level in (0.8, 0.9, 0.95, 0.99):
        assert np.array_equal(t_quantile(level, dfs), stats.t.ppf(0.5 + level / 2, dfs))
        assert np.array_equal(t_quantile(level, dfs, two_sided=False), stats.t.ppf(level, dfs))
        assert t_quantile(level, 7) == float(stats.t.ppf(0.5 + level / 2, 7))
        assert normal_quantile(level) == float(stats.norm.ppf(level))


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="charts fork on Linux only")
def test_a_run_with_charts_draws_them_without_matplotlib_in_its_own_process(
    tmp_path: Path,
) -> None:
    """svcsim's own process never loads matplotlib: the chart process draws (its run
    path stays as light as with charts=false)."""
    out = tmp_path / "run"
    code = (
        "import sys\n"
        f"sys.argv = ['svcsim', 'replications=2', 'calendar.days=1', 'hydra.run.dir={out}']\n"
        "from simulator.cli.run import main\n"
        "try:\n    main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code"
    )
    loaded = _loaded_after(code)
    assert (out / "wait_ecdf.png").exists() and (out / "summary.csv").exists()
    assert "matplotlib" not in loaded and "pandas" in loaded
