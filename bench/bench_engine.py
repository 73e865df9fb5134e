"""Engine throughput benchmark (issue 2).

Run from the repository root::

    .venv/bin/python bench/bench_engine.py            # full run (about a minute)
    .venv/bin/python bench/bench_engine.py --quick    # smoke run (a few seconds)

What it measures, all in this one process and on one core (no process pool):

1. ``run_replication`` on ``validation/mmc`` (M/M/10, utilisation 0.85, mean service
   8 min, 63.75 arrivals/h, one 10080-minute day): customers per second, where the
   customers are *all* residents of the replication (``warmup_min=0`` so the KPI
   ``arrivals`` counts every one; cross-checked with ``generate_residents``). The timed
   call includes drawing the residents, the SimPy run and the KPI tables.
2. The lean SimPy M/M/c loop (``bench/lean.py``: one SimPy process per customer,
   ``simpy.Resource(capacity=c)``, inter-arrival and service times drawn up front in
   numpy batches, waits written into a preallocated numpy array) on the same parameters
   and horizon. Customers per second.
3. The ratio engine / lean loop (target >= 3.5).
4. The reference centre (every feature on: balking, reneging, lunch, dedicated window,
   skills, back office, 5 days) and the same centre over a whole week
   (``calendar=week``), residents per second and the ratio to the lean loop
   (target >= 2.0).
5. Peak memory of one mmc replication and of one minimal run: ``tracemalloc`` peak of
   Python/numpy allocations and, in full mode, the peak RSS of a fresh child process.

Engine and minimal batches are interleaved in every repeat; the figures are medians
over the repeats (best and worst are reported too), after one untimed warm-up batch.
The script prints figures and ratios and never asserts on time. Results are also
written to ``bench/results/engine.json`` (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import simpy

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lean import HORIZON, MEAN_SERVICE, RATE_PER_HOUR, C, minimal_mmc

from simulator import load_scenario, run_replication
from simulator.analysis.kpis import compute_kpis
from simulator.engine.centre import CentreModel
from simulator.engine.demand import draw_outages, generate_residents

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "engine.json"
SEED = 20261128

MODES = {
    # mmc_reps: replications per timed batch; repeats: timed batches per workload
    "quick": {"mmc_reps": 1, "ref_reps": 4, "repeats": 3},
    "full": {"mmc_reps": 4, "ref_reps": 30, "repeats": 9},
}


# -- machine -------------------------------------------------------------------------
def machine_info() -> dict[str, Any]:
    cpu_model = platform.processor() or ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        affinity = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        affinity = None
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = ""
    return {
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "numpy": np.__version__,
        "simpy": simpy.__version__,
        "cpu_count": os.cpu_count(),
        "cpu_affinity": affinity,
        "cpu_model": cpu_model,
        "machine": platform.machine(),
        "system": f"{platform.system()} {platform.release()}",
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
        "git_commit": commit or None,
    }


def erlang_c_wq(c: int, lam: float, mean_service: float) -> float:
    """Mean wait in queue of M/M/c (Erlang C), same time unit as ``mean_service``."""
    a = lam * mean_service
    rho = a / c
    term = 1.0
    total = 1.0
    for k in range(1, c):
        term *= a / k
        total += term
    last = term * a / c / (1.0 - rho)
    p_wait = last / (total + last)
    return p_wait * mean_service / (c - a)


# -- timing helpers ---------------------------------------------------------------------
def timed(fn: Callable[[], int]) -> tuple[int, float, float]:
    """Run ``fn`` once: (its count, wall seconds, CPU seconds of this process)."""
    gc.collect()
    c0 = time.process_time()
    t0 = time.perf_counter()
    n = fn()
    t1 = time.perf_counter()
    return n, t1 - t0, time.process_time() - c0


def summarise(rates: list[float]) -> dict[str, float]:
    return {
        "median": statistics.median(rates),
        "best": max(rates),
        "worst": min(rates),
        "spread_pct": 100.0 * (max(rates) - min(rates)) / statistics.median(rates),
    }


def fmt_rate(x: float) -> str:
    return f"{x:>10,.0f}"


# -- memory -----------------------------------------------------------------------------
def maxrss_mib() -> float:
    """Peak resident set size of this process so far (MiB). ``VmHWM`` on Linux (reset by
    exec); ``ru_maxrss`` elsewhere (on Linux that one carries the parent's peak over fork
    and exec, so a child would report the bigger of the two)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ru / (1024.0 * 1024.0) if sys.platform == "darwin" else ru / 1024.0


def tracemalloc_peak(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MiB) while ``fn`` runs, above what was live before."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - base) / 2**20


def memory_child(which: str) -> None:
    """Run in a fresh interpreter: peak RSS before/after one run (printed as JSON)."""
    if which == "engine":
        scn = load_scenario("validation/mmc", ["warmup_min=0"])
        before = maxrss_mib()
        run_replication(scn, 0, SEED)
    else:  # same imports as the engine child (the bench imports simulator), no Hydra
        before = maxrss_mib()
        minimal_mmc(SEED)
    after = maxrss_mib()
    print(json.dumps({"rss_before_mib": before, "rss_peak_mib": after}))


def rss_in_child(which: str) -> dict[str, float] | None:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", which],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    if out.returncode != 0:
        print(f"  (memory child {which} failed: {out.stderr.strip()[-300:]})")
        return None
    data: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    data["rss_run_mib"] = data["rss_peak_mib"] - data["rss_before_mib"]
    return data


# -- main -------------------------------------------------------------------------------
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fast smoke run (a few seconds)")
    ap.add_argument("--repeats", type=int, help="timed batches per workload")
    ap.add_argument("--out", type=Path, default=RESULTS, help="JSON results file")
    ap.add_argument("--memory-child", choices=["engine", "minimal"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        memory_child(args.memory_child)
        return

    mode = "quick" if args.quick else "full"
    cfg = dict(MODES[mode])
    if args.repeats:
        cfg["repeats"] = args.repeats
    repeats, mmc_reps, ref_reps = cfg["repeats"], cfg["mmc_reps"], cfg["ref_reps"]
    started = dt.datetime.now().astimezone()
    info = machine_info()
    print(f"svcsim engine benchmark ({mode}) - {started:%Y-%m-%d %H:%M %Z}")
    print(
        f"Python {info['python']} ({info['implementation']}), numpy {info['numpy']}, "
        f"simpy {info['simpy']}, {info['cpu_count']} CPUs ({info['cpu_model']}, "
        f"{info['machine']}), commit {info['git_commit']}"
        + (f", OPENBLAS_CORETYPE={info['openblas_coretype']}" if info["openblas_coretype"] else "")
    )
    print(
        f"median of {repeats} timed batches after 1 warm-up batch; single process; "
        f"mmc: {mmc_reps} replication(s) per batch, reference: {ref_reps} per batch\n"
    )

    # Scenarios. warmup_min only moves the KPI cut (not the simulation work); with 0 the
    # KPI `arrivals` counts every resident of the replication.
    mmc = load_scenario("validation/mmc", ["warmup_min=0"])
    ref = load_scenario("reference")
    week = load_scenario("reference", ["calendar=week"])
    n_check = len(generate_residents(mmc, mmc.day_plans(), SEED, 0))

    def engine_batch(scn: Any, reps: int, offset: int = 0) -> Callable[[], int]:
        def run() -> int:
            return sum(
                int(run_replication(scn, offset + r, SEED).kpis["arrivals"]) for r in range(reps)
            )

        return run

    def minimal_batch(reps: int, offset: int = 0) -> Callable[[], int]:
        def run() -> int:
            return sum(minimal_mmc(SEED + offset + r)[0] for r in range(reps))

        return run

    workloads: dict[str, Callable[[int], Callable[[], int]]] = {
        "engine_mmc": lambda k: engine_batch(mmc, mmc_reps, k * mmc_reps),
        "minimal_mmc": lambda k: minimal_batch(mmc_reps, k * mmc_reps),
        "engine_reference": lambda k: engine_batch(ref, ref_reps, k * ref_reps),
        "engine_reference_week": lambda k: engine_batch(week, ref_reps, k * ref_reps),
    }
    # Warm-up (imports, caches, first-call costs), then check the resident count.
    n_first = int(run_replication(mmc, 0, SEED).kpis["arrivals"])
    assert n_first == n_check, (n_first, n_check)  # bookkeeping check, not a timing one
    for make in workloads.values():
        make(repeats)()

    rates: dict[str, list[float]] = {k: [] for k in workloads}  # per wall second
    cpu_rates: dict[str, list[float]] = {k: [] for k in workloads}  # per CPU second
    counts: dict[str, list[int]] = {k: [] for k in workloads}
    secs: dict[str, list[float]] = {k: [] for k in workloads}
    for rep in range(repeats):
        for name, make in workloads.items():  # interleaved: drift hits all alike
            n, s, cpu = timed(make(rep))
            rates[name].append(n / s)
            cpu_rates[name].append(n / cpu)
            counts[name].append(n)
            secs[name].append(s)

    # Where the engine's time goes on mmc (median over a few replications).
    plans = mmc.day_plans()
    phase: dict[str, list[float]] = {"generate_residents": [], "model_run": [], "kpis": []}
    clock = time.process_time  # CPU time: other processes' load does not count
    for r in range(max(3, mmc_reps)):
        gc.collect()
        t0 = clock()
        res = generate_residents(mmc, mmc.day_plans(), SEED, r)
        t1 = clock()
        raw = CentreModel(
            mmc, plans, res, mmc.experiment.monitor_interval_min, draw_outages(mmc, SEED, r)
        ).run()
        t2 = clock()
        compute_kpis(mmc, plans, res, raw, r)
        t3 = clock()
        phase["generate_residents"].append(t1 - t0)
        phase["model_run"].append(t2 - t1)
        phase["kpis"].append(t3 - t2)
    phase_ms = {k: 1000.0 * statistics.median(v) for k, v in phase.items()}

    # Sanity: both loops simulate the same system (mean wait vs Erlang C).
    lam = RATE_PER_HOUR / 60.0
    wq_theory = erlang_c_wq(C, lam, MEAN_SERVICE)
    wq_engine = statistics.mean(
        run_replication(load_scenario("validation/mmc"), r, SEED).kpis["queue_time_mean_min"]
        for r in range(mmc_reps)
    )
    wq_minimal = statistics.mean(
        float(w[t >= 600.0].mean()) for _, t, w in (minimal_mmc(SEED + r) for r in range(mmc_reps))
    )

    # Memory.
    mem: dict[str, Any] = {
        "engine_mmc_tracemalloc_peak_mib": tracemalloc_peak(lambda: run_replication(mmc, 0, SEED)),
        "minimal_mmc_tracemalloc_peak_mib": tracemalloc_peak(lambda: minimal_mmc(SEED)),
        "bench_process_maxrss_mib": maxrss_mib(),
    }
    if mode == "full":
        mem["engine_mmc_child_rss"] = rss_in_child("engine")
        mem["minimal_mmc_child_rss"] = rss_in_child("minimal")

    summ = {name: summarise(v) for name, v in rates.items()}
    summ_cpu = {name: summarise(v) for name, v in cpu_rates.items()}
    per_rep = {
        name: statistics.mean(c) / (mmc_reps if "mmc" in name else ref_reps)
        for name, c in counts.items()
    }

    def paired(name: str, table: dict[str, list[float]] = rates) -> float:
        """Median over repeats of (rate of ``name`` / minimal rate in the same repeat):
        robust to load from other processes that drifts between repeats."""
        return statistics.median(
            a / b for a, b in zip(table[name], table["minimal_mmc"], strict=True)
        )

    ratios = {
        "engine_mmc_over_minimal": paired("engine_mmc"),
        "engine_mmc_over_minimal_best": summ["engine_mmc"]["best"] / summ["minimal_mmc"]["best"],
        "reference_over_minimal": paired("engine_reference"),
        "reference_over_minimal_best": summ["engine_reference"]["best"]
        / summ["minimal_mmc"]["best"],
        "reference_week_over_minimal": paired("engine_reference_week"),
        "reference_week_over_minimal_best": summ["engine_reference_week"]["best"]
        / summ["minimal_mmc"]["best"],
        "engine_mmc_over_minimal_cpu": paired("engine_mmc", cpu_rates),
        "reference_over_minimal_cpu": paired("engine_reference", cpu_rates),
        "reference_week_over_minimal_cpu": paired("engine_reference_week", cpu_rates),
    }

    labels = {
        "engine_mmc": "engine, validation/mmc (M/M/10, rho 0.85)",
        "minimal_mmc": "lean SimPy M/M/10 loop",
        "engine_reference": "engine, reference (all features, 5 days)",
        "engine_reference_week": "engine, reference + calendar=week",
    }
    print("customers (residents) per second; wall clock unless marked CPU")
    print(
        f"{'workload':44s} {'per rep':>8s} {'median/s':>10s} {'best/s':>10s} {'spread':>7s} "
        f"{'CPU med/s':>10s}"
    )
    for name, lab in labels.items():
        st = summ[name]
        print(
            f"{lab:44s} {per_rep[name]:8.0f} {fmt_rate(st['median'])} {fmt_rate(st['best'])} "
            f"{st['spread_pct']:6.1f}% {fmt_rate(summ_cpu[name]['median'])}"
        )
    print()
    print("ratios: median of per-repeat paired ratios, wall | best/best, wall | paired, CPU")
    for key, lab, target in (
        ("engine_mmc_over_minimal", "engine/lean loop, mmc", 3.5),
        ("reference_over_minimal", "reference/lean loop", 2.0),
        ("reference_week_over_minimal", "reference week/lean loop", 2.0),
    ):
        print(
            f"  {lab:31s}: {ratios[key]:5.2f}x | {ratios[key + '_best']:5.2f}x | "
            f"{ratios[key + '_cpu']:5.2f}x   target >= {target}"
        )
    print(
        f"engine mmc phases (ms/rep)       : residents {phase_ms['generate_residents']:.1f}, "
        f"SimPy run {phase_ms['model_run']:.1f}, KPIs {phase_ms['kpis']:.1f}"
    )
    print(
        f"mean wait after 600-min warm-up  : engine {wq_engine:.2f}, minimal {wq_minimal:.2f}, "
        f"Erlang C {wq_theory:.2f} min (sanity check, {mmc_reps} rep(s))"
    )
    print(
        f"peak memory, one mmc replication : engine {mem['engine_mmc_tracemalloc_peak_mib']:.1f}"
        f" MiB, minimal {mem['minimal_mmc_tracemalloc_peak_mib']:.1f} MiB (tracemalloc)"
    )
    for key, lab in (("engine_mmc_child_rss", "engine"), ("minimal_mmc_child_rss", "minimal")):
        m = mem.get(key)
        if m:
            print(
                f"  fresh process, {lab:8s}: peak RSS {m['rss_peak_mib']:.1f} MiB "
                f"({m['rss_before_mib']:.1f} before the run, +{m['rss_run_mib']:.1f} by it)"
            )
    print(f"  this benchmark process: peak RSS {mem['bench_process_maxrss_mib']:.1f} MiB")

    payload = {
        "benchmark": "engine throughput (issue 2)",
        "mode": mode,
        "date": started.isoformat(timespec="seconds"),
        "command": " ".join([os.path.relpath(sys.executable, ROOT), *sys.argv]),
        "machine": info,
        "config": {
            **cfg,
            "seed": SEED,
            "c": C,
            "mean_service_min": MEAN_SERVICE,
            "arrival_rate_per_hour": RATE_PER_HOUR,
            "horizon_min": HORIZON,
        },
        "residents_per_replication": per_rep,
        "rates_per_s": summ,
        "rates_per_cpu_s": summ_cpu,
        "raw_rates_per_s": rates,
        "raw_rates_per_cpu_s": cpu_rates,
        "raw_seconds": secs,
        "ratios": ratios,
        "targets": {"engine_mmc_over_minimal": 3.5, "reference_over_minimal": 2.0},
        "engine_mmc_phase_ms": phase_ms,
        "sanity_mean_wait_min": {
            "engine": wq_engine,
            "minimal": wq_minimal,
            "erlang_c": wq_theory,
        },
        "memory": mem,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    try:
        shown = args.out.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.out
    print(f"\nresults written to {shown}")


if __name__ == "__main__":
    main()
