"""The compiled loop's event log: a bounded record of what a run logs, kept when asked for.

A scenario compiled with a log capacity ``n`` (``compile_scenario(scenario, log=n)``) keeps
one row per event that :class:`escalation.sim.play.Play` logs, at the row of the event's id:
``LOG_COLS`` integers in ``W`` (act, phase, kind, actor, target, presence, magnitude,
severity, cause, forced; ``-1`` for no act, presence or cause) and its time in ``V``. A run
that logs more than ``n`` events overflows (``OVER``) and is left to the SimPy engine. With
capacity 0 nothing is written; the log ids are counted (``NLOG``) either way, as the SimPy
engine numbers its events. :mod:`escalation.sim.batch.logs` turns the rows into events.
"""

from __future__ import annotations

from escalation.sim.batch.jit import kernel
from escalation.sim.batch.kernels import CAP, severity
from escalation.sim.batch.layout import (
    ACTS,
    L_ANNOUNCED,
    L_EFFECTIVE,
    L_INFEASIBLE,
    L_LAPSED,
    LOG_CAP,
    LOG_COLS,
    MT_COLS,
    NLOG,
    NOW,
    OV_LOG,
    OVER,
    OW_LOG,
    OW_MT,
    OW_STAFF,
)


@kernel
def _row(S, W, V, i, act, phase, k, actor, target, p, n, sev, cause, forced):
    # Row ``i`` of the log, at the current time; past the capacity the run overflows.
    if i >= S[LOG_CAP]:
        W[OVER] = 1
        return
    at = S[OW_LOG] + LOG_COLS * i
    W[at], W[at + 1], W[at + 2], W[at + 3], W[at + 4] = act, phase, k, actor, target
    W[at + 5], W[at + 6], W[at + 7], W[at + 8], W[at + 9] = p, n, sev, cause, forced
    V[S[OV_LOG] + i] = V[NOW]


@kernel
def log_announced(S, W, V, logid, k, actor, target, p, n, sev, cause):
    """Log the announcement ``logid`` of the act just counted (``Play._publish``)."""
    if S[LOG_CAP]:
        _row(S, W, V, logid, W[ACTS] - 1, L_ANNOUNCED, k, actor, target, p, n, sev, cause, 0)


@kernel
def log_infeasible(S, W, V, k, actor, target, p, n, cause):
    """Log a trigger that was not feasible when it came due (``Play._on_trigger``)."""
    i = W[NLOG]
    W[NLOG] = i + 1
    if S[LOG_CAP]:
        _row(S, W, V, i, -1, L_INFEASIBLE, k, actor, target, p, n, severity(S, k, n), cause, 0)


@kernel
def log_effect(S, W, V, m, lapsed, before):
    """Log the effect of measure ``m``, or its lapse (``Play._on_effect``).

    The measure's cause column holds the id of its announcement, whose act and cause the
    effect shares; ``before`` is its presence's staff before it was applied (for ``forced``).
    """
    i = W[NLOG]
    W[NLOG] = i + 1
    if S[LOG_CAP] == 0:
        return
    at = S[OW_MT] + MT_COLS * m
    k, actor, target, p, n, ann = W[at], W[at + 1], W[at + 2], W[at + 3], W[at + 4], W[at + 5]
    if ann < 0 or ann >= S[LOG_CAP]:
        W[OVER] = 1
        return
    a = S[OW_LOG] + LOG_COLS * ann
    forced = 0
    if not lapsed and k == CAP and p >= 0:
        forced = before - W[S[OW_STAFF] + p]
    phase = L_LAPSED if lapsed else L_EFFECTIVE
    _row(S, W, V, i, W[a], phase, k, actor, target, p, n, severity(S, k, n), W[a + 8], forced)
