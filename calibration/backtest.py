"""Back-test of the calibration on generated histories: calibrate on the first months,
simulate the written scenario file over the held-out months, compare.

Each case is a preset of :func:`calibration.synthetic.synthetic_history` (a known
scenario with real-world realism: no-shows, walk time, closed holidays and ad-hoc
closures with stray rows, absences, per-staff speed; and per preset a busy centre,
cross-province residents, no leave times, 2% faulty rows, GB18030, other column names,
Chinese column names).
:func:`calibration.pipeline.calibrate` runs with the last ``holdout_days`` held out
(no staffing file: the staffing is learned from the calls), and the held-out comparison
of the file it wrote (:func:`calibration.validate.validate_file`) is read. Acceptance
(docs/calibration.md):

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
from pathlib import Path
from typing import Any

__all__ = ["CASES", "TOLERANCES", "backtest", "backtest_table", "main"]


#: Back-test cases: presets of :func:`calibration.synthetic.synthetic_history`.
CASES: tuple[str, ...] = (
    "quiet",
    "busy",
    "cross_province",
    "no_leave_times",
    "dirty",
    "gb18030",
    "renamed",
    "chinese",
)


#: (KPI, absolute tolerance, relative tolerance): within max(absolute, relative x log).
TOLERANCES: dict[str, tuple[float, float]] = {
    "arrivals_per_day": (0.0, 0.05),
    "wait_mean_min": (0.75, 0.25),
    "wait_p90_min": (2.0, 0.25),
    "abandonment_rate": (0.02, 0.0),
    "utilisation": (0.05, 0.0),
}


def backtest(
    case: str,
    folder: str | Path,
    *,
    start: str = "2025-01-01",
    end: str = "2025-12-31",
    holdout_days: int = 61,
    seed: int = 1,
    replications: int = 10,
    staffing: bool = False,
    unseen_months: str = "base",
) -> dict[str, Any]:
    """Run one back-test case.

    Parameters
    ----------
    case : str
        A preset of :func:`calibration.synthetic.synthetic_history`.
    folder : path
        Working folder (history, scenario, report).
    start, end, holdout_days :
        History period; the last ``holdout_days`` are held out.
    seed, replications :
        Generator and validation settings.
    staffing : bool
        Give the calibration the staffing file (default: staffing learned from calls).
    unseen_months : {"base", "flat"}
        Passed to :func:`calibration.pipeline.calibrate`.

    Returns
    -------
    dict
        ``case``, per KPI ``<kpi>_log`` / ``<kpi>_sim`` / ``<kpi>_ok``, ``all_ok``,
        ``seconds`` (calibration with validation), ``tickets``, ``scenario`` (path),
        ``_calibration`` (the :class:`calibration.pipeline.CentreCalibration`) and
        ``_truth`` (the generating scenario config with its ``synthetic`` facts).
    """
    from calibration.pipeline import calibrate
    from calibration.synthetic import PRESETS, synthetic_history

    folder = Path(folder)
    h = synthetic_history(folder / "history", case, start=start, end=end, seed=seed)
    cols = dict(PRESETS[case].realism.columns) or None
    t0 = time.perf_counter()
    res = calibrate(
        h.tickets,
        name=case,
        catalogue=h.catalogue,
        staffing=h.staffing if staffing else None,
        holdout_days=holdout_days,
        out_dir=folder / "scenario",
        report_dir=folder / "report",
        figures=False,
        replications=replications,
        seed=seed,
        columns=cols,
        progress=False,
        unseen_months=unseen_months,
    )
    seconds = time.perf_counter() - t0
    val = res[0].validation
    assert val is not None
    tab = val.table.set_index("kpi")
    daily = val.daily.loc[val.daily["open"]]
    out: dict[str, Any] = {"case": case, "tickets": h.n_tickets, "seconds": seconds}
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
    out["_calibration"] = res[0]
    out["_truth"] = h.truth[res[0].centre_id]
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
    ap.add_argument("--unseen-months", default="base", choices=("base", "flat"))
    a = ap.parse_args(argv)
    root = Path(a.folder) if a.folder else Path(tempfile.mkdtemp(prefix="svcsim_backtest_"))
    rows = [
        backtest(
            c, root / c, seed=a.seed, replications=a.replications, unseen_months=a.unseen_months
        )
        for c in a.cases
    ]
    text = backtest_table(rows)
    print(text)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
