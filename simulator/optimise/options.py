"""Options and cost: every combination of the decision space becomes a scenario with a
deterministic cost per open day."""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from simulator.config.parse import default_of, setting
from simulator.config.scenario import Scenario, scenario_from_config
from simulator.config.types import Block
from simulator.errors import ConfigError
from simulator.optimise.config import (
    CostModel,
    SearchSpace,
    SkillMix,
)
from simulator.optimise.evaluate import Candidate

__all__ = ["Note", "OptionShares", "levels_cost", "option_shares"]


def levels_cost(scn: Scenario, cost: CostModel) -> tuple[float, dict[str, float]]:
    """Mean cost per open simulated day: staffed window-hours, training, windows."""
    staff = {s.id: s for s in scn.staff}
    plans = [p for p in scn.day_plans() if not p.closed]
    if not plans:
        return 0.0, {"staff": 0.0, "training": 0.0, "windows": 0.0}
    staff_cost = 0.0
    for plan in plans:
        for b in plan.blocks:
            hours = (b.end - b.start) / 60.0
            for _, sid in b.assignments:
                staff_cost += hours * cost.staff_rate(staff[sid].skills)
    staff_cost /= len(plans)
    training = sum(cost.training_per_day(s.skills) for s in scn.staff)
    windows = cost.window_per_day * len(scn.windows)
    total = staff_cost + training + windows
    return total, {"staff": staff_cost, "training": training, "windows": windows}


def _short(group: str, groups: Sequence[str]) -> str:
    letters = [g[0].upper() for g in groups]
    return group[0].upper() if letters.count(group[0].upper()) == 1 else group


#: The day type an ``auto`` plan opens every window on; the others (weekend, holiday)
#: open ``weekend_open_share`` of each group (:mod:`simulator.config.staffing`).
_WEEKDAY = "weekday"


@dataclass(frozen=True)
class Note:
    """A note of the recommendation: a message ``key`` with its ``values`` (plain
    data), from which the report writes it in its own language, and the same in
    English (``text``: the log, and what the report shows where it has no message)."""

    key: str
    values: Mapping[str, Any]
    text: str

    def as_dict(self) -> dict[str, Any]:
        """``{"key": ..., "values": {...}, "text": ...}`` (an item of
        ``recommendation.json``'s ``notes``)."""
        return {"key": self.key, "values": dict(self.values), "text": self.text}


@dataclass(frozen=True)
class OptionShares:
    """The settings of the ``auto`` staffing plan every option gets
    (:func:`option_shares`), and how they were found, for the recommendation's notes."""

    lunch_open_share: float
    weekend_open_share: float
    min_open: int
    weekend_note: Note | None = None
    lunch_note: Note | None = None
    min_open_note: Note | None = None

    def note_items(self, own_lunch: bool) -> list[Note]:
        """The notes to report; the lunch one only when some option takes the scenario's
        own lunch share (``own_lunch``: ``recommend.space.lunch_open_share`` is null)."""
        out = [self.weekend_note] if self.weekend_note else []
        if own_lunch and self.lunch_note:
            out.append(self.lunch_note)
        if self.min_open_note:
            out.append(self.min_open_note)
        return out

    def notes(self, own_lunch: bool) -> list[str]:
        """The texts of :meth:`note_items`."""
        return [n.text for n in self.note_items(own_lunch)]


def _open_per_group(blocks: Iterable[Block], group_of: Mapping[str, str]) -> dict[str, int]:
    """The most windows of each group open at once in ``blocks`` (groups in the layout's
    order: that of ``group_of``)."""
    peak = dict.fromkeys(dict.fromkeys(group_of.values()), 0)
    for b in blocks:
        n: dict[str, int] = {}
        for wid, _ in b.assignments:
            n[group_of[wid]] = n.get(group_of[wid], 0) + 1
        for g, k in n.items():
            peak[g] = max(peak.get(g, 0), k)
    return peak


def _ratio(part: Mapping[str, int], whole: Mapping[str, int]) -> dict[str, float]:
    """``part / whole`` per group open in ``whole``, at most 1."""
    return {g: min(1.0, part.get(g, 0) / n) for g, n in whole.items() if n > 0}


def _counts_text(part: Mapping[str, int], whole: Mapping[str, int]) -> str:
    """``group: k of n`` for each group open in ``whole``."""
    return ", ".join(f"{g}: {part.get(g, 0)} of {n}" for g, n in whole.items() if n > 0)


def _can_show(count: int) -> bool:
    """Whether a group of ``count`` windows open can show an open share. An ``auto``
    plan opens ``max(1, ceil(share x count))`` windows of a group: with two or more,
    the exact ratio ``k / count`` opens exactly ``k`` (every ``k`` from 1 to ``count``);
    one window is open whatever the share (it cannot be half open), so its ratio (0 or
    1) says nothing about the share."""
    return count > 1


def _largest(shares: Mapping[str, float]) -> tuple[float, bool]:
    """The largest of the groups' shares (no group opens a smaller share than in the
    plan) and whether they differ (the note then says the largest was taken)."""
    return max(shares.values()), len(set(shares.values())) > 1


def _single_text(groups: Sequence[str]) -> str:
    """The note's words for the groups left out by :func:`_can_show`, or nothing."""
    if not groups:
        return ""
    names = ", ".join(groups)
    verb = "has" if len(groups) == 1 else "have"
    return f"; {names} {verb} one window, open whatever the share, so not counted"


class _Learned(NamedTuple):
    """What a timetable plan shows of one share: the share of each group that can show
    one (``shares``), the groups open with one window only (``single``, left out), and
    the evidence for the note, as its values (``detail``) and in words."""

    shares: dict[str, float]
    single: list[str]
    detail: dict[str, list[list[Any]]]
    words: str


def _weekend_learned(scn: Scenario, group_of: Mapping[str, str]) -> _Learned:
    """The weekend share per group: the most windows open at once on weekend and
    holiday days against weekdays (:func:`option_shares`)."""
    weekday = _open_per_group(scn.plans.get(_WEEKDAY, ()), group_of)
    off_days = [k for k in scn.plans if k != _WEEKDAY and scn.plans[k]]
    off_open = _open_per_group((b for k in off_days for b in scn.plans[k]), group_of)
    ratios = _ratio(off_open, weekday) if off_days else {}
    shown = {g: r for g, r in ratios.items() if _can_show(weekday[g])}
    counted = {g: n for g, n in weekday.items() if g in shown}
    return _Learned(
        shown,
        [g for g in ratios if g not in shown],
        {"counts": [[g, off_open.get(g, 0), n] for g, n in counted.items()]},
        _counts_text(off_open, counted),
    )


def _lunch_learned(scn: Scenario, group_of: Mapping[str, str]) -> _Learned:
    """The lunch share per group: the most windows open at once during a day type's
    lunch break against that day, the largest over the day types with a lunch break
    (:func:`option_shares`)."""
    shares: dict[str, float] = {}
    single: dict[str, None] = {}  # groups with lunch ratios of one-window days only
    for key, blocks in scn.plans.items():
        h = scn.hours.get(key)
        if h is None or h.lunch_start is None or h.lunch_end is None:
            continue
        ls, le = h.lunch_start, h.lunch_end
        if le <= ls or not blocks:
            continue
        day = _open_per_group(blocks, group_of)
        at_lunch = _open_per_group((b for b in blocks if b.start < le and b.end > ls), group_of)
        for g, r in _ratio(at_lunch, day).items():
            if _can_show(day[g]):
                shares[g] = max(shares.get(g, 0.0), r)
            else:
                single[g] = None
    return _Learned(
        shares,
        [g for g in single if g not in shares],
        {"shares": [[g, r] for g, r in shares.items()]},
        ", ".join(f"{g}: {r:.0%}" for g, r in shares.items()),
    )


@dataclass(frozen=True)
class _ShareWords:
    """How the notes of one share (``name``: weekend or lunch; the setting
    ``staffing.plan.{name}_open_share``) word it; ``{share}``, ``{words}``, ``{largest}``,
    ``{mode}``, ``{key}`` stand for the values."""

    name: str
    opens: str  # what the options open with the share
    how: str  # the evidence of a learned share
    largest: str  # said in ``how`` when the groups' shares differ
    one_window_days: str  # the days on which one window per group shows no share
    nothing: str | None  # the note when the plan has nothing to learn it from


_WEEKEND_WORDS = _ShareWords(
    "weekend",
    "each option's auto staffing plan opens {share} of each window group on weekends and holidays",
    "(most open at once, weekend or holiday against weekday: {words}){largest}",
    "; the largest, so that no group opens a smaller share",
    "on weekdays",
    "The scenario's {mode} plan has no weekend or holiday blocks to learn a weekend share "
    "from: each option's auto staffing plan opens {share} of each window group on those "
    "days (the default of {key}).",
)
_LUNCH_WORDS = _ShareWords(
    "lunch",
    "options that keep the scenario's lunch share open {share} of each window group at lunch",
    "(most open at once during lunch against that day: {words}{largest})",
    "; the largest",
    "on days with a lunch break",
    None,  # no lunch break: the share changes nothing
)


def _share_note(
    words: _ShareWords, learned: _Learned, mode: str, path: str
) -> tuple[float, Note | None]:
    """The share the options take and its note: the largest of the ``learned`` shares
    (:func:`_largest`), else the schema's default, with a note saying why (none where
    ``words.nothing`` is None and no group was left out)."""
    if learned.shares:
        share, largest = _largest(learned.shares)
        opens = words.opens.format(share=f"{share:.0%}")
        how = words.how.format(words=learned.words, largest=words.largest if largest else "")
        return share, Note(
            f"{words.name}_share",
            {
                "mode": mode,
                "share": share,
                **learned.detail,
                "largest": largest,
                "single": learned.single,
            },
            f"{opens[:1].upper()}{opens[1:]}, as the scenario's {mode} plan does {how}"
            f"{_single_text(learned.single)}.",
        )
    setting_ = f"{words.name}_open_share"
    share, key = float(default_of(setting_, path)), f"{path}.{setting_}"
    values: dict[str, Any] = {"mode": mode, "share": share, "key": key}
    if learned.single:  # something to learn from, but every group there has one window
        text = (
            f"The scenario's {mode} plan opens one window of each group "
            f"{words.one_window_days}, which stays open whatever the share, so it shows no "
            f"{words.name} share: {words.opens.format(share=f'{share:.0%}')} (the default "
            f"of {key})."
        )
        return share, Note(
            f"{words.name}_default_single", {**values, "single": learned.single}, text
        )
    if words.nothing is None:
        return share, None
    text = words.nothing.format(mode=mode, share=f"{share:.0%}", key=key)
    return share, Note(f"{words.name}_default", values, text)


def _fewest_open(plans: Mapping[str, Iterable[Block]]) -> tuple[int, str] | None:
    """The fewest windows (all groups together) open at once in any block that opens a
    window, with its day type (the first in plan order), over the day types with
    blocks; None when no block opens a window."""
    best: tuple[int, str] | None = None
    for key, blocks in plans.items():
        for b in blocks:
            n = len({wid for wid, _ in b.assignments})
            if n > 0 and (best is None or n < best[0]):
                best = (n, key)
    return best


def option_shares(plan: Mapping[str, Any] | None, scn: Scenario) -> OptionShares:
    """The lunch and weekend open shares and ``min_open`` of the ``auto`` staffing plan
    each option of the decision space gets, from the scenario's own plan.

    An ``auto`` plan (``plan``: the config's ``staffing.plan``) gives its own settings
    (unset ones: the schema's defaults). A ``by_block`` or ``explicit`` plan (as
    ``recommended.yaml`` and calibrated scenarios have) has none: they are read from
    what it opens (``scn.plans``). The shares, per window group, as the most windows of
    the group open at any one time:

    - weekend share: open on weekend and holiday days / open on weekdays;
    - lunch share: open at any time during a day type's lunch break / open that day
      (over every day type with a lunch break).

    Each is the exact ratio (3 of 5 windows: 0.6; 2 of 3: 2/3), so that the auto plan's
    ``max(1, ceil(share x count))`` opens the plan's windows at its weekday count; groups
    open on no weekday are left out. A group with one window open (on weekdays for the
    weekend share, on that day for the lunch share) is left out too: the auto plan keeps
    it open whatever the share (:func:`_can_show`), so it cannot show one, and the note
    names it. When the other groups differ, the largest share is taken (no group opens a
    smaller share than in the plan) and the note says so. A plan with nothing to learn a
    share from (no weekend or holiday blocks, or one window per group on weekdays; no
    lunch break, where the share changes nothing, or one window per group on the days
    with one) takes the schema's default, and a note says so (none for no lunch break).

    ``min_open`` (a floor on the windows open at once, all groups together, as the auto
    plan applies it) is the fewest windows the plan opens at once in any block that
    opens a window, over the day types it has blocks for (those the centre opens): the
    options never open fewer windows at once than the plan does. At the plan's own
    window counts it changes nothing (the shares open at least as many); options with
    fewer windows keep the plan's floor. A plan that opens no window at all takes the
    schema's default.
    """
    plan = dict(plan or {})
    path = "staffing.plan"

    mode = setting(plan, "mode", path)
    if mode == "auto":  # as written (a validated scenario's values)
        return OptionShares(
            setting(plan, "lunch_open_share", path),
            setting(plan, "weekend_open_share", path),
            setting(plan, "min_open", path),
        )
    group_of = {w.id: w.group for w in scn.windows}
    weekend, weekend_note = _share_note(_WEEKEND_WORDS, _weekend_learned(scn, group_of), mode, path)
    lunch, lunch_note = _share_note(_LUNCH_WORDS, _lunch_learned(scn, group_of), mode, path)
    fewest = _fewest_open(scn.plans)
    if fewest is None:
        min_open, min_open_note = int(default_of("min_open", path)), None
    else:
        min_open, day_type = fewest
        min_open_note = Note(
            "min_open",
            {"mode": mode, "n": min_open, "day_type": day_type},
            f"Each option's auto staffing plan keeps at least {min_open} window"
            f"{'' if min_open == 1 else 's'} open at any time while open, as the scenario's "
            f"{mode} plan does (the fewest it opens at once, in a {day_type} block).",
        )
    return OptionShares(lunch, weekend, min_open, weekend_note, lunch_note, min_open_note)


def _apply_option(
    base: dict[str, Any],
    counts: Mapping[str, int],
    lunch: float | None,
    mix: SkillMix,
    shares: OptionShares,
) -> dict[str, Any]:
    """The base config with the option's window counts, an ``auto`` staffing plan with
    ``shares`` (:func:`option_shares`; ``lunch``, unless None, as the lunch share) and
    the roster of ``mix``."""
    cfg = copy.deepcopy(base)
    windows = cfg["layout"]["windows"]
    for g, n in counts.items():
        windows[g]["count"] = int(n)
    stf = cfg.setdefault("staffing", {})
    stf["plan"] = {
        "mode": "auto",
        "lunch_open_share": shares.lunch_open_share if lunch is None else float(lunch),
        "weekend_open_share": shares.weekend_open_share,
        "min_open": shares.min_open,
    }
    if mix.name != "keep":
        n_windows = sum(int((w or {}).get("count", 0)) for w in windows.values() if w)
        stf["staff"] = mix.roster(n_windows)
    return cfg


def _build_options(
    base: dict[str, Any], space: SearchSpace, cost: CostModel, shares: OptionShares
) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Every combination of the decision space as a scenario with its cost; the invalid
    ones (with the reason) apart. Each has an ``auto`` staffing plan with ``shares``
    (:func:`option_shares` of the base scenario)."""
    groups = list(space.windows)
    valid: list[Candidate] = []
    invalid: list[dict[str, Any]] = []
    combos: list[tuple[Any, ...]] = list(
        itertools.product(
            *[space.windows[g] for g in groups], space.lunch_open_share, space.skill_mixes
        )
    )
    for combo in combos:
        counts = {g: int(n) for g, n in zip(groups, combo[: len(groups)], strict=True)}
        lunch = combo[len(groups)]
        mix = combo[len(groups) + 1]
        parts = [f"{_short(g, groups)}{n}" for g, n in counts.items()]
        name = "+".join(parts)
        if lunch is not None and len(space.lunch_open_share) > 1:
            name += f" L{round(100 * lunch)}"
        if len(space.skill_mixes) > 1:
            name += f" {mix.name}"
        params: dict[str, Any] = {f"windows.{g}": n for g, n in counts.items()}
        params["lunch_open_share"] = lunch
        params["skill_mix"] = mix.name
        cfg = _apply_option(base, counts, lunch, mix, shares)
        try:
            oscn = scenario_from_config(cfg, source=f"option {name}")
        except ConfigError as exc:
            invalid.append(
                {
                    "option": name,
                    **params,
                    "decision": "invalid",
                    "reason": exc.problems[0] if exc.problems else str(exc),
                }
            )
            continue
        total, breakdown = levels_cost(oscn, cost)
        cand = Candidate(name, params, cfg, oscn, total, breakdown)
        same = next((v for v in valid if v.key == cand.key), None)
        if same is not None:  # e.g. lunch shares that open the same number of windows
            invalid.append(
                {
                    "option": name,
                    **params,
                    "cost_per_day": total,
                    "decision": "duplicate",
                    "reason": f"same scenario as {same.name}",
                }
            )
            continue
        valid.append(cand)
    return valid, invalid


def _groups_in_order(scn: Scenario) -> list[tuple[str, int, bool]]:
    """(group, installed count, comprehensive?) with comprehensive groups first."""
    out: dict[str, list[Any]] = {}
    for w in scn.windows:
        e = out.setdefault(w.group, [w.group, 0, w.kind == "comprehensive"])
        e[1] += 1
    rows = [(str(v[0]), int(v[1]), bool(v[2])) for v in out.values()]
    return sorted(rows, key=lambda g: (not g[2], g[0]))


def _allocate(total: int, groups: Sequence[tuple[str, int, bool]]) -> dict[str, int]:
    """Split ``total`` open windows: dedicated groups first (they are few), keeping at
    least one comprehensive window, capped by the installed counts."""
    c = {g: 0 for g, _, _ in groups}
    comp = [g for g in groups if g[2]]
    other = [g for g in groups if not g[2]]
    left = max(total, 1 if comp else 0)
    if comp:
        c[comp[0][0]] = 1
        left -= 1
    for g, n, _ in other:
        take = min(n, max(0, left - 0))
        c[g] = take
        left -= take
    for g, n, _ in comp:
        take = min(n - c[g], max(0, left))
        c[g] += take
        left -= take
    return c
