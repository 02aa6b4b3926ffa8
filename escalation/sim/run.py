"""Runs: one trajectory, with its event log, its states over time and its outcome."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from escalation.base.display import html_table
from escalation.model.event import Event, Phase
from escalation.model.ladder import Ladder
from escalation.model.measure import Measure
from escalation.model.state import State
from escalation.sim.dyads import DyadOutcome, dyad_outcomes
from escalation.sim.outcome import Outcome


def _as_date(when: date | str) -> date:
    return date.fromisoformat(when) if isinstance(when, str) else when


class RunLog(Protocol):
    """What a summary of a run's log reads.

    A :class:`Run` has it, and so has a logged batch-engine run
    (:class:`escalation.sim.batch.logs.LoggedRun`).
    """

    @property
    def start(self) -> date:
        """The scenario's start date."""
        ...

    @property
    def events(self) -> Sequence[Event]:
        """The event log, in the order things happened."""
        ...

    @property
    def initial(self) -> State:
        """State at the start (read-only)."""
        ...

    @property
    def final(self) -> State:
        """State at the end."""
        ...


@dataclass
class Run:
    """One simulated (or replayed) trajectory.

    Attributes
    ----------
    scenario
        The scenario it ran (a :class:`~escalation.model.scenario.Scenario`).
    seed
        The seed it was given: an int, the entropy of a generator's seed sequence, or ``None``.
    events
        The event log, in the order things happened.
    outcome
        What the run came to.
    initial
        State at the start: read-only, as the runs of one scenario share it (its
        :meth:`~escalation.model.state.State.copy` can change).
    final
        State at the end.
    ladder
        The ladder used for severities.
    runtime
        Wall-clock seconds the run took.
    """

    scenario: Any
    seed: Any
    events: list[Event]
    outcome: Outcome
    initial: State
    final: State
    ladder: Ladder
    runtime: float = 0.0
    problems: list[Event] = field(default_factory=list)

    @property
    def start(self) -> date:
        """The scenario's start date."""
        return self.scenario.start

    @property
    def dyads(self) -> tuple[DyadOutcome, ...]:
        """Outcomes per dyad (see :mod:`escalation.sim.dyads`), in order of first move."""
        return dyad_outcomes(self)

    @property
    def announced(self) -> list[Event]:
        """Announced events only (one per measure)."""
        return [e for e in self.events if e.phase is Phase.ANNOUNCED]

    def date_of(self, time: float) -> date:
        """Calendar date of ``time`` days after the start."""
        return self.start + timedelta(days=time)

    def states(self) -> Iterator[tuple[float, State]]:
        """Yield ``(time, state)`` after each effective event, starting with the initial state.

        The same state object is updated in place between yields; copy it to keep it.
        """
        state = self.initial.copy()
        yield 0.0, state
        for e in self.events:
            if e.phase is Phase.EFFECTIVE and e.presence is not None:
                state.apply(Measure(e.measure, e.actor, e.target, e.presence, e.magnitude))
                yield e.time, state

    def state_at(self, when: date | str | float) -> State:
        """The state at the end of calendar day ``when`` (or after ``when`` days)."""
        if isinstance(when, int | float):
            limit = float(when)
        else:
            limit = float((_as_date(when) - self.start).days) + 1.0 - 1e-9
        state = self.initial.copy()
        for e in self.events:
            if e.time > limit:
                break
            if e.phase is Phase.EFFECTIVE and e.presence is not None:
                state.apply(Measure(e.measure, e.actor, e.target, e.presence, e.magnitude))
        return state

    def event(self, event_id: int) -> Event:
        """The event with id ``event_id``."""
        return self.events[event_id]

    def to_records(self) -> list[dict[str, Any]]:
        """The event log as a list of plain dicts."""
        return [e.to_dict() for e in self.events]

    def table(self, phases: tuple[Phase, ...] = (Phase.ANNOUNCED, Phase.EFFECTIVE)) -> str:
        """The event log as a readable fixed-width table (``print(run.table())``).

        Each measure appears when it is ``announced`` and, unless it is a statement, again
        when it is ``effective`` (or ``lapsed``/``infeasible``), as the ``phase`` column says.
        """
        head = f"{'id':>4} {'date':<10} {'phase':<10} {'actor':<10} {'measure':<10} "
        head += f"{'presence':<18} {'n':>3} {'sev':>3} {'cause':>5}  note"
        lines = [head, "-" * len(head)]
        for e in self.events:
            if e.phase not in phases and e.phase not in (Phase.LAPSED, Phase.INFEASIBLE):
                continue
            cause = "" if e.cause is None else str(e.cause)
            note = f"{e.forced} more forced out by the cap. {e.note}" if e.forced else e.note
            lines.append(
                f"{e.id:>4} {e.date.isoformat():<10} {e.phase.value:<10} {e.actor:<10} "
                f"{e.measure.value:<10} {e.presence or '':<18} {e.magnitude:>3} "
                f"{e.severity:>3} {cause:>5}  {note}"
            )
        return "\n".join(lines)

    def _headline(self) -> str:
        o = self.outcome
        came = f"ruptured on {o.rupture_date}" if o.ruptured else f"no rupture ({o.stop_reason})"
        return (
            f"Run of {self.scenario.name!r}, seed {self.seed}: {len(self.announced)} measures, "
            f"{o.rounds} rounds, peak severity {o.peak_severity}, {came}"
        )

    def __repr__(self) -> str:
        return f"<{self._headline()}; print(run.table()) for the event log>"

    def _repr_html_(self) -> str:
        rows = [
            (
                e.id,
                e.date.isoformat(),
                e.phase.value,
                e.actor,
                e.target,
                e.measure.value,
                e.presence or "",
                e.magnitude,
                e.severity,
                "" if e.cause is None else e.cause,
            )
            for e in self.events
        ]
        header = ("id", "date", "phase", "actor", "target", "measure", "presence", "n", "sev")
        return html_table(
            self._headline(),
            (*header, "cause"),
            rows,
            note="phase: announced (the day a measure is made public) or effective (the day "
            "it takes effect); cause: id of the event answered.",
        )
