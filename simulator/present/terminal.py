"""KPI summaries for the terminal: the catalogue's names, units, and intervals shown honestly.

The command-line programs print a few headline KPIs after a run. They use the same
names as the tables and charts (:mod:`simulator.analysis.metrics`), shares in percent,
the 95% interval clipped at the KPI's natural bounds (marked ``*``), "one replication:
no interval" instead of NaN, and "same in every replication" instead of a zero-width
interval.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from simulator.analysis import metrics
from simulator.present import numbers

__all__ = ["format_value", "plan_table", "summary_lines", "target_lines"]

_COLUMNS = ("mean", "ci_low", "ci_high", "n")


def format_value(kpi: str, value: float) -> str:
    """A KPI value with its unit: shares in percent, minutes with "min"."""
    if not math.isfinite(value):
        return "n/a"
    m = metrics.metric(kpi)
    if m.kind == "share":
        return numbers.fmt_pct(value)
    text = numbers.fmt_num(value)
    return f"{text} min" if m.kind == "minutes" else text


def summary_lines(
    summary: pd.DataFrame, kpis: Sequence[str], *, target_wait_min: float | None = None
) -> list[str]:
    """Aligned lines ``name  value  (95% CI low - high)`` for ``kpis`` in ``summary``.

    Parameters
    ----------
    summary : DataFrame
        Index KPI; columns ``mean``, ``ci_low``, ``ci_high`` and, when known, ``n``
        (replications with a value).
    kpis : sequence of str
        KPIs to print, in order; those missing from ``summary`` or never measured
        (``n == 0``) are left out.
    target_wait_min : float, optional
        Added to the service level's name ("(20 min)").
    """
    rows: list[tuple[str, str, str]] = []
    clipped_any = False
    for kpi in kpis:
        if kpi not in summary.index:
            continue
        cols = [c for c in _COLUMNS if c in summary.columns]
        values = summary.loc[kpi, cols].to_numpy(dtype=float)
        row = dict(zip(cols, (float(v) for v in values), strict=True))
        n_val = row.get("n", math.nan)
        n = int(n_val) if math.isfinite(n_val) else None
        if n == 0:
            continue
        mean, low, high = (row.get(c, math.nan) for c in ("mean", "ci_low", "ci_high"))
        name = metrics.label(kpi, "en", capital=True)
        if kpi in ("service_level", "within_target_of_served") and target_wait_min is not None:
            name += f" ({numbers.fmt_num(target_wait_min)} min)"
        if n == 1 or (n is None and not math.isfinite(low)):
            ci = "one replication: no interval"
        elif mean == low == high:
            ci = "same in every replication: no interval"
        else:
            lo, hi, clipped = metrics.shown_interval(kpi, low, high)
            clipped_any = clipped_any or clipped
            lo_txt = format_value(kpi, lo) + ("*" if lo != low else "")
            hi_txt = format_value(kpi, hi) + ("*" if hi != high else "")
            ci = f"95% CI {lo_txt} to {hi_txt}"
        rows.append((name, format_value(kpi, mean), ci))
    if not rows:
        return []
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    lines = [f"  {a:<{w0}}  {b:>{w1}}  ({c})" for a, b, c in rows]
    if clipped_any:
        lines.append("  * clipped at the natural bound (no negative value, no share over 100%)")
    return lines


def target_lines(kpis: pd.DataFrame, *, target_wait_min: float | None = 20.0) -> list[str]:
    """One line per target of a recommendation's KPI table, in words, with its verdict:
    ``at least 80% of arrivals served within 20 min in every hour: yes``.

    ``kpis`` has columns ``target`` (the recommender's labels, several joined by ``;``
    for the hourly targets) and ``meets``; a missing verdict reads "not judged", never
    NaN."""
    from simulator.present.names import target_text, verdict_text

    lines = []
    for _, row in kpis.iterrows():
        label = row.get("target")
        if not isinstance(label, str) or not label.strip():
            continue
        words = "; ".join(target_text(t.strip(), target_wait_min) for t in label.split(";"))
        meets = row.get("meets")
        verdict = (
            verdict_text(meets.strip(), "en", target_wait_min)
            if isinstance(meets, str) and meets.strip()
            else "not judged"
        )
        lines.append(f"  {words}: {verdict}")
    return lines


def plan_table(plan: pd.DataFrame, windows: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The recommender's staffing plan with headers in words: "day type", "from", "to",
    one column per window group named in words ("comprehensive windows", "dedicated
    consultation/quick windows", giving the windows open), "staff on duty", "staff by
    role". ``windows`` is the scenario's ``layout.windows`` (kinds and families)."""
    from simulator.present.names import group_name

    specs = windows or {}
    headers = {
        "day_type": "day type",
        "start": "from",
        "end": "to",
        "staff_on_duty": "staff on duty",
        "staff": "staff by role",
    }
    for col in plan.columns:
        if col.startswith("open_"):
            group = col.removeprefix("open_")
            headers[col] = group_name(group, "en", specs.get(group))
    return plan.rename(columns=headers)
