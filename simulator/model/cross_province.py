"""Cross-province (Yangtze River Delta) service: static description.

Residents of Jiangsu, Zhejiang and Anhui can file some of their home province's items
at a Shanghai centre. The request travels to the home province's system and back: a
delay per province, a failure probability, and outages (scheduled, or random as a
Poisson process of outage starts with a duration distribution). After the resident's
service at the window, the window holds the resident while the request is out: up to
``hold_timeout_min``. A request the home system answers within the timeout is completed.
One that fails, or is sent during an outage, gets no answer, so the window holds the
resident for the **full timeout** before the case is deferred (taken, completed later:
not a one-visit completion) and the window is freed. With ``defer_when_down: true`` the
clerk, who sees the outage, defers at once when the home system is known to be down (a
scheduled or random outage covers the moment of sending); failures stay unseen and
still hold for the timeout. Default off (results unchanged).

Random outages start uniformly over the 24-hour day (a Poisson process over the whole
horizon), so with opening hours of about 8 of 24 hours only about a third of
``outages_per_day`` falls while the centre is open.

A request for an item the home province does not offer is found out only at the window:
the resident still takes a full service there, then the request is counted as not
offered (no hold, never dropped).

Which province offers which of the 21 items is an assumption until data arrive
(``scenarios/data/cross_province_availability.csv``); only the counts per province are
published (Shanghai 20, Zhejiang 11, Jiangsu 9, Anhui 7).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulator.config.parse import Problems, dist, mapping, num, parse_clock
from simulator.model.distributions import Distribution

PROVINCES = ("shanghai", "jiangsu", "zhejiang", "anhui")
LOCAL = "shanghai"

# Kinds of request a resident brings (per resident, decided before the run).
XP_NONE, XP_LOCAL, XP_REMOTE, XP_UNAVAILABLE = 0, 1, 2, 3
# Result of a cross-province request at the window.
XP_RESULT_NONE, XP_COMPLETED, XP_DEFERRED, XP_NOT_OFFERED = 0, 1, 2, 3
XP_RESULTS = ("none", "completed", "deferred", "not_offered")


@dataclass(frozen=True)
class ProvinceSystem:
    """A home province's system as seen from a Shanghai window."""

    delay: Distribution | None  # round trip when it answers (minutes)
    failure_prob: float
    outages_per_day: float
    outage_duration: Distribution | None


@dataclass(frozen=True)
class Outage:
    """A scheduled outage of a province's system on a date (minutes since midnight)."""

    province: str
    date: dt.date
    start: float
    end: float


@dataclass(frozen=True)
class CrossProvince:
    """Cross-province settings (see module docstring)."""

    enabled: bool = False
    family: str = "cross_province"
    require_window: bool = True
    hold_timeout_min: float = 10.0
    defer_when_down: bool = False
    systems: Mapping[str, ProvinceSystem] = field(default_factory=dict)
    availability: Mapping[str, frozenset[str]] = field(default_factory=dict)
    outages: tuple[Outage, ...] = ()


def parse_origin_mix(dem: Mapping[str, Any], problems: Problems) -> tuple[float, ...]:
    """Shares of residents by origin province, aligned with :data:`PROVINCES`."""
    raw = dem.get("origin_mix")
    if raw is None:
        return tuple(1.0 if p == LOCAL else 0.0 for p in PROVINCES)
    mix = mapping(raw, "demand.origin_mix", problems)
    for key in mix:
        if key not in PROVINCES:
            problems.add(f"demand.origin_mix.{key}", f"unknown province; one of {PROVINCES}")
    shares = tuple(
        num(mix, p, "demand.origin_mix", problems, default=0.0, low=0.0, high=1.0)
        for p in PROVINCES
    )
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
    if cfg is None or not cfg.get("enabled", False):
        return CrossProvince()
    path = "cross_province"
    family = str(cfg.get("family", "cross_province"))
    timeout = num(cfg, "hold_timeout_min", path, problems, default=10.0, low=0.0)
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
        outages = num(pc, "outages_per_day", ppath, problems, default=0.0, low=0.0)
        systems[p] = ProvinceSystem(
            delay=dist(pc.get("delay"), f"{ppath}.delay", problems),
            failure_prob=num(pc, "failure_prob", ppath, problems, default=0.0, low=0.0, high=1.0),
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
        start = parse_clock(o.get("start"), f"{opath}.start", problems)
        end = parse_clock(o.get("end"), f"{opath}.end", problems)
        if not end > start:
            problems.add(opath, "end must be after start")
        outages_list.append(Outage(prov, date, start, end))
    return CrossProvince(
        enabled=True,
        family=family,
        require_window=bool(cfg.get("require_window", True)),
        hold_timeout_min=timeout,
        defer_when_down=_flag(cfg, "defer_when_down", path, problems),
        systems=systems,
        availability=availability,
        outages=tuple(outages_list),
    )


def _flag(cfg: Mapping[str, Any], key: str, path: str, problems: Problems) -> bool:
    """A yes/no setting (default no); anything but a boolean is a config problem."""
    value = cfg.get(key, False)
    if not isinstance(value, bool):
        problems.add(f"{path}.{key}", f"expected true or false, got {value!r}")
        return False
    return value


def outage_intervals(
    xp: CrossProvince, start_date: dt.date, days: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Outage intervals per province as an (n, 2) array of [start, end) in simulation
    minutes: scheduled ones plus random ones (Poisson starts over the horizon)."""
    out: dict[str, np.ndarray] = {}
    horizon = 1440.0 * days
    for p in PROVINCES:
        if p == LOCAL:
            continue
        rows = [
            (
                (o.date - start_date).days * 1440.0 + o.start,
                (o.date - start_date).days * 1440.0 + o.end,
            )
            for o in xp.outages
            if o.province == p
        ]
        sysp = xp.systems.get(p)
        if sysp is not None and sysp.outages_per_day > 0 and sysp.outage_duration is not None:
            n = int(rng.poisson(sysp.outages_per_day * days))
            starts = np.sort(rng.random(n) * horizon)
            durs = sysp.outage_duration.sample(rng, n)
            rows.extend(zip(starts.tolist(), (starts + durs).tolist(), strict=True))
        arr = np.array(sorted(rows), dtype=float).reshape(-1, 2)
        out[p] = arr
    return out


def is_down(intervals: np.ndarray, t: float) -> bool:
    """Whether time ``t`` falls inside one of the [start, end) intervals."""
    if intervals.size == 0:
        return False
    k = int(np.searchsorted(intervals[:, 0], t, side="right")) - 1
    # intervals may overlap: check all that started before t (few per horizon)
    return bool(k >= 0 and np.any(intervals[: k + 1, 1] > t))
