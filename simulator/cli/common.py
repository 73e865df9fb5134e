"""What every command does the same way: exit codes, interrupts, refused config files.

Exit codes (docs/errors.md): 0 done; 1 an unexpected error (a bug: please report the
traceback); 2 bad input (config, override, data file, a path that cannot be read or
written), every problem listed, each naming its key, file or row; 130 interrupted by
Ctrl-C (SIGINT); 143 stopped by SIGTERM.

On an interrupt the worker processes are terminated at once, one line is printed (no
traceback) with, for commands that resume, how to resume, and run folders get a
``manifest.json`` with ``status: interrupted``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import signal
import sys
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, NoReturn

from simulator.config.safety import yaml_error_message
from simulator.errors import ConfigError

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_SIGINT",
    "EXIT_SIGTERM",
    "Terminated",
    "alone",
    "bad_input",
    "config_location",
    "config_path_from_cwd",
    "end_process",
    "old_form",
    "one_blas_thread",
    "pause_gc",
    "plain_config",
    "recorded_run",
    "resume_gc",
    "run_as_program",
    "run_command",
    "runs_as_program",
    "screened_hydra",
    "set_resume_hint",
    "task_started",
    "write_manifest",
    "write_status",
    "write_tables",
    "yaml_error_message",
]

EXIT_BAD_INPUT = 2
EXIT_SIGINT = 130
EXIT_SIGTERM = 143


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like Ctrl-C so every cleanup that handles an interrupt runs."""


_state: dict[str, Any] = {"hint": None, "started": False, "program": False, "gc_paused": False}


def set_resume_hint(text: str | None) -> None:
    """What to print after an interrupt to resume (None: nothing)."""
    _state["hint"] = text


def task_started() -> None:
    """Mark that the Hydra task function runs: a Hydra error (exit 1) before this point is
    a config or override error, reported with exit code 2."""
    _state["started"] = True


def _on_sigterm(signum: int, frame: Any) -> None:
    raise Terminated()


@contextlib.contextmanager
def screened_hydra(prog: str) -> Iterator[None]:
    """Within this context every config Hydra composes (before it instantiates callbacks,
    launchers or configures logging from it) is screened with
    :func:`simulator.config.safety.screen_hydra_config`, and YAML errors are reported as
    file, line and what is wrong. A refused config exits with code 2."""
    import yaml
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    from simulator.config.safety import screen_hydra_config

    original = ConfigLoaderImpl.load_configuration

    def load_configuration(self: Any, config_name: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            cfg = original(self, config_name, *args, **kwargs)
        except yaml.YAMLError as exc:
            print(f"{prog}: {yaml_error_message(exc)}", file=sys.stderr)
            raise SystemExit(EXIT_BAD_INPUT) from None
        problems = screen_hydra_config(cfg, where=f"config {config_name!r}")
        if problems:
            lines = "\n  - ".join(problems)
            print(
                f"{prog}: config {config_name!r} refused: {len(problems)} problem(s)\n  - {lines}",
                file=sys.stderr,
            )
            raise SystemExit(EXIT_BAD_INPUT)
        return cfg

    ConfigLoaderImpl.load_configuration = load_configuration  # type: ignore[method-assign]
    try:
        yield
    finally:
        ConfigLoaderImpl.load_configuration = original  # type: ignore[method-assign]


def bad_input(prog: str, exc: BaseException) -> NoReturn:
    """Inside a Hydra task function: print the error and exit with code 2 (Hydra would
    print any other exception with a traceback and exit 1)."""
    print(f"{prog}: {exc}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def plain_config(cfg: Any) -> dict[str, Any]:
    """A composed config (OmegaConf or mapping) as a plain dict with string keys,
    interpolations resolved and without Hydra's own ``hydra`` node: what the plain
    functions behind the commands take."""
    from omegaconf import DictConfig, OmegaConf

    container = (
        OmegaConf.to_container(cfg, resolve=True) if isinstance(cfg, DictConfig) else dict(cfg)
    )
    assert isinstance(container, dict)
    container.pop("hydra", None)
    return {str(k): v for k, v in container.items()}


#: Hydra's own command-line flags that take a value (``--info`` takes one optionally).
HYDRA_VALUE_FLAGS = frozenset(
    {
        *("--cfg", "-c", "--package", "-p", "--config-path", "-cp", "--config-name", "-cn"),
        *("--config-dir", "-cd", "--experimental-rerun", "--shell-completion", "-sc"),
    }
)


def old_form(prog: str, argv: list[str], new: list[str] | None) -> None:
    """Refuse a command line in a command's former argparse form: one line on standard
    error with the same command in the current form (``new``), exit code 2.
    ``new`` None: the command line is in the current form and nothing happens."""
    if new is None:
        return
    import shlex

    print(
        f"{prog}: options are Hydra overrides (KEY=VALUE) now; instead of "
        f"'{shlex.join([prog, *argv])}' run: {shlex.join([prog, *new])}",
        file=sys.stderr,
    )
    raise SystemExit(EXIT_BAD_INPUT)


def config_path_from_cwd(argv: list[str]) -> list[str]:
    """Make a relative ``--config-path`` / ``-cp`` absolute when it names a folder of the
    working directory: Hydra resolves a relative one against the package of the app
    (``simulator/cli``), so ``svcsim --config-path calibration_report/c --config-name c``
    would look for a module ``simulator.cli.calibration_report.c``. Absolute paths,
    ``pkg://`` and ``file://`` paths and folders that do not exist here are left alone."""
    out = list(argv)
    for i, a in enumerate(out):
        for flag in ("--config-path", "-cp"):
            if a == flag and i + 1 < len(out):
                j, value, prefix = i + 1, out[i + 1], ""
            elif a.startswith(flag + "="):
                j, value, prefix = i, a[len(flag) + 1 :], flag + "="
            else:
                continue
            if "://" not in value and not Path(value).is_absolute() and Path(value).is_dir():
                out[j] = prefix + str(Path(value).resolve())
    return out


def config_location(argv: list[str]) -> list[str]:
    """Hydra's config search, made to work for any primary config of a command that
    appends a config group of the bundled tree (``+command=recommend``).

    Hydra resolves an appended group relative to the primary config's folder and finds
    configs only on its search path, so: ``--config-name validation/mmc`` becomes
    ``--config-path <scenarios>/validation --config-name mmc``; ``--config-name
    some/file.yaml`` (an existing file) becomes ``--config-path <its folder> --config-name
    file``; a relative ``--config-path`` of the working directory is made absolute
    (:func:`config_path_from_cwd`); and
    whenever the primary config lies outside the bundled tree's root, the bundled tree
    goes on the search path (``hydra.searchpath``) so its groups resolve as usual.
    """
    from simulator.config.compose import scenarios_dir

    out: list[str] = []
    for a in argv:  # --config-name=x as two words, for the rules below
        flag, eq, value = a.partition("=")
        if eq and flag in ("--config-name", "-cn", "--config-path", "-cp"):
            out += [flag, value]
        else:
            out.append(a)
    name_at = path_at = None
    for i, a in enumerate(out[:-1]):
        if a in ("--config-name", "-cn"):
            name_at = i + 1
        elif a in ("--config-path", "-cp"):
            path_at = i + 1
    moved = False
    if path_at is not None:
        out = config_path_from_cwd(out)
        moved = True
    elif name_at is not None:
        name = out[name_at]
        file = Path(name)
        if file.suffix in (".yaml", ".yml") and file.is_file():
            folder, out[name_at] = file.resolve().parent, file.stem
        elif "/" in name.strip("/"):
            head, _, out[name_at] = name.strip("/").rpartition("/")
            folder = scenarios_dir() / head
        else:
            folder = None
        if folder is not None:
            out[name_at - 1 : name_at - 1] = ["--config-path", str(folder)]
            moved = True
    if moved and not any(a.startswith("hydra.searchpath=") for a in out):
        out.append("hydra.searchpath=[pkg://scenarios]")
    return out


def write_status(out_dir: Path, status: str, reason: str, **extra: Any) -> Path | None:
    """Write ``manifest.json`` with ``status`` (``failed`` or ``interrupted``) and the
    reason into a run folder that exists (a run that stopped early leaves a record)."""
    if not out_dir.is_dir():
        return None
    manifest = {
        "status": status,
        "reason": reason,
        "stopped_at": dt.datetime.now().isoformat(timespec="seconds"),
        **extra,
    }
    try:
        return write_manifest(out_dir, manifest)
    except OSError:
        return None


def write_manifest(out_dir: Path, manifest: dict[str, Any]) -> Path:
    """Write a run folder's ``manifest.json`` (indented JSON, values JSON does not know
    written as text); its path."""
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, default=str), encoding="utf-8")
    return path


def write_tables(
    out_dir: Path, tables: dict[str, Any], indexed: Collection[str]
) -> dict[str, Path]:
    """Write each table (a pandas frame) of ``tables`` as ``out_dir/<name>.csv``, with its
    index for the names in ``indexed``; the paths by name."""
    paths: dict[str, Path] = {}
    for name, frame in tables.items():
        path = out_dir / f"{name}.csv"
        frame.to_csv(path, index=name in indexed)
        paths[name] = path
    return paths


@contextlib.contextmanager
def recorded_run(prog: str, out_dir: Path, **extra: Any) -> Iterator[None]:
    """Inside a Hydra task function: a run that stops early leaves its record.

    Bad input writes ``status: failed`` and exits 2 (:func:`bad_input`); an interrupt
    writes ``status: interrupted`` and goes on to :func:`run_command`. ``extra`` goes into
    the manifest (e.g. the scenario's source)."""
    try:
        yield
    except ConfigError as exc:
        write_status(out_dir, "failed", str(exc), **extra)
        bad_input(prog, exc)
    except KeyboardInterrupt as exc:
        write_status(out_dir, "interrupted", type(exc).__name__, **extra)
        raise


def _errors() -> tuple[type[BaseException], ...]:
    """Exceptions that mean bad input (exit code 2).

    The calibration's own errors are looked up only if the calibration package was
    imported (they cannot have been raised otherwise): importing it here would load
    scipy.stats at every exit, ``--help`` included.
    """
    errors: list[type[BaseException]] = [ConfigError]
    clean = sys.modules.get("calibration.clean")
    if clean is not None:
        errors.append(clean.InsufficientDataError)
    io = sys.modules.get("calibration.io")
    if io is not None:
        errors.append(io.DataFormatError)
    return tuple(errors)


def _config_error(exc: BaseException) -> bool:
    """An OmegaConf or Hydra error (only those mean the config; anything else is a bug)."""
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    return isinstance(exc, HydraException | OmegaConfBaseException)


def _config_key(exc: BaseException) -> str:
    key = getattr(exc, "full_key", None)
    return f"key {key}" if key else "the config"


#: Seconds the interpreter gets to exit normally after an interrupt.
_EXIT_GRACE_S = 2.0


def _exit_soon(code: int) -> None:
    """After an interrupt, make sure a command-line program ends: a process pool whose
    workers were terminated mid-message can leave a thread that an exit handler would
    join forever. Output is flushed; if the exit takes longer than a grace period, the
    process ends with ``code`` all the same. Never for code that called the command
    (a notebook, a test): its process is its own."""
    import os
    import threading

    sys.stdout.flush()
    sys.stderr.flush()
    timer = threading.Timer(_EXIT_GRACE_S, os._exit, args=(code,))
    timer.daemon = True
    timer.start()


def one_blas_thread() -> None:
    """BLAS (OpenBLAS, under numpy and scipy) on one thread in this process and those it
    starts, unless ``OPENBLAS_NUM_THREADS`` is set: a run does no large matrix work (it
    runs replications in processes, ``workers``), and OpenBLAS's thread pool, started as
    numpy is imported, costs about 0.05 CPU s for each import. To be called before numpy
    is imported (the library reads it when it loads)."""
    import os

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def pause_gc() -> None:
    """No garbage collection while the command starts (imports, the config composed):
    nearly every object made then lives to the end, and the collector's passes over
    them cost about 0.06 CPU s before a ``svcsim`` run starts and as much in its chart
    process. :func:`resume_gc` turns it back on. For a command line's own process
    (:func:`runs_as_program`): :func:`resume_gc` freezes every object alive."""
    if gc.isenabled():
        gc.disable()
        _state["gc_paused"] = True


def resume_gc() -> None:
    """After :func:`pause_gc` (else nothing): the objects alive now are moved out of the
    collector's reach for good (:func:`gc.freeze`: what start-up loaded stays loaded) and
    garbage collection is on again, for the run's own objects."""
    if _state["gc_paused"]:
        _state["gc_paused"] = False
        gc.freeze()
        gc.enable()


def end_process(code: int) -> NoReturn:
    """End the process with exit code ``code`` once everything it wrote is out, without the
    interpreter's teardown.

    The exit handlers run (logging flushes and closes the run's log file, child
    processes still alive are ended), standard output and error are flushed, and the
    process ends (:func:`os._exit`) without freeing every object of the libraries it
    loaded one by one: about 0.2 CPU s after a ``svcsim`` run, as long as the run's
    simulation. For a command line's own process only: code that called the command's
    ``main`` and catches its ``SystemExit`` would never get it back; and only when the
    process runs no other thread (:func:`alone`).
    """
    import atexit
    import os

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed pipe: nothing more to tell
            stream.flush()
    os._exit(code)


def runs_as_program(main: Callable[..., Any]) -> bool:
    """Whether ``main`` runs as this process's program: the console script made for it
    (``from ... import main; sys.exit(main())``) or ``python -m`` on its module, rather
    than called by other code (a test, ``python -c``) that may catch its ``SystemExit``.
    """
    program = sys.modules.get("__main__")
    return getattr(program, "main", None) is main and getattr(program, "__file__", None) is not None


def alone() -> bool:
    """Whether this process runs no thread but its main one: then nothing is left to end
    before :func:`end_process` but the exit handlers (the normal exit waits for other
    threads first, and some exit handlers, such as a process pool's, wait for them)."""
    import threading

    return threading.active_count() == 1


def run_as_program(
    main: Callable[..., Any], command: Callable[[], int], *, lean: bool = False
) -> NoReturn:
    """Run a console script's ``command`` (its body, returning the exit code) and exit
    with that code, set up as every command's own process is.

    When ``main`` runs as this process's program (:func:`runs_as_program`), BLAS runs on
    one thread (:func:`one_blas_thread`: numpy is not imported yet). ``lean`` (``svcsim``,
    ``svcsim-city``) makes the start and the end cheap as well: no garbage collection
    (:func:`pause_gc`) until the command's start-up is over, where the command calls
    :func:`resume_gc` itself (``svcsim``: when the run starts; ``svcsim-city``: when the
    city is built); and at the end, once everything is written and no other thread runs
    (:func:`alone`), the process ends without the interpreter's teardown
    (:func:`end_process`). Every command interrupted by Ctrl-C or SIGTERM (exit code
    130 or 143) ends that way too, whatever threads it left: the interpreter's shutdown
    would join and wake the threads of a process pool terminated mid-message, which can
    hang or print a traceback (a pipe already closed); its output is out and its exit
    handlers have run all the same. Called by other code (a test), ``main`` only runs
    ``command`` and raises ``SystemExit`` with its code.
    """
    program = runs_as_program(main)
    _state["program"] = program
    if program:
        one_blas_thread()
        if lean:
            pause_gc()
    code = command()
    if program and (code in (EXIT_SIGINT, EXIT_SIGTERM) or (lean and alone())):
        end_process(code)
    resume_gc()
    sys.exit(code)


def run_command(prog: str, body: Callable[[], int | None], *, hydra_app: bool = False) -> int:
    """Run a command's ``body`` and turn its ending into an exit code (see module doc).

    ``hydra_app``: the body runs a Hydra app, whose own config and override errors
    (printed by Hydra, exit 1 before the task function starts) become exit code 2.
    """
    _state.update(hint=None, started=False)
    interrupted = False
    previous = signal.signal(signal.SIGTERM, _on_sigterm)
    # Ctrl-C stops the command even when it was started with SIGINT ignored (a
    # background job of a script).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with screened_hydra(prog):
            status = body()
        return int(status or 0)
    except _errors() as exc:
        print(f"{prog}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (
        FileNotFoundError,
        FileExistsError,
        PermissionError,
        NotADirectoryError,
        IsADirectoryError,
    ) as exc:
        print(f"{prog}: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        interrupted = True
        # A second Ctrl-C or SIGTERM does not cut the cleanup short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        from simulator.run.executor import terminate_all

        terminate_all()
        term = isinstance(exc, Terminated)
        hint = _state["hint"]
        print(
            f"{prog}: {'stopped by SIGTERM' if term else 'interrupted (Ctrl-C)'}"
            + (f"; {hint}" if hint else ""),
            file=sys.stderr,
        )
        code = EXIT_SIGTERM if term else EXIT_SIGINT
        if _state["program"]:  # code that called the command owns its process
            _exit_soon(code)
        return code
    except Exception as exc:
        if not (hydra_app and not _state["started"] and _config_error(exc)):
            raise
        # Hydra lets an error of the composed config through when it resolves its own
        # settings from it (hydra.run.dir=${out} with out=null)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"{prog}: {message} ({_config_key(exc)})", file=sys.stderr)
        return EXIT_BAD_INPUT
    except SystemExit as exc:
        if hydra_app and exc.code == 1 and not _state["started"]:
            return EXIT_BAD_INPUT
        if exc.code is None or isinstance(exc.code, int):
            return int(exc.code or 0)
        print(exc.code, file=sys.stderr)
        return 1
    finally:
        # A command-line program that was interrupted is ending: it stays deaf to both
        # signals to its last instruction. Restored, a signal arriving late (another of
        # the same Ctrl-C, or while the interpreter shuts down, when Python has put the
        # system's default action back) would end it with a traceback or killed by the
        # signal (exit -2) instead of its code 130/143. Code that called the command
        # gets its handlers back.
        if not (interrupted and _state["program"]):
            signal.signal(signal.SIGTERM, previous)
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGINT, signal.default_int_handler)
