"""The random stream of one run: counter-based, keyed by the run's seed.

Every random number a run draws is ``u_i = f(key, i)``: a 64-bit key derived once from the
run's seed, and a counter ``i`` that counts the draws. Nothing else is kept between draws, so
the SimPy engine (this module, in pure Python) and the compiled batch engine
(:mod:`escalation.sim.batch.kernels`, in numba) draw the very same numbers in the same order
from the same key, and a run's draws do not depend on how runs are split among processes.

The generator
    ``f(key, i)`` is SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
    generators", OOPSLA 2014; the reference C code by S. Vigna): the state after ``i + 1``
    steps is ``key + (i + 1) * 0x9E3779B97F4A7C15`` (mod 2**64), and the output is that
    state through a 64-bit finaliser (two xor-shift-multiply rounds and a last xor-shift).
    Because the state is a multiple of the counter, the generator is counter-based by
    construction: draw ``i`` costs the same whatever ``i`` is. SplitMix64 passes BigCrush
    (TestU01) and PractRand to many terabytes for one stream; it is Java's
    ``SplittableRandom`` and the usual seeder of the xoshiro family. Its known weakness is
    between streams: two keys that differ by a multiple of the constant give overlapping
    sequences, shifted. With keys of 64 bits from a hash (below), two of ``R`` runs of ``n``
    draws overlap with probability about ``R**2 * n / 2**64``: 5e-5 for a million runs of a
    thousand draws. It was preferred to Philox4x32-10 because it costs about a microsecond
    per draw in pure Python (Philox's ten rounds of 32-bit products cost several), and the
    SimPy engine draws in pure Python.
Uniform numbers
    ``(bits >> 11) * 2**-53``: the 53 high bits, in ``[0, 1)``, every value a multiple of
    ``2**-53`` (as numpy's ``Generator.random``).
Normal numbers
    Box-Muller, cosine branch only, from two uniforms ``u1, u2`` (two counters):
    ``sqrt(-2 log(1 - u1)) cos(2 pi u2)``; ``1 - u1`` lies in ``(0, 1]`` so the logarithm is
    finite. The sine branch is not kept, so that every normal costs exactly two counters.
    Python's ``math`` functions and numba's compile to the same C library calls, so both
    engines give the same doubles (the identity tests check it on this platform).
Lognormal delays
    ``median * exp(sigma * z)`` with ``z`` normal (:meth:`escalation.model.delay.Delay.draw`).

The key
    From an int or a :class:`numpy.random.SeedSequence` ``s``: the two first 32-bit words of
    ``s.generate_state`` (``SeedSequence(int)`` for an int), low word first. Run ``i`` of an
    ensemble with root seed ``r`` is keyed by ``SeedSequence(r).spawn(runs)[i]``; the batch
    engine computes the same SeedSequence hash in compiled code (:func:`seed_key` here is the
    reference). From a :class:`numpy.random.Generator`: one draw of 64 bits from it (so it
    advances by that draw).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

#: The SplitMix64 increment (the golden ratio in 64 bits).
GAMMA = 0x9E3779B97F4A7C15
_M64 = (1 << 64) - 1
_TWO_PI = 2.0 * math.pi
_UNIT = 2.0**-53


def bits(key: int, i: int) -> int:
    """The 64 random bits of draw ``i`` under ``key``."""
    z = (key + (i + 1) * GAMMA) & _M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
    return z ^ (z >> 31)


class Stream:
    """The random numbers of one run, drawn in order from ``key``.

    The few methods the engine and the built-in policies use; a user-written policy draws
    from ``ctx.rng``, which is this stream. ``counter`` is the number of 64-bit draws so far.

    Parameters
    ----------
    key
        The run's 64-bit key (see :func:`stream_for` to make one from a seed).
    counter
        Where to start (0 for a new run).
    """

    __slots__ = ("counter", "key")

    def __init__(self, key: int, counter: int = 0):
        if not 0 <= key <= _M64:
            raise ValueError(f"a stream key is a 64-bit unsigned integer, not {key}")
        self.key = int(key)
        self.counter = int(counter)

    def __repr__(self) -> str:
        return f"Stream(key={self.key:#018x}, counter={self.counter})"

    def random(self) -> float:
        """A uniform number in ``[0, 1)`` (one counter)."""
        i = self.counter
        self.counter = i + 1
        z = (self.key + (i + 1) * GAMMA) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return ((z ^ (z >> 31)) >> 11) * _UNIT

    def uniform(self, low: float = 0.0, high: float = 1.0) -> float:
        """A uniform number in ``[low, high)`` (one counter)."""
        return low + (high - low) * self.random()

    def standard_normal(self) -> float:
        """A standard normal number by Box-Muller (two counters)."""
        u1 = self.random()
        u2 = self.random()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(_TWO_PI * u2)

    def normal(self, loc: float = 0.0, scale: float = 1.0) -> float:
        """A normal number with mean ``loc`` and standard deviation ``scale`` (two counters)."""
        return loc + scale * self.standard_normal()

    def integers(self, low: int, high: int) -> int:
        """An integer in ``[low, high)`` (one counter; bias below ``(high - low) / 2**53``)."""
        if high <= low:
            raise ValueError(f"integers needs low < high, not {low} >= {high}")
        return low + min(int(self.random() * (high - low)), high - low - 1)


def seed_key(seq: np.random.SeedSequence) -> int:
    """The 64-bit key of a seed sequence (its first two 32-bit state words, low first)."""
    words = seq.generate_state(2, np.uint32)
    return int(words[0]) | (int(words[1]) << 32)


def stream_for(seed: Any) -> Stream:
    """The stream of a run seeded by an int, a SeedSequence, a Generator or a Stream."""
    if isinstance(seed, Stream):
        return seed
    if isinstance(seed, np.random.Generator):
        return Stream(int(seed.integers(0, 2**64, dtype=np.uint64)))
    if isinstance(seed, np.random.SeedSequence):
        return Stream(seed_key(seed))
    return Stream(seed_key(np.random.SeedSequence(seed)))


#: What the model's draws accept: a run's stream, or a numpy generator (outside runs).
Draws = Stream | np.random.Generator
