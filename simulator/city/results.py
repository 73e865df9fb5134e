"""Results of a city run: KPIs per centre, per district and city-wide, equity, volumes.

Everything here is computed from the small per-centre summaries a city run gathers
(:class:`simulator.city.summary.CentreRun`), never from per-visit records.

Aggregation rules (per replication, then Student-t intervals across replications):

- counts (``arrivals``, ``served``, ``abandoned``, ``balked``, ``unserved``) add up;
- rates are ratios of sums: ``abandonment_rate = (abandoned + balked) / arrivals``;
  ``service_level`` weights centres by arrivals, ``wait_mean_min`` and
  ``one_visit_rate`` by served residents, ``utilisation = busy / open`` window-minutes;
- wait percentiles of a district or the city come from the merged histograms of
  served residents' waits (0.5-minute bins, linear inside a bin), so they are the
  percentiles of all residents of the group, not an average of centre percentiles.

Equity looks at the spread of a per-centre KPI (by default the 90th percentile of the
wait) across centres, and at the worst decile of centres.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from simulator.analysis import metrics
from simulator.analysis.results import group_summary
from simulator.analysis.stats import normal_quantile, t_interval
from simulator.city.summary import WAIT_EDGES, CentreRun

if TYPE_CHECKING:
    from simulator.city.build import City

__all__ = ["CityResults", "hist_quantile"]

COUNTS = ("arrivals", "served", "abandoned", "balked", "unserved")
CENTRE_KPIS = (
    "arrivals",
    "served",
    "abandoned",
    "balked",
    "unserved",
    "abandonment_rate",
    "wait_mean_min",
    "wait_p90_min",
    "wait_p95_min",
    "service_level",
    "utilisation",
    "queue_mean",
    "overtime_min",
    "one_visit_rate",
)


def hist_quantile(counts: np.ndarray, edges: np.ndarray, q: float) -> float:
    """Quantile ``q`` of values binned by ``edges``, linear inside the bin.

    A quantile falling in a last open bin ``[x, inf)`` returns ``x`` (a lower bound).
    """
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    if n <= 0:
        return float("nan")
    cum = np.cumsum(counts)
    target = q * n
    k = int(np.searchsorted(cum, target, side="left"))
    k = min(k, counts.size - 1)
    lo, hi = float(edges[k]), float(edges[k + 1])
    if not np.isfinite(hi):
        return lo
    before = cum[k - 1] if k > 0 else 0.0
    frac = (target - before) / counts[k] if counts[k] > 0 else 0.0
    return lo + float(np.clip(frac, 0.0, 1.0)) * (hi - lo)


@dataclass
class _Collector:
    city: City
    replications: int
    seed: int
    index: dict[str, int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    hourly: list[pd.DataFrame] = field(default_factory=list)
    daily: list[pd.DataFrame] = field(default_factory=list)
    family: list[pd.DataFrame] = field(default_factory=list)
    runs: list[tuple[int, str]] = field(default_factory=list)  # (replication, centre) of each
    hist: np.ndarray | None = None

    def add(self, run: CentreRun) -> None:
        c = self.index[run.centre_id]
        rep, cid = run.replication, run.centre_id
        self.rows.append(
            {"replication": rep, "centre_id": cid, "district": run.district}
            | run.kpis
            | {"seconds": run.seconds}
        )
        # The tables get their replication and centre columns once, in finish().
        self.runs.append((rep, cid))
        self.hourly.append(run.hourly)
        self.daily.append(run.daily)
        self.family.append(run.by_family)
        if run.wait_hist is not None:
            if self.hist is None:
                self.hist = np.zeros(
                    (self.replications, len(self.index), run.wait_hist.size), dtype=np.int64
                )
            self.hist[run.replication, c] = run.wait_hist

    def finish(self, meta: dict[str, Any]) -> CityResults:
        order = {cid: i for cid, i in self.index.items()}

        def tidy(
            frames: list[pd.DataFrame], extra: Sequence[str], labelled: bool = True
        ) -> pd.DataFrame:
            if not frames:
                return pd.DataFrame()
            df = pd.concat(frames, ignore_index=True)
            if labelled:  # one (replication, centre) per frame, as in self.runs
                sizes = [len(f) for f in frames]
                df["replication"] = np.repeat([r for r, _ in self.runs], sizes)
                df["centre_id"] = np.repeat(
                    np.array([c for _, c in self.runs], dtype=object), sizes
                )
            df["_o"] = df["centre_id"].map(order)
            df = df.sort_values(["replication", "_o", *extra], kind="stable")
            df = df.drop(columns="_o").reset_index(drop=True)
            lead = ["replication", "centre_id"]
            return df[lead + [c for c in df.columns if c not in lead]]

        centres = tidy([pd.DataFrame(self.rows)], [], labelled=False)
        dmap = dict(zip(self.city.centres["centre_id"], self.city.centres["district"], strict=True))
        hourly = tidy(self.hourly, ["day_type", "hour"])
        daily = tidy(self.daily, ["day"])
        by_family = tidy(self.family, [])
        for df in (hourly, daily, by_family):
            if len(df):
                df.insert(2, "district", df["centre_id"].map(dmap))
        if len(daily):
            plans = self.city.scenarios[0].day_plans()
            daily.insert(4, "date", [plans[int(d)].date for d in daily["day"]])
            daily.insert(5, "day_type", [plans[int(d)].day_type for d in daily["day"]])
        return CityResults(
            city=self.city,
            seed=self.seed,
            centres=centres,
            hourly=hourly,
            daily=daily,
            by_family=by_family,
            wait_hist=self.hist,
            meta=meta,
        )


@dataclass
class CityResults:
    """What :func:`simulator.city.run.run_city` returns.

    Attributes
    ----------
    city
        The city simulated (layouts in ``city.centres``).
    seed
        Root seed.
    centres
        One row per replication x centre: ``district``, every KPI of
        :func:`simulator.run.runner.run_replication` (docs/kpis.md) and ``seconds`` (task
        wall time in its worker).
    hourly
        One row per replication x centre x day type x hour: sums over the run's days of
        ``arrivals``, ``served``, ``abandoned``, ``busy_min``, ``open_min``,
        ``queue_mean`` (hourly means), ``wait_sum_min``; ``days`` = open days of that type.
    daily
        One row per replication x centre x day with arrivals: ``date``, ``day_type``,
        ``arrivals``, ``served``, ``abandoned`` (incl. balked), ``wait_sum_min``.
    by_family
        One row per replication x centre x family (docs/kpis.md ``by_family``).
    wait_hist
        Waits of served residents, counts per replication x centre x bin of
        :data:`simulator.city.summary.WAIT_EDGES`; ``None`` if not collected.
    meta
        Version, git commit, wall time, backend, workers, unit.
    """

    city: City
    seed: int
    centres: pd.DataFrame
    hourly: pd.DataFrame
    daily: pd.DataFrame
    by_family: pd.DataFrame
    wait_hist: np.ndarray | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @staticmethod
    def collector(city: City, replications: int, seed: int) -> _Collector:
        """An accumulator that :func:`run_city` feeds centre by centre."""
        return _Collector(city, replications, seed, {c: i for i, c in enumerate(city.centre_ids)})

    @property
    def n_replications(self) -> int:
        return int(self.centres["replication"].nunique()) if len(self.centres) else 0

    # -- groups ---------------------------------------------------------------------
    def group_table(self, by: str | None = "district") -> pd.DataFrame:
        """KPIs per replication and group (``"district"``; ``None`` = the whole city)."""
        c = self.centres.copy()
        key = by if by is not None else "_city"
        if by is None:
            c["_city"] = "city"
        hb = self.hourly.groupby(["replication", "centre_id"])[["busy_min", "open_min"]].sum()
        c = c.join(hb, on=["replication", "centre_id"])
        c["_wait_sum"] = c["wait_mean_min"].fillna(0.0) * c["served"]
        c["_sl"] = c["service_level"].fillna(0.0) * c["arrivals"]
        c["_ovr"] = c["one_visit_rate"].fillna(0.0) * c["served"]
        g = c.groupby(["replication", key], sort=False)
        out = g[[*COUNTS, "_wait_sum", "_sl", "_ovr", "busy_min", "open_min"]].sum()
        out["centres"] = g.size()
        out["worst_centre_wait_p90_min"] = g["wait_p90_min"].max()
        with np.errstate(invalid="ignore", divide="ignore"):
            out["abandonment_rate"] = (out["abandoned"] + out["balked"]) / out["arrivals"]
            out["service_level"] = out["_sl"] / out["arrivals"]
            out["wait_mean_min"] = out["_wait_sum"] / out["served"]
            out["one_visit_rate"] = out["_ovr"] / out["served"]
            out["utilisation"] = out["busy_min"] / out["open_min"]
        if self.wait_hist is not None:
            pos = {cid: i for i, cid in enumerate(self.city.centre_ids)}
            for q, name in ((0.5, "wait_p50_min"), (0.9, "wait_p90_min"), (0.95, "wait_p95_min")):
                vals = []
                for (rep, _grp), sub in c.groupby(["replication", key], sort=False):
                    idx = np.array([pos[x] for x in sub["centre_id"]], dtype=np.intp)
                    h = self.wait_hist[cast(int, rep), idx].sum(axis=0)
                    vals.append(hist_quantile(h, WAIT_EDGES, q))
                out[name] = vals
        out = out.drop(columns=["_wait_sum", "_sl", "_ovr"]).reset_index()
        if by is None:
            out = out.drop(columns="_city")
        return out

    def _summarise(self, table: pd.DataFrame, keys: list[str], level: float) -> pd.DataFrame:
        metrics = [c for c in table.columns if c not in ("replication", *keys)]
        rows = []
        groups = table.groupby(keys, sort=False) if keys else [((), table)]
        for k, sub in groups:
            kk = k if isinstance(k, tuple) else (k,)
            for m in metrics:
                mean, lo, hi, sd = t_interval(sub[m].to_numpy(dtype=float), level)
                rows.append(
                    {
                        **dict(zip(keys, kk, strict=True)),
                        "kpi": m,
                        "mean": mean,
                        "ci_low": lo,
                        "ci_high": hi,
                        "std": sd,
                        "n": int(np.isfinite(sub[m].to_numpy(dtype=float)).sum()),
                    }
                )
        return pd.DataFrame(rows)

    def district_summary(self, level: float = 0.95) -> pd.DataFrame:
        """Per district and KPI: mean across replications with a t interval (tidy)."""
        return self._summarise(self.group_table("district"), ["district"], level)

    def city_summary(self, level: float = 0.95) -> pd.DataFrame:
        """City-wide KPIs: index KPI; ``mean``, ``ci_low``, ``ci_high``, ``std``, ``n``."""
        return self._summarise(self.group_table(None), [], level).set_index("kpi")

    def centre_summary(self) -> pd.DataFrame:
        """Per centre: layout and the mean of each KPI across replications."""
        kp = [k for k in CENTRE_KPIS if k in self.centres.columns]
        means = self.centres.groupby("centre_id", sort=False)[kp].mean()
        lay = self.city.centres.set_index("centre_id")
        cols = ["district", "daily_volume", "windows", "cross_province", "staff", "counters"]
        return lay[cols].join(means).reset_index()

    # -- equity -----------------------------------------------------------------------
    def equity(self, kpi: str = "wait_p90_min", worst_share: float = 0.1) -> pd.Series:
        """Spread of a per-centre KPI (mean over replications) across centres.

        Returns centres, mean, std, cv, min, p10, median, p90, max, ``max_over_median``,
        ``worst_decile_mean`` (mean of the worst ``worst_share`` of centres, at least
        one), ``gini`` and, per district, the spread of district medians
        (``district_median_min``, ``district_median_max``).
        """
        cs = self.centre_summary()
        v = cs[kpi].to_numpy(dtype=float)
        v = v[np.isfinite(v)]
        if v.size == 0:
            return pd.Series(dtype=float, name=kpi)
        # the KPI catalogue says which way is better (a neutral KPI: high is the worry)
        higher_is_worse = metrics.direction(kpi) != 1
        k = max(1, int(np.ceil(worst_share * v.size)))
        srt = np.sort(v)
        worst = srt[-k:] if higher_is_worse else srt[:k]
        med = float(np.median(v))
        dmed = cs.groupby("district")[kpi].median()
        sorted_v = np.sort(v)
        n = v.size
        gini = (
            float((2 * np.arange(1, n + 1) - n - 1) @ sorted_v / (n * sorted_v.sum()))
            if sorted_v.sum() > 0
            else float("nan")
        )
        return pd.Series(
            {
                "centres": float(v.size),
                "mean": float(v.mean()),
                "std": float(v.std(ddof=1)) if v.size > 1 else float("nan"),
                "cv": float(v.std(ddof=1) / v.mean()) if v.size > 1 and v.mean() else float("nan"),
                "min": float(v.min()),
                "p10": float(np.quantile(v, 0.1)),
                "median": med,
                "p90": float(np.quantile(v, 0.9)),
                "max": float(v.max()),
                "max_over_median": float(v.max() / med) if med else float("nan"),
                "worst_decile_mean": float(worst.mean()),
                "gini": gini,
                "district_median_min": float(dmed.min()),
                "district_median_max": float(dmed.max()),
            },
            name=kpi,
        )

    def worst_centres(
        self, kpi: str = "wait_p90_min", share: float = 0.1, higher_is_worse: bool = True
    ) -> pd.DataFrame:
        """The worst ``share`` of centres by a KPI (at least one), worst first."""
        cs = self.centre_summary()
        k = max(1, int(np.ceil(share * len(cs))))
        return cs.sort_values(kpi, ascending=not higher_is_worse).head(k).reset_index(drop=True)

    # -- volumes ----------------------------------------------------------------------
    def volume_check(self, level: float = 0.95) -> pd.Series:
        """Simulated visits against the expected volume.

        ``expected`` is the sum of the centres' expected visits over the run's days (the
        published 12.5 million for a calendar year). The model interval is
        ``expected +- z sd`` with ``sd`` from Poisson counts with gamma day busyness,
        independent across centres and days, plus the common city-wide busyness when
        the run had one (``common_busyness_cv``); ``within_model_interval`` says whether the
        mean simulated count falls inside it (with ``n`` replications the sd of the
        mean is ``sd / sqrt(n)``). With two or more replications the t interval of the
        simulated mean is given too, and whether it covers ``expected``.
        """
        sims = self.centres.groupby("replication")["arrivals"].sum().to_numpy(dtype=float)
        expected = self.city.expected_visits()
        var = float(self.city.centres["visits_variance"].sum())
        cv_common = float(self.meta.get("common_busyness_cv", 0.0))
        if cv_common > 0 and self.city.scenarios:
            # A busyness common to all centres adds cv^2 * sum_d E_d^2 (first order),
            # E_d the city's expected visits of day d; all centres share the day factors.
            s0 = self.city.scenarios[0]
            e0 = np.array([s0.expected_daily_volume(p) for p in s0.day_plans()])
            scale = expected / e0.sum() if e0.sum() > 0 else 0.0
            var += cv_common**2 * float(np.sum((scale * e0) ** 2))
        sd = float(np.sqrt(var))
        n = sims.size
        z = normal_quantile(0.5 + level / 2)
        mean, lo, hi, sd_rep = t_interval(sims, level)
        half = z * sd / np.sqrt(n)
        return pd.Series(
            {
                "expected": expected,
                "model_sd_per_replication": sd,
                "replications": float(n),
                "simulated_mean": mean,
                "relative_error": mean / expected - 1.0,
                "z_score": (mean - expected) / (sd / np.sqrt(n)),
                "model_ci_low": expected - half,
                "model_ci_high": expected + half,
                "within_model_interval": bool(abs(mean - expected) <= half),
                "t_ci_low": lo,
                "t_ci_high": hi,
                "t_interval_covers_expected": bool(lo <= expected <= hi) if n > 1 else np.nan,
                "replication_sd": sd_rep,
            },
            name="visits",
        )

    # -- hourly -----------------------------------------------------------------------
    def hourly_summary(
        self, by: Sequence[str] = ("day_type", "hour"), level: float = 0.95
    ) -> pd.DataFrame:
        """City-wide (or per ``by`` group) hourly means over days, with t intervals.

        Per replication: ``arrivals``, ``served``, ``abandoned`` and ``queue_mean`` are
        summed over centres and divided by the open days of the type (a city-wide
        average day); ``wait_mean_min`` = waits / served, ``utilisation`` = busy / open.
        """
        h = self.hourly
        keys = ["replication", *by]
        sums = ["arrivals", "served", "abandoned", "queue_mean", "wait_sum_min"]
        g = h.groupby(keys, sort=True)[[*sums, "busy_min", "open_min"]].sum()
        days = h.groupby(keys, sort=True)["days"].max().replace(0, np.nan)
        table = pd.DataFrame(index=g.index)
        for col in ("arrivals", "served", "abandoned", "queue_mean"):
            table[col] = g[col] / days
        with np.errstate(invalid="ignore", divide="ignore"):
            table["wait_mean_min"] = g["wait_sum_min"] / g["served"]
            table["utilisation"] = g["busy_min"] / g["open_min"]
        metrics = ["arrivals", "served", "abandoned", "queue_mean", "wait_mean_min", "utilisation"]
        return group_summary(table.reset_index(), list(by), metrics, level)
