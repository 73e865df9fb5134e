"""The city config (``scenarios/city/default.yaml``, read by ``svcsim-city``, and the city
part of ``svcsim-allocate``'s ``scenarios/allocate/*.yaml``): its keys, their defaults and
the one parse that checks them.

:data:`CITY_KEYS` lists the keys a city config may hold (every other is reported with a
did-you-mean suggestion); :data:`CITY_DEFAULTS` is the one home of the value a key takes
when the config leaves it out. :func:`parse_city_config` checks every key at once and
returns a frozen :class:`CitySettings`, which :func:`simulator.city.build.city_from_config`
and :func:`simulator.city.run.run_city_from_config` read; :func:`parse_allocate_config`
does the same for an allocate config (:class:`AllocateConfig`). The sections with a
parser of their own keep their defaults there: ``layout_rule`` in
:class:`~simulator.city.layout.LayoutRule`, ``diversion`` in
:class:`~simulator.engine.district.Diversion`, ``allocate`` in
:class:`~simulator.optimise.allocate_config.AllocateSettings`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.city.data import ASSUMED_SIZE_SIGMA
from simulator.city.layout import LayoutRule
from simulator.config.parse import Problems, flag, num, text
from simulator.config.scenario import check_calendar_range
from simulator.config.schema import ANY, unknown_keys
from simulator.config.types import FrozenMap
from simulator.engine.district import Diversion, parse_diversion
from simulator.errors import ConfigError
from simulator.optimise.allocate_config import AllocateSettings, parse_allocate

__all__ = [
    "ALLOCATE_KEYS",
    "CITY_DEFAULTS",
    "CITY_KEYS",
    "UNITS",
    "AllocateConfig",
    "CityCalendar",
    "CityCentres",
    "CitySettings",
    "parse_allocate_config",
    "parse_city_config",
]

CITY_KEYS: Mapping[str, Any] = {
    "base": ANY,
    "base_overrides": ANY,
    "calendar": {"start_date": ANY, "days": ANY},
    "city": {
        "seed": ANY,
        "size_sigma": ANY,
        "districts_file": ANY,
        "centres_file": ANY,
        "districts": ANY,
        "max_centres": ANY,
    },
    "layout_rule": ANY,  # checked by LayoutRule.from_config (unknown keys included)
    "replications": ANY,
    "seed": ANY,
    "workers": ANY,
    "dask_address": ANY,
    "unit": ANY,
    "wait_histogram": ANY,
    "common_busyness_cv": ANY,
    "diversion": ANY,  # checked by parse_diversion
    "progress": ANY,
    "charts": ANY,
}
"""The keys a city config may hold."""

ALLOCATE_KEYS: Mapping[str, Any] = {
    **CITY_KEYS,
    "allocate": ANY,  # checked by parse_allocate
    "targets": ANY,  # checked by simulator.city.allocate.allocate
    "cost": ANY,
    "cache": ANY,
    "trust_cache": ANY,
}
"""The keys an allocate config may hold: the city's and the allocation's."""

UNITS = ("centre", "district")
"""The task units of a city run (``unit``)."""

CITY_DEFAULTS: Mapping[str, Any] = FrozenMap(
    {
        # The city that is built: scenarios/city/default.yaml's values.
        "base": "reference",
        "base_overrides": (),
        "calendar.start_date": "2026-01-01",
        "calendar.days": 365,  # one calendar year
        "city.seed": 2026,  # of the synthetic centre sizes, not the simulation
        "city.size_sigma": ASSUMED_SIZE_SIGMA,
        "city.districts_file": None,  # the packaged scenarios/data/districts.csv
        "city.centres_file": None,  # the synthetic draw
        "city.districts": None,  # all
        "city.max_centres": None,  # all
        # Run settings: the values every shipped config (scenarios/city/default.yaml and
        # scenarios/allocate/*.yaml) lists, so that a config without them (built in Python)
        # runs as a shipped one does; tests/city/test_config.py holds them equal. progress
        # is off (the shipped configs differ: on for svcsim-city, off for svcsim-allocate).
        "replications": 1,
        "seed": 20261128,
        "workers": 2,  # results are identical for any number
        "dask_address": None,  # local processes
        "unit": "centre",
        "wait_histogram": True,
        "common_busyness_cv": 0.0,
        "progress": False,
        "charts": True,
        # svcsim-allocate only.
        "cache": None,  # evaluations.jsonl in the output folder
        "trust_cache": False,
        "targets": None,  # the base scenario's, else scenarios/targets/default.yaml
        "cost": None,  # the base scenario's, else scenarios/cost/default.yaml
    }
)
"""The one home of a city config key's default (a dotted path: ``"calendar.days"``)."""


@dataclass(frozen=True)
class CityCalendar:
    """The ``calendar`` section: the simulated dates (they replace the base scenario's)."""

    start_date: dt.date
    days: int


@dataclass(frozen=True)
class CityCentres:
    """The ``city`` section: which centres, and how their sizes are drawn."""

    seed: int
    size_sigma: float
    districts_file: str | None
    centres_file: str | None
    districts: tuple[str, ...] | None
    max_centres: int | None


@dataclass(frozen=True)
class CitySettings:
    """A checked city config: every key's value, the defaults filled in.

    ``base``, ``base_overrides``, ``calendar``, ``city`` and ``layout_rule`` say which
    city is built (:func:`simulator.city.build.city_from_config`); the rest how it is run
    (:func:`simulator.city.run.run_city_from_config`) and written (``charts``).
    """

    base: str
    base_overrides: tuple[str, ...]
    calendar: CityCalendar
    city: CityCentres
    layout_rule: LayoutRule
    replications: int
    seed: int
    workers: int
    dask_address: str | None
    unit: str
    wait_histogram: bool
    common_busyness_cv: float
    diversion: Diversion
    progress: bool
    charts: bool


@dataclass(frozen=True)
class AllocateConfig:
    """A checked allocate config: the city's settings and the allocation's. ``targets`` and
    ``cost`` stay as written (``None``: the base scenario's, else the bundled ones);
    :func:`simulator.city.allocate.allocate` parses them."""

    city: CitySettings
    allocate: AllocateSettings
    targets: Mapping[str, Any] | None
    cost: Mapping[str, Any] | None
    cache: str | None
    trust_cache: bool


def _value(cfg: Mapping[str, Any], path: str) -> Any:
    """The value of the config key ``path`` in its section ``cfg``: the config's own
    (``null`` included), else :data:`CITY_DEFAULTS`'s."""
    key = path.rpartition(".")[2]
    return cfg[key] if key in cfg else CITY_DEFAULTS[path]


def _num(cfg: Mapping[str, Any], path: str, p: Problems, **limits: Any) -> float:
    section, _, key = path.rpartition(".")
    return num(cfg, key, section, p, default=CITY_DEFAULTS[path], **limits)


def _int(cfg: Mapping[str, Any], path: str, p: Problems, low: int, **limits: Any) -> int:
    """A whole number of at least ``low`` (``low`` itself when it is a problem)."""
    value = _num(cfg, path, p, low=low, integer=True, **limits)
    return int(value) if math.isfinite(value) and value >= low else low


def _flag(cfg: Mapping[str, Any], path: str, p: Problems) -> bool:
    section, _, key = path.rpartition(".")
    return flag(cfg, key, section, p, default=CITY_DEFAULTS[path])


def _section(cfg: Mapping[str, Any], name: str, p: Problems) -> Mapping[str, Any]:
    """A section of optional keys: absent or null is empty (every key at its default)."""
    sec = cfg.get(name)
    if sec is None:
        return {}
    if not isinstance(sec, Mapping):
        p.add(name, f"expected a mapping, got {sec!r}")
        return {}
    return sec


def _names(cfg: Mapping[str, Any], path: str, p: Problems) -> tuple[str, ...] | None:
    """A list of names (``null``: none given)."""
    raw = _value(cfg, path)
    if raw is None:
        return None
    if isinstance(raw, str | bytes) or not isinstance(raw, list | tuple):
        p.add(path, f"expected a list, e.g. [a, b], got {raw!r}")
        return None
    return tuple(str(v) for v in raw)


def _file(cfg: Mapping[str, Any], path: str, p: Problems) -> str | None:
    raw = _value(cfg, path)
    if raw is None:
        return None
    if not Path(str(raw)).is_file():
        p.add(path, f"file not found: {raw}")
    return str(raw)


def _calendar(cfg: Mapping[str, Any], p: Problems) -> CityCalendar:
    cal = _section(cfg, "calendar", p)
    days = _int(cal, "calendar.days", p, low=1)
    raw = _value(cal, "calendar.start_date")
    try:
        start = raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw))
    except ValueError:
        p.add("calendar.start_date", f"expected a date YYYY-MM-DD, got {raw!r}")
        return CityCalendar(dt.date.fromisoformat(CITY_DEFAULTS["calendar.start_date"]), days)
    if p.clean("calendar"):
        check_calendar_range(start, days, p)
    return CityCalendar(start, days)


def _centres(cfg: Mapping[str, Any], p: Problems) -> CityCentres:
    c = _section(cfg, "city", p)
    max_centres = None
    if _value(c, "city.max_centres") is not None:
        max_centres = _int(c, "city.max_centres", p, low=1)
    return CityCentres(
        seed=_int(c, "city.seed", p, low=0),
        size_sigma=_num(c, "city.size_sigma", p, low=0.0),
        districts_file=_file(c, "city.districts_file", p),
        centres_file=_file(c, "city.centres_file", p),
        districts=_names(c, "city.districts", p) or None,  # [] = all, as null
        max_centres=max_centres,
    )


def _parsed(parse: Any, raw: Any, p: Problems, off: Any) -> Any:
    """A section parsed by its own parser; its problems join the others."""
    try:
        return parse(raw)
    except ConfigError as exc:
        p.items.extend(exc.problems)
        return off


def _city_settings(cfg: Mapping[str, Any], p: Problems) -> CitySettings:
    unit = text(cfg, "unit", "", p, default=CITY_DEFAULTS["unit"])
    if unit not in UNITS:
        p.add("unit", f"unknown task unit {unit!r}; one of {list(UNITS)}")
        unit = CITY_DEFAULTS["unit"]
    address = _value(cfg, "dask_address")
    return CitySettings(
        base=text(cfg, "base", "", p, default=CITY_DEFAULTS["base"]),
        base_overrides=_names(cfg, "base_overrides", p) or (),
        calendar=_calendar(cfg, p),
        city=_centres(cfg, p),
        layout_rule=_parsed(LayoutRule.from_config, cfg.get("layout_rule"), p, LayoutRule()),
        replications=_int(cfg, "replications", p, low=1, high=100_000),
        seed=_int(cfg, "seed", p, low=0),
        workers=_int(cfg, "workers", p, low=1),
        dask_address=None if address is None else str(address),
        unit=unit,
        wait_histogram=_flag(cfg, "wait_histogram", p),
        common_busyness_cv=_num(cfg, "common_busyness_cv", p, low=0.0, high=2.0),
        diversion=_parsed(parse_diversion, cfg.get("diversion"), p, Diversion()),
        progress=_flag(cfg, "progress", p),
        charts=_flag(cfg, "charts", p),
    )


def parse_city_config(cfg: Mapping[str, Any] | CitySettings) -> CitySettings:
    """Check a composed city config (a plain mapping) and fill in the defaults (settings
    already parsed are returned as they are).

    Raises
    ------
    ConfigError
        Listing every problem at once, each naming its key: unknown keys (with a
        did-you-mean suggestion), values of the wrong type or out of range, dates outside
        the holiday data, missing files, and the problems of ``layout_rule`` and
        ``diversion``.
    """
    if isinstance(cfg, CitySettings):
        return cfg
    p = Problems()
    for key, message in unknown_keys(cfg, CITY_KEYS):
        p.add(key, message)
    settings = _city_settings(cfg, p)
    p.raise_if_any("city config")
    return settings


def parse_allocate_config(cfg: Mapping[str, Any]) -> AllocateConfig:
    """Check a composed allocate config: the city's keys (as :func:`parse_city_config`),
    the ``allocate`` section and the allocation's run settings, every problem at once."""
    p = Problems()
    for key, message in unknown_keys(cfg, ALLOCATE_KEYS):
        p.add(key, message)
    city = _city_settings(cfg, p)
    settings = _parsed(parse_allocate, cfg.get("allocate"), p, AllocateSettings())
    cache = _value(cfg, "cache")
    trust_cache = _flag(cfg, "trust_cache", p)
    p.raise_if_any("allocate config")
    return AllocateConfig(
        city=city,
        allocate=settings,
        targets=_value(cfg, "targets"),
        cost=_value(cfg, "cost"),
        cache=None if cache is None else str(cache),
        trust_cache=trust_cache,
    )
