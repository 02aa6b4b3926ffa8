"""Executors: run chunks of work serially, on a process pool, or on any Executor.

Ensembles (and anything else that fans work out) hand :func:`map_chunks` a picklable
module-level function and the arguments of each chunk; it yields ``(key, result)`` pairs as the
chunks finish, in whatever order they finish. The caller puts results back in order, so the
backend never changes a result:

* no ``workers`` and no ``executor``: the chunks run one after the other in this process;
* ``workers=N``: a :class:`concurrent.futures.ProcessPoolExecutor` with ``N`` processes started
  with the ``spawn`` method (the same on Linux, macOS and Windows, and safe when threads are
  running). The pool is created once per call and reused for every chunk;
* ``executor=``: any :class:`concurrent.futures.Executor`, for example
  ``dask.distributed.Client(address).get_executor()``. It is not shut down afterwards.

At most a few chunks per worker are in flight at a time, so a million runs never sit in the
queue at once. On an exception (or Ctrl-C) the chunks not yet started are cancelled and the
exception propagates; what the caller already received is kept.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

K = TypeVar("K")
R = TypeVar("R")


class WorkersDied(BrokenProcessPool):
    """The worker processes died: most often, a script without a ``__main__`` guard."""


def workers_died_message() -> str:
    """Why worker processes die at start, and the fix, naming the caller's script."""
    main = sys.modules.get("__main__")
    script = getattr(main, "__file__", None)
    guarded = False
    if script and os.path.isfile(script):
        try:
            with open(script, encoding="utf-8", errors="replace") as fh:
                text = fh.read(1_000_000)
            guarded = "__name__" in text and "__main__" in text
        except OSError:
            pass
    where = f"your script {script}" if script else "your script"
    if guarded:
        cause = (
            f'{where} seems to have an `if __name__ == "__main__":` guard, so a worker may '
            "have run out of memory or been killed; try fewer workers, or workers=None"
        )
    else:
        cause = (
            "worker processes are started with 'spawn' and import the main module again; "
            f"when {where} runs ensembles or calibrations at import (no "
            '`if __name__ == "__main__":` guard), each worker runs them again and dies. Put '
            'the code that runs them under `if __name__ == "__main__":` (see the README), '
            "or run serially (workers=None)"
        )
    return f"the worker processes died before finishing their work: {cause}."


def capacity(workers: int | None = None, executor: cf.Executor | None = None) -> int:
    """How many chunks the backend runs at once (a best guess for foreign executors)."""
    if workers is not None:
        return workers
    if executor is None:
        return 1
    known = getattr(executor, "_max_workers", None)
    if isinstance(known, int) and known > 0:
        return known
    client = getattr(executor, "_client", None)  # dask.distributed's ClientExecutor
    if client is not None:
        try:
            return max(1, sum(client.nthreads().values()))
        except Exception:  # the scheduler may be unreachable for a moment; guess below
            pass
    return os.cpu_count() or 1


def check_workers(workers: object) -> None:
    """Raise a clear error unless ``workers`` is ``None`` or a positive int."""
    if workers is None:
        return
    if isinstance(workers, bool) or not isinstance(workers, int):
        raise TypeError(f"workers must be a positive int or None, not {workers!r}")
    if workers < 1:
        raise ValueError(f"workers must be a positive number of processes, not {workers!r}")


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes started with ``spawn`` (the one place pools are made).

    ``spawn`` behaves the same on Linux, macOS and Windows and is safe when threads run; the
    workers import the caller's main module, so scripts need an ``if __name__ == "__main__":``
    guard.
    """
    check_workers(workers)
    return cf.ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=die_with_parent,
        initargs=(os.getpid(),),
    )


def die_with_parent(parent: int, every: float = 1.0) -> None:
    """Start a watchdog thread that ends this worker once its parent ``parent`` is gone.

    A pool's workers otherwise outlive a main process killed with ``kill -9``; the watchdog
    looks at the parent's id every ``every`` seconds and exits when the worker has been
    re-parented.
    """

    def watch() -> None:
        while True:
            time.sleep(every)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="escalation-die-with-parent", daemon=True).start()


@contextmanager
def executor_for(
    workers: int | None, executor: cf.Executor | None
) -> Iterator[cf.Executor | None]:
    """The executor to use for ``workers`` or ``executor``.

    ``executor`` as given; a pool of ``workers`` processes, shut down on exit; or ``None``
    (serial) for no workers or one.
    """
    if workers is not None and executor is not None:
        raise ValueError("give either workers= or executor=, not both")
    check_workers(workers)
    if executor is not None:
        yield executor
        return
    if workers is None or workers == 1:
        yield None
        return
    pool = process_pool(workers)
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def map_chunks(
    func: Callable[..., R],
    tasks: Iterable[tuple[K, tuple[Any, ...]]],
    *,
    workers: int | None = None,
    executor: cf.Executor | None = None,
    window: int | None = None,
) -> Iterator[tuple[K, R]]:
    """Call ``func(*args)`` for every ``(key, args)`` in ``tasks``; yield ``(key, result)``.

    Parameters
    ----------
    func
        A module-level function (it must pickle for process pools and clusters).
    tasks
        ``(key, args)`` pairs; consumed lazily, a window at a time.
    workers
        Number of worker processes of a pool created for this call.
    executor
        An executor to submit to instead (not shut down here).
    window
        Most chunks in flight at once; twice the backend's capacity by default.

    Yields
    ------
    tuple
        ``(key, result)`` in completion order (task order when serial).
    """
    if workers is not None and executor is not None:
        raise ValueError("give either workers= or executor=, not both")
    check_workers(workers)
    if workers is None and executor is None:
        for key, args in tasks:
            yield key, func(*args)
        return
    own = executor is None
    if own:
        executor = process_pool(workers or 1)
    assert executor is not None
    limit = window or 2 * capacity(workers, executor)
    pending: dict[cf.Future[R], K] = {}
    queue = iter(tasks)
    clean = False
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < limit:
                try:
                    key, args = next(queue)
                except StopIteration:
                    exhausted = True
                    break
                pending[executor.submit(func, *args)] = key
            if not pending:
                break
            done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            for future in done:
                key = pending.pop(future)
                try:
                    result = future.result()
                except BrokenProcessPool as exc:
                    raise WorkersDied(workers_died_message()) from exc
                yield key, result
        clean = True
    finally:
        for future in pending:
            future.cancel()
        if own:
            # After a failure or Ctrl-C, do not wait for chunks that are still running.
            executor.shutdown(wait=clean, cancel_futures=True)
