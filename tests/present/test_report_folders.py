"""svcsim-report on recommendation and calibration folders, run costs and ECDF overlays.

The folders are real, small outputs: ``recommend`` on the reference centre with four
layout options and few replications, ``calibrate`` on eight weeks of synthetic history
with a two-week holdout, and one ``svcsim`` run (CLI, so the resolved config with its
cost section is saved).
"""

from __future__ import annotations

import base64
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from simulator.present import report, style
from simulator.present.readers import read_folder

# A real recommendation, calibration and run as setup (make test-fast leaves it out).
pytestmark = pytest.mark.slow

SPACE = {
    "windows": {"comprehensive": [4, 5], "quick_desk": [0, 1]},
    "lunch_open_share": [0.5],
    "skill_mix": ["keep"],
}
PROC = {
    "procedure": {
        "n0": 5,
        "batch": 5,
        "n_max": 20,
        "runner_ups": 1,
        "isa": {"enabled": True, "replications": 8, "max_iterations": 3, "trim": True},
        "final_replications": 8,
    },
    "robustness": {"volume_growth": [0.1], "online_shift": [0.1]},
}


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from calibration.pipeline import calibrate
    from calibration.synthetic import generate_history
    from simulator.optimise.recommend import recommend

    root = tmp_path_factory.mktemp("folders")
    recommend("reference", out_dir=root / "rec", space=SPACE, procedure=PROC, charts=True)
    h = generate_history(root / "data", start="2025-03-03", end="2025-04-27", seed=5)
    calibrate(
        h.tickets,
        catalogue=h.catalogue,
        skills=h.skills,
        staffing=h.staffing,
        name="small",
        out_dir=root / "scn",
        report_dir=root / "cal",
        holdout_days=14,
        replications=4,
        gof_n_mc=0,
        min_rows=100,
    )
    run = root / "run"
    cmd = [sys.executable, "-m", "simulator.cli.run", "replications=4", f"hydra.run.dir={run}"]
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return {"rec": root / "rec", "cal": root / "cal", "run": run, "root": root}


def test_folder_kinds_are_recognised(folders: dict[str, Path]) -> None:
    rec = read_folder(folders["rec"])
    assert rec.kind == "recommendation" and not rec.runs
    r = rec.recommendations[0]
    assert r.option and "meets every target" in r.summary["statement"]
    assert r.target_value("service_level") == 0.9
    assert r.staffing_plan is not None and r.pareto is not None
    cal = read_folder(folders["cal"])
    assert cal.kind == "calibration"
    c = cal.calibrations[0]
    assert c.name == "small" and c.centre == "SYN-01" and c.synthetic
    assert {"fit_service", "validation", "exclusions"} <= set(c.tables)
    assert "fig_validation" in c.images and c.scenario["centre"]["daily_volume"] > 0


def test_calibration_folder_with_one_subfolder_per_centre(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    shutil.copytree(folders["cal"], tmp_path / "cal" / "SYN-01")
    shutil.copytree(folders["cal"], tmp_path / "cal" / "SYN-02")
    content = read_folder(tmp_path / "cal")
    assert content.kind == "calibration" and len(content.calibrations) == 2


def test_report_with_run_recommendation_and_calibration(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    out = report.build_report(
        [folders["run"], folders["rec"], folders["cal"]], out=tmp_path / "all.html"
    )
    text = out.read_text(encoding="utf-8")
    for section in ("summary", "comparison", "recommendation", "calibration", "how-sure"):
        assert f'<section id="{section}">' in text, section
    rec = text.split('<section id="recommendation">')[1].split("</section>")[0]
    assert "Hour-by-hour staffing plan" in rec and "Runner-ups" in rec and "Robustness" in rec
    assert "table class='rec-kpis'" in rec
    # The targets in words; the recommender's codes only in the footnote.
    assert "at least 90% of arrivals served within 20 min over the day" in rec
    assert "C4+Q" not in rec.split("<p>")[1] and "class='note'>Codes as in" in rec
    assert "day service_level &gt;= 0.9" in rec.split("Codes as in")[1]
    kpi_table = rec.split("table class='rec-kpis'")[1].split("</table>")[0]
    assert "service_level &gt;=" not in kpi_table  # the Target column in words too
    assert rec.count("<img") >= 2  # frontier (redrawn) and the recommender's comparison
    assert "alt='cost-service frontier'" in rec
    cal = text.split('<section id="calibration">')[1].split("</section>")[0]
    assert "Fitted parameters" in cal and "Service time: standard (proficient)" in cal
    assert "validation checks on held-out history consistent" in cal
    assert "No row was excluded." in cal and cal.count("<img") == 4
    summary = text.split('<section id="summary">')[1].split("</section>")[0]
    # recommendation (the headline's truth), runs, calibration, and how they relate
    assert summary.count("<p class='summary'>") == 4
    paragraphs = summary.split("<p class='summary'>")[1:]
    assert paragraphs[0].startswith("Recommended: ")
    assert paragraphs[1].startswith("Among the runs compared: ")
    assert "separate studies" in paragraphs[3] and "seed" in paragraphs[3]
    assert "Cost per open day" in summary and "CNY 3,480" in summary
    h1 = text.split("<h1>")[1].split("</h1>")[0]
    assert h1.startswith("Recommended: ") and "meets every target" in h1


def test_recommendation_or_calibration_alone(folders: dict[str, Path], tmp_path: Path) -> None:
    out = report.build_report(folders["rec"], out=tmp_path / "rec.html")
    text = out.read_text(encoding="utf-8")
    h1 = text.split("<h1>")[1].split("</h1>")[0]
    assert "with an hour-by-hour staffing plan, meets every target at CNY" in h1
    assert "+" not in h1  # no option code in the headline
    assert '<section id="comparison">' not in text
    out = report.build_report(folders["cal"], out=tmp_path / "cal.html", lang="zh")
    zh = out.read_text(encoding="utf-8")
    if style.find_cjk_font() is None:  # documented fallback: English without a CJK font
        assert "校准" not in zh and '<section id="calibration">' in zh and "Calibration" in zh
    else:
        assert "校准" in zh


@pytest.mark.skipif(style.find_cjk_font() is None, reason="no CJK font installed")
def test_chinese_report_of_all_folders_reads_in_chinese(
    folders: dict[str, Path], tmp_path: Path
) -> None:
    """No Latin word in the Chinese report of a run, a recommendation and a calibration
    together but names and codes of the folders (the check of test_report_zh_text)."""
    import yaml

    from tests.present.test_report_zh_text import (
        ACCEPTED,
        TARGET_CODES,
        _latin_words,
        _rec_allowed,
        _run_allowed,
    )

    run_allowed, run_literal = _run_allowed(folders["run"])
    rec_allowed, rec_literal = _rec_allowed(folders["rec"])
    cal = folders["cal"]
    scn = next(cal.parent.joinpath("scn").glob("*.yaml"))
    cal_cfg = yaml.safe_load(scn.read_text(encoding="utf-8"))
    families = set((cal_cfg.get("catalogue") or {}).get("families") or {})
    cal_allowed = {"small", "SYN", "Bonferroni", "Kaplan", "Meier"} | families
    option_letters = {"C", "Q", "L"}  # C4+Q1 L50: the option codes in the footnotes
    allowed = ACCEPTED | TARGET_CODES | run_allowed | rec_allowed | cal_allowed | option_letters
    out = report.build_report(
        [folders["run"], folders["rec"], cal], out=tmp_path / "zh.html", lang="zh"
    )
    assert _latin_words(out, allowed, run_literal | rec_literal | {str(cal)}) == []
    # the calibration's figures redrawn in Chinese from its tables, not its PNGs
    html = out.read_text(encoding="utf-8")
    for stem in ("fig_arrival_profiles", "fig_service_qq", "fig_patience_km", "fig_validation"):
        shown = re.search(rf"base64,([^']+)' alt='{stem}'", html)
        assert shown and base64.b64decode(shown[1]) != (cal / f"{stem}.png").read_bytes(), stem


def test_validation_setup_read_from_summary(folders: dict[str, Path]) -> None:
    """The report reads how the validation was run from the sentence summary.md says it in."""
    from simulator.present.report.calibration import _VALIDATION_RUN

    run = _VALIDATION_RUN.search((folders["cal"] / "summary.md").read_text(encoding="utf-8"))
    assert run is not None
    assert run.groupdict() == {
        "replications": "4",
        "days": "14",
        "start": "2025-04-14",
        "alpha": "0.05",
    }


def test_run_cost_is_the_recommenders(folders: dict[str, Path]) -> None:
    """The report prices a run with the recommender's cost function: the reference
    run costs what the recommender reports for the current layout."""
    run = read_folder(folders["run"]).runs[0]
    cost = report.option_cost(run)
    assert cost is not None
    rec = read_folder(folders["rec"]).recommendations[0]
    assert math.isclose(cost[0], rec.summary["stats"]["baseline_cost_per_day"])
    assert set(cost[1]) == {"staff", "training", "windows"}
    run.config.pop("cost")
    run.derived.clear()  # the cost is cached on the RunData it belongs to
    assert report.option_cost(run) is None


def test_wait_grid_overlays_runs(folders: dict[str, Path], tmp_path: Path) -> None:
    """Run folders keep a small per-replication ECDF grid; the report overlays options
    from it."""
    run = folders["run"]
    grid = run / "wait_ecdf.csv"
    assert grid.is_file() and grid.stat().st_size < 20_000
    other = tmp_path / "other"
    shutil.copytree(run, other)
    (other / "wait_ecdf.png").unlink()
    cmp = report.compare([run, other])
    assert all(r.wait_grid is not None and r.visits is None for r in cmp.runs)
    captions = " ".join(report.charts_html(cmp, "en"))
    assert "Share of served residents who waited at most a given time (" in captions
    assert "as charted by svcsim for this run" not in captions
