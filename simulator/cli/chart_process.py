"""The run charts drawn in a child process, alongside the simulation and the tables.

A default ``svcsim`` run spends about as long importing matplotlib and drawing its three
charts as simulating and writing everything else. :func:`start_chart_process` forks a
child (:func:`simulator.run.executor.fork_call`) as the run starts: the child imports
the chart code while this process simulates, then draws the charts from the results
(:func:`simulator.cli.run.write_figures`) while this process writes the tables. On a
machine with a second core that hides most of the charts' time; the files are the same
either way (the same function writes them). Where forking is not available,
:func:`start_chart_process` returns ``None`` and the caller draws the charts itself.

The command line starts it earlier still (:func:`start_early`, before Hydra composes the
config) when its arguments ask for a single run that may draw charts: the child then
loads pandas and matplotlib while this process composes the config and simulates.
:func:`take_chart_process` hands that child to the run, or starts one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from simulator.run.executor import ForkedCall

__all__ = [
    "close_early",
    "drawn_alongside",
    "load_chart_code",
    "start_chart_process",
    "start_early",
    "take_chart_process",
]

#: Options after which Hydra does not run the task once with charts.
_NO_SINGLE_RUN = frozenset(
    (
        "-m",
        "--multirun",
        "-h",
        "--help",
        "--hydra-help",
        "-c",
        "--cfg",
        "-i",
        "--info",
        "-sc",
        "--shell-completion",
        "--version",
    )
)
_OFF = frozenset(("false", "no", "off", "0", "null"))

_early: list[ForkedCall] = []


def load_chart_code() -> None:
    """Load the chart code and draw a throw-away chart (fonts, layout engine, PNG writer):
    what a chart process does while the run simulates."""
    import io

    import scipy.special  # noqa: F401  (the t quantiles of the charts' intervals)

    import simulator.analysis.results  # noqa: F401  (to read the results sent)
    from simulator.present import (
        charts,  # noqa: F401  (matplotlib: the slow import)
        i18n,
        style,
    )

    i18n.catalogue("en")  # the charts' words

    # A small throw-away chart in the house style loads the fonts, the layout engine and
    # the PNG writer before the results arrive (the charts drawn after are the same
    # files, byte for byte).
    _, families = style.resolve_language("en")
    fig, axes = style.new_figure(families, figsize=(2.0, 1.5))
    axes[0].plot([0.0, 1.0], [0.0, 1.0])
    axes[0].set_title("0%")
    axes[0].set_xlabel("min")
    fig.savefig(io.BytesIO(), format="png", dpi=40)
    from simulator.cli.common import resume_gc

    resume_gc()  # paused by svcsim's start-up, which this process forked from


def _write_figures(*args: Any) -> Any:
    from simulator.cli.run import write_figures

    return write_figures(*args)


def start_chart_process() -> ForkedCall | None:
    """A child process that will run :func:`simulator.cli.run.write_figures` on the
    ``(results, out_dir)`` it is sent; ``None`` where the caller should draw itself."""
    # What both processes need (pandas, for the results' tables) is loaded once, before
    # the fork: the run needs it anyway, and the child then loads only the chart code.
    import simulator.analysis.results  # noqa: F401
    from simulator.run.executor import fork_call

    return fork_call(load_chart_code, _write_figures)


def drawn_alongside(
    chart_process: ForkedCall | None,
    draw: Callable[..., dict[str, Path]],
    args: tuple[Any, ...],
    write: Callable[[], dict[str, Path]],
) -> dict[str, Path]:
    """Run ``write()`` (a run's tables) and ``draw(*args)`` (its charts); the paths of
    both, by name. With a ``chart_process`` (started for ``draw``) the charts are drawn
    there while ``write`` runs here; without one, here after ``write``."""
    if chart_process is None:
        paths = write()
        paths.update(draw(*args))
        return paths
    chart_process.submit(*args)
    paths = write()
    paths.update(chart_process.result())
    return paths


def single_run_with_charts(argv: list[str]) -> bool:
    """Whether these command-line arguments ask for one run that may draw charts (not a
    multirun, a help or info request, nor ``charts=false``)."""
    for arg in argv:
        if arg in _NO_SINGLE_RUN or arg.startswith(("--cfg=", "--info=", "--shell-completion=")):
            return False
        key, _, value = arg.lstrip("+").partition("=")
        if arg.startswith("~charts") or (key == "charts" and value.strip().lower() in _OFF):
            return False
    return True


def start_early(argv: list[str]) -> None:
    """Start the chart process now if ``argv`` asks for a single run with charts."""
    close_early()
    if single_run_with_charts(argv):
        call = start_chart_process()
        if call is not None:
            _early.append(call)


def take_chart_process() -> ForkedCall | None:
    """The chart process started early, else a new one (``None``: draw here)."""
    if _early:
        return _early.pop()
    return start_chart_process()


def close_early() -> None:
    """End a chart process started early that no run took (charts off, a bad config) at
    once: its imports are not waited for."""
    while _early:
        _early.pop().cancel()
