"""What every chart of simulator.present.charts does: docstrings, single replication,
empty and all-NaN inputs, no pyplot state, languages, and the example PNGs of the docs.

Run ``python -m tests.present.charts.test_every_chart docs/images`` (from the repository
root) to regenerate the example PNGs.
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from simulator.present import charts, style
from tests.present.charts.synthetic import (
    CJK,
    FOOTER,
    check_figure,
    make_centres,
    make_completion,
    make_hourly,
    make_options,
    make_patience,
    make_profiles,
    make_qq,
    make_summary,
    make_validation,
    make_visits,
    texts_of,
    title_of,
)

#: A call of each chart that breaks its own rule (a chart without one raises no ValueError
#: of its own, and its docstring has no Raises section).
BAD_CALLS: dict[str, Callable[[], object]] = {
    "hourly_profile": lambda: charts.hourly_profile(make_hourly(1, 1), by="nonsense"),
    "utilisation_heatmap": lambda: charts.utilisation_heatmap(make_hourly(1, 1), by="nonsense"),
    "completion_by_group": lambda: charts.completion_by_group(make_completion(), "district"),
    "spread_across": lambda: charts.spread_across(make_centres(), "wait_min", "district"),
    "kpi_comparison": lambda: charts.kpi_comparison(
        {"A": make_summary(8, 20, 0.9, 0.0, 0.8)}, [], baseline="A"
    ),
    "cost_service_frontier": lambda: charts.cost_service_frontier(make_options(), "nonsense"),
    "arrival_profiles": lambda: charts.arrival_profiles(make_profiles().drop(columns="fitted")),
    "service_qq": lambda: charts.service_qq(make_qq().drop(columns="env_low")),
    "patience_fit": lambda: charts.patience_fit(make_patience()[0], make_patience()[1].iloc[:, :2]),
    "validation_comparison": lambda: charts.validation_comparison(
        *make_validation(("consistent",))[:2],
        make_validation(("consistent",))[2].drop(columns="open"),
        replications=20,
        alpha=0.05,
        days=58,
        start="2025-12-15",
    ),
}
#: The charts: every public function of the package that returns a Figure.
CHARTS = [
    name
    for name in charts.__all__
    if inspect.isfunction(f := getattr(charts, name))
    and inspect.signature(f).return_annotation in (Figure, "Figure")
]


@pytest.mark.parametrize("name", CHARTS)
def test_chart_docstrings_say_what_they_return_and_raise(name: str) -> None:
    """The shared tail of the charts' docstrings (CHART_DOCS) is rendered into each: a
    Figure returned, and a ValueError where the chart raises one, said with its own
    conditions."""
    doc = inspect.getdoc(getattr(charts, name)) or ""
    assert "\nReturns\n-------\nFigure" in doc, name
    raises = re.search(r"\nRaises\n------\nValueError\n    \S.*", doc)
    assert (raises is not None) == (name in BAD_CALLS), name
    if name in BAD_CALLS:
        with pytest.raises(ValueError):
            BAD_CALLS[name]()


def test_every_chart_is_in_the_docstring_check() -> None:
    assert set(CHARTS) == {"wait_ecdf", *BAD_CALLS}, CHARTS


def test_no_findfont_messages(caplog: pytest.LogCaptureFixture, tmp_path: Path) -> None:
    """Bold titles never ask a regular-only CJK font for bold (no findfont log lines)."""
    import logging

    with caplog.at_level(logging.INFO, logger="matplotlib.font_manager"):
        figs = [charts.cost_service_frontier(make_options(), "9 windows", target=0.9)]
        if CJK is not None:
            figs.append(charts.hourly_profile(make_hourly(n_rep=2), lang="zh"))
            figs.append(charts.completion_by_group(make_completion(), "province", lang="zh"))
            summaries = {
                "基准": make_summary(14, 34, 0.78, 0.06, 0.88),
                "方案B": make_summary(7, 18, 0.93, 0.02, 0.8),
            }
            figs.append(charts.kpi_comparison(summaries, ["wait_p90_min"], "基准"))
        for i, fig in enumerate(figs):
            charts.save_figure(fig, tmp_path / f"f{i}", formats=("png",))
    assert not [r for r in caplog.records if "findfont" in r.getMessage()]


def test_single_replication_everywhere(tmp_path: Path) -> None:
    """One scenario, one replication: no bands, footer says so; zero abandonment."""
    visits = make_visits(n_rep=1, abandon=0.0)
    hourly = make_hourly(n_rep=1, n_days=2).assign(abandoned=0)
    figs = {
        "ecdf1": charts.wait_ecdf({"Only": visits}, 10),
        "hourly1": charts.hourly_profile(hourly, "abandoned"),
        "kpi1": charts.kpi_comparison(
            {"Only": make_summary(5, 12, 0.95, 0.0, 0.7, n_rep=1)},
            ["abandonment_rate", "wait_mean_min"],
            baseline="Only",
        ),
        "heat1": charts.utilisation_heatmap(hourly),
        "comp1": charts.completion_by_group(make_completion(n_rep=1), "province"),
        "front1": charts.cost_service_frontier(
            make_options().assign(ci_low=np.nan, ci_high=np.nan)
        ),
    }
    for name, fig in figs.items():
        assert any("Single replication" in t for t in texts_of(fig)), name
        check_figure(fig, tmp_path, name)
    assert "zero in every hour" in title_of(figs["hourly1"])
    assert title_of(figs["kpi1"]) == "Only: abandonment rate 0%"
    assert not any(
        c.__class__.__name__ == "FillBetweenPolyCollection"
        for c in figs["ecdf1"].axes[0].collections
    )


def test_all_nan_and_empty_inputs(tmp_path: Path) -> None:
    hourly = make_hourly(n_rep=2, n_days=1)
    nan_hourly = hourly.assign(
        wait_mean_min=np.nan, utilisation=np.nan, busy_min=0.0, open_min=0.0, arrivals=0, served=0
    )
    empty_visits = make_visits(n_rep=2).iloc[:0]
    balked_only = make_visits(n_rep=2).assign(outcome="balked", wait_min=np.nan)
    figs: dict[str, Callable[[], Figure]] = {
        "nan_wait": lambda: charts.hourly_profile(nan_hourly, "wait_mean_min"),
        "nan_heat": lambda: charts.utilisation_heatmap(nan_hourly),
        "no_served": lambda: charts.wait_ecdf({"A": empty_visits, "B": balked_only}, 15),
        "part_served": lambda: charts.wait_ecdf({"A": make_visits(n_rep=2), "B": balked_only}, 15),
        "nan_kpi": lambda: charts.kpi_comparison(
            {
                "A": make_summary(5, 9, 0.9, 0.0, 0.5).assign(
                    mean=np.nan, ci_low=np.nan, ci_high=np.nan
                ),
                "B": make_summary(5, 9, 0.9, 0.0, 0.5),
            },
            ["wait_mean_min", "not_a_kpi"],
            baseline="A",
        ),
        "nan_comp": lambda: charts.completion_by_group(
            make_completion().assign(completion_rate=np.nan), "province"
        ),
        "nan_spread": lambda: charts.spread_across(
            make_centres().assign(wait_p90_min=np.nan), "wait_p90_min", "district"
        ),
        "nan_front": lambda: charts.cost_service_frontier(
            make_options().assign(service_level=np.nan)
        ),
        "one_centre": lambda: charts.spread_across(
            make_centres().iloc[:1], "wait_p90_min", "district"
        ),
    }
    for name, build in figs.items():
        fig = build()
        assert title_of(fig).strip(), name
        charts.save_figure(fig, tmp_path / name, formats=("png",))
    assert title_of(charts.wait_ecdf({"A": empty_visits}, 15)) == "No served residents in the data"


def test_no_pyplot_state_leaks() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts.hourly_profile(make_hourly(n_rep=2, n_days=1))
    assert plt.get_fignums() == before
    assert matplotlib.rcParams["font.family"] == matplotlib.rcParamsDefault["font.family"]


def test_zh_falls_back_to_english_with_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    with pytest.warns(style.CJKFontWarning, match="fonts-noto-cjk"):
        fig = charts.hourly_profile(make_hourly(n_rep=2, n_days=1), lang="zh")
    assert title_of(fig).startswith("Queues peak")
    check_figure(fig, tmp_path, "fallback")


def test_bad_lang() -> None:
    with pytest.raises(ValueError):
        charts.hourly_profile(make_hourly(n_rep=1, n_days=1), lang="fr")


@pytest.mark.skipif(CJK is None, reason="no CJK font installed (e.g. apt install fonts-noto-cjk)")
def test_zh_labels_with_cjk_font(tmp_path: Path) -> None:
    hourly = make_hourly(n_rep=3)
    figs = [
        charts.wait_ecdf({"基准": make_visits(), "方案B": make_visits(mean_wait=6)}, 20, lang="zh"),
        charts.hourly_profile(hourly, "utilisation", lang="zh"),
        charts.kpi_comparison(
            {
                "基准": make_summary(14, 34, 0.78, 0.06, 0.88),
                "方案B": make_summary(7, 18, 0.93, 0.02, 0.8),
            },
            ["wait_p90_min", "service_level"],
            baseline="基准",
            lang="zh",
        ),
        charts.utilisation_heatmap(hourly, lang="zh"),
        charts.cost_service_frontier(make_options(), "9 windows", target=0.9, lang="zh"),
        charts.completion_by_group(make_completion(), "province", lang="zh"),
        charts.spread_across(
            make_centres(),
            "wait_p90_min",
            "district",
            value_label="第90百分位等候",
            unit="分钟",
            lang="zh",
        ),
    ]
    for i, fig in enumerate(figs):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title_of(fig)), title_of(fig)
        assert any(
            ax.get_xlabel()
            and any("\u4e00" <= c <= "\u9fff" for c in ax.get_xlabel() + ax.get_ylabel())
            for ax in fig.axes
        )
        check_figure(fig, tmp_path, f"zh{i}")


def make_examples(outdir: Path, lang: str = "en") -> list[Path]:
    """Render every chart from synthetic data into ``outdir`` (PNG only)."""
    hourly = make_hourly()
    sfx = "" if lang == "en" else f"_{lang}"
    figs = {
        "wait_ecdf": charts.wait_ecdf(
            {
                "Baseline (8 windows)": make_visits(mean_wait=12),
                "Option B (9 windows)": make_visits(mean_wait=7, seed=4),
            },
            20,
            footer=FOOTER,
            lang=lang,
        ),
        "hourly_queue": charts.hourly_profile(hourly, "queue_mean", footer=FOOTER, lang=lang),
        "hourly_utilisation": charts.hourly_profile(
            hourly, "utilisation", footer=FOOTER, lang=lang
        ),
        "kpi_comparison": charts.kpi_comparison(
            {
                "Baseline": make_summary(14, 34, 0.78, 0.06, 0.88, seed=1),
                "Option B": make_summary(7, 18, 0.93, 0.02, 0.80, seed=2),
                "Option C": make_summary(10, 25, 0.86, 0.04, 0.84, seed=3),
            },
            ["wait_p90_min", "wait_mean_min", "service_level", "abandonment_rate"],
            baseline="Baseline",
            footer=FOOTER,
            lang=lang,
        ),
        "utilisation_heatmap": charts.utilisation_heatmap(hourly, footer=FOOTER, lang=lang),
        "cost_service_frontier": charts.cost_service_frontier(
            make_options(), "9 windows", target=0.9, footer=FOOTER, lang=lang
        ),
        "completion_by_province": charts.completion_by_group(
            make_completion(),
            "province",
            target=0.8,
            rate_label="Cross-province one-visit completion",
            group_label="Home province",
            footer=FOOTER,
            lang=lang,
        ),
        "spread_by_district": charts.spread_across(
            make_centres(),
            "wait_p90_min",
            "district",
            value_label="p90 wait",
            unit="min",
            group_label="District",
            footer=FOOTER,
            lang=lang,
        ),
    }
    written = []
    for name, fig in figs.items():
        written += charts.save_figure(fig, outdir / f"{name}{sfx}", formats=("png",))
    return written


@pytest.mark.slow  # every chart again, as in the docs; each is rendered by its own test above
def test_examples_render(tmp_path: Path) -> None:
    written = make_examples(tmp_path)
    assert len(written) == 8 and all(p.stat().st_size > 20_000 for p in written)


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images")
    for path in make_examples(out):
        print(path)
