"""Seeds: one way to accept what a caller gives as a seed, everywhere a seed is taken.

A seed is an ``int`` (non-negative), a :class:`numpy.random.SeedSequence`, a
:class:`numpy.random.Generator` or ``None`` (fresh entropy). One run draws from the
counter-based stream keyed by its seed (:func:`as_stream`, :mod:`escalation.base.stream`);
work that fans out (ensembles, calibrations) derives a root
integer from the seed (:func:`root_entropy`) and spawns one child per run from it before any
work is sent out, so that parallel runs equal serial ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from escalation.base.stream import Stream, stream_for

#: What every ``seed=`` argument accepts.
Seed = int | np.integer | np.random.SeedSequence | np.random.Generator | Stream | None

_INTEGERS = (int, np.integer)


def check_seed(seed: Any, name: str = "seed") -> None:
    """Raise :class:`TypeError` or :class:`ValueError` naming ``name`` if ``seed`` is no seed."""
    if seed is None or isinstance(seed, np.random.SeedSequence | np.random.Generator | Stream):
        return
    if isinstance(seed, bool) or not isinstance(seed, _INTEGERS):
        raise TypeError(
            f"{name} must be a non-negative int, a numpy SeedSequence or Generator, or None, "
            f"not {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{name} must be a non-negative int, not {seed}")


def as_stream(seed: Seed) -> tuple[Stream, Any]:
    """The random stream of one run, and how to record its seed (an int, a dict or ``None``).

    An int or a SeedSequence is recorded as given (it gives the same run again); a Generator
    gives its key by one draw, recorded as ``{"key": ...}`` (as is a Stream, used as given);
    ``None`` draws fresh entropy, recorded as ``{"entropy": ...}``.
    """
    check_seed(seed)
    if seed is None:
        seed = np.random.SeedSequence()
    if isinstance(seed, np.random.Generator | Stream):
        stream = stream_for(seed)
        return stream, {"key": stream.key}
    if isinstance(seed, np.random.SeedSequence):
        return stream_for(seed), {"entropy": seed.entropy, "spawn_key": list(seed.spawn_key)}
    return stream_for(int(seed)), int(seed)


def root_entropy(seed: Seed) -> int | None:
    """The integer root of work that fans out from ``seed`` (``None`` stays ``None``).

    An int is its own root; a SeedSequence without a spawn key gives its entropy (so
    ``SeedSequence(7)`` and ``7`` give the same runs); any other SeedSequence gives 128 bits of
    its generated state; a Generator gives one 63-bit draw (so it advances by that draw).
    """
    check_seed(seed)
    if seed is None:
        return None
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63))
    if isinstance(seed, Stream):
        return seed.key
    if isinstance(seed, np.random.SeedSequence):
        if not seed.spawn_key and isinstance(seed.entropy, int):
            return seed.entropy
        words = seed.generate_state(4, np.uint32)
        return int.from_bytes(words.astype("<u4").tobytes(), "little")
    return int(seed)
