"""The whole calibration: ticket logs in, a validated scenario and a report out.

:func:`calibrate` is the plain function behind ``svcsim-calibrate``; notebooks and tests
call it directly. Steps: read the files, restrict to the date range, clean (every
excluded row counted with its reason), split off the held-out period, fit each centre
on the rest (arrivals, calendar effects, mixes, service times per family and skill,
patience, balking), build the scenario from the base scenario and the fit, validate it by
simulation against the held-out history with the historical staffing, write the
scenario YAML and the report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from calibration.calendar import OfficialCalendar, official_calendar
from calibration.clean import InsufficientDataError, clean_ticket_log
from calibration.effects import CalendarEffects, fit_calendar_effects
from calibration.fit import CalibrationFit, fit_all
from calibration.io import (
    READER_DOCS,
    DataFormatError,
    PathLike,
    columns_for,
    read_catalogue,
    read_staff_skills,
    read_staffing,
    read_ticket_log,
)
from calibration.layout import LayoutFit, fit_layout, plan_from_staffing
from calibration.validate import ValidationResult, validate_file
from calibration.writer import build_scenario_config, full_base_config, write_scenario
from simulator.config.safety import check_name, identifier_problem, inside, name_problem

__all__ = ["CentreCalibration", "calibrate", "opening_hours_of", "staffing_plan_from_history"]


@dataclass(frozen=True)
class CentreCalibration:
    """Everything produced for one centre.

    Attributes
    ----------
    centre_id : str
        Centre.
    name : str
        Scenario name written.
    scenario_path : pathlib.Path
        The YAML written.
    config : dict
        The scenario config (with ``calibration`` provenance).
    fit : CalibrationFit
        The fit on the training period.
    effects : CalendarEffects
        Calendar factors.
    validation : ValidationResult or None
        Held-out comparison (None without a holdout).
    report_dir : pathlib.Path or None
        Report folder.
    layout : LayoutFit or None
        Windows, staff, staffing plan, closures, walk time and no-shows from the log.
    """

    centre_id: str
    name: str
    scenario_path: Path
    config: dict[str, Any]
    fit: CalibrationFit
    effects: CalendarEffects
    validation: ValidationResult | None
    report_dir: Path | None
    layout: LayoutFit | None = None


def opening_hours_of(cfg: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """Opening intervals per day type from a scenario config's ``calendar.hours``."""

    def clock(v: Any) -> str:
        if isinstance(v, int | float):
            m = int(v)
            return f"{m // 60:02d}:{m % 60:02d}"
        return str(v)

    out = {}
    for key, h in (cfg.get("calendar", {}).get("hours") or {}).items():
        out[str(key)] = [(clock(h["open"]), clock(h["close"]))]
    return out


def staffing_plan_from_history(
    staffing: pd.DataFrame,
    cfg: Mapping[str, Any],
    calendar: OfficialCalendar,
    group_shares: Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, Any]:
    """A ``by_block`` plan from a staffing history (most common schedule per day type).

    The windows open in a block are spread over the window groups of ``cfg`` in the
    proportions ``group_shares`` gives per day type (from the log, see
    :func:`calibration.layout.fit_layout`); without them, in proportion to the group
    sizes of the layout.
    """
    if group_shares is None:
        sizes = {g: float(v.get("count", 0)) for g, v in cfg["layout"]["windows"].items() if v}
        group_shares = {k: sizes for k in ("weekday", "weekend", "holiday")}
    return plan_from_staffing(staffing, _day_type_of(calendar, staffing["date"]), group_shares)


def _day_type_of(calendar: OfficialCalendar, dates: Any) -> dict[pd.Timestamp, str]:
    hol, work = set(calendar.holidays), set(calendar.working_days)
    out = {}
    for x in pd.DatetimeIndex(pd.to_datetime(pd.Series(dates).astype(str))).unique():
        d = x.date()
        out[pd.Timestamp(d)] = (
            "holiday" if d in hol else "weekday" if d in work or d.weekday() < 5 else "weekend"
        )
    return out


def _check_ids(centres: Sequence[str], cat: pd.DataFrame, source: str, cat_source: str) -> None:
    """Centre ids become file names and YAML values, item ids and families cells and
    keys: they must be safe names and identifiers (docs/errors.md)."""
    for cid in centres:
        problem = name_problem(cid) or identifier_problem(cid)
        if problem is not None:
            raise DataFormatError(source, f"centre_id {problem}", column="centre_id")
    for col in ("item_id", "family"):
        for value in cat[col].astype(str).unique():
            problem = identifier_problem(value)
            if problem is not None:
                raise DataFormatError(cat_source, problem, column=col)


def _as_list(x: PathLike | Sequence[PathLike]) -> list[PathLike]:
    if isinstance(x, str | Path):
        return [x]
    return [p for p in x]  # type: ignore[union-attr]


@READER_DOCS.fill
def calibrate(
    tickets: PathLike | Sequence[PathLike],
    *,
    name: str = "calibrated",
    catalogue: PathLike | None = None,
    skills: PathLike | None = None,
    staffing: PathLike | None = None,
    base: str = "reference",
    centre_id: str | None = None,
    start: str | dt.date | None = None,
    end: str | dt.date | None = None,
    holdout_days: int = 0,
    out_dir: PathLike | None = None,
    report_dir: PathLike | None = None,
    replications: int = 20,
    seed: int = 0,
    alpha: float = 0.05,
    min_usable: int | float = 0.5,
    min_rows: int = 500,
    bin_minutes: int = 30,
    gof_n_mc: int = 99,
    balk_max_minutes: float | None = 0.0,
    encoding: str | None = None,
    columns: Mapping[str, Any] | None = None,
    workers: int = 1,
    figures: bool = True,
    progress: bool = False,
    unseen_months: str = "base",
) -> list[CentreCalibration]:
    """Calibrate scenarios from ticket logs, validate them and write YAML and report.

    Parameters
    ----------
    tickets : path or sequence of paths
        Ticket logs (CSV / Parquet, ``docs/data-formats.md``).
    name : str
        Scenario name; with several centres each gets ``<name>_<centre_id>``.
    catalogue : path, optional
        Item catalogue (``item_id, family``); default: the base scenario's items file.
    skills : path, optional
        Staff skills table: enables service fits per skill level and skill multipliers.
    staffing : path, optional
        Staffing history: the scenario's staffing plan (``by_block``) and the staffing
        simulated in the validation; default: the base scenario's plan.
    base : str
        Base scenario for everything the data cannot inform.
    centre_id : str, optional
        Calibrate only this centre (default: every centre in the logs).
    start, end : date-like, optional
        Date range of tickets used (inclusive).
    holdout_days : int
        Last days of the range held out for validation (0: no validation).
    out_dir : path, optional
        Folder of the scenario YAML (default: the report folder, ``report_dir``).
    report_dir : path, optional
        Report folder (default: ``calibration_report/<name>`` in the working directory);
        one sub-folder per centre when there are several.
    replications, seed, alpha, workers :
        Validation simulation settings and family-wise level of the verdicts.
    min_usable : int or float
        Cleaning threshold (count or share of input rows).
    min_rows : int
        Fewest usable training rows per centre.
    bin_minutes, gof_n_mc :
        Fitting settings (see :func:`calibration.fit.fit_all`).
    balk_max_minutes : float, optional
        Abandonments this soon after the ticket are balks: not patience data, and the
        data of the balking fit (``impatience.balking``); None leaves balking as in
        the base scenario.
    %(encoding)s
    columns : mapping, optional
        Column names of the exports: ``documented name -> their column`` for every
        file, or per file under ``tickets``, ``catalogue``, ``skills``, ``staffing``
        (see :func:`calibration.io.columns_for`).
    figures : bool
        Draw the report figures.
    progress : bool
        Show progress bars (tqdm).
    unseen_months : {"base", "flat"}
        Month factors of months the fitting period does not cover: the base scenario's
        seasonal shape scaled to the seen months, or 1.0 (see
        :func:`calibration.writer.build_scenario_config`).

    Returns
    -------
    list of CentreCalibration
        One per centre.

    Raises
    ------
    InsufficientDataError
        When too little usable data remains (after cleaning, or for a centre).
    """
    from tqdm.auto import tqdm

    from calibration.report import write_report

    check_name(name, "name")
    base_cfg = full_base_config(base)
    paths = _as_list(tickets)
    frames = []
    for p in tqdm(paths, desc="read ticket logs", disable=not progress):
        f = read_ticket_log(p, encoding=encoding, columns=columns_for(columns, "tickets"))
        f["source_file"] = str(p)
        frames.append(f)
    raw = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    raw.attrs["source"] = ", ".join(str(p) for p in paths)
    n_read = len(raw)
    keep = pd.Series(True, index=raw.index)
    if start is not None:
        keep &= ~(raw["ticket_time"] < pd.Timestamp(start))
    if end is not None:
        keep &= ~(raw["ticket_time"] >= pd.Timestamp(end) + pd.Timedelta(days=1))
    if centre_id is not None:
        keep &= raw["centre_id"].isna() | (raw["centre_id"] == centre_id)
    raw = raw.loc[keep].reset_index(drop=True)
    raw.attrs["source"] = ", ".join(str(p) for p in paths)
    if raw["ticket_time"].notna().sum() == 0:
        raise InsufficientDataError(
            f"{raw.attrs['source']}: no ticket with a usable ticket_time in the date range "
            f"{start} to {end} ({n_read} rows read)"
        )
    first = raw["ticket_time"].min().date() if start is None else pd.Timestamp(start).date()
    last = raw["ticket_time"].max().date() if end is None else pd.Timestamp(end).date()
    cal = official_calendar(first, last)
    hours = opening_hours_of(base_cfg)
    if catalogue is not None:
        cat = read_catalogue(catalogue, columns=columns_for(columns, "catalogue"))
        cat_source = str(catalogue)
    else:
        from simulator.config.compose import scenarios_dir

        items_file = base_cfg["catalogue"].get("items_file")
        if items_file is None:
            raise ValueError("the base scenario has no items_file: pass catalogue=")
        cat = read_catalogue(scenarios_dir() / str(items_file))
        cat_source = f"base scenario {base!r} items file {items_file}"
    cleaned = clean_ticket_log(
        raw,
        cat,
        hours,
        holidays=cal.holidays,
        working_days=cal.working_days,
        min_usable=min_usable,
        closed_days="auto",
    )
    sk = (
        read_staff_skills(skills, encoding=encoding, columns=columns_for(columns, "skills"))
        if skills is not None
        else None
    )
    st = (
        read_staffing(staffing, encoding=encoding, columns=columns_for(columns, "staffing"))
        if staffing is not None
        else None
    )
    synthetic = any("synthetic" in Path(str(p)).name for p in paths)

    holdout_start = last - dt.timedelta(days=holdout_days - 1) if holdout_days > 0 else None
    data = cleaned.data
    centres = sorted(data["centre_id"].astype(str).unique())
    _check_ids(centres, cat, raw.attrs["source"], cat_source)
    all_dates = pd.date_range(first, last, freq="D")
    day_type_of = _day_type_of(cal, all_dates)
    root = Path(report_dir) if report_dir is not None else Path("calibration_report") / name
    results = []
    for cid in tqdm(centres, desc="calibrate centres", disable=not progress):
        cdata_all = data.loc[data["centre_id"] == cid]
        # closed days (detected by cleaning, their stray rows excluded as closed_day)
        cdays = cleaned.closed_days
        closed = list(pd.DatetimeIndex(cdays.loc[cdays["centre_id"].astype(str) == cid, "date"]))
        cdata = cdata_all
        train = (
            cdata.loc[cdata["date"] < pd.Timestamp(holdout_start)]
            if holdout_start is not None
            else cdata
        )
        if len(train) < min_rows:
            raise InsufficientDataError(
                f"centre {cid}: only {len(train)} usable tickets in the fitting period "
                f"{first} to {holdout_start or last} (min_rows={min_rows}); "
                f"widen the date range or lower min_rows.\n" + cleaned.report()
            )
        train_dates = (
            all_dates[all_dates < pd.Timestamp(holdout_start)]
            if holdout_start is not None
            else all_dates
        )
        st_c = st.loc[st["centre_id"] == cid] if st is not None else None
        layout = fit_layout(
            train,
            opening_hours=hours,
            calendar_dates=train_dates,
            day_type_of=day_type_of,
            closed=[d for d in closed if d in set(train_dates)],
            bin_minutes=bin_minutes,
            staffing=st_c if st_c is not None and len(st_c) else None,
        )
        fit = fit_all(
            train,
            skills=sk if sk is not None else layout.skills_table(),
            centre_id=cid,
            bin_minutes=bin_minutes,
            opening_hours=hours,
            holidays=cal.holidays,
            working_days=cal.working_days,
            exclude_days=list(cal.post_holiday.keys()),
            balk_max_minutes=balk_max_minutes,
            gof_n_mc=gof_n_mc,
            seed=seed,
        )
        counts = train.groupby("date").size()
        effects = fit_calendar_effects(counts, fit.arrivals.daily, cal)
        scen_name = name if len(centres) == 1 else f"{name}_{cid}"
        excl = cleaned.excluded
        excl_c = excl.loc[excl["centre_id"].astype("string").fillna("") == cid]
        prov = {
            "synthetic": synthetic,
            "sources": {
                "tickets": [str(p) for p in paths],
                "catalogue": cat_source,
                "skills": None if skills is None else str(skills),
                "staffing": None if staffing is None else str(staffing),
            },
            "date_range": {"start": str(first), "end": str(last)},
            "fitting_period": {
                "start": str(train["date"].min().date()),
                "end": str(train["date"].max().date()),
            },
            "holdout_period": None
            if holdout_start is None
            else {"start": str(holdout_start), "end": str(last)},
            "rows": {
                "read_all_centres": n_read,
                "usable_all_centres": cleaned.n_usable,
                "excluded_all_centres": len(cleaned.excluded),
                "excluded_by_reason_all_centres": {
                    str(r): int(c)
                    for r, c in zip(
                        cleaned.counts()["reason"], cleaned.counts()["count"], strict=True
                    )
                },
                "excluded_this_centre": len(excl_c),
                "usable_this_centre": len(cdata_all),
                "on_closed_days_this_centre": int((excl_c["reason"] == "closed_day").sum()),
                "closed_days_this_centre": len(closed),
                "fitting": len(train),
                "holdout": len(cdata) - len(train),
            },
        }
        cfg, items, origin = build_scenario_config(
            fit,
            name=scen_name,
            base=base_cfg,
            effects=effects,
            provenance=prov,
            catalogue=cat,
            layout=layout,
            unseen_months=unseen_months,
        )
        cfg["calibration"]["base_scenario"] = base
        out_folder = Path(out_dir) if out_dir is not None else root
        if len(centres) > 1 and out_dir is None:
            out_folder = inside(root, cid, "centre_id")
        path = write_scenario(cfg, scen_name, origin, items, out_folder)
        val = None
        if holdout_start is not None:
            val = validate_file(
                path,
                cdata_all,
                holdout_start,
                holdout_days,
                replications=replications,
                seed=seed,
                alpha=alpha,
                workers=workers,
                progress=progress,
                closed_dates=[d for d in closed if d >= pd.Timestamp(holdout_start)],
            )
        rdir = None
        if report_dir is not None or figures:
            rdir = root if len(centres) == 1 else inside(root, cid, "centre_id")
            write_report(
                rdir,
                name=scen_name,
                scenario_path=path,
                cleaned=cleaned,
                centre_id=cid,
                train=train,
                fit=fit,
                effects=effects,
                validation=val,
                figures=figures,
                synthetic=synthetic,
                skills=sk,
                config=cfg,
                layout=layout,
            )
        results.append(
            CentreCalibration(cid, scen_name, path, cfg, fit, effects, val, rdir, layout)
        )
    return results
