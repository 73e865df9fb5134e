"""Cross-province round trips: delays of requests to the home province."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from calibration._common import MIN_DURATION

__all__ = ["CrossProvinceFit", "fit_cross_province"]


@dataclass(frozen=True)
class CrossProvinceFit:
    """Round-trip delays of cross-province requests per home province.

    Attributes
    ----------
    available : bool
        False when the log has no usable ``xp_sent_time`` / ``xp_reply_time`` pairs.
    note : str
        What was (not) found, including pairs ignored as negative.
    by_province : pandas.DataFrame
        ``origin``, ``n``, ``mean_min``, ``median_min``, ``p90_min``, ``cv``,
        ``ln_mu`` / ``ln_sigma`` (lognormal MLE of the delay in minutes).
    """

    available: bool
    note: str
    by_province: pd.DataFrame


def fit_cross_province(data: pd.DataFrame) -> CrossProvinceFit:
    """Summarise cross-province round-trip delays when the log has them.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log; optional columns ``xp_sent_time`` and ``xp_reply_time``.

    Returns
    -------
    CrossProvinceFit
        Per-province delay statistics, or ``available=False`` with a note.
    """
    cols = ["origin", "n", "mean_min", "median_min", "p90_min", "cv", "ln_mu", "ln_sigma"]
    empty = pd.DataFrame(columns=cols)
    if "xp_sent_time" not in data.columns or "xp_reply_time" not in data.columns:
        return CrossProvinceFit(False, "no xp_sent_time / xp_reply_time columns: skipped", empty)
    delay = (data["xp_reply_time"] - data["xp_sent_time"]).dt.total_seconds() / 60.0
    has = delay.notna() & data["origin"].notna()
    neg = has & (delay < 0)
    ok = has & ~neg
    if not ok.any():
        return CrossProvinceFit(
            False, f"no usable delay pairs ({int(neg.sum())} negative ignored): skipped", empty
        )
    d = pd.DataFrame(
        {
            "origin": data.loc[ok, "origin"].astype(str),
            "x": np.maximum(delay[ok].to_numpy(float), MIN_DURATION),
        }
    )
    d["lx"] = np.log(d["x"])
    g = d.groupby("origin")
    tab = pd.DataFrame(
        {
            "n": g.size(),
            "mean_min": g["x"].mean(),
            "median_min": g["x"].median(),
            "p90_min": g["x"].quantile(0.9),
            "cv": g["x"].std(ddof=1) / g["x"].mean(),
            "ln_mu": g["lx"].mean(),
            "ln_sigma": g["lx"].std(ddof=0),
        }
    ).reset_index()
    note = f"{int(ok.sum())} delay pairs used"
    if neg.any():
        note += f"; {int(neg.sum())} with reply before request ignored"
    return CrossProvinceFit(True, note, tab[cols])
