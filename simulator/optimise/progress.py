"""One progress line for a whole recommendation, with an ETA.

The recommender runs in stages (screening, sequential feasibility, the hour-by-hour
staffing search, the final evaluation) whose sizes are only partly known in advance:
screening and the final evaluation have fixed sizes, while the sequential stage and the
staffing search stop as soon as their decisions are made. The line shows the stage, the
replications simulated, the replications expected in all, the elapsed time and an ETA:
the time per replication so far times the replications still expected. The expectation
is renewed when each stage starts (from what is then known) and raised whenever a step
turns out larger, so the ETA is an estimate that sharpens as the run goes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any, TextIO

# Stage names used by the recommender's steps, grouped into the four stages shown.
STAGE_OF = {
    "screening": "screening",
    "sequential": "sequential",
    "selection": "sequential",
    "isa": "staffing plan",
    "isa trim": "staffing plan",
    "verify": "staffing plan",
    "final": "final evaluation",
}
STAGES = ("screening", "sequential", "staffing plan", "final evaluation")

# Rough sizes of the open-ended stages: further sequential rounds per option still
# undecided, and trimming rounds of the staffing search (each tries one window fewer in
# every clock hour and window group). With the bundled decision spaces on the reference
# centre the first estimate was 1,460 replications against 1,450 run (quick) and 5,600
# against 4,790 (default).
SEQUENTIAL_ROUNDS = 3
TRIM_ROUNDS = 3


@dataclass(frozen=True)
class Sizes:
    """What the estimates need to know about a recommendation."""

    options: int
    n0: int
    batch: int
    n_max: int
    runner_ups: int
    isa: bool
    isa_replications: int
    isa_trim: bool
    hour_blocks: int  # clock hours with targets (all day types)
    window_groups: int
    final_replications: int
    robustness_cases: int

    def sequential(self, undecided: int) -> int:
        """Replications the sequential stage may still take for ``undecided`` options."""
        per_option = min(SEQUENTIAL_ROUNDS * self.batch, max(self.n_max - self.n0, 0))
        return undecided * per_option

    def staffing(self) -> int:
        """Replications the staffing search may take (start, trimming, verification)."""
        if not self.isa:
            return 0
        n = 2 * self.isa_replications
        if self.isa_trim:
            n += TRIM_ROUNDS * self.hour_blocks * self.window_groups * self.isa_replications
        return n + self.final_replications

    def final(self) -> int:
        """The final evaluation: plan, current layout, robustness cases, two runner-ups."""
        cases = 2 + self.robustness_cases + min(2, self.runner_ups)
        return cases * self.final_replications


class Progress:
    """One line on ``file`` (standard error by default) for the whole recommendation;
    a no-op when ``enabled`` is false."""

    def __init__(self, enabled: bool, file: TextIO | None = None) -> None:
        self.enabled = enabled
        self.file = file
        self.bar: Any = None

    def _label(self, step: str) -> str:
        stage = STAGE_OF.get(step, step)
        number = STAGES.index(stage) + 1 if stage in STAGES else 0
        label = f"stage {number}/{len(STAGES)} {stage}" if number else stage
        return f"svcsim-recommend: {label}"

    def _show(self, step: str, total: int) -> None:
        """Redraw the line for ``step`` with ``total`` replications expected in all."""
        if self.bar is None:
            from tqdm.auto import tqdm

            self.bar = tqdm(
                total=max(total, 1),
                desc=self._label(step),
                unit="rep",
                file=self.file if self.file is not None else sys.stderr,
                dynamic_ncols=True,
                bar_format=(
                    "{desc} |{bar:12}| {n_fmt} of ~{total_fmt} replications, "
                    "{elapsed} elapsed, ETA ~{remaining}"
                ),
            )
            return
        self.bar.set_description_str(self._label(step), refresh=False)
        self.bar.total = max(total, 1)
        self.bar.refresh()

    def expect(self, step: str, remaining: int) -> None:
        """A stage starts: ``remaining`` replications are expected from here to the end."""
        if self.enabled:
            done = self.bar.n if self.bar is not None else 0
            self._show(step, done + max(int(remaining), 0))

    def pending(self, step: str, count: int) -> None:
        """A step is about to simulate ``count`` replications (raises the total if the
        expectation was short)."""
        if self.enabled:
            done = self.bar.n if self.bar is not None else 0
            total = self.bar.total if self.bar is not None else 0
            self._show(step, max(total, done + count))

    def advance(self, count: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(count)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.total = max(self.bar.n, 1)  # done: the line ends at 100%
            self.bar.close()
            self.bar = None
