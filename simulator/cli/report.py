"""``svcsim-report``: a self-contained HTML report from result folders.

The report itself is built by :mod:`simulator.present.report` (see its docstring and
docs/report.md for usage); this entry point adds the behaviour every command shares:
exit code 2 for bad input, 130/143 when interrupted, one line and no traceback
(docs/errors.md).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Console-script entry point: ``svcsim-report FOLDER [FOLDER ...]``."""
    from simulator.cli.common import run_command
    from simulator.present import report

    return run_command("svcsim-report", lambda: report.main(argv))


if __name__ == "__main__":
    sys.exit(main())
