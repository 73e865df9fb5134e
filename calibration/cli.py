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

from calibration.clean import InsufficientDataError
from calibration.io import DataFormatError
from calibration.pipeline import calibrate

__all__ = ["main", "run"]


def run(cfg: dict[str, Any]) -> int:
    """Run a calibration from a plain config dict; returns the exit status."""
    tickets = cfg.pop("tickets")
    if isinstance(tickets, str):
        tickets = [tickets]
    if not tickets:
        print("svcsim-calibrate: give the ticket logs, e.g. tickets=[logs.csv]", file=sys.stderr)
        return 2
    try:
        results = calibrate(tickets, **cfg)
    except (InsufficientDataError, DataFormatError) as exc:
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
    plain = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(plain, dict)
    plain.pop("hydra", None)
    status = run({str(k): v for k, v in plain.items()})
    if status:
        sys.exit(status)


def main() -> None:
    """Console-script entry point (``svcsim-calibrate``)."""
    _main()
