"""``svcsim-city``: run the city (a thin Hydra app over ``scenarios/city/default.yaml``).

Examples::

    svcsim-city                                            # 220 centres, 2026, 2 workers
    svcsim-city calendar.days=7 city.max_centres=20        # a quick run
    svcsim-city 'city.districts=[Huangpu,Xuhui]' replications=5
    svcsim-city dask_address=tcp://10.0.0.5:8786           # on a Dask cluster
    svcsim-city layout_rule.beta=0.5 base_overrides='[impatience=none]'
    python -m simulator.cli.city calendar.days=3           # without the console script

Each run writes into Hydra's output folder: the resolved config (``.hydra/``),
``manifest.json``, ``city_layout.csv`` (derived layouts), ``centres.csv`` (per centre:
layout and mean KPIs), ``centre_replications.csv``, ``districts.csv`` and ``city.csv``
(KPIs with confidence intervals), ``equity.csv``, ``worst_centres.csv``,
``volume_check.csv``, ``hourly.csv`` (city-wide by day type and hour),
``hourly_by_centre.csv``, ``daily.csv`` (city totals per day) and, with ``charts``,
``spread_wait_p90.png`` (p90 wait of every centre by district).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig

from simulator.cli.chart_process import drawn_alongside
from simulator.cli.common import (
    plain_config,
    recorded_run,
    resume_gc,
    run_as_program,
    run_command,
    task_started,
    write_manifest,
    write_tables,
)
from simulator.config.compose import scenarios_dir

if TYPE_CHECKING:
    from simulator.city.config import CitySettings
    from simulator.city.results import CityResults
    from simulator.run.executor import ForkedCall


def write_city_outputs(
    res: CityResults,
    out_dir: Path,
    charts: bool = True,
    chart_process: ForkedCall | None = None,
) -> dict[str, Path]:
    """Write the tables, manifest and chart of a city run into ``out_dir``.

    ``chart_process`` (:func:`start_city_chart_process`) draws the chart
    (:func:`write_city_chart`) while this process writes the tables; without it the
    chart is drawn here. The files are the same either way.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    centre_summary = res.centre_summary()

    def write() -> dict[str, Path]:
        daily = (
            res.daily.groupby(["replication", "date", "day_type"], sort=True)[
                ["arrivals", "served", "abandoned", "wait_sum_min"]
            ]
            .sum()
            .reset_index()
        )
        tables = {
            "city_layout": res.city.centres,
            "centres": centre_summary,
            "centre_replications": res.centres,
            "districts": res.district_summary(),
            "city": res.city_summary(),
            "equity": res.equity().to_frame(),
            "worst_centres": res.worst_centres(),
            "volume_check": res.volume_check().to_frame(),
            "hourly": res.hourly_summary(),
            "hourly_by_centre": res.hourly,
            "daily": daily,
        }
        paths = write_tables(out_dir, tables, indexed=("city", "equity", "volume_check"))
        manifest: dict[str, Any] = {"status": "complete", "source": res.city.source, **res.meta}
        paths["manifest"] = write_manifest(out_dir, manifest)
        return paths

    if not charts:
        return write()
    args = _chart_args(res, centre_summary, out_dir)
    return drawn_alongside(chart_process, write_city_chart, args, write)


def _chart_args(res: CityResults, centre_summary: Any, out_dir: Path) -> tuple[Any, str, Path]:
    """What :func:`write_city_chart` needs of a run (small: sent to the chart process)."""
    footer = (
        f"{res.city.source} | {len(res.city)} centres, {res.city.days} days from "
        f"{res.city.start_date} | seed {res.seed} | {res.n_replications} replication(s)"
    )
    return centre_summary, footer, out_dir


def write_city_chart(centre_summary: Any, footer: str, out_dir: Path) -> dict[str, Path]:
    """The city chart: the p90 wait of every centre by district (``spread_wait_p90.png``)."""
    from simulator.analysis import metrics
    from simulator.present import charts as ch

    fig = ch.spread_across(
        centre_summary,
        "wait_p90_min",
        "district",
        value_label=metrics.label("wait_p90_min"),
        unit="min",
        footer=footer,
    )
    return {"spread_wait_p90": ch.save_figure(fig, out_dir / "spread_wait_p90", ("png",))[0]}


def start_city_chart_process() -> ForkedCall | None:
    """A child process that loads the chart code now, while the city runs, and then runs
    :func:`write_city_chart` on what it is sent; ``None`` where the caller should draw
    itself (see :func:`simulator.run.executor.fork_call`)."""
    from simulator.cli.chart_process import load_chart_code
    from simulator.run.executor import fork_call

    return fork_call(load_chart_code, write_city_chart)


def check_city_config(cfg: dict[str, Any]) -> CitySettings:
    """A composed city config's settings, checked (imported on use: the parser loads
    numpy); every problem at once (:func:`simulator.city.config.parse_city_config`)."""
    from simulator.city.config import parse_city_config

    return parse_city_config(cfg)


def run_from_config(cfg: DictConfig | dict[str, Any], out_dir: Path | None) -> CityResults:
    """Build the city from a composed city config, run it and (if ``out_dir``) write.

    With charts on, a child process (:func:`start_city_chart_process`) loads the chart
    code while the city runs and draws the chart while this process writes the tables.
    """
    from simulator.city.build import city_from_config
    from simulator.city.run import run_city_from_config

    settings = check_city_config(plain_config(cfg))
    charts = settings.charts
    painter = start_city_chart_process() if charts and out_dir is not None else None
    try:
        city = city_from_config(settings)
    except BaseException:
        if painter is not None:
            painter.cancel()  # a refused city: the run never starts, nothing to wait for
        raise
    try:
        # Start-up and the city's scenarios are done: what lives on is frozen (the
        # workers forked next inherit it out of their collector's reach too).
        resume_gc()
        res = run_city_from_config(city, settings)
        if out_dir is not None:
            write_city_outputs(res, out_dir, charts=charts, chart_process=painter)
    finally:
        if painter is not None:
            painter.close()
    return res


@hydra.main(version_base="1.3", config_path=str(scenarios_dir() / "city"), config_name="default")
def _main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from simulator.config.safety import note_symlink

    task_started()
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    note_symlink(out_dir)
    with recorded_run("svcsim-city", out_dir):
        res = run_from_config(cfg, out_dir)
    s = res.city_summary()
    keys = [
        "arrivals",
        "abandonment_rate",
        "wait_mean_min",
        "wait_p90_min",
        "service_level",
        "utilisation",
    ]
    keys = [k for k in keys if k in s.index]
    print(
        f"\ncity: {len(res.city)} centres, {res.city.days} days from {res.city.start_date}, "
        f"{res.n_replications} replication(s), seed {res.seed}, "
        f"{res.meta['wall_s']:.1f} s ({res.meta['backend']})"
    )
    from simulator.present.terminal import summary_lines

    print("\n".join(summary_lines(s, keys)))
    vc = res.volume_check()
    print(
        f"visits: {vc['simulated_mean']:,.0f} simulated vs {vc['expected']:,.0f} expected "
        f"(model 95% interval {vc['model_ci_low']:,.0f} to {vc['model_ci_high']:,.0f})"
    )
    eq = res.equity()
    print(
        f"p90 wait across centres: median {eq['median']:.1f} min, worst decile "
        f"{eq['worst_decile_mean']:.1f} min, max {eq['max']:.1f} min"
    )
    print(f"\nResults written to {out_dir}")


def main() -> None:
    """Console-script entry point (``svcsim-city``): exit code 2 for bad input, 130/143
    when interrupted (docs/errors.md). Garbage collection is paused (:func:`run_as_program`)
    until the city is built (:func:`run_from_config`)."""
    run_as_program(main, lambda: run_command("svcsim-city", _main, hydra_app=True), lean=True)


if __name__ == "__main__":
    main()
