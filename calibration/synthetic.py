"""Synthetic history: ticket logs and volume tables from a known scenario, via the simulator.

The generator runs a scenario through :func:`simulator.simulate` (one replication per
centre, per-visit records on) and writes what a centre's ticket system would export:
a ticket log in the format of ``docs/data-formats.md``, daily and hourly volume tables,
a staffing history, a staff skills table and the item catalogue. Every file name starts
with ``synthetic_``, every table has a ``synthetic`` column (value 1; readers ignore
extra columns) and the folder gets a ``README.md`` saying the data are simulated. The
known parameters (the full composed scenario of every centre) go to
``synthetic_truth.yaml`` so that a calibration can be checked against them.

How simulator outcomes become ticket-log rows (see also ``docs/calibration.md``):

``served``
    ``served``; ``call_time = service_start`` = ticket + wait (no walking time),
    ``service_end`` = start + service time (skill multiplier included), window and staff.
``abandoned`` (reneged)
    ``abandoned`` with ``leave_time`` = ticket + time in queue; no call.
``balked``
    ``abandoned`` with ``leave_time = ticket_time``: the resident took a ticket, saw the
    queue and left at once. Calibration treats zero-wait abandonments as balks
    (``balk_max_minutes``), not as patience observations.
``unserved``
    (still waiting when the last window closed) ``abandoned`` with an empty
    ``leave_time``: the ticket was closed at the end of the day, and whether the
    resident was still there is unknown; it counts as an arrival, not for patience.

Timestamps are whole seconds (floored), as ticket systems export them. ``origin`` is
left empty (cross-province origins come later); the return-visit flag is not exported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

__all__ = [
    "SyntheticHistory",
    "generate_history",
    "skills_table",
    "staffing_history",
    "visits_to_ticket_log",
]

_PREFIX = "synthetic_"


@dataclass(frozen=True)
class SyntheticHistory:
    """Paths and facts of a generated synthetic history.

    Attributes
    ----------
    folder : pathlib.Path
        Output folder.
    tickets, volumes, hourly_volumes, staffing, skills, catalogue, truth_file, readme : Path
        The files written.
    centres : tuple of str
        Centre ids.
    truth : dict
        Centre id -> the composed scenario config (plain dict) it was simulated from.
    n_tickets : int
        Rows of the ticket log.
    """

    folder: Path
    tickets: Path
    volumes: Path
    hourly_volumes: Path
    staffing: Path
    skills: Path
    catalogue: Path
    truth_file: Path
    readme: Path
    centres: tuple[str, ...]
    truth: dict[str, dict[str, Any]]
    n_tickets: int


def _stamp(dates: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Midnight dates (datetime64[D]) + minutes, floored to whole seconds; NaN -> NaT."""
    ok = np.isfinite(minutes)
    sec = np.where(ok, np.floor(np.where(ok, minutes, 0.0) * 60.0), 0).astype("int64")
    out = dates.astype("datetime64[s]") + sec.astype("timedelta64[s]")
    out = out.astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def visits_to_ticket_log(
    visits: pd.DataFrame, start_date: dt.date, centre_id: str, staff_prefix: str = ""
) -> pd.DataFrame:
    """Turn ``Results.visits`` of one replication into a ticket log.

    Parameters
    ----------
    visits : pandas.DataFrame
        One row per resident (see ``docs/kpis.md``); one replication.
    start_date : datetime.date
        Date of simulated day 0.
    centre_id : str
        Centre id written to every row.
    staff_prefix : str
        Prefix of staff ids (keeps them unique across centres).

    Returns
    -------
    pandas.DataFrame
        Ticket-log columns (timestamps ``datetime64[ns]``, naive Asia/Shanghai) plus
        ``synthetic`` (1), sorted by ticket time.
    """
    v = visits.sort_values(["day", "arrival_min"], kind="stable").reset_index(drop=True)
    n = len(v)
    dates = np.datetime64(start_date, "D") + v["day"].to_numpy(dtype="int64").astype(
        "timedelta64[D]"
    )
    arr = v["arrival_min"].to_numpy(dtype=float)
    wait = v["wait_min"].to_numpy(dtype=float)
    svc = v["service_min"].to_numpy(dtype=float)
    out = v["outcome"].astype(str).to_numpy()
    served = out == "served"
    reneged = out == "abandoned"
    balked = out == "balked"
    nan = np.full(n, np.nan)
    call_min = np.where(served, arr + wait, nan)
    ticket = _stamp(dates, arr)
    call = _stamp(dates, call_min)
    end = _stamp(dates, np.where(served, call_min + svc, nan))
    leave = _stamp(dates, np.where(reneged, arr + wait, np.where(balked, arr, nan)))
    day = v["day"].to_numpy()
    seq = pd.Series(day).groupby(day).cumcount().to_numpy() + 1
    staff = v["staff"].astype(str).to_numpy()
    return pd.DataFrame(
        {
            "centre_id": centre_id,
            "ticket_id": [f"A{k:04d}" for k in seq],
            "item_id": v["item"].astype(str).to_numpy(),
            "ticket_time": ticket,
            "call_time": call,
            "service_start": call,
            "service_end": end,
            "window_id": np.where(served, v["window"].astype(str).to_numpy(), ""),
            "staff_id": np.where(served, np.char.add(staff_prefix, staff.astype(str)), ""),
            "outcome": np.where(served, "served", "abandoned"),
            "origin": "",
            "leave_time": leave,
            "synthetic": 1,
        }
    )


def staffing_history(scn: Any, centre_id: str) -> pd.DataFrame:
    """Staffing history (``centre_id, date, start, end, windows_open, staff_on_duty``)
    of a scenario's day plans: one row per open day and staffing block."""
    rows = []
    for plan in scn.day_plans():
        if plan.closed:
            continue
        for b in plan.blocks:
            k = len(b.assignments)
            rows.append((centre_id, plan.date.isoformat(), _hhmm(b.start), _hhmm(b.end), k, k, 1))
    cols = ["centre_id", "date", "start", "end", "windows_open", "staff_on_duty", "synthetic"]
    return pd.DataFrame(rows, columns=cols)


def skills_table(scn: Any, staff_prefix: str = "") -> pd.DataFrame:
    """Staff skills (``staff_id, family, level``) of a scenario; level ``none`` omitted."""
    rows = [
        (f"{staff_prefix}{s.id}", fam, lev, 1)
        for s in scn.staff
        for fam, lev in s.skills.items()
        if lev != "none"
    ]
    return pd.DataFrame(rows, columns=["staff_id", "family", "level", "synthetic"])


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def _fmt_times(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for c in ("ticket_time", "call_time", "service_start", "service_end", "leave_time"):
        out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return out


def generate_history(
    out_dir: str | Path,
    *,
    scenario: str = "reference",
    start: str | dt.date = "2025-01-01",
    end: str | dt.date = "2025-12-31",
    centres: int = 1,
    seed: int = 0,
    sizes: Sequence[float] | None = None,
    size_sigma: float = 0.0,
    overrides: Sequence[str] = (),
    file_format: str = "csv",
    progress: Callable[[int, int], None] | None = None,
) -> SyntheticHistory:
    """Write a synthetic history of ``centres`` centres from a known scenario.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write to (created).
    scenario : str
        Scenario name or YAML path for :func:`simulator.load_scenario`.
    start, end : str or datetime.date
        First and last date (inclusive; the holiday calendar covers 2004-2026).
    centres : int
        Number of centres; ids ``SYN-01``, ``SYN-02``, ...
    seed : int
        Root seed; centre ``k`` is simulated with its own seed drawn from it.
    sizes : sequence of float, optional
        Size factor per centre (multiplies ``centre.daily_volume``); overrides
        ``size_sigma``.
    size_sigma : float
        Without ``sizes``: lognormal size factors with median 1 and this sigma
        (DOMAIN.md: about 0.35 across a district); 0 gives identical centres.
    overrides : sequence of str
        Hydra overrides applied to every centre.
    file_format : {"csv", "parquet"}
        Format of the ticket log (the small tables are always CSV).
    progress : callable, optional
        ``f(done, total)`` after each centre.

    Returns
    -------
    SyntheticHistory
        Paths, centre ids, known parameters and row count.
    """
    from simulator import load_scenario, simulate
    from simulator.config.compose import compose_config

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    a = pd.Timestamp(start).date()
    b = pd.Timestamp(end).date()
    n_days = (b - a).days + 1
    if n_days < 1:
        raise ValueError(f"end {b} is before start {a}")
    if centres < 1:
        raise ValueError(f"centres must be >= 1, got {centres}")
    ss = np.random.SeedSequence(seed)
    size_rng = np.random.default_rng(ss.spawn(1)[0])
    if sizes is None:
        factors = (
            np.exp(size_sigma * size_rng.standard_normal(centres))
            if size_sigma > 0
            else np.ones(centres)
        )
    else:
        if len(sizes) != centres:
            raise ValueError(f"{len(sizes)} sizes for {centres} centres")
        factors = np.asarray(sizes, dtype=float)
    centre_seeds = [int(s.generate_state(1)[0]) for s in ss.spawn(centres + 1)[1:]]

    logs, staffing, skills, truth = [], [], [], {}
    catalogue = None
    for k in range(centres):
        cid = f"SYN-{k + 1:02d}"
        base_volume = float(compose_config(scenario, list(overrides))["centre"]["daily_volume"])
        ov = [
            *overrides,
            f"calendar.start_date={a.isoformat()}",
            f"calendar.days={n_days}",
            f"centre.id={cid}",
            f"centre.daily_volume={base_volume * float(factors[k]):.6g}",
        ]
        scn = load_scenario(scenario, ov)
        res = simulate(scn, replications=1, seed=centre_seeds[k], record_visits=True, workers=1)
        assert res.visits is not None
        prefix = f"{cid}/"
        logs.append(visits_to_ticket_log(res.visits, scn.start_date, cid, prefix))
        staffing.append(staffing_history(scn, cid))
        skills.append(skills_table(scn, prefix))
        cfg = compose_config(scenario, ov)
        cfg["seed"] = centre_seeds[k]
        truth[cid] = cfg
        if catalogue is None:
            catalogue = pd.DataFrame(
                {
                    "item_id": [it.id for it in scn.items],
                    "family": [it.family for it in scn.items],
                    "synthetic": 1,
                }
            )
        if progress is not None:
            progress(k + 1, centres)
    log = pd.concat(logs, ignore_index=True)
    assert catalogue is not None

    ext = "parquet" if file_format == "parquet" else "csv"
    paths = {
        "tickets": folder / f"{_PREFIX}tickets.{ext}",
        "volumes": folder / f"{_PREFIX}volumes_daily.csv",
        "hourly_volumes": folder / f"{_PREFIX}volumes_hourly.csv",
        "staffing": folder / f"{_PREFIX}staffing.csv",
        "skills": folder / f"{_PREFIX}staff_skills.csv",
        "catalogue": folder / f"{_PREFIX}catalogue.csv",
        "truth_file": folder / f"{_PREFIX}truth.yaml",
        "readme": folder / "README.md",
    }
    if ext == "parquet":
        log.to_parquet(paths["tickets"], index=False)
    else:
        _fmt_times(log).to_csv(paths["tickets"], index=False)
    t = log["ticket_time"]
    vol = (
        log.assign(date=t.dt.strftime("%Y-%m-%d"))
        .groupby(["centre_id", "date"])
        .size()
        .rename("visits")
        .reset_index()
    )
    vol["synthetic"] = 1
    vol.to_csv(paths["volumes"], index=False)
    hourly = (
        log.assign(date=t.dt.strftime("%Y-%m-%d"), hour=t.dt.hour)
        .groupby(["centre_id", "date", "hour"])
        .size()
        .rename("visits")
        .reset_index()
    )
    hourly["synthetic"] = 1
    hourly.to_csv(paths["hourly_volumes"], index=False)
    pd.concat(staffing, ignore_index=True).to_csv(paths["staffing"], index=False)
    pd.concat(skills, ignore_index=True).to_csv(paths["skills"], index=False)
    catalogue.to_csv(paths["catalogue"], index=False)
    with paths["truth_file"].open("w", encoding="utf-8") as fh:
        fh.write("# SYNTHETIC: the known scenario of each synthetic centre (composed config)\n")
        yaml.safe_dump(truth, fh, sort_keys=False, allow_unicode=True)
    sizes_txt = ", ".join(f"{c} x{f:.3g}" for c, f in zip(truth, factors, strict=True))
    paths["readme"].write_text(
        "# SYNTHETIC DATA - not real ticket-system exports\n\n"
        f"Simulated with svcsim from scenario `{scenario}` (overrides {list(overrides)}), "
        f"{a.isoformat()} to {b.isoformat()}, {centres} centre(s), root seed {seed}.\n"
        f"Centre size factors (x centre.daily_volume): {sizes_txt}.\n\n"
        "Generated by `calibration.synthetic.generate_history`; every file starts with "
        "`synthetic_` and every table has a `synthetic` column. The known parameters are in "
        "`synthetic_truth.yaml`. Outcome mapping: balked residents appear as `abandoned` "
        "with `leave_time = ticket_time`; residents still waiting at closing as `abandoned` "
        "without `leave_time`. Origins are empty.\n",
        encoding="utf-8",
    )
    return SyntheticHistory(
        folder=folder,
        centres=tuple(truth),
        truth=truth,
        n_tickets=len(log),
        **paths,
    )
