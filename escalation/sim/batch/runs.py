"""Runs of a compiled scenario: a range of an ensemble's runs, as outcome columns.

:func:`run_range` is the compiled loop over runs ``lo`` to ``hi`` of an ensemble whose root
seed has the 32-bit words ``root_words``: each run's key is computed in place from the root
and the run's index (no seed objects are made), the run is played by
:func:`escalation.sim.batch.loop.run_one`, and its outcome is written into flat arrays. A run
that outgrew the engine's buffers is flagged; :func:`escalation.sim.batch.run_batch` plays it
on the SimPy engine instead. :func:`run_logged` plays one run per given key and particle, and
keeps each run's event log too (:mod:`escalation.sim.batch.eventlog`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from escalation.sim.batch.draws import seed_key
from escalation.sim.batch.layout import (
    ACTS,
    END,
    LAST,
    LOG_COLS,
    NLOG,
    OV_LOG,
    OW_CAP,
    OW_LOG,
    OW_STAFF,
    OW_STATUS,
    PEAK,
    ROUNDS,
    RTIME,
    RUPT,
)
from escalation.sim.batch.layout import P as N_PRESENCES
from escalation.sim.batch.loop import run_one


@njit(cache=True)
def run_range(S, F, w_size, v_size, root_words, lo, hi, times, counts, final):
    """Play runs ``lo`` to ``hi``; fill ``times`` (n, 2), ``counts`` (n, 6), ``final`` (n, 3, P).

    ``times``: time to rupture (the end time when none), end time. ``counts``: ruptured,
    rounds, peak severity, last mover (-1 none), acts, overflow (1: play it on SimPy).
    """
    W = np.zeros(w_size, dtype=np.int64)
    V = np.zeros(v_size)
    for j in range(hi - lo):
        if run_one(S, F, W, V, seed_key(root_words, lo + j), 0) == -2:
            counts[j, 5] = 1
            continue
        _outcome(S, W, V, j, times, counts, final)


@njit(cache=True)
def _outcome(S, W, V, j, times, counts, final):
    # The outcome of the run just played into row ``j``.
    np_ = S[N_PRESENCES]
    times[j, 0] = V[RTIME] if W[RUPT] else V[END]
    times[j, 1] = V[END]
    counts[j, 0] = W[RUPT]
    counts[j, 1] = W[ROUNDS]
    counts[j, 2] = W[PEAK]
    counts[j, 3] = W[LAST]
    counts[j, 4] = W[ACTS]
    counts[j, 5] = 0
    for q, at in enumerate((S[OW_STAFF], S[OW_CAP], S[OW_STATUS])):
        final[j, q, :] = W[at : at + np_]


@njit(cache=True)
def run_logged(S, F, w_size, v_size, keys, parts, times, counts, final, rows, stamps, sizes):
    """Play run ``j`` keyed ``keys[j]`` under particle ``parts[j]``, keeping its event log.

    ``times``, ``counts``, ``final`` as in :func:`run_range`; the log of run ``j``: its
    ``sizes[j]`` rows in ``rows[j]`` (capacity, ``LOG_COLS``) and their times in
    ``stamps[j]``. ``S`` must be compiled with a log capacity of at least ``rows.shape[1]``.
    """
    W = np.zeros(w_size, dtype=np.int64)
    V = np.zeros(v_size)
    for j in range(keys.shape[0]):
        if run_one(S, F, W, V, keys[j], parts[j]) == -2:
            counts[j, 5] = 1
            continue
        _outcome(S, W, V, j, times, counts, final)
        m = W[NLOG]
        sizes[j] = m
        at, vt = S[OW_LOG], S[OV_LOG]
        for i in range(m):
            stamps[j, i] = V[vt + i]
            for c in range(LOG_COLS):
                rows[j, i, c] = W[at + LOG_COLS * i + c]
