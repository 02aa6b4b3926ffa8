"""Models of summaries, and simulating a batch of parameter vectors with one.

A :class:`Model` is what ABC calibrates: a picklable callable that takes a ``(n, d)`` array of
parameter vectors and ``n`` :class:`numpy.random.SeedSequence` objects and returns an
``(n, s)`` array of summaries, row ``i`` simulated from ``thetas[i]`` with a generator made from
``seeds[i]`` only. :class:`escalation.calibrate.problem.ScenarioModel` is the one for
scenarios; a test or a user passes a plain function.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
from collections.abc import Sequence
from typing import Protocol

import numpy as np

from escalation.base.executors import capacity, map_chunks


class Model(Protocol):
    """Simulates the summaries of a batch of parameter vectors (see the module docstring)."""

    def __call__(self, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
        """Row ``i``: the summaries of one run under ``thetas[i]`` seeded by ``seeds[i]``."""
        ...


def _call(model: Model, thetas: np.ndarray, seeds: Sequence[np.random.SeedSequence]) -> np.ndarray:
    return np.asarray(model(thetas, seeds), dtype=float)


def simulate_batch(
    model: Model,
    thetas: np.ndarray,
    seeds: Sequence[np.random.SeedSequence],
    executor: cf.Executor | None = None,
) -> np.ndarray:
    """Simulate every row of ``thetas`` with its seed, serially or on ``executor``.

    On an executor the rows go out in chunks (about four per worker, at least eight rows each)
    and come back in order, so the result does not depend on the executor.
    """
    n = len(thetas)
    if n == 0:
        return np.empty((0, 0))
    if executor is None:
        return _call(model, thetas, seeds)
    size = max(8, math.ceil(n / (4 * capacity(executor=executor))))
    tasks = [
        (i, (model, thetas[i : i + size], list(seeds[i : i + size]))) for i in range(0, n, size)
    ]
    parts = dict(map_chunks(_call, tasks, executor=executor))
    return np.concatenate([parts[i] for i in sorted(parts)], axis=0)
