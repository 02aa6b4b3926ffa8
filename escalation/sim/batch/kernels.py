"""Compiled building blocks of the batch engine: the stream, seeds, feasibility, substitution.

Each function here is the numba twin of a function of the SimPy engine's model and must give
the same result for the same input (``tests/test_batch.py`` checks them one by one and run by
run):

* :func:`feasible`, :func:`severity`, :func:`apply`: :class:`escalation.model.state.State`
  and :class:`escalation.model.ladder.Ladder`;
* :func:`substitute`, :func:`soften`, :func:`mirror`: :mod:`escalation.model.substitution`,
  with the same candidates in the same order and the same tie-breaks, mirrored presences
  (``Presence.mirrors``, :func:`twin`) included.

Measure kinds are coded by their position in :class:`~escalation.model.measure.MeasureKind`;
presences by their position in the scenario (``-1`` for none); a missing cap is ``-1``;
statuses are 0 open, 1 suspended, 2 closed. ``S`` and ``W`` are the static and working integer
arrays of :mod:`escalation.sim.batch.layout`; the state is in ``W``.
"""

from __future__ import annotations

import numpy as np

from escalation.sim.batch.jit import kernel, tiny
from escalation.sim.batch.layout import (
    LARGE,
    O_HI,
    O_HOST,
    O_HS,
    O_OWNER,
    O_RANK,
    O_SEV,
    O_TWIN,
    OW_BUF,
    OW_CAP,
    OW_SIZES,
    OW_STAFF,
    OW_STATUS,
)
from escalation.sim.batch.layout import A as N_ACTORS

# Measure kinds (MeasureKind order).
CRITICIZE, ACCUSE, THREATEN, EXPEL, DENY, CAP, CLOSE, SUSPEND, RESTORE, REACCREDIT, RECALL = range(
    11
)
RESTRICT, REDUCE = 11, 12
OPEN, SUSPENDED, CLOSED = 0, 1, 2


# -- state and ladder --------------------------------------------------------------------------
@tiny
def hostile(k: int) -> bool:
    """Whether kind ``k`` is hostile (restrict and reduce, after recall, are)."""
    return k < RESTORE or k > RECALL


@tiny
def statement(k: int) -> bool:
    """Whether kind ``k`` is a statement."""
    return k < EXPEL


@tiny
def no_presence(k: int) -> bool:
    """Whether kind ``k`` is taken at no presence (statements and ``reduce``)."""
    return k < EXPEL or k == REDUCE


@tiny
def twin(S: np.ndarray, p: int) -> int:
    """The presence that mirrors presence ``p`` (``State.mirror``); -1: none."""
    return S[S[O_TWIN] + p] if p >= 0 else -1


@tiny
def severity(S: np.ndarray, k: int, n: int) -> int:
    """Severity of kind ``k`` with magnitude ``n`` on the scenario's ladder."""
    if (k == EXPEL or k == CAP) and n > S[LARGE]:
        return S[S[O_SEV] + k] + 1
    return S[S[O_SEV] + k]


@kernel
def feasible(S, W, k: int, actor: int, target: int, p: int, n: int) -> bool:
    """Whether the measure is feasible (``State.infeasibility(m) is None``)."""
    if actor == target:
        return False
    if no_presence(k):
        return True
    if p < 0:
        return False
    o, h = S[S[O_OWNER] + p], S[S[O_HOST] + p]
    staff, cap, stt = W[S[OW_STAFF] + p], W[S[OW_CAP] + p], W[S[OW_STATUS] + p]
    if not ((o == actor and h == target) or (o == target and h == actor)):
        return False
    if k == RESTORE:
        if stt == OPEN:
            return False
        needed = h if stt == CLOSED else o
        if actor != needed:
            return False
        return n >= 0 and (cap < 0 or n <= cap)
    if k == SUSPEND or k == RECALL:
        if actor != o:
            return False
    elif actor != h:
        return False
    if k == CLOSE:
        return stt != CLOSED
    if stt != OPEN:
        return False
    if k == SUSPEND:
        return True
    if n < 1:
        return False
    if (k == EXPEL or k == RECALL) and n > staff:
        return False
    if k == CAP and n > (cap if cap >= 0 else staff):
        return False
    if k == REACCREDIT and cap >= 0 and staff + n > cap:
        return False
    return True


@kernel
def apply(S, W, k: int, p: int, n: int) -> None:
    """Apply a feasible measure to the state (``State._apply``)."""
    if p < 0:
        return
    i_staff, i_cap, i_status = S[OW_STAFF] + p, S[OW_CAP] + p, S[OW_STATUS] + p
    if k == EXPEL or k == RECALL:
        W[i_staff] -= n
    elif k == CAP:
        W[i_cap] = (W[i_cap] if W[i_cap] >= 0 else W[i_staff]) - n
        if W[i_staff] > W[i_cap]:
            W[i_staff] = W[i_cap]
    elif k == CLOSE:
        W[i_status] = CLOSED
        W[i_staff] = 0
    elif k == SUSPEND:
        W[i_status] = SUSPENDED
        W[i_staff] = 0
    elif k == RESTORE:
        W[i_status] = OPEN
        W[i_staff] = n
    elif k == REACCREDIT:
        W[i_staff] += n


@kernel
def ruptured(S, W, a: int, b: int) -> bool:
    """Whether every channel between ``a`` and ``b`` is closed or suspended (and there is one)."""
    hs, hi, na, status = S[O_HS], S[O_HI], S[N_ACTORS], S[OW_STATUS]
    seen = False
    for key in (a * na + b, b * na + a):
        for j in range(S[hs + key], S[hs + key + 1]):
            seen = True
            if W[status + S[hi + j]] == OPEN:
                return False
    return seen


# -- candidates and the substitution rule -------------------------------------------------------
@kernel
def _sizes(W, at: int, want: int, most: int, large: int) -> int:
    # escalation.model.substitution._sizes into W[at:at + 4]: sorted, distinct, without 0.
    c = 0
    for v in (min(want, most), most, min(large, most), large + 1 if large < most else 0):
        if v == 0:
            continue
        dup = False
        for j in range(c):
            if W[at + j] == v:
                dup = True
        if not dup:
            j = c  # insertion keeps them sorted
            while j > 0 and W[at + j - 1] > v:
                W[at + j] = W[at + j - 1]
                j -= 1
            W[at + j] = v
            c += 1
    return c


@tiny
def _put(W, at: int, c: int, k: int, p: int, n: int) -> int:
    W[at + 3 * c], W[at + 3 * c + 1], W[at + 3 * c + 2] = k, p, n
    return c + 1


@kernel
def _candidates(S, W, actor: int, target: int, magnitude: int) -> int:
    # hostile_candidates into the buffer OW_BUF: (kind, presence, magnitude) in the
    # library's order, feasible ones only.
    hs, hi, na, large, buf, sz = S[O_HS], S[O_HI], S[N_ACTORS], S[LARGE], S[OW_BUF], S[OW_SIZES]
    staff, cap, status = S[OW_STAFF], S[OW_CAP], S[OW_STATUS]
    c = 0
    for k in (CRITICIZE, ACCUSE, THREATEN):
        c = _put(W, buf, c, k, -1, 1)
    want = max(1, magnitude)
    key = actor * na + target
    for j in range(S[hs + key], S[hs + key + 1]):
        p = S[hi + j]
        if W[status + p] == OPEN:
            for i in range(_sizes(W, sz, want, W[staff + p], large)):
                c = _put(W, buf, c, EXPEL, p, W[sz + i])
            c = _put(W, buf, c, DENY, p, want)
            base = W[cap + p] if W[cap + p] >= 0 else W[staff + p]
            for i in range(_sizes(W, sz, want, base, large)):
                c = _put(W, buf, c, CAP, p, W[sz + i])
        if W[status + p] != CLOSED:
            c = _put(W, buf, c, CLOSE, p, 1)
    key = target * na + actor
    for j in range(S[hs + key], S[hs + key + 1]):
        p = S[hi + j]
        if W[status + p] == OPEN:
            c = _put(W, buf, c, SUSPEND, p, 1)
    kept = 0
    for i in range(c):
        k, p, n = W[buf + 3 * i], W[buf + 3 * i + 1], W[buf + 3 * i + 2]
        if feasible(S, W, k, actor, target, p, n):
            kept = _put(W, buf, kept, k, p, n)
    return kept


@kernel
def substitute(S, W, k: int, actor: int, target: int, p: int, n: int, floor: int, prefer: int):
    """``substitute(state, ladder, want, floor, prefer)``: ``(kind, presence, magnitude)``.

    Kind -1: none. ``prefer`` is the preferred presence (-1: none).
    """
    if feasible(S, W, k, actor, target, p, n) and severity(S, k, n) >= floor:
        return k, p, n
    if not hostile(k):
        return -1, -1, 0
    c = _candidates(S, W, actor, target, n)
    buf, rank = S[OW_BUF], S[O_RANK]
    best, b0, b1, b2, b3, b4 = -1, 0, 0, 0, 0, 0
    for i in range(c):
        ck, cp, cn = W[buf + 3 * i], W[buf + 3 * i + 1], W[buf + 3 * i + 2]
        level = severity(S, ck, cn)
        if level < floor or (ck == DENY and k != DENY):
            continue
        r1 = 1 if ck != k else 0
        r2 = 1 if prefer >= 0 and cp != prefer else 0
        r3 = abs(cn - n)
        r4 = S[rank + cp] if cp >= 0 else -1
        if best < 0 or (level, r1, r2, r3, r4) < (b0, b1, b2, b3, b4):
            best, b0, b1, b2, b3, b4 = i, level, r1, r2, r3, r4
    if best < 0:
        return -1, -1, 0
    return W[buf + 3 * best], W[buf + 3 * best + 1], W[buf + 3 * best + 2]


@kernel
def soften(S, W, k: int, actor: int, target: int, p: int, n: int):
    """``soften(state, ladder, want)``: the most severe hostile act at least a level below."""
    ceiling = severity(S, k, n) - 1
    c = _candidates(S, W, actor, target, n)
    buf = S[OW_BUF]
    best, b0, b1 = -1, 0, 0
    for i in range(c):
        level = severity(S, W[buf + 3 * i], W[buf + 3 * i + 2])
        if level < 1 or level > ceiling:
            continue
        same = 1 if W[buf + 3 * i] == k else 0
        if best < 0 or (level, same) > (b0, b1):
            best, b0, b1 = i, level, same
    if best < 0:
        return -1, -1, 0
    return W[buf + 3 * best], W[buf + 3 * best + 1], W[buf + 3 * best + 2]


@kernel
def _largest(S, W, key: int):
    # The open presence with the most staff (the last in id order among equals).
    hs, hi, staff, status = S[O_HS], S[O_HI], S[OW_STAFF], S[OW_STATUS]
    best, most = -1, -1
    for j in range(S[hs + key], S[hs + key + 1]):
        p = S[hi + j]
        if W[status + p] == OPEN and W[staff + p] >= most:
            best, most = p, W[staff + p]
    return best, most


@kernel
def _first(S, W, key: int, status: int, equal: bool) -> int:
    # The first presence of the list ``key`` whose status is (or is not) ``status``.
    hs, hi, st = S[O_HS], S[O_HI], S[OW_STATUS]
    for j in range(S[hs + key], S[hs + key + 1]):
        if (W[st + S[hi + j]] == status) == equal:
            return S[hi + j]
    return -1


@kernel
def _twin_at(S, W, tw: int, host: int, owner: int, status: int, equal: bool) -> bool:
    # Whether presence ``tw`` is ``owner``'s at ``host`` with (or without) ``status``.
    if tw < 0 or S[S[O_HOST] + tw] != host or S[S[O_OWNER] + tw] != owner:
        return False
    return (W[S[OW_STATUS] + tw] == status) == equal


@kernel
def mirror(S, W, actor: int, k: int, other: int, n: int, at: int):
    """``mirror_checked(..., at)``: ``(kind, presence, magnitude, feasible)``.

    Feasible -1: not known. ``at`` is the stimulus's presence (-1: none); its mirror, where the
    kind applies, is chosen first.
    """
    if no_presence(k):
        return k, -1, 1, -1
    na, cap = S[N_ACTORS], S[OW_CAP]
    key, back = actor * na + other, other * na + actor
    tw = twin(S, at)
    if k == EXPEL or k == DENY or k == CAP or k == RESTRICT:
        if _twin_at(S, W, tw, actor, other, OPEN, True):
            best, most = tw, W[S[OW_STAFF] + tw]
        else:
            best, most = _largest(S, W, key)
        if best < 0 or n < 1:
            ok = 0
        elif k == EXPEL:
            ok = 1 if n <= most else 0
        elif k == CAP:
            ok = 1 if n <= (W[cap + best] if W[cap + best] >= 0 else most) else 0
        else:
            ok = 1
        return k, best, n, ok
    if k == RECALL:
        return -1, -1, 0, 0
    if k == REACCREDIT:
        hs, hi, staff, status = S[O_HS], S[O_HI], S[OW_STAFF], S[OW_STATUS]
        room, chosen = -1, -1
        for j in range(S[hs + key], S[hs + key + 1]):
            p = S[hi + j]
            c, s = W[cap + p], W[staff + p]
            if W[status + p] == OPEN and (c < 0 or c > s):
                space = c - s if c >= 0 else n
                if space > room:
                    room, chosen = space, p
        if chosen < 0:
            return -1, -1, 0, 0
        return k, chosen, min(n, room), -1
    if k == CLOSE:
        if _twin_at(S, W, tw, actor, other, CLOSED, False):
            return k, tw, 1, -1
        return k, _first(S, W, key, CLOSED, False), 1, -1
    if k == SUSPEND:
        if _twin_at(S, W, tw, other, actor, OPEN, True):
            return k, tw, 1, -1
        return k, _first(S, W, back, OPEN, True), 1, -1
    p = _first(S, W, key, CLOSED, True)  # RESTORE
    if p < 0:
        p = _first(S, W, back, SUSPENDED, True)
    if p < 0:
        return -1, -1, 0, 0
    return k, p, min(n, W[cap + p]) if W[cap + p] >= 0 else n, -1
