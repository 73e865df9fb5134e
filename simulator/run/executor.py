"""One interface for running independent tasks: in-process, local processes, or Dask.

Replications (and the recommender's evaluations) are pure functions of their arguments,
so where they run never changes what they return. An :class:`Executor` runs a list of
tasks ``fn(*args)`` and yields ``(index, result)`` pairs *as they complete*; callers
place results by index, so the assembled output is identical for every executor and
every completion order.

Three implementations:

* :class:`SerialExecutor`: in this process, one task after another (``workers=1``).
* :class:`LocalExecutor`: a :class:`concurrent.futures.ProcessPoolExecutor` kept alive
  across calls (the default for ``workers > 1``).
* :class:`DaskExecutor`: a ``distributed.Client`` (a cluster the caller started, e.g.
  ``distributed.LocalCluster`` or a scheduler address ``tcp://host:8786``).

:func:`get_executor` turns the usual user inputs (``None``, a number of workers, an
Executor, a Dask ``Client`` or a scheduler address) into an Executor.
"""

from __future__ import annotations

import contextlib
import gc
import os
import queue
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "DaskExecutor",
    "Executor",
    "ForkedCall",
    "ForkedCallFailed",
    "LocalExecutor",
    "SerialExecutor",
    "executor_label",
    "fork_call",
    "get_executor",
    "terminate_all",
]

#: Seconds a terminated worker gets to exit before it is killed.
_TERMINATE_GRACE_S = 2.0


def _worker_init() -> None:
    """Workers leave Ctrl-C to the parent (which terminates them) and die on SIGTERM:
    a worker never prints a KeyboardInterrupt traceback or outlives its parent's pool."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


#: Seconds between checks for a deferred Ctrl-C while waiting for workers.
_POLL_S = 0.25


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM (when a Python handler is installed) while the pool's
    locks are taken, and deliver them on leaving: an interrupt raised inside
    :func:`concurrent.futures.wait` can leave a future's lock held, and the pool then
    hangs at exit. Only the main thread handles signals; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []

    def hold(signum: int, frame: Any) -> None:
        caught.append(signum)

    previous: dict[int, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if callable(handler):
            previous[int(sig)] = handler
            signal.signal(sig, hold)
    try:
        yield
    finally:
        for num, handler in previous.items():
            signal.signal(num, handler)
        if caught:
            previous[caught[0]](caught[0], None)  # raises KeyboardInterrupt (or the like)


def _interrupted() -> bool:
    """True while a KeyboardInterrupt (Ctrl-C, or SIGTERM turned into one by the
    command-line programs) is propagating."""
    return isinstance(sys.exc_info()[1], KeyboardInterrupt)


_LIVE: weakref.WeakSet[LocalExecutor | ForkedCall] = weakref.WeakSet()


def terminate_all() -> None:
    """Terminate the worker processes of every live :class:`LocalExecutor` and
    :class:`ForkedCall` (used when the program is interrupted)."""
    for ex in list(_LIVE):
        ex.terminate()


@runtime_checkable
class Executor(Protocol):
    """Runs independent tasks and yields ``(task index, result)`` as tasks complete."""

    workers: int

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        """Run ``fn(*task)`` for every task; yield ``(index, result)`` in completion order."""
        ...

    def close(self) -> None:
        """Release workers (a no-op for executors the caller owns)."""
        ...


class SerialExecutor:
    """Runs tasks in this process, in order."""

    workers = 1

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        for i, task in enumerate(tasks):
            yield i, fn(*task)

    def close(self) -> None:
        return None

    def __enter__(self) -> SerialExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return "SerialExecutor()"


class LocalExecutor:
    """A pool of local worker processes, created on first use and reused until closed.

    Parameters
    ----------
    workers
        Number of processes (capped at the number of CPUs). ``1`` runs in-process.
    """

    def __init__(self, workers: int | None = None) -> None:
        n = int(workers) if workers is not None else (os.cpu_count() or 1)
        if n < 1:
            raise ValueError(f"workers must be >= 1, got {n}")
        self.workers = min(n, os.cpu_count() or 1)
        self._pool: ProcessPoolExecutor | None = None

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        if self.workers == 1 or len(tasks) <= 1:
            yield from SerialExecutor().imap_unordered(fn, tasks)
            return
        # Finished futures arrive in a queue (a callback of each), so waiting costs the
        # same whatever the number of tasks still pending.
        finished: queue.SimpleQueue[Future[Any]] = queue.SimpleQueue()
        with _signals_deferred():
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers, initializer=_worker_init)
                _LIVE.add(self)
            futures: dict[Future[Any], int] = {}
            for i, task in enumerate(tasks):
                fut = self._pool.submit(fn, *task)
                futures[fut] = i
                fut.add_done_callback(finished.put)
        remaining = len(futures)
        try:
            while remaining:
                with _signals_deferred():
                    try:
                        done = [finished.get(timeout=_POLL_S)]
                    except queue.Empty:
                        continue
                    while not finished.empty():
                        done.append(finished.get_nowait())
                    order = sorted(done, key=lambda f: futures[f])
                    ready = [(futures[f], f.result()) for f in order]
                remaining -= len(ready)
                yield from ready
        except KeyboardInterrupt:
            self.terminate()
            raise
        finally:
            with _signals_deferred():
                for fut in futures:
                    if not fut.done():
                        fut.cancel()

    def terminate(self) -> None:
        """Stop now: cancel pending tasks and terminate the workers (killed when they do
        not exit within a couple of seconds). The executor can be used again."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        call_queue = getattr(pool, "_call_queue", None)
        if call_queue is not None:
            # The feeder thread may be blocked writing tasks to workers that are gone:
            # never wait for it (at exit, or when the pool's manager cleans up).
            call_queue.cancel_join_thread()
        with _signals_deferred():
            pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join(_TERMINATE_GRACE_S)
            if p.is_alive():
                p.kill()
                p.join(_TERMINATE_GRACE_S)

    def close(self) -> None:
        """Release the workers: waits for running tasks, or terminates them while an
        interrupt is propagating."""
        if _interrupted():
            self.terminate()
        elif self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> LocalExecutor:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if exc_type is not None and issubclass(exc_type, KeyboardInterrupt):
            self.terminate()
        else:
            self.close()

    def __repr__(self) -> str:
        return f"LocalExecutor(workers={self.workers})"


class DaskExecutor:
    """Tasks on a Dask distributed cluster.

    Parameters
    ----------
    client
        A ``distributed.Client``, or a scheduler address (``"tcp://host:8786"``) to
        connect to. A client created here is closed by :meth:`close`; a client passed
        in belongs to the caller and stays open.

    Notes
    -----
    Workers must import ``simulator`` (same environment, or the package installed on
    every worker). Tasks are submitted with ``pure=False`` so Dask never reuses a result
    across calls; results are identical to a local run because every task is a pure
    function of its arguments (seeded streams, no global state).
    """

    def __init__(self, client: Any) -> None:
        from distributed import Client

        self.address = client if isinstance(client, str) else None
        if isinstance(client, str):
            self._client = Client(client)
            self._owned = True
        else:
            self._client = client
            self._owned = False
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info["workers"].values()))

    @property
    def client(self) -> Any:
        return self._client

    def imap_unordered(
        self, fn: Callable[..., Any], tasks: Sequence[tuple[Any, ...]]
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        if not tasks:
            return
        futures = [self._client.submit(fn, *task, pure=False) for task in tasks]
        index = {fut.key: i for i, fut in enumerate(futures)}
        try:
            for fut in as_completed(futures):
                result = fut.result()
                fut.release()  # the cluster forgets a result once it is here
                yield index[fut.key], result
        finally:
            for fut in futures:
                if not fut.done():
                    fut.cancel()

    def close(self) -> None:
        if self._owned:
            self._client.close()

    def __enter__(self) -> DaskExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"DaskExecutor({self._client!r})"


class ForkedCallFailed(RuntimeError):
    """The call in a :class:`ForkedCall` failed with an error that could not be sent
    back (its traceback is the message), or its process ended without an answer."""


def _forked_child(
    conn: Any, other_end: Any, prepare: Callable[[], Any], fn: Callable[..., Any]
) -> None:
    _worker_init()  # Ctrl-C and SIGTERM are the parent's to handle; it ends this process
    other_end.close()  # the parent's end: its closing must reach this process as EOF
    try:
        prepare()
        args = conn.recv()
    except EOFError:  # the parent went on without the call
        return
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:
        import traceback

        text = traceback.format_exc()
        try:
            conn.send(("error", exc, text))
        except Exception:  # an error that does not pickle
            conn.send(("error", None, text))
    finally:
        conn.close()


class ForkedCall:
    """One call of a function in a forked child process, started before its arguments
    are known (from :func:`fork_call`).

    The child runs ``prepare()`` at once (typically slow imports), while this process
    goes on; :meth:`submit` sends the arguments, :meth:`result` waits for the return
    value (or raises the child's error). Used to draw charts alongside other work.
    """

    def __init__(self, process: Any, conn: Any) -> None:
        self._process = process
        self._conn = conn
        self._sent = False
        _LIVE.add(self)

    def submit(self, *args: Any) -> None:
        """Send the call's arguments (pickled) to the child, which starts the call."""
        self._conn.send(args)
        self._sent = True

    def result(self) -> Any:
        """The call's return value, once the child is done (its error raised here)."""
        if not self._sent:
            raise RuntimeError("ForkedCall.result() before submit()")
        try:
            msg = self._conn.recv()
        except EOFError:
            self.close()
            code = self._process.exitcode
            raise ForkedCallFailed(
                f"the child process ended without an answer (exit code {code})"
            ) from None
        self.close()
        if msg[0] == "ok":
            return msg[1]
        _, exc, text = msg
        if isinstance(exc, Exception):
            raise exc
        raise ForkedCallFailed(text)

    def close(self) -> None:
        """Release the child: it ends once the pipe is closed (terminated if it does not,
        and at once while an interrupt is propagating)."""
        with contextlib.suppress(OSError):
            self._conn.close()
        if _interrupted():
            self.terminate()
        self._process.join(_TERMINATE_GRACE_S)
        if self._process.is_alive():
            self.terminate()

    def cancel(self) -> None:
        """End the child now, for a call that will not be submitted (the run it was
        started for never began): unlike :meth:`close`, ``prepare()`` is not waited for."""
        with contextlib.suppress(OSError):
            self._conn.close()
        self.terminate()

    @property
    def exitcode(self) -> int | None:
        """The child's exit code: ``None`` while it runs, ``-N`` if signal ``N`` ended it."""
        code: int | None = self._process.exitcode
        return code

    def terminate(self) -> None:
        """End the child now."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(_TERMINATE_GRACE_S)
            if self._process.is_alive():
                self._process.kill()
                self._process.join(_TERMINATE_GRACE_S)


def fork_call(prepare: Callable[[], Any], fn: Callable[..., Any]) -> ForkedCall | None:
    """Fork a child that runs ``prepare()`` now and ``fn(*args)`` when
    :meth:`ForkedCall.submit` sends ``args``; ``None`` where forking is not the safe, cheap
    way to start a process (anywhere but Linux), so that the caller calls ``fn`` itself.
    """
    if not sys.platform.startswith("linux"):
        return None
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    parent_end, child_end = ctx.Pipe()
    # Output still buffered here would otherwise be written twice (here and by the child).
    sys.stdout.flush()
    sys.stderr.flush()
    process = ctx.Process(
        target=_forked_child,
        args=(child_end, parent_end, prepare, fn),
        name="svcsim-forked",
        daemon=True,
    )
    # The objects alive now are left out of the garbage collector's passes in the child:
    # a pass there would otherwise touch, and so copy, every page it shares with this
    # process (pandas and the run's modules, loaded before the fork).
    gc.freeze()
    try:
        process.start()
    finally:
        gc.unfreeze()
    child_end.close()
    return ForkedCall(process, parent_end)


def executor_label(ex: Executor) -> str:
    """A short description of where tasks ran, for run metadata."""
    if isinstance(ex, SerialExecutor) or (isinstance(ex, LocalExecutor) and ex.workers == 1):
        return "serial"
    if isinstance(ex, LocalExecutor):
        return f"local processes ({ex.workers})"
    if isinstance(ex, DaskExecutor):
        return f"dask {ex.address or type(ex.client).__name__}"
    return repr(ex)


def get_executor(spec: Any = None, workers: int | None = None) -> Executor:
    """An :class:`Executor` from what a user passes.

    Parameters
    ----------
    spec
        ``None`` (local: ``workers`` processes, in-process when 1), an :class:`Executor`
        (returned as is), a ``distributed.Client``, or a Dask scheduler address string
        (``"tcp://..."``; ``"local"`` means local processes).
    workers
        Processes for the local executor (default 1).
    """
    if spec is None or spec == "local":
        n = 1 if workers is None else int(workers)
        return SerialExecutor() if n == 1 else LocalExecutor(n)
    if isinstance(spec, SerialExecutor | LocalExecutor | DaskExecutor):
        return spec
    if isinstance(spec, str):
        return DaskExecutor(spec)
    if type(spec).__name__ == "Client" and hasattr(spec, "submit"):
        return DaskExecutor(spec)
    if isinstance(spec, Executor):
        return spec
    raise TypeError(
        f"cannot make an executor from {spec!r}: give None, a number of workers, an "
        "Executor, a distributed.Client or a scheduler address 'tcp://...'"
    )
