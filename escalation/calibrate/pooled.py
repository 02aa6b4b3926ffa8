"""Summaries pooled over dyads: one actor's answers to many initiators (a wave).

A wave (the expulsions of March 2018) is many dyads with one answering actor. What the record
says about it is per dyad (answered or not, after how many days, how much), and what a
calibration can compare is the distribution of that over the dyads: the share answered, the
quantiles of the lag and of the size ratio, and whether the actor broke with some of them.
:meth:`PooledSummaries.compute` gives these numbers from any run, a simulation or the replay of
a documented history, by the same code (``docs/calibration.md``, "Pooled summaries").
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from escalation.model.event import Event, Phase
from escalation.model.measure import MeasureKind
from escalation.sim.run import RunLog

_REMOVING = (MeasureKind.EXPEL, MeasureKind.DENY)


def _act(e: Event) -> bool:
    return e.phase is Phase.ANNOUNCED and e.measure.is_hostile and not e.measure.is_statement


@dataclass(frozen=True, slots=True)
class DyadAnswer:
    """One initiator's first package against the actor, and the actor's answer to it.

    ``lag`` is in days (``nan`` if no act answered it within the window); ``removed`` and
    ``removed_back`` count staff expelled or denied by the package (acts of its first day) and
    by the answers within the window.
    """

    initiator: str
    time: float
    lag: float
    removed: int
    removed_back: int

    @property
    def answered(self) -> bool:
        """Whether an act answered the package within the window."""
        return not math.isnan(self.lag)

    @property
    def ratio(self) -> float:
        """``removed_back / removed`` (``nan`` if the package removed nobody)."""
        return self.removed_back / self.removed if self.removed else math.nan


def dyad_answers(run: RunLog, actor: str, window_days: float) -> tuple[DyadAnswer, ...]:
    """Per initiator of a hostile act against ``actor``, the first package and its answer.

    The package is the initiator's hostile, non-statement acts of the day of its first one; an
    answer is a hostile non-statement act of ``actor`` against the initiator announced at or
    after the package and within ``window_days``. Statements do not count either way.
    """
    # The acts of each (actor, target) pair, in log order: each initiator's package and
    # answers are read from its two pairs' lists instead of from every act.
    by_pair: dict[tuple[str, str], list[Event]] = {}
    first: dict[str, float] = {}
    for e in run.events:
        if not _act(e):
            continue
        by_pair.setdefault((e.actor, e.target), []).append(e)
        if e.target == actor and e.actor != actor:
            first.setdefault(e.actor, e.time)
    out = []
    for who, t0 in first.items():
        day = math.floor(t0)
        package = [e for e in by_pair[who, actor] if math.floor(e.time) == day]
        answers = [e for e in by_pair.get((actor, who), ()) if t0 <= e.time <= t0 + window_days]
        out.append(
            DyadAnswer(
                initiator=who,
                time=t0,
                lag=answers[0].time - t0 if answers else math.nan,
                removed=sum(e.magnitude for e in package if e.measure in _REMOVING),
                removed_back=sum(e.magnitude for e in answers if e.measure in _REMOVING),
            )
        )
    return tuple(out)


class PooledSummaries(BaseModel):
    """How to summarise one actor's answers to a wave, pooled over its dyads.

    Parameters
    ----------
    actor
        The answering actor (the one calibrated).
    initiators
        The dyads pooled, by initiator (empty: every actor that acts against ``actor``).
    window_days
        An act answers a package if announced within this many days of it.
    ratio_band
        An answer is *in kind* if ``removed_back / removed`` lies in this band.
    quantiles
        Quantiles of the lag and of the log ratio over the dyads.
    rupture_with
        Initiators whose rupture with ``actor`` (every channel closed or suspended at the end
        of the run) is a summary of its own.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: Literal["pooled"] = "pooled"
    actor: str
    initiators: tuple[str, ...] = ()
    window_days: float = Field(default=15.0, gt=0.0, allow_inf_nan=False)
    ratio_band: tuple[float, float] = (0.8, 1.25)
    quantiles: tuple[float, ...] = (0.5, 0.9)
    rupture_with: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _valid(self) -> PooledSummaries:
        lo, hi = self.ratio_band
        if not 0 < lo <= hi:
            raise ValueError("ratio_band: need 0 < low <= high")
        if not all(0 <= q <= 1 for q in self.quantiles):
            raise ValueError("quantiles: each must lie in [0, 1]")
        if self.actor in self.initiators or self.actor in self.rupture_with:
            raise ValueError("initiators, rupture_with: must not name the actor")
        return self

    @property
    def names(self) -> tuple[str, ...]:
        """Names of the summaries, in order."""
        qs = [f"q{round(q * 100):02d}" for q in self.quantiles]
        return (
            "answered",
            "in_kind",
            *(f"lag.{q}" for q in qs),
            *(f"ratio.{q}" for q in qs),
            *(f"ruptured.{who}" for who in self.rupture_with),
        )

    def dyads(self, run: RunLog) -> tuple[DyadAnswer, ...]:
        """The pooled dyads of ``run``."""
        found = dyad_answers(run, self.actor, self.window_days)
        if not self.initiators:
            return found
        return tuple(d for d in found if d.initiator in self.initiators)

    def compute(self, run: RunLog) -> np.ndarray:
        """The summaries of ``run`` (simulated or replayed), as a vector.

        ``answered``: share of dyads answered within the window; ``in_kind``: share answered
        within the window at a ratio in ``ratio_band``; ``lag.qNN``: quantiles over dyads of
        ``log(1 + days)``, an unanswered dyad counting as the window (censored);
        ``ratio.qNN``: quantiles of ``log(1 + removed_back) - log(1 + removed)``;
        ``ruptured.<who>``: 1 if the pair ruptured. With no dyad, every share is 0 and every
        quantile that of an unanswered dyad.
        """
        dyads = self.dyads(run)
        lo, hi = self.ratio_band
        lags = [math.log1p(d.lag if d.answered else self.window_days) for d in dyads]
        ratios = [math.log1p(d.removed_back) - math.log1p(d.removed) for d in dyads]
        in_kind = [d.answered and lo <= d.ratio <= hi for d in dyads]
        n = len(dyads)
        values = np.array(
            [
                sum(d.answered for d in dyads) / n if n else 0.0,
                sum(in_kind) / n if n else 0.0,
                *_quantiles(lags, self.quantiles, math.log1p(self.window_days)),
                *_quantiles(ratios, self.quantiles, 0.0),
                *(float(_ruptured(run, self.actor, who)) for who in self.rupture_with),
            ],
            dtype=float,
        )
        # rounded, so that interpolated quantiles of equal values are equal (a scale of 1e-16
        # from rounding noise would blow up the ABC distance)
        return np.round(values, 12)


def _quantiles(values: Sequence[float], qs: Sequence[float], empty: float) -> list[float]:
    if not values:
        return [empty] * len(qs)
    return [float(v) for v in np.quantile(np.asarray(values, dtype=float), qs)]


def _ruptured(run: RunLog, a: str, b: str) -> bool:
    """Whether every presence between ``a`` and ``b`` is closed or suspended at the end."""
    return run.final.ruptured(a, b)
