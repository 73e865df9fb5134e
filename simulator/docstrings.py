"""One home for the parameter texts that several docstrings share.

Functions that take the same parameter describe it in the same words. Written out in
every docstring, the words drift apart; here they are written once, in a
:class:`DocTexts` beside the functions that share them, and each docstring says
``%(name)s`` where a text goes. Decorating the function with the collection fills the
placeholders when the module is imported, so ``help()``, ``inspect.getdoc`` and the API
pages show the whole text (the device of scipy's ``doccer`` and matplotlib's
``interpd``)::

    _DOCS = DocTexts(
        lam='''
            lam : float
                Arrival rate (per minute), ``lam >= 0``.
        ''',
    )

    @_DOCS.fill
    def erlang(lam: float) -> float:
        '''...

        Parameters
        ----------
        %(lam)s
        '''

Rules:

* A text is stored dedented; its first line takes the placeholder's place and every
  further line gets the indentation of the placeholder's line, so a text fits at any
  depth of a numpydoc section.
* A placeholder the collection does not know fails at import, naming the function and
  the placeholder: a docstring never shows a bare ``%(name)s``.
* Nothing else in a docstring is touched: a ``%`` that is not ``%(name)s`` needs no
  doubling.
* Without docstrings (``python -OO``) the decorator does nothing.

This module imports nothing of the package, so every package (calibration too) may use
it.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator, Mapping
from typing import TypeVar

__all__ = ["DocTexts"]

T = TypeVar("T")

#: A placeholder; group 1 is the name.
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _clean(text: str) -> str:
    """A text dedented, without the blank lines around it."""
    return textwrap.dedent(text).strip("\n").rstrip()


class DocTexts(Mapping[str, str]):
    """Named parameter texts and the decorator that puts them into docstrings.

    Parameters
    ----------
    texts : mapping of str to str, optional
        Texts to start from (e.g. another collection).
    **more : str
        Further texts by name; a name given twice takes the later text.

    Examples
    --------
    >>> docs = DocTexts(x="x : float\\n    The abscissa.")
    >>> print(docs.render("Parameters\\n    ----------\\n    %(x)s"))
    Parameters
        ----------
        x : float
            The abscissa.
    """

    def __init__(self, texts: Mapping[str, str] | None = None, /, **more: str) -> None:
        merged = {**(texts or {}), **more}
        self._texts = {name: _clean(text) for name, text in merged.items()}

    def __getitem__(self, name: str) -> str:
        return self._texts[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._texts)

    def __len__(self) -> int:
        return len(self._texts)

    def __repr__(self) -> str:
        return f"DocTexts({', '.join(self._texts)})"

    def render(self, doc: str, where: str = "a docstring") -> str:
        """``doc`` with every ``%(name)s`` replaced by its text, indented to its line.

        Raises
        ------
        ValueError
            If ``doc`` has a placeholder this collection does not know (naming
            ``where``, the placeholder and the known names).
        """
        out = []
        for line in doc.split("\n"):
            indent = line[: len(line) - len(line.lstrip())]

            def text(m: re.Match[str], indent: str = indent) -> str:
                name = m.group(1)
                if name not in self._texts:
                    raise ValueError(
                        f"{where}: unknown docstring placeholder %({name})s; "
                        f"known: {sorted(self._texts)}"
                    )
                first, *rest = self._texts[name].split("\n")
                return "\n".join([first, *(indent + r if r else r for r in rest)])

            out.append(_PLACEHOLDER.sub(text, line))
        return "\n".join(out)

    def fill(self, obj: T) -> T:
        """Decorator: fill the placeholders of ``obj``'s docstring (a function or class)."""
        doc = getattr(obj, "__doc__", None)
        if doc:
            where = f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
            obj.__doc__ = self.render(doc, where)
        return obj
