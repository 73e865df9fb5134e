"""Back office (收受分离): applications taken at the window are processed later.

Items flagged ``back_office`` in the catalogue go, after a completed window service, to
the back-office queue of their bureau. Each bureau has its own staff, who work only
during back-office hours on working days (weekdays and adjusted working days). Work on a
case pauses at closing and resumes on the next working day, so backlogs carry over from
day to day. Work content per case is drawn per resident before the run (common random
numbers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from simulator.config.parse import Problems, as_int, dist, mapping, num, parse_clock
from simulator.model.distributions import Distribution, Lognormal

WORKING_DAY_TYPES = ("weekday", "adjusted_workday")


@dataclass(frozen=True)
class Bureau:
    """A bureau's back office: staff count and work content per case (minutes)."""

    staff: int
    work: Distribution


@dataclass(frozen=True)
class BackOffice:
    """Back-office settings (see module docstring)."""

    enabled: bool = False
    open: float = 510.0
    close: float = 1020.0
    bureaus: Mapping[str, Bureau] = field(default_factory=dict)
    target_days: int = 3


def parse_back_office(
    cfg: Mapping[str, Any] | None, bureaus_in_catalogue: list[str], problems: Problems
) -> BackOffice:
    """Parse the ``back_office`` section: ``default`` applies to every bureau of the
    catalogue, ``bureaus.<name>`` overrides it for one bureau."""
    if cfg is None or not cfg.get("enabled", False):
        return BackOffice()
    path = "back_office"
    hours = mapping(
        cfg.get("hours", {"open": "08:30", "close": "17:00"}), f"{path}.hours", problems
    )
    o = parse_clock(hours.get("open"), f"{path}.hours.open", problems)
    c = parse_clock(hours.get("close"), f"{path}.hours.close", problems)
    if not c > o:
        problems.add(f"{path}.hours", "close must be after open")
    default = mapping(cfg.get("default", {}), f"{path}.default", problems)
    per = mapping(cfg.get("bureaus") or {}, f"{path}.bureaus", problems)
    for name in per:
        if name not in bureaus_in_catalogue:
            problems.add(
                f"{path}.bureaus.{name}",
                f"unknown bureau; the catalogue has {sorted(bureaus_in_catalogue)}",
            )
    bureaus: dict[str, Bureau] = {}
    for name in bureaus_in_catalogue:
        spec = {**default, **(per.get(name) or {})}
        bpath = f"{path}.bureaus.{name}" if name in per else f"{path}.default"
        staff = as_int(num(spec, "staff", bpath, problems, default=1, low=0, integer=True), 0)
        work_spec = spec.get("work")
        work = (
            dist(work_spec, f"{bpath}.work", problems)
            if work_spec is not None
            else Lognormal(40.0, 0.6)
        )
        bureaus[name] = Bureau(staff, work or Lognormal(40.0, 0.6))
    target = as_int(num(cfg, "target_days", path, problems, default=3, low=0, integer=True), 3)
    return BackOffice(True, o, c, bureaus, target)
