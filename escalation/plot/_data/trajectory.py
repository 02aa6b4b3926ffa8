"""The numbers behind :func:`escalation.plot.trajectory`: each actor's step line and packages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from escalation.model.event import Event, Phase
from escalation.model.measure import MeasureKind
from escalation.plot._data.sample import actor_labels
from escalation.sim.history import History, replay
from escalation.sim.run import Run


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
    labels = dict(zip(actors, actor_labels(scenario, actors), strict=True))
    end = run.date_of(run.outcome.end_time)
    packages: dict[tuple[str, date], list[Event]] = {}
    for e in run.events:
        if e.phase is Phase.ANNOUNCED and e.measure is not MeasureKind.RECALL:
            packages.setdefault((e.actor, e.date), []).append(e)
    paths = tuple(_actor_path(actor, labels[actor], run.start, end, packages) for actor in actors)
    return Trajectory(
        name=scenario.name,
        start=run.start,
        end=end,
        paths=paths,
        rupture=run.outcome.rupture_date,
        levels=run.ladder.levels,
    )


def _actor_path(
    actor: str,
    label: str,
    start: date,
    end: date,
    packages: dict[tuple[str, date], list[Event]],
) -> ActorPath:
    """The step line and marks of one actor, from its packages (in the order announced)."""
    dates: list[date] = [start]
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
    return ActorPath(actor, label, tuple(dates), np.array(levels), tuple(marks))
