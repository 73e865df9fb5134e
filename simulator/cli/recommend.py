"""``svcsim-recommend``: recommend a layout and hour-by-hour staffing plan.

Examples::

    svcsim-recommend                                   # reference centre, default space
    svcsim-recommend --config-name busy --workers 2
    svcsim-recommend recommend=quick targets.day.service_level.min=0.95
    svcsim-recommend --dask tcp://scheduler:8786 --out results/ref
    svcsim-recommend --config-name validation/mmc +recommend=quick \\
        'recommend.space.windows={main: [8, 9, 10, 11, 12]}' recommend.space.skill_mix=[keep]

Positional arguments are Hydra overrides of the scenario (same syntax as ``svcsim``);
the ``cost``, ``targets`` and ``recommend`` groups are added with their defaults when
the scenario does not list them. Results go to ``--out`` (default
``outputs/recommend/<config name>``); rerunning with the same folder resumes from the
evaluations already stored there.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from simulator.errors import ConfigError

GROUPS = ("cost", "targets", "recommend")


def compose_with_groups(name: str, overrides: list[str]) -> dict[str, Any]:
    """Compose the scenario with Hydra, adding the recommender groups (``cost``,
    ``targets``, ``recommend``) from the bundled tree when the primary config does not
    list them. Overrides of those groups (``recommend=quick``, ``targets.day.x.min=0.9``,
    ``~targets.hour``) are applied here; all others go to Hydra."""
    from omegaconf import OmegaConf

    from simulator.config.compose import compose_config
    from simulator.optimise.config import bundled_group

    base = compose_config(name, [o for o in overrides if _group_of(o) not in GROUPS])
    own = {g: [o for o in overrides if _group_of(o) == g] for g in GROUPS}
    listed = [g for g in GROUPS if g in base]
    cfg = base
    if listed:  # the primary config lists some groups: Hydra handles their overrides
        cfg = compose_config(
            name, [o for o in overrides if _group_of(o) not in GROUPS or _group_of(o) in listed]
        )
    for g in GROUPS:
        if g in listed:
            continue
        option = "default"
        for o in own[g]:
            key, _, value = o.lstrip("+").partition("=")
            if key == g:
                option = value
        data = OmegaConf.create(bundled_group(g, option))
        for o in own[g]:
            key, _, value = o.lstrip("+").partition("=")
            if key == g:
                continue
            if o.startswith("~"):
                parent, _, leaf = key[len(g) + 1 :].lstrip(".").rpartition(".")
                node = OmegaConf.select(data, parent) if parent else data
                if node is not None and leaf in node:
                    del node[leaf]
                continue
            # Assignment replaces (a mapping value does not merge into the old one).
            try:
                parsed = yaml.safe_load(value)
            except yaml.YAMLError as exc:
                raise ConfigError(f"override {o!r}: not a valid value ({exc})") from None
            OmegaConf.update(data, key[len(g) + 1 :], parsed, merge=False, force_add=True)
        container = OmegaConf.to_container(data, resolve=True)
        assert isinstance(container, dict)
        cfg[g] = container
    return cfg


def _group_of(override: str) -> str:
    key = override.lstrip("+~").split("=", 1)[0]
    return key.split(".", 1)[0]


def _whole_number(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number ``>= low``."""

    def parse(text: str) -> int:
        try:
            value: int | None = int(text)
        except ValueError:
            value = None
        if value is None or value < low:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {low}, got {text!r}")
        return value

    return parse


_positive_int = _whole_number(1)
_non_negative_int = _whole_number(0)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="svcsim-recommend",
        description="Cheapest layout and hour-by-hour staffing meeting the service targets, "
        "with a statistical guarantee (docs/recommend.md).",
    )
    p.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. recommend=quick")
    p.add_argument(
        "--config-name",
        "-c",
        default="reference",
        help="bundled scenario (reference, busy, validation/mmc) or a YAML path",
    )
    p.add_argument(
        "--out",
        "-o",
        type=Path,
        default=None,
        help="output folder (default outputs/recommend/<config name>)",
    )
    p.add_argument("--workers", "-w", type=_positive_int, default=1, help="local processes")
    p.add_argument(
        "--dask",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:port) to run replications on",
    )
    p.add_argument(
        "--seed", type=_non_negative_int, default=None, help="root seed (default: scenario's)"
    )
    p.add_argument("--no-charts", action="store_true", help="skip PNG charts")
    p.add_argument("--no-progress", action="store_true", help="no progress line")
    p.add_argument(
        "--trust-cache",
        action="store_true",
        help="reuse cached evaluations from another code version",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: exit code 2 for bad input, 130/143 when interrupted
    (docs/errors.md)."""
    from simulator.cli.common import run_command

    return run_command("svcsim-recommend", lambda: _run(argv))


def _run(argv: list[str] | None) -> int:
    from simulator.cli.common import set_resume_hint
    from simulator.config.safety import note_symlink
    from simulator.config.scenario import scenario_from_config
    from simulator.optimise.recommend import recommend

    args = build_parser().parse_args(argv)
    name = args.config_name
    out = args.out or Path("outputs") / "recommend" / Path(name).stem
    cfg = compose_with_groups(name, list(args.overrides))
    label = name + (f" | {' '.join(args.overrides)}" if args.overrides else "")
    scn = scenario_from_config(cfg, source=label)
    note_symlink(out)
    set_resume_hint(
        f"rerun the same command (same --out {out}) to resume: the evaluations stored in "
        f"{out / 'evaluations.jsonl'} are not simulated again"
    )
    rec = recommend(
        scn,
        out_dir=out,
        executor=args.dask,
        workers=args.workers,
        seed=args.seed,
        progress=not args.no_progress,
        charts=not args.no_charts,
        trust_cache=args.trust_cache,
    )
    print(f"\n{rec.statement}\n")
    from simulator.present.terminal import plan_table, summary_lines, target_lines

    windows = (rec.scenario_config.get("layout") or {}).get("windows") or {}
    print("Staffing plan (windows open per group, staff on duty):")
    print(plan_table(rec.staffing_plan, windows).to_string(index=False))

    tw = float(rec.scenario_config.get("target_wait_min", 20) or 20)
    print("\nKPIs (final evaluation):")
    kpis = [str(k) for k in rec.kpis.index if str(k) != "hourly targets"]
    print("\n".join(summary_lines(rec.kpis, kpis, target_wait_min=tw)))
    print("\nTargets:")
    print("\n".join(target_lines(rec.kpis, target_wait_min=tw)))
    st = rec.stats
    print(
        f"\n{st['evaluations_run']} replications simulated, {st['evaluations_reused']} reused "
        f"from {out / 'evaluations.jsonl'}; {st['wall_s']:.1f} s"
    )
    print(f"Results written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
