"""The built-in policies' decisions, compiled: the numba twins of ``Policy.decide``.

Each returns the number of acts it put in the decision buffer (rows of kind, presence,
magnitude at ``S[OW_DEC]`` in ``W``), as the library's policy of the same type would decide
them, helpers (``Context.answer_in_kind``, ``reply``, ``rupture``, ``grievance``) included;
grievance's running stocks (``ctx.memo``) are kept per pair in ``W``/``V`` for the run, as
Reciprocity's stock is (:mod:`escalation.sim.batch.reciprocity`).
Policy types are coded as in :data:`escalation.sim.batch.compile.POLICY_CODES`; their
parameters are read from ``F`` at ``pf`` (columns listed there). ``d`` is the deciding actor,
``c`` the counterpart, ``si`` the stimulus (a row of the announced-event store) and ``sev_p``
its perceived severity.
"""

from __future__ import annotations

import math

from escalation.sim.batch.jit import kernel, tiny
from escalation.sim.batch.kernels import (
    CAP,
    CLOSE,
    DENY,
    EXPEL,
    OPEN,
    SUSPEND,
    feasible,
    hostile,
    mirror,
    no_presence,
    severity,
    statement,
    substitute,
    twin,
)
from escalation.sim.batch.layout import (
    E_CAUSE,
    E_ID,
    E_KIND,
    E_MAG,
    E_NEXT,
    E_PRES,
    E_SEV,
    EV_COLS,
    O_HI,
    O_HS,
    O_RANK,
    OV_ET,
    OV_MEMO,
    OV_TMP,
    OW_DEC,
    OW_EV,
    OW_HEAD,
    OW_MEMO,
    OW_STAFF,
    OW_STATUS,
    OW_TAIL,
)
from escalation.sim.batch.layout import A as N_ACTORS

#: "No severity floor given" (``min_severity=None``).
NO_FLOOR = -(10**9)


@tiny
def ev(S, W, i: int, col: int) -> int:
    """Column ``col`` of announced event ``i``."""
    return W[S[OW_EV] + EV_COLS * i + col]


@kernel
def reply(S, W, k, actor, target, p, n, floor, sev_p, prefer):
    """``Context.reply(want, min_severity)``; ``floor`` NO_FLOOR for None.

    ``prefer``: the mirror of the stimulus's presence (-1: none), as the context passes it.
    """
    level = severity(S, k, n)
    if floor == NO_FLOOR and hostile(k):
        floor = max(sev_p, level)
    if (floor == NO_FLOOR or level >= floor) and feasible(S, W, k, actor, target, p, n):
        return k, p, n
    fl = level if floor == NO_FLOOR else floor
    return substitute(S, W, k, actor, target, p, n, fl, prefer)


@kernel
def answer_in_kind(S, W, d, c, si, sev_p, extra):
    """``Context.answer_in_kind(extra)``: ``(kind, presence, magnitude)``, kind -1: none."""
    sk, sn, at = ev(S, W, si, E_KIND), ev(S, W, si, E_MAG), ev(S, W, si, E_PRES)
    k, p, n, ok = mirror(S, W, d, sk, c, sn, at)
    if k < 0:
        return -1, -1, 0
    if not hostile(sk):
        return reply(S, W, k, d, c, p, n, NO_FLOOR, sev_p, twin(S, at))
    level = severity(S, k, n)
    if ok < 0:
        ok = 1 if feasible(S, W, k, d, c, p, n) else 0
    floor = max(sev_p, level if ok == 1 else 0) + extra
    if ok == 1 and level >= floor:
        return k, p, n
    return substitute(S, W, k, d, c, p, n, floor, twin(S, at))


@kernel
def _one(S, W, k, p, n):
    if k < 0:
        return 0
    dec = S[OW_DEC]
    W[dec], W[dec + 1], W[dec + 2] = k, p, n
    return 1


@kernel
def _in_kind(S, W, d, c, si, sev_p, extra):
    k, p, n = answer_in_kind(S, W, d, c, si, sev_p, extra)
    return _one(S, W, k, p, n)


@kernel
def _rupture(S, W, d, c):
    # Context.rupture: close what one hosts of the counterpart, suspend one's own there.
    hs, hi, na, status, dec = S[O_HS], S[O_HI], S[N_ACTORS], S[OW_STATUS], S[OW_DEC]
    m = 0
    for key, kind in ((d * na + c, CLOSE), (c * na + d, SUSPEND)):
        for j in range(S[hs + key], S[hs + key + 1]):
            p = S[hi + j]
            if W[status + p] == OPEN:
                W[dec + 3 * m], W[dec + 3 * m + 1], W[dec + 3 * m + 2] = kind, p, 1
                m += 1
    return m


@kernel
def _distinct_hostile_times(S, W, V, head, above):
    # Number of distinct times of hostile events of the list from ``head`` with id > above.
    times, tmp = S[OV_ET], S[OV_TMP]
    m = 0
    j = head
    while j >= 0:
        if hostile(ev(S, W, j, E_KIND)) and ev(S, W, j, E_ID) > above:
            V[tmp + m] = V[times + j]
            m += 1
        j = ev(S, W, j, E_NEXT)
    for i in range(1, m):  # insertion sort in place: lists are short and nearly sorted
        x = V[tmp + i]
        j = i
        while j > 0 and V[tmp + j - 1] > x:
            V[tmp + j] = V[tmp + j - 1]
            j -= 1
        V[tmp + j] = x
    count = 1 if m else 0
    for i in range(1, m):
        if V[tmp + i] != V[tmp + i - 1]:
            count += 1
    return count


@kernel
def _decayed(S, W, V, now, rate, stock, head, last):
    # decayed_stock for one list: ``stock`` (decayed to ``now``) raised by the hostile events
    # after ``last`` (-1: from ``head``), in list order; the stock and the last event read.
    j = head if last < 0 else ev(S, W, last, E_NEXT)
    while j >= 0:
        if hostile(ev(S, W, j, E_KIND)):
            stock += ev(S, W, j, E_SEV) * math.exp(-rate * (now - V[S[OV_ET] + j]))
        last = j
        j = ev(S, W, j, E_NEXT)
    return stock, last


@kernel
def grievance_level(S, W, V, d, c, now, rate):
    """``Context.grievance``: received minus sent stock, kept per pair in ``W``/``V``.

    As :func:`escalation.model.policy.decayed_stock`, operation for operation. Per pair
    ``d * A + c``: the memo flag at ``OW_MEMO``, the last received and sent events read at
    ``OW_MEMO + A * A``, the received stock and its time at ``OV_MEMO`` (where reciprocity
    keeps its stock and time) and the sent stock at ``OV_MEMO + 2 * A * A``.
    """
    na = S[N_ACTORS]
    pk = d * na + c
    flag, pos = S[OW_MEMO] + pk, S[OW_MEMO] + na * na + 2 * pk
    mv, ms = S[OV_MEMO] + 2 * pk, S[OV_MEMO] + 2 * na * na + pk
    if W[flag] == 0:
        W[flag], W[pos], W[pos + 1] = 1, -1, -1
        V[mv], V[mv + 1], V[ms] = 0.0, now, 0.0
    decay = math.exp(-rate * (now - V[mv + 1]))
    head = S[OW_HEAD]
    r, last_r = _decayed(S, W, V, now, rate, V[mv] * decay, W[head + pk], W[pos])
    s, last_s = _decayed(S, W, V, now, rate, V[ms] * decay, W[head + c * na + d], W[pos + 1])
    W[pos], W[pos + 1] = last_r, last_s
    V[mv], V[mv + 1], V[ms] = r, now, s
    return r - s


@kernel
def round_half_even(x: float) -> int:
    """Python's ``round(x)`` (ties to even)."""
    r = math.floor(x)
    diff = x - r
    if diff > 0.5 or (diff == 0.5 and r % 2 == 1):
        r += 1
    return int(r)


@kernel
def _proportional(S, W, d, c, si, sev_p, ratio):
    sk, sn = ev(S, W, si, E_KIND), ev(S, W, si, E_MAG)
    if not (sk == EXPEL or sk == DENY or sk == CAP) or max(1, round_half_even(ratio * sn)) == sn:
        return _in_kind(S, W, d, c, si, sev_p, 0)
    at = ev(S, W, si, E_PRES)
    k, p, n, _ = mirror(S, W, d, sk, c, sn, at)
    n = max(1, round_half_even(ratio * n))
    bump = sev_p - ev(S, W, si, E_SEV)
    k, p, n = reply(S, W, k, d, c, p, n, severity(S, k, n) + bump, sev_p, twin(S, at))
    return _one(S, W, k, p, n)


@kernel
def _tit_for_two_tats(S, W, V, d, c, si, sev_p, tats):
    # The counterpart's last ``tats`` moves (one per instant) all hostile: count the hostile
    # moves in a row at the end of the received list.
    times = S[OV_ET]
    run, have, cur_t, cur_h = 0, False, 0.0, False
    j = W[S[OW_HEAD] + d * S[N_ACTORS] + c]
    while j >= 0:
        t = V[times + j]
        if not have or t != cur_t:
            if have:
                run = run + 1 if cur_h else 0
            have, cur_t, cur_h = True, t, False
        if hostile(ev(S, W, j, E_KIND)):
            cur_h = True
        j = ev(S, W, j, E_NEXT)
    if have:
        run = run + 1 if cur_h else 0
    if run >= tats:
        return _in_kind(S, W, d, c, si, sev_p, 0)
    return 0


@kernel
def _gradual(S, F, W, V, d, c, si, sev_p, pf):
    # Escalate by the count of hostile moves; after an answer let ``calming`` moves pass.
    na, times = S[N_ACTORS], S[OV_ET]
    head = W[S[OW_HEAD] + d * na + c]
    moves = _distinct_hostile_times(S, W, V, head, -(2**62))
    calming = int(F[pf + 8])
    if calming > 0:
        last, seen = 0.0, False
        j = W[S[OW_HEAD] + c * na + d]  # sent: by d against c
        while j >= 0:
            if hostile(ev(S, W, j, E_KIND)) and ev(S, W, j, E_CAUSE) >= 0:
                last, seen = V[times + j], True
            j = ev(S, W, j, E_NEXT)
        if seen and _hostile_times_after(S, W, V, head, last) <= calming:
            return 0
    return _in_kind(S, W, d, c, si, sev_p, int(F[pf + 7]) * (moves - 1))


@kernel
def _hostile_times_after(S, W, V, head, after):
    # Number of distinct times later than ``after`` of the hostile events of a list.
    times = S[OV_ET]
    count, prev, have = 0, 0.0, False
    j = head
    while j >= 0:
        t = V[times + j]
        if hostile(ev(S, W, j, E_KIND)) and t > after and (not have or t != prev):
            count += 1
            prev, have = t, True
        j = ev(S, W, j, E_NEXT)
    return count


@kernel
def _grim(S, W, d, c, si, sev_p, threshold):
    key = d * S[N_ACTORS] + c
    sk = ev(S, W, si, E_KIND)
    hit = hostile(sk) and not statement(sk) and sev_p >= threshold  # acts, not words
    j, last = W[S[OW_HEAD] + key], W[S[OW_TAIL] + key]
    while not hit and j >= 0 and j != last:  # every received event but the last
        k = ev(S, W, j, E_KIND)
        hit = hostile(k) and not statement(k) and ev(S, W, j, E_SEV) >= threshold
        j = ev(S, W, j, E_NEXT)
    return _rupture(S, W, d, c) if hit else 0


@kernel
def _level_parity(S, W, d, c, si, sev_p):
    sk = ev(S, W, si, E_KIND)
    if not hostile(sk) or no_presence(sk):
        return _in_kind(S, W, d, c, si, sev_p, 0)
    hs, hi, na, rank = S[O_HS], S[O_HI], S[N_ACTORS], S[O_RANK]
    staff, status = S[OW_STAFF], S[OW_STATUS]
    open_mine, open_theirs, gap, target, most = 0, 0, 0, -1, -1
    key = c * na + d  # mine: d's presences hosted by c
    for j in range(S[hs + key], S[hs + key + 1]):
        p = S[hi + j]
        open_mine += 1 if W[status + p] == OPEN else 0
        gap -= W[staff + p]
    key = d * na + c  # theirs: c's presences hosted by d
    for j in range(S[hs + key], S[hs + key + 1]):
        p = S[hi + j]
        open_theirs += 1 if W[status + p] == OPEN else 0
        gap += W[staff + p]
        if target < 0 or (W[staff + p], S[rank + p]) > (most, S[rank + target]):
            target, most = p, W[staff + p]
    if sk == CLOSE or sk == SUSPEND:
        return _in_kind(S, W, d, c, si, sev_p, 0) if open_theirs > open_mine else 0
    if gap <= 0:
        return 0
    prefer = twin(S, ev(S, W, si, E_PRES))
    k, p, n = reply(S, W, EXPEL, d, c, target, min(gap, W[staff + target]), 1, sev_p, prefer)
    return _one(S, W, k, p, n)


@kernel
def _grievance(S, F, W, V, d, c, si, sev_p, pf):
    if not hostile(ev(S, W, si, E_KIND)):
        return _in_kind(S, W, d, c, si, sev_p, 0)
    level = grievance_level(S, W, V, d, c, V[S[OV_ET] + si], math.log(2) / F[pf + 8])
    extra, rt = int(F[pf + 9]), F[pf + 10]
    if rt == rt and level >= rt:
        m = _rupture(S, W, d, c)
        return m if m > 0 else _in_kind(S, W, d, c, si, sev_p, extra)
    if level >= F[pf + 7]:
        return _in_kind(S, W, d, c, si, sev_p, extra)
    return 0
