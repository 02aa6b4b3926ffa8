"""The numbers behind :func:`escalation.plot.severity_ladder`: each level and its measures."""

from __future__ import annotations

from dataclasses import dataclass

from escalation.model.ladder import Ladder
from escalation.model.measure import MeasureKind


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
