"""Proper scoring rules for predictions given as samples, and PIT values.

Written here rather than taken from a library: ``properscoring`` (last release 2015) is no
longer kept, and ``scoringrules`` (kept, on PyPI) would bring scipy into the core
dependencies for what are a few lines each. All scores are negatively oriented (smaller is
better), as in Gneiting and Raftery (2007, JASA 102:359).

``crps``
    Continuous ranked probability score of a sample against an observation, in its energy
    form ``E|X - y| - E|X - X'| / 2`` (Gneiting and Raftery, eq. 21), computed exactly for
    the sample's empirical distribution from the sorted sample in ``O(n log n)``.
``brier``
    ``(p - y)**2`` for a yes/no outcome ``y`` predicted with probability ``p``.
``log_score``
    ``-log p(observed)`` of a discrete outcome; the probability is estimated from ``n`` draws
    with ``k`` hits as ``(k + 1/2) / (n + 1)`` (Jeffreys' add-half), so that an outcome no draw
    reached gets a large but finite score.
``pit``
    Probability integral transform ``F(y)``; for ties (discrete outcomes) the randomised
    value ``F(y-) + V (F(y) - F(y-))`` with ``V`` uniform, drawn from the caller's generator,
    so that PIT values of a calibrated forecast are uniform (Czado et al. 2009).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _finite(sample: Sequence[float] | np.ndarray) -> np.ndarray:
    x = np.asarray(sample, dtype=float).ravel()
    return x[np.isfinite(x)]


def crps(sample: Sequence[float] | np.ndarray, observed: float) -> float:
    """CRPS of the empirical distribution of ``sample`` (finite values) at ``observed``.

    Returns ``nan`` if the sample has no finite value or ``observed`` is not finite.
    """
    x = np.sort(_finite(sample))
    n = x.size
    if n == 0 or not math.isfinite(observed):
        return math.nan
    first = float(np.mean(np.abs(x - observed)))
    # E|X - X'| over all ordered pairs of the empirical distribution: 2/n^2 sum (2i - n - 1) x_i.
    i = np.arange(1, n + 1)
    spread = 2.0 * float(np.sum((2 * i - n - 1) * x)) / (n * n)
    return first - 0.5 * spread


def brier(probability: float, outcome: bool) -> float:
    """Brier score ``(p - y)**2``."""
    return (float(probability) - float(bool(outcome))) ** 2


def smoothed_probability(hits: int, draws: int) -> float:
    """``(hits + 1/2) / (draws + 1)``: a probability from draws that is never 0 or 1."""
    return (hits + 0.5) / (draws + 1.0)


def log_score(sample: Sequence[object] | np.ndarray, observed: object) -> float:
    """``-log`` of the (add-half smoothed) share of ``sample`` equal to ``observed``."""
    values = list(np.asarray(sample, dtype=object).ravel())
    hits = sum(1 for v in values if v == observed)
    return -math.log(smoothed_probability(hits, len(values)))


def pit(
    sample: Sequence[float] | np.ndarray, observed: float, rng: np.random.Generator | None = None
) -> float:
    """PIT value of ``observed`` under the empirical distribution of ``sample``.

    With ties, randomised between ``F(y-)`` and ``F(y)`` using ``rng`` (the midpoint if no
    generator is given). ``nan`` if the sample has no finite value.
    """
    x = _finite(sample)
    if x.size == 0 or not math.isfinite(observed):
        return math.nan
    below = float(np.mean(x < observed))
    at = float(np.mean(x <= observed))
    v = 0.5 if rng is None else float(rng.random())
    return below + v * (at - below)


def central_interval(
    sample: Sequence[float] | np.ndarray, level: float = 0.9
) -> tuple[float, float]:
    """The central ``level`` interval of the finite values of ``sample`` (``nan`` if none)."""
    x = _finite(sample)
    if x.size == 0:
        return (math.nan, math.nan)
    lo, hi = np.quantile(x, [(1 - level) / 2, (1 + level) / 2])
    return (float(lo), float(hi))


def binomial_interval(hits: int, draws: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a share (default 95 %)."""
    if draws == 0:
        return (0.0, 1.0)
    p = hits / draws
    denom = 1 + z * z / draws
    centre = (p + z * z / (2 * draws)) / denom
    half = z * math.sqrt(p * (1 - p) / draws + z * z / (4 * draws * draws)) / denom
    return (max(0.0, centre - half), min(1.0, centre + half))
