"""``svcsim`` composes a single run's config once: the same config Hydra composes twice."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl

import simulator.cli.run as cli_run


def _run(argv: list[str], monkeypatch: pytest.MonkeyPatch, *, once: bool) -> tuple[int, list[Any]]:
    """Run ``svcsim argv`` here; its exit code and the run modes Hydra composed for."""
    composed: list[Any] = []
    original = ConfigLoaderImpl._load_configuration_impl

    def counted(self: Any, config_name: Any, overrides: Any, run_mode: Any, **kw: Any) -> Any:
        composed.append(run_mode)
        return original(self, config_name, overrides, run_mode, **kw)

    monkeypatch.setattr(ConfigLoaderImpl, "_load_configuration_impl", counted)
    if not once:
        monkeypatch.setattr(cli_run, "composed_once", contextlib.nullcontext)
    monkeypatch.setattr(sys, "argv", ["svcsim", *argv])
    with pytest.raises(SystemExit) as done:
        cli_run.main()
    monkeypatch.undo()
    return int(done.value.code or 0), composed


def _hydra_files(out: Path) -> dict[str, str]:
    return {
        p.name: p.read_text().replace(str(out), "OUT") for p in sorted((out / ".hydra").iterdir())
    }


def test_a_single_run_composes_once_the_config_hydra_composes_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["replications=2", "calendar.days=1", "charts=false", "layout=six_comprehensive"]
    code, twice = _run([*args, f"hydra.run.dir={tmp_path / 'a'}"], monkeypatch, once=False)
    assert code == 0 and len(twice) == 2
    code, once = _run([*args, f"hydra.run.dir={tmp_path / 'b'}"], monkeypatch, once=True)
    assert code == 0 and len(once) == 1
    # config.yaml, overrides.yaml and hydra.yaml (mode, overrides, choices...) alike
    assert _hydra_files(tmp_path / "b") == _hydra_files(tmp_path / "a")
    assert "mode: RUN" in _hydra_files(tmp_path / "b")["hydra.yaml"]


def test_a_bad_override_is_reported_as_without_the_single_composition(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = ["replications=2", "no_such_key=3", f"hydra.run.dir={tmp_path / 'x'}"]
    code_twice, _ = _run(bad, monkeypatch, once=False)
    err_twice = capsys.readouterr().err
    code_once, _ = _run(bad, monkeypatch, once=True)
    assert code_once == code_twice == 2
    assert capsys.readouterr().err == err_twice
    assert "no_such_key" in err_twice
