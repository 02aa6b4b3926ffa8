"""The numbers behind :func:`escalation.plot.fan_chart`: escalation levels across runs."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from escalation.model.event import Event, Phase
from escalation.plot._data.sample import as_sample


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
    escalation level across runs on each day; ``ruptured`` the share of runs ruptured by then.
    """

    name: str
    start: date
    days: np.ndarray
    dates: np.ndarray
    bands: Mapping[float, np.ndarray]
    mean: np.ndarray
    ruptured: np.ndarray
    n: int
    failed: int
    levels: tuple[str, ...]


def fan_data(source: Any, quantiles: Sequence[float] = (0.1, 0.25, 0.5, 0.75, 0.9)) -> Fan:
    """Return the quantile bands of the escalation level over time, and the rupture share.

    Raises
    ------
    ValueError
        If the ensemble kept no trajectories (``keep="outcomes"``), or a quantile lies
        outside [0, 1].
    """
    qs = tuple(float(q) for q in quantiles)
    if not qs or any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must lie in [0, 1], got {quantiles!r}")
    sample = as_sample(source)
    if sample.events is None:
        raise ValueError(
            "a fan chart needs each run's events: run the ensemble with keep='events' "
            "(run_ensemble(scenario, runs, seed, keep='events'))"
        )
    if sample.n == 0:
        raise ValueError("no run to plot (every run failed)")
    days = day_grid(sample.horizon)
    paths = escalation_paths(sample.events, days)
    bands = {q: np.quantile(paths, q, axis=0, method="inverted_cdf") for q in qs}
    return Fan(
        name=sample.name,
        start=sample.start,
        days=days,
        dates=dates_of(sample.start, days),
        bands=bands,
        mean=paths.mean(axis=0),
        ruptured=ruptured_by(sample["ruptured"], sample["time_to_rupture"], days),
        n=sample.n,
        failed=sample.failed,
        levels=sample.levels,
    )
