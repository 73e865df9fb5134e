"""Scenario writer: a :class:`~calibration.fit.CalibrationFit` becomes a scenario YAML.

The written file is a primary config under ``scenarios/calibrated/`` (or any folder)
that :func:`simulator.load_scenario` reads like any other: ``# @package _global_`` on
the first line, ``defaults: [{/experiment: default}, _self_]``, and every section the
loader needs. Sections the data cannot inform (layout, staffing plan, opening hours,
return visits, online shift, ...) come from a base scenario (default
``reference``); the fitted numbers overwrite their keys. Each section is preceded by a
comment naming which of its keys are calibrated and which come from the base, and the
``calibration:`` key (ignored by the loader) records provenance: source files, date
range, rows used and excluded, the method and sample size behind every calibrated
number, fit statistics, origin mix and notes.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from calibration.effects import CalendarEffects
from calibration.fit import CalibrationFit
from simulator.config.safety import check_name, escape_interpolations, inside
from simulator.config.scenario import ITEM_COLUMNS

__all__ = [
    "EXPERIMENT_KEYS",
    "base_config",
    "build_scenario_config",
    "calibrated_dir",
    "render_yaml",
    "write_scenario",
]

#: Top-level keys that come from ``scenarios/experiment/*.yaml`` (not written).
EXPERIMENT_KEYS = (
    "replications",
    "seed",
    "workers",
    "warmup_min",
    "target_wait_min",
    "record_visits",
    "monitor_interval_min",
    "charts",
    "progress",
)
_SECTIONS = ("centre", "catalogue", "demand", "impatience", "calendar", "layout", "staffing")


def calibrated_dir() -> Path:
    """``scenarios/calibrated`` inside the installed scenarios package."""
    from simulator.config.compose import scenarios_dir

    return scenarios_dir() / "calibrated"


def base_config(base: str = "reference") -> dict[str, Any]:
    """The composed base scenario as a plain dict, without the experiment keys."""
    from simulator.config.compose import compose_config

    cfg = compose_config(base)
    return {k: v for k, v in cfg.items() if k not in EXPERIMENT_KEYS}


def _base_items(base: Mapping[str, Any]) -> pd.DataFrame | None:
    from simulator.config.compose import scenarios_dir

    f = base.get("catalogue", {}).get("items_file")
    if f is None:
        return None
    p = Path(str(f))
    if not p.is_absolute():
        p = scenarios_dir() / p
    return pd.read_csv(p, dtype=str, keep_default_na=False)


def _r(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def build_scenario_config(
    fit: CalibrationFit,
    *,
    name: str,
    base: str | Mapping[str, Any] = "reference",
    effects: CalendarEffects | None = None,
    provenance: Mapping[str, Any] | None = None,
    catalogue: pd.DataFrame | None = None,
    calendar_start: str | dt.date | None = None,
    calendar_days: int | None = None,
    staffing_plan: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], pd.DataFrame | None, dict[str, dict[str, list[str]]]]:
    """Merge a fit into a base scenario.

    Parameters
    ----------
    fit : CalibrationFit
        Output of :func:`calibration.fit.fit_all`.
    name : str
        Scenario name (``centre.name`` and file name).
    base : str or mapping
        Base scenario name, or its composed config.
    effects : CalendarEffects, optional
        Holiday / adjusted-working-day / post-holiday factors.
    provenance : mapping, optional
        Extra entries for the ``calibration:`` key (sources, date range, rows, ...).
    catalogue : pandas.DataFrame, optional
        The log's item catalogue (``item_id, family``); needed when item ids are not in
        the base items file, to write an items CSV.
    calendar_start, calendar_days : optional
        Simulated period (default: the base scenario's).
    staffing_plan : mapping, optional
        Replacement for ``staffing.plan`` (e.g. from the staffing history).

    Returns
    -------
    config : dict
        The scenario sections plus ``calibration``.
    items : pandas.DataFrame or None
        Items CSV to write next to the YAML (None when the base items file is used).
    origin : dict
        Section -> ``{"calibrated": [...keys], "base": [...keys]}`` for comments.
    """
    b = copy.deepcopy(base_config(base) if isinstance(base, str) else dict(base))
    base_name = base if isinstance(base, str) else str(b.get("centre", {}).get("name", "base"))
    fitted = fit.to_scenario_dict()
    cfg: dict[str, Any] = {k: b.get(k) for k in _SECTIONS}
    origin: dict[str, dict[str, list[str]]] = {k: {"calibrated": [], "base": []} for k in _SECTIONS}
    params: dict[str, Any] = {}
    d = fit.arrivals.daily

    centre = dict(cfg["centre"] or {})
    centre.update(
        {
            "id": fit.centre_id,
            "name": f"{name} (calibrated from centre {fit.centre_id})",
            "daily_volume": fitted["centre"]["daily_volume"],
        }
    )
    cfg["centre"] = centre
    origin["centre"]["calibrated"] = ["daily_volume"]
    params["centre.daily_volume"] = {
        "value": centre["daily_volume"],
        "method": "Poisson log-linear MLE (weekday x month) on regular days",
        "n_days": d.n_days,
    }

    demand = dict(cfg["demand"] or {})
    for k in ("profiles", "weekday_factors", "month_factors", "busyness_cv"):
        demand[k] = fitted["demand"][k]
    params["demand.profiles"] = {
        "method": f"share of a day type's tickets per {fit.arrivals.bin_minutes}-min bin",
        "n_tickets": fit.arrivals.n_arrivals,
        "ks_conditional_uniform": {
            "statistic": _r(fit.arrivals.ks.statistic),
            "pvalue": _r(fit.arrivals.ks.pvalue, 6),
            "n": fit.arrivals.ks.n,
        },
    }
    params["demand.weekday_factors"] = {
        "method": "Poisson log-linear MLE, Mon-Fri mean 1",
        "n_days": d.n_days,
    }
    params["demand.month_factors"] = {
        "method": "Poisson log-linear MLE, observed months mean 1 (unobserved = 1.0)",
        "months_observed": list(d.months_observed),
    }
    params["demand.busyness_cv"] = {
        "method": "negative-binomial profile MLE; LR test vs Poisson (boundary law)",
        "lr_statistic": _r(d.lr_statistic),
        "lr_pvalue": _r(d.lr_pvalue, 6),
        "moment_estimate": _r(d.busyness_cv_moment),
    }
    cal_keys = ["profiles", "weekday_factors", "month_factors", "busyness_cv"]
    if effects is not None:
        eff = effects.to_scenario()
        demand.update(eff)
        cal_keys += list(eff)
        named = [
            ("holiday_factor", effects.holiday),
            ("adjusted_workday_factor", effects.adjusted_workday),
        ]
        named += [(f"post_holiday_factors[{j}]", e) for j, e in enumerate(effects.post_holiday)]
        for fname, est in named:
            if est.value is not None:
                params[f"demand.{fname}"] = {
                    "value": _r(est.value),
                    "se": _r(est.se),
                    "n_days": est.n_days,
                    "method": "observed / expected visits (Poisson MLE, other factors fixed)",
                }
    cfg["demand"] = demand
    origin["demand"]["calibrated"] = cal_keys

    # Catalogue: fitted families overwrite the base; item weights from the mix.
    cat = dict(cfg["catalogue"] or {})
    fams = {k: dict(v) for k, v in (cat.get("families") or {}).items()}
    fitted_fams = fitted["catalogue"]["families"]
    for fam, spec in fitted_fams.items():
        fams[fam] = {**fams.get(fam, {}), "share": spec["share"], "service": spec["service"]}
    for sf in fit.service:
        params[f"catalogue.families.{sf.group}.service"] = {
            **sf.best.to_scenario(),
            "method": f"MLE (loc 0) of {', '.join(c.dist for c in sf.candidates)}; AIC",
            "skill_level_rows": sf.level,
            "n": sf.n,
            "sample_mean": _r(sf.sample_mean),
            "sample_cv": _r(sf.sample_cv),
            "gof_anderson_darling_pvalue": _r(sf.gof_pvalue),
        }
    log_families = set(fit.mix.families["family"].astype(str))
    missing = sorted(log_families - set(fams))
    notes = list(fit.notes)
    if missing:
        first = (
            next(iter(fams.values()))["service"] if fams else {"dist": "exponential", "mean": 8.0}
        )
        for fam in missing:
            fams[fam] = {"share": 0.0, "service": dict(first)}
            notes.append(f"family {fam!r}: no service fit and not in the base; base's first used")
    not_fitted = sorted(set(fams) - set(fitted_fams))
    if not_fitted:
        notes.append(f"families {not_fitted}: service times from the base scenario")
    cat["families"] = fams
    weights = fitted["catalogue"]["item_weights"]
    base_items = _base_items(b)
    items_out: pd.DataFrame | None = None
    if base_items is not None and set(weights) <= set(base_items["item_id"]):
        cat["item_weights"] = weights
    else:
        if catalogue is None:
            catalogue = fit.mix.items[["item_id", "family"]]
        c = catalogue[["item_id", "family"]].astype(str).drop_duplicates("item_id")
        items_out = pd.DataFrame(
            {
                "item_id": c["item_id"],
                "name_en": c["item_id"],
                "name_zh": "",
                "bureau": "-",
                "family": c["family"],
                "weight": [weights.get(i, 0.0) for i in c["item_id"]],
                "source": "calibrated",
                "cross_province": c["family"].eq("cross_province"),
                "back_office": False,
            }
        )[list(ITEM_COLUMNS)]
        cat["item_weights"] = None
    cfg["catalogue"] = cat
    origin["catalogue"]["calibrated"] = [
        *(f"families.{f}" for f in fitted_fams),
        "item_weights" if items_out is None else "items_file",
    ]
    origin["catalogue"]["base"] = [f"families.{f}" for f in not_fitted]
    params["catalogue.item_weights"] = {
        "method": "ticket shares per item",
        "n_tickets": int(fit.mix.items["count"].sum()),
        "n_items": len(fit.mix.items),
    }

    imp = dict(cfg["impatience"] or {})
    imp["reneging"] = fitted["impatience"]["reneging"]
    p = fit.patience
    params["impatience.reneging"] = {
        **fitted["impatience"]["reneging"],
        "method": "censored MLE (served waits right-censored, no-shows left-censored); AIC",
        "n_exact": p.n_exact,
        "n_right_censored": p.n_right,
        "n_left_censored": p.n_left,
        "n_balks_excluded": p.n_balked,
        "n_unknown_leave": p.n_unknown,
        "km_median_min": _r(p.km_median),
        "lognormal": {"median": _r(p.ln_median), "sigma": _r(p.ln_sigma)},
        "exponential_mean": _r(p.exp_mean),
    }
    imp_cal = ["reneging"]
    bk = fit.balking
    if bk is not None:
        imp["balking"] = fitted["impatience"]["balking"]
        imp_cal.append("balking")
        lo, hi = bk.probability_ci
        params["impatience.balking"] = {
            **fitted["impatience"]["balking"],
            "method": (
                "step rule P(balk | n) = probability * 1[n >= threshold], n = tickets "
                "waiting centre-wide at the ticket time rebuilt from the log; profile MLE "
                "over integer thresholds, probability = balks / tickets at n >= threshold"
            ),
            "balk_definition": f"abandoned, leave time <= {bk.balk_max_minutes:g} min "
            "after the ticket",
            "n_tickets": bk.n_tickets,
            "n_balks": bk.n_balked,
            "n_at_risk": bk.n_at_risk,
            "n_at_threshold": bk.n_at_threshold,
            "probability_se": _r(bk.probability_se),
            "probability_wilson95": None if bk.probability is None else [_r(lo), _r(hi)],
            "threshold_likelihood_set": None
            if bk.threshold_set is None
            else list(bk.threshold_set),
            "lr_vs_queue_independent": {
                "statistic": _r(bk.lr_statistic),
                "pvalue_bootstrap": _r(bk.lr_pvalue, 6),
            },
            "max_queue_seen": bk.max_queue,
        }
    cfg["impatience"] = imp
    origin["impatience"] = {"calibrated": imp_cal, "base": []}

    stf = dict(cfg["staffing"] or {})
    if fit.skill_multipliers:
        mult = dict(stf.get("skill_multipliers") or {})
        for lev, val in fit.skill_multipliers.items():
            mult[lev] = round(float(val), 4)
        stf["skill_multipliers"] = mult
        lv = [f for f in fit.skill_multipliers if f != "proficient"]
        origin["staffing"]["calibrated"] = [f"skill_multipliers.{x}" for x in lv]
        params["staffing.skill_multipliers"] = {
            **{k: round(float(v), 4) for k, v in fit.skill_multipliers.items()},
            "method": "mean service at level / mean at proficient, row-weighted over families",
        }
    if staffing_plan is not None:
        stf["plan"] = dict(staffing_plan)
        origin["staffing"]["calibrated"].append("plan (from the staffing history)")
    cfg["staffing"] = stf

    cal = dict(cfg["calendar"] or {})
    if calendar_start is not None:
        cal["start_date"] = str(pd.Timestamp(calendar_start).date())
    if calendar_days is not None:
        cal["days"] = int(calendar_days)
    cfg["calendar"] = cal

    for sec in _SECTIONS:
        keys = set(cfg[sec] or {})
        done = {k.split(".")[0] for k in origin[sec]["calibrated"]}
        origin[sec]["base"] = sorted(set(origin[sec]["base"]) | (keys - done - {"id", "name"}))

    prov: dict[str, Any] = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "base_scenario": base_name,
        "centre_id": fit.centre_id,
        **dict(provenance or {}),
        "rows_used": fit.n_used,
        "parameters": params,
        "not_calibrated": {s: origin[s]["base"] for s in _SECTIONS if origin[s]["base"]},
        "holiday_factor_relative_to_weekday": _r(d.holiday_factor),
        "notes": notes,
    }
    if "origin_mix" in fitted:
        prov["origin_mix"] = fitted["origin_mix"]
    if fit.cross_province.available:
        prov["cross_province_delays"] = fit.cross_province.by_province.round(4).to_dict(
            orient="records"
        )
    cfg["calibration"] = prov
    return cfg, items_out, origin


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def render_yaml(
    cfg: Mapping[str, Any], name: str, origin: Mapping[str, Mapping[str, Sequence[str]]]
) -> str:
    """YAML text of a calibrated scenario, with comments naming calibrated keys."""
    lines = [
        "# @package _global_",
        f"# Calibrated scenario {name!r}: written by svcsim-calibrate (calibration.writer).",
        "# Keys listed as 'calibrated' below were fitted from the ticket log; the rest come",
        f"# from the base scenario {cfg['calibration'].get('base_scenario')!r}.",
        "# Provenance of every calibrated number (method, sample size, fit statistics)",
        "# is under `calibration:`.",
        "# Load with simulator.load_scenario(...) like any other scenario.",
    ]
    if cfg["calibration"].get("synthetic"):
        lines.append("# SYNTHETIC: calibrated from simulated (synthetic) history, not real data.")
    lines.append("defaults:\n  - /experiment: default\n  - _self_")
    for sec in (*_SECTIONS, "calibration"):
        o = origin.get(sec)
        if o is not None:
            cal = ", ".join(o.get("calibrated", [])) or "none"
            basek = ", ".join(o.get("base", [])) or "none"
            lines.append(f"# --- {sec}: calibrated: {cal}")
            lines.append(f"#     from base: {basek}")
        else:
            lines.append("# --- provenance (ignored by the loader)")
        text = yaml.safe_dump(
            {sec: escape_interpolations(_plain(cfg[sec]))},
            sort_keys=False,
            allow_unicode=True,
            width=100,
        )
        lines.append(text.rstrip("\n"))
    return "\n".join(lines) + "\n"


def write_scenario(
    cfg: dict[str, Any],
    name: str,
    origin: Mapping[str, Mapping[str, Sequence[str]]],
    items: pd.DataFrame | None = None,
    out_dir: str | Path | None = None,
) -> Path:
    """Write ``<out_dir>/<name>.yaml`` (default ``scenarios/calibrated``) and, when given,
    the items CSV ``<name>_items.csv`` next to it.

    Returns
    -------
    pathlib.Path
        The YAML file.
    """
    from simulator.config.compose import scenarios_dir

    check_name(name, "name")
    folder = Path(out_dir) if out_dir is not None else calibrated_dir()
    folder.mkdir(parents=True, exist_ok=True)
    cfg = copy.deepcopy(cfg)
    if items is not None:
        items_path = inside(folder, f"{name}_items.csv", "name")
        items.to_csv(items_path, index=False)
        root = scenarios_dir()
        try:
            ref: str = items_path.resolve().relative_to(root).as_posix()
        except ValueError:
            ref = str(items_path.resolve())
        cfg["catalogue"]["items_file"] = ref
    path = inside(folder, f"{name}.yaml", "name")
    path.write_text(render_yaml(cfg, name, origin), encoding="utf-8")
    return path
