"""One columnar view of many runs, the outcome kinds, and Wilson intervals.

Ensembles and lists of runs are both accepted: :func:`as_sample` turns either into one
columnar view (:class:`Sample`). Failed runs (a policy raised) carry no outcome and are left
out of every share; the plots say how many were left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from escalation.ensemble.stats import Z95
from escalation.ensemble.stats import wilson as stats_wilson
from escalation.model.event import Event
from escalation.model.ladder import DEFAULT_LADDER
from escalation.sim.outcome import OUTCOME_NAMES
from escalation.sim.run import Run

#: How each outcome is shown: ``binary``, ``time`` (censored), ``count`` or ``actor``.
OUTCOME_KINDS: Mapping[str, str] = {
    "ruptured": "binary",
    "time_to_rupture": "time",
    "rounds": "count",
    "peak_severity": "count",
    "last_mover": "actor",
}


def check_outcome(name: str) -> str:
    """Return the kind of outcome ``name``; raise ``ValueError`` naming the valid ones."""
    if name not in OUTCOME_NAMES or name not in OUTCOME_KINDS:
        raise ValueError(f"unknown outcome {name!r}; valid outcomes: {', '.join(OUTCOME_NAMES)}")
    return OUTCOME_KINDS[name]


# -- intervals ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A proportion ``k / n`` with its Wilson score interval."""

    k: int
    n: int
    p: float
    lo: float
    hi: float


def wilson(k: int, n: int, z: float = Z95) -> Share:
    """Return ``k / n`` with its Wilson score interval (95 % by default; NaNs if ``n == 0``).

    The interval is :func:`escalation.ensemble.stats.wilson`, the one the summaries report.
    """
    if n < 0 or not 0 <= k <= n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")
    if n == 0:
        return Share(0, 0, math.nan, math.nan, math.nan)
    p = k / n
    lo, hi = stats_wilson(k, n, z)
    # clip rounding noise so that lo <= p <= hi holds exactly at k = 0 and k = n
    return Share(k, n, p, min(lo, p), max(hi, p))


def wilson_arrays(k: Sequence[int] | np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Wilson bounds ``(lo, hi)`` for each count in ``k`` out of ``n``."""
    shares = [wilson(int(x), n) for x in np.asarray(k).ravel()]
    shape = np.shape(k)
    lo = np.array([s.lo for s in shares], dtype=float).reshape(shape)
    hi = np.array([s.hi for s in shares], dtype=float).reshape(shape)
    return lo, hi


# -- a uniform view of an ensemble or a list of runs --------------------------------------


@dataclass(frozen=True)
class Sample:
    """Columnar outcomes of many runs of one scenario (failed runs dropped).

    Attributes
    ----------
    name
        Name of the scenario.
    scenario
        The scenario the runs came from (``None`` for an ensemble loaded without it).
    start
        Its start date.
    horizon
        Its horizon in days.
    actors
        Actor ids; ``last_mover`` indexes into them (-1: nobody moved).
    labels
        Display names of the actors.
    outcomes
        ``ruptured`` (bool), ``time_to_rupture`` (float, the end time when not ruptured),
        ``rounds``, ``peak_severity``, ``last_mover`` (int), of the runs that did not fail.
    events
        Event log of each kept run, or ``None`` when the ensemble kept outcomes only.
    levels
        Level names of the scenario's ladder.
    failed
        Number of failed runs left out.
    """

    name: str
    scenario: Any
    start: date
    horizon: float
    actors: tuple[str, ...]
    labels: tuple[str, ...]
    outcomes: Mapping[str, np.ndarray]
    events: list[list[Event]] | None
    levels: tuple[str, ...]
    failed: int = 0

    @property
    def n(self) -> int:
        """Number of runs kept."""
        return len(self.outcomes["ruptured"])

    def __getitem__(self, name: str) -> np.ndarray:
        return self.outcomes[name]


def actor_labels(scenario: Any, actors: Sequence[str]) -> tuple[str, ...]:
    """Display names of ``actors`` in ``scenario`` (the id where it has no label)."""
    names = {a.id: a.label for a in getattr(scenario, "actors", ())}
    return tuple(names.get(a, a) for a in actors)


def as_sample(source: Any) -> Sample:
    """Return a :class:`Sample` from an ensemble or a non-empty sequence of runs.

    Raises
    ------
    ValueError
        If ``source`` is empty, or the runs come from different scenarios.
    TypeError
        If ``source`` is neither an ensemble nor a sequence of runs.
    """
    if isinstance(source, Sample):
        return source
    if hasattr(source, "outcomes") and hasattr(source, "actors"):
        return _from_ensemble(source)
    if isinstance(source, Run):
        source = [source]
    if isinstance(source, Sequence) and all(isinstance(r, Run) for r in source):
        return _from_runs(source)
    raise TypeError(
        f"expected an Ensemble (escalation.run_ensemble) or a list of Runs, "
        f"not {type(source).__name__}"
    )


def _from_ensemble(ens: Any) -> Sample:
    out = ens.outcomes
    failed = np.asarray(out["failed"], dtype=bool) if "failed" in out else None
    keep = ~failed if failed is not None else np.ones(len(out["ruptured"]), dtype=bool)
    names = ("ruptured", "time_to_rupture", "rounds", "peak_severity", "last_mover")
    outcomes = {k: np.asarray(out[k])[keep] for k in names}
    events = getattr(ens, "events", None)
    if events is not None:
        events = [ev for ev, ok in zip(events, keep, strict=True) if ok]
    scenario = ens.scenario
    actors = tuple(ens.actors)
    ladder = scenario.build_ladder() if scenario is not None else DEFAULT_LADDER
    return Sample(
        name=getattr(ens, "name", "") or (scenario.name if scenario is not None else ""),
        scenario=scenario,
        start=getattr(ens, "start", None) or scenario.start,
        horizon=float(ens.horizon),
        actors=actors,
        labels=actor_labels(scenario, actors),
        outcomes=outcomes,
        events=events,
        levels=ladder.levels,
        failed=int((~keep).sum()),
    )


def _from_runs(runs: Sequence[Run]) -> Sample:
    if not runs:
        raise ValueError("no runs to plot")
    scenario = runs[0].scenario
    if any(r.scenario.name != scenario.name for r in runs):
        raise ValueError("the runs come from different scenarios; pass one scenario's runs")
    actors = tuple(a.id for a in scenario.actors)
    index = {a: i for i, a in enumerate(actors)}
    o = [r.outcome for r in runs]
    outcomes = {
        "ruptured": np.array([x.ruptured for x in o], dtype=bool),
        "time_to_rupture": np.array(
            [x.time_to_rupture if x.ruptured else x.end_time for x in o], dtype=float
        ),
        "rounds": np.array([x.rounds for x in o], dtype=np.int64),
        "peak_severity": np.array([x.peak_severity for x in o], dtype=np.int64),
        "last_mover": np.array(
            [-1 if x.last_mover is None else index[x.last_mover] for x in o], dtype=np.int64
        ),
    }
    return Sample(
        name=scenario.name,
        scenario=scenario,
        start=scenario.start,
        horizon=float(scenario.horizon_days),
        actors=actors,
        labels=actor_labels(scenario, actors),
        outcomes=outcomes,
        events=[r.events for r in runs],
        levels=runs[0].ladder.levels,
    )
