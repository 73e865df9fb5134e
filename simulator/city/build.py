"""The city: all 220 centres of Shanghai's 16 districts as one scenario set.

A :class:`City` is static (like :class:`~simulator.config.scenario.Scenario`): one validated
scenario per centre, built from the composed base scenario (``reference`` by default)
by editing a deep copy per centre: its id, its daily volume (the published 12.5 million
visits a year disaggregated by :func:`simulator.city.data.city_centres`), its layout and
staffing (derived from its volume by :mod:`simulator.city.layout`) and the city run's
calendar. Hydra composes the base once; the 220 centres never go through Hydra.

Running a city (:func:`simulator.city.run.run_city`) simulates the centres
independently, in parallel. Residents do not yet move between centres (全市通办
diversion is not implemented); :func:`simulator.city.run.run_district` runs one
district's centres as one unit, the unit a coupled model would need.

Volumes: a centre's ``daily_volume`` (expected walk-ins on an average weekday, the
quantity :attr:`Scenario.demand.daily_volume` holds) is its yearly visits divided by the
sum, over the calendar year of the run's start date, of the base scenario's own day
factors (weekday, month, holiday, post-holiday; closed days 0). So a full calendar-year
run expects exactly the table's visits (12.5 million city-wide) before the online shift.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.city.config import CITY_DEFAULTS, CitySettings, parse_city_config
from simulator.city.data import city_centres, load_districts
from simulator.city.layout import (
    CentreLayout,
    LayoutRule,
    _staff_for,
    apply_layout,
    derive_layout,
    mix_mean_service,
    peak_hour_share,
    staff_tiers,
)
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.errors import ConfigError
from simulator.model.streams import seed_sequence

__all__ = [
    "City",
    "build_city",
    "centre_seed",
    "city_from_config",
    "load_city",
]

OVERRIDE_COLUMNS = ("comprehensive", "dedicated", "cross_province", "counters")
"""Optional integer columns of a centres table that replace the derived layout."""


def centre_seed(root: int, centre_id: str) -> int:
    """Seed of one centre: a pure function of the root seed and the centre id.

    ``SeedSequence(root, spawn_key=(crc32(centre_id),))`` gives a 63-bit integer, which
    :func:`simulator.run.runner.run_replication` then splits into named streams per
    replication. Never depends on task order, worker or backend.
    """
    if isinstance(root, bool) or int(root) < 0:
        raise ValueError(f"seed must be a non-negative int, got {root!r}")
    ss = seed_sequence(int(root), centre_id)
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


@dataclass(frozen=True)
class City:
    """A validated city: one :class:`Scenario` per centre.

    Attributes
    ----------
    centres
        One row per centre, in city order: ``centre_id``, ``district``,
        ``visits_per_year`` (table), ``daily_volume`` (average weekday), ``size_factor``,
        ``counters``, ``comprehensive``, ``dedicated``, ``cross_province``, ``windows``,
        ``staff``, ``design_arrivals_per_hour``, ``offered_load``, ``capped``,
        ``expected_visits`` (over the run's days, before busyness and Poisson noise) and
        ``visits_variance`` (of the simulated count: Poisson plus gamma busyness).
    scenarios
        Aligned with ``centres``.
    base
        The composed base config (plain dict) every centre was derived from.
    rule
        The layout rule.
    source
        Where the city came from (for manifests and error messages).
    """

    centres: pd.DataFrame
    scenarios: tuple[Scenario, ...]
    base: Mapping[str, Any] = field(repr=False)
    rule: LayoutRule
    source: str = "city"

    def __post_init__(self) -> None:
        if len(self.centres) != len(self.scenarios):
            raise ValueError("centres and scenarios must be aligned")

    def __len__(self) -> int:
        return len(self.scenarios)

    @property
    def centre_ids(self) -> list[str]:
        return [str(c) for c in self.centres["centre_id"]]

    @property
    def districts(self) -> list[str]:
        return list(dict.fromkeys(str(d) for d in self.centres["district"]))

    @property
    def start_date(self) -> dt.date:
        return self.scenarios[0].start_date

    @property
    def days(self) -> int:
        return self.scenarios[0].days

    def scenario(self, centre_id: str) -> Scenario:
        """The scenario of one centre."""
        ids = self.centre_ids
        if centre_id not in ids:
            raise KeyError(f"no centre {centre_id!r} in this city")
        return self.scenarios[ids.index(centre_id)]

    def subset(
        self, districts: Sequence[str] | None = None, max_centres: int | None = None
    ) -> City:
        """Only the centres of ``districts`` (names), at most ``max_centres`` of them
        (the first in city order). Centre ids, volumes and seeds are unchanged."""
        keep = np.ones(len(self), dtype=bool)
        if districts is not None:
            known = self.districts
            unknown = [d for d in districts if d not in known]
            if unknown:
                raise ConfigError(f"unknown district(s) {unknown}; known: {known}")
            keep &= self.centres["district"].isin(list(districts)).to_numpy()
        idx = np.flatnonzero(keep)
        if max_centres is not None:
            if max_centres < 1:
                raise ConfigError(f"max_centres must be >= 1, got {max_centres}")
            idx = idx[: int(max_centres)]
        return replace(
            self,
            centres=self.centres.iloc[idx].reset_index(drop=True),
            scenarios=tuple(self.scenarios[i] for i in idx),
        )

    def expected_visits(self) -> float:
        """Expected visits of all centres over the run's days (before noise)."""
        return float(self.centres["expected_visits"].sum())

    def district_table(self) -> pd.DataFrame:
        """Per district: centres, windows, staff, table visits and expected visits."""
        g = self.centres.groupby("district", sort=False)
        return g.agg(
            centres=("centre_id", "size"),
            visits_per_year=("visits_per_year", "sum"),
            expected_visits=("expected_visits", "sum"),
            windows=("windows", "sum"),
            cross_province=("cross_province", "sum"),
            staff=("staff", "sum"),
        ).reset_index()


# ---------------------------------------------------------------------------------------
# Building


def _day_factors(base: Scenario) -> np.ndarray:
    """Expected walk-ins per day of the run divided by ``daily_volume`` (0 if closed)."""
    vol = base.demand.daily_volume
    return np.array([base.expected_daily_volume(p) / vol for p in base.day_plans()])


def _year_factor_sum(base_cfg: Mapping[str, Any], year: int) -> float:
    """Sum of the base scenario's day factors over a calendar year (online shift off)."""
    cfg = copy.deepcopy(dict(base_cfg))
    n = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
    cfg["calendar"] = {**dict(cfg.get("calendar") or {}), "start_date": f"{year}-01-01", "days": n}
    cfg["demand"] = {**dict(cfg.get("demand") or {}), "online_shift": 0.0}
    scn = scenario_from_config(cfg, source=f"base scenario over {year}")
    return float(_day_factors(scn).sum())


def _override(
    layout: CentreLayout,
    row: Mapping[str, Any],
    rule: LayoutRule,
    tiers: Mapping[str, Sequence[str]],
) -> CentreLayout:
    vals: dict[str, int] = {}
    for col in OVERRIDE_COLUMNS:
        v = row.get(col)
        if v is not None and not (isinstance(v, float) and math.isnan(v)):
            vals[col] = int(v)
    if not vals:
        return layout
    new = replace(layout, **vals)  # type: ignore[arg-type]
    staff = _staff_for(new.windows, new.cross_province, rule, tiers)
    return replace(new, staff=staff, capped=new.windows > new.counters)


def build_city(
    base: str = CITY_DEFAULTS["base"],
    base_overrides: Sequence[str] = CITY_DEFAULTS["base_overrides"],
    *,
    start_date: str | dt.date = CITY_DEFAULTS["calendar.start_date"],
    days: int = CITY_DEFAULTS["calendar.days"],
    seed: int = CITY_DEFAULTS["city.seed"],
    size_sigma: float = CITY_DEFAULTS["city.size_sigma"],
    rule: LayoutRule | Mapping[str, Any] | None = None,
    districts_file: str | Path | None = None,
    centres: pd.DataFrame | str | Path | None = None,
    districts: Sequence[str] | None = None,
    max_centres: int | None = None,
    base_config: Mapping[str, Any] | None = None,
) -> City:
    """Build and validate the city.

    Parameters
    ----------
    base, base_overrides
        Base scenario every centre is derived from, composed once with Hydra
        (:func:`simulator.config.compose.compose_config`). Ignored if ``base_config`` is given.
    start_date, days
        The run's calendar (replaces the base scenario's ``calendar.start_date`` and
        ``calendar.days``; opening hours stay). Dates must lie within the holiday
        calendar's coverage (2004-2026 with the installed data).
    seed
        Seed of the synthetic centre sizes (:func:`simulator.city.data.city_centres`);
        not the simulation seed.
    size_sigma
        (assumed) Lognormal sigma of centre sizes within a district.
    rule
        :class:`~simulator.city.layout.LayoutRule` or a mapping of its fields.
    districts_file
        District table CSV (default: the packaged ``scenarios/data/districts.csv``).
    centres
        A centres table (DataFrame or CSV path) replacing the synthetic draw: columns
        ``centre_id``, ``district``, ``visits_per_year``, ``cross_province_windows``
        (``size_factor`` optional); optional integer columns ``comprehensive``,
        ``dedicated``, ``cross_province``, ``counters`` replace the derived layout of
        that centre (empty = derive).
    districts, max_centres
        Keep only these districts / the first ``max_centres`` centres (quick runs).
    base_config
        An already composed base config (plain dict), instead of ``base``.

    Raises
    ------
    ConfigError
        Listing every problem, each naming the centre (e.g. a centre without a window).
    """
    from simulator.config.compose import compose_config

    if base_config is None:
        base_cfg = compose_config(base, list(base_overrides))
        source = f"city from {base}" + (f" {list(base_overrides)}" if base_overrides else "")
    else:
        base_cfg = copy.deepcopy(dict(base_config))
        source = "city from a base config"
    start = (
        start_date if isinstance(start_date, dt.date) else dt.date.fromisoformat(str(start_date))
    )
    cal = dict(base_cfg.get("calendar") or {})
    cal.update(start_date=start.isoformat(), days=int(days))
    base_cfg["calendar"] = cal
    if (base_cfg.get("demand") or {}).get("arrival_rate_per_hour") is not None:
        raise ConfigError(
            "the city's base scenario must use daily volumes and profiles, not "
            "demand.arrival_rate_per_hour (a validation scenario)"
        )
    layout_rule = rule if isinstance(rule, LayoutRule) else LayoutRule.from_config(rule)
    base_scn = scenario_from_config(base_cfg, source=f"{source} (base)")
    factors = _day_factors(base_scn)
    year_sum = _year_factor_sum(base_cfg, start.year)
    online = base_scn.demand.online_shift
    cv = base_scn.demand.busyness_cv

    if centres is None:
        table = load_districts(districts_file) if districts_file is not None else None
        ctab = city_centres(int(seed), size_sigma, districts=table, weekday_equivalents=year_sum)
    else:
        ctab = pd.read_csv(centres) if not isinstance(centres, pd.DataFrame) else centres.copy()
        needed = ["centre_id", "district", "visits_per_year", "cross_province_windows"]
        missing = [c for c in needed if c not in ctab.columns]
        if missing:
            raise ConfigError(f"centres table: missing column(s) {missing}")
        ctab["daily_volume_weekday"] = ctab["visits_per_year"].astype(float) / year_sum
        if "size_factor" not in ctab.columns:
            ctab["size_factor"] = np.nan
        dup = ctab["centre_id"][ctab["centre_id"].duplicated()].tolist()
        if dup:
            raise ConfigError(f"centres table: duplicate centre_id(s) {dup}")
    if districts is not None:
        known = list(dict.fromkeys(ctab["district"]))
        unknown = [d for d in districts if d not in known]
        if unknown:
            raise ConfigError(f"unknown district(s) {unknown}; known: {known}")
        ctab = ctab[ctab["district"].isin(list(districts))]
    if max_centres is not None:
        if int(max_centres) < 1:
            raise ConfigError(f"max_centres must be >= 1, got {max_centres}")
        ctab = ctab.iloc[: int(max_centres)]
    ctab = ctab.reset_index(drop=True)

    peak = peak_hour_share(base_scn)
    mean_svc = mix_mean_service(base_scn)
    tiers = staff_tiers(base_cfg)
    rows: list[dict[str, Any]] = []
    scenarios: list[Scenario] = []
    problems: list[str] = []
    f_sum, f_sq = float(factors.sum()), float((factors**2).sum())
    records: list[dict[str, Any]] = [
        {str(k): v for k, v in r.items()} for r in ctab.to_dict("records")
    ]
    for rec in records:
        cid, district = str(rec["centre_id"]), str(rec["district"])
        where = f"centre {cid} ({district})"
        volume = float(rec["daily_volume_weekday"])
        try:
            layout = derive_layout(
                volume * (1.0 - online),
                int(rec["cross_province_windows"]),
                rule=layout_rule,
                peak_share=peak,
                mean_service=mean_svc,
                tiers=tiers,
            )
            layout = _override(layout, rec, layout_rule, tiers)
        except (ConfigError, ValueError) as exc:
            problems.append(f"{where}: {exc}")
            continue
        if layout.windows == 0:
            problems.append(
                f"{where}: the layout has no window (0 comprehensive, 0 dedicated, "
                "0 cross-province): every centre needs at least one"
            )
            continue
        cfg = apply_layout(
            base_cfg,
            layout,
            centre_id=cid,
            name=f"{cid} ({district})",
            district=district,
            daily_volume=volume,
            rule=layout_rule,
        )
        try:
            scn = scenario_from_config(cfg, source=f"city {where}")
        except ConfigError as exc:
            problems.extend(f"{where}: {p}" for p in exc.problems)
            continue
        scenarios.append(scn)
        mean_day = volume * (1.0 - online)
        rows.append(
            {
                "centre_id": cid,
                "district": district,
                "visits_per_year": int(rec["visits_per_year"]),
                "daily_volume": volume,
                "size_factor": float(rec.get("size_factor", np.nan)),
                "counters": layout.counters,
                "comprehensive": layout.comprehensive,
                "dedicated": layout.dedicated,
                "cross_province": layout.cross_province,
                "windows": layout.windows,
                "staff": layout.staff_total,
                "design_arrivals_per_hour": layout.design_arrivals_per_hour,
                "offered_load": layout.offered_load,
                "capped": layout.capped,
                "expected_visits": mean_day * f_sum,
                "visits_variance": mean_day * f_sum + (mean_day * cv) ** 2 * f_sq,
            }
        )
    if problems:
        raise ConfigError(
            f"invalid city ({source}): {len(problems)} problem(s)\n  - " + "\n  - ".join(problems),
            problems=problems,
        )
    if not scenarios:
        raise ConfigError(f"invalid city ({source}): no centre selected")
    return City(
        centres=pd.DataFrame(rows),
        scenarios=tuple(scenarios),
        base=base_cfg,
        rule=layout_rule,
        source=source,
    )


# ---------------------------------------------------------------------------------------
# From the Hydra config tree (scenarios/city/*.yaml)


def city_from_config(cfg: Mapping[str, Any] | CitySettings) -> City:
    """Build the city from a composed city config (see ``scenarios/city/default.yaml``) or
    its :class:`~simulator.city.config.CitySettings`.

    Raises
    ------
    ConfigError
        Listing every problem of the config (:func:`~simulator.city.config.parse_city_config`),
        or of the city it describes (:func:`build_city`).
    """
    s = parse_city_config(cfg)
    return build_city(
        s.base,
        s.base_overrides,
        start_date=s.calendar.start_date,
        days=s.calendar.days,
        seed=s.city.seed,
        size_sigma=s.city.size_sigma,
        rule=s.layout_rule,
        districts_file=s.city.districts_file,
        centres=s.city.centres_file,
        districts=s.city.districts,
        max_centres=s.city.max_centres,
    )


def load_city(name: str = "default", overrides: Sequence[str] = ()) -> tuple[City, dict[str, Any]]:
    """Compose ``scenarios/city/<name>.yaml`` with Hydra overrides and build the city.

    Returns the city and the composed config (whose run settings
    :func:`simulator.city.run.run_city_from_config` reads).
    """
    from simulator.config.compose import compose_config

    cfg = compose_config(f"city/{name}", list(overrides))
    return city_from_config(cfg), cfg
