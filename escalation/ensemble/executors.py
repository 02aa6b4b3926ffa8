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
from collections.abc import Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, TypeVar

K = TypeVar("K")
R = TypeVar("R")


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
    if workers is not None and (isinstance(workers, bool) or workers < 1):
        raise ValueError(f"workers must be a positive number of processes, not {workers!r}")
    if workers is None and executor is None:
        for key, args in tasks:
            yield key, func(*args)
        return
    own = executor is None
    if own:
        context = multiprocessing.get_context("spawn")
        executor = cf.ProcessPoolExecutor(max_workers=workers, mp_context=context)
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
                yield key, future.result()
        clean = True
    finally:
        for future in pending:
            future.cancel()
        if own:
            # After a failure or Ctrl-C, do not wait for chunks that are still running.
            executor.shutdown(wait=clean, cancel_futures=True)


class Progress:
    """A progress bar over runs: tqdm on a terminal, silent in tests and pipes.

    Parameters
    ----------
    total
        Runs to do in all.
    initial
        Runs already done (resumed from a checkpoint).
    enabled
        ``True`` or ``False`` forces the bar on or off; ``None`` shows it when standard error
        is a terminal and tqdm is installed. Forced on without tqdm, a plain counter is
        written to standard error instead.
    description
        Label in front of the bar.
    """

    def __init__(
        self, total: int, initial: int = 0, enabled: bool | None = None, description: str = ""
    ):
        self.total = total
        self.done = initial
        self.description = description
        self._bar: Any = None
        self._plain = False
        try:
            import warnings

            with warnings.catch_warnings():  # tqdm.auto warns in Jupyter without ipywidgets
                warnings.simplefilter("ignore")
                from tqdm.auto import tqdm
        except ImportError:  # tqdm is an optional extra
            tqdm = None
        if enabled is None:
            isatty = getattr(sys.stderr, "isatty", None)
            enabled = bool(tqdm is not None and isatty is not None and isatty())
        if not enabled:
            return
        if tqdm is None:
            self._plain = True
            self._write()
        else:
            self._bar = tqdm(
                total=total,
                initial=initial,
                unit="run",
                desc=description or None,
                file=sys.stderr,
                dynamic_ncols=True,
            )

    def _write(self) -> None:
        label = f"{self.description}: " if self.description else ""
        sys.stderr.write(f"\r{label}{self.done}/{self.total} runs")
        sys.stderr.flush()

    def update(self, n: int) -> None:
        """Count ``n`` more runs done."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        elif self._plain:
            self._write()

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        elif self._plain:
            sys.stderr.write("\n")
            self._plain = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
