"""Evaluating options: replications run through one executor, cached in ``evaluations.jsonl``
(:class:`EvaluationStore`), so an interrupted recommendation resumes without rework."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np
import pandas as pd

from simulator.config.scenario import Scenario
from simulator.optimise.progress import Progress
from simulator.run.executor import Executor
from simulator.run.runner import run_replication
from simulator.run.sweep import config_hash

__all__ = [
    "Candidate",
    "EvaluationStore",
    "StoreRunner",
    "evaluate_replications",
    "missing_replications",
    "plain",
]

T = TypeVar("T")


def plain(obj: Any) -> Any:
    """A deep plain-python copy of a (possibly frozen) config mapping."""
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    return obj


def _hourly_record(
    scn: Scenario, visits: Mapping[str, np.ndarray] | pd.DataFrame | None
) -> dict[str, list[float]]:
    """Per (profile day type, clock hour of arrival): arrivals, served within the target
    wait, left (abandoned or balked), served, summed wait of the served.

    ``visits``: the per-visit columns of a replication (a DataFrame works too; the
    columns are read directly, as building a DataFrame per replication cost more than
    the rest of this record).
    """
    plans = scn.day_plans()
    if visits is None or not plans or "day" not in visits or len(visits["day"]) == 0:
        return {}
    first_open = plans[0].offset + plans[0].hours.open
    cut = first_open + scn.experiment.warmup_min
    day = np.asarray(visits["day"]).astype(int)
    t = np.asarray(visits["arrival_min"], dtype=float)
    keep = (np.array([p.offset for p in plans])[day] + t) >= cut
    out = np.asarray(visits["outcome"])
    wait = np.asarray(visits["wait_min"], dtype=float)
    served = out == "served"
    within = served & (wait <= scn.experiment.target_wait_min)
    left = (out == "abandoned") | (out == "balked")
    keys = sorted({p.profile_key for p in plans})
    key_code = np.array([keys.index(p.profile_key) for p in plans])[day]
    hour = np.clip((t // 60).astype(int), 0, 47)
    code = (key_code * 48 + hour)[keep]
    size = len(keys) * 48
    cols = [
        np.bincount(code, minlength=size),
        np.bincount(code, weights=within[keep].astype(float), minlength=size),
        np.bincount(code, weights=left[keep].astype(float), minlength=size),
        np.bincount(code, weights=served[keep].astype(float), minlength=size),
        np.bincount(code, weights=np.where(served, wait, 0.0)[keep], minlength=size),
    ]
    table = np.column_stack(cols)
    return {
        f"{keys[c // 48]}|{c % 48}": [float(v) for v in table[c]] for c in np.flatnonzero(cols[0])
    }


def evaluate_replications(
    scn: Scenario, seed: int, replications: Sequence[int]
) -> list[tuple[int, dict[str, Any]]]:
    """Simulate ``replications`` of ``scn`` and reduce each to a compact record: every
    KPI of the replication and per-hour counts for hourly targets. A pure function."""
    out = []
    for r in replications:
        k = run_replication(scn, int(r), int(seed), record_visits=True)
        kpis = {name: (None if not np.isfinite(v) else float(v)) for name, v in k.kpis.items()}
        hourly = _hourly_record(scn, k.visits_cols)
        out.append((int(r), {"kpis": kpis, "hourly": hourly}))
    return out


class EvaluationStore:
    """Replication results by (config hash, seed, replication), mirrored to a JSON-lines
    file appended as each result arrives.

    A line cut short by a killed process is ignored on reload; lines written by another
    code version are ignored unless ``trust_other_versions``.
    """

    def __init__(self, path: Path | None, code: str, trust_other_versions: bool = False):
        self.path = path
        self.code = code
        self.records: dict[tuple[str, int, int], dict[str, Any]] = {}
        self.loaded = 0
        if path is not None and path.exists():
            with path.open(encoding="utf-8") as fh:
                for line in fh:
                    try:
                        row = json.loads(line)
                    except ValueError:
                        continue  # a partial last line from an interrupted run
                    if not isinstance(row, dict) or "key" not in row:
                        continue
                    if row.get("code") != code and not trust_other_versions:
                        continue
                    self.records[(row["key"], int(row["seed"]), int(row["rep"]))] = row["rec"]
            self.loaded = len(self.records)
        self._fh = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = path.open("a", encoding="utf-8")

    def __contains__(self, key: tuple[str, int, int]) -> bool:
        return key in self.records

    def add(self, key: tuple[str, int, int], rec: dict[str, Any]) -> None:
        self.records[key] = rec
        if self._fh is not None:
            row = {"key": key[0], "seed": key[1], "rep": key[2], "code": self.code, "rec": rec}
            self._fh.write(json.dumps(row, separators=(",", ":")) + "\n")
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def missing_replications(
    store: EvaluationStore, wanted: Iterable[tuple[str, int, int, T]]
) -> dict[tuple[str, int], tuple[T, list[int]]]:
    """For each wanted ``(key, seed, n, what)``: the replications among ``0..n-1`` not in
    ``store``, by ``(key, seed)`` with the ``what`` to simulate (in the order wanted)."""
    missing: dict[tuple[str, int], tuple[T, list[int]]] = {}
    for key, seed, n, what in wanted:
        for r in range(n):
            if (key, seed, r) in store:
                continue
            missing.setdefault((key, seed), (what, []))[1].append(r)
    return missing


@dataclass
class Candidate:
    """A scenario to evaluate: a layout option or a staffing plan."""

    name: str
    params: dict[str, Any]
    config: dict[str, Any]
    scenario: Scenario
    cost: float
    cost_breakdown: dict[str, float]
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            # Seed and replication are part of the evaluation key, not of the scenario.
            run_keys = ("seed", "replications", "record_visits", "charts")
            self.key = config_hash({k: v for k, v in self.config.items() if k not in run_keys})


class StoreRunner(Generic[T]):
    """Runs the replications missing from one store (the resume cache) through one
    executor, stores each result as it arrives and counts what it simulated.

    The recommender's runner and the city allocation's share this; a subclass says what a
    task evaluates (``evaluate``, a module-level function the executor can send to a
    worker), how many replications go in one task (:meth:`chunk`), what a task is
    (:meth:`task`) and how it reports progress (``progress``, given to the constructor:
    :meth:`started`, :meth:`done`, :meth:`finished`).
    """

    evaluate: ClassVar[Callable[..., list[tuple[int, Any]]]]

    def __init__(
        self,
        executor: Executor,
        store: EvaluationStore,
        progress: Any,
        on_evaluation: Callable[[dict[str, Any]], None] | None,
    ) -> None:
        self.executor = executor
        self.store = store
        self.progress = progress  # what the subclass reports progress with
        self.on_evaluation = on_evaluation
        self.run_count = 0

    def fill(self, wanted: Iterable[tuple[str, int, int, T]], stage: str) -> None:
        """Make sure every wanted ``(key, seed, n, what)`` has replications ``0..n-1`` in
        the store, simulating ``what`` for the missing ones."""
        missing = missing_replications(self.store, wanted)
        total = sum(len(v[1]) for v in missing.values())
        if total == 0:
            return
        chunk = self.chunk(total)
        tasks: list[tuple[Any, ...]] = []
        owners: list[tuple[str, int, T]] = []
        for (key, seed), (what, reps) in missing.items():
            for j in range(0, len(reps), chunk):
                tasks.append(self.task(what, seed, reps[j : j + chunk]))
                owners.append((key, seed, what))
        self.started(stage, total)
        try:
            for i, results in self.executor.imap_unordered(type(self).evaluate, tasks):
                key, seed, what = owners[i]
                for r, record in results:
                    self.store.add((key, seed, r), self.stored(record))
                    self.run_count += 1
                    self.done(stage, key, seed, what, r)
        finally:
            self.finished()

    def chunk(self, total: int) -> int:
        """Replications per task, for ``total`` replications to run."""
        raise NotImplementedError

    def task(self, what: T, seed: int, reps: list[int]) -> tuple[Any, ...]:
        """The arguments of ``evaluate`` for replications ``reps`` of ``what``."""
        raise NotImplementedError

    def stored(self, record: Any) -> Any:
        """What the store keeps of one replication's result."""
        return record

    def started(self, stage: str, total: int) -> None:
        """``total`` replications of ``stage`` are about to run."""

    def done(self, stage: str, key: str, seed: int, what: T, r: int) -> None:
        """Replication ``r`` of ``what`` has been simulated and stored."""

    def finished(self) -> None:
        """The replications of the stage are done (or the run stopped)."""


class _Runner(StoreRunner[Candidate]):
    """Runs the replications candidates need: one scenario, a few replications a task."""

    evaluate = evaluate_replications
    progress: Progress

    def ensure(self, wanted: Iterable[tuple[Candidate, int, int]], stage: str) -> None:
        """Make sure (candidate, seed, n replications 0..n-1) are all in the store."""
        self.fill(((c.key, seed, n, c) for c, seed, n in wanted), stage)

    def chunk(self, total: int) -> int:
        return 1 if self.executor.workers == 1 else 4

    def task(self, what: Candidate, seed: int, reps: list[int]) -> tuple[Any, ...]:
        return (what.scenario, seed, reps)

    def started(self, stage: str, total: int) -> None:
        self.progress.pending(stage, total)

    def done(self, stage: str, key: str, seed: int, what: Candidate, r: int) -> None:
        self.progress.advance()
        if self.on_evaluation is not None:
            self.on_evaluation(
                {"stage": stage, "candidate": what.name, "seed": seed, "replication": r}
            )

    def records(self, cand: Candidate, seed: int, n: int) -> list[dict[str, Any]]:
        return [self.store.records[(cand.key, seed, r)] for r in range(n)]

    def available(self, cand: Candidate, seed: int) -> int:
        n = 0
        while (cand.key, seed, n) in self.store:
            n += 1
        return n
