"""Scenario and data files stay data (docs/errors.md, "Scenario files are data").

1. A scenario file cannot run code: Hydra callbacks, launchers, logging handlers and
   ``_target_`` keys in a user YAML are refused with exit code 2, and the file they aim
   at is neither created nor emptied. The project's own sweep-table callback still works.
2. Nothing is written outside the output folder: unsafe names and centre ids are refused.
3. Values from data never become interpolations in a written scenario YAML.
4. Identifiers starting with ``= + - @`` are refused at input; example rows copied from
   data into reports are neutralised.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml
from omegaconf import OmegaConf

from simulator import load_scenario
from simulator.config import safety
from simulator.errors import ConfigError


def _user_yaml(folder: Path, name: str, body: str, base: str = "reference") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"defaults:\n  - {base}\n  - _self_\n" + body)
    return path


ATTACKS = {
    "callback": "hydra:\n  callbacks:\n    x:\n      _target_: builtins.open\n"
    "      _args_: ['{victim}', w]\n",
    "launcher": "hydra:\n  launcher:\n    _target_: builtins.print\n",
    "log handler": "hydra:\n  job_logging:\n    version: 1\n    handlers:\n      f:\n"
    "        class: logging.FileHandler\n        filename: '{victim}'\n        mode: w\n"
    "    root:\n      handlers: [f]\n",
    "log factory": "hydra:\n  hydra_logging:\n    version: 1\n    handlers:\n      f:\n"
    "        '()': builtins.open\n        file: '{victim}'\n        mode: w\n",
    "target in scenario": "centre:\n  name:\n    _target_: builtins.open\n"
    "    _args_: ['{victim}', w]\n",
    "env": "hydra:\n  job:\n    env_set:\n      LD_PRELOAD: '{victim}'\n",
}


def _run(main_module: str, argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    import importlib

    monkeypatch.setattr(sys, "argv", [main_module, *argv])
    main = importlib.import_module(main_module).main
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


#: Every attack on every command. The fast tier keeps every attack on ``svcsim`` and one
#: on each other command (the same screen refuses them all); the rest run in the slow tier.
COMMAND_ATTACKS = [
    pytest.param(
        command,
        attack,
        id=f"{command}-{attack}",
        marks=() if command == "simulator.cli.run" or attack == "callback" else pytest.mark.slow,
    )
    for command in ("simulator.cli.run", "simulator.cli.city", "simulator.cli.recommend")
    for attack in ATTACKS
]


@pytest.mark.parametrize(("command", "attack"), COMMAND_ATTACKS)
def test_user_yaml_cannot_run_code(
    attack: str,
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    created = tmp_path / "created.txt"
    base = "default" if command == "simulator.cli.city" else "reference"
    _user_yaml(tmp_path, "evil", ATTACKS[attack].format(victim=victim), base)
    _user_yaml(tmp_path, "evil_new", ATTACKS[attack].format(victim=created), base)
    for name in ("evil", "evil_new"):
        argv = ["--config-dir", str(tmp_path), "--config-name", name]
        argv.append(f"hydra.run.dir={tmp_path / 'run'}")
        if command == "simulator.cli.run":
            argv.append("charts=false")  # no chart process started for a refused config
        if command == "simulator.cli.recommend":
            argv.append(f"out={tmp_path / 'rec'}")
        code = _run(command, argv, monkeypatch)
        err = capsys.readouterr().err
        assert code == 2, err
        assert "Traceback" not in err
        assert "scenario files are data" in err
    assert victim.read_text() == "precious"
    assert not created.exists()


def test_api_refuses_code_in_a_scenario_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    for attack, body in ATTACKS.items():
        path = _user_yaml(tmp_path, "evil", body.format(victim=victim))
        with pytest.raises(ConfigError, match="scenario files are data"):
            load_scenario(str(path))
        assert victim.read_text() == "precious", attack


def test_project_sweep_callback_keeps_working(tmp_path: Path) -> None:
    cfg = OmegaConf.create(
        {
            "replications": 1,
            "hydra": {
                "callbacks": {
                    "sweep_table": {
                        "_target_": "simulator.run.sweep.SweepTable",
                        "filename": "sweep_results.csv",
                    }
                },
                "launcher": {
                    "_target_": "hydra._internal.core_plugins.basic_launcher.BasicLauncher"
                },
            },
        }
    )
    assert safety.screen_hydra_config(cfg) == []
    # and set on the command line (recorded by Hydra in hydra.overrides), anything goes
    cfg.hydra.callbacks.mine = {"_target_": "my.Callback"}
    assert safety.screen_hydra_config(cfg)
    cfg.hydra.overrides = {"hydra": ["+hydra.callbacks.mine={_target_: my.Callback}"]}
    assert safety.screen_hydra_config(cfg) == []


# ---------------------------------------------------------------------------------------
# 2. Paths stay inside their folder.


@pytest.mark.parametrize(
    "name", ["../../x", "/etc/passwd", "a/b", "..", ".hidden", "", "x" * 101, "-rf", "a\nb"]
)
def test_unsafe_names_are_refused(name: str) -> None:
    with pytest.raises(ConfigError, match="name"):
        safety.check_name(name, "name")


@pytest.mark.parametrize("name", ["calibrated", "minhang_01", "REF-001", "浦东.v2"])
def test_safe_names_pass(name: str) -> None:
    assert safety.check_name(name, "name") == name


def test_inside_refuses_paths_that_escape(tmp_path: Path) -> None:
    assert safety.inside(tmp_path, "a.yaml") == (tmp_path / "a.yaml").resolve()
    for bad in ("../x.yaml", "/tmp/x.yaml", "a/../../x"):
        with pytest.raises(ConfigError, match="outside"):
            safety.inside(tmp_path, bad)
    (tmp_path / "link").symlink_to(tmp_path.parent)
    with pytest.raises(ConfigError, match="outside"):
        safety.inside(tmp_path, "link/x.yaml")


def test_symlinked_output_folder_is_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "out").symlink_to(real)
    with caplog.at_level("WARNING"):
        msg = safety.note_symlink(tmp_path / "out" / "run")
    assert msg is not None and "symbolic link" in caplog.text
    assert safety.note_symlink(real) is None


def test_calibration_name_cannot_leave_out_dir(tmp_path: Path) -> None:
    from calibration.pipeline import calibrate

    out = tmp_path / "a" / "b"
    with pytest.raises(ConfigError, match="name"):
        calibrate(tmp_path / "none.csv", name="../../x", out_dir=out)
    assert list(tmp_path.rglob("*")) == []


def test_calibration_writer_cannot_leave_out_dir(tmp_path: Path) -> None:
    from calibration.writer import write_scenario

    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="name"):
        write_scenario({"calibration": {}}, "../evil", {}, None, out)
    assert not (tmp_path / "evil.yaml").exists()


def _ticket_log(path: Path, centre: str) -> None:
    rows = []
    for day in ("2024-03-04", "2024-03-05"):
        for k in range(30):
            t = pd.Timestamp(f"{day} 09:00") + pd.Timedelta(minutes=5 * k)
            rows.append(
                {
                    "centre_id": centre,
                    "ticket_id": f"A{k:03d}",
                    "item_id": "quick_001",
                    "ticket_time": t,
                    "call_time": t + pd.Timedelta(minutes=3),
                    "service_start": t + pd.Timedelta(minutes=4),
                    "service_end": t + pd.Timedelta(minutes=9),
                    "window_id": "C1",
                    "staff_id": "s1",
                    "outcome": "served",
                }
            )
    pd.DataFrame(rows).to_csv(path, index=False)


@pytest.mark.parametrize(
    ("centre", "why"),
    [
        ("../../evil", "not a safe name"),
        ("${oc.env:HOME}", "not a safe name"),
        ("=SUM(1+1)", "not a safe name"),
    ],
)
def test_centre_id_from_data_cannot_become_a_path_or_interpolation(
    tmp_path: Path, centre: str, why: str
) -> None:
    from calibration.io import DataFormatError
    from calibration.pipeline import calibrate

    log = tmp_path / "in" / "tickets.csv"
    log.parent.mkdir()
    _ticket_log(log, centre)
    out, rep = tmp_path / "out" / "s", tmp_path / "out" / "r"
    with pytest.raises(DataFormatError, match=why):
        calibrate(log, out_dir=out, report_dir=rep, min_rows=1, gof_n_mc=0, figures=False)
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != log]
    assert written == []


# ---------------------------------------------------------------------------------------
# 3. No interpolation from data.


@pytest.mark.parametrize(
    "value", ["${oc.env:HOME}", "a\\${x}", "${now:%Y}", "\\\\${y}z", "plain $5 ${"]
)
def test_data_values_are_written_verbatim_not_as_interpolations(value: str) -> None:
    from calibration.writer import render_yaml

    cfg = {"centre": {"id": "A", "name": value}, "calibration": {"sources": [value]}}
    text = render_yaml(cfg, "x", {})
    loaded = OmegaConf.to_container(OmegaConf.create(yaml.safe_load(text)), resolve=True)
    assert isinstance(loaded, dict)
    assert loaded["centre"]["name"] == value
    assert loaded["calibration"]["sources"] == [value]


# ---------------------------------------------------------------------------------------
# 4. No live formula.


@pytest.mark.parametrize("ident", ["=SUM(1+1)", "+1", "-2+3", "@cmd", "\tx", "a${b}", ""])
def test_formula_like_identifiers_are_refused(ident: str) -> None:
    assert safety.identifier_problem(ident) is not None


def test_formula_family_name_is_refused_in_a_scenario(tmp_path: Path) -> None:
    path = _user_yaml(
        tmp_path,
        "fam",
        "catalogue:\n  items_file: null\n  families:\n"
        "    '=SUM(1+1)': {share: 1.0, service: {dist: exponential, mean: 3}}\n"
        "    quick: null\n    standard: null\n    complex: null\n"
        "    cross_province: null\n    consultation: null\n",
    )
    with pytest.raises(ConfigError, match="starts with '='"):
        load_scenario(str(path))


def test_example_rows_are_neutralised_and_cut() -> None:
    frame = pd.DataFrame({"detail": ["=HYPERLINK(x)", "ok", "x" * 1000, "-"], "n": [1, -2, 3, 4]})
    out = safety.neutralise_frame(frame, max_chars=200)
    assert out["detail"][0] == "'=HYPERLINK(x)"
    assert out["detail"][1] == "ok" and out["detail"][3] == "-"
    assert len(out["detail"][2]) == 201
    assert list(out["n"]) == [1, -2, 3, 4]  # numbers untouched
