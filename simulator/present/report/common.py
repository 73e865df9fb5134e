"""Shared parts of the report: targets, KPI names and values, HTML snippets."""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Sequence
from typing import Any

from simulator.analysis import metrics
from simulator.present import i18n, style
from simulator.present.readers import RunData, target_wait_min

#: Service targets for reports (assumed planning targets, DOMAIN.md).
TARGET_MEAN_WAIT_MIN = 10.0


TARGET_SERVICE_LEVEL = 0.90


#: KPIs of the comparison table, in order.
TABLE_KPIS = (
    "arrivals",
    "served",
    "wait_mean_min",
    "wait_p90_min",
    "service_level",
    "abandonment_rate",
    "utilisation",
    "queue_mean",
    "overtime_min",
    "one_visit_rate",
)


#: KPIs of the comparison chart (headline first).
CHART_KPIS = ("wait_mean_min", "wait_p90_min", "service_level", "abandonment_rate", "utilisation")


#: At most this many options in a chart; the rest are listed in the table only.
MAX_CHART_OPTIONS = 8


#: Inputs that must be equal for two runs to see the same residents (CRN).
DEMAND_SECTIONS = ("centre.daily_volume", "catalogue", "demand", "impatience", "calendar")


def _t(key: str, lang: str, **kw: Any) -> str:
    """A report message in ``lang`` (simulator/present/i18n) with its fields filled in."""
    return i18n.message("report", key, lang, **kw)


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def kpi_name(kpi: str, lang: str) -> str:
    """Display name of a KPI from the catalogue, capitalised for table rows."""
    return metrics.label(kpi, lang, capital=True)


def fmt_value(kpi: str, value: float, lang: str = "en") -> str:
    """A KPI value for tables: shares as percent, minutes and counts as numbers."""
    if not math.isfinite(value):
        return _t("na", lang)
    if metrics.metric(kpi).kind == "share":
        return style.fmt_pct(value)
    return style.fmt_num(value)


def _fmt_min(value: float, lang: str) -> str:
    return _t("min", lang, v=style.fmt_num(value))


def _target_wait(run: RunData) -> float:
    """The run's target wait for the service level (minutes, :func:`target_wait_min`)."""
    return target_wait_min(run.config)


def _png_data_uri(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _fig_png(fig: Any, dpi: int = 110) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _figure_html(png: bytes, alt: str, caption: str) -> str:
    return (
        f"<figure><img src='{_png_data_uri(png)}' alt='{_esc(alt)}'>"
        f"<figcaption>{_esc(caption)}</figcaption></figure>"
    )


def _code_version(manifest: dict[str, Any]) -> str:
    """The code a run was made with, e.g. ``svcsim 0.1.0 (ea03d4f)``."""
    commit = manifest.get("git_commit")
    return f"svcsim {manifest.get('svcsim_version', '?')}" + (f" ({commit})" if commit else "")


def _ci_span(lo: str, hi: str) -> str:
    """A confidence interval from formatted bounds, in brackets after its value."""
    return f"<span class='ci'> ({_esc(lo)}–{_esc(hi)})</span>"


def _cell_ci(
    kpi: str, m: float, lo: float, hi: float, n: int | None = None, lang: str = "en"
) -> str:
    """A value with its confidence interval, as shown: clipped at the KPI's natural bounds
    (:func:`simulator.analysis.metrics.shown_interval`, marked with an asterisk); with
    ``n == 1`` replication "one replication: no interval" instead of an empty bracket."""
    text = _esc(fmt_value(kpi, m, lang))
    if n == 1 and math.isfinite(m):
        return text + f"<span class='ci'> ({_esc(_t('one_rep', lang))})</span>"
    if n is not None and n > 1 and m == lo == hi:  # the same in every replication
        return text + f"<span class='ci'> ({_esc(_t('fixed_value', lang))})</span>"
    low, high = lo, hi
    lo, hi, _clipped = metrics.shown_interval(kpi, low, high)
    if math.isfinite(lo) and math.isfinite(hi):
        lo_txt = fmt_value(kpi, lo, lang) + ("*" if lo != low else "")
        hi_txt = fmt_value(kpi, hi, lang) + ("*" if hi != high else "")
        text += _ci_span(lo_txt, hi_txt)
    return text


def _row_ci(row: Any, kpi: str, lang: str = "en") -> str:
    """:func:`_cell_ci` of a table row with columns ``kpi``, ``kpi_ci_low``, ``kpi_ci_high``."""
    return _cell_ci(
        kpi,
        _num(row.get(kpi)),
        _num(row.get(f"{kpi}_ci_low")),
        _num(row.get(f"{kpi}_ci_high")),
        lang=lang,
    )


def _verdict_html(cls: str, text: object) -> str:
    """A verdict badge (``cls``: met, tol, missed)."""
    return f"<span class='verdict {cls}'>{_esc(text)}</span>"


def _num(v: Any) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


def _fmt_or_blank(v: float) -> str:
    return style.fmt_num(v) if math.isfinite(v) else ""


def _head_cells(head: Sequence[str]) -> str:
    """Column-header cells from escaped texts."""
    return "".join(f"<th scope='col'>{h}</th>" for h in head)


def _table_shell(cls: str, head: str, body: str) -> str:
    """A horizontally scrollable table of class ``cls`` from the HTML of its header cells
    and of its body rows."""
    return (
        f"<div class='table-wrap'><table class='{cls}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]], cls: str) -> str:
    """A table from escaped cells; the first cell of a row is its header."""
    body = "".join(
        f"<tr><th scope='row'>{r[0]}</th>{''.join(f'<td>{c}</td>' for c in r[1:])}</tr>"
        for r in rows
    )
    return _table_shell(cls, _head_cells(head), body)


def _signed(kpi: str, value: float, lang: str = "en") -> str:
    """A signed difference: percentage points for shares, minutes for times."""
    if not math.isfinite(value):
        return _t("na", lang)
    if metrics.metric(kpi).kind == "share":
        return _t("diff_pp", lang, v=f"{100 * value:+.1f}")
    if kpi.endswith("_min"):
        return _t("min", lang, v=f"{value:+.2f}")
    return f"{value:+.2f}"


def _signed_ci(kpi: str, mean: float, lo: float, hi: float, lang: str = "en") -> str:
    """A signed difference with its confidence interval: ``-4.10 min (-5.00 min to -3.20 min)``."""
    return _t(
        "diff_ci",
        lang,
        v=_signed(kpi, mean, lang),
        lo=_signed(kpi, lo, lang),
        hi=_signed(kpi, hi, lang),
    )


def _cny(value: float, lang: str) -> str:
    return _t("cny", lang, v=style.fmt_num(value))


def _resources(run: RunData, lang: str) -> str:
    w, s = run.windows(), run.staff()
    if w is None:
        return _t("res_unknown", lang)
    return _t("res", lang, w=w, s="?" if s is None else s)


def _days(run: RunData, lang: str) -> str:
    d = run.days()
    return _t("days", lang, d=d) if d else _t("days_unknown", lang)
