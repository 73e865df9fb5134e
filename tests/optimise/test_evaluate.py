"""The evaluation runner both the recommender and the city allocation use (StoreRunner)."""

from __future__ import annotations

from typing import Any

from simulator.optimise.evaluate import EvaluationStore, StoreRunner
from simulator.run.executor import SerialExecutor


def tenfold(what: int, seed: int, reps: list[int]) -> list[tuple[int, dict[str, Any]]]:
    """A stand-in evaluation: replication ``r`` of ``what`` gives ``10 * what + r``."""
    return [(r, {"value": 10 * what + r, "seed": seed}) for r in reps]


class Runner(StoreRunner[int]):
    evaluate = tenfold
    progress: list[Any]

    def chunk(self, total: int) -> int:
        return 2

    def task(self, what: int, seed: int, reps: list[int]) -> tuple[Any, ...]:
        self.progress.append(("task", what, reps))
        return (what, seed, reps)

    def started(self, stage: str, total: int) -> None:
        self.progress.append(("started", stage, total))

    def done(self, stage: str, key: str, seed: int, what: int, r: int) -> None:
        self.progress.append(("done", key, r))

    def finished(self) -> None:
        self.progress.append(("finished",))


def test_only_the_missing_replications_run_in_tasks_and_are_stored_and_counted() -> None:
    store = EvaluationStore(None, "")
    store.add(("a", 7, 1), {"value": -1})  # already known: not run again
    runner = Runner(SerialExecutor(), store, [], None)
    runner.fill([("a", 7, 4, 1), ("b", 7, 1, 2)], "stage")
    assert runner.run_count == 4
    assert runner.progress == [
        ("task", 1, [0, 2]),  # two replications a task
        ("task", 1, [3]),
        ("task", 2, [0]),
        ("started", "stage", 4),
        ("done", "a", 0),
        ("done", "a", 2),
        ("done", "a", 3),
        ("done", "b", 0),
        ("finished",),
    ]
    assert store.records[("a", 7, 1)] == {"value": -1}
    assert [store.records[("a", 7, r)]["value"] for r in (0, 2, 3)] == [10, 12, 13]
    assert store.records[("b", 7, 0)] == {"value": 20, "seed": 7}
    runner.fill([("a", 7, 4, 1)], "again")  # everything there: nothing runs or reports
    assert runner.run_count == 4 and runner.progress[-1] == ("finished",)
