"""Events: the rows of a run's log."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Any, NamedTuple

from escalation.model.measure import MeasureKind


class Phase(StrEnum):
    """What an event records about its measure.

    ``announced``: the measure is made public (policies react to this).
    ``effective``: it takes effect and changes the state.
    ``lapsed``: it was announced but could no longer take effect (the state changed meanwhile).
    ``infeasible``: a scripted or triggered measure that was not feasible when it came due.
    """

    ANNOUNCED = "announced"
    EFFECTIVE = "effective"
    LAPSED = "lapsed"
    INFEASIBLE = "infeasible"


class Event(NamedTuple):
    """One row of the event log (immutable; a named tuple, cheap to create).

    Attributes
    ----------
    id
        Position in the log (0, 1, ...).
    act
        Number shared by the announced and effective events of one measure.
    phase
        See :class:`Phase`.
    time
        Days since the scenario's start.
    date
        Calendar date of ``time``.
    actor, target, measure, presence, magnitude
        The measure (see :class:`escalation.model.measure.Measure`).
    severity
        Level on the scenario's ladder.
    cause
        Id of the event this measure answers; ``None`` for exogenous measures.
    forced
        Staff forced out beyond the measure's own magnitude (a cap cut below the staff).
    cameo, goldstein
        CAMEO code and Goldstein weight of the measure.
    note
        Free text: why an act lapsed, a source's remark, the substitution made.
    source
        Where a documented or scripted act comes from.
    """

    id: int
    act: int
    phase: Phase
    time: float
    date: date
    actor: str
    target: str
    measure: MeasureKind
    presence: str | None
    magnitude: int
    severity: int
    cause: int | None = None
    forced: int = 0
    cameo: str = ""
    goldstein: float = 0.0
    note: str = ""
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Return a plain dict with JSON-friendly values."""
        d = self._asdict()
        d["phase"] = self.phase.value
        d["measure"] = self.measure.value
        d["date"] = self.date.isoformat()
        return d


#: Field order for tables and CSV files.
EVENT_FIELDS: tuple[str, ...] = (
    "id",
    "act",
    "phase",
    "time",
    "date",
    "actor",
    "target",
    "measure",
    "presence",
    "magnitude",
    "severity",
    "cause",
    "forced",
    "cameo",
    "goldstein",
    "note",
    "source",
)
