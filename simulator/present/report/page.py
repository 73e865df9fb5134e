"""The whole report page: sections in order, the HTML shell, writing the file."""

from __future__ import annotations

import datetime as dt
import functools
import warnings
from collections.abc import Sequence
from pathlib import Path

import jinja2
import markupsafe

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


@functools.cache
def _templates() -> jinja2.Environment:
    """The report's Jinja2 templates (``templates/`` next to this module), autoescaped."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("simulator.present.report", "templates"),
        autoescape=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )


def _section(sid: str, heading: str, body: str) -> dict[str, object]:
    """A section for the page template: its body is HTML already escaped piece by piece
    (``Markup`` tells Jinja2 not to escape it twice); id and heading are escaped there."""
    return {"id": sid, "heading": heading, "body": markupsafe.Markup(body)}


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
        common = ""
        if cmp.common:  # settings shared by every option, said once
            sep = "；" if lang == "zh" else "; "
            common = (
                f"<p class='note'>{_esc(_t('common_settings', lang, s=sep.join(cmp.common)))}</p>"
            )
        body.append(_section("comparison", _t("table_h", lang), common + _table_html(cmp, lang)))
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
    return (
        _templates()
        .get_template("report.html.j2")
        .render(
            html_lang="zh-CN" if lang == "zh" else "en",
            title=headline(cmp, lang),
            doc_title=_t("doc_title", lang),
            sections=body,
            generated=_t("generated", lang, when=when, n=len(cmp.folders)),
        )
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
    cmp = compare(paths, labels, lang)
    target = Path(out) if out is not None else cmp.folders[0].path / "report.html"
    # Charts are standalone figures rendered with Agg directly: no pyplot backend is
    # selected, so building a report never changes the caller's matplotlib state.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", style.CJKFontWarning)
        text = render_html(cmp, lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target
