"""City allocation benchmark (issue 14, "Performance").

Run from the repository root::

    .venv/bin/python bench/bench_allocate.py             # 220 centres, 100 staff, 2 workers
    .venv/bin/python bench/bench_allocate.py --districts Huangpu Xuhui --budget 10
    .venv/bin/python bench/bench_allocate.py --dask      # on a LocalCluster (2 x 1 thread)

What it measures, in this process:

1. A reference: one replication of the same city over the same days with
   :func:`simulator.city.run.run_city` (2 workers), so the allocation's time can be read
   as a ratio on a machine loaded by others.
2. :func:`simulator.city.allocate.allocate` with the default settings of
   ``scenarios/allocate/default.yaml`` (two weeks from 2026-03-02, 5 search and 10 final
   replications, objective served_within, budget in staff), an empty cache: wall time of
   the search and of the final comparison, replications simulated (search / total),
   moves screened out, and wall time per replication simulated.
3. The same allocation rerun on the full cache (the resume path).

It prints figures and never asserts on time; results go to ``bench/results/allocate.json``
(git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "allocate.json"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--budget", type=float, default=100.0)
    p.add_argument("--days", type=int, default=14)
    p.add_argument("--districts", nargs="*", default=None)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--dask", action="store_true", help="LocalCluster with 2 workers x 1 thread")
    p.add_argument("--replications", type=int, default=5)
    p.add_argument("--verify", type=int, default=10)
    args = p.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from simulator.city.allocate import allocate
    from simulator.city.build import build_city
    from simulator.city.run import run_city
    from simulator.run.executor import DaskExecutor, LocalExecutor

    t0 = time.perf_counter()
    city = build_city(start_date="2026-03-02", days=args.days, districts=args.districts)
    build_s = time.perf_counter() - t0
    print(f"city: {len(city)} centres, {args.days} days, built in {build_s:.1f} s")

    cluster = client = None
    if args.dask:
        from distributed import Client, LocalCluster

        cluster = LocalCluster(
            processes=True,
            n_workers=2,
            threads_per_worker=1,
            host="127.0.0.1",
            dashboard_address=None,
        )
        client = Client(cluster)
        ex: Any = DaskExecutor(client)
    else:
        ex = LocalExecutor(args.workers)
    try:
        cpu0 = os.times()
        t0 = time.perf_counter()
        ref = run_city(city, replications=1, seed=1, executor=ex, wait_histogram=False)
        ref_s = time.perf_counter() - t0
        print(f"reference: one city replication in {ref_s:.1f} s ({ref.meta['backend']})")
        with tempfile.TemporaryDirectory() as tmp:
            run = functools.partial(
                allocate,
                city,
                budget=args.budget,
                replications=args.replications,
                verify_replications=args.verify,
                executor=ex,
                cache=Path(tmp) / "evaluations.jsonl",
            )
            cpu_a = os.times()
            t0 = time.perf_counter()
            res = run()
            wall = time.perf_counter() - t0
            cpu_main = os.times()
            t0 = time.perf_counter()
            again = run()  # every evaluation read back from the cache
            rerun = time.perf_counter() - t0
    finally:
        ex.close()  # worker processes end here, so their CPU time is counted below
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    cpu1 = os.times()
    s = res.summary
    # Workers: CPU of the reference, the allocation and the cached rerun together (one
    # pool lives through all three; the rerun simulates nothing); main: the allocation.
    child_cpu = (cpu1.children_user + cpu1.children_system) - (
        cpu0.children_user + cpu0.children_system
    )
    own_cpu = (cpu_main.user + cpu_main.system) - (cpu_a.user + cpu_a.system)
    out = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "centres": len(city),
        "days": args.days,
        "budget": args.budget,
        "backend": s["backend"],
        "build_s": build_s,
        "reference_city_replication_s": ref_s,
        "allocate_wall_s": wall,
        "ratio_to_reference": wall / ref_s,
        "search_s": s["search_s"],
        "verify_s": s["verify_s"],
        "replications_simulated": s["evaluations_run"],
        "replications_search": s["evaluations_search"],
        "screened_moves": s["screened_moves"],
        "moves": s["moves"],
        "steps_stop": s["stop"],
        "cpu_main_s": own_cpu,
        "cpu_workers_s": child_cpu if not args.dask else None,
        "rerun_on_cache_s": rerun,
        "rerun_simulated": again.summary["evaluations_run"],
        "headline": s["headline"],
        "same_answer_on_rerun": bool(
            res.allocation.equals(again.allocation) and res.comparison.equals(again.comparison)
        ),
    }
    for k, v in out.items():
        print(f"{k}: {v:.2f}" if isinstance(v, float) else f"{k}: {v}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
