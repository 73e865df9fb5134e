"""Back-test of the calibration on generated histories: calibrate on the first months,
simulate the written scenario file over the held-out months, compare.

Each case generates a centre history with :func:`calibration.synthetic.generate_history`
(a known scenario), optionally spoils it as real exports are spoilt (no leave times,
dirty rows, GB18030 encoding), runs :func:`calibration.pipeline.calibrate` with the last
``holdout_days`` held out, and reads the held-out comparison of the file it wrote
(:func:`calibration.validate.validate_file`). Acceptance (docs/calibration.md):

* arrivals per open day within 5%;
* mean wait (served, ticket to call) within max(0.75 min, 25%);
* p90 wait within max(2 min, 25%);
* abandonment (no-shows apart) within 0.02;
* utilisation (call to end over staffed time) within 0.05.

Run ``python -m calibration.backtest`` to print the table (``--cases quiet busy``,
``--out table.md``); the slow test ``tests/calibration/test_calib_backtest.py`` runs the
same cases.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CASES", "BacktestCase", "backtest", "backtest_table", "main"]


@dataclass(frozen=True)
class BacktestCase:
    """One generated history and how it is spoilt.

    Attributes
    ----------
    name : str
        Case name.
    overrides : tuple of str
        Hydra overrides of the generating scenario (``reference``).
    no_leave_times : bool
        Blank every leave time (systems that do not record when people leave).
    dirty_share : float
        Share of rows spoilt (unparseable or truncated timestamps, empty item, bad
        outcome, duplicated ticket).
    encoding : str
        CSV encoding of the ticket log.
    """

    name: str
    overrides: tuple[str, ...] = ()
    no_leave_times: bool = False
    dirty_share: float = 0.0
    encoding: str = "utf-8"


CASES: dict[str, BacktestCase] = {
    "quiet": BacktestCase("quiet"),
    "busy": BacktestCase("busy", overrides=("centre.daily_volume=270",)),
    "no_leave_times": BacktestCase("no_leave_times", no_leave_times=True),
    "dirty_2pct": BacktestCase("dirty_2pct", dirty_share=0.02),
    "gb18030": BacktestCase("gb18030", encoding="gb18030"),
}

#: (KPI, absolute tolerance, relative tolerance): within max(absolute, relative x log).
TOLERANCES: dict[str, tuple[float, float]] = {
    "arrivals_per_day": (0.0, 0.05),
    "wait_mean_min": (0.75, 0.25),
    "wait_p90_min": (2.0, 0.25),
    "abandonment_rate": (0.02, 0.0),
    "utilisation": (0.05, 0.0),
}


def _spoil(path: Path, case: BacktestCase, seed: int) -> None:
    log = pd.read_csv(path, dtype=str, keep_default_na=False)
    rng = np.random.default_rng(seed)
    if case.no_leave_times and "leave_time" in log:
        log["leave_time"] = ""
    if case.dirty_share > 0:
        n = len(log)
        pick = rng.choice(n, size=round(case.dirty_share * n), replace=False)
        kinds = rng.integers(0, 4, len(pick))
        spoilt = {
            0: ("ticket_time", "2025-13-45 08:00:00"),
            1: ("item_id", ""),
            2: ("outcome", "lost"),
            3: ("call_time", "not a time"),
        }
        for k, (col, value) in spoilt.items():
            log.loc[log.index[pick[kinds == k]], col] = value
    log.to_csv(path, index=False, encoding=case.encoding)


def backtest(
    case: BacktestCase,
    folder: str | Path,
    *,
    start: str = "2025-01-01",
    end: str = "2025-12-31",
    holdout_days: int = 61,
    seed: int = 1,
    replications: int = 10,
) -> dict[str, Any]:
    """Run one back-test case.

    Returns
    -------
    dict
        ``case``, per KPI ``<kpi>_log`` / ``<kpi>_sim`` / ``<kpi>_ok``, ``all_ok``,
        ``seconds`` (calibration with validation), ``tickets`` and ``scenario`` (path).
    """
    from calibration.pipeline import calibrate
    from calibration.synthetic import generate_history

    folder = Path(folder)
    h = generate_history(
        folder / "history", start=start, end=end, seed=seed, overrides=list(case.overrides)
    )
    _spoil(h.tickets, case, seed)
    t0 = time.perf_counter()
    res = calibrate(
        h.tickets,
        name=case.name,
        catalogue=h.catalogue,
        holdout_days=holdout_days,
        out_dir=folder / "scenario",
        report_dir=folder / "report",
        figures=False,
        replications=replications,
        seed=seed,
        encoding=case.encoding if case.encoding != "utf-8" else None,
    )
    seconds = time.perf_counter() - t0
    val = res[0].validation
    assert val is not None
    tab = val.table.set_index("kpi")
    daily = val.daily.loc[val.daily["open"]]
    out: dict[str, Any] = {"case": case.name, "tickets": h.n_tickets, "seconds": seconds}
    values = {
        "arrivals_per_day": (float(daily["historical"].mean()), float(daily["sim_mean"].mean())),
        **{
            k: (float(tab.at[k, "historical"]), float(tab.at[k, "sim_mean"]))  # type: ignore[arg-type]
            for k in ("wait_mean_min", "wait_p90_min", "abandonment_rate", "utilisation")
        },
    }
    ok_all = True
    for k, (lv, sv) in values.items():
        a, r = TOLERANCES[k]
        ok = abs(sv - lv) <= max(a, r * abs(lv))
        out[f"{k}_log"], out[f"{k}_sim"], out[f"{k}_ok"] = lv, sv, ok
        ok_all &= ok
    out["all_ok"] = ok_all
    out["scenario"] = str(res[0].scenario_path)
    out["validation_consistent"] = int((val.table["verdict"] == "consistent").sum())
    out["validation_kpis"] = len(val.table)
    return out


def _fmt(x: float, k: str) -> str:
    if not math.isfinite(x):
        return "-"
    return f"{x:.3f}" if k in ("abandonment_rate", "utilisation") else f"{x:.1f}"


def backtest_table(rows: Sequence[dict[str, Any]]) -> str:
    """Markdown table of back-test results (log / simulated, a cross when out of
    tolerance)."""
    head = (
        "| case | tickets | arrivals/day | mean wait (min) | p90 wait (min) | abandonment | "
        "utilisation | validation verdicts | seconds |"
    )
    lines = [head, "|" + "---|" * 9]
    for r in rows:
        cells = []
        for k in TOLERANCES:
            mark = "" if r[f"{k}_ok"] else " **x**"
            cells.append(f"{_fmt(r[f'{k}_log'], k)} / {_fmt(r[f'{k}_sim'], k)}{mark}")
        lines.append(
            f"| {r['case']} | {r['tickets']:,} | "
            + " | ".join(cells)
            + f" | {r['validation_consistent']}/{r['validation_kpis']} consistent"
            + f" | {r['seconds']:.1f} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m calibration.backtest [--cases ...] [--folder DIR] [--out FILE]``."""
    import tempfile

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="*", default=list(CASES))
    ap.add_argument("--folder", default=None)
    ap.add_argument("--replications", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default=None)
    a = ap.parse_args(argv)
    root = Path(a.folder) if a.folder else Path(tempfile.mkdtemp(prefix="svcsim_backtest_"))
    rows = [backtest(CASES[c], root / c, seed=a.seed, replications=a.replications) for c in a.cases]
    text = backtest_table(rows)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
