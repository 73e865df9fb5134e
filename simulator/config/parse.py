"""Helpers for parsing config mappings: every problem is collected, none raised early.

Each helper records a message naming the config key and the offending value into a
:class:`Problems` list; :func:`simulator.config.scenario.scenario_from_config` raises one
:class:`~simulator.errors.ConfigError` listing them all. A key the config leaves out
takes its default from the schema (:data:`simulator.config.schema.DEFAULTS`), read
through :func:`setting`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from simulator.config.schema import default as schema_default
from simulator.errors import ConfigError
from simulator.model.distributions import Distribution, from_spec

# ---------------------------------------------------------------------------------------
# Parsing helpers. Each collects problems into a list instead of raising at the first one.


class Problems:
    """The one collector of config problems: every check adds ``"<config path>: <what is
    wrong>"``, and the caller raises once with all of them."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")

    def raise_if_any(self, what: str) -> None:
        """Raise one :class:`~simulator.errors.ConfigError` listing every problem (each
        once) as ``invalid <what>: N problem(s)``; nothing when there is none."""
        items = list(dict.fromkeys(self.items))
        if items:
            lines = "\n  - ".join(items)
            raise ConfigError(f"invalid {what}: {len(items)} problem(s)\n  - {lines}", items)

    def clean(self, *prefixes: str) -> bool:
        """True when no problem was recorded under any of these config keys: checks that
        combine several sections run only on clean inputs, so one root cause gives one
        message (no follow-on errors about a value that already failed)."""
        return not any(
            item.startswith(pre) and item[len(pre) : len(pre) + 1] in (".", ":", " ", "[")
            for item in self.items
            for pre in prefixes
        )


def setting(cfg: Any, key: str, path: str, default: Any = None) -> Any:
    """The value of the config key ``path.key``: the config's own (``null`` included) when
    ``cfg`` has the key, else :func:`default_of` it."""
    if isinstance(cfg, Mapping) and key in cfg:
        return cfg[key]
    return default_of(key, path, default)


def default_of(key: str, path: str, default: Any = None) -> Any:
    """The value the config key ``path.key`` takes when left out: ``default`` when one is
    given (a default that depends on another value, or a section with its own table of
    defaults), else the schema's (:func:`simulator.config.schema.default`; ``None`` when
    it has none)."""
    if default is not None:
        return default
    return schema_default(f"{path}.{key}" if path else key)


def flag(cfg: Any, key: str, path: str, problems: Problems, default: bool | None = None) -> bool:
    """A yes/no setting (absent: the default as for :func:`setting`, else no); anything
    but true or false is a problem, so that a text ``"no"`` (a command-line
    ``enabled=no``) is not read as yes."""
    value = setting(cfg, key, path, default)
    if value is None and not (isinstance(cfg, Mapping) and key in cfg):
        return False
    if not isinstance(value, bool):
        problems.add(f"{path}.{key}" if path else key, f"expected true or false, got {value!r}")
        return False
    return value


def text(
    cfg: Mapping[str, Any], key: str, path: str, problems: Problems, default: str | None = None
) -> str:
    """A text value (a name, a kind, a mode), the default as for :func:`setting` ("" when
    there is none); a mapping or list is a problem, not a repr."""
    fallback = default_of(key, path, default)
    fallback = "" if fallback is None else str(fallback)
    raw = setting(cfg, key, path, fallback)
    if raw is None:
        return fallback
    if isinstance(raw, Mapping | list | tuple):
        problems.add(f"{path}.{key}" if path else key, f"expected text, got {raw!r}")
        return fallback
    return str(raw)


def parse_clock(value: Any, path: str, problems: Problems) -> float:
    """Parse ``"HH:MM"`` (or minutes as a number) into minutes since midnight."""
    if isinstance(value, bool):
        problems.add(path, f"expected a time 'HH:MM' or minutes, got {value!r}")
        return math.nan
    if isinstance(value, int | float):
        if value < 0:
            problems.add(path, f"time must be >= 0 minutes, got {value}")
        return float(value)
    if isinstance(value, str):
        parts = value.strip().split(":")
        if len(parts) == 2 and parts[0].isdigit() and parts[1].isdigit():
            h, m = int(parts[0]), int(parts[1])
            if 0 <= h <= 24 and 0 <= m < 60 and h * 60 + m <= 1440:
                return float(h * 60 + m)
    problems.add(path, f"expected a time 'HH:MM' (00:00-24:00) or minutes, got {value!r}")
    return math.nan


def span(cfg: Any, path: str, problems: Problems) -> tuple[float, float]:
    """``start`` and ``end`` clock times of ``path`` (a profile bin, a staffing block, an
    outage); an end not after the start is a problem (unless a time itself is one)."""
    cfg = cfg if isinstance(cfg, Mapping) else {}
    start = parse_clock(cfg.get("start"), f"{path}.start", problems)
    end = parse_clock(cfg.get("end"), f"{path}.end", problems)
    if end <= start:
        problems.add(path, f"end {cfg.get('end')} must be after start {cfg.get('start')}")
    return start, end


def num(
    cfg: Mapping[str, Any],
    key: str,
    path: str,
    problems: Problems,
    *,
    default: Any = None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    integer: bool = False,
) -> float:
    """A number at ``path.key`` (absent: the default as for :func:`setting`); missing,
    not a number, not finite, not whole (with ``integer``) or out of ``[low, high]``
    (open ends with ``low_open`` / ``high_open``) is a problem (NaN returned)."""
    raw = setting(cfg, key, path, default)
    full = f"{path}.{key}" if path else key
    if raw is None:
        problems.add(full, "missing")
        return math.nan
    if isinstance(raw, bool):
        problems.add(full, f"expected a number, got {raw!r}")
        return math.nan
    try:
        value = float(raw)
    except (TypeError, ValueError):
        problems.add(full, f"expected a number, got {raw!r}")
        return math.nan
    if not math.isfinite(value):
        problems.add(full, f"must be finite, got {raw!r}")
    elif integer and value != int(value):
        problems.add(full, f"must be a whole number, got {raw!r}")
    elif low is not None and (value <= low if low_open else value < low):
        problems.add(full, f"must be {'>' if low_open else '>='} {low}, got {raw!r}")
    elif high is not None and (value >= high if high_open else value > high):
        problems.add(full, f"must be {'<' if high_open else '<='} {high}, got {raw!r}")
    return value


def as_int(value: float, default: int) -> int:
    return int(value) if math.isfinite(value) else default


def mapping(cfg: Any, path: str, problems: Problems) -> Mapping[str, Any]:
    if cfg is None:
        problems.add(path, "missing")
        return {}
    if not isinstance(cfg, Mapping):
        problems.add(path, f"expected a mapping, got {cfg!r}")
        return {}
    return cfg


def dist(spec: Any, path: str, problems: Problems) -> Distribution | None:
    try:
        return from_spec(spec, path)
    except ConfigError as exc:
        problems.items.extend(exc.problems)
        return None


def iter_groups(
    cfg: Any, path: str, problems: Problems
) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """The named groups of a mapping section (e.g. ``layout.windows``): yields
    ``(name, config path, group mapping)``, skipping null groups and recording a problem
    for any group that is not a mapping."""
    for name, group in mapping(cfg, path, problems).items():
        gpath = f"{path}.{name}"
        if group is None:
            continue
        if not isinstance(group, Mapping):
            problems.add(gpath, f"expected a mapping, got {group!r}")
            continue
        yield str(name), gpath, group


def per_day_type(
    cfg: Any, path: str, keys: Iterable[str], missing: str, problems: Problems
) -> Iterator[tuple[str, str, Any]]:
    """``(day type, config path, value)`` of each day type of a section given per day type
    (profiles, opening hours, staffing blocks); a missing one is the problem ``missing``."""
    section = mapping(cfg, path, problems)
    for key in keys:
        raw = section.get(key)
        if raw is None:
            problems.add(f"{path}.{key}", missing)
            continue
        yield key, f"{path}.{key}", raw
