"""Readers for result folders: one small reader per folder kind, detected by its files.

A report combines folders written by the project's tools. Each kind of folder is
recognised by the files it holds (:data:`READERS`, tried in order); a folder matching
no kind is a clear :class:`UnknownFolderError` naming the files found and the files
each kind needs. Readers only read: charts and reports never re-simulate.

Kinds
-----
run
    One ``svcsim`` run: ``summary.csv``, ``replications.csv``, ``manifest.json``
    (plus ``hourly.csv``, ``.hydra/config.yaml``, optional ``visits.csv[.gz]`` /
    ``visits.parquet`` and the run's PNG charts).
sweep
    A ``svcsim --multirun`` folder: ``multirun.yaml`` and one run folder per job
    (``0/``, ``1/``, ...). Read as the runs it contains.
recommendation
    A ``svcsim-recommend`` output folder: ``recommendation.json`` and ``kpis.csv``
    (plus ``staffing_plan.csv``, ``hourly.csv``, ``options.csv``, ``runner_ups.csv``,
    ``pareto.csv``, ``robustness.csv``, ``recommended.yaml`` and its PNG charts).
calibration
    A calibration report folder (``calibrate(report_dir=...)``, ``svcsim-calibrate``):
    ``summary.md``, ``fit_service.csv`` and ``exclusions.csv`` (plus the other fit and
    validation tables and ``fig_*.png``), or a folder of such folders (one per centre).
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml

from simulator.config.parse import default_of, setting
from simulator.present.provenance import override_items

if TYPE_CHECKING:
    from simulator.present.allocation import AllocationData


class ReportError(Exception):
    """A report cannot be built from the folders given."""


class UnknownFolderError(ReportError):
    """A folder matches none of the known result-folder kinds."""


@dataclass
class RunData:
    """One simulated option, as read from a run folder.

    Attributes
    ----------
    label : str
        Short name of the option in tables and charts.
    path : Path
        The folder.
    summary : DataFrame
        KPI x (mean, ci_low, ci_high, std, n).
    replications : DataFrame or None
        One row per replication (index ``replication``).
    hourly : DataFrame or None
        The run's ``hourly`` table.
    visits : DataFrame or None
        Per-visit records, when the folder stores them.
    wait_grid : DataFrame or None
        ``wait_ecdf.csv``: per-replication share of served residents who waited at
        most t minutes, one column per grid minute (see
        :func:`simulator.present.charts.wait_ecdf_grid`).
    manifest : dict
        ``manifest.json`` (seed, replications, version, git commit).
    config : dict
        Resolved scenario config (``.hydra/config.yaml``), empty if missing.
    overrides : list of str
        Hydra overrides of the run (``.hydra/overrides.yaml``).
    config_name : str or None
        Primary config (``reference``, ``busy``, ``calibrated/...``).
    images : dict of str to Path
        PNG charts the run wrote, by stem.
    derived : dict
        Values computed from the folder once and kept with it (e.g. the option's cost),
        so they live and die with this object.
    """

    label: str
    path: Path
    summary: pd.DataFrame
    replications: pd.DataFrame | None
    hourly: pd.DataFrame | None
    visits: pd.DataFrame | None
    manifest: dict[str, Any]
    config: dict[str, Any]
    overrides: list[str]
    config_name: str | None
    images: dict[str, Path] = field(default_factory=dict)
    wait_grid: pd.DataFrame | None = None
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def seed(self) -> int | None:
        seed = self.manifest.get("seed", self.config.get("seed"))
        return None if seed is None else int(seed)

    @property
    def n_replications(self) -> int:
        if self.replications is not None:
            return len(self.replications)
        return int(self.manifest.get("replications", 0) or 0)

    def kpi(self, name: str) -> tuple[float, float, float]:
        """(mean, ci_low, ci_high) of a KPI, NaN when missing."""
        if name not in self.summary.index:
            nan = float("nan")
            return nan, nan, nan
        vals = self.summary.loc[name, ["mean", "ci_low", "ci_high"]].to_numpy(dtype=float)
        return float(vals[0]), float(vals[1]), float(vals[2])

    def windows(self) -> int | None:
        """Windows in the layout (sum of the window groups' counts)."""
        return self._group_count("layout", "windows")

    def staff(self) -> int | None:
        """Staff members (sum of the staff groups' counts)."""
        return self._group_count("staffing", "staff")

    def _group_count(self, section: str, groups_key: str) -> int | None:
        """Sum of the ``count`` (default 1) of the groups in ``config[section][groups_key]``,
        None when the groups are malformed."""
        groups = (self.config.get(section) or {}).get(groups_key) or {}
        try:
            return int(sum(int(g.get("count", 1)) for g in groups.values()))
        except (AttributeError, TypeError, ValueError):
            return None

    def days(self) -> int | None:
        days = (self.config.get("calendar") or {}).get("days")
        return None if days is None else int(days)


def _has_files(path: Path, names: tuple[str, ...]) -> bool:
    """Whether the folder holds every file in ``names``."""
    return all((path / f).is_file() for f in names)


def _images(path: Path, pattern: str = "*.png") -> dict[str, Path]:
    """Images in the folder matching ``pattern``, by stem, in name order."""
    return {p.stem: p for p in sorted(path.glob(pattern))}


def _require_ci_columns(table: pd.DataFrame, file: Path) -> None:
    """Raise :class:`ReportError` unless ``table`` has ``mean``, ``ci_low`` and ``ci_high``."""
    missing = {"mean", "ci_low", "ci_high"} - set(table.columns)
    if missing:
        raise ReportError(f"{file}: missing columns {sorted(missing)}")


def _read_csv(path: Path, **kw: Any) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_csv(path, **kw)
    except (OSError, ValueError, pd.errors.EmptyDataError):
        return None


def run_setting(config: Mapping[str, Any], key: str) -> Any:
    """A top-level setting of a run's scenario config (``target_wait_min``,
    ``warmup_min``, ...): the recorded value, else the scenario schema's default, which
    is the value the run used."""
    return setting(config, key, "")


def target_wait_min(config: Mapping[str, Any]) -> float:
    """The target wait (minutes) a run's service level counts against: the run's
    ``target_wait_min`` (:func:`run_setting`), the schema's default if it is not a
    positive number."""
    try:
        value = float(run_setting(config, "target_wait_min"))
    except (TypeError, ValueError):
        value = math.nan
    if math.isfinite(value) and value > 0:
        return value
    return float(default_of("target_wait_min", ""))


RECOMMENDATION_DEFAULTS: Mapping[str, Any] = {
    # What a recommendation.json may lack or hold as null, and what is read instead.
    "statement": "",
    "option": None,
    "layout": {},
    "skill_mix": None,
    "lunch_open_share": None,
    "targets": [],
    "meets_targets": False,
    "cost_per_day": math.nan,
    "cost_breakdown": {},
    "confidence": 0.95,
    "stats": {},
    # How the options' staffing plans were built (runs before these were recorded: none)
    "notes": [],
}
RECOMMENDATION_STATS_DEFAULTS: Mapping[str, Any] = {
    # Its ``stats``: provenance shown as "?" when unknown.
    "seed": "?",
    "code_version": "?",
    "options": "?",
}


def _note_records(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """``summary``'s notes as records (``{"key": ..., "values": {...}, "text": ...}``),
    ``note_values`` dropped. A file written before the notes were one list of records
    holds the English texts under ``notes`` and, in the same order, the same as message
    keys and values under ``note_values``: they are joined as the report read them then
    (a text beyond the values is left out); a text without values becomes a record of
    its text alone, shown as written."""
    notes = [n for n in summary["notes"] if n] if isinstance(summary["notes"], list) else []
    values = summary.pop("note_values", None)
    if isinstance(values, list) and values:
        notes = [
            {**(v if isinstance(v, Mapping) else {}), "text": notes[i] if i < len(notes) else ""}
            for i, v in enumerate(values)
        ]
    return [dict(n) if isinstance(n, Mapping) else {"text": str(n)} for n in notes]


def _filled(data: Any, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` (a mapping) with each key it lacks or holds as null taken from ``defaults``."""
    out = dict(data) if isinstance(data, Mapping) else {}
    for key, value in defaults.items():
        if out.get(key) is None:
            out[key] = copy.deepcopy(value)
    return out


@dataclass
class RecommendationData:
    """A ``svcsim-recommend`` output folder.

    Attributes
    ----------
    path : Path
        The folder.
    summary : dict
        ``recommendation.json``: statement, option, layout, skill mix, lunch share,
        cost per day and breakdown, targets, confidence, stats, notes (message keys
        with their values and the English text: ``{"key": ..., "values": {...},
        "text": ...}``; a file of an earlier version, with the texts and the
        ``note_values`` apart, is read as the same records); what the file lacks is
        filled from :data:`RECOMMENDATION_DEFAULTS`.
    kpis : DataFrame
        ``kpis.csv`` (index KPI): mean, ci_low, ci_high, n, target, bound, meets.
    staffing_plan, hourly, options, runner_ups, pareto, robustness : DataFrame or None
        The tables of the same names.
    scenario : dict
        ``recommended.yaml`` (the recommended scenario), empty if missing.
    images : dict of str to Path
        PNG charts in the folder, by stem.
    comparison : DataFrame or None
        ``comparison.csv`` (option, kpi, mean, ci_low, ci_high): the current layout,
        the recommended plan and the runner-ups on the same residents; None for folders
        written before it was saved.
    """

    path: Path
    summary: dict[str, Any]
    kpis: pd.DataFrame
    staffing_plan: pd.DataFrame | None
    hourly: pd.DataFrame | None
    options: pd.DataFrame | None
    runner_ups: pd.DataFrame | None
    pareto: pd.DataFrame | None
    robustness: pd.DataFrame | None
    scenario: dict[str, Any]
    images: dict[str, Path] = field(default_factory=dict)
    comparison: pd.DataFrame | None = None

    def __post_init__(self) -> None:
        # Every field of the summary the report reads is there (RECOMMENDATION_DEFAULTS).
        self.summary = _filled(self.summary, RECOMMENDATION_DEFAULTS)
        self.summary["notes"] = _note_records(self.summary)
        self.summary["stats"] = _filled(self.summary["stats"], RECOMMENDATION_STATS_DEFAULTS)

    @property
    def option(self) -> str | None:
        opt = self.summary["option"]
        return None if opt is None else str(opt)

    def target_value(self, kpi: str) -> float | None:
        """The day target of ``kpi`` (e.g. 0.9 for ``day service_level >= 0.9``)."""
        for label in self.summary["targets"]:
            m = re.fullmatch(rf"day {re.escape(kpi)} (>=|<=) ([-+0-9.eE]+)", str(label))
            if m:
                return float(m.group(2))
        return None


@dataclass
class CalibrationData:
    """One centre's calibration report folder.

    Attributes
    ----------
    path : Path
        The folder.
    name : str
        Scenario name (from ``summary.md``'s title, else the folder name).
    centre : str or None
        Centre id.
    synthetic : bool
        Calibrated from a synthetic (simulated) history.
    summary_md : str
        ``summary.md``.
    scenario_path : Path or None
        The scenario YAML written (as named in ``summary.md``), when it still exists.
    scenario : dict
        That YAML, parsed (empty when not found).
    tables : dict of str to DataFrame
        ``exclusions``, ``fit_service``, ``fit_daily``, ``fit_calendar_effects``,
        ``fit_patience``, ``fit_arrival_rates``, ``validation``, ... (those present).
    images : dict of str to Path
        ``fig_*.png`` by stem.
    """

    path: Path
    name: str
    centre: str | None
    synthetic: bool
    summary_md: str
    scenario_path: Path | None
    scenario: dict[str, Any]
    tables: dict[str, pd.DataFrame]
    images: dict[str, Path] = field(default_factory=dict)


@dataclass
class FolderContent:
    """What a reader found in one folder."""

    kind: str
    path: Path
    runs: list[RunData]
    recommendations: list[RecommendationData] = field(default_factory=list)
    calibrations: list[CalibrationData] = field(default_factory=list)
    allocations: list[AllocationData] = field(default_factory=list)


@dataclass(frozen=True)
class FolderKind:
    """A kind of result folder: how to recognise it and how to read it."""

    name: str
    needs: str
    detect: Callable[[Path], bool]
    read: Callable[[Path], FolderContent]


# --------------------------------------------------------------------------- run


RUN_FILES = ("summary.csv", "replications.csv", "manifest.json")


def _is_run(path: Path) -> bool:
    return _has_files(path, RUN_FILES)


def _read_yaml(path: Path) -> Any:
    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _read_yaml_mapping(path: Path) -> dict[str, Any]:
    """A YAML file holding a mapping, as a dict; empty when missing, invalid or not a mapping."""
    try:
        loaded = _read_yaml(path)
    except yaml.YAMLError:
        return {}
    return dict(loaded) if isinstance(loaded, dict) else {}


def _config_name(path: Path) -> str | None:
    hydra_cfg = _read_yaml(path / ".hydra" / "hydra.yaml")
    try:
        return str(hydra_cfg["hydra"]["job"]["config_name"])
    except (TypeError, KeyError):
        return None


def option_label(
    overrides: list[str],
    config_name: str | None,
    fallback: str,
    config: dict[str, Any] | None = None,
    lang: str = "en",
) -> str:
    """Option name in plain words from a run's overrides: a layout choice or window count
    becomes the layout ("6 comprehensive windows and 1 quick desk"), other keys their last
    part and value ("daily volume 1300"); the config name when nothing was overridden.
    The overrides themselves are listed in the report's footnote (:func:`option_codes`)."""
    parts = option_parts(overrides, config, lang)
    if parts:
        return "; ".join(parts)
    if config_name:
        return config_name.replace("_", " ")
    return fallback


def option_parts(
    overrides: list[str], config: dict[str, Any] | None = None, lang: str = "en"
) -> list[str]:
    """The settings that define an option, each in words, without repeats (a layout
    choice and its window counts read as one layout)."""
    from simulator.present.names import override_text

    parts: list[str] = []
    for key, value in override_items(overrides):
        text = override_text(key, value, config or {}, lang)
        if text not in parts:
            parts.append(text)
    return parts


def option_codes(overrides: list[str]) -> str:
    """The overrides that define an option, as typed (for footnotes)."""
    return " ".join(f"{k}={v}" for k, v in override_items(overrides))


def _clock_min(text: Any) -> float | None:
    try:
        hh, mm = str(text).split(":")
        return 60.0 * int(hh) + int(mm)
    except (TypeError, ValueError):
        return None


def with_opening_hours(hourly: pd.DataFrame, config: dict[str, Any]) -> pd.DataFrame:
    """Add the within-opening-hours columns to an ``hourly`` table written before they
    existed (``busy_in_hours_min``, ``open_in_hours_min``, ``overtime_window_min``).

    Derived by whole hour from the run's closing times (``calendar.hours``): an hour slot
    starting at or after closing is overtime, any other slot counts as within hours (a
    slot that straddles the closing time cannot be split after the run). Tables that have
    the columns, or configs without opening hours, are returned as they are.
    """
    if "open_in_hours_min" in hourly.columns or not {"hour", "day_type"} <= set(hourly):
        return hourly
    if not {"busy_min", "open_min"} <= set(hourly.columns):
        return hourly
    hours = (config.get("calendar") or {}).get("hours") or {}
    if not isinstance(hours, dict) or not hours:
        return hourly
    close: dict[str, float] = {}
    for key, h in hours.items():
        c = _clock_min((h or {}).get("close")) if isinstance(h, dict) else None
        if c is not None:
            close[str(key)] = c
    aliases = {"adjusted_workday": "weekday", "working_saturday": "weekday"}

    def closing(day_type: Any) -> float:
        dt_ = str(day_type)
        return close.get(dt_, close.get(aliases.get(dt_, ""), float("inf")))

    after = hourly["hour"].astype(float) * 60.0 >= hourly["day_type"].map(closing)
    out = hourly.copy()
    out["busy_in_hours_min"] = out["busy_min"].where(~after, 0.0)
    out["open_in_hours_min"] = out["open_min"].where(~after, 0.0)
    out["overtime_window_min"] = out["open_min"] - out["open_in_hours_min"]
    return out


def _read_wait_grid(path: Path) -> pd.DataFrame | None:
    grid = _read_csv(path / "wait_ecdf.csv")
    if grid is None or "replication" not in grid.columns:
        return None
    return grid


def _read_visits(path: Path) -> pd.DataFrame | None:
    for name in ("visits.parquet", "visits.csv.gz", "visits.csv"):
        f = path / name
        if f.is_file():
            return pd.read_parquet(f) if name.endswith("parquet") else pd.read_csv(f)
    return None


def read_run(path: Path) -> RunData:
    """Read one run folder (see the module docstring for the files)."""
    try:
        summary = pd.read_csv(path / "summary.csv", index_col=0)
        reps = pd.read_csv(path / "replications.csv", index_col=0)
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read run files ({exc})") from None
    _require_ci_columns(summary, path / "summary.csv")
    hourly_path = path / "hourly.csv"
    hourly = pd.read_csv(hourly_path) if hourly_path.is_file() else None
    config = _read_yaml(path / ".hydra" / "config.yaml") or {}
    if hourly is not None and isinstance(config, dict):
        hourly = with_opening_hours(hourly, config)
    overrides = _read_yaml(path / ".hydra" / "overrides.yaml") or []
    config_name = _config_name(path)
    images = _images(path)
    label = option_label(
        [str(o) for o in overrides],
        config_name,
        path.name,
        config if isinstance(config, dict) else {},
    )
    return RunData(
        label=label,
        path=path,
        summary=summary,
        replications=reps,
        hourly=hourly,
        visits=_read_visits(path),
        wait_grid=_read_wait_grid(path),
        manifest=manifest,
        config=dict(config),
        overrides=[str(o) for o in overrides],
        config_name=config_name,
        images=images,
    )


def _read_run_folder(path: Path) -> FolderContent:
    return FolderContent("run", path, [read_run(path)])


# --------------------------------------------------------------------------- sweep


def _job_dirs(path: Path) -> list[Path]:
    dirs = [p for p in path.iterdir() if p.is_dir() and _is_run(p)]

    def key(p: Path) -> tuple[int, str]:
        m = re.fullmatch(r"\d+", p.name)
        return (int(p.name) if m else 10**9, p.name)

    return sorted(dirs, key=key)


def _is_sweep(path: Path) -> bool:
    if _is_run(path):
        return False
    return (path / "multirun.yaml").is_file() or bool(_job_dirs(path))


def _read_sweep(path: Path) -> FolderContent:
    jobs = _job_dirs(path)
    if not jobs:
        raise ReportError(f"{path}: a sweep folder without any finished run (0/, 1/, ...)")
    return FolderContent("sweep", path, [read_run(p) for p in jobs])


# --------------------------------------------------------------------------- recommendation


RECOMMEND_FILES = ("recommendation.json", "kpis.csv")


def _is_recommendation(path: Path) -> bool:
    return _has_files(path, RECOMMEND_FILES)


def read_recommendation(path: Path) -> RecommendationData:
    """Read a ``svcsim-recommend`` output folder (see the module docstring)."""
    try:
        summary = json.loads((path / "recommendation.json").read_text(encoding="utf-8"))
        kpis = pd.read_csv(path / "kpis.csv", index_col=0)
    except (OSError, ValueError) as exc:
        raise ReportError(f"{path}: cannot read recommendation files ({exc})") from None
    if not isinstance(summary, dict) or "statement" not in summary:
        raise ReportError(f"{path / 'recommendation.json'}: no statement")
    _require_ci_columns(kpis, path / "kpis.csv")
    return RecommendationData(
        path=path,
        summary=summary,
        kpis=kpis,
        staffing_plan=_read_csv(path / "staffing_plan.csv"),
        hourly=_read_csv(path / "hourly.csv"),
        options=_read_csv(path / "options.csv"),
        runner_ups=_read_csv(path / "runner_ups.csv"),
        pareto=_read_csv(path / "pareto.csv"),
        robustness=_read_csv(path / "robustness.csv"),
        scenario=_read_yaml_mapping(path / "recommended.yaml"),
        images=_images(path),
        comparison=_read_csv(path / "comparison.csv"),
    )


def _read_recommendation_folder(path: Path) -> FolderContent:
    return FolderContent("recommendation", path, [], recommendations=[read_recommendation(path)])


# --------------------------------------------------------------------------- calibration


CALIBRATION_FILES = ("summary.md", "fit_service.csv", "exclusions.csv")
_CALIBRATION_TABLES: Mapping[str, Mapping[str, Any]] = {
    # The tables of a calibration folder, each with the optional columns the report reads
    # and the value a table that lacks one is read with.
    "exclusions": {"share": math.nan, "meaning": ""},
    "fit_service": {"level": None, "gof_pvalue": math.nan, "n": math.nan},
    "fit_daily": {},
    "fit_calendar_effects": {"se": math.nan, "n_days": math.nan},
    "fit_patience": {},
    "fit_arrival_rates": {},
    "validation": {
        "kpi": None,
        "label": None,
        "historical": math.nan,
        "sim_mean": math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "pi_low": math.nan,
        "pi_high": math.nan,
    },
    "validation_hourly": {},
    "validation_daily": {},
    # the tables of the figures, which the report redraws in its language
    "arrival_profiles": {},
    "service_qq": {},
    "patience_km": {},
}


def _is_calibration_report(path: Path) -> bool:
    return _has_files(path, CALIBRATION_FILES)


def _calibration_dirs(path: Path) -> list[Path]:
    if _is_calibration_report(path):
        return [path]
    return sorted(p for p in path.iterdir() if p.is_dir() and _is_calibration_report(p))


def _is_calibration(path: Path) -> bool:
    return bool(_calibration_dirs(path))


def read_calibration(path: Path) -> CalibrationData:
    """Read one centre's calibration report folder (see the module docstring)."""
    try:
        text = (path / "summary.md").read_text(encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read summary.md ({exc})") from None
    m = re.search(r"^# Calibration report: (.+?)(?: \(centre (.+)\))?\s*$", text, re.M)
    name = m.group(1).strip() if m else path.name
    centre = m.group(2) if m and m.group(2) else None
    scenario_path: Path | None = None
    scenario: dict[str, Any] = {}
    sm = re.search(r"Scenario written: `([^`]+)`", text)
    if sm:
        for cand in (Path(sm.group(1)), path / Path(sm.group(1)).name):
            if cand.is_file():
                scenario_path = cand
                scenario = _read_yaml_mapping(cand)
                break
    tables = {}
    for t, optional in _CALIBRATION_TABLES.items():
        frame = _read_csv(path / f"{t}.csv")
        if frame is not None:
            for column, value in optional.items():
                if column not in frame.columns:
                    frame[column] = value
            tables[t] = frame
    return CalibrationData(
        path=path,
        name=name,
        centre=centre,
        synthetic="SYNTHETIC DATA" in text,
        summary_md=text,
        scenario_path=scenario_path,
        scenario=scenario,
        tables=tables,
        images=_images(path, "fig_*.png"),
    )


def _read_calibration_folder(path: Path) -> FolderContent:
    return FolderContent(
        "calibration", path, [], calibrations=[read_calibration(p) for p in _calibration_dirs(path)]
    )


def _is_allocation(path: Path) -> bool:
    from simulator.present.allocation import is_allocation

    return is_allocation(path)


def _read_allocation_folder(path: Path) -> FolderContent:
    from simulator.present.allocation import read_allocation

    return FolderContent("allocation", path, [], allocations=[read_allocation(path)])


#: Known folder kinds, tried in order. Add a reader here when a new tool writes folders.
READERS: list[FolderKind] = [
    FolderKind("run", " + ".join(RUN_FILES), _is_run, _read_run_folder),
    FolderKind("sweep", "multirun.yaml or run sub-folders (0/, 1/, ...)", _is_sweep, _read_sweep),
    FolderKind(
        "recommendation",
        " + ".join(RECOMMEND_FILES),
        _is_recommendation,
        _read_recommendation_folder,
    ),
    FolderKind(
        "calibration",
        " + ".join(CALIBRATION_FILES) + " (or sub-folders with them, one per centre)",
        _is_calibration,
        _read_calibration_folder,
    ),
    FolderKind(
        "allocation",
        "allocation.json + allocation.csv + comparison.csv",
        _is_allocation,
        _read_allocation_folder,
    ),
]


def read_folder(path: str | Path) -> FolderContent:
    """Detect the kind of a result folder and read it.

    Raises
    ------
    ReportError
        If the folder does not exist.
    UnknownFolderError
        If it matches no known kind; the message lists its files and what each kind
        needs.
    """
    p = Path(path)
    if not p.is_dir():
        raise ReportError(f"{p}: not a folder")
    for kind in READERS:
        if kind.detect(p):
            return kind.read(p)
    files = sorted(x.name + ("/" if x.is_dir() else "") for x in p.iterdir())
    shown = ", ".join(files[:20]) + (" ..." if len(files) > 20 else "") or "(empty)"
    needs = "; ".join(f"{k.name}: {k.needs}" for k in READERS)
    raise UnknownFolderError(
        f"{p}: not a result folder svcsim-report knows. Files found: {shown}. "
        f"Known kinds and the files that identify them: {needs}."
    )
