"""Running an ensemble: many runs of one scenario in chunks, on any executor, with checkpoints.

:func:`run_ensemble` checks its arguments, plans the chunks (:class:`_Plan`), loads those a
checkpoint already holds and sends the others out through
:func:`escalation.base.executors.map_chunks`, each to
:func:`escalation.ensemble.chunk.run_chunk` (the scenario travels once per chunk). Every chunk
is put back in run order as it comes (:class:`_Collector`). So the same seed gives identical
arrays serially, with any number of worker processes, with any chunk size and on a dask
cluster, and a resumed ensemble equals an uninterrupted one
(:mod:`escalation.ensemble.checkpoint`).
"""

from __future__ import annotations

import pickle
import time
import warnings
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from escalation.base.errors import InputError
from escalation.base.executors import capacity, check_workers, map_chunks
from escalation.base.progress import Progress
from escalation.base.seeds import Seed, root_entropy
from escalation.base.version import library_version
from escalation.ensemble.checkpoint import MANIFEST, Checkpoint, check_manifest, manifest_for
from escalation.ensemble.chunk import ChunkResult, run_chunk
from escalation.ensemble.columns import KEEP, Keep, empty_outcomes
from escalation.ensemble.results import Ensemble
from escalation.model.event import Event
from escalation.model.scenario import Scenario, check_posterior, load_scenario
from escalation.sim.batch import available as batch_available
from escalation.sim.batch import root_words, uncovered


@dataclass
class _Plan:
    """What one call runs: the scenario, the root seed, and the runs cut into chunks."""

    scenario: Scenario
    root: np.random.SeedSequence
    runs: int
    size: int
    keep: str
    strict: bool
    version: str
    engine: str = "simpy"
    bounds: list[tuple[int, int]] = field(init=False)

    def __post_init__(self) -> None:
        self.bounds = [(s, min(self.runs, s + self.size)) for s in range(0, self.runs, self.size)]

    @property
    def entropy(self) -> int:
        """The root seed as recorded (the entropy drawn when no seed was given)."""
        assert isinstance(self.root.entropy, int)
        return self.root.entropy

    @property
    def presences(self) -> tuple[str, ...]:
        """Presence ids, in scenario order."""
        return tuple(p.id for p in self.scenario.presences)

    def task(self, chunk: int) -> tuple[Any, ...]:
        """The arguments of :func:`run_chunk` for chunk number ``chunk``."""
        lo, hi = self.bounds[chunk]
        return (self.scenario, self.entropy, lo, hi, self.keep, self.strict, self.engine)


@dataclass(frozen=True)
class _Backend:
    """Where the chunks run, and whether a progress bar shows it."""

    workers: int | None
    executor: Executor | None
    progress: bool | None


class _Collector:
    """The ensemble's columns, filled in run order as chunks come back (from files or work)."""

    def __init__(self, runs: int, presences: tuple[str, ...], keep: str):
        self.outcomes = empty_outcomes(runs, presences)
        self.errors: dict[int, str] = {}
        self.events: list[list[Event]] | None = (
            [[] for _ in range(runs)] if keep == "events" else None
        )

    def place(self, lo: int, hi: int, result: ChunkResult) -> None:
        """Put the chunk of runs ``lo`` to ``hi`` in its place."""
        for name, column in result.columns.items():
            self.outcomes[name][lo:hi] = column
        self.errors.update(result.errors)
        if self.events is not None:
            assert result.events is not None
            self.events[lo:hi] = result.events


def _check_call(
    runs: Any,
    keep: str,
    seed: Seed,
    chunk_size: Any,
    resume: bool,
    checkpoint: str | Path | None,
    workers: int | None,
    executor: Executor | None,
) -> tuple[int, int | None]:
    """Raise on arguments :func:`run_ensemble` cannot take; return ``runs`` and the root seed."""
    if isinstance(runs, bool) or not isinstance(runs, int | np.integer) or runs < 1:
        raise ValueError(f"runs must be a positive integer, not {runs!r}")
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {', '.join(KEEP)}, not {keep!r}")
    root = root_entropy(seed)
    if chunk_size is not None and (
        isinstance(chunk_size, bool) or not isinstance(chunk_size, int | np.integer)
    ):
        raise TypeError(f"chunk_size must be an int or None, not {chunk_size!r}")
    if chunk_size is not None and chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    if resume and checkpoint is None:
        raise ValueError("resume=True needs the checkpoint directory")
    if workers is not None and executor is not None:
        raise ValueError("give either workers= or executor=, not both")
    if executor is not None and not callable(getattr(executor, "submit", None)):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor (with submit), not {executor!r}"
        )
    check_workers(workers)
    return int(runs), root


ENGINES: tuple[str, ...] = ("auto", "batch", "simpy")


def choose_engine(engine: str, scenario: Scenario, keep: str, root: int | None = None) -> str:
    """The engine that runs ``scenario``: ``"batch"`` or ``"simpy"``.

    ``"auto"`` takes the batch engine when numba is installed, every policy is built in and
    no event logs are kept, and says once (a warning) why not when a user-written policy
    forces the SimPy engine; ``"batch"`` says why whenever it cannot be had.
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if engine == "simpy":
        return "simpy"
    why, tell = None, engine == "batch"
    if not batch_available():
        why = "numba is not installed (pip install 'escalation[fast]')"
    elif keep == "events":
        why = "the batch engine keeps no event logs (keep='events')"
    elif (policy := uncovered(scenario)) is not None:
        why, tell = policy, True
    elif root is not None and root_words(root) is None:
        why = "the batch engine takes root seeds below 2**128"
    if why is None:
        return "batch"
    if tell:
        warnings.warn(f"running on the SimPy engine: {why}", UserWarning, stacklevel=3)
    return "simpy"


def _check_pickles(scenario: Scenario) -> None:
    """Fail early, and clearly, when worker processes could not receive the scenario."""
    try:
        pickle.dumps(scenario)  # what the process pool does to send it (never to a file)
    except Exception as exc:
        raise ValueError(
            f"scenario {scenario.name!r} cannot be sent to worker processes ({exc}); define "
            "policy functions at module level (not lambdas or nested functions), or run "
            "without workers="
        ) from exc


def _open_checkpoint(
    checkpoint: str | Path | None, resume: bool
) -> tuple[Checkpoint | None, dict[str, Any] | None]:
    """The checkpoint store (if any) and the manifest it already holds (if any)."""
    if checkpoint is None:
        return None, None
    store = Checkpoint(Path(checkpoint))
    previous = store.manifest()
    if previous is not None and not resume:
        raise InputError(
            "already holds a checkpoint; pass resume=True (--resume) to continue it, "
            "or choose an empty directory",
            source=store.folder,
        )
    return store, previous


#: Most runs per chunk by default, per engine: progress, checkpoints and Ctrl-C come every
#: second or so (the batch engine runs about a hundred times faster).
MOST_PER_CHUNK = {"simpy": 1000, "batch": 100_000}


def _default_chunk_size(runs: int, workers: int, most: int = 1000) -> int:
    # About four chunks per worker, so that the last ones finish together; at most ``most``.
    return max(1, min(most, -(-runs // (4 * workers))))


def _seed_and_chunk_size(
    runs: int,
    seed: int | None,
    chunk_size: int | None,
    previous: dict[str, Any] | None,
    backend: _Backend,
    most: int = 1000,
) -> tuple[np.random.SeedSequence, int]:
    """The root seed sequence and the chunk size (a resumed call takes the checkpoint's)."""
    if previous is not None:
        seed = previous.get("seed") if seed is None else seed
        chunk_size = previous.get("chunk_size") if chunk_size is None else chunk_size
    root = np.random.SeedSequence(None if seed is None else int(seed))
    if not chunk_size:  # capacity() may ask a cluster: only when needed
        chunk_size = _default_chunk_size(runs, capacity(backend.workers, backend.executor), most)
    return root, int(chunk_size)


def _load_finished(plan: _Plan, store: Checkpoint, collected: _Collector) -> list[int]:
    """Place the chunks the checkpoint holds; return the numbers of the missing ones."""
    missing = []
    for k, (lo, hi) in enumerate(plan.bounds):
        found = store.read(k, lo, hi - lo, plan.presences, plan.keep)
        if found is None:
            missing.append(k)
        else:
            collected.place(lo, hi, found)
    return missing


def _run_missing(
    plan: _Plan,
    missing: list[int],
    collected: _Collector,
    store: Checkpoint | None,
    backend: _Backend,
) -> None:
    """Run the chunks numbered ``missing``, saving and placing each as it comes back."""
    tasks = ((k, plan.task(k)) for k in missing)
    done = plan.runs - sum(plan.bounds[k][1] - plan.bounds[k][0] for k in missing)
    with Progress(plan.runs, done, backend.progress, plan.scenario.name) as bar:
        # never more processes than chunks to run (workers=1000 for 40 runs starts few)
        workers = None if backend.workers is None else min(backend.workers, len(missing))
        if not missing:
            workers = None
        chunks = map_chunks(run_chunk, tasks, workers=workers, executor=backend.executor)
        for k, result in chunks:
            lo, hi = plan.bounds[k]
            if store is not None:
                store.write(k, lo, result)
            collected.place(lo, hi, result)
            bar.update(hi - lo)


def _warn_failures(errors: dict[int, str], runs: int) -> None:
    """Warn, at the caller of :func:`run_ensemble`, that some runs failed."""
    if errors:
        first = min(errors)
        warnings.warn(
            f"{len(errors)} of {runs} runs failed (first: run {first}, {errors[first]}); "
            "see ensemble.errors",
            RuntimeWarning,
            stacklevel=3,
        )


def _execute(
    plan: _Plan, store: Checkpoint | None, previous: dict[str, Any] | None, backend: _Backend
) -> _Collector:
    """Start or resume the checkpoint, then load or run every chunk."""
    collected = _Collector(plan.runs, plan.presences, plan.keep)
    missing = list(range(len(plan.bounds)))
    if store is not None:
        manifest = manifest_for(
            plan.scenario,
            seed=plan.entropy,
            runs=plan.runs,
            chunk_size=plan.size,
            keep=plan.keep,
            version=plan.version,
        )
        if previous is not None:
            check_manifest(previous, manifest, store.folder / MANIFEST)
        store.start(manifest)
        if previous is not None:
            missing = _load_finished(plan, store, collected)
    _run_missing(plan, missing, collected, store, backend)
    return collected


def _ensemble(plan: _Plan, collected: _Collector, runtime: float) -> Ensemble:
    """The ensemble of the runs ``plan`` made, as ``collected``."""
    return Ensemble(
        scenario=plan.scenario,
        seed=plan.entropy,
        runs=plan.runs,
        version=plan.version,
        runtime=runtime,
        keep=plan.keep,
        actors=tuple(a.id for a in plan.scenario.actors),
        presences=plan.presences,
        outcomes=collected.outcomes,
        errors=dict(sorted(collected.errors.items())),
        events=collected.events,
        chunk_size=plan.size,
    )


def run_ensemble(
    scenario: Scenario | str | Path,
    runs: int,
    seed: Seed = None,
    *,
    workers: int | None = None,
    executor: Executor | None = None,
    chunk_size: int | None = None,
    keep: Keep = "outcomes",
    checkpoint: str | Path | None = None,
    resume: bool = False,
    strict: bool = False,
    progress: bool | None = None,
    engine: str = "auto",
) -> Ensemble:
    """Run ``scenario`` ``runs`` times with independent seeds and collect the outcomes.

    Parameters
    ----------
    scenario
        A :class:`~escalation.model.scenario.Scenario`, a bundled name or a YAML path.
    runs
        Number of runs.
    seed
        Root seed: run ``i`` uses ``SeedSequence(seed).spawn(runs)[i]``. ``None`` draws fresh
        entropy, recorded as ``ensemble.seed`` (with ``resume=True``, the checkpoint's seed).
    workers
        Run on a pool of this many processes (created once for the call).
    executor
        Run on this :class:`concurrent.futures.Executor` instead, e.g. a dask
        ``Client.get_executor()``; it must be able to import :mod:`escalation`.
    chunk_size
        Runs per chunk sent to a worker (and per checkpoint file). By default about four
        chunks per worker, at most 1000 runs each; on resume, the checkpoint's.
    keep
        ``"outcomes"`` (columns only) or ``"events"`` (also every run's event log).
    checkpoint
        A directory where finished chunks are saved as they finish.
    resume
        Continue the ensemble saved in ``checkpoint``: load its chunks, run the rest.
    strict
        Stop at the first run that raises, re-raising its exception; by default a failed run
        is recorded (``failed`` column, ``ensemble.errors``) and the others go on.
    progress
        Show a progress bar: ``None`` on a terminal only, ``True`` always, ``False`` never.
    engine
        ``"auto"`` (default): the compiled batch engine when numba is installed, every policy
        is built in and ``keep="outcomes"``, else the SimPy engine (with one warning saying
        why when a user-written policy is the reason); ``"batch"``: the same, but warn
        whenever it falls back; ``"simpy"``: always the SimPy engine. Both give identical
        columns run for run (``docs/engine.md``).

    Returns
    -------
    Ensemble
        The outcomes in run order, the same for a given seed whatever the backend.

    Raises
    ------
    InputError
        If the checkpoint does not match this call, or already holds an ensemble and
        ``resume`` is false.
    """
    began = time.perf_counter()
    if not isinstance(scenario, Scenario):
        scenario = load_scenario(scenario)
    else:
        check_posterior(scenario)  # a bad posterior fails here once, not in every run
    runs, root = _check_call(runs, keep, seed, chunk_size, resume, checkpoint, workers, executor)
    if workers is not None:
        _check_pickles(scenario)
    store, previous = _open_checkpoint(checkpoint, resume)
    backend = _Backend(workers, executor, progress)
    chosen = choose_engine(engine, scenario, keep, root)
    most = MOST_PER_CHUNK[chosen]
    sequence, size = _seed_and_chunk_size(runs, root, chunk_size, previous, backend, most)
    plan = _Plan(scenario, sequence, runs, size, keep, strict, library_version(), chosen)
    collected = _execute(plan, store, previous, backend)
    _warn_failures(collected.errors, runs)
    return _ensemble(plan, collected, time.perf_counter() - began)
