"""A simulated centre as its ticket system would export it.

:func:`visits_to_ticket_log` turns the per-visit records of one replication into a
ticket log (the outcome mapping is in :mod:`calibration.synthetic`);
:func:`staffing_history` and :func:`skills_table` write a scenario's day plans and staff.
The faults of a real export are made here too: test tickets on closed days
(:func:`stray_rows`) and faulty copies of rows (:func:`inject_dirty`, kinds in
:data:`DIRTY_KINDS`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration.io import TICKET_TIME_COLUMNS

if TYPE_CHECKING:
    from calibration.synthetic_presets import Realism

__all__ = [
    "DIRTY_KINDS",
    "fmt_times",
    "inject_dirty",
    "origin_of",
    "skills_table",
    "staffing_history",
    "stray_rows",
    "visits_to_ticket_log",
]


def _stamp(dates: np.ndarray, minutes: np.ndarray) -> np.ndarray:
    """Midnight dates (datetime64[D]) + minutes, floored to whole seconds; NaN -> NaT."""
    ok = np.isfinite(minutes)
    sec = np.where(ok, np.floor(np.where(ok, minutes, 0.0) * 60.0), 0).astype("int64")
    out = dates.astype("datetime64[s]") + sec.astype("timedelta64[s]")
    out = out.astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def visits_to_ticket_log(
    visits: pd.DataFrame,
    start_date: dt.date,
    centre_id: str,
    staff_prefix: str = "",
    *,
    origins: bool = False,
    xp_timestamps: bool = False,
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
    origins : bool
        Write each resident's home province in ``origin`` (else empty).
    xp_timestamps : bool
        Add ``xp_sent_time`` / ``xp_reply_time`` for cross-province round trips.

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
    walk = (
        np.nan_to_num(v["walk_min"].to_numpy(dtype=float))
        if "walk_min" in v.columns
        else np.zeros(n)
    )
    remote = (
        np.nan_to_num(v["remote_wait_min"].to_numpy(dtype=float))
        if "remote_wait_min" in v.columns
        else np.zeros(n)
    )
    out = v["outcome"].astype(str).to_numpy()
    served = out == "served"
    no_show = out == "no_show"
    called = served | no_show
    reneged = out == "abandoned"
    balked = out == "balked"
    nan = np.full(n, np.nan)
    call_min = np.where(called, arr + wait, nan)
    start_min = np.where(served, call_min + walk, nan)
    hold = (
        np.nan_to_num(v["hold_min"].to_numpy(dtype=float))
        if "hold_min" in v.columns
        else np.zeros(n)
    )
    # A no-show's ticket is closed when the window gives up and calls the next one.
    end_min = np.where(served, start_min + svc + remote, np.where(no_show, call_min + hold, nan))
    ticket = _stamp(dates, arr)
    call = _stamp(dates, call_min)
    start = _stamp(dates, start_min)
    end = _stamp(dates, end_min)
    leave = _stamp(dates, np.where(reneged, arr + wait, np.where(balked, arr, nan)))
    day = v["day"].to_numpy()
    seq = pd.Series(day).groupby(day).cumcount().to_numpy() + 1
    staff = v["staff"].astype(str).to_numpy()
    outcome = np.where(served, "served", np.where(no_show, "no_show", "abandoned"))
    origin = (
        v["origin"].astype(str).to_numpy() if origins and "origin" in v.columns else np.full(n, "")
    )
    log = pd.DataFrame(
        {
            "centre_id": centre_id,
            "ticket_id": [f"A{k:04d}" for k in seq],
            "item_id": v["item"].astype(str).to_numpy(),
            "ticket_time": ticket,
            "call_time": call,
            "service_start": start,
            "service_end": end,
            "window_id": np.where(called, v["window"].astype(str).to_numpy(), ""),
            "staff_id": np.where(called, np.char.add(staff_prefix, staff.astype(str)), ""),
            "outcome": outcome,
            "origin": origin,
            "leave_time": leave,
            "synthetic": 1,
        }
    )
    if xp_timestamps:
        xp = v["xp_result"].astype(str).to_numpy() if "xp_result" in v.columns else np.full(n, "")
        trip = served & (origin_of(v) != "shanghai") & np.isin(xp, ("completed", "deferred"))
        trip &= remote > 0
        sent_min = np.where(trip, start_min + svc, nan)
        reply_min = np.where(trip & (xp == "completed"), sent_min + remote, nan)
        at = list(log.columns).index("leave_time") + 1
        log.insert(at, "xp_sent_time", _stamp(dates, sent_min))
        log.insert(at + 1, "xp_reply_time", _stamp(dates, reply_min))
    return log


def origin_of(visits: pd.DataFrame) -> np.ndarray:
    """Home province of each visit (``shanghai`` when the column is absent)."""
    if "origin" not in visits.columns:
        return np.full(len(visits), "shanghai")
    return visits["origin"].astype(str).to_numpy()


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


def fmt_times(df: pd.DataFrame) -> pd.DataFrame:
    """Timestamps as the export writes them (``YYYY-MM-DD HH:MM:SS``; missing: empty)."""
    out = df.copy()
    for c in TICKET_TIME_COLUMNS:
        if c in out.columns:
            out[c] = out[c].dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    return out


#: Faulty rows of ``dirty_share``: kind -> the exclusion reason cleaning must give it.
DIRTY_KINDS: dict[str, str] = {
    "truncated_time": "truncated_time",
    "ambiguous_time": "ambiguous_time",
    "garbled_time": "unparseable_time",
    "missing_item": "missing_field",
    "bad_outcome": "invalid_outcome",
    "exact_duplicate": "duplicate_ticket_id",
    "reused_ticket_id": "ticket_id_reused",
    "unknown_item": "unknown_item",
    "night_ticket": "outside_opening_hours",
    "call_before_ticket": "call_before_ticket",
    "end_before_start": "end_before_start",
    "long_field": "unknown_item",
}


def stray_rows(
    rng: np.random.Generator,
    dates: Sequence[dt.date],
    r: Realism,
    cid: str,
    items: Sequence[str],
    window: str,
    staff: str,
    columns: Sequence[str],
) -> pd.DataFrame:
    """A few test tickets on each closed day: served at once in 1-5 minutes."""
    rows = []
    lo, hi = r.stray_rows
    for d in dates:
        k = int(rng.integers(lo, hi + 1))
        minutes = np.sort(rng.uniform(9 * 60, 11 * 60, k))
        for j, m in enumerate(minutes):
            t = pd.Timestamp(d) + pd.Timedelta(seconds=int(m * 60))
            e = t + pd.Timedelta(seconds=int(rng.uniform(60, 300)))
            rows.append(
                {
                    "centre_id": cid,
                    "ticket_id": f"A{j + 1:04d}",
                    "item_id": str(rng.choice(np.asarray(items))),
                    "ticket_time": t,
                    "call_time": t,
                    "service_start": t,
                    "service_end": e,
                    "window_id": window,
                    "staff_id": staff,
                    "outcome": "served",
                    "origin": "",
                    "leave_time": pd.NaT,
                    "synthetic": 1,
                }
            )
    out = pd.DataFrame(rows, columns=list(columns))
    for c in TICKET_TIME_COLUMNS:
        if c in out.columns:
            out[c] = pd.to_datetime(out[c])
    return out


def inject_dirty(
    log: pd.DataFrame, share: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Add ``share`` x rows faulty copies of random rows (formatted string frame).

    Returns the log with the extra rows at random positions (exact duplicates and reused
    ticket ids after their original) and a table ``source_row, kind, reason,
    centre_id`` of the added rows (``source_row`` as the readers number rows).
    """
    n = len(log)
    k = round(share * n)
    if k == 0:
        return log, pd.DataFrame(columns=["source_row", "kind", "reason", "centre_id"])
    kinds = list(DIRTY_KINDS)
    served_idx = np.flatnonzero((log["outcome"] == "served").to_numpy())
    extra = []
    keys = []
    for j in range(k):
        kind = kinds[j % len(kinds)]
        src = int(rng.choice(served_idx))
        row = log.iloc[src].copy()
        fresh = f"Z{j + 1:05d}"
        t = pd.Timestamp(row["ticket_time"])
        key = float(rng.uniform(0, n))
        if kind == "truncated_time":
            row["ticket_time"] = f"{t.year}-{t.month:02d}-{t.day}"
            row["ticket_id"] = fresh
        elif kind == "ambiguous_time":
            row["ticket_time"] = t.strftime("%d/%m/%Y %H:%M")
            row["ticket_id"] = fresh
        elif kind == "garbled_time":
            row["ticket_time"] = t.strftime("%H:%M??")
            row["ticket_id"] = fresh
        elif kind == "missing_item":
            row["item_id"] = ""
            row["ticket_id"] = fresh
        elif kind == "bad_outcome":
            row["outcome"] = "done"
            row["ticket_id"] = fresh
        elif kind == "exact_duplicate":
            key = src + float(rng.uniform(0.01, 0.99))
        elif kind == "reused_ticket_id":
            shift = pd.Timedelta(minutes=37)
            for c in ("ticket_time", "call_time", "service_start", "service_end"):
                row[c] = (pd.Timestamp(row[c]) + shift).strftime("%Y-%m-%d %H:%M:%S")
            key = src + float(rng.uniform(0.01, 0.99))
        elif kind == "unknown_item":
            row["item_id"] = "ZZ-999"
            row["ticket_id"] = fresh
        elif kind == "night_ticket":
            shift = t.normalize() + pd.Timedelta(hours=3) - t
            for c in ("ticket_time", "call_time", "service_start", "service_end"):
                row[c] = (pd.Timestamp(row[c]) + shift).strftime("%Y-%m-%d %H:%M:%S")
            row["ticket_id"] = fresh
        elif kind == "call_before_ticket":
            row["call_time"] = (t - pd.Timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M:%S")
            row["ticket_id"] = fresh
        elif kind == "end_before_start":
            row["service_start"], row["service_end"] = row["service_end"], row["service_start"]
            if row["service_start"] == row["service_end"]:
                row["service_start"] = (
                    pd.Timestamp(row["service_end"]) + pd.Timedelta(seconds=30)
                ).strftime("%Y-%m-%d %H:%M:%S")
            row["ticket_id"] = fresh
        elif kind == "long_field":
            row["item_id"] = "X" * 5000
            row["ticket_id"] = fresh
        extra.append((row, kind))
        keys.append(key)
    base_keys = np.arange(n, dtype=float)
    all_keys = np.concatenate([base_keys, np.asarray(keys)])
    frame = pd.concat([log, pd.DataFrame([r for r, _ in extra])], ignore_index=True)
    order = np.argsort(all_keys, kind="stable")
    pos = np.empty_like(order)
    pos[order] = np.arange(order.size)
    frame = frame.iloc[order].reset_index(drop=True)
    dirty = pd.DataFrame(
        {
            "source_row": pos[n:] + 1,
            "kind": [kd for _, kd in extra],
            "reason": [DIRTY_KINDS[kd] for _, kd in extra],
            "centre_id": [str(r["centre_id"]) for r, _ in extra],
        }
    ).sort_values("source_row", ignore_index=True)
    return frame, dirty
