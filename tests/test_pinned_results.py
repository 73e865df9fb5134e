"""Results stay bit-identical at a fixed seed (refactoring and speed work change nothing).

The pinned figures come from ``tests/data/make_pinned.py``. A deliberate change of
results regenerates them and gives its reason in CHANGELOG.md.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


def _maker():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("make_pinned", DATA / "make_pinned.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def now() -> dict:
    return _maker().compute()


PINNED = json.loads((DATA / "pinned_results.json").read_text())
TABLES = sorted(_maker().TABLES)


@pytest.mark.parametrize("case", sorted(set(PINNED) - set(TABLES)))
def test_results_equal_pinned(case: str, now: dict) -> None:
    assert case in now, f"{case} no longer computed"
    want, got = PINNED[case], now[case]
    missing = sorted(set(want) - set(got))
    assert not missing, f"{case}: KPIs no longer reported: {missing}"
    diff = {k: (want[k], got[k]) for k in want if want[k] != got[k]}
    assert not diff, f"{case}: results changed at a fixed seed: {diff}"


@pytest.mark.parametrize("case", TABLES)
def test_city_tables_equal_pinned(case: str, now: dict) -> None:
    """The city run's hourly, daily, by-family and wait-histogram tables, by fingerprint:
    a change names the table, the replication/centre rows, the column sums and spot rows
    moved."""
    assert case in PINNED, f"{case} not pinned yet: run tests/data/make_pinned.py"
    assert case in now, f"{case} no longer computed"
    diff = _maker().table_differences(case, PINNED[case], now[case])
    assert not diff, "results changed at a fixed seed:\n" + "\n".join(diff)
