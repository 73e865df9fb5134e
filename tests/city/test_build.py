"""The city scenario set: volumes, derived layouts, seeds and bad input."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from simulator.city.build import City, build_city, centre_seed, load_city
from simulator.city.data import (
    PUBLISHED_CENTRES,
    PUBLISHED_CROSS_PROVINCE_WINDOWS,
    PUBLISHED_VISITS_PER_YEAR,
    load_districts,
)
from simulator.city.layout import (
    LayoutRule,
    derive_layout,
    mix_mean_service,
    peak_hour_share,
    staff_tiers,
)
from simulator.config.compose import compose_config
from simulator.config.scenario import scenario_from_config
from simulator.errors import ConfigError


@pytest.fixture(scope="module")
def city() -> City:
    return build_city()  # 2026 calendar year, all 220 centres


def test_city_volumes_add_up(city: City) -> None:
    c = city.centres
    assert len(city) == PUBLISHED_CENTRES == len(c)
    assert c["centre_id"].is_unique
    assert int(c["visits_per_year"].sum()) == PUBLISHED_VISITS_PER_YEAR
    # Expected visits of a calendar-year run, from the scenarios' own day plans.
    assert city.expected_visits() == pytest.approx(PUBLISHED_VISITS_PER_YEAR, rel=1e-9)
    scn_sum = sum(
        sum(s.expected_daily_volume(p) for p in s.day_plans()) for s in city.scenarios[:5]
    )
    assert scn_sum == pytest.approx(c["expected_visits"].iloc[:5].sum(), rel=1e-12)
    table = load_districts().set_index("district")
    by = city.district_table().set_index("district")
    assert list(by.index) == list(table.index)
    assert (by["centres"] == table["centres"]).all()
    assert (by["visits_per_year"] == table["visits_per_year"]).all()
    np.testing.assert_allclose(by["expected_visits"], table["visits_per_year"], rtol=1e-9)
    assert int(c["cross_province"].sum()) == PUBLISHED_CROSS_PROVINCE_WINDOWS
    assert (by["cross_province"] >= 1).all()


def test_every_centre_has_its_own_layout(city: City) -> None:
    c = city.centres
    assert (c["windows"] >= 1).all()
    assert (c["windows"] <= c["counters"]).all()
    assert (c["staff"] >= c["windows"]).all()
    # Bigger centres never get fewer front windows.
    front = (c["comprehensive"] + c["dedicated"]).to_numpy()
    order = np.argsort(c["daily_volume"].to_numpy())
    assert (np.diff(front[order]) >= 0).all()
    for scn, row in zip(city.scenarios, c.itertuples(), strict=True):
        assert scn.centre_id == row.centre_id
        assert len(scn.windows) == row.windows
        assert scn.demand.daily_volume == pytest.approx(row.daily_volume)
        assert scn.start_date.isoformat() == "2026-01-01" and scn.days == 365
        xp = [w for w in scn.windows if w.kind == "cross_province"]
        assert len(xp) == row.cross_province
        if xp:
            assert all(w.families == ("cross_province",) for w in xp)
            assert any(
                s.level("cross_province") != "none" and s.group == "cross_province_clerk"
                for s in scn.staff
            )


def test_reference_volume_gives_the_reference_centre() -> None:
    cfg = compose_config("reference")
    scn = scenario_from_config(cfg)
    lay = derive_layout(
        200.0,
        0,
        rule=LayoutRule(),
        peak_share=peak_hour_share(scn),
        mean_service=mix_mean_service(scn),
        tiers=staff_tiers(cfg),
    )
    assert peak_hour_share(scn) == pytest.approx(0.16)
    assert mix_mean_service(scn) == pytest.approx(7.95, abs=1e-6)
    assert (lay.comprehensive, lay.dedicated, lay.cross_province) == (4, 1, 0)
    assert lay.counters == scn.counters == 12
    reference_staff = {k: v["count"] for k, v in cfg["staffing"]["staff"].items()}
    assert dict(lay.staff) == reference_staff


def test_square_root_rule_against_domain_sanity_check() -> None:
    # DOMAIN.md: 200 visits -> about 32 in the peak hour, about 4.3 Erlangs at 8 minutes.
    lay = derive_layout(
        200.0,
        1,
        rule=LayoutRule(beta=1.0),
        peak_share=0.16,
        mean_service=8.0,
        tiers={"all": ["a"], "chain": [], "new": []},
    )
    assert lay.design_arrivals_per_hour == pytest.approx(32.0)
    assert lay.offered_load == pytest.approx(32 * 8 / 60)
    assert lay.comprehensive + lay.dedicated == math.ceil(4.2667 + math.sqrt(4.2667))
    assert lay.cross_province == 1
    assert lay.staff == {"a": math.ceil(1.3 * lay.windows) - 1, "cross_province_clerk": 1}


def test_counters_cap_the_windows() -> None:
    rule = LayoutRule(max_counters=8)
    lay = derive_layout(
        900.0, 2, rule=rule, peak_share=0.16, mean_service=8.0, tiers={"all": ["a"]}
    )
    assert lay.capped and lay.counters == 8 and lay.windows == 8 and lay.cross_province == 2


def test_centre_seeds_are_pure_and_distinct(city: City) -> None:
    seeds = [centre_seed(7, c) for c in city.centre_ids]
    assert len(set(seeds)) == len(seeds)
    assert seeds == [centre_seed(7, c) for c in city.centre_ids]
    assert centre_seed(8, "HP-01") != centre_seed(7, "HP-01")
    with pytest.raises(ValueError):
        centre_seed(-1, "HP-01")


def test_subset_keeps_ids_and_volumes(city: City) -> None:
    sub = city.subset(districts=["Huangpu", "Chongming"], max_centres=12)
    assert len(sub) == 12
    assert set(sub.centres["district"]) == {"Huangpu", "Chongming"}
    full = city.centres.set_index("centre_id")
    for row in sub.centres.itertuples():
        assert full.loc[row.centre_id, "daily_volume"] == row.daily_volume
    with pytest.raises(ConfigError, match="Atlantis"):
        city.subset(districts=["Atlantis"])


def _table(**extra: object) -> pd.DataFrame:
    rows = [
        {
            "centre_id": "AA-01",
            "district": "Huangpu",
            "visits_per_year": 60000,
            "cross_province_windows": 1,
        },
        {
            "centre_id": "AA-02",
            "district": "Huangpu",
            "visits_per_year": 30000,
            "cross_province_windows": 0,
        },
    ]
    frame = pd.DataFrame(rows)
    for k, v in extra.items():
        frame[k] = v
    return frame


def test_centre_without_any_window_is_named() -> None:
    table = _table(comprehensive=[np.nan, 0], dedicated=[np.nan, 0], cross_province=[np.nan, 0])
    with pytest.raises(ConfigError) as err:
        build_city(centres=table, days=1, start_date="2026-03-02")
    msg = str(err.value)
    assert "AA-02 (Huangpu)" in msg and "no window" in msg
    assert "AA-01" not in msg
    assert len(err.value.problems) == 1


def test_centre_table_overrides_layout() -> None:
    city = build_city(centres=_table(comprehensive=[6, np.nan]), days=1, start_date="2026-03-02")
    row = city.centres.set_index("centre_id").loc["AA-01"]
    assert row["comprehensive"] == 6
    assert sum(w.kind == "comprehensive" for w in city.scenario("AA-01").windows) == 6
    assert city.centres["visits_per_year"].sum() == 90000


def test_bad_inputs_are_clear() -> None:
    with pytest.raises(ConfigError, match=r"layout_rule\.betta: unknown key"):
        LayoutRule.from_config({"betta": 1.0})
    with pytest.raises(ConfigError, match=r"layout_rule\.staff_per_window"):
        LayoutRule.from_config({"staff_per_window": 0})
    with pytest.raises(ConfigError, match="missing column"):
        build_city(centres=pd.DataFrame({"centre_id": ["X"]}), days=1)
    with pytest.raises(ConfigError, match="validation"):
        build_city(base_config=compose_config("validation/mmc"), days=1)
    with pytest.raises(ValueError, match="2027"):
        build_city(start_date="2026-12-30", days=5, districts=["Huangpu"])


def test_city_config_composes() -> None:
    city, cfg = load_city(
        "default",
        ["calendar.start_date=2026-03-02", "calendar.days=3", "city.districts=[Hongkou]"],
    )
    assert len(city) == 8 and city.days == 3
    assert cfg["replications"] >= 1 and cfg["unit"] in ("centre", "district")
    assert city.expected_visits() == pytest.approx(
        sum(sum(s.expected_daily_volume(p) for p in s.day_plans()) for s in city.scenarios)
    )
