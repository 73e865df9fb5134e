"""A fresh machine without a CJK font: the default ``svcsim`` run draws its charts and
``svcsim-report lang=zh`` writes the documented English fallback with one clear warning
line, no traceback.

The machine is simulated for matplotlib: an empty config folder (its font cache is built
afresh) and ``MPL_IGNORE_SYSTEM_FONTS`` (only the fonts matplotlib ships, none of them
CJK). Nothing here needs a browser."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.cli.report import NO_CJK_FONT


def _run(module: str, args: list[str], env: dict[str, str], cwd: Path) -> tuple[str, str]:
    cmd = [sys.executable, "-m", module, *args]
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr + proc.stdout
    return proc.stdout, proc.stderr


@pytest.mark.slow
def test_default_run_and_chinese_report_without_a_cjk_font(tmp_path: Path) -> None:
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "MPL_IGNORE_SYSTEM_FONTS": "1"}
    probe = "from simulator.present import style; print(style.find_cjk_font())"
    found = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    assert found.stdout.strip() == "None"  # the simulated machine has no CJK font

    run = tmp_path / "run"
    _, err = _run(
        "simulator.cli.run",
        ["replications=2", "calendar.days=2", f"hydra.run.dir={run}"],
        env,
        tmp_path,
    )
    assert err == ""  # English charts need no CJK font: no warning, no findfont message
    for name in ("wait_ecdf", "queue_by_hour", "utilisation_by_hour"):
        assert (run / f"{name}.png").stat().st_size > 10_000, name

    out = tmp_path / "zh.html"
    _, err = _run(
        "simulator.cli.report", [f"folders={run}", "lang=zh", f"out={out}"], env, tmp_path
    )
    assert err.splitlines() == [f"svcsim-report: warning: {NO_CJK_FONT}"]
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and not re.search("[\u4e00-\u9fff]", html)
    assert html.count("data:image/png;base64,") >= 3  # the charts, drawn in English
