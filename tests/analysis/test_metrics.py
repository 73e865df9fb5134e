"""The KPI catalogue: every KPI the engine reports is named, the catalogue file is checked
entry by entry, and intervals are shown within their natural bounds."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from simulator.analysis import metrics
from simulator.analysis.kpis import KPI_NAMES
from simulator.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_every_reported_kpi_is_in_the_catalogue() -> None:
    missing = [k for k in KPI_NAMES if k not in metrics.METRICS]
    assert not missing


def test_docs_name_every_kpi_of_the_catalogue() -> None:
    text = (ROOT / "docs" / "kpis.md").read_text(encoding="utf-8")
    missing = [name for name in metrics.METRICS if f"`{name}`" not in text]
    assert not missing, f"docs/kpis.md does not name {missing}"


def test_the_catalogue_file_holds_the_catalogue_in_order() -> None:
    again = metrics._read_catalogue(metrics._FILE)
    assert again == tuple(metrics.METRICS.values())
    assert list(metrics.METRICS)[:3] == ["arrivals", "served", "abandoned"]
    assert metrics.METRICS["service_level"].upper == 1.0
    assert metrics.METRICS["wait_mean_min"].upper is None


ARRIVALS = '[arrivals]\nkind = "count"\nunit = "residents"\ndirection = 0\n'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (ARRIVALS, ARRIVALS.replace('"count"', '"counts"'),
         "[arrivals] kind: 'counts' is not one of "
         "['minutes', 'share', 'count', 'residents', 'days', 'value']"),
        (ARRIVALS, ARRIVALS.replace("= 0", "= 2"), "[arrivals] direction: 2 is not -1, 0 or 1"),
        (ARRIVALS, ARRIVALS.replace("= 0", "= 0.0"),
         "[arrivals] direction: 0.0 is not -1, 0 or 1"),
        (ARRIVALS, ARRIVALS.replace("= 0", "= false"),
         "[arrivals] direction: False is not -1, 0 or 1"),
        (ARRIVALS, ARRIVALS.replace('"residents"', '""'),
         "[arrivals] unit: '' is not a non-empty text"),
        ('en = "residents served"', 'en = " "', "[served] en: ' ' is not a non-empty text"),
        ('zh = "已服务人数"', "zh = 3", "[served] zh: 3 is not a non-empty text"),
        ('definition = "residents called to a window and served"', 'definition = ""',
         "[served] definition: '' is not a non-empty text"),
        (ARRIVALS, ARRIVALS + 'colour = "red"\n',
         "[arrivals]: unknown field(s) ['colour']; "
         "known: ['kind', 'unit', 'direction', 'en', 'zh', 'definition']"),
        (ARRIVALS, ARRIVALS.replace('unit = "residents"\n', ""),
         "[arrivals]: missing field(s) ['unit']"),
        ("[served]", '["served residents"]',
         "[served residents]: a name is letters, digits and _"),
        (ARRIVALS, "stray = 1\n\n" + ARRIVALS,
         "[stray]: not a table of fields (stray = 1 above the first [name]?)"),
    ],
)  # fmt: skip
def test_a_bad_catalogue_entry_is_named_with_its_file(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    text = metrics._FILE.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path = tmp_path / "metrics.toml"
    path.write_text(text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        metrics._read_catalogue(path)
    assert raised.value.problems == [str(raised.value)] == [f"{path} {message}"]


def test_a_bad_catalogue_file_is_named_with_every_problem(tmp_path: Path) -> None:
    text = metrics._FILE.read_text(encoding="utf-8")
    path = tmp_path / "metrics.toml"
    path.write_text(text.replace("direction = 0", "direction = 9"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^\d+ problems in the KPI catalogue ") as raised:
        metrics._read_catalogue(path)
    zero = [m.name for m in metrics.METRICS.values() if m.direction == 0]
    assert raised.value.problems == [
        f"{path} [{name}] direction: 9 is not -1, 0 or 1" for name in zero
    ]
    assert str(path) in str(raised.value)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        # a KPI named twice: the second [arrivals] stands where [served] stood
        ("[served]", "[arrivals]", r"Cannot declare \('arrivals',\) twice \(at line \d+"),
        ('"residents served"', '"residents served', r"\(at line \d+, column \d+\)"),
        (None, "# only a comment\n", "no KPI"),
    ],
)
def test_a_catalogue_file_that_is_not_valid_toml_is_named(
    tmp_path: Path, old: str | None, new: str, message: str
) -> None:
    text = metrics._FILE.read_text(encoding="utf-8")
    path = tmp_path / "metrics.toml"
    path.write_text(new if old is None else text.replace(old, new), encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(str(path)) + ".*" + message):
        metrics._read_catalogue(path)


def test_a_missing_catalogue_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"KPI catalogue .*missing\.toml"):
        metrics._read_catalogue(tmp_path / "missing.toml")


def test_the_two_within_target_shares_have_distinct_names() -> None:
    for lang in ("en", "zh"):
        a = metrics.label("service_level", lang)
        b = metrics.label("within_target_of_served", lang)
        assert a != b
    assert "arrivals" in metrics.label("service_level", "en")
    assert "served residents" in metrics.label("within_target_of_served", "en")


def test_labels_are_unique_per_language() -> None:
    for lang in ("en", "zh"):
        names = [m.label(lang) for m in metrics.METRICS.values()
                 if m.name not in ("xp_completion_rate",)]  # fmt: skip
        assert len(names) == len(set(names)), lang


def test_shown_interval_clips_at_natural_bounds() -> None:
    assert metrics.shown_interval("wait_p50_min", -0.085, 1.2) == (0.0, 1.2, True)
    assert metrics.shown_interval("service_level", 0.9, 1.02) == (0.9, 1.0, True)
    assert metrics.shown_interval("wait_mean_min", 2.0, 3.0) == (2.0, 3.0, False)
    lo, hi, clipped = metrics.shown_interval("wait_mean_min", math.nan, math.nan)
    assert math.isnan(lo) and math.isnan(hi) and not clipped
    # an unknown name is neutral and unbounded above
    assert metrics.shown_interval("mystery", -1.0, 5.0) == (0.0, 5.0, True)
    assert metrics.direction("wait_mean_min") == -1
    assert metrics.direction("service_level") == 1
    assert metrics.label("mystery", "zh") == "mystery"
