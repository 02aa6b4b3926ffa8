"""The batch engine: many runs of a scenario in compiled code, identical to the SimPy engine.

A scenario whose policies are all built in is compiled into arrays
(:mod:`~escalation.sim.batch.compile`) and each run is played by a scalar event loop compiled
with numba (:mod:`~escalation.sim.batch.loop`), drawing from the same counter-based stream as
the SimPy engine (:mod:`escalation.base.stream`), in the same order. Run ``i`` of an ensemble
with root seed ``r`` gives, column for column, the outcome ``simulate(scenario,
SeedSequence(r).spawn(n)[i])`` gives (``tests/test_batch.py`` checks it run by run). Ensembles
keep no event log (``keep="events"`` and user-written policies run on the SimPy engine); a
bounded per-run log for summaries is :mod:`escalation.sim.batch.logs`.

numba is an optional dependency (the ``fast`` extra); without it :func:`available` is false
and everything runs on the SimPy engine. Functions are compiled on first use and cached on
disk (``cache=True``), so only the first call of a new installation pays the compile time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from escalation.sim.batch.compile import uncovered

__all__ = ["BatchColumns", "available", "root_words", "run_batch", "uncovered"]


def available() -> bool:
    """Whether numba is installed (the batch engine can run)."""
    return find_spec("numba") is not None


def root_words(root: int) -> np.ndarray | None:
    """The 32-bit words of a root seed as numpy's SeedSequence reads them; ``None`` if too big.

    The compiled seed hash takes roots of up to 128 bits (four words), as every root seed
    the library draws or derives is.
    """
    words = []
    while True:
        words.append(root & 0xFFFFFFFF)
        root >>= 32
        if not root:
            break
    return None if len(words) > 4 else np.array(words, dtype=np.uint64)


@dataclass(frozen=True)
class BatchColumns:
    """The outcomes of a range of runs, as the batch engine gives them.

    Attributes
    ----------
    columns
        The base outcome columns (``ruptured``, ``time_to_rupture``, ``censored``, ``rounds``,
        ``peak_severity``, ``last_mover``, ``end_time``, ``acts``) and ``staff``, ``cap``,
        ``status`` of shape (runs, presences), in scenario order.
    overflow
        Positions (in the range) of runs that outgrew the engine's buffers and must be
        played on the SimPy engine.
    """

    columns: dict[str, np.ndarray]
    overflow: np.ndarray


#: Modules whose compiled code the cached kernels hold.
_SOURCES = (
    "jit",
    "layout",
    "draws",
    "kernels",
    "policies",
    "reciprocity",
    "decide",
    "queue",
    "stops",
    "eventlog",
    "loop",
    "runs",
)
_fresh = False


def fresh_cache() -> None:
    """Drop numba's cached kernels of this package if any of its sources changed.

    numba keys a cached function by its own file only, but ``run_range`` holds the compiled
    code of every kernel it calls: after an upgrade that changed a kernel and not
    ``runs.py``, the stale code would be loaded. A digest of all the sources, kept beside the
    cache (``__pycache__``, or under ``NUMBA_CACHE_DIR``), tells when to drop it.
    """
    global _fresh
    if _fresh:
        return
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in _SOURCES:
        digest.update((here / f"{name}.py").read_bytes())
    # the kernels also compile in constants of the model they mirror (reciprocity.MAX_EXP)
    digest.update((here.parent.parent / "model" / "reciprocity.py").read_bytes())
    root = os.environ.get("NUMBA_CACHE_DIR")
    folders = [here / "__pycache__"]
    if root:
        folders.append(Path(root) / str(here).lstrip("/"))
    for folder in folders:
        mark = folder / "escalation-batch.sha256"
        try:
            if mark.read_text() == digest.hexdigest():
                continue
        except OSError:
            pass
        for old in (*folder.glob("*.nbi"), *folder.glob("*.nbc")):
            old.unlink(missing_ok=True)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            mark.write_text(digest.hexdigest())
        except OSError:
            pass  # a read-only install: numba then caches elsewhere or not at all
    _fresh = True


_compiled: dict[int, tuple[Any, np.ndarray, np.ndarray, int, int]] = {}


def run_batch(scenario: Any, root: int, lo: int, hi: int) -> BatchColumns:
    """Runs ``lo`` to ``hi`` of the ensemble of ``scenario`` with root seed ``root``.

    The scenario must be covered (:func:`uncovered` is ``None``) and ``root`` below 2**128.
    What the scenario compiles into is kept for the last scenario object (and its posterior's
    particles for the process), so chunks of one ensemble compile it once.
    """
    from escalation.sim.batch.compile import compile_scenario

    fresh_cache()
    from escalation.sim.batch.runs import run_range

    words = root_words(root)
    if words is None:
        raise ValueError("the batch engine takes root seeds below 2**128")
    hit = _compiled.get(id(scenario))
    if hit is None or hit[0] is not scenario:
        _compiled.clear()
        hit = _compiled[id(scenario)] = (scenario, *compile_scenario(scenario))
    _, S, F, w_size, v_size = hit
    n, p = hi - lo, len(scenario.presences)
    times = np.zeros((n, 2))
    counts = np.zeros((n, 6), dtype=np.int64)
    final = np.zeros((n, 3, p), dtype=np.int64)
    run_range(S, F, w_size, v_size, words, lo, hi, times, counts, final)
    ruptured = counts[:, 0].astype(bool)
    columns = {
        "ruptured": ruptured,
        "time_to_rupture": times[:, 0].copy(),
        "censored": ~ruptured,
        "rounds": counts[:, 1].astype(np.int32),
        "peak_severity": counts[:, 2].astype(np.int16),
        "last_mover": counts[:, 3].astype(np.int16),
        "end_time": times[:, 1].copy(),
        "acts": counts[:, 4].astype(np.int32),
        "staff": final[:, 0, :].astype(np.int32),
        "cap": final[:, 1, :].astype(np.int32),
        "status": final[:, 2, :].astype(np.int8),
    }
    return BatchColumns(columns, np.flatnonzero(counts[:, 5]))
