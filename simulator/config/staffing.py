"""Staffing plans: the staff at each window, block by block, for each day type.

A scenario's ``staffing.plan`` takes one of three modes (:func:`parse_plans`): ``auto``
(every window open on weekdays, a share of each group at lunch and on weekends, staff
assigned by skill), ``by_block`` (open windows per group, block by block, as a staffing
recommendation writes them) and ``explicit`` (``window: staff`` assignments). Part of
building a scenario (:mod:`simulator.config.scenario`); every problem is collected with
its config key.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from simulator.config.items import Item
from simulator.config.parse import Problems, as_int, mapping, num, per_day_type, setting, span, text
from simulator.config.types import Block, Hours, Staff, Window

__all__ = ["Floor", "Plans", "check_coverage", "parse_plans"]


def _auto_assign(
    open_windows: Sequence[Window], staff: Sequence[Staff], path: str, problems: Problems
) -> list[tuple[str, str]]:
    """Give each open window a staff member: dedicated windows first, each taking the staff
    member covering most of its families with fewest other skills; comprehensive windows
    take the most versatile staff left."""
    # The families each staff member can serve (a level other than "none"), once: the
    # rank of a staff member for a window counts the window's families among them, and
    # (negated) the others among them.
    skilled = {id(s): frozenset(f for f in s.skills if s.level(f) != "none") for s in staff}
    free = list(staff)
    pairs: list[tuple[str, str]] = []
    ordered = sorted(open_windows, key=lambda w: 0 if w.kind != "comprehensive" else 1)
    for w in ordered:
        if not free:
            problems.add(
                path,
                f"not enough staff: window {w.id} and later ones have nobody "
                f"(staffing.staff has {len(staff)} staff for {len(open_windows)} "
                "open windows)",
            )
            break
        fams = w.families
        own = frozenset(fams)
        best = max(
            free,
            key=lambda s: (
                sum(1 for f in fams if f in skilled[id(s)]),
                -len(skilled[id(s)] - own),
            ),
        )
        free.remove(best)
        pairs.append((w.id, best.id))
    return pairs


def _by_group(windows: Sequence[Window]) -> dict[str, list[Window]]:
    """The windows of each window group, in order."""
    groups: dict[str, list[Window]] = {}
    for w in windows:
        groups.setdefault(w.group, []).append(w)
    return groups


def _open_subset(windows: Sequence[Window], share: float, min_open: int) -> list[Window]:
    """Keep ceil(share x count) windows of each group (at least one per group with windows),
    and at least ``min_open`` overall."""
    keep: list[Window] = []
    for ws in _by_group(windows).values():
        keep.extend(ws[: max(1, math.ceil(share * len(ws) - 1e-9))])
    if len(keep) < min_open:
        rest = [w for w in windows if w not in keep]
        keep.extend(rest[: min_open - len(keep)])
    return [w for w in windows if w in keep]


Plans = dict[str, tuple[Block, ...]]
"""The staffing blocks of each day type."""


@dataclass(frozen=True)
class Floor:
    """What a staffing plan is made of: each day type's opening hours, the windows and
    the staff."""

    hours: Mapping[str, Hours]
    windows: Sequence[Window]
    staff: Sequence[Staff]


def parse_plans(stf: Mapping[str, Any], floor: Floor, problems: Problems) -> Plans:
    """The staffing blocks of each day type, by ``staffing.plan.mode``."""
    plan = mapping(setting(stf, "plan", "staffing"), "staffing.plan", problems)
    mode = text(plan, "mode", "staffing.plan", problems)
    modes = {"auto": _auto_plans, "by_block": _by_block_plans, "explicit": _explicit_plans}
    if mode in modes:
        return modes[mode](plan, floor, problems)
    problems.add("staffing.plan.mode", f"unknown mode {mode!r}; one of {list(modes)}")
    return {}


def _auto_plans(plan: Mapping[str, Any], floor: Floor, problems: Problems) -> Plans:
    """Every window open on weekdays; ``ceil(share x count)`` of each group at lunch and
    on weekends (at least ``min_open``); staff assigned by :func:`_auto_assign`."""
    hours, windows, staff = floor.hours, floor.windows, floor.staff
    out: Plans = {}
    lunch_share = num(plan, "lunch_open_share", "staffing.plan", problems, low=0.0, high=1.0)
    weekend_share = num(plan, "weekend_open_share", "staffing.plan", problems, low=0.0, high=1.0)
    min_open = as_int(num(plan, "min_open", "staffing.plan", problems, low=0, integer=True), 1)
    for key, h in hours.items():
        share = 1.0 if key == "weekday" else weekend_share
        day_windows = _open_subset(windows, share, min_open)
        if h.lunch_start is not None and h.lunch_end is not None:
            spans = [
                (h.open, h.lunch_start, day_windows),
                (h.lunch_start, h.lunch_end, _open_subset(day_windows, lunch_share, min_open)),
                (h.lunch_end, h.close, day_windows),
            ]
        else:
            spans = [(h.open, h.close, day_windows)]
        blocks = []
        for start, end, ws in spans:
            if end <= start:
                continue
            pairs = _auto_assign(ws, staff, f"staffing.plan ({key})", problems)
            blocks.append(Block(start, end, tuple(pairs)))
        out[key] = tuple(blocks)
    return out


def _sort_blocks(blocks: list[Block], path: str, days: str, problems: Problems) -> None:
    """Sort a day type's blocks by start; a block starting before the previous one ends is
    the problem "blocks overlap``days`` at minute ..." at ``path``."""
    blocks.sort(key=lambda b: b.start)
    for a, b in itertools.pairwise(blocks):
        if b.start < a.end:
            problems.add(path, f"blocks overlap{days} at minute {b.start:g}")


def _by_block_plans(plan: Mapping[str, Any], floor: Floor, problems: Problems) -> Plans:
    """The number of open windows per window group, block by block (e.g. from a staffing
    recommendation); staff are assigned automatically as in auto mode."""
    hours, windows, staff = floor.hours, floor.windows, floor.staff
    out: Plans = {}
    groups = _by_group(windows)
    for key, path, raw in per_day_type(
        plan.get("blocks"),
        "staffing.plan.blocks",
        hours,
        "missing: give the blocks of this day type",
        problems,
    ):
        day_blocks: list[Block] = []
        for j, b in enumerate(raw):
            bpath = f"{path}[{j}]"
            start, end = span(b, bpath, problems)
            if start < hours[key].open or end > hours[key].close:
                problems.add(
                    bpath,
                    f"block {b.get('start')}-{b.get('end')} lies outside opening hours of {key}",
                )
            open_cfg = b.get("open") or {}
            chosen: list[Window] = []
            for gname in dict(open_cfg):
                if gname not in groups:
                    problems.add(
                        f"{bpath}.open.{gname}", f"unknown window group; known: {list(groups)}"
                    )
                    continue
                n = num(
                    open_cfg,
                    gname,
                    f"{bpath}.open",
                    problems,
                    low=0,
                    integer=True,
                    high=len(groups[gname]),
                )
                chosen.extend(groups[gname][: as_int(n, 0)])
            pairs = _auto_assign(chosen, staff, bpath, problems)
            day_blocks.append(Block(start, end, tuple(pairs)))
        _sort_blocks(day_blocks, path, "", problems)
        out[key] = tuple(b for b in day_blocks if b.assignments)
    return out


def _explicit_plans(plan: Mapping[str, Any], floor: Floor, problems: Problems) -> Plans:
    """Blocks with explicit ``window: staff`` assignments, for the day types listed."""
    hours, windows, staff = floor.hours, floor.windows, floor.staff
    out: Plans = {}
    blocks_cfg = plan.get("blocks") or []
    window_ids = {w.id for w in windows}
    staff_ids = {s.id for s in staff}
    per_key: dict[str, list[Block]] = {k: [] for k in hours}
    for j, b in enumerate(blocks_cfg):
        path = f"staffing.plan.blocks[{j}]"
        start, end = span(b, path, problems)
        assign = dict(b.get("assign") or {})
        for wid, sid in assign.items():
            if wid not in window_ids:
                problems.add(f"{path}.assign.{wid}", "unknown window id")
            if sid not in staff_ids:
                problems.add(f"{path}.assign.{wid}", f"unknown staff id {sid!r}")
        sids = list(assign.values())
        for sid in {s for s in sids if sids.count(s) > 1}:
            problems.add(f"{path}.assign", f"staff {sid!r} is assigned to two windows at once")
        for key in b.get("day_types") or list(hours):
            if key not in hours:
                problems.add(f"{path}.day_types", f"unknown day type {key!r}")
                continue
            per_key[key].append(
                Block(start, end, tuple((str(w), str(s)) for w, s in assign.items()))
            )
    for key, bl in per_key.items():
        _sort_blocks(bl, "staffing.plan.blocks", f" on {key} days", problems)
        h = hours[key]
        for b2 in bl:
            if b2.start < h.open or b2.end > h.close:
                problems.add(
                    "staffing.plan.blocks",
                    f"a {key} block {b2.start:g}-{b2.end:g} lies outside opening hours",
                )
        out[key] = tuple(bl)
    return out


def check_coverage(
    scn_families: Sequence[str],
    items: Sequence[Item],
    hours: Mapping[str, Hours],
    plans: Mapping[str, tuple[Block, ...]],
    windows: Sequence[Window],
    staff: Sequence[Staff],
    problems: Problems,
) -> None:
    """Every family with demand must be servable by some open window with skilled staff
    during opening hours of every day type."""
    wmap = {w.id: w for w in windows}
    smap = {s.id: s for s in staff}
    demanded = {it.family for it in items if it.weight > 0}
    for key, blocks in plans.items():
        servable: set[str] = set()
        for b in blocks:
            for wid, sid in b.assignments:
                w, s = wmap.get(wid), smap.get(sid)
                if w is None or s is None:
                    continue
                servable.update(f for f in w.families if s.level(f) != "none")
        for fam in scn_families:
            if fam in demanded and fam not in servable and blocks:
                problems.add(
                    f"staffing ({key} days)",
                    f"family {fam!r} has demand but no open "
                    "window with skilled staff can serve it during opening hours",
                )
        if not blocks and key in hours:
            problems.add(f"staffing ({key} days)", "no window is open on these days")
