"""Tests for simulator.city.data: the district table and the synthetic 220 centres."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from simulator.city.data import (
    DISTRICTS,
    PUBLISHED_CENTRES,
    PUBLISHED_CROSS_PROVINCE_WINDOWS,
    PUBLISHED_VISITS_PER_YEAR,
    city_centres,
    load_districts,
    weekday_equivalent_days,
)
from simulator.errors import ConfigError

HEADER = "district,district_zh,code,centres,population_10k,visits_per_year,cross_province_windows"


@pytest.fixture(scope="module")
def districts() -> pd.DataFrame:
    return load_districts()


@pytest.fixture(scope="module")
def centres() -> pd.DataFrame:
    return city_centres(seed=20240601)


def test_packaged_districts_totals(districts: pd.DataFrame) -> None:
    assert list(districts["district"]) == list(DISTRICTS)
    assert districts["centres"].sum() == PUBLISHED_CENTRES
    assert districts["visits_per_year"].sum() == PUBLISHED_VISITS_PER_YEAR
    assert districts["cross_province_windows"].sum() == PUBLISHED_CROSS_PROVINCE_WINDOWS
    assert (districts["cross_province_windows"] >= 1).all()  # spread over all 16 (published)
    assert districts["code"].is_unique
    # census 2020: about 24.87 million residents
    assert districts["population_10k"].sum() == pytest.approx(2487, abs=1)
    assert districts.loc[districts["district"] == "Minhang", "centres"].item() == 14


def test_packaged_districts_allocation_rules(districts: pd.DataFrame) -> None:
    pop = districts["population_10k"].to_numpy()
    # visits: published total split by population (largest remainder: within 1 visit)
    exact = PUBLISHED_VISITS_PER_YEAR * pop / pop.sum()
    assert np.all(np.abs(districts["visits_per_year"].to_numpy() - exact) < 1)
    # windows: 1 per district, the other 38 by population (within 1 window)
    rest = (PUBLISHED_CROSS_PROVINCE_WINDOWS - len(pop)) * pop / pop.sum()
    assert np.all(np.abs(districts["cross_province_windows"].to_numpy() - 1 - rest) < 1)


def test_packaged_file_marks_assumed_and_published_columns() -> None:
    from importlib import resources

    text = (resources.files("scenarios") / "data" / "districts.csv").read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    for column in ("centres", "visits_per_year", "cross_province_windows"):
        assert f"{column}: (assumed)" in comments
    assert "population_10k: (published) census 2020" in comments


def test_city_centres_totals(districts: pd.DataFrame, centres: pd.DataFrame) -> None:
    assert len(centres) == PUBLISHED_CENTRES
    assert centres["centre_id"].is_unique
    assert centres["visits_per_year"].sum() == PUBLISHED_VISITS_PER_YEAR
    assert centres["cross_province_windows"].sum() == PUBLISHED_CROSS_PROVINCE_WINDOWS
    by_district = centres.groupby("district", sort=False).agg(
        n=("centre_id", "size"),
        visits=("visits_per_year", "sum"),
        windows=("cross_province_windows", "sum"),
        size_mean=("size_factor", "mean"),
    )
    expected = districts.set_index("district")
    assert list(by_district.index) == list(DISTRICTS)
    assert (by_district["n"] == expected["centres"]).all()
    assert (by_district["visits"] == expected["visits_per_year"]).all()
    assert (by_district["windows"] == expected["cross_province_windows"]).all()
    np.testing.assert_allclose(by_district["size_mean"], 1.0, rtol=1e-12)
    assert set(centres.columns) == {
        "centre_id",
        "district",
        "visits_per_year",
        "daily_volume_weekday",
        "cross_province_windows",
        "size_factor",
    }


def test_centre_ids_and_windows_on_largest(centres: pd.DataFrame) -> None:
    pudong = centres[centres["district"] == "Pudong New Area"]
    assert list(pudong["centre_id"]) == [f"PD-{i:02d}" for i in range(1, 37)]
    for _, group in centres.groupby("district"):
        with_window = group[group["cross_province_windows"] > 0]
        without = group[group["cross_province_windows"] == 0]
        if len(without):
            assert with_window["size_factor"].min() > without["size_factor"].max()


def test_visits_follow_size_factor(centres: pd.DataFrame, districts: pd.DataFrame) -> None:
    merged = centres.merge(
        districts[["district", "centres", "visits_per_year"]],
        on="district",
        suffixes=("", "_district"),
    )
    share = merged["visits_per_year_district"] * merged["size_factor"] / merged["centres"]
    assert np.all(np.abs(merged["visits_per_year"] - share) < 1)


def test_daily_volume_weekday(centres: pd.DataFrame) -> None:
    weq = weekday_equivalent_days()
    assert 280 < weq < 288  # DOMAIN.md: about 284 weekday-equivalents
    np.testing.assert_allclose(
        centres["daily_volume_weekday"], centres["visits_per_year"] / weq, rtol=1e-12
    )
    # average centre: about 200 visits per weekday (DOMAIN.md arithmetic)
    assert centres["daily_volume_weekday"].mean() == pytest.approx(200, rel=0.02)


def test_weekday_equivalents_override() -> None:
    frame = city_centres(seed=1, weekday_equivalents=250.0)
    np.testing.assert_allclose(frame["daily_volume_weekday"], frame["visits_per_year"] / 250.0)
    with pytest.raises(ValueError, match="weekday_equivalents"):
        city_centres(seed=1, weekday_equivalents=0.0)


def test_weekday_equivalents_flat_factors() -> None:
    # all factors 1, no surge: every open day counts 1; 2025 had 3 closed days
    flat = weekday_equivalent_days(
        2025,
        weekday_factors=[1.0] * 7,
        month_factors=[1.0] * 12,
        holiday_factor=1.0,
        adjusted_workday_factor=1.0,
        post_holiday_factors=(),
    )
    assert flat == pytest.approx(365 - 3)
    with pytest.raises(ValueError, match="outside"):
        weekday_equivalent_days(2040)


def test_reproducible_and_seed_sensitive(centres: pd.DataFrame) -> None:
    again = city_centres(seed=20240601)
    pd.testing.assert_frame_equal(centres, again)
    other = city_centres(seed=20240602)
    assert not np.allclose(centres["size_factor"], other["size_factor"])
    assert other["visits_per_year"].sum() == PUBLISHED_VISITS_PER_YEAR


def test_no_global_random_state_used() -> None:
    # Deliberately touches numpy's legacy global state to show city_centres leaves it alone.
    before = np.random.get_state(legacy=False)  # noqa: NPY002
    city_centres(seed=3)
    after = np.random.get_state(legacy=False)  # noqa: NPY002
    np.testing.assert_array_equal(after["state"]["key"], before["state"]["key"])
    assert after["state"]["pos"] == before["state"]["pos"]


def test_zero_sigma_gives_equal_centres() -> None:
    frame = city_centres(seed=5, size_sigma=0.0)
    np.testing.assert_allclose(frame["size_factor"], 1.0)
    for _, group in frame.groupby("district"):
        assert group["visits_per_year"].max() - group["visits_per_year"].min() <= 1


def test_district_draws_independent_of_row_order(districts: pd.DataFrame) -> None:
    forward = city_centres(seed=9, districts=districts)
    backward = city_centres(seed=9, districts=districts.iloc[::-1].reset_index(drop=True))
    a = forward.set_index("centre_id").sort_index()
    b = backward.set_index("centre_id").sort_index()
    pd.testing.assert_frame_equal(a, b)


def test_more_windows_than_centres_round_robin(districts: pd.DataFrame) -> None:
    table = districts.copy()
    table.loc[table["district"] == "Hongkou", "cross_province_windows"] = 19  # 8 centres
    frame = city_centres(seed=2, districts=table)
    hongkou = frame[frame["district"] == "Hongkou"]
    assert hongkou["cross_province_windows"].sum() == 19
    assert sorted(hongkou["cross_province_windows"]) == [2] * 5 + [3] * 3


@pytest.mark.parametrize("bad", [-1, 1.5, True])
def test_bad_seed(bad: object) -> None:
    with pytest.raises(ValueError, match="seed"):
        city_centres(seed=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-0.1, float("nan"), float("inf")])
def test_bad_sigma(bad: float) -> None:
    with pytest.raises(ValueError, match="size_sigma"):
        city_centres(seed=1, size_sigma=bad)


# --- malformed files --------------------------------------------------------------------


def _packaged_lines() -> list[str]:
    from importlib import resources

    text = (resources.files("scenarios") / "data" / "districts.csv").read_text(encoding="utf-8")
    return text.splitlines()


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "districts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _replace_field(line: str, index: int, value: str) -> str:
    fields = line.split(",")
    fields[index] = value
    return ",".join(fields)


def _data_line_no(lines: list[str], district: str) -> int:
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(district + ","))


def test_load_from_path_round_trip(tmp_path: Path, districts: pd.DataFrame) -> None:
    path = _write(tmp_path, _packaged_lines())
    pd.testing.assert_frame_equal(load_districts(path), districts)
    pd.testing.assert_frame_equal(load_districts(str(path)), districts)


@pytest.mark.parametrize(
    ("column", "index", "value", "message"),
    [
        ("centres", 3, "ten", "expected a whole number >= 1, got 'ten'"),
        ("centres", 3, "0", "expected a whole number >= 1"),
        ("population_10k", 4, "-5", "expected a finite number > 0"),
        ("population_10k", 4, "", "expected a number > 0"),
        ("visits_per_year", 5, "1.5e5", "expected a whole number >= 0"),
        ("cross_province_windows", 6, "-1", "expected a whole number >= 0"),
        ("code", 2, "pd", "two capital letters"),
        ("district_zh", 1, " ", "must not be empty"),
    ],
)
def test_bad_field_names_file_line_column(
    tmp_path: Path, column: str, index: int, value: str, message: str
) -> None:
    lines = _packaged_lines()
    line_no = _data_line_no(lines, "Pudong New Area")
    lines[line_no - 1] = _replace_field(lines[line_no - 1], index, value)
    path = _write(tmp_path, lines)
    with pytest.raises(ConfigError) as err:
        load_districts(path)
    text = str(err.value)
    assert str(path) in text
    assert f"line {line_no}, column '{column}'" in text
    assert message in text
    assert isinstance(err.value, ValueError)


def test_unknown_and_duplicate_district(tmp_path: Path) -> None:
    lines = _packaged_lines()
    xuhui = _data_line_no(lines, "Xuhui")
    changning = _data_line_no(lines, "Changning")
    lines[xuhui - 1] = lines[xuhui - 1].replace("Xuhui,", "Xuhiu,", 1)
    lines[changning - 1] = _replace_field(lines[changning - 1], 0, "Huangpu")
    path = _write(tmp_path, lines)
    with pytest.raises(ConfigError) as err:
        load_districts(path)
    problems = err.value.problems
    assert any(f"line {xuhui}, column 'district': unknown district 'Xuhiu'" in p for p in problems)
    assert any(f"line {changning}, column 'district': 'Huangpu' repeats" in p for p in problems)


def test_missing_district_row(tmp_path: Path) -> None:
    lines = [line for line in _packaged_lines() if not line.startswith("Chongming,")]
    with pytest.raises(ConfigError, match=r"missing district row\(s\) \['Chongming'\]"):
        load_districts(_write(tmp_path, lines))


def test_wrong_field_count(tmp_path: Path) -> None:
    lines = _packaged_lines()
    line_no = _data_line_no(lines, "Jinshan")
    lines[line_no - 1] += ",extra"
    with pytest.raises(ConfigError, match=f"line {line_no}: expected 7 fields, got 8"):
        load_districts(_write(tmp_path, lines))


def test_bad_header(tmp_path: Path) -> None:
    lines = [HEADER.replace("centres", "centers"), *_packaged_lines()[-16:]]
    with pytest.raises(ConfigError) as err:
        load_districts(_write(tmp_path, lines))
    text = str(err.value)
    assert "line 1: missing column(s) ['centres']" in text
    assert "unknown column(s) ['centers']" in text


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no header line"):
        load_districts(_write(tmp_path, ["# only a comment"]))
