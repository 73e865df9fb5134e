"""``svcsim``: the command-line entry point (a thin Hydra app).

Examples::

    svcsim                                   # reference centre, 20 replications
    svcsim layout=six_comprehensive replications=30
    svcsim --config-name busy workers=2
    svcsim --config-name validation/mmc layout.windows.main.count=12
    svcsim --multirun layout.windows.comprehensive.count=3,4,5

A multirun also writes ``sweep_results.csv`` into the sweep folder when it ends (one
row per job and KPI), and skips jobs that already finished in the same sweep folder
(see :mod:`simulator.run.sweep`).

Each run writes into Hydra's output folder: the resolved config (``.hydra/``), a
manifest (seed, version, git commit), ``summary.csv``, ``replications.csv``,
``hourly.csv``, ``hourly_summary.csv``, ``by_family.csv``, ``family_summary.csv``,
``wait_ecdf.csv`` (per-replication wait distribution on a grid of minutes, when
per-visit records were kept, as they are with charts on) and charts (PNG).
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.cli.chart_process import (
    close_early,
    drawn_alongside,
    start_early,
    take_chart_process,
)
from simulator.cli.common import (
    config_path_from_cwd,
    plain_config,
    recorded_run,
    resume_gc,
    run_as_program,
    run_command,
    set_resume_hint,
    task_started,
    write_manifest,
    write_tables,
)
from simulator.cli.help_listing import asks_for_help, reused_group_listing

if TYPE_CHECKING:
    from omegaconf import DictConfig

    from simulator.analysis.results import Results
    from simulator.run.executor import ForkedCall

# The simulator itself (numpy, pandas, SimPy) is imported when a run starts, so that
# ``svcsim --help`` comes back at once; Hydra when the command line is read, after the
# chart process of a single run has started (it needs none of Hydra).

log = logging.getLogger("svcsim")


def write_outputs(
    results: Results,
    out_dir: Path,
    charts: bool = True,
    chart_process: ForkedCall | None = None,
) -> dict[str, Path]:
    """Write tables, manifest and charts of ``results`` into ``out_dir``.

    ``chart_process`` (:func:`simulator.cli.chart_process.start_chart_process`) draws
    the charts (:func:`write_figures`) while this process writes the tables (the wait
    ECDF table among them); without it everything is written here.
    Returns the paths written, by name.
    """
    out_dir.mkdir(parents=True, exist_ok=True)

    def write() -> dict[str, Path]:
        summary = results.summary()
        tables = {
            # KPIs never measured in this run (queue_max without monitor_interval_min: no
            # value in any replication) are left out rather than written as empty rows.
            "summary": summary[summary["n"] > 0],
            "replications": results.replications,
            "hourly": results.hourly,
            "hourly_summary": results.hourly_summary(),
            "by_family": results.by_family,
            "family_summary": results.family_summary(),
        }
        paths = write_tables(out_dir, tables, indexed=("summary", "replications"))
        manifest: dict[str, Any] = {
            "status": "complete",
            "scenario": results.scenario.name,
            "source": results.scenario.source,
            "centre_id": results.scenario.centre_id,
            "seed": results.seed,
            "replications": results.n_replications,
            **results.meta,
        }
        paths["manifest"] = write_manifest(out_dir, manifest)
        if results.visits is not None:
            # Served waits as a per-replication ECDF on a grid of minutes (about 100
            # numbers per replication): lets svcsim-report overlay the wait distributions
            # of several runs without keeping the per-visit table.
            from simulator.analysis.ecdf import wait_ecdf_grid

            grid = wait_ecdf_grid(results.visits, results.scenario.experiment.target_wait_min)
            paths["wait_ecdf_grid"] = out_dir / "wait_ecdf.csv"
            grid.to_csv(paths["wait_ecdf_grid"], index=False, float_format="%.5g")
        return paths

    if not charts:
        return write()
    # What is sent to a chart process is trimmed to what the charts read (chart_inputs).
    sent = results if chart_process is None else chart_inputs(results)
    return drawn_alongside(chart_process, write_figures, (sent, out_dir), write)


#: The columns of the per-visit table the run charts read (the wait distribution).
CHART_VISIT_COLUMNS = ("replication", "outcome", "wait_min")


def chart_inputs(results: Results) -> Results:
    """``results`` with what :func:`write_charts` does not read left out (the per-visit
    table but for :data:`CHART_VISIT_COLUMNS`, the further tables): what is sent to the
    chart process, pickled, is about a tenth of the whole. The charts are the same."""
    import dataclasses

    visits = results.visits
    if visits is not None:
        visits = visits[[c for c in CHART_VISIT_COLUMNS if c in visits.columns]]
    return dataclasses.replace(results, visits=visits, tables={})


def write_figures(results: Results, out_dir: Path) -> dict[str, Path]:
    """What needs the chart code (matplotlib): the run charts (:func:`write_charts`), in
    this process or the chart process. Returns the paths by name."""
    return write_charts(results, out_dir)


def write_charts(results: Results, out_dir: Path, lang: str = "en") -> dict[str, Path]:
    """The standard run charts: wait distribution, queue and utilisation by hour.

    The chart functions return standalone figures (not registered with pyplot), so no
    backend is selected and nothing needs closing.
    """
    from simulator.present import charts
    from simulator.version import code_version

    scn = results.scenario
    footer = charts.chart_footer(
        scn.source, results.seed, results.n_replications, code_version(results.meta), lang
    )
    written: dict[str, Path] = {}
    figs = {}
    if results.visits is not None:
        figs["wait_ecdf"] = charts.wait_ecdf(
            {scn.name: results.visits}, scn.experiment.target_wait_min, lang=lang, footer=footer
        )
    figs["queue_by_hour"] = charts.hourly_profile(
        results.hourly, "queue_mean", lang=lang, footer=footer
    )
    figs["utilisation_by_hour"] = charts.hourly_profile(
        results.hourly, "utilisation", lang=lang, footer=footer
    )
    for name, fig in figs.items():
        written[name] = charts.save_figure(fig, out_dir / name, formats=("png",))[0]
    return written


def run_from_config(
    cfg: DictConfig | dict[str, Any], out_dir: Path | None, source: str = "svcsim"
) -> Results:
    """Validate the config, simulate and (if ``out_dir``) write outputs. Used by the CLI."""
    from simulator.config.scenario import scenario_from_config
    from simulator.config.schema import DEFAULTS
    from simulator.run.runner import simulate

    container = plain_config(cfg)
    charts_on = bool(container.pop("charts", DEFAULTS["charts"]))
    # The charts' process (started by main(), or now) loads matplotlib while this one
    # simulates.
    painter = take_chart_process() if charts_on and out_dir is not None else None
    if painter is None:
        close_early()
    resume_gc()  # start-up is over (see main)
    try:
        scn = scenario_from_config(container, source=source)
    except BaseException:
        if painter is not None:
            painter.cancel()  # a refused config: the run never starts, nothing to wait for
        raise
    try:
        results = simulate(
            scn,
            record_visits=charts_on or scn.experiment.record_visits,
            progress=bool(container.get("progress", DEFAULTS["progress"])),
        )
        if out_dir is not None:
            write_outputs(results, out_dir, charts=charts_on, chart_process=painter)
    finally:
        if painter is not None:
            painter.close()
    return results


_HEADLINE_KPIS = [
    "arrivals",
    "served",
    "abandonment_rate",
    "wait_mean_min",
    "wait_p90_min",
    "service_level",
    "utilisation",
    "overtime_min",
]


def _print_summary(
    summary: Any, title: str, out_dir: Path, target_wait_min: float | None = None
) -> None:
    from simulator.present.terminal import summary_lines

    print(f"\n{title}")
    print("\n".join(summary_lines(summary, _HEADLINE_KPIS, target_wait_min=target_wait_min)))
    print(f"\nResults written to {out_dir}")


def _main() -> None:
    """The Hydra app: reads the command line, composes the config, runs :func:`_task`."""
    import hydra

    app = hydra.main(version_base="1.3", config_path="pkg://scenarios", config_name="reference")
    app(_task)()


def _task(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from simulator.config.safety import note_symlink
    from simulator.present.readers import target_wait_min
    from simulator.run import sweep

    task_started()
    hc = HydraConfig.get()
    out_dir = Path(hc.runtime.output_dir)
    note_symlink(out_dir, log)
    choices = {k: v for k, v in hc.runtime.choices.items() if not k.startswith("hydra")}
    non_default = [
        f"{k}={v}"
        for k, v in choices.items()
        if v not in ("reference", "default") and v is not None
    ]
    source = f"{hc.job.config_name}.yaml " + " ".join(non_default)
    overrides = [o for o in hc.overrides.task if not o.lstrip("+~").startswith("sweep=")]
    if overrides:
        source += " | " + " ".join(overrides)
    digest = ""
    if hc.mode == RunMode.MULTIRUN:
        set_resume_hint(
            f"rerun the same command with hydra.sweep.dir={hc.sweep.dir} to resume: "
            "jobs that finished are not simulated again"
        )
        # Resume: a job that finished earlier in this sweep folder is not run again.
        container = OmegaConf.to_container(cfg, resolve=True)
        assert isinstance(container, dict)
        digest = sweep.config_hash({str(k): v for k, v in container.items()})
        found = sweep.find_finished(out_dir, digest, Path(hc.sweep.dir))
        if found is not None:
            import pandas as pd

            sweep.reuse_finished(found, out_dir)
            summary = pd.read_csv(out_dir / "summary.csv", index_col="kpi")
            log.info("job %s: same config and seed as %s, not simulated again", hc.job.num, found)
            _print_summary(
                summary,
                f"{source.strip()}: finished earlier, results reloaded",
                out_dir,
                target_wait_min(cfg),
            )
            return
        sweep.stash_stale(out_dir, Path(hc.sweep.dir))  # another config finished here
    with recorded_run("svcsim", out_dir, source=source.strip()):
        results = run_from_config(cfg, out_dir, source=source.strip())
    if digest:
        sweep.write_marker(out_dir, digest=digest, seed=results.seed, overrides=overrides)
    _print_summary(
        results.summary(),
        f"{results.scenario.name}: {results.n_replications} replications, seed {results.seed}",
        out_dir,
        results.scenario.experiment.target_wait_min,
    )


#: The callback of ``scenarios/sweep/default.yaml`` as a Hydra override. A group
#: appended with ``+sweep=default`` resolves relative to the primary config's folder
#: (``validation/sweep`` for ``validation/mmc``), a ``hydra.*`` override works for all.
SWEEP_CALLBACK = (
    "+hydra.callbacks.sweep_table={_target_: simulator.run.sweep.SweepTable, "
    "filename: sweep_results.csv}"
)


def _with_sweep_support(argv: list[str]) -> list[str]:
    """For ``--multirun``, register the sweep-table callback (results table when the sweep
    ends; jobs resume in any case) unless the command line sets it up itself."""
    multirun = any(a in ("-m", "--multirun") for a in argv)
    chosen = any(
        a.lstrip("+~").startswith(("sweep=", "hydra.callbacks")) or a == "~sweep" for a in argv
    )
    if multirun and not chosen:
        return [*argv, SWEEP_CALLBACK]
    return argv


def main() -> None:
    """Console-script entry point: exit code 2 for bad input, 130/143 when interrupted
    (docs/errors.md)."""
    run_as_program(main, _command, lean=True)


def _command() -> int:
    """The command's body under :func:`run_as_program` (which pauses garbage collection
    until the run starts: :func:`run_from_config`)."""
    sys.argv[1:] = _with_sweep_support(config_path_from_cwd(sys.argv[1:]))
    if asks_for_help(sys.argv[1:]):
        with reused_group_listing():
            return run_command("svcsim", _main, hydra_app=True)
    # A single run's chart process loads its libraries while Hydra composes the config.
    start_early(sys.argv[1:])
    try:
        return run_command("svcsim", _main, hydra_app=True)
    finally:
        close_early()


if __name__ == "__main__":
    main()
