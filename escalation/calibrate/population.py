"""The state of an ABC-SMC calibration between generations, for :mod:`escalation.calibrate.smc`.

What stays fixed over a calibration (:class:`Setup`), the particles of the last generation
(:class:`Population`), the counts of a generation under way (:class:`Tally`), and the check
that a checkpoint comes from the same calibration (:func:`check_resume`).
"""

from __future__ import annotations

import concurrent.futures as cf
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from escalation.calibrate.batch import Model
from escalation.calibrate.generation import Generation, GenerationReport, ProgressCallback
from escalation.calibrate.posterior import Posterior, now_iso
from escalation.calibrate.priors import Priors


@dataclass(frozen=True)
class Population:
    """The particles of the last generation done, and the record of every generation."""

    particles: np.ndarray
    weights: np.ndarray
    distances: np.ndarray
    scales: np.ndarray
    records: tuple[Generation, ...]

    @classmethod
    def of(cls, posterior: Posterior) -> Population:
        """Where a checkpoint left off."""
        return cls(
            np.array(posterior.particles),
            np.array(posterior.weights),
            np.array(posterior.distances),
            np.array(posterior.scales),
            tuple(posterior.generations),
        )


def smc_settings(
    population: int, quantile: float, min_acceptance: float, kernel: str = "global"
) -> dict[str, Any]:
    """The settings a resumed calibration must share with its checkpoint.

    ``kernel`` is recorded only when it is not the default (``"global"``).
    """
    settings: dict[str, Any] = {
        "population": population,
        "quantile": quantile,
        "min_acceptance": min_acceptance,
        "distance": "euclidean, standardised",
    }
    if kernel != "global":
        settings["kernel"] = kernel
    return settings


@dataclass(frozen=True)
class Setup:
    """What stays the same over one ABC-SMC calibration."""

    simulator: Model
    priors: Priors
    observed: np.ndarray
    names: tuple[str, ...]
    entropy: int
    population: int
    generations: int
    quantile: float
    min_acceptance: float
    executor: cf.Executor | None
    model: Mapping[str, Any] | None
    on_generation: Callable[[Posterior], None] | None
    progress: ProgressCallback | None
    kernel: str = "global"

    def posterior(self, pop: Population, complete: bool, **meta: Any) -> Posterior:
        """The posterior of ``pop``."""
        settings = smc_settings(self.population, self.quantile, self.min_acceptance, self.kernel)
        return Posterior(
            priors=self.priors,
            particles=pop.particles,
            weights=pop.weights,
            distances=pop.distances,
            summaries=self.names,
            observed=self.observed,
            scales=pop.scales,
            generations=pop.records,
            seed=self.entropy,
            method="smc",
            settings={**settings, "generations": self.generations},
            model=self.model,
            complete=complete,
            meta={"created": now_iso(), "seconds": sum(r.seconds for r in pop.records), **meta},
        )

    def finished(self, pop: Population) -> None:
        """Report the generation just done, and hand the posterior so far to be saved."""
        rec = pop.records[-1]
        if self.progress:
            self.progress(
                GenerationReport(
                    rec.generation,
                    self.generations,
                    rec.accepted,
                    self.population,
                    rec.simulations,
                    rec.epsilon,
                    rec,
                )
            )
        if self.on_generation:
            self.on_generation(self.posterior(pop, len(pop.records) == self.generations))


@dataclass
class Tally:
    """One generation's proposals so far: those accepted, and the counts its record keeps."""

    accepted: int = 0
    used: int = 0
    simulated: int = 0
    proposed: int = 0
    drawn: int = 0
    thetas: list[np.ndarray] = field(default_factory=list)
    dists: list[np.ndarray] = field(default_factory=list)

    def add(
        self, theta: np.ndarray, inside: np.ndarray, d: np.ndarray, eps: float, need: int
    ) -> None:
        """Count one batch, accepting in proposal order, at most ``need`` particles."""
        hits = np.flatnonzero(inside & (d <= eps))
        simulated = int(inside.sum())
        self.drawn += len(theta)
        self.simulated += simulated
        if len(hits) >= need:
            cut = hits[need - 1]
            self.used += int(inside[: cut + 1].sum())
            self.proposed += int(cut + 1)
            hits = hits[:need]
        else:
            self.used += simulated
            self.proposed += len(theta)
        self.thetas.append(theta[hits])
        self.dists.append(d[hits])
        self.accepted += len(hits)


def check_resume(
    resume: Posterior,
    priors: Priors,
    observed: np.ndarray,
    names: tuple[str, ...],
    settings: dict[str, Any],
    seed: int | None,
) -> int:
    """The checkpoint's seed, after checking that it comes from the same calibration."""
    problems = []
    if resume.method != "smc":
        problems.append(f"method {resume.method!r}")
    if seed is not None and resume.seed != seed:
        problems.append(f"seed {resume.seed} (not {seed})")
    if resume.priors.model_dump(mode="json") != priors.model_dump(mode="json"):
        problems.append("priors")
    if resume.summaries != names or not np.array_equal(resume.observed, observed):
        problems.append("observed summaries")
    for key, value in settings.items():
        if resume.settings.get(key) != value:
            problems.append(f"{key} {resume.settings.get(key)!r} (not {value!r})")
    if problems:
        raise ValueError(
            "the checkpoint comes from a different calibration: " + ", ".join(problems)
        )
    assert resume.seed is not None
    return int(resume.seed)
