"""The work of one chunk of an ensemble: its runs' seeds, and the runs done in a worker.

Seeds follow one rule, whatever runs them: run ``i`` of an ensemble with root seed ``seed``
draws from the stream keyed by ``children[i]`` (:mod:`escalation.base.stream`) where
``children = np.random.SeedSequence(seed).spawn(runs)``. :func:`child_seeds` makes any slice of
the children directly, in the calling process, before the work fans out; :func:`run_chunk`
runs a scenario once per child (in a worker process, on a cluster, or here) and sends back
compact column arrays (:mod:`escalation.ensemble.columns`), which the caller puts back in run
order. So the same seed gives identical arrays with any backend and any chunk size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalation.ensemble.columns import failed_row, outcome_row, rows_to_columns
from escalation.model.event import Event
from escalation.model.scenario import Scenario
from escalation.sim.engine import Simulator


@dataclass(frozen=True)
class ChunkResult:
    """What one chunk of runs gives back (and what a checkpoint chunk file holds).

    Attributes
    ----------
    columns
        Column name -> array, one value per run of the chunk.
    errors
        Run index in the ensemble -> ``"Type: message"`` for each failed run.
    events
        Each run's event log, or ``None`` when only outcomes are kept.
    """

    columns: dict[str, np.ndarray]
    errors: dict[int, str]
    events: list[list[Event]] | None


def child_seeds(root: np.random.SeedSequence, start: int, stop: int) -> list[Any]:
    """Children ``start`` to ``stop`` of ``root``: the same as ``root.spawn(stop)[start:]``.

    Built directly from the spawn keys, so a resumed or chunked ensemble makes only the
    children it needs, and ``root`` is left as it was.
    """
    return [
        np.random.SeedSequence(
            root.entropy, spawn_key=(*root.spawn_key, i), pool_size=root.pool_size
        )
        for i in range(start, stop)
    ]


def _describe_seed(child: np.random.SeedSequence) -> str:
    """A seed sequence as code that rebuilds it."""
    return f"SeedSequence({child.entropy}, spawn_key={tuple(child.spawn_key)})"


def run_chunk(
    scenario: Scenario,
    seeds: Sequence[np.random.SeedSequence],
    start: int,
    keep: str = "outcomes",
    strict: bool = False,
) -> ChunkResult:
    """Run ``scenario`` once per seed and return the outcomes as column arrays.

    Parameters
    ----------
    scenario
        A validated scenario (used as is, not validated again).
    seeds
        One seed sequence per run.
    start
        Index of the first run in the ensemble (for error messages).
    keep
        ``"events"`` also returns each run's event log.
    strict
        Re-raise the first exception of a run, with a note naming the run and its seed.

    Returns
    -------
    ChunkResult
        The chunk's columns, the errors of its failed runs and, with ``keep="events"``, the
        event logs.
    """
    actors = {a.id: i for i, a in enumerate(scenario.actors)}
    presences = [p.id for p in scenario.presences]
    failed = failed_row(presences)
    rows: list[tuple[Any, ...]] = []
    errors: dict[int, str] = {}
    events: list[list[Event]] | None = [] if keep == "events" else None
    simulator = Simulator(scenario)  # prepares what the runs share, once per chunk
    for j, child in enumerate(seeds):
        try:
            run = simulator.run(child)
        except Exception as exc:
            if strict:
                exc.add_note(f"in run {start + j} of the ensemble ({_describe_seed(child)})")
                raise
            errors[start + j] = f"{type(exc).__name__}: {exc}"
            rows.append(failed)
            if events is not None:
                events.append([])
            continue
        rows.append(outcome_row(run.outcome, actors, presences))
        if events is not None:
            events.append(run.events)
    return ChunkResult(rows_to_columns(rows, presences), errors, events)
