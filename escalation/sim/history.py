"""Documented histories: dated events in the library's vocabulary, replayed by the engine.

A history is a YAML file (see ``seeds/nato-russia.yaml``) with the actors, the presences at the
start and the events, each with its source; or a CSV file of events only (columns ``id, date,
effective, actor, target, measure, presence, magnitude, cause, source, note``), whose starting
presences then come from a scenario.

:func:`replay` runs the events through the same engine and state rules as a simulation. An
event that is not feasible where it happens is reported with its date and source; it is never
clipped to fit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.base.display import html_table
from escalation.base.errors import HistoryError, InputError
from escalation.base.files import read_text
from escalation.model.files import field_path, read_yaml, validation_error
from escalation.model.scenario import (
    Actor,
    PresenceSpec,
    Scenario,
    StopRules,
    bundled_dir,
    resolve,
)
from escalation.model.trigger import Trigger, Uncertainty
from escalation.model.variants import apply_variant, check_label, variant_labels
from escalation.sim.engine import simulate
from escalation.sim.run import Run

CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "date",
    "effective",
    "actor",
    "target",
    "measure",
    "presence",
    "magnitude",
    "cause",
    "source",
    "note",
)
_REQUIRED_CSV = ("date", "actor", "target", "measure")


class HistoryActor(BaseModel):
    """An actor of a history."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    name: str = ""


class Level(BaseModel):
    """A documented staff level (or cap) of a presence on a date: an observation, not an act.

    Replay carries staff from one documented act to the next; where a source reports a level
    the acts do not explain (departures nobody documented, vacant posts), it is kept here, with
    how it is known (``uncertain``), rather than explained by an invented act.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: dt.date
    presence: str
    staff: int | None = Field(default=None, ge=0)
    cap: int | None = Field(default=None, ge=0)
    vacant: int | None = Field(default=None, ge=0)
    uncertain: dict[str, Uncertainty] = Field(default_factory=dict)
    source: str
    note: str = ""


class Omission(BaseModel):
    """A documented act the history does not model, and why (kept so that none is lost)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    date: str
    actor: str
    what: str
    source: str
    reason: str


class History(BaseModel):
    """A documented sequence of measures with the state it started from.

    ``data_version`` changes whenever the data change; ``compiled`` is the date the file was
    made from its sources and ``accessed`` says when the sources were read (or that it was
    not recorded).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    title: str = ""
    data_version: str = ""
    compiled: dt.date | None = None
    accessed: str = ""
    start: dt.date
    actors: tuple[HistoryActor, ...] = ()
    presences: tuple[PresenceSpec, ...] = ()
    events: tuple[Trigger, ...] = Field(min_length=1)
    levels: tuple[Level, ...] = ()
    not_modelled: tuple[Omission, ...] = ()
    path: str | None = Field(default=None, exclude=True)

    @model_validator(mode="after")
    def _consistent(self) -> History:
        ids = {e.id for e in self.events if e.id}
        seen: set[str] = set()
        for i, e in enumerate(self.events):
            if e.actor is None:
                raise ValueError(f"events[{i}].actor: every documented event needs an actor")
            if e.date is None:
                raise ValueError(f"events[{i}].date: every documented event needs a date")
            if e.date < self.start:
                raise ValueError(f"events[{i}].date: {e.date} is before the start {self.start}")
            if e.cause is not None and e.cause not in seen:
                problem = "comes later" if e.cause in ids else "is not an event id"
                raise ValueError(f"events[{i}].cause: {e.cause!r} {problem}")
            if e.id:
                if e.id in seen:
                    raise ValueError(f"events[{i}].id: {e.id!r} is used twice")
                seen.add(e.id)
        pids = {p.id for p in self.presences}
        for i, lv in enumerate(self.levels):
            if pids and lv.presence not in pids:
                raise ValueError(f"levels[{i}].presence: unknown presence {lv.presence!r}")
        return self

    def __repr__(self) -> str:
        return (
            f"History({self.name!r}, {len(self.events)} events from {self.start} to "
            f"{self.end}, actors={[a.id for a in self.actors]})"
        )

    def _repr_html_(self) -> str:
        rows = [
            (
                e.id or "",
                e.calendar(self.start).isoformat(),
                "" if e.effective is None else e.effective.isoformat(),
                e.actor,
                e.target,
                e.measure.value,
                e.presence or "",
                e.magnitude,
                e.cause or "",
            )
            for e in self.events
        ]
        return html_table(
            f"History {self.name}: {self.title or ''} ({len(self.events)} events)",
            (
                "id",
                "announced",
                "effective",
                "actor",
                "target",
                "measure",
                "presence",
                "n",
                "cause",
            ),
            rows,
            note="announced: the date a measure was made public; effective: the date it took "
            "effect, where documented.",
        )

    @property
    def variants(self) -> tuple[str, ...]:
        """Labels of the documented alternative readings (see :mod:`escalation.model.variants`)."""
        return variant_labels([*self.presences, *self.events])

    def variant(self, label: str) -> History:
        """Return the history with the alternatives labelled ``label`` in place of its values.

        Raises
        ------
        HistoryError
            If no presence or event has an alternative of that label.
        """
        try:
            check_label(label, self.variants, f"history {self.name}")
        except ValueError as exc:
            raise HistoryError(str(exc), source=self.path or self.name) from None
        return self.model_copy(
            update={
                "presences": apply_variant(self.presences, label),
                "events": apply_variant(self.events, label),
            }
        )

    def level(self, presence: str, when: dt.date | str) -> Level | None:
        """The documented level of ``presence`` on ``when``, if a source gives one."""
        day = _day(when)
        return next((lv for lv in self.levels if lv.presence == presence and lv.date == day), None)

    @property
    def end(self) -> dt.date:
        """The last date on which something documented happens (effects included)."""
        return max(e.effective or e.calendar(self.start) for e in self.events)

    def between(self, first: dt.date | str, last: dt.date | str) -> list[Trigger]:
        """Events announced from ``first`` to ``last`` inclusive."""
        a, b = _day(first), _day(last)
        return [e for e in self.events if a <= e.calendar(self.start) <= b]

    def to_scenario(self, scenario: Scenario | None = None) -> Scenario:
        """A scenario that plays exactly the documented events, all actors passive."""
        if self.presences:
            presences = self.presences
        elif scenario is not None:
            presences = scenario.presences
        else:
            raise HistoryError(
                "the history gives no presences; pass a scenario for the starting state",
                source=self.path or self.name,
            )
        actor_ids = [a.id for a in self.actors] or sorted(
            {e.actor for e in self.events if e.actor} | {e.target for e in self.events}
        )
        names = {a.id: a.name for a in self.actors}
        horizon = float((self.end - self.start).days) + 31.0
        try:
            return Scenario(
                name=_slug(self.name),
                description=self.title,
                start=self.start,
                horizon_days=horizon,
                actors=tuple(Actor(id=a, name=names.get(a, "")) for a in actor_ids),
                presences=presences,
                triggers=self.events,
                stop=StopRules(rupture=False, quiet_days=None),
            )
        except ValidationError as exc:
            raise _as_events(validation_error(exc, self.path or self.name, HistoryError)) from None


def _as_events(exc: InputError) -> HistoryError:
    """``exc`` with the scenario's ``triggers[i]`` named as the history's ``events[i]``."""
    lines = [exc, *exc.also]
    fixed = [
        HistoryError(
            e.problem,
            source=e.source,
            field=None if e.field is None else e.field.replace("triggers", "events", 1),
        )
        for e in lines
    ]
    return HistoryError(
        fixed[0].problem, source=fixed[0].source, field=fixed[0].field, also=tuple(fixed[1:])
    )


def _day(when: dt.date | str) -> dt.date:
    return dt.date.fromisoformat(when) if isinstance(when, str) else when


def _slug(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in name.lower()) or "history"


def bundled_histories() -> list[str]:
    """Names of the bundled histories in ``seeds/``."""
    return sorted(p.stem for p in bundled_dir("seeds").glob("*.yaml"))


def load_history(name_or_path: str | Path) -> History:
    """Load a documented history: a bundled name (``"nato-russia"``), a YAML or a CSV path.

    Raises
    ------
    HistoryError
        Naming the file, the field (or CSV line and column) and the problem.
    """
    path = resolve(name_or_path, "seeds")
    if not path.exists() and path.parent == bundled_dir("seeds"):
        names = ", ".join(bundled_histories())
        raise HistoryError(
            f"no bundled history of that name (bundled: {names})", source=str(name_or_path)
        )
    if path.suffix == ".csv":
        return _load_csv(path)
    data = read_yaml(path, HistoryError)
    if not isinstance(data, dict):
        raise HistoryError("a history file must hold a mapping", source=path)
    try:
        return History.model_validate({**data, "path": str(path)})
    except ValidationError as exc:
        raise validation_error(exc, path, HistoryError) from None


def _load_csv(path: Path) -> History:
    try:
        text = read_text(path)  # a regular file of bounded size, UTF-8
    except InputError as exc:
        raise HistoryError(exc.problem, source=path) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)  # e.g. an unclosed quote
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise HistoryError(f"line {reader.line_num}: not valid CSV ({exc})", source=path) from None
    rows = [r for r in rows if r and not r[0].lstrip().startswith("#")]
    if not rows:
        raise HistoryError("the file has no header row", source=path)
    header = [h.strip() for h in rows[0]]
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise HistoryError(
            f"unknown column {unknown[0]!r}; columns are {', '.join(CSV_COLUMNS)}", source=path
        )
    missing = [c for c in _REQUIRED_CSV if c not in header]
    if missing:
        raise HistoryError(f"missing column {missing[0]!r}", source=path)
    events: list[Trigger] = []
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise HistoryError(
                f"line {line}: {len(row)} values for {len(header)} columns", source=path
            )
        record: dict[str, Any] = {h: v.strip() for h, v in zip(header, row, strict=True)}
        record = {k: v for k, v in record.items() if v != ""}
        try:
            events.append(Trigger.model_validate(record))
        except ValidationError as exc:
            err = exc.errors()[0]
            field = field_path(err["loc"])
            problem = err["msg"].removeprefix("Value error, ")
            raise HistoryError(f"line {line}: {problem}", source=path, field=field) from None
    if not events:
        raise HistoryError("the file has no events", source=path)
    first = min(e.date for e in events if e.date is not None)
    try:
        return History(name=path.stem, start=first, events=tuple(events), path=str(path))
    except ValidationError as exc:
        raise validation_error(exc, path, HistoryError) from None


def replay(
    history: History | str | Path, *, scenario: Scenario | None = None, strict: bool = True
) -> Run:
    """Run the documented events through the engine and return the run.

    Parameters
    ----------
    history
        A :class:`History`, a bundled history name or a path.
    scenario
        Gives the starting presences when the history has none (CSV histories).
    strict
        If true (default), an event that is infeasible where it happens raises
        :class:`HistoryError` with its date and source; otherwise it is kept in
        ``run.problems`` (and in the log with phase ``infeasible``).
    """
    if not isinstance(history, History):
        history = load_history(history)
    run = simulate(history.to_scenario(scenario), seed=0)
    if strict and run.problems:
        e = run.problems[0]
        raise HistoryError(
            f"event on {e.date} ({e.actor} {e.measure} {e.presence or ''} x{e.magnitude}) "
            f"cannot happen there: {e.note}. Source: {e.source or 'none given'}",
            source=history.path or history.name,
        )
    return run
