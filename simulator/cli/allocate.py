"""``svcsim-allocate``: where should the next windows and staff go across the city?

A thin Hydra app over ``scenarios/allocate/default.yaml`` (the city settings of
``scenarios/city/default.yaml`` plus the ``allocate`` section, targets and cost).

Examples::

    svcsim-allocate                                       # 220 centres, 100 staff, two weeks
    svcsim-allocate --config-name quick                   # two districts, 10 staff
    svcsim-allocate allocate.budget.amount=60 allocate.objective=worst_decile
    svcsim-allocate allocate.budget.unit=cny allocate.budget.amount=50000
    svcsim-allocate allocate.objective=all_meet allocate.budget.amount=null   # least cost
    svcsim-allocate 'city.districts=[Huangpu,Xuhui]' diversion.enabled=true
    svcsim-allocate dask_address=tcp://10.0.0.5:8786
    svcsim-allocate hydra.run.dir=outputs/allocate/study   # rerun the same to resume

Writes into Hydra's output folder: ``allocation.csv``, ``districts.csv``,
``comparison.csv``, ``steps.csv``, ``strategies.csv``, ``allocation.json`` (headline and
settings), ``evaluations.jsonl`` (the resume cache) and the charts
``allocation_equity_p90.png`` and ``allocation_districts.png`` (``_zh`` versions with a
CJK font). Bad input (negative budget, a budget below one move, unknown district or
centre, targets no allocation can meet) exits with status 2 and a message saying what is
wrong and, for targets, how far short the budget is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig

from simulator.cli.common import plain_config
from simulator.config.compose import scenarios_dir

if False:  # pragma: no cover - typing only
    from simulator.city.allocate import Allocation


def run_from_config(cfg: DictConfig | dict[str, Any], out_dir: Path) -> Allocation:
    """Build the city of a composed allocate config, allocate, and write the outputs.

    The config is checked first, every problem at once
    (:func:`simulator.city.config.parse_allocate_config`)."""
    from simulator.city.allocate import allocate, write_outputs
    from simulator.city.build import city_from_config
    from simulator.city.config import parse_allocate_config

    settings = parse_allocate_config(plain_config(cfg))
    run = settings.city
    same = ("diversion", "seed", "workers", "progress")  # allocate's parameters of that name
    res = allocate(
        city_from_config(run),
        settings.allocate,
        targets=settings.targets,
        cost=settings.cost,
        executor=run.dask_address,
        cache=settings.cache or out_dir / "evaluations.jsonl",
        trust_cache=settings.trust_cache,
        **{key: getattr(run, key) for key in same},
    )
    write_outputs(res, out_dir, charts=run.charts)
    return res


@hydra.main(version_base="1.3", config_path=str(scenarios_dir()), config_name="allocate/default")
def _main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from simulator.cli.common import recorded_run, task_started

    task_started()
    out_dir = Path(HydraConfig.get().runtime.output_dir)
    with recorded_run("svcsim-allocate", out_dir):
        res = run_from_config(cfg, out_dir)
    s = res.summary
    print(f"\n{res.headline}.")
    print(
        f"{s['moves']} moves to {s['centres_receiving']} of {s['centres']} centres, "
        f"{s['spent']:g} {s['budget_unit']} spent ({s['stop']}); "
        f"{s['evaluations_run']} replications simulated, {s['screened_moves']} moves screened "
        f"out, {s['wall_s']:.1f} s ({s['backend']})"
    )
    cmp = res.comparison
    keys = ["share_within_target", "centres_missing", "worst_decile_p90_min"]
    table = cmp[cmp["kpi"].isin(keys)].pivot(index="label", columns="kpi", values="mean")
    print("\nFinal comparison on fresh replications (means):")
    print(table[keys].to_string(float_format=lambda x: f"{x:.3f}"))
    print(f"\nResults written to {out_dir}")


def _config_names(argv: list[str]) -> list[str]:
    """``--config-name quick`` means ``allocate/quick`` (configs of scenarios/allocate/)."""
    out = list(argv)
    for i, a in enumerate(out):
        for flag in ("--config-name", "-cn"):
            if a == flag and i + 1 < len(out) and "/" not in out[i + 1]:
                if not out[i + 1].endswith((".yaml", ".yml")):
                    out[i + 1] = f"allocate/{out[i + 1]}"
            elif a.startswith(flag + "=") and "/" not in a.split("=", 1)[1]:
                out[i] = f"{flag}=allocate/{a.split('=', 1)[1]}"
    return out


def main() -> None:
    """Console-script entry point (``svcsim-allocate``): exit code 2 for bad input,
    130/143 when interrupted (docs/errors.md)."""
    from simulator.cli.common import run_as_program

    run_as_program(main, _command)


def _command() -> int:
    """The command's body under :func:`run_as_program`."""
    from simulator.cli.common import run_command

    sys.argv = _config_names(sys.argv)
    return run_command("svcsim-allocate", _main, hydra_app=True)


if __name__ == "__main__":
    main()
