"""Charts of simulation results for planners and policymakers.

Every function takes the simulator's result tables (pandas), returns a standalone
:class:`matplotlib.figure.Figure` (never registered with pyplot, so no global state
leaks and nothing needs closing) and follows one style (:mod:`simulator.present.style`):

* the title states the finding, computed from the data;
* axes are labelled with units;
* uncertainty is shown: 95% Student-t confidence bands or whiskers across
  replications (none is drawn for a single replication, and the footer says so);
* a footer carries the method note and the caller's provenance string
  (source scenario, seed, code version);
* Okabe-Ito colours plus markers, line styles and hatches, so charts survive
  colour-vision deficiency and grey-scale printing;
* ``lang="zh"`` gives Simplified Chinese labels when a CJK font is installed
  (otherwise English, with a :class:`~simulator.present.style.CJKFontWarning`).

Common options
--------------
Every chart takes these keyword arguments (and describes them in these words):

%(chart_options)s
    Where a chart says so, the default grows with its rows, groups or panels.

Input tables
------------
summary
    DataFrame indexed by KPI name with columns ``mean``, ``ci_low``, ``ci_high``.
hourly
    One row per replication x day x hour with columns ``replication``, ``day``,
    ``day_type``, ``hour``, ``arrivals``, ``served``, ``abandoned``,
    ``wait_mean_min``, ``queue_mean``, ``busy_min``, ``open_min``, ``utilisation``.
visits
    One row per resident with ``replication``, ``day``, ``arrival_min``, ``family``,
    ``outcome``, ``wait_min``, ``service_min``.
calibration tables
    What a calibration's figures show, written beside them: ``arrival_profiles.csv``
    (:func:`arrival_profiles`), ``service_qq.csv`` (:func:`service_qq`),
    ``fit_patience.csv`` and ``patience_km.csv`` (:func:`patience_fit`),
    ``validation.csv``, ``validation_hourly.csv`` and ``validation_daily.csv``
    (:func:`validation_comparison`).

Shares (service level, abandonment rate, utilisation, completion rates) are fractions
in [0, 1] in the tables and shown as percentages.
"""

from simulator.analysis.ecdf import ecdf_grid_minutes, wait_ecdf_grid
from simulator.present.charts.calibration import (
    arrival_profiles,
    calibration_footer,
    check_label,
    patience_fit,
    service_qq,
    validation_comparison,
)
from simulator.present.charts.centre import hourly_profile, utilisation_heatmap, wait_ecdf
from simulator.present.charts.city import completion_by_group, spread_across
from simulator.present.charts.common import (
    CHART_DOCS,
    CONFIDENCE,
    KPI_META,
    KpiMeta,
    chart_footer,
    mean_ci,
    save_figure,
)
from simulator.present.charts.common import (
    _ci_whiskers as _ci_whiskers,
)
from simulator.present.charts.options import (
    cost_service_frontier,
    kpi_comparison,
    pareto_frontier,
)

__doc__ = CHART_DOCS.render(__doc__ or "", __name__)

__all__ = [
    "CONFIDENCE",
    "KPI_META",
    "KpiMeta",
    "arrival_profiles",
    "calibration_footer",
    "chart_footer",
    "check_label",
    "completion_by_group",
    "cost_service_frontier",
    "ecdf_grid_minutes",
    "hourly_profile",
    "kpi_comparison",
    "mean_ci",
    "pareto_frontier",
    "patience_fit",
    "save_figure",
    "service_qq",
    "spread_across",
    "utilisation_heatmap",
    "validation_comparison",
    "wait_ecdf",
    "wait_ecdf_grid",
]
