"""The numbers behind :func:`escalation.plot.fan_chart`: escalation levels across runs.

The bands need each run's events. An ensemble that kept them (``keep="events"``) gives them
for every run; one that kept outcomes only has its runs played again from their own seeds
(identical runs): every run up to ``max_runs``, beyond that a random sample of ``max_runs``
runs drawn from a generator seeded by the ensemble's seed (or ``seed``), which the chart
states. The share of runs ruptured by each date is always computed from the outcome columns
of *all* the runs, so that it ends at the summary's P(rupture).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from escalation.model.event import Event, Phase
from escalation.plot._data.sample import Sample, as_sample, wilson_arrays

#: Most runs played again for the bands of an outcomes-only ensemble (a random sample beyond).
MAX_RESIMULATED = 2_000


def day_grid(horizon: float) -> np.ndarray:
    """Whole days ``0, 1, ..., floor(horizon)``."""
    return np.arange(0, math.floor(horizon) + 1, dtype=float)


def dates_of(start: date, days: np.ndarray) -> np.ndarray:
    """Calendar dates (``datetime64[D]``) of ``days`` after ``start``."""
    return np.datetime64(start, "D") + np.asarray(days).astype("timedelta64[D]")


def escalation_paths(events: Sequence[Sequence[Event]], days: np.ndarray) -> np.ndarray:
    """Escalation level of each run on each day: the running peak severity to date.

    Returns an integer array of shape ``(len(events), len(days))``: entry ``[i, j]`` is the
    highest severity of a hostile measure announced in run ``i`` at or before ``days[j]``
    (0 before the first). A run that stopped early keeps its level to the horizon.
    """
    out = np.zeros((len(events), len(days)), dtype=np.int64)
    for i, log in enumerate(events):
        hostile = [
            (e.time, e.severity)
            for e in log
            if e.phase is Phase.ANNOUNCED and e.measure.is_hostile
        ]
        if not hostile:
            continue
        times = np.array([t for t, _ in hostile])
        peak = np.maximum.accumulate(np.array([s for _, s in hostile]))
        idx = np.searchsorted(times, days, side="right") - 1
        out[i] = np.where(idx >= 0, peak[np.maximum(idx, 0)], 0)
    return out


def ruptured_by(ruptured: np.ndarray, time: np.ndarray, days: np.ndarray) -> np.ndarray:
    """Share of runs ruptured at or before each of ``days``."""
    n = len(ruptured)
    if n == 0:
        return np.full(len(days), np.nan)
    t = np.sort(np.asarray(time, dtype=float)[np.asarray(ruptured, dtype=bool)])
    return np.searchsorted(t, days, side="right") / n


@dataclass(frozen=True)
class Fan:
    """What :func:`escalation.plot.fan_chart` draws.

    ``bands[q]`` is the ``q`` quantile (an observed level, ``inverted_cdf``) of the
    escalation level across the ``n`` runs of the bands on each day; ``ruptured`` the share
    of all ``total`` runs ruptured by then, with its 95 % Wilson band ``ruptured_lo`` /
    ``ruptured_hi``. ``resimulated`` says the bands' runs were played again from their seeds;
    ``sample_seed`` is the seed of the random sample of runs when ``n < total`` (else
    ``None``). ``last_change`` is the last day on which a band, the mean or the rupture share
    changes (0 when nothing happens).
    """

    name: str
    start: date
    days: np.ndarray
    dates: np.ndarray
    bands: Mapping[float, np.ndarray]
    mean: np.ndarray
    ruptured: np.ndarray
    ruptured_lo: np.ndarray
    ruptured_hi: np.ndarray
    n: int
    total: int
    failed: int
    levels: tuple[str, ...]
    resimulated: bool = False
    sample_seed: int | None = None
    last_change: float = 0.0

    @property
    def sampled(self) -> bool:
        """Whether the bands come from a random sample of the runs."""
        return self.n < self.total

    def source_note(self) -> str:
        """Which runs the bands come from, in words."""
        how = ", played again from their seeds" if self.resimulated else ""
        if self.sampled:
            return (
                f"levels: {self.n:,} of the {self.total:,} runs drawn at random "
                f"(seed {self.sample_seed}){how}"
            )
        return f"levels: all {self.n:,} runs{how}"


def fan_data(
    source: Any,
    quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9),
    *,
    max_runs: int = MAX_RESIMULATED,
    seed: int | None = None,
) -> Fan:
    """Return the quantile bands of the escalation level over time, and the rupture share.

    Parameters
    ----------
    source
        An ensemble (with events, or with a scenario to play its runs again) or runs.
    quantiles
        Quantiles of the level across runs, each in [0, 1].
    max_runs
        Most runs played again when the ensemble kept outcomes only.
    seed
        Seed of the random sample of runs played again (default: the ensemble's seed).

    Raises
    ------
    ValueError
        If a quantile lies outside [0, 1], every run failed, or the ensemble kept no events
        and has no scenario to play them again.
    """
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {quantiles!r}")
    if max_runs < 1:
        raise ValueError(f"max_runs must be at least 1, got {max_runs}")
    sample = as_sample(source)
    if sample.n == 0:
        raise ValueError("no run to plot (every run failed)")
    events, sample_seed = _events(source, sample, max_runs, seed)
    days = day_grid(sample.horizon)
    paths = escalation_paths(events, days)
    bands = {q: np.quantile(paths, q, axis=0, method="inverted_cdf") for q in qs}
    mean = paths.mean(axis=0)
    share = ruptured_by(sample["ruptured"], sample["time_to_rupture"], days)
    lo, hi = wilson_arrays(np.rint(share * sample.n).astype(np.int64), sample.n)
    return Fan(
        name=sample.name,
        start=sample.start,
        days=days,
        dates=dates_of(sample.start, days),
        bands=bands,
        mean=mean,
        ruptured=share,
        ruptured_lo=lo,
        ruptured_hi=hi,
        n=len(events),
        total=sample.n,
        failed=sample.failed,
        levels=sample.levels,
        resimulated=sample.events is None,
        sample_seed=sample_seed,
        last_change=_last_change(days, [*bands.values(), mean, share]),
    )


def _events(
    source: Any, sample: Sample, max_runs: int, seed: int | None
) -> tuple[list[list[Event]], int | None]:
    """The event logs of the bands' runs, and the seed of their sample (``None``: all)."""
    if sample.events is not None:
        return sample.events, None
    if getattr(source, "scenario", None) is None or not hasattr(source, "rerun"):
        raise ValueError(
            "a fan chart needs each run's events: run the ensemble with keep='events' "
            "(run_ensemble(scenario, runs, seed, keep='events')), or load it with its "
            "scenario so that its runs can be played again"
        )
    ok = np.flatnonzero(np.asarray(source.ok, dtype=bool))
    chosen, sample_seed = ok, None
    if len(ok) > max_runs:
        sample_seed = int(source.seed if seed is None else seed)
        rng = np.random.default_rng(sample_seed)
        chosen = np.sort(rng.choice(ok, size=max_runs, replace=False))
    return [list(source.rerun(int(i)).events) for i in chosen], sample_seed


def _last_change(days: np.ndarray, series: Sequence[np.ndarray]) -> float:
    """The last of ``days`` on which any of ``series`` differs from its day before."""
    last = 0.0
    for s in series:
        moved = np.flatnonzero(np.diff(np.asarray(s, dtype=float)) != 0)
        if len(moved):
            last = max(last, float(days[moved[-1] + 1]))
    return last
