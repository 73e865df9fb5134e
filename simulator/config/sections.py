"""Parsing the ``cross_province`` and ``back_office`` sections (and ``demand.origin_mix``)
into the static descriptions of :mod:`simulator.model.cross_province` and
:mod:`simulator.model.back_office`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from simulator.config.parse import (
    Problems,
    as_int,
    dist,
    flag,
    mapping,
    num,
    parse_clock,
    setting,
    span,
)
from simulator.config.schema import default as schema_default
from simulator.model.back_office import BackOffice, Bureau
from simulator.model.cross_province import (
    LOCAL,
    PROVINCES,
    CrossProvince,
    Outage,
    ProvinceSystem,
)


def parse_back_office(
    cfg: Mapping[str, Any] | None, bureaus_in_catalogue: list[str], problems: Problems
) -> BackOffice:
    """Parse the ``back_office`` section: ``default`` applies to every bureau of the
    catalogue, ``bureaus.<name>`` overrides it for one bureau."""
    path = "back_office"
    if cfg is None or not flag(cfg, "enabled", path, problems):
        return BackOffice()
    hours = mapping(setting(cfg, "hours", path), f"{path}.hours", problems)
    o = parse_clock(hours.get("open"), f"{path}.hours.open", problems)
    c = parse_clock(hours.get("close"), f"{path}.hours.close", problems)
    if not c > o:
        problems.add(f"{path}.hours", "close must be after open")
    default = mapping(setting(cfg, "default", path), f"{path}.default", problems)
    per = mapping(cfg.get("bureaus") or {}, f"{path}.bureaus", problems)
    for name in per:
        if name not in bureaus_in_catalogue:
            problems.add(
                f"{path}.bureaus.{name}",
                f"unknown bureau; the catalogue has {sorted(bureaus_in_catalogue)}",
            )
    bureaus: dict[str, Bureau] = {}
    # A bureau's setting: its own, else the section `default`'s, else the schema's
    # default of `default` (a null work distribution takes the schema's too).
    dpath = f"{path}.default"
    for name in bureaus_in_catalogue:
        spec = {**default, **(per.get(name) or {})}
        bpath = f"{path}.bureaus.{name}" if name in per else dpath
        staff = num(
            spec,
            "staff",
            bpath,
            problems,
            default=schema_default(f"{dpath}.staff"),
            low=0,
            integer=True,
        )
        work_spec = spec.get("work")
        work = dist(
            schema_default(f"{dpath}.work") if work_spec is None else work_spec,
            f"{bpath}.work",
            problems,
        )
        if work is not None:
            bureaus[name] = Bureau(as_int(staff, 0), work)
    target = as_int(num(cfg, "target_days", path, problems, low=0, integer=True), 3)
    return BackOffice(True, o, c, bureaus, target)


def parse_origin_mix(dem: Mapping[str, Any], problems: Problems) -> tuple[float, ...]:
    """Shares of residents by origin province, aligned with :data:`PROVINCES`."""
    mix = mapping(setting(dem, "origin_mix", "demand"), "demand.origin_mix", problems)
    for key in mix:
        if key not in PROVINCES:
            problems.add(f"demand.origin_mix.{key}", f"unknown province; one of {PROVINCES}")
    shares = tuple(num(mix, p, "demand.origin_mix", problems, low=0.0, high=1.0) for p in PROVINCES)
    total = sum(shares)
    if not abs(total - 1.0) < 1e-6:
        problems.add("demand.origin_mix", f"shares must sum to 1, they sum to {total:.6g}")
    return shares


def _read_availability(
    path: Path, xp_items: Sequence[str], problems: Problems
) -> dict[str, frozenset[str]]:
    key = "cross_province.availability_file"
    if not path.exists():
        problems.add(key, f"file not found: {path}")
        return {}
    frame = pd.read_csv(path, dtype={"item_id": str}, keep_default_na=False, comment="#")
    missing = [c for c in ("item_id", *PROVINCES) if c not in frame.columns]
    extra = [c for c in frame.columns if c not in ("item_id", "name_en", *PROVINCES)]
    if missing:
        problems.add(key, f"{path.name}: missing columns {missing}")
        return {}
    if extra:
        problems.add(
            key,
            f"{path.name}: unknown columns {extra} (unknown province?); "
            f"provinces are {list(PROVINCES)}",
        )
    out: dict[str, frozenset[str]] = {}
    for row_no, row in enumerate(frame.to_dict("records"), start=2):
        item = str(row["item_id"])
        where = f"{key} ({path.name} line {row_no}, item {item})"
        if item not in xp_items:
            problems.add(
                where,
                "not a cross-province item of the catalogue "
                "(catalogue column cross_province must be true)",
            )
        offered = set()
        for p in PROVINCES:
            v = str(row[p]).strip()
            if v not in ("0", "1"):
                problems.add(where, f"column {p} must be 0 or 1, got {v!r}")
            elif v == "1":
                offered.add(p)
        out[item] = frozenset(offered)
    for item in xp_items:
        if item not in out:
            problems.add(key, f"{path.name}: cross-province item {item!r} has no row")
    return out


def parse_cross_province(
    cfg: Mapping[str, Any] | None,
    xp_items: Sequence[str],
    scenarios_root: Path,
    problems: Problems,
) -> CrossProvince:
    """Parse the ``cross_province`` config section (absent or ``enabled: false`` = off)."""
    path = "cross_province"
    if cfg is None or not flag(cfg, "enabled", path, problems):
        return CrossProvince()
    family = str(setting(cfg, "family", path))
    timeout = num(cfg, "hold_timeout_min", path, problems, low=0.0)
    systems: dict[str, ProvinceSystem] = {}
    prov_cfg = mapping(cfg.get("provinces"), f"{path}.provinces", problems)
    for key in prov_cfg:
        if key not in PROVINCES:
            problems.add(f"{path}.provinces.{key}", f"unknown province; one of {PROVINCES}")
    for p in PROVINCES:
        if p == LOCAL:
            continue
        pc = prov_cfg.get(p)
        ppath = f"{path}.provinces.{p}"
        if pc is None:
            problems.add(ppath, "missing: give delay, failure_prob, outages_per_day")
            continue
        outages = num(pc, "outages_per_day", ppath, problems, low=0.0)
        systems[p] = ProvinceSystem(
            delay=dist(pc.get("delay"), f"{ppath}.delay", problems),
            failure_prob=num(pc, "failure_prob", ppath, problems, low=0.0, high=1.0),
            outages_per_day=outages,
            outage_duration=dist(pc.get("outage_duration"), f"{ppath}.outage_duration", problems)
            if outages > 0
            else None,
        )
    avail_file = cfg.get("availability_file")
    availability: dict[str, frozenset[str]] = {}
    if avail_file is None:
        problems.add(f"{path}.availability_file", "missing: the item x province matrix")
    else:
        fpath = Path(str(avail_file))
        if not fpath.is_absolute():
            fpath = scenarios_root / fpath
        availability = _read_availability(fpath, xp_items, problems)
    outages_list = []
    for j, o in enumerate(cfg.get("scheduled_outages") or []):
        opath = f"{path}.scheduled_outages[{j}]"
        prov = str(o.get("province"))
        if prov not in PROVINCES or prov == LOCAL:
            problems.add(
                f"{opath}.province",
                f"unknown province {prov!r}; one of {[p for p in PROVINCES if p != LOCAL]}",
            )
        try:
            date = dt.date.fromisoformat(str(o.get("date")))
        except ValueError:
            problems.add(f"{opath}.date", f"expected YYYY-MM-DD, got {o.get('date')!r}")
            continue
        start, end = span(o, opath, problems)
        outages_list.append(Outage(prov, date, start, end))
    return CrossProvince(
        enabled=True,
        family=family,
        require_window=flag(cfg, "require_window", path, problems),
        hold_timeout_min=timeout,
        defer_when_down=flag(cfg, "defer_when_down", path, problems),
        systems=systems,
        availability=availability,
        outages=tuple(outages_list),
    )
