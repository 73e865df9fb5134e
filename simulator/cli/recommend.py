"""``svcsim-recommend``: recommend a layout and hour-by-hour staffing plan (a thin Hydra app).

Examples::

    svcsim-recommend                                   # reference centre, default space
    svcsim-recommend --config-name busy workers=2
    svcsim-recommend recommend=quick targets.day.service_level.min=0.95
    svcsim-recommend dask_address=tcp://scheduler:8786 out=results/ref
    svcsim-recommend --config-name validation/mmc recommend=quick \\
        'recommend.space.windows={main: [8, 9, 10, 11, 12]}' recommend.space.skill_mix=[keep]
    svcsim-recommend --config-name calibration_report/my_centre/my_centre.yaml workers=2

The primary config is a scenario of ``scenarios/`` (``--config-name``, default
``reference``) or a scenario YAML file; the recommender's inputs are its config groups
``cost``, ``targets`` and ``recommend`` (every shipped scenario lists them; a scenario
file that does not gets the bundled defaults, or adds one with ``+targets=default``).
The command appends ``scenarios/command/recommend.yaml`` (``+command=recommend``), whose
keys set how it runs: ``out`` (default ``outputs/recommend/<config name>``; rerunning
with the same folder resumes from the evaluations stored there), ``dask_address``,
``progress``, ``trust_cache``; the scenario's ``workers``, ``seed`` and ``charts`` apply
too. Every key is an ordinary Hydra override.

:func:`run_from_config` is the plain function behind it (no Hydra needed).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import hydra
from omegaconf import DictConfig

from simulator.cli.common import (
    HYDRA_VALUE_FLAGS,
    config_location,
    old_form,
    run_as_program,
    run_command,
)
from simulator.errors import ConfigError

if TYPE_CHECKING:
    from simulator.optimise.outputs import Recommendation

PROG = "svcsim-recommend"

#: The override that appends the command's own settings to the scenario.
LAYER = "+command=recommend"

#: Keys of ``scenarios/command/recommend.yaml`` besides the scenario's (how the command
#: runs, not what the centre is): taken out before the scenario is parsed.
COMMAND_KEYS = ("out", "dask_address", "trust_cache")

#: The former argparse options and the config key each became.
_OLD_VALUE_FLAGS = {
    "--out": "out",
    "-o": "out",
    "--workers": "workers",
    "-w": "workers",
    "--dask": "dask_address",
    "--seed": "seed",
}
_OLD_SWITCHES = {
    "--no-charts": "charts=false",
    "--no-progress": "progress=false",
    "--trust-cache": "trust_cache=true",
}


def _switch(value: Any, key: str, default: bool, problems: list[str]) -> bool:
    """A true/false setting (``None``: ``default``); a problem naming ``key`` otherwise."""
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    problems.append(f"{key}: expected true or false, got {value!r}")
    return default


def run_from_config(
    cfg: DictConfig | dict[str, Any], source: str = PROG
) -> tuple[Recommendation, Path]:
    """Recommend for a composed config: a scenario with the ``cost``, ``targets`` and
    ``recommend`` groups (missing ones: the bundled defaults) and the command's keys
    (:data:`COMMAND_KEYS`; ``out`` is required). Returns the recommendation and the
    output folder. The scenario's ``workers`` and ``seed`` apply, and ``charts`` and
    ``progress`` (default off here) as in the command; these two are taken out of the
    scenario (``recommended.yaml`` gets svcsim's defaults for them).
    """
    from simulator.cli.common import plain_config, set_resume_hint
    from simulator.config.safety import note_symlink
    from simulator.config.scenario import scenario_from_config
    from simulator.config.schema import DEFAULTS
    from simulator.optimise.recommend import recommend

    plain = plain_config(cfg)
    settings = {k: plain.pop(k, None) for k in COMMAND_KEYS}
    problems: list[str] = []
    out = settings["out"]
    if not isinstance(out, str) or not out.strip():
        problems.append(f"out: expected an output folder, got {out!r}")
    dask = settings["dask_address"]
    if dask is not None and (not isinstance(dask, str) or not dask.strip()):
        problems.append(
            f"dask_address: expected a scheduler address such as tcp://host:8786 or null, "
            f"got {dask!r}"
        )
    trust = _switch(settings["trust_cache"], "trust_cache", False, problems)
    # How this command runs, not part of the centre: recommended.yaml gets svcsim's
    # defaults for them (simulator.config.compose.with_run_settings).
    progress = _switch(plain.pop("progress", None), "progress", DEFAULTS["progress"], problems)
    charts = _switch(plain.pop("charts", None), "charts", DEFAULTS["charts"], problems)
    if problems:
        raise ConfigError(
            f"invalid {PROG} settings: {len(problems)} problem(s)\n  - " + "\n  - ".join(problems),
            problems,
        )
    out_dir = Path(str(out))
    scn = scenario_from_config(plain, source=source)
    note_symlink(out_dir)
    set_resume_hint(
        f"rerun the same command (same out={out_dir}) to resume: the evaluations stored in "
        f"{out_dir / 'evaluations.jsonl'} are not simulated again"
    )
    rec = recommend(
        scn,
        out_dir=out_dir,
        executor=dask,
        workers=scn.experiment.workers,
        progress=progress,
        charts=charts,
        trust_cache=trust,
    )
    return rec, out_dir


def _print_recommendation(rec: Recommendation, out: Path) -> None:
    from simulator.present.names import window_groups
    from simulator.present.readers import target_wait_min
    from simulator.present.terminal import plan_table, summary_lines, target_lines

    print(f"\n{rec.statement}\n")
    windows = window_groups(rec.scenario_config)
    print("Staffing plan (windows open per group, staff on duty):")
    print(plan_table(rec.staffing_plan, windows).to_string(index=False))

    tw = target_wait_min(rec.scenario_config)
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


@hydra.main(version_base="1.3", config_path="pkg://scenarios", config_name="reference")
def _main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from simulator.cli.common import recorded_run, task_started, write_manifest

    task_started()
    hc = HydraConfig.get()
    overrides = [o for o in hc.overrides.task if o != LAYER]
    source = _given_name.get("name") or str(hc.job.config_name)
    source += f" | {' '.join(overrides)}" if overrides else ""
    out_dir = Path(str(cfg.get("out") or hc.runtime.output_dir))
    with recorded_run(PROG, out_dir, source=source):
        rec, out_dir = run_from_config(cfg, source=source)
    manifest = {
        "status": "complete",
        "command": PROG,
        "source": source,
        **{k: rec.stats.get(k) for k in ("seed", "code_version", "executor")},
        **{k: rec.stats.get(k) for k in ("evaluations_run", "evaluations_reused", "wall_s")},
    }
    write_manifest(out_dir, manifest)
    _print_recommendation(rec, out_dir)


def _new_form(argv: list[str]) -> list[str] | None:
    """The command line in the current form if ``argv`` uses a former argparse option
    (``--workers 2``, ``--out X``, ``--no-charts``, ``-c busy``), else None."""
    new: list[str] = []
    old = False
    i = 0
    while i < len(argv):
        a = argv[i]
        flag, eq, value = a.partition("=")
        if flag in _OLD_VALUE_FLAGS:
            old = True
            if not eq:
                i += 1
                value = argv[i] if i < len(argv) else "VALUE"
            new.append(f"{_OLD_VALUE_FLAGS[flag]}={value}")
        elif a in _OLD_SWITCHES:
            old = True
            new.append(_OLD_SWITCHES[a])
        elif a == "-c" and i + 1 < len(argv) and argv[i + 1] not in ("job", "hydra", "all"):
            old = True  # was --config-name; Hydra's -c is --cfg (print the config)
            new += ["--config-name", argv[i + 1]]
            i += 1
        elif a in HYDRA_VALUE_FLAGS and i + 1 < len(argv):
            new += [a, argv[i + 1]]
            i += 1
        else:
            new.append(a)
        i += 1
    return new if old else None


#: The scenario as the command line named it (before :func:`config_location` split it).
_given_name: dict[str, str] = {}


def _config_name(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a in ("--config-name", "-cn") and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(("--config-name=", "-cn=")):
            return a.split("=", 1)[1]
    return "reference"


def _is_multirun(argv: list[str]) -> bool:
    return any(a in ("-m", "--multirun") for a in argv)


def main() -> None:
    """Console-script entry point (``svcsim-recommend``): exit code 2 for bad input,
    130/143 when interrupted (docs/errors.md)."""
    run_as_program(main, _command)


def _command() -> int:
    """The command's body under :func:`run_as_program`."""
    argv = sys.argv[1:]
    if _is_multirun(argv):
        print(
            f"{PROG}: runs one recommendation at a time (each needs its own out folder); "
            f"run it once per setting, e.g. {PROG} recommend=quick out=outputs/recommend/quick",
            file=sys.stderr,
        )
        return 2
    old_form(PROG, argv, _new_form(argv))
    _given_name["name"] = _config_name(argv)
    sys.argv[1:] = [*config_location(argv), LAYER]
    return run_command(PROG, _main, hydra_app=True)


if __name__ == "__main__":
    main()
