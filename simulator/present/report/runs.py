"""Report sections of the compared runs: the table, the charts, how sure we are, the
assumptions and the folders read."""

from __future__ import annotations

import math

import pandas as pd

from simulator.analysis import metrics
from simulator.present import i18n, style
from simulator.present.provenance import (
    provenance_rows,
)
from simulator.present.readers import option_codes, run_setting
from simulator.present.report.common import (
    CHART_KPIS,
    TABLE_KPIS,
    _cell_ci,
    _code_version,
    _days,
    _esc,
    _fig_png,
    _figure_html,
    _head_cells,
    _html_table,
    _signed,
    _signed_ci,
    _t,
    _table_shell,
    _target_wait,
    kpi_name,
)
from simulator.present.report.comparison import (
    Comparison,
    common_random_numbers,
    difference,
    option_cost,
)
from simulator.present.report.recommendation import plan_words


def _table_html(cmp: Comparison, lang: str) -> str:
    runs = cmp.runs
    head = [_esc(_t("kpi", lang))]
    for i, r in enumerate(runs):
        tag = f"<br><span class='tag'>{_esc(_t('baseline_tag', lang))}</span>" if i == 0 else ""
        head.append(f"{_esc(r.label)}{tag}")
    rows = []
    for label, getter in (
        (_t("windows", lang), lambda r: r.windows()),
        (_t("staff", lang), lambda r: r.staff()),
    ):
        counts = "".join(f"<td>{_esc('-' if getter(r) is None else getter(r))}</td>" for r in runs)
        rows.append(f"<tr><th scope='row'>{_esc(label)}</th>{counts}</tr>")
    costs = [option_cost(r) for r in runs]
    if any(c is not None for c in costs):
        cost_cells = "".join(
            "<td>-</td>"
            if c is None
            else f"<td>{_esc(style.fmt_num(c[0]))}<span class='ci'> "
            f"({_esc(_t('staff_part', lang, v=style.fmt_num(c[1]['staff'])))})</span></td>"
            for c in costs
        )
        rows.append(f"<tr><th scope='row'>{_esc(_t('cost_row', lang))}</th>{cost_cells}</tr>")
    for kpi in TABLE_KPIS:
        if all(kpi not in r.summary.index for r in runs):
            continue
        cells = []
        for i, r in enumerate(runs):
            m, lo, hi = r.kpi(kpi)
            text = _cell_ci(kpi, m, lo, hi, r.n_replications, lang)
            cls = ""
            direction = metrics.direction(kpi)
            if i > 0 and direction:
                d = difference(r, cmp.baseline, kpi)
                if d.clear:
                    better = d.mean * direction > 0
                    cls = " class='better'" if better else " class='worse'"
            cells.append(f"<td{cls}>{text}</td>")
        rows.append(f"<tr><th scope='row'>{_esc(kpi_name(kpi, lang))}</th>{''.join(cells)}</tr>")
    target = style.fmt_num(_target_wait(cmp.baseline))
    tw_v, ts_v = cmp.targets()
    note = _t("table_note", lang, tw=style.fmt_num(tw_v), ts=style.fmt_pct(ts_v), t=target)
    if any(c is not None for c in costs):
        note += " " + _t("cost_note", lang)
    if len(runs) > 1:
        note += _t("table_colours", lang)
    table = _table_shell("comparison", _head_cells(head), "".join(rows))
    return table + f"<p class='note'>{_esc(note)}</p>"


def _footer(cmp: Comparison, lang: str = "en") -> str:
    from simulator.present.charts import chart_footer

    b = cmp.baseline
    if len(cmp.runs) > 1:
        more = len(cmp.runs) - 1
        source = _t("sources_more", lang, name=b.path.name, more=more)
    else:
        source = b.manifest.get("source", b.path.name)
    return chart_footer(source, b.seed, b.n_replications, _code_version(b.manifest), lang)


def charts_html(cmp: Comparison, lang: str) -> list[str]:
    """Render the report's charts (matplotlib, embedded PNG). Returns HTML figures."""
    from simulator.present import charts

    out: list[str] = []
    runs = cmp.chart_runs()
    footer = _footer(cmp, lang)
    base = cmp.baseline
    target = _target_wait(base)

    summaries = {r.label: r.summary for r in runs}
    kpis = [k for k in CHART_KPIS if any(k in r.summary.index for r in runs)]
    if kpis:
        diffs = {}
        for r in runs[1:]:
            d = difference(r, base, kpis[0])
            diffs[r.label] = (d.mean, d.ci_low, d.ci_high)
        fig = charts.kpi_comparison(
            summaries, kpis, base.label, differences=diffs, lang=lang, footer=footer
        )
        title = fig.texts[0].get_text() if fig.texts else ""
        out.append(_figure_html(_fig_png(fig), title, _t("cap_kpi", lang)))

    if all(r.visits is not None or r.wait_grid is not None for r in runs):
        visits: dict[str, pd.DataFrame] = {}
        for r in runs:
            table = r.visits if r.visits is not None else r.wait_grid
            assert table is not None
            visits[r.label] = table
        fig = charts.wait_ecdf(visits, target, lang=lang, footer=footer)
        out.append(_figure_html(_fig_png(fig), "wait ECDF", _t("cap_ecdf", lang)))
    else:
        shown = [base] if len(cmp.runs) == 1 else [base, cmp.best()]
        for r in shown:
            png = r.images.get("wait_ecdf")
            if png is not None and png.is_file():
                out.append(
                    _figure_html(
                        png.read_bytes(),
                        f"wait distribution {r.label}",
                        _t("cap_ecdf_run", lang, name=r.label),
                    )
                )

    hourly_parts = [
        r.hourly.assign(option=r.label)
        for r in runs
        if r.hourly is not None and "day_type" in r.hourly.columns
    ]
    if hourly_parts:
        hourly = pd.concat(hourly_parts, ignore_index=True)
        hourly["option"] = pd.Categorical(hourly["option"], categories=[r.label for r in runs])
        weekday = hourly[hourly["day_type"] == "weekday"]
        if not weekday.empty:
            by = "option" if len(runs) > 1 else None
            fig = charts.hourly_profile(weekday, "queue_mean", by=by, lang=lang, footer=footer)
            out.append(_figure_html(_fig_png(fig), "queue by hour", _t("cap_hourly", lang)))
        focus = base if len(cmp.runs) == 1 else cmp.best()
        if focus.hourly is not None:
            fig = charts.utilisation_heatmap(focus.hourly, lang=lang, footer=footer)
            out.append(
                _figure_html(
                    _fig_png(fig), "utilisation heatmap", _t("cap_heat", lang, name=focus.label)
                )
            )
    return out


def _sure_html(cmp: Comparison, lang: str) -> str:
    runs = cmp.runs
    reps = sorted({r.n_replications for r in runs})
    seeds = sorted({str(r.seed) for r in runs})
    days = sorted({_days(r, lang) for r in runs})
    warm = float(run_setting(cmp.baseline.config, "warmup_min") or 0)
    warm_txt = _t("sure_warm0", lang) if warm <= 0 else _t("sure_warm", lang, w=style.fmt_num(warm))
    sep = "、" if lang == "zh" else ", "
    parts = [
        _t(
            "sure_reps",
            lang,
            reps=_t("reps_range", lang, lo=reps[0], hi=reps[-1])
            if len(reps) > 1
            else "".join(map(str, reps)),
            days=sep.join(days),
            seeds=sep.join(seeds),
            warm=warm_txt,
        ),
        _t("sure_one_rep", lang) if max(reps, default=0) <= 1 else _t("sure_ci", lang),
    ]
    if len(runs) > 1:
        crn = [r for r in runs[1:] if common_random_numbers(r, cmp.baseline)]
        non = [r for r in runs[1:] if r not in crn]
        if crn:
            pairs = (
                _t("sure_all", lang)
                if not non
                else sep.join([cmp.baseline.label, *[r.label for r in crn]])
            )
            parts.append(_t("sure_crn", lang, pairs=pairs))
        if non:
            pairs = sep.join(r.label for r in non)
            parts.append(_t("sure_no_crn", lang, pairs=pairs))
        kpis = ("wait_mean_min", "service_level", "abandonment_rate")
        rows = []
        for r in runs[1:]:
            cells = [_esc(r.label)]
            for kpi in kpis:
                d = difference(r, cmp.baseline, kpi)
                if math.isfinite(d.ci_low):
                    txt = _signed_ci(kpi, d.mean, d.ci_low, d.ci_high, lang)
                else:
                    txt = _signed(kpi, d.mean, lang)
                cells.append(_esc(txt))
            method = _t("how_paired", lang, n=r.n_replications) if common_random_numbers(
                r, cmp.baseline) else _t("how_welch", lang)  # fmt: skip
            rows.append([*cells, _esc(method)])
        head = ["", *[_esc(kpi_name(k, lang)) for k in kpis], _esc(_t("col_method", lang))]
        table = f"<p>{_esc(_t('diff_h', lang))}:</p>" + _html_table(head, rows, "differences")
    else:
        table = ""
    versions = sorted({_code_version(r.manifest) for r in runs})
    parts.append(_t("sure_code", lang, versions=sep.join(versions)))
    return "".join(f"<p>{_esc(p)}</p>" for p in parts[:-1]) + table + f"<p>{_esc(parts[-1])}</p>"


def _assumptions_html(cmp: Comparison, lang: str) -> str:
    base = cmp.baseline
    calibrated = bool(base.config_name and base.config_name.startswith("calibrated"))
    rows = provenance_rows(base.config, lang, cmp.option_keys(), calibrated=calibrated)
    counts = {s: sum(1 for r in rows if r.status == s) for s in ("published", "calibrated",
                                                                   "assumed")}  # fmt: skip
    intro = _t(
        "assume_intro",
        lang,
        n_pub=counts["published"],
        n_cal=counts["calibrated"],
        n_ass=counts["assumed"],
    )
    # The input in words first; its config key only as a small code below it.
    body = "".join(
        f"<tr class='status-{r.status}'><td>{_esc(r.note)}"
        f"<br><code class='key'>{_esc(r.key)}</code></td>"
        f"<td class='value'>{_esc(r.value)}</td>"
        f"<td><span class='badge {r.status}'>{_esc(_t('status_' + r.status, lang))}</span></td>"
        "</tr>"
        for r in rows
    )
    cols = ("col_input", "col_value", "col_status")
    head = _head_cells([_esc(_t(k, lang)) for k in cols])
    return f"<p>{_esc(intro)}</p>" + _table_shell("assumptions", head, body)


def _sources_html(cmp: Comparison, lang: str) -> str:
    items = []
    for f in cmp.folders:
        kind = _t(f"kind_{f.kind}", lang) if i18n.has("report", f"kind_{f.kind}") else f.kind
        # each option's name, then its codes (overrides, option code) shown as code
        labels = "; ".join(
            [_esc(r.label) + (f" = <code>{_esc(option_codes(r.overrides))}</code>"
                              if option_codes(r.overrides) else "")
             for r in f.runs]
            + [f"{_esc(plan_words(r, lang))} = <code>{_esc(r.option)}</code>" if r.option
               else "-" for r in f.recommendations]
            + [_esc(c.name) for c in f.calibrations]
        )  # fmt: skip
        # the message is the catalogue's own text; kind escaped, labels already HTML
        item = _t("source_item", lang, kind=_esc(kind), labels=labels)
        items.append(f"<li><code>{_esc(f.path)}</code> {item}</li>")
    return f"<ul class='sources'>{''.join(items)}</ul>"
