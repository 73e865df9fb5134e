"""Bad inputs across every command and the Python API: each is one clear error.

Every case asserts the exit code (2) or the exception type, that no traceback is shown,
and that the message names the config key, file or argument at fault. Commands run
in-process through their ``main`` functions (faithful: the same Hydra app and argument
parser, a fraction of the time of a subprocess); ``test_interrupt.py`` runs real
processes for the signals.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from simulator import load_scenario, scenario_from_config, simulate
from simulator.config.compose import compose_config
from simulator.config.scenario import Scenario
from simulator.errors import ConfigError

# ---------------------------------------------------------------------------------------
# The API: scenario validation (the path every command takes).


@pytest.fixture(scope="module")
def reference_cfg() -> dict[str, Any]:
    return compose_config("reference")


#: (override, text the message must contain). Each is applied with Hydra to the
#: reference scenario; each must give a ConfigError naming the key.
SCENARIO_CASES = [
    ("layout.windows.comprehensive.count=1e9", "layout.windows.comprehensive.count"),
    ("layout.windows.comprehensive.count=five", "layout.windows.comprehensive.count"),
    ("layout.windows.comprehensive.count=-1", "layout.windows.comprehensive.count"),
    ("staffing.staff.all_round.count=1e9", "staffing.staff.all_round.count"),
    ("calendar.days=1000000", "calendar.days"),
    ("calendar.days=400", "holiday data cover"),
    ("calendar.start_date=1999-01-04", "holiday data cover"),
    ("calendar.start_date=2026-02-30", "calendar.start_date"),
    ("calendar.days=0", "calendar.days"),
    ("+centre.bogus=5", "centre.bogus"),
    ("+layout.windows.comprehensive.cuont=5", "did you mean 'count'"),
    ("+replicatons=5", "did you mean 'replications'"),
    ("catalogue.families.quick.share=4.7", "shares must sum to 1"),
    ("layout.windows.quick_desk.families=[]", "layout.windows.quick_desk.families"),
    ("layout.windows.quick_desk.families=quick", "layout.windows.quick_desk.families"),
    ("centre.name={a: 1}", "centre.name"),
    ("layout.windows.comprehensive.kind=[1]", "layout.windows.comprehensive.kind"),
    ("layout.policy=fastest", "layout.policy"),
    ("staffing.plan.mode=magic", "staffing.plan.mode"),
    ("replications=0", "replications"),
    ("replications=1e9", "replications"),
    ("seed=-1", "seed"),
    ("workers=abc", "workers"),
    ("impatience.balking.probability=2", "impatience.balking.probability"),
    ("calendar.hours.weekday.open=25:00", "calendar.hours.weekday.open"),
    ("demand.weekday_factors=[1,2]", "demand.weekday_factors"),
    ("catalogue.items_file=/nonexistent/items.csv", "catalogue.items_file"),
    ("centre.id='=cmd|calc'", "centre.id"),
    ("centre.counters=2", "centre.counters"),
]


@pytest.mark.parametrize(("override", "named"), SCENARIO_CASES, ids=[c[0] for c in SCENARIO_CASES])
def test_bad_scenario_value_is_one_named_error(
    reference_cfg: dict[str, Any], override: str, named: str
) -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("reference", [override])
    text = str(err.value)
    assert named in text, text
    assert "Traceback" not in text


def test_one_root_cause_gives_one_message() -> None:
    # A count that is not a number used to be followed by lines about unservable families.
    with pytest.raises(ConfigError) as err:
        load_scenario("reference", ["layout.windows.comprehensive.count=five"])
    assert len(err.value.problems) == 1, err.value.problems


def test_too_many_days_is_one_message_and_nothing_is_built() -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("validation/mmc", ["calendar.days=1e9"])
    assert len(err.value.problems) == 1 and "calendar.days" in err.value.problems[0]


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        load_scenario("reference", ["replications=0", "+centre.bogus=5", "layout.policy=x"])
    keys = [p.split(":")[0] for p in err.value.problems]
    assert {"replications", "centre.bogus", "layout.policy"} <= set(keys)


def _with_items(cfg: dict[str, Any], path: Path) -> dict[str, Any]:
    out = copy.deepcopy(cfg)
    out["catalogue"]["items_file"] = str(path)
    out["back_office"] = {"enabled": False}
    return out


HEADER = "item_id,name_en,name_zh,bureau,family,weight,source,cross_province,back_office\n"
ROWS = "".join(
    f"{f}_1,{f} item,,civil_affairs,{f},1,generated,False,False\n"
    for f in ("quick", "standard", "complex", "cross_province", "consultation")
)
ITEMS_CASES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "the file is empty"),
    ("header only", HEADER.encode(), "header but no items"),
    ("not text", b"\xff\xfe\x00\x81\xff" * 10, "not a text file in UTF-8 or GB18030"),
    ("missing column", b"item_id,family\nq1,quick\n", "missing columns"),
    (
        "NaN weight",
        (
            HEADER
            + ROWS.replace(
                "quick_1,quick item,,civil_affairs,quick,1",
                "quick_1,quick item,,civil_affairs,quick,nan",
            )
        ).encode(),
        "weight must be a finite number",
    ),
    (
        "formula family",
        (HEADER + ROWS + "x1,x,,civil_affairs,=SUM(1+1),1,g,False,False\n").encode(),
        "'=SUM(1+1)' starts with '='",
    ),
    (
        "family without items",
        (
            HEADER + "".join(r + "\n" for r in ROWS.splitlines() if not r.startswith("complex"))
        ).encode(),
        "catalogue.families.complex.share",
    ),
]


@pytest.mark.parametrize(("case", "content", "named"), ITEMS_CASES, ids=[c[0] for c in ITEMS_CASES])
def test_bad_items_file_is_one_named_error(
    reference_cfg: dict[str, Any], tmp_path: Path, case: str, content: bytes, named: str
) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as err:
        scenario_from_config(_with_items(reference_cfg, path))
    text = str(err.value)
    assert named in text, text
    assert "catalogue" in text
    # no follow-on errors from the same root cause (weights, bureaus, coverage)
    assert "sum to zero" not in text and "unknown bureau" not in text
    assert "has demand but no open window" not in text


def test_items_file_in_gb18030_is_read(reference_cfg: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_bytes((HEADER + ROWS.replace("quick item,", "quick 户籍,")).encode("gb18030"))
    scn = scenario_from_config(_with_items(reference_cfg, path))
    assert any(it.name == "quick 户籍" for it in scn.items)


API_CASES: list[tuple[str, Callable[[], Any], type[Exception], str]] = [
    ("name 123", lambda: load_scenario(123), TypeError, "name"),  # type: ignore[arg-type]
    ("override 5", lambda: load_scenario("reference", [5]), TypeError, "overrides"),  # type: ignore[list-item]
    ("bare string", lambda: load_scenario("reference", "replications=2"), TypeError, "overrides"),
    ("unknown name", lambda: load_scenario("no_such_scenario"), ConfigError, "no_such_scenario"),
    ("simulate None", lambda: simulate(None), TypeError, "scenario"),  # type: ignore[arg-type]
    ("cfg list", lambda: scenario_from_config([1]), TypeError, "cfg"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("case", "call", "exc", "named"), API_CASES, ids=[c[0] for c in API_CASES])
def test_bad_api_argument_names_the_parameter(
    case: str, call: Callable[[], Any], exc: type[Exception], named: str
) -> None:
    with pytest.raises(exc) as err:
        call()
    assert named in str(err.value)


@pytest.fixture(scope="module")
def mmc_one_replication() -> Scenario:
    """A valid scenario (frozen, so the cases can share it)."""
    return load_scenario("validation/mmc", ["replications=1"])


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"workers": "a"}, "workers"),
        ({"replications": 2.7}, "replications"),
        ({"workers": True}, "workers"),
        ({"workers": 0}, "workers"),
        ({"seed": -1}, "seed"),
    ],
)
def test_bad_simulate_argument_names_the_parameter(
    mmc_one_replication: Scenario, kwargs: dict[str, Any], named: str
) -> None:
    with pytest.raises((TypeError, ValueError)) as err:
        simulate(mmc_one_replication, **kwargs)
    assert named in str(err.value)


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("defaults:\n  - reference\n  - _self_\ncentre:\n  id: [1\n", "line 6"),
        (
            "defaults:\n  - reference\n  - _self_\nx: !!python/object/apply:os.system [echo]\n",
            "!!python/object/apply:os.system",
        ),
    ],
    ids=["syntax error", "python tag"],
)
def test_yaml_error_names_file_and_line(tmp_path: Path, text: str, named: str) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_scenario(str(path))
    assert str(path) in str(err.value) and named in str(err.value)


# ---------------------------------------------------------------------------------------
# The commands, in-process.


def run_main(
    main: Callable[[], Any],
    argv: list[str],
    prog: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str]:
    """Run a console-script main with ``argv``; (exit code, stderr + stdout)."""
    monkeypatch.setattr(sys, "argv", [prog, *argv])
    try:
        code = main()
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return int(code or 0), out.err + out.out


def _svcsim() -> Any:
    from simulator.cli.run import main

    return main()


def _city() -> Any:
    from simulator.cli.city import main

    return main()


def _calibrate() -> Any:
    from calibration.cli import main

    return main()


def _recommend() -> Any:
    from simulator.cli.recommend import main

    return main()


def _report() -> Any:
    from simulator.cli.report import main

    return main()


COMMANDS = {
    "svcsim": _svcsim,
    "svcsim-city": _city,
    "svcsim-calibrate": _calibrate,
    "svcsim-recommend": _recommend,
    "svcsim-report": _report,
}

#: (command, arguments, text the message must contain). ``{tmp}`` is the test's folder.
CLI_CASES = [
    ("svcsim", ["layout.windows.comprehensive.count=five"], "layout.windows.comprehensive.count"),
    ("svcsim", ["centre.bogus=5"], "centre.bogus"),  # Hydra's own error, exit 2
    ("svcsim", ["+centre.bogus=5"], "centre.bogus"),
    ("svcsim", ["calendar.start_date=1999-01-04"], "holiday data cover"),
    ("svcsim", ["--config-name", "no_such_scenario"], "no_such_scenario"),
    ("svcsim-city", ["unit=bogus"], "unit"),
    ("svcsim-city", ["city.centres_file=/nonexistent/centres.csv"], "city.centres_file"),
    ("svcsim-city", ["workers=0", "+bogus=1"], "bogus"),
    ("svcsim-city", ["calendar.days=1000000"], "holiday data cover"),
    ("svcsim-recommend", ["workers=0"], "workers"),
    ("svcsim-recommend", ["seed=x"], "seed"),
    ("svcsim-recommend", ["trust_cache=maybe"], "trust_cache"),
    ("svcsim-recommend", ["dask_address=''"], "dask_address"),
    ("svcsim-recommend", ["--workers", "2"], "svcsim-recommend workers=2"),
    ("svcsim-recommend", ["-c", "busy", "--no-charts"], "--config-name busy charts=false"),
    ("svcsim-recommend", ["--multirun", "recommend=quick,default"], "one recommendation"),
    ("svcsim-recommend", ["--config-name", "validation/mmc"], "recommend.space.windows"),
    ("svcsim-recommend", ["recommend.procedure.n0=abc"], "recommend.procedure.n0"),
    ("svcsim-recommend", ["+recommend.bogus=1"], "recommend.bogus"),
    ("svcsim-recommend", ["recommend=nope"], "nope"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "bin_minutes=7"], "bin_minutes"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "start=2025-13-45"], "start"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "holdout_days=-3"], "holdout_days"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "name=../../x"], "name"),
    ("svcsim-calibrate", ["tickets=[{tmp}/missing.csv]"], "file not found"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "+bogus=1"], "bogus"),
    ("svcsim-calibrate", ["tickets=[{tmp}/t.csv]", "encoding=klingon"], "encoding"),
    ("svcsim-report", ["folders={tmp}/nonexistent"], "nonexistent"),
    ("svcsim-report", ["folders={tmp}", "out={tmp}/t.csv/report.html"], "t.csv"),
    ("svcsim-report", ["{tmp}", "-o", "x.html"], "svcsim-report folders="),
    ("svcsim-report", ["folders={tmp}", "lang=fr"], "lang"),
]


@pytest.mark.parametrize(
    ("prog", "args", "named"), CLI_CASES, ids=[f"{c[0]} {' '.join(c[1])}" for c in CLI_CASES]
)
def test_command_bad_input_exits_2_naming_the_key(
    prog: str,
    args: list[str],
    named: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.csv").write_text("centre_id\nA\n")
    argv = [a.replace("{tmp}", str(tmp_path)) for a in args]
    if prog in ("svcsim", "svcsim-city"):
        argv.append(f"hydra.run.dir={tmp_path / 'run'}")
    if prog == "svcsim-recommend":
        argv += [f"out={tmp_path / 'rec'}", "progress=false"]
    code, text = run_main(COMMANDS[prog], argv, prog, monkeypatch, capsys)
    assert code == 2, text
    assert "Traceback" not in text
    assert named in text, text
    # nothing half-written by a command that refused its input
    assert not (tmp_path / "rec" / "evaluations.jsonl").exists()


def test_city_bad_input_lists_every_problem_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = [
        "replications=0",
        "calendar.start_date=2026-13-01",
        "+bogus=1",
        f"hydra.run.dir={tmp_path / 'run'}",
    ]
    code, text = run_main(_city, argv, "svcsim-city", monkeypatch, capsys)
    assert code == 2, text
    assert "Traceback" not in text
    assert "invalid city config: 3 problem(s)" in text, text
    for key in ("replications: must be >= 1", "calendar.start_date: expected a date", "bogus:"):
        assert f"  - {key}" in text, text


def test_failed_run_leaves_a_manifest_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    run = tmp_path / "run"
    argv = ["replications=0", f"hydra.run.dir={run}"]
    code, _ = run_main(_svcsim, argv, "svcsim", monkeypatch, capsys)
    assert code == 2
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "replications" in manifest["reason"]
    rec = tmp_path / "rec"
    argv = ["recommend=quick", "workers=0", f"out={rec}"]
    code, _ = run_main(_recommend, argv, "svcsim-recommend", monkeypatch, capsys)
    assert code == 2
    manifest = json.loads((rec / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "workers" in manifest["reason"]
    assert manifest["source"] == f"reference | {' '.join(argv)}"


def test_recommend_without_an_out_folder_is_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``out=null`` fails where Hydra resolves its run folder from it (``hydra.run.dir:
    ${out}``), before the command starts: still exit code 2 naming the key."""
    monkeypatch.chdir(tmp_path)
    code, text = run_main(_recommend, ["out=null"], "svcsim-recommend", monkeypatch, capsys)
    assert code == 2, text
    assert "svcsim-recommend:" in text and "${out}" in text and "hydra.run.dir" in text
    assert "Traceback" not in text
    assert not list(tmp_path.iterdir())
