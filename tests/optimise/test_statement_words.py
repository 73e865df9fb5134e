"""The recommender's statement in plain words: codes only after "Codes:"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from simulator.optimise.config import Procedure, parse_targets
from simulator.optimise.feasibility import Constraint
from simulator.optimise.outputs import _statement

WINDOWS = {
    "comprehensive": {"kind": "comprehensive", "count": 4},
    "dedicated_consultation_quick": {"kind": "dedicated", "families": ["consultation", "quick"]},
}
CODE = "C4+dedicated_consultation_quick1 L50 all_round"
RUNNER = "C5+dedicated_consultation_quick0 L50 all_round"


def _statement_for(mix: str) -> str:
    tgt = parse_targets(
        {"confidence": 0.95, "day": {"service_level": {"min": 0.9, "tolerance": 0.01}}}
    )
    cand: Any = SimpleNamespace(
        name=CODE.replace("all_round", mix),
        params={"skill_mix": mix},
        config={"layout": {"windows": WINDOWS}},
        cost=3000.0,
    )
    cons = [Constraint(t) for t in tgt.all]
    runner_rows = [{"option": RUNNER, "indistinguishable_within_tolerance": True}]
    return _statement(
        cand,
        [cand],
        cons,
        tgt,
        Procedure(),
        SimpleNamespace(currency="CNY"),
        2900.0,
        True,
        "",
        runner_rows,
        20.0,
    )


def test_statement_in_words_with_codes_in_the_footnote() -> None:
    text = _statement_for("all_round")
    words, codes = text.split(" Codes: ")
    assert words.startswith(
        "Recommended: 4 comprehensive windows, 1 dedicated consultation/quick window, "
        "half open at lunch, all-round staff."
    )
    assert "5 comprehensive windows, no dedicated consultation/quick window" in words
    assert "1 percentage point of the share of arrivals served within 20 min" in words
    for code in ("_", "service_level", ">=", "±0.01", CODE, RUNNER):
        assert code not in words, code
    assert CODE in codes and RUNNER in codes and "service_level ±0.01" in codes


def test_retraining_is_said_when_the_mix_replaces_the_staff() -> None:
    assert "assumes retraining" in _statement_for("all_round")
    assert "retrain" not in _statement_for("keep")


def test_chart_legend_names_the_runner_ups_in_words() -> None:
    from simulator.optimise.outputs import comparison_in_words

    frame: Any = object()
    named = comparison_in_words(
        {"current": frame, "recommended plan": frame, RUNNER: frame},
        {"layout": {"windows": WINDOWS}},
    )
    assert list(named) == [
        "current",
        "recommended plan",
        "5 comprehensive windows, no dedicated consultation/quick window, half open at lunch, "
        "all-round staff",
    ]


class _FakeRunner:
    """Replications of known service levels: option i at 0.90 + 0.05 i, with noise."""

    def __init__(self, ties: list[Any]) -> None:
        self.index = {c.key: i for i, c in enumerate(ties)}

    def ensure(self, jobs: Any, stage: str) -> None:
        pass

    def records(self, cand: Any, seed: int, n: int) -> list[dict[str, Any]]:
        import numpy as np

        rng = np.random.default_rng(self.index[cand.key])
        base = 0.90 + 0.05 * self.index[cand.key]
        return [{"kpis": {"service_level": base + 0.002 * rng.standard_normal()}} for _ in range(n)]


def test_tie_note_names_the_indifference_zone_in_words() -> None:
    from simulator.optimise.feasibility import Search, _kim_nelson

    tgt = parse_targets(
        {"confidence": 0.95, "day": {"service_level": {"min": 0.9, "tolerance": 0.01}}}
    )
    scn: Any = SimpleNamespace(experiment=SimpleNamespace(target_wait_min=15.0))
    ties: list[Any] = [SimpleNamespace(key=f"k{i}", scenario=scn) for i in range(2)]
    search = Search(
        tgt, [Constraint(t) for t in tgt.all], Procedure(n0=5, batch=5, n_max=20), 1,
        _FakeRunner(ties), {c.key: {"n": 5} for c in ties},
    )  # fmt: skip
    best, note = _kim_nelson(search, ties, Constraint(tgt.primary()))
    assert best is ties[1]
    assert "1 percentage point of the share of arrivals served within 15 min" in note
    assert "service_level" not in note and "0.01" not in note


def test_frontier_title_in_words_and_honest_about_a_miss() -> None:
    import pandas as pd

    from simulator.optimise.outputs import frontier_title

    rec: Any = SimpleNamespace(
        option=CODE,
        meets_targets=True,
        kpis=pd.DataFrame({"mean": [0.93]}, index=["service_level"]),
        scenario_config={"layout": {"windows": WINDOWS}},
        cost_per_day=3438.0,
        cost_currency="CNY",
    )
    title = frontier_title(rec)
    assert title.startswith("Recommended: 4 comprehensive windows, 1 dedicated consultation/quick")
    assert "_" not in title and "93%" in title
    rec.meets_targets = False
    assert frontier_title(rec).startswith("Best found (misses a target")
