"""The Chinese report reads in Chinese: every run of Latin letters a reader sees is a
name from the user's own config, a code shown as a code, or one of a short list of
accepted words (the product's name, the t of "t distribution").

The folders are real and small: a run of the reference centre made by ``svcsim``, and a
recommendation for the M/M/c centre with a by_block plan of one week of continuous
opening (so its staffing plan's times run over several days, "第7天 24:00").
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from simulator import load_scenario
from simulator.present import report, style
from tests.conftest import one_group_space, svcsim

pytestmark = pytest.mark.skipif(style.find_cjk_font() is None, reason="no CJK font installed")

#: Words accepted in a Chinese report besides names and codes of the folders read.
ACCEPTED = {
    "svcsim",  # the product, as in "svcsim-report", "svcsim 0.1.0"
    "report",
    "t",  # "95% t分布置信区间"
}
#: The recommender's target codes, in the codes footnote of the recommendation section.
TARGET_CODES = {"day", "hour", "service_level", "abandonment_rate", "wait_mean_min"}

WEEK = 10080


class _Text(HTMLParser):
    """The text a reader sees: no style, no script, and codes (``<code>``) left out."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "code"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "code"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def _latin_words(path: Path, allowed: set[str], literal: set[str]) -> list[tuple[str, str]]:
    """(word, the text it stands in) for every run of Latin letters on the page that is
    not allowed; ``literal`` strings (folder paths, commit) are removed first."""
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    found = []
    for part in parser.parts:
        text = part
        for s in sorted(literal, key=len, reverse=True):
            text = text.replace(s, " ")
        for m in re.finditer(r"[A-Za-z][A-Za-z_]*(?P<cut>…)?", text):
            word = m.group().rstrip("…")
            if word in allowed or (m.group("cut") and any(a.startswith(word) for a in allowed)):
                continue  # a name as written, or one cut short at the end of a long value
            found.append((word, part))
    return found


def _config_names(cfg: dict) -> set[str]:
    """Names the user gave in a run's config: families, window groups, staff groups,
    bureaus (data, written as they are)."""
    names: set[str] = set()
    for section, key in (
        ("catalogue", "families"),
        ("layout", "windows"),
        ("staffing", "staff"),
        ("back_office", "bureaus"),
    ):
        names |= set(((cfg.get(section) or {}).get(key) or {}).keys())
    windows = ((cfg.get("layout") or {}).get("windows") or {}).values()
    return names | {str(w["prefix"]) for w in windows if "prefix" in w}  # "C1", "D1"


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("zh_run") / "ref"
    svcsim("replications=3", "calendar.days=3", f"hydra.run.dir={out}", cwd=out.parent)
    return out


@pytest.fixture(scope="module")
def rec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.optimise.recommend import recommend

    week = f"[{{start: 0, end: {WEEK}, open: {{main: 10}}}}]"
    half = f"[{{start: 0, end: {WEEK}, open: {{main: 5}}}}]"
    scn = load_scenario(
        "validation/mmc",
        [
            "warmup_min=120",
            "~staffing.plan",
            "+staffing.plan={mode: by_block}",
            f"+staffing.plan.blocks={{weekday: {week}, weekend: {half}, holiday: {half}}}",
        ],
    )
    out = tmp_path_factory.mktemp("zh_rec") / "rec"
    procedure = {
        "procedure": {
            "n0": 4,
            "batch": 4,
            "n_max": 8,
            "runner_ups": 1,
            "isa": {"enabled": False},
            "final_replications": 2,
        },
        "robustness": {"volume_growth": [0.1], "online_shift": []},
    }
    space = one_group_space([8, 10])
    recommend(scn, out_dir=out, space=space, procedure=procedure, seed=7, charts=False)
    return out


def _run_allowed(run: Path) -> tuple[set[str], set[str]]:
    cfg = yaml.safe_load((run / ".hydra" / "config.yaml").read_text(encoding="utf-8"))
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    literal = {str(run), str(cfg["catalogue"]["items_file"]), str(manifest.get("git_commit"))}
    return ACCEPTED | _config_names(cfg) | {"reference"}, literal


def _rec_allowed(rec: Path) -> tuple[set[str], set[str]]:
    summary = json.loads((rec / "recommendation.json").read_text(encoding="utf-8"))
    codes = set(re.findall(r"[A-Za-z]+", " ".join(summary["targets"])))
    groups = set(summary["layout"])  # the window groups of the user's scenario ("main")
    option_letters = set(re.findall(r"[A-Za-z]+", summary["option"]))  # "M10" -> "M"
    return ACCEPTED | TARGET_CODES | codes | groups | option_letters, {str(rec)}


def test_single_run_report_in_chinese(run_dir: Path, tmp_path: Path) -> None:
    allowed, literal = _run_allowed(run_dir)
    zh = report.build_report(run_dir, out=tmp_path / "zh.html", lang="zh")
    assert _latin_words(zh, allowed, literal) == []
    # the check can fail: the English report is full of such words
    en = report.build_report(run_dir, out=tmp_path / "en.html", lang="en")
    assert {"mean", "wait"} <= {w for w, _ in _latin_words(en, allowed, literal)}


def test_recommendation_report_in_chinese(rec_dir: Path, tmp_path: Path) -> None:
    allowed, literal = _rec_allowed(rec_dir)
    zh = report.build_report(rec_dir, out=tmp_path / "zh.html", lang="zh")
    assert _latin_words(zh, allowed, literal) == []
    text = zh.read_text(encoding="utf-8")
    # the plan's week-long blocks and the hours of its later days, in Chinese
    assert "第1天 00:00–第7天 24:00" in text and "第1天为开门当天" in text
    assert "工作日 第2天 00:00" in text and "到访量+10%" in text
    # the recommender's comparison chart, redrawn in Chinese from comparison.csv
    saved = (rec_dir / "comparison.csv").read_text(encoding="utf-8").splitlines()
    assert saved[0] == "option,kpi,mean,ci_low,ci_high"
    assert {"current", "recommended plan"} <= {line.split(",")[0] for line in saved[1:]}
    assert "现有布局、推荐方案与备选方案（相同居民）；误差线" in text
    en = report.build_report(rec_dir, out=tmp_path / "en.html", lang="en")
    words = {w for w, _ in _latin_words(en, allowed, literal)}
    assert {"weekday", "volume"} <= words
    assert "day 1 00:00–day 7 24:00" in en.read_text(encoding="utf-8")


def test_run_and_recommendation_together_in_chinese(
    run_dir: Path, rec_dir: Path, tmp_path: Path
) -> None:
    """The paragraph relating separate studies and the footnotes, in one report."""
    run_allowed, run_literal = _run_allowed(run_dir)
    rec_allowed, rec_literal = _rec_allowed(rec_dir)
    zh = report.build_report([run_dir, rec_dir], out=tmp_path / "zh.html", lang="zh")
    assert _latin_words(zh, run_allowed | rec_allowed, run_literal | rec_literal) == []
