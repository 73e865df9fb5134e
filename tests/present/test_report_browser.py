"""The HTML report in a real browser: every image loads and nothing overflows the page.

Headless Chromium loads a copy of the report with a small inline script that writes,
after the load event, whether each image is complete with a natural width and whether
the page is wider than the window, into the DOM; ``--dump-dom`` prints it. Widths of a
desktop and of a phone are checked. Without a Chromium binary the test is skipped with
the reason shown (CI installs the Debian package ``chromium`` when it can).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.present import report


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) if not os.path.isabs(name) else name
        if path and os.access(path, os.X_OK):
            return path
    return None


CHROMIUM = _chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no Chromium browser found (apt-get install chromium); browser check skipped",
)

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var result = {
    images: imgs.length,
    loaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    wide: imgs.filter(function (i) {
      return i.getBoundingClientRect().right > window.innerWidth + 1; }).length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth
  };
  var out = document.createElement('pre');
  out.id = 'svcsim-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def _check(html_file: Path, width: int, tmp_path: Path) -> dict[str, int]:
    assert CHROMIUM is not None
    probe = tmp_path / f"probe_{width}.html"
    text = html_file.read_text(encoding="utf-8")
    assert "<script" not in text  # the report itself has no script
    probe.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / f'profile_{width}'}",
        f"--window-size={width},900",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probe.as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    match = re.search(r'<pre id="svcsim-check">(.*?)</pre>', proc.stdout)
    assert match, f"no check result in the DOM (exit {proc.returncode}): {proc.stderr[-2000:]}"
    return dict(json.loads(match.group(1).replace("&quot;", '"')))


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("browser")
    runs = []
    for name, extra in (("ref", []), ("six", ["layout=six_comprehensive"])):
        out = root / name
        cmd = [sys.executable, "-m", "simulator.cli.run", *extra, "replications=3"]
        proc = subprocess.run(
            [*cmd, f"hydra.run.dir={out}"], cwd=root, capture_output=True, text=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr
        runs.append(out)
    return report.build_report(runs, out=root / "report.html")


@pytest.mark.parametrize("width", [1280, 420])
def test_images_load_and_nothing_overflows(report_file: Path, tmp_path: Path, width: int) -> None:
    result = _check(report_file, width, tmp_path)
    assert result["images"] >= 4
    assert result["loaded"] == result["images"], result
    assert result["wide"] == 0, result
    assert result["scrollWidth"] <= result["innerWidth"], result
