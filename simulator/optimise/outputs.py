"""The recommendation and its outputs: final tables, the finding, the scenario YAML, files
and charts (stage 6 of :mod:`simulator.optimise.recommend`)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from simulator.analysis.results import kpi_summary
from simulator.analysis.stats import one_sided_bounds, t_interval
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.optimise.config import (
    CostModel,
    Procedure,
    Targets,
)
from simulator.optimise.evaluate import Candidate, _Runner, plain
from simulator.optimise.feasibility import Constraint, Search, _hour_keys, _hour_value, _meets
from simulator.optimise.options import Note
from simulator.optimise.stats import (
    FEASIBLE,
    INFEASIBLE,
)

__all__ = ["REPORT_KPIS", "Recommendation", "scenario_yaml", "write_outputs"]


#: KPIs shown in the output tables (when present).
REPORT_KPIS = (
    "service_level",
    "wait_mean_min",
    "wait_p90_min",
    "abandonment_rate",
    "utilisation",
    "queue_mean",
    "overtime_min",
    "arrivals",
    "served",
)


@dataclass
class Recommendation:
    """What :func:`recommend` returns (all tables are pandas DataFrames).

    Attributes
    ----------
    option
        Name of the recommended layout option (``None`` if nothing was feasible).
    meets_targets
        True when the recommended plan meets every target in the final evaluation
        (one-sided bound at the stated confidence, within tolerance).
    statement
        The finding in words, with its confidence.
    layout, skill_mix, lunch_open_share
        The recommended layout (window counts per group) and roster recipe.
    cost_per_day, cost_breakdown
        Cost of the recommended plan per open day (CNY), by component.
    staffing_plan
        Hour-by-hour plan: day type, start and end (``HH:MM``; ``day N HH:MM`` when a
        day type runs past midnight), open windows per group, staff on duty in total and
        per role (``all_round: 3, new_staff: 1``).
    kpis
        Final evaluation (fresh replications): KPI, mean, ci_low, ci_high, and for
        targeted KPIs the target, one-sided bound and whether it is met.
    hourly
        Final evaluation per day type and hour: arrivals, service level (with CI),
        abandonment, mean wait, windows open.
    options
        Every layout option: parameters, cost, replications, estimates, decision.
    runner_ups
        Next cheapest feasible options with paired CIs against the recommendation.
    pareto
        Cost / service-level table used for the frontier chart.
    robustness
        The recommended plan under demand growth and online shift.
    scenario_config
        Plain config of the recommended scenario (``recommended.yaml`` holds it with the
        run settings and :attr:`settings`).
    settings
        The ``cost``, ``targets`` and ``recommend`` groups the recommendation used, in
        config form (:func:`simulator.optimise.config.settings_config`; the root seed as
        ``recommend.procedure.seed``): ``recommended.yaml`` carries them, so that
        ``svcsim-recommend`` run on it uses the same settings and takes the same
        overrides as on a shipped scenario.
    files
        Paths written (when an output folder was given).
    stats
        Evaluations run and reused, wall time, error budget.
    notes
        How the options were built where the scenario does not say it (the weekend and
        lunch shares and ``min_open`` of their staffing plans when the scenario's plan is
        not ``auto``: :func:`simulator.optimise.options.option_shares`), as
        :class:`~simulator.optimise.options.Note`: a message key with its values, from
        which the report writes the note in its language, and the English ``text``, also
        logged.
    """

    option: str | None
    meets_targets: bool
    statement: str
    layout: dict[str, int]
    skill_mix: str | None
    lunch_open_share: float | None
    cost_per_day: float
    cost_breakdown: dict[str, float]
    staffing_plan: pd.DataFrame
    kpis: pd.DataFrame
    hourly: pd.DataFrame
    options: pd.DataFrame
    runner_ups: pd.DataFrame
    pareto: pd.DataFrame
    robustness: pd.DataFrame
    scenario_config: dict[str, Any]
    targets: Targets
    cost_currency: str = "CNY"
    files: dict[str, Path] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)
    isa_log: list[dict[str, Any]] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    @property
    def scenario(self) -> Scenario:
        return scenario_from_config(self.scenario_config, source="recommended")


def _at(frame: pd.DataFrame, row: str, col: str) -> float:
    value: Any = frame.at[row, col]
    return float(value)


def _summary(recs: Sequence[Mapping[str, Any]], level: float = 0.95) -> pd.DataFrame:
    names: list[str] = []
    for rec in recs:
        names += [k for k in rec["kpis"] if k not in names]
    values = [
        {k: np.nan if rec["kpis"].get(k) is None else rec["kpis"][k] for k in names} for rec in recs
    ]
    return kpi_summary(pd.DataFrame(values, columns=names, dtype=float), level)


def _statement(
    rec_cand: Candidate | None,
    options: list[Candidate],
    cons: list[Constraint],
    tgt: Targets,
    proc: Procedure,
    cost: CostModel,
    final_cost: float,
    meets: bool,
    tie_note: str,
    runner_rows: list[dict[str, Any]],
    target_wait_min: float | None = None,
) -> str:
    """The finding, in one paragraph of plain words; the codes (option, runner-ups,
    target labels, tolerances) follow at the end for whoever needs them."""
    from simulator.present.names import (
        kpi_words,
        option_text,
        retraining_text,
        target_text,
        tolerance_text,
        window_groups,
        zone_text,
    )

    primary = tgt.primary()
    conf_pct = f"{100 * tgt.confidence:g}%"
    targets_txt = "; ".join(target_text(t.label, target_wait_min) for t in tgt.all)
    tol_txt = "; ".join(
        dict.fromkeys(tolerance_text(t.kpi, t.tolerance, target_wait_min) for t in tgt.all)
    )
    codes = " Codes: " + (f"option {rec_cand.name}; " if rec_cand is not None else "")
    indist = [r["option"] for r in runner_rows if r["indistinguishable_within_tolerance"]]
    if rec_cand is not None and indist:
        codes += f"runner-ups {', '.join(indist)}; "
    codes += (
        f"targets {', '.join(t.label for t in tgt.all)}; tolerances "
        + ", ".join(f"{t.kpi} ±{t.tolerance:g}" for t in tgt.all)
        + "."
    )
    if rec_cand is None:
        statement = (
            f"No tested option meets the targets ({targets_txt}) with {conf_pct} "
            f"confidence; shown is the option with the best "
            f"{kpi_words(primary.kpi, target_wait_min)}. Widen the "
            "decision space (more windows or staff)." + codes
        )
    else:
        windows = window_groups(rec_cand.config)

        def words(code: str) -> str:
            return option_text(code, windows)

        n_cheaper = sum(1 for c in options if c.cost < rec_cand.cost - 1e-9)
        statement = f"Recommended: {words(rec_cand.name)}."
        retrain = retraining_text(rec_cand.params.get("skill_mix"))
        if retrain:
            statement += " " + retrain
        statement += (
            f" It meets every target ({len(cons)} checks: {targets_txt}) and is the "
            f"cheapest such option among {len(options)} tested ({n_cheaper} cheaper options "
            f"miss a target), with probability at least {conf_pct} (a target counts as met "
            f"within its tolerance: {tol_txt})."
        )
        if tie_note:
            statement += " " + tie_note
        if indist:
            many = len(indist) > 1
            statement += (
                f" {'Runner-ups' if many else 'The runner-up'} "
                f"{'; '.join(words(o) for o in indist)} {'are' if many else 'is'} not "
                f"distinguishable from it within "
                f"{zone_text(primary.kpi, primary.tolerance, target_wait_min)} but "
                f"{'cost' if many else 'costs'} more."
            )
        statement += (
            f" Hour-by-hour plan: {final_cost:,.0f} {cost.currency}/day against "
            f"{rec_cand.cost:,.0f} with every window open all day; final check on "
            f"{proc.final_replications} fresh replications: "
            + ("all targets met." if meets else "NOT all targets met (see kpis table).")
        )
        statement += codes
    return statement


def _pareto(
    options_table: pd.DataFrame, final_cost: float, fs: pd.DataFrame, meets: bool
) -> pd.DataFrame:
    """Cost against service level: every valid option and the recommended plan."""
    pareto = options_table[~options_table["decision"].isin(["invalid", "duplicate"])][
        [
            "option",
            "cost_per_day",
            "service_level",
            "service_level_ci_low",
            "service_level_ci_high",
            "meets_target",
            "decision",
        ]
    ].copy()
    row: dict[str, Any] = {
        "option": "recommended plan",
        "cost_per_day": final_cost,
        "service_level": _at(fs, "service_level", "mean"),
        "service_level_ci_low": _at(fs, "service_level", "ci_low"),
        "service_level_ci_high": _at(fs, "service_level", "ci_high"),
        "meets_target": meets,
        "decision": "recommended (hour-by-hour plan)",
    }
    pareto = pd.concat([pareto, pd.DataFrame([row])], ignore_index=True)
    return pareto.reset_index(drop=True)


def _options_table(
    search: Search,
    options: list[Candidate],
    invalid: list[dict[str, Any]],
) -> pd.DataFrame:
    state, cons, runner = search.state, search.cons, search.runner
    seed, tgt = search.seed, search.tgt
    rows = []
    for c in options:
        st = state[c.key]
        n = st["n"]
        recs = runner.records(c, seed, n)
        s = _summary(recs, tgt.confidence)
        decision = st["decision"] or "not resolved (costlier than needed)"
        row: dict[str, Any] = {
            "option": c.name,
            **c.params,
            "cost_per_day": c.cost,
            **{f"cost_{k}": v for k, v in c.cost_breakdown.items()},
            "replications": n,
        }
        for kpi in ("service_level", "wait_mean_min", "abandonment_rate", "utilisation"):
            if kpi in s.index:
                row[kpi] = s.loc[kpi, "mean"]
                row[f"{kpi}_ci_low"] = s.loc[kpi, "ci_low"]
                row[f"{kpi}_ci_high"] = s.loc[kpi, "ci_high"]
        if st["decision"] in (FEASIBLE, INFEASIBLE, "screened out"):
            meets = st["decision"] == FEASIBLE
        else:
            meets = all(float(np.mean(con.values(recs))) >= con.threshold for con in cons)
        row["meets_target"] = meets
        row["decision"] = decision
        row["reason"] = st["reason"]
        rows.append(row)
    rows += invalid
    frame = pd.DataFrame(rows)
    return frame.sort_values(["cost_per_day", "option"], na_position="last").reset_index(drop=True)


def _kpi_table(
    recs: Sequence[Mapping[str, Any]], tgt: Targets, cons: list[Constraint]
) -> tuple[pd.DataFrame, bool]:
    s = _summary(recs, 0.95)
    rows = []
    for kpi in [k for k in REPORT_KPIS if k in s.index]:
        row: dict[str, Any] = {"kpi": kpi, **s.loc[kpi, ["mean", "ci_low", "ci_high", "n"]]}
        rows.append(row)
    frame = pd.DataFrame(rows).set_index("kpi")
    frame["target"] = ""
    frame["bound"] = np.nan
    frame["meets"] = ""
    all_ok = True
    for t in tgt.day:
        con = Constraint(t)
        m, lo, hi = one_sided_bounds(
            np.array(
                [np.nan if r["kpis"].get(t.kpi) is None else r["kpis"][t.kpi] for r in recs],
                dtype=float,
            ),
            tgt.confidence,
        )
        bound = lo if t.sense == "min" else hi
        strict = t.margin(bound) >= 0
        within = _meets(con, recs, tgt.confidence) >= 0
        if t.kpi not in frame.index:
            frame.loc[t.kpi, ["mean", "ci_low", "ci_high"]] = [m, np.nan, np.nan]
        frame.loc[t.kpi, "target"] = t.label
        frame.loc[t.kpi, "bound"] = bound
        frame.loc[t.kpi, "meets"] = "yes" if strict else ("within tolerance" if within else "no")
        all_ok &= within
    hour_cons = [c for c in cons if c.hour_key is not None]
    if hour_cons:
        bad = [c.label for c in hour_cons if _meets(c, recs, tgt.confidence) < 0]
        frame.loc["hourly targets", ["mean", "ci_low", "ci_high", "n"]] = [
            1.0 - len(bad) / len(hour_cons),
            np.nan,
            np.nan,
            len(recs),
        ]
        frame.loc["hourly targets", "target"] = "; ".join(t.label for t in tgt.hour)
        frame.loc["hourly targets", "meets"] = "yes" if not bad else "no: " + ", ".join(bad[:5])
        all_ok &= not bad
    return frame, bool(all_ok)


def _hourly_table(recs: Sequence[Mapping[str, Any]], scn: Scenario, conf: float) -> pd.DataFrame:
    keys = _hour_keys(scn)
    open_by_hour = _open_by_hour(scn)
    rows = []
    for key in keys:
        vals: dict[str, list[float]] = {
            k: [] for k in ("arrivals", "service_level", "abandonment_rate", "wait_mean_min")
        }
        for rec in recs:
            row = rec["hourly"].get(key)
            vals["arrivals"].append(row[0] if row else 0.0)
            for kpi in ("service_level", "abandonment_rate", "wait_mean_min"):
                vals[kpi].append(_hour_value(kpi, row))
        day_type, hour = key.split("|")
        out: dict[str, Any] = {"day_type": day_type, "hour": int(hour)}
        for kpi, v in vals.items():
            mean, lo, hi, _ = t_interval(np.array(v, dtype=float), conf)
            out[kpi] = mean
            if kpi != "arrivals":
                out[f"{kpi}_ci_low"] = lo
                out[f"{kpi}_ci_high"] = hi
        out.update(open_by_hour.get(key, {}))
        rows.append(out)
    return pd.DataFrame(rows)


def _open_by_hour(scn: Scenario) -> dict[str, dict[str, float]]:
    """Mean open windows per group in each clock hour (time-weighted)."""
    group_of = {w.id: w.group for w in scn.windows}
    groups = list(dict.fromkeys(group_of.values()))
    out: dict[str, dict[str, float]] = {}
    for key, blocks in scn.plans.items():
        for b in blocks:
            for hour in range(int(b.start // 60), math.ceil(b.end / 60)):
                lo, hi = max(b.start, hour * 60), min(b.end, hour * 60 + 60)
                if hi <= lo:
                    continue
                d = out.setdefault(f"{key}|{hour}", {f"open_{g}": 0.0 for g in groups})
                for wid, _ in b.assignments:
                    d[f"open_{group_of[wid]}"] += (hi - lo) / 60.0
    return out


def _time_label(m: float, with_day: bool, end: bool = False) -> str:
    """A plan time for people: ``HH:MM`` (to the minute), prefixed ``day N`` (day 1 first)
    when the plan runs past one day; an end on midnight reads ``24:00`` of its day."""
    day, minute = divmod(round(m), 1440)
    if end and minute == 0 and day > 0:
        day, minute = day - 1, 1440
    hhmm = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"day {day + 1} {hhmm}" if with_day else hhmm


def _plan_table(scn: Scenario) -> pd.DataFrame:
    """Day type x block: start and end as clock times, open windows per group, staff on
    duty in total and per role (``clerk: 3, expert: 1``)."""
    group_of = {w.id: w.group for w in scn.windows}
    groups = list(dict.fromkeys(group_of.values()))
    staff = {s.id: s for s in scn.staff}
    roles = list(dict.fromkeys(s.group for s in scn.staff))
    rows = []
    for key, blocks in scn.plans.items():
        with_day = any(b.end > 1440 for b in blocks)
        for b in blocks:
            row: dict[str, Any] = {
                "day_type": key,
                "start": _time_label(b.start, with_day),
                "end": _time_label(b.end, with_day, end=True),
            }
            for g in groups:
                row[f"open_{g}"] = sum(1 for w, _ in b.assignments if group_of[w] == g)
            row["staff_on_duty"] = len(b.assignments)
            on_duty = [staff[s].group for _, s in b.assignments]
            row["staff"] = ", ".join(f"{r}: {on_duty.count(r)}" for r in roles if r in on_duty)
            rows.append(row)
    return pd.DataFrame(rows)


def _robustness_candidates(final: Candidate, proc: Procedure) -> list[Candidate]:
    out = []
    cfg0 = final.config
    dem = cfg0.get("demand") or {}
    for g in proc.volume_growth:
        cfg = copy.deepcopy(cfg0)
        if dem.get("arrival_rate_per_hour") is not None:
            cfg["demand"]["arrival_rate_per_hour"] = float(dem["arrival_rate_per_hour"]) * (1 + g)
        else:
            cfg["centre"]["daily_volume"] = float(cfg["centre"]["daily_volume"]) * (1 + g)
        s = scenario_from_config(cfg, source=f"volume +{g:.0%}")
        out.append(
            Candidate(
                f"volume {g:+.0%}",
                {"volume_growth": g, "online_shift": 0.0},
                cfg,
                s,
                final.cost,
                final.cost_breakdown,
            )
        )
    if dem.get("arrival_rate_per_hour") is None:
        for sh in proc.online_shift:
            cfg = copy.deepcopy(cfg0)
            new = min(1.0, max(0.0, float(dem.get("online_shift", 0.0)) + sh))
            cfg["demand"]["online_shift"] = new
            s = scenario_from_config(cfg, source=f"online shift {new:.0%}")
            out.append(
                Candidate(
                    f"online shift {sh:+.0%}",
                    {"volume_growth": 0.0, "online_shift": sh},
                    cfg,
                    s,
                    final.cost,
                    final.cost_breakdown,
                )
            )
    return out


def _robustness_table(
    robust: list[Candidate],
    runner: _Runner,
    seed: int,
    proc: Procedure,
    tgt: Targets,
    cons: list[Constraint],
) -> pd.DataFrame:
    rows = []
    for c in robust:
        recs = runner.records(c, seed, proc.final_replications)
        s = _summary(recs)
        row: dict[str, Any] = {"case": c.name, **c.params}
        for kpi in (
            "arrivals",
            "service_level",
            "wait_mean_min",
            "abandonment_rate",
            "utilisation",
        ):
            if kpi in s.index:
                row[kpi] = s.loc[kpi, "mean"]
                row[f"{kpi}_ci_low"] = s.loc[kpi, "ci_low"]
                row[f"{kpi}_ci_high"] = s.loc[kpi, "ci_high"]
        misses = [con.label for con in cons if _meets(con, recs, tgt.confidence) < 0]
        row["meets_all_targets"] = not misses
        row["misses"] = ", ".join(misses[:6])
        rows.append(row)
    return pd.DataFrame(rows)


def scenario_yaml(rec: Recommendation, source: str = "") -> str:
    """The recommended scenario as a standalone YAML file that ``load_scenario`` and
    ``svcsim --config-path DIR --config-name NAME`` run directly, with the same run
    settings as a shipped scenario (those the recommendation's config lacks, such as
    ``charts`` and ``progress`` that svcsim-recommend takes out, get svcsim's defaults),
    so it takes the same overrides (``charts=false``); and with the ``cost``, ``targets``
    and ``recommend`` groups the recommendation used (:attr:`Recommendation.settings`), so
    that ``svcsim-recommend`` run on it uses the same settings and takes the same overrides
    (``targets.day.service_level.min=0.95``)."""
    from simulator.config.compose import with_run_settings

    header = (
        "# Recommended by svcsim-recommend"
        + (f" for {source}" if source else "")
        + f".\n# {rec.statement}\n"
        "# Run it: load_scenario('<this file>') in Python, or\n"
        "#   svcsim --config-path <folder> --config-name recommended\n"
        "# Standalone: every key is resolved (no defaults list). It has the run settings of\n"
        "# a shipped scenario (replications, seed, charts, progress, ...): override them the\n"
        "# same way, e.g. charts=false replications=40.\n"
    )
    config = with_run_settings(plain(rec.scenario_config))
    if rec.settings:
        header += (
            "# It ends with the cost, targets and recommend settings this recommendation used:\n"
            "# recommend again from it, e.g. svcsim-recommend --config-path <folder>\n"
            "#   --config-name recommended targets.day.service_level.min=0.95\n"
            "# recommend.procedure.seed is the recommendation's root seed (the top-level seed is\n"
            "# its final evaluation's: root + final_seed_offset); change that one to search anew.\n"
        )
        config.update(plain(rec.settings))
    body = yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    return header + body


def write_outputs(
    rec: Recommendation, out_dir: Path, *, charts: bool = True, source: str = ""
) -> dict[str, Path]:
    """Write the tables (CSV), ``recommended.yaml``, ``recommendation.json`` and charts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    tables = {
        "options": rec.options,
        "staffing_plan": rec.staffing_plan,
        "kpis": rec.kpis,
        "hourly": rec.hourly,
        "runner_ups": rec.runner_ups,
        "pareto": rec.pareto,
        "robustness": rec.robustness,
    }
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=name == "kpis")
        files[name] = path
    comparison = rec.stats.get("comparison") or {}
    if comparison:  # current layout, recommended plan, runner-ups: for reports to redraw
        files["comparison"] = out_dir / "comparison.csv"
        pd.concat(
            [frame.rename_axis("kpi").reset_index().assign(option=name)
             for name, frame in comparison.items()],
            ignore_index=True,
        )[["option", "kpi", "mean", "ci_low", "ci_high"]].to_csv(
            files["comparison"], index=False
        )  # fmt: skip
    files["scenario"] = out_dir / "recommended.yaml"
    files["scenario"].write_text(scenario_yaml(rec, source), encoding="utf-8")
    summary = {
        "option": rec.option,
        "meets_targets": rec.meets_targets,
        "statement": rec.statement,
        "layout": rec.layout,
        "skill_mix": rec.skill_mix,
        "lunch_open_share": rec.lunch_open_share,
        "cost_per_day": rec.cost_per_day,
        "cost_breakdown": rec.cost_breakdown,
        "targets": [t.label for t in rec.targets.all],
        "confidence": rec.targets.confidence,
        "stats": {k: v for k, v in rec.stats.items() if k != "comparison"},
        "isa_log": rec.isa_log,
        "notes": [n.as_dict() for n in rec.notes],
    }
    files["summary"] = out_dir / "recommendation.json"
    files["summary"].write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")
    if charts:
        files.update(_write_charts(rec, out_dir, source))
    return files


def comparison_in_words(
    comparison: Mapping[str, pd.DataFrame], config: Mapping[str, Any]
) -> dict[str, pd.DataFrame]:
    """The comparison's runner-ups named in words for chart legends ("5 comprehensive
    windows, no quick desk, all open at lunch"); their codes are in the statement."""
    from simulator.present.names import option_text, window_groups

    windows = window_groups(config)
    return {
        k if k in ("current", "recommended plan") else option_text(k, windows): v
        for k, v in comparison.items()
    }


def frontier_title(rec: Recommendation) -> str:
    """The recommender's frontier chart title in words: "Recommended: <option in words>,
    with an hour-by-hour plan: ..." ("Best found (misses a target ...)" when the final
    check misses one); the option codes stay on the chart's point labels."""
    from simulator.present.names import option_text, window_groups

    if not rec.option:
        return "No tested option meets every target"
    sl = _at(rec.kpis, "service_level", "mean") if "service_level" in rec.kpis.index else math.nan
    windows = window_groups(rec.scenario_config)
    lead = "Recommended" if rec.meets_targets else "Best found (misses a target in the final check)"
    return (
        f"{lead}: {option_text(rec.option, windows)}, with an hour-by-hour plan: {sl:.0%} "
        f"of arrivals served within the target wait at {rec.cost_per_day:,.0f} "
        f"{rec.cost_currency}/day"
    )


def _write_charts(rec: Recommendation, out_dir: Path, source: str) -> dict[str, Path]:

    from simulator.present import charts
    from simulator.version import code_version

    footer = (
        f"Scenario: {source or 'recommendation'} | seed {rec.stats.get('seed')} | "
        f"{code_version()} | confidence {rec.targets.confidence:g}"
    )
    out: dict[str, Path] = {}
    sl_target = next(
        (t.value for t in rec.targets.day if t.kpi == "service_level" and t.sense == "min"),
        None,
    )
    title = frontier_title(rec)
    fig = charts.cost_service_frontier(
        rec.pareto, recommended="recommended plan", target=sl_target, footer=footer, title=title
    )
    out["cost_service_frontier"] = charts.save_figure(
        fig, out_dir / "cost_service_frontier", formats=("png",)
    )[0]
    comparison = rec.stats.get("comparison") or {}
    comparison = comparison_in_words(comparison, rec.scenario_config)
    kpis = [
        k
        for k in ("service_level", "wait_mean_min", "abandonment_rate", "utilisation")
        if all(k in s.index for s in comparison.values())
    ]
    if len(comparison) >= 2 and kpis:
        cur = comparison["current"]
        new = comparison["recommended plan"]
        title = (
            f"Recommended plan vs current layout: {_at(cur, 'service_level', 'mean'):.0%} -> "
            f"{_at(new, 'service_level', 'mean'):.0%} of arrivals served within the target "
            f"wait, mean wait "
            f"{_at(cur, 'wait_mean_min', 'mean'):.1f} -> "
            f"{_at(new, 'wait_mean_min', 'mean'):.1f} min"
        )
        fig = charts.kpi_comparison(
            comparison, kpis, baseline="current", footer=footer, title=title
        )
        out["kpi_comparison"] = charts.save_figure(
            fig, out_dir / "kpi_comparison", formats=("png",)
        )[0]
    return out
