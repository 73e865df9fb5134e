"""The import rules of docs/design.md, enforced: data flows one way through the packages.

Every ``import`` in ``simulator/`` and ``calibration/`` (module level or inside a
function; ``if TYPE_CHECKING:`` blocks aside, they never run) is read with :mod:`ast` and
mapped to its unit (a subpackage; ``present`` is split into its chart library and the
report). A unit may import only units of a lower layer. So no engine module imports the
analysis, present imports nothing from the command-line programs, and no two units
import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Units from the bottom up; a unit may import units of lower layers only.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("simulator.errors", "simulator.version", "simulator.docstrings"),
    ("simulator.model",),
    ("simulator.config",),
    ("simulator.engine",),
    ("simulator.analysis",),
    ("simulator.run", "simulator.present"),  # present: style, i18n, charts, terminal
    ("simulator.optimise",),
    ("simulator.city",),
    ("simulator", "simulator.present.report"),  # the public API; the report reads all
    ("calibration",),
    ("simulator.cli",),
    ("calibration.cli",),  # svcsim-calibrate shares the commands' helpers
)
LAYER = {unit: k for k, units in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str | None:
    """The unit of a module name: its longest prefix among the units; None if outside."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        if name in LAYER:
            return name
    return None


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_only(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(tree: ast.AST, package: str) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` of every import that runs."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _type_checking_only(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from ((a.name, node.lineno) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the importing package
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*up, base] if base else up)
            yield base, node.lineno
            # ``from simulator.present import charts`` imports simulator.present.charts
            yield from ((f"{base}.{a.name}", node.lineno) for a in node.names)
        stack.extend(ast.iter_child_nodes(node))


def parsed_sources() -> list[tuple[Path, ast.Module]]:
    """Every source file of ``simulator/`` and ``calibration/`` with its syntax tree."""
    return [
        (path, ast.parse(path.read_text(encoding="utf-8")))
        for top in ("simulator", "calibration")
        for path in sorted((ROOT / top).rglob("*.py"))
    ]


def import_edges(sources: Iterable[tuple[Path, ast.Module]]) -> list[tuple[str, str, str]]:
    """``(importing unit, imported unit, "file:line")`` for every import across units."""
    edges = []
    for path, tree in sources:
        mod = module_name(path)
        src = unit_of(mod)
        assert src is not None, f"{mod} belongs to no unit of LAYERS"
        package = mod if path.name == "__init__.py" else mod.rpartition(".")[0]
        for target, line in imports_of(tree, package):
            dst = unit_of(target)
            if dst is not None and dst != src:
                edges.append((src, dst, f"{path.relative_to(ROOT)}:{line}"))
    return edges


def layering_violations(edges: Iterable[tuple[str, str, str]]) -> list[str]:
    return sorted(
        f"{where}: {src} (layer {LAYER[src]}) imports {dst} (layer {LAYER[dst]})"
        for src, dst, where in edges
        if LAYER[dst] >= LAYER[src]
    )


def cycles(edges: Iterable[tuple[str, str, str]]) -> list[list[str]]:
    """Strongly connected groups of more than one unit (Tarjan)."""
    graph: dict[str, set[str]] = {}
    for src, dst, _ in edges:
        graph.setdefault(src, set()).add(dst)
        graph.setdefault(dst, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                out.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.fixture(scope="module")
def sources() -> list[tuple[Path, ast.Module]]:
    """The sources parsed once for every test of the module."""
    return parsed_sources()


@pytest.fixture(scope="module")
def edges(sources: list[tuple[Path, ast.Module]]) -> list[tuple[str, str, str]]:
    return import_edges(sources)


def test_every_module_belongs_to_a_unit_and_imports_flow_down(edges) -> None:
    assert edges, "no import across units found: the parser is broken"
    assert layering_violations(edges) == []


def test_no_import_cycle_between_units(edges) -> None:
    assert cycles(edges) == []


@pytest.mark.parametrize(
    ("src", "forbidden"),
    [
        ("simulator.engine", "simulator.analysis"),  # the engine writes raw facts only
        ("simulator.model", "simulator.config"),  # static description, no parsing
        ("simulator.present", "simulator.cli"),
        ("simulator.present.report", "simulator.cli"),
        ("simulator.analysis", "simulator.run"),
    ],
)
def test_named_rules(edges, src: str, forbidden: str) -> None:
    bad = [where for s, d, where in edges if s == src and d == forbidden]
    assert bad == [], f"{src} imports {forbidden} at {bad}"


def test_one_parallel_path(sources: list[tuple[Path, ast.Module]]) -> None:
    # Only the executor starts processes or talks to a cluster.
    allowed = {"simulator/run/executor.py"}
    names = ("concurrent.futures", "multiprocessing", "distributed")
    found = set()
    for path, tree in sources:
        for target, line in imports_of(tree, module_name(path)):
            if target.startswith(names):
                found.add(f"{path.relative_to(ROOT)}:{line}")
    assert {f.split(":")[0] for f in found} <= allowed, sorted(found)


def _edges(pairs: Mapping[str, str]) -> list[tuple[str, str, str]]:
    return [(src, dst, "x.py:1") for src, dst in pairs.items()]


def test_the_checks_catch_what_they_should() -> None:
    # A check that cannot fail proves nothing: feed it the imports it must refuse.
    assert layering_violations(_edges({"simulator.engine": "simulator.analysis"}))
    assert layering_violations(_edges({"simulator.present": "simulator.cli"}))
    assert not layering_violations(_edges({"simulator.analysis": "simulator.engine"}))
    loop = [
        ("simulator.city", "simulator.optimise", "a.py:1"),
        ("simulator.optimise", "simulator.city", "b.py:2"),
    ]
    assert cycles(loop) == [["simulator.city", "simulator.optimise"]]
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from simulator.cli import run\n"
        "def f():\n    from simulator.analysis import kpis\n"
    )
    found = {t for t, _ in imports_of(tree, "simulator.engine")}
    assert "simulator.analysis.kpis" in found and "simulator.cli" not in found
    assert unit_of("simulator.present.report.page") == "simulator.present.report"
    assert unit_of("simulator.present.charts.city") == "simulator.present"
    assert unit_of("numpy") is None
