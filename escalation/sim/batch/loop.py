"""The compiled event loop: one run of a compiled scenario.

The numba twin of :class:`escalation.sim.play.Play`, callback for callback: the same event
queue order (time, priority, scheduling number), the same packages, re-checks, lapses, stop
rules and counts, and the same draws from the run's stream in the same order. Each run has its
own small binary-heap event queue in ``W``/``V`` (:mod:`escalation.sim.batch.layout`), reset
for each run. A run that would outgrow a buffer is flagged (``OVER``) and left to the SimPy
engine.
"""

from __future__ import annotations

from escalation.sim.batch.decide import carry_out, decide
from escalation.sim.batch.draws import draw_delay, uniform
from escalation.sim.batch.eventlog import log_announced, log_effect, log_infeasible
from escalation.sim.batch.jit import kernel
from escalation.sim.batch.kernels import (
    CLOSE,
    RECALL,
    SUSPEND,
    apply,
    feasible,
    hostile,
    no_presence,
    ruptured,
    severity,
    substitute,
)
from escalation.sim.batch.layout import (
    ACTS,
    CTR,
    E_ID,
    E_KIND,
    E_NEXT,
    E_PRES,
    E_SEV,
    END,
    EV_CAP,
    EV_COLS,
    EVN,
    HN,
    HORIZON,
    LAST,
    LASTANN,
    MEM_COLS,
    MT_CAP,
    MT_COLS,
    MTN,
    N_PARAMETERS,
    NLOG,
    NOW,
    NRUPT,
    O_CAP0,
    O_MEM,
    O_PTYPE,
    O_STAFF0,
    O_STATUS0,
    O_STOPPAIR,
    O_TR,
    OF_MEMT,
    OF_PF,
    OF_TRD,
    OF_TRT,
    OV_ET,
    OV_HT,
    OV_MD,
    OVER,
    OW_CAP,
    OW_DEC,
    OW_EV,
    OW_HEAD,
    OW_MEMO,
    OW_MT,
    OW_PKG,
    OW_RUPTURED,
    OW_SLOT,
    OW_STAFF,
    OW_STATUS,
    OW_TAIL,
    PAIRS,
    PART,
    PEAK,
    PENDING,
    POSTERIOR,
    QCHECK,
    QUIET,
    REASON,
    ROUNDS,
    RTIME,
    RULE_ALL,
    RULE_ANY,
    RULE_PAIRS,
    RUPT,
    SLOTS,
    STOP_RUPTURE,
    TLEFT,
    TOP,
    TR_COLS,
    W_HEADER,
)
from escalation.sim.batch.layout import A as N_ACTORS
from escalation.sim.batch.layout import M as N_MEMORY
from escalation.sim.batch.layout import P as N_PRESENCES
from escalation.sim.batch.layout import T as N_TRIGGERS
from escalation.sim.batch.policies import ev, round_half_even
from escalation.sim.batch.queue import pop, push
from escalation.sim.batch.stops import (
    NORMAL,
    R_HORIZON,
    R_LIMIT,
    R_QUIET,
    R_RUPTURE,
    T_ANSWER,
    T_EFFECT,
    T_HORIZON,
    T_PACKAGE,
    T_QUIET,
    T_STOP,
    T_TRIGGER,
    URGENT,
    arm_quiet,
    idle,
    particle,
    stop,
)

MAX_ACTS = 100_000
#: Policy codes whose lags and delays are whole days (compile.WHOLE_DAYS: reciprocity).
WHOLE_DAYS_CODE = 10


@kernel
def _add_measure(S, W, V, k, actor, target, p, n, cause, delay):
    i = W[MTN]
    if i >= S[MT_CAP]:
        W[OVER] = 1
        return 0
    at = S[OW_MT] + MT_COLS * i
    W[at], W[at + 1], W[at + 2], W[at + 3], W[at + 4], W[at + 5] = k, actor, target, p, n, cause
    V[S[OV_MD] + i] = delay
    W[MTN] = i + 1
    return i


@kernel
def _store(S, W, V, key, logid, k, sev, cause, actor, target, n, t, p):
    # Append an announced event to the store and to the list ``key`` (target, actor).
    i = W[EVN]
    if i >= S[EV_CAP]:
        W[OVER] = 1
        return -1
    at = S[OW_EV] + EV_COLS * i
    W[at], W[at + 1], W[at + 2], W[at + 3] = logid, k, sev, cause
    W[at + 4], W[at + 5], W[at + 6], W[at + 7] = actor, target, n, -1
    W[at + E_PRES] = p
    V[S[OV_ET] + i] = t
    head, tail = S[OW_HEAD] + key, S[OW_TAIL] + key
    if W[head] < 0:
        W[head] = i
    else:
        W[S[OW_EV] + EV_COLS * W[tail] + E_NEXT] = i
    W[tail] = i
    W[EVN] = i + 1
    return i


@kernel
def _publish(S, F, W, V, key, k, actor, target, p, n, cause, delay):
    now = V[NOW]
    W[ACTS] += 1
    if W[ACTS] >= MAX_ACTS:
        stop(S, W, V, R_LIMIT, now)
    logid = W[NLOG]
    W[NLOG] += 1
    sev = severity(S, k, n)
    log_announced(S, W, V, logid, k, actor, target, p, n, sev, cause)
    if hostile(k):
        if actor != W[LAST]:
            W[ROUNDS] += 1
            W[LAST] = actor
        if sev > W[PEAK]:
            W[PEAK] = sev
    V[LASTANN] = now
    if not no_presence(k):
        W[PENDING] += 1
        m = _add_measure(S, W, V, k, actor, target, p, n, logid, 0.0)  # cause: announcement
        push(S, W, V, now + delay, URGENT, T_EFFECT, m)
    if W[QCHECK] == 0:
        arm_quiet(S, F, W, V)
    if k == RECALL:
        return logid
    pk = target * S[N_ACTORS] + actor
    i = _store(S, W, V, pk, logid, k, sev, cause, actor, target, n, now, p)
    if i < 0 or W[S[OW_PKG] + pk] >= 0:
        return logid
    if W[HN] == 0 or V[S[OV_HT]] > now:  # nothing else is due now: decide at once
        _decide(S, F, W, V, pk, i, key)
    else:
        W[S[OW_PKG] + pk] = i
        W[PENDING] += 1
        push(S, W, V, now, NORMAL, T_PACKAGE, pk)
    return logid


@kernel
def _stimulus(S, W, first):
    # The most severe event of the package from ``first``, by (hostile, severity, id).
    si = first
    j = ev(S, W, first, E_NEXT)
    while j >= 0:
        a = (1 if hostile(ev(S, W, j, E_KIND)) else 0, ev(S, W, j, E_SEV), ev(S, W, j, E_ID))
        b = (1 if hostile(ev(S, W, si, E_KIND)) else 0, ev(S, W, si, E_SEV), ev(S, W, si, E_ID))
        if a > b:
            si = j
        j = ev(S, W, j, E_NEXT)
    return si


@kernel
def _decide(S, F, W, V, pk, first, key):
    na = S[N_ACTORS]
    d, c = pk // na, pk % na
    si = _stimulus(S, W, first)
    slot = W[PART] * na * na + d * na + c
    kind = S[S[O_PTYPE] + slot]
    pf = S[OF_PF] + N_PARAMETERS * slot
    if F[pf] < 1.0 and uniform(key, W, CTR) >= F[pf]:
        return
    sev_p = ev(S, W, si, E_SEV)
    if F[pf + 5] > 0.0 and hostile(ev(S, W, si, E_KIND)) and uniform(key, W, CTR) < F[pf + 5]:
        sev_p = min(sev_p + 1, S[TOP])
    m = decide(S, F, W, V, kind, pf, d, c, si, sev_p, key, first)
    kept = carry_out(S, F, W, pf, m, d, c, key)
    if kept == 0:
        return
    lag = draw_delay(F[pf + 1], F[pf + 2], key, W, CTR)
    delay = draw_delay(F[pf + 3], F[pf + 4], key, W, CTR)  # one per answer (a package)
    if kind == WHOLE_DAYS_CODE:
        lag, delay = float(round_half_even(lag)), float(round_half_even(delay))
    now, dec, cause = V[NOW], S[OW_DEC], ev(S, W, si, E_ID)
    for i in range(kept):
        W[PENDING] += 1
        k, p, n = W[dec + 3 * i], W[dec + 3 * i + 1], W[dec + 3 * i + 2]
        m = _add_measure(S, W, V, k, d, c, p, n, cause, delay)
        push(S, W, V, now + lag, NORMAL, T_ANSWER, m)


@kernel
def _on_trigger(S, F, W, V, t, key):
    W[PENDING] -= 1
    W[TLEFT] -= 1
    at = S[O_TR] + TR_COLS * t
    k, actor, target, p, n = S[at], S[at + 1], S[at + 2], S[at + 3], S[at + 4]
    idslot, causeslot = S[at + 5], S[at + 6]
    cause = W[S[OW_SLOT] + causeslot] if causeslot >= 0 else -1
    if feasible(S, W, k, actor, target, p, n):
        logid = _publish(S, F, W, V, key, k, actor, target, p, n, cause, F[S[OF_TRD] + t])
        if idslot >= 0:
            W[S[OW_SLOT] + idslot] = logid
    else:
        log_infeasible(S, W, V, k, actor, target, p, n, cause)
    if W[TLEFT] == 0:
        arm_quiet(S, F, W, V)


@kernel
def _on_answer(S, F, W, V, i, key):
    W[PENDING] -= 1
    at = S[OW_MT] + MT_COLS * i
    k, actor, target, p, n, cause = W[at], W[at + 1], W[at + 2], W[at + 3], W[at + 4], W[at + 5]
    if not feasible(S, W, k, actor, target, p, n):
        k, p, n = substitute(S, W, k, actor, target, p, n, severity(S, k, n), -1)
        if k < 0:
            return
    _publish(S, F, W, V, key, k, actor, target, p, n, cause, V[S[OV_MD] + i])


@kernel
def _rupture(S, W, V, actor, target):
    # Play._ruptured: the pair's first rupture is noted, the run's first is the outcome's,
    # and the stop rule decides whether the run stops.
    pair = min(actor, target) * S[N_ACTORS] + max(actor, target)
    if W[S[OW_RUPTURED] + pair] or not ruptured(S, W, actor, target):
        return
    W[S[OW_RUPTURED] + pair] = 1
    W[NRUPT] += 1
    if W[RUPT] == 0:
        W[RUPT] = 1
        V[RTIME] = V[NOW]
    rule = S[STOP_RUPTURE]
    if (
        rule == RULE_ANY
        or (rule == RULE_ALL and W[NRUPT] == S[PAIRS])
        or (rule == RULE_PAIRS and S[S[O_STOPPAIR] + pair])
    ):
        stop(S, W, V, R_RUPTURE, V[NOW])


@kernel
def _on_effect(S, W, V, i):
    W[PENDING] -= 1
    at = S[OW_MT] + MT_COLS * i
    k, actor, target, p, n = W[at], W[at + 1], W[at + 2], W[at + 3], W[at + 4]
    if not feasible(S, W, k, actor, target, p, n):
        log_effect(S, W, V, i, True, 0)
        return
    before = W[S[OW_STAFF] + p] if p >= 0 else 0
    apply(S, W, k, p, n)
    log_effect(S, W, V, i, False, before)
    if k == CLOSE or k == SUSPEND:
        _rupture(S, W, V, actor, target)


@kernel
def _on_quiet(S, F, W, V):
    quiet = F[QUIET]
    since = V[NOW] - V[LASTANN]
    if since >= quiet - 1e-9:
        if W[TLEFT]:
            W[QCHECK] = 0
        else:
            stop(S, W, V, R_QUIET, V[NOW])
    else:
        push(S, W, V, V[NOW] + (quiet - since), NORMAL, T_QUIET, 0)


@kernel
def _reset(S, F, W, V):
    for i in range(W_HEADER):  # loops, not slices: no array views (compiled without NRT)
        W[i] = 0
    for i in range(8):
        V[i] = 0.0
    W[LAST], W[REASON] = -1, -1
    V[END] = F[HORIZON]
    for i in range(S[N_PRESENCES]):
        W[S[OW_STAFF] + i] = S[S[O_STAFF0] + i]
        W[S[OW_CAP] + i] = S[S[O_CAP0] + i]
        W[S[OW_STATUS] + i] = S[S[O_STATUS0] + i]
    for i in range(S[N_ACTORS] * S[N_ACTORS]):
        W[S[OW_HEAD] + i], W[S[OW_TAIL] + i], W[S[OW_PKG] + i] = -1, -1, -1
        W[S[OW_MEMO] + i] = 0
        W[S[OW_RUPTURED] + i] = 0
    for i in range(S[SLOTS] + 1):
        W[S[OW_SLOT] + i] = -1
    for i in range(S[N_MEMORY]):  # what the actors remember, in the lists they remember it
        at = S[O_MEM] + MEM_COLS * i
        t = F[S[OF_MEMT] + i]
        _store(S, W, V, S[at], S[at + 1], S[at + 2], S[at + 3], -1, S[at + 4], S[at + 5],
               S[at + 6], t, S[at + 7])  # fmt: skip


@kernel
def _step(S, F, W, V, typ, pay, key):
    # Run one event's callback; True when the idle check follows (not for quiet, horizon).
    if typ == T_EFFECT:
        _on_effect(S, W, V, pay)
    elif typ == T_ANSWER:
        _on_answer(S, F, W, V, pay, key)
    elif typ == T_TRIGGER:
        _on_trigger(S, F, W, V, pay, key)
    elif typ == T_PACKAGE:
        W[PENDING] -= 1
        first = W[S[OW_PKG] + pay]
        W[S[OW_PKG] + pay] = -1
        _decide(S, F, W, V, pay, first, key)
    elif typ == T_QUIET:
        _on_quiet(S, F, W, V)
        return False
    else:
        stop(S, W, V, R_HORIZON, F[HORIZON])
        return False
    return True


@kernel
def run_one(S, F, W, V, key, part):
    """Play one run keyed ``key`` in ``W``/``V``; return the stop reason (-2: overflow).

    Its policies are those of particle ``part``, or, for a scenario with a posterior, of the
    particle drawn by the run's first uniform.
    """
    _reset(S, F, W, V)
    W[PART] = particle(S, F, uniform(key, W, CTR)) if S[POSTERIOR] else part
    push(S, W, V, F[HORIZON], NORMAL, T_HORIZON, 0)
    for t in range(S[N_TRIGGERS]):
        W[PENDING] += 1
        W[TLEFT] += 1
        push(S, W, V, F[S[OF_TRT] + t], NORMAL, T_TRIGGER, t)
    if W[PENDING] == 0:
        idle(S, F, W, V)
    while W[OVER] == 0:
        t, typ, pay = pop(S, W, V)
        V[NOW] = t
        if typ == T_STOP:
            break
        if _step(S, F, W, V, typ, pay, key) and W[PENDING] == 0:
            idle(S, F, W, V)
    return -2 if W[OVER] else W[REASON]
