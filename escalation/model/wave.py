"""Waves: one target, many initiators, written once and expanded into a scenario's parts.

A coordinated wave (the expulsions after the Salisbury poisoning, March 2018) is many dyads:
each initiator acts against one target on its own date. Written out, that is an actor, two
presences and a trigger per initiator; a wave says it in one line each::

    waves:
      - target: russia
        measure: expel
        default_staff: 50            # staff of each presence the wave creates, if not given
        initiators:
          - {actor: uk, date: 2018-03-14, count: 23, source: https://...}
          - {actor: nato, date: 2018-03-27, count: 7, presence: ru-mission-nato}

Expansion (:func:`expand_waves`, run when a scenario is validated) adds, for each initiator
and only where the scenario does not already have one of the same id:

* the actor ``<actor>`` (policy: the wave's ``initiator_policy``, else passive);
* the target's presence at the initiator, ``<target>-at-<actor>`` (owner target, host
  initiator, ``staff`` or ``default_staff``), and the initiator's at the target,
  ``<actor>-at-<target>`` (``own_staff`` or ``default_staff``), each mirroring the other;
  an initiator that names a ``presence`` gets none (the scenario declares its presences);
* the trigger ``<actor>-<measure>``: the initiator's measure against the target at that
  presence, of size ``count``, on ``date`` (or ``day``), effective as given.

The scenario then holds what the wave expanded to (``Scenario.waves`` is not kept), so that
a scenario written out in full and one written with waves are the same object.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from escalation.model.measure import MeasureKind

_ID = r"^[a-z0-9][a-z0-9_.-]*$"
#: Measures a wave can carry: host acts at a presence of the target.
WAVE_MEASURES = frozenset(
    {MeasureKind.EXPEL, MeasureKind.DENY, MeasureKind.CAP, MeasureKind.CLOSE, MeasureKind.RESTRICT}
)


class Initiator(BaseModel):
    """One initiator of a wave: who acts against the target, when, and how much."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    actor: str = Field(pattern=_ID)
    name: str = ""
    date: dt.date | None = None
    day: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    effective: dt.date | None = None
    delay_days: float | None = Field(default=None, ge=0.0, allow_inf_nan=False)
    count: int = Field(default=1, ge=1)
    presence: str | None = Field(default=None, pattern=_ID)
    staff: int | None = Field(default=None, ge=0)
    own_staff: int | None = Field(default=None, ge=0)
    source: str = ""
    note: str = ""
    uncertain: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_time(self) -> Initiator:
        if (self.date is None) == (self.day is None):
            raise ValueError("give exactly one of 'date' and 'day'")
        return self


class Wave(BaseModel):
    """One target and the initiators that act against it (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    target: str = Field(pattern=_ID)
    measure: MeasureKind = MeasureKind.EXPEL
    default_staff: int = Field(default=50, ge=0)
    initiator_policy: dict[str, Any] | None = None
    initiators: tuple[Initiator, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Wave:
        if self.measure not in WAVE_MEASURES:
            known = ", ".join(sorted(k.value for k in WAVE_MEASURES))
            raise ValueError(f"measure: a wave carries one of {known}, not {self.measure}")
        seen: set[str] = set()
        for i, a in enumerate(self.initiators):
            if a.actor == self.target:
                raise ValueError(f"initiators[{i}].actor: the target cannot act against itself")
            if a.actor in seen:
                raise ValueError(f"initiators[{i}].actor: {a.actor!r} is listed twice")
            seen.add(a.actor)
        return self

    def parts(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """The actors, presences and triggers this wave stands for (as plain mappings)."""
        t = self.target
        actors: list[dict[str, Any]] = []
        presences: list[dict[str, Any]] = []
        triggers: list[dict[str, Any]] = []
        for a in self.initiators:
            actor: dict[str, Any] = {"id": a.actor, "name": a.name}
            if self.initiator_policy is not None:
                actor["policy"] = self.initiator_policy
            actors.append(actor)
            where = a.presence
            if where is None:
                where, own = f"{t}-at-{a.actor}", f"{a.actor}-at-{t}"
                staff = self.default_staff if a.staff is None else a.staff
                own_staff = self.default_staff if a.own_staff is None else a.own_staff
                presences.append(
                    {"id": where, "owner": t, "host": a.actor, "staff": staff, "mirrors": own}
                )
                presences.append(
                    {"id": own, "owner": a.actor, "host": t, "staff": own_staff, "mirrors": where}
                )
            trigger: dict[str, Any] = {
                "id": f"{a.actor}-{self.measure.value}",
                "actor": a.actor,
                "target": t,
                "measure": self.measure,
                "presence": where,
                "magnitude": a.count,
                "source": a.source,
                "note": a.note,
            }
            for key in ("date", "day", "effective", "delay_days"):
                if getattr(a, key) is not None:
                    trigger[key] = getattr(a, key)
            if a.uncertain:
                trigger["uncertain"] = dict(a.uncertain)
            triggers.append(trigger)
        return actors, presences, triggers


def _ident(item: Any) -> str | None:
    return item.get("id") if isinstance(item, dict) else getattr(item, "id", None)


def expand_waves(data: Any) -> Any:
    """Return scenario input ``data`` with its ``waves`` expanded (see the module docstring).

    Raises
    ------
    ValueError
        Naming the wave field (``waves[0].initiators[2].count: ...``) and the problem.
    """
    if not isinstance(data, dict) or "waves" not in data:
        return data
    data = dict(data)
    raw = data.pop("waves") or []
    if not isinstance(raw, list | tuple):
        raise ValueError("waves: a list of waves is expected")
    out = {key: list(data.get(key) or ()) for key in ("actors", "presences", "triggers")}
    for i, spec in enumerate(raw):
        try:
            wave = spec if isinstance(spec, Wave) else Wave.model_validate(spec)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
            msg = err["msg"].removeprefix("Value error, ")
            if not loc and ": " in msg:
                loc, _, msg = msg.partition(": ")
                loc = f".{loc}"
            raise ValueError(f"waves[{i}]{loc}: {msg}") from None
        if not any(_ident(a) == wave.target for a in out["actors"]):
            out["actors"].append({"id": wave.target})
        for key, items in zip(("actors", "presences", "triggers"), wave.parts(), strict=True):
            known = {_ident(x) for x in out[key]}
            out[key] += [x for x in items if x["id"] not in known]
    data.update({key: tuple(items) for key, items in out.items()})
    return data
