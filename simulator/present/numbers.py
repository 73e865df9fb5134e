"""Numbers for people: the formatting of titles, labels and terminal lines.

No plotting library here, so the terminal summary of a run can format its figures
without loading matplotlib; :mod:`simulator.present.style` re-exports these for charts.
"""

from __future__ import annotations

import math

__all__ = ["fmt_hour", "fmt_num", "fmt_pct", "fmt_pct_vs"]


def fmt_num(x: float, decimals: int | None = None) -> str:
    """Format a number for a title or label with sensible precision.

    Parameters
    ----------
    x : float
        Value; NaN or infinite values give "n/a".
    decimals : int, optional
        Fixed number of decimals. By default: none from 10 upwards (with thousands
        separators), one below 10, two significant digits below 1.

    Returns
    -------
    str
        Formatted number, e.g. ``"34"``, ``"6.2"``, ``"0.042"``, ``"4,800"``.
    """
    if x is None or not math.isfinite(x):
        return "n/a"
    auto = decimals is None
    if decimals is None:
        ax = abs(x)
        if ax == 0 or ax >= 10:
            decimals = 0
        elif ax >= 1:
            decimals = 1
        else:
            decimals = min(4, 1 - math.floor(math.log10(ax)))
    text = f"{x:,.{decimals}f}"
    if auto and "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def fmt_pct(frac: float) -> str:
    """Format a fraction in [0, 1] as a percentage without misleading rounding.

    Whole percents are used unless rounding would show 0% or 100% for a value that
    is not exactly 0 or 1 (then one or two decimals are kept).

    Parameters
    ----------
    frac : float
        Fraction, e.g. 0.823.

    Returns
    -------
    str
        e.g. ``"82%"``, ``"99.6%"``, ``"0.4%"``, ``"n/a"`` for NaN.
    """
    if frac is None or not math.isfinite(frac):
        return "n/a"
    pct = 100.0 * frac
    for decimals in (0, 1, 2):
        text = f"{pct:.{decimals}f}"
        value = float(text)
        if (value == 100.0 and pct < 100.0) or (value == 0.0 and pct > 0.0):
            continue
        return f"{text}%"
    return f"{pct:.2f}%"


def fmt_pct_vs(frac: float, target: float | None) -> str:
    """Format a share like :func:`fmt_pct`, with enough decimals to keep its side of a target.

    A value just below a target never reads as the target or above it (0.898 against
    0.90 gives ``"89.8%"``, not ``"90%"``), nor a value at or above it as below.

    Parameters
    ----------
    frac : float
        Fraction, e.g. 0.898.
    target : float, optional
        Target fraction; None formats like :func:`fmt_pct`.

    Returns
    -------
    str
        e.g. ``"89.8%"``, ``"95%"``.
    """
    text = fmt_pct(frac)
    if target is None or frac is None or not math.isfinite(frac) or not math.isfinite(target):
        return text
    below = frac < target
    for decimals in (0, 1, 2, 3):
        shown = round(100.0 * frac, decimals)
        if (
            (shown < round(100.0 * target, 6)) == below
            and not (shown == 100.0 and frac < 1.0)
            and not (shown == 0.0 and frac > 0.0)
        ):
            return f"{shown:.{decimals}f}%"
    return f"{100.0 * frac:.3f}%"


def fmt_hour(hour: float) -> str:
    """Format an hour of day as ``"HH:00"``."""
    return f"{int(hour) % 24:02d}:00"
