"""Measures: the typed acts one actor takes against another.

A measure is *who does what to whom, where, and how much*. Whether it is feasible depends on
the state (see :mod:`escalation.model.state`); how severe it is depends on the ladder (see
:mod:`escalation.model.ladder`).

Kinds and their actors:

========== ================================================================ =============
kind       meaning                                                          done by
========== ================================================================ =============
criticize  public criticism or denunciation (statement)                     anyone
accuse     accusation, e.g. of espionage (statement)                        anyone
threaten   threat to reduce relations or retaliate (statement)              anyone
expel      withdraw accreditation of ``magnitude`` staff of a presence      its host
deny       refuse ``magnitude`` pending accreditations                      its host
cap        cut a presence's cap by ``magnitude`` posts                      its host
close      close a presence (its staff leave)                               its host
suspend    suspend one's own presence (its staff leave)                     its owner
restore    reopen a closed (host) or suspended (owner) presence with
           ``magnitude`` staff                                              host / owner
reaccredit accredit ``magnitude`` more staff, up to the cap                 its host
recall     withdraw ``magnitude`` of one's own staff (routine turnover)     its owner
restrict   restrict the work of a presence (access, movement) without      its host
           removing staff: ``magnitude`` staff keep unrestricted access
reduce     reduce or suspend cooperation outside any presence (e.g.        anyone
           NATO's suspension of practical cooperation, April 2014)
========== ================================================================ =============

``restrict`` and ``reduce`` change no state; they are recorded (and remembered by policies)
but never chosen by the substitution rule, which picks among acts that change something or
statements. ``reduce`` needs no presence (:attr:`MeasureKind.needs_presence`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple


class MeasureKind(StrEnum):
    """The kinds of measure; values are the names used in files and on the command line."""

    CRITICIZE = "criticize"
    ACCUSE = "accuse"
    THREATEN = "threaten"
    EXPEL = "expel"
    DENY = "deny"
    CAP = "cap"
    CLOSE = "close"
    SUSPEND = "suspend"
    RESTORE = "restore"
    REACCREDIT = "reaccredit"
    RECALL = "recall"
    RESTRICT = "restrict"
    REDUCE = "reduce"

    # Flags set on every member below (read on every event, so kept as plain attributes).
    _statement: bool
    _hostile: bool
    _owner_act: bool
    _removal: bool
    _no_presence: bool

    @property
    def is_statement(self) -> bool:
        """Whether the measure is verbal only (needs no presence, changes no state)."""
        return self._statement

    @property
    def needs_presence(self) -> bool:
        """Whether the measure is taken at a presence (statements and ``reduce`` are not)."""
        return not self._no_presence

    @property
    def is_hostile(self) -> bool:
        """Whether the measure is hostile (a grievance for its target)."""
        return self._hostile

    @property
    def is_conciliatory(self) -> bool:
        """Whether the measure de-escalates (restore, re-accredit)."""
        return self in (MeasureKind.RESTORE, MeasureKind.REACCREDIT)


_STATEMENTS = frozenset({MeasureKind.CRITICIZE, MeasureKind.ACCUSE, MeasureKind.THREATEN})
_NOT_HOSTILE = frozenset({MeasureKind.RESTORE, MeasureKind.REACCREDIT, MeasureKind.RECALL})
_NO_PRESENCE = _STATEMENTS | {MeasureKind.REDUCE}
_OWNER_ACTS = frozenset({MeasureKind.SUSPEND, MeasureKind.RECALL})  # the others are the host's
_REMOVALS = frozenset({MeasureKind.EXPEL, MeasureKind.RECALL})  # take staff out of a presence
for _kind in MeasureKind:  # looked up on every event: kept on the members, not hashed each time
    _kind._statement = _kind in _STATEMENTS
    _kind._hostile = _kind not in _NOT_HOSTILE
    _kind._owner_act = _kind in _OWNER_ACTS
    _kind._removal = _kind in _REMOVALS
    _kind._no_presence = _kind in _NO_PRESENCE


class Measure(NamedTuple):
    """One act: ``actor`` does ``kind`` to ``target`` at ``presence``, ``magnitude`` times.

    Immutable (a named tuple: cheap to create, as the engine makes many).

    Attributes
    ----------
    kind
        The measure kind.
    actor
        Id of the actor taking the measure.
    target
        Id of the actor the measure is aimed at.
    presence
        Id of the presence concerned; ``None`` for statements.
    magnitude
        Staff expelled, denied, re-accredited or recalled; posts cut for ``cap``; staff
        accredited on reopening for ``restore``; 1 for statements, ``close`` and ``suspend``.
    """

    kind: MeasureKind
    actor: str
    target: str
    presence: str | None = None
    magnitude: int = 1

    def with_magnitude(self, magnitude: int) -> Measure:
        """Return the same measure with another magnitude."""
        return tuple.__new__(
            Measure, (self.kind, self.actor, self.target, self.presence, magnitude)
        )

    def __str__(self) -> str:
        where = f" at {self.presence}" if self.presence else ""
        size = f" x{self.magnitude}" if self.magnitude != 1 else ""
        return f"{self.actor} {self.kind.value}{size}{where} -> {self.target}"
