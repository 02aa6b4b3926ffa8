"""The event queue of a run: a binary heap in the working arrays, ordered as SimPy's.

Entries are ordered by (time, priority, scheduling number), as SimPy 4 orders its queue;
priority and number are packed into one integer (``priority << 40 | number``). Times are in
``V`` at ``S[OV_HT]``, (order, type, payload) rows in ``W`` at ``S[OW_HV]``. A push beyond
the capacity sets the run's overflow flag instead.
"""

from __future__ import annotations

from escalation.sim.batch.jit import kernel, tiny
from escalation.sim.batch.layout import EID, HEAP_CAP, HN, OV_HT, OVER, OW_HV


@tiny
def _before(V, W, ht, hv, i, t, order):
    # Whether heap entry i comes before (t, order).
    return V[ht + i] < t or (V[ht + i] == t and W[hv + 3 * i] < order)


@kernel
def push(S, W, V, t, prio, typ, pay):
    """Schedule an event of type ``typ`` with ``payload`` at time ``t``."""
    n = W[HN]
    if n >= S[HEAP_CAP]:
        W[OVER] = 1
        return
    ht, hv = S[OV_HT], S[OW_HV]
    order = (prio << 40) | W[EID]
    W[EID] += 1
    while n > 0:  # sift up
        parent = (n - 1) >> 1
        if _before(V, W, ht, hv, parent, t, order):
            break
        V[ht + n] = V[ht + parent]
        W[hv + 3 * n], W[hv + 3 * n + 1] = W[hv + 3 * parent], W[hv + 3 * parent + 1]
        W[hv + 3 * n + 2] = W[hv + 3 * parent + 2]
        n = parent
    V[ht + n] = t
    W[hv + 3 * n], W[hv + 3 * n + 1], W[hv + 3 * n + 2] = order, typ, pay
    W[HN] += 1


@kernel
def pop(S, W, V):
    """Take the first event: ``(time, type, payload)``."""
    ht, hv = S[OV_HT], S[OW_HV]
    t, typ, pay = V[ht], W[hv + 1], W[hv + 2]
    n = W[HN] - 1
    W[HN] = n
    lt, l0, l1, l2 = V[ht + n], W[hv + 3 * n], W[hv + 3 * n + 1], W[hv + 3 * n + 2]
    i = 0
    while True:  # sift down
        child = 2 * i + 1
        if child >= n:
            break
        if child + 1 < n and _before(V, W, ht, hv, child + 1, V[ht + child], W[hv + 3 * child]):
            child += 1
        if not _before(V, W, ht, hv, child, lt, l0):
            break
        V[ht + i] = V[ht + child]
        W[hv + 3 * i], W[hv + 3 * i + 1] = W[hv + 3 * child], W[hv + 3 * child + 1]
        W[hv + 3 * i + 2] = W[hv + 3 * child + 2]
        i = child
    V[ht + i] = lt
    W[hv + 3 * i], W[hv + 3 * i + 1], W[hv + 3 * i + 2] = l0, l1, l2
    return t, typ, pay
