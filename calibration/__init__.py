"""Calibration of svcsim scenarios from historical ticket-system data.

``io`` reads the files (formats in ``docs/data-formats.md``), ``clean`` splits a ticket
log into usable and excluded rows with reasons, ``fit`` estimates the scenario
parameters. Typical use::

    log = read_ticket_log("centre.csv")
    cleaned = clean_ticket_log(log, catalogue, opening_hours, holidays=holidays)
    print(cleaned.report())
    fit = fit_all(cleaned, opening_hours=opening_hours, holidays=holidays)
    scenario_part = fit.to_scenario_dict()

The whole pipeline (validated scenario YAML and report) is :func:`calibrate`; a synthetic
history to try it on comes from :func:`generate_history` (or a named preset with
realism, :func:`synthetic_history`: ``quiet``, ``busy``, ``cross_province``,
``no_leave_times``, ``dirty``, ``gb18030``, ``renamed``, ``chinese``). See ``docs/calibration.md``.

The names below are imported on first use (PEP 562), so ``svcsim-calibrate`` sets up its
process (BLAS on one thread) before numpy, pandas and scipy load.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.lazy import lazy_names

if TYPE_CHECKING:
    from calibration.clean import CleanResult, InsufficientDataError, clean_ticket_log
    from calibration.fit import CalibrationFit, fit_all
    from calibration.io import (
        DataFormatError,
        read_catalogue,
        read_staff_skills,
        read_staffing,
        read_ticket_log,
        read_volumes,
    )
    from calibration.pipeline import calibrate
    from calibration.synthetic import generate_history, synthetic_history

#: Public name -> module that defines it.
_LAZY = {
    "CalibrationFit": "calibration.fit",
    "CleanResult": "calibration.clean",
    "DataFormatError": "calibration.io",
    "InsufficientDataError": "calibration.clean",
    "calibrate": "calibration.pipeline",
    "clean_ticket_log": "calibration.clean",
    "fit_all": "calibration.fit",
    "generate_history": "calibration.synthetic",
    "read_catalogue": "calibration.io",
    "read_staff_skills": "calibration.io",
    "read_staffing": "calibration.io",
    "read_ticket_log": "calibration.io",
    "read_volumes": "calibration.io",
    "synthetic_history": "calibration.synthetic",
}


__getattr__, __dir__ = lazy_names(globals(), _LAZY)

__all__ = [
    "CalibrationFit",
    "CleanResult",
    "DataFormatError",
    "InsufficientDataError",
    "calibrate",
    "clean_ticket_log",
    "fit_all",
    "generate_history",
    "read_catalogue",
    "read_staff_skills",
    "read_staffing",
    "read_ticket_log",
    "read_volumes",
    "synthetic_history",
]
