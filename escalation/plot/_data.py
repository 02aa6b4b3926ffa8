"""The numbers behind each plot, computed apart from the drawing.

Every function here returns plain numpy arrays or small frozen dataclasses, so that what a
plot shows can be tested (and reused) without matplotlib. The plotting functions in
:mod:`escalation.plot` only draw what these return.

Ensembles and lists of runs are both accepted: :func:`as_sample` turns either into one
columnar view (:class:`Sample`). Failed runs (a policy raised) carry no outcome and are left
out of every share; the plots say how many were left out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np

from escalation.ensemble.stats import Z95
from escalation.ensemble.stats import wilson as summary_wilson
from escalation.model.event import Event, Phase
from escalation.model.ladder import DEFAULT_LADDER, Ladder
from escalation.model.measure import MeasureKind
from escalation.sim.history import History, replay
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
    lo, hi = summary_wilson(k, n, z)
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


def _labels(scenario: Any, actors: Sequence[str]) -> tuple[str, ...]:
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
        labels=_labels(scenario, actors),
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
        labels=_labels(scenario, actors),
        outcomes=outcomes,
        events=[r.events for r in runs],
        levels=runs[0].ladder.levels,
    )


# -- one trajectory -----------------------------------------------------------------------


def measure_label(event: Event) -> str:
    """Short text for a measure: ``"expel 8"``, ``"cap -10"``, ``"close nato-mlm-moscow"``."""
    kind = event.measure
    if kind.is_statement:
        return kind.value
    if kind is MeasureKind.CAP:
        return f"cap -{event.magnitude}"
    if kind in (MeasureKind.CLOSE, MeasureKind.SUSPEND):
        return f"{kind.value} {event.presence}"
    if kind is MeasureKind.RESTORE:
        return f"restore {event.presence} +{event.magnitude}"
    return f"{kind.value} {event.magnitude}"


@dataclass(frozen=True)
class Mark:
    """The measures one actor announced on one day (a package), as one annotated marker."""

    date: date
    time: float
    level: int
    text: str
    hostile: bool


@dataclass(frozen=True)
class ActorPath:
    """One actor's step line: the severity of its latest package, from the start to the end.

    ``dates`` and ``levels`` are the corners of a post-step line (``drawstyle="steps-post"``):
    level 0 at the start, then at each day the actor announced hostile measures the most
    severe of them, held until its next hostile package, up to the end of the run.
    """

    actor: str
    label: str
    dates: tuple[date, ...]
    levels: np.ndarray
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Trajectory:
    """What :func:`escalation.plot.trajectory` draws for one run."""

    name: str
    start: date
    end: date
    paths: tuple[ActorPath, ...]
    rupture: date | None
    levels: tuple[str, ...]

    def path(self, actor: str) -> ActorPath:
        """The path of ``actor``."""
        for p in self.paths:
            if p.actor == actor:
                return p
        raise KeyError(f"no actor {actor!r} in the trajectory")


def trajectory_data(run: Run | History) -> Trajectory:
    """Return the step lines and annotated packages of a run (a history is replayed first).

    Only announced measures count. Hostile measures move the step line; conciliatory ones
    (restore, re-accredit) are marked without moving it; routine recalls are left out.
    """
    if isinstance(run, History):
        run = replay(run, strict=False)
    scenario = run.scenario
    actors = [a.id for a in scenario.actors]
    labels = dict(zip(actors, _labels(scenario, actors), strict=True))
    end = run.date_of(run.outcome.end_time)
    packages: dict[tuple[str, date], list[Event]] = {}
    for e in run.events:
        if e.phase is Phase.ANNOUNCED and e.measure is not MeasureKind.RECALL:
            packages.setdefault((e.actor, e.date), []).append(e)
    paths = []
    for actor in actors:
        dates: list[date] = [run.start]
        levels: list[int] = [0]
        marks: list[Mark] = []
        for (who, day), evs in packages.items():
            if who != actor:
                continue
            hostile = [e for e in evs if e.measure.is_hostile]
            text = "\n".join(measure_label(e) for e in evs)
            if hostile:
                level = max(e.severity for e in hostile)
                dates.append(day)
                levels.append(level)
                marks.append(Mark(day, hostile[0].time, level, text, True))
            else:
                marks.append(Mark(day, evs[0].time, levels[-1], text, False))
        dates.append(max(end, dates[-1]))
        levels.append(levels[-1])
        paths.append(ActorPath(actor, labels[actor], tuple(dates), np.array(levels), tuple(marks)))
    return Trajectory(
        name=scenario.name,
        start=run.start,
        end=end,
        paths=tuple(paths),
        rupture=run.outcome.rupture_date,
        levels=run.ladder.levels,
    )


# -- fan chart ----------------------------------------------------------------------------


def day_grid(horizon: float) -> np.ndarray:
    """Whole days ``0, 1, ..., floor(horizon)``."""
    return np.arange(0, math.floor(horizon) + 1, dtype=float)


def dates_of(start: date, days: np.ndarray) -> np.ndarray:
    """Calendar dates (``datetime64[D]``) of ``days`` after ``start``."""
    return np.datetime64(start, "D") + np.asarray(days).astype("timedelta64[D]")


def escalation_paths(events: Sequence[Sequence[Event]], days: np.ndarray) -> np.ndarray:
    """Escalation level of each run on each day: the running peak severity to date.

    Returns an integer array of shape ``(len(events), len(days))``: entry ``[i, j]`` is the
    highest severity of a hostile measure announced in run ``i`` at or before ``days[j]``
    (0 before the first). A run that stopped early keeps its level to the horizon.
    """
    out = np.zeros((len(events), len(days)), dtype=np.int64)
    for i, log in enumerate(events):
        hostile = [
            (e.time, e.severity)
            for e in log
            if e.phase is Phase.ANNOUNCED and e.measure.is_hostile
        ]
        if not hostile:
            continue
        times = np.array([t for t, _ in hostile])
        peak = np.maximum.accumulate(np.array([s for _, s in hostile]))
        idx = np.searchsorted(times, days, side="right") - 1
        out[i] = np.where(idx >= 0, peak[np.maximum(idx, 0)], 0)
    return out


def ruptured_by(ruptured: np.ndarray, time: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Share of runs ruptured at or before each of ``days``."""
    n = len(ruptured)
    if n == 0:
        return np.full(len(days), np.nan)
    t = np.sort(np.asarray(time, dtype=float)[np.asarray(ruptured, dtype=bool)])
    return np.searchsorted(t, days, side="right") / n


@dataclass(frozen=True)
class Fan:
    """What :func:`escalation.plot.fan_chart` draws.

    ``bands[q]`` is the ``q`` quantile (an observed level, ``inverted_cdf``) of the
    escalation level across runs on each day; ``ruptured`` the share of runs ruptured by then.
    """

    name: str
    start: date
    days: np.ndarray
    dates: np.ndarray
    bands: Mapping[float, np.ndarray]
    mean: np.ndarray
    ruptured: np.ndarray
    n: int
    failed: int
    levels: tuple[str, ...]


def fan_data(source: Any, quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9)) -> Fan:
    """Return the quantile bands of the escalation level over time, and the rupture share.

    Raises
    ------
    ValueError
        If the ensemble kept no trajectories (``keep="outcomes"``), or a quantile lies
        outside [0, 1].
    """
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {quantiles!r}")
    sample = as_sample(source)
    if sample.events is None:
        raise ValueError(
            "a fan chart needs each run's events: run the ensemble with keep='events' "
            "(run_ensemble(scenario, runs, seed, keep='events'))"
        )
    if sample.n == 0:
        raise ValueError("no run to plot (every run failed)")
    days = day_grid(sample.horizon)
    paths = escalation_paths(sample.events, days)
    bands = {q: np.quantile(paths, q, axis=0, method="inverted_cdf") for q in qs}
    return Fan(
        name=sample.name,
        start=sample.start,
        days=days,
        dates=dates_of(sample.start, days),
        bands=bands,
        mean=paths.mean(axis=0),
        ruptured=ruptured_by(sample["ruptured"], sample["time_to_rupture"], days),
        n=sample.n,
        failed=sample.failed,
        levels=sample.levels,
    )


# -- outcome distributions ----------------------------------------------------------------


@dataclass(frozen=True)
class Ecdf:
    """Empirical distribution of the time to rupture over *all* runs, censoring included.

    ``times`` are the distinct rupture times (days) and ``share[i]`` the share of all runs
    ruptured by ``times[i]``, with pointwise Wilson bounds ``lo``/``hi``. A run that ends
    without a rupture (at the horizon, or earlier under the quiet rule, after which the model
    has it do nothing more) is censored: it never ruptures within the horizon, so the curve
    plateaus at P(rupture by the horizon) = ``final``.
    """

    times: np.ndarray
    share: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    final: Share
    censored: int
    horizon: float
    start: date
    failed: int

    @property
    def n(self) -> int:
        """Number of runs."""
        return self.final.n


def ecdf_data(source: Any) -> Ecdf:
    """Return the ECDF of the time to rupture (see :class:`Ecdf`)."""
    s = as_sample(source)
    ruptured = np.asarray(s["ruptured"], dtype=bool)
    t = np.sort(np.asarray(s["time_to_rupture"], dtype=float)[ruptured])
    times, counts = np.unique(t, return_counts=True)
    k = np.cumsum(counts)
    lo, hi = wilson_arrays(k, s.n)
    share = k / s.n if s.n else np.full(len(k), np.nan)
    return Ecdf(
        times=times,
        share=share,
        lo=lo,
        hi=hi,
        final=wilson(int(ruptured.sum()), s.n),
        censored=int((~ruptured).sum()),
        horizon=s.horizon,
        start=s.start,
        failed=s.failed,
    )


@dataclass(frozen=True)
class Counts:
    """Counts and shares of the values of a discrete outcome.

    ``values`` are the categories in display order (integers for counts, actor ids or
    ``"none"`` for the last mover) and ``labels`` their display text.
    """

    values: tuple[Any, ...]
    labels: tuple[str, ...]
    counts: np.ndarray
    n: int
    failed: int

    @property
    def shares(self) -> np.ndarray:
        """``counts / n``."""
        return self.counts / self.n if self.n else np.full(len(self.counts), np.nan)

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """Wilson bounds ``(lo, hi)`` of each share."""
        return wilson_arrays(self.counts, self.n)


def count_data(source: Any, name: str, values: Sequence[int] | None = None) -> Counts:
    """Return the counts of an integer outcome (``rounds``, ``peak_severity``).

    Every integer from the smallest to the largest value seen is listed, zeros included,
    unless ``values`` gives the categories.
    """
    if check_outcome(name) != "count":
        raise ValueError(f"{name!r} is not an integer outcome")
    s = as_sample(source)
    x = np.asarray(s[name], dtype=np.int64)
    if values is None:
        values = range(int(x.min()), int(x.max()) + 1) if len(x) else ()
    vals = tuple(int(v) for v in values)
    counts = np.array([int((x == v).sum()) for v in vals], dtype=np.int64)
    return Counts(vals, tuple(str(v) for v in vals), counts, s.n, s.failed)


def binary_data(source: Any) -> Counts:
    """Return the counts of ruptured and not ruptured runs."""
    s = as_sample(source)
    k = int(np.asarray(s["ruptured"], dtype=bool).sum())
    return Counts(
        (True, False), ("ruptured", "not ruptured"), np.array([k, s.n - k]), s.n, s.failed
    )


def mover_data(source: Any, actors: Sequence[str] | None = None) -> Counts:
    """Return how often each actor moved last (``"none"``: no hostile measure at all).

    ``actors`` fixes the categories (for side-by-side comparisons); by default the sample's
    actors, with ``"none"`` only when it occurs.
    """
    s = as_sample(source)
    x = np.asarray(s["last_mover"], dtype=np.int64)
    names = dict(zip(s.actors, s.labels, strict=True))
    by_id = {a: int((x == i).sum()) for i, a in enumerate(s.actors)}
    by_id["none"] = int((x < 0).sum())
    if actors is None:
        actors = [*s.actors, *(["none"] if by_id["none"] else [])]
    counts = np.array([by_id.get(a, 0) for a in actors], dtype=np.int64)
    labels = tuple(names.get(a, "nobody" if a == "none" else a) for a in actors)
    return Counts(tuple(actors), labels, counts, s.n, s.failed)


# -- the ladder ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Rung:
    """One level of a ladder and the measures that sit on it."""

    level: int
    name: str
    measures: tuple[str, ...]


def ladder_data(ladder: Ladder) -> tuple[Rung, ...]:
    """Return each level with the measure kinds at that severity.

    Expulsions and cap cuts above ``ladder.large_expulsion`` count one level higher; they are
    listed there as ``"expel >10"``, ``"cap >10"``.
    """
    at: dict[int, list[str]] = {i: [] for i in range(len(ladder.levels))}
    for kind in MeasureKind:
        level = ladder.severities[kind]
        big = kind in (MeasureKind.EXPEL, MeasureKind.CAP)
        at[level].append(f"{kind.value} <={ladder.large_expulsion}" if big else kind.value)
        if big:
            at[level + 1].append(f"{kind.value} >{ladder.large_expulsion}")
    return tuple(Rung(i, name, tuple(at[i])) for i, name in enumerate(ladder.levels))


def horizon_date(start: date, horizon: float) -> date:
    """Calendar date ``horizon`` days after ``start``."""
    return start + timedelta(days=horizon)
