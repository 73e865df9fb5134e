"""Shared visual style for svcsim charts: palette, fonts, number formatting, layout.

Everything here is independent of the simulator's data model. :mod:`simulator.present.charts`
builds on it so every chart looks the same: an Okabe-Ito palette (colour-blind safe)
paired with distinct markers, line styles and hatches so series stay distinguishable
when printed in grey; a finding as the figure title; a small provenance footer.

Chinese labels need a CJK font. :func:`find_cjk_font` looks one up among the fonts
matplotlib knows (checking glyph coverage, not only the name); :func:`resolve_language`
falls back to English with a warning when none is installed, so a chart never shows
empty boxes instead of characters.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import matplotlib as mpl
import numpy as np
from cycler import cycler
from matplotlib import font_manager, patheffects
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.text import Text

from simulator.present.numbers import fmt_hour, fmt_num, fmt_pct, fmt_pct_vs

__all__ = [
    "BASELINE_COLOR",
    "HATCHES",
    "LINESTYLES",
    "MARKERS",
    "OKABE_ITO",
    "SERIES_COLORS",
    "CJKFontWarning",
    "Lang",
    "SeriesStyle",
    "find_cjk_font",
    "finish_figure",
    "fmt_hour",
    "fmt_num",
    "fmt_pct",
    "fmt_pct_vs",
    "has_bold",
    "is_plural_name",
    "new_figure",
    "resolve_language",
    "series_styles",
    "style_axes",
    "wrap_text",
]

Lang = Literal["en", "zh"]

#: Okabe & Ito (2008) colour-blind-safe palette.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Order in which series take colours. Dark and light tones alternate so neighbouring
#: series also differ in grey value; yellow (illegible as a thin line on white) is last.
SERIES_COLORS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["orange"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)
#: Neutral grey for a baseline / status-quo series.
BASELINE_COLOR = "#6E6E6E"
#: Colour used to draw attention (worst decile, targets missed).
HIGHLIGHT_COLOR = OKABE_ITO["vermillion"]
TEXT_COLOR = "#222222"
MUTED_TEXT_COLOR = "#555555"
GRID_COLOR = "#DDDDDD"

MARKERS: tuple[str, ...] = ("o", "s", "^", "D", "v", "P", "X", "*")
LineStyle = str | tuple[int, tuple[int, ...]]
LINESTYLES: tuple[LineStyle, ...] = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))
HATCHES: tuple[str, ...] = ("", "//", "..", "xx", "\\\\", "oo", "++", "--")

TITLE_SIZE = 12.5
LABEL_SIZE = 10.0
TICK_SIZE = 9.0
FOOTER_SIZE = 7.5

#: Preferred CJK families, most preferred first (Simplified Chinese variants first).
CJK_FONT_CANDIDATES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Sarasa Gothic SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "SimHei",
    "Heiti SC",
    "STHeiti",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "AR PL UMing CN",
    "AR PL UKai CN",
    "Droid Sans Fallback",
    "SimSun",
)
#: Characters a font must contain to count as usable for the zh labels.
_CJK_PROBE = "等候时间人分钟工作日周末"
_NON_CJK_FONTS = ("Last Resort",)
DEFAULT_FAMILY = "DejaVu Sans"


class CJKFontWarning(UserWarning):
    """Chinese labels were requested but no CJK font is installed."""


@dataclass(frozen=True)
class SeriesStyle:
    """How one series (scenario, day type, ...) is drawn across all charts.

    Attributes
    ----------
    color : str
        Hex colour from the Okabe-Ito palette (or grey for a baseline).
    marker : str
        Matplotlib marker code.
    linestyle : str or tuple
        Matplotlib line style.
    hatch : str
        Bar hatch pattern (empty for solid).
    """

    color: str
    marker: str
    linestyle: LineStyle
    hatch: str


def series_styles(names: Iterable[str], baseline: str | None = None) -> dict[str, SeriesStyle]:
    """Assign a consistent colour, marker, line style and hatch to each series.

    Parameters
    ----------
    names : iterable of str
        Series names in display order.
    baseline : str, optional
        Name drawn in neutral grey with a solid line and no hatch.

    Returns
    -------
    dict of str to SeriesStyle
        Style per name; the same names in the same order always get the same styles.
    """
    out: dict[str, SeriesStyle] = {}
    i = 0
    for name in names:
        if name in out:
            continue
        if baseline is not None and name == baseline:
            out[name] = SeriesStyle(BASELINE_COLOR, "o", "-", "")
            continue
        out[name] = SeriesStyle(
            SERIES_COLORS[i % len(SERIES_COLORS)],
            MARKERS[(i + (baseline is not None)) % len(MARKERS)],
            LINESTYLES[(i + (baseline is not None)) % len(LINESTYLES)],
            HATCHES[(i + (baseline is not None)) % len(HATCHES)],
        )
        i += 1
    return out


# --------------------------------------------------------------------------- fonts


def _covers(path: str, text: str) -> bool:
    """Return True if the font file at ``path`` has a glyph for every char of ``text``."""
    try:
        font = mpl.ft2font.FT2Font(path)
        charmap = font.get_charmap()
    except Exception:  # unreadable or unsupported font file
        return False
    return all(ord(ch) in charmap for ch in text)


@functools.cache
def find_cjk_font() -> str | None:
    """Find an installed font family that can render Simplified Chinese.

    Known CJK families are tried first in :data:`CJK_FONT_CANDIDATES` order; then any
    other font matplotlib knows whose glyph table covers a sample of Chinese
    characters. matplotlib's "Last Resort" font, which draws placeholder boxes,
    never counts.

    Returns
    -------
    str or None
        The family name to use in ``fontfamily``, or None when no font qualifies.
        The answer is cached; call ``find_cjk_font.cache_clear()`` after installing
        fonts (and rebuilding matplotlib's font cache).
    """
    entries = [
        f
        for f in font_manager.fontManager.ttflist
        if not any(bad in f.name for bad in _NON_CJK_FONTS)
    ]
    by_name: dict[str, list[str]] = {}
    for f in entries:
        by_name.setdefault(f.name, []).append(f.fname)
    for candidate in CJK_FONT_CANDIDATES:
        for path in by_name.get(candidate, []):
            if _covers(path, _CJK_PROBE):
                return candidate
    for name in sorted(by_name):
        if name in CJK_FONT_CANDIDATES:
            continue
        if any(_covers(path, _CJK_PROBE) for path in by_name[name]):
            return name
    return _register_new_cjk_font({f.fname for f in entries})


def _register_new_cjk_font(known: set[str]) -> str | None:
    """Find a CJK font installed after matplotlib cached its font list, and register it.

    matplotlib keeps its font list in a cache file that is not refreshed when fonts are
    installed later (e.g. ``apt-get install fonts-wqy-microhei`` after a first run), so
    such fonts would otherwise stay invisible until the cache is deleted.
    """
    try:
        paths = sorted(font_manager.findSystemFonts())
    except Exception:  # unreadable font folders
        return None
    for path in paths:
        if path in known or not _covers(path, _CJK_PROBE):
            continue
        try:
            font_manager.fontManager.addfont(path)
            name = font_manager.FontProperties(fname=path).get_name()
        except Exception:  # a font matplotlib cannot load
            continue
        if not any(bad in name for bad in _NON_CJK_FONTS):
            return str(name)
    return None


def resolve_language(lang: str) -> tuple[Lang, list[str]]:
    """Decide the label language and font family list for a chart.

    Parameters
    ----------
    lang : {"en", "zh"}
        Requested language.

    Returns
    -------
    lang : {"en", "zh"}
        "zh" only when a CJK font was found; otherwise "en".
    families : list of str
        Font family fallback list. A CJK font, when installed, is always included so
        Chinese scenario or district names also render in English charts.

    Raises
    ------
    ValueError
        If ``lang`` is not "en" or "zh".

    Warns
    -----
    CJKFontWarning
        When "zh" was requested but no CJK font is installed; labels fall back to
        English rather than rendering as empty boxes.
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', got {lang!r}")
    cjk = find_cjk_font()
    if lang == "zh":
        if cjk is None:
            warnings.warn(
                "No CJK font found among installed fonts (e.g. install the Debian package "
                "fonts-noto-cjk); chart labels fall back to English.",
                CJKFontWarning,
                stacklevel=3,
            )
            return "en", [DEFAULT_FAMILY]
        return "zh", [cjk, DEFAULT_FAMILY]
    return "en", [DEFAULT_FAMILY] if cjk is None else [DEFAULT_FAMILY, cjk]


@functools.cache
def has_bold(family: str) -> bool:
    """Whether matplotlib knows a bold (weight 600 or more) face of ``family``.

    CJK families such as WenQuanYi Micro Hei ship one regular face only; asking for
    bold makes matplotlib log "findfont: Failed to find font weight bold" every time.
    """
    for f in font_manager.fontManager.ttflist:
        if f.name != family:
            continue
        weight = f.weight
        if isinstance(weight, str):
            weight = font_manager.weight_dict.get(weight, 400)
        if int(weight) >= 600:
            return True
    return False


def title_font(text: str, families: Sequence[str]) -> tuple[list[str], str]:
    """Font families and weight for a bold title that never asks for a missing face.

    Text without wide (CJK) characters uses only the families that have a bold face
    (the CJK fallback is not needed for it) in bold. Text with CJK characters needs the
    CJK family: bold when every family has a bold face, else normal weight (matplotlib
    cannot embolden a font, and would otherwise log a font warning per title).

    Returns
    -------
    families : list of str
    weight : {"bold", "normal"}
    """
    fams = list(families)
    if not any(_is_wide(ch) for ch in text):
        bold = [f for f in fams if has_bold(f)]
        if bold:
            return bold, "bold"
        return fams, "normal"
    return fams, "bold" if all(has_bold(f) for f in fams) else "normal"


#: Stroke width (points) that draws a regular face as bold where a CJK font has no bold.
FAKE_BOLD_STROKE = 0.6


def embolden(artist: Text, text: str, families: Sequence[str]) -> None:
    """Make ``artist`` bold: a real bold face when every family has one (see
    :func:`title_font`), else the regular face drawn with a thin outline of its own
    colour, so Chinese titles keep their weight with single-face CJK fonts (e.g.
    WenQuanYi Micro Hei). The same rule applies to every bold text of a chart."""
    fams, weight = title_font(text, families)
    artist.set_fontfamily(fams)
    artist.set_fontweight(weight)
    if weight != "bold":
        artist.set_path_effects(
            [patheffects.withStroke(linewidth=FAKE_BOLD_STROKE, foreground=artist.get_color())]
        )


def is_plural_name(name: str) -> bool:
    """Whether an option name reads as a plural subject ("2 cross-province windows").

    English heuristic for verb agreement in titles: a leading number other than one
    followed by a word ending in "s" ("6 windows", "2 YRD windows, no lunch cover").
    """
    m = re.match(r"\s*(\d+(?:\.\d+)?)\s+([^,;:()]+)", name)
    if not m or float(m.group(1)) == 1.0:
        return False
    return any(w.lower().endswith("s") for w in m.group(2).split())


# --------------------------------------------------------------------------- formatting


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


@functools.lru_cache(maxsize=4096)
def _text_width_pt(text: str, fontsize: float, weight: str, families: tuple[str, ...]) -> float:
    """Rendered width of one line of text in points (measured with the Agg renderer)."""
    from matplotlib.backends.backend_agg import RendererAgg

    renderer = RendererAgg(1, 1, 72)
    prop = font_manager.FontProperties(family=list(families), size=fontsize, weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # missing glyphs are handled by resolve_language
        width, _h, _d = renderer.get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def wrap_text(
    text: str,
    width_in: float,
    fontsize: float,
    weight: str = "normal",
    families: Sequence[str] = (DEFAULT_FAMILY,),
) -> str:
    """Wrap text to fit a width, measuring the rendered text.

    Latin text breaks at spaces; text containing CJK characters may break between
    any two characters.

    Parameters
    ----------
    text : str
        Text to wrap; existing newlines are kept.
    width_in : float
        Available width in inches.
    fontsize : float
        Font size in points.
    weight : str
        Font weight ("normal" or "bold").
    families : sequence of str
        Font family fallback list.

    Returns
    -------
    str
        Text with newlines inserted.
    """
    limit = width_in * 72.0
    fam = tuple(families)

    def fits(line: str) -> bool:
        return _text_width_pt(line, fontsize, weight, fam) <= limit

    lines: list[str] = []
    for para in text.split("\n"):
        if fits(para):
            lines.append(para)
            continue
        cjk = any(_is_wide(c) for c in para)
        tokens = list(para) if cjk else para.split(" ")
        sep = "" if cjk else " "
        current = ""
        for tok in tokens:
            candidate = f"{current}{sep}{tok}" if current else tok
            if current and not fits(candidate):
                lines.append(current.rstrip())
                current = tok.lstrip() if cjk else tok
            else:
                current = candidate
        lines.append(current)
    return "\n".join(lines)


# --------------------------------------------------------------------------- figures


def _rc(families: Sequence[str]) -> dict[Any, Any]:
    """Return the rcParams used while a chart is being built."""
    return {
        "font.family": list(families),
        "font.size": LABEL_SIZE,
        "axes.titlesize": LABEL_SIZE,
        "axes.labelsize": LABEL_SIZE,
        "axes.labelcolor": TEXT_COLOR,
        "axes.edgecolor": "#888888",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.prop_cycle": cycler(color=list(SERIES_COLORS)),
        "xtick.labelsize": TICK_SIZE,
        "ytick.labelsize": TICK_SIZE,
        "xtick.color": "#444444",
        "ytick.color": "#444444",
        "legend.fontsize": TICK_SIZE,
        "legend.frameon": False,
        "figure.facecolor": "white",
        "axes.facecolor": "white",
        "savefig.facecolor": "white",
        "svg.fonttype": "path",
        "axes.unicode_minus": True,
        "hatch.linewidth": 0.8,
    }


def new_figure(
    families: Sequence[str],
    figsize: tuple[float, float] = (8.0, 4.8),
    nrows: int = 1,
    ncols: int = 1,
    width_ratios: Sequence[float] | None = None,
) -> tuple[Figure, np.ndarray]:
    """Create a standalone figure (no pyplot state) in the svcsim style.

    Parameters
    ----------
    families : sequence of str
        Font family fallback list from :func:`resolve_language`.
    figsize : tuple of float
        Size in inches.
    nrows, ncols : int
        Grid of axes.
    width_ratios : sequence of float, optional
        Relative widths of the columns.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Figure with constrained layout, not registered with pyplot.
    axes : numpy.ndarray of Axes
        Flat array of axes, row-major.
    """
    with mpl.rc_context(_rc(families)):
        fig = Figure(figsize=figsize, layout="constrained")
        axes = fig.subplots(nrows, ncols, squeeze=False, width_ratios=width_ratios)
        for ax in axes.flat:
            style_axes(ax, families)
    return fig, np.asarray(axes).ravel()


def style_axes(
    ax: Axes, families: Sequence[str], grid_axis: Literal["x", "y", "both", "none"] = "y"
) -> None:
    """Apply grid, tick and font settings that must survive lazy tick creation.

    Parameters
    ----------
    ax : Axes
        Axes to style.
    families : sequence of str
        Font family fallback list.
    grid_axis : {"x", "y", "both"}
        Axis whose grid lines are drawn (light grey, behind the data).
    """
    ax.set_axisbelow(True)
    ax.grid(False)
    if grid_axis != "none":
        ax.grid(True, axis=grid_axis, color=GRID_COLOR, linewidth=0.7)
    ax.tick_params(labelsize=TICK_SIZE, labelfontfamily=list(families), colors="#444444")


def finish_figure(
    fig: Figure,
    title: str,
    families: Sequence[str],
    notes: Sequence[str] = (),
    footer: str | None = None,
    legend: tuple[Sequence[Any], Sequence[str], int] | None = None,
    *,
    finding_lang: str | None = None,
) -> Figure:
    """Add the finding title and footer, and pin fonts on every text of the figure.

    Parameters
    ----------
    fig : Figure
        Figure built with :func:`new_figure`.
    title : str
        The finding, left-aligned and wrapped to the figure width.
    families : sequence of str
        Font family fallback list.
    notes : sequence of str
        Method notes (e.g. what the band shows), printed above the footer.
    footer : str, optional
        Provenance: source scenario, seed, code version.
    legend : tuple of (handles, labels, ncols), optional
        Figure-level legend placed centred below the axes, above the footer.
    finding_lang : {"en", "zh"}, optional
        Language of a title the chart computed from the data. An English one is a
        sentence and starts with a capital letter (``"six comprehensive cuts ..."`` is
        drawn as ``"Six comprehensive cuts ..."``); a Chinese one is drawn as it is.
        None (the default) for a title the caller gave, drawn exactly as given.

    Returns
    -------
    Figure
        The same figure.
    """
    if finding_lang == "en" and title[:1].islower():
        title = title[:1].upper() + title[1:]
    width_in, height_in = fig.get_size_inches()
    with mpl.rc_context(_rc(families)):
        title_families, weight = title_font(title, families)
        suptitle = fig.suptitle(
            wrap_text(title, width_in - 0.25, TITLE_SIZE, weight, title_families),
            x=0.012,
            ha="left",
            fontsize=TITLE_SIZE,
            fontweight=weight,
            color=TEXT_COLOR,
        )
        lines = [n for n in notes if n]
        if footer:
            lines.append(footer)
        bottom = 0.0
        if lines:
            text = wrap_text("\n".join(lines), width_in - 0.25, FOOTER_SIZE, "normal", families)
            n_lines = text.count("\n") + 1
            fig.text(
                0.012,
                0.008,
                text,
                ha="left",
                va="bottom",
                fontsize=FOOTER_SIZE,
                color=MUTED_TEXT_COLOR,
                linespacing=1.3,
            )
            bottom = (n_lines * FOOTER_SIZE * 1.35 + 6.0) / 72.0 / height_in
        if legend is not None and legend[0]:
            handles, labels, ncols = legend
            # Height in text lines: each legend row as tall as its longest (wrapped) label.
            per_row = max(1, ncols)
            label_lines = [str(lb).count("\n") + 1 for lb in labels]
            tall = [max(label_lines[i : i + per_row]) for i in range(0, len(label_lines), per_row)]
            rows = sum(1.0 + (n - 1) * 1.2 / 1.75 for n in tall)
            leg = fig.legend(
                handles,
                labels,
                loc="lower center",
                bbox_to_anchor=(0.5, bottom),
                bbox_transform=fig.transFigure,
                ncols=ncols,
                frameon=False,
                fontsize=TICK_SIZE,
                borderaxespad=0.2,
            )
            leg.set_in_layout(False)
            bottom += (rows * TICK_SIZE * 1.75 + 8.0) / 72.0 / height_in
        engine = fig.get_layout_engine()
        if isinstance(engine, ConstrainedLayoutEngine) and bottom > 0:
            engine.set(rect=(0.0, bottom, 1.0, 1.0 - bottom))
    for text_artist in fig.findobj(Text):
        if text_artist is suptitle:
            embolden(text_artist, title, families)
        elif text_artist.get_fontweight() in ("bold", 700, "heavy", "black", "semibold"):
            embolden(text_artist, text_artist.get_text(), families)
        else:
            text_artist.set_fontfamily(list(families))
    for ax in fig.axes:
        ax.tick_params(labelfontfamily=list(families))
    return fig
