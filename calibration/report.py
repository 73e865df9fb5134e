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
``fig_*.png``
    Hourly profiles (observed vs fitted), service-time Q-Q plots, Kaplan-Meier patience
    curve vs the fit, validation comparisons. Titles state the finding; bands and
    whiskers are 95% intervals (stated in each figure's notes).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from calibration._common import SCIPY_DISTS as _SCIPY
from calibration.clean import CleanResult
from calibration.effects import CalendarEffects
from calibration.fit import CalibrationFit
from calibration.layout import LayoutFit
from calibration.service import skill_levels as _skill_levels
from calibration.validate import ValidationResult
from simulator.config.safety import neutralise_frame
from simulator.present import style as st
from simulator.present.charts import calibration_footer, save_figure, validation_comparison

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["write_report"]


def _style() -> tuple[list[str], Any]:
    _, families = st.resolve_language("en")
    return list(families), st


def _finish(
    fig: Figure, title: str, families: Sequence[str], note: str, footer: str, path: Path
) -> Path:
    """The finding as title, the method note and the footer; saved as a PNG at ``path``."""
    st.finish_figure(fig, title, families, notes=[note], footer=footer)
    return save_figure(fig, path, formats=("png",))[0]


def _band(
    ax: Axes,
    x: Any,
    low: Any,
    high: Any,
    label: str,
    *,
    color: str | None = None,
    alpha: float = 0.25,
    step: Literal["pre", "post", "mid"] | None = None,
) -> None:
    """An uncertainty band from ``low`` to ``high`` over ``x``, without an edge; in the
    simulated series' colour unless ``color`` is given."""
    color = st.SERIES_COLORS[0] if color is None else color
    ax.fill_between(x, low, high, step=step, color=color, alpha=alpha, lw=0, label=label)


def _fig_profiles(fit: CalibrationFit, train: pd.DataFrame, folder: Path, footer: str) -> Path:
    families, _ = _style()
    rates = fit.arrivals.rates
    kinds = [k for k in ("weekday", "weekend", "holiday") if k in set(rates["day_type"])]
    fig, axes = st.new_figure(families, figsize=(9.0, 3.6 * len(kinds)), nrows=len(kinds))
    d = fit.arrivals.daily
    worst = 0.0
    for ax, kind in zip(axes, kinds, strict=False):
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
        fitted = level * r["share"].to_numpy() / width_h
        mid = (starts + ends) / 2 / 60.0
        ax.errorbar(
            mid,
            mean,
            yerr=1.96 * se,
            fmt="o",
            ms=3.5,
            color=st.OKABE_ITO["black"],
            label="observed mean per day (95% CI)",
            capsize=2,
        )
        ax.step(
            np.r_[starts, ends[-1]] / 60.0,
            np.r_[fitted, fitted[-1]],
            where="post",
            color=st.SERIES_COLORS[0],
            label="fitted rate",
        )
        ax.set_ylabel("arrivals per hour")
        ax.set_xlabel("time of day (hour)")
        ax.set_title(f"{kind} ({len(days)} days)", loc="left", fontsize=10)
        with np.errstate(invalid="ignore", divide="ignore"):
            z = np.abs(mean - fitted) / np.where(se > 0, se, np.inf)
        worst = max(worst, float(np.nanmax(z)) if len(z) else 0.0)
    axes[0].legend(fontsize=8, loc="upper right")
    title = (
        "Fitted arrival rates match the observed hourly profiles"
        if worst < 3.5
        else f"Fitted arrival rates miss some observed bins (worst by {worst:.1f} standard errors)"
    )
    note = (
        "Whiskers: 95% CI of the mean over days. "
        "Weekday fitted level = daily volume x mean Mon-Fri factor."
    )
    return _finish(fig, title, families, note, footer, folder / "fig_arrival_profiles")


def _fig_qq(
    fit: CalibrationFit,
    train: pd.DataFrame,
    folder: Path,
    footer: str,
    levels: pd.Series | None = None,
) -> Path:
    families, _ = _style()
    fits = list(fit.service)
    ncols = min(3, len(fits))
    nrows = math.ceil(len(fits) / ncols)
    fig, axes = st.new_figure(
        families, figsize=(3.4 * ncols, 3.2 * nrows + 0.8), nrows=nrows, ncols=ncols
    )
    rng = np.random.default_rng(0)
    ps = []
    for ax, sf in zip(axes, fits, strict=False):
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
        theo = dist.ppf(q)
        sims = np.sort(dist.rvs(size=(99, n), random_state=rng), axis=1)
        lo, hi = np.quantile(sims, [0.025, 0.975], axis=0)
        _band(ax, theo, lo, hi, "95% envelope", alpha=0.2)
        ax.plot(theo, x, ".", ms=2.5, color=st.OKABE_ITO["black"], label="observed")
        top = float(np.quantile(np.r_[theo, x], 0.995))
        ax.plot([0, top], [0, top], color=st.BASELINE_COLOR, lw=0.8)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel(f"fitted {sf.best.dist} quantile (min)")
        ax.set_ylabel("observed service time (min)")
        ax.set_title(
            f"{sf.group} [{sf.level}] n={sf.n}\nmean {sf.best.mean:.1f} min, cv {sf.best.cv:.2f},"
            f" GoF p={sf.gof_pvalue:.2f}",
            loc="left",
            fontsize=8.5,
        )
        ps.append(sf.gof_pvalue)
    for ax in axes[len(fits) :]:
        ax.set_visible(False)
    axes[0].legend(fontsize=7, loc="upper left")
    bad = [f.group for f, p in zip(fits, ps, strict=True) if np.isfinite(p) and p < 0.05]
    title = (
        "Service-time fits follow the data in every family"
        if not bad
        else f"Service-time fits depart from the data in {', '.join(bad)} (GoF p < 0.05)"
    )
    note = (
        "Band: 95% pointwise envelope of 99 samples "
        "from the fitted distribution. GoF: Monte Carlo Anderson-Darling."
    )
    return _finish(fig, title, families, note, footer, folder / "fig_service_qq")


def _fig_patience(fit: CalibrationFit, folder: Path, footer: str) -> Path:
    families, _ = _style()
    p = fit.patience
    km = p.km
    fig, axes = st.new_figure(families, figsize=(8.0, 4.8))
    ax = axes[0]
    if len(km):
        t = km["time_min"].to_numpy()
        s = km["survival"].to_numpy()
        d = km["events"].to_numpy(float)
        n = km["at_risk"].to_numpy(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            gw = np.cumsum(np.where(n > d, d / (n * (n - d)), 0.0))
        se = s * np.sqrt(gw)
        ax.step(
            np.r_[0, t],
            np.r_[1, s],
            where="post",
            color=st.OKABE_ITO["black"],
            label="Kaplan-Meier (served waits censored)",
        )
        _band(
            ax,
            np.r_[0, t],
            np.r_[1, np.clip(s - 1.96 * se, 0, 1)],
            np.r_[1, np.clip(s + 1.96 * se, 0, 1)],
            "95% CI (Greenwood)",
            step="post",
            color=st.BASELINE_COLOR,
        )
        grid = np.linspace(0, max(float(t.max()), 1.0), 300)
        inside = 0.0
        if p.identifiable:
            ln = stats.lognorm(p.ln_sigma, scale=p.ln_median).sf(grid)
            ex = stats.expon(scale=p.exp_mean).sf(grid)
            ax.plot(
                grid,
                ln,
                color=st.SERIES_COLORS[0],
                label=f"lognormal fit (median {p.ln_median:.0f} min, sigma {p.ln_sigma:.2f})",
            )
            ax.plot(
                grid,
                ex,
                color=st.SERIES_COLORS[1],
                ls="--",
                label=f"exponential fit (mean {p.exp_mean:.0f} min)",
            )
            best = (
                stats.lognorm(p.ln_sigma, scale=p.ln_median)
                if p.best == "lognormal"
                else stats.expon(scale=p.exp_mean)
            )
            fitted = best.sf(t)
            ok = (fitted >= s - 1.96 * se - 1e-9) & (fitted <= s + 1.96 * se + 1e-9)
            inside = float(ok.mean())
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, float(t.max()))
        title = (
            f"The {p.best} patience fit stays inside the Kaplan-Meier band "
            f"({inside:.0%} of event times)"
            if p.identifiable
            else "No abandonment observed: patience not identifiable"
        )
    elif p.identifiable:
        # No exact leave time (a log without leave times): no Kaplan-Meier curve, the
        # fit rests on abandonments known only to have left before their call.
        top = float(stats.lognorm(p.ln_sigma, scale=p.ln_median).ppf(0.9))
        grid = np.linspace(0, max(min(top, 480.0), 30.0), 300)
        ax.plot(
            grid,
            stats.lognorm(p.ln_sigma, scale=p.ln_median).sf(grid),
            color=st.SERIES_COLORS[0],
            label=f"lognormal fit (median {p.ln_median:.0f} min, sigma {p.ln_sigma:.2f})",
        )
        ax.plot(
            grid,
            stats.expon(scale=p.exp_mean).sf(grid),
            color=st.SERIES_COLORS[1],
            ls="--",
            label=f"exponential fit (mean {p.exp_mean:.0f} min)",
        )
        ax.set_ylim(0, 1.02)
        ax.set_xlim(0, float(grid[-1]))
        best_median = p.ln_median if p.best == "lognormal" else p.exp_median
        title = (
            f"No leave times in the log: {p.best} patience, median {best_median:.0f} min, "
            f"from {p.n_left:,} abandonments known only to have left before their call"
        )
    else:
        title = "No abandonment observed: patience not identifiable"
    ax.set_xlabel("time waited (min)")
    ax.set_ylabel("share still willing to wait")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8)
    note = (
        f"{p.n_exact} abandonments (exact), {p.n_right} served waits (right-censored), "
        f"{p.n_left} abandonments without a leave time (interval-censored: left before "
        f"the call they would have had), {p.n_balked} balks excluded; no-shows are not "
        "abandonment."
    )
    return _finish(fig, title, families, note, footer, folder / "fig_patience_km")


def _fig_validation(val: ValidationResult, folder: Path, footer: str) -> Path:
    """The validation figure, drawn from the tables ``write_report`` saves beside it
    (``svcsim-report`` redraws it from them in the report's language)."""
    fig = validation_comparison(
        val.table,
        val.hourly,
        val.daily,
        replications=val.replications,
        alpha=val.alpha,
        days=val.days,
        start=val.start,
        footer=footer,
    )
    return save_figure(fig, folder / "fig_validation", formats=("png",))[0]


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
    pd.DataFrame(
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
    ).to_csv(out / "fit_patience.csv", index=False)
    p.km.to_csv(out / "patience_km.csv", index=False)
    if fit.balking is not None:
        fit.balking.by_queue.to_csv(out / "fit_balking.csv", index=False)
    footer = calibration_footer(centre_id, scenario_path.name, synthetic)
    figs = []
    if figures:
        figs.append(_fig_profiles(fit, train, out, footer))
        if fit.service:
            lv = None
            if skills is not None:
                lv = _skill_levels(train, skills).fillna("")
            figs.append(_fig_qq(fit, train, out, footer, lv))
        figs.append(_fig_patience(fit, out, footer))
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
