"""Validation of a calibrated scenario against held-out history.

The calibrated scenario is simulated over the held-out dates with the historical staffing
(``R`` replications), and the same statistics are computed, with the same code, from the
history and from each replication's per-visit records: visits per weekday and per
weekend/holiday day, the share of days whose count lies in the simulation's per-day 95%
band, wait mean / median / p90 (served residents), abandonment rate (everyone who left
unserved, balks included, over tickets), mean service time, utilisation (busy
window-minutes inside the staffed hours / staffed window-minutes) overall and by clock
hour on weekdays.

Verdict per KPI: the history is one more draw of the same process, so it should lie in
the simulation's prediction interval ``mean +/- t(R-1) * sd * sqrt(1 + 1/R)`` (sd across
replications). The level is Bonferroni-adjusted over the KPIs (and over hours for the
hourly profile) so that the whole set has about a ``1 - alpha`` chance of coming out
"consistent" when the model is right. The interval ignores parameter uncertainty of the
calibration, which makes the check slightly strict. The confidence interval of the
simulated mean is reported too.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from simulator.analysis.stats import t_quantile

__all__ = ["KPI_LABELS", "ValidationResult", "period_stats", "validate_scenario"]

KPI_LABELS: dict[str, str] = {
    "visits_per_weekday": "visits per weekday (residents/day)",
    "visits_per_weekend_day": "visits per weekend/holiday day (residents/day)",
    "wait_mean_min": "mean wait, served (min)",
    "wait_p50_min": "median wait, served (min)",
    "wait_p90_min": "90th percentile wait, served (min)",
    "abandonment_rate": "abandonment rate (share of tickets)",
    "service_mean_min": "mean service time (min)",
    "utilisation": "utilisation of staffed windows (share)",
}


@dataclass(frozen=True)
class ValidationResult:
    """Comparison of history with the simulated calibrated scenario.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per KPI: ``kpi``, ``label``, ``historical``, ``sim_mean``, ``sim_sd``,
        ``ci_low`` / ``ci_high`` (95% CI of the simulated mean), ``pi_low`` /
        ``pi_high`` (Bonferroni prediction interval), ``verdict``.
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
    """

    table: pd.DataFrame
    hourly: pd.DataFrame
    daily: pd.DataFrame
    replications: int
    alpha: float
    start: dt.date
    days: int

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
        ``start_min`` / ``end_min`` (service start and end, minutes after midnight of
        ``date``; NaN if not served).
    open_min : pandas.DataFrame
        Staffed window-minutes per (date, hour), see :func:`_open_minutes`.
    dates : pandas.DatetimeIndex
        Every date of the period.
    day_kind : pandas.Series
        Date -> ``"weekday"`` (incl. adjusted working days) or ``"rest"``; closed days
        absent.

    Returns
    -------
    kpis : dict
        Scalar statistics (keys of :data:`KPI_LABELS`).
    daily : pandas.Series
        Tickets per date (0 where none).
    util_by_hour : pandas.Series
        Weekday utilisation by clock hour.
    """
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
        "abandonment_rate": float(1.0 - served.sum() / n) if n else math.nan,
        "service_mean_min": float(np.nanmean(svc)) if svc.size else math.nan,
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
    return k, daily, util


def _history_frame(data: pd.DataFrame) -> pd.DataFrame:
    date = data["date"]
    return pd.DataFrame(
        {
            "date": date.to_numpy(),
            "outcome": data["outcome"].astype(str).to_numpy(),
            "wait_min": data["wait_min"].to_numpy(dtype=float),
            "service_min": data["service_min"].to_numpy(dtype=float),
            "start_min": ((data["service_start"] - date).dt.total_seconds() / 60.0).to_numpy(),
            "end_min": ((data["service_end"] - date).dt.total_seconds() / 60.0).to_numpy(),
        }
    )


def _sim_frame(visits: pd.DataFrame, start: dt.date) -> pd.DataFrame:
    out = visits["outcome"].astype(str).to_numpy()
    served = out == "served"
    wait = visits["wait_min"].to_numpy(dtype=float)
    arr = visits["arrival_min"].to_numpy(dtype=float)
    svc = visits["service_min"].to_numpy(dtype=float)
    date = pd.Timestamp(start) + pd.to_timedelta(visits["day"].to_numpy(), unit="D")
    call = np.where(served, arr + wait, np.nan)
    return pd.DataFrame(
        {
            "date": date,
            "outcome": np.where(served, "served", "abandoned"),
            "wait_min": np.where(served, wait, np.nan),
            "service_min": np.where(served, svc, np.nan),
            "start_min": call,
            "end_min": call + np.where(served, svc, np.nan),
        }
    )


def validate_scenario(
    config: Mapping[str, Any],
    history: pd.DataFrame,
    start: dt.date,
    days: int,
    *,
    replications: int = 20,
    seed: int = 0,
    alpha: float = 0.05,
    workers: int = 1,
    progress: bool | Callable[[int, int], None] = False,
) -> ValidationResult:
    """Simulate ``config`` over ``days`` days from ``start`` and compare with history.

    Parameters
    ----------
    config : mapping
        Scenario config (e.g. from :func:`calibration.writer.build_scenario_config`),
        whose staffing is the historical one.
    history : pandas.DataFrame
        Cleaned ticket log (``CleanResult.data``) of the centre over the same dates.
    start : datetime.date
        First held-out date.
    days : int
        Number of held-out days.
    replications : int
        Replications (at least 2).
    seed : int
        Root seed of the simulation.
    alpha : float
        Family-wise level of the verdicts.
    workers : int
        Processes for the replications.
    progress : bool or callable
        Passed to :func:`simulator.simulate`.

    Returns
    -------
    ValidationResult
    """
    from simulator import scenario_from_config, simulate

    if replications < 2:
        raise ValueError("validation needs at least 2 replications")
    cfg = {k: v for k, v in config.items() if k != "calibration"}
    cfg["calendar"] = {**cfg["calendar"], "start_date": start.isoformat(), "days": int(days)}
    scn = scenario_from_config(cfg, source="calibrated scenario (validation)")
    plans = scn.day_plans()
    dates = pd.DatetimeIndex([pd.Timestamp(p.date) for p in plans])
    kind = pd.Series(
        {
            pd.Timestamp(p.date): (
                "weekday" if p.day_type in ("weekday", "adjusted_workday") else "rest"
            )
            for p in plans
            if not p.closed
        }
    )
    open_min = _open_minutes(plans)
    res = simulate(
        scn,
        replications=replications,
        seed=seed,
        record_visits=True,
        workers=workers,
        progress=progress,
    )
    assert res.visits is not None
    h = history.loc[(history["date"] >= dates[0]) & (history["date"] <= dates[-1])]
    hk, hdaily, hutil = period_stats(_history_frame(h), open_min, dates, kind)
    sims, sdaily, sutil = [], [], []
    for _, v in res.visits.groupby("replication"):
        k, d, u = period_stats(_sim_frame(v, scn.start_date), open_min, dates, kind)
        sims.append(k)
        sdaily.append(d.to_numpy())
        sutil.append(u)
    r = len(sims)
    sim = pd.DataFrame(sims)
    daily_arr = np.vstack(sdaily)
    dm, ds = daily_arr.mean(0), daily_arr.std(0, ddof=1)
    t95 = float(t_quantile(0.95, r - 1))
    band_lo = dm - t95 * ds * math.sqrt(1 + 1 / r)
    band_hi = dm + t95 * ds * math.sqrt(1 + 1 / r)
    open_days = np.asarray(dates.isin(kind.index))
    inside_day = (hdaily.to_numpy() >= band_lo) & (hdaily.to_numpy() <= band_hi)
    n_days_open = int(open_days.sum())
    coverage = float(inside_day[open_days].mean()) if n_days_open else math.nan

    kpis = [k for k in KPI_LABELS if np.isfinite(hk.get(k, math.nan))]
    m = len(kpis) + 2  # + hourly profile + daily coverage
    tq = float(t_quantile(1 - alpha / m, r - 1))  # Bonferroni over m statements
    rows: list[tuple[Any, ...]] = []
    for kpi in kpis:
        x = sim[kpi].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        mean, sd = float(x.mean()), float(x.std(ddof=1)) if x.size > 1 else math.nan
        half_ci = t95 * sd / math.sqrt(x.size)
        half_pi = tq * sd * math.sqrt(1 + 1 / x.size)
        hv = hk[kpi]
        # Every KPI here is non-negative (waits, rates, volumes): clip the bounds at 0.
        pi_low = max(0.0, mean - half_pi)
        ok = pi_low <= hv <= mean + half_pi
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
                mean + half_pi,
                "consistent" if ok else "inconsistent",
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
    rows.append(
        (
            "utilisation_by_hour",
            "weekday utilisation by hour: hours inside their PI",
            n_in / max(len(hourly), 1),
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
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
            math.nan,
            math.nan,
            math.nan,
            math.nan,
            math.nan,
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
    return ValidationResult(
        table=table,
        hourly=hourly,
        daily=daily,
        replications=r,
        alpha=alpha,
        start=start,
        days=int(days),
    )
