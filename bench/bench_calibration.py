"""Calibration benchmark: one synthetic centre-year of ticket logs, generated and calibrated.

Run from the repository root::

    .venv/bin/python bench/bench_calibration.py            # one centre-year, with validation
    .venv/bin/python bench/bench_calibration.py --no-validation
    .venv/bin/python bench/bench_calibration.py --centres 20 --workers 2   # 20 centre-years

What it measures, in this process (CPU and wall seconds):

1. Generating the synthetic history (:func:`calibration.synthetic.generate_history`,
   the reference scenario simulated over 2025: about 57,000 tickets).
2. Reading, cleaning and fitting it (:func:`calibration.pipeline.calibrate` with no
   holdout and no figures): the whole calibration of one centre-year.
3. With validation (default): the same with the last 61 days held out and simulated in
   20 replications (the calibrated scenario against the held-out log).

Every figure is also given in units of the lean SimPy M/M/c loop (``bench/lean.py``),
run in the same process before and after: ``L`` is the time that loop needs for one
million customers here, so a figure in ``L`` carries across machines and load. The
script prints figures and never asserts on time; results go to
``bench/results/calibration.json`` (git-ignored).
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from lean import lean_rate

RESULTS = Path(__file__).resolve().parent / "results" / "calibration.json"


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-validation", action="store_true", help="skip the holdout run")
    ap.add_argument("--centres", type=int, default=1, help="centre-years to generate (default 1)")
    ap.add_argument("--workers", type=int, default=1, help="calibration worker processes")
    ap.add_argument("--out", type=Path, default=RESULTS)
    args = ap.parse_args(argv)

    from calibration.pipeline import calibrate
    from calibration.synthetic import generate_history

    lean0 = lean_rate()
    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        hist, wall, cpu = timed(
            lambda: generate_history(
                root / "history",
                start="2025-01-01",
                end="2025-12-31",
                centres=args.centres,
                seed=1,
            )
        )
        figures["generate"] = {"wall_s": wall, "cpu_s": cpu, "rows": float(hist.n_tickets)}
        common: dict[str, Any] = {
            "catalogue": hist.catalogue,
            "skills": hist.skills,
            "staffing": hist.staffing,
            "figures": False,
            "workers": args.workers,
        }
        runs: dict[str, tuple[str, dict[str, Any]]] = {"calibrate": ("fit", {"holdout_days": 0})}
        if not args.no_validation:
            runs["calibrate_with_validation"] = ("val", {"holdout_days": 61, "replications": 20})
        for figure, (folder, options) in runs.items():
            run = functools.partial(
                calibrate,
                hist.tickets,
                name=f"bench_{folder}",
                out_dir=root / folder,
                report_dir=root / f"report_{folder}",
                **common,
                **options,
            )
            _, wall, cpu = timed(run)
            figures[figure] = {"wall_s": wall, "cpu_s": cpu}
    lean1 = lean_rate()
    lean = {k: (lean0[k] + lean1[k]) / 2 for k in lean0}
    unit = {k: 1e6 / v for k, v in lean.items()}  # L: lean-loop seconds per million
    print(
        f"lean SimPy M/M/c loop: {lean['cpu']:,.0f} customers per CPU s "
        f"(L = {unit['cpu']:.1f} CPU s per million customers; wall L = {unit['wall']:.1f} s)"
    )
    labels = {
        "generate": f"generate {args.centres} centre-year(s) "
        f"({figures['generate']['rows']:,.0f} tickets)",
        "calibrate": "calibrate it (read, clean, fit; no holdout)",
        "calibrate_with_validation": "calibrate + 61-day holdout, 20 replications",
    }
    for key, fig in figures.items():
        fig["cpu_in_L"] = fig["cpu_s"] / unit["cpu"]
        fig["wall_in_L"] = fig["wall_s"] / unit["wall"]
        print(
            f"  {labels[key]:50s}: {fig['wall_s']:6.1f} s wall, {fig['cpu_s']:6.1f} CPU s "
            f"= {fig['cpu_in_L']:.2f} L (CPU)"
        )
    record = {
        "benchmark": f"calibration, {args.centres} synthetic centre-year(s)",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *(argv or sys.argv[1:])]),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "loadavg": os.getloadavg(),
        },
        "lean_customers_per_s": lean,
        "figures": figures,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(record, indent=2), encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
