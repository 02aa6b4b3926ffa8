"""The numbers behind :func:`escalation.plot.outcome_distribution` and its comparisons.

The time to rupture becomes an empirical CDF over all runs (no rupture: censored); the
discrete outcomes become counts per value, each share with its Wilson interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from escalation.plot._data.sample import Share, as_sample, check_outcome, wilson, wilson_arrays


@dataclass(frozen=True)
class Ecdf:
    """Empirical distribution of the time to rupture over *all* runs, censoring included.

    ``times`` are the distinct rupture times (days) and ``share[i]`` the share of all runs
    ruptured by ``times[i]``, with pointwise Wilson bounds ``lo``/``hi``. A run that ends
    without a rupture (at the horizon, or earlier under the quiet rule, after which the model
    has it do nothing more) is censored: it never ruptures within the horizon, so the curve
    plateaus at P(rupture by the horizon) = ``final``.
    """

    times: np.ndarray
    share: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    final: Share
    censored: int
    horizon: float
    start: date
    failed: int

    @property
    def n(self) -> int:
        """Number of runs."""
        return self.final.n


def ecdf_data(source: Any) -> Ecdf:
    """Return the ECDF of the time to rupture (see :class:`Ecdf`)."""
    s = as_sample(source)
    ruptured = np.asarray(s["ruptured"], dtype=bool)
    t = np.sort(np.asarray(s["time_to_rupture"], dtype=float)[ruptured])
    times, counts = np.unique(t, return_counts=True)
    k = np.cumsum(counts)
    lo, hi = wilson_arrays(k, s.n)
    share = k / s.n if s.n else np.full(len(k), np.nan)
    return Ecdf(
        times=times,
        share=share,
        lo=lo,
        hi=hi,
        final=wilson(int(ruptured.sum()), s.n),
        censored=int((~ruptured).sum()),
        horizon=s.horizon,
        start=s.start,
        failed=s.failed,
    )


@dataclass(frozen=True)
class Counts:
    """Counts and shares of the values of a discrete outcome.

    ``values`` are the categories in display order (integers for counts, actor ids or
    ``"none"`` for the last mover) and ``labels`` their display text.
    """

    values: tuple[Any, ...]
    labels: tuple[str, ...]
    counts: np.ndarray
    n: int
    failed: int

    @property
    def shares(self) -> np.ndarray:
        """``counts / n``."""
        return self.counts / self.n if self.n else np.full(len(self.counts), np.nan)

    def intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """Wilson bounds ``(lo, hi)`` of each share."""
        return wilson_arrays(self.counts, self.n)


def count_data(source: Any, name: str, values: Sequence[int] | None = None) -> Counts:
    """Return the counts of an integer outcome (``rounds``, ``peak_severity``).

    Every integer from the smallest to the largest value seen is listed, zeros included,
    unless ``values`` gives the categories.
    """
    if check_outcome(name) != "count":
        raise ValueError(f"{name!r} is not an integer outcome")
    s = as_sample(source)
    x = np.asarray(s[name], dtype=np.int64)
    if values is None:
        values = range(int(x.min()), int(x.max()) + 1) if len(x) else ()
    vals = tuple(int(v) for v in values)
    counts = np.array([int((x == v).sum()) for v in vals], dtype=np.int64)
    return Counts(vals, tuple(str(v) for v in vals), counts, s.n, s.failed)


def binary_data(source: Any) -> Counts:
    """Return the counts of ruptured and not ruptured runs."""
    s = as_sample(source)
    k = int(np.asarray(s["ruptured"], dtype=bool).sum())
    return Counts(
        (True, False), ("ruptured", "not ruptured"), np.array([k, s.n - k]), s.n, s.failed
    )


def mover_data(source: Any, actors: Sequence[str] | None = None) -> Counts:
    """Return how often each actor moved last (``"none"``: no hostile measure at all).

    ``actors`` fixes the categories (for side-by-side comparisons); by default the sample's
    actors, with ``"none"`` only when it occurs.
    """
    s = as_sample(source)
    x = np.asarray(s["last_mover"], dtype=np.int64)
    names = dict(zip(s.actors, s.labels, strict=True))
    by_id = {a: int((x == i).sum()) for i, a in enumerate(s.actors)}
    by_id["none"] = int((x < 0).sum())
    if actors is None:
        actors = [*s.actors, *(["none"] if by_id["none"] else [])]
    counts = np.array([by_id.get(a, 0) for a in actors], dtype=np.int64)
    labels = tuple(names.get(a, "nobody" if a == "none" else a) for a in actors)
    return Counts(tuple(actors), labels, counts, s.n, s.failed)


@dataclass(frozen=True)
class Endings:
    """How runs end: ruptured or not, and within each, who took the last hostile measure.

    ``counts[i, j]`` is the number of runs with ending ``endings[i]`` (``"ruptured"``, ``"not
    ruptured"``) whose last mover is ``movers[j]`` (an actor id, or ``"none"`` when no
    hostile measure was taken at all), labelled ``labels[j]``.
    """

    name: str
    endings: tuple[str, ...]
    movers: tuple[str, ...]
    labels: tuple[str, ...]
    counts: np.ndarray
    n: int
    failed: int

    @property
    def totals(self) -> np.ndarray:
        """Runs per ending."""
        return self.counts.sum(axis=1)

    def shares(self) -> list[Share]:
        """The share of all runs of each ending, with its Wilson interval."""
        return [wilson(int(k), self.n) for k in self.totals]


def endings_data(source: Any) -> Endings:
    """Return the runs by ending (ruptured or not) and last mover (see :class:`Endings`)."""
    s = as_sample(source)
    ruptured = np.asarray(s["ruptured"], dtype=bool)
    mover = np.asarray(s["last_mover"], dtype=np.int64)
    movers = [*s.actors, *(["none"] if (mover < 0).any() else [])]
    index = [*range(len(s.actors)), -1]
    counts = np.array(
        [
            [int(((mover == i) & (ruptured == r)).sum()) for i in index[: len(movers)]]
            for r in (True, False)
        ],
        dtype=np.int64,
    )
    names = dict(zip(s.actors, s.labels, strict=True))
    labels = tuple(names.get(a, "nobody") for a in movers)
    return Endings(
        s.name, ("ruptured", "not ruptured"), tuple(movers), labels, counts, s.n, s.failed
    )
