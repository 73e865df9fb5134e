"""Synthetic history: ticket logs and volume tables from a known scenario, via the simulator.

The generator runs a scenario through :func:`simulator.simulate` (one replication per
centre, per-visit records on) and writes what a centre's ticket system would export:
a ticket log in the format of ``docs/data-formats.md``, daily and hourly volume tables,
a staffing history, a staff skills table and the item catalogue. Every file name starts
with ``synthetic_``, every table has a ``synthetic`` column (value 1; readers ignore
extra columns) and the folder gets a ``README.md`` saying the data are simulated. The
known parameters (the full composed scenario of every centre) go to
``synthetic_truth.yaml`` so that a calibration can be checked against them.

How simulator outcomes become ticket-log rows (see also ``docs/calibration.md``):

``served``
    ``served``; ``call_time = service_start`` = ticket + wait (no walking time),
    ``service_end`` = start + service time (skill multiplier included), window and staff.
``abandoned`` (reneged)
    ``abandoned`` with ``leave_time`` = ticket + time in queue; no call.
``balked``
    ``abandoned`` with ``leave_time = ticket_time``: the resident took a ticket, saw the
    queue and left at once. Calibration treats zero-wait abandonments as balks
    (``balk_max_minutes``), not as patience observations.
``unserved``
    (still waiting when the last window closed) ``abandoned`` with an empty
    ``leave_time``: the ticket was closed at the end of the day, and whether the
    resident was still there is unknown; it counts as an arrival, not for patience.

Timestamps are whole seconds (floored), as ticket systems export them. ``origin`` is
left empty (cross-province origins come later); the return-visit flag is not exported.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from calibration.synthetic_export import (
    DIRTY_KINDS,
    fmt_times,
    inject_dirty,
    skills_table,
    staffing_history,
    stray_rows,
    visits_to_ticket_log,
)
from calibration.synthetic_presets import (
    CHINESE_COLUMNS,
    PRESETS,
    REALISTIC,
    RENAMED_COLUMNS,
    Preset,
    Realism,
)
from simulator.docstrings import DocTexts

__all__ = [
    "CHINESE_COLUMNS",
    "DIRTY_KINDS",
    "PRESETS",
    "REALISTIC",
    "RENAMED_COLUMNS",
    "Preset",
    "Realism",
    "SyntheticHistory",
    "generate_history",
    "skills_table",
    "staffing_history",
    "synthetic_history",
    "visits_to_ticket_log",
]

_PREFIX = "synthetic_"


@dataclass(frozen=True)
class SyntheticHistory:
    """Paths and facts of a generated synthetic history.

    Attributes
    ----------
    folder : pathlib.Path
        Output folder.
    tickets, volumes, hourly_volumes, staffing, skills, catalogue, truth_file, readme : Path
        The files written.
    centres : tuple of str
        Centre ids.
    truth : dict
        Centre id -> the composed scenario config (plain dict) it was simulated from,
        with the facts of the history under ``synthetic`` (closed days, absences, stray
        and faulty rows, peak utilisation, file options).
    n_tickets : int
        Rows of the ticket log (faulty rows included).
    preset : str
        Preset name (``custom`` when called directly).
    realism : Realism
        The realism options used.
    dirty : pandas.DataFrame
        The faulty rows added: ``source_row`` (as the readers number rows), ``kind``,
        ``reason`` (the exclusion reason cleaning must give) and ``centre_id``.
    """

    folder: Path
    tickets: Path
    volumes: Path
    hourly_volumes: Path
    staffing: Path
    skills: Path
    catalogue: Path
    truth_file: Path
    readme: Path
    centres: tuple[str, ...]
    truth: dict[str, dict[str, Any]]
    n_tickets: int
    preset: str = "custom"
    realism: Realism | None = None
    dirty: pd.DataFrame | None = None

    def scenario_config(self, centre_id: str) -> dict[str, Any]:
        """The composed scenario config a centre was simulated from, without the
        ``synthetic`` facts: valid for
        :func:`simulator.config.scenario.scenario_from_config`."""
        return {k: v for k, v in self.truth[centre_id].items() if k != "synthetic"}


_FAMILY_ZH = {
    "quick": "简易",
    "standard": "一般",
    "complex": "复杂",
    "cross_province": "跨省通办",
    "consultation": "咨询",
}


def _hydra_value(value: Any) -> str:
    """A plain value as a Hydra override value (flow-style YAML)."""
    return yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()


def _realism_overrides(cfg: Mapping[str, Any], r: Realism) -> list[str]:
    ov: list[str] = []
    if r.walk_time is not None:
        ov.append(f"++centre.walk_time={_hydra_value(dict(r.walk_time))}")
    if r.no_show_probability > 0:
        ns: dict[str, Any] = {"probability": r.no_show_probability, "hold": None}
        if r.no_show_hold is not None:
            ns["hold"] = dict(r.no_show_hold)
        ov.append(f"++centre.no_show={_hydra_value(ns)}")
    if r.holidays_closed:
        ov.append("demand.holiday_factor=0.0")
    if r.expert_staff > 0:
        staff = cfg.get("staffing", {}).get("staff", {}) or {}
        groups = [
            (int(g.get("count", 1)), name)
            for name, g in staff.items()
            if isinstance(g, Mapping) and g.get("level") == "proficient" and "skills" not in g
        ]
        if groups:
            count, name = max(groups)
            k = min(r.expert_staff, count)
            ov.append(f"staffing.staff.{name}.count={count - k}")
            ov.append(f"++staffing.staff.senior={_hydra_value({'count': k, 'level': 'expert'})}")
    return ov


def _absence_group(cfg: Mapping[str, Any]) -> tuple[str, int] | None:
    """The largest comprehensive window group with at least two windows (name, count):
    one of its windows closes when a staff member is absent."""
    windows = cfg.get("layout", {}).get("windows", {}) or {}
    groups = [
        (int(w.get("count", 1)), name)
        for name, w in windows.items()
        if isinstance(w, Mapping) and w.get("kind", "comprehensive") == "comprehensive"
    ]
    groups = [g for g in groups if g[0] > 1]
    if not groups:
        return None
    count, name = max(groups)
    return name, count


def _peak_utilisation(res: Any, scn: Any) -> float:
    """Highest weekday clock-hour utilisation (busy / open window-minutes over all
    weekdays), over the hours fully inside the weekday opening hours."""
    h = res.hourly
    hours = scn.hours["weekday"]
    wk = h[(h["day_type"] == "weekday")]
    inside = (wk["hour"] * 60 >= hours.open) & ((wk["hour"] + 1) * 60 <= hours.close)
    g = wk[inside].groupby("hour")[["busy_min", "open_min"]].sum()
    g = g[g["open_min"] > 0]
    return float((g["busy_min"] / g["open_min"]).max()) if len(g) else float("nan")


def _simulate_centre(
    cfg: dict[str, Any],
    source: str,
    seed: int,
    cid: str,
    r: Realism,
    rng: np.random.Generator,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, Any], Any]:
    """One centre (its composed config): ticket log, staffing history, skills, facts and
    the scenario."""
    from simulator import simulate
    from simulator.config.scenario import scenario_from_config

    scn = scenario_from_config(cfg, source=source)
    res = simulate(scn, replications=1, seed=seed, record_visits=True, workers=1)
    assert res.visits is not None
    prefix = f"{cid}/"
    log = visits_to_ticket_log(
        res.visits, scn.start_date, cid, prefix, origins=r.origins, xp_timestamps=r.xp_timestamps
    )
    staffing = staffing_history(scn, cid)
    plans = scn.day_plans()
    facts: dict[str, Any] = {"peak_utilisation": round(_peak_utilisation(res, scn), 4)}

    # Closures: holidays (demand 0 in the truth) and ad-hoc closed weekdays.
    holidays = [p.date for p in plans if p.day_type == "holiday" and not p.closed]
    weekdays = [p.date for p in plans if p.day_type == "weekday" and not p.closed]
    n_adhoc = round(r.adhoc_closures * len(plans) / 365.0)
    adhoc = (
        sorted(
            rng.choice(
                np.asarray(weekdays, dtype=object), size=min(n_adhoc, len(weekdays)), replace=False
            )
        )
        if n_adhoc and weekdays
        else []
    )
    closed = sorted(set(holidays if r.holidays_closed else []) | set(adhoc))
    open_weekdays = [d for d in weekdays if d not in set(adhoc)]

    # Staff absences: those days come from a run with one window fewer.
    absent: list[dt.date] = []
    if r.absence_share > 0 and open_weekdays:
        group = _absence_group(cfg)
        n_abs = round(r.absence_share * len(open_weekdays))
        if group is not None and n_abs:
            absent = sorted(
                rng.choice(np.asarray(open_weekdays, dtype=object), size=n_abs, replace=False)
            )
            name, count = group
            cfg2 = copy.deepcopy(cfg)
            cfg2["layout"]["windows"][name]["count"] = count - 1
            scn2 = scenario_from_config(cfg2, source=f"{source}, one {name} window closed")
            res2 = simulate(scn2, replications=1, seed=seed + 1, record_visits=True, workers=1)
            assert res2.visits is not None
            log2 = visits_to_ticket_log(
                res2.visits,
                scn2.start_date,
                cid,
                prefix,
                origins=r.origins,
                xp_timestamps=r.xp_timestamps,
            )
            staffing2 = staffing_history(scn2, cid)
            day_of = log["ticket_time"].dt.date
            day2 = log2["ticket_time"].dt.date
            absent_set = set(absent)
            log = pd.concat(
                [log[~day_of.isin(absent_set)], log2[day2.isin(absent_set)]], ignore_index=True
            )
            iso = {d.isoformat() for d in absent}
            staffing = pd.concat(
                [staffing[~staffing["date"].isin(iso)], staffing2[staffing2["date"].isin(iso)]],
                ignore_index=True,
            )
            facts["absence_override"] = f"layout.windows.{name}.count={count - 1}"
    if closed:
        day_of = log["ticket_time"].dt.date
        log = log[~day_of.isin(set(closed))]
        staffing = staffing[~staffing["date"].isin({d.isoformat() for d in closed})]
        wid = scn.windows[0].id
        sid = f"{prefix}{scn.staff[0].id}"
        strays = stray_rows(
            rng, closed, r, cid, [it.id for it in scn.items], wid, sid, list(log.columns)
        )
        log = pd.concat([log, strays], ignore_index=True)
        facts["stray_rows"] = len(strays)
    log = log.sort_values(["ticket_time", "ticket_id"], kind="stable").reset_index(drop=True)
    staffing = staffing.sort_values(["date", "start"], kind="stable").reset_index(drop=True)
    facts.update(
        {
            "closed_holidays": [d.isoformat() for d in (holidays if r.holidays_closed else [])],
            "closed_adhoc": [d.isoformat() for d in adhoc],
            "absence_dates": [d.isoformat() for d in absent],
        }
    )
    return log, staffing, skills_table(scn, prefix), facts, scn


#: The parameters :func:`generate_history` shares with :func:`synthetic_history`, described
#: once (:mod:`simulator.docstrings`).
_DOCS = DocTexts(
    out_dir="""
        out_dir : str or Path
            Folder to write to (created).
    """,
    history="""
        start, end : str or datetime.date
            First and last date (inclusive; the holiday calendar covers 2004-2026).
        centres : int
            Number of centres; ids ``SYN-01``, ``SYN-02``, ...
        seed : int
            Root seed; centre ``k`` is simulated with its own seed drawn from it.
    """,
    export="""
        overrides : sequence of str
            Hydra overrides applied to every centre.
        file_format : {"csv", "parquet"}
            Format of the ticket log (the small tables are always CSV).
    """,
)


def _rename(df: pd.DataFrame, columns: Mapping[str, str]) -> pd.DataFrame:
    return df.rename(columns={k: v for k, v in columns.items() if k in df.columns})


@_DOCS.fill
def generate_history(
    out_dir: str | Path,
    *,
    scenario: str = "reference",
    start: str | dt.date = "2025-01-01",
    end: str | dt.date = "2025-12-31",
    centres: int = 1,
    seed: int = 0,
    sizes: Sequence[float] | None = None,
    size_sigma: float = 0.0,
    overrides: Sequence[str] = (),
    file_format: str = "csv",
    progress: Callable[[int, int], None] | None = None,
    realism: Realism | None = None,
    preset: str = "custom",
) -> SyntheticHistory:
    """Write a synthetic history of ``centres`` centres from a known scenario.

    Parameters
    ----------
    %(out_dir)s
    scenario : str
        Scenario name or YAML path for :func:`simulator.load_scenario`.
    %(history)s
    sizes : sequence of float, optional
        Size factor per centre (multiplies ``centre.daily_volume``); overrides
        ``size_sigma``.
    size_sigma : float
        Without ``sizes``: lognormal size factors with median 1 and this sigma
        (DOMAIN.md: about 0.35 across a district); 0 gives identical centres.
    %(export)s
    progress : callable, optional
        ``f(done, total)`` after each centre.
    realism : Realism, optional
        No-shows, walking time, closures, absences, faulty rows, encodings, column
        names (see :class:`Realism`); ``None`` = none of them.
    preset : str
        Name recorded in the truth file and README.

    Returns
    -------
    SyntheticHistory
        Paths, centre ids, known parameters, facts and row count.
    """
    from simulator.config.compose import compose_config

    r = realism if realism is not None else Realism()
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    a = pd.Timestamp(start).date()
    b = pd.Timestamp(end).date()
    n_days = (b - a).days + 1
    if n_days < 1:
        raise ValueError(f"end {b} is before start {a}")
    if centres < 1:
        raise ValueError(f"centres must be >= 1, got {centres}")
    if not 0.0 <= r.dirty_share < 0.5:
        raise ValueError(f"dirty_share must be in [0, 0.5), got {r.dirty_share}")
    ss = np.random.SeedSequence(seed)
    size_rng = np.random.default_rng(ss.spawn(1)[0])
    if sizes is None:
        factors = (
            np.exp(size_sigma * size_rng.standard_normal(centres))
            if size_sigma > 0
            else np.ones(centres)
        )
    else:
        if len(sizes) != centres:
            raise ValueError(f"{len(sizes)} sizes for {centres} centres")
        factors = np.asarray(sizes, dtype=float)
    centre_seeds = [int(s.generate_state(1)[0]) for s in ss.spawn(centres + 1)[1:]]
    # Realism draws (closures, absences, strays, faulty rows) from their own stream.
    real_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7919,)))

    logs, staffing, skills, truth = [], [], [], {}
    catalogue = None
    item_names: dict[str, str] = {}
    # Composed once (Hydra is the slow part); each centre edits its own copy.
    real_ov = _realism_overrides(compose_config(scenario, list(overrides)), r)
    all_ov = [*overrides, *real_ov]
    base_cfg = compose_config(scenario, all_ov)
    base_volume = float(base_cfg["centre"]["daily_volume"])
    for k in range(centres):
        cid = f"SYN-{k + 1:02d}"
        cfg = copy.deepcopy(base_cfg)
        cfg["calendar"]["start_date"] = a.isoformat()
        cfg["calendar"]["days"] = n_days
        cfg["centre"]["id"] = cid
        cfg["centre"]["daily_volume"] = float(f"{base_volume * float(factors[k]):.6g}")
        source = f"{scenario} (synthetic {cid}, overrides {all_ov})"
        log, stf, sk, facts, scn = _simulate_centre(cfg, source, centre_seeds[k], cid, r, real_rng)
        logs.append(log)
        staffing.append(stf)
        skills.append(sk)
        cfg["seed"] = centre_seeds[k]
        facts.update(
            {
                "preset": preset,
                "size_factor": float(factors[k]),
                "leave_times": r.leave_times,
                "leave_time_share": r.leave_time_share,
                "origins": r.origins,
                "xp_timestamps": r.xp_timestamps,
                "encoding": r.encoding,
                "columns": dict(r.columns),
                "transfers": "not generated (the engine has no transfer between windows)",
            }
        )
        cfg["synthetic"] = facts
        truth[cid] = cfg
        if catalogue is None:
            catalogue = pd.DataFrame(
                {
                    "item_id": [it.id for it in scn.items],
                    "family": [it.family for it in scn.items],
                    "synthetic": 1,
                }
            )
            for j, it in enumerate(scn.items):
                zh = it.name if any("\u4e00" <= ch <= "\u9fff" for ch in it.name) else ""
                item_names[it.id] = zh or f"{_FAMILY_ZH.get(it.family, it.family)}事项{j + 1}"
        if progress is not None:
            progress(k + 1, centres)
    log = pd.concat(logs, ignore_index=True)
    assert catalogue is not None

    ext = "parquet" if file_format == "parquet" else "csv"
    paths = {
        "tickets": folder / f"{_PREFIX}tickets.{ext}",
        "volumes": folder / f"{_PREFIX}volumes_daily.csv",
        "hourly_volumes": folder / f"{_PREFIX}volumes_hourly.csv",
        "staffing": folder / f"{_PREFIX}staffing.csv",
        "skills": folder / f"{_PREFIX}staff_skills.csv",
        "catalogue": folder / f"{_PREFIX}catalogue.csv",
        "truth_file": folder / f"{_PREFIX}truth.yaml",
        "readme": folder / "README.md",
    }
    t = log["ticket_time"]
    n_clean = len(log)
    if not 0.0 <= r.leave_time_share <= 1.0:
        raise ValueError(f"leave_time_share must be in [0, 1], got {r.leave_time_share}")
    if r.leave_times and r.leave_time_share < 1.0:
        known = log["leave_time"].notna().to_numpy()
        drop = known & (real_rng.random(len(log)) >= r.leave_time_share)
        log = log.assign(leave_time=log["leave_time"].mask(drop))
        for cid in truth:
            truth[cid]["synthetic"]["leave_times_dropped"] = int(
                (drop & (log["centre_id"] == cid).to_numpy()).sum()
            )
    out_log = log if r.leave_times else log.drop(columns=["leave_time"])
    if r.encoding.lower().replace("-", "") == "gb18030":
        out_log = out_log.assign(item_name=out_log["item_id"].map(item_names))
    dirty = pd.DataFrame(columns=["source_row", "kind", "reason", "centre_id"])
    enc = r.encoding
    if ext == "parquet":
        if r.dirty_share > 0:
            raise ValueError("faulty rows need a CSV ticket log (file_format='csv')")
        _rename(out_log, r.columns).to_parquet(paths["tickets"], index=False)
    else:
        text = fmt_times(out_log)
        if r.dirty_share > 0:
            text, dirty = inject_dirty(text, r.dirty_share, real_rng)
            dirty.to_csv(folder / f"{_PREFIX}dirty_rows.csv", index=False)
            for cid in truth:
                counts = dirty.loc[dirty["centre_id"] == cid, "kind"].value_counts()
                truth[cid]["synthetic"]["dirty_rows"] = {
                    str(kd): int(c) for kd, c in counts.items()
                }
        _rename(text, r.columns).to_csv(paths["tickets"], index=False, encoding=enc)
    vol = (
        log.assign(date=t.dt.strftime("%Y-%m-%d"))
        .groupby(["centre_id", "date"])
        .size()
        .rename("visits")
        .reset_index()
    )
    vol["synthetic"] = 1
    _rename(vol, r.columns).to_csv(paths["volumes"], index=False, encoding=enc)
    hourly = (
        log.assign(date=t.dt.strftime("%Y-%m-%d"), hour=t.dt.hour)
        .groupby(["centre_id", "date", "hour"])
        .size()
        .rename("visits")
        .reset_index()
    )
    hourly["synthetic"] = 1
    _rename(hourly, r.columns).to_csv(paths["hourly_volumes"], index=False, encoding=enc)
    stf_all = pd.concat(staffing, ignore_index=True)
    if not r.staff_on_duty:
        stf_all = stf_all.drop(columns=["staff_on_duty"])
    _rename(stf_all, r.columns).to_csv(paths["staffing"], index=False, encoding=enc)
    _rename(pd.concat(skills, ignore_index=True), r.columns).to_csv(
        paths["skills"], index=False, encoding=enc
    )
    cat_out = catalogue
    if r.encoding.lower().replace("-", "") == "gb18030":
        cat_out = catalogue.assign(name=catalogue["item_id"].map(item_names))
    _rename(cat_out, r.columns).to_csv(paths["catalogue"], index=False, encoding=enc)
    with paths["truth_file"].open("w", encoding="utf-8") as fh:
        fh.write("# SYNTHETIC: the known scenario of each synthetic centre (composed config)\n")
        fh.write("# and, under `synthetic:`, the facts of the generated history\n")
        yaml.safe_dump(truth, fh, sort_keys=False, allow_unicode=True)
    sizes_txt = ", ".join(f"{c} x{f:.3g}" for c, f in zip(truth, factors, strict=True))
    paths["readme"].write_text(
        "# SYNTHETIC DATA - not real ticket-system exports\n\n"
        f"Simulated with svcsim from scenario `{scenario}` (overrides {list(overrides)}), "
        f"preset `{preset}`, {a.isoformat()} to {b.isoformat()}, {centres} centre(s), "
        f"root seed {seed}.\n"
        f"Centre size factors (x centre.daily_volume): {sizes_txt}.\n\n"
        "Generated by `calibration.synthetic`; every file starts with "
        "`synthetic_` and every table has a `synthetic` column. The known parameters are in "
        "`synthetic_truth.yaml` (with the facts of this history under `synthetic:`: closed "
        "days, absences, faulty rows, peak utilisation). Outcome mapping: balked residents "
        "appear as `abandoned` with `leave_time = ticket_time`; residents still waiting at "
        "closing as `abandoned` without `leave_time`; no-shows as `no_show` with a call "
        f"time. Encoding {enc}; column names "
        f"{dict(r.columns) if r.columns else 'as documented'}. Transfers are not generated.\n",
        encoding="utf-8",
    )
    return SyntheticHistory(
        folder=folder,
        centres=tuple(truth),
        truth=truth,
        n_tickets=n_clean + len(dirty),
        preset=preset,
        realism=r,
        dirty=dirty,
        **paths,
    )


@_DOCS.fill
def synthetic_history(
    out_dir: str | Path,
    preset: str = "quiet",
    *,
    start: str | dt.date = "2025-01-01",
    end: str | dt.date = "2025-12-31",
    centres: int = 1,
    seed: int = 0,
    sizes: Sequence[float] | None = None,
    overrides: Sequence[str] = (),
    file_format: str = "csv",
    **changes: Any,
) -> SyntheticHistory:
    """Write a synthetic history from a named preset (see :data:`PRESETS`).

    Parameters
    ----------
    %(out_dir)s
    preset : str
        ``plain``, ``quiet``, ``busy``, ``cross_province``, ``no_leave_times``, ``dirty``,
        ``gb18030``, ``renamed`` or ``chinese``.
    %(history)s
    sizes : sequence of float, optional
        Size factor per centre; default: the preset's size for every centre.
    %(export)s
    **changes
        Fields of :class:`Realism` to change from the preset (e.g. ``dirty_share=0.05``,
        ``absence_share=0``).

    Returns
    -------
    SyntheticHistory
    """
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; one of {sorted(PRESETS)}")
    p = PRESETS[preset]
    unknown = sorted(set(changes) - {f.name for f in fields(Realism)})
    if unknown:
        raise ValueError(f"unknown Realism field(s) {unknown}")
    realism = replace(p.realism, **changes)
    return generate_history(
        out_dir,
        scenario=p.scenario,
        start=start,
        end=end,
        centres=centres,
        seed=seed,
        sizes=list(sizes) if sizes is not None else [p.size] * centres,
        overrides=[*p.overrides, *overrides],
        file_format=file_format,
        realism=realism,
        preset=preset,
    )
