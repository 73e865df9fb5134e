"""``svcsim-report``: a self-contained HTML report from result folders (a thin Hydra app
over ``scenarios/report/default.yaml``).

Examples::

    svcsim-report folders=outputs/2026-03-02/10-00-00                 # one run
    svcsim-report 'folders=[runs/reference,runs/six]' out=compare.html # first = baseline
    svcsim-report folders=multirun/2026-03-02/10-00-00 lang=zh         # a sweep, Chinese
    svcsim-report 'folders=[runs/a,runs/b]' "labels=['5 windows','6 windows']"

The report is built by :func:`simulator.present.report.build_report` (the plain function,
see docs/report.md); this entry point adds the behaviour every command shares: exit code
2 for bad input naming the key or folder, 130/143 when interrupted, one line and no
traceback (docs/errors.md). It writes the HTML file and nothing else (no Hydra run
folder, no log).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path
from typing import Any

import hydra
from omegaconf import DictConfig

from simulator.cli.common import (
    HYDRA_VALUE_FLAGS,
    bad_input,
    old_form,
    plain_config,
    run_as_program,
    run_command,
    task_started,
)
from simulator.config.compose import scenarios_dir
from simulator.errors import ConfigError

PROG = "svcsim-report"
LANGS = ("en", "zh")
KEYS = ("folders", "out", "lang", "labels")


def _strings(value: Any, key: str, problems: list[str]) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        return [str(v) for v in value]
    problems.append(f"{key}: expected a list of names such as [a, b], got {value!r}")
    return None


def report_from_config(cfg: DictConfig | dict[str, Any]) -> Path:
    """Build the report a composed ``svcsim-report`` config asks for and return the file
    written. Keys: ``folders`` (one folder or a list; the first option read is the
    baseline), ``out`` (null: ``report.html`` in the first folder), ``lang`` (en, zh) and
    ``labels`` (null or one name per option read)."""
    from omegaconf import OmegaConf

    from simulator.present import style
    from simulator.present.report import build_report

    if isinstance(cfg, DictConfig) and OmegaConf.is_missing(cfg, "folders"):
        raise ConfigError(
            f"folders: missing; name the result folders, e.g. {PROG} folders=outputs/run1 "
            f"or {PROG} 'folders=[runs/a,runs/b]'"
        )
    plain = plain_config(cfg)
    problems = [f"{k}: unknown key; known: {list(KEYS)}" for k in plain if k not in KEYS]
    folders = _strings(plain.get("folders"), "folders", problems)
    if not folders and not any(p.startswith("folders") for p in problems):
        problems.append(f"folders: expected one or more result folders, got {folders!r}")
    out = plain.get("out")
    if out is not None and (not isinstance(out, str) or not out.strip()):
        problems.append(f"out: expected an HTML file name or null, got {out!r}")
    lang = plain.get("lang", "en")
    if lang not in LANGS:
        problems.append(f"lang: expected one of {list(LANGS)}, got {lang!r}")
    labels = _strings(plain.get("labels"), "labels", problems)
    if problems:
        raise ConfigError(
            f"invalid {PROG} settings: {len(problems)} problem(s)\n  - " + "\n  - ".join(problems),
            problems,
        )
    assert folders is not None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", style.CJKFontWarning)
        path = build_report(folders, out=out, lang=str(lang), labels=labels)
    no_cjk = False
    for w in caught:
        if issubclass(w.category, style.CJKFontWarning):
            no_cjk = True
        else:  # not ours to judge: shown as if never caught
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if no_cjk:
        print(f"{PROG}: warning: {NO_CJK_FONT}", file=sys.stderr)
    return path


#: The one line printed when ``lang=zh`` finds no CJK font (docs/report.md).
NO_CJK_FONT = (
    "lang=zh needs a font with Chinese characters and none is installed (e.g. the Debian "
    "package fonts-noto-cjk or fonts-wqy-microhei); the report is written in English"
)


@hydra.main(version_base="1.3", config_path=str(scenarios_dir() / "report"), config_name="default")
def _main(cfg: DictConfig) -> None:
    from simulator.present.readers import ReportError

    task_started()
    try:
        path = report_from_config(cfg)
    except (ConfigError, ReportError) as exc:
        bad_input(PROG, exc)
    print(f"Report written to {path}")


def _list_value(items: list[str]) -> str:
    """``[a,b]`` in Hydra's override syntax, quoting items that need it."""
    import re

    def item(s: str) -> str:
        if re.fullmatch(r"[\w./:-]+", s) and not s[0].isdigit():
            return s
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return "[" + ",".join(item(s) for s in items) + "]"


def _new_form(argv: list[str]) -> list[str] | None:
    """The command line in the current form if ``argv`` uses the former argparse form
    (folders as positional arguments, ``-o``, ``--lang``, ``--label``, ``report.lang=``),
    else None."""
    folders: list[str] = []
    labels: list[str] = []
    rest: list[str] = []
    keys: dict[str, str] = {}
    old = False
    i = 0
    while i < len(argv):
        a = argv[i]
        flag, eq, value = a.partition("=")
        if flag in ("-o", "--out", "--lang", "--label"):
            old = True
            if not eq:
                i += 1
                value = argv[i] if i < len(argv) else "VALUE"
            if flag == "--label":
                labels.append(value)
            else:
                keys["out" if flag in ("-o", "--out") else "lang"] = value
        elif eq and flag.startswith("report.") and flag[len("report.") :] in KEYS:
            old = True
            keys[flag[len("report.") :]] = value
        elif a in HYDRA_VALUE_FLAGS and i + 1 < len(argv):
            rest += [a, argv[i + 1]]
            i += 1
        elif not eq and not a.startswith("-"):
            old = True
            folders.append(a)
        else:
            rest.append(a)
        i += 1
    if not old:
        return None
    new = list(rest)
    if folders:
        one = len(folders) == 1
        new.append(f"folders={folders[0] if one else _list_value(folders)}")
    new += [f"{k}={v}" for k, v in keys.items()]
    if labels:
        new.append(f"labels={_list_value(labels)}")
    return new


def main() -> None:
    """Console-script entry point (``svcsim-report``): exit code 2 for bad input,
    130/143 when interrupted (docs/errors.md)."""
    run_as_program(main, _command)


def _command() -> int:
    """The command's body under :func:`run_as_program`."""
    old_form(PROG, sys.argv[1:], _new_form(sys.argv[1:]))
    return run_command(PROG, _main, hydra_app=True)


if __name__ == "__main__":
    main()
