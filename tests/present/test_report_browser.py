"""The HTML report in a real browser: every image loads, nothing overflows the page, and
the English and Chinese reports both render.

Headless Chromium loads a copy of the report with a small inline script that writes,
after the load event, whether each image is complete with a natural width, whether the
page is wider than the window, the document language and how many Chinese characters
the page shows, into the DOM; ``--dump-dom`` prints it. Widths of a desktop and of a
phone are checked, in English and in Chinese (without a CJK font the Chinese report is
the documented English fallback, and that is what is checked). The screenshot command
of docs/report.md is run too. Without a Chromium binary the tests are skipped with the
reason shown (CI installs the Debian packages ``chromium`` and ``fonts-wqy-microhei``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from simulator.present import report, style


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) if not os.path.isabs(name) else name
        if path and os.access(path, os.X_OK):
            return path
    return None


CHROMIUM = _chromium()
pytestmark = [
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="no Chromium browser found (apt-get install chromium); browser check skipped",
    ),
    pytest.mark.slow,
]
CJK_FONT = style.find_cjk_font() is not None

PROBE = """<script>
window.addEventListener('load', function () {
  var imgs = Array.prototype.slice.call(document.images);
  var result = {
    images: imgs.length,
    loaded: imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length,
    wide: imgs.filter(function (i) {
      return i.getBoundingClientRect().right > window.innerWidth + 1; }).length,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    lang: document.documentElement.lang,
    cjk: (document.body.innerText.match(/[\u4e00-\u9fff]/g) || []).length,
    textHeight: document.body.getBoundingClientRect().height
  };
  var out = document.createElement('pre');
  out.id = 'svcsim-check';
  out.textContent = JSON.stringify(result);
  document.body.appendChild(out);
});
</script>"""


def _check(html_file: Path, width: int, tmp_path: Path) -> dict[str, Any]:
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
def report_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
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
    files = {}
    for lang in ("en", "zh"):
        with warnings.catch_warnings():  # without a CJK font: English, with a warning
            warnings.simplefilter("ignore", style.CJKFontWarning)
            files[lang] = report.build_report(runs, out=root / f"report_{lang}.html", lang=lang)
    return files


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("width", [1280, 420])
def test_images_load_and_nothing_overflows(
    report_files: dict[str, Path], tmp_path: Path, width: int, lang: str
) -> None:
    result = _check(report_files[lang], width, tmp_path)
    assert result["images"] >= 4
    assert result["loaded"] == result["images"], result
    assert result["wide"] == 0, result
    assert result["scrollWidth"] <= result["innerWidth"], result
    assert result["textHeight"] > 900, result  # a page of content, not an error page
    if lang == "zh" and CJK_FONT:
        assert result["lang"] == "zh-CN" and result["cjk"] > 200, result
    else:  # English, or the documented fallback of a Chinese report without a CJK font
        assert result["lang"] == "en" and result["cjk"] == 0, result


def test_screenshot_command_of_the_docs(report_files: dict[str, Path], tmp_path: Path) -> None:
    """docs/report.md: ``chromium --headless --no-sandbox --hide-scrollbars
    --window-size=1280,4000 --screenshot=report.png file://$PWD/compare.html``."""
    assert CHROMIUM is not None
    shot = tmp_path / "report.png"
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--window-size=1280,4000",
        f"--screenshot={shot}",
        report_files["zh" if CJK_FONT else "en"].as_uri(),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert shot.exists(), proc.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(str(shot))
    assert pixels.shape[:2] == (4000, 1280)
    # Text and charts on a white page: many distinct colours, not a blank or error page.
    assert float(np.std(pixels[..., :3])) > 0.05
