"""svcsim-report shows the assumptions the recommendation's options rest on (the notes of
``recommendation.json``), in the report's language, and still renders folders of runs
that recorded none.

The folder is a real, small ``recommend`` output: the M/M/c centre with a by_block plan
(10 windows on weekdays, 5 at weekends and holidays), so its options' plans are read
from that plan and the recommender writes notes saying how.
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from simulator import load_scenario
from simulator.optimise.options import Note
from simulator.present import report, style
from simulator.present.readers import RecommendationData, read_recommendation
from simulator.present.report.recommendation import option_notes
from tests.conftest import QUICK_PROCEDURE, one_group_space

WEEK = 10080  # the M/M/c scenario's day types run one week, from minute 0
SPACE = one_group_space([8, 10])
PROC = QUICK_PROCEDURE


def _blocks(n: int) -> str:
    return f"[{{start: 0, end: {WEEK}, open: {{main: {n}}}}}]"


@pytest.fixture(scope="module")
def rec_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from simulator.optimise.recommend import recommend

    scn = load_scenario(
        "validation/mmc",
        [
            "warmup_min=120",
            "~staffing.plan",
            "+staffing.plan={mode: by_block}",
            f"+staffing.plan.blocks={{weekday: {_blocks(10)}, weekend: {_blocks(5)}, "
            f"holiday: {_blocks(5)}}}",
        ],
    )
    out = tmp_path_factory.mktemp("notes") / "rec"
    recommend(scn, out_dir=out, space=SPACE, procedure=PROC, seed=7, charts=False)
    return out


def _section_text(path: Path) -> str:
    """The recommendation section of a report as plain text (tags dropped)."""
    text = path.read_text(encoding="utf-8")
    section = text.split('<section id="recommendation">')[1].split("</section>")[0]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section)))


def _edited(src: Path, dst: Path, **changes: Any) -> Path:
    """A copy of the folder ``src`` with keys of recommendation.json set (None: removed)."""
    shutil.copytree(src, dst)
    path = dst / "recommendation.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            summary.pop(key, None)
        else:
            summary[key] = value
    path.write_text(json.dumps(summary), encoding="utf-8")
    return dst


def test_recommender_writes_the_notes_as_message_values(rec_dir: Path) -> None:
    """Each note one record: message key and values (for the report), English text."""
    summary = json.loads((rec_dir / "recommendation.json").read_text(encoding="utf-8"))
    assert [n["key"] for n in summary["notes"]] == ["weekend_share", "min_open"]
    assert all(list(n) == ["key", "values", "text"] for n in summary["notes"])
    assert summary["notes"][0]["text"].startswith("Each option's auto staffing plan opens 50%")
    assert "note_values" not in summary


def test_english_report_shows_the_notes(rec_dir: Path, tmp_path: Path) -> None:
    text = _section_text(report.build_report(rec_dir, out=tmp_path / "en.html"))
    assert "Assumptions behind the options tested" in text
    assert (
        "Weekends and holidays: 50% of each window group open, as in the current plan (the "
        "most windows open at once on those days, against weekdays: main windows 5 of 10)."
    ) in text
    assert (
        "at least 5 windows open (all of an option's windows if it has fewer), the fewest "
        "the current plan opens at once (on weekend days)."
    ) in text
    # Before the service table, so that the reader meets them with the recommendation.
    assert text.index("Assumptions behind") < text.index("Service with the recommended plan")


@pytest.mark.skipif(style.find_cjk_font() is None, reason="no CJK font installed")
def test_chinese_report_shows_the_notes_in_chinese(rec_dir: Path, tmp_path: Path) -> None:
    text = _section_text(report.build_report(rec_dir, out=tmp_path / "zh.html", lang="zh"))
    assert "所测方案的排班假设" in text
    assert "周末和节假日：每类窗口开放50%，与现行排班相同" in text
    assert "main窗口10个中5个" in text
    assert "至少开放5个窗口" in text and "（周末）" in text
    assert "staffing plan" not in text and "Weekends" not in text  # no English left


def test_folder_without_notes_still_renders(rec_dir: Path, tmp_path: Path) -> None:
    """A recommendation written before the notes were recorded: no notes, no heading."""
    old = _edited(rec_dir, tmp_path / "old", notes=None, note_values=None)
    assert read_recommendation(old).summary["notes"] == []
    for lang in ("en", "zh"):
        text = _section_text(report.build_report(old, out=tmp_path / f"{lang}.html", lang=lang))
        assert "Assumptions behind" not in text and "排班假设" not in text
        assert "Weekends and holidays" not in text


def test_notes_without_values_are_shown_as_written(rec_dir: Path, tmp_path: Path) -> None:
    """A recommendation with the English notes alone (texts, no message keys): shown as
    the recommender wrote them."""
    records = json.loads((rec_dir / "recommendation.json").read_text(encoding="utf-8"))["notes"]
    notes = [n["text"] for n in records]
    folder = _edited(rec_dir, tmp_path / "texts", notes=notes)
    text = _section_text(report.build_report(folder, out=tmp_path / "texts.html"))
    assert "Assumptions behind the options tested" in text
    assert all(note in text for note in notes)


def test_notes_written_apart_read_as_before(rec_dir: Path, tmp_path: Path) -> None:
    """A recommendation.json of an earlier version holds the English texts under
    ``notes`` and the same as message keys and values under ``note_values``, in the same
    order: read as the same records, and the report words them as the current file."""
    records = json.loads((rec_dir / "recommendation.json").read_text(encoding="utf-8"))["notes"]
    old = _edited(
        rec_dir,
        tmp_path / "apart",
        notes=[n["text"] for n in records],
        note_values=[{"key": n["key"], "values": n["values"]} for n in records],
    )
    read = read_recommendation(old)
    assert read.summary["notes"] == records and "note_values" not in read.summary
    current = read_recommendation(rec_dir)
    for lang in ("en", "zh"):
        assert option_notes(read, lang) == option_notes(current, lang)
    assert _section_text(report.build_report(old, out=tmp_path / "apart.html")) == (
        _section_text(report.build_report(rec_dir, out=tmp_path / "current.html"))
    )


def _with_notes(rec_dir: Path, *notes: Note) -> RecommendationData:
    """The recommendation of ``rec_dir`` with ``notes`` (as recommendation.json holds them)."""
    rec = read_recommendation(rec_dir)
    rec.summary = copy.deepcopy(rec.summary)
    rec.summary["notes"] = [n.as_dict() for n in notes]
    return rec


WEEKEND_KEY = "staffing.plan.weekend_open_share"


def test_every_kind_of_note_in_both_languages(rec_dir: Path) -> None:
    rec = _with_notes(
        rec_dir,
        Note(
            "weekend_default",
            dict(mode="explicit", share=1.0, key=WEEKEND_KEY),
            "(weekend default)",
        ),
        Note(
            "lunch_share",
            dict(
                mode="explicit", share=2 / 3, shares=[["main", 2 / 3], ["back", 0.5]], largest=True
            ),
            "(lunch)",
        ),
        Note("min_open", dict(mode="explicit", n=1, day_type="holiday"), "(min open)"),
        Note("a_later_kind", {}, "An unknown note."),
    )
    en = option_notes(rec, "en")
    assert en == [
        "Weekends and holidays: 100% of each window group open, the model's default "
        "(staffing.plan.weekend_open_share); the current plan has no weekend or holiday "
        "hours to read it from.",
        "Lunch break: 67% of each window group open, as in the current plan (the most "
        "windows open at once during lunch, against the whole day: main windows 67%, back "
        "windows 50%); the largest share of the groups is used, so that no group opens a "
        "smaller share than now.",
        "At any time the centre is open: at least one window open, the fewest the current "
        "plan opens at once (on holiday days).",
        "An unknown note.",  # a note this version has no message for: as written
    ]
    zh = option_notes(rec, "zh")
    assert zh[0].startswith("周末和节假日：每类窗口开放100%，为模型默认值")
    assert "午休时段：每类窗口开放67%" in zh[1] and "main窗口67%、back窗口50%" in zh[1]
    assert "取各类窗口中最大的比例" in zh[1]
    assert zh[2] == (
        "中心开放的任何时候：至少开放1个窗口，即现行排班同时开放的最少窗口数（节假日）。"
    )
    assert zh[3] == "An unknown note."


def test_notes_on_one_window_groups_in_both_languages(rec_dir: Path) -> None:
    """Groups with one window (open whatever the share) are named as not counted; a plan
    of such groups alone takes the defaults, and the notes say why."""
    lunch_key = "staffing.plan.lunch_open_share"
    rec = _with_notes(
        rec_dir,
        Note(
            "weekend_share",
            dict(
                mode="by_block", share=0.5, counts=[["main", 5, 10]], largest=False, single=["desk"]
            ),
            "(weekend)",
        ),
        Note(
            "weekend_default_single",
            dict(mode="by_block", share=1.0, key=WEEKEND_KEY, single=["main", "desk"]),
            "(weekend default)",
        ),
        Note(
            "lunch_default_single",
            dict(mode="by_block", share=0.5, key=lunch_key, single=["main"]),
            "(lunch default)",
        ),
    )
    en = option_notes(rec, "en")
    assert en == [
        "Weekends and holidays: 50% of each window group open, as in the current plan (the "
        "most windows open at once on those days, against weekdays: main windows 5 of 10); "
        "not counted: desk windows (one window, open whatever the share).",
        "Weekends and holidays: 100% of each window group open, the model's default "
        "(staffing.plan.weekend_open_share); the current plan opens one window of each group "
        "on weekdays (main windows, desk windows), which is open whatever the share, so it "
        "shows none.",
        "Lunch break: 50% of each window group open, the model's default "
        "(staffing.plan.lunch_open_share); the current plan opens one window of each group "
        "on days with a lunch break (main windows), which is open whatever the share, so it "
        "shows none.",
    ]
    zh = option_notes(rec, "zh")
    assert zh[0].endswith(
        "（这些日子同时开放的最多窗口数与工作日相比：main窗口10个中5个）；"
        "desk窗口只有一个，无论比例多少都开放，不计入。"
    )
    assert zh[1].startswith("周末和节假日：每类窗口开放100%，为模型默认值")
    assert "main窗口、desk窗口" in zh[1] and "无法据此推算比例" in zh[1]
    assert zh[2].startswith("午休时段：每类窗口开放50%，为模型默认值") and "（main窗口）" in zh[2]
