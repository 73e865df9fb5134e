"""Report section of a calibration folder (svcsim-calibrate)."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.present import charts, i18n, style
from simulator.present.charts import check_label
from simulator.present.provenance import config_value, config_word, lookup
from simulator.present.readers import (
    CalibrationData,
)
from simulator.present.report.common import (
    _ci_span,
    _esc,
    _fig_png,
    _figure_html,
    _fmt_or_blank,
    _html_table,
    _num,
    _t,
    _verdict_html,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ROWS_READ = re.compile(
    r"^(?P<read>\d+) rows read \(all centres\), (?P<usable>\d+) usable, "
    r"(?P<excluded>\d+) excluded; (?P<fitted>\d+) rows of this centre fitted\.$"
)
#: How the validation was run, as summary.md's validation section says it.
_VALIDATION_RUN = re.compile(
    r"^(?P<replications>\d+) replications, (?P<days>\d+) days from (?P<start>\S+) \(.*"
    r"family-wise alpha (?P<alpha>[0-9.eE+-]+)\)\.$",
    re.M,
)
_SCENARIO_WRITTEN = re.compile(r"Scenario written: `([^`]+)`")


def _verdict_word(verdict: str, lang: str) -> str:
    key = {"consistent": "cal_consistent", "inconsistent": "cal_inconsistent"}.get(verdict)
    return _t(key, lang) if key else verdict


def _figure_caption(name: str, stem: str, lang: str) -> str:
    """A calibration figure's caption: the centre and what the figure shows."""
    words = i18n.catalogue(lang).get("calibration_figures") or {}
    what = str(words.get(stem.removeprefix("fig_"), stem.removeprefix("fig_")))
    return _t("cal_fig", lang, name=name, what=what)


def _validation_figure(cal: CalibrationData, lang: str, footer: str) -> Figure | None:
    """The validation figure from ``validation.csv``, ``validation_hourly.csv``,
    ``validation_daily.csv`` and the validation's setup in ``summary.md`` (None without
    them)."""
    table, hourly, daily = (
        cal.tables.get(t) for t in ("validation", "validation_hourly", "validation_daily")
    )
    run = _VALIDATION_RUN.search(cal.summary_md)
    if run is None or table is None or hourly is None or daily is None or daily.empty:
        return None
    return charts.validation_comparison(
        table,
        hourly,
        daily,
        replications=int(run["replications"]),
        alpha=float(run["alpha"]),
        days=int(run["days"]),
        start=run["start"],
        lang=lang,
        footer=footer,
    )


def _profiles_figure(cal: CalibrationData, lang: str, footer: str) -> Figure | None:
    profiles = cal.tables.get("arrival_profiles")
    if profiles is None or profiles.empty:
        return None
    return charts.arrival_profiles(profiles, lang=lang, footer=footer)


def _qq_figure(cal: CalibrationData, lang: str, footer: str) -> Figure | None:
    points = cal.tables.get("service_qq")
    if points is None or points.empty:
        return None
    return charts.service_qq(points, lang=lang, footer=footer)


def _patience_figure(cal: CalibrationData, lang: str, footer: str) -> Figure | None:
    fit, km = cal.tables.get("fit_patience"), cal.tables.get("patience_km")
    if fit is None or km is None:
        return None
    return charts.patience_fit(fit, km, lang=lang, footer=footer)


#: The calibration's figures the report redraws in its language, by the stem of the
#: calibration's own PNG, each from the tables written beside it.
_REDRAWN = {
    "fig_arrival_profiles": _profiles_figure,
    "fig_patience_km": _patience_figure,
    "fig_service_qq": _qq_figure,
    "fig_validation": _validation_figure,
}


def _figures(cal: CalibrationData, lang: str) -> dict[str, bytes]:
    """The calibration's figures by stem: redrawn in ``lang`` from their tables, the
    calibration's own PNG where a table is missing (an older calibration folder)."""
    figures = {stem: path.read_bytes() for stem, path in cal.images.items() if path.is_file()}
    written = _SCENARIO_WRITTEN.search(cal.summary_md)
    scenario = Path(written.group(1)).name if written else cal.name
    footer = charts.calibration_footer(cal.centre, scenario, cal.synthetic, lang)
    for stem, draw in _REDRAWN.items():
        try:
            fig = draw(cal, lang, footer)
        except ValueError:  # a table without the columns the figure reads
            continue
        if fig is not None:  # in the PNG's place, or last when no PNG was drawn
            figures[stem] = _fig_png(fig)
    return figures


def _verdicts(cal: CalibrationData) -> tuple[int, int, list[str]]:
    val = cal.tables.get("validation")
    if val is None or "verdict" not in val.columns:
        return 0, 0, []
    ok = val["verdict"].astype(str) == "consistent"
    bad = [str(k) for k in val.loc[~ok, "kpi"]] if "kpi" in val.columns else []
    return int(ok.sum()), len(val), bad


def _labels(cal: CalibrationData) -> dict[str, object]:
    """The validation checks' labels by KPI code, as the calibration report wrote them."""
    val = cal.tables.get("validation")
    if val is None or not {"kpi", "label"} <= set(val.columns):
        return {}
    return dict(zip(val["kpi"].astype(str), val["label"], strict=True))


def _calibration_headline(cal: CalibrationData, lang: str) -> str:
    k, n, _bad = _verdicts(cal)
    if lang == "zh":
        return (
            f"校准情景{cal.name}：{n}项验证中{k}项与留出期历史一致" if n else f"校准情景{cal.name}"
        )
    if not n:
        return f"Calibrated scenario {cal.name}"
    return (
        f"Calibrated scenario {cal.name}: {k} of {n} validation checks match the held-out history"
    )


def _calibration_sentence(cal: CalibrationData, lang: str) -> str:
    centre = f" ({cal.centre})" if cal.centre else ""
    k, n, bad = _verdicts(cal)
    if not n:
        return _t("cal_sentence_noval", lang, name=cal.name, centre=centre)
    sep = "、" if lang == "zh" else "; "  # the labels hold commas
    labels = _labels(cal)
    bad_txt = (
        _t("cal_bad", lang, items=sep.join(check_label(b, labels.get(b), lang) for b in bad))
        if bad
        else ""
    )
    return _t("cal_sentence", lang, name=cal.name, centre=centre, k=k, n=n, bad=bad_txt)


#: Separates a parameter's name from its config key in the rows built below.
KEY = "\x00"


def _calibration_params(cal: CalibrationData, lang: str) -> list[list[str]]:
    rows: list[list[str]] = []
    sc = cal.scenario
    vol = lookup(sc, "centre.daily_volume")
    cv = lookup(sc, "demand.busyness_cv")
    if vol is None:
        m = re.search(r"daily volume ([0-9.]+)", cal.summary_md)
        vol = float(m.group(1)) if m else None
    if cv is None:
        m = re.search(r"busyness CV ([0-9.]+)", cal.summary_md)
        cv = float(m.group(1)) if m else None
    if vol is not None:
        rows.append(
            [
                _t("cal_p_volume", lang) + KEY + "centre.daily_volume",
                style.fmt_num(_num(vol)),
                _t("cal_p_volume_d", lang),
            ]
        )
    if cv is not None:
        rows.append(
            [
                _t("cal_p_cv", lang) + KEY + "demand.busyness_cv",
                f"{_num(cv):.3f}",
                _t("cal_p_cv_d", lang),
            ]
        )
    daily = cal.tables.get("fit_daily")
    if daily is not None and {"factor", "value"} <= set(daily.columns):
        wd = daily[daily["factor"].astype(str).str.startswith("weekday[")]["value"].to_list()
        if len(wd) == 7:
            rows.append(
                [
                    _t("cal_p_weekday", lang) + KEY + "demand.weekday_factors",
                    _t("cfg_sep_inner", lang).join(
                        f"{d} {_num(v):.2f}" for d, v in zip(i18n.weekdays(lang), wd, strict=True)
                    ),
                    _t("cal_p_weekday_d", lang),
                ]
            )
    eff = cal.tables.get("fit_calendar_effects")
    if eff is not None and {"factor", "value"} <= set(eff.columns):
        for _, r in eff.iterrows():
            v = _num(r["value"])
            if not math.isfinite(v):
                continue
            se = _num(r["se"])
            detail = (
                _t("cal_effect_detail", lang, se=f"{se:.3f}", n=int(_num(r["n_days"])))
                if math.isfinite(se)
                else ""
            )
            # the factor is a config key (holiday_factor, post_holiday_factors[0]): small print
            rows.append([_t("cal_p_effect", lang) + KEY + str(r["factor"]), f"{v:.2f}", detail])
    svc = cal.tables.get("fit_service")
    if svc is not None and {"family", "dist", "mean", "cv"} <= set(svc.columns):
        for _, r in svc.iterrows():
            level = r["level"]
            p = _num(r["gof_pvalue"])
            detail = _t("cal_n", lang, n=int(_num(r["n"]))) + (
                _t("cal_gof", lang, p=f"{p:.2f}") if math.isfinite(p) else ""
            )
            lvl = (
                _t("cal_level", lang, level=config_word(level, lang))
                if isinstance(level, str) and level
                else ""
            )
            rows.append(
                [
                    _t("cal_p_service", lang, f=r["family"], lvl=lvl),
                    _t(
                        "cal_service_value",
                        lang,
                        dist=config_value(str(r["dist"]), lang),
                        mean=f"{_num(r['mean']):.2f}",
                        cv=f"{_num(r['cv']):.2f}",
                    ),
                    detail,
                ]
            )
    pat = cal.tables.get("fit_patience")
    if pat is not None and {"statistic", "value"} <= set(pat.columns):
        st_ = dict(zip(pat["statistic"].astype(str), pat["value"], strict=False))
        med, sig = _num(st_.get("lognormal_median_min")), _num(st_.get("lognormal_sigma"))
        if math.isfinite(med):
            rows.append(
                [
                    _t("cal_p_patience", lang) + KEY + "impatience.reneging",
                    _t(
                        "cal_patience_value",
                        lang,
                        dist=config_value(str(st_.get("best", "lognormal")), lang),
                        med=f"{med:.1f}",
                        sigma=f"{sig:.2f}",
                    ),
                    _t(
                        "cal_patience_detail",
                        lang,
                        a=int(_num(st_.get("n_exact"))),
                        s=int(_num(st_.get("n_right"))),
                    ),
                ]
            )
    out = []
    for a, b, c in rows:
        name, _, key = a.partition(KEY)  # the config key, if any, in small print
        cell = _esc(name) + (f"<br><code class='key'>{_esc(key)}</code>" if key else "")
        out.append([cell, _esc(b), _esc(c)])
    return out


def _calibration_html(cal: CalibrationData, lang: str) -> str:
    title = _t("cal_h", lang, name=cal.name + (f" ({cal.centre})" if cal.centre else ""))
    out = [f"<h3>{_esc(title)}</h3>"]
    out.append(f"<p>{_esc(_calibration_sentence(cal, lang))}</p>")
    if cal.synthetic:
        out.append(f"<p class='note'><strong>{_esc(_t('cal_synthetic', lang))}</strong></p>")
    m = re.search(r"^(\d+ rows read.*?)$", cal.summary_md, re.M)
    out.append(f"<h4>{_esc(_t('cal_data', lang))}</h4>")
    if m:
        rows_read = _ROWS_READ.match(m.group(1).strip())
        text = _t("cal_rows", lang, **rows_read.groupdict()) if rows_read else m.group(1)
        out.append(f"<p>{_esc(text)}</p>")
    excl = cal.tables.get("exclusions")
    if excl is not None and not excl.empty and {"reason", "count"} <= set(excl.columns):
        head = [_esc(_t(c, lang)) for c in ("col_reason", "col_count", "col_share", "col_note")]
        rows = [
            [
                f"<code>{_esc(r['reason'])}</code>",
                _esc(int(_num(r["count"]))),
                _esc(style.fmt_pct(_num(r["share"]))),
                _esc(r["meaning"]),
            ]
            for _, r in excl.iterrows()
        ]
        out.append(_html_table(head, rows, "cal-exclusions"))
    else:
        out.append(f"<p>{_esc(_t('cal_no_excl', lang))}</p>")
    params = _calibration_params(cal, lang)
    if params:
        out.append(f"<h4>{_esc(_t('cal_fit_h', lang))}</h4>")
        head = [_esc(_t(c, lang)) for c in ("col_param", "col_estimate", "col_detail")]
        out.append(_html_table(head, params, "cal-params"))
    val = cal.tables.get("validation")
    if val is not None and not val.empty and "verdict" in val.columns:
        rows = []
        for _, r in val.iterrows():
            ok = str(r["verdict"]) == "consistent"
            label = check_label(str(r["kpi"]), r["label"], lang)
            rows.append(
                [
                    _esc(label),
                    _esc(style.fmt_num(_num(r["historical"]))),
                    _esc(_fmt_or_blank(_num(r["sim_mean"])))
                    + (
                        _ci_span(
                            style.fmt_num(_num(r["ci_low"])), style.fmt_num(_num(r["ci_high"]))
                        )
                        if math.isfinite(_num(r["ci_low"]))
                        else ""
                    ),
                    _esc(
                        f"{style.fmt_num(_num(r['pi_low']))}–{style.fmt_num(_num(r['pi_high']))}"
                        if math.isfinite(_num(r["pi_low"]))
                        else ""
                    ),
                    _verdict_html(
                        "met" if ok else "missed", _verdict_word(str(r["verdict"]), lang)
                    ),
                ]
            )
        head = [
            _esc(_t(c, lang)) for c in ("kpi", "col_historical", "col_sim", "col_pi", "col_verdict")
        ]
        out.append(f"<h4>{_esc(_t('cal_val_h', lang))}</h4>")
        out.append(_html_table(head, rows, "cal-validation"))
        out.append(f"<p class='note'>{_esc(_t('cal_val_note', lang))}</p>")
    for stem, png in _figures(cal, lang).items():
        out.append(_figure_html(png, stem, _figure_caption(cal.name, stem, lang)))
    return "".join(out)
