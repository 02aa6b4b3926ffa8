"""The work of one chunk of an ensemble: its runs' seeds, and the runs done in a worker.

Seeds follow one rule, whatever runs them: run ``i`` of an ensemble with root seed ``seed``
draws from the stream keyed by ``children[i]`` (:mod:`escalation.base.stream`) where
``children = np.random.SeedSequence(seed).spawn(runs)``. :func:`child_seeds` makes any slice of
the children directly; :func:`run_chunk` receives only the root and a range of runs (in a
worker process, on a cluster, or here), makes their seeds, runs them on the batch or the
SimPy engine and sends back
compact column arrays (:mod:`escalation.ensemble.columns`), which the caller puts back in run
order. So the same seed gives identical arrays with any backend and any chunk size.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from escalation.ensemble.columns import (
    BASE_NAMES,
    columns_for,
    failed_row,
    outcome_row,
    rows_to_columns,
)
from escalation.model.event import Event
from escalation.model.scenario import Scenario
from escalation.sim.batch import run_batch
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


#: Simulators kept by this process (the last few scenarios), so that what a scenario's runs
#: share, a posterior's prepared particles included, is prepared once per process rather
#: than once per chunk.
_SIMULATORS: list[tuple[Scenario, Simulator]] = []


def simulator_for(scenario: Scenario) -> Simulator:
    """The :class:`Simulator` of ``scenario`` in this process (equal scenarios share one)."""
    for known, sim in _SIMULATORS:
        if known is scenario or known == scenario:
            return sim
    sim = Simulator(scenario)
    _SIMULATORS.insert(0, (scenario, sim))
    del _SIMULATORS[4:]
    return sim


def run_chunk(
    scenario: Scenario,
    root: int,
    lo: int,
    hi: int,
    keep: str = "outcomes",
    strict: bool = False,
    engine: str = "simpy",
) -> ChunkResult:
    """Run ``scenario`` for runs ``lo`` to ``hi`` of the ensemble with root seed ``root``.

    Only the root and the range travel to a worker; run ``i`` is seeded by the ``i``-th
    child of ``SeedSequence(root)``, made here.

    Parameters
    ----------
    scenario
        A validated scenario (used as is, not validated again).
    root
        The ensemble's root seed (an int).
    lo, hi
        The runs of this chunk.
    keep
        ``"events"`` also returns each run's event log (SimPy engine only).
    strict
        Re-raise the first exception of a run, with a note naming the run and its seed.
    engine
        ``"batch"`` (the compiled engine: the scenario must be covered) or ``"simpy"``.

    Returns
    -------
    ChunkResult
        The chunk's columns, the errors of its failed runs and, with ``keep="events"``, the
        event logs.
    """
    if engine == "batch":
        return _batch_chunk(scenario, root, lo, hi, strict)
    seeds = child_seeds(np.random.SeedSequence(root), lo, hi)
    return _simpy_runs(scenario, seeds, lo, keep, strict)


def _simpy_runs(
    scenario: Scenario,
    seeds: Sequence[np.random.SeedSequence],
    start: int,
    keep: str,
    strict: bool,
) -> ChunkResult:
    """Run ``scenario`` once per seed on the SimPy engine."""
    actors = {a.id: i for i, a in enumerate(scenario.actors)}
    presences = [p.id for p in scenario.presences]
    failed = failed_row(presences)
    rows: list[tuple[Any, ...]] = []
    errors: dict[int, str] = {}
    events: list[list[Event]] | None = [] if keep == "events" else None
    simulator = simulator_for(scenario)
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


def _batch_chunk(scenario: Scenario, root: int, lo: int, hi: int, strict: bool) -> ChunkResult:
    """Runs ``lo`` to ``hi`` on the batch engine; any run it cannot hold goes to SimPy."""
    result = run_batch(scenario, root, lo, hi)
    presences = [p.id for p in scenario.presences]
    b = result.columns
    columns = {name: b[name] for name in BASE_NAMES if name != "failed"}
    columns["failed"] = np.zeros(hi - lo, dtype=bool)
    for j, pid in enumerate(presences):
        columns[f"staff:{pid}"] = b["staff"][:, j]
        columns[f"cap:{pid}"] = b["cap"][:, j]
        columns[f"status:{pid}"] = b["status"][:, j]
    columns = {name: columns[name] for name, *_ in columns_for(presences)}  # layout order
    errors: dict[int, str] = {}
    root_seq = np.random.SeedSequence(root)
    for j in result.overflow:  # each numbered as the run it is in the ensemble
        seed = child_seeds(root_seq, lo + int(j), lo + int(j) + 1)
        again = _simpy_runs(scenario, seed, lo + int(j), "outcomes", strict)
        for name, column in columns.items():
            column[j] = again.columns[name][0]
        errors.update(again.errors)
    return ChunkResult(columns, errors, None)
