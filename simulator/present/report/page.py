"""The whole report page: sections in order, the HTML shell, writing the file."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Sequence
from pathlib import Path
from string import Template

from simulator.present import style
from simulator.present.report.calibration import (
    _calibration_html,
)
from simulator.present.report.common import (
    MAX_CHART_OPTIONS,
    _esc,
    _t,
)
from simulator.present.report.comparison import (
    Comparison,
    compare,
    headline,
    summary_paragraphs,
)
from simulator.present.report.recommendation import (
    _rec_footer,
    _recommendation_html,
)
from simulator.present.report.runs import (
    _assumptions_html,
    _sources_html,
    _sure_html,
    _table_html,
    charts_html,
)

_CSS = """
*{box-sizing:border-box}
body{margin:0;padding:0 1rem 3rem;color:#222;background:#fff;line-height:1.5;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK SC",
"WenQuanYi Micro Hei","Microsoft YaHei",sans-serif}
main{max-width:60rem;margin:0 auto}
h1{font-size:1.6rem;line-height:1.25;margin:1.5rem 0 .5rem}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
p.summary{font-size:1.08rem;background:#f3f7fb;border-left:4px solid #0072B2;
padding:.75rem 1rem;margin:1rem 0}
.table-wrap{max-width:100%;overflow-x:auto}
table{border-collapse:collapse;font-size:.92rem;margin:.5rem 0}
th,td{border-bottom:1px solid #e3e3e3;padding:.3rem .6rem;text-align:right;vertical-align:top}
th[scope=row],table.assumptions td{text-align:left}
thead th{border-bottom:2px solid #999;text-align:right}
thead th:first-child{text-align:left}
table.assumptions td:first-child code{white-space:nowrap}
table.assumptions thead th{text-align:left}
td.value{font-size:.85rem;overflow-wrap:anywhere}\ncode.key{color:#777;font-size:.75rem}
code{font-size:.85em;overflow-wrap:anywhere}
.ci{color:#666;font-size:.85em;white-space:nowrap}
.tag{font-weight:normal;color:#666;font-size:.8em}
td.better{background:#e5f4ee}
td.worse{background:#fbe9e0}
.badge{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.8rem;
white-space:nowrap}
.badge.published{background:#d7ecf8}
.badge.calibrated{background:#e0f2e9}
.badge.assumed{background:#fdf0d5}
.badge.option{background:#ece4f3}
figure{margin:1.5rem 0}
figure img{display:block;max-width:100%;height:auto;border:1px solid #eee}
figcaption{color:#555;font-size:.9rem;margin-top:.3rem}
p.note,footer{color:#555;font-size:.88rem}
ul.sources{font-size:.9rem;overflow-wrap:anywhere}
h3{font-size:1.05rem;margin:1.5rem 0 .4rem}
h4{font-size:.95rem;margin:1.2rem 0 .3rem}
.verdict{display:inline-block;padding:0 .4rem;border-radius:.3rem;font-size:.85rem}
.verdict.met{background:#e5f4ee}
.verdict.tol{background:#fdf0d5}
.verdict.missed{background:#fbe9e0}
table.cal-params td,table.cal-params th,table.cal-exclusions td,table.rec-robust td:last-child,
table.rec-kpis td:last-child{text-align:left}
@media print{h2{break-after:avoid}figure{break-inside:avoid}}
"""


_PAGE = Template(
    """<!DOCTYPE html>
<html lang="$lang">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>$title</title>
<style>$css</style>
</head>
<body>
<main>
<header><p class="note">$doc_title</p><h1>$title</h1></header>
$body
<footer><p>$generated</p></footer>
</main>
</body>
</html>
"""
)


def _section(sid: str, heading: str, body: str) -> str:
    return f'<section id="{sid}"><h2>{_esc(heading)}</h2>{body}</section>\n'


def render_html(cmp: Comparison, lang: str = "en") -> str:
    """The report as one HTML string (see :func:`build_report`)."""
    when = dt.datetime.now().strftime("%Y-%m-%d %H:%M")
    paragraphs = "".join(f"<p class='summary'>{_esc(p)}</p>" for p in summary_paragraphs(cmp, lang))
    body = [_section("summary", _t("summary_h", lang), paragraphs)]
    if cmp.runs:
        charts = charts_html(cmp, lang)
        note = ""
        if len(cmp.runs) > MAX_CHART_OPTIONS:
            note = (
                f"<p class='note'>"
                f"{_esc(_t('more_options', lang, k=MAX_CHART_OPTIONS - 1, n=len(cmp.runs)))}</p>"
            )
        body.append(_section("comparison", _t("table_h", lang), _table_html(cmp, lang)))
        body.append(_section("charts", _t("charts_h", lang), note + "".join(charts)))
    for i, rec in enumerate(cmp.recommendations):
        sid = "recommendation" if i == 0 else f"recommendation-{i + 1}"
        rec_html = _recommendation_html(rec, lang, _rec_footer(rec, lang))
        body.append(_section(sid, _t("rec_h", lang), rec_html))
    if cmp.calibrations:
        heading = _t("cal_section_h", lang)
        body.append(
            _section(
                "calibration",
                heading,
                "".join(_calibration_html(c, lang) for c in cmp.calibrations),
            )
        )
    for i, alloc in enumerate(cmp.allocations):
        from simulator.present.allocation import allocation_html, section_heading

        sid = "allocation" if i == 0 else f"allocation-{i + 1}"
        body.append(_section(sid, section_heading(lang), allocation_html(alloc, lang)))
    if cmp.runs:
        body.append(_section("how-sure", _t("sure_h", lang), _sure_html(cmp, lang)))
        body.append(_section("assumptions", _t("assume_h", lang), _assumptions_html(cmp, lang)))
    body.append(_section("sources", _t("sources_h", lang), _sources_html(cmp, lang)))
    return _PAGE.substitute(
        lang="zh-CN" if lang == "zh" else "en",
        title=_esc(headline(cmp, lang)),
        doc_title=_esc(_t("doc_title", lang)),
        css=_CSS,
        body="".join(body),
        generated=_esc(_t("generated", lang, when=when, n=len(cmp.folders))),
    )


def build_report(
    paths: Sequence[str | Path] | str | Path,
    out: str | Path | None = None,
    lang: str = "en",
    labels: Sequence[str] | None = None,
) -> Path:
    """Build a self-contained HTML report from result folders.

    Parameters
    ----------
    paths : path or sequence of paths
        Result folders (runs, sweeps); the first option read is the baseline.
    out : path, optional
        HTML file to write; default ``report.html`` in the first folder.
    lang : {"en", "zh"}
        Language of the report and its charts. ``"zh"`` needs a CJK font for the
        charts; without one the whole report falls back to English with a
        :class:`~simulator.present.style.CJKFontWarning`.
    labels : sequence of str, optional
        Option names, one per run read (default: from each run's overrides).

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ReportError
        Unknown or unreadable folders (:class:`UnknownFolderError` for unknown kinds).
    ValueError
        If ``lang`` is not "en" or "zh".
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    lang, _families = style.resolve_language(lang)
    cmp = compare(paths, labels)
    target = Path(out) if out is not None else cmp.folders[0].path / "report.html"
    # Charts are standalone figures rendered with Agg directly: no pyplot backend is
    # selected, so building a report never changes the caller's matplotlib state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", style.CJKFontWarning)
        text = render_html(cmp, lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
