"""Tables derived from a scenario are computed once per scenario object and shared."""

from __future__ import annotations

import gc

import numpy as np
import pytest

from simulator.config import memo


class _Scenario:
    """Stands for a frozen scenario: any object that takes weak references."""


def test_computed_once_per_object_and_name() -> None:
    calls: list[str] = []

    def build(tag: str) -> list[str]:
        calls.append(tag)
        return [tag]

    a, b = _Scenario(), _Scenario()
    first = memo.per_scenario(a, "x", lambda: build("a"))
    assert memo.per_scenario(a, "x", lambda: build("again")) is first
    assert memo.per_scenario(b, "x", lambda: build("b")) == ["b"]
    assert memo.per_scenario(a, "y", lambda: build("a-y")) == ["a-y"]
    assert calls == ["a", "b", "a-y"]


def test_forgotten_with_the_scenario() -> None:
    scn = _Scenario()
    memo.per_scenario(scn, "x", lambda: 1)
    key = id(scn)
    assert key in memo._TABLES
    del scn
    gc.collect()
    assert key not in memo._TABLES


def test_shared_arrays_are_read_only() -> None:
    arr = memo.frozen_array([1.0, 2.0])
    with pytest.raises(ValueError, match="read-only"):
        arr[0] = 5.0
    assert np.array_equal(arr, [1.0, 2.0])
