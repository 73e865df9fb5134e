"""Named random streams.

Every source of randomness (arrivals, items, service, patience, ...) gets its own
:class:`numpy.random.Generator`, derived from one root seed, the replication index and
a stable hash of the stream's name. Adding a stream never shifts another, so common
random numbers hold across scenarios that differ only in layout or staffing, and a
replication is a pure function of (scenario, replication, seed).
"""

from __future__ import annotations

import zlib

import numpy as np

STREAM_NAMES = (
    "arrivals",
    "busyness",
    "items",
    "service",
    "patience",
    "balking",
    "outcome",
    "origin",
    "cross_province",
    "outages",
    "back_office",
    "routing",
    "city_busyness",
    "walk_time",
    "no_show",
)
"""Streams the simulator draws from (``city_busyness``: the day factor common to all
centres of a city run)."""


def name_key(name: str) -> int:
    """Stable 32-bit key of a name (CRC-32 of its UTF-8 bytes): the one way a stream, a
    centre or a district name becomes part of a seed, the same on every platform and run."""
    return zlib.crc32(name.encode("utf-8"))


def seed_sequence(seed: int, *names: str) -> np.random.SeedSequence:
    """``SeedSequence(seed, spawn_key=(name_key(n) for n in names))``: a child of the root
    seed keyed by names, so it depends on the names alone, never on order or position."""
    return np.random.SeedSequence(seed, spawn_key=tuple(name_key(n) for n in names))


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """Return the generator for stream ``name`` of ``replication``.

    Parameters
    ----------
    seed
        Root seed of the experiment (non-negative integer).
    replication
        Replication index, 0-based.
    name
        Stream name; any string works, the known ones are in :data:`STREAM_NAMES`.
    """
    if seed < 0 or replication < 0:
        raise ValueError(f"seed and replication must be >= 0, got {seed}, {replication}")
    ss = np.random.SeedSequence(seed, spawn_key=(replication, name_key(name)))
    return np.random.default_rng(ss)
