"""Choosing a feasible act: mirrors and the substitution rule.

The substitution rule (DESIGN.md, "Policy"): when the act a policy wants is infeasible (too few
staff left to expel, a presence already closed), it takes **the least severe feasible act of at
least equal severity**. Ties are broken, in order, by preferring the same kind, the presence
that mirrors the stimulus's (when the scenario declares one: an answer in kind stays at the
corresponding presence, smaller if need be), the magnitude closest to the one wanted, and the
presence id. This is how an exchange of expulsions turns into
closures once the staff run out.

A denial of pending accreditations substitutes only for a wanted denial: it changes nothing in
the state, so as a stand-in for an expulsion (at the same level) it would stall the exchange
in denials instead of letting it move on to cap cuts and closures.
"""

from __future__ import annotations

from escalation.model.ladder import Ladder
from escalation.model.measure import Measure, MeasureKind
from escalation.model.state import State, Status

_STATEMENT_KINDS = (MeasureKind.CRITICIZE, MeasureKind.ACCUSE, MeasureKind.THREATEN)


def _sizes(want: int, most: int, large: int | None) -> list[int]:
    # The one closest to ``want``, all, and on each side of the large-expulsion threshold the
    # one closest to it: enough to find, at every level, the size closest to ``want``.
    sizes = {min(want, most), most}
    if large is not None:
        sizes |= {min(large, most), large + 1 if large < most else 0}
    return sorted(sizes - {0})


def hostile_candidates(
    state: State, actor: str, target: str, magnitude: int = 1, ladder: Ladder | None = None
) -> list[Measure]:
    """Return the feasible hostile acts of ``actor`` against ``target``.

    Per presence only the magnitudes that matter to the rule are listed: the one closest to
    ``magnitude``, all the staff (or posts), and, given a ``ladder``, the largest size that is
    not a large expulsion (or cap cut) and the smallest that is.
    """
    out = [Measure(k, actor, target) for k in _STATEMENT_KINDS]
    want = max(1, magnitude)
    large = ladder.large_expulsion if ladder is not None else None
    for p in state.hosted(actor, target):
        if p.status is Status.OPEN:
            sizes = _sizes(want, p.staff, large)
            out += [Measure(MeasureKind.EXPEL, actor, target, p.id, n) for n in sizes]
            out.append(Measure(MeasureKind.DENY, actor, target, p.id, want))
            cuts = _sizes(want, state.cap_baseline(p), large)
            out += [Measure(MeasureKind.CAP, actor, target, p.id, n) for n in cuts]
        if p.status is not Status.CLOSED:
            out.append(Measure(MeasureKind.CLOSE, actor, target, p.id))
    for p in state.hosted(target, actor):
        if p.status is Status.OPEN:
            out.append(Measure(MeasureKind.SUSPEND, actor, target, p.id))
    return [m for m in out if state.feasible(m)]


def _rank(
    m: Measure, want: Measure, ladder: Ladder, prefer: str | None
) -> tuple[int, bool, bool, int, str]:
    return (
        ladder.severity(m.kind, m.magnitude),
        m.kind is not want.kind,
        prefer is not None and m.presence != prefer,
        abs(m.magnitude - want.magnitude),
        m.presence or "",
    )


def substitute(
    state: State,
    ladder: Ladder,
    want: Measure,
    min_severity: int | None = None,
    prefer: str | None = None,
) -> Measure | None:
    """Return ``want`` if feasible and severe enough, else the rule's substitute, else ``None``.

    Parameters
    ----------
    state
        The state the act would be taken in.
    ladder
        Severity ladder.
    want
        The act the policy wants (possibly infeasible, e.g. with no presence).
    min_severity
        Least severity acceptable; defaults to the severity of ``want``.
    prefer
        Presence preferred among equally severe acts of the same kind (the mirror of the
        stimulus's presence, if declared).
    """
    floor = ladder.severity(want.kind, want.magnitude) if min_severity is None else min_severity
    if state.feasible(want) and ladder.severity(want.kind, want.magnitude) >= floor:
        return want
    if not want.kind.is_hostile:
        return None  # conciliatory acts have no hostile substitute
    options = [
        m
        for m in hostile_candidates(state, want.actor, want.target, want.magnitude, ladder)
        if ladder.severity(m.kind, m.magnitude) >= floor
        and (m.kind is not MeasureKind.DENY or want.kind is MeasureKind.DENY)
    ]
    if not options:
        return None
    return min(options, key=lambda m: _rank(m, want, ladder, prefer))


def soften(state: State, ladder: Ladder, want: Measure) -> Measure | None:
    """Return the most severe feasible hostile act one level or more below ``want``.

    Used for implementation noise that falls short; ``None`` if nothing hostile is milder.
    """
    ceiling = ladder.severity(want.kind, want.magnitude) - 1
    options = [
        m
        for m in hostile_candidates(state, want.actor, want.target, want.magnitude, ladder)
        if 1 <= ladder.severity(m.kind, m.magnitude) <= ceiling
    ]
    if not options:
        return None
    return max(options, key=lambda m: (ladder.severity(m.kind, m.magnitude), m.kind is want.kind))


_new = tuple.__new__  # builds a Measure from its fields without NamedTuple's __new__
_MIRROR_LARGEST = frozenset(
    {MeasureKind.EXPEL, MeasureKind.DENY, MeasureKind.CAP, MeasureKind.RESTRICT}
)


def mirror_of(
    state: State, actor: str, k: MeasureKind, other: str, n: int, at: str | None = None
) -> Measure | None:
    """``actor``'s act of kind ``k`` and size ``n``, aimed back at ``other``.

    The presence is chosen among those the kind applies to. If the stimulus was taken at
    presence ``at`` and a presence mirrors it (``PresenceSpec.mirrors``) where the kind
    applies, the answer lands there: an expulsion from Russia's mission to NATO is answered
    at the NATO office in Moscow that mirrors it. Otherwise: for expulsions, deny, cap and
    restrict the open presence of the author hosted by ``actor`` with the most staff (the last
    in id order among equals); for ``close`` one not yet closed; for ``suspend`` ``actor``'s
    own open presence at the author. The result may be infeasible (for instance with no presence
    left); :func:`substitute` deals with that. Routine measures (``recall``) have no mirror
    and give ``None``.

    Called for most answers of a run, so written without intermediate lists.
    """
    return mirror_checked(state, actor, k, other, n, at)[0]


def mirror_checked(
    state: State, actor: str, k: MeasureKind, other: str, n: int, at: str | None = None
) -> tuple[Measure | None, bool | None]:
    """:func:`mirror_of`, and whether the mirror is feasible when that comes for free.

    The second item is ``None`` when not known (ask :meth:`State.infeasibility`).
    """
    if k._no_presence:
        return _new(Measure, (k, actor, other, None, 1)), None
    if k in _MIRROR_LARGEST:
        presences = state.presences
        best, most, cap = None, -1, None
        twin = state._mirror.get(at) if at is not None else None
        if twin is not None:
            p = presences[twin]
            if p.host == actor and p.owner == other and p.status is Status.OPEN:
                best, most, cap = twin, p.staff, p.cap
        if best is None:
            for pid in state._hosted.get((actor, other), ()):
                p = presences[pid]
                if p.status is Status.OPEN and p.staff >= most:
                    best, most, cap = pid, p.staff, p.cap
        # An open presence of ``other`` hosted by ``actor``: what the host may do to it.
        if best is None or n < 1:
            feasible = False
        elif k is MeasureKind.EXPEL:
            feasible = n <= most
        elif k is MeasureKind.CAP:
            feasible = n <= (cap if cap is not None else most)
        else:  # DENY, RESTRICT
            feasible = True
        return _new(Measure, (k, actor, other, best, n)), feasible
    return _mirror_other(state, actor, k, other, n, state.mirror(at)), None


def _mirror_other(
    state: State, actor: str, k: MeasureKind, other: str, n: int, twin: str | None = None
) -> Measure | None:
    if k is MeasureKind.RECALL:
        return None
    if k is MeasureKind.REACCREDIT:
        room, chosen = -1, None
        for p in state.hosted(actor, other):
            if p.status is Status.OPEN and (p.cap is None or p.cap > p.staff):
                space = p.cap - p.staff if p.cap is not None else n
                if space > room:  # the first with the most room
                    room, chosen = space, p.id
        if chosen is None:
            return None
        return _new(Measure, (k, actor, other, chosen, min(n, room)))
    if k is MeasureKind.CLOSE:
        live = [p for p in state.hosted(actor, other) if p.status is not Status.CLOSED]
        live.sort(key=lambda p: p.id != twin)  # the mirror first, if it is among them
        return _new(Measure, (k, actor, other, live[0].id if live else None, 1))
    if k is MeasureKind.SUSPEND:
        own = [p for p in state.hosted(other, actor) if p.status is Status.OPEN]
        own.sort(key=lambda p: p.id != twin)
        return _new(Measure, (k, actor, other, own[0].id if own else None, 1))
    # RESTORE: reopen something between the two that this actor may reopen.
    for p in state.hosted(actor, other):
        if p.status is Status.CLOSED:
            return Measure(k, actor, other, p.id, min(n, p.cap) if p.cap is not None else n)
    for p in state.hosted(other, actor):
        if p.status is Status.SUSPENDED:
            return Measure(k, actor, other, p.id, min(n, p.cap) if p.cap is not None else n)
    return None


def rupture_acts(state: State, actor: str, target: str) -> list[Measure]:
    """Return the acts by which ``actor`` closes or suspends every open channel with ``target``."""
    out = [
        Measure(MeasureKind.CLOSE, actor, target, p.id)
        for p in state.hosted(actor, target)
        if p.status is Status.OPEN
    ]
    out += [
        Measure(MeasureKind.SUSPEND, actor, target, p.id)
        for p in state.hosted(target, actor)
        if p.status is Status.OPEN
    ]
    return out
