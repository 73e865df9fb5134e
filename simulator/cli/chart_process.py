"""The run charts drawn in a child process, alongside the simulation and the tables.

A default ``svcsim`` run spends about as long importing matplotlib and drawing its three
charts as simulating and writing everything else. :func:`start_chart_process` forks a
child (:func:`simulator.run.executor.fork_call`) as the run starts: the child imports
the chart code while this process simulates, then draws the charts from the results
(:func:`simulator.cli.run.write_figures`) while this process writes the tables. On a
machine with a second core that hides most of the charts' time; the files are the same
either way (the same function writes them). Where forking is not available,
:func:`start_chart_process` returns ``None`` and the caller draws the charts itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.run.executor import ForkedCall

__all__ = ["start_chart_process"]


def _load_chart_code() -> None:
    from simulator.present import charts  # noqa: F401  (matplotlib: the slow import)


def _write_figures(*args: Any) -> Any:
    from simulator.cli.run import write_figures

    return write_figures(*args)


def start_chart_process() -> ForkedCall | None:
    """A child process that will run :func:`simulator.cli.run.write_figures` on the
    ``(results, out_dir)`` it is sent; ``None`` where the caller should draw itself."""
    from simulator.run.executor import fork_call

    return fork_call(_load_chart_code, _write_figures)
