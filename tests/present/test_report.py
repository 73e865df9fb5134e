"""svcsim-report: folder readers, statistics, HTML structure, provenance and the CLI.

Run folders are made by the real ``svcsim`` app (two runs of the reference centre that
differ only in layout, so they share common random numbers); sweep and odd folders are
assembled from copies of them.
"""

from __future__ import annotations

import base64
import json
import math
import shutil
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest

from simulator.present import report, style
from simulator.present.provenance import (
    lookup,
    override_items,
    override_keys,
    provenance_rows,
    short_value,
)
from simulator.present.readers import (
    ReportError,
    UnknownFolderError,
    option_codes,
    option_label,
    read_folder,
)
from tests.conftest import svcsim

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _svcsim(out: Path, *args: str) -> None:
    svcsim(*args, "replications=4", f"hydra.run.dir={out}", cwd=out.parent)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("runs")
    ref, six = root / "ref", root / "six"
    _svcsim(ref)
    _svcsim(six, "layout=six_comprehensive")
    return ref, six


class _Doc(HTMLParser):
    """Collects what the structure tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.sections: list[str] = []
        self.classes: dict[str, str] = {}
        self._stack: list[tuple[str, str]] = []
        self.text_by_section: dict[str, str] = {}
        self.summary = ""
        self._in_summary = False
        self._section = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.append(tag)
        if tag == "img":
            self.images.append(a.get("src", ""))
        for key in ("href", "src"):
            if key in a and tag != "img":
                self.links.append(a[key])
        if tag == "section":
            self._section = a.get("id", "")
            self.sections.append(self._section)
        if tag == "p" and "summary" in a.get("class", "").split():
            self._in_summary = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            self._in_summary = False

    def handle_data(self, data: str) -> None:
        if self._in_summary:
            self.summary += data
        if self._section:
            self.text_by_section[self._section] = self.text_by_section.get(self._section, "") + data


def _parse(path: Path) -> tuple[str, _Doc]:
    text = path.read_text(encoding="utf-8")
    doc = _Doc()
    doc.feed(text)
    return text, doc


# --------------------------------------------------------------------------- readers


def test_run_folder_is_read(runs: tuple[Path, Path]) -> None:
    ref, six = runs
    content = read_folder(six)
    assert content.kind == "run"
    run = content.runs[0]
    assert run.label == "6 comprehensive windows"  # plain words, not the override
    assert run.n_replications == 4 and run.seed == 20261128
    assert run.windows() == 6 and run.staff() == 7
    assert run.hourly is not None and "queue_mean" in run.hourly.columns
    assert "wait_ecdf" in run.images
    assert read_folder(ref).runs[0].label == "reference"


def test_sweep_folder_expands_into_runs(runs: tuple[Path, Path], tmp_path: Path) -> None:
    sweep = tmp_path / "sweep"
    for i, src in enumerate(runs):
        shutil.copytree(src, sweep / str(i))
    (sweep / "multirun.yaml").write_text("hydra: {}\n")
    content = read_folder(sweep)
    assert content.kind == "sweep"
    assert [r.label for r in content.runs] == ["reference", "6 comprehensive windows"]


def test_unknown_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "summary.csv").write_text("kpi,mean\n")
    with pytest.raises(UnknownFolderError) as err:
        read_folder(tmp_path)
    msg = str(err.value)
    assert "notes.txt" in msg and "summary.csv" in msg
    assert "run: summary.csv + replications.csv + manifest.json" in msg
    assert "sweep:" in msg
    with pytest.raises(ReportError, match="not a folder"):
        read_folder(tmp_path / "missing")


def test_option_labels_from_overrides() -> None:
    """Option names are plain words from the resolved config, never config syntax."""
    cfg = {"layout": {"windows": {"comprehensive": {"count": 5}, "quick_desk": {"count": 1}}}}
    assert option_label(
        ["layout.windows.comprehensive.count=5", "seed=3"], "reference", "x", cfg
    ) == ("5 comprehensive windows and 1 quick desk")
    six = {"layout": {"windows": {"comprehensive": {"count": 6}}}}
    assert option_label(["layout=six_comprehensive"], None, "x", six) == "6 comprehensive windows"
    assert option_label(["centre.daily_volume=1300"], None, "x", {}) == "daily volume 1300"
    assert option_label(["replications=30"], "busy", "x") == "busy"
    assert option_label(["replications=30"], "city_busy", "x") == "city busy"
    assert option_label([], None, "folder") == "folder"


def test_overrides_are_parsed_once_for_labels_and_keys() -> None:
    ovs = ["+layout=six", "~x.y=1", "seed=3", "hydra.run.dir=o", "noequals", "a.b.c=d=e"]
    assert override_items(ovs) == [("layout", "six"), ("x.y", "1"), ("a.b.c", "d=e")]
    assert override_keys(ovs) == ["layout", "x.y", "a.b.c"]
    assert option_label(ovs, None, "f") == "layout six; y 1; c d=e"
    assert option_codes(ovs) == "layout=six x.y=1 a.b.c=d=e"


def test_lookup_dotted_keys() -> None:
    cfg = {"a": {"b": {"c": 3}}, "x": 1}
    assert lookup(cfg, "a.b.c") == 3 and lookup(cfg, "a.b") == {"c": 3}
    assert lookup(cfg, "a.z") is None and lookup(cfg, "x.y") is None


# --------------------------------------------------------------------------- statistics


def test_paired_difference_under_common_random_numbers(runs: tuple[Path, Path]) -> None:
    cmp = report.compare(list(runs))
    base, six = cmp.runs
    assert report.common_random_numbers(six, base)
    assert base.replications is not None and six.replications is not None
    # Same residents in both runs: identical arrivals replication by replication.
    np.testing.assert_array_equal(
        base.replications["arrivals"].to_numpy(), six.replications["arrivals"].to_numpy()
    )
    d = report.difference(six, base, "wait_mean_min")
    diffs = six.replications["wait_mean_min"].to_numpy() - base.replications["wait_mean_min"]
    assert d.paired and d.n == 4
    assert math.isclose(d.mean, float(np.mean(diffs)))
    assert d.ci_low < d.mean < d.ci_high
    assert d.clear and d.mean < 0  # six comprehensive windows cut the wait


def test_different_seeds_use_welch(runs: tuple[Path, Path], tmp_path: Path) -> None:
    other = tmp_path / "other"
    shutil.copytree(runs[1], other)
    manifest = json.loads((other / "manifest.json").read_text())
    manifest["seed"] = 7
    (other / "manifest.json").write_text(json.dumps(manifest))
    cmp = report.compare([runs[0], other])
    assert not report.common_random_numbers(cmp.runs[1], cmp.runs[0])
    d = report.difference(cmp.runs[1], cmp.runs[0], "wait_mean_min")
    assert not d.paired and math.isfinite(d.ci_low)


def test_labels_and_duplicates(runs: tuple[Path, Path]) -> None:
    cmp = report.compare([runs[0], runs[0]])
    assert cmp.runs[0].label != cmp.runs[1].label
    cmp = report.compare(list(runs), labels=["five windows", "six windows"])
    assert [r.label for r in cmp.runs] == ["five windows", "six windows"]
    with pytest.raises(ReportError, match="labels"):
        report.compare(list(runs), labels=["one"])
    with pytest.raises(ReportError, match="no result folder"):
        report.compare([])


def test_option_names_leave_out_what_every_option_shares(
    runs: tuple[Path, Path], tmp_path: Path
) -> None:
    """A sweep with ``calendar.days=2`` on every job: the names say only what differs
    ("6 comprehensive windows", not "...; days 2"), the shared setting is said once."""
    import yaml

    folders = []
    for src in runs:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        ov = dst / ".hydra" / "overrides.yaml"
        old = yaml.safe_load(ov.read_text()) or []
        ov.write_text(yaml.safe_dump([*old, "calendar.days=2"]))
        folders.append(dst)
    cmp = report.compare(folders)
    assert [r.label for r in cmp.runs] == ["reference", "6 comprehensive windows"]
    assert cmp.common == ["days 2"]
    text = report.build_report(folders, out=tmp_path / "r.html").read_text(encoding="utf-8")
    section = text.split('<section id="comparison">')[1].split("</section>")[0]
    assert "Same for every option (left out of the option names): days 2." in section
    assert "windows; days 2" not in text
    zh = report.compare(folders, lang="zh")
    assert zh.runs[1].label == "6个综合窗口" and zh.common == ["模拟天数：2"]
    # Asked-for labels are kept as they are.
    named = report.compare(folders, labels=["a; days 2", "b; days 2"])
    assert [r.label for r in named.runs] == ["a; days 2", "b; days 2"] and not named.common


# --------------------------------------------------------------------------- HTML


def test_comparison_report_structure(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = report.build_report(list(runs), out=tmp_path / "r.html")
    text, doc = _parse(out)
    assert text.startswith("<!DOCTYPE html>")
    for section in ("summary", "comparison", "charts", "how-sure", "assumptions"):
        assert section in doc.sections
    # Summary: which option, how much better, how sure, at what staff.
    s = doc.summary
    assert "6 comprehensive windows" in s and "shortest mean wait" in s
    assert "layout=" not in s and "layout=" not in text.split("<h1>")[1].split("</h1>")[0]
    assert "of arrivals within 20 min" in s  # the service level says its denominator
    assert "95% CI" in s and "common random numbers" in s
    assert "6 windows and 7 staff" in s and "5 windows and 7 staff" in s
    # Title states the finding.
    assert (
        "6 comprehensive windows cut the mean wait from" in text.split("<h1>")[1].split("</h1>")[0]
    )
    # The override that made the option is kept, in the footnote of the folders read.
    assert "6 comprehensive windows = layout=six_comprehensive" in doc.text_by_section["sources"]
    # Comparison table with both options and the KPIs.
    table = text.split("<table class='comparison'>")[1].split("</table>")[0]
    assert table.count("<tr>") >= 10
    assert "reference" in table and "6 comprehensive windows" in table and "Mean wait" in table
    # Every image embedded as a PNG; nothing fetched from the network, no script.
    assert len(doc.images) >= 4
    for src in doc.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == PNG_MAGIC
    assert "script" not in doc.tags and "link" not in doc.tags
    assert not any(u.startswith(("http:", "https:", "//")) for u in doc.links)
    assert "url(" not in text
    # How sure: replications, CI method, common random numbers.
    sure = doc.text_by_section["how-sure"]
    assert "4 independent replications" in sure and "Student t" in sure
    assert "Common random numbers" in sure and "paired" in sure
    # Assumptions: published and assumed inputs listed, the option marked.
    assume = text.split('<section id="assumptions">')[1].split("</section>")[0]
    assert "<code class='key'>catalogue.items_file</code>" in assume
    assert "<code class='key'>centre.daily_volume</code>" in assume
    assert '{"' not in assume and "{&quot;" not in assume  # values in words, never JSON
    assert "lunch open share: 0.5" in assume
    assert "badge published" in assume and "badge assumed" in assume
    assert "badge option" in assume  # layout differs between the options
    row = assume.split("<code class='key'>centre.daily_volume</code>")[1].split("</tr>")[0]
    assert "badge assumed" in row and ">200<" in row


@pytest.fixture(scope="module")
def single_report(
    runs: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """(folder, report): the report of one run folder (a copy of the reference run),
    written where it goes by default."""
    folder = tmp_path_factory.mktemp("single") / "copy"
    shutil.copytree(runs[0], folder)
    return folder, report.build_report([folder])


def test_single_run_report(single_report: tuple[Path, Path]) -> None:
    text, doc = _parse(single_report[1])
    assert "residents wait" in doc.summary and "5 windows and 7 staff" in doc.summary
    assert "based on 4 replications of 5 simulated days" in doc.summary
    assert len(doc.images) >= 3
    assert "badge option" not in text


def test_one_replication_says_no_interval(runs: tuple[Path, Path], tmp_path: Path) -> None:
    """A run of one replication: 'one replication: no interval', never NaN or n/a."""
    from simulator import load_scenario, simulate
    from simulator.cli.run import write_outputs

    folder = tmp_path / "one"
    res = simulate(load_scenario("reference", overrides=["calendar.days=2"]), replications=1)
    write_outputs(res, folder, charts=False)
    out = report.build_report(folder, out=tmp_path / "one.html")
    text, doc = _parse(out)
    assert "(one replication: no interval)" in doc.summary
    words = " ".join(doc.text_by_section.values()).lower()
    assert "nan" not in words.split() and " nan " not in words and "n/a" not in doc.summary
    table = text.split("<table class='comparison'>")[1].split("</table>")[0]
    assert "one replication: no interval" in table
    assert "no confidence interval can be computed" in doc.text_by_section["how-sure"]


def test_every_injected_string_is_escaped(runs: tuple[Path, Path], tmp_path: Path) -> None:
    """Option names reach the title, summary, table, captions and footnotes: the template
    and the section builders escape them everywhere (no tag, no attribute break-out)."""
    evil = "<script>alert(1)</script> & 'quoted' \"x\""
    out = report.build_report(list(runs), out=tmp_path / "e.html", labels=[evil, "B<b>"])
    text = out.read_text(encoding="utf-8")
    assert "<script" not in text and "<b>" not in text
    h1 = text.split("<h1>")[1].split("</h1>")[0]
    assert "&lt;script&gt;" in h1 or "&lt;b&gt;" in h1
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in text
    _parse(out)  # still well-formed for the parser


def test_default_output_in_first_folder(single_report: tuple[Path, Path]) -> None:
    folder, out = single_report
    assert out == folder / "report.html"
    assert out.stat().st_size > 50_000


def test_visits_give_a_combined_wait_ecdf(runs: tuple[Path, Path], tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    folders = []
    for i, src in enumerate(runs):
        dst = tmp_path / f"v{i}"
        shutil.copytree(src, dst)
        n = 400
        import pandas as pd

        pd.DataFrame(
            {
                "replication": np.repeat(np.arange(4), n // 4),
                "outcome": "served",
                "wait_min": rng.exponential(8.0 / (i + 1), n),
            }
        ).to_csv(dst / "visits.csv", index=False)
        folders.append(dst)
    cmp = report.compare(folders)
    figures = report.charts_html(cmp, "en")
    captions = " ".join(figures)
    assert "Share of served residents who waited at most a given time (" in captions
    assert "as charted by svcsim for this run" not in captions


@pytest.mark.skipif(style.find_cjk_font() is None, reason="no CJK font installed")
def test_chinese_report(runs: tuple[Path, Path], tmp_path: Path) -> None:
    out = report.build_report(list(runs), out=tmp_path / "zh.html", lang="zh")
    text, doc = _parse(out)
    assert '<html lang="zh-CN">' in text
    assert "平均等候时间最短" in doc.summary
    assert "公开数据" in text and "假设" in text


def test_chinese_falls_back_to_english_without_font(
    runs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(style, "find_cjk_font", lambda: None)
    with pytest.warns(style.CJKFontWarning):
        out = report.build_report(list(runs), out=tmp_path / "fallback.html", lang="zh")
    text, doc = _parse(out)
    assert '<html lang="en">' in text and "shortest mean wait" in doc.summary


def test_bad_language(runs: tuple[Path, Path], tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lang"):
        report.build_report(runs[0], out=tmp_path / "x.html", lang="fr")


# --------------------------------------------------------------------------- provenance


def test_provenance_rows_calibrated_and_declared() -> None:
    cfg = {
        "centre": {"daily_volume": 180, "counters": 10},
        "catalogue": {"items_file": "x.csv", "families": {"quick": {"share": 1.0}}},
        "demand": {"busyness_cv": 0.1},
        "layout": {"windows": {"c": {"count": 4}}},
        "provenance": {"centre.counters": "published"},
    }
    rows = {r.key: r for r in provenance_rows(cfg, calibrated=True)}
    assert rows["centre.daily_volume"].status == "calibrated"
    assert rows["demand.busyness_cv"].status == "calibrated"
    assert rows["catalogue.items_file"].status == "published"
    assert rows["centre.counters"].status == "published"  # declared by the scenario
    assert rows["layout"].status == "assumed"
    rows = {r.key: r for r in provenance_rows(cfg, option_keys=["layout.windows.c.count"])}
    assert rows["layout"].status == "option"
    assert rows["centre.daily_volume"].status == "assumed"
    extra = provenance_rows(cfg, option_keys=["foo.bar"])
    assert extra[-1].key == "foo.bar" and extra[-1].status == "option"


def test_provenance_values_in_chinese() -> None:
    """Keys and words of the model in Chinese, names from the config as written."""
    plan = {"mode": "auto", "lunch_open_share": 0.5, "min_open": 2}
    assert short_value(plan) == "mode: auto; lunch open share: 0.5; min open: 2"
    assert short_value(plan, lang="zh") == "方式：自动；午间开放比例：0.5；最少开放窗口数：2"
    reneging = {"enabled": True, "patience": {"dist": "lognormal", "median": 60.0}}
    assert short_value(reneging) == "enabled: yes; patience: (dist: lognormal, median: 60.0)"
    assert (
        short_value(reneging, lang="zh") == "启用：是；耐心：（分布：对数正态分布，中位数：60.0）"
    )
    staff = {"all_round": {"count": 3, "level": "proficient"}}
    assert short_value(staff, lang="zh") == "all_round：（数量：3，熟练程度：熟练）"
    hours = {"weekday": {"open": "08:30"}}
    assert short_value(hours, lang="zh") == "工作日：（开门：08:30）"
    rows = {r.key: r.value for r in provenance_rows({"staffing": {"plan": plan}}, "zh")}
    assert rows["staffing.plan"] == short_value(plan, lang="zh")


# --------------------------------------------------------------------------- CLI


def _report_cli(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run the ``svcsim-report`` console script in-process; its exit code."""

    from simulator.cli.report import main

    monkeypatch.setattr(sys, "argv", ["svcsim-report", *argv])
    with pytest.raises(SystemExit) as done:
        main()
    return int(done.value.code or 0)


def test_cli(
    runs: tuple[Path, Path],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "cli.html"
    folders = f"folders=[{runs[0]},{runs[1]}]"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        code = _report_cli(
            [folders, f"out={out}", "lang=en", "labels=[now,'six windows']"], monkeypatch
        )
    assert code == 0, capsys.readouterr().err
    assert out.exists() and "Report written to" in capsys.readouterr().out
    assert "six windows" in out.read_text(encoding="utf-8")
    # a report writes its file and nothing else (no Hydra run folder, no log)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cli.html"]
    bad = tmp_path / "bad"
    bad.mkdir()
    assert _report_cli([f"folders={bad}", f"out={tmp_path / 'no.html'}"], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "not a result folder" in err and not (tmp_path / "no.html").exists()
    assert _report_cli([f"folders={runs[0]}", "lang=fr", "+colour=red"], monkeypatch) == 2
    err = capsys.readouterr().err
    assert "lang: expected one of ['en', 'zh'], got 'fr'" in err and "colour: unknown key" in err
    assert "Traceback" not in err
    assert _report_cli([], monkeypatch) == 2
    assert "folders: missing" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (["a", "b", "-o", "x.html"], "svcsim-report 'folders=[a,b]' out=x.html"),
        (["a", "--lang", "zh"], "svcsim-report folders=a lang=zh"),
        (
            ["a", "report.lang=zh", "report.out=r.html"],
            "svcsim-report folders=a lang=zh out=r.html",
        ),
        (["a", "b", "--label", "5 windows", "--label=b"], """labels=["5 windows",b]'"""),
    ],
)
def test_cli_former_options_refused_with_the_new_form(
    old: list[str], new: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _report_cli(old, monkeypatch) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.rstrip().endswith(new) or new in err, err
