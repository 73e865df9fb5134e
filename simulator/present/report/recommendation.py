"""Report section of a recommendation folder (svcsim-recommend)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from simulator.present import i18n, names, style
from simulator.present.readers import RecommendationData, target_wait_min
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
    return _t("plan_label", lang, opt=opt)


def _target_wait_of(rec: RecommendationData) -> float:
    """The target wait (minutes) the recommendation's service level counts against."""
    return target_wait_min(rec.scenario)


def plan_words(rec: RecommendationData, lang: str) -> str:
    """The recommended option in words: "5 comprehensive windows, half open at lunch,
    current staff"."""
    sm = rec.summary
    layout = sm["layout"]
    sep = "，" if lang == "zh" else ", "
    specs = names.window_groups(rec.scenario)
    parts = [names.group_text(str(g), int(_num(n)), lang, specs.get(g)) for g, n in layout.items()]
    lunch = _num(sm["lunch_open_share"])
    if math.isfinite(lunch):
        parts.append(names.lunch_text(lunch, lang))
    if sm["skill_mix"]:
        parts.append(names.mix_text(str(sm["skill_mix"]), lang))
    return sep.join(p for p in parts if p) or names.option_text(rec.option or "?", lang=lang)


def option_words(rec: RecommendationData, code: str, lang: str) -> str:
    """An option code of this recommendation (runner-ups, frontier) in words."""
    specs = dict(names.window_groups(rec.scenario))
    for g in rec.summary["layout"]:
        specs.setdefault(g, None)
    return names.option_text(code, specs, lang)


def _final_n(rec: RecommendationData) -> int:
    if "n" not in rec.kpis.columns:
        return 0
    finite = [int(v) for v in rec.kpis["n"].to_numpy(dtype=float) if math.isfinite(v)]
    return max(finite, default=0)


def targets_words(rec: RecommendationData, lang: str) -> str:
    """The recommendation's targets in words, joined."""
    tw = _target_wait_of(rec)
    items = [names.target_text(str(x), tw, lang) for x in rec.summary["targets"]]
    return ("；" if lang == "zh" else "; ").join(items)


def recommendation_statement(rec: RecommendationData, lang: str) -> str:
    """The recommendation in plain words (codes stay in the section's footnote)."""
    sm = rec.summary
    if not rec.option:
        return _t("rec_none", lang)
    stats_ = sm["stats"]
    key = "rec_statement" if sm["meets_targets"] else "rec_statement_misses"
    retrain = names.retraining_text(sm["skill_mix"], lang)
    return _t(
        key,
        lang,
        plan=plan_words(rec, lang),
        c=_cny(_num(sm["cost_per_day"]), lang),
        targets=targets_words(rec, lang),
        n=_final_n(rec),
        k=int(_num(stats_["options"])) if math.isfinite(_num(stats_["options"])) else "?",
        conf=style.fmt_pct(_num(sm["confidence"])),
    ) + ((" " if lang == "en" else "") + retrain if retrain else "")


def _recommendation_headline(rec: RecommendationData, lang: str) -> str:
    if not rec.option:
        return _t("rec_none", lang)
    c = _cny(_num(rec.summary["cost_per_day"]), lang)
    key = "rec_headline" if rec.summary["meets_targets"] else "rec_headline_misses"
    retrain = names.retraining_text(rec.summary["skill_mix"], lang, short=True)
    text = _t(key, lang, plan=plan_words(rec, lang), c=c)
    return text + (("；" if lang == "zh" else "; ") + retrain if retrain else "")


def _codes_note(rec: RecommendationData, lang: str) -> str:
    """Footnote with the recommender's own codes: option, targets, tolerances."""
    statement = str(rec.summary["statement"])
    tw = _target_wait_of(rec)
    # tolerance codes ("service_level ±0.01") wherever the recommender's statement has them
    items = [
        names.tolerance_text(kpi, float(value), tw, lang)
        for kpi, value in re.findall(r"(\w+) ±([-+0-9.eE]*[0-9])", statement)
    ]
    tol_txt = ("；" if lang == "zh" else "; ").join(dict.fromkeys(items))
    return _t(
        "rec_codes",
        lang,
        option=rec.option or "-",
        targets=", ".join(str(x) for x in rec.summary["targets"]),
        tol=tol_txt or "-",
    )


def _note_text(key: str, values: Mapping[str, Any], rec: RecommendationData, lang: str) -> str:
    """One note of ``recommendation.json`` (its message ``key`` and ``values``) in words
    (:func:`option_notes`); KeyError, TypeError or ValueError when it cannot be written
    from the catalogue."""
    specs = names.window_groups(rec.scenario)
    sep = "、" if lang == "zh" else ", "

    def group(g: object) -> str:
        return names.group_name(str(g), lang, specs.get(str(g)))

    def pct(x: Any) -> str:
        return style.fmt_pct(float(x))

    largest = _t("note_largest", lang) if values.get("largest") else ""
    left_out = sep.join(group(g) for g in values.get("single") or [])
    single = _t("note_single", lang, groups=left_out) if left_out else ""
    if key in ("weekend_share", "lunch_share"):
        if key == "weekend_share":  # windows open on those days of those open on weekdays
            per_group = [
                _t("note_count", lang, group=group(g), k=int(k), n=int(n))
                for g, k, n in values["counts"]
            ]
        else:  # the share open at lunch
            per_group = [
                _t("note_group_share", lang, group=group(g), share=pct(r))
                for g, r in values["shares"]
            ]
        return _t(
            f"note_{key}",
            lang,
            share=pct(values["share"]),
            per_group=sep.join(per_group),
            largest=largest,
            single=single,
        )
    if key in ("weekend_default", "weekend_default_single", "lunch_default_single"):
        return _t(
            f"note_{key}",
            lang,
            share=pct(values["share"]),
            setting=values["key"],
            groups=left_out,
        )
    if key == "min_open":
        n = int(values["n"])
        day_type = i18n.name(values["day_type"], lang).lower()
        return _t("note_min_open_one" if n == 1 else "note_min_open", lang, n=n, day_type=day_type)
    raise KeyError(key)


def option_notes(rec: RecommendationData, lang: str) -> list[str]:
    """How the options' staffing plans were built (``recommendation.json``'s notes), in
    ``lang``: each note from its message key and values where the catalogue has the
    message, else the recommender's English text; none for runs that recorded none."""
    out = []
    for note in rec.summary["notes"] or []:
        try:
            out.append(_note_text(str(note["key"]), note["values"], rec, lang))
        except (KeyError, TypeError, ValueError):  # a note this version cannot word
            text = note.get("text") if isinstance(note, Mapping) else note
            if text:
                out.append(str(text))
    return out


def _notes_html(rec: RecommendationData, lang: str) -> str:
    """The assumptions the options rest on (:func:`option_notes`), or nothing."""
    notes = option_notes(rec, lang)
    if not notes:
        return ""
    items = "".join(f"<li>{_esc(n)}</li>" for n in notes)
    return (
        f"<h3>{_esc(_t('rec_notes_h', lang))}</h3>"
        f"<p>{_esc(_t('rec_notes_intro', lang))}</p><ul class='rec-notes'>{items}</ul>"
    )


def _recommendation_html(rec: RecommendationData, lang: str, footer: str) -> str:
    from simulator.present import charts

    sm = rec.summary
    out = [f"<p>{_esc(recommendation_statement(rec, lang))}</p>"]
    stats_ = sm["stats"]
    sep = "、" if lang == "zh" else ", "
    parts = sm["cost_breakdown"]
    parts_txt = sep.join(
        f"{_t('cost_' + k, lang) if i18n.has('report', 'cost_' + k) else k} {_cny(_num(v), lang)}"
        for k, v in parts.items()
    )
    if rec.option:
        out.append(
            "<p>"
            + _esc(
                _t(
                    "rec_layout",
                    lang,
                    plan=plan_words(rec, lang),
                    c=_cny(_num(sm["cost_per_day"]), lang),
                    parts=parts_txt,
                    c_all=_cny(_num(stats_.get("layout_cost_per_day")), lang),
                    c_now=_cny(_num(stats_.get("baseline_cost_per_day")), lang),
                )
            )
            + "</p>"
        )
    out.append(_notes_html(rec, lang))
    # KPIs vs targets
    k = rec.kpis
    rows = []
    n_final = 0
    for kpi, row in k.iterrows():
        name = str(kpi)
        m, lo, hi = _num(row.get("mean")), _num(row.get("ci_low")), _num(row.get("ci_high"))
        if name == "hourly targets":
            mean_txt = _esc(style.fmt_pct(m))
            label = _t("hourly_targets", lang)
        else:
            mean_txt = _cell_ci(name, m, lo, hi, lang=lang)
            label = kpi_name(name, lang)
            n_final = max(
                n_final, int(_num(row.get("n"))) if math.isfinite(_num(row.get("n"))) else 0
            )
        target = row.get("target")
        if isinstance(target, str) and target:  # "day service_level >= 0.9" in words
            tw = _target_wait_of(rec)
            target = ("；" if lang == "zh" else "; ").join(
                names.target_text(t.strip(), tw, lang) for t in target.split(";")
            )
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
                _esc(fmt_value(name, bound, lang) if math.isfinite(bound) else ""),
                _verdict_html(cls, names.verdict_text(met_txt, lang, _target_wait_of(rec)))
                if met_txt
                else "",
            ]
        )
    out.append(f"<h3>{_esc(_t('rec_kpis_h', lang))}</h3>")
    head = [_esc(_t(c, lang)) for c in ("kpi", "col_mean", "col_target", "col_bound", "col_met")]
    out.append(_html_table(head, rows, "rec-kpis"))
    conf = style.fmt_pct(_num(sm["confidence"]))
    out.append(f"<p class='note'>{_esc(_t('rec_kpis_note', lang, n=n_final, conf=conf))}</p>")
    # plan
    plan = rec.staffing_plan
    if plan is not None and not plan.empty:
        open_cols = [c for c in plan.columns if c.startswith("open_")]
        head = [
            _esc(_t("col_day_type", lang)),
            _esc(_t("col_time", lang)),
        ]
        specs = names.window_groups(rec.scenario)
        head += [
            _esc(_t("col_open", lang, group=names.group_name(g, lang, specs.get(g))))
            for g in (c.removeprefix("open_") for c in open_cols)
        ]
        head.append(_esc(_t("col_staff_on_duty", lang)))
        days = names.plan_days([*plan["start"], *plan["end"]])
        rows = [
            [
                _esc(i18n.name(r["day_type"], lang).lower()),
                _esc(
                    f"{names.plan_time(r['start'], lang, days)}–"
                    f"{names.plan_time(r['end'], lang, days)}"
                ),
                *[_esc(int(_num(r[c]))) for c in open_cols],
                _esc(r.get("staff_on_duty", "")),
            ]
            for _, r in plan.iterrows()
        ]
        out.append(f"<h3>{_esc(_t('rec_plan_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-plan"))
        if days > 2:
            out.append(f"<p class='note'>{_esc(_t('plan_days_note', lang))}</p>")
    hourly = rec.hourly
    if hourly is not None and not hourly.empty and "service_level" in hourly.columns:
        open_cols = [c for c in hourly.columns if c.startswith("open_")]
        head = [
            _esc(_t("col_day_hour", lang)),
            _esc(_t("col_arrivals", lang)),
            _esc(_t("col_windows_open", lang)),
            _esc(kpi_name("service_level", lang)),
            _esc(kpi_name("wait_mean_min", lang)),
        ]
        rows = []
        days = names.hour_days(_num(h) for h in hourly["hour"])
        for _, r in hourly.iterrows():
            hour = int(_num(r["hour"]))
            rows.append(
                [
                    _esc(names.day_hour_text(r["day_type"], hour, lang, days)),
                    _esc(style.fmt_num(_num(r.get("arrivals")))),
                    _esc(style.fmt_num(sum(_num(r[c]) for c in open_cols))),
                    _row_ci(r, "service_level", lang),
                    _row_ci(r, "wait_mean_min", lang),
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
        # Points keep the short codes; the title names options in words.
        title_names = {c: option_words(rec, c, lang) for c in p["option"] if c != plan_label}
        title_names[plan_label] = _t("plan_label", lang, opt=plan_words(rec, lang))
        fig = charts.cost_service_frontier(
            p,
            recommended=recommended,
            target=rec.target_value("service_level"),
            lang=lang,
            footer=footer,
            title_names=title_names,
        )
        codes = [c for c in p["option"] if c != plan_label][:1]
        caption = _t("cap_frontier", lang)
        if codes:  # the points carry the recommender's codes: one read out as an example
            caption += _t("cap_codes", lang, code=codes[0], words=option_words(rec, codes[0], lang))
        out.append(_figure_html(_fig_png(fig), "cost-service frontier", caption))
    png = rec.images.get("kpi_comparison")
    redrawn = _comparison_figure(rec, lang, footer)
    if redrawn is not None:
        out.append(_figure_html(redrawn, "recommended vs current", _t("cap_rec_kpi_redrawn", lang)))
    elif png is not None and png.is_file():
        out.append(
            _figure_html(png.read_bytes(), "recommended vs current", _t("cap_rec_kpi", lang))
        )
    # runner-ups
    ru = rec.runner_ups
    if ru is not None and not ru.empty:
        head = [
            _esc(_t("col_option", lang)),
            _esc(_t("cost_row", lang)),
            _esc(_t("col_extra_cost", lang)),
            _esc(_t("col_sl_diff", lang)),
        ]
        rows = []
        for _, r in ru.iterrows():
            d, lo, hi = _num(r.get("service_level_diff")), _num(r.get("diff_ci_low")), _num(
                r.get("diff_ci_high"))  # fmt: skip
            rows.append(
                [
                    _esc(option_words(rec, str(r["option"]), lang)),
                    _esc(style.fmt_num(_num(r.get("cost_per_day")))),
                    _esc(style.fmt_num(_num(r.get("extra_cost_per_day")))),
                    _esc(_signed_ci("service_level", d, lo, hi, lang)),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_runner_h', lang))}</h3>")
        out.append(_html_table(head, rows, "rec-runners"))
        out.append(f"<p class='note'>{_esc(_t('rec_runner_note', lang))}</p>")
    rb = rec.robustness
    if rb is not None and not rb.empty:
        kp = [c for c in ("service_level", "wait_mean_min", "abandonment_rate") if c in rb.columns]
        head = [_esc(_t("col_case", lang))]
        head += [_esc(kpi_name(c, lang)) for c in kp]
        head.append(_esc(_t("col_all_met", lang)))
        rows = []
        for _, r in rb.iterrows():
            ok = str(r.get("meets_all_targets")).lower() == "true"
            misses = r.get("misses")
            detail = (
                ": " + names.missed_text(misses, lang, _target_wait_of(rec))
                if isinstance(misses, str) and misses
                else ""
            )
            verdict = _t("verdict_yes", lang) if ok else _t("verdict_no", lang) + detail
            rows.append(
                [
                    _esc(_case_words(r, lang)),
                    *[_row_ci(r, c, lang) for c in kp],
                    _verdict_html("met" if ok else "missed", verdict),
                ]
            )
        out.append(f"<h3>{_esc(_t('rec_robust_h', lang))}</h3>")
        out.append(f"<p>{_esc(_t('rec_robust_note', lang))}</p>")
        out.append(_html_table(head, rows, "rec-robust"))
    out.append(f"<p class='note'>{_esc(_codes_note(rec, lang))}</p>")
    return "".join(out)


def _comparison_figure(rec: RecommendationData, lang: str, footer: str) -> bytes | None:
    """The current layout, the recommended plan and the runner-ups on the same residents,
    redrawn in ``lang`` from ``comparison.csv`` (None without it: the recommender's own
    chart is shown instead)."""
    from simulator.present import charts

    cmp = rec.comparison
    if cmp is None or cmp.empty or not {"option", "kpi", "mean"} <= set(cmp.columns):
        return None
    labels = {
        "current": _t("rec_cmp_current", lang),
        "recommended plan": _t("rec_cmp_plan", lang),
    }
    summaries = {
        labels.get(str(o), option_words(rec, str(o), lang)): g.set_index("kpi")
        for o, g in cmp.groupby("option", sort=False)
    }
    kpis = [
        k
        for k in ("service_level", "wait_mean_min", "abandonment_rate", "utilisation")
        if all(k in s.index for s in summaries.values())
    ]
    cur, new = summaries.get(labels["current"]), summaries.get(labels["recommended plan"])
    if cur is None or new is None or not {"service_level", "wait_mean_min"} <= set(kpis):
        return None
    title = _t(
        "rec_cmp_title",
        lang,
        sl0=f"{_num(cur.loc['service_level', 'mean']):.0%}",
        sl1=f"{_num(new.loc['service_level', 'mean']):.0%}",
        w0=f"{_num(cur.loc['wait_mean_min', 'mean']):.1f}",
        w1=f"{_num(new.loc['wait_mean_min', 'mean']):.1f}",
    )
    fig = charts.kpi_comparison(
        summaries, kpis, baseline=labels["current"], lang=lang, footer=footer, title=title
    )
    return _fig_png(fig)


def _case_words(row: Any, lang: str) -> str:
    """A robustness case in words from its parameters ("volume +10%", "需求量+10%"); the
    recommender's own name when it has no parameter set."""
    growth, shift = _num(row.get("volume_growth")), _num(row.get("online_shift"))
    if math.isfinite(growth) and growth != 0:
        return _t("rob_volume", lang, v=f"{growth:+.0%}")
    if math.isfinite(shift) and shift != 0:
        return _t("rob_online", lang, v=f"{shift:+.0%}")
    return str(row["case"])


def _rec_footer(rec: RecommendationData, lang: str = "en") -> str:
    st_ = rec.summary["stats"]
    if lang == "zh" and style.find_cjk_font() is None:
        lang = "en"  # as the chart's labels
    return _t(
        "footer_rec",
        lang,
        source=rec.path.name,
        seed=st_["seed"],
        code=st_["code_version"],
        conf=f"{_num(rec.summary['confidence']):g}",
    )
