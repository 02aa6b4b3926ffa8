"""Which built-in policy decides, and implementation noise on what it decided (compiled).

``decide`` dispatches on the policy code of :data:`escalation.sim.batch.compile.POLICY_CODES`
to the kernels of :mod:`escalation.sim.batch.policies` and
:mod:`escalation.sim.batch.reciprocity`; ``carry_out`` is the implementation noise the SimPy
engine applies to each act decided.
"""

from __future__ import annotations

from escalation.sim.batch.draws import uniform
from escalation.sim.batch.jit import kernel
from escalation.sim.batch.kernels import hostile, severity, soften, substitute
from escalation.sim.batch.layout import CTR, E_KIND, OW_DEC
from escalation.sim.batch.policies import (
    _gradual,
    _grievance,
    _grim,
    _in_kind,
    _level_parity,
    _proportional,
    _tit_for_two_tats,
    ev,
)
from escalation.sim.batch.reciprocity import reciprocity


@kernel
def decide(S, F, W, V, kind, pf, d, c, si, sev_p, key, first):
    """``Policy.decide`` of policy type ``kind`` with parameters at ``F[pf:]``: acts decided.

    ``first`` is the package's first event (its events follow it in the received list).
    """
    hostile_stimulus = hostile(ev(S, W, si, E_KIND))
    if kind == 0:  # passive, scripted
        return 0
    if kind == 1:  # tit-for-tat
        return _in_kind(S, W, d, c, si, sev_p, 0)
    if kind == 6:  # escalate-by-k
        return _in_kind(S, W, d, c, si, sev_p, int(F[pf + 7]) if hostile_stimulus else 0)
    if kind == 2:
        return _proportional(S, W, d, c, si, sev_p, F[pf + 7])
    if kind == 3:  # generous tit-for-tat
        forgive = F[pf + 7]
        if hostile_stimulus and forgive > 0 and uniform(key, W, CTR) < forgive:
            return 0
        return _in_kind(S, W, d, c, si, sev_p, 0)
    if kind == 5:
        return _grim(S, W, d, c, si, sev_p, int(F[pf + 7]))
    if kind == 8:
        return _level_parity(S, W, d, c, si, sev_p)
    if kind == 9:
        return _grievance(S, F, W, V, d, c, si, sev_p, pf)
    if kind == 10:
        return reciprocity(S, F, W, V, d, c, si, first, sev_p, pf, key)
    if not hostile_stimulus:  # tit-for-two-tats, gradual
        return _in_kind(S, W, d, c, si, sev_p, 0)
    if kind == 4:
        return _tit_for_two_tats(S, W, V, d, c, si, sev_p, int(F[pf + 7]))
    return _gradual(S, F, W, V, d, c, si, sev_p, pf)


@kernel
def carry_out(S, F, W, pf, m, d, c, key):
    """Implementation noise on each of the ``m`` acts decided; the number of acts kept."""
    dec = S[OW_DEC]
    kept = 0
    for i in range(m):
        k, p, n = W[dec + 3 * i], W[dec + 3 * i + 1], W[dec + 3 * i + 2]
        if F[pf + 6] > 0.0 and uniform(key, W, CTR) < F[pf + 6] and hostile(k):
            if uniform(key, W, CTR) < 0.5:
                k2, p2, n2 = substitute(S, W, k, d, c, p, n, severity(S, k, n) + 1, -1)
                if k2 >= 0:
                    k, p, n = k2, p2, n2
            else:
                k, p, n = soften(S, W, k, d, c, p, n)
        if k >= 0:
            W[dec + 3 * kept], W[dec + 3 * kept + 1], W[dec + 3 * kept + 2] = k, p, n
            kept += 1
    return kept
