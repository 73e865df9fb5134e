"""Report section of a recommendation folder (svcsim-recommend)."""

from __future__ import annotations

import math

from simulator.present import style
from simulator.present.readers import (
    RecommendationData,
)
from simulator.present.report.common import (
    _cell_ci,
    _cny,
    _esc,
    _fig_png,
    _figure_html,
    _html_table,
    _num,
    _row_ci,
    _signed_ci,
    _t,
    _verdict_html,
    fmt_value,
    kpi_name,
)


def _plan_label(rec: RecommendationData, lang: str) -> str:
    opt = rec.option or "?"
    return f"{opt}（分时段方案）" if lang == "zh" else f"{opt} (hour-by-hour plan)"


def _recommendation_headline(rec: RecommendationData, lang: str) -> str:
    if not rec.option:
        return _t("rec_none", lang)
    c = _cny(_num(rec.summary.get("cost_per_day")), lang)
    if lang == "zh":
        ok = "满足全部目标" if rec.summary.get("meets_targets") else "未满足全部目标"
        return f"{rec.option}加分时段排班{ok}，每个开放日成本{c}"
    ok = "meets every target" if rec.summary.get("meets_targets") else "misses a target"
    return f"{rec.option} with an hour-by-hour staffing plan {ok} at {c} per open day"


def _recommendation_html(rec: RecommendationData, lang: str, footer: str) -> str:
    from simulator.present import charts

    sm = rec.summary
    out = [f"<p>{_esc(sm.get('statement', ''))}</p>"]
    stats_ = sm.get("stats") or {}
    layout = sm.get("layout") or {}
    sep = "、" if lang == "zh" else ", "
    layout_txt = sep.join(f"{g} {n}" for g, n in layout.items()) or "-"
    parts = sm.get("cost_breakdown") or {}
    parts_txt = sep.join(f"{k} {_cny(_num(v), lang)}" for k, v in parts.items())
    if rec.option:
        lunch = sm.get("lunch_open_share")
        out.append(
            "<p>"
            + _esc(
                _t(
                    "rec_layout",
                    lang,
                    layout=layout_txt,
                    mix=sm.get("skill_mix") or "-",
                    lunch="-" if lunch is None else style.fmt_pct(_num(lunch)),
                    c=_cny(_num(sm.get("cost_per_day")), lang),
                    parts=parts_txt,
                    c_all=_cny(_num(stats_.get("layout_cost_per_day")), lang),
                    c_now=_cny(_num(stats_.get("baseline_cost_per_day")), lang),
                )
            )
            + "</p>"
        )
    # KPIs vs targets
    k = rec.kpis
    rows = []
    n_final = 0
    for kpi, row in k.iterrows():
        name = str(kpi)
        m, lo, hi = _num(row.get("mean")), _num(row.get("ci_low")), _num(row.get("ci_high"))
        if name == "hourly targets":
            mean_txt = _esc(style.fmt_pct(m))
            label = (
                "小时目标（达标时段比例）"
                if lang == "zh"
                else "Hourly targets (share of hours met)"
            )
        else:
            mean_txt = _cell_ci(name, m, lo, hi)
            label = kpi_name(name, lang)
            n_final = max(
                n_final, int(_num(row.get("n"))) if math.isfinite(_num(row.get("n"))) else 0
            )
        target = row.get("target")
        bound = _num(row.get("bound"))
        met = row.get("meets")
        met_txt = "" if not isinstance(met, str) else met
        cls = "met" if met_txt == "yes" else ("tol" if met_txt.startswith("within") else "")
        if met_txt.startswith("no"):
            cls = "missed"
        rows.append(
            [
                _esc(label),
                mean_txt,
                _esc(target if isinstance(target, str) else ""),
                _esc(fmt_value(name, bound) if math.isfinite(bound) else ""),
                _verdict_html(cls, met_txt) if met_txt else "",
            ]
        )
    out.append(f"<h3>{_esc(_t('rec_kpis_h', lang))}</h3>")
    head = [_esc(_t(c, lang)) for c in ("kpi", "col_mean", "col_target", "col_bound", "col_met")]
    out.append(_html_table(head, rows, "rec-kpis"))
    conf = style.fmt_pct(_num(sm.get("confidence", 0.95)))
    out.append(f"<p class='note'>{_esc(_t('rec_kpis_note', lang, n=n_final, conf=conf))}</p>")
    # plan
    plan = rec.staffing_plan
    if plan is not None and not plan.empty:
        open_cols = [c for c in plan.columns if c.startswith("open_")]
        head = [
            _esc("日类型" if lang == "zh" else "Day type"),
            _esc("时段" if lang == "zh" else "Time"),
        ]
        head += [_esc(("开放窗口：" if lang == "zh" else "Open: ") + c.removeprefix("open_"))
                 for c in open_cols]  # fmt: skip
        head.append(_esc("在岗人员" if lang == "zh" else "Staff on duty"))
        rows = [
            [
                _esc(r["day_type"]),
                _esc(f"{r['start']}–{r['end']}"),
                *[_esc(int(_num(r[c]))) for c in open_cols],
                _esc(r.get("staff_on_duty", "")),
            ]
            for _, r in plan.iterrows()
        ]
        out.append(f"<h3>{_esc(_t('rec_plan_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-plan"))
    hourly = rec.hourly
    if hourly is not None and not hourly.empty and "service_level" in hourly.columns:
        open_cols = [c for c in hourly.columns if c.startswith("open_")]
        head = [
            _esc("日类型，时段" if lang == "zh" else "Day type, hour"),
            _esc("到访" if lang == "zh" else "Arrivals"),
            _esc("开放窗口" if lang == "zh" else "Windows open"),
            _esc(kpi_name("service_level", lang)),
            _esc(kpi_name("wait_mean_min", lang)),
        ]
        rows = []
        for _, r in hourly.iterrows():
            hour = int(_num(r["hour"]))
            rows.append(
                [
                    _esc(f"{r['day_type']} {style.fmt_hour(hour)}"),
                    _esc(style.fmt_num(_num(r.get("arrivals")))),
                    _esc(style.fmt_num(sum(_num(r[c]) for c in open_cols))),
                    _row_ci(r, "service_level"),
                    _row_ci(r, "wait_mean_min"),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_hourly_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-hourly"))
    # frontier
    pareto = rec.pareto
    if (
        pareto is not None
        and not pareto.empty
        and {"option", "cost_per_day"} <= set(pareto.columns)
    ):
        p = pareto.copy()
        p["option"] = p["option"].astype(str)
        plan_label = _plan_label(rec, lang)
        p.loc[p["option"] == "recommended plan", "option"] = plan_label
        recommended = plan_label if (p["option"] == plan_label).any() else None
        if recommended is None and rec.option in set(p["option"]):
            recommended = rec.option
        fig = charts.cost_service_frontier(
            p,
            recommended=recommended,
            target=rec.target_value("service_level"),
            lang=lang,
            footer=footer,
        )
        out.append(_figure_html(_fig_png(fig), "cost-service frontier", _t("cap_frontier", lang)))
    png = rec.images.get("kpi_comparison")
    if png is not None and png.is_file():
        out.append(
            _figure_html(png.read_bytes(), "recommended vs current", _t("cap_rec_kpi", lang))
        )
    # runner-ups
    ru = rec.runner_ups
    if ru is not None and not ru.empty:
        head = [
            _esc("方案" if lang == "zh" else "Option"),
            _esc(_t("cost_row", lang)),
            _esc("额外成本" if lang == "zh" else "Extra cost per day"),
            _esc(
                "服务水平之差（95%置信区间）"
                if lang == "zh"
                else "Service level difference (95% CI)"
            ),
        ]
        rows = []
        for _, r in ru.iterrows():
            d, lo, hi = _num(r.get("service_level_diff")), _num(r.get("diff_ci_low")), _num(
                r.get("diff_ci_high"))  # fmt: skip
            rows.append(
                [
                    _esc(r["option"]),
                    _esc(style.fmt_num(_num(r.get("cost_per_day")))),
                    _esc(style.fmt_num(_num(r.get("extra_cost_per_day")))),
                    _esc(_signed_ci("service_level", d, lo, hi)),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_runner_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-runners"))
        out.append(f"<p class='note'>{_esc(_t('rec_runner_note', lang))}</p>")
    rb = rec.robustness
    if rb is not None and not rb.empty:
        kp = [c for c in ("service_level", "wait_mean_min", "abandonment_rate") if c in rb.columns]
        head = [_esc("情形" if lang == "zh" else "Case")]
        head += [_esc(kpi_name(c, lang)) for c in kp]
        head.append(_esc("是否满足全部目标" if lang == "zh" else "All targets met?"))
        rows = []
        for _, r in rb.iterrows():
            ok = str(r.get("meets_all_targets")).lower() == "true"
            misses = r.get("misses")
            verdict = ("是" if lang == "zh" else "yes") if ok else (
                ("否" if lang == "zh" else "no") + (f": {misses}" if isinstance(misses, str)
                                                     and misses else ""))  # fmt: skip
            rows.append(
                [
                    _esc(r["case"]),
                    *[_row_ci(r, c) for c in kp],
                    _verdict_html("met" if ok else "missed", verdict),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_robust_h', lang))}</h3>")
        out.append(f"<p>{_esc(_t('rec_robust_note', lang))}</p>")
        out.append(_html_table(head, rows, "rec-robust"))
    return "".join(out)


def _rec_footer(rec: RecommendationData) -> str:
    st_ = rec.summary.get("stats") or {}
    return (
        f"Source: {rec.path.name} (svcsim-recommend) | seed {st_.get('seed', '?')} | "
        f"svcsim {st_.get('code_version', '?')} | confidence "
        f"{_num(rec.summary.get('confidence', 0.95)):g}"
    )
