"""Outcomes: what a run came to, in a few numbers.

Definitions (used by summaries and plots under these names):

``ruptured``
    Some pair of actors had every channel between them closed or suspended.
``time_to_rupture``
    Days from the start to the effect that completed the first rupture (``None`` if none).
``rounds``
    Number of turns: hostile measures announced, in time order, grouped into maximal runs by
    the same actor. NATO's two measures of 6 Oct 2021 and Moscow's three of 18 Oct are two
    rounds.
``peak_severity``
    Highest severity of a hostile measure announced.
``last_mover``
    Actor of the last hostile measure announced (``None`` if none).
``quiet``
    The run ended after ``quiet_days`` with no measure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from escalation.model.event import Event, Phase
from escalation.model.state import Status

#: The outcome names summaries and plots use (defined in the module docstring).
OUTCOME_NAMES: tuple[str, ...] = (
    "ruptured",
    "time_to_rupture",
    "rounds",
    "peak_severity",
    "last_mover",
)


@dataclass(frozen=True)
class Outcome:
    """The outcome of one run (see the module docstring for definitions)."""

    ruptured: bool
    time_to_rupture: float | None
    rupture_date: date | None
    rupture_pair: tuple[str, str] | None
    rounds: int
    peak_severity: int
    last_mover: str | None
    stop_reason: str
    end_time: float
    quiet: bool
    acts: int
    final: dict[str, tuple[int, int | None, Status]] = field(default_factory=dict)
    #: Days from the start to each pair's first rupture, keyed by the sorted pair.
    ruptures: dict[tuple[str, str], float] = field(default_factory=dict)

    @classmethod
    def _build(cls, **fields: Any) -> Outcome:
        # The constructor without the frozen dataclass's checked setattr per field (the
        # engine makes one outcome per run); every field must be given.
        outcome = object.__new__(cls)
        outcome.__dict__.update(fields)
        return outcome

    def to_dict(self) -> dict[str, Any]:
        """Plain dict with JSON-friendly values."""
        return {
            "ruptured": self.ruptured,
            "time_to_rupture": self.time_to_rupture,
            "rupture_date": self.rupture_date.isoformat() if self.rupture_date else None,
            "rupture_pair": list(self.rupture_pair) if self.rupture_pair else None,
            "rounds": self.rounds,
            "peak_severity": self.peak_severity,
            "last_mover": self.last_mover,
            "stop_reason": self.stop_reason,
            "end_time": self.end_time,
            "quiet": self.quiet,
            "acts": self.acts,
            "final": {
                k: {"staff": s, "cap": c, "status": st.value}
                for k, (s, c, st) in self.final.items()
            },
            "ruptures": [[a, b, t] for (a, b), t in self.ruptures.items()],
        }


def count_rounds(events: Sequence[Event]) -> tuple[int, int, str | None]:
    """Return ``(rounds, peak severity, last mover)`` of the hostile announced measures.

    The definition, applied to a log; the engine counts the same as a run goes.
    """
    rounds, peak, last = 0, 0, None
    for e in events:
        if e.phase is not Phase.ANNOUNCED or not e.measure.is_hostile:
            continue
        if e.actor != last:
            rounds += 1
            last = e.actor
        peak = max(peak, e.severity)
    return rounds, peak, last
