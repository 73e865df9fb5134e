"""Scenario writer: a :class:`~calibration.fit.CalibrationFit` becomes one self-contained
scenario YAML.

The written file needs nothing but itself (and its items CSV): it has no defaults list
beyond ``_self_``, so ``svcsim --config-path DIR --config-name NAME`` and
``simulator.load_scenario(path)`` run it without extra flags. It holds every section of
the composed base scenario (default ``reference``: back office, cross-province, cost,
targets and the experiment keys included); what the log shows replaces the base's
values: demand, service times, patience and balking, the layout (windows and groups),
the staff and their skill levels, the staffing plan, closed holidays. Each section is
preceded by a comment naming which keys are ``fitted`` (from the log), ``assumed``
(set by the calibration without data, e.g. return visits 0 when the log has no such
flag) or from the ``base``; the same lists are under ``calibration.value_origin``. The
``calibration:`` key (ignored by the loader) records provenance: source files, date
range, rows used and excluded, the method and sample size behind every fitted number,
fit statistics and notes.

Strings that come from the data (centre, window, item ids, file names) are written with
OmegaConf's interpolation syntax escaped (``\\${`` ), so a centre id such as
``${oc.env:HOME}`` stays that literal text.
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
from calibration.layout import LayoutFit
from simulator.config.safety import check_name, escape_interpolations, inside
from simulator.config.scenario import ITEM_COLUMNS

__all__ = [
    "EXPERIMENT_KEYS",
    "base_config",
    "build_scenario_config",
    "calibrated_dir",
    "escape_interpolation",
    "full_base_config",
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


def full_base_config(base: str = "reference") -> dict[str, Any]:
    """The composed base scenario as a plain dict, experiment keys, cost and targets
    included (everything but Hydra's own key)."""
    from simulator.config.compose import compose_config

    return compose_config(base)


def escape_interpolation(s: str) -> str:
    """Escape OmegaConf interpolations (``${...}``) in a string from the data
    (:func:`simulator.config.safety.escape_interpolations`)."""
    return str(escape_interpolations(s))


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
    layout: LayoutFit | None = None,
    unseen_months: str = "base",
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
    layout : LayoutFit, optional
        Windows, staff, staffing plan and closures read from the log
        (:func:`calibration.layout.fit_layout`): they replace the base's layout, staff
        and plan.
    unseen_months : {"base", "flat"}
        Month factors of months the log does not cover: the base scenario's seasonal
        shape scaled to the seen months (``base``), or 1.0, the mean seen month
        (``flat``). Either is an assumption, marked so, with its spread added to the
        validation's volume interval.

    Returns
    -------
    config : dict
        The scenario sections plus ``calibration``.
    items : pandas.DataFrame or None
        Items CSV to write next to the YAML (None when the base items file is used).
    origin : dict
        Section -> ``{"calibrated": [...], "assumed": [...], "base": [...]}`` (keys).
    """
    if unseen_months not in ("base", "flat"):
        raise ValueError(f"unseen_months must be 'base' or 'flat', got {unseen_months!r}")
    b = copy.deepcopy(full_base_config(base) if isinstance(base, str) else dict(base))
    base_name = base if isinstance(base, str) else str(b.get("centre", {}).get("name", "base"))
    fitted = fit.to_scenario_dict()
    sections = [k for k, v in b.items() if isinstance(v, Mapping) and k != "calibration"]
    sections = [
        *[s for s in _SECTIONS if s in sections],
        *[s for s in sections if s not in _SECTIONS],
    ]
    cfg: dict[str, Any] = {k: b.get(k) for k in sections}
    for k in _SECTIONS:
        cfg.setdefault(k, {})
    sections = list(dict.fromkeys([*_SECTIONS, *sections]))
    scalars = {k: v for k, v in b.items() if not isinstance(v, Mapping) and k != "calibration"}
    origin: dict[str, dict[str, list[str]]] = {
        k: {"calibrated": [], "assumed": [], "base": []} for k in sections
    }
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
        "method": "Poisson log-linear MLE, observed months mean 1 (unobserved: see "
        "demand.month_factors_unseen)",
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
    assumed_dem: list[str] = []
    if "p_return_visit" in demand:
        demand["p_return_visit"] = 0.0
        assumed_dem.append("p_return_visit")
        params["demand.p_return_visit"] = {
            "value": 0.0,
            "origin": "assumed",
            "method": "the ticket log has no return-visit flag: return visits set to 0",
        }
    unseen = sorted(set(range(1, 13)) - set(d.months_observed))
    if unseen:
        assumed_dem.append(f"month_factors{unseen}")
        seen = list(d.months_observed)
        mf = [float(demand["month_factors"][m - 1]) for m in seen]
        bmf = [float(x) for x in (b.get("demand", {}).get("month_factors") or [1.0] * 12)]
        use_base = unseen_months == "base" and len(bmf) == 12 and all(x > 0 for x in bmf)
        if use_base:
            # the base's seasonal shape, scaled so the seen months keep their mean
            scale = sum(bmf[m - 1] for m in seen) / len(seen)
            vals = {m: round(bmf[m - 1] / scale, 4) for m in unseen}
            ratio = [f / (bmf[m - 1] / scale) for f, m in zip(mf, seen, strict=True)]
            spread = float(pd.Series(ratio).std(ddof=1)) if len(ratio) > 1 else None
            how = (
                f"months not in the fitting period: the base scenario {base_name!r}'s month "
                "factors relative to the seen months (its seasonal shape, assumed); "
                "uncertain by the spread of fitted / base factors over the seen months"
            )
        else:
            vals = dict.fromkeys(unseen, 1.0)
            spread = float(pd.Series(mf).std(ddof=1)) if len(mf) > 1 else None
            how = (
                "months not in the fitting period: factor 1.0 (the mean seen month), "
                "uncertain by the spread of the seen months' factors"
            )
        mfs = list(demand["month_factors"])
        for m, v in vals.items():
            mfs[m - 1] = v
        demand["month_factors"] = mfs
        params["demand.month_factors_unseen"] = {
            "months": unseen,
            "values": [vals[m] for m in unseen],
            "origin": "assumed",
            "rule": "base" if use_base else "flat",
            "spread_of_seen_months_sd": _r(spread),
            "method": how,
        }
    if layout is not None and layout.holidays_closed:
        demand["holiday_factor"] = 0.0
        if "holiday_factor" not in cal_keys:
            cal_keys.append("holiday_factor")  # from the log, not from the base
        params["demand.holiday_factor"] = {
            "value": 0.0,
            "method": "most holidays of the fitting period had no tickets: closed",
            "closed_dates": [str(x.date()) for x in layout.closed_dates],
        }
    cfg["demand"] = demand
    origin["demand"]["calibrated"] = cal_keys
    origin["demand"]["assumed"] = assumed_dem

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
        if base_items is not None:  # items the base knows keep its bureau and flags
            known = base_items.drop_duplicates("item_id").set_index("item_id")
            hit = items_out["item_id"].isin(known.index)
            items_out = items_out.astype(object)
            for col in ("name_en", "name_zh", "bureau", "cross_province", "back_office"):
                if col in known.columns and hit.any():
                    items_out.loc[hit, col] = known.loc[
                        items_out.loc[hit, "item_id"], col
                    ].to_numpy()
        cat["item_weights"] = None
        bo = dict(cfg.get("back_office") or {})
        if bo:
            is_bo = items_out["back_office"].astype(str).str.lower().isin(("true", "1"))
            bureaus = set(items_out.loc[is_bo, "bureau"].astype(str))
            bo["bureaus"] = {k: v for k, v in dict(bo.get("bureaus") or {}).items() if k in bureaus}
            if not bureaus and bo.get("enabled"):
                bo["enabled"] = False
                origin["back_office"]["assumed"].append("enabled")
                notes.append(
                    "no item of the log is known to go to a back office: back office disabled"
                )
            cfg["back_office"] = bo
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
        "method": (
            "censored MLE (served waits right-censored, abandonments without a leave time "
            "interval-censored before their would-be call, no-shows apart); AIC"
        ),
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
    origin["impatience"] = {"calibrated": imp_cal, "assumed": [], "base": []}

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
    if layout is not None:
        fams_all = list(cfg["catalogue"]["families"])
        lay_sc = layout.to_scenario(fams_all)
        lay = dict(cfg["layout"] or {})
        lay["windows"] = lay_sc["layout"]["windows"]
        cfg["layout"] = lay
        origin["layout"]["calibrated"] = ["windows"]
        stf["staff"] = lay_sc["staffing"]["staff"]
        stf["plan"] = lay_sc["staffing"]["plan"]
        origin["staffing"]["calibrated"] += ["staff", "plan"]
        calling = layout.calling()
        for key in ("walk_time", "no_show"):
            if key in calling:
                cfg["centre"][key] = calling[key]
                origin["centre"]["calibrated"].append(key)
            elif key in cfg["centre"]:
                cfg["centre"].pop(key)
        n_win = sum(int(g["count"]) for g in lay["windows"].values())
        if int(cfg["centre"].get("counters") or 0) < n_win:
            cfg["centre"]["counters"] = n_win
            origin["centre"]["calibrated"].append("counters")
        params["layout.windows"] = {
            "method": "windows seen serving in the log, grouped by the families they served",
            "groups": {
                g.name: {
                    "kind": g.kind,
                    "families": list(g.families),
                    "log_windows": list(g.windows),
                }
                for g in layout.groups
            },
            "log_to_scenario_window": layout.window_map(),
        }
        params["staffing.staff"] = {
            "method": "staff seen serving; speed = ratio estimator against proficient "
            "family means, 95% CI; level novice / expert when the Bonferroni CI excludes "
            "1, sparse staff pooled as proficient",
            "staff": {
                f"staff_{k + 1:02d}": {
                    "log_staff_id": s.staff_id,
                    "n": s.n,
                    "speed": _r(s.speed),
                    "speed_ci95": [_r(s.speed_ci[0]), _r(s.speed_ci[1])],
                    "level": s.level,
                    "pooled": s.pooled,
                }
                for k, s in enumerate(layout.staff)
            },
        }
        params["staffing.plan"] = {
            "method": (
                "by_block: windows open per 30-min bin and day type, mean over open days "
                "rounded, from the calls (a window open from its first call to its last "
                "service end, sessions split at idle gaps)"
                if staffing_plan is None
                else "by_block: schedule from the staffing file, groups split as in the log"
            ),
        }
        params["walk_time"] = {**{k: _r(v) for k, v in layout.walk.items()}, "origin": "fitted"}
        params["no_show"] = {**{k: _r(v) for k, v in layout.no_show.items()}, "origin": "fitted"}
        params["closed_dates"] = [str(x.date()) for x in layout.closed_dates]
        origin["layout"]["base"] = [k for k in lay if k != "windows"]
        origin["staffing"]["base"] = []
        notes.extend(f"layout: {n}" for n in layout.notes)
    if staffing_plan is not None:
        stf["plan"] = dict(staffing_plan)
        if "plan" not in origin["staffing"]["calibrated"]:
            origin["staffing"]["calibrated"].append("plan")
    cfg["staffing"] = stf
    if layout is not None:
        _cross_province_from_log(cfg, fit, fitted, origin, params, notes)
    if layout is not None and not _space_fits(cfg):
        cfg["recommend"] = _recommend_space(cfg, base_name)
        origin["recommend"] = {
            "calibrated": [],
            "assumed": ["space.windows (the fitted counts -1 / +1)", "space.skill_mix"],
            "base": [k for k in cfg["recommend"] if k != "space"],
        }
        params["recommend.space"] = {
            "origin": "assumed",
            "method": "bundled recommend/default with the decision space around the fitted "
            "layout: each window group at its fitted count, one fewer and one more (within "
            "centre.counters); skill mixes keep (the staff seen in the log) and all_round",
        }

    cal = dict(cfg["calendar"] or {})
    if calendar_start is not None:
        cal["start_date"] = str(pd.Timestamp(calendar_start).date())
    if calendar_days is not None:
        cal["days"] = int(calendar_days)
    cfg["calendar"] = cal

    for sec in sections:
        keys = set(cfg[sec] or {})
        done = {
            k.split(".")[0].split("[")[0]
            for k in [*origin[sec]["calibrated"], *origin[sec]["assumed"]]
        }
        origin[sec]["base"] = sorted(set(origin[sec]["base"]) | (keys - done - {"id", "name"}))
    for k, v in scalars.items():
        cfg[k] = v

    prov: dict[str, Any] = {
        "generated": dt.datetime.now().isoformat(timespec="seconds"),
        "base_scenario": base_name,
        "centre_id": fit.centre_id,
        **dict(provenance or {}),
        "rows_used": fit.n_used,
        "parameters": params,
        "not_calibrated": {s: origin[s]["base"] for s in sections if origin[s]["base"]},
        "value_origin": {
            s: {kind: list(v) for kind, v in origin[s].items() if v} for s in sections
        },
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


def _cross_province_from_log(
    cfg: dict[str, Any],
    fit: CalibrationFit,
    fitted: Mapping[str, Any],
    origin: dict[str, dict[str, list[str]]],
    params: dict[str, Any],
    notes: list[str],
) -> None:
    """When the log shows residents of other provinces, simulate their round trips: the
    origin mix is fitted, the round-trip delays per province are fitted from the
    ``xp_*`` timestamps (lognormal mean and CV, from 10 pairs), the rest of the
    cross-province model (availability, failures, outages, hold timeout) comes from the
    base's section or, when the base has none, the bundled ``yrd`` group (assumed). A
    dedicated window group that served only the cross-province family becomes a
    ``cross_province`` window; without one open on every day type, requests are not
    tied to such a window (``require_window: false``, assumed)."""
    from simulator.optimise.config import bundled_group

    mix = fitted.get("origin_mix") or {}
    remote = {k: v for k, v in mix.items() if k != "shanghai" and v > 0}
    if not remote:
        return
    xp = dict(cfg.get("cross_province") or {})
    sec = origin.setdefault("cross_province", {"calibrated": [], "assumed": [], "base": []})
    if not xp.get("enabled"):
        xp = copy.deepcopy(bundled_group("cross_province", "yrd"))
        sec["assumed"] += sorted(xp)  # the bundled yrd model
        notes.append(
            "the log shows residents of other provinces: their round trips are simulated "
            "with the bundled cross_province/yrd model (assumed), delays from the log"
        )
    fam = str(xp.get("family", "cross_province"))
    dem = cfg["demand"]
    dem["origin_mix"] = {
        p: float(mix.get(p, 0.0)) for p in ("shanghai", "jiangsu", "zhejiang", "anhui")
    }
    origin["demand"]["calibrated"].append("origin_mix")
    params["demand.origin_mix"] = {
        "value": dem["origin_mix"],
        "method": "shares of tickets with a known origin",
        "n_missing_origin": fit.mix.n_origin_missing,
    }
    provs = {k: dict(v) for k, v in dict(xp.get("provinces") or {}).items()}
    got = []
    if fit.cross_province.available:
        for row in fit.cross_province.by_province.to_dict(orient="records"):
            p = str(row["origin"])
            if p in provs and int(row["n"]) >= 10 and math.isfinite(float(row["cv"])):
                provs[p]["delay"] = {
                    "dist": "lognormal",
                    "mean": round(float(row["mean_min"]), 4),
                    "cv": round(float(row["cv"]), 4),
                }
                got.append(p)
    xp["provinces"] = provs
    if got:
        sec["calibrated"].append(f"provinces.{{{','.join(got)}}}.delay")
    groups = cfg["layout"]["windows"]
    xp_groups = [g for g, spec in groups.items() if list(spec.get("families") or []) == [fam]]
    blocks = (cfg["staffing"].get("plan") or {}).get("blocks") or {}
    open_every_day = bool(xp_groups) and all(
        any(set(b.get("open", {})) & set(xp_groups) for b in bl) for bl in blocks.values() if bl
    )
    for g in xp_groups:
        groups[g]["kind"] = "cross_province"
    if xp.get("require_window") and not open_every_day:
        xp["require_window"] = False
        if "require_window" not in sec["assumed"]:
            sec["assumed"].append("require_window")
        notes.append("no cross-province window open every day: require_window false (assumed)")
    cfg["cross_province"] = xp
    params["cross_province"] = {
        "delays_fitted_for": got,
        "cross_province_windows": xp_groups,
        "method": "origin mix and round-trip delays from the log; the rest assumed",
    }


def _space_fits(cfg: Mapping[str, Any]) -> bool:
    """Whether the base scenario's ``recommend`` decision space (the bundled default
    that every shipped scenario lists, or the base's own) names only window groups of
    the calibrated layout; if not, the calibrated scenario gets a space of its own."""
    space = ((cfg.get("recommend") or {}).get("space") or {}).get("windows") or {}
    groups = set((cfg.get("layout") or {}).get("windows") or {})
    return bool(space) and set(space) <= groups


def _recommend_space(cfg: Mapping[str, Any], base_name: str) -> dict[str, Any]:
    """``recommend`` section for svcsim-recommend: the bundled default procedure with a
    decision space around the calibrated layout (its window group names)."""
    from simulator.optimise.config import bundled_group

    rec = copy.deepcopy(bundled_group("recommend", "default"))
    counters = int(cfg["centre"].get("counters") or 0)
    windows = {}
    groups = cfg["layout"]["windows"]
    total = sum(int(g["count"]) for g in groups.values())
    for name, g in groups.items():
        n = int(g["count"])
        room = max(counters - total, 0)
        opts = sorted(
            {max(n - 1, 0 if g.get("kind") != "comprehensive" else 1), n, n + min(1, room)}
        )
        windows[name] = opts
    space = dict(rec.get("space") or {})
    space["windows"] = windows
    space["skill_mix"] = ["keep", "all_round"]
    rec["space"] = space
    rec["skill_mixes"] = {
        k: v for k, v in dict(rec.get("skill_mixes") or {}).items() if k == "all_round"
    }
    return rec


def _plain(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {escape_interpolation(str(k)): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v) for v in obj]
    if isinstance(obj, str):
        return escape_interpolation(obj)
    if hasattr(obj, "item"):
        return _plain(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def render_yaml(
    cfg: Mapping[str, Any], name: str, origin: Mapping[str, Mapping[str, Sequence[str]]]
) -> str:
    """YAML text of a calibrated scenario, with comments naming fitted, assumed and base
    keys of every section."""
    base = cfg["calibration"].get("base_scenario")
    lines = [
        "# @package _global_",
        f"# Calibrated scenario {name!r}: written by svcsim-calibrate (calibration.writer).",
        "# Self-contained: run it with",
        "#   svcsim --config-path <this folder> --config-name <this file without .yaml>",
        "# or simulator.load_scenario('<path to this file>'). Each section says which keys",
        "# were fitted from the ticket log, which were assumed by the calibration, and which",
        f"# come from the base scenario {base!r}. Method, sample size and fit statistics",
        "# of every fitted number are under `calibration:` (ignored by the loader).",
    ]
    if cfg["calibration"].get("synthetic"):
        lines.append("# SYNTHETIC: calibrated from simulated (synthetic) history, not real data.")
    lines.append("defaults:\n  - _self_")
    scalars = {k: v for k, v in cfg.items() if not isinstance(v, Mapping)}
    if scalars:
        lines.append(
            f"# --- experiment settings: from the base scenario {base!r} (any it lacks: svcsim's)"
        )
        text = yaml.safe_dump(_plain(scalars), sort_keys=False, allow_unicode=True, width=100)
        lines.append(text.rstrip("\n"))
    for sec, val in cfg.items():
        if not isinstance(val, Mapping) or sec == "calibration":
            continue
        o = origin.get(sec, {})
        fitted = ", ".join(o.get("calibrated", [])) or "none"
        assumed = ", ".join(o.get("assumed", [])) or "none"
        basek = ", ".join(o.get("base", [])) or "none"
        lines.append(f"# --- {sec}: fitted: {fitted}")
        lines.append(f"#     assumed: {assumed}")
        lines.append(f"#     from base: {basek}")
        text = yaml.safe_dump({sec: _plain(val)}, sort_keys=False, allow_unicode=True, width=100)
        lines.append(text.rstrip("\n"))
    lines.append("# --- provenance (ignored by the loader)")
    text = yaml.safe_dump(
        {"calibration": _plain(cfg["calibration"])}, sort_keys=False, allow_unicode=True, width=100
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
    """Write ``<out_dir>/<name>.yaml`` and, when given, the items CSV
    ``<name>_items.csv`` next to it (referenced by its absolute path unless the folder
    lies inside the bundled ``scenarios`` package).

    Parameters
    ----------
    out_dir : path, optional
        Folder (default ``calibration_report/<name>`` in the working directory).

    Returns
    -------
    pathlib.Path
        The YAML file. It has every run setting of a shipped scenario (those ``cfg``
        lacks: svcsim's defaults), so ``svcsim`` takes the same overrides on it
        (``charts=false``, ``progress=true``).
    """
    from simulator.config.compose import scenarios_dir, with_run_settings

    check_name(name, "name")
    folder = Path(out_dir) if out_dir is not None else Path("calibration_report") / name
    folder.mkdir(parents=True, exist_ok=True)
    cfg = with_run_settings(copy.deepcopy(cfg))
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
