"""Compiled random draws: the run's stream and the seed hash, as in the SimPy engine.

* :func:`uniform`, :func:`normal`, :func:`draw_delay`: :mod:`escalation.base.stream` and
  :meth:`escalation.model.delay.Delay.draw`, number for number;
* :func:`seed_key`: ``SeedSequence(root, spawn_key=(i,)).generate_state(2)`` (numpy's
  SeedSequence hash, after M. O'Neill's ``seed_seq``), so that a chunk of runs needs only
  its root seed and run range.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 2.0**-53
_TWO_PI = 2.0 * math.pi
_M32 = np.uint64(0xFFFFFFFF)
_S16 = np.uint64(16)


@njit(cache=True)
def uniform(key: np.uint64, ctr: np.ndarray, at: int) -> float:
    """The next uniform number of the stream ``key`` (counter in ``ctr[at]``)."""
    i = ctr[at]
    ctr[at] = i + 1
    z = key + np.uint64(i + 1) * _GAMMA
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _UNIT


@njit(cache=True)
def normal(key: np.uint64, ctr: np.ndarray, at: int) -> float:
    """A standard normal number by Box-Muller, cosine branch (two counters)."""
    u1 = uniform(key, ctr, at)
    u2 = uniform(key, ctr, at)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)


@njit(cache=True)
def draw_delay(median: float, sigma: float, key: np.uint64, ctr: np.ndarray, at: int) -> float:
    """A lognormal delay as :meth:`Delay.draw` draws it."""
    if median == 0.0:
        return 0.0
    if sigma == 0.0:
        return median
    return median * math.exp(sigma * normal(key, ctr, at))


# -- numpy's SeedSequence hash ------------------------------------------------------------------
_INIT_A = np.uint64(0x43B0D7E5)
_MULT_A = np.uint64(0x931E8875)
_INIT_B = np.uint64(0x8B51F9DD)
_MULT_B = np.uint64(0x58F38DED)
_MIX_L = np.uint64(0xCA01F9DD)
_MIX_R = np.uint64(0x4973F715)


@njit(cache=True)
def _hashmix(value: np.uint64, hc: np.ndarray) -> np.uint64:
    value = (value ^ hc[0]) & _M32
    hc[0] = (hc[0] * _MULT_A) & _M32
    value = (value * hc[0]) & _M32
    return value ^ (value >> _S16)


@njit(cache=True)
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> _S16)


@njit(cache=True)
def seed_key(root_words: np.ndarray, child: int) -> np.uint64:
    """Key of child ``child`` of ``SeedSequence(root)``; ``root_words``: its 32-bit words.

    ``root_words`` must have at most 4 words (roots below 2**128), as every root the library
    makes has.
    """
    n = root_words.shape[0]
    entropy = np.zeros(5, dtype=np.uint64)  # the root padded to the pool size, then the child
    for i in range(n):
        entropy[i] = root_words[i]
    entropy[4] = np.uint64(child)
    hc = np.empty(1, dtype=np.uint64)
    hc[0] = _INIT_A
    pool = np.empty(4, dtype=np.uint64)
    for i in range(4):
        pool[i] = _hashmix(entropy[i], hc)
    for src in range(4):
        for dst in range(4):
            if src != dst:
                pool[dst] = _mix(pool[dst], _hashmix(pool[src], hc))
    for dst in range(4):
        pool[dst] = _mix(pool[dst], _hashmix(entropy[4], hc))
    h = _INIT_B
    out = np.empty(2, dtype=np.uint64)
    for i in range(2):
        v = (pool[i] ^ h) & _M32
        h = (h * _MULT_B) & _M32
        v = (v * h) & _M32
        out[i] = v ^ (v >> _S16)
    return out[0] | (out[1] << np.uint64(32))
