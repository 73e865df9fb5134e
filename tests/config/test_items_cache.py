"""The catalogue file is parsed once per (path, modification time, size, families)."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from simulator.config import items as items_mod
from simulator.config.items import read_items
from simulator.config.parse import Problems

FAMILIES = ["quick", "standard"]
HEADER = "item_id,name_en,name_zh,bureau,family,weight,source,cross_province,back_office\n"


def _write(path: Path, rows: list[tuple[str, str, float]]) -> None:
    body = "".join(
        f"{i},{i} item,,civil_affairs,{f},{w},generated,False,False\n" for i, f, w in rows
    )
    path.write_text(HEADER + body, encoding="utf-8")


def _read(path: Path) -> tuple[list[items_mod.Item], list[str]]:
    problems = Problems()
    cat = {"items_file": str(path), "families": {f: {} for f in FAMILIES}}
    got = read_items(cat, FAMILIES, problems)
    return got, problems.items


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Records every real parse of a file."""
    calls: list[Path] = []
    original = items_mod._parse_file

    def counting(path: Path, *args: object) -> object:
        calls.append(path)
        return original(path, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(items_mod, "_parse_file", counting)
    monkeypatch.setattr(items_mod, "_FILE_CACHE", type(items_mod._FILE_CACHE)())
    return calls


@pytest.mark.parametrize(
    ("rows", "ids", "problems"),
    [
        ([("q1", "quick", 1.0), ("s1", "standard", 3.0)], ["q1", "s1"], []),
        ([("q1", "quick", 1.0), ("x1", "nosuch", 1.0)], ["q1", "x1"], ["unknown family 'nosuch'"]),
    ],
    ids=["clean", "a problem"],
)
def test_same_file_is_parsed_once_and_reports_its_problems_on_every_read(
    tmp_path: Path,
    parses: list[Path],
    rows: list[tuple[str, str, float]],
    ids: list[str],
    problems: list[str],
) -> None:
    path = tmp_path / "items.csv"
    _write(path, rows)
    first, p1 = _read(path)
    second, p2 = _read(path)
    assert len(parses) == 1
    assert first == second and first is not second
    assert [it.id for it in first] == ids
    assert p1 == p2 and len(p1) == len(problems)
    for got, expected in zip(p1, problems, strict=True):
        assert expected in got


def test_changed_file_is_read_again(tmp_path: Path, parses: list[Path]) -> None:
    path = tmp_path / "items.csv"
    _write(path, [("q1", "quick", 1.0), ("s1", "standard", 3.0)])
    _read(path)
    _write(path, [("q1", "quick", 1.0), ("s1", "standard", 3.0), ("s2", "standard", 2.0)])
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    got, _ = _read(path)
    assert len(parses) == 2
    assert [it.id for it in got] == ["q1", "s1", "s2"]


def test_callers_cannot_change_the_cache(tmp_path: Path, parses: list[Path]) -> None:
    path = tmp_path / "items.csv"
    _write(path, [("q1", "quick", 1.0), ("s1", "standard", 3.0)])
    got, _ = _read(path)
    got.clear()
    with pytest.raises(dataclasses.FrozenInstanceError):
        _read(path)[0][0].weight = 5.0  # type: ignore[misc]
    again, _ = _read(path)
    assert [(it.id, it.weight) for it in again] == [("q1", 1.0), ("s1", 3.0)]
    assert len(parses) == 1
