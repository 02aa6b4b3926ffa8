"""Presences and the state of a run, with the rules that keep it consistent.

The state enforces its invariants on every change:

* ``0 <= staff`` and, when the presence has a cap, ``staff <= cap``;
* a closed or suspended presence holds no staff;
* a closed presence takes no further measure but ``restore`` (by its host), a suspended one
  none but ``restore`` (by its owner) or ``close`` (by its host).

A cap cut below the present staff forces the surplus out; the number forced out is returned by
:meth:`State.apply` and recorded on the event, so nothing is clipped silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

from escalation.base.errors import InfeasibleMeasureError
from escalation.model.measure import Measure, MeasureKind


class Status(StrEnum):
    """Status of a presence."""

    OPEN = "open"
    SUSPENDED = "suspended"
    CLOSED = "closed"


@dataclass(slots=True)
class Presence:
    """What one actor (the owner) keeps at another (the host): mission, embassy, office.

    Parameters
    ----------
    id
        Identifier used in files and events, e.g. ``"ru-mission-nato"``.
    owner
        Id of the actor that keeps the presence.
    host
        Id of the actor that hosts it.
    staff
        Accredited staff.
    cap
        Most accredited staff allowed; ``None`` for no cap.
    status
        Open, suspended or closed.
    name
        Human-readable name.
    """

    id: str
    owner: str
    host: str
    staff: int
    cap: int | None = None
    status: Status = Status.OPEN
    name: str = ""
    mirrors: str | None = None

    def check(self) -> None:
        """Raise :class:`ValueError` if the presence breaks an invariant."""
        if self.owner == self.host:
            raise ValueError(f"presence {self.id}: owner and host must differ")
        if self.staff < 0:
            raise ValueError(f"presence {self.id}: staff {self.staff} is below 0")
        if self.cap is not None and self.cap < 0:
            raise ValueError(f"presence {self.id}: cap {self.cap} is below 0")
        if self.cap is not None and self.staff > self.cap:
            raise ValueError(f"presence {self.id}: staff {self.staff} is above the cap {self.cap}")
        if self.status is not Status.OPEN and self.staff != 0:
            raise ValueError(f"presence {self.id}: a {self.status} presence holds no staff")

    def copy(self) -> Presence:
        """Return an independent copy (cheaper than :func:`dataclasses.replace`)."""
        return Presence(
            self.id,
            self.owner,
            self.host,
            self.staff,
            self.cap,
            self.status,
            self.name,
            self.mirrors,
        )


class _Counts(dict[str | None, int]):
    # Changes per presence, 0 for a presence not changed yet (made empty, so in no time).
    def __missing__(self, key: str | None) -> int:
        return 0


class State:
    """The presences between a set of actors, changed only through measures.

    Parameters
    ----------
    actors
        Ids of every actor.
    presences
        The presences; copied, so the caller's objects are never changed.
    """

    __slots__ = (
        "_channels",
        "_hosted",
        "_mirror",
        "_own",
        "_shared",
        "actors",
        "changes",
        "presences",
    )

    def __init__(self, actors: Iterable[str], presences: Iterable[Presence]):
        self.actors: tuple[str, ...] = tuple(actors)
        self.presences: dict[str, Presence] = {}
        for p in presences:
            if p.id in self.presences:
                raise ValueError(f"presence id {p.id!r} is used twice")
            for who in (p.owner, p.host):
                if who not in self.actors:
                    raise ValueError(f"presence {p.id}: unknown actor {who!r}")
            p = p.copy()
            p.check()
            self.presences[p.id] = p
        self._channels: dict[frozenset[str], tuple[str, ...]] = {}
        for p in self.presences.values():
            key = frozenset((p.owner, p.host))
            self._channels[key] = (*self._channels.get(key, ()), p.id)
        # Owner and host never change, so the presences each host keeps are listed once.
        self._hosted: dict[tuple[str, str], tuple[str, ...]] = {}
        for pid in sorted(self.presences):
            p = self.presences[pid]
            self._hosted[p.host, p.owner] = (*self._hosted.get((p.host, p.owner), ()), pid)
        # Which presence corresponds to which (``Presence.mirrors``), both ways round.
        self._mirror: dict[str, str] = {}
        for p in self.presences.values():
            if p.mirrors is None:
                continue
            q = self.presences.get(p.mirrors)
            if q is None:
                raise ValueError(f"presence {p.id}: mirrors unknown presence {p.mirrors!r}")
            if (q.owner, q.host) != (p.host, p.owner):
                raise ValueError(
                    f"presence {p.id}: mirrors {q.id}, which is not {p.host}'s presence at "
                    f"{p.owner}"
                )
            self._mirror[p.id] = q.id
            self._mirror.setdefault(q.id, p.id)
        #: Changes made through :meth:`apply` to each presence: while a presence's count is
        #: the same, so is the feasibility of every measure at it (the engine uses this to
        #: skip checks it has already made). A presence never changed reads 0 (``.get``: None).
        self.changes: dict[str | None, int] = _Counts()
        self._own: set[str] | None = None  # presences this state may change in place (all)
        self._shared = False  # a shared state (see :meth:`share`) refuses to change

    def share(self) -> State:
        """Make this state read-only, so that many may hold it, and return it.

        The engine shares one initial state among all the runs of a scenario
        (:attr:`Run.initial`); :meth:`copy` gives a state that can change.
        """
        self._shared = True
        return self

    @property
    def shared(self) -> bool:
        """Whether this state is read-only (see :meth:`share`)."""
        return self._shared

    def copy(self) -> State:
        """Return an independent copy (each presence is checked again)."""
        new = self._clone()
        new.presences = {i: p.copy() for i, p in new.presences.items()}
        new._own = None
        for p in new.presences.values():
            p.check()
        return new

    def _clone(self) -> State:
        # Every run copies its initial state, copy-on-write: the presences are shared until
        # the clone changes one (``_apply`` copies it then), so that a run costs nothing for
        # the presences it never touches; the indexes, which depend only on owners and hosts,
        # are shared rather than rebuilt.
        new = State.__new__(State)
        new.actors = self.actors
        new.presences = dict(self.presences)
        new._channels = self._channels
        new._hosted = self._hosted
        new.changes = _Counts()
        new._own = set()
        new._mirror = self._mirror
        new._shared = False
        return new

    def presence(self, presence_id: str) -> Presence:
        """Return the presence with id ``presence_id``."""
        try:
            return self.presences[presence_id]
        except KeyError:
            raise KeyError(f"no presence {presence_id!r}") from None

    def channels(self, a: str, b: str) -> tuple[str, ...]:
        """Ids of the presences between actors ``a`` and ``b`` (either way round)."""
        return self._channels.get(frozenset((a, b)), ())

    def pairs(self) -> Iterator[tuple[str, str]]:
        """Yield each pair of actors that has at least one presence between them."""
        for key in self._channels:
            a, b = sorted(key)
            yield a, b

    def ruptured(self, a: str, b: str) -> bool:
        """Whether every channel between ``a`` and ``b`` is closed or suspended.

        A pair with no channel at all is not ruptured: there was nothing to break.
        """
        ids = self.channels(a, b)
        return bool(ids) and all(self.presences[i].status is not Status.OPEN for i in ids)

    def mirror(self, presence_id: str | None) -> str | None:
        """Id of the presence that corresponds to ``presence_id`` (see ``mirrors``), if any."""
        return self._mirror.get(presence_id) if presence_id is not None else None

    def hosted(self, host: str, owner: str) -> list[Presence]:
        """Presences of ``owner`` hosted by ``host``, in id order."""
        return [self.presences[i] for i in self._hosted.get((host, owner), ())]

    # -- feasibility -----------------------------------------------------------------------
    def infeasibility(self, m: Measure) -> str | None:
        """Return why ``m`` is infeasible in this state, or ``None`` if it is feasible."""
        # Called for most acts of a run: the usual cases are decided here at once; anything
        # else (and every reason) comes from the full check, ``_why``.
        k, actor, target, pid, n = m
        p = self.presences.get(pid) if pid is not None else None
        if p is not None and k is not MeasureKind.RESTORE:
            if k._owner_act:
                ok = p.owner == actor and p.host == target and p.status is Status.OPEN
                if ok and (k is MeasureKind.SUSPEND or 1 <= n <= p.staff):
                    return None
            elif p.host == actor and p.owner == target:
                status = p.status
                if k is MeasureKind.CLOSE:
                    if status is not Status.CLOSED:
                        return None
                elif status is Status.OPEN and n >= 1:
                    if k is MeasureKind.EXPEL:
                        if n <= p.staff:
                            return None
                    elif k is MeasureKind.CAP:
                        if n <= (p.cap if p.cap is not None else p.staff):
                            return None
                    elif k is MeasureKind.REACCREDIT:
                        if p.cap is None or p.staff + n <= p.cap:
                            return None
                    elif k is MeasureKind.DENY:
                        return None
        return self._why(m)

    def _why(self, m: Measure) -> str | None:
        # The full feasibility check, in the order its reasons are given.
        actor, target, k, n = m.actor, m.target, m.kind, m.magnitude
        if actor not in self.actors:
            return f"unknown actor {actor!r}"
        if target not in self.actors:
            return f"unknown target {target!r}"
        if actor == target:
            return "an actor cannot take a measure against itself"
        if k._no_presence:
            return None
        if m.presence is None:
            return f"a {k} measure needs a presence"
        p = self.presences.get(m.presence)
        if p is None:
            return f"unknown presence {m.presence!r}"
        owner, host, status = p.owner, p.host, p.status
        if not ((owner == actor and host == target) or (owner == target and host == actor)):
            return f"presence {p.id} is not between {actor} and {target}"
        if k is MeasureKind.RESTORE:
            needed = host if status is Status.CLOSED else owner
            if status is Status.OPEN:
                return f"presence {p.id} is already open"
            if actor != needed:
                return f"only {needed} can restore the {status} presence {p.id}"
            if n < 0 or (p.cap is not None and n > p.cap):
                return f"cannot restore {p.id} with {n} staff (cap {p.cap})"
            return None
        owner_acts = k._owner_act
        if owner_acts and actor != owner:
            return f"only the owner ({owner}) can {k} at {p.id}"
        if not owner_acts and actor != host:
            return f"only the host ({host}) can {k} at {p.id}"
        if k is MeasureKind.CLOSE:
            return f"presence {p.id} is already closed" if status is Status.CLOSED else None
        if status is not Status.OPEN:
            return f"presence {p.id} is {status}"
        if k is MeasureKind.SUSPEND:
            return None
        if n < 1:
            return f"magnitude must be at least 1, not {n}"
        if k._removal and n > p.staff:
            return f"cannot remove {n} staff from {p.id}, which has {p.staff}"
        if k is MeasureKind.CAP and n > self.cap_baseline(p):
            return f"cannot cut {n} posts from {p.id}, which allows {self.cap_baseline(p)}"
        if k is MeasureKind.REACCREDIT and p.cap is not None and p.staff + n > p.cap:
            return f"cannot accredit {n} more at {p.id}: staff {p.staff}, cap {p.cap}"
        return None

    @staticmethod
    def cap_baseline(p: Presence) -> int:
        """The number of posts a cap cut starts from: the cap, or the staff if uncapped."""
        return p.cap if p.cap is not None else p.staff

    def feasible(self, m: Measure) -> bool:
        """Whether ``m`` is feasible in this state."""
        return self.infeasibility(m) is None

    # -- change ----------------------------------------------------------------------------
    def apply(self, m: Measure) -> int:
        """Apply a feasible measure; return the number of staff it forced out beyond its own.

        Raises
        ------
        InfeasibleMeasureError
            If the measure is not feasible in this state (the state is then unchanged).
        TypeError
            If the state is shared (read-only).
        """
        if self._shared:
            raise TypeError("this state is shared and read-only: change a copy() of it")
        why = self.infeasibility(m)
        if why is not None:
            raise InfeasibleMeasureError(f"{m}: {why}")
        return self._apply(m)

    def _apply(self, m: Measure) -> int:
        # :meth:`apply` without the check, for a measure known to be feasible in this state.
        if m.presence is None:
            return 0
        pid = m.presence
        self.changes[pid] += 1
        p = self.presences[pid]
        own = self._own
        if own is not None and pid not in own:  # shared with the initial state: copy first
            p = self.presences[pid] = p.copy()
            own.add(pid)
        k = m.kind
        forced = 0
        if k._removal:
            p.staff -= m.magnitude
        elif k is MeasureKind.CAP:
            p.cap = self.cap_baseline(p) - m.magnitude
            if p.staff > p.cap:
                forced = p.staff - p.cap
                p.staff = p.cap
        elif k is MeasureKind.CLOSE:
            p.status, p.staff = Status.CLOSED, 0
        elif k is MeasureKind.SUSPEND:
            p.status, p.staff = Status.SUSPENDED, 0
        elif k is MeasureKind.RESTORE:
            p.status, p.staff = Status.OPEN, m.magnitude
        elif k is MeasureKind.REACCREDIT:
            p.staff += m.magnitude
        # DENY changes no state: the refused staff were never accredited.
        return forced

    def snapshot(self) -> dict[str, tuple[int, int | None, Status]]:
        """Return ``{presence id: (staff, cap, status)}``."""
        return {i: (p.staff, p.cap, p.status) for i, p in self.presences.items()}

    def __repr__(self) -> str:
        rows = ", ".join(
            f"{p.id}: {p.staff}/{p.cap if p.cap is not None else '-'} {p.status}"
            for p in self.presences.values()
        )
        return f"State({rows})"
