"""Episode summaries: a few numbers per episode, the same for a simulated and a documented run.

Calibration compares runs through these numbers, computed by one function,
:meth:`EpisodeSummaries.compute`, from a :class:`~escalation.sim.run.Run`: a simulation, or the
replay of a documented history (:func:`escalation.sim.history.replay`), so that both are
treated alike. What an episode is and what each summary measures is in ``docs/calibration.md``
("Episode summaries").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalation.model.event import Event, Phase
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import State
from escalation.sim.run import RunLog

#: Names of the summaries of one episode, in order.
SUMMARY_NAMES: tuple[str, ...] = (
    "answered",
    "lag",
    "severity",
    "type_change",
    "magnitude",
    "delay",
    "rounds",
    "ruptured",
)

_PERSONNEL = frozenset({MeasureKind.EXPEL, MeasureKind.DENY, MeasureKind.CAP})
_MISSION = frozenset({MeasureKind.CLOSE, MeasureKind.SUSPEND})


def _kind_class(kind: MeasureKind) -> int:
    if kind in _MISSION:
        return 2
    if kind in _PERSONNEL:
        return 1
    return 0


def _substantive(e: Event) -> bool:
    return e.phase is Phase.ANNOUNCED and e.measure.is_hostile and not e.measure.is_statement


class EpisodeSummaries(BaseModel):
    """How to summarise the episodes of a run (``docs/calibration.md``, "Episode summaries").

    Parameters
    ----------
    actor
        The actor whose answers are summarised (the one being calibrated).
    counterpart
        The actor whose measures start each episode.
    episodes
        Dates of the counterpart's packages, in time order.
    window_days
        An answer counts if announced within this many days of the package.
    quiet_days
        A gap this long ends the count of rounds.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str
    counterpart: str
    episodes: tuple[dt.date, ...] = Field(min_length=1)
    window_days: float = Field(default=90.0, gt=0.0, allow_inf_nan=False)
    quiet_days: float = Field(default=180.0, gt=0.0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _ordered(self) -> EpisodeSummaries:
        if list(self.episodes) != sorted(set(self.episodes)):
            raise ValueError("episodes: dates must be distinct and in time order")
        if self.actor == self.counterpart:
            raise ValueError("counterpart: must differ from the actor")
        return self

    @property
    def labels(self) -> tuple[str, ...]:
        """One label per episode: its year, or its date when two share a year."""
        years = [str(d.year) for d in self.episodes]
        if len(set(years)) == len(years):
            return tuple(years)
        return tuple(d.isoformat() for d in self.episodes)

    @property
    def names(self) -> tuple[str, ...]:
        """Names of all summaries, ``<label>.<summary>``, episode by episode."""
        return tuple(f"{lab}.{n}" for lab in self.labels for n in SUMMARY_NAMES)

    def compute(self, run: RunLog) -> np.ndarray:
        """The summaries of ``run`` (simulated or replayed), as a vector."""
        return np.array(
            [v for values in _episodes(run, self) for v in values.as_tuple()], dtype=float
        )


@dataclass(frozen=True, slots=True)
class _Values:
    answered: float
    lag: float
    severity: float
    type_change: float
    magnitude: float
    delay: float
    rounds: float
    ruptured: float

    def as_tuple(self) -> tuple[float, ...]:
        return (
            self.answered,
            self.lag,
            self.severity,
            self.type_change,
            self.magnitude,
            self.delay,
            self.rounds,
            self.ruptured,
        )


def _episodes(run: RunLog, spec: EpisodeSummaries) -> list[_Values]:
    a, b = spec.actor, spec.counterpart
    start = run.start
    events = run.events
    # One pass over the log: staff removed by each effective event, from its presence's
    # owner, and the time the pair ruptured, all on a copy of the initial state.
    state: State = run.initial.copy()
    removed: dict[int, tuple[str, int]] = {}
    effect_time: dict[int, float] = {}
    rupture_time = math.inf
    if state.ruptured(a, b):
        rupture_time = -math.inf
    for e in events:
        if e.phase in (Phase.EFFECTIVE, Phase.LAPSED):
            effect_time.setdefault(e.act, e.time)
        if e.phase is not Phase.EFFECTIVE or e.presence is None:
            continue
        p = state.presences.get(e.presence)
        if p is None:
            continue
        before = p.staff
        state.apply(Measure(e.measure, e.actor, e.target, e.presence, e.magnitude))
        owner, n = removed.get(e.act, (p.owner, 0))
        removed[e.act] = (owner, n + max(before - p.staff, 0))
        if rupture_time == math.inf and state.ruptured(a, b):
            rupture_time = e.time

    times = [float((d - start).days) for d in spec.episodes]
    out = []
    for i, t0 in enumerate(times):
        t_next = times[i + 1] if i + 1 < len(times) else math.inf
        out.append(_episode(events, spec, t0, t_next, removed, effect_time, rupture_time))
    return out


def _episode(
    events: Sequence[Event],
    spec: EpisodeSummaries,
    t0: float,
    t_next: float,
    removed: dict[int, tuple[str, int]],
    effect_time: dict[int, float],
    rupture_time: float,
) -> _Values:
    a, b = spec.actor, spec.counterpart
    window = spec.window_days
    end = min(t0 + window, t_next)
    package = [
        e
        for e in events
        if _substantive(e) and e.actor == b and e.target == a and t0 <= e.time < t0 + 1
    ]
    ruptured = float(rupture_time <= end)
    no_lag = math.log1p(window)
    if not package:
        return _Values(0.0, no_lag, 0.0, 0.0, 0.0, 0.0, 0.0, ruptured)
    last_id = max(e.id for e in package)
    answers = [
        e
        for e in events
        if _substantive(e)
        and e.actor == a
        and e.target == b
        and e.id > last_id
        and e.time <= t0 + window
        and e.time < t_next
    ]
    level = max(e.severity for e in package)
    taken = _removed_from(package, a, removed)
    rounds = _rounds(events, spec, t0, t_next, rupture_time)
    if not answers:
        return _Values(0.0, no_lag, -float(level), 0.0, -math.log1p(taken), 0.0, rounds, ruptured)
    first = answers[0]
    given = _removed_from(answers, b, removed)
    delay = effect_time.get(first.act, first.time) - first.time
    changed = max(_kind_class(e.measure) for e in answers) > max(
        _kind_class(e.measure) for e in package
    )
    return _Values(
        answered=1.0,
        lag=math.log1p(max(first.time - t0, 0.0)),
        severity=float(max(e.severity for e in answers) - level),
        type_change=float(changed),
        magnitude=math.log1p(given) - math.log1p(taken),
        delay=math.log1p(max(delay, 0.0)),
        rounds=rounds,
        ruptured=ruptured,
    )


def _removed_from(acts: Sequence[Event], owner: str, removed: dict[int, tuple[str, int]]) -> int:
    """Staff that ``acts`` removed from presences of ``owner``."""
    total = 0
    for e in acts:
        who, n = removed.get(e.act, (owner, 0))
        if who == owner:
            total += n
    return total


def _rounds(
    events: Sequence[Event], spec: EpisodeSummaries, t0: float, t_next: float, rupture: float
) -> float:
    pair = {spec.actor, spec.counterpart}
    rounds, last_actor, last_time = 0, None, t0
    for e in events:
        if not _substantive(e) or e.time < t0 or e.time >= t_next:
            continue
        if {e.actor, e.target} != pair:
            continue
        if e.time - last_time > spec.quiet_days or e.time > rupture:
            break
        if e.actor != last_actor:
            rounds += 1
            last_actor = e.actor
        last_time = e.time
    return float(rounds)
