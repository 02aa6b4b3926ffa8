"""Reciprocity's decision, compiled: the twin of :class:`escalation.model.reciprocity.Reciprocity`.

Its grievance stock (``ctx.memo``) is kept per pair in ``W``/``V`` for the run: folded from
everything received before the pair's first package (remembered events included), then
decayed and raised by each package's level (:func:`escalation.model.reciprocity.package_level`).
Split from :mod:`escalation.sim.batch.policies`, whose helpers it uses.
"""

from __future__ import annotations

import math

from escalation.model.reciprocity import MAX_EXP
from escalation.sim.batch.draws import uniform
from escalation.sim.batch.jit import kernel
from escalation.sim.batch.kernels import CAP, DENY, EXPEL, hostile, mirror, severity, twin
from escalation.sim.batch.layout import (
    CTR,
    E_KIND,
    E_MAG,
    E_NEXT,
    E_PRES,
    E_SEV,
    O_SEV,
    OV_ET,
    OV_MEMO,
    OW_DEC,
    OW_HEAD,
    OW_MEMO,
)
from escalation.sim.batch.layout import A as N_ACTORS
from escalation.sim.batch.policies import _in_kind, _rupture, ev, reply, round_half_even


@kernel
def _group_level(S, W, V, j, stop):
    # package_level of the events from ``j`` on while at ``j``'s time (all of them when
    # ``stop`` is -2), ``stop`` excluded: the level, and the event after the group.
    # Magnitudes of one kind are summed before the ladder is read; only expulsions and cap
    # cuts depend on the size, so the other kinds count by their level.
    times = S[OV_ET]
    t0 = V[times + j]
    n_expel, n_cap, seen_expel, seen_cap = 0, 0, False, False
    level, seen = 0, False
    while j >= 0 and j != stop and (stop == -2 or V[times + j] == t0):
        k = ev(S, W, j, E_KIND)
        if k == EXPEL:
            n_expel += ev(S, W, j, E_MAG)
            seen_expel = True
        elif k == CAP:
            n_cap += ev(S, W, j, E_MAG)
            seen_cap = True
        elif hostile(k):
            lv = S[S[O_SEV] + k]
            if not seen or lv > level:
                level, seen = lv, True
        j = ev(S, W, j, E_NEXT)
    if seen_expel:
        lv = severity(S, EXPEL, n_expel)
        if not seen or lv > level:
            level, seen = lv, True
    if seen_cap:
        lv = severity(S, CAP, n_cap)
        if not seen or lv > level:
            level, seen = lv, True
    return level, j


@kernel
def _stock(S, F, W, V, pf, d, c, si, first, sev_p):
    # Reciprocity.stock: fold what is remembered on the pair's first package, then decay
    # the stock to now and add the package's level (perception noise: one level up).
    pk = d * S[N_ACTORS] + c
    rate = math.log(2.0) / F[pf + 10]
    flag, mv, times = S[OW_MEMO] + pk, S[OV_MEMO] + 2 * pk, S[OV_ET]
    now = V[times + si]
    if W[flag] == 0:
        stock, last, have = 0.0, 0.0, False
        j = W[S[OW_HEAD] + pk]
        while j >= 0 and j != first:  # every event received before the package
            t = V[times + j]
            level, j = _group_level(S, W, V, j, first)
            if have:
                stock *= math.exp(-rate * (t - last))
            stock += level
            last, have = t, True
        W[flag] = 1
        V[mv], V[mv + 1] = stock, last if have else now
    level, _ = _group_level(S, W, V, first, -2)
    stimulus = ev(S, W, si, E_SEV)
    if level != 0 and sev_p > stimulus:
        level += sev_p - stimulus
    stock = V[mv] * math.exp(-rate * (now - V[mv + 1])) + level
    V[mv], V[mv + 1] = stock, now
    return stock


@kernel
def _reciprocal(S, W, d, c, si, first, sev_p, ratio):
    # Reciprocity._in_kind: one act per hostile kind of the package, in its order, of size
    # ratio x what was suffered of that kind (sized kinds), at the mirror, after the rule.
    dec = S[OW_DEC]
    prefer = twin(S, ev(S, W, si, E_PRES))
    m = 0
    j = first
    while j >= 0:
        k = ev(S, W, j, E_KIND)
        again = False
        i = first
        while i != j:  # a kind already answered
            if ev(S, W, i, E_KIND) == k:
                again = True
            i = ev(S, W, i, E_NEXT)
        if hostile(k) and not again:
            if k == EXPEL or k == DENY or k == CAP:
                total = 0
                i = j
                while i >= 0:
                    if ev(S, W, i, E_KIND) == k:
                        total += ev(S, W, i, E_MAG)
                    i = ev(S, W, i, E_NEXT)
                n = max(1, round_half_even(ratio * total))
            else:
                n = ev(S, W, j, E_MAG)
            wk, wp, wn, _ = mirror(S, W, d, k, c, n, ev(S, W, j, E_PRES))
            if wk >= 0:
                gk, gp, gn = reply(S, W, wk, d, c, wp, wn, severity(S, wk, wn), sev_p, prefer)
                dup = gk < 0
                for q in range(m):
                    if W[dec + 3 * q] == gk and W[dec + 3 * q + 1] == gp:
                        dup = dup or W[dec + 3 * q + 2] == gn
                if not dup:
                    W[dec + 3 * m], W[dec + 3 * m + 1], W[dec + 3 * m + 2] = gk, gp, gn
                    m += 1
        j = ev(S, W, j, E_NEXT)
    return m


@kernel
def reciprocity(S, F, W, V, d, c, si, first, sev_p, pf, key):
    """``Reciprocity.decide``: break off, answer in kind, or let the package pass."""
    stock = _stock(S, F, W, V, pf, d, c, si, first, sev_p)
    if not hostile(ev(S, W, si, E_KIND)):
        return _in_kind(S, W, d, c, si, sev_p, 0)
    top = F[pf + 9]
    if top == top and stock >= top:
        m = _rupture(S, W, d, c)
        return m if m > 0 else _reciprocal(S, W, d, c, si, first, sev_p, F[pf + 11])
    x = -F[pf + 8] * (stock - F[pf + 7])
    p = 0.0 if x > MAX_EXP else 1.0 / (1.0 + math.exp(x))  # Reciprocity.answer_probability
    if uniform(key, W, CTR) >= p:
        return 0
    return _reciprocal(S, W, d, c, si, first, sev_p, F[pf + 11])
