"""A command's own process: BLAS on one thread, no garbage collection while it starts,
and it ends without the interpreter's teardown, losing nothing.

:func:`simulator.cli.common.end_process` skips freeing the loaded libraries object by
object; what the process wrote (buffered standard output, a log file, exit handlers)
must still be out, and its exit code kept. Only a command running as the program takes
that way: code that calls ``main`` itself gets its ``SystemExit``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = """
import atexit, logging, sys
from pathlib import Path
from simulator.cli.common import end_process

out = Path(sys.argv[1])
log = logging.getLogger("probe")
log.addHandler(logging.FileHandler(out / "run.log"))
log.warning("the last line of the log")
atexit.register(lambda: (out / "atexit.txt").write_text("ran"))
sys.stdout.write("no newline, still buffered")
end_process(3)
print("never")
"""


def test_end_process_flushes_output_runs_exit_handlers_and_keeps_the_code(
    tmp_path: Path,
) -> None:
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(SCRIPT))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 3, proc.stderr
    assert proc.stdout == "no newline, still buffered"
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "run.log").read_text() == "the last line of the log\n"


def test_only_a_program_whose_main_is_the_command_ends_the_fast_way(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from simulator.cli.common import runs_as_program\n"
        "def main():\n    pass\n"
        "def other():\n    pass\n"
        "print(runs_as_program(main), runs_as_program(other))\n"
    )
    script = tmp_path / "console.py"
    script.write_text(probe)
    as_script = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True
    ).stdout.split()
    # a console script (a file whose main is the command's): yes; another function: no
    assert as_script == ["True", "False"]
    # python -c (tests probing the command, which catch its SystemExit): no
    as_code = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    assert as_code == ["False", "False"]


def test_a_process_with_another_thread_running_is_not_alone() -> None:
    """A thread still running (a process pool's manager thread after a joblib multirun)
    must be ended by the normal exit, which waits for it: such a run exits as usual."""
    import threading

    from simulator.cli.common import alone

    stop = threading.Event()
    worker = threading.Thread(target=stop.wait)
    alone_before = alone()
    worker.start()
    try:
        assert not alone()
    finally:
        stop.set()
        worker.join()
    assert alone() == alone_before


GC_PROBE = """
import gc
from simulator.cli.common import pause_gc, resume_gc

pause_gc()
paused = not gc.isenabled()
kept = [[] for _ in range(1000)]  # alive when the run starts: frozen
resume_gc()
frozen = gc.get_freeze_count()
on = gc.isenabled()
resume_gc()  # a second time: nothing more
again = gc.get_freeze_count() == frozen
gc.disable()  # disabled by someone else: pause_gc leaves it so, resume_gc too
pause_gc()
resume_gc()
print(paused, on, frozen >= 1000, again, gc.isenabled())
"""


def test_garbage_collection_pauses_while_a_command_starts_and_comes_back() -> None:
    out = subprocess.run(
        [sys.executable, "-c", GC_PROBE], capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "True", "True", "False"]


HELP_PROBE = """
import atexit, importlib, os, sys
prog, module = sys.argv[1:3]
sys.argv = [prog, "--help"]
main = importlib.import_module(module).main  # as the console script does
early = "numpy" in sys.modules
atexit.register(lambda: print("BLAS", os.environ.get("OPENBLAS_NUM_THREADS"), early))
if __name__ == "__main__":
    main()
"""


def _commands() -> dict[str, str]:
    """Every console script of pyproject.toml: name -> module of its ``main``."""
    import tomllib

    pyproject = Path(__file__).parents[2] / "pyproject.toml"
    scripts = tomllib.loads(pyproject.read_text())["project"]["scripts"]
    return {name: target.split(":")[0] for name, target in scripts.items()}


COMMANDS = _commands()


def test_every_command_is_probed() -> None:
    assert {"svcsim", "svcsim-city", "svcsim-recommend", "svcsim-report"} <= set(COMMANDS)


@pytest.mark.parametrize("prog", sorted(COMMANDS))
def test_the_command_runs_blas_on_one_thread_unless_told_otherwise(
    prog: str, tmp_path: Path
) -> None:
    """OpenBLAS starts no thread pool in a command's processes (its worker processes
    inherit the setting): numpy is not loaded when the command's module is, and the
    command sets ``OPENBLAS_NUM_THREADS`` before it loads, unless the user set it."""
    import os

    script = tmp_path / "console.py"
    script.write_text(HELP_PROBE)
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    for given, expected in ((None, "1"), ("3", "3")):
        run_env = env if given is None else {**env, "OPENBLAS_NUM_THREADS": given}
        proc = subprocess.run(
            [sys.executable, str(script), prog, COMMANDS[prog]],
            capture_output=True,
            text=True,
            env=run_env,
            timeout=120,
        )
        assert proc.returncode == 0, proc.stderr
        # numpy not loaded before main ran (else the setting comes too late)
        assert proc.stdout.splitlines()[-1] == f"BLAS {expected} False", proc.stdout[-500:]


INTERRUPTED = """
import atexit, os, signal, sys
from simulator.cli.common import Terminated, run_as_program, run_command

def body():
    # The signal the user sent again, arriving while the interrupted program ends.
    atexit.register(lambda: os.kill(os.getpid(), signal.{late}))
    raise {raised}

def main():
    run_as_program(main, lambda: run_command("probe", body), lean={lean})

if __name__ == "__main__":
    main()
"""


@pytest.mark.parametrize("lean", [False, True])
@pytest.mark.parametrize(
    ("late", "raised", "code", "line"),
    [
        ("SIGINT", "KeyboardInterrupt", 130, "probe: interrupted (Ctrl-C)"),
        (
            "SIGTERM",
            "Terminated",
            143,
            "probe: stopped by SIGTERM",
        ),
    ],
)
def test_an_interrupted_program_ends_with_its_code_whatever_signal_comes_late(
    tmp_path: Path, lean: bool, late: str, raised: str, code: int, line: str
) -> None:
    """After Ctrl-C (or SIGTERM) the program ends with 130 (143) and one line, even when the
    signal comes again as it ends: with the handlers put back, the late signal gave a
    KeyboardInterrupt traceback or killed the process by the signal (exit -2)."""
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(INTERRUPTED.format(late=late, raised=raised, lean=lean)))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == [line]


CALLER = """
import signal
from simulator.cli.common import run_command

def body():
    raise KeyboardInterrupt

before = signal.getsignal(signal.SIGTERM)
code = run_command("probe", body)
print(code, signal.getsignal(signal.SIGINT) is signal.default_int_handler,
      signal.getsignal(signal.SIGTERM) == before)
"""


def test_code_that_calls_an_interrupted_command_gets_its_handlers_back(
    tmp_path: Path,
) -> None:
    script = tmp_path / "caller.py"
    script.write_text(textwrap.dedent(CALLER))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["130", "True", "True"], proc.stderr


POOL_LEFT = """
import sys, threading
from simulator.cli.common import run_as_program, run_command

def body():
    # What a process pool terminated mid-message leaves: a hook of the interpreter's
    # shutdown (concurrent.futures registers one this way) that fails on a closed pipe.
    def wake_the_pool():
        raise OSError(9, "Bad file descriptor")
    threading._register_atexit(wake_the_pool)
    raise KeyboardInterrupt

def main():
    run_as_program(main, lambda: run_command("probe", body))

if __name__ == "__main__":
    main()
"""


def test_an_interrupted_program_skips_the_shutdown_of_the_pools_it_left(tmp_path: Path) -> None:
    """The interpreter's shutdown wakes and joins the threads of process pools; after an
    interrupt a pool may have been terminated mid-message and its pipe closed, and the
    shutdown printed an OSError traceback after the one line (seen in
    test_interrupt.py). An interrupted program ends as soon as its output is out."""
    script = tmp_path / "probe.py"
    script.write_text(textwrap.dedent(POOL_LEFT))
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 130, proc.stderr
    assert [ln for ln in proc.stderr.splitlines() if ln.strip()] == ["probe: interrupted (Ctrl-C)"]


def test_code_that_calls_an_interrupted_command_keeps_its_process(tmp_path: Path) -> None:
    """The grace-period exit after an interrupt is the program's own: code that called the
    command (a notebook's kernel) lives on past it."""
    script = tmp_path / "caller.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from simulator.cli.common import _EXIT_GRACE_S, run_command

            def body():
                raise KeyboardInterrupt

            run_command("probe", body)
            time.sleep(_EXIT_GRACE_S + 1.0)
            print("still here")
            """
        )
    )
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["still", "here"]
