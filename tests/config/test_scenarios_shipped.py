"""Every shipped scenario composes, validates and runs; the catalogue matches DOMAIN.md."""

from __future__ import annotations

import pandas as pd
import pytest

from simulator import available_scenarios, load_scenario, simulate
from simulator.model.catalogue import catalogue_path, reference_catalogue


@pytest.mark.parametrize("name", available_scenarios())
def test_every_shipped_scenario_composes_and_runs(name: str) -> None:
    overrides = ["replications=1"]
    if name.startswith("validation/"):  # one long day: shorten it for this smoke test
        overrides.append("calendar.hours.weekday.close=2000")
    scn = load_scenario(name, overrides=overrides)
    res = simulate(scn)
    s = res.summary()
    assert s.loc["arrivals", "mean"] > 0
    assert s.loc["served", "mean"] > 0


def test_reference_catalogue_facts() -> None:
    cat = reference_catalogue()
    assert len(cat) == 189  # published
    assert cat["bureau"].nunique() == 12  # published
    assert int(cat["cross_province"].sum()) == 21  # published
    assert cat["item_id"].is_unique
    assert set(cat["source"]) == {"published", "generated"}


def test_shipped_catalogue_csv_is_regenerable() -> None:
    shipped = pd.read_csv(catalogue_path(), keep_default_na=False)
    fresh = reference_catalogue()
    pd.testing.assert_frame_equal(shipped.astype(str), fresh.astype(str))


def test_reference_family_shares() -> None:
    scn = load_scenario("reference")
    shares: dict[str, float] = {}
    for it in scn.items:
        shares[it.family] = shares.get(it.family, 0.0) + it.weight
    assert shares == pytest.approx(
        {
            "quick": 0.30,
            "standard": 0.45,
            "complex": 0.15,
            "cross_province": 0.05,
            "consultation": 0.05,
        },
        abs=1e-4,
    )
