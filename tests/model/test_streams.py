"""Named random streams: every stream the package draws from is declared."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

import simulator
from simulator.model.streams import STREAM_NAMES, name_key, seed_sequence, stream

PACKAGE = Path(simulator.__file__).parent


def _stream_names_used() -> dict[str, str]:
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "stream"
                and len(node.args) == 3
                and isinstance(node.args[2], ast.Constant)
            ):
                used[node.args[2].value] = str(path.relative_to(PACKAGE))
    return used


def test_every_stream_drawn_from_is_in_stream_names():
    used = _stream_names_used()
    assert {"arrivals", "outages", "city_busyness", "routing"} <= set(used)
    undeclared = {n: f for n, f in used.items() if n not in STREAM_NAMES}
    assert not undeclared, f"streams missing from STREAM_NAMES: {undeclared}"


def test_stream_keys_are_distinct_and_stable():
    keys = [name_key(n) for n in STREAM_NAMES]
    assert len(set(keys)) == len(keys)
    # CRC-32 is fixed: a known value guards against a change of hash (and of every result).
    assert name_key("arrivals") == 0xD7595DC2  # CRC-32 of b"arrivals"
    a = stream(7, 2, "arrivals").random(3)
    b = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(2, name_key("arrivals"))))
    assert a.tolist() == b.random(3).tolist()


def test_seed_sequence_depends_on_names_only():
    a = seed_sequence(11, "310101").generate_state(2).tolist()
    assert a == seed_sequence(11, "310101").generate_state(2).tolist()
    assert a != seed_sequence(11, "310104").generate_state(2).tolist()
    assert a != seed_sequence(12, "310101").generate_state(2).tolist()
