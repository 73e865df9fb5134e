"""``svcsim --help`` lists the config groups from one repository: the same text as Hydra's."""

from __future__ import annotations

import subprocess
import sys

import pytest

from simulator.cli.help_listing import asks_for_help

_RUN = (
    "import sys\n"
    "import simulator.cli.run as run\n"
    "{patch}"
    "sys.argv = ['svcsim', *{args!r}]\n"
    "run.main()\n"
)


def _help_text(args: list[str], reuse: bool) -> str:
    patch = "" if reuse else "run.asks_for_help = lambda argv: False\n"
    proc = subprocess.run(
        [sys.executable, "-c", _RUN.format(patch=patch, args=args)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    "args", [["--help"], ["--config-name", "busy", "layout=six_comprehensive", "--help"]]
)
def test_help_text_is_hydras(args: list[str]) -> None:
    fast = _help_text(args, reuse=True)
    assert "layout:" in fast and "== Config ==" in fast
    assert fast == _help_text(args, reuse=False)


def test_help_is_recognised() -> None:
    assert asks_for_help(["--help"]) and asks_for_help(["x=1", "-h"])
    assert asks_for_help(["--hydra-help"])
    assert not asks_for_help(["layout=six_comprehensive", "--multirun"])
