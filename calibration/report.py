"""Calibration report: figures, fit tables (CSV), exclusions report and a summary.

Folder contents (see ``docs/calibration.md``):

``summary.md``
    What was fitted from what, the key numbers, the validation verdicts, notes.
``exclusions.csv`` / ``exclusions_examples.csv``
    Excluded rows per reason (count, share, meaning) and up to 5 example rows each.
``fit_service.csv``, ``fit_arrival_rates.csv``, ``fit_daily.csv``,
``fit_calendar_effects.csv``, ``fit_patience.csv``, ``patience_km.csv``,
``fit_balking.csv``
    Fit tables (``fit_balking.csv``: tickets and balks per queue length seen, when
    balking was fitted).
``validation.csv``, ``validation_hourly.csv``, ``validation_daily.csv``
    Held-out comparison (when a holdout was given).
``arrival_profiles.csv``, ``service_qq.csv``
    What the arrival-profile and Q-Q figures show (observed and fitted rates per time
    bin; Q-Q points with their envelope).
``fig_*.png``
    Hourly profiles (observed vs fitted), service-time Q-Q plots, Kaplan-Meier patience
    curve vs the fit, validation comparisons. Titles state the finding; bands and
    whiskers are 95% intervals (stated in each figure's notes). Each is drawn by a chart
    of :mod:`simulator.present.charts` from the tables above, from which ``svcsim-report``
    redraws it in the report's language.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from calibration._common import SCIPY_DISTS as _SCIPY
from calibration.clean import CleanResult
from calibration.effects import CalendarEffects
from calibration.fit import CalibrationFit
from calibration.layout import LayoutFit
from calibration.patience import PatienceFit
from calibration.service import skill_levels as _skill_levels
from calibration.validate import ValidationResult
from simulator.config.safety import neutralise_frame
from simulator.present import charts
from simulator.present.charts import calibration_footer, save_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["write_report"]


def arrival_profiles_table(fit: CalibrationFit, train: pd.DataFrame) -> pd.DataFrame:
    """The observed arrivals per hour (mean over days of each type, its standard error)
    and the fitted rate per time bin of each day type: what ``fig_arrival_profiles``
    shows (``arrival_profiles.csv``)."""
    rates = fit.arrivals.rates
    kinds = [k for k in ("weekday", "weekend", "holiday") if k in set(rates["day_type"])]
    d = fit.arrivals.daily
    frames = []
    for kind in kinds:
        r = rates.loc[rates["day_type"] == kind].reset_index(drop=True)
        sub = train.loc[train["day_type"] == kind]
        days = sub["date"].drop_duplicates().sort_values()
        t = sub["ticket_minute"].to_numpy(dtype=float)
        starts, ends = r["start_min"].to_numpy(), r["end_min"].to_numpy()
        k = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(r) - 1)
        per_day = (
            pd.DataFrame({"date": sub["date"].to_numpy(), "bin": k})
            .groupby(["date", "bin"])
            .size()
            .unstack(fill_value=0)
            .reindex(index=days, columns=range(len(r)), fill_value=0)
        )
        width_h = (ends - starts) / 60.0
        obs = per_day.to_numpy(float) / width_h
        mean = obs.mean(0)
        se = obs.std(0, ddof=1) / math.sqrt(max(len(obs), 1)) if len(obs) > 1 else 0 * mean
        # Fitted: expected day volume of the kind x share / bin width.
        if kind == "weekday":
            level = d.daily_volume * float(np.mean(d.weekday_factors[:5]))
        else:
            level = float(per_day.to_numpy().sum(1).mean())
        frames.append(
            pd.DataFrame(
                {
                    "day_type": kind,
                    "days": len(days),
                    "start_min": starts,
                    "end_min": ends,
                    "observed": mean,
                    "observed_se": se,
                    "fitted": level * r["share"].to_numpy() / width_h,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=_PROFILE)


_PROFILE = ["day_type", "days", "start_min", "end_min", "observed", "observed_se", "fitted"]


def service_qq_table(
    fit: CalibrationFit, train: pd.DataFrame, levels: pd.Series | None = None
) -> pd.DataFrame:
    """The points of each service-time fit's Q-Q plot (observed service times, up to
    2000 drawn at random, against the fitted quantiles) with the 95% pointwise envelope
    of 99 samples from the fit: what ``fig_service_qq`` shows (``service_qq.csv``)."""
    rng = np.random.default_rng(0)
    frames = []
    for sf in fit.service:
        x = train.loc[
            (train["family"] == sf.group) & (train["outcome"] == "served"), "service_min"
        ].to_numpy(dtype=float)
        if sf.level != "all" and levels is not None:
            sel = (train["family"] == sf.group) & (train["outcome"] == "served")
            x = train.loc[sel & (levels == sf.level), "service_min"].to_numpy(dtype=float)
        x = np.sort(np.maximum(x, 0.5 / 60))
        if len(x) > 2000:
            x = np.sort(rng.choice(x, 2000, replace=False))
        n = len(x)
        q = (np.arange(1, n + 1) - 0.5) / n
        dist = _SCIPY[sf.best.dist](*sf.best.params)
        sims = np.sort(dist.rvs(size=(99, n), random_state=rng), axis=1)
        lo, hi = np.quantile(sims, [0.025, 0.975], axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "group": sf.group,
                    "level": sf.level,
                    "dist": sf.best.dist,
                    "n": sf.n,
                    "mean": sf.best.mean,
                    "cv": sf.best.cv,
                    "gof_pvalue": sf.gof_pvalue,
                    "theoretical": dist.ppf(q),
                    "observed": x,
                    "env_low": lo,
                    "env_high": hi,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def patience_table(p: PatienceFit) -> pd.DataFrame:
    """The patience fit's statistics (``fit_patience.csv``)."""
    return pd.DataFrame(
        [
            ("best", p.best),
            ("lognormal_median_min", p.ln_median),
            ("lognormal_sigma", p.ln_sigma),
            ("exponential_mean_min", p.exp_mean),
            ("km_median_min", p.km_median),
            ("n_exact", p.n_exact),
            ("n_right", p.n_right),
            ("n_left", p.n_left),
            ("n_balked", p.n_balked),
            ("n_unknown", p.n_unknown),
        ],
        columns=["statistic", "value"],
    )


def _save(fig: Figure, folder: Path, stem: str) -> Path:
    return save_figure(fig, folder / stem, formats=("png",))[0]


def _fig_profiles(profiles: pd.DataFrame, folder: Path, footer: str) -> Path:
    return _save(charts.arrival_profiles(profiles, footer=footer), folder, "fig_arrival_profiles")


def _fig_qq(points: pd.DataFrame, folder: Path, footer: str) -> Path:
    return _save(charts.service_qq(points, footer=footer), folder, "fig_service_qq")


def _fig_patience(p: PatienceFit, folder: Path, footer: str) -> Path:
    fig = charts.patience_fit(patience_table(p), p.km, footer=footer)
    return _save(fig, folder, "fig_patience_km")


def _fig_validation(val: ValidationResult, folder: Path, footer: str) -> Path:
    """The validation figure, drawn from the tables ``write_report`` saves beside it
    (``svcsim-report`` redraws it from them in the report's language)."""
    fig = charts.validation_comparison(
        val.table,
        val.hourly,
        val.daily,
        replications=val.replications,
        alpha=val.alpha,
        days=val.days,
        start=val.start,
        footer=footer,
    )
    return _save(fig, folder, "fig_validation")


def _md(df: pd.DataFrame) -> str:
    """A markdown table (no extra dependency); floats with 4 significant digits."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return "" if not np.isfinite(v) else f"{v:.4g}"
        return "" if v is None else str(v)

    head = "| " + " | ".join(map(str, df.columns)) + " |"
    sep = "|" + "---|" * len(df.columns)
    rows = ["| " + " | ".join(cell(v) for v in r) + " |" for r in df.itertuples(index=False)]
    return "\n".join([head, sep, *rows])


_HEADLINE = (
    ("wait_mean_min", "mean wait", "min"),
    ("wait_p90_min", "p90 wait", "min"),
    ("abandonment_rate", "abandonment", ""),
    ("utilisation", "utilisation", ""),
)


def opening_paragraph(validation: ValidationResult | None, config: Mapping[str, Any] | None) -> str:
    """One paragraph: how well the written scenario reproduces the held-out period
    (arrivals per open day, mean and p90 wait, abandonment, utilisation: log vs
    simulated, and the verdicts), and what the scenario assumes rather than fits."""
    parts = []
    if validation is None:
        parts.append(
            "No held-out period was kept (holdout_days=0), so nothing says yet how well "
            "this scenario reproduces the centre's history."
        )
    else:
        tab = validation.table.set_index("kpi")
        daily = validation.daily.loc[validation.daily["open"]]
        lv, sv = float(daily["historical"].mean()), float(daily["sim_mean"].mean())
        bits = [f"arrivals per open day {lv:.1f} in the log vs {sv:.1f} simulated"]
        for k, label, unit in _HEADLINE:
            if k in tab.index:
                h, s = float(tab.at[k, "historical"]), float(tab.at[k, "sim_mean"])  # type: ignore[arg-type]
                fmt = ".1f" if unit else ".3f"
                bits.append(f"{label} {h:{fmt}} vs {s:{fmt}}{(' ' + unit) if unit else ''}")
        n_ok = int((validation.table["verdict"] == "consistent").sum())
        parts.append(
            f"Simulated as written over the {validation.days} held-out days from "
            f"{validation.start} ({validation.replications} replications), the scenario "
            f"gives {'; '.join(bits)}; {n_ok} of {len(validation.table)} KPIs are "
            "consistent with the history given the simulation and day-to-day sampling "
            "error."
        )
        if validation.closed_dates:
            parts.append(
                f"{len(validation.closed_dates)} held-out days the log shows closed are "
                "left out of the comparison."
            )
    prov = (config or {}).get("calibration") or {}
    assumed = [
        f"{sec}.{k}"
        for sec, kinds in (prov.get("value_origin") or {}).items()
        for k in (kinds.get("assumed") or [])
    ]
    vo = prov.get("value_origin") or {}
    base = [
        s if not (vo.get(s) or {}).get("calibrated") else f"{s} ({', '.join(keys)})"
        for s, keys in (prov.get("not_calibrated") or {}).items()
        if keys
    ]
    if assumed:
        parts.append("Assumed rather than fitted: " + ", ".join(assumed) + ".")
    if base:
        parts.append(
            f"Taken from the base scenario {prov.get('base_scenario')!r} (see the comments "
            "in the file): " + ", ".join(base) + "."
        )
    return " ".join(parts)


def _layout_md(layout: LayoutFit) -> str:
    rows = [
        "| group | kind | families | windows in the log |",
        "|---|---|---|---|",
        *(
            f"| {g.name} | {g.kind} | {', '.join(g.families)} | {', '.join(g.windows)} |"
            for g in layout.groups
        ),
        "",
        "| staff | services | speed (95% CI) | level | families |",
        "|---|---|---|---|---|",
        *(
            f"| {s.staff_id} | {s.n} | {s.speed:.3f} ({s.speed_ci[0]:.3f}-{s.speed_ci[1]:.3f}) "
            f"| {s.level}{' (pooled)' if s.pooled else ''} | {', '.join(s.families)} |"
            for s in layout.staff
        ),
        "",
        f"Closed days in the fitting period: {len(layout.closed_dates)}"
        + (" (holidays closed)" if layout.holidays_closed else "")
        + f". Walk time (call to service start): mean {layout.walk.get('mean_min', math.nan):.2f} "
        f"min over {layout.walk.get('n', 0)} services. No-shows: "
        f"{layout.no_show.get('share', math.nan):.4f} of called tickets "
        f"(hold {layout.no_show.get('hold_mean_min', math.nan):.2f} min from "
        f"{layout.no_show.get('hold_n', 0)} gaps).",
    ]
    if layout.notes:
        rows += ["", "Notes on the layout fit:", "", *(f"- {n}" for n in layout.notes)]
    return "\n".join(rows)


def write_report(
    folder: str | Path,
    *,
    name: str,
    scenario_path: Path,
    cleaned: CleanResult,
    centre_id: str,
    train: pd.DataFrame,
    fit: CalibrationFit,
    effects: CalendarEffects,
    validation: ValidationResult | None,
    figures: bool = True,
    synthetic: bool = False,
    skills: pd.DataFrame | None = None,
    config: Mapping[str, Any] | None = None,
    layout: LayoutFit | None = None,
) -> Path:
    """Write the calibration report folder; returns the path of ``summary.md``.

    ``summary.md`` opens with one paragraph on how well the written scenario reproduces
    the held-out period and what it assumes (from ``config``'s ``calibration`` key)."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    counts = cleaned.counts()
    counts.to_csv(out / "exclusions.csv", index=False)
    ex = cleaned.excluded
    # Example rows are for reading: long fields cut, formula-like text neutralised.
    examples = neutralise_frame(ex.groupby("reason", sort=False).head(5), max_chars=200)
    examples.to_csv(out / "exclusions_examples.csv", index=False)
    fit.service_table().to_csv(out / "fit_service.csv", index=False)
    fit.arrivals.rates.to_csv(out / "fit_arrival_rates.csv", index=False)
    d = fit.arrivals.daily
    pd.DataFrame(
        {
            "factor": [f"weekday[{k}]" for k in range(7)] + [f"month[{k + 1}]" for k in range(12)],
            "value": [*d.weekday_factors, *d.month_factors],
        }
    ).to_csv(out / "fit_daily.csv", index=False)
    effects.table().to_csv(out / "fit_calendar_effects.csv", index=False)
    p = fit.patience
    patience_table(p).to_csv(out / "fit_patience.csv", index=False)
    p.km.to_csv(out / "patience_km.csv", index=False)
    if fit.balking is not None:
        fit.balking.by_queue.to_csv(out / "fit_balking.csv", index=False)
    footer = calibration_footer(centre_id, scenario_path.name, synthetic)
    # The figures' own tables, from which svcsim-report redraws them in its language.
    profiles = arrival_profiles_table(fit, train)
    profiles.to_csv(out / "arrival_profiles.csv", index=False)
    points = None
    if fit.service:
        lv = _skill_levels(train, skills).fillna("") if skills is not None else None
        points = service_qq_table(fit, train, lv)
        points.to_csv(out / "service_qq.csv", index=False)
    figs = []
    if figures:
        figs.append(_fig_profiles(profiles, out, footer))
        if points is not None:
            figs.append(_fig_qq(points, out, footer))
        figs.append(_fig_patience(fit.patience, out, footer))
        if validation is not None:
            figs.append(_fig_validation(validation, out, footer))
    if validation is not None:
        validation.table.to_csv(out / "validation.csv", index=False)
        validation.hourly.to_csv(out / "validation_hourly.csv", index=False)
        validation.daily.to_csv(out / "validation_daily.csv", index=False)

    lines = [
        f"# Calibration report: {name} (centre {centre_id})",
        "",
        "**SYNTHETIC DATA**: calibrated from simulated history.\n" if synthetic else "",
        opening_paragraph(validation, config),
        "",
        f"Scenario written: `{scenario_path}`. Load it with "
        f"`simulator.load_scenario({str(scenario_path)!r})`.",
        "",
        "## Data and exclusions",
        f"{cleaned.n_input} rows read (all centres), {cleaned.n_usable} usable, "
        f"{len(cleaned.excluded)} excluded; {len(train)} rows of this centre fitted.",
        "",
        "```",
        cleaned.report(),
        "```",
        "",
        "## Fit",
        "```",
        fit.summary(),
        "```",
        "",
        "Calendar effects (simulator semantics):",
        "",
        _md(effects.table()),
        "",
    ]
    if layout is not None:
        lines += ["## The centre as the log shows it", _layout_md(layout), ""]
    if validation is not None:
        t = validation.table.copy()
        lines += [
            "## Validation on held-out history",
            f"{validation.replications} replications, {validation.days} days from "
            f"{validation.start} (the scenario file as written, loaded from disk); "
            "acceptance intervals combine the simulation error, the history's day-to-day "
            "error (bootstrap over days) and stated assumptions, Bonferroni-adjusted "
            f"(family-wise alpha {validation.alpha}).",
            "",
            _md(
                t[
                    [
                        "kpi",
                        "historical",
                        "sim_mean",
                        "ci_low",
                        "ci_high",
                        "hist_se",
                        "pi_low",
                        "pi_high",
                        "z",
                        "verdict",
                    ]
                ]
            ),
            "",
        ]
    if figs:
        lines += ["## Figures", *[f"![{f.stem}]({f.name})" for f in figs], ""]
    text = "\n".join(lines)
    path = out / "summary.md"
    path.write_text(text, encoding="utf-8")
    return path
