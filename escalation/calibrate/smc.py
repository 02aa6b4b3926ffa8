"""Approximate Bayesian computation: ABC-SMC (:func:`smc`) and rejection ABC (:func:`rejection`).

Both fit the parameters of a :class:`~escalation.calibrate.batch.Model` under
:class:`~escalation.calibrate.priors.Priors` to observed summaries and return a
:class:`~escalation.calibrate.posterior.Posterior`. The algorithm (tolerance schedule, kernel,
weights, distance and its scales) and how the random draws are split, so that the result
depends neither on the workers nor on a resume, are described in ``docs/calibration.md``
("ABC-SMC").
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from escalation.base.seeds import Seed, root_entropy
from escalation.calibrate.batch import Model, simulate_batch
from escalation.calibrate.generation import Generation, GenerationReport, ProgressCallback
from escalation.calibrate.kernel import PerturbationKernel
from escalation.calibrate.population import Population, Setup, Tally, check_resume, smc_settings
from escalation.calibrate.posterior import Posterior, now_iso, weighted_quantile
from escalation.calibrate.priors import Priors


# -- distances ---------------------------------------------------------------------------------
def summary_scales(sims: np.ndarray) -> np.ndarray:
    """Scale of each summary column: MAD * 1.4826, else the SD, else 1.

    A SD at the level of rounding noise (a column of equal values whose mean is not exactly
    representable) counts as 0, so that it cannot blow up the distance.
    """
    sims = np.asarray(sims, dtype=float)
    med = np.nanmedian(sims, axis=0)
    mad = 1.4826 * np.nanmedian(np.abs(sims - med), axis=0)
    sd = np.nanstd(sims, axis=0)
    noise = 1e-9 * np.maximum(1.0, np.abs(med))
    out = np.where(mad > 0, mad, np.where(sd > noise, sd, 1.0))
    return np.where(np.isfinite(out), out, 1.0)


def distances(sims: np.ndarray, observed: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """Euclidean distance of standardised summaries; a simulation with a NaN is infinitely far."""
    z = (np.asarray(sims, dtype=float) - observed) / scales
    d = np.sqrt(np.sum(z * z, axis=1))
    return np.where(np.isfinite(d), d, np.inf)


@dataclass(frozen=True)
class _Weighted:
    """Summary weights still to be applied to scales not yet computed."""

    scales: np.ndarray | None
    weights: np.ndarray


def _weighted(
    scales: Sequence[float] | np.ndarray | None, weights: Sequence[float] | np.ndarray | None
) -> np.ndarray | _Weighted | None:
    """Given scales and summary weights, in the form :func:`_scales` completes."""
    if weights is None:
        return None if scales is None else np.asarray(scales, dtype=float)
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not np.all(np.isfinite(w)) or np.any(w <= 0):
        raise ValueError("summary weights must be finite and positive")
    return _Weighted(None if scales is None else np.asarray(scales, dtype=float), w)


def _scales(sims: np.ndarray, given: np.ndarray | _Weighted | None) -> np.ndarray:
    """The scales of the distance: given, or from ``sims``, divided by any summary weights."""
    if given is None:
        return summary_scales(sims)
    if isinstance(given, _Weighted):
        base = summary_scales(sims) if given.scales is None else given.scales
        if base.shape != given.weights.shape:
            raise ValueError(f"need {base.size} summary weights, not {given.weights.size}")
        return base / given.weights
    return given


def tolerance(distances: np.ndarray, weights: np.ndarray, quantile: float) -> float:
    """The next tolerance: the weighted ``quantile`` of the distances, below any tied mass.

    Simulations that end alike (no answer in any episode, say) share one distance. When such a
    tie straddles the quantile, so that the particles at or below it weigh more than
    ``quantile + 0.2``, the tolerance is set to the largest distance strictly below the tie;
    otherwise a schedule could stall at the tie for ever.
    """
    eps = weighted_quantile(distances, weights, quantile)
    total = float(np.sum(weights))
    share = float(np.sum(weights[distances <= eps])) / total
    if share > quantile + 0.2:
        below = distances[distances < eps]
        if below.size:
            eps = float(below.max())
    return eps


def ess(weights: np.ndarray) -> float:
    """Effective sample size ``1 / sum(w**2)`` of normalised weights."""
    return float(1.0 / np.sum(np.asarray(weights) ** 2))


# -- seeds -------------------------------------------------------------------------------------
def _generation_seeds(entropy: int, t: int) -> tuple[np.random.Generator, np.random.SeedSequence]:
    """Generation ``t``'s generator for proposals, and the root of its simulations' seeds."""
    proposals, simulations = np.random.SeedSequence(entropy, spawn_key=(t,)).spawn(2)
    return np.random.default_rng(proposals), simulations


def _entropy(seed: Seed) -> int:
    root = root_entropy(seed)
    if root is None:
        return int(np.random.SeedSequence().entropy)  # type: ignore[arg-type]
    return root


def _summary_names(names: Sequence[str] | None, n: int) -> tuple[str, ...]:
    return tuple(names) if names is not None else tuple(f"s{i}" for i in range(n))


# -- ABC-SMC -----------------------------------------------------------------------------------
def smc(
    simulator: Model,
    priors: Priors,
    observed: Sequence[float] | np.ndarray,
    *,
    population: int = 500,
    generations: int = 8,
    seed: Seed = None,
    quantile: float = 0.5,
    scales: Sequence[float] | np.ndarray | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
    min_acceptance: float = 0.01,
    executor: cf.Executor | None = None,
    summaries: Sequence[str] | None = None,
    model: Mapping[str, Any] | None = None,
    resume: Posterior | None = None,
    on_generation: Callable[[Posterior], None] | None = None,
    progress: ProgressCallback | None = None,
    kernel: Literal["global", "local"] = "global",
) -> Posterior:
    """ABC-SMC with an adaptive quantile tolerance (``docs/calibration.md``, "ABC-SMC").

    Parameters
    ----------
    simulator
        The model to fit; must pickle if ``executor`` is a process pool.
    priors, observed
        Priors of the parameters (their order is the column order); the observed summaries.
    population, generations
        Particles per generation; generations in all, the first drawn from the prior.
    seed
        Every random draw derives from it; ``None`` draws fresh entropy and records it.
    quantile
        Tolerance of generation t: this weighted quantile of generation t-1's distances.
    scales, weights
        Summary scales (by default from generation 1's simulations); the weight of each
        summary in the distance (default 1 each), which divides its scale.
    min_acceptance
        Stop early, keeping the last full generation, when a generation would need more than
        ``population / min_acceptance`` simulations.
    executor
        Where to run the simulations (serially in this process if ``None``).
    summaries, model
        Names of the summaries; a JSON-able description of the model (kept as is).
    resume
        A checkpoint (an incomplete posterior from the same settings) to continue from.
    on_generation, progress
        Called with the posterior so far after every generation (to checkpoint it); called
        after every batch of simulations.
    kernel
        ``"global"``: one Gaussian covariance for every particle; ``"local"``: each particle's
        own, from its nearest neighbours (:mod:`escalation.calibrate.kernel`), for posteriors
        with thin regions that a global covariance scatters proposals away from.

    Returns
    -------
    Posterior
        The last generation, with the record of all of them.
    """
    _check_arguments(population, generations, quantile, min_acceptance, kernel)
    obs = np.asarray(observed, dtype=float)
    names = _summary_names(summaries, len(obs))
    settings = smc_settings(population, quantile, min_acceptance, kernel)
    setup = Setup(
        simulator=simulator,
        priors=priors,
        observed=obs,
        names=names,
        entropy=_start_entropy(seed, resume, priors, obs, names, settings),
        population=population,
        generations=generations,
        quantile=quantile,
        min_acceptance=min_acceptance,
        executor=executor,
        model=model,
        on_generation=on_generation,
        progress=progress,
        kernel=kernel,
    )
    return _run(setup, resume, _weighted(scales, weights))


def _start_entropy(
    seed: Seed,
    resume: Posterior | None,
    priors: Priors,
    observed: np.ndarray,
    names: tuple[str, ...],
    settings: dict[str, Any],
) -> int:
    """The root entropy: the seed's, checked against the checkpoint ``resume`` if given."""
    if resume is None:
        return _entropy(seed)
    return check_resume(resume, priors, observed, names, settings, root_entropy(seed))


def _check_arguments(
    population: int, generations: int, quantile: float, min_acceptance: float, kernel: str
) -> None:
    if kernel not in ("global", "local"):
        raise ValueError(f"kernel must be 'global' or 'local', not {kernel!r}")
    if population < 2:
        raise ValueError(f"population must be at least 2, not {population}")
    if generations < 1:
        raise ValueError(f"generations must be at least 1, not {generations}")
    if not 0 < quantile < 1:
        raise ValueError(f"quantile must lie strictly between 0 and 1, not {quantile}")
    if not 0 < min_acceptance <= 1:
        raise ValueError(f"min_acceptance must lie in (0, 1], not {min_acceptance}")


def _run(
    setup: Setup, resume: Posterior | None, scales: np.ndarray | _Weighted | None
) -> Posterior:
    """Generations from the first (or from the checkpoint ``resume``) to the last."""
    began = time.perf_counter()
    if resume is None:
        pop = _first_generation(setup, scales)
        setup.finished(pop)
    else:
        pop = Population.of(resume)
        if resume.meta.get("stopped") or len(pop.records) >= setup.generations:
            return setup.posterior(pop, True, **resume.meta)
    while len(pop.records) < setup.generations:
        step = _next_generation(setup, pop)
        if isinstance(step, str):  # too few accepted: keep the last full generation
            final = setup.posterior(pop, True, stopped=step)
            if setup.on_generation:
                setup.on_generation(final)
            return final.with_meta(total_seconds=time.perf_counter() - began)
        pop = step
        setup.finished(pop)
    final = setup.posterior(pop, True)
    return final.with_meta(total_seconds=time.perf_counter() - began)


def _first_generation(setup: Setup, scales: np.ndarray | _Weighted | None) -> Population:
    """Generation 1: draws from the prior, all kept; its simulations fix the summary scales."""
    t0 = time.perf_counter()
    n = setup.population
    rng, sim_seq = _generation_seeds(setup.entropy, 1)
    particles = setup.priors.sample(rng, n)
    sims = simulate_batch(setup.simulator, particles, sim_seq.spawn(n), setup.executor)
    scale = _scales(sims, scales)
    dist = distances(sims, setup.observed, scale)
    record = Generation(1, math.inf, n, n, n, n, time.perf_counter() - t0, proposed=n)
    return Population(particles, np.full(n, 1.0 / n), dist, scale, (record,))


def _next_generation(setup: Setup, pop: Population) -> Population | str:
    """The generation after ``pop``; or, if it cannot fill its population, why it stopped."""
    t = len(pop.records) + 1
    t0 = time.perf_counter()
    eps = tolerance(pop.distances, pop.weights, setup.quantile)
    kernel = PerturbationKernel(
        pop.particles, pop.weights, setup.priors, local=setup.kernel == "local"
    )
    rng, sim_seq = _generation_seeds(setup.entropy, t)
    last = pop.records[-1]
    # Batch sizes depend only on counts recorded so far, never on timing or workers.
    expected = setup.quantile * last.accepted / max(last.proposed, 1)
    n = setup.population
    budget = math.ceil(n / setup.min_acceptance)
    tally = Tally()
    while tally.accepted < n and tally.simulated < budget and tally.drawn < 100 * budget:
        rate = tally.accepted / tally.proposed if tally.accepted else expected
        need = n - tally.accepted
        batch = math.ceil(need / max(rate, 1e-4) * 1.2) + max(16, n // 20)
        theta = kernel.propose(rng, min(batch, 50 * n))
        inside, d = _simulate(setup, theta, sim_seq.spawn(len(theta)), pop.scales)
        tally.add(theta, inside, d, eps, need)
        if setup.progress:
            done = tally.accepted
            setup.progress(GenerationReport(t, setup.generations, done, n, tally.simulated, eps))
    if tally.accepted < n:
        return (
            f"generation {t} accepted {tally.accepted} of {n} particles "
            f"in {tally.simulated} simulations (below min_acceptance {setup.min_acceptance})"
        )
    new = np.concatenate(tally.thetas, axis=0)
    logw = setup.priors.logpdf(new) - kernel.log_density(new)
    w = np.exp(logw - logw.max())
    w = w / w.sum()
    seconds = time.perf_counter() - t0
    rec = Generation(
        t, eps, tally.accepted, tally.used, tally.simulated, ess(w), seconds, tally.proposed
    )
    return Population(new, w, np.concatenate(tally.dists), pop.scales, (*pop.records, rec))


def _simulate(
    setup: Setup, theta: np.ndarray, seeds: list[np.random.SeedSequence], scale: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which proposals lie in the prior's support, and their distances (``inf`` outside it).

    Proposals outside the support are not simulated.
    """
    inside = np.isfinite(setup.priors.logpdf(theta))
    rows = np.flatnonzero(inside)
    d = np.full(len(theta), np.inf)
    if len(rows):
        sims = simulate_batch(
            setup.simulator, theta[rows], [seeds[i] for i in rows], setup.executor
        )
        d[rows] = distances(sims, setup.observed, scale)
    return inside, d


# -- rejection ABC -----------------------------------------------------------------------------
def rejection(
    simulator: Model,
    priors: Priors,
    observed: Sequence[float] | np.ndarray,
    *,
    population: int = 500,
    simulations: int = 10_000,
    seed: Seed = None,
    scales: Sequence[float] | np.ndarray | None = None,
    weights: Sequence[float] | np.ndarray | None = None,
    executor: cf.Executor | None = None,
    summaries: Sequence[str] | None = None,
    model: Mapping[str, Any] | None = None,
    progress: ProgressCallback | None = None,
) -> Posterior:
    """Rejection ABC: keep the ``population`` of ``simulations`` prior draws nearest the data.

    The baseline to compare ABC-SMC with. Scales default to the MAD of all the simulations
    (as for ABC-SMC's first generation); weights are equal; the tolerance is the largest
    distance kept. Ties at the cut are broken by draw order.
    """
    if not 2 <= population <= simulations:
        raise ValueError("need 2 <= population <= simulations")
    obs = np.asarray(observed, dtype=float)
    entropy = _entropy(seed)
    t0 = time.perf_counter()
    rng, sim_seq = _generation_seeds(entropy, 1)
    theta = priors.sample(rng, simulations)
    sims = simulate_batch(simulator, theta, sim_seq.spawn(simulations), executor)
    scale = _scales(sims, _weighted(scales, weights))
    d = distances(sims, obs, scale)
    keep = np.argsort(d, kind="stable")[:population]
    eps = float(d[keep[-1]])
    seconds = time.perf_counter() - t0
    n = population
    rec = Generation(1, eps, n, simulations, simulations, n, seconds, proposed=simulations)
    if progress:
        progress(GenerationReport(1, 1, n, n, simulations, eps, rec))
    return Posterior(
        priors=priors,
        particles=theta[keep],
        weights=np.full(n, 1.0 / n),
        distances=d[keep],
        summaries=_summary_names(summaries, len(obs)),
        observed=obs,
        scales=scale,
        generations=(rec,),
        seed=entropy,
        method="rejection",
        settings={"population": population, "simulations": simulations},
        model=model,
        complete=True,
        meta={"created": now_iso(), "seconds": rec.seconds},
    )
