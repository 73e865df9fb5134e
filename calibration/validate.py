"""Validation of a calibrated scenario against held-out history.

The scenario file as written is loaded from disk (:func:`validate_file`, only the
calendar period overridden) and simulated over the held-out dates (``R``
replications); the same statistics are computed, with the same code and the same
definitions, from the history and from each replication's per-visit records:

* visits per working day and per weekend/holiday day, and the share of days whose count
  lies in the simulation's per-day 95% band;
* waits of served residents, ticket to call: mean, median, p90;
* abandonment: tickets that left unserved (balks included) over all tickets, no-shows
  not counted (they are reported apart when the log has them);
* mean service time;
* utilisation: busy time from call to service end inside the staffed hours over the
  staffed window-minutes, overall and by clock hour on working days.

Days the log shows closed (no or almost no tickets on an open calendar day) are left
out of both sides.

Verdict per KPI: the difference between the history and the simulated mean has
variance ``sd_sim^2 / R`` (simulation error) ``+ se_log^2`` (day-to-day sampling error
of the history, from a bootstrap over its days) ``+ se_assumed^2`` (stated assumptions:
months the fit never saw take factor 1.0, uncertain by the spread of the seen months'
factors, which widens the volume KPIs). The history is "consistent" when the difference
lies within ``z * sqrt(...)`` at a level Bonferroni-adjusted over the KPIs (and over hours
for the hourly profile), so the set comes out consistent with probability about
``1 - alpha`` when the model is right. ``pi_low`` / ``pi_high`` in the table are that
acceptance interval around the simulated mean. The 95% CI of the simulated mean is
reported too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.analysis.stats import t_quantile

__all__ = ["KPI_LABELS", "ValidationResult", "period_stats", "validate_file", "validate_scenario"]

KPI_LABELS: dict[str, str] = {
    "visits_per_weekday": "visits per weekday (residents/day)",
    "visits_per_weekend_day": "visits per weekend/holiday day (residents/day)",
    "wait_mean_min": "mean wait, served (min)",
    "wait_p50_min": "median wait, served (min)",
    "wait_p90_min": "90th percentile wait, served (min)",
    "abandonment_rate": "abandonment rate, no-shows apart (share of tickets)",
    "service_mean_min": "mean service time (min)",
    "utilisation": "utilisation of staffed windows, call to end (share)",
}
_NOT_ABANDONED = ("served", "transferred", "no_show")


@dataclass(frozen=True)
class ValidationResult:
    """Comparison of history with the simulated calibrated scenario.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per KPI: ``kpi``, ``label``, ``historical``, ``sim_mean``, ``sim_sd``,
        ``ci_low`` / ``ci_high`` (95% CI of the simulated mean), ``pi_low`` /
        ``pi_high`` (Bonferroni acceptance interval), ``hist_se`` (day-bootstrap SE of
        the history), ``assumed_se`` (stated assumptions), ``z`` (standardised
        difference), ``verdict``.
    hourly : pandas.DataFrame
        Weekday utilisation by clock hour: ``hour``, ``historical``, ``sim_mean``,
        ``pi_low``, ``pi_high``, ``inside``.
    daily : pandas.DataFrame
        ``date``, ``historical``, ``sim_mean``, ``band_low``, ``band_high`` (per-day
        95% prediction band).
    replications : int
        Replications simulated.
    alpha : float
        Family-wise level.
    start : datetime.date
        First held-out date.
    days : int
        Held-out days.
    closed_dates : tuple of str
        Held-out days the log shows closed (left out of both sides).
    no_show_rate : tuple of float
        No-shows over tickets: (history, simulated mean; NaN when not simulated).
    scenario_file : str or None
        The scenario file simulated.
    """

    table: pd.DataFrame
    hourly: pd.DataFrame
    daily: pd.DataFrame
    replications: int
    alpha: float
    start: dt.date
    days: int
    closed_dates: tuple[str, ...] = ()
    no_show_rate: tuple[float, float] = (math.nan, math.nan)
    scenario_file: str | None = None

    @property
    def consistent(self) -> bool:
        """True when every KPI verdict is ``consistent``."""
        return bool((self.table["verdict"] == "consistent").all())

    def verdicts(self) -> dict[str, str]:
        """KPI -> verdict."""
        return dict(zip(self.table["kpi"], self.table["verdict"], strict=True))


def _open_minutes(plans: list[Any]) -> pd.DataFrame:
    """Staffed window-minutes per (date, hour) from the scenario's day plans."""
    rows = []
    for p in plans:
        if p.closed:
            continue
        acc = np.zeros(24)
        for b in p.blocks:
            k = len(b.assignments)
            for h in range(24):
                acc[h] += k * max(0.0, min(b.end, 60.0 * (h + 1)) - max(b.start, 60.0 * h))
        for hh in np.flatnonzero(acc > 0):
            rows.append((pd.Timestamp(p.date), int(hh), float(acc[hh]), p.day_type))
    return pd.DataFrame(rows, columns=["date", "hour", "open_min", "day_type"])


def period_stats(
    frame: pd.DataFrame, open_min: pd.DataFrame, dates: pd.DatetimeIndex, day_kind: pd.Series
) -> tuple[dict[str, float], pd.Series, pd.Series]:
    """Statistics of one period of ticket records (history or one replication).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``date`` (midnight), ``outcome``, ``wait_min`` (ticket to call), ``service_min``,
        ``start_min`` / ``end_min`` (call and service end, minutes after midnight of
        ``date``; NaN if not served).
    open_min : pandas.DataFrame
        Staffed window-minutes per (date, hour), see :func:`_open_minutes`.
    dates : pandas.DatetimeIndex
        Every compared date of the period.
    day_kind : pandas.Series
        Date -> ``"weekday"`` (incl. adjusted working days) or ``"rest"``; closed days
        absent.

    Returns
    -------
    kpis : dict
        Scalar statistics (keys of :data:`KPI_LABELS`, plus ``no_show_rate``).
    daily : pandas.Series
        Tickets per date (0 where none).
    util_by_hour : pandas.Series
        Weekday utilisation by clock hour.
    """
    k, daily, util, _ = _period(frame, open_min, dates, day_kind)
    return k, daily, util


def _period(
    frame: pd.DataFrame, open_min: pd.DataFrame, dates: pd.DatetimeIndex, day_kind: pd.Series
) -> tuple[dict[str, float], pd.Series, pd.Series, pd.DataFrame]:
    daily = frame.groupby("date").size().reindex(dates, fill_value=0).astype(float)
    kind = day_kind.reindex(dates)
    out = frame["outcome"].astype(str).to_numpy()
    served = np.isin(out, ("served", "transferred"))
    n = len(frame)
    w = frame["wait_min"].to_numpy(dtype=float)[out == "served"]
    w = w[np.isfinite(w)]
    svc = frame["service_min"].to_numpy(dtype=float)[out == "served"]
    k: dict[str, float] = {
        "visits_per_weekday": float(daily[kind == "weekday"].mean()),
        "visits_per_weekend_day": float(daily[kind == "rest"].mean()),
        "wait_mean_min": float(w.mean()) if w.size else math.nan,
        "wait_p50_min": float(np.quantile(w, 0.5)) if w.size else math.nan,
        "wait_p90_min": float(np.quantile(w, 0.9)) if w.size else math.nan,
        "abandonment_rate": float(np.sum(~np.isin(out, _NOT_ABANDONED)) / n) if n else math.nan,
        "service_mean_min": float(np.nanmean(svc)) if svc.size else math.nan,
        "no_show_rate": float(np.sum(out == "no_show") / n) if n else math.nan,
    }
    s = frame["start_min"].to_numpy(dtype=float)[served]
    e = frame["end_min"].to_numpy(dtype=float)[served]
    dd = frame["date"].to_numpy()[served]
    ok = np.isfinite(s) & np.isfinite(e)
    s, e, dd = s[ok], e[ok], dd[ok]
    busy = []
    for h in range(24):
        ov = np.clip(np.minimum(e, 60.0 * (h + 1)) - np.maximum(s, 60.0 * h), 0.0, None)
        if ov.any():
            busy.append(pd.DataFrame({"date": dd, "hour": h, "busy": ov}))
    b = (
        pd.concat(busy).groupby(["date", "hour"])["busy"].sum()
        if busy
        else pd.Series(dtype=float, name="busy")
    )
    om = open_min.set_index(["date", "hour"])
    om = om.join(b, how="left").fillna({"busy": 0.0})
    om["busy"] = np.minimum(om["busy"], om["open_min"])
    k["utilisation"] = float(om["busy"].sum() / om["open_min"].sum()) if len(om) else math.nan
    wk = om[om["day_type"].isin(["weekday", "adjusted_workday"])]
    g = wk.groupby(level="hour")[["busy", "open_min"]].sum()
    util = g["busy"] / g["open_min"]
    per_day = om.groupby(level="date")[["busy", "open_min"]].sum()
    return k, daily, util, per_day


def _bootstrap_se(
    frame: pd.DataFrame,
    per_day: pd.DataFrame,
    dates: pd.DatetimeIndex,
    day_kind: pd.Series,
    n_boot: int,
    rng: np.random.Generator,
) -> dict[str, float]:
    """Standard errors of the history's KPIs from a bootstrap over its days."""
    dates = pd.DatetimeIndex([d for d in dates if d in day_kind.index])
    if len(dates) < 2:
        return {}
    out = frame["outcome"].astype(str).to_numpy()
    day_pos = pd.Index(dates).get_indexer(pd.DatetimeIndex(frame["date"]))
    keep = day_pos >= 0
    nd = len(dates)
    n_t = np.bincount(day_pos[keep], minlength=nd).astype(float)
    aband = ~np.isin(out, _NOT_ABANDONED)
    n_a = np.bincount(day_pos[keep], weights=aband[keep].astype(float), minlength=nd)
    srv = (out == "served") & keep
    w = frame["wait_min"].to_numpy(dtype=float)
    sv = frame["service_min"].to_numpy(dtype=float)
    wsel = srv & np.isfinite(w)
    w_day, w_val = day_pos[wsel], w[wsel]
    order = np.argsort(w_day, kind="stable")
    w_day, w_val = w_day[order], w_val[order]
    bounds = np.searchsorted(w_day, np.arange(nd + 1))
    ssel = srv & np.isfinite(sv)
    n_s = np.bincount(day_pos[ssel], minlength=nd).astype(float)
    s_s = np.bincount(day_pos[ssel], weights=sv[ssel], minlength=nd)
    pdy = per_day.reindex(dates).fillna(0.0)
    busy, opn = pdy["busy"].to_numpy(), pdy["open_min"].to_numpy()
    kind = day_kind.reindex(dates).to_numpy()
    vals: dict[str, list[float]] = {}
    for _ in range(n_boot):
        pick = rng.integers(0, nd, nd)
        ws = np.concatenate([w_val[bounds[j] : bounds[j + 1]] for j in pick])
        wk, rest = kind[pick] == "weekday", kind[pick] == "rest"
        k = {
            "visits_per_weekday": n_t[pick][wk].mean() if wk.any() else math.nan,
            "visits_per_weekend_day": n_t[pick][rest].mean() if rest.any() else math.nan,
            "wait_mean_min": ws.mean() if ws.size else math.nan,
            "wait_p50_min": np.quantile(ws, 0.5) if ws.size else math.nan,
            "wait_p90_min": np.quantile(ws, 0.9) if ws.size else math.nan,
            "abandonment_rate": n_a[pick].sum() / max(n_t[pick].sum(), 1.0),
            "service_mean_min": s_s[pick].sum() / max(n_s[pick].sum(), 1.0),
            "utilisation": busy[pick].sum() / max(opn[pick].sum(), 1e-9),
        }
        for key, v in k.items():
            vals.setdefault(key, []).append(float(v))
    return {k: float(np.nanstd(v, ddof=1)) for k, v in vals.items()}


def _history_frame(data: pd.DataFrame) -> pd.DataFrame:
    date = data["date"]
    call = data["call_time"] if "call_time" in data else data["service_start"]
    return pd.DataFrame(
        {
            "date": date.to_numpy(),
            "outcome": data["outcome"].astype(str).to_numpy(),
            "wait_min": data["wait_min"].to_numpy(dtype=float),
            "service_min": data["service_min"].to_numpy(dtype=float),
            "start_min": ((call - date).dt.total_seconds() / 60.0).to_numpy(),
            "end_min": ((data["service_end"] - date).dt.total_seconds() / 60.0).to_numpy(),
        }
    )


def _sim_frame(visits: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    out = visits["outcome"].astype(str).to_numpy()
    served = out == "served"
    wait = visits["wait_min"].to_numpy(dtype=float)
    arr = visits["arrival_min"].to_numpy(dtype=float)
    svc = visits["service_min"].to_numpy(dtype=float)
    walk = (
        visits["walk_min"].to_numpy(dtype=float) if "walk_min" in visits else np.zeros(len(visits))
    )
    date = pd.Timestamp(start) + pd.to_timedelta(visits["day"].to_numpy(), unit="D")
    call = np.where(served, arr + wait, np.nan)
    label = np.where(served, "served", np.where(out == "no_show", "no_show", "abandoned"))
    return pd.DataFrame(
        {
            "date": date,
            "outcome": label,
            "wait_min": np.where(served, wait, np.nan),
            "service_min": np.where(served, svc, np.nan),
            "start_min": call,
            "end_min": call + np.where(served, np.nan_to_num(walk) + svc, np.nan),
        }
    )


def _assumed_volume_sd(config: Mapping[str, Any], months: set[int]) -> float:
    """Relative SD of the volume from months the fit never saw (0 when none)."""
    prov = (config.get("calibration") or {}).get("parameters") or {}
    unseen = prov.get("demand.month_factors_unseen") or {}
    sd = unseen.get("spread_of_seen_months_sd")
    if not unseen or sd is None or not months & set(unseen.get("months") or []):
        return 0.0
    share = len(months & set(unseen["months"])) / len(months)
    return float(sd) * share


def validate_file(
    path: str | Path,
    history: pd.DataFrame,
    start: dt.date,
    days: int,
    **kwargs: Any,
) -> ValidationResult:
    """Validate the scenario file ``path`` exactly as written: load it from disk with
    only the calendar period overridden (``calendar.start_date``, ``calendar.days``) and
    call :func:`validate_scenario`.
    """
    from simulator import load_scenario

    scn = load_scenario(
        str(path),
        overrides=[f"calendar.start_date={start.isoformat()}", f"calendar.days={int(days)}"],
    )
    res = validate_scenario(scn, history, start, days, **kwargs)
    return dataclasses.replace(res, scenario_file=str(path))


def validate_scenario(
    config: Mapping[str, Any] | Any,
    history: pd.DataFrame,
    start: dt.date,
    days: int,
    *,
    replications: int = 20,
    seed: int = 0,
    alpha: float = 0.05,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = False,
    closed_dates: Sequence[Any] = (),
    n_boot: int = 200,
) -> ValidationResult:
    """Simulate a scenario over ``days`` days from ``start`` and compare with history.

    Parameters
    ----------
    config : Scenario or mapping
        A loaded :class:`simulator.Scenario` whose calendar is the held-out period
        (:func:`validate_file` loads one from disk), or a scenario config (its calendar
        period is replaced).
    history : pandas.DataFrame
        Cleaned ticket log (``CleanResult.data``) of the centre over the same dates.
    start : datetime.date
        First held-out date.
    days : int
        Number of held-out days.
    replications : int
        Replications (at least 2).
    seed : int
        Root seed of the simulation (and of the day bootstrap).
    alpha : float
        Family-wise level of the verdicts.
    workers : int
        Processes for the replications.
    progress : bool or callable
        Passed to :func:`simulator.simulate`.
    closed_dates : sequence of date-like
        Days the log shows closed: left out of both sides.
    n_boot : int
        Bootstrap samples over the history's days.

    Returns
    -------
    ValidationResult
    """
    from simulator import Scenario, scenario_from_config, simulate

    if replications < 2:
        raise ValueError("validation needs at least 2 replications")
    if isinstance(config, Scenario):
        scn = config
        raw_cfg: Mapping[str, Any] = scn.config
    else:
        raw_cfg = config
        cfg = {k: v for k, v in config.items() if k != "calibration"}
        cfg["calendar"] = {**cfg["calendar"], "start_date": start.isoformat(), "days": int(days)}
        scn = scenario_from_config(cfg, source="calibrated scenario (validation)")
    closed = {pd.Timestamp(str(d)).normalize() for d in closed_dates}
    plans = [p for p in scn.day_plans() if pd.Timestamp(p.date) not in closed]
    dates = pd.DatetimeIndex([pd.Timestamp(p.date) for p in plans])
    kind = pd.Series(
        {
            pd.Timestamp(p.date): (
                "weekday" if p.day_type in ("weekday", "adjusted_workday") else "rest"
            )
            for p in plans
            if not p.closed and p.volume_factor > 0
        },
        dtype=object,
    )
    open_min = _open_minutes([p for p in plans if pd.Timestamp(p.date) in kind.index])
    res = simulate(
        scn,
        replications=replications,
        seed=seed,
        record_visits=True,
        workers=workers,
        progress=progress,
    )
    assert res.visits is not None
    h = history.loc[history["date"].isin(dates)]
    hframe = _history_frame(h)
    hk, hdaily, hutil, hday = _period(hframe, open_min, dates, kind)
    se_log = _bootstrap_se(hframe, hday, dates, kind, n_boot, np.random.default_rng(seed))
    sims, sdaily, sutil = [], [], []
    for _, v in res.visits.groupby("replication"):
        f = _sim_frame(v, scn.start_date)
        f = f.loc[f["date"].isin(dates)]
        k, d, u, _ = _period(f, open_min, dates, kind)
        sims.append(k)
        sdaily.append(d.to_numpy())
        sutil.append(u)
    r = len(sims)
    sim = pd.DataFrame(sims)
    daily_arr = np.vstack(sdaily)
    dm, ds = daily_arr.mean(0), daily_arr.std(0, ddof=1)
    t95 = float(t_quantile(0.95, r - 1))
    vol_sd = _assumed_volume_sd(raw_cfg, {d.month for d in dates})
    band_half = t95 * np.sqrt(ds**2 * (1 + 1 / r) + (vol_sd * dm) ** 2)
    band_lo, band_hi = dm - band_half, dm + band_half
    open_days = np.asarray(dates.isin(kind.index))
    inside_day = (hdaily.to_numpy() >= band_lo) & (hdaily.to_numpy() <= band_hi)
    n_days_open = int(open_days.sum())
    coverage = float(inside_day[open_days].mean()) if n_days_open else math.nan

    kpis = [k for k in KPI_LABELS if np.isfinite(hk.get(k, math.nan))]
    m = len(kpis) + 2  # + hourly profile + daily coverage
    zq = float(stats.norm.ppf(1 - alpha / (2 * m)))
    rows: list[tuple[Any, ...]] = []
    for kpi in kpis:
        x = sim[kpi].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        mean, sd = float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else math.nan
        half_ci = t95 * sd / math.sqrt(x.size)
        hse = se_log.get(kpi, math.nan)
        if not math.isfinite(hse):
            hse = sd  # too few days to bootstrap: the model's own day-to-day spread
        ase = vol_sd * mean if kpi.startswith("visits_") else 0.0
        tot = math.sqrt(sd**2 / x.size + hse**2 + ase**2)
        hv = hk[kpi]
        z = (hv - mean) / tot if tot > 0 else (0.0 if hv == mean else math.inf)
        pi_low = max(0.0, mean - zq * tot)
        rows.append(
            (
                kpi,
                KPI_LABELS[kpi],
                hv,
                mean,
                sd,
                max(0.0, mean - half_ci),
                mean + half_ci,
                pi_low,
                mean + zq * tot,
                hse,
                ase,
                z,
                "consistent" if abs(z) <= zq else "inconsistent",
            )
        )
    # Hourly utilisation: each hour against its Bonferroni PI (over hours and KPIs).
    su = pd.DataFrame(sutil)
    hours = [hh for hh in hutil.index if hh in su.columns]
    th = float(t_quantile(1 - alpha / (m * max(len(hours), 1)), r - 1))
    hrows = []
    for hh in hours:
        x = su[hh].to_numpy(dtype=float)
        mean, sd = float(np.nanmean(x)), float(np.nanstd(x, ddof=1))
        half = th * sd * math.sqrt(1 + 1 / r)
        hv = float(hutil[hh])
        lo = max(0.0, mean - half)
        hrows.append((int(hh), hv, mean, lo, mean + half, lo <= hv <= mean + half))
    hourly = pd.DataFrame(
        hrows, columns=["hour", "historical", "sim_mean", "pi_low", "pi_high", "inside"]
    )
    n_in = int(hourly["inside"].sum())
    nan = math.nan
    rows.append(
        (
            "utilisation_by_hour",
            "weekday utilisation by hour: hours inside their PI",
            n_in / max(len(hourly), 1),
            *([nan] * 9),
            "consistent" if n_in == len(hourly) else "inconsistent",
        )
    )
    # Daily coverage: one-sided binomial test of coverage below 95%.
    n_in_days = int(inside_day[open_days].sum())
    p_cov = float(stats.binom.cdf(n_in_days, n_days_open, 0.95)) if n_days_open else 1.0
    rows.append(
        (
            "daily_volume_coverage",
            "days inside the per-day 95% band (share)",
            coverage,
            0.95,
            *([nan] * 8),
            "consistent" if p_cov > alpha / m else "inconsistent",
        )
    )
    table = pd.DataFrame(
        rows,
        columns=[
            "kpi",
            "label",
            "historical",
            "sim_mean",
            "sim_sd",
            "ci_low",
            "ci_high",
            "pi_low",
            "pi_high",
            "hist_se",
            "assumed_se",
            "z",
            "verdict",
        ],
    )
    daily = pd.DataFrame(
        {
            "date": dates,
            "historical": hdaily.to_numpy(),
            "sim_mean": dm,
            "band_low": np.maximum(band_lo, 0.0),
            "band_high": band_hi,
            "open": open_days,
        }
    )
    sim_ns = float(sim["no_show_rate"].mean()) if "no_show_rate" in sim else nan
    return ValidationResult(
        table=table,
        hourly=hourly,
        daily=daily,
        replications=r,
        alpha=alpha,
        start=start,
        days=int(days),
        closed_dates=tuple(str(d.date()) for d in sorted(closed)),
        no_show_rate=(hk.get("no_show_rate", nan), sim_ns),
    )
