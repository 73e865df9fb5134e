"""``svcsim-report``: a self-contained HTML report for policymakers from result folders.

Examples::

    svcsim-report outputs/2026-03-02/10-00-00                    # one run
    svcsim-report runs/reference runs/six -o compare.html        # first folder = baseline
    svcsim-report multirun/2026-03-02/10-00-00 report.lang=zh    # a sweep, Chinese labels

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

import argparse
import sys
import warnings
from collections.abc import Sequence

from simulator.present import style
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
    "main",
    "option_cost",
    "read_folder",
    "render_html",
    "summary_paragraphs",
]


def _parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="svcsim-report",
        description="Build a self-contained HTML report from svcsim result folders "
        "(the first option is the baseline). Hydra-style report.lang=zh, report.out=FILE "
        "and report.labels=[a,b] are accepted too.",
    )
    parser.add_argument("paths", nargs="+", help="result folders (runs, sweeps)")
    parser.add_argument("-o", "--out", help="HTML file (default: report.html in the first folder)")
    parser.add_argument("--lang", choices=("en", "zh"), default="en", help="report language")
    parser.add_argument(
        "--label", action="append", dest="labels", help="option name, once per option read"
    )
    hydra_style = [a for a in argv if a.startswith("report.") and "=" in a]
    rest = [a for a in argv if a not in hydra_style]
    ns = parser.parse_args(rest)
    for a in hydra_style:
        key, value = a.split("=", 1)
        key = key.removeprefix("report.")
        if key == "lang":
            if value not in ("en", "zh"):
                parser.error(f"report.lang must be en or zh, got {value!r}")
            ns.lang = value
        elif key == "out":
            ns.out = value
        elif key == "labels":
            ns.labels = [v.strip() for v in value.strip("[]").split(",") if v.strip()]
        else:
            parser.error(f"unknown option {a!r}; known: report.lang, report.out, report.labels")
    return ns


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: ``svcsim-report FOLDER [FOLDER ...]``."""
    ns = _parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", style.CJKFontWarning)
            path = build_report(ns.paths, out=ns.out, lang=ns.lang, labels=ns.labels)
        for w in caught:
            if issubclass(w.category, style.CJKFontWarning):
                print(f"svcsim-report: warning: {w.message}", file=sys.stderr)
    except ReportError as exc:
        print(f"svcsim-report: {exc}", file=sys.stderr)
        return 2
    print(f"Report written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
