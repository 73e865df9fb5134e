"""The frozen objects a scenario is made of (:class:`Scenario` and its parts).

They are built and validated by :func:`simulator.config.scenario.scenario_from_config`
(which re-exports them); the simulation model reads only these objects, never YAML.
Time inside a day is in minutes since midnight; durations are in minutes.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from simulator.model import calendar as cal
from simulator.model.back_office import BackOffice
from simulator.model.cross_province import CrossProvince
from simulator.model.distributions import Distribution

if TYPE_CHECKING:  # a type only: items reads config with the parse helpers, which read the schema
    from simulator.config.items import Item

__all__ = [
    "Bin",
    "Block",
    "Calling",
    "DayPlan",
    "Demand",
    "Experiment",
    "Family",
    "FrozenMap",
    "Hours",
    "Impatience",
    "Scenario",
    "Staff",
    "Window",
]


class FrozenMap(Mapping[str, Any]):
    """A read-only mapping that pickles (used for per-key settings in a Scenario)."""

    __slots__ = ("_d",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._d: dict[str, Any] = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._d[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def __repr__(self) -> str:
        return f"FrozenMap({self._d!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMap, (self._d,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._d.items(), key=lambda kv: kv[0])))


@dataclass(frozen=True)
class Family:
    """A family of service items sharing a service-time distribution."""

    name: str
    service: Distribution


@dataclass(frozen=True)
class Bin:
    """A time bin of the arrival profile: [start, end) minutes since midnight, share of the day."""

    start: float
    end: float
    share: float


@dataclass(frozen=True)
class Hours:
    """Opening hours of one day type (minutes since midnight)."""

    open: float
    close: float
    lunch_start: float | None = None
    lunch_end: float | None = None


@dataclass(frozen=True)
class Demand:
    """Walk-in demand: volume, time profile and day-level factors."""

    daily_volume: float
    profiles: Mapping[str, tuple[Bin, ...]]
    weekday_factors: tuple[float, ...]
    month_factors: tuple[float, ...]
    holiday_factor: float
    adjusted_workday_factor: float
    post_holiday_factors: tuple[float, ...]
    busyness_cv: float
    online_shift: float
    p_return_visit: float
    origin_mix: tuple[float, ...]  # aligned with PROVINCES
    arrival_rate_per_hour: float | None = None

    @property
    def day_factors(self) -> cal.DayFactors:
        """The day-level volume multipliers, as one value."""
        return cal.DayFactors(
            tuple(self.weekday_factors),
            tuple(self.month_factors),
            self.holiday_factor,
            self.adjusted_workday_factor,
            tuple(self.post_holiday_factors),
        )


@dataclass(frozen=True)
class Impatience:
    """Balking on arrival and reneging while waiting."""

    balk_enabled: bool
    balk_threshold: int
    balk_probability: float
    renege_enabled: bool
    patience: Distribution | None


@dataclass(frozen=True)
class Calling:
    """What happens when a window calls a ticket (``centre.walk_time``, ``centre.no_show``).

    ``walk``: minutes from the call to the start of service, during which the window is
    held (``None`` = 0). ``no_show_probability``: chance that a called resident is not
    there; the window then waits ``no_show_hold`` minutes (``None`` = 0) before calling
    the next ticket. Both are drawn per resident up front from their own random streams.
    """

    walk: Distribution | None = None
    no_show_probability: float = 0.0
    no_show_hold: Distribution | None = None

    @property
    def enabled(self) -> bool:
        return self.walk is not None or self.no_show_probability > 0


@dataclass(frozen=True)
class Window:
    """A service window (counter). ``families`` lists what it accepts."""

    id: str
    kind: str
    group: str
    families: tuple[str, ...]
    priority: tuple[str, ...] = ()


@dataclass(frozen=True)
class Staff:
    """A staff member with a skill level per family."""

    id: str
    group: str
    skills: Mapping[str, str]

    def level(self, family: str) -> str:
        return str(self.skills.get(family, "none"))


@dataclass(frozen=True)
class Block:
    """A staffing block: from ``start`` to ``end`` (minutes since midnight) these
    ``(window id, staff id)`` pairs are open."""

    start: float
    end: float
    assignments: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Experiment:
    """How a scenario is run and judged."""

    replications: int
    seed: int
    warmup_min: float
    target_wait_min: float
    record_visits: bool
    workers: int
    monitor_interval_min: float | None = None


@dataclass(frozen=True)
class DayPlan:
    """One simulated day, resolved from the calendar (static, not random)."""

    index: int
    date: dt.date
    day_type: str
    profile_key: str
    closed: bool
    volume_factor: float
    offset: float  # minutes from simulation start (midnight of day 0) to this day's midnight
    hours: Hours
    blocks: tuple[Block, ...]


@functools.lru_cache(maxsize=32)
def _calendar_days(
    start: dt.date, days: int, factors: cal.DayFactors
) -> tuple[tuple[str, str, bool, float], ...]:
    """(day type, profile key, closed, volume factor) of each day: the calendar part of
    :meth:`Scenario.day_plans`, computed once for all the centres of a city that share it."""
    return tuple(
        (info.day_type, cal.profile_day_type(info), info.closed, factor)
        for info, factor in cal.volume_factors(start, days, factors)
    )


@dataclass(frozen=True)
class Scenario:
    """A validated, frozen scenario. Build it with :func:`scenario_from_config`."""

    name: str
    centre_id: str
    counters: int
    families: tuple[Family, ...]
    items: tuple[Item, ...]
    demand: Demand
    impatience: Impatience
    start_date: dt.date
    days: int
    hours: Mapping[str, Hours]
    windows: tuple[Window, ...]
    staff: tuple[Staff, ...]
    skill_multipliers: Mapping[str, float]
    plans: Mapping[str, tuple[Block, ...]]
    policy: str
    experiment: Experiment
    cross_province: CrossProvince = field(default_factory=CrossProvince)
    back_office: BackOffice = field(default_factory=BackOffice)
    calling: Calling = field(default_factory=Calling)
    source: str = ""
    config: Mapping[str, Any] = field(default_factory=FrozenMap, compare=False, repr=False)

    @property
    def family_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.families)

    def family_index(self) -> dict[str, int]:
        return {f.name: i for i, f in enumerate(self.families)}

    def day_plans(self) -> list[DayPlan]:
        """Resolve the calendar into one :class:`DayPlan` per simulated day."""
        constant = self.demand.arrival_rate_per_hour is not None
        if constant:
            days: tuple[tuple[str, str, bool, float], ...] = (
                ("weekday", "weekday", False, 1.0),
            ) * self.days
        else:
            days = _calendar_days(self.start_date, self.days, self.demand.day_factors)
        return [
            DayPlan(
                index=k,
                date=self.start_date + dt.timedelta(days=k),
                day_type=day_type,
                profile_key=key,
                closed=closed,
                volume_factor=0.0 if closed else factor,
                offset=1440.0 * k,
                hours=self.hours[key],
                blocks=self.plans[key],
            )
            for k, (day_type, key, closed, factor) in enumerate(days)
        ]

    def expected_daily_volume(self, plan: DayPlan) -> float:
        """Expected walk-ins on a day (before the day-level busyness factor)."""
        if plan.closed:
            return 0.0
        if self.demand.arrival_rate_per_hour is not None:
            return self.demand.arrival_rate_per_hour * (plan.hours.close - plan.hours.open) / 60
        return self.demand.daily_volume * plan.volume_factor * (1.0 - self.demand.online_shift)
