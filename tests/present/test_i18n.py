"""The message catalogues: both languages carry the same messages with the same fields."""

from __future__ import annotations

import string

import pytest

from simulator.present import i18n

GRAMMAR = {"verb", "is_", "meets", "misses"}


def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f}


def test_same_keys_and_fields_in_every_language() -> None:
    en, zh = i18n.catalogue("en"), i18n.catalogue("zh")
    for section in ("chart", "report"):
        assert set(en[section]) == set(zh[section]), section
        # keys and messages are text (YAML reads a bare yes/no key as a boolean)
        for cat in (en, zh):
            assert all(isinstance(k, str) and isinstance(v, str) for k, v in cat[section].items())
        for key, text in en[section].items():
            # English-only fields carry grammar (verb agreement), never data
            extra = _fields(text) - _fields(zh[section][key])
            assert extra <= GRAMMAR, f"{section}.{key}: {extra}"
            assert _fields(zh[section][key]) <= _fields(text), f"{section}.{key}"
    assert len(i18n.weekdays("en")) == len(i18n.weekdays("zh")) == 7


def test_message_fills_fields_and_names_a_missing_key() -> None:
    assert i18n.message("report", "min", "en", v="4.5") == "4.5 min"
    assert i18n.message("report", "min", "zh", v="4.5") == "4.5分钟"
    with pytest.raises(KeyError, match=r"zh.yaml has no message report.nope"):
        i18n.message("report", "nope", "zh")
    with pytest.raises(ValueError, match="lang"):
        i18n.catalogue("fr")
    assert i18n.name("weekday", "zh") == "工作日"
    assert i18n.name("Somewhere", "zh") == "Somewhere"
