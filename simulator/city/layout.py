"""Layout and staffing of a city centre, derived from its volume.

The 220 centres of a city run have no published layouts, so each gets one derived from
its expected volume by a transparent rule (every number below is an assumption and is
a field of :class:`LayoutRule`, set in ``scenarios/city/default.yaml``):

1. **Front windows** (comprehensive + dedicated) by square-root staffing at the peak
   hour of the design day: arrival rate ``lam = v x design_day_factor x peak_share``
   (``v`` the centre's visits on an average weekday after the online shift,
   ``peak_share`` the largest hourly share of the base scenario's weekday profile),
   mean service time of the family mix (proficient staff), offered load
   ``a = lam x mean_service`` and ``c = ceil(a + beta sqrt(a))``
   (:func:`simulator.analysis.analytic.square_root_staffing`), or the smallest ``c`` meeting an
   Erlang C mean-wait target (:func:`simulator.analysis.analytic.min_servers_erlang_c`); at
   least ``min_windows``. The default ``beta = 0.25`` gives the reference centre's
   5 windows at its 200 visits a weekday (the one value tuned, for face validity).
2. About ``dedicated_share`` of them (from ``dedicated_min_windows`` windows up) are
   dedicated quick desks (quick + consultation families), the rest comprehensive.
3. ``cross_province`` windows: as many as the centre has in the city table (the
   published 54, spread by :func:`simulator.city.data.city_centres`), a group
   ``{kind: cross_province, families: [cross_province]}``.
4. **Counters** (physical desks) scale with volume like the reference centre
   (``counters_per_visit`` = 12 counters per 200 weekday visits), clipped to
   ``[min_counters, max_counters]``. Windows beyond the counters are cut, comprehensive
   first, and the centre is flagged ``capped``.
5. **Staff**: ``ceil(staff_per_window x windows)``; one cross-province clerk (skilled in
   ``cross_province`` only) per cross-province window, the rest split over the base
   scenario's skill tiers by ``tier_shares`` (largest remainder): ``all`` = staff groups
   given a ``level`` for every family, ``new`` = groups whose skills are all novice,
   ``chain`` = the other groups (two or three families in a chain). Within a tier, staff
   go round robin over the base groups of that tier.

With the reference scenario and 200 visits a weekday this reproduces the reference
centre exactly: 4 comprehensive + 1 dedicated window, 12 counters, 7 staff
(3 all-round, 3 in chains, 1 new).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from simulator.analysis.analytic import min_servers_erlang_c, square_root_staffing
from simulator.config.scenario import Scenario
from simulator.errors import ConfigError

__all__ = [
    "CentreLayout",
    "LayoutRule",
    "apply_layout",
    "derive_layout",
    "mix_mean_service",
    "peak_hour_share",
    "staff_tiers",
]

TIERS = ("all", "chain", "new")
CROSS_GROUP = "cross_province"
CROSS_STAFF_GROUP = "cross_province_clerk"


@dataclass(frozen=True)
class LayoutRule:
    """How a centre's layout and staffing follow from its volume (all values assumed).

    Attributes
    ----------
    method
        ``"sqrt"``: square-root staffing with ``beta``; ``"erlang_c"``: smallest number
        of windows whose M/M/c mean wait at the peak hour is at most ``max_mean_wait_min``.
    beta
        Safety staffing of the square-root rule, in units of ``sqrt(offered load)``.
    max_mean_wait_min
        Mean-wait target of the Erlang C rule (minutes).
    design_day_factor
        Multiplier of the average weekday volume for the design day (1.15 = a Monday).
    min_windows
        Fewest front windows (comprehensive + dedicated) of any centre.
    dedicated_share
        Share of front windows that are dedicated quick desks (DOMAIN.md: about 20%).
    dedicated_min_windows
        Front windows from which a centre has a dedicated desk at all.
    dedicated_families
        Families a dedicated desk accepts.
    counters_per_visit
        Physical counters per weekday visit (reference: 12 / 200).
    min_counters, max_counters
        Bounds of the counters of any centre.
    staff_per_window
        Staff per window, all windows (DOMAIN.md: about 1.3).
    tier_shares
        Shares of the non-cross-province staff in the tiers ``all``, ``chain``, ``new``
        (DOMAIN.md: 40% all families, 45% two families in a chain, 15% one family).
    """

    method: str = "sqrt"
    beta: float = 0.25
    max_mean_wait_min: float = 5.0
    design_day_factor: float = 1.0
    min_windows: int = 2
    dedicated_share: float = 0.2
    dedicated_min_windows: int = 4
    dedicated_families: tuple[str, ...] = ("quick", "consultation")
    counters_per_visit: float = 0.06
    min_counters: int = 6
    max_counters: int = 30
    staff_per_window: float = 1.3
    tier_shares: tuple[float, float, float] = (0.40, 0.45, 0.15)

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any] | None, path: str = "layout_rule") -> LayoutRule:
        """Build from a plain mapping; unknown keys and bad values raise ``ConfigError``."""
        cfg = dict(cfg or {})
        known = {f.name for f in fields(cls)}
        problems = [
            f"{path}.{k}: unknown key; known: {sorted(known)}" for k in cfg if k not in known
        ]
        kw: dict[str, Any] = {}
        for k, v in cfg.items():
            if k not in known or v is None:
                continue
            if k == "tier_shares" and isinstance(v, Mapping):
                v = tuple(float(v.get(t, 0.0)) for t in TIERS)
            if k in ("tier_shares", "dedicated_families"):
                v = tuple(v)
            kw[k] = v
        try:
            rule = cls(**kw)
        except TypeError as exc:  # pragma: no cover - guarded by the key check
            problems.append(f"{path}: {exc}")
            rule = cls()
        problems.extend(rule.problems(path))
        if problems:
            raise ConfigError(
                f"invalid city layout rule: {len(problems)} problem(s)\n  - "
                + "\n  - ".join(problems),
                problems=problems,
            )
        return rule

    def problems(self, path: str = "layout_rule") -> list[str]:
        """Range problems, each naming its key and value."""
        out = []
        if self.method not in ("sqrt", "erlang_c"):
            out.append(f"{path}.method: one of ['sqrt', 'erlang_c'], got {self.method!r}")
        for name, low in (
            ("max_mean_wait_min", 0.0),
            ("design_day_factor", 0.0),
            ("counters_per_visit", 0.0),
            ("staff_per_window", 0.0),
        ):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and math.isfinite(v) and v > low):
                out.append(f"{path}.{name}: must be a number > {low}, got {v!r}")
        if not (isinstance(self.beta, int | float) and math.isfinite(self.beta)):
            out.append(f"{path}.beta: must be a finite number, got {self.beta!r}")
        if not 0.0 <= float(self.dedicated_share) <= 1.0:
            out.append(f"{path}.dedicated_share: must be in [0, 1], got {self.dedicated_share!r}")
        for name in ("min_windows", "dedicated_min_windows", "min_counters", "max_counters"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                out.append(f"{path}.{name}: must be a whole number >= 0, got {v!r}")
        if (
            isinstance(self.min_counters, int)
            and isinstance(self.max_counters, int)
            and self.max_counters < self.min_counters
        ):
            out.append(
                f"{path}.max_counters: {self.max_counters} is below min_counters "
                f"{self.min_counters}"
            )
        shares = self.tier_shares
        if len(shares) != 3 or any(not (s >= 0) for s in shares) or not sum(shares) > 0:
            out.append(
                f"{path}.tier_shares: three numbers >= 0 (all, chain, new) with a positive "
                f"sum, got {shares!r}"
            )
        return out

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["tier_shares"] = list(self.tier_shares)
        d["dedicated_families"] = list(self.dedicated_families)
        return d


@dataclass(frozen=True)
class CentreLayout:
    """The derived (or overridden) layout and staffing of one centre."""

    counters: int
    comprehensive: int
    dedicated: int
    cross_province: int
    staff: Mapping[str, int]
    design_arrivals_per_hour: float
    offered_load: float
    capped: bool

    @property
    def windows(self) -> int:
        return self.comprehensive + self.dedicated + self.cross_province

    @property
    def staff_total(self) -> int:
        return int(sum(self.staff.values()))


def peak_hour_share(scn: Scenario, key: str = "weekday") -> float:
    """Largest share of a day's walk-ins per hour in the profile of ``key`` days."""
    best = 0.0
    for b in scn.demand.profiles.get(key, ()):
        if b.end > b.start:
            best = max(best, b.share * 60.0 / (b.end - b.start))
    if not best > 0:
        raise ConfigError(f"the base scenario's {key} arrival profile has no positive share")
    return best


def mix_mean_service(scn: Scenario) -> float:
    """Mean service time (minutes, proficient staff) of the visit mix of a scenario."""
    weight: dict[str, float] = {}
    for it in scn.items:
        weight[it.family] = weight.get(it.family, 0.0) + float(it.weight)
    total = sum(weight.values())
    return sum(weight.get(f.name, 0.0) / total * f.service.mean for f in scn.families)


def staff_tiers(base_cfg: Mapping[str, Any]) -> dict[str, list[str]]:
    """Staff groups of the base scenario by skill tier (see module docstring)."""
    staff = ((base_cfg.get("staffing") or {}).get("staff")) or {}
    tiers: dict[str, list[str]] = {t: [] for t in TIERS}
    for name, g in staff.items():
        if not g:
            continue
        if g.get("level") is not None and not g.get("skills"):
            tiers["all"].append(str(name))
        elif (g.get("skills") or {}) and all(
            v == "novice" for v in (g.get("skills") or {}).values()
        ):
            tiers["new"].append(str(name))
        else:
            tiers["chain"].append(str(name))
    return tiers


def _largest_remainder(total: int, weights: Sequence[float]) -> list[int]:
    w = np.asarray(weights, dtype=float)
    if total <= 0 or not w.sum() > 0:
        return [0] * len(w)
    quota = total * w / w.sum()
    base = np.floor(quota).astype(int)
    order = np.argsort(-(quota - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return [int(x) for x in base]


def derive_layout(
    weekday_volume: float,
    cross_province_windows: int,
    *,
    rule: LayoutRule,
    peak_share: float,
    mean_service: float,
    tiers: Mapping[str, Sequence[str]],
) -> CentreLayout:
    """Derive one centre's layout and staffing (see module docstring).

    Parameters
    ----------
    weekday_volume
        Expected walk-ins on an average weekday, after the online shift.
    cross_province_windows
        Cross-province windows of the centre.
    rule
        The layout rule.
    peak_share
        Largest share of a weekday's walk-ins in one hour.
    mean_service
        Mean service time of the visit mix (minutes).
    tiers
        Staff groups of the base scenario by tier (:func:`staff_tiers`).
    """
    lam_h = max(0.0, weekday_volume) * rule.design_day_factor * peak_share
    lam = lam_h / 60.0
    a = lam * mean_service
    if rule.method == "erlang_c":
        front = min_servers_erlang_c(lam, mean_service, max_mean_wait=rule.max_mean_wait_min)
    else:
        front = square_root_staffing(lam, mean_service, rule.beta)
    front = max(rule.min_windows, front)
    k = max(0, int(cross_province_windows))
    counters = math.ceil(rule.counters_per_visit * max(0.0, weekday_volume) - 1e-9)
    counters = min(rule.max_counters, max(rule.min_counters, counters))
    capped = front + k > counters
    if capped:
        front = max(0, counters - k)
        k = min(k, counters)
    dedicated = (
        math.floor(rule.dedicated_share * front + 0.5) if front >= rule.dedicated_min_windows else 0
    )
    comprehensive = front - dedicated
    staff = _staff_for(front + k, k, rule, tiers)
    return CentreLayout(
        counters=counters,
        comprehensive=comprehensive,
        dedicated=dedicated,
        cross_province=k,
        staff=staff,
        design_arrivals_per_hour=lam_h,
        offered_load=a,
        capped=capped,
    )


def _staff_for(
    windows: int, cross: int, rule: LayoutRule, tiers: Mapping[str, Sequence[str]]
) -> dict[str, int]:
    total = math.ceil(rule.staff_per_window * windows - 1e-9)
    rest = max(0, total - cross)
    shares = list(rule.tier_shares)
    # A tier without a base group gives its share to the all-round tier (or the first
    # tier that has groups).
    have = [bool(tiers.get(t)) for t in TIERS]
    if not any(have):
        raise ConfigError("the base scenario has no staff groups to derive city staffing from")
    sink = 0 if have[0] else have.index(True)
    for j in range(3):
        if not have[j] and j != sink:
            shares[sink] += shares[j]
            shares[j] = 0.0
    counts = _largest_remainder(rest, shares)
    staff: dict[str, int] = {}
    for t, n in zip(TIERS, counts, strict=True):
        groups = list(tiers.get(t) or [])
        for j, g in enumerate(groups):
            staff[g] = n // len(groups) + (1 if j < n % len(groups) else 0) if groups else 0
    if cross:
        staff[CROSS_STAFF_GROUP] = cross
    return staff


def _copy_config(value: Any) -> Any:
    """A deep copy of a plain config (dicts, lists, scalars), several times faster than
    :func:`copy.deepcopy` for the base config copied for every centre; anything else is
    deep-copied the usual way."""
    if isinstance(value, dict):
        return {k: _copy_config(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy_config(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return copy.deepcopy(value)


def apply_layout(
    base_cfg: Mapping[str, Any],
    layout: CentreLayout,
    *,
    centre_id: str,
    name: str,
    district: str,
    daily_volume: float,
    rule: LayoutRule,
) -> dict[str, Any]:
    """A deep copy of the composed base config edited for one centre."""
    cfg = _copy_config(dict(base_cfg))
    centre = dict(cfg.get("centre") or {})
    centre.update(
        id=centre_id,
        name=name,
        district=district,
        counters=int(layout.counters),
        daily_volume=float(daily_volume),
    )
    cfg["centre"] = centre
    lay = dict(cfg.get("layout") or {})
    groups: dict[str, Any] = {}
    if layout.comprehensive > 0:
        groups["comprehensive"] = {
            "kind": "comprehensive",
            "count": layout.comprehensive,
            "prefix": "C",
        }
    if layout.dedicated > 0:
        groups["quick_desk"] = {
            "kind": "dedicated",
            "count": layout.dedicated,
            "prefix": "D",
            "families": list(rule.dedicated_families),
        }
    if layout.cross_province > 0:
        groups[CROSS_GROUP] = {
            "kind": "cross_province",
            "count": layout.cross_province,
            "prefix": "X",
            "families": ["cross_province"],
        }
    lay["windows"] = groups
    cfg["layout"] = lay
    stf = dict(cfg.get("staffing") or {})
    base_staff = dict(stf.get("staff") or {})
    staff_cfg: dict[str, Any] = {}
    for g, n in layout.staff.items():
        if n <= 0:
            continue
        if g == CROSS_STAFF_GROUP:
            staff_cfg[g] = {"count": int(n), "skills": {"cross_province": "proficient"}}
        else:
            spec = dict(base_staff[g])
            spec["count"] = int(n)
            staff_cfg[g] = spec
    stf["staff"] = staff_cfg
    cfg["staffing"] = stf
    return cfg
