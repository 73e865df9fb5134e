"""Shared parameter texts (simulator/docstrings.py): the filling rules, and every docstring
of the project that uses a placeholder rendered whole."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.docstrings import DocTexts

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\((\w+)\)s")

DOCS = DocTexts(
    x="""
        x : float
            The abscissa; two lines
            of text.
    """,
    y="y : int\n    A count.",
)


# --------------------------------------------------------------------------- the rules


def test_texts_are_stored_dedented() -> None:
    assert DOCS["x"] == "x : float\n    The abscissa; two lines\n    of text."
    assert set(DOCS) == {"x", "y"}
    merged = DocTexts(DOCS, y="y : int\n    Another count.")
    assert merged["x"] == DOCS["x"] and merged["y"].endswith("Another count.")


def test_a_text_takes_the_indentation_of_its_line() -> None:
    @DOCS.fill
    def f(x: float, y: int) -> None:
        """Summary.

        Parameters
        ----------
        %(x)s
        %(y)s

        Notes
        -----
        A 95 % interval, "%d" and "%%" and "%(x)" stay as they are.
        """

    doc = f.__doc__ or ""
    assert (
        "        x : float\n            The abscissa; two lines\n            of text.\n"
        "        y : int\n            A count.\n" in doc
    )
    assert 'A 95 % interval, "%d" and "%%" and "%(x)" stay as they are.' in doc
    assert inspect.getdoc(f) == inspect.cleandoc(
        """Summary.

        Parameters
        ----------
        x : float
            The abscissa; two lines
            of text.
        y : int
            A count.

        Notes
        -----
        A 95 % interval, "%d" and "%%" and "%(x)" stay as they are.
        """
    )


def test_blank_lines_of_a_text_stay_blank() -> None:
    docs = DocTexts(p="p : int\n\n    After a blank line.")
    assert docs.render("    %(p)s") == "    p : int\n\n        After a blank line."


def test_an_unknown_placeholder_fails_at_decoration_naming_it() -> None:
    with pytest.raises(ValueError, match=r"test_docstrings\..*\.g: unknown docstring "
                       r"placeholder %\(z\)s; known: \['x', 'y'\]"):  # fmt: skip

        @DOCS.fill
        def g() -> None:
            """%(z)s"""


def test_without_a_docstring_nothing_happens() -> None:
    def h() -> None:
        pass

    assert DOCS.fill(h) is h and h.__doc__ is None


# --------------------------------------------------------------------------- the project


def _templated() -> Iterator[tuple[str, str, str]]:
    """``(module, qualified name, written docstring)`` of every docstring in the source
    that has a placeholder (simulator/docstrings.py itself aside: it shows the syntax)."""
    for top in ("simulator", "calibration"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path.name == "docstrings.py" and path.parent.name == "simulator":
                continue
            rel = path.relative_to(ROOT).with_suffix("")
            module = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            doc = ast.get_docstring(tree, clean=False)
            if doc and PLACEHOLDER.search(doc):
                yield module, "", doc
            stack: list[tuple[str, ast.AST]] = [("", tree)]
            while stack:
                prefix, node = stack.pop()
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                        name = f"{prefix}{child.name}"
                        doc = ast.get_docstring(child, clean=False)
                        if doc and PLACEHOLDER.search(doc):
                            yield module, name, doc
                        stack.append((f"{name}.", child))


TEMPLATED = sorted(_templated())


def _live(module: str, qualname: str) -> Any:
    obj: Any = importlib.import_module(module)
    for part in filter(None, qualname.split(".")):
        obj = getattr(obj, part)
    return obj


def _documented(doc: str) -> list[str]:
    """The parameter names of a numpydoc ``Parameters`` section (``a, b : int`` gives two)."""
    m = re.search(r"^Parameters\n-+\n(.*?)(?:\n\n[A-Z]\w*\n-+\n|\Z)", doc, re.S | re.M)
    assert m, "no Parameters section"
    names = []
    for line in m.group(1).splitlines():
        if line and not line[0].isspace():
            head = line.split(" : ")[0].rstrip(" :")
            names += [n.strip().lstrip("*") for n in head.split(",") if n.strip()]
    return names


def test_the_project_uses_shared_texts() -> None:
    assert len(TEMPLATED) >= 20, TEMPLATED  # the readers, Erlang formulas, charts, ...


@pytest.mark.parametrize(("module", "qualname", "written"), TEMPLATED, ids=lambda v: str(v)[:60])
def test_every_templated_docstring_is_rendered_whole(
    module: str, qualname: str, written: str
) -> None:
    obj = _live(module, qualname)
    doc = inspect.getdoc(obj) or ""
    assert not PLACEHOLDER.search(doc), f"{module}.{qualname}: placeholder left (not decorated?)"
    if qualname and callable(obj) and not inspect.isclass(obj):
        params = [p.name for p in inspect.signature(obj).parameters.values() if p.name != "self"]
        assert sorted(_documented(doc)) == sorted(params), f"{module}.{qualname}: Parameters"


def _doc(f: Callable[..., Any]) -> str:
    return inspect.getdoc(f) or ""


def test_rendered_docstrings_carry_the_shared_texts() -> None:
    from calibration import io, pipeline, synthetic
    from simulator.analysis import analytic
    from simulator.present import charts
    from simulator.present.charts.common import CHART_DOCS

    erlang = analytic._DOCS
    for f in (analytic.mmc_metrics, analytic.erlang_a):
        for key in ("lam", "mean_service", "c"):
            assert erlang[key] in _doc(f), (f, key)
    for f in (analytic.min_servers_erlang_c, analytic.min_servers_erlang_a):
        for key in ("lam", "mean_service", "max_mean_wait", "target_wait"):
            assert erlang[key] in _doc(f), (f, key)
    assert erlang["a"] in _doc(analytic.erlang_b) and erlang["a"] in _doc(analytic.erlang_c)

    readers = (io.read_ticket_log, io.read_volumes, io.read_staffing, io.read_staff_skills,
               io.read_catalogue)  # fmt: skip
    for f in (*readers, io.read_table, pipeline.calibrate):
        assert io.READER_DOCS["encoding"] in _doc(f), f
    for f in readers:
        assert io.READER_DOCS["columns"] in _doc(f), f

    for f in (synthetic.generate_history, synthetic.synthetic_history):
        for key in ("out_dir", "history", "export"):
            assert synthetic._DOCS[key] in _doc(f), (f, key)

    drawn = [charts.wait_ecdf, charts.hourly_profile, charts.utilisation_heatmap,
             charts.completion_by_group, charts.spread_across, charts.kpi_comparison,
             charts.cost_service_frontier]  # fmt: skip
    for f in drawn:
        assert CHART_DOCS["chart_options"] in _doc(f), f
    assert CHART_DOCS["chart_options"] in inspect.cleandoc(charts.__doc__ or "")
