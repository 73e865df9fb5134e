"""Cleaning of ticket logs: every row is either kept or excluded with a reason.

:func:`clean_ticket_log` checks each row of a typed ticket log (from
:func:`calibration.io.read_ticket_log`) against the rules in :data:`REASONS`, in that
order; a row failing several rules is excluded for the first one only, so the counts per
reason add up to the number of excluded rows. Nothing is dropped silently: the
``excluded`` frame of :class:`CleanResult` holds every excluded row with its original
``source_row`` and ``reason``, and :meth:`CleanResult.report` summarises them.

Meaning of the outcomes (see ``docs/data-formats.md``):

``served``
    Called and served; needs ``call_time``, ``service_start``, ``service_end``.
``transferred``
    Called, served at this window, then sent elsewhere; needs the same times.
``no_show``
    Called, nobody came; needs ``call_time``. The resident left at an unknown time
    before the call.
``abandoned``
    Left before being called. The leave time is ``leave_time`` when the export has
    that column, otherwise the ticket-close time in ``service_end``; it may be unknown
    (the row is kept as an arrival but does not inform patience).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from calibration.calendar import DateLike, OpeningHours, _date_index, day_types, opening_intervals
from calibration.io import TICKET_REQUIRED_COLUMNS, DataFormatError, validate_catalogue

__all__ = [
    "OUTCOMES",
    "PROVINCES",
    "REASONS",
    "CleanResult",
    "InsufficientDataError",
    "clean_ticket_log",
    "detect_closed_days",
]

OUTCOMES: tuple[str, ...] = ("served", "abandoned", "no_show", "transferred")
PROVINCES: tuple[str, ...] = ("shanghai", "jiangsu", "zhejiang", "anhui")

#: Exclusion reasons in the order they are checked, with their meaning.
REASONS: dict[str, str] = {
    "missing_field": "centre_id, ticket_id, item_id or outcome is empty",
    "truncated_time": (
        "a timestamp is cut or incomplete (e.g. 2019-02-1, or a date without a time); "
        "never completed by guessing"
    ),
    "ambiguous_time": "a timestamp gives day and month first (e.g. 04/03/2025): order unknown",
    "unparseable_time": "a non-empty timestamp could not be parsed (see parse_errors)",
    "invalid_outcome": f"outcome is not one of {', '.join(OUTCOMES)}",
    "missing_time": (
        "ticket_time is empty, or a served/transferred ticket lacks call_time, "
        "service_start or service_end, or a no_show lacks call_time"
    ),
    "invalid_origin": f"origin is neither empty nor one of {', '.join(PROVINCES)}",
    "duplicate_ticket_id": (
        "same (centre_id, ticket date, ticket_id) and the same ticket_time as an earlier "
        "usable row (the ticket exported twice); first kept"
    ),
    "ticket_id_reused": (
        "same (centre_id, ticket date, ticket_id) as an earlier usable row but another "
        "ticket_time (the number was issued twice, or one is wrong); first kept, see detail"
    ),
    "unknown_item": "item_id is not in the item catalogue",
    "closed_day": (
        "ticket on a day the centre was closed (given, or detected: far fewer tickets than "
        "on its usual weekday); stray or test tickets"
    ),
    "outside_opening_hours": "ticket_time outside the opening hours of its day type",
    "call_before_ticket": "call_time earlier than ticket_time",
    "start_before_call": "service_start earlier than call_time",
    "end_before_start": "service_end earlier than service_start",
    "leave_before_ticket": "an abandoned resident's leave time is earlier than ticket_time",
    "implausible_duration": "wait or service time longer than the configured maximum",
}

_CALLED = ("served", "transferred", "no_show")
_SERVED = ("served", "transferred")


class InsufficientDataError(ValueError):
    """Too little usable data remains after cleaning (message includes the report)."""


@dataclass(frozen=True)
class CleanResult:
    """Outcome of :func:`clean_ticket_log`.

    Attributes
    ----------
    data : pandas.DataFrame
        Usable rows: the typed input columns plus ``family`` (string), ``date``
        (datetime64, midnight of the ticket day), ``day_type``, ``ticket_minute``
        (float, minutes after midnight), ``leave_time`` (datetime64, abandoned rows),
        ``wait_min`` (ticket to call, minutes; called rows), ``leave_min`` (ticket to
        leaving, minutes; abandoned rows with a known leave time) and ``service_min``
        (service_start to service_end, minutes; served / transferred rows).
    excluded : pandas.DataFrame
        One row per excluded input row: the typed input columns (``source_row`` is the
        1-based data row of the file) and ``reason`` (a key of :data:`REASONS`).
        ``detail`` says more where it helps (the faulty timestamp values; the row a
        duplicate or reused ticket id repeats; the closed day's ticket count).
    n_input : int
        Rows read.
    source : str
        File name the log came from (``"<frame>"`` if unknown).
    closed_days : pandas.DataFrame
        Closed days found or given: ``centre_id``, ``date``, ``tickets`` (rows on that
        day before cleaning by other rules), ``reference`` (the centre's median weekday
        tickets; NaN when the days were given).
    """

    data: pd.DataFrame
    excluded: pd.DataFrame
    n_input: int
    source: str = "<frame>"
    closed_days: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["centre_id", "date", "tickets", "reference"])
    )

    @property
    def n_usable(self) -> int:
        """Number of usable rows."""
        return len(self.data)

    def counts(self) -> pd.DataFrame:
        """Excluded rows per reason.

        Returns
        -------
        pandas.DataFrame
            ``reason``, ``count``, ``share`` (of the input rows), ``meaning``; reasons
            with no excluded row are omitted; ordered as :data:`REASONS`.
        """
        vc = self.excluded["reason"].value_counts()
        rows = [
            (r, int(vc[r]), vc[r] / max(self.n_input, 1), REASONS[r]) for r in REASONS if r in vc
        ]
        return pd.DataFrame(rows, columns=["reason", "count", "share", "meaning"])

    def examples(self, n_per_reason: int = 5, max_chars: int = 200) -> pd.DataFrame:
        """Up to ``n_per_reason`` excluded rows per reason, every text field cut to
        ``max_chars`` characters (a cut value ends with ``...[N chars]``): a runaway field
        in an export (megabytes in one cell) is never copied whole into a report.

        Returns
        -------
        pandas.DataFrame
            Rows of :attr:`excluded`, in reason order.
        """
        ex = self.excluded.groupby("reason", sort=False).head(n_per_reason).copy()
        for c in ex.columns:
            if ex[c].dtype == object or isinstance(ex[c].dtype, pd.StringDtype):
                ex[c] = _cut(ex[c], max_chars)
        return ex.reset_index(drop=True)

    def report(self, n_examples: int = 3) -> str:
        """Human-readable cleaning report.

        Parameters
        ----------
        n_examples : int
            Example source rows listed per reason.

        Returns
        -------
        str
            Totals, then one line per exclusion reason with count, share and examples.
        """
        lines = [
            f"Cleaning report for {self.source}: {self.n_input} rows read, "
            f"{self.n_usable} usable, {len(self.excluded)} excluded."
        ]
        for row in self.counts().itertuples(index=False):
            ex = self.excluded.loc[self.excluded["reason"] == row.reason].head(n_examples)
            shown = []
            for e in ex.itertuples(index=False):
                tid = _cut_one(e.ticket_id, 40) if isinstance(e.ticket_id, str) else "<empty>"
                detail = getattr(e, "detail", None)
                extra = f" [{_cut_one(detail, 120)}]" if isinstance(detail, str) else ""
                shown.append(f"row {e.source_row} (ticket {tid}){extra}")
            lines.append(
                f"  {row.reason}: {row.count} ({row.share:.1%}) - {row.meaning}; "
                f"e.g. {', '.join(shown)}"
            )
        return "\n".join(lines)


def _cut_one(value: str, max_chars: int) -> str:
    if len(value) <= max_chars:
        return value
    return f"{value[:max_chars]}...[{len(value)} chars]"


def _cut(s: pd.Series, max_chars: int) -> pd.Series:
    return s.map(lambda v: _cut_one(v, max_chars) if isinstance(v, str) else v)


def detect_closed_days(
    df: pd.DataFrame,
    *,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    min_share: float = 0.1,
) -> pd.DataFrame:
    """Days a centre was closed: calendar days with fewer tickets than ``min_share`` x
    the centre's median weekday tickets (none at all included: the days between the
    centre's first and last ticket with no row).

    A closed day in an export is rarely empty: staff test the ticket machine, a few
    residents are served at the door. Those stray rows are not demand, and a day with
    them is not an open day with little demand: it is a closure.

    Parameters
    ----------
    df : pandas.DataFrame
        Rows with ``centre_id`` and ``ticket_time`` (NaT rows ignored).
    holidays, working_days : iterable of date-like, optional
        Calendar (see :func:`calibration.calendar.day_types`): the reference is the
        median over weekdays (adjusted working days included).
    min_share : float
        Threshold as a share of the median weekday count (default 0.1; the reference
        centre's quietest open day, a Sunday, has about 0.25).

    Returns
    -------
    pandas.DataFrame
        ``centre_id``, ``date`` (datetime64), ``tickets``, ``reference``; one row per
        closed day, sorted.
    """
    cols = ["centre_id", "date", "tickets", "reference"]
    ok = df["ticket_time"].notna() & df["centre_id"].notna()
    if not ok.any():
        return pd.DataFrame(columns=cols)
    d = pd.DataFrame(
        {"centre_id": df.loc[ok, "centre_id"].astype(str), "date": df.loc[ok, "ticket_time"]}
    )
    d["date"] = d["date"].dt.normalize()
    counts = d.groupby(["centre_id", "date"]).size()
    out = []
    for cid, c in counts.groupby(level=0):
        per_day = c.droplevel(0)
        full = pd.date_range(per_day.index.min(), per_day.index.max(), freq="D")
        per_day = per_day.reindex(full, fill_value=0)
        types = day_types(pd.Series(full), holidays, working_days).to_numpy()
        wk = per_day.to_numpy()[types == "weekday"]
        wk = wk[wk > 0]
        ref = float(np.median(wk)) if wk.size else float(np.median(per_day[per_day > 0]))
        closed = per_day[per_day < min_share * ref]
        for date, n in closed.items():
            out.append((cid, date, int(n), ref))
    return pd.DataFrame(out, columns=cols).sort_values(["centre_id", "date"], ignore_index=True)


def _minutes(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier).dt.total_seconds() / 60.0


def _check_min_usable(min_usable: int | float, n_usable: int, n_input: int) -> bool:
    if isinstance(min_usable, bool):
        raise TypeError("min_usable must be an int (row count) or a float share in [0, 1]")
    if isinstance(min_usable, int):
        return n_usable >= min_usable
    if not 0.0 <= min_usable <= 1.0:
        raise ValueError(f"min_usable share must be in [0, 1], got {min_usable}")
    return n_usable >= min_usable * n_input


def clean_ticket_log(
    df: pd.DataFrame,
    catalogue: pd.DataFrame,
    opening_hours: OpeningHours | None = None,
    *,
    holidays: Iterable[DateLike] | None = None,
    working_days: Iterable[DateLike] | None = None,
    grace_minutes: float = 0.0,
    max_wait_minutes: float = 480.0,
    max_service_minutes: float = 240.0,
    min_usable: int | float = 0.5,
    closed_days: Literal["auto"] | Iterable[DateLike] | pd.DataFrame | None = None,
    closed_min_share: float = 0.1,
) -> CleanResult:
    """Split a typed ticket log into usable rows and excluded rows with reasons.

    Parameters
    ----------
    df : pandas.DataFrame
        Output of :func:`calibration.io.read_ticket_log` (or a frame with the same
        columns and dtypes).
    catalogue : pandas.DataFrame
        Item catalogue with ``item_id`` and ``family``.
    opening_hours : mapping, optional
        Day type -> list of ``("HH:MM", "HH:MM")`` intervals; tickets outside
        ``[open - grace, close + grace)`` are excluded. ``None`` skips the check.
    holidays, working_days : iterable of date-like, optional
        Calendar for day types (see :func:`calibration.calendar.day_types`).
    grace_minutes : float
        Tolerance around the opening intervals, minutes.
    max_wait_minutes : float
        Longest plausible wait (ticket to call or to leaving), minutes.
    max_service_minutes : float
        Longest plausible service time, minutes.
    min_usable : int or float
        Minimum usable rows: an ``int`` is a count, a ``float`` a share of the input.
    closed_days : "auto", iterable of date-like or DataFrame, optional
        Days the centre was closed; their rows are excluded as ``closed_day``. ``"auto"``
        detects them with :func:`detect_closed_days` (``closed_min_share``) on the rows
        that pass the earlier rules; dates apply to every centre; a frame with
        ``centre_id`` and ``date`` to those centres. ``None`` (default): no check.
    closed_min_share : float
        Threshold of the detection, as a share of the median weekday tickets.

    Returns
    -------
    CleanResult
        Usable rows (with derived columns) and excluded rows (with reasons).

    Raises
    ------
    InsufficientDataError
        No usable row, or fewer than ``min_usable``; the message holds the report.
    DataFormatError
        Required columns missing from ``df`` or ``catalogue``.
    """
    source = str(df.attrs.get("source", "<frame>"))
    missing_cols = [c for c in (*TICKET_REQUIRED_COLUMNS, "source_row") if c not in df.columns]
    if missing_cols:
        raise DataFormatError(source, f"missing column(s) {missing_cols}", column=missing_cols[0])
    cat = validate_catalogue(catalogue)
    d = df.copy()
    n = len(d)
    for col in ("origin", "parse_errors", "time_faults"):
        if col not in d.columns:
            d[col] = pd.Series(pd.NA, index=d.index, dtype="string")
    detail = pd.Series(pd.NA, index=d.index, dtype="string")
    if "leave_time" in d.columns:
        d["leave_time"] = d["leave_time"].where(d["outcome"] == "abandoned")
    else:
        d["leave_time"] = d["service_end"].where(d["outcome"] == "abandoned")

    reason = pd.Series(pd.NA, index=d.index, dtype="string")

    def flag(name: str, mask: pd.Series) -> None:
        m = mask.fillna(False).astype(bool) & reason.isna()
        reason[m] = name

    outcome = d["outcome"]
    called = outcome.isin(_CALLED).fillna(False).astype(bool)
    served = outcome.isin(_SERVED).fillna(False).astype(bool)
    abandoned = (outcome == "abandoned").fillna(False).astype(bool)

    flag("missing_field", d[["centre_id", "ticket_id", "item_id", "outcome"]].isna().any(axis=1))
    tf = d["time_faults"]
    has_fault = d["parse_errors"].notna()
    truncated = tf.str.contains(":truncated=", regex=False).fillna(False).astype(bool)
    ambiguous = tf.str.contains(":ambiguous=", regex=False).fillna(False).astype(bool)
    flag("truncated_time", has_fault & truncated)
    flag("ambiguous_time", has_fault & ambiguous)
    flag("unparseable_time", has_fault)
    detail = detail.mask(has_fault & tf.notna(), tf)
    flag("invalid_outcome", ~outcome.isin(OUTCOMES))
    flag(
        "missing_time",
        d["ticket_time"].isna()
        | (called & d["call_time"].isna())
        | (served & (d["service_start"].isna() | d["service_end"].isna())),
    )
    flag("invalid_origin", d["origin"].notna() & ~d["origin"].isin(PROVINCES))

    date = d["ticket_time"].dt.normalize()
    ok = reason.isna()
    key = pd.DataFrame({"c": d["centre_id"], "d": date, "t": d["ticket_id"]})
    dup = pd.Series(False, index=d.index)
    dup[ok] = key[ok].duplicated(keep="first")
    if dup.any():
        # Compare each repeat with the first usable row of its key: the same ticket time
        # is the same ticket exported twice, another one a ticket number issued twice.
        times = ["ticket_time"]
        k_ok = key[ok]
        first_pos = k_ok.groupby(["c", "d", "t"], sort=False).ngroup()
        firsts = ~k_ok.duplicated(keep="first")
        first_idx = pd.Series(k_ok.index[firsts.to_numpy()], index=first_pos[firsts].to_numpy())
        rep_idx = dup[dup].index
        orig = first_idx.reindex(first_pos.loc[rep_idx].to_numpy()).to_numpy()
        same = np.ones(len(rep_idx), dtype=bool)
        for c in times:
            a = d.loc[rep_idx, c].to_numpy()
            b = d.loc[orig, c].to_numpy()
            same &= (a == b) | (pd.isna(a) & pd.isna(b))
        orig_rows = d.loc[orig, "source_row"].to_numpy()
        exact = pd.Series(same, index=rep_idx)
        detail[rep_idx] = [
            (f"repeats row {r}" if s_ else f"ticket id of row {r} reused at another ticket time")
            for r, s_ in zip(orig_rows, same, strict=True)
        ]
        flag("duplicate_ticket_id", exact.reindex(d.index, fill_value=False))
        flag("ticket_id_reused", (~exact).reindex(d.index, fill_value=False))
    flag("unknown_item", ~d["item_id"].isin(cat["item_id"]))

    closed = pd.DataFrame(columns=["centre_id", "date", "tickets", "reference"])
    if closed_days is not None:
        if isinstance(closed_days, str):
            if closed_days != "auto":
                raise ValueError(
                    f"closed_days must be 'auto', dates or a frame, not {closed_days!r}"
                )
            closed = detect_closed_days(
                d.loc[reason.isna()],
                holidays=holidays,
                working_days=working_days,
                min_share=closed_min_share,
            )
        elif isinstance(closed_days, pd.DataFrame):
            closed = closed_days.assign(
                centre_id=closed_days["centre_id"].astype(str),
                date=pd.to_datetime(closed_days["date"]).dt.normalize(),
            )
        else:
            dates = _date_index(closed_days)
            cids = sorted(d["centre_id"].dropna().astype(str).unique())
            closed = pd.DataFrame(
                [(c, x) for c in cids for x in dates], columns=["centre_id", "date"]
            )
        if "tickets" not in closed.columns:
            on = pd.DataFrame({"centre_id": d["centre_id"].astype(str), "date": date})
            n_day = on.groupby(["centre_id", "date"]).size().rename("tickets").reset_index()
            closed = closed.merge(n_day, on=["centre_id", "date"], how="left")
            closed["tickets"] = closed["tickets"].fillna(0).astype(int)
            closed["reference"] = np.nan
        if len(closed):
            ck = pd.MultiIndex.from_frame(closed[["centre_id", "date"]])
            rk = pd.MultiIndex.from_arrays([d["centre_id"].astype(str), date])
            on_closed = pd.Series(rk.isin(ck), index=d.index)
            flag("closed_day", on_closed)
            n_on = closed.set_index(["centre_id", "date"])["tickets"]
            m = on_closed & (reason == "closed_day")
            if m.any():
                detail[m] = [
                    f"{int(n_on.get((c, x), 0))} tickets that day"
                    for c, x in zip(d.loc[m, "centre_id"].astype(str), date[m], strict=True)
                ]

    dtype = day_types(d["ticket_time"].fillna(pd.Timestamp("2000-01-03")), holidays, working_days)
    tmin = _minutes(d["ticket_time"], date)
    if opening_hours is not None:
        inside = pd.Series(False, index=d.index)
        for dt_name in ("weekday", "weekend", "holiday"):
            is_type = (dtype == dt_name).to_numpy()
            for a, b in opening_intervals(opening_hours, dt_name):
                inside |= is_type & (tmin >= a - grace_minutes) & (tmin < b + grace_minutes)
        flag("outside_opening_hours", ~inside)

    wait = _minutes(d["call_time"], d["ticket_time"]).where(called)
    service = _minutes(d["service_end"], d["service_start"]).where(served)
    leave = _minutes(d["leave_time"], d["ticket_time"]).where(abandoned)
    flag("call_before_ticket", wait < 0)
    flag("start_before_call", served & (d["service_start"] < d["call_time"]))
    flag("end_before_start", service < 0)
    flag("leave_before_ticket", leave < 0)
    flag(
        "implausible_duration",
        (wait > max_wait_minutes) | (leave > max_wait_minutes) | (service > max_service_minutes),
    )

    bad = reason.notna().to_numpy()
    excluded = d.loc[bad].copy()
    excluded["reason"] = reason[bad]
    excluded["detail"] = detail[bad]
    excluded = excluded.reset_index(drop=True)

    data = d.loc[~bad].copy()
    data["family"] = data["item_id"].map(cat.set_index("item_id")["family"]).astype("string")
    data["date"] = date[~bad]
    data["day_type"] = dtype[~bad]
    data["ticket_minute"] = tmin[~bad]
    data["wait_min"] = wait[~bad]
    data["leave_min"] = leave[~bad]
    data["service_min"] = service[~bad]
    data = data.reset_index(drop=True)
    data.attrs["source"] = source

    result = CleanResult(data=data, excluded=excluded, n_input=n, source=source, closed_days=closed)
    if len(data) == 0:
        raise InsufficientDataError(
            f"{source}: nothing usable ({n} rows read, all excluded or the file is empty).\n"
            + result.report()
        )
    if not _check_min_usable(min_usable, len(data), n):
        raise InsufficientDataError(
            f"{source}: only {len(data)} of {n} rows usable, below min_usable={min_usable}.\n"
            + result.report()
        )
    return result
