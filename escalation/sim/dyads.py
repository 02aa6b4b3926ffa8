"""Outcomes per dyad: for each pair of actors, who moved first and how the other answered.

A wave (one target, many initiators) is many dyads, and what the record says about it is per
dyad: Moscow answered each expelling state in kind, mostly within 3-4 days. The definitions
below are computed from a run's log alone (any run, simulated or replayed), the same way for
both, so that a batch engine can reproduce them from its own log.

Definitions (times are days from the run's start; "hostile" is
:attr:`~escalation.model.measure.MeasureKind.is_hostile`, statements included; only
*announced* events count):

``initiator``, ``target``
    The actor of the first hostile measure between the two (in log order), and the other.
    Each pair with any hostile measure between them gives one dyad.
``first_time``
    Time of that first measure.
``answered``, ``lag``, ``answer_kind``
    Whether the target announced a hostile measure against the initiator at or after
    ``first_time``; the days from ``first_time`` to the first such answer (``nan`` if none);
    its kind (``None`` if none). A statement (a threat) is an answer here; see ``act_lag``.
``act_lag``
    Days from ``first_time`` to the target's first hostile answer that is not a statement
    (``nan`` if none).
``removed``, ``removed_back``
    Staff removed by the initiator's hostile measures against the target, and by the target's
    answers: the magnitudes of ``expel`` and ``deny`` measures (staff forced out by a cap cut
    are not counted: they depend on the staff level, which the record rarely gives).
``ratio``
    ``removed_back / removed``; ``nan`` if either is 0 or there was no answer.
``ruptured``, ``time_to_rupture``
    Whether every channel (presence) between the two was closed or suspended at the end of
    the run, and the time at which the pair first ruptured (``None`` if it never did).
``answers``
    Number of hostile measures the target announced against the initiator from
    ``first_time`` on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from escalation.model.event import Event, Phase
from escalation.model.measure import MeasureKind

_REMOVING = (MeasureKind.EXPEL, MeasureKind.DENY)


@dataclass(frozen=True)
class DyadOutcome:
    """What happened between one initiator and its target (see the module docstring)."""

    initiator: str
    target: str
    first_time: float
    answered: bool
    lag: float
    answer_kind: str | None
    ratio: float
    ruptured: bool
    time_to_rupture: float | None
    act_lag: float = math.nan
    removed: int = 0
    removed_back: int = 0
    answers: int = 0


def _removed(events: list[Event]) -> int:
    return sum(e.magnitude for e in events if e.measure in _REMOVING)


def dyad_outcomes(run: Any) -> tuple[DyadOutcome, ...]:
    """One :class:`DyadOutcome` per pair with a hostile measure, in order of ``first_time``.

    ``run`` is a :class:`~escalation.sim.run.Run` (anything with ``events``, ``final`` and
    ``outcome.ruptures``).
    """
    by_pair: dict[frozenset[str], list[Event]] = {}
    for e in run.events:
        if e.phase is Phase.ANNOUNCED and e.measure.is_hostile:
            by_pair.setdefault(frozenset((e.actor, e.target)), []).append(e)
    ruptures: dict[tuple[str, str], float] = getattr(run.outcome, "ruptures", {})
    out = []
    for events in by_pair.values():
        first = events[0]
        a, b, t0 = first.actor, first.target, first.time
        moves = [e for e in events if e.actor == a]
        answers = [e for e in events if e.actor == b and e.time >= t0]
        acts = [e for e in answers if not e.measure.is_statement]
        removed, back = _removed(moves), _removed(answers)
        pair = (min(a, b), max(a, b))
        out.append(
            DyadOutcome(
                initiator=a,
                target=b,
                first_time=t0,
                answered=bool(answers),
                lag=answers[0].time - t0 if answers else math.nan,
                answer_kind=answers[0].measure.value if answers else None,
                ratio=back / removed if answers and removed and back else math.nan,
                ruptured=run.final.ruptured(a, b),
                time_to_rupture=ruptures.get(pair),
                act_lag=acts[0].time - t0 if acts else math.nan,
                removed=removed,
                removed_back=back,
                answers=len(answers),
            )
        )
    out.sort(key=lambda d: d.first_time)  # stable: log order among equal times
    return tuple(out)
