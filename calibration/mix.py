"""Item, family and origin mixes of a ticket log."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["MixFit", "fit_mix"]


@dataclass(frozen=True)
class MixFit:
    """Item, family and origin mixes.

    Attributes
    ----------
    items : pandas.DataFrame
        ``item_id``, ``family``, ``count``, ``share`` (of all tickets).
    families : pandas.DataFrame
        ``family``, ``count``, ``share``.
    origins : pandas.DataFrame
        ``origin``, ``count``, ``share`` (of tickets with a known origin).
    n_origin_missing : int
        Tickets with an empty origin (left out of origin shares unless assigned by
        ``missing_origin_as``).
    """

    items: pd.DataFrame
    families: pd.DataFrame
    origins: pd.DataFrame
    n_origin_missing: int


def _shares(s: pd.Series, name: str) -> pd.DataFrame:
    vc = s.value_counts()
    return pd.DataFrame(
        {
            name: vc.index.astype(str),
            "count": vc.to_numpy(np.int64),
            "share": vc.to_numpy() / max(vc.sum(), 1),
        }
    )


def fit_mix(data: pd.DataFrame, *, missing_origin_as: str | None = None) -> MixFit:
    """Item, family and origin mixes with counts.

    Parameters
    ----------
    data : pandas.DataFrame
        Cleaned ticket log.
    missing_origin_as : str, optional
        Province to assign empty origins to (e.g. ``"shanghai"`` when the system only
        records origins of cross-province tickets); ``None`` leaves them out.

    Returns
    -------
    MixFit
        Shares with counts.
    """
    items = (
        data.groupby(["item_id", "family"])
        .size()
        .rename("count")
        .reset_index()
        .sort_values("count", ascending=False, kind="stable")
        .reset_index(drop=True)
    )
    items["item_id"] = items["item_id"].astype(str)
    items["family"] = items["family"].astype(str)
    items["share"] = items["count"] / items["count"].sum()
    origin = data["origin"]
    n_missing = int(origin.isna().sum())
    if missing_origin_as is not None:
        origin = origin.fillna(missing_origin_as)
    return MixFit(
        items=items,
        families=_shares(data["family"], "family"),
        origins=_shares(origin.dropna(), "origin"),
        n_origin_missing=n_missing,
    )
