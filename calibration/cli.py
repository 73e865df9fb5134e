"""``svcsim-calibrate``: the Hydra entry point of the calibration.

Thin by design: the config (``scenarios/calibration/calibrate.yaml``) is converted to
plain Python values and handed to :func:`calibration.pipeline.calibrate`, which notebooks
and tests call directly. Example::

    svcsim-calibrate tickets=[data/tickets.csv] skills=data/skills.csv \\
        staffing=data/staffing.csv name=my_centre holdout_days=61

When too little usable data remains the run stops with the cleaning report and exit
status 2; other errors in the inputs (missing file, missing column) also exit with 2 and
a one-paragraph message instead of a traceback.
"""

from __future__ import annotations

import sys
from typing import Any

import hydra
from omegaconf import DictConfig, OmegaConf

from simulator.cli.common import (
    run_as_program,
    run_command,
    set_resume_hint,
    task_started,
)
from simulator.errors import ConfigError

__all__ = ["check_args", "main", "run"]


def check_args(cfg: dict[str, Any]) -> list[str]:
    """Every problem of the plain config of ``svcsim-calibrate`` (all at once, each naming
    its key and value); an empty list when the run can start."""
    import codecs
    import datetime as dt
    import difflib
    import inspect
    from pathlib import Path

    from calibration.pipeline import calibrate
    from simulator.config.parse import Problems, num
    from simulator.config.safety import name_problem

    p = Problems()
    known = list(inspect.signature(calibrate).parameters)
    for key in cfg:
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {sorted(known)}"
            p.add(key, f"unknown key; {hint}")
    tickets = cfg.get("tickets")
    if isinstance(tickets, str):
        tickets = [tickets]
    if not tickets or not isinstance(tickets, list):
        p.add("tickets", "give the ticket logs, e.g. tickets=[logs.csv]")
    else:
        for t in tickets:
            if not Path(str(t)).is_file():
                p.add("tickets", f"file not found: {t}")
    for key in ("catalogue", "skills", "staffing"):
        value = cfg.get(key)
        if value is not None and not Path(str(value)).is_file():
            p.add(key, f"file not found: {value}")
    bad = name_problem(cfg.get("name"))
    if bad is not None:
        p.add("name", bad)
    dates = {}
    for key in ("start", "end"):
        value = cfg.get(key)
        if value is None:
            continue
        try:
            dates[key] = dt.date.fromisoformat(str(value))
        except ValueError:
            p.add(key, f"expected a date YYYY-MM-DD, got {value!r}")
    if len(dates) == 2 and dates["start"] > dates["end"]:
        p.add("end", f"{dates['end']} is before start {dates['start']}")
    num(cfg, "holdout_days", "", p, default=0, low=0, integer=True)
    num(cfg, "replications", "", p, default=20, low=1, integer=True)
    num(cfg, "seed", "", p, default=0, low=0, integer=True)
    num(cfg, "alpha", "", p, default=0.05, low=0.0, low_open=True, high=0.5)
    num(cfg, "min_usable", "", p, default=0.5, low=0.0, low_open=True)
    num(cfg, "min_rows", "", p, default=500, low=1, integer=True)
    num(cfg, "gof_n_mc", "", p, default=99, low=0, integer=True)
    num(cfg, "workers", "", p, default=1, low=1, integer=True)
    bins = num(cfg, "bin_minutes", "", p, default=30, low=1, high=1440, integer=True)
    if bins == bins and 1 <= bins <= 1440 and bins == int(bins) and 1440 % int(bins):
        p.add("bin_minutes", f"must divide the day (1440 minutes) evenly, got {int(bins)}")
    if cfg.get("balk_max_minutes") is not None:
        num(cfg, "balk_max_minutes", "", p, low=0.0)
    enc = cfg.get("encoding")
    if enc is not None:
        try:
            codecs.lookup(str(enc))
        except LookupError:
            p.add("encoding", f"unknown text encoding {enc!r}")
    return p.items


def run(cfg: dict[str, Any]) -> int:
    """Run a calibration from a plain config dict; returns the exit status."""
    problems = check_args(cfg)
    if problems:
        lines = "\n  - ".join(problems)
        print(f"svcsim-calibrate: {len(problems)} problem(s)\n  - {lines}", file=sys.stderr)
        return 2
    tickets = cfg.pop("tickets")
    if isinstance(tickets, str):
        tickets = [tickets]
    # the calibration (numpy, scipy, pandas) loads only now: after main set BLAS
    from calibration.clean import InsufficientDataError
    from calibration.io import DataFormatError
    from calibration.pipeline import calibrate
    from simulator.config.safety import note_symlink

    for key in ("out_dir", "report_dir"):
        if cfg.get(key) is not None:
            note_symlink(cfg[key])
    set_resume_hint(
        "calibration does not resume: scenarios written so far are kept; calibrate the "
        "remaining centres with centre_id=<id>"
    )
    try:
        results = calibrate(tickets, **cfg)
    except (InsufficientDataError, DataFormatError, ConfigError) as exc:
        print(f"svcsim-calibrate: {exc}", file=sys.stderr)
        return 2
    for r in results:
        verdict = ""
        if r.validation is not None:
            v = r.validation.table
            n_ok = int((v["verdict"] == "consistent").sum())
            verdict = f"; validation: {n_ok}/{len(v)} KPIs consistent"
        print(f"centre {r.centre_id}: scenario {r.scenario_path}{verdict}; report {r.report_dir}")
    return 0


@hydra.main(version_base="1.3", config_path="pkg://scenarios.calibration", config_name="calibrate")
def _main(cfg: DictConfig) -> None:
    task_started()
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    status = run({str(k): v for k, v in plain.items()})
    if status:
        sys.exit(status)


def main() -> None:
    """Console-script entry point (``svcsim-calibrate``): exit code 2 for bad input,
    130/143 when interrupted (docs/errors.md)."""
    # numpy is not imported yet: the calibration loads in run
    run_as_program(main, lambda: run_command("svcsim-calibrate", _main, hydra_app=True))
