"""The default ``svcsim`` run (issue 13): the reference centre, 20 replications, its
tables and three charts, as ``make run`` does it, timed from the command line.

Run from the repository root::

    .venv/bin/python bench/bench_run.py              # 10 runs of each command, interleaved
    .venv/bin/python bench/bench_run.py --runs 20

Each command runs as a fresh process (``svcsim`` from this venv) into a temporary folder:
the default run, the same with ``charts=false`` (no chart process) and ``svcsim --help``,
one after the other in each round so that load from other processes hits them alike.
Wall time and the CPU time of the process and its children (the chart process) are
recorded for every run; the lean SimPy loop (``bench/lean.py``) runs in this process
before and after, and every figure is also given in mL: thousandths of the time the loop
needs for a million customers here (the target, 2 s wall on the project's quiet 2-core
machine where the loop runs 83,000 customers per second, is 166 mL). The script prints
figures and never asserts on time; results also go to ``bench/results/run.json``
(git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lean import lean_rate

from simulator.version import git_commit

#: The 2 s target in mL, on the machine where the lean loop runs 83,000 customers per s.
TARGET_MILLI_L = 2.0 / (1e6 / 83_000) * 1000


def children_cpu() -> float:
    """CPU seconds of this process's finished child processes (and theirs)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def timed(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (the process and its children) of one run of ``cmd``."""
    cpu0, t0 = children_cpu(), time.perf_counter()
    subprocess.run(cmd, cwd=cwd, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0, children_cpu() - cpu0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10, help="timed runs of each command")
    ap.add_argument("--out", type=Path, default=Path("bench/results/run.json"))
    args = ap.parse_args()

    svcsim = str(Path(sys.executable).with_name("svcsim"))
    commands = {
        "default run (charts)": [svcsim],
        "charts=false": [svcsim, "charts=false"],
        "--help": [svcsim, "--help"],
    }
    lean_before = lean_rate()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.runs + 1):  # the first round warms the file cache, untimed
            for name, cmd in commands.items():
                out = Path(tmp) / f"run{i}"
                wall, cpu = timed([*cmd, f"hydra.run.dir={out}"], Path(tmp))
                if i:
                    times[name].append((wall, cpu))
    lean_after = lean_rate()
    lean = {k: (lean_before[k] + lean_after[k]) / 2 for k in lean_before}
    unit_wall, unit_cpu = 1e6 / lean["wall"], 1e6 / lean["cpu"]

    print(f"svcsim default run benchmark - {dt.datetime.now():%Y-%m-%d %H:%M}")
    print(
        f"load average {os.getloadavg()[0]:.2f}; lean loop {lean['cpu']:,.0f} customers per CPU s"
    )
    print(f"{'command':<22} {'wall median':>11} {'best':>6} {'CPU median':>10}   mL (wall, CPU)")
    summary = {}
    for name, runs in times.items():
        walls, cpus = [w for w, _ in runs], [c for _, c in runs]
        row = {
            "wall_median_s": statistics.median(walls),
            "wall_best_s": min(walls),
            "cpu_median_s": statistics.median(cpus),
            "wall_median_mL": 1000 * statistics.median(walls) / unit_wall,
            "cpu_median_mL": 1000 * statistics.median(cpus) / unit_cpu,
            "walls_s": walls,
            "cpus_s": cpus,
        }
        summary[name] = row
        print(
            f"{name:<22} {row['wall_median_s']:>10.2f}s {row['wall_best_s']:>5.2f}s "
            f"{row['cpu_median_s']:>9.2f}s   {row['wall_median_mL']:.0f}, "
            f"{row['cpu_median_mL']:.0f}"
        )
    print(f"target: the default run <= {TARGET_MILLI_L:.0f} mL wall (2 s at 83,000 customers/s)")

    result = {
        "benchmark": "svcsim default run (issue 13)",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": f"python bench/bench_run.py --runs {args.runs}",
        "machine": {
            "git_commit": git_commit(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "lean_rate": {"before": lean_before, "after": lean_after},
        "target_wall_mL": TARGET_MILLI_L,
        "commands": summary,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
