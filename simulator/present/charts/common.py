"""Shared parts of the charts: text look-up, KPI metadata, statistics, helpers, saving."""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from simulator.analysis import stats
from simulator.analysis.metrics import METRICS
from simulator.analysis.metrics import Kind as Kind
from simulator.docstrings import DocTexts
from simulator.present import i18n, style
from simulator.present.style import fmt_hour, fmt_num, fmt_pct

#: Confidence level of every interval these charts compute.
CONFIDENCE = 0.95

#: The options every chart takes and what every chart returns and raises, described once
#: (:mod:`simulator.docstrings`): a chart's docstring says ``%(chart_options)s``,
#: ``%(returns_figure)s`` and ``%(raises_value_error)s`` where they go, the last followed
#: by the chart's own indented line saying when.
CHART_DOCS = DocTexts(
    chart_options="""
        lang : {"en", "zh"}
            Label language.
        footer : str, optional
            Provenance line (source scenario, seed, code version).
        title : str, optional
            Overrides the computed finding.
        figsize : tuple of float, optional
            Figure size in inches.
    """,
    returns_figure="""
        Returns
        -------
        Figure
    """,
    raises_value_error="""
        Raises
        ------
        ValueError
    """,
)
#: Open window-minutes below this count as closed (float noise in interval sums).
OPEN_EPS_MIN = 1e-6
#: Hour slots with fewer open window-minutes per day than this (overtime fragments
#: after closing, where the few open minutes are busy by construction) are drawn but
#: not chosen as the peak in a chart's title.
MIN_OPEN_FOR_PEAK_MIN = 15.0


_DAY_TYPE_ORDER = ("weekday", "working_saturday", "saturday", "sunday", "weekend", "holiday")


def _t(key: str, lang: str, **kw: Any) -> str:
    """Look up a chart message in ``lang`` (simulator/present/i18n) and fill it in."""
    return i18n.message("chart", key, lang, **kw)


def require_columns(frame: pd.DataFrame, columns: Sequence[str], chart: str, what: str) -> None:
    """Raise ValueError naming ``chart``, its table (``what``) and every column of
    ``columns`` the table lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{chart}: {what} lacks {', '.join(missing)}")


def _name(value: object, lang: str) -> str:
    """Display name of a category value (translated when known)."""
    return i18n.name(value, lang)


def _fmt(value: float, kind: Kind, lang: str) -> str:
    """Format a value with its unit for titles and labels."""
    if kind == "share":
        return fmt_pct(value)
    if kind == "minutes":
        return _t("unit_min", lang, v=fmt_num(value))
    if kind == "residents":
        return _t("unit_res", lang, v=fmt_num(value))
    return fmt_num(value)


def _scale(kind: Kind) -> float:
    """Multiplier from table units to axis units (shares are drawn in percent)."""
    return 100.0 if kind == "share" else 1.0


# --------------------------------------------------------------------------- KPIs


@dataclass(frozen=True)
class KpiMeta:
    """How a KPI is named, measured and judged.

    Attributes
    ----------
    en, zh : str
        Short lower-case name used in titles and tick labels.
    kind : {"minutes", "share", "count", "residents", "days", "value"}
        Unit family; KPIs of different kinds go to different panels.
    direction : int
        -1 if lower is better, +1 if higher is better, 0 if neither.
    """

    en: str
    zh: str
    kind: Kind
    direction: int


#: Chart metadata of every KPI in the catalogue (:mod:`simulator.analysis.metrics`).
KPI_META: dict[str, KpiMeta] = {
    m.name: KpiMeta(m.en, m.zh, m.kind, m.direction) for m in METRICS.values()
}


def chart_footer(
    source: object, seed: object, replications: object, code: object, lang: str = "en"
) -> str:
    """The provenance line of a chart in ``lang`` (English when no CJK font can draw
    Chinese, as the chart's labels): source, seed, replications, code version."""
    if lang == "zh" and style.find_cjk_font() is None:
        lang = "en"
    return _t("footer_run", lang, source=source, seed=seed, n=replications, code=code)


def _kind_axis(kind: str, lang: str) -> str:
    """Axis label of a unit family."""
    return _t(f"axis_{kind}", lang)


def _kpi_meta(name: str, extra: Mapping[str, KpiMeta] | None) -> KpiMeta:
    """Metadata for a KPI, from ``extra`` first, then :data:`KPI_META`."""
    if extra is not None and name in extra:
        return extra[name]
    return KPI_META.get(name, KpiMeta(name, name, "value", 0))


# --------------------------------------------------------------------------- statistics


def mean_ci(
    values: np.ndarray, confidence: float = CONFIDENCE
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column-wise mean and Student-t confidence interval, ignoring NaN, warning-free
    (:func:`simulator.analysis.stats.column_intervals`).

    Parameters
    ----------
    values : numpy.ndarray
        Shape ``(n_replications, k)`` (or 1-D, treated as one column).
    confidence : float
        Confidence level.

    Returns
    -------
    mean, low, high : numpy.ndarray
        Shape ``(k,)``. ``mean`` is NaN where a column has no finite value; ``low`` and
        ``high`` are NaN where it has fewer than two.
    n : numpy.ndarray
        Number of finite values per column.
    """
    return stats.column_intervals(values, confidence)


def _nanmax(values: np.ndarray) -> float:
    """Maximum of the finite values, NaN if there are none (no warning)."""
    arr = np.asarray(values, dtype=float)
    arr = arr[np.isfinite(arr)]
    return float(arr.max()) if arr.size else math.nan


# --------------------------------------------------------------------------- helpers


def _no_data(ax: Axes, lang: str) -> None:
    """Write a 'no data' message in the middle of an empty axes."""
    ax.text(
        0.5,
        0.5,
        _t("no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=style.MUTED_TEXT_COLOR,
        fontsize=style.LABEL_SIZE,
    )
    ax.set_xticks([])
    ax.set_yticks([])


def _no_data_figure(
    fig: Figure, ax: Axes, lang: str, title: str | None, families: Sequence[str], footer: str | None
) -> Figure:
    """Finish a chart that has nothing to draw: the 'no data' message and title."""
    _no_data(ax, lang)
    return style.finish_figure(
        fig,
        title or _t("no_data", lang),
        families,
        [],
        footer,
        finding_lang=None if title else lang,
    )


def _clip_interval(
    lo: np.ndarray, hi: np.ndarray, upper: float | None
) -> tuple[np.ndarray, np.ndarray]:
    """Interval bounds clipped at 0 and at ``upper`` (NaN stays NaN)."""
    lo = np.where(np.isfinite(lo), np.maximum(lo, 0.0), lo)
    if upper is not None:
        hi = np.where(np.isfinite(hi), np.minimum(hi, upper), hi)
    return lo, hi


def _ci_whiskers(
    ax: Axes,
    pos: np.ndarray,
    mean: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    mask: np.ndarray,
    *,
    horizontal: bool = False,
    scale: float = 1.0,
    upper: float | None = None,
    ecolor: str = style.TEXT_COLOR,
    zorder: float = 3,
) -> None:
    """Whiskers from ``lo`` to ``hi`` around ``mean`` at ``pos``, where ``mask`` is True.

    Values are multiplied by ``scale`` (shares drawn in percent); ``horizontal`` draws
    them along x (horizontal bars), else along y. Whiskers stop at the natural bounds of
    the values (0, and ``upper`` in table units when given, e.g. 1 for shares): the
    charts show non-negative KPIs only (see docs/kpis.md, "Intervals shown").
    """
    if not mask.any():
        return
    lo, hi = _clip_interval(lo, hi, upper)
    err = scale * np.vstack([np.maximum(mean - lo, 0)[mask], np.maximum(hi - mean, 0)[mask]])
    centre = scale * mean[mask]
    x, y = (centre, pos[mask]) if horizontal else (pos[mask], centre)
    ax.errorbar(
        x,
        y,
        xerr=err if horizontal else None,
        yerr=None if horizontal else err,
        fmt="none",
        ecolor=ecolor,
        elinewidth=1.0,
        capsize=3,
        zorder=zorder,
    )


def _uncertainty_notes(n_max: int, lang: str, kind: Literal["band", "whisker"]) -> list[str]:
    """Footer note describing the interval shown, or the single-replication caveat."""
    if n_max <= 1:
        return [_t("single_rep", lang)]
    if kind == "band":
        return [_t("band_note", lang, n=n_max)]
    return [_t("whisker_note", lang)]


def _plain_formatter() -> FuncFormatter:
    """Tick formatter that writes plain numbers (percent axes are already scaled)."""
    return FuncFormatter(lambda v, _pos: f"{v:g}")


def _hour_ticks(ax: Axes, hours: Sequence[int]) -> None:
    """Put ``HH:00`` labels on the hour axis, thinning them when there are many."""
    step = 1 if len(hours) <= 13 else 2
    ticks = [h for h in hours if (h - hours[0]) % step == 0]
    ax.set_xticks(ticks)
    ax.set_xticklabels([fmt_hour(h) for h in ticks])


def _with_replication(df: pd.DataFrame) -> pd.DataFrame:
    """Return ``df`` with a ``replication`` column (0 when absent)."""
    if "replication" in df.columns:
        return df
    return df.assign(replication=0)


def _with_group(df: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Return ``df`` with a ``_group`` column: ``by`` as text, or "all days" when None."""
    return df.assign(_group=df[by].astype(str) if by is not None else "all days")


def _ratio(num: np.ndarray, den: np.ndarray, min_den: float) -> np.ndarray:
    """``num / den`` where ``den`` exceeds ``min_den``, NaN elsewhere (no warning)."""
    out = np.full(den.shape, np.nan)
    np.divide(num, den, out=out, where=den > min_den)
    return out


def _thin_slots(open_per_day: pd.Series, group: object, hours: Sequence[int]) -> np.ndarray:
    """Hour slots of ``group`` with too few open window-minutes a day to be a peak.

    ``open_per_day`` is :func:`_open_minutes_per_day`; slots missing from it are not thin.
    """
    opened = np.array([float(open_per_day.get((str(group), h), np.inf)) for h in hours])
    return opened < MIN_OPEN_FOR_PEAK_MIN


def _order_categories(values: Sequence[object]) -> list[object]:
    """Order day types naturally (weekday first), other values as they appear."""
    known = [v for v in _DAY_TYPE_ORDER if v in values]
    rest = [v for v in values if v not in known]
    return [*known, *rest]


def _round_towards(x: float, down: bool) -> float:
    """Round to the precision :func:`fmt_num` shows, downwards or upwards."""
    factor = 1.0 if abs(x) >= 10 else 10.0
    return (math.floor if down else math.ceil)(x * factor) / factor


def _join(items: Sequence[str], lang: str) -> str:
    return _t("list_sep", lang).join(items)


# --------------------------------------------------------------------------- save


def save_figure(
    fig: Figure,
    path_stem: str | Path,
    formats: Sequence[str] = ("png", "svg"),
    dpi: int = 150,
) -> list[Path]:
    """Save a figure in several formats next to each other.

    Parameters
    ----------
    fig : Figure
        Figure returned by a chart function.
    path_stem : str or Path
        Path without extension, e.g. ``"outputs/wait_ecdf"``; parent directories are
        created. The extension is appended, so dots in the stem are kept.
    formats : sequence of str
        File formats understood by matplotlib ("png", "svg", "pdf", ...).
    dpi : int
        Resolution for raster formats.

    Returns
    -------
    list of Path
        The files written, in ``formats`` order.
    """
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with mpl.rc_context({"svg.fonttype": "path", "savefig.facecolor": "white"}):
        for fmt in formats:
            out = stem.parent / f"{stem.name}.{fmt.lstrip('.')}"
            fig.savefig(out, format=fmt.lstrip("."), dpi=dpi)
            written.append(out)
    return written
