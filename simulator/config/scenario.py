"""Building and validating a scenario: a composed config becomes a frozen :class:`Scenario`.

A scenario is built once, at the edge, from a composed Hydra config (a plain mapping)
by :func:`scenario_from_config`; its frozen parts live in :mod:`simulator.config.types`
(re-exported here). Every range and consistency problem is collected and
reported together, each naming its config key and value. The simulation model reads
only this object, never YAML.

Time inside a day is in minutes since midnight; durations are in minutes.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulator.config import types
from simulator.config.items import ITEM_COLUMNS, Item, read_items
from simulator.config.parse import (
    Problems,
    as_int,
    default_of,
    dist,
    flag,
    iter_groups,
    mapping,
    num,
    parse_clock,
    per_day_type,
    setting,
    span,
    text,
)
from simulator.config.safety import identifier_problem
from simulator.config.schema import unknown_keys
from simulator.config.sections import parse_back_office, parse_cross_province, parse_origin_mix
from simulator.config.staffing import Floor, Plans, check_coverage, parse_plans
from simulator.config.types import (
    Bin,
    Block,
    Calling,
    Demand,
    Experiment,
    Family,
    FrozenMap,
    Hours,
    Impatience,
    Scenario,
    Staff,
    Window,
)
from simulator.config.types import (
    DayPlan as DayPlan,  # re-exported (engine, kpis)
)
from simulator.model import calendar as cal
from simulator.model.back_office import BackOffice
from simulator.model.cross_province import (
    PROVINCES,
    CrossProvince,
)

__all__ = [  # the builder, and the frozen parts it builds (re-exported from config.types)
    "ITEM_COLUMNS",
    "POLICIES",
    "PROFILE_KEYS",
    "SKILL_LEVELS",
    "WINDOW_KINDS",
    "Item",
    "check_calendar_range",
    "item_probabilities",
    "scenario_from_config",
    *types.__all__,
]

SKILL_LEVELS = ("none", "novice", "proficient", "expert")
WINDOW_KINDS = ("comprehensive", "dedicated", "cross_province")
POLICIES = ("oldest_first", "dedicated_first")
PROFILE_KEYS = ("weekday", "weekend", "holiday")


def _scenarios_root() -> Path:
    import scenarios

    return Path(scenarios.__file__).resolve().parent


def _parse_profiles(
    dem: Mapping[str, Any], hours: Mapping[str, Hours], problems: Problems
) -> dict[str, tuple[Bin, ...]]:
    out: dict[str, tuple[Bin, ...]] = {}
    for key, path, raw in per_day_type(
        dem.get("profiles"),
        "demand.profiles",
        PROFILE_KEYS,
        "missing profile for this day type",
        problems,
    ):
        bins = []
        for j, b in enumerate(raw):
            bpath = f"{path}[{j}]"
            start, end = span(b, bpath, problems)
            share = num(b, "share", bpath, problems, low=0.0)
            h = hours.get(key)
            if h is not None and (start < h.open or end > h.close) and share > 0:
                problems.add(
                    bpath,
                    f"bin {b.get('start')}-{b.get('end')} lies outside opening hours of {key}",
                )
            bins.append(Bin(start, end, share))
        total = sum(b.share for b in bins)
        if bins and not abs(total - 1.0) < 1e-6:
            problems.add(path, f"shares must sum to 1, they sum to {total:.6g}")
        ordered = sorted(bins, key=lambda b: b.start)
        for a, b in itertools.pairwise(ordered):
            if b.start < a.end:
                problems.add(path, f"bins overlap at {b.start // 60:02.0f}:{b.start % 60:02.0f}")
        out[key] = tuple(ordered)
    return out


def _parse_hours(cal_cfg: Mapping[str, Any], days: int, problems: Problems) -> dict[str, Hours]:
    out: dict[str, Hours] = {}
    for key, path, h in per_day_type(
        cal_cfg.get("hours"),
        "calendar.hours",
        PROFILE_KEYS,
        "missing opening hours for this day type",
        problems,
    ):
        if not isinstance(h, Mapping):
            problems.add(path, f"expected a mapping, got {h!r}")
            continue
        o = parse_clock(h.get("open"), f"{path}.open", problems)
        c_raw = h.get("close")
        c = (
            float(c_raw)
            if isinstance(c_raw, int | float) and not isinstance(c_raw, bool)
            else parse_clock(c_raw, f"{path}.close", problems)
        )
        if not c > o:
            problems.add(
                f"{path}.close", f"closing {c_raw!r} must be after opening {h.get('open')!r}"
            )
        if c > 1440 and days > 1:
            problems.add(
                f"{path}.close",
                f"a day longer than 24 h is allowed only when calendar.days = 1 (got days={days})",
            )
        ls, le = h.get("lunch_start"), h.get("lunch_end")
        lunch_start = lunch_end = None
        if (ls is None) != (le is None):
            problems.add(path, "give both lunch_start and lunch_end, or neither")
        elif ls is not None:
            lunch_start = parse_clock(ls, f"{path}.lunch_start", problems)
            lunch_end = parse_clock(le, f"{path}.lunch_end", problems)
            if not (o <= lunch_start < lunch_end <= c):
                problems.add(
                    path,
                    f"lunch {ls}-{le} must lie inside opening hours "
                    f"{h.get('open')}-{c_raw} and end after it starts",
                )
        out[key] = Hours(o, c, lunch_start, lunch_end)
    return out


def check_calendar_range(start: dt.date, days: int, problems: Problems) -> None:
    """The simulated dates must lie in the range the holiday data cover (checked before
    a run, not half-way through it): the scenario's and the city's ``calendar``."""
    first, last = cal.covered_range()
    try:
        end = start + dt.timedelta(days=days - 1)
    except OverflowError:
        end = dt.date.max
    if start < first or end > last:
        problems.add(
            "calendar",
            f"simulated dates {start} to {end} (start_date, days) must lie within the "
            f"range the holiday data cover, {first} to {last}",
        )
        return
    try:
        cal.classify_day(start)  # the post-holiday index looks at the days before
    except ValueError as exc:
        problems.add("calendar.start_date", str(exc))


MAX_DAYS = 36_600
"""Most simulated days (100 years; dated scenarios are bounded by the holiday data)."""
MAX_REPLICATIONS = 100_000
"""Most replications of one run (the task list is built before the first one runs)."""
MAX_GROUP_SIZE = 10_000
"""Most windows or staff in one group when the centre does not set ``counters``."""


def _parse_windows(
    lay: Mapping[str, Any],
    families: Sequence[str],
    problems: Problems,
    counters: int | None = None,
) -> list[Window]:
    """Windows of ``layout.windows``; no group is built with more windows than the
    centre's ``counters`` (or :data:`MAX_GROUP_SIZE` when the centre sets none)."""
    windows: list[Window] = []
    high = float(counters) if counters else float(MAX_GROUP_SIZE)
    for gname, path, g in iter_groups(lay.get("windows"), "layout.windows", problems):
        bad = identifier_problem(gname)
        if bad is not None:
            problems.add(path, bad)
        kind = text(g, "kind", path, problems)
        if kind not in WINDOW_KINDS:
            problems.add(f"{path}.kind", f"unknown window kind {kind!r}; one of {WINDOW_KINDS}")
        count = num(g, "count", path, problems, low=0, integer=True)
        if math.isfinite(count) and count > high:
            what = "centre.counters" if counters else "the most in one group"
            problems.add(f"{path}.count", f"{count:g} windows exceed {what} ({high:g})")
            count = math.nan
        fams_raw = g.get("families")
        if kind == "comprehensive" and fams_raw is None:
            fams = tuple(families)
        elif fams_raw is None:
            problems.add(f"{path}.families", f"a {kind} window must list the families it accepts")
            fams = ()
        elif isinstance(fams_raw, str | Mapping) or not isinstance(fams_raw, Sequence):
            problems.add(f"{path}.families", f"expected a list of families, got {fams_raw!r}")
            fams = ()
        elif not fams_raw:
            problems.add(f"{path}.families", "the list is empty: the window would serve nobody")
            fams = ()
        else:
            fams = tuple(str(f) for f in fams_raw)
            for f in fams:
                if f not in families:
                    problems.add(
                        f"{path}.families", f"unknown family {f!r}; known: {list(families)}"
                    )
        prio_raw = g.get("priority")
        prio = (
            tuple(str(f) for f in prio_raw)
            if prio_raw
            else (fams if kind != "comprehensive" else ())
        )
        for f in prio:
            if f not in fams:
                problems.add(f"{path}.priority", f"family {f!r} is not accepted by this window")
        prefix = text(g, "prefix", path, problems, gname)
        n = int(count) if math.isfinite(count) else 0
        for k in range(n):
            windows.append(
                Window(
                    f"{prefix}{k + 1}" if n > 1 or prefix == gname else prefix,
                    str(kind),
                    str(gname),
                    fams,
                    prio,
                )
            )
    ids = [w.id for w in windows]
    for wid in {i for i in ids if ids.count(i) > 1}:
        problems.add("layout.windows", f"window id {wid!r} appears more than once")
    return windows


def _parse_staff(
    stf: Mapping[str, Any], families: Sequence[str], problems: Problems
) -> list[Staff]:
    staff: list[Staff] = []
    for gname, path, g in iter_groups(stf.get("staff"), "staffing.staff", problems):
        bad = identifier_problem(gname)
        if bad is not None:
            problems.add(path, bad)
        count = num(g, "count", path, problems, low=0, integer=True, high=MAX_GROUP_SIZE)
        if not 0 <= count <= MAX_GROUP_SIZE:
            count = math.nan  # reported above; never built
        level = g.get("level")
        skills: dict[str, str] = {}
        if level is not None:
            if level not in SKILL_LEVELS:
                problems.add(
                    f"{path}.level", f"unknown skill level {level!r}; one of {SKILL_LEVELS}"
                )
            skills = dict.fromkeys(families, str(level))
        for fam, lev in mapping(g.get("skills") or {}, f"{path}.skills", problems).items():
            if fam not in families:
                problems.add(f"{path}.skills.{fam}", f"unknown family; known: {list(families)}")
            if lev not in SKILL_LEVELS:
                problems.add(
                    f"{path}.skills.{fam}", f"unknown skill level {lev!r}; one of {SKILL_LEVELS}"
                )
            skills[str(fam)] = str(lev)
        if level is None and not g.get("skills"):
            problems.add(path, "give 'level' (all families) or 'skills' (per family)")
        n = int(count) if math.isfinite(count) else 0
        for k in range(n):
            staff.append(Staff(f"{gname}-{k + 1}", str(gname), FrozenMap(skills)))
    return staff


def _check_cross_province(
    cross: CrossProvince,
    demand: Demand,
    items: Sequence[Item],
    fam_names: Sequence[str],
    windows: Sequence[Window],
    staff: Sequence[Staff],
    plans: Mapping[str, tuple[Block, ...]],
    p: Problems,
) -> None:
    """The availability matrix, the origin mix and the windows must fit together."""
    if cross.family not in fam_names:
        p.add("cross_province.family", f"unknown family {cross.family!r}; known: {fam_names}")
        return
    for it in items:
        if it.cross_province and it.family != cross.family:
            p.add(
                f"catalogue item {it.id}",
                f"cross-province item in family {it.family!r}, expected {cross.family!r}",
            )
    remote_share = sum(demand.origin_mix[1:])
    remote_items = [it for it in items if it.cross_province and it.weight > 0]
    if remote_share <= 0 or not remote_items:
        return
    offered = {prov for it in remote_items for prov in cross.availability.get(it.id, ())}
    if not offered - {PROVINCES[0]}:
        p.add(
            "cross_province.availability_file",
            "no home province offers any cross-province "
            "item, yet residents from other provinces come: every request would fail",
        )
    if cross.require_window:
        wmap = {w.id: w for w in windows}
        smap = {s.id: s for s in staff}
        for key, blocks in plans.items():
            ok = any(
                wmap[wid].kind == "cross_province"
                and cross.family in wmap[wid].families
                and smap[sid].level(cross.family) != "none"
                for b in blocks
                for wid, sid in b.assignments
            )
            if not ok and blocks:
                p.add(
                    f"layout.windows ({key} days)",
                    "cross-province requests need a window "
                    f"of kind cross_province accepting family {cross.family!r} with staff "
                    "trained for it, and none is open (or set "
                    "cross_province.require_window: false)",
                )


def _parse_calling(centre: Mapping[str, Any], p: Problems) -> Calling:
    """``centre.walk_time`` (distribution, minutes; absent or null = 0) and
    ``centre.no_show`` (``probability``, ``hold`` distribution in minutes; absent = none)."""
    walk_spec = centre.get("walk_time")
    walk = dist(walk_spec, "centre.walk_time", p) if walk_spec is not None else None
    ns_cfg = centre.get("no_show")
    if ns_cfg is None:
        return Calling(walk=walk)
    ns = mapping(ns_cfg, "centre.no_show", p)
    known = {"probability", "hold"}
    for key in ns:
        if key not in known:
            p.add(f"centre.no_show.{key}", f"unknown key; known: {sorted(known)}")
    prob = num(ns, "probability", "centre.no_show", p, low=0.0, high=1.0)
    hold_spec = ns.get("hold")
    hold = dist(hold_spec, "centre.no_show.hold", p) if hold_spec is not None else None
    return Calling(walk=walk, no_show_probability=prob, no_show_hold=hold)


def _parse_families(cat: Mapping[str, Any], p: Problems) -> tuple[list[Family], list[str]]:
    """The service families of ``catalogue.families`` and their names."""
    fam_cfg = mapping(cat.get("families"), "catalogue.families", p)
    families: list[Family] = []
    for name, f in fam_cfg.items():
        if f is not None and not isinstance(f, Mapping):
            p.add(f"catalogue.families.{name}", f"expected a mapping, got {f!r}")
            continue
        d = dist((f or {}).get("service"), f"catalogue.families.{name}.service", p)
        if d is not None:
            families.append(Family(str(name), d))
    if not fam_cfg:
        p.add("catalogue.families", "no families defined")
    fam_names = [str(n) for n in fam_cfg]
    return families, fam_names


def _parse_calendar(
    cal_cfg: Mapping[str, Any], dem: Mapping[str, Any], p: Problems
) -> tuple[int, dt.date, dict[str, Hours]]:
    """Simulated days, first date and opening hours (``calendar``); dated demand must lie
    within the holiday data."""
    days = as_int(num(cal_cfg, "days", "calendar", p, low=1, integer=True, high=MAX_DAYS), 1)
    days = min(days, MAX_DAYS)  # reported above; never built
    try:
        start_date = dt.date.fromisoformat(str(cal_cfg.get("start_date")))
    except ValueError:
        p.add(
            "calendar.start_date",
            f"expected an ISO date YYYY-MM-DD, got {cal_cfg.get('start_date')!r}",
        )
        start_date = dt.date(2026, 1, 5)
    hours = _parse_hours(cal_cfg, days if p.clean("calendar.days") else 1, p)
    if dem.get("arrival_rate_per_hour") is None and p.clean("calendar"):
        check_calendar_range(start_date, days, p)
    return days, start_date, hours


def _parse_demand(
    dem: Mapping[str, Any], centre: Mapping[str, Any], hours: Mapping[str, Hours], p: Problems
) -> Demand:
    """Walk-in demand: a constant hourly rate, or a daily volume with its time profile and
    day-level factors."""
    rate = dem.get("arrival_rate_per_hour")
    arrival_rate = None
    if rate is not None:
        arrival_rate = num(dem, "arrival_rate_per_hour", "demand", p, low=0.0, low_open=True)
        profiles: dict[str, tuple[Bin, ...]] = {
            k: (Bin(h.open, h.close, 1.0),) for k, h in hours.items()
        }
        daily_volume = 0.0
    else:
        daily_volume = num(centre, "daily_volume", "centre", p, low=0.0, low_open=True)
        profiles = _parse_profiles(dem, hours, p)

    def factors(key: str, n: int, default: Sequence[float] | None = None) -> tuple[float, ...]:
        default = tuple(default_of(key, "demand", default))
        raw = setting(dem, key, "demand", default)
        vals = list(raw) if isinstance(raw, Sequence) and not isinstance(raw, str) else []
        if len(vals) != n:
            p.add(f"demand.{key}", f"expected {n} values, got {raw!r}")
            return tuple(default)
        out = []
        for j, v in enumerate(vals):
            if isinstance(v, bool) or not isinstance(v, int | float) or not v >= 0:
                p.add(f"demand.{key}[{j}]", f"must be a number >= 0, got {v!r}")
                out.append(1.0)
            else:
                out.append(float(v))
        return tuple(out)

    return Demand(
        daily_volume=daily_volume,
        profiles=FrozenMap(profiles),
        weekday_factors=factors("weekday_factors", 7),
        month_factors=factors("month_factors", 12),
        holiday_factor=num(dem, "holiday_factor", "demand", p, low=0.0),
        adjusted_workday_factor=num(dem, "adjusted_workday_factor", "demand", p, low=0.0),
        post_holiday_factors=factors(
            "post_holiday_factors",
            len(dem.get("post_holiday_factors") or []),
            list(dem.get("post_holiday_factors") or []),
        ),
        busyness_cv=num(dem, "busyness_cv", "demand", p, low=0.0, high=2.0),
        online_shift=num(dem, "online_shift", "demand", p, low=0.0, high=1.0),
        p_return_visit=num(dem, "p_return_visit", "demand", p, low=0.0, high=1.0),
        arrival_rate_per_hour=arrival_rate,
        origin_mix=parse_origin_mix(dem, p),
    )


def _parse_impatience(imp: Mapping[str, Any], p: Problems) -> Impatience:
    """Balking and reneging (``impatience``; both off unless enabled)."""
    balk = mapping(setting(imp, "balking", "impatience"), "impatience.balking", p)
    ren = mapping(setting(imp, "reneging", "impatience"), "impatience.reneging", p)
    balk_on = flag(balk, "enabled", "impatience.balking", p)
    ren_on = flag(ren, "enabled", "impatience.reneging", p)
    return Impatience(
        balk_enabled=balk_on,
        balk_threshold=as_int(
            num(balk, "threshold", "impatience.balking", p, low=0, integer=True), 0
        )
        if balk_on
        else 0,
        balk_probability=num(balk, "probability", "impatience.balking", p, low=0.0, high=1.0)
        if balk_on
        else 0.0,
        renege_enabled=ren_on,
        patience=dist(ren.get("patience"), "impatience.reneging.patience", p) if ren_on else None,
    )


def _parse_experiment(cfg: Mapping[str, Any], p: Problems) -> Experiment:
    """How the scenario is run: the top-level keys of ``scenarios/experiment/*.yaml``."""
    reps = num(cfg, "replications", "", p, low=1, integer=True, high=MAX_REPLICATIONS)
    return Experiment(
        replications=min(as_int(reps, 1), MAX_REPLICATIONS),
        seed=as_int(num(cfg, "seed", "", p, low=0, integer=True), 0),
        warmup_min=num(cfg, "warmup_min", "", p, low=0.0),
        target_wait_min=num(cfg, "target_wait_min", "", p, low=0.0),
        record_visits=flag(cfg, "record_visits", "", p),
        workers=as_int(num(cfg, "workers", "", p, low=1, integer=True), 1),
        monitor_interval_min=(
            num(cfg, "monitor_interval_min", "", p, low=0.0, low_open=True)
            if cfg.get("monitor_interval_min") is not None
            else None
        ),
    )


def _parse_layout(
    centre: Mapping[str, Any], lay: Mapping[str, Any], fam_names: Sequence[str], p: Problems
) -> tuple[list[Window], int, str]:
    """The windows, the centre's counters and the calling policy. Counters come first:
    window counts are checked against them before windows are built."""
    limit = (
        as_int(num(centre, "counters", "centre", p, low=1, integer=True), 0)
        if centre.get("counters") is not None
        else None
    )
    windows = _parse_windows(lay, fam_names, p, limit)
    counters = limit if limit is not None else len(windows)
    if windows and counters and len(windows) > counters:
        p.add(
            "layout.windows",
            f"{len(windows)} windows but the centre has only {counters} counters (centre.counters)",
        )
    if not windows and p.clean("layout", "centre.counters"):
        p.add("layout.windows", "the layout has no window")
    policy = text(lay, "policy", "layout", p)
    if policy not in POLICIES:
        p.add("layout.policy", f"unknown calling policy {policy!r}; one of {POLICIES}")
    return windows, counters, policy


def _parse_staffing(
    stf: Mapping[str, Any],
    hours: Mapping[str, Hours],
    windows: Sequence[Window],
    fam_names: Sequence[str],
    p: Problems,
) -> tuple[list[Staff], dict[str, float], Plans]:
    """The staff, their skill multipliers and the staffing plan of each day type."""
    staff = _parse_staff(stf, fam_names, p)
    mult_cfg = mapping(
        setting(stf, "skill_multipliers", "staffing"), "staffing.skill_multipliers", p
    )
    multipliers = {
        lev: num(mult_cfg, lev, "staffing.skill_multipliers", p, low=0.0, low_open=True)
        for lev in SKILL_LEVELS[1:]
    }
    plans = parse_plans(stf, Floor(hours, windows, staff), p) if windows and staff else {}
    if windows and not staff and p.clean("staffing"):
        p.add("staffing.staff", "no staff defined")
    return staff, multipliers, plans


def _parse_back_office(cfg: Mapping[str, Any], items: Sequence[Item], p: Problems) -> BackOffice:
    """The back office of the bureaus whose items are flagged ``back_office``."""
    bureaus = sorted({it.bureau for it in items if it.back_office})
    if not p.clean("catalogue"):
        # Bureaus of the catalogue are not known: do not call the configured ones unknown.
        bo = cfg.get("back_office")
        named = (bo.get("bureaus") or {}) if isinstance(bo, Mapping) else {}
        bureaus = sorted({*bureaus, *(named if isinstance(named, Mapping) else {})})
    back = parse_back_office(cfg.get("back_office"), bureaus, p)
    for b in bureaus:
        if back.enabled and b in back.bureaus and back.bureaus[b].staff == 0:
            p.add(
                f"back_office.bureaus.{b}.staff",
                "the bureau has back-office items but no staff: its backlog would grow without end",
            )
    return back


def scenario_from_config(cfg: Mapping[str, Any], source: str = "<config>") -> Scenario:
    """Validate a composed config and build the frozen :class:`Scenario`.

    Parameters
    ----------
    cfg
        A plain nested mapping (e.g. ``OmegaConf.to_container(cfg, resolve=True)``).
    source
        Where the config came from, used in error messages.

    Raises
    ------
    ConfigError
        Listing every problem found, each naming its config key and value.
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg: expected a mapping (a composed scenario config), got {cfg!r}")
    p = Problems()
    for key, message in unknown_keys(cfg):
        p.add(key, message)
    centre = mapping(cfg.get("centre"), "centre", p)
    cat = mapping(cfg.get("catalogue"), "catalogue", p)
    dem = mapping(cfg.get("demand"), "demand", p)
    imp = mapping(cfg.get("impatience"), "impatience", p)
    cal_cfg = mapping(cfg.get("calendar"), "calendar", p)
    lay = mapping(cfg.get("layout"), "layout", p)
    stf = mapping(cfg.get("staffing"), "staffing", p)

    families, fam_names = _parse_families(cat, p)
    items = read_items(cat, fam_names, p)

    days, start_date, hours = _parse_calendar(cal_cfg, dem, p)

    demand = _parse_demand(dem, centre, hours, p)

    impatience = _parse_impatience(imp, p)
    calling = _parse_calling(centre, p)

    windows, counters, policy = _parse_layout(centre, lay, fam_names, p)
    staff, multipliers, plans = _parse_staffing(stf, hours, windows, fam_names, p)
    if plans and p.clean("catalogue", "calendar", "layout", "staffing", "centre"):
        check_coverage(fam_names, items, hours, plans, windows, staff, p)

    experiment = _parse_experiment(cfg, p)

    xp_items = [it.id for it in items if it.cross_province]
    cross = parse_cross_province(cfg.get("cross_province"), xp_items, _scenarios_root(), p)
    if cross.enabled and p.clean("catalogue", "layout", "staffing", "demand"):
        _check_cross_province(cross, demand, items, fam_names, windows, staff, plans, p)
    back = _parse_back_office(cfg, items, p)

    centre_name = text(centre, "name", "centre", p, source)
    centre_id = text(centre, "id", "centre", p)
    bad_id = identifier_problem(centre_id)
    if bad_id is not None:
        p.add("centre.id", bad_id)

    p.raise_if_any(f"scenario {source}")  # the same problem found twice is listed once

    return Scenario(
        name=centre_name,
        centre_id=centre_id,
        counters=counters,
        families=tuple(families),
        items=tuple(items),
        demand=demand,
        impatience=impatience,
        start_date=start_date,
        days=days,
        hours=FrozenMap(hours),
        windows=tuple(windows),
        staff=tuple(staff),
        skill_multipliers=FrozenMap(multipliers),
        plans=FrozenMap(plans),
        policy=policy,
        experiment=experiment,
        cross_province=cross,
        back_office=back,
        calling=calling,
        source=source,
        config=FrozenMap(cfg),
    )


def item_probabilities(scn: Scenario) -> np.ndarray:
    """Probability of each item (in catalogue order) for a walk-in."""
    w = np.array([it.weight for it in scn.items], dtype=float)
    return w / w.sum()
