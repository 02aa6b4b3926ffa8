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

from escalation.sim.batch.jit import kernel, tiny

_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_UNIT = 2.0**-53
_TWO_PI = 2.0 * math.pi
_M32 = np.uint64(0xFFFFFFFF)
_S16 = np.uint64(16)


@tiny
def uniform(key: np.uint64, ctr: np.ndarray, at: int) -> float:
    """The next uniform number of the stream ``key`` (counter in ``ctr[at]``)."""
    i = ctr[at]
    ctr[at] = i + 1
    z = key + np.uint64(i + 1) * _GAMMA
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    z = z ^ (z >> _S31)
    return float(z >> _S11) * _UNIT


@kernel
def normal(key: np.uint64, ctr: np.ndarray, at: int) -> float:
    """A standard normal number by Box-Muller, cosine branch (two counters)."""
    u1 = uniform(key, ctr, at)
    u2 = uniform(key, ctr, at)
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)


@kernel
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


@kernel
def _mix(x: np.uint64, y: np.uint64) -> np.uint64:
    r = (_MIX_L * x - _MIX_R * y) & _M32
    return r ^ (r >> _S16)


@kernel
def _hm(value: np.uint64, hc: np.uint64):
    # hashmix: the mixed value and the next hash constant.
    value = (value ^ hc) & _M32
    hc = (hc * _MULT_A) & _M32
    value = (value * hc) & _M32
    return value ^ (value >> _S16), hc


@kernel
def seed_key(root_words: np.ndarray, child: int) -> np.uint64:
    """Key of child ``child`` of ``SeedSequence(root)``; ``root_words``: its 32-bit words.

    ``root_words`` must have at most 4 words (roots below 2**128), as every root the library
    makes has: they are padded with zeros to the pool size (4), then the child's index is
    mixed in, then two words are generated (no arrays are made: this runs once per run).
    """
    n = root_words.shape[0]
    e0 = root_words[0]
    e1 = root_words[1] if n > 1 else np.uint64(0)
    e2 = root_words[2] if n > 2 else np.uint64(0)
    e3 = root_words[3] if n > 3 else np.uint64(0)
    hc = _INIT_A
    p0, hc = _hm(e0, hc)
    p1, hc = _hm(e1, hc)
    p2, hc = _hm(e2, hc)
    p3, hc = _hm(e3, hc)
    for src in range(4):
        v = p0 if src == 0 else p1 if src == 1 else p2 if src == 2 else p3  # unchanged below
        for dst in range(4):
            if src == dst:
                continue
            h, hc = _hm(v, hc)
            if dst == 0:
                p0 = _mix(p0, h)
            elif dst == 1:
                p1 = _mix(p1, h)
            elif dst == 2:
                p2 = _mix(p2, h)
            else:
                p3 = _mix(p3, h)
    child_word = np.uint64(child)
    h, hc = _hm(child_word, hc)
    p0 = _mix(p0, h)
    h, hc = _hm(child_word, hc)
    p1 = _mix(p1, h)
    h, hc = _hm(child_word, hc)
    p2 = _mix(p2, h)
    h, hc = _hm(child_word, hc)
    p3 = _mix(p3, h)
    b = _INIT_B
    v0 = (p0 ^ b) & _M32
    b = (b * _MULT_B) & _M32
    v0 = (v0 * b) & _M32
    v0 ^= v0 >> _S16
    v1 = (p1 ^ b) & _M32
    b = (b * _MULT_B) & _M32
    v1 = (v1 * b) & _M32
    v1 ^= v1 >> _S16
    return v0 | (v1 << np.uint64(32))
