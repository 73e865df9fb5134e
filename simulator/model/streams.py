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
)


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
    key = zlib.crc32(name.encode("utf-8"))
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(replication, key)))
