"""City-year benchmark (issue 3, "Scale").

Run from the repository root::

    .venv/bin/python bench/bench_city.py                      # all 220 centres, 2026, 2 workers
    .venv/bin/python bench/bench_city.py --days 7 --centres 20  # quick run
    .venv/bin/python bench/bench_city.py --no-hist            # without wait histograms
    .venv/bin/python bench/bench_city.py --dask               # on a LocalCluster (2 x 1 thread)
    .venv/bin/python bench/bench_city.py --cli                # the svcsim-city command itself

What it measures:

1. Building the city (compose the base once, derive 220 layouts, validate 220 scenarios).
2. One replication of the city (:func:`simulator.city.run.run_city`; with the default
   ``--hist`` each task also sends back a histogram of its served waits): wall time, CPU
   time (this process + worker processes), visits simulated per wall and per CPU second.
3. Peak memory: the peak of the summed RSS of this process and all its child processes,
   sampled every 0.25 s with psutil (if installed), plus ``ru_maxrss`` of this process and
   of the largest child (``resource.getrusage``).
4. Where the time goes: per centre-year task seconds in the workers, and for three
   centres (smallest, median, largest) a phase split of one replication, in this
   process (CPU seconds): calendar, residents, model set-up, SimPy run, KPI tables, the
   city summary of the task (hourly and daily sums, wait histogram).

5. The lean SimPy M/M/c loop (``bench/lean.py``) before and after, in this process: the
   city's visits per CPU second (all processes) over the loop's customers per CPU second
   is the per-core ratio (target >= 2.5, i.e. a city-year in 30 s on 2 idle cores).

With ``--cli`` it times the command instead (``python -m simulator.cli.city`` with the
same settings, a fresh process writing its outputs to a temporary folder): wall and CPU
seconds of the whole process tree, the serial part (the command's wall time outside the
run: start-up, building the city, writing the outputs), peak RSS of the tree, and the
same per-core ratio to the lean loop.

It prints figures and never asserts on time. Results are also written to
``bench/results/city.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lean import lean_rate

from simulator.version import git_commit

RESULTS = Path(__file__).resolve().parent / "results" / "city.json"


class PeakRSS:
    """Samples the summed RSS of this process and its children in a thread."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval = interval
        self.peak = 0
        self.peak_children = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        try:
            import psutil

            self._proc: Any = psutil.Process()
        except ImportError:  # pragma: no cover - psutil comes with distributed
            self._proc = None

    def _sample(self) -> None:
        import psutil

        total = self._proc.memory_info().rss
        children = 0
        for ch in self._proc.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                children += ch.memory_info().rss
        self.peak = max(self.peak, total + children)
        self.peak_children = max(self.peak_children, children)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> PeakRSS:
        if self._proc is not None:
            self._sample()
            self._thread = threading.Thread(target=self._loop, daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


def print_figures(title: str, figures: dict[str, Any]) -> None:
    """The figures under a ``== title ==`` heading, one a line, names aligned."""
    print(f"\n== {title} ==")
    for k, v in figures.items():
        print(f"{k:>26}: {v:,.3f}" if isinstance(v, float) else f"{k:>26}: {v}")


def cpu_seconds() -> tuple[float, float]:
    s = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime, c.ru_utime + c.ru_stime


def phase_split(scn: Any, seed: int, hist: bool = True) -> dict[str, float]:
    """CPU seconds per phase of one replication of one centre, in this process (the
    same steps as :func:`simulator.city.run.run_centre`)."""
    from simulator.analysis.kpis import compute_kpis
    from simulator.city.build import centre_seed
    from simulator.city.summary import summarise_centre
    from simulator.engine.centre import CentreModel
    from simulator.engine.demand import draw_outages, generate_residents

    clock = time.process_time  # CPU time: load from other processes does not count
    s = centre_seed(seed, scn.centre_id)
    out: dict[str, float] = {}
    t = clock()
    plans = scn.day_plans()
    out["calendar"] = clock() - t
    t = clock()
    res = generate_residents(scn, plans, s, 0)
    out["residents"] = clock() - t
    t = clock()
    model = CentreModel(
        scn, plans, res, scn.experiment.monitor_interval_min, draw_outages(scn, s, 0)
    )
    out["model_init"] = clock() - t
    t = clock()
    raw = model.run()
    out["simpy_model"] = clock() - t
    t = clock()
    kr = compute_kpis(scn, plans, res, raw, 0, False)
    out["kpis"] = clock() - t
    t = clock()
    summarise_centre(scn, "-", 0, kr, hist, 0.0)
    out["city_summary"] = clock() - t
    out["residents_n"] = float(len(res))
    return out


def cli_run(args: argparse.Namespace) -> int:
    """``--cli``: the svcsim-city command in a fresh process, timed from outside."""
    import tempfile

    overrides = [
        f"calendar.start_date={args.start_date}",
        f"calendar.days={args.days}",
        f"workers={args.workers}",
        f"replications={args.replications}",
        f"seed={args.seed}",
        f"unit={args.unit}",
        f"wait_histogram={str(not args.no_hist).lower()}",
        "progress=false",
    ]
    if args.centres is not None:
        overrides.append(f"city.max_centres={args.centres}")
    if args.districts:
        overrides.append(f"city.districts=[{','.join(args.districts)}]")
    load_before = os.getloadavg()
    lean_before = lean_rate()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        cmd = [sys.executable, "-m", "simulator.cli.city", *overrides, f"hydra.run.dir={out}"]
        cpu0 = cpu_seconds()[1]
        with PeakRSS() as mem:
            t0 = time.perf_counter()
            # Run from the temporary folder: the package imported is the one installed
            # (or on PYTHONPATH), not a checkout the current folder would put first.
            proc = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp)
            wall = time.perf_counter() - t0
        cpu = cpu_seconds()[1] - cpu0
        if proc.returncode != 0:
            print(proc.stdout, proc.stderr, sep="\n")
            return proc.returncode
        import pandas as pd

        visits = float(pd.read_csv(out / "centre_replications.csv")["arrivals"].sum())
        run_s = float(json.loads((out / "manifest.json").read_text())["wall_s"])
    lean_after = lean_rate()
    lean = {k: (lean_before[k] + lean_after[k]) / 2 for k in lean_before}
    mib = 2**20
    figures: dict[str, Any] = {
        "command": " ".join(["python -m simulator.cli.city", *overrides]),
        "visits": visits,
        "wall_s": wall,
        "run_wall_s": run_s,
        "serial_wall_s": wall - run_s,
        "cpu_tree_s": cpu,
        "visits_per_cpu_s": visits / max(cpu, 1e-9),
        "per_core_ratio_cpu": visits / max(cpu, 1e-9) / lean["cpu"],
        "wall_at_2_cores_if_busy_s": cpu / args.workers,
        "peak_rss_total_mib": mem.peak / mib if mem.peak else None,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
        "lean_customers_per_cpu_s": lean["cpu"],
    }
    print_figures("svcsim-city, a fresh process", figures)
    print(
        f"\nper core: {figures['per_core_ratio_cpu']:.2f}x the lean SimPy loop (CPU of the "
        f"process tree; target >= 2.5); {wall:.1f} s wall, of which {wall - run_s:.1f} s "
        f"outside the run; peak RSS {figures['peak_rss_total_mib'] or float('nan'):,.0f} MiB"
    )
    commit = git_commit()
    record = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "commit": commit},
        "figures": figures,
    }
    out_json = args.out if args.out != RESULTS else RESULTS.with_name("city_cli.json")
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    print(f"\nwritten {out_json}")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--days", type=int, default=365, help="days from --start-date (365)")
    ap.add_argument("--start-date", default="2026-01-01")
    ap.add_argument("--centres", type=int, default=None, help="only the first N centres")
    ap.add_argument("--districts", nargs="*", default=None, help="only these districts")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--replications", type=int, default=1)
    ap.add_argument("--seed", type=int, default=20261128)
    ap.add_argument("--unit", choices=("centre", "district"), default="centre")
    ap.add_argument("--no-hist", action="store_true", help="no wait histograms")
    ap.add_argument("--dask", action="store_true", help="run on a 2-worker LocalCluster")
    ap.add_argument("--no-phases", action="store_true", help="skip the phase split")
    ap.add_argument("--cli", action="store_true", help="time the svcsim-city command instead")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    if args.cli:
        return cli_run(args)

    from simulator.city.build import build_city
    from simulator.city.run import run_city

    load_before = os.getloadavg()
    lean_before = lean_rate()
    t0 = time.perf_counter()
    city = build_city(
        start_date=args.start_date,
        days=args.days,
        districts=args.districts,
        max_centres=args.centres,
    )
    build_s = time.perf_counter() - t0
    print(
        f"city: {len(city)} centres, {args.days} days from {args.start_date}, "
        f"expected visits {city.expected_visits():,.0f}; built in {build_s:.1f} s",
        flush=True,
    )
    client = cluster = None
    if args.dask:
        import distributed

        cluster = distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            host="127.0.0.1",
        )
        client = distributed.Client(cluster)
    cpu0 = cpu_seconds()
    with PeakRSS() as mem:
        t0 = time.perf_counter()
        res = run_city(
            city,
            replications=args.replications,
            seed=args.seed,
            workers=args.workers,
            client=client,
            unit=args.unit,
            wait_histogram=not args.no_hist,
            progress=True,
        )
        run_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        summary = res.city_summary()
        equity = res.equity()
        volume = res.volume_check()
        res.district_summary()
        agg_s = time.perf_counter() - t0
    if client is not None:
        client.close()
        cluster.close()
    cpu1 = cpu_seconds()
    lean_after = lean_rate()
    lean = {k: (lean_before[k] + lean_after[k]) / 2 for k in lean_before}
    load_after = os.getloadavg()
    visits = float(res.centres["arrivals"].sum())
    task_s = res.centres["seconds"]
    self_max = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    child_max = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    cpu_self = cpu1[0] - cpu0[0]
    cpu_children = cpu1[1] - cpu0[1]
    mib = 2**20
    figures: dict[str, Any] = {
        "centres": len(city),
        "days": args.days,
        "replications": args.replications,
        "workers": args.workers,
        "backend": res.meta["backend"],
        "wait_histogram": not args.no_hist,
        "visits": visits,
        "build_s": build_s,
        "run_wall_s": run_s,
        "aggregate_s": agg_s,
        "cpu_main_s": cpu_self,
        "cpu_workers_s": cpu_children,
        "visits_per_wall_s": visits / run_s,
        "visits_per_cpu_s": visits / max(cpu_self + cpu_children, 1e-9),
        "task_s_total": float(task_s.sum()),
        "task_s_mean": float(task_s.mean()),
        "task_s_max": float(task_s.max()),
        "task_us_per_visit": float(task_s.sum() / visits * 1e6),
        "peak_rss_total_mib": mem.peak / mib if mem.peak else None,
        "peak_rss_children_mib": mem.peak_children / mib if mem.peak else None,
        "maxrss_main_mib": self_max,
        "maxrss_largest_child_mib": child_max,
        "loadavg_before": load_before,
        "loadavg_after": load_after,
        "lean_customers_per_cpu_s": lean["cpu"],
        "lean_customers_per_wall_s": lean["wall"],
    }
    # Ratios to the lean SimPy loop run in this process (bench/lean.py): per core, the
    # city's visits per CPU second of all processes over the loop's customers per CPU
    # second; and the wall rate per worker over the loop's wall rate (both equal on an
    # idle machine with one worker per core).
    figures["per_core_ratio_cpu"] = figures["visits_per_cpu_s"] / lean["cpu"]
    # The workers alone (the main process also pays for this script's memory sampler).
    figures["per_core_ratio_workers"] = visits / max(cpu_children, 1e-9) / lean["cpu"]
    figures["per_worker_ratio_wall"] = visits / run_s / args.workers / lean["wall"]
    print_figures("City run", figures)
    print(
        f"\nper core: {figures['per_core_ratio_cpu']:.2f}x the lean SimPy loop (CPU time of "
        f"all processes; workers alone {figures['per_core_ratio_workers']:.2f}x; target >= "
        f"2.5); per worker, wall: {figures['per_worker_ratio_wall']:.2f}x; "
        f"peak RSS {figures['peak_rss_total_mib'] or float('nan'):,.0f} MiB (target <= 1024)"
    )
    print("\n== Volume check ==")
    print(volume.to_string())
    print("\n== City KPIs (mean) ==")
    print(summary["mean"].to_string(float_format=lambda x: f"{x:,.3f}"))
    print("\n== Equity: p90 wait across centres (min) ==")
    print(equity.to_string(float_format=lambda x: f"{x:,.3f}"))
    phases: dict[str, dict[str, float]] = {}
    if not args.no_phases:
        order = city.centres.sort_values("expected_visits")["centre_id"].tolist()
        picks = {"smallest": order[0], "median": order[len(order) // 2], "largest": order[-1]}
        print("\n== Phase split, one replication in this process (CPU s) ==")
        for label, cid in picks.items():
            ph = phase_split(city.scenario(cid), args.seed, not args.no_hist)
            phases[f"{label} {cid}"] = ph
            parts = ", ".join(f"{k} {v:.3f}" for k, v in ph.items() if k != "residents_n")
            print(f"{label:>8} {cid} ({ph['residents_n']:,.0f} residents): {parts}")
    commit = git_commit()
    record = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "commit": commit,
        },
        "figures": figures,
        "phases": phases,
        "volume": {
            k: (v if isinstance(v, bool | float | int) else str(v)) for k, v in volume.items()
        },
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    print(f"\nwritten {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
