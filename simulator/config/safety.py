"""Scenario and data files stay data: one home for the checks that keep them so.

* **Names that become paths** (a scenario name, a centre id in a report folder) must
  match :data:`SAFE_NAME` (letters, digits, ``_ . -``, starting with a letter or digit,
  no ``..``), and every path written is resolved inside its output folder
  (:func:`check_name`, :func:`inside`).
* **Identifiers** (family names, item ids, centre ids, window and staff groups) are
  rejected at input when they could become something else in an output: a leading
  ``= + - @`` (a live formula in a spreadsheet), ``${`` (an OmegaConf interpolation),
  control characters (:func:`identifier_problem`). Free text (item names) is neutralised
  instead where it is written (:func:`neutralise_cell`, :func:`neutralise_frame`).
* **Values from data written into a scenario YAML** never become interpolations:
  :func:`escape_interpolations` escapes ``${`` so OmegaConf reads the text back verbatim.
* **User scenario files** may not instantiate code: :func:`screen_hydra_config` refuses
  ``_target_`` keys and Hydra callbacks, launchers, sweepers, logging handlers and
  environment settings that the project does not ship (see docs/errors.md).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from simulator.errors import ConfigError

__all__ = [
    "FORMULA_PREFIXES",
    "SAFE_NAME",
    "check_identifier",
    "check_name",
    "escape_interpolations",
    "identifier_problem",
    "inside",
    "name_problem",
    "neutralise_cell",
    "neutralise_frame",
    "note_symlink",
    "screen_hydra_config",
    "yaml_error_message",
]

#: A name that becomes a file or folder name: starts with a letter or digit (any script),
#: then letters, digits, ``_``, ``.``, ``-``; at most 100 characters; never ``..``.
SAFE_NAME = re.compile(r"[^\W_][\w.\-]{0,99}")

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def name_problem(value: Any) -> str | None:
    """Why ``value`` cannot be used as a file or folder name (None when it can)."""
    if not isinstance(value, str):
        return f"expected a name (text), got {value!r}"
    if not SAFE_NAME.fullmatch(value) or ".." in value:
        return (
            f"{value!r} is not a safe name: use letters, digits, '_', '.', '-' (starting "
            "with a letter or digit, no '..', at most 100 characters)"
        )
    return None


def _checked(problem: str | None, value: Any, key: str) -> str:
    """``str(value)`` when there is no ``problem``, else :class:`ConfigError` naming ``key``."""
    if problem is not None:
        raise ConfigError(f"{key}: {problem}")
    return str(value)


def check_name(value: Any, key: str) -> str:
    """``value`` if it is a safe file name, else :class:`ConfigError` naming ``key``."""
    return _checked(name_problem(value), value, key)


def inside(root: str | Path, path: str | Path, key: str = "path") -> Path:
    """``path`` resolved, checked to lie inside ``root`` (also resolved).

    Raises
    ------
    ConfigError
        When the resolved path escapes ``root`` (``..``, an absolute part, a symlink).
    """
    base = Path(root).resolve()
    target = (base / path).resolve() if not Path(path).is_absolute() else Path(path).resolve()
    if target != base and base not in target.parents:
        raise ConfigError(f"{key}: {str(path)!r} would be written outside its folder {base}")
    return target


def identifier_problem(value: Any) -> str | None:
    """Why ``value`` cannot be an identifier (family, item, centre, group), or None.

    Identifiers are written as cells of CSV and Markdown tables and as keys of scenario
    YAML, so they may not start with a formula character (``= + - @``), contain ``${``
    (an interpolation) or control characters, or be empty.
    """
    text = str(value)
    if not text.strip():
        return "an identifier may not be empty"
    if text.startswith(FORMULA_PREFIXES) and text != "-":  # a lone '-' means "none"
        return (
            f"{text[:40]!r} starts with {text[0]!r}: identifiers may not start with "
            "'=', '+', '-' or '@' (a spreadsheet would run them as a formula)"
        )
    if "${" in text:
        return f"{text[:40]!r} contains '${{': identifiers may not contain interpolations"
    if _CONTROL.search(text):
        return f"{text[:40]!r} contains control characters"
    return None


def check_identifier(value: Any, key: str) -> str:
    """``str(value)`` if it is a valid identifier, else :class:`ConfigError` naming ``key``."""
    return _checked(identifier_problem(value), value, key)


_INTERP = re.compile(r"(\\*)\$\{")


def _escape_text(text: str) -> str:
    # OmegaConf reads ``\${`` as a literal ``${`` and ``\\`` before ``${`` as one backslash:
    # double the backslashes in front of ``${``, then escape the ``${`` itself.
    return _INTERP.sub(lambda m: m.group(1) * 2 + "\\${", text)


def escape_interpolations(obj: Any) -> Any:
    """A copy of ``obj`` (nested mappings, lists, strings) in which no string value is an
    OmegaConf interpolation: loading the written YAML with OmegaConf gives the original
    text back. (Keys are never interpolated; identifiers with ``${`` are rejected at
    input, see :func:`identifier_problem`.)"""
    if isinstance(obj, str):
        return _escape_text(obj) if "${" in obj else obj
    if isinstance(obj, Mapping):
        return {k: escape_interpolations(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(escape_interpolations(v) for v in obj)
    return obj


def neutralise_cell(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe
    (the OWASP advice); every other value is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and value != "-":
        return "'" + value
    return value


def neutralise_frame(frame: Any, max_chars: int | None = None) -> Any:
    """A copy of a pandas DataFrame whose text cells (and index and column labels) are
    passed through :func:`neutralise_cell`; numbers are left alone. With ``max_chars``,
    longer text cells are cut to that many characters (marked with an ellipsis)."""

    def cell(v: Any) -> Any:
        v = neutralise_cell(v)
        if max_chars is not None and isinstance(v, str) and len(v) > max_chars:
            return v[:max_chars] + "…"
        return v

    from pandas.api.types import is_object_dtype, is_string_dtype

    def textual(dtype: Any) -> bool:
        return bool(is_object_dtype(dtype) or is_string_dtype(dtype))

    out = frame.copy()
    for col in out.columns:
        if textual(out[col].dtype):
            out[col] = out[col].map(cell)
    out.columns = [neutralise_cell(c) for c in out.columns]
    if textual(out.index.dtype):
        out.index = out.index.map(neutralise_cell)
    return out


def note_symlink(folder: str | Path, log: logging.Logger | None = None) -> str | None:
    """Log (and return) a warning when the output ``folder`` or one of its parents is a
    symbolic link: files are then written where the link points."""
    p = Path(folder).absolute()
    for part in (p, *p.parents):
        if part.is_symlink():
            msg = f"output folder {p} goes through a symbolic link: {part} -> {part.resolve()}"
            (log or logging.getLogger("svcsim")).warning(msg)
            return msg
    return None


def yaml_error_message(exc: Exception) -> str:
    """``file, line N, column M: what is wrong`` for a PyYAML error."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    if "could not determine a constructor for the tag" in problem:
        found = re.search(r"tag '([^']+)'", problem)
        tag = (found.group(1) if found else "?").replace("tag:yaml.org,2002:", "!!")
        problem = f"YAML tag {tag!r} is not allowed (scenario files hold plain data)"
    where = "YAML"
    if mark is not None:
        where = f"{mark.name}, line {mark.line + 1}, column {mark.column + 1}"
    context = getattr(exc, "context", None)
    return f"{where}: {problem}" + (f" ({context})" if context and "tag" not in problem else "")


# ---------------------------------------------------------------------------------------
# Screening a composed Hydra config: what a scenario file may not do.

#: Hydra callbacks the project ships (``scenarios/sweep/default.yaml``).
ALLOWED_CALLBACKS = frozenset({"simulator.run.sweep.SweepTable"})
#: Launchers and sweepers: Hydra's own and installed Hydra plugins.
_PLUGIN_PREFIXES = ("hydra._internal.core_plugins.", "hydra_plugins.")
#: Logging: handler classes and formatter factories allowed in a config file.
_LOG_CLASS_PREFIXES = ("logging.",)
_LOG_FACTORY_PREFIXES = ("colorlog.",)


def _walk(obj: Any, path: str) -> Iterable[tuple[str, Any, Any]]:
    """Yield ``(path, key, value)`` for every key of a nested container."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            sub = f"{path}.{k}" if path else str(k)
            yield sub, k, v
            yield from _walk(v, sub)
    elif isinstance(obj, list):
        for j, v in enumerate(obj):
            yield from _walk(v, f"{path}[{j}]")


def _from_command_line(key: str, cmdline: Iterable[str]) -> bool:
    return any(key == c or key.startswith(c + ".") or c.startswith(key + ".") for c in cmdline)


def screen_hydra_config(cfg: Any, where: str = "the scenario") -> list[str]:
    """Problems of a composed config (an OmegaConf DictConfig with its ``hydra`` node, or
    a plain mapping) that a scenario file may not contain.

    A scenario file is data: no ``_target_`` anywhere outside the Hydra node; Hydra
    callbacks only the project's own; launchers and sweepers only Hydra's and installed
    Hydra plugins; logging handlers only ``logging.*`` classes writing under Hydra's
    output folder; no ``hydra.job.env_set``. Settings made on the command line (Hydra
    records them in ``hydra.overrides``) are the user's own choice and allowed.
    """
    from omegaconf import DictConfig, OmegaConf

    plain = OmegaConf.to_container(cfg, resolve=False) if isinstance(cfg, DictConfig) else cfg
    if not isinstance(plain, Mapping):
        return []
    problems: list[str] = []
    hyd = plain.get("hydra") if isinstance(plain.get("hydra"), Mapping) else {}
    assert isinstance(hyd, Mapping)
    over = hyd.get("overrides") or {}
    cmdline = [
        str(o).lstrip("+~").split("=", 1)[0]
        for o in [*(over.get("hydra") or []), *(over.get("task") or [])]
    ]

    def refuse(key: str, why: str) -> None:
        if not _from_command_line(key, cmdline):
            problems.append(f"{key}: {why} ({where}; scenario files are data)")

    for path, key, value in _walk({k: v for k, v in plain.items() if k != "hydra"}, ""):
        if key == "_target_":
            refuse(path, f"'_target_' ({value!r}) is not allowed: nothing is instantiated")
    for name, cb in (hyd.get("callbacks") or {}).items():
        target = cb.get("_target_") if isinstance(cb, Mapping) else None
        if target not in ALLOWED_CALLBACKS:
            refuse(
                f"hydra.callbacks.{name}",
                f"callback {target!r} is not allowed; allowed: {sorted(ALLOWED_CALLBACKS)}",
            )
    for part in ("launcher", "sweeper"):
        node = hyd.get(part) or {}
        target = node.get("_target_") if isinstance(node, Mapping) else None
        if target is not None and not str(target).startswith(_PLUGIN_PREFIXES):
            refuse(
                f"hydra.{part}._target_",
                f"{target!r} is not a Hydra {part}; choose one with hydra/{part}=NAME",
            )
    for part in ("job_logging", "hydra_logging"):
        for path, key, value in _walk(hyd.get(part) or {}, f"hydra.{part}"):
            if key == "()" and not str(value).startswith(_LOG_FACTORY_PREFIXES):
                refuse(path, f"logging factory {value!r} is not allowed")
            elif key == "class" and not str(value).startswith(_LOG_CLASS_PREFIXES):
                refuse(path, f"logging class {value!r} is not allowed")
            elif key == "filename" and not str(value).startswith("${hydra."):
                refuse(path, f"log file {value!r} must lie in Hydra's output folder")
    env = (hyd.get("job") or {}).get("env_set") if isinstance(hyd.get("job"), Mapping) else None
    if env:
        refuse("hydra.job.env_set", f"setting environment variables ({sorted(env)}) is not allowed")
    return problems
