"""Records of ABC generations: what one did, and what a progress callback is told meanwhile.

A :class:`Generation` is kept in the posterior (and its file) for every generation; a
:class:`GenerationReport` goes to the progress callback after every batch of simulations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Generation:
    """What one ABC generation did.

    Attributes
    ----------
    generation
        1 for the first (drawn from the prior), then 2, 3, ...
    epsilon
        Tolerance: the largest distance accepted (``inf`` for a generation accepted whole).
    accepted
        Particles accepted (the population size).
    used
        Simulations up to the one that completed the population: ``accepted / used`` is the
        acceptance rate.
    simulations
        Simulations run in all (batches can overshoot ``used``).
    ess
        Effective sample size of the weights, ``1 / sum(w**2)``.
    seconds
        Wall-clock time of the generation.
    proposed
        Proposals drawn up to the one that completed the population, including those
        outside the prior's support (which are not simulated).
    """

    generation: int
    epsilon: float
    accepted: int
    used: int
    simulations: int
    ess: float
    seconds: float
    proposed: int = 0

    @property
    def acceptance_rate(self) -> float:
        """Accepted over simulations used."""
        return self.accepted / self.used if self.used else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly dict (an infinite tolerance is written as ``null``)."""
        return {
            "generation": self.generation,
            "epsilon": self.epsilon if math.isfinite(self.epsilon) else None,
            "accepted": self.accepted,
            "used": self.used,
            "simulations": self.simulations,
            "acceptance_rate": self.acceptance_rate,
            "ess": self.ess,
            "seconds": self.seconds,
            "proposed": self.proposed,
        }

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Generation:
        """Inverse of :meth:`to_dict`."""
        eps = d["epsilon"]
        return cls(
            generation=int(d["generation"]),
            epsilon=math.inf if eps is None else float(eps),
            accepted=int(d["accepted"]),
            used=int(d["used"]),
            simulations=int(d["simulations"]),
            ess=_number(d["ess"]),
            seconds=float(d["seconds"]),
            proposed=int(d.get("proposed", 0)),
        )


@dataclass(frozen=True)
class GenerationReport:
    """What a progress callback is told, after each batch of simulations.

    Attributes
    ----------
    generation
        The generation under way (1-based).
    generations
        The generations planned.
    accepted
        Particles accepted so far in this generation.
    population
        Particles wanted per generation.
    simulations
        Simulations run so far in this generation.
    epsilon
        The generation's tolerance.
    done
        The generation's record once it is finished, else ``None``.
    """

    generation: int
    generations: int
    accepted: int
    population: int
    simulations: int
    epsilon: float
    done: Generation | None = None


#: What receives the progress reports of a calibration.
ProgressCallback = Callable[[GenerationReport], None]


def _number(value: Any) -> float:
    """An integer read back as one, any other number as a float.

    The first generation's ESS is its population, written ``1000``: read back as ``1000.0``,
    a resumed calibration would write a file differing from an uninterrupted one.
    """
    return value if isinstance(value, int) and not isinstance(value, bool) else float(value)
