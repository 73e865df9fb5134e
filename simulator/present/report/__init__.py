"""A self-contained HTML report for policymakers from result folders.

Command line (``svcsim-report``, :mod:`simulator.cli.report`)::

    svcsim-report folders=outputs/2026-03-02/10-00-00                 # one run
    svcsim-report 'folders=[runs/reference,runs/six]' out=compare.html # first = baseline
    svcsim-report folders=multirun/2026-03-02/10-00-00 lang=zh         # a sweep, Chinese

From Python::

    from simulator.present.report import build_report
    build_report(["runs/reference", "runs/six"], out="compare.html", lang="en")

The report reads result folders (kinds in :mod:`simulator.present.readers`), never
re-simulates, and writes one HTML file with everything embedded (charts as base64
PNG, inline CSS, no script, nothing fetched from the network): a plain-language
summary, a comparison table, the charts, a "how sure are we" section and the
assumptions behind the inputs (published, calibrated or assumed).
"""

from __future__ import annotations

from simulator.present.readers import READERS, ReportError, UnknownFolderError, read_folder
from simulator.present.report.comparison import (
    Comparison,
    common_random_numbers,
    compare,
    difference,
    headline,
    option_cost,
    summary_paragraphs,
)
from simulator.present.report.page import build_report, render_html
from simulator.present.report.runs import charts_html

__all__ = [
    "READERS",
    "Comparison",
    "ReportError",
    "UnknownFolderError",
    "build_report",
    "charts_html",
    "common_random_numbers",
    "compare",
    "difference",
    "headline",
    "option_cost",
    "read_folder",
    "render_html",
    "summary_paragraphs",
]
