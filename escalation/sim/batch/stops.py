"""Stops, the quiet check and the particle of a run: the compiled loop's leaf kernels.

Split from :mod:`escalation.sim.batch.loop` (which calls them): ``stop`` is ``Play._stop``
(the first reason wins; an urgent stop event ends the loop), ``arm_quiet`` and ``idle`` the
quiet rule, ``particle`` the draw of a posterior particle by the run's first uniform.
"""

from __future__ import annotations

from escalation.sim.batch.jit import kernel
from escalation.sim.batch.layout import (
    END,
    HORIZON,
    LASTANN,
    NOW,
    OF_CDF,
    QCHECK,
    QUIET,
    REASON,
)
from escalation.sim.batch.layout import K as N_PARTICLES
from escalation.sim.batch.queue import push

URGENT, NORMAL = 0, 1
T_HORIZON, T_TRIGGER, T_ANSWER, T_EFFECT, T_PACKAGE, T_QUIET, T_STOP = range(7)
R_HORIZON, R_RUPTURE, R_QUIET, R_LIMIT = range(4)


@kernel
def stop(S, W, V, reason, end):
    """Stop the run for ``reason`` at ``end`` unless it is already stopping."""
    if W[REASON] >= 0:
        return
    W[REASON] = reason
    V[END] = end
    push(S, W, V, V[NOW], URGENT, T_STOP, 0)


@kernel
def arm_quiet(S, F, W, V):
    """Schedule the quiet check once, for when ``quiet_days`` pass without a measure."""
    quiet = F[QUIET]
    if quiet >= 0 and W[QCHECK] == 0:
        W[QCHECK] = 1
        push(S, W, V, V[NOW] + max(0.0, V[LASTANN] + quiet - V[NOW]), NORMAL, T_QUIET, 0)


@kernel
def idle(S, F, W, V):
    """Nothing is pending: stop by the quiet rule, or at the horizon."""
    if W[REASON] >= 0:
        return
    if F[QUIET] >= 0:
        end = max(V[LASTANN] + F[QUIET], V[NOW])
        if end <= F[HORIZON]:
            stop(S, W, V, R_QUIET, end)
            return
    stop(S, W, V, R_HORIZON, F[HORIZON])


@kernel
def particle(S, F, u):
    """The particle of uniform ``u`` (``ParameterSample.draw``): ``searchsorted`` right, capped."""
    lo, hi, cdf = 0, S[N_PARTICLES], S[OF_CDF]
    while lo < hi:
        mid = (lo + hi) // 2
        if F[cdf + mid] <= u:
            lo = mid + 1
        else:
            hi = mid
    return min(lo, S[N_PARTICLES] - 1)
