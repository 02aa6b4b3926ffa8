"""What happened between each initiator and its target, from an event log.

Issue 10 adds per-dyad outcomes to every run (``escalation.sim.dyads``); until that lands this
module computes the same quantities, under the same names, from a run's event log, for
simulated runs and for a window of a replayed history alike, so that predictions and
observations are summarised by one function. Times are days; only announced events count;
"hostile" includes statements only when ``statements=True``.

``initiator``, ``target``
    The actor of the first hostile measure between the pair in the window, and the other.
``first_time``
    Its time.
``answered``, ``lag``, ``answer_kind``
    Whether the target announced a hostile measure against the initiator at or after
    ``first_time``; the days to the first one (``nan`` if none); its kind (``None``).
``ratio``
    Staff the target's answers removed (``expel``, ``deny``) over staff the initiator's
    measures removed; ``nan`` if either is 0.
``ruptured``, ``time_to_rupture``
    Whether every channel between the pair was closed or suspended at some time in the
    window, and the days from ``first_time`` until it first was (``nan`` if never).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from escalation.model.event import Event, Phase
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import State

_REMOVING = (MeasureKind.EXPEL, MeasureKind.DENY)


@dataclass(frozen=True)
class Dyad:
    """What happened between one initiator and its target (see the module docstring)."""

    initiator: str
    target: str
    first_time: float
    answered: bool
    lag: float
    answer_kind: str | None
    ratio: float
    ruptured: bool
    time_to_rupture: float

    @property
    def key(self) -> tuple[str, str]:
        """``(initiator, target)``."""
        return (self.initiator, self.target)


def _rupture_times(
    initial: State, events: Sequence[Event], pairs: set[frozenset[str]], end: float
) -> dict[frozenset[str], float]:
    """First time each pair was ruptured, up to ``end``."""
    state = initial.copy()
    out: dict[frozenset[str], float] = {}
    for e in events:
        if e.time > end:
            break
        if e.phase is not Phase.EFFECTIVE or e.presence is None:
            continue
        state.apply(Measure(e.measure, e.actor, e.target, e.presence, e.magnitude))
        key = frozenset((e.actor, e.target))
        if key in pairs and key not in out and state.ruptured(e.actor, e.target):
            out[key] = e.time
    return out


def dyads_of(
    run: Any, *, since: float = 0.0, until: float = math.inf, statements: bool = False
) -> tuple[Dyad, ...]:
    """One :class:`Dyad` per pair with a hostile measure in ``[since, until]``, by first move.

    ``run`` is a :class:`~escalation.sim.run.Run` (``events`` and ``initial`` are used).
    """
    by_pair: dict[frozenset[str], list[Event]] = {}
    for e in run.events:
        if e.time < since or e.time > until or e.phase is not Phase.ANNOUNCED:
            continue
        if e.measure.is_hostile and (statements or not e.measure.is_statement):
            by_pair.setdefault(frozenset((e.actor, e.target)), []).append(e)
    ruptures = _rupture_times(run.initial, run.events, set(by_pair), until)
    out = []
    for key, events in by_pair.items():
        first = events[0]
        a, b, t0 = first.actor, first.target, first.time
        moves = [e for e in events if e.actor == a]
        answers = [e for e in events if e.actor == b]
        removed = sum(e.magnitude for e in moves if e.measure in _REMOVING)
        back = sum(e.magnitude for e in answers if e.measure in _REMOVING)
        when = ruptures.get(key)
        out.append(
            Dyad(
                initiator=a,
                target=b,
                first_time=t0,
                answered=bool(answers),
                lag=answers[0].time - t0 if answers else math.nan,
                answer_kind=answers[0].measure.value if answers else None,
                ratio=back / removed if removed and back else math.nan,
                ruptured=when is not None,
                time_to_rupture=when - t0 if when is not None else math.nan,
            )
        )
    out.sort(key=lambda d: d.first_time)
    return tuple(out)
