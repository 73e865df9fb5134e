"""Recommend a layout and an hour-by-hour staffing plan that meets the service targets at
the lowest cost, with a statistical guarantee.

The method (details and references in docs/recommend.md):

1. **Options.** Every combination of the decision space (window counts per layout
   group, lunch open share, skill mix) becomes a scenario; its cost per open day is
   deterministic (cost model: staff hours by skill level, amortised training, window
   fixed cost).
2. **Screening.** ``n0`` replications of every option, with common random numbers (the
   same seeds, so the same residents, for every option). Options whose one-sided upper
   confidence bound misses a target are dropped.
3. **Sequential feasibility** (Andradóttir & Kim 2010, the feasibility analogue of
   Kim & Nelson 2001): starting from the cheapest, survivors get replications in batches
   until each target is decided within its tolerance (indifference zone). The error
   budget ``1 - confidence`` is split (Bonferroni) over options, targets and the two
   stages, so with probability at least ``confidence`` every decision is right: the
   recommended option meets the targets (or is within tolerance of them) and every
   cheaper option misses them (or is within tolerance).
4. **Ties** at the lowest feasible cost are resolved by Kim & Nelson's fully sequential
   procedure on the headline KPI (indifference zone = its tolerance); runner-ups get
   paired confidence intervals against the recommendation.
5. **Hour by hour** (in the spirit of Feldman, Mandelbaum, Massey & Whitt 2008): start
   every clock-hour block from Erlang A / Erlang C staffing for the block's arrival rate
   and the mix's mean service time, simulate, add a window where a block misses its
   target, repeat until every block meets it; then remove windows where targets still
   hold.
6. **Final evaluation** with fresh replications, robustness to demand growth and to a
   shift of demand online, a cost / service-level Pareto frontier, tables, a scenario
   YAML and charts.

Every replication result is appended to ``evaluations.jsonl`` in the output folder as it
completes; a rerun reloads them and simulates only what is missing, and because every
decision is a function of those results, an interrupted run resumed gives the same
answer.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.config.scenario import Scenario, scenario_from_config
from simulator.errors import ConfigError
from simulator.optimise.config import (
    CostModel,
    Procedure,
    SearchSpace,
    Targets,
    group_or_default,
    parse_cost,
    parse_procedure,
    parse_space,
    parse_targets,
    settings_config,
)
from simulator.optimise.evaluate import (
    Candidate,
    EvaluationStore,
    _Runner,
    evaluate_replications,
    plain,
)
from simulator.optimise.feasibility import (
    Constraint,
    Search,
    _constraints,
    _hour_keys,
    _runner_up_rows,
    _screen,
    _select,
    _sequential,
)
from simulator.optimise.hourly import _final_config
from simulator.optimise.options import (
    _build_options,
    _groups_in_order,
    levels_cost,
    option_shares,
)
from simulator.optimise.outputs import (
    Recommendation,
    _hourly_table,
    _kpi_table,
    _options_table,
    _pareto,
    _plan_table,
    _robustness_candidates,
    _robustness_table,
    _statement,
    _summary,
    write_outputs,
)
from simulator.optimise.progress import Progress, Sizes
from simulator.optimise.stats import (
    FEASIBLE,
    h2_feasibility,
)
from simulator.run.executor import get_executor

log = logging.getLogger("svcsim.recommend")

__all__ = ["Candidate", "EvaluationStore", "Recommendation", "evaluate_replications", "recommend"]


def _resolve_inputs(
    scenario: Scenario | str,
    cost: CostModel | Mapping[str, Any] | None,
    targets: Targets | Mapping[str, Any] | None,
    space: SearchSpace | Mapping[str, Any] | None,
    procedure: Procedure | Mapping[str, Any] | None,
) -> tuple[Scenario, dict[str, Any], CostModel, Targets, SearchSpace, Procedure, dict[str, Any]]:
    """The scenario, its config without the recommender's groups (what the options are
    built from), the parsed cost model, targets, decision space and procedure, and the
    skill-mix recipes of the config (``recommend.skill_mixes``, used or not)."""
    if isinstance(scenario, str):
        from simulator.config.compose import load_scenario

        scenario = load_scenario(scenario)
    base = plain(scenario.config)
    if not base:
        raise ConfigError(
            "the scenario carries no config (build it with load_scenario or scenario_from_config)"
        )
    cost_m = (
        cost
        if isinstance(cost, CostModel)
        else parse_cost(cost if cost is not None else group_or_default(base, "cost"))
    )
    tgt = (
        targets
        if isinstance(targets, Targets)
        else parse_targets(targets if targets is not None else group_or_default(base, "targets"))
    )
    rec_cfg = group_or_default(base, "recommend")
    if isinstance(procedure, Procedure):
        proc = procedure
    else:
        merged = dict(rec_cfg)
        if procedure is not None:
            merged = {**merged, **dict(procedure)}
        proc = parse_procedure(merged)
    mix_cfg = rec_cfg
    if isinstance(space, SearchSpace):
        sp = space
    else:
        groups = [g for g, v in (base.get("layout", {}).get("windows") or {}).items() if v]
        sp_cfg = dict(rec_cfg)
        if space is not None:
            sp_cfg.update(dict(space) if "space" in space else {"space": dict(space)})
        sp = parse_space(sp_cfg, groups, scenario.family_names)
        mix_cfg = sp_cfg
    mixes = mix_cfg.get("skill_mixes")
    for key in ("cost", "targets", "recommend"):
        base.pop(key, None)
    return scenario, base, cost_m, tgt, sp, proc, dict(mixes) if isinstance(mixes, Mapping) else {}


def recommend(
    scenario: Scenario | str,
    *,
    out_dir: str | Path | None = None,
    executor: Any = None,
    workers: int | None = None,
    cost: CostModel | Mapping[str, Any] | None = None,
    targets: Targets | Mapping[str, Any] | None = None,
    space: SearchSpace | Mapping[str, Any] | None = None,
    procedure: Procedure | Mapping[str, Any] | None = None,
    seed: int | None = None,
    progress: bool = False,
    charts: bool = True,
    on_evaluation: Callable[[dict[str, Any]], None] | None = None,
    trust_cache: bool = False,
) -> Recommendation:
    """Recommend the cheapest layout and hour-by-hour staffing plan meeting the targets.

    Parameters
    ----------
    scenario
        The centre as it is (a :class:`Scenario` from ``load_scenario`` or a bundled
        scenario name). Its config may carry the ``cost``, ``targets`` and ``recommend``
        groups; missing ones come from the bundled defaults.
    out_dir
        Folder for tables, charts, ``recommended.yaml`` and the evaluation cache
        ``evaluations.jsonl``. Rerunning with the same folder resumes: finished
        evaluations are reloaded, not simulated again. ``None`` writes nothing.
    executor, workers
        Where replications run: ``None`` with ``workers`` local processes (default 1),
        an :class:`~simulator.run.executor.Executor`, a ``distributed.Client`` or a Dask
        scheduler address. Same seed, same answer, whatever runs it.
    cost, targets, space, procedure
        Override the config groups: parsed dataclasses or plain mappings shaped like
        ``scenarios/cost/default.yaml``, ``scenarios/targets/default.yaml`` and the
        ``space`` / ``procedure`` parts of ``scenarios/recommend/default.yaml``.
    seed
        Root seed (default: ``recommend.procedure.seed``, else the scenario's seed).
        Every option sees the same residents (common random numbers).
    progress
        One progress line (tqdm, on standard error) for the whole run: stage,
        replications simulated and expected, elapsed time and an ETA
        (:mod:`simulator.optimise.progress`).
    charts
        Write PNG charts (with ``out_dir``).
    on_evaluation
        Called after each replication result is stored, with a small dict (stage,
        candidate, seed, replication).
    trust_cache
        Reuse cached evaluations written by another code version.

    Returns
    -------
    Recommendation
    """
    t0 = time.perf_counter()
    scn, base, cost_m, tgt, sp, proc, mixes = _resolve_inputs(
        scenario, cost, targets, space, procedure
    )
    root = int(
        seed if seed is not None else (proc.seed if proc.seed is not None else scn.experiment.seed)
    )
    # The settings used, in config form (recommended.yaml carries them). The root seed is
    # written as recommend.procedure.seed: the written scenario's own seed is the final
    # evaluation's (root + final_seed_offset).
    settings = settings_config(cost_m, tgt, sp, dataclasses.replace(proc, seed=root), mixes)
    out_path = Path(out_dir) if out_dir is not None else None
    from simulator.version import package_version

    code = package_version()
    ex = get_executor(executor, workers)  # bad workers fail before any file is created
    store = EvaluationStore(
        out_path / "evaluations.jsonl" if out_path else None, code, trust_other_versions=trust_cache
    )
    owns_executor = executor is None
    runner = _Runner(ex, store, Progress(progress), on_evaluation)
    try:
        rec = _recommend(scn, base, cost_m, tgt, sp, proc, root, runner)
        rec.settings = settings
    finally:
        runner.progress.close()
        store.close()
        if owns_executor:
            ex.close()
    rec.stats.update(
        {
            "evaluations_run": runner.run_count,
            "evaluations_reused": store.loaded,
            "wall_s": time.perf_counter() - t0,
            "executor": repr(ex),
            "seed": root,
            "code_version": code,
        }
    )
    if out_path is not None:
        rec.files = write_outputs(rec, out_path, charts=charts, source=scn.source)
    return rec


def _recommend(
    scn: Scenario,
    base: dict[str, Any],
    cost: CostModel,
    tgt: Targets,
    sp: SearchSpace,
    proc: Procedure,
    seed: int,
    runner: _Runner,
) -> Recommendation:
    shares = option_shares((base.get("staffing") or {}).get("plan"), scn)
    notes = shares.note_items(own_lunch=None in sp.lunch_open_share)
    for note in notes:
        log.info(note.text)
    options, invalid = _build_options(base, sp, cost, shares)
    if not options:
        reasons = "; ".join(sorted({str(i["reason"]) for i in invalid})[:3])
        raise ConfigError(f"no valid layout option in the decision space ({reasons})")
    cons = _constraints(tgt, options[0].scenario)
    k, m = len(options), len(cons)
    alpha = tgt.alpha
    beta = alpha / 2.0 / (k * m)  # half for screening, half for the sequential stage
    h2 = h2_feasibility(proc.n0, beta)
    screen_conf = 1.0 - beta
    sizes = Sizes(
        options=k,
        n0=proc.n0,
        batch=proc.batch,
        n_max=proc.n_max,
        runner_ups=proc.runner_ups,
        isa=proc.isa,
        isa_replications=proc.isa_replications,
        isa_trim=proc.isa_trim,
        hour_blocks=len(_hour_keys(options[0].scenario)),
        window_groups=max(len(_groups_in_order(c.scenario)) for c in options),
        final_replications=proc.final_replications,
        robustness_cases=len(proc.volume_growth) + len(proc.online_shift),
    )
    expected = k * proc.n0 + sizes.sequential(k) + sizes.staffing() + sizes.final()
    runner.progress.expect("screening", expected)

    search = Search(tgt, cons, proc, seed, runner)
    search.state = state = _screen(search, options, screen_conf)
    by_cost = _sequential(search, options, h2, sizes)
    feas = [c for c in by_cost if state[c.key]["decision"] == FEASIBLE]
    primary = tgt.primary()
    prim = Constraint(primary)
    rec_cand, tie_note = _select(search, feas, prim)
    runner_rows = _runner_up_rows(search, rec_cand, feas, prim)

    options_table = _options_table(search, options, invalid)

    # Stage 3: hour-by-hour staffing for the chosen layout.
    final_seed = seed + proc.final_seed_offset
    runner.progress.expect("isa", (sizes.staffing() if rec_cand else 0) + sizes.final())
    final_cfg, isa_log = _final_config(search, rec_cand, options, prim, cost)
    final_cfg["seed"] = final_seed
    final_cfg["replications"] = proc.final_replications
    final_scn = scenario_from_config(final_cfg, source="recommended plan")
    final_cost, breakdown = levels_cost(final_scn, cost)
    final = Candidate("recommended plan", {}, final_cfg, final_scn, final_cost, breakdown)
    baseline_cfg = copy.deepcopy(base)
    baseline = Candidate(
        "current",
        {},
        baseline_cfg,
        scenario_from_config(baseline_cfg, source="current"),
        *levels_cost(scn, cost),
    )
    robust = _robustness_candidates(final, proc)
    runner.progress.expect("final", sizes.final())
    runner.ensure(
        [(c, final_seed, proc.final_replications) for c in [final, baseline, *robust]], "final"
    )
    final_recs = runner.records(final, final_seed, proc.final_replications)
    kpis, meets = _kpi_table(final_recs, tgt, cons)
    hourly = _hourly_table(final_recs, final_scn, tgt.confidence)
    robustness = _robustness_table(robust, runner, final_seed, proc, tgt, cons)
    plan_table = _plan_table(final_scn)
    fs = _summary(final_recs, 0.95)
    pareto = _pareto(options_table, final_cost, fs, meets)
    base_recs = runner.records(baseline, final_seed, proc.final_replications)
    comparison = {"current": _summary(base_recs), "recommended plan": fs}
    ups = [next(o for o in options if o.name == r["option"]) for r in runner_rows[:2]]
    runner.ensure([(c, final_seed, proc.final_replications) for c in ups], "final")
    for c in ups:  # same residents as the current layout and the plan (final seed)
        comparison[c.name] = _summary(runner.records(c, final_seed, proc.final_replications))

    layout: dict[str, int] = {}
    for w in final_scn.windows:
        layout[w.group] = layout.get(w.group, 0) + 1
    statement = _statement(
        rec_cand,
        options,
        cons,
        tgt,
        proc,
        cost,
        final_cost,
        meets,
        tie_note,
        runner_rows,
        final_scn.experiment.target_wait_min,
    )
    return Recommendation(
        option=rec_cand.name if rec_cand else None,
        meets_targets=bool(meets and rec_cand is not None),
        statement=statement,
        layout=layout,
        skill_mix=str(rec_cand.params.get("skill_mix")) if rec_cand else None,
        lunch_open_share=rec_cand.params.get("lunch_open_share") if rec_cand else None,
        cost_per_day=final_cost,
        cost_breakdown=breakdown,
        staffing_plan=plan_table,
        kpis=kpis,
        hourly=hourly,
        options=options_table,
        runner_ups=pd.DataFrame(runner_rows),
        pareto=pareto,
        robustness=robustness,
        scenario_config=final_cfg,
        targets=tgt,
        cost_currency=cost.currency,
        stats={
            "options": len(options),
            "invalid_options": len(invalid),
            "constraints": len(cons),
            "alpha": alpha,
            "beta_per_decision": beta,
            "h2": h2,
            "comparison": comparison,
            "layout_cost_per_day": rec_cand.cost if rec_cand else math.nan,
            "baseline_cost_per_day": baseline.cost,
        },
        isa_log=isa_log,
        notes=notes,
    )
