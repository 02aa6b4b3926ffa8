"""Episode summaries: a few numbers per episode, the same for a simulated and a documented run.

Calibration compares runs through these numbers. They are computed by one function,
:meth:`EpisodeSummaries.compute`, from a :class:`~escalation.sim.run.Run`: a simulation, or the
replay of a documented history (:func:`escalation.sim.history.replay`). Nothing else is read, so a
simulated run and the documented record are treated alike.

An *episode* is a package of measures that the ``counterpart`` announces against the
``actor`` on one date (NATO's measures of 27 March 2018 and of 6 October 2021). Its *answers*
are the ``actor``'s hostile, non-statement measures against the counterpart announced after the
package, within ``window_days``, and before the next episode. Statements ("Moscow will
respond") are not answers here: the policies being fitted do not make them, and the documented
record has them whether or not anything followed.

Per episode, in this order (``<label>.<name>``, the label being the episode's year when the
years differ, else its date):

``answered``
    1 if an answer came within the window, else 0.
``lag``
    ``log(1 + days)`` from the package to the first answer. No answer: ``log(1 + window)``,
    that is, censored at the window.
``severity``
    Highest ladder level of the answers minus that of the package. No answer: ``0 - level``
    (nothing done is level 0).
``type_change``
    1 if the answers reach a more serious kind of measure than the package (personnel
    measures - expel, deny, cap - then closures and suspensions), else 0. No answer: 0.
``magnitude``
    ``log(1 + staff the answers removed from the counterpart's presences) - log(1 + staff the
    package removed from the actor's presences)``, counting staff forced out by cap cuts and
    closures. No answer removes nobody, so the formula needs no imputed value.
``delay``
    ``log(1 + days)`` from the first answer's announcement to its effect. No answer: 0.
``rounds``
    Turns of hostile non-statement measures between the pair from the package on (runs of
    measures by the same side), until the next episode, a gap longer than ``quiet_days``, or a
    rupture.
``ruptured``
    1 if every channel between the pair was closed or suspended by the end of the window.

An episode that cannot take place because the run already ended it (the pair ruptured
earlier, so the package was infeasible or the run had stopped) gets the no-answer values with
``severity`` 0, ``magnitude`` 0, ``rounds`` 0 and ``ruptured`` as the state says.

Logs put the lags, delays and staff counts on the scale on which a day or one diplomat more
matters less the more there already are.
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
from escalation.sim.run import Run

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

#: Summaries that take a few integer values (their predictive p-values use mid-p; see
#: :mod:`escalation.calibrate.driver`).
DISCRETE_SUMMARIES: frozenset[str] = frozenset(
    {"answered", "severity", "type_change", "rounds", "ruptured"}
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
    """How to summarise the episodes of a run (see the module docstring).

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

    @property
    def discrete(self) -> np.ndarray:
        """Mask of the summaries that take a few integer values."""
        return np.array([n.split(".", 1)[1] in DISCRETE_SUMMARIES for n in self.names])

    def compute(self, run: Run) -> np.ndarray:
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


def _episodes(run: Run, spec: EpisodeSummaries) -> list[_Values]:
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
