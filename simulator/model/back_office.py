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

from simulator.model.distributions import Distribution

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
