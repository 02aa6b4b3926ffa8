"""The baselines' random numbers: SplitMix64 keyed by ``SeedSequence(seed)``, no library code.

The same definition as the library's run stream (``escalation.base.stream``, written again
here so that the baselines use no code of ``escalation``): draw ``i`` is SplitMix64 of
``key + (i + 1) * gamma``; uniforms from its 53 high bits; normals by Box-Muller (cosine
branch). Drawing in the library's order, a baseline then plays the library's trajectory for
most seeds, which is how the comparison is matched on events.
"""

from __future__ import annotations

import math

import numpy as np

_M64 = (1 << 64) - 1


class SplitMix:
    """Uniform and normal numbers from one seed."""

    __slots__ = ("i", "key")

    def __init__(self, seed: int):
        words = np.random.SeedSequence(seed).generate_state(2, np.uint32)
        self.key = int(words[0]) | (int(words[1]) << 32)
        self.i = 0

    def random(self) -> float:
        self.i += 1
        z = (self.key + self.i * 0x9E3779B97F4A7C15) & _M64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return ((z ^ (z >> 31)) >> 11) * 2.0**-53

    def standard_normal(self) -> float:
        u1 = self.random()
        u2 = self.random()
        return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)
