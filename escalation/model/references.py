"""The cross-references of a scenario: every broken one, so that all are shown at once."""

from __future__ import annotations

from typing import Any

from escalation.model.trigger import Trigger


def reference_problems(self: Any) -> list[str]:
    """Every broken reference between actors, presences, triggers and dates."""
    ids = [a.id for a in self.actors]
    out = _unique(ids, "actors") + _unique([p.id for p in self.presences], "presences")
    known = set(ids)
    pids = {p.id: p for p in self.presences}
    for i, a in enumerate(self.actors):
        for other in a.policies:
            if other not in known or other == a.id:
                out.append(f"actors[{i}].policies: {other!r} is not another actor")
        for pol in (a.policy, *a.policies.values()):
            for j, act in enumerate(pol.scheduled() if pol else ()):
                where = f"actors[{i}] scripted act {j}"
                if act.actor not in (None, a.id):
                    out.append(
                        f"{where}.actor: {act.actor!r} is not {a.id!r}, whose policy plays it"
                    )
                out += _trigger_problems(self, act, where, a.id, pids)
    for i, p in enumerate(self.presences):
        for role in ("owner", "host"):
            if getattr(p, role) not in known:
                out.append(f"presences[{i}].{role}: unknown actor {getattr(p, role)!r}")
        q = pids.get(p.mirrors) if p.mirrors is not None else None
        if p.mirrors is not None and (q is None or (q.owner, q.host) != (p.host, p.owner)):
            what = "unknown presence" if q is None else f"not {p.host}'s presence at {p.owner}:"
            out.append(f"presences[{i}].mirrors: {what} {p.mirrors!r}")
    if isinstance(self.stop.rupture, tuple):
        for i, pair in enumerate(self.stop.rupture):
            bad = [a for a in pair if a not in known]
            if bad or pair[0] == pair[1]:
                what = f"unknown actor {bad[0]!r}" if bad else "a pair needs two actors"
                out.append(f"stop.rupture[{i}]: {what}")
    for i, t in enumerate(self.triggers):
        if t.actor is None:
            out.append(f"triggers[{i}].actor: a trigger needs an actor")
        else:
            out += _trigger_problems(self, t, f"triggers[{i}]", t.actor, pids)
    for i, f in enumerate(self.fixed):
        if f.split(".")[0] not in known:
            out.append(f"fixed[{i}]: unknown actor {f.split('.')[0]!r}")
    for i, t in enumerate(self.memory):
        where = f"memory[{i}]"
        if t.actor not in known or t.target not in known:
            who = t.actor if t.actor not in known else t.target
            out.append(f"{where}.actor: unknown actor {who!r}")
        if t.date is None or t.date >= self.start:
            out.append(f"{where}.date: a remembered measure needs a date before start")
        if t.presence is not None and t.presence not in pids:
            out.append(f"{where}.presence: unknown presence {t.presence!r}")
    return out


def _trigger_problems(
    self: Any, t: Trigger, where: str, actor: str, pids: dict[str, Any]
) -> list[str]:
    known = {a.id for a in self.actors}
    out = []
    if actor not in known:
        out.append(f"{where}.actor: unknown actor {actor!r}")
    if t.target not in known:
        out.append(f"{where}.target: unknown actor {t.target!r}")
    if t.presence is not None and t.presence not in pids:
        out.append(f"{where}.presence: unknown presence {t.presence!r}")
    when = t.time(self.start)
    if when < 0:
        out.append(f"{where}.date: {t.calendar(self.start)} is before start {self.start}")
    elif when > self.horizon_days:
        out.append(f"{where}.date: after the horizon of {self.horizon_days} days")
    return out


def _unique(ids: list[str], what: str) -> list[str]:
    seen: set[str] = set()
    out = []
    for i in ids:
        if i in seen:
            out.append(f"{what}: id {i!r} is used twice")
        seen.add(i)
    return out
