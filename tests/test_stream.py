"""The counter-based random stream every run draws from (escalation.base.stream)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.base.stream import Stream, bits, seed_key, stream_for


def test_splitmix64_reference_values() -> None:
    # The first outputs of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
    assert bits(0, 0) == 0xE220A8397B1DCDAF
    assert bits(0, 1) == 0x6E789E6AA1B965F4


@given(st.integers(0, 2**64 - 1), st.integers(0, 10_000))
def test_draw_i_depends_on_key_and_counter_only(key: int, i: int) -> None:
    s = Stream(key, counter=i)
    assert s.random() == (bits(key, i) >> 11) * 2.0**-53
    assert s.counter == i + 1


def test_uniforms_and_normals_have_their_moments() -> None:
    s = stream_for(2024)
    u = np.array([s.random() for _ in range(40_000)])
    z = np.array([s.standard_normal() for _ in range(40_000)])
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 5 * math.sqrt(1 / 12 / u.size)
    assert abs(z.mean()) < 5 / math.sqrt(z.size) and abs(z.std() - 1) < 0.02
    # Box-Muller's tails: about 4.55 % beyond two standard deviations.
    assert abs(np.mean(np.abs(z) > 2) - 0.0455) < 5 * math.sqrt(0.0455 * 0.9545 / z.size)
    assert s.counter == 40_000 + 2 * 40_000


def test_keys_come_from_the_seed_sequence() -> None:
    seq = np.random.SeedSequence(7, spawn_key=(3,))
    assert seed_key(seq) == int(seq.generate_state(1, np.uint64)[0])
    assert stream_for(7).key == seed_key(np.random.SeedSequence(7))
    gen = np.random.default_rng(1)
    first = int(np.random.default_rng(1).integers(0, 2**64, dtype=np.uint64))
    assert stream_for(gen).key == first


def test_integers_stay_in_range() -> None:
    s = stream_for(1)
    values = {s.integers(3, 7) for _ in range(500)}
    assert values == {3, 4, 5, 6}
    with pytest.raises(ValueError, match="low < high"):
        s.integers(2, 2)
