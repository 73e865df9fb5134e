"""Readers for historical ticket-system exports.

Every reader takes a CSV or Parquet file and returns a typed :class:`pandas.DataFrame`.
The formats are documented in ``docs/data-formats.md``; the essentials are:

* CSV files are UTF-8 (with or without BOM) or GB18030. With ``encoding=None`` the
  reader tries UTF-8 first and falls back to GB18030 (a superset of GBK / GB2312), which
  is what Chinese Excel and most ticket systems export.
* Timestamps are ISO-8601. A naive timestamp is read as Asia/Shanghai wall-clock time;
  a timestamp carrying an offset (``+08:00``, ``Z``, ...) is converted to Asia/Shanghai.
  Returned timestamp columns are naive ``datetime64`` in Asia/Shanghai wall-clock time.
  (Shanghai has not used daylight saving since 1991, so wall-clock time is unambiguous.)
* Every returned frame carries a ``source_row`` column: the 1-based data-row number in
  the file (header excluded; CSV line number = ``source_row + 1``), so that cleaning
  reports can point back at the file. ``df.attrs["source"]`` holds the file path.

Structural problems (unreadable file, undecodable bytes, missing required columns) raise
:class:`DataFormatError` naming the file, and the column or row where it applies. The
ticket log is read leniently: a timestamp that cannot be parsed becomes ``NaT`` and its
column name is listed in the ``parse_errors`` column so that :mod:`calibration.clean`
can exclude the row with a reason instead of the reader failing on one bad cell.
"""

from __future__ import annotations

import io as _io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.docstrings import DocTexts

__all__ = [
    "CATALOGUE_COLUMNS",
    "COLUMN_FILES",
    "READER_DOCS",
    "SKILLS_COLUMNS",
    "SKILL_LEVELS",
    "STAFFING_COLUMNS",
    "STAFFING_OPTIONAL_COLUMNS",
    "TICKET_OPTIONAL_COLUMNS",
    "TICKET_REQUIRED_COLUMNS",
    "TICKET_TIME_COLUMNS",
    "TIME_FAULTS",
    "VOLUME_COLUMNS",
    "DataFormatError",
    "apply_columns",
    "classify_timestamps",
    "columns_for",
    "read_catalogue",
    "read_staff_skills",
    "read_staffing",
    "read_table",
    "read_ticket_log",
    "read_volumes",
    "validate_catalogue",
]

TIMEZONE = "Asia/Shanghai"

TICKET_REQUIRED_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "ticket_id",
    "item_id",
    "ticket_time",
    "call_time",
    "service_start",
    "service_end",
    "window_id",
    "staff_id",
    "outcome",
)
#: Optional ticket-log columns. ``leave_time`` is when an abandoning resident was
#: recorded as leaving; ``xp_sent_time`` / ``xp_reply_time`` bracket a cross-province
#: data-exchange round trip.
TICKET_OPTIONAL_COLUMNS: tuple[str, ...] = ("origin", "leave_time", "xp_sent_time", "xp_reply_time")
TICKET_TIME_COLUMNS: tuple[str, ...] = (
    "ticket_time",
    "call_time",
    "service_start",
    "service_end",
    "leave_time",
    "xp_sent_time",
    "xp_reply_time",
)
VOLUME_COLUMNS: tuple[str, ...] = ("centre_id", "date", "visits")
STAFFING_COLUMNS: tuple[str, ...] = (
    "centre_id",
    "date",
    "start",
    "end",
    "windows_open",
)
#: Optional staffing column: ``staff_on_duty`` (default: ``windows_open``).
STAFFING_OPTIONAL_COLUMNS: tuple[str, ...] = ("staff_on_duty",)
SKILLS_COLUMNS: tuple[str, ...] = ("staff_id", "family", "level")
CATALOGUE_COLUMNS: tuple[str, ...] = ("item_id", "family")
SKILL_LEVELS: tuple[str, ...] = ("novice", "proficient", "expert")

PathLike = str | os.PathLike[str]

_AWARE_RE = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)$"
_OFFSET = r"(?:[zZ]|[+-]\d{2}(?::?\d{2})?)?"
#: A complete timestamp: date ``YYYY-MM-DD`` (or the unambiguous ``YYYY/MM/DD``), a
#: ``T`` or a space, ``HH:MM`` with optional seconds and fraction, optional offset.
_STRICT_RE = (
    r"\d{4}(?:-\d{2}-\d{2}|/\d{2}/\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?" + _OFFSET
)
#: Year first but incomplete: ``2019-02-1``, ``2019-02-01`` (no time), ``2019-02-01 08``,
#: ``2019-2-1 8:30`` (one-digit fields): the value was cut or mis-formatted.
_TRUNCATED_RE = r"\d{4}[-/]\d{1,2}(?:[-/]\d{0,2}(?:[T ]\d{0,2}(?::\d{0,2}(?::\d{0,2})?)?)?)?"
#: Day and month first (``04/03/2025 09:15``, ``4-3-25``): day/month order unknown.
_AMBIGUOUS_RE = r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?:[T ].*)?"
#: Fault kinds of :func:`classify_timestamps`.
TIME_FAULTS: tuple[str, ...] = ("truncated", "ambiguous", "unparseable")
#: Files of a calibration whose columns can be mapped (see :func:`columns_for`).
COLUMN_FILES: tuple[str, ...] = ("tickets", "catalogue", "skills", "staffing", "volumes")


class DataFormatError(ValueError):
    """A historical-data file cannot be used as it is.

    Parameters
    ----------
    source : str
        The file (or frame) the problem was found in.
    message : str
        What is wrong.
    column : str, optional
        The offending column.
    row : int, optional
        The 1-based data row (header excluded).
    """

    def __init__(
        self, source: str, message: str, *, column: str | None = None, row: int | None = None
    ) -> None:
        self.source = source
        self.column = column
        self.row = row
        where = [f"file {source!r}"]
        if column is not None:
            where.append(f"column {column!r}")
        if row is not None:
            where.append(f"row {row}")
        super().__init__(f"{', '.join(where)}: {message}")


# --------------------------------------------------------------------------- raw reading


def _decode(raw: bytes, source: str, encoding: str | None) -> str:
    if encoding is not None:
        try:
            return raw.decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise DataFormatError(source, f"cannot decode as {encoding}: {exc}") from exc
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataFormatError(source, "cannot decode as UTF-8 or GB18030; pass encoding=...")


#: The readers' common parameters, described once (:mod:`simulator.docstrings`).
READER_DOCS = DocTexts(
    encoding="""
        encoding : str, optional
            CSV text encoding; ``None`` auto-detects UTF-8, then GB18030.
    """,
    columns="""
        columns : mapping, optional
            Documented column name -> the file's column; see :func:`apply_columns`.
    """,
)


@READER_DOCS.fill
def read_table(path: PathLike, encoding: str | None = None) -> pd.DataFrame:
    """Read a CSV or Parquet file as a frame of strings (CSV) or native dtypes (Parquet).

    Parameters
    ----------
    path : str or os.PathLike
        ``.parquet`` / ``.pq`` files are read with pyarrow; anything else as CSV.
    %(encoding)s

    Returns
    -------
    pandas.DataFrame
        Column names stripped of white space and lower-cased; a ``source_row`` column
        (1-based data row); ``attrs["source"]`` set to the path.

    Raises
    ------
    DataFormatError
        If the file is missing, unreadable or undecodable.
    """
    p = Path(path)
    source = str(p)
    if not p.is_file():
        raise DataFormatError(source, "file not found")
    if p.suffix.lower() in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(p)
        except Exception as exc:  # pyarrow raises many exception types
            raise DataFormatError(source, f"unreadable Parquet file: {exc}") from exc
    else:
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise DataFormatError(source, f"unreadable file: {exc}") from exc
        text = _decode(raw, source, encoding)
        try:
            df = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise DataFormatError(source, f"unreadable CSV: {exc}") from exc
    df.columns = [str(c).strip().lower() for c in df.columns]
    df.insert(0, "source_row", np.arange(1, len(df) + 1, dtype=np.int64))
    df.attrs["source"] = source
    return df


def columns_for(columns: Mapping[str, Any] | None, file: str) -> dict[str, str]:
    """The column mapping of one input file from a calibration's ``columns`` setting.

    Parameters
    ----------
    columns : mapping, optional
        ``documented name -> the file's column``. A plain string value applies to every
        file that has that column; a mapping under a file key of :data:`COLUMN_FILES`
        (``columns.staffing.start=block_start``) to that file only, over the plain ones;
        ``None`` values are not mapped.
    file : str
        One of :data:`COLUMN_FILES`.

    Returns
    -------
    dict
        ``documented name -> their column`` for ``file``.
    """
    if file not in COLUMN_FILES:
        raise ValueError(f"unknown input file {file!r}; one of {COLUMN_FILES}")
    out: dict[str, str] = {}
    if not columns:
        return out
    for key, value in columns.items():
        if isinstance(value, Mapping):
            if key not in COLUMN_FILES:
                raise DataFormatError(
                    "<config>",
                    f"columns.{key}: a mapping is allowed only under a file key {COLUMN_FILES}",
                )
            continue
        if value is None:
            continue  # not mapped: the documented name
        if str(value).strip() == "":
            raise DataFormatError("<config>", f"columns.{key}: empty column name")
        out[str(key).strip().lower()] = str(value)
    own = columns.get(file)
    if isinstance(own, Mapping):
        for key, value in own.items():
            if value is None:
                continue
            if str(value).strip() == "":
                raise DataFormatError("<config>", f"columns.{file}.{key}: empty column name")
            out[str(key).strip().lower()] = str(value)
    return out


def apply_columns(df: pd.DataFrame, columns: Mapping[str, str] | None, source: str) -> pd.DataFrame:
    """Rename the file's columns to the documented names (``columns``: documented name ->
    their column, case-insensitive). A mapped column absent from the file is skipped
    (a mapping may serve several files); the reader then reports a required column as
    missing, naming the mapping. Two documented names mapped to one column, or a mapped
    column next to a column already named as documented, raise :class:`DataFormatError`.
    """
    if not columns:
        return df
    rename: dict[str, str] = {}
    for doc, theirs in columns.items():
        d = str(doc).strip().lower()
        t = str(theirs).strip().lower()
        if t == d or t not in df.columns:
            continue
        if t in rename:
            raise DataFormatError(
                source, f"column {theirs!r} is mapped to both {rename[t]!r} and {d!r}"
            )
        if d in df.columns:
            raise DataFormatError(
                source,
                f"columns.{d}={theirs}: the file also has a column named {d!r}; "
                "drop one or map the other",
                column=d,
            )
        rename[t] = d
    out = df.rename(columns=rename)
    out.attrs = dict(df.attrs)
    out.attrs["columns"] = {d: t for t, d in rename.items()}
    return out


def _require(df: pd.DataFrame, columns: Sequence[str], source: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        mapped = df.attrs.get("columns") or {}
        hint = f"; columns mapped: {mapped}" if mapped else ""
        raise DataFormatError(
            source,
            f"missing required column(s) {missing}; found {list(df.columns[1:])}{hint} "
            "(map another name with columns.<documented name>=<column>)",
            column=missing[0],
        )


def _open(
    path: PathLike, encoding: str | None, columns: Mapping[str, str] | None, required: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """A file read, its columns mapped and the ``required`` ones checked: the file's frame,
    the output frame (its ``source_row`` so far; ``attrs["source"]`` names the file) and
    the source name for messages."""
    df = read_table(path, encoding)
    source = df.attrs["source"]
    df = apply_columns(df, columns, source)
    _require(df, required, source)
    out = pd.DataFrame({"source_row": df["source_row"]})
    out.attrs["source"] = source
    return df, out, source


def _as_text(s: pd.Series) -> pd.Series:
    """Strip strings; empty strings and nulls become ``<NA>`` in a ``string`` column."""
    out = s.astype("string").str.strip()
    return out.mask(out == "")


# --------------------------------------------------------------------------- timestamps


def classify_timestamps(s: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse timestamps strictly and name the fault of every value that is not one.

    A value is a timestamp only when it is complete: ``YYYY-MM-DD`` (or ``YYYY/MM/DD``),
    then ``T`` or a space, then ``HH:MM`` with optional seconds, fraction and offset.
    Anything else that is not empty is a fault, never guessed at:

    ``truncated``
        year first but cut or incomplete (``2019-02-1``, ``2019-02-01`` without a time,
        ``2019-02-01 08``);
    ``ambiguous``
        day and month first (``04/03/2025 09:15``): which is the month is unknown;
    ``unparseable``
        anything else (``09:15``, ``n/a``, an impossible date such as ``2019-02-30``).

    Parameters
    ----------
    s : pandas.Series
        Strings (empty or null = missing) or an already typed datetime column
        (naive = Asia/Shanghai; aware = converted).

    Returns
    -------
    values : pandas.Series
        ``datetime64[ns]`` naive Asia/Shanghai wall-clock time, ``NaT`` where missing or
        faulty.
    fault : pandas.Series
        ``string``: one of :data:`TIME_FAULTS`, ``<NA>`` where fine or empty.
    """
    no_fault = pd.Series(pd.NA, index=s.index, dtype="string")
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        out = s.dt.tz_convert(TIMEZONE).dt.tz_localize(None).astype("datetime64[ns]")
        return out, no_fault
    if pd.api.types.is_datetime64_dtype(s.dtype):
        return s.astype("datetime64[ns]"), no_fault
    text = _as_text(s)
    present = text.notna()
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    strict = present & text.str.fullmatch(_STRICT_RE).fillna(False).astype(bool)
    clean = text.where(strict).str.replace("/", "-", regex=False).str.replace(",", ".")
    aware = strict & clean.str.contains(_AWARE_RE, regex=True).fillna(False).astype(bool)
    naive = strict & ~aware
    if naive.any():
        parsed = pd.to_datetime(clean[naive], errors="coerce", format="ISO8601")
        out[naive] = parsed.astype("datetime64[ns]")
    if aware.any():
        parsed = pd.to_datetime(clean[aware], errors="coerce", format="ISO8601", utc=True)
        out[aware] = parsed.dt.tz_convert(TIMEZONE).dt.tz_localize(None).astype("datetime64[ns]")
    bad = present & out.isna()
    fault = no_fault.copy()
    if bad.any():
        t = text[bad]
        kind = pd.Series("unparseable", index=t.index, dtype="string")
        kind[t.str.fullmatch(_AMBIGUOUS_RE).fillna(False).astype(bool)] = "ambiguous"
        trunc = t.str.fullmatch(_TRUNCATED_RE).fillna(False).astype(bool) & ~strict[bad]
        kind[trunc] = "truncated"
        fault[bad] = kind
    return out, fault


def _reject_first(
    df: pd.DataFrame,
    bad: pd.Series,
    source: str,
    column: str,
    message: str,
    *,
    show_value: bool = True,
) -> None:
    """Raise :class:`DataFormatError` naming ``column`` and the data row of the first row
    where ``bad`` holds, with the file's value there when ``show_value``; nothing if none."""
    flags = bad.to_numpy(dtype=bool)
    if flags.any():
        i = int(np.flatnonzero(flags)[0])
        if show_value:
            message = f"{message}, got {df[column].iloc[i]!r}"
        raise DataFormatError(source, message, column=column, row=int(df["source_row"].iloc[i]))


def _strict_numeric(df: pd.DataFrame, column: str, source: str, *, integer: bool) -> pd.Series:
    raw = df[column]
    src = raw if pd.api.types.is_numeric_dtype(raw.dtype) else _as_text(raw)
    num = pd.to_numeric(src, errors="coerce")
    bad = num.isna() | (num < 0)
    if integer:
        bad |= num.notna() & (num != np.floor(num))
    kind = "integer" if integer else "number"
    _reject_first(df, bad, source, column, f"expected a non-negative {kind}")
    return num.astype("int64") if integer else num.astype("float64")


def _strict_dates(df: pd.DataFrame, column: str, source: str) -> pd.Series:
    raw = df[column]
    if pd.api.types.is_datetime64_any_dtype(raw.dtype):
        vals = raw
    else:
        vals = pd.to_datetime(_as_text(raw), errors="coerce", format="ISO8601")
    _reject_first(df, vals.isna(), source, column, "expected an ISO-8601 date (YYYY-MM-DD)")
    if isinstance(vals.dtype, pd.DatetimeTZDtype):
        vals = vals.dt.tz_convert(TIMEZONE).dt.tz_localize(None)
    return vals.dt.normalize().astype("datetime64[ns]")


def _strict_text(df: pd.DataFrame, column: str, source: str) -> pd.Series:
    vals = _as_text(df[column])
    _reject_first(df, vals.isna(), source, column, "empty value", show_value=False)
    return vals


def _strict_hhmm(df: pd.DataFrame, column: str, source: str) -> pd.Series:
    vals = _as_text(df[column])
    ok = vals.str.fullmatch(r"([01]?\d|2[0-4]):[0-5]\d(:[0-5]\d)?").fillna(False).astype(bool)
    _reject_first(df, ~ok, source, column, "expected a time of day HH:MM")
    return vals.str.slice(0, 5)


# --------------------------------------------------------------------------- readers


@READER_DOCS.fill
def read_ticket_log(
    path: PathLike, encoding: str | None = None, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read a ticket log (one row per ticket).

    Parameters
    ----------
    path : str or os.PathLike
        CSV or Parquet file with the columns in :data:`TICKET_REQUIRED_COLUMNS` and
        optionally :data:`TICKET_OPTIONAL_COLUMNS`.
    %(encoding)s
    %(columns)s
        E.g. ``{"origin": "origin_province"}``.

    Returns
    -------
    pandas.DataFrame
        ``source_row`` (int64); identifier columns and ``outcome`` / ``origin`` as
        ``string`` (stripped, ``<NA>`` when empty; ``outcome`` and ``origin``
        lower-cased); every timestamp column of :data:`TICKET_TIME_COLUMNS` present in
        the file as naive ``datetime64[ns]`` Asia/Shanghai wall-clock time (``NaT`` when
        empty or not a complete timestamp); ``parse_errors`` (``string``): comma-separated
        names of the timestamp columns whose non-empty value is not a complete timestamp,
        ``<NA>`` if none; ``time_faults`` (``string``): the same as
        ``column:fault=value`` items separated by ``; `` (fault from
        :func:`classify_timestamps`, value cut to 40 characters). Without an ``origin``
        column, ``origin`` is empty (unknown); without ``leave_time`` the column is
        absent (cleaning then takes ``service_end`` of abandoned rows). Values are not
        checked for consistency here: see :func:`calibration.clean.clean_ticket_log`.

    Raises
    ------
    DataFormatError
        Unreadable file or missing required column.
    """
    df, out, _ = _open(path, encoding, columns, TICKET_REQUIRED_COLUMNS)
    for col in ("centre_id", "ticket_id", "item_id", "window_id", "staff_id"):
        out[col] = _as_text(df[col])
    out["outcome"] = _as_text(df["outcome"]).str.lower()
    out["origin"] = (
        _as_text(df["origin"]).str.lower()
        if "origin" in df.columns
        else pd.Series(pd.NA, index=df.index, dtype="string")
    )
    errors = pd.Series("", index=df.index, dtype="string")
    faults = pd.Series("", index=df.index, dtype="string")
    for col in TICKET_TIME_COLUMNS:
        if col not in df.columns:
            continue
        vals, fault = classify_timestamps(df[col])
        out[col] = vals
        bad = fault.notna().to_numpy()
        if bad.any():
            errors[bad] = errors[bad] + "," + col
            shown = df[col].astype("string").str.slice(0, 40)[bad]
            faults[bad] = faults[bad] + "; " + col + ":" + fault[bad] + "=" + shown
    errors = errors.str.lstrip(",")
    out["parse_errors"] = errors.mask(errors == "")
    faults = faults.str.removeprefix("; ")
    out["time_faults"] = faults.mask(faults == "")
    return out


@READER_DOCS.fill
def read_volumes(
    path: PathLike, encoding: str | None = None, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read daily (or hourly, or per-item) visit volumes.

    Parameters
    ----------
    path : str or os.PathLike
        CSV or Parquet with ``centre_id, date, visits`` and optionally ``item_id``
        and ``hour`` (0-23, the clock hour the visits started in).
    %(encoding)s
    %(columns)s
        E.g. ``{"visits": "count"}``.

    Returns
    -------
    pandas.DataFrame
        ``source_row``, ``centre_id`` (string), ``date`` (datetime64, midnight),
        ``visits`` (int64, visits that day / hour), and ``item_id`` (string) /
        ``hour`` (int64) when present.

    Raises
    ------
    DataFormatError
        Unreadable file, missing column, or a value that cannot be parsed (the error
        names the column and row: aggregated data are not cleaned row by row).
    """
    df, out, source = _open(path, encoding, columns, VOLUME_COLUMNS)
    out["centre_id"] = _strict_text(df, "centre_id", source)
    out["date"] = _strict_dates(df, "date", source)
    out["visits"] = _strict_numeric(df, "visits", source, integer=True)
    if "item_id" in df.columns:
        out["item_id"] = _strict_text(df, "item_id", source)
    if "hour" in df.columns:
        hour = _strict_numeric(df, "hour", source, integer=True)
        _reject_first(df, hour > 23, source, "hour", "hour must be 0-23", show_value=False)
        out["hour"] = hour
    return out


@READER_DOCS.fill
def read_staffing(
    path: PathLike, encoding: str | None = None, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read the staffing history (one row per centre, date and shift).

    Parameters
    ----------
    path : str or os.PathLike
        CSV or Parquet with ``centre_id, date, start, end, windows_open`` and optionally
        ``staff_on_duty``; ``start`` / ``end`` are ``HH:MM`` local times of the shift.
    %(encoding)s
    %(columns)s
        E.g. ``{"start": "block_start", "end": "block_end"}``.

    Returns
    -------
    pandas.DataFrame
        Typed columns: ``date`` datetime64, ``start`` / ``end`` ``"HH:MM"`` strings,
        ``windows_open`` / ``staff_on_duty`` int64 (``staff_on_duty`` = ``windows_open``
        when the file has no such column: one staff member per open window).

    Raises
    ------
    DataFormatError
        Unreadable file, missing column or unparseable value (with column and row).
    """
    df, out, source = _open(path, encoding, columns, STAFFING_COLUMNS)
    out["centre_id"] = _strict_text(df, "centre_id", source)
    out["date"] = _strict_dates(df, "date", source)
    out["start"] = _strict_hhmm(df, "start", source)
    out["end"] = _strict_hhmm(df, "end", source)
    out["windows_open"] = _strict_numeric(df, "windows_open", source, integer=True)
    out["staff_on_duty"] = (
        _strict_numeric(df, "staff_on_duty", source, integer=True)
        if "staff_on_duty" in df.columns
        else out["windows_open"].copy()
    )
    return out


@READER_DOCS.fill
def read_staff_skills(
    path: PathLike, encoding: str | None = None, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read the staff skills table (one row per staff member and item family).

    Parameters
    ----------
    path : str or os.PathLike
        CSV or Parquet with ``staff_id, family, level``; ``level`` is one of
        :data:`SKILL_LEVELS` (case-insensitive).
    %(encoding)s
    %(columns)s
        E.g. ``{"level": "skill_level"}``.

    Returns
    -------
    pandas.DataFrame
        ``source_row``, ``staff_id``, ``family``, ``level`` (strings, level lower-case).

    Raises
    ------
    DataFormatError
        Unreadable file, missing column, empty value, unknown level, or a duplicated
        ``(staff_id, family)`` pair.
    """
    df, out, source = _open(path, encoding, columns, SKILLS_COLUMNS)
    out["staff_id"] = _strict_text(df, "staff_id", source)
    out["family"] = _strict_text(df, "family", source)
    out["level"] = _strict_text(df, "level", source).str.lower()
    bad = ~out["level"].isin(SKILL_LEVELS)
    _reject_first(df, bad, source, "level", f"level must be one of {SKILL_LEVELS}")
    dup = out.duplicated(["staff_id", "family"])
    msg = "duplicated (staff_id, family) pair"
    _reject_first(df, dup, source, "staff_id", msg, show_value=False)
    return out


def validate_catalogue(catalogue: pd.DataFrame, source: str = "<catalogue>") -> pd.DataFrame:
    """Check and normalise an item catalogue frame (``item_id, family``).

    Parameters
    ----------
    catalogue : pandas.DataFrame
        One row per item with its service family.
    source : str
        Name used in error messages.

    Returns
    -------
    pandas.DataFrame
        ``item_id`` and ``family`` as stripped strings, one row per item.

    Raises
    ------
    DataFormatError
        Missing column, empty value, or an item listed twice with different families.
    """
    cat = catalogue.copy()
    cat.columns = [str(c).strip().lower() for c in cat.columns]
    if "source_row" not in cat.columns:
        cat.insert(0, "source_row", np.arange(1, len(cat) + 1, dtype=np.int64))
    _require(cat, CATALOGUE_COLUMNS, source)
    out = pd.DataFrame(
        {
            "item_id": _strict_text(cat, "item_id", source),
            "family": _strict_text(cat, "family", source),
        }
    )
    out = out.drop_duplicates()
    dup = out.duplicated("item_id")
    if dup.any():
        item = out.loc[dup, "item_id"].iloc[0]
        raise DataFormatError(
            source, f"item {item!r} listed with more than one family", column="item_id"
        )
    return out.reset_index(drop=True)


@READER_DOCS.fill
def read_catalogue(
    path: PathLike, encoding: str | None = None, columns: Mapping[str, str] | None = None
) -> pd.DataFrame:
    """Read an item catalogue file (``item_id, family``); see :func:`validate_catalogue`.

    Parameters
    ----------
    path : str or os.PathLike
        CSV or Parquet file.
    %(encoding)s
    %(columns)s
        E.g. ``{"family": "category"}``.

    Returns
    -------
    pandas.DataFrame
        ``item_id``, ``family`` strings.
    """
    df = read_table(path, encoding)
    df = apply_columns(df, columns, df.attrs["source"])
    return validate_catalogue(df, df.attrs["source"])
