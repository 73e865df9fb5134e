"""Running a small city: aggregation, and identical results serial / local pool / Dask."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from simulator.city.build import City, build_city, centre_seed
from simulator.city.results import CityResults, hist_quantile
from simulator.city.run import run_centre, run_city, run_district
from simulator.city.summary import WAIT_EDGES
from simulator.run.runner import run_replication

DISTRICTS = ["Huangpu", "Hongkou"]  # 10 + 8 centres


@pytest.fixture(scope="module")
def city() -> City:
    return build_city(start_date="2026-04-30", days=5, districts=DISTRICTS)  # incl. May Day


@pytest.fixture(scope="module")
def serial(city: City) -> CityResults:
    return run_city(city, replications=2, seed=11, workers=1)


def _same(a: CityResults, b: CityResults) -> None:
    pd.testing.assert_frame_equal(
        a.centres.drop(columns="seconds"), b.centres.drop(columns="seconds")
    )
    pd.testing.assert_frame_equal(a.hourly, b.hourly)
    pd.testing.assert_frame_equal(a.daily, b.daily)
    pd.testing.assert_frame_equal(a.by_family, b.by_family)
    assert a.wait_hist is not None and b.wait_hist is not None
    np.testing.assert_array_equal(a.wait_hist, b.wait_hist)


def test_small_city_runs_and_aggregates(city: City, serial: CityResults) -> None:
    res = serial
    assert len(res.centres) == 2 * len(city) == 36
    assert list(res.centres["centre_id"].iloc[: len(city)]) == city.centre_ids
    assert set(res.daily["day_type"]) >= {"weekday", "holiday"}
    # Conservation across tables and levels.
    for rep in (0, 1):
        c = res.centres[res.centres["replication"] == rep]
        d = res.daily[res.daily["replication"] == rep]
        h = res.hourly[res.hourly["replication"] == rep]
        assert d["arrivals"].sum() == c["arrivals"].sum() == h["arrivals"].sum()
        assert (c["served"] + c["abandoned"] + c["balked"] + c["unserved"] == c["arrivals"]).all()
        assert res.wait_hist is not None
        assert res.wait_hist[rep].sum() == c["served"].sum()
    g = res.group_table("district")
    assert set(g["district"]) == set(DISTRICTS)
    city_t = res.group_table(None)
    np.testing.assert_array_equal(
        city_t["arrivals"].to_numpy(), g.groupby("replication")["arrivals"].sum().to_numpy()
    )
    assert (city_t["centres"] == 18).all()
    s = res.city_summary()
    assert s.loc["arrivals", "n"] == 2
    assert 0 < s.loc["utilisation", "mean"] < 1
    assert s.loc["wait_p50_min", "mean"] <= s.loc["wait_p90_min", "mean"]
    assert s.loc["wait_p90_min", "mean"] <= s.loc["wait_p95_min", "mean"]
    ds = res.district_summary()
    assert set(ds["district"]) == set(DISTRICTS)
    # Equity over the 18 centres; the worst decile is ceil(1.8) = 2 centres.
    eq = res.equity()
    assert eq["centres"] == 18 and eq["min"] <= eq["median"] <= eq["max"]
    worst = res.worst_centres()
    assert len(worst) == 2
    assert worst["wait_p90_min"].iloc[0] == pytest.approx(eq["max"])
    # Volumes: simulated visits within the model interval around the expectation.
    vc = res.volume_check()
    assert vc["expected"] == pytest.approx(city.expected_visits())
    assert vc["within_model_interval"]
    hs = res.hourly_summary()
    assert {"day_type", "hour", "arrivals", "utilisation_ci_low"} <= set(hs.columns)


def test_centre_task_matches_run_replication(city: City) -> None:
    scn = city.scenarios[3]
    run = run_centre(scn, "Huangpu", 1, 11)
    ref = run_replication(scn, 1, centre_seed(11, scn.centre_id))
    assert run.kpis == pytest.approx(ref.kpis, nan_ok=True)
    assert int(run.hourly["arrivals"].sum()) == int(ref.kpis["arrivals"])


def test_local_pool_and_district_units_identical(city: City, serial: CityResults) -> None:
    _same(serial, run_city(city, replications=2, seed=11, workers=2))
    _same(serial, run_city(city, replications=2, seed=11, workers=1, unit="district"))
    runs = run_district(city, "Hongkou", replication=1, seed=11)
    c = serial.centres
    sub = c[(c["replication"] == 1) & (c["district"] == "Hongkou")]
    assert [r.centre_id for r in runs] == list(sub["centre_id"])
    assert [r.kpis["arrivals"] for r in runs] == list(sub["arrivals"])


def test_progress_callback_and_seed_changes_results(city: City, serial: CityResults) -> None:
    seen: list[tuple[int, int]] = []
    other = run_city(
        city.subset(max_centres=3), seed=12, workers=1, progress=lambda d, t: seen.append((d, t))
    )
    assert seen == [(1, 3), (2, 3), (3, 3)]
    assert other.centres["arrivals"].tolist() != serial.centres["arrivals"].iloc[:3].tolist()


def test_hist_quantile() -> None:
    counts, _ = np.histogram([0.2, 0.7, 1.2, 1.7], bins=WAIT_EDGES)
    assert hist_quantile(counts, WAIT_EDGES, 0.5) == pytest.approx(1.0)
    assert np.isnan(hist_quantile(np.zeros(3), np.array([0, 1, 2, np.inf]), 0.5))
    assert hist_quantile(np.array([0, 0, 5]), np.array([0, 1, 2, np.inf]), 0.9) == 2.0


@pytest.mark.slow
def test_dask_identical_to_local(city: City, serial: CityResults, dask_client: Any) -> None:
    res = run_city(city, replications=2, seed=11, client=dask_client)
    assert res.meta["backend"].startswith("dask")
    _same(serial, res)
    # A scheduler address works too (a client is opened and closed inside).
    sub = city.subset(districts=["Hongkou"])
    by_addr = run_city(sub, replications=1, seed=11, client=dask_client.scheduler.address)
    local = serial.centres[
        (serial.centres["replication"] == 0) & (serial.centres["district"] == "Hongkou")
    ]
    assert by_addr.centres["arrivals"].tolist() == local["arrivals"].tolist()


@pytest.mark.slow
def test_city_cli_writes_outputs(tmp_path: Path) -> None:
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli.city",
            "calendar.start_date=2026-03-02",
            "calendar.days=2",
            "city.districts=[Hongkou]",
            "workers=1",
            "progress=false",
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "8 centres" in proc.stdout
    for name in ("centres", "districts", "city", "equity", "volume_check", "hourly", "daily"):
        assert (out / f"{name}.csv").exists(), name
    assert (out / "spread_wait_p90.png").exists()
    centres = pd.read_csv(out / "centres.csv")
    assert len(centres) == 8 and centres["windows"].min() >= 1
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator.cli.city",
            "layout_rule.beta=nan",
            f"hydra.run.dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "layout_rule.beta" in bad.stderr


@pytest.mark.slow
def test_city_slice_ten_replications_dask_equals_local_pool(dask_client: Any) -> None:
    """A city slice over a holiday (3 centres, 4 days with National Day), 10 replications:
    a Dask LocalCluster of 2 workers gives the very numbers of the local process pool,
    whatever order the 30 tasks finish in."""
    city = build_city(start_date="2026-09-29", days=4, districts=["Hongkou"], max_centres=3)
    local = run_city(city, replications=10, seed=29, workers=2)
    remote = run_city(city, replications=10, seed=29, client=dask_client)
    assert local.meta["backend"].startswith("local")
    assert remote.meta["backend"].startswith("dask")
    assert len(remote.centres) == 30
    _same(local, remote)
    pd.testing.assert_frame_equal(local.city_summary(), remote.city_summary())
    pd.testing.assert_frame_equal(local.district_summary(), remote.district_summary())
    pd.testing.assert_series_equal(local.equity(), remote.equity())
