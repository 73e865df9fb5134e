"""The one catalogue of KPIs: name, unit, direction, natural bounds, definition, en/zh labels.

Tables, charts, the report, the terminal summaries and the recommender read names and
meanings from here, so that one KPI has one name everywhere. Definitions mirror
docs/kpis.md (the reference text); the labels are what a reader sees. The entries are
data, in ``metrics.toml`` beside this module (a reviewer or translator edits them there),
read and checked once at import: a bad entry raises :class:`~simulator.errors.ConfigError`
naming the file, the entry and what is wrong.

Two shares are easy to confuse and get distinct names:

* ``service_level`` -- residents served within the target wait **over all arrivals**
  (those who left or were not served count as failures). Service-level targets
  (``targets.*.service_level``) use this one.
* ``within_target_of_served`` -- residents who waited at most the target **over the
  residents served** (the wait distribution of served residents, as in the wait chart).
  It is at least as large as ``service_level`` and is never used for targets.

Natural bounds: every KPI here is a count, a time or a share, so none is negative, and
shares do not exceed 1. :func:`shown_interval` clips a Student t interval at these
bounds for display (see docs/kpis.md, "Intervals shown").
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from simulator.errors import ConfigError

__all__ = [
    "METRICS",
    "Kind",
    "Metric",
    "direction",
    "label",
    "metric",
    "shown_interval",
]

#: Unit families: KPIs of different kinds go to different chart panels.
Kind = Literal["minutes", "share", "count", "residents", "days", "value"]


@dataclass(frozen=True)
class Metric:
    """How a KPI is named, measured and judged.

    Attributes
    ----------
    name : str
        Column name in the result tables.
    kind : {"minutes", "share", "count", "residents", "days", "value"}
        Unit family (shares are fractions in the tables, shown as percent).
    unit : str
        Unit as written in docs/kpis.md ("min", "share", "residents", ...).
    direction : int
        -1 if lower is better, +1 if higher is better, 0 if neither.
    en, zh : str
        Short lower-case name for titles, table rows and tick labels.
    definition : str
        One-line definition (docs/kpis.md has the full text).
    upper : float or None
        Natural upper bound (1 for shares), None when unbounded. The lower bound is 0.
    """

    name: str
    kind: Kind
    unit: str
    direction: int
    en: str
    zh: str
    definition: str
    upper: float | None = None

    def label(self, lang: str) -> str:
        """The name in ``lang`` ("en" or "zh")."""
        return self.zh if lang == "zh" else self.en


#: The catalogue's rows, one table a KPI in the order of tables and charts.
_FILE = Path(__file__).with_name("metrics.toml")
_KINDS: tuple[str, ...] = get_args(Kind)
#: An entry's fields: those of Metric but its name (the entry's header) and upper (from kind).
_FIELDS = tuple(f for f in Metric.__dataclass_fields__ if f not in ("name", "upper"))
_TEXTS = ("unit", "en", "zh", "definition")


def _entry_problems(name: str, entry: object) -> list[str]:
    """What is wrong with one entry of the catalogue file (nothing: an empty list)."""
    if not isinstance(entry, dict):
        return [f"[{name}]: not a table of fields ({name} = {entry!r} above the first [name]?)"]
    problems = [] if name.isidentifier() else [f"[{name}]: a name is letters, digits and _"]
    unknown = [f for f in entry if f not in _FIELDS]
    if unknown:
        problems.append(f"[{name}]: unknown field(s) {unknown}; known: {list(_FIELDS)}")
    missing = [f for f in _FIELDS if f not in entry]
    if missing:
        problems.append(f"[{name}]: missing field(s) {missing}")
    if "kind" in entry and entry["kind"] not in _KINDS:
        problems.append(f"[{name}] kind: {entry['kind']!r} is not one of {list(_KINDS)}")
    if "direction" in entry and (
        type(entry["direction"]) is not int or entry["direction"] not in (-1, 0, 1)
    ):
        problems.append(f"[{name}] direction: {entry['direction']!r} is not -1, 0 or 1")
    for field in _TEXTS:
        if field in entry and not (isinstance(entry[field], str) and entry[field].strip()):
            problems.append(f"[{name}] {field}: {entry[field]!r} is not a non-empty text")
    return problems


def _read_catalogue(path: Path) -> tuple[Metric, ...]:
    """The catalogue file's entries in order, every one checked.

    A bad file raises :class:`ConfigError` naming the file, the entry and what is wrong,
    every problem at once (TOML syntax, such as a name declared twice, stops at the first).
    """
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"KPI catalogue {path}: {exc}") from exc
    problems = [f"{path} {p}" for name, entry in data.items() for p in _entry_problems(name, entry)]
    if not data:
        problems.append(f"{path}: no KPI")
    if problems:
        summary = (
            problems[0]
            if len(problems) == 1
            else (
                f"{len(problems)} problems in the KPI catalogue {path}:\n  " + "\n  ".join(problems)
            )
        )
        raise ConfigError(summary, problems)
    return tuple(
        Metric(name, upper=1.0 if entry["kind"] == "share" else None, **entry)
        for name, entry in data.items()
    )


#: Every KPI by name, in the catalogue's order.
METRICS: dict[str, Metric] = {m.name: m for m in _read_catalogue(_FILE)}


def metric(name: str) -> Metric:
    """The catalogue entry of ``name``; an unknown name gets a neutral entry named as is."""
    found = METRICS.get(name)
    if found is not None:
        return found
    return Metric(name, "value", "", 0, name, name, name)


def label(name: str, lang: str = "en", capital: bool = False) -> str:
    """Display name of a KPI in ``lang``; ``capital`` for a table row or a line start."""
    text = metric(name).label(lang)
    return text[:1].upper() + text[1:] if capital else text


def direction(name: str) -> int:
    """-1 lower is better, +1 higher is better, 0 neither."""
    return metric(name).direction


def shown_interval(name: str, low: float, high: float) -> tuple[float, float, bool]:
    """A confidence interval as shown: clipped at the KPI's natural bounds.

    A Student t interval of a non-negative KPI can reach below zero (and one of a share
    above 1) when replications are few or the values sit near the bound. Values beyond
    the bound are impossible, so the shown interval stops there and the caller notes it.

    Returns
    -------
    low, high : float
        The clipped bounds (NaN stays NaN).
    clipped : bool
        Whether a bound was moved.
    """
    upper = metric(name).upper
    lo, hi = low, high
    if math.isfinite(lo) and lo < 0.0:
        lo = 0.0
    if upper is not None and math.isfinite(hi) and hi > upper:
        hi = upper
    return lo, hi, (lo != low and math.isfinite(low)) or (hi != high and math.isfinite(high))
