"""Message catalogues of the charts and the report: one YAML file per language.

``en.yaml`` and ``zh.yaml`` hold every label, title template and sentence the charts and
the report show, under the same keys (sections ``chart``, ``report``, ``names`` for
category values such as day types and districts, ``weekdays``, ``months``, ``target`` for the
recommender's targets in words). They are read once, on first use. A test checks that
both languages have the same keys and the same ``{fields}`` in each message.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

import yaml

__all__ = ["LANGS", "catalogue", "message", "months", "name", "weekdays"]

LANGS = ("en", "zh")


@functools.cache
def catalogue(lang: str) -> dict[str, Any]:
    """The parsed catalogue of ``lang`` (cached)."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {LANGS}, got {lang!r}")
    text = resources.files(__package__).joinpath(f"{lang}.yaml").read_text(encoding="utf-8")
    # libyaml's parser when PyYAML has it (the same mapping, ten times faster)
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise ValueError(f"{lang}.yaml: a mapping of sections expected")
    return data


def message(section: str, key: str, lang: str, **fields: Any) -> str:
    """The message ``section.key`` in ``lang`` with its ``{fields}`` filled in.

    Raises
    ------
    KeyError
        If the catalogue has no such message (naming the file and the key).
    """
    try:
        template = catalogue(lang)[section][key]
    except KeyError:
        raise KeyError(f"{lang}.yaml has no message {section}.{key}") from None
    return str(template).format(**fields) if fields else str(template)


def has(section: str, key: str, lang: str = "en") -> bool:
    """Whether the catalogue of ``lang`` has ``section.key``."""
    return key in catalogue(lang).get(section, {})


def name(value: object, lang: str) -> str:
    """Display name of a category value (day type, province, district), as is when unknown."""
    text = str(value)
    return str(catalogue(lang).get("names", {}).get(text, text))


def weekdays(lang: str) -> tuple[str, ...]:
    """Short weekday names, Monday first."""
    return tuple(catalogue(lang)["weekdays"])


def months(lang: str) -> tuple[str, ...]:
    """Short month names, January first."""
    return tuple(catalogue(lang)["months"])
